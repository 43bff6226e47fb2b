//! `cargo xtask test`: builds the samples, then runs the unit tests and the conformance suite, in the
//! release profile that the matrix also uses, so the engines compile once for both. The container
//! columns' engine is started for the suite and stopped after it.

use xshell::Shell;

pub struct Test {
    pub args: Vec<String>,
}

impl Test {
    pub fn run(self, sh: &Shell) -> anyhow::Result<()> {
        // Native builds too: the native-container column runs the static Rust binaries.
        crate::build_samples::BuildSamples {
            native: true,
            ..Default::default()
        }
        .run(sh)?;
        // The conformance suite finds the WasmEdge worker next to the harness; without WasmEdge its
        // crate cannot build, and its columns are skipped (a failure under CI). The same for the
        // shims, which need protoc and libseccomp to build.
        let mut exclude: Vec<&str> = Vec::new();
        if !crate::harness_bin::build_wasmedge_worker(sh)? {
            exclude.extend(["--exclude", "harness-wasmedge"]);
        }
        let lock = crate::setup::load_lock()?;
        let engine = match crate::setup::provide(sh, &lock, "shim-build", false)? {
            Err(reason) => {
                eprintln!(
                    "xtask test: the shims cannot be built ({reason}): container columns are skipped"
                );
                exclude.extend(["--exclude", "harness-shims"]);
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
        let env = engine.as_ref().map(|g| g.engine.env()).unwrap_or_default();
        let mut child = std::process::Command::new("cargo")
            .current_dir(crate::project_root())
            .args(["test", "--release", "--workspace"])
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
        Ok(())
    }
}
