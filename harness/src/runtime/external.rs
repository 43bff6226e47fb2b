//! Columns whose engine lives in a worker of its own: Node.js's (see `node`), and WasmEdge's.
//! WasmEdge links libwasmedge, which may need a newer libc than the host's, so
//! `harness-wasmedge-worker` runs under the dynamic loader of the prefix that provides the library,
//! and only that process does. The harness finds the binary next to
//! its own and the prefix under the project's `.cache/` (or `HARNESS_WASMEDGE_PREFIX`).

use std::path::{Path, PathBuf};
use std::process::Command;

/// The worker binary's name.
pub const WASMEDGE_WORKER: &str = "harness-wasmedge-worker";

/// Where `cargo xtask setup --language wasmedge` unpacks WasmEdge, below the project root.
pub const WASMEDGE_PREFIX: &str = ".cache/toolchains/wasmedge-0.14.1";

/// How to start the worker for an external column, or why it cannot be (a skip reason).
pub fn command(name: &str) -> Result<Command, String> {
    let column = super::registry::get(name).ok_or_else(|| format!("unknown column `{name}`"))?;
    debug_assert_eq!(column.kind, super::Kind::ExternalWorker);
    match column.engine {
        super::registry::Engine::V8 if column.runs_components() => super::node::jco_command(column),
        super::registry::Engine::V8 => super::node::command(),
        _ => wasmedge_worker(),
    }
}

/// `harness-wasmedge-worker`, under the prefix's loader where there is one.
fn wasmedge_worker() -> Result<Command, String> {
    let here =
        std::env::current_exe().map_err(|e| format!("cannot find the harness binary: {e}"))?;
    let exe = here
        .ancestors()
        .skip(1)
        .take(2)
        .map(|dir| dir.join(WASMEDGE_WORKER))
        .find(|p| p.is_file())
        .ok_or_else(|| {
            format!(
                "{WASMEDGE_WORKER} is not built: run `cargo xtask setup --language wasmedge`, then \
                 `cargo build --release -p harness-wasmedge` (cargo xtask matrix does both)"
            )
        })?;
    let prefix = std::env::var_os("HARNESS_WASMEDGE_PREFIX")
        .map(PathBuf::from)
        .or_else(|| {
            here.ancestors()
                .map(|dir| dir.join(WASMEDGE_PREFIX))
                .find(|p| p.is_dir())
        });
    let libdir = prefix
        .as_deref()
        .map(|p| p.join("usr/lib/x86_64-linux-gnu"));
    match libdir
        .as_deref()
        .map(|d| (d, d.join("ld-linux-x86-64.so.2")))
    {
        Some((libdir, loader)) if loader.is_file() => {
            let mut command = Command::new(loader);
            command.arg("--library-path").arg(libdir).arg(&exe);
            Ok(command)
        }
        // A system libwasmedge (Debian 13, Ubuntu 24.04 and later): the worker runs as it is.
        _ => Ok(Command::new(exe)),
    }
}

/// The prefix's own `wasmedge` command-line tool, started the same way, when it is there.
pub fn wasmedge_cli_in_prefix(root: &Path) -> Option<Command> {
    let prefix = root.join(WASMEDGE_PREFIX);
    let libdir = prefix.join("usr/lib/x86_64-linux-gnu");
    let loader = libdir.join("ld-linux-x86-64.so.2");
    let cli = prefix.join("usr/bin/wasmedge");
    (loader.is_file() && cli.is_file()).then(|| {
        let mut command = Command::new(loader);
        command.arg("--library-path").arg(libdir).arg(cli);
        command
    })
}
