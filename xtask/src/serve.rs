//! `cargo xtask serve [MODULES.toml]`: serves a WAGI `modules.toml` with `harness serve`. With no
//! file it serves the seed's (`samples/wagi/hello-wagi/`), building its Go handler first as the
//! seed's instructions do (`GOOS=wasip1 GOARCH=wasm go build -o hello-wagi.wasm`, with the pinned Go).

use std::path::{Path, PathBuf};

use anyhow::Context;
use harness::flags::ServeArgs;
use xshell::{Shell, cmd};

/// The seed's WAGI sample, below the project root.
const SEED: &str = "samples/wagi/hello-wagi";

#[derive(Debug, clap::Args)]
pub struct Serve {
    #[command(flatten)]
    pub args: ServeArgs,
}

impl Serve {
    pub fn run(self, sh: &Shell) -> anyhow::Result<()> {
        let mut args = self.args;
        if args.modules.is_none() {
            let seed = crate::project_root().join(SEED);
            build_seed_handler(sh, &seed)?;
            args.modules = Some(seed.join("modules.toml"));
        }
        let exe = crate::harness_bin::build_if_stale(sh)?;
        let mut argv = vec!["serve".to_owned()];
        argv.extend(args.to_args());
        let code = crate::harness_bin::run(&exe, &argv, &[])?;
        if code != 0 {
            std::process::exit(code);
        }
        Ok(())
    }
}

/// Builds `hello-wagi.wasm` beside the seed's `modules.toml` when it is missing or older than its
/// source.
fn build_seed_handler(sh: &Shell, seed: &Path) -> anyhow::Result<()> {
    let out = seed.join("hello-wagi.wasm");
    let newest_source = ["main.go", "go.mod"]
        .iter()
        .filter_map(|f| {
            std::fs::metadata(seed.join(f))
                .and_then(|m| m.modified())
                .ok()
        })
        .max();
    let built = std::fs::metadata(&out).and_then(|m| m.modified()).ok();
    if built.is_some() && built >= newest_source {
        return Ok(());
    }
    let lock = crate::setup::load_lock()?;
    let go = match crate::setup::provide(sh, &lock, "go", false)? {
        Ok(go) => go,
        Err(reason) => anyhow::bail!("the seed's Go handler cannot be built: {reason}"),
    };
    let work: PathBuf = crate::target_dir().join("samples-build/wagi");
    std::fs::create_dir_all(&work)?;
    let go = &go.executable;
    let _dir = sh.push_dir(seed);
    eprintln!("xtask: building {} with {}", out.display(), go.display());
    cmd!(sh, "{go} build -trimpath -o {out} .")
        .envs(crate::recipes::go_env(&work))
        .env("GOOS", "wasip1")
        .env("GOARCH", "wasm")
        .run()
        .context("building the seed's Go handler")?;
    Ok(())
}
