//! `docker.md`: the Docker+Wasm path beside the other ways to run the same program, from the
//! matrix's own cells: start-up (cold and warm wall time), the engine process's peak memory, image
//! sizes, and how each container column's cells came out.

use std::fmt::Write;

use super::{Cell, Results, format_ms};
use crate::Outcome;
use crate::runtime::docker;

/// The columns set side by side with the container columns.
const BESIDE: &[&str] = &["native", "wasmtime", "wasmer", "wasmedge-aot"];

/// Programs whose whole run is mostly start-up.
const STARTUP: &[&str] = &["rust/hello/default", "rust/wasm-docker/default"];

/// Whether the results have any container column that ran.
pub fn applies(results: &Results) -> bool {
    results
        .cells
        .iter()
        .any(|c| docker::is_container(&c.runtime) && c.n > 0)
}

pub fn render(results: &Results) -> String {
    let meta = &results.meta;
    let mut out = String::new();
    let _ = writeln!(out, "# Docker+Wasm\n");
    let _ = writeln!(
        out,
        "From the same `cargo xtask matrix` run as `matrix.json` ({}, commit `{}`, {} ({} cores), \
         {} run(s) per cell). Wall time is from the `docker run` (or `ctr run`, or process start) to \
         its exit. *Cold* is a cell's first run (the matrix starts with none of its images in the \
         engine, so the first cell of an image is that image's first run); *warm* is the median of \
         the other runs. Peak memory is the process that ran the engine (for the shims, the \
         container's process as the shim reports it; for embedded engines, the harness worker).\n",
        meta.date, meta.git_commit, meta.host.cpu, meta.host.cores, meta.repeat
    );
    let _ = writeln!(out, "| column | engine |\n|---|---|");
    for (name, version) in &meta.runtimes {
        if docker::is_container(name) {
            let _ = writeln!(out, "| {name} | {version} |");
        }
    }

    let columns: Vec<&str> = BESIDE
        .iter()
        .copied()
        .chain(docker::COLUMNS.iter().copied())
        .filter(|c| results.cells.iter().any(|cell| cell.runtime == *c))
        .collect();

    let _ = writeln!(out, "\n## Start-up\n");
    let _ = writeln!(
        out,
        "| program | column | outcome | cold | warm (n) | peak memory | image |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---|");
    for row in STARTUP {
        for column in &columns {
            if let Some(cell) = results.cell(row, column) {
                let _ = writeln!(
                    out,
                    "| {row} | {column} | {} | {} | {} | {} | {} |",
                    cell.outcome,
                    cell.cold_wall_ms.map_or("—".into(), format_ms),
                    warm(cell),
                    memory(cell),
                    cell.image_bytes.map_or("—".into(), bytes),
                );
            }
        }
    }

    let _ = writeln!(out, "\n## Kernels (benchmark sizes), wall time\n");
    let _ = writeln!(
        out,
        "| program | column | outcome | warm (n) | run phase | image |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|");
    for cell in results
        .cells
        .iter()
        .filter(|c| c.language == "rust" && c.bench && columns.contains(&c.runtime.as_str()))
    {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} |",
            cell.row(),
            cell.runtime,
            cell.outcome,
            warm(cell),
            if cell.n > 0 {
                format_ms(cell.phases_ms.run)
            } else {
                "—".into()
            },
            cell.image_bytes.map_or("—".into(), bytes),
        );
    }

    let _ = writeln!(out, "\n## Outcomes per container column\n");
    let _ = writeln!(out, "| column | cells | pass | not as expected |");
    let _ = writeln!(out, "|---|---|---|---|");
    for column in docker::COLUMNS {
        let cells: Vec<&Cell> = results
            .cells
            .iter()
            .filter(|c| c.runtime == *column)
            .collect();
        if cells.is_empty() {
            continue;
        }
        let pass = cells.iter().filter(|c| c.outcome == Outcome::Pass).count();
        let odd = cells.iter().filter(|c| !c.as_expected).count();
        let _ = writeln!(out, "| {column} | {} | {pass} | {odd} |", cells.len());
    }
    let _ = writeln!(
        out,
        "\nEvery cell, with the reason of each that is not a plain pass, is in `matrix.md`."
    );
    out
}

fn warm(cell: &Cell) -> String {
    match cell.warm_wall_ms {
        Some(ms) => format!("{} ({})", format_ms(ms), cell.n.saturating_sub(1)),
        None => "—".into(),
    }
}

fn memory(cell: &Cell) -> String {
    if cell.peak_rss_kib == 0 {
        "—".into()
    } else {
        format!("{:.1} MiB", cell.peak_rss_kib as f64 / 1024.0)
    }
}

fn bytes(n: u64) -> String {
    if n >= 1 << 20 {
        format!("{:.1} MiB", n as f64 / (1 << 20) as f64)
    } else {
        format!("{:.0} KiB", n as f64 / 1024.0)
    }
}
