//! `cargo xtask proposals`: the measured table of WebAssembly proposal support, every probe of
//! `conformance/proposals/` on every column (containers in our engine), into `results/proposals.md`
//! and `results/proposals.json`.

use harness::flags::ProposalsArgs;
use xshell::Shell;

#[derive(Debug, clap::Args)]
pub struct Proposals {
    #[command(flatten)]
    pub args: ProposalsArgs,
}

impl Proposals {
    pub fn run(self, sh: &Shell) -> anyhow::Result<()> {
        let flags = ProposalsArgs {
            root: self
                .args
                .root
                .clone()
                .or_else(|| Some(crate::project_root())),
            ..self.args
        };
        let containers = flags.wants_containers();
        let mut args = vec!["proposals".to_owned()];
        args.extend(flags.to_args());
        crate::engine_run::run(sh, args, containers)
    }
}
