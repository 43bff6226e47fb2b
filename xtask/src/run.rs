//! `cargo xtask run MODULE.wasm`: runs a module a user brings on every runtime column, checks each
//! against what is expected and shows where they agree; its exit status is the harness's.

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
        // Container columns run only when named, and then need an engine of ours that is up
        // (`cargo xtask docker up`); without one the harness skips them with that reason.
        let env = if self.args.wants_containers() {
            crate::docker::Engine::load()?
                .filter(crate::docker::Engine::alive)
                .map(|engine| engine.env())
                .unwrap_or_default()
        } else {
            Vec::new()
        };
        // No tool is installed here (a `cargo install` of an engine's tool takes twenty minutes):
        // a column whose tool is missing is skipped with how to get it.
        let exe = crate::harness_bin::build_if_stale(sh)?;
        let code = crate::harness_bin::run(&exe, &args, &env)?;
        if code != 0 {
            std::process::exit(code);
        }
        Ok(())
    }
}
