//! `http.md`: Wasm that serves, from the matrix's HTTP cells: which language's handler (a WAGI
//! command, a `wasi:http/proxy` component) each column serves, how long a server takes to be ready,
//! the cold first request against the warm ones, requests per second with latency percentiles under
//! a bounded load, and one language's handler served each way side by side.

use std::collections::BTreeSet;
use std::fmt::Write;

use super::{Cell, Results, format_ms, format_stats};
use crate::Outcome;

/// The ways of serving one handler that the page compares: the sample, the column that serves it,
/// and what the way is called.
pub const WAYS: [(&str, &str, &str); 7] = [
    ("wagi", "wasmtime", "WAGI command, gateway on wasmtime"),
    (
        "wasi-http",
        "wasmtime-component",
        "wasi:http component, gateway on wasmtime-component",
    ),
    (
        "wasi-http",
        "wasmtime-cli-component",
        "wasi:http component, `wasmtime serve`",
    ),
    (
        "wasi-http",
        "docker-wasmtime",
        "wasi:http component, Docker + wasmtime shim",
    ),
    (
        "socket-http",
        "wasmtime-component",
        "socket server, wasi:sockets on wasmtime-component",
    ),
    (
        "socket-http",
        "wasmedge-aot",
        "socket server, WasmEdge's socket extension (AOT)",
    ),
    ("socket-http", "native", "socket server, native process"),
];

/// Per language that was served under load more than one way, each way's load cell (in [`WAYS`]'
/// order; `None` where that way did not serve it).
pub fn ways(results: &Results) -> Vec<(&str, Vec<Option<&Cell>>)> {
    let mut rows: Vec<(&str, Vec<Option<&Cell>>)> = Vec::new();
    for language in ordered(results.cells.iter().map(|c| c.language.as_str())) {
        let row: Vec<Option<&Cell>> = WAYS
            .iter()
            .map(|(sample, runtime, _)| {
                results.cells.iter().find(|c| {
                    c.language == language
                        && c.sample == *sample
                        && c.runtime == *runtime
                        && c.http_load.is_some()
                })
            })
            .collect();
        if row.iter().flatten().count() > 1 {
            rows.push((language, row));
        }
    }
    rows
}

/// Whether the results have any HTTP cell that ran.
pub fn applies(results: &Results) -> bool {
    results.cells.iter().any(is_http)
}

fn is_http(cell: &Cell) -> bool {
    cell.server_ready_ms.is_some() || cell.http_load.is_some()
}

/// The samples whose cells were served: a sample is an HTTP sample when any of its cells was.
fn http_samples(results: &Results) -> BTreeSet<&str> {
    results
        .cells
        .iter()
        .filter(|c| is_http(c))
        .map(|c| c.sample.as_str())
        .collect()
}

pub fn render(results: &Results) -> String {
    let meta = &results.meta;
    let samples = http_samples(results);
    // The socket servers' sandbox probe is a command, counted in `claims.md`.
    let cells: Vec<&Cell> = results
        .cells
        .iter()
        .filter(|c| samples.contains(c.sample.as_str()))
        .filter(|c| !crate::native::is_sandbox_probe(&c.sample, &c.case))
        .collect();
    let mut out = String::new();
    let _ = writeln!(out, "# HTTP: Wasm that serves\n");
    let _ = writeln!(
        out,
        "From the same `cargo xtask matrix` run as `matrix.json` ({}, commit `{}`, {} ({} cores)). \
         Each HTTP cell starts a server on a free loopback port: `harness serve` (the gateway, \
         WAGI commands on the preview 1 engines, `wasi:http/proxy` components on \
         `wasmtime-component`) through its column's engine, on `wasmtime-cli-component` the \
         tool's own `wasmtime serve`, on `docker-wasmtime` a container of the component whose \
         shim serves it on the host's loopback; a socket server (`socket-http`) is the program \
         itself, run with the network granted (`LISTEN_ADDR=127.0.0.1:0`) in its engine's worker, \
         by its tool or natively, and says where it listens; it sends its case's request, checks the whole answer, stops the server \
         with SIGTERM and checks that none of its workers is left. *Ready* is from starting the \
         server to its address line (every worker has loaded, and where the engine compiles ahead \
         of time, compiled or read from the cache, its module). *Cold* is the first request to a \
         worker that has served nothing; *warm* the median of the others. The load run sends the \
         same request back to back on keep-alive connections, as many as the gateway has workers \
         (`wasmtime serve` takes them as they come, the shim one at a time), \
         client and server on the same machine; latency percentiles are exact (nearest rank over \
         every request). *Peak memory* is the engine processes' (the gateway's workers, the \
         tool); a container's engine is out of the harness's sight (—). Columns that cannot \
         serve are `unsupported` with the reason in `matrix.md`.\n",
        meta.date, meta.git_commit, meta.host.cpu, meta.host.cores,
    );

    let _ = writeln!(out, "## Cases served\n");
    let _ = writeln!(
        out,
        "Passing cases of the HTTP samples per language and column (cells that ran; the rest are \
         unsupported or skipped).\n"
    );
    let columns: Vec<&str> = ordered(cells.iter().filter(|c| c.n > 0).map(|c| c.runtime.as_str()));
    let handlers: Vec<(&str, &str)> = {
        let mut seen = Vec::new();
        for c in &cells {
            if !seen.contains(&(c.language.as_str(), c.sample.as_str())) {
                seen.push((c.language.as_str(), c.sample.as_str()));
            }
        }
        seen
    };
    let _ = writeln!(out, "| handler | {} |", columns.join(" | "));
    let _ = writeln!(out, "|---|{}", "---|".repeat(columns.len()));
    for (language, sample) in &handlers {
        let mut row = format!("| {language}/{sample} |");
        for column in &columns {
            let ran: Vec<&&Cell> = cells
                .iter()
                .filter(|c| {
                    c.language == *language
                        && c.sample == *sample
                        && c.runtime == *column
                        && c.n > 0
                })
                .collect();
            let passed = ran.iter().filter(|c| c.outcome == Outcome::Pass).count();
            let text = match ran.len() {
                0 => "—".to_owned(),
                n if passed == n => format!("{passed}/{n}"),
                n => {
                    let failing: BTreeSet<String> = ran
                        .iter()
                        .filter(|c| c.outcome != Outcome::Pass)
                        .map(|c| c.outcome.to_string())
                        .collect();
                    format!(
                        "{passed}/{n} ({})",
                        failing.into_iter().collect::<Vec<_>>().join(", ")
                    )
                }
            };
            let _ = write!(row, " {text} |");
        }
        let _ = writeln!(out, "{row}");
    }

    let ways = ways(results);
    if !ways.is_empty() {
        let _ = writeln!(out, "\n## One handler, served each way\n");
        let _ = writeln!(
            out,
            "The same language's handler under the same load: requests per second, then p50 and \
             p99. WAGI starts a preview 1 command per request (CGI variables, stdin, stdout); a \
             `wasi:http/proxy` component gets the request as `wasi:http` resources; both \
             instantiate afresh per request. A socket server is one long-lived instance that \
             accepts connections itself; Rust's closes each connection after its answer (it is \
             single-threaded), so its rate includes a connect per request, while Go's `net/http` \
             keeps them alive. The bodies differ only in the names of the fields they echo.\n"
        );
        let _ = writeln!(
            out,
            "| language | {} |",
            WAYS.iter().map(|w| w.2).collect::<Vec<_>>().join(" | ")
        );
        let _ = writeln!(out, "|---|{}", "---|".repeat(WAYS.len()));
        for (language, row) in &ways {
            let mut line = format!("| {language} |");
            for cell in row {
                let text = match cell.and_then(|c| c.http_load.as_ref()) {
                    Some(load) => format!(
                        "{:.0}/s, {}, {}",
                        load.rps,
                        format_ms(load.p50_ms),
                        format_ms(load.p99_ms)
                    ),
                    None => "—".into(),
                };
                let _ = write!(line, " {text} |");
            }
            let _ = writeln!(out, "{line}");
        }
    }

    let loaded: Vec<&&Cell> = cells.iter().filter(|c| c.http_load.is_some()).collect();
    if !loaded.is_empty() {
        let _ = writeln!(out, "\n## Under load\n");
        let _ = writeln!(
            out,
            "| handler | column | ready | cold | warm | requests/s | p50 | p90 | p99 | max | \
             requests (errors) | peak memory |"
        );
        let _ = writeln!(out, "|---|---|---|---|---|---|---|---|---|---|---|---|");
        for cell in loaded {
            let load = cell.http_load.as_ref().expect("filtered on it");
            let errors = if load.errors == 0 {
                String::new()
            } else {
                format!(" ({} errors: {})", load.errors, load.first_error)
            };
            let _ = writeln!(
                out,
                "| {}/{} | {} | {} | {} | {} | {:.0} | {} | {} | {} | {} | {} in {:.1} s, {} conn.{errors} | {} |",
                cell.language,
                cell.sample,
                cell.runtime,
                cell.server_ready_ms.map_or("—".into(), format_ms),
                cell.cold_wall_ms.map_or("—".into(), format_ms),
                cell.warm_wall_ms_stats
                    .as_ref()
                    .map_or("—".into(), format_stats),
                load.rps,
                format_ms(load.p50_ms),
                format_ms(load.p90_ms),
                format_ms(load.p99_ms),
                format_ms(load.max_ms),
                load.requests,
                load.seconds,
                load.connections,
                if cell.peak_rss_kib > 0 {
                    format!("{:.1} MiB", cell.peak_rss_kib as f64 / 1024.0)
                } else {
                    "—".into()
                },
            );
        }
    }
    out
}

/// Distinct values in first-seen order.
fn ordered<'a>(values: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut seen = Vec::new();
    for v in values {
        if !seen.contains(&v) {
            seen.push(v);
        }
    }
    seen
}
