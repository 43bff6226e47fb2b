//! The `node` column: V8 through Node.js's `node:wasi`, served by a worker written in JavaScript
//! (`node/worker.mjs`, compiled into the harness and handed to `node --eval`) that speaks the same
//! protocol as the harness's own workers.

use std::path::PathBuf;
use std::process::Command;

/// The runner, as the harness hands it to `node`.
pub const WORKER: &str = concat!(
    include_str!("node/v8_flags.mjs"),
    include_str!("node/worker.mjs")
);

/// The `jco` column's runner: transpiles a component with jco and runs it on the preview 2 shim.
pub const JCO_WORKER: &str = concat!(
    include_str!("node/v8_flags.mjs"),
    include_str!("node/jco.mjs")
);

/// The oldest Node.js whose `node:wasi` takes `version: 'preview1'` and returns the exit code.
pub const OLDEST_MAJOR: u32 = 20;

/// The `node` to run: the one `HARNESS_NODE` names, else the first on the PATH.
pub fn program() -> PathBuf {
    std::env::var_os("HARNESS_NODE").map_or_else(|| PathBuf::from("node"), PathBuf::from)
}

/// `node --version`, checked against [`OLDEST_MAJOR`], or why this `node` cannot serve (a skip
/// reason). Asked once per process: every run starts a worker.
pub fn version() -> Result<String, String> {
    static VERSION: std::sync::OnceLock<Result<String, String>> = std::sync::OnceLock::new();
    VERSION.get_or_init(ask_version).clone()
}

fn ask_version() -> Result<String, String> {
    let program = program();
    let output = Command::new(&program)
        .arg("--version")
        .output()
        .map_err(|e| {
            format!(
                "cannot start `{} --version`: {e}; {}",
                program.display(),
                super::registry::get("node").map_or_else(String::new, |c| c.how_to_get())
            )
        })?;
    let version = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    match major(&version) {
        Some(major) if major >= OLDEST_MAJOR => Ok(version),
        _ => Err(format!(
            "`{}` is Node.js {version:?}; the `node` column needs {OLDEST_MAJOR} or later (its \
             `node:wasi` takes `version: 'preview1'`)",
            program.display()
        )),
    }
}

fn major(version: &str) -> Option<u32> {
    version.strip_prefix('v')?.split('.').next()?.parse().ok()
}

/// How to start the worker: `node` evaluating the runner as a module. Warnings (`node:wasi` is
/// experimental in Node 20) would only add lines to the worker's stderr.
pub fn command() -> Result<Command, String> {
    version()?;
    let mut command = Command::new(program());
    command
        .args(["--no-warnings", "--input-type=module", "--eval"])
        .arg(WORKER);
    Ok(command)
}

/// How to start the `jco` column's worker: `node` evaluating its runner, with the installed jco
/// packages named in `HARNESS_JCO_HOME` (found from the harness binary up, or given by the user).
pub fn jco_command(column: &super::Column) -> Result<Command, String> {
    version()?;
    let super::registry::Provision::NodePackages { toolchain, version } = column.provision else {
        return Err(format!("`{}` is not a column of npm packages", column.name));
    };
    let home = match std::env::var_os("HARNESS_JCO_HOME") {
        Some(home) => PathBuf::from(home),
        None => {
            let relative =
                std::path::Path::new(".cache/toolchains").join(format!("{toolchain}-{version}"));
            let here = std::env::current_exe()
                .map_err(|e| format!("cannot find the harness binary: {e}"))?;
            here.ancestors()
                .map(|root| root.join(&relative))
                .find(|home| home.join("node_modules").is_dir())
                .ok_or_else(|| {
                    format!(
                        "{toolchain} {version} is not installed: {}, or name an install in \
                         HARNESS_JCO_HOME",
                        column.how_to_get()
                    )
                })?
        }
    };
    let mut command = Command::new(program());
    command
        .args(["--no-warnings", "--input-type=module", "--eval"])
        .arg(JCO_WORKER)
        .env("HARNESS_JCO_HOME", home);
    Ok(command)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_read_from_node_s_own_words() {
        assert_eq!(major("v20.20.2"), Some(20));
        assert_eq!(major("v24.1.0"), Some(24));
        assert_eq!(major("20.1"), None);
        assert_eq!(major(""), None);
    }
}
