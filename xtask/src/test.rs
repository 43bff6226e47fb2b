//! `cargo xtask test`: builds the samples, then runs the unit tests and the conformance suite, in the
//! release profile that the matrix also uses, so the engines compile once for both.

use xshell::{Shell, cmd};

pub struct Test {
    pub args: Vec<String>,
}

impl Test {
    pub fn run(self, sh: &Shell) -> anyhow::Result<()> {
        crate::build_samples::BuildSamples::default().run(sh)?;
        // The conformance suite finds the WasmEdge worker next to the harness; without WasmEdge its
        // crate cannot build, and its columns are skipped (a failure under CI).
        let exclude: Vec<&str> = if crate::harness_bin::build_wasmedge_worker(sh)? {
            Vec::new()
        } else {
            vec!["--exclude", "harness-wasmedge"]
        };
        let args = self.args;
        if cmd!(
            sh,
            "cargo test --release --workspace {exclude...} -- {args...}"
        )
        .run()
        .is_err()
        {
            eprintln!("xtask test: tests failed (see above)");
            std::process::exit(1);
        }
        Ok(())
    }
}
