//! The project's driver: `cargo xtask build-samples`, `cargo xtask matrix`, `cargo xtask run`,
//! `cargo xtask test`. Each task lives in its own file.

mod build_samples;
mod crosscheck;
mod docker;
mod harness_bin;
mod matrix;
mod native;
mod recipes;
mod run;
mod setup;
mod stamps;
mod test;

use std::path::PathBuf;

use anyhow::bail;
use xshell::Shell;

const USAGE: &str = "usage: cargo xtask <task>
  setup [--language L]... [--offline]
                                    install the pinned toolchains of toolchains.toml into .cache/
  build-samples [--language L]... [--offline] [--native]
                                    set up toolchains, build every sample (and kernels natively)
  matrix [--runtime R]... [--sample S]... [--repeat N] [--no-bench] [--no-cache] [--bench-interpreters]
         [--resume]                 build what is stale, run the matrix, write results/; --resume
                                    goes on with an interrupted run from its journal
  run MODULE.wasm [--runtime R]... [--dir HOST::GUEST]... [--env K=V]... [--proposal P]... [-- ARGS]
                                    run any module on every runtime and compare
  test                              build the samples, run the unit tests and the conformance suite,
                                    then crosscheck (unfiltered runs); CI=true builds
                                    the `ci` profile (release at opt-level 1)
  crosscheck [--column C]... [--runs N] [--self-test] [--write] [--harness EXE]
                                    check each embedded engine's run phase against its own tool
  docker up|down|status             start (or find) the Docker Engine the container columns use, stop it";

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let sh = Shell::new()?;
    sh.change_dir(project_root());
    let Some((task, rest)) = args.split_first() else {
        println!("{USAGE}");
        return Ok(());
    };
    let rest = rest.to_vec();
    // Arguments after `--` are the guest's.
    let own = rest.iter().take_while(|a| *a != "--");
    if own.clone().any(|a| a == "-h" || a == "--help") {
        println!("{USAGE}");
        return Ok(());
    }
    match task.as_str() {
        "setup" => setup::Setup::parse(&rest)?.run(&sh),
        "build-samples" => build_samples::BuildSamples::parse(&rest)?.run(&sh),
        "matrix" => matrix::Matrix { args: rest }.run(&sh),
        "run" => run::Run { args: rest }.run(&sh),
        "test" => test::Test { args: rest }.run(&sh),
        "crosscheck" => crosscheck::Crosscheck::parse(&rest)?.run(&sh),
        "docker" => docker::Docker { args: rest }.run(&sh),
        "-h" | "--help" | "help" => {
            println!("{USAGE}");
            Ok(())
        }
        other => bail!("unknown task `{other}`\n{USAGE}"),
    }
}

pub fn project_root() -> PathBuf {
    let dir = std::env::var("CARGO_MANIFEST_DIR")
        .unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_owned());
    PathBuf::from(dir)
        .parent()
        .expect("xtask lives inside the workspace")
        .to_owned()
}

pub fn target_dir() -> PathBuf {
    harness::manifest::target_dir(&project_root())
}

/// Whether this run builds the harness, engines and shims with the `ci` profile instead of `release`.
static CI_PROFILE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Makes this run's builds use the `ci` profile (Cargo.toml says why). Only `test` under CI=true
/// does: `matrix` publishes figures, and always builds `release`.
pub fn use_ci_profile() {
    CI_PROFILE.store(true, std::sync::atomic::Ordering::Relaxed);
}

/// The Cargo profile of this run's optimized builds, which is also their directory under the target
/// directory.
pub fn profile() -> &'static str {
    if CI_PROFILE.load(std::sync::atomic::Ordering::Relaxed) {
        "ci"
    } else {
        "release"
    }
}

/// Where this run's optimized build puts its binaries.
pub fn profile_dir() -> PathBuf {
    target_dir().join(profile())
}
