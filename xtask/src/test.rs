//! `cargo xtask test`: builds the samples, then runs the unit tests and the conformance suite, in the
//! release profile that the matrix also uses, so the engines compile once for both (under CI=true the
//! `ci` profile, release at opt-level 1: CI checks outcomes, and has an hour); then checks each
//! embedded engine's run phase against its own tool (`crosscheck`) with the harness the tests built.
//! The engines and shims, the pinned command-line tools and the samples build side by side; the
//! container columns' engine is started for the suite and stopped after it.

use xshell::Shell;

#[derive(Debug, clap::Args)]
pub struct Test {
    /// Passed to the test binaries (a filter, `--nocapture`, …); a filtered run skips the crosscheck
    #[arg(
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "TEST ARGS"
    )]
    pub args: Vec<String>,
}

/// A shell of its own, for a build on another thread (a `Shell` is not shared between threads).
fn shell() -> anyhow::Result<Shell> {
    let sh = Shell::new()?;
    sh.change_dir(crate::project_root());
    Ok(sh)
}

impl Test {
    pub fn run(self, sh: &Shell) -> anyhow::Result<()> {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            crate::use_ci_profile();
        }
        let lock = crate::setup::load_lock()?;
        // What the engine build needs from apt and from Debian 13 comes first, one at a time: apt
        // holds one lock, and the samples' C toolchain comes from apt too.
        let wasmedge = crate::setup::provide(sh, &lock, "wasmedge", false)?;
        let shim_build = crate::setup::provide(sh, &lock, "shim-build", false)?;
        // The engines and the shims are the longest build (about half an hour on 2 cores); the
        // samples' downloads and single-threaded compilers leave room beside it.
        let engines = {
            let (wasmedge, shims) = (wasmedge.is_ok(), shim_build.is_ok());
            std::thread::spawn(move || -> anyhow::Result<()> {
                let sh = shell()?;
                if shims {
                    crate::docker::build_shims(&sh)?;
                } else if wasmedge {
                    crate::harness_bin::build_wasmedge_worker(&sh)?;
                }
                Ok(())
            })
        };
        // The command-line columns' tools: built once with `cargo install` (many minutes each),
        // found again in about a second. One that cannot be built leaves its column skipped, which
        // fails its trials under CI unless expectations.toml lists it.
        let tools = std::thread::spawn(|| crate::harness_bin::provide_cli_tools(&shell()?, &[]));
        // Native builds too: the native-container column runs the static Rust binaries.
        let samples = crate::build_samples::BuildSamples {
            native: true,
            ..Default::default()
        }
        .run(sh);
        let joined = |handle: std::thread::JoinHandle<anyhow::Result<()>>, what: &str| {
            handle
                .join()
                .map_err(|_| anyhow::anyhow!("building {what} panicked"))
        };
        let tools = joined(tools, "the command-line tools")?;
        // A failed engine build is reported again, with its reason, by the steps below.
        if let Err(err) = joined(engines, "the engines and shims")? {
            eprintln!("xtask test: {err:#}");
        }
        samples?;
        tools?;

        // The conformance suite finds the WasmEdge worker next to the harness; without WasmEdge its
        // crate cannot build, and its columns are skipped (a failure under CI). The same for the
        // shims, which need protoc and libseccomp to build.
        let wasmedge = crate::harness_bin::build_wasmedge_worker(sh)?;
        let engine = match &shim_build {
            Err(reason) => {
                eprintln!(
                    "xtask test: the shims cannot be built ({reason}): container columns are skipped"
                );
                None
            }
            Ok(_) => match crate::docker::Guard::up(sh) {
                Ok(guard) => Some(guard),
                Err(err) => {
                    eprintln!(
                        "xtask test: no Docker Engine ({err:#}): container columns are skipped"
                    );
                    None
                }
            },
        };
        // The selection `matrix` builds too (`harness_bin::build`), so neither compiles the engines again.
        let exclude = crate::harness_bin::excluded(wasmedge, shim_build.is_ok());
        let env = engine.as_ref().map(|g| g.engine.env()).unwrap_or_default();
        let mut child = std::process::Command::new("cargo")
            .current_dir(crate::project_root())
            .args(["test", "--profile", crate::profile(), "--workspace"])
            .args(&exclude)
            .arg("--")
            .args(&self.args)
            .envs(env)
            .spawn()?;
        let status = crate::harness_bin::wait_through_interrupts(&mut child)?;
        drop(engine);
        if !status.success() {
            eprintln!("xtask test: tests failed (see above)");
            std::process::exit(1);
        }
        // A filtered run is someone looking at some trials, not the whole check.
        if self.args.is_empty() {
            // The harness `cargo test` just built (the workspace's features): building it alone
            // would unify other features and compile the engines again.
            crate::crosscheck::Crosscheck {
                exe: Some(crate::profile_dir().join("harness")),
                ..crate::crosscheck::Crosscheck::default()
            }
            .run(sh)?;
        }
        Ok(())
    }
}
