//! Runs a harness subcommand that may use the container columns: starts our engine for it when a
//! container column is among its columns (and stops it after, also when the run fails), builds the
//! harness, and passes the harness's exit status on.

use xshell::Shell;

/// Runs `harness ARGS...`; `containers` says whether its columns include a container column.
pub fn run(sh: &Shell, args: Vec<String>, containers: bool) -> anyhow::Result<()> {
    let engine = if containers {
        match crate::docker::Guard::up(sh) {
            Ok(guard) => Some(guard),
            Err(err) => {
                eprintln!("xtask: the container columns will be skipped: {err:#}");
                None
            }
        }
    } else {
        None
    };
    let env = engine.as_ref().map(|g| g.engine.env()).unwrap_or_default();
    let exe = crate::harness_bin::build(sh)?;
    let code = crate::harness_bin::run(&exe, &args, &env)?;
    drop(engine);
    if code != 0 {
        std::process::exit(code);
    }
    Ok(())
}
