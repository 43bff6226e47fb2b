//! The container columns: a module run as a Wasm OCI image by a Docker Engine (`docker-wasmtime`,
//! `docker-wasmer`, `docker-wasmedge`) or by its containerd directly (`containerd-*`), through the
//! project's runwasi shims (`shims/`), and the same program as a native container under runc
//! (`docker-runc`) for comparison.
//!
//! Every module becomes an image (`oci`) the first time a column needs it; a case's directories are
//! bind mounts, and a project shim gets the rest of the run through `shim_protocol`.
//!
//! The engine is found through `DOCKER_HOST` (and `CONTAINERD_ADDRESS` for `ctr`), which
//! `cargo xtask matrix` sets when it starts the project's private engine.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use super::cache::CacheState;
use super::oci::Image;
use super::registry::{Column, Kind, Via};
use super::shim_protocol::{self, ShimReport};
use super::{Ending, Found, Outside, RunReport, RunSpec, Runtime, Stage, Watchdog, millis};
use crate::deadline;
use crate::util::which;

/// runwasi's wasmtime shim's variable for the address a `wasi:http/proxy` container listens on
/// (the project's shim reads the same).
pub const SERVE_ADDR_VARIABLE: &str = "WASMTIME_HTTP_PROXY_SOCKET_ADDR";

/// Whether the column serves `wasi:http/proxy` components from a container: Docker with the
/// wasmtime shim, as runwasi's wasmtime shim serves them.
pub fn serves_components(col: &Column) -> bool {
    matches!(col.kind, Kind::Container(Via::Docker)) && col.shim() == Some("wasmtime")
}

/// A `wasi:http/proxy` component served from a container of the column: the command that starts
/// it (`docker run` on the host's network, the shim listening on a free loopback port), the
/// container's name, and the column's backend (whose `remove` ends a container left behind).
pub fn serve_command(
    col: &'static Column,
    component: &[u8],
    spec: &RunSpec,
) -> Result<(Command, String, Container), String> {
    if !serves_components(col) {
        return Err(format!(
            "`{}` does not serve wasi:http components",
            col.name
        ));
    }
    started_on_host_network(col, component, spec, Mode::ServeProxy)
}

/// Whether the column runs a program that listens itself (a socket server) from a container:
/// Docker's columns, on the host's network.
pub fn runs_socket_servers(col: &Column) -> bool {
    matches!(col.kind, Kind::Container(Via::Docker)) && col.shim().is_some()
}

/// A socket server run from a container of the column: `docker run` on the host's network, the
/// guest listening where the spec's `LISTEN_ADDR` says; the container's name, and the column's
/// backend (whose `remove` ends it).
pub fn listen_command(
    col: &'static Column,
    module: &[u8],
    spec: &RunSpec,
) -> Result<(Command, String, Container), String> {
    if !runs_socket_servers(col) {
        return Err(format!("`{}` does not run socket servers", col.name));
    }
    started_on_host_network(col, module, spec, Mode::Listen)
}

fn started_on_host_network(
    col: &'static Column,
    wasm: &[u8],
    spec: &RunSpec,
    mode: Mode,
) -> Result<(Command, String, Container), String> {
    let container = find(col)?;
    let image =
        Image::ensure(wasm, spec, false).map_err(|why| format!("cannot make the image: {why}"))?;
    let id = format!(
        "harness-serve-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos())
    );
    let command = container.command(&image, &id, spec, mode);
    Ok((command, id, container))
}

/// What a container is started for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// A case's run: no network, stdin attached.
    Run,
    /// A `wasi:http/proxy` component the shim serves on the host's loopback.
    ServeProxy,
    /// A program that listens on the host's loopback itself.
    Listen,
}

/// The containerd namespace Docker keeps its images and containers in.
const DOCKER_NAMESPACE: &str = "moby";

pub struct Container {
    column: &'static str,
    via: Via,
    /// The shim's engine (`wasmtime`, `wasmer`, `wasmedge`), or `None` for runc.
    shim: Option<&'static str>,
    tool: PathBuf,
    version: String,
}

/// The column's backend, or why it cannot run here (a skip reason).
pub fn find(col: &'static Column) -> Result<Container, String> {
    let Kind::Container(via) = col.kind else {
        return Err(format!("`{}` is not a container column", col.name));
    };
    let (column, shim) = (col.name, col.shim());
    let how = col.how_to_get();
    let tool = match via {
        Via::Docker => {
            if std::env::var_os("DOCKER_HOST").is_none() {
                return Err(format!("no Docker Engine: DOCKER_HOST is not set; {how}"));
            }
            which("docker").ok_or_else(|| format!("no `docker` command on the PATH; {how}"))?
        }
        Via::Containerd => {
            if std::env::var_os("CONTAINERD_ADDRESS").is_none() {
                return Err(format!(
                    "no containerd: CONTAINERD_ADDRESS is not set (it is when the engine is the project's own); {how}"
                ));
            }
            which("ctr").ok_or_else(|| format!("no `ctr` command on the PATH; {how}"))?
        }
    };
    // Our own engine (it names its containerd) runs the shims from the PATH it shares with us; an
    // engine that was already running has its own, which only a run can show.
    if let Some(engine) = shim.filter(|_| std::env::var_os("CONTAINERD_ADDRESS").is_some()) {
        let binary = format!("containerd-shim-{engine}-v1");
        if which(&binary).is_none() {
            return Err(format!(
                "the shim `{binary}` is not on the PATH: `cargo xtask docker up` builds it"
            ));
        }
    }
    let version = engine_version(via, &tool)?;
    let version = match shim {
        Some(engine) => format!("{version}, runwasi shim {engine} (containerd-shim-wasm 1.0.1)"),
        None => format!("{version}, runc"),
    };
    Ok(Container {
        column,
        via,
        shim,
        tool,
        version,
    })
}

impl Container {
    /// The backend from what the parent's discovery found.
    pub fn from_found(col: &'static Column, found: Found) -> Container {
        let Kind::Container(via) = col.kind else {
            unreachable!("`{}` is not a container column", col.name)
        };
        Container {
            column: col.name,
            via,
            shim: col.shim(),
            tool: found.command[0].clone(),
            version: found.version,
        }
    }

    /// What discovery found, for the workers.
    pub fn found(&self) -> Found {
        Found {
            command: vec![self.tool.clone()],
            version: self.version.clone(),
            origin: format!("{} from the PATH", self.tool.display()),
        }
    }
}

fn engine_version(via: Via, tool: &Path) -> Result<String, String> {
    let mut command = Command::new(tool);
    match via {
        Via::Docker => command.args(["version", "--format", "{{.Server.Version}}"]),
        Via::Containerd => command.args(ctr_global()).args(["version"]),
    };
    let out = command
        .output()
        .map_err(|e| format!("cannot run {}: {e}", tool.display()))?;
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        return Err(format!(
            "the engine does not answer: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(match via {
        Via::Docker => format!("Docker Engine {}", text.trim()),
        // `ctr version` prints the client, then `Server:` with its own `Version:` line.
        Via::Containerd => {
            let server = text
                .split("Server:")
                .nth(1)
                .and_then(|s| s.lines().find_map(|l| l.trim().strip_prefix("Version:")))
                .unwrap_or("?");
            format!("containerd {}", server.trim())
        }
    })
}

fn ctr_global() -> Vec<String> {
    vec![
        "--address".into(),
        std::env::var("CONTAINERD_ADDRESS").unwrap_or_default(),
        "--namespace".into(),
        DOCKER_NAMESPACE.into(),
    ]
}

impl Runtime for Container {
    fn name(&self) -> &'static str {
        self.column
    }

    fn version(&self) -> String {
        self.version.clone()
    }

    fn interrupts_in_engine(&self) -> bool {
        // The container is killed at the deadline by the run below.
        true
    }

    fn run(&self, module: &[u8], spec: &RunSpec, watchdog: &Watchdog) -> RunReport {
        let native = module.starts_with(b"\x7fELF");
        if native != self.shim.is_none() {
            return RunReport::new(Ending::Rejected {
                stage: Stage::Compile,
                message: format!(
                    "`{}` runs {} programs",
                    self.column,
                    if native { "Wasm" } else { "native" }
                ),
            });
        }
        if self.shim.is_none()
            && let Some(p) = spec
                .preopens
                .iter()
                .find(|p| !p.packaged && shim_protocol::mount_point(&p.guest) != p.guest)
        {
            return RunReport::new(Ending::HarnessFault {
                message: format!(
                    "a container cannot bind-mount {} at `{}` (its own `/`, or a relative path), \
                     and a native program has no preopens to give it there instead",
                    p.host.display(),
                    p.guest
                ),
            });
        }
        let image = match Image::ensure(module, spec, native) {
            Ok(image) => image,
            Err(message) => {
                return RunReport::new(Ending::HarnessFault {
                    message: format!("cannot make the image: {message}"),
                });
            }
        };
        // The worker's watchdog is not armed: it would end this process with the container still
        // running. A project shim keeps the guest's deadline from the end of compilation, as the
        // embedded columns do; this is the backstop (and the only limit for runc and other shims),
        // before the worker's own wall-clock limit, and the container is removed when it passes.
        let _ = watchdog;
        let limit = if self.shim.is_some() {
            spec.timeout + deadline::WALL_GRACE.saturating_sub(deadline::CONTAINER_REMOVAL)
        } else {
            spec.timeout + deadline::NATIVE_CONTAINER_START
        };
        let mut setup_retries = 0;
        let (raw, wall) = loop {
            let id = format!(
                "harness-{}-{}",
                std::process::id(),
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_nanos())
            );
            let command = self.command(&image, &id, spec, Mode::Run);
            let started = Instant::now();
            let raw = crate::process::spawn_and_wait(command, spec.stdin.clone(), limit);
            let wall = started.elapsed();
            let raw = match raw {
                Ok(raw) => raw,
                Err(err) => {
                    return RunReport::new(Ending::HarnessFault {
                        message: format!("cannot start {}: {err}", self.tool.display()),
                    });
                }
            };
            if raw.killed {
                self.remove(&id);
            }
            let said = String::from_utf8_lossy(&raw.stderr);
            if !raw.killed && setup_retries < SETUP_RETRIES && is_hook_race(&said) {
                // The container never started: nothing of the module ran and no case directory was
                // touched, so the next attempt is the same run. Counted, not hidden.
                eprintln!(
                    "{}: the container's creation lost libcontainer's hook race; trying again",
                    self.column
                );
                setup_retries += 1;
                self.remove(&id);
                continue;
            }
            break (raw, wall);
        };
        let (stderr, shim_report) = ShimReport::split_off(&raw.stderr);
        let said = String::from_utf8_lossy(&stderr).into_owned();
        let mut report = RunReport::new(Ending::Exited { code: 0 });
        report.compile_cache = CacheState::Container;
        report.phases.run = millis(wall);
        report.ending = if raw.killed {
            Ending::TimedOut {
                by: "the harness (the container outlived the deadline and was removed)".into(),
            }
        } else if let Some(shim) = &shim_report {
            report.phases = shim.phases;
            report.compile_cache = shim.compile_cache;
            shim.ending.clone()
        } else {
            self.ending_without_report(raw.exit_code(), &said)
        };
        report.stdout = raw.stdout;
        report.stderr = stderr;
        report.stdout.truncate(spec.output_limit_bytes);
        report.stderr.truncate(spec.output_limit_bytes);
        report.outside = Some(Outside {
            wall_ms: millis(wall),
            peak_rss_kib: shim_report.map(|r| r.peak_rss_kib),
            image_bytes: Some(image.bytes),
            setup_retries,
        });
        report
    }
}

impl Container {
    /// `serve`: the container serves a `wasi:http/proxy` component on a free loopback port of the
    /// host's network (no stdin; the shim says the address on stderr).
    fn command(&self, image: &Image, id: &str, spec: &RunSpec, mode: Mode) -> Command {
        let mut command = Command::new(&self.tool);
        let mounts: Vec<(String, String)> = spec
            .preopens
            .iter()
            .filter(|p| !p.packaged)
            .map(|p| {
                let at = shim_protocol::mount_point(&p.guest);
                (p.host.display().to_string(), at.into_owned())
            })
            .chain(
                spec.cache_dir
                    .iter()
                    .filter(|_| self.shim.is_some())
                    .map(|dir| {
                        (
                            dir.display().to_string(),
                            shim_protocol::CACHE_MOUNT.to_owned(),
                        )
                    }),
            )
            .collect();
        let mut env: Vec<(String, String)> = spec
            .env
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        if self.shim.is_some() {
            let request = shim_protocol::Request::for_run(spec).to_env();
            env.extend(request.into_iter().map(|(k, v)| (k.to_owned(), v)));
        }
        match self.via {
            Via::Docker if mode == Mode::ServeProxy => {
                command.args(["run", "--rm", "--name", id, "--network", "host"]);
                env.push((SERVE_ADDR_VARIABLE.to_owned(), "127.0.0.1:0".to_owned()));
            }
            Via::Docker if mode == Mode::Listen => {
                command.args(["run", "--rm", "--name", id, "--network", "host"]);
            }
            Via::Docker => {
                command.args(["run", "--rm", "-i", "--name", id, "--network", "none"]);
            }
            Via::Containerd => {}
        }
        match self.via {
            Via::Docker => {
                match self.shim {
                    Some(engine) => {
                        command
                            .arg(format!("--runtime=io.containerd.{engine}.v1"))
                            .arg("--platform=wasi/wasm");
                    }
                    None => {
                        command.arg("--platform=linux/amd64");
                    }
                }
                for (host, guest) in &mounts {
                    command.arg("-v").arg(format!("{host}:{guest}"));
                }
                for (key, value) in &env {
                    command.arg("-e").arg(format!("{key}={value}"));
                }
                command.arg(&image.name);
            }
            Via::Containerd => {
                command.args(ctr_global()).args(["run", "--rm"]);
                if let Some(engine) = self.shim {
                    command
                        .arg("--runtime")
                        .arg(format!("io.containerd.{engine}.v1"))
                        .args(["--platform", "wasi/wasm"]);
                }
                for (host, guest) in &mounts {
                    command
                        .arg("--mount")
                        .arg(format!("type=bind,src={host},dst={guest},options=rbind:rw"));
                }
                for (key, value) in &env {
                    command.arg("--env").arg(format!("{key}={value}"));
                }
                // `ctr run` takes the whole command after the id, entrypoint included.
                command
                    .arg(&image.name)
                    .arg(id)
                    .arg(format!("/{}", spec.program));
            }
        }
        command.args(&spec.args);
        command
    }

    /// Removes a container whose client was killed at the deadline: the container outlives it.
    pub fn remove(&self, id: &str) {
        let mut command = Command::new(&self.tool);
        match self.via {
            Via::Docker => {
                command.args(["rm", "-f", id]);
            }
            Via::Containerd => {
                let _ = Command::new(&self.tool)
                    .args(ctr_global())
                    .args(["task", "kill", "-s", "SIGKILL", id])
                    .output();
                std::thread::sleep(Duration::from_millis(300));
                let _ = Command::new(&self.tool)
                    .args(ctr_global())
                    .args(["task", "rm", "-f", id])
                    .output();
                command.args(ctr_global()).args(["container", "rm", id]);
            }
        }
        let _ = command.output();
    }

    /// How a run ended when no shim report came back: a native container, a shim that is not the
    /// project's, or an engine that could not start the container at all.
    fn ending_without_report(&self, code: i32, said: &str) -> Ending {
        if let Some(line) = said.lines().find(|l| is_infrastructure_fault(l)) {
            return Ending::HarnessFault {
                message: format!("the container engine failed: {}", line.trim()),
            };
        }
        let engine_error = said.lines().find(|l| {
            l.contains("Error response from daemon")
                || l.starts_with("ctr: ")
                || l.contains("failed to create shim task")
        });
        if let Some(line) = engine_error {
            // runwasi checks the module before the engine sees it (`can_handle`: the Wasm header, or
            // text that parses as WAT); refusing it there is refusing the module.
            let stage = if line.contains("can't handle") {
                Stage::Compile
            } else {
                Stage::Instantiate
            };
            return Ending::Rejected {
                stage,
                message: line.trim().to_owned(),
            };
        }
        if self.shim.is_some() && code > 128 {
            // The container's process died by a signal before the shim could report: the engine
            // crashed. Re-raised here, so the cell is a crash like any runtime's.
            let signal = code - 128;
            eprintln!("{}: the container died by signal {signal}", self.column);
            crate::process::die_by(signal);
        }
        Ending::Exited { code }
    }
}

/// Whether a line the container client printed says that the engine around the runtime failed
/// (the daemon went away or refused to talk, the image is gone, the shim could not be reached)
/// rather than the runtime answering about the module. Docker's client exits 125 for both, so the
/// client's words decide.
fn is_infrastructure_fault(line: &str) -> bool {
    const SAID: [&str; 10] = [
        "Cannot connect to the Docker daemon",
        "error during connect",
        "error waiting for container",
        "unexpected EOF",
        "connection refused",
        "connection reset by peer",
        "No such image",
        "failed to dial",
        "transport is closing",
        "received unexpected message: HookRequest",
    ];
    // Only the client's own lines: a native program's stderr is in the same stream.
    let client = line.starts_with("docker: ") || line.starts_with("ctr: ");
    client && SAID.iter().any(|s| line.contains(s))
}

/// How many times a run whose container lost libcontainer's hook race is tried again.
const SETUP_RETRIES: u32 = 2;

/// Whether a container's creation failed on the race libcontainer 0.6 (which runwasi 1.0.1 pins)
/// has when the spec carries hooks, as Docker's does for its network namespace: the init process
/// asks for its hooks on the channel where the main process still waits for the intermediate
/// process's ready message. libcontainer 0.7 gives each process a channel of its own. It fails the
/// container before its process starts, so it is a fault of the stack's set-up, never of the module.
fn is_hook_race(stderr: &str) -> bool {
    stderr.contains("received unexpected message: HookRequest")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hook_race_is_told_from_a_refused_module() {
        // As Docker 26 printed it in a CI run, for a Go module that passes on every other try.
        let race = "docker: Error response from daemon: failed to create task for container: \
            failed to create shim task: failed to create container: received unexpected message: \
            HookRequest, expected: IntermediateReady(0)\n";
        assert!(is_hook_race(race));
        let refused = "docker: Error response from daemon: failed to create task for container: \
            failed to create shim task: can't handle module\n";
        assert!(!is_hook_race(refused));
        assert!(!is_hook_race("HookRequest\n"));
    }

    #[test]
    fn a_dead_engine_is_the_infrastructure_and_a_refused_module_is_not() {
        // As Docker 26 printed them: dockerd killed during a run, and a run with no daemon.
        for line in [
            "docker: error waiting for container: unexpected EOF",
            "docker: Cannot connect to the Docker daemon at unix:///x/docker.sock. Is the docker \
             daemon running?",
        ] {
            assert!(is_infrastructure_fault(line), "{line}");
        }
        let refused = "docker: Error response from daemon: failed to create task for container: \
            failed to create shim task: can't handle module";
        assert!(!is_infrastructure_fault(refused));
    }
}
