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

/// Runs the harness with these arguments; its exit status becomes ours.
pub fn run(sh: &Shell, args: &[String]) -> anyhow::Result<()> {
    let exe = build(sh)?;
    // The user's working directory, not the project's: relative paths on the command line are theirs.
    let status = std::process::Command::new(&exe).args(args).status()?;
    if !status.success() {
        std::process::exit(status.code().unwrap_or(1));
    }
    Ok(())
}
