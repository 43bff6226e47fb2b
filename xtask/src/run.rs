//! `cargo xtask run MODULE.wasm`: runs a module a user brings on every runtime column and shows where
//! they agree; exits non-zero when they do not.

use harness::flags::RunArgs;
use xshell::Shell;

#[derive(Debug, clap::Args)]
pub struct Run {
    #[command(flatten)]
    pub args: RunArgs,
}

impl Run {
    pub fn run(self, sh: &Shell) -> anyhow::Result<()> {
        let mut args = vec!["run".to_owned()];
        args.extend(self.args.to_args());
        // Container columns run when an engine of ours is up (`cargo xtask docker up`).
        let env = crate::docker::Engine::load()?
            .filter(crate::docker::Engine::alive)
            .map(|engine| engine.env())
            .unwrap_or_default();
        let code = crate::harness_bin::run(sh, &args, &self.args.runtimes, &env)?;
        if code != 0 {
            std::process::exit(code);
        }
        Ok(())
    }
}
