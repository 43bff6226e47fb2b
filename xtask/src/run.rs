//! `cargo xtask run MODULE.wasm`: runs a module a user brings on every runtime column and shows where
//! they agree; exits non-zero when they do not.

use xshell::Shell;

pub struct Run {
    pub args: Vec<String>,
}

impl Run {
    pub fn run(self, sh: &Shell) -> anyhow::Result<()> {
        let mut args = vec!["run".to_owned()];
        args.extend(self.args);
        crate::harness_bin::run(sh, &args)
    }
}
