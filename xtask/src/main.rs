//! The project's driver: `cargo xtask build-samples`, `cargo xtask matrix`, `cargo xtask run`,
//! `cargo xtask test` and friends. The flags are declared once as types (clap's derive, the harness's
//! own for `matrix` and `run`); each task lives in its own file as `fn run(self, sh: &Shell)`.

mod build_samples;
mod components;
mod crosscheck;
mod docker;
mod engine_run;
mod harness_bin;
mod matrix;
mod native;
mod proposals;
mod recipes;
mod report;
mod run;
mod serve;
mod setup;
mod stamps;
mod test;
mod wasi_testsuite;

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use xshell::Shell;

#[derive(Debug, Parser)]
#[command(
    name = "cargo xtask",
    bin_name = "cargo xtask",
    about = "The project's driver"
)]
struct Xtask {
    #[command(subcommand)]
    task: Task,
}

#[derive(Debug, Subcommand)]
enum Task {
    /// Install the pinned toolchains of toolchains.toml into .cache/
    Setup(setup::Setup),
    /// Set up toolchains and build every sample (and, with --native, the kernels for the host)
    BuildSamples(build_samples::BuildSamples),
    /// Build what is stale, run the matrix, write results/
    Matrix(matrix::Matrix),
    /// Run any module on every runtime column and compare
    Run(run::Run),
    /// Render every output from results files without running anything; several files (from
    /// several machines) merge into one report with the host as a dimension
    Report(report::Report),
    /// Build the samples, run the unit tests and the conformance suite, then crosscheck (unfiltered
    /// runs); CI=true builds the `ci` profile (release at opt-level 1)
    Test(test::Test),
    /// Check each embedded engine's run phase against its own tool
    Crosscheck(crosscheck::Crosscheck),
    /// Start (or find) the Docker Engine the container columns use, or stop it
    Docker(docker::Docker),
    /// Run WebAssembly/wasi-testsuite on every column (no DIR: the project's own corpus), with
    /// per-column expectations, writing the suite's JSON report and our Markdown
    #[command(name = "wasi-testsuite")]
    WasiTestsuite(wasi_testsuite::WasiTestsuite),
    /// Measure which WebAssembly proposals every column supports, by default and when enabled,
    /// against webassembly.org/features (results/proposals.md and .json)
    Proposals(proposals::Proposals),
    /// Serve a WAGI modules.toml over HTTP through an engine column (default: the seed's Go
    /// handler, built first); Ctrl-C stops it
    Serve(serve::Serve),
}

fn main() -> anyhow::Result<()> {
    let Xtask { task } = Xtask::parse_from(
        // `cargo xtask` runs the binary as `xtask`; a user may also run it directly.
        std::env::args(),
    );
    let sh = Shell::new()?;
    sh.change_dir(project_root());
    match task {
        Task::Setup(task) => task.run(&sh),
        Task::BuildSamples(task) => task.run(&sh),
        Task::Matrix(task) => task.run(&sh),
        Task::Run(task) => task.run(&sh),
        Task::Report(task) => task.run(&sh),
        Task::Test(task) => task.run(&sh),
        Task::Crosscheck(task) => task.run(&sh),
        Task::Docker(task) => task.run(&sh),
        Task::WasiTestsuite(task) => task.run(&sh),
        Task::Proposals(task) => task.run(&sh),
        Task::Serve(task) => task.run(&sh),
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

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    fn parse(args: &[&str]) -> Task {
        Xtask::try_parse_from(std::iter::once("xtask").chain(args.iter().copied()))
            .unwrap()
            .task
    }

    #[test]
    fn the_flags_are_well_formed() {
        Xtask::command().debug_assert();
    }

    #[test]
    fn test_arguments_go_to_the_test_binaries() {
        for line in [
            &["test", "wasmer/", "--nocapture"][..],
            &["test", "--", "wasmer/", "--nocapture"],
        ] {
            let Task::Test(test) = parse(line) else {
                panic!("not test")
            };
            assert_eq!(test.args, ["wasmer/", "--nocapture"], "{line:?}");
        }
    }

    #[test]
    fn matrix_takes_the_harness_flags_in_both_spellings() {
        let Task::Matrix(m) = parse(&["matrix", "--runtime=wasmtime", "--no-bench"]) else {
            panic!("not matrix")
        };
        assert_eq!(m.args.runtimes, ["wasmtime"]);
        // Asking for no container column starts no engine.
        assert!(!m.args.wants_containers());
        assert!(Xtask::try_parse_from(["xtask", "matrix", "--runtime", "nope"]).is_err());
    }
}
