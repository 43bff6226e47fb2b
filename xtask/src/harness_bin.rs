//! Builds the harness binary optimized and runs it: the engines' compilers are many times slower
//! unoptimized, so every figure the project publishes comes from a release build.

use std::path::PathBuf;

use xshell::{Shell, cmd};

pub fn build(sh: &Shell) -> anyhow::Result<PathBuf> {
    eprintln!(
        "xtask: building the harness (release; the first build compiles wasmtime and wasmer and takes several minutes)"
    );
    cmd!(sh, "cargo build --release --package harness --bin harness").run()?;
    build_wasmedge_worker(sh)?;
    Ok(crate::target_dir().join("release").join("harness"))
}

/// Builds the WasmEdge columns' worker when WasmEdge can be provided (`toolchains.toml`); otherwise
/// those columns are skipped with the reason, and the rest of the matrix runs as usual.
pub fn build_wasmedge_worker(sh: &Shell) -> anyhow::Result<bool> {
    let lock = crate::setup::load_lock()?;
    match crate::setup::provide(sh, &lock, "wasmedge", false)? {
        Ok(_) => {
            cmd!(
                sh,
                "cargo build --release --package harness-wasmedge --bin harness-wasmedge-worker"
            )
            .run()?;
            Ok(true)
        }
        Err(reason) => {
            eprintln!("xtask: the WasmEdge columns will be skipped: {reason}");
            Ok(false)
        }
    }
}

/// Runs the harness with these arguments and extra environment; returns its exit code.
pub fn run(sh: &Shell, args: &[String], env: &[(String, String)]) -> anyhow::Result<i32> {
    let exe = build(sh)?;
    // The user's working directory, not the project's: relative paths on the command line are theirs.
    let mut child = std::process::Command::new(&exe)
        .args(args)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .spawn()?;
    Ok(wait_through_interrupts(&mut child)?.code().unwrap_or(1))
}

/// Waits for a child while a Ctrl-C goes to the child alone: the caller lives on to clean up (stop
/// the engine it started) after the child has stopped.
pub fn wait_through_interrupts(
    child: &mut std::process::Child,
) -> std::io::Result<std::process::ExitStatus> {
    // SAFETY: only changes this process's disposition of SIGINT, restored below; the child, already
    // started, keeps the default.
    let previous = unsafe { libc::signal(libc::SIGINT, libc::SIG_IGN) };
    let status = child.wait();
    unsafe { libc::signal(libc::SIGINT, previous) };
    status
}
