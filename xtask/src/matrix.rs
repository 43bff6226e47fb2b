//! `cargo xtask matrix`: builds stale samples (and the kernels natively), then runs every sample on
//! every runtime, writes every output under `results/`, and the README's excerpts of them.

use harness::flags::MatrixArgs;
use xshell::Shell;

#[derive(Debug, clap::Args)]
pub struct Matrix {
    #[command(flatten)]
    pub args: MatrixArgs,
}

impl Matrix {
    pub fn run(self, sh: &Shell) -> anyhow::Result<()> {
        // The kernels' native builds give the matrix its `native` column.
        crate::build_samples::BuildSamples {
            native: true,
            ..Default::default()
        }
        .run(sh)?;
        let flags = MatrixArgs {
            root: self
                .args
                .root
                .clone()
                .or_else(|| Some(crate::project_root())),
            ..self.args
        };
        let containers = flags.wants_containers();
        let mut args = vec!["matrix".to_owned()];
        args.extend(flags.to_args());
        // The container columns need an engine: ours is started for the run and stopped after it,
        // also when the run fails. Without one they are skipped with the reason.
        let engine = if containers {
            match crate::docker::Guard::up(sh) {
                Ok(guard) => {
                    // Each image's first run in this matrix is then its first run at all: cold.
                    crate::docker::remove_images(&guard.engine);
                    Some(guard)
                }
                Err(err) => {
                    eprintln!("xtask: the container columns will be skipped: {err:#}");
                    None
                }
            }
        } else {
            None
        };
        let env = engine.as_ref().map(|g| g.engine.env()).unwrap_or_default();
        // The command-line columns run the tools the harness finds in the project's pinned installs.
        let columns: Vec<&str> = flags.runtimes.iter().map(String::as_str).collect();
        crate::harness_bin::provide_tools(sh, &columns)?;
        let exe = crate::harness_bin::build(sh)?;
        let code = crate::harness_bin::run(&exe, &args, &env)?;
        drop(engine);
        if code != 0 {
            std::process::exit(code);
        }
        // A run published in the project's results/ is what the README quotes.
        if flags.out.is_none() {
            let root = crate::project_root();
            let results = crate::report::read(&root.join("results/matrix.json"))?;
            crate::report::quote_in_readme(&root, &results)?;
        }
        Ok(())
    }
}
