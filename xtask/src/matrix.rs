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
        args.extend(self.args);
        crate::harness_bin::run(sh, &args)
    }
}
