//! Builds the harness binary optimized and runs it: the engines' compilers are many times slower
//! unoptimized, so every figure the project publishes comes from a release build.

use std::path::PathBuf;

use harness::runtime::registry;
use xshell::{Shell, cmd};

pub fn build(sh: &Shell) -> anyhow::Result<PathBuf> {
    eprintln!(
        "xtask: building the harness (release; the first build compiles wasmtime and wasmer and takes several minutes)"
    );
    let wasmedge = build_wasmedge_worker(sh)?;
    let lock = crate::setup::load_lock()?;
    let shims = crate::setup::provide(sh, &lock, "shim-build", false)?.is_ok();
    build_workspace(sh, wasmedge, shims)?;
    Ok(crate::profile_dir().join("harness"))
}

/// What the optimized build selects beyond the default: the workspace members it leaves out
/// (WasmEdge's crate without WasmEdge, the shims without their build tools) and the features of the
/// columns that link a library the machine has ([`linked_features`]). `matrix`, `test` and
/// `crosscheck` build the same selection, so none compiles the engines again after another.
pub fn selection(wasmedge: bool, shims: bool, linked: &Linked) -> Vec<String> {
    let mut args = Vec::new();
    if !wasmedge {
        args.extend(["--exclude", "harness-wasmedge"].map(String::from));
    }
    if !shims {
        args.extend(["--exclude", "harness-shims"].map(String::from));
    }
    for feature in &linked.features {
        args.extend(["--features".to_owned(), format!("harness/{feature}")]);
    }
    args
}

/// The one optimized build of the workspace that `matrix`, `test` and `crosscheck` share: the
/// harness binary and the test binaries with the features of the whole workspace. Cargo unifies
/// features over the packages a command selects, so building the harness package alone would give
/// tokio (and the engines' WASI crates above it) other features and compile them all again, about
/// twenty minutes on 2 cores. `cargo xtask test` runs the same `cargo test` selection itself.
fn build_workspace(sh: &Shell, wasmedge: bool, shims: bool) -> anyhow::Result<()> {
    let linked = linked_features(sh)?;
    let (selection, profile) = (selection(wasmedge, shims, &linked), crate::profile());
    cmd!(
        sh,
        "cargo test --profile {profile} --workspace --no-run {selection...}"
    )
    .envs(linked.env.iter().map(|(k, v)| (k, v)))
    .run()?;
    Ok(())
}

/// The harness features of the columns that link a system library (the registry's
/// `Provision::LinkedFeature`, named as the column), and the environment their build scripts need.
#[derive(Debug, Default)]
pub struct Linked {
    pub features: Vec<&'static str>,
    pub env: Vec<(String, String)>,
}

/// The linked-library columns whose library is installed, as [`Linked`]: never under CI=true,
/// where such a column is listed as unavailable (toolchains.toml's `ci = false`: LLVM is a 400 MB
/// install and its compiler a slow build). Nothing is installed here ([`provide_tools`] does).
pub fn linked_features(sh: &Shell) -> anyhow::Result<Linked> {
    let mut linked = Linked::default();
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        return Ok(linked);
    }
    let lock = crate::setup::load_lock()?;
    for column in linked_columns() {
        if let Ok(provided) = crate::setup::provide(sh, &lock, column, true)? {
            linked.features.push(column);
            // llvm-sys finds its LLVM through `LLVM_SYS_<major><minor>_PREFIX`; the pin names the
            // prefix's `llvm-config`, whose version gives the variable's name.
            let config = &provided.executable;
            let version = cmd!(sh, "{config} --version").quiet().read()?;
            let mut parts = version.trim().split('.');
            let (major, minor) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
            if let Some(prefix) = config.parent().and_then(|bin| bin.parent()) {
                linked.env.push((
                    format!("LLVM_SYS_{major}{minor}_PREFIX"),
                    prefix.display().to_string(),
                ));
            }
        }
    }
    Ok(linked)
}

/// The columns whose engine the harness links with a system library, behind a feature of their name.
pub fn linked_columns() -> impl Iterator<Item = &'static str> {
    harness::runtime::registry::COLUMNS
        .iter()
        .filter(|c| {
            matches!(
                c.provision,
                harness::runtime::registry::Provision::LinkedFeature { .. }
            )
        })
        .map(|c| c.name)
}

/// Builds the WasmEdge columns' worker when WasmEdge can be provided (`toolchains.toml`); otherwise
/// those columns are skipped with the reason, and the rest of the matrix runs as usual.
pub fn build_wasmedge_worker(sh: &Shell) -> anyhow::Result<bool> {
    let lock = crate::setup::load_lock()?;
    match crate::setup::provide(sh, &lock, "wasmedge", false)? {
        Ok(_) => {
            // wasmedge-sys makes its bindings with bindgen, which loads libclang: the C guests'
            // pinned clang brings it (a machine that built no C sample has none).
            if let Err(reason) = crate::setup::provide(sh, &lock, "c", false)? {
                eprintln!("xtask: no clang for WasmEdge's bindings ({reason}); trying without");
            }
            let profile = crate::profile();
            cmd!(
                sh,
                "cargo build --profile {profile} --package harness-wasmedge --bin harness-wasmedge-worker"
            )
            .run()?;
            Ok(true)
        }
        Err(reason) => {
            eprintln!("xtask: the WasmEdge columns will be skipped: {reason}");
            Ok(false)
        }
    }
}

/// The optimized harness binary, built only when a source of the workspace is newer than it: `cargo
/// xtask run`, a quick command, then starts at once instead of asking cargo twice (about a second on
/// 2 cores) to find nothing to do. Which engines it has is whatever the last full build gave it.
pub fn build_if_stale(sh: &Shell) -> anyhow::Result<PathBuf> {
    let exe = crate::profile_dir().join("harness");
    let built = std::fs::metadata(&exe).and_then(|m| m.modified()).ok();
    let root = crate::project_root();
    let sources =
        ["Cargo.toml", "Cargo.lock", "harness", "wasmedge", "shims"].map(|p| root.join(p));
    match (built, newest(&sources)) {
        (Some(built), Some(newest)) if newest <= built => Ok(exe),
        _ => build(sh),
    }
}

/// The newest modification time of the files under these paths (a directory's `target/` aside).
fn newest(paths: &[PathBuf]) -> Option<std::time::SystemTime> {
    let mut newest = None;
    let mut stack: Vec<PathBuf> = paths.to_vec();
    while let Some(path) = stack.pop() {
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            continue;
        };
        if meta.is_dir() {
            if path.file_name().is_some_and(|n| n == "target") {
                continue;
            }
            let entries = std::fs::read_dir(&path).into_iter().flatten().flatten();
            stack.extend(entries.map(|e| e.path()));
        } else if let Ok(modified) = meta.modified() {
            newest = newest.max(Some(modified));
        }
    }
    newest
}

/// The command-line columns whose tools `toolchains.toml` pins and setup builds with `cargo install`.
pub fn cli_tools() -> impl Iterator<Item = &'static str> {
    harness::runtime::registry::COLUMNS
        .iter()
        .filter(|c| c.pinned().is_some())
        .map(|c| c.name)
}

/// Builds (or finds, in about a second) the pinned tools of the command-line columns among `columns`
/// (all of them when `columns` is empty, as with no `--runtime`), and installs the libraries of the
/// linked-library columns among them. One that cannot be had is not an error: its column is
/// skipped with the reason the harness gives.
pub fn provide_tools(sh: &Shell, columns: &[&str]) -> anyhow::Result<()> {
    // A column that runs another's tool (`wasmtime-cli-component`) needs that column's.
    let wanted: Vec<&str> = columns
        .iter()
        .map(|c| registry::get(c).map_or(*c, |c| c.tool_column().name))
        .collect();
    let tools = cli_tools().chain(linked_columns()).chain(node_packages());
    provide(
        sh,
        tools.filter(|t| wanted.is_empty() || wanted.contains(t)),
    )
}

/// The npm toolchains of the columns that run on Node.js packages (`jco`): named as the column.
pub fn node_packages() -> impl Iterator<Item = &'static str> {
    registry::COLUMNS.iter().filter_map(|c| match c.provision {
        registry::Provision::NodePackages { toolchain, .. } => Some(toolchain),
        _ => None,
    })
}

/// [`provide_tools`] for the linked-library columns only: what comes from apt, which holds one lock.
pub fn provide_linked(sh: &Shell) -> anyhow::Result<()> {
    provide(sh, linked_columns())
}

/// [`provide_tools`] for the command-line columns and the npm toolchains only: `cargo install`s
/// and `npm ci`s, which can run beside other work.
pub fn provide_cli_tools(sh: &Shell) -> anyhow::Result<()> {
    provide(sh, cli_tools().chain(node_packages()))
}

fn provide<'a>(sh: &Shell, tools: impl Iterator<Item = &'a str>) -> anyhow::Result<()> {
    let lock = crate::setup::load_lock()?;
    let ci = std::env::var("CI").is_ok_and(|v| v == "true");
    for tool in tools {
        if ci && lock.get(tool).is_some_and(|pin| !pin.ci) {
            eprintln!(
                "xtask: the `{tool}` column will be skipped: what it needs is not installed under \
                 CI (toolchains.toml)"
            );
            continue;
        }
        match crate::setup::provide(sh, &lock, tool, false) {
            Ok(Ok(_)) => {}
            Ok(Err(reason)) => {
                eprintln!("xtask: the `{tool}` column will be skipped: {reason}")
            }
            Err(err) => eprintln!("xtask: the `{tool}` column will be skipped: {err:#}"),
        }
    }
    Ok(())
}

/// Runs the harness binary `exe` with these arguments and extra environment; returns its exit code.
pub fn run(
    exe: &std::path::Path,
    args: &[String],
    env: &[(String, String)],
) -> anyhow::Result<i32> {
    // The user's working directory, not the project's: relative paths on the command line are theirs.
    let mut child = std::process::Command::new(exe)
        .args(args)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .spawn()?;
    Ok(wait_through_interrupts(&mut child)?.code().unwrap_or(1))
}

/// The child that SIGTERM and SIGHUP are passed on to while `wait_through_interrupts` waits.
static WAITED_FOR: std::sync::atomic::AtomicI32 = std::sync::atomic::AtomicI32::new(0);

extern "C" fn pass_on(signal: libc::c_int) {
    let pid = WAITED_FOR.load(std::sync::atomic::Ordering::SeqCst);
    if pid > 0 {
        // SAFETY: kill is async-signal-safe; the pid is our child's, not yet reaped.
        unsafe { libc::kill(pid, signal) };
    }
}

/// Waits for a child while a Ctrl-C (which the terminal sends to both) goes to the child alone, and
/// a SIGTERM or SIGHUP (a `kill`, a closed terminal) is passed on to it: the caller lives on to
/// clean up (stop the engine it started) after the child has stopped.
pub fn wait_through_interrupts(
    child: &mut std::process::Child,
) -> std::io::Result<std::process::ExitStatus> {
    WAITED_FOR.store(child.id() as i32, std::sync::atomic::Ordering::SeqCst);
    let handler = pass_on as extern "C" fn(libc::c_int) as libc::sighandler_t;
    // SAFETY: only changes this process's dispositions, restored below; the child, already started,
    // keeps the defaults. The handler only reads an atomic and calls kill.
    let previous = unsafe {
        [
            libc::signal(libc::SIGINT, libc::SIG_IGN),
            libc::signal(libc::SIGTERM, handler),
            libc::signal(libc::SIGHUP, handler),
        ]
    };
    let status = child.wait();
    unsafe {
        libc::signal(libc::SIGINT, previous[0]);
        libc::signal(libc::SIGTERM, previous[1]);
        libc::signal(libc::SIGHUP, previous[2]);
    }
    WAITED_FOR.store(0, std::sync::atomic::Ordering::SeqCst);
    status
}
