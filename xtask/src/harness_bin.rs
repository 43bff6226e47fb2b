//! Builds the harness binary optimized and runs it: the engines' compilers are many times slower
//! unoptimized, so every figure the project publishes comes from a release build.

use std::path::PathBuf;

use xshell::{Shell, cmd};

pub fn build(sh: &Shell) -> anyhow::Result<PathBuf> {
    eprintln!(
        "xtask: building the harness (release; the first build compiles wasmtime and wasmer and takes several minutes)"
    );
    cmd!(sh, "cargo build --release --package harness --bin harness").run()?;
    Ok(crate::target_dir().join("release").join("harness"))
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
