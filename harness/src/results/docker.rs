//! `docker.md`: the Docker+Wasm path beside the other ways to run the same program, from the
//! matrix's own cells: start-up (cold and warm wall time), the engine process's peak memory, image
//! sizes, and how each container column's cells came out.

use std::fmt::Write;

use super::figures::format_bytes;
use super::{Cell, NOISY_MARK, Results, format_ms, format_stats};
use crate::Outcome;
use crate::runtime::registry::{self, Column, is_container};
use crate::scheduler::STARTUP;

/// The columns set side by side with the container columns: the host's own process, and the
/// in-process columns whose backend a shim runs.
fn beside() -> Vec<&'static str> {
    let mut beside = vec![crate::native::COLUMN];
    for column in registry::COLUMNS.iter().filter_map(Column::runs_code_of) {
        if !beside.contains(&column.name) {
            beside.push(column.name);
        }
    }
    beside
}

fn containers() -> impl Iterator<Item = &'static str> {
    registry::COLUMNS
        .iter()
        .filter(|c| c.is_container())
        .map(|c| c.name)
}

/// Whether the results have any container column that ran.
pub fn applies(results: &Results) -> bool {
    results
        .cells
        .iter()
        .any(|c| is_container(&c.runtime) && c.n > 0)
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
         container's process as the shim reports it; for embedded engines, the harness worker). \
         Medians are shown with the half-width of their 95% interval (Student's t) relative to the \
         median; {NOISY_MARK} marks one wider than {:.0}% of its median, `(n=1)` a single run.\n",
        meta.date,
        meta.git_commit,
        meta.host.cpu,
        meta.host.cores,
        meta.repeat,
        meta.noise_threshold * 100.0
    );
    let _ = writeln!(out, "| column | engine |\n|---|---|");
    for (name, version) in &meta.runtimes {
        if is_container(name) {
            let _ = writeln!(out, "| {name} | {version} |");
        }
    }

    let columns: Vec<&str> = beside()
        .into_iter()
        .chain(containers())
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
                    cell.image_bytes.map_or("—".into(), format_bytes),
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
            match (&cell.run_ms_stats, cell.n) {
                (_, 0) => "—".into(),
                (Some(stats), _) => format_stats(stats),
                (None, _) => format_ms(cell.phases_ms.run),
            },
            cell.image_bytes.map_or("—".into(), format_bytes),
        );
    }

    let _ = writeln!(out, "\n## Outcomes per container column\n");
    let _ = writeln!(out, "| column | cells | pass | not as expected |");
    let _ = writeln!(out, "|---|---|---|---|");
    for column in containers() {
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
    let n = cell.n.saturating_sub(1);
    match (&cell.warm_wall_ms_stats, cell.warm_wall_ms) {
        // One warm run has no interval; its count says so already.
        (Some(stats), _) if stats.n > 1 => format!("{} ({n})", format_stats(stats)),
        (_, Some(ms)) => format!("{} ({n})", format_ms(ms)),
        (_, None) => "—".into(),
    }
}

fn memory(cell: &Cell) -> String {
    if cell.peak_rss_kib == 0 {
        "—".into()
    } else {
        format!("{:.1} MiB", cell.peak_rss_kib as f64 / 1024.0)
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixture;
    use crate::Outcome;

    #[test]
    fn warm_start_up_and_run_phases_carry_their_intervals() {
        let mut results = fixture::results();
        // Wall times 210, then 170..176: cold 210 ms, warm the median of four, 173 ms ±2.4%.
        results.cells.push(fixture::cell(
            "docker-wasmtime",
            "rust/hello/default",
            Outcome::Pass,
            &[200.0, 160.0, 162.0, 164.0, 166.0],
        ));
        results.cells.push(fixture::cell(
            "docker-wasmtime",
            "rust/nbody/bench",
            Outcome::Pass,
            &[200.0, 160.0, 162.0, 164.0, 166.0],
        ));
        assert!(super::applies(&results));
        let md = super::render(&results);
        assert!(md.contains("wider than 5% of its median"), "{md}");
        assert!(
            md.contains(
                "| rust/hello/default | docker-wasmtime | pass | 210 ms | 173 ms ±2.4% (4) | 4.0 MiB | — |"
            ),
            "{md}"
        );
        // The run phase over all five runs: 164 ms, half-width 12.6% of it.
        assert!(
            md.contains(
                "| rust/nbody/bench | docker-wasmtime | pass | 173 ms ±2.4% (4) | 164 ms ±12.6% ⚠ | — |"
            ),
            "{md}"
        );
    }
}
