//! `harness-wasmedge-worker`: the worker for the WasmEdge columns. It links libwasmedge, which may
//! need a newer libc than the host's, so the harness starts it under the loader of the prefix that
//! provides the library; it speaks the harness's worker protocol on stdin and stdout.

use std::process::ExitCode;

fn main() -> ExitCode {
    // `serve-worker`: a resident worker of the WAGI gateway; otherwise one run, as the matrix's.
    let resident = std::env::args().nth(1).as_deref() == Some(harness::resident::SUBCOMMAND);
    let select = |name: &str, _found: Option<&harness::runtime::Found>| {
        harness_wasmedge::WasmEdge::for_column(name)
            .map(|b| Box::new(b) as Box<dyn harness::runtime::Runtime>)
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "this worker serves {}, not `{name}`",
                    harness_wasmedge::columns()
                        .map(|c| c.name)
                        .collect::<Vec<_>>()
                        .join(" and ")
                )
            })
    };
    let served = if resident {
        harness::resident::serve_with(select)
    } else {
        harness::worker::serve_with(select)
    };
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("harness-wasmedge-worker: {err:#}");
            ExitCode::FAILURE
        }
    }
}
