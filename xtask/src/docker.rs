//! `cargo xtask docker up|down|status`: a private Docker Engine (dockerd with its own containerd, the
//! containerd image store, the project's runwasi shims on its PATH) for the Docker+Wasm columns, and
//! stopping it again, by pid, with a check that nothing of it is left.

use std::io::Write as _;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};
use xshell::{Shell, cmd};

#[derive(Debug, clap::Args)]
pub struct Docker {
    #[command(subcommand)]
    pub action: Action,
}

#[derive(Debug, clap::Subcommand)]
pub enum Action {
    /// Build the shims and start the private engine (or find one that is running)
    Up,
    /// Stop the engine we started, by pid, and check that nothing of it is left
    Down,
    /// Say whether an engine of ours is running
    Status,
}

impl Docker {
    pub fn run(self, sh: &Shell) -> anyhow::Result<()> {
        match self.action {
            Action::Up => {
                let engine = up(sh)?;
                println!("{}", engine.describe());
                println!("export DOCKER_HOST={}", engine.host);
                Ok(())
            }
            Action::Down => down(),
            Action::Status => {
                match Engine::load()? {
                    Some(engine) if engine.alive() => println!("{}", engine.describe()),
                    Some(_) => println!("docker: the engine we started is gone (stale state)"),
                    None => println!("docker: no engine of ours is running"),
                }
                Ok(())
            }
        }
    }
}

/// Where the private engine keeps everything: `target/docker/`.
fn root() -> PathBuf {
    crate::target_dir().join("docker")
}

/// An engine the Docker columns talk to: one we started (with its pid) or one that was already there.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Engine {
    /// `unix:///…/docker.sock`, as for `DOCKER_HOST`.
    pub host: String,
    /// dockerd's pid when we started it; `None` for an engine that was already running.
    pub pid: Option<i32>,
    /// The containerd socket dockerd started, for `ctr`.
    pub containerd: Option<PathBuf>,
    /// The directory with `docker`, `ctr` and the shims.
    pub bin: Vec<PathBuf>,
    pub version: String,
}

impl Engine {
    fn state_file() -> PathBuf {
        root().join("engine.json")
    }

    pub fn load() -> anyhow::Result<Option<Engine>> {
        match std::fs::read(Self::state_file()) {
            Ok(bytes) => Ok(Some(
                serde_json::from_slice(&bytes)
                    .context("target/docker/engine.json is unreadable")?,
            )),
            Err(_) => Ok(None),
        }
    }

    pub fn alive(&self) -> bool {
        self.pid.is_none_or(is_ours)
    }

    pub fn describe(&self) -> String {
        match self.pid {
            Some(pid) => format!(
                "docker: our engine (dockerd pid {pid}, {}) at {}",
                self.version, self.host
            ),
            None => format!(
                "docker: using the running engine at {} ({})",
                self.host, self.version
            ),
        }
    }

    /// The environment the harness's Docker columns run with.
    pub fn env(&self) -> Vec<(String, String)> {
        let mut env = vec![("DOCKER_HOST".to_owned(), self.host.clone())];
        if let Some(sock) = &self.containerd {
            env.push(("CONTAINERD_ADDRESS".into(), sock.display().to_string()));
        }
        let mut path: Vec<PathBuf> = self.bin.clone();
        path.extend(std::env::split_paths(
            &std::env::var_os("PATH").unwrap_or_default(),
        ));
        if let Ok(joined) = std::env::join_paths(path) {
            env.push(("PATH".into(), joined.to_string_lossy().into_owned()));
        }
        env
    }
}

/// Whether `pid` is a live dockerd of ours (so a reused pid is never signalled).
fn is_ours(pid: i32) -> bool {
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
    let root = root();
    String::from_utf8_lossy(&cmdline).contains(&*root.to_string_lossy())
}

/// Starts our engine, or finds one that is usable; the shims are built first either way.
pub fn up(sh: &Shell) -> anyhow::Result<Engine> {
    let shims = build_shims(sh)?;
    if let Some(engine) = Engine::load()?.filter(Engine::alive) {
        return Ok(engine);
    }
    if let Some(engine) = existing_engine(&shims) {
        return Ok(engine);
    }
    let lock = crate::setup::load_lock()?;
    let prefix = match crate::setup::provide(sh, &lock, "docker", false)? {
        Ok(p) => p.home,
        Err(reason) => bail!("no Docker Engine can be provided: {reason}"),
    };
    let root = root();
    let (data, exec, log) = (
        root.join("data"),
        root.join("exec"),
        root.join("dockerd.log"),
    );
    for dir in [&data, &exec] {
        std::fs::create_dir_all(dir)?;
    }
    let socket = root.join("docker.sock");
    let pidfile = root.join("dockerd.pid");
    let config = root.join("daemon.json");
    // No bridge and no iptables: the samples need no network, and the machine's firewall stays as
    // it is. The containerd image store is what lets images of platform wasi/wasm exist at all.
    std::fs::write(
        &config,
        r#"{"features":{"containerd-snapshotter":true},"iptables":false,"ip6tables":false,"bridge":"none"}"#,
    )?;
    let mut bin = vec![
        shims.clone(),
        prefix.join("usr/bin"),
        prefix.join("usr/sbin"),
    ];
    bin.retain(|d| d.is_dir());
    let path = std::env::join_paths(bin.iter().cloned().chain(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    )))?;
    let _ = std::fs::remove_file(&socket);
    let _ = std::fs::remove_file(&pidfile);
    let log_file = std::fs::File::create(&log)?;
    let mut command = Command::new(prefix.join("usr/sbin/dockerd"));
    command
        .arg("--data-root")
        .arg(&data)
        .arg("--exec-root")
        .arg(&exec)
        .arg("-H")
        .arg(format!("unix://{}", socket.display()))
        .arg("--pidfile")
        .arg(&pidfile)
        .arg("--config-file")
        .arg(&config)
        .env("PATH", &path)
        .stdin(Stdio::null())
        .stdout(log_file.try_clone()?)
        .stderr(log_file);
    // Its own session: a Ctrl-C meant for the matrix must not take the engine down under it; `down`
    // stops it.
    // SAFETY: setsid is async-signal-safe and touches nothing of the parent's.
    unsafe {
        command.pre_exec(|| {
            libc::setsid();
            Ok(())
        });
    }
    let child = command.spawn().context("cannot start dockerd")?;
    let pid = child.id() as i32;
    let host = format!("unix://{}", socket.display());
    let docker = prefix.join("usr/bin/docker");
    let started = Instant::now();
    eprintln!(
        "docker: starting dockerd (pid {pid}), log in {}",
        log.display()
    );
    let version = loop {
        let out = Command::new(&docker)
            .args(["-H", &host, "version", "--format", "{{.Server.Version}}"])
            .stderr(Stdio::null())
            .output();
        if let Ok(out) = out
            && out.status.success()
        {
            break String::from_utf8_lossy(&out.stdout).trim().to_owned();
        }
        if !is_ours(pid) || started.elapsed() > Duration::from_secs(60) {
            let tail = log_tail(&log);
            stop_pid(pid);
            bail!("dockerd did not come up within 60 s:\n{tail}");
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let engine = Engine {
        host,
        pid: Some(pid),
        containerd: Some(exec.join("containerd").join("containerd.sock")),
        bin,
        version: format!("Docker Engine {version} (private, containerd image store)"),
    };
    crate::stamps::write_file(&Engine::state_file(), &serde_json::to_vec_pretty(&engine)?)?;
    eprintln!(
        "docker: engine up in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    // Leave the child unreaped on purpose: `down` stops it by pid, from this or another process.
    std::mem::forget(child);
    Ok(engine)
}

/// An engine that already runs (`DOCKER_HOST`, or the default socket) and can run Wasm: Docker 24
/// or later with the containerd image store. Its shims are the user's to install.
fn existing_engine(shims: &Path) -> Option<Engine> {
    let host = std::env::var("DOCKER_HOST").ok()?;
    let ask = |what: &[&str]| -> Option<String> {
        let out = Command::new("docker")
            .args(["-H", &host])
            .args(what)
            .stderr(Stdio::null())
            .output()
            .ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
    };
    let version = ask(&["version", "--format", "{{.Server.Version}}"])?;
    let major: u32 = version.split('.').next()?.parse().ok()?;
    let driver = ask(&["info", "--format", "{{.DriverStatus}}"]).unwrap_or_default();
    if major < 24 || !driver.contains("io.containerd.snapshotter") {
        eprintln!(
            "docker: the engine at {host} ({version}) cannot run Wasm images (needs Docker 24+ with the containerd image store); starting our own"
        );
        return None;
    }
    Some(Engine {
        host,
        pid: None,
        containerd: None,
        bin: vec![shims.to_owned()],
        version: format!("Docker Engine {} (already running)", version.trim()),
    })
}

/// Builds the three shims optimized and links them, under the names containerd looks for, into
/// `target/docker/bin/`.
pub fn build_shims(sh: &Shell) -> anyhow::Result<PathBuf> {
    let lock = crate::setup::load_lock()?;
    if let Err(reason) = crate::setup::provide(sh, &lock, "shim-build", false)? {
        bail!("cannot build the shims: {reason}");
    }
    let wasmedge = crate::harness_bin::build_wasmedge_worker(sh)?;
    let mut bins = vec![
        "--bin",
        "containerd-shim-wasmtime-v1",
        "--bin",
        "containerd-shim-wasmer-v1",
    ];
    if wasmedge {
        bins.extend([
            "--features",
            "wasmedge",
            "--bin",
            "containerd-shim-wasmedge-v1",
        ]);
    }
    let profile = crate::profile();
    eprintln!("xtask: building the containerd shims ({profile})");
    cmd!(
        sh,
        "cargo build --profile {profile} --package harness-shims {bins...}"
    )
    .run()?;
    let dir = root().join("bin");
    std::fs::create_dir_all(&dir)?;
    let release = crate::profile_dir();
    // The engines' names as containerd runtimes: `io.containerd.<name>.v1`, served by
    // `containerd-shim-<name>-v1`.
    for name in harness::runtime::registry::shims() {
        let file = format!("containerd-shim-{name}-v1");
        let link = dir.join(&file);
        let _ = std::fs::remove_file(&link);
        if release.join(&file).is_file() {
            std::os::unix::fs::symlink(release.join(&file), &link)?;
        }
    }
    Ok(dir)
}

/// Stops the engine we started, by pid, and checks that none of its processes or mounts are left.
pub fn down() -> anyhow::Result<()> {
    let Some(engine) = Engine::load()? else {
        println!("docker: no engine of ours to stop");
        return leftovers();
    };
    match engine.pid {
        None => println!(
            "docker: {} was not started by us: left running",
            engine.host
        ),
        Some(pid) => {
            if is_ours(pid) {
                eprintln!("docker: stopping dockerd (pid {pid})");
                stop_pid(pid);
            }
            let _ = std::fs::remove_file(Engine::state_file());
        }
    }
    leftovers()
}

/// SIGTERM, a grace period for dockerd to stop its containers and containerd, then SIGKILL.
fn stop_pid(pid: i32) {
    // SAFETY: plain signals to a pid checked to be ours.
    unsafe { libc::kill(pid, libc::SIGTERM) };
    let started = Instant::now();
    while is_ours(pid) && started.elapsed() < Duration::from_secs(30) {
        reap(pid);
        std::thread::sleep(Duration::from_millis(100));
    }
    if is_ours(pid) {
        eprintln!("docker: dockerd did not stop within 30 s: killing it");
        unsafe { libc::kill(pid, libc::SIGKILL) };
        std::thread::sleep(Duration::from_millis(200));
        reap(pid);
    }
}

/// Reaps `pid` if it is our child (it is when `up` ran in this process), so it does not linger as
/// a zombie that still looks alive.
fn reap(pid: i32) {
    let mut status = 0;
    // SAFETY: WNOHANG never blocks; a pid that is not our child only returns an error.
    unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) };
}

/// Kills any process still running from our engine's directories (a containerd or shim that
/// outlived dockerd), unmounts what is still mounted under them, and says what it found.
fn leftovers() -> anyhow::Result<()> {
    let root = root();
    let root_text = root.to_string_lossy().into_owned();
    let mut killed = Vec::new();
    for entry in std::fs::read_dir("/proc")?.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<i32>().ok())
        else {
            continue;
        };
        if pid == std::process::id() as i32 {
            continue;
        }
        let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
        let text = String::from_utf8_lossy(&cmdline).replace('\0', " ");
        if text.contains(&root_text) {
            // SAFETY: a process running from our private engine's directories is ours to stop.
            unsafe { libc::kill(pid, libc::SIGKILL) };
            killed.push(format!("{pid} ({})", text.trim()));
        }
    }
    let mounts = std::fs::read_to_string("/proc/self/mounts").unwrap_or_default();
    let mut unmounted = Vec::new();
    // Deepest first, so that nested mounts come off before their parents.
    let mut ours: Vec<&str> = mounts
        .lines()
        .filter_map(|l| l.split_whitespace().nth(1))
        .filter(|m| m.starts_with(&root_text))
        .collect();
    ours.sort_by_key(|m| std::cmp::Reverse(m.len()));
    for mount in ours {
        let c = std::ffi::CString::new(mount)?;
        // SAFETY: a lazy unmount of a path under our own private data root.
        if unsafe { libc::umount2(c.as_ptr(), libc::MNT_DETACH) } == 0 {
            unmounted.push(mount.to_owned());
        }
    }
    if killed.is_empty() && unmounted.is_empty() {
        println!("docker: nothing of ours is left running or mounted");
    } else {
        let mut out = std::io::stdout();
        writeln!(
            out,
            "docker: cleaned up {} leftover process(es) and {} mount(s):",
            killed.len(),
            unmounted.len()
        )?;
        for line in killed.iter().chain(&unmounted) {
            writeln!(out, "  {line}")?;
        }
    }
    Ok(())
}

/// Removes the project's images from the engine, so that the next run of each is its first.
pub fn remove_images(engine: &Engine) {
    let docker = |args: &[&str]| {
        Command::new("docker")
            .args(["-H", &engine.host])
            .args(args)
            .env(
                "PATH",
                engine
                    .env()
                    .into_iter()
                    .find(|(k, _)| k == "PATH")
                    .map(|(_, v)| v)
                    .unwrap_or_default(),
            )
            .output()
    };
    let Ok(out) = docker(&[
        "images",
        "--quiet",
        "--filter",
        "reference=localhost/wasm-polyglot/*",
    ]) else {
        return;
    };
    let ids: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    if ids.is_empty() {
        return;
    }
    let mut args = vec!["rmi", "--force"];
    args.extend(ids.iter().map(String::as_str));
    match docker(&args) {
        Ok(out) if out.status.success() => {
            eprintln!(
                "docker: removed {} image(s) of ours: every image starts cold",
                ids.len()
            )
        }
        _ => eprintln!("docker: could not remove our old images; some first runs may be warm"),
    }
}

fn log_tail(log: &Path) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(15)..].join("\n")
}

/// Stops the engine when dropped, if this guard started it: the matrix and the tests bring the
/// engine up for their run and take it down after, also when they fail.
pub struct Guard {
    pub engine: Engine,
    started: bool,
}

impl Guard {
    pub fn up(sh: &Shell) -> anyhow::Result<Guard> {
        let before = Engine::load()?.filter(Engine::alive);
        let engine = up(sh)?;
        let started = before.is_none() && engine.pid.is_some();
        eprintln!("{}", engine.describe());
        Ok(Guard { engine, started })
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        if self.started
            && let Err(err) = down()
        {
            eprintln!("docker: stopping the engine failed: {err:#}");
        }
    }
}
