//! `cargo xtask test`: builds the samples, then runs the unit tests and the conformance suite, in the
//! release profile that the matrix also uses, so the engines compile once for both.

use xshell::{Shell, cmd};

pub struct Test {
    pub args: Vec<String>,
}

impl Test {
    pub fn run(self, sh: &Shell) -> anyhow::Result<()> {
        crate::build_samples::BuildSamples::default().run(sh)?;
        let args = self.args;
        if cmd!(sh, "cargo test --release --workspace -- {args...}")
            .run()
            .is_err()
        {
            eprintln!("xtask test: tests failed (see above)");
            std::process::exit(1);
        }
        Ok(())
    }
}
