//! `cargo xtask matrix`: builds stale samples (and the kernels natively), then runs every sample on every runtime and writes
//! `results/matrix.json` and `results/matrix.md`.

use xshell::Shell;

pub struct Matrix {
    pub args: Vec<String>,
}

impl Matrix {
    pub fn run(self, sh: &Shell) -> anyhow::Result<()> {
        // The kernels' native builds give the matrix its `native` column.
        crate::build_samples::BuildSamples {
            native: true,
            ..Default::default()
        }
        .run(sh)?;
        let mut args = vec![
            "matrix".to_owned(),
            "--root".to_owned(),
            crate::project_root().display().to_string(),
        ];
        let containers = wants_containers(&self.args);
        args.extend(self.args);
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
        let code = crate::harness_bin::run(sh, &args, &env)?;
        drop(engine);
        if code != 0 {
            std::process::exit(code);
        }
        Ok(())
    }
}

/// Whether the run includes a container column: all columns do when none is named.
fn wants_containers(args: &[String]) -> bool {
    let named: Vec<&String> = args
        .windows(2)
        .filter(|w| w[0] == "--runtime")
        .map(|w| &w[1])
        .collect();
    named.is_empty()
        || named
            .iter()
            .any(|r| harness::runtime::registry::get(r).is_some_and(|c| c.is_container()))
}
