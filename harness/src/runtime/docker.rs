//! The container columns: a module run as a Wasm OCI image by a Docker Engine (`docker-wasmtime`,
//! `docker-wasmer`, `docker-wasmedge`) or by its containerd directly (`containerd-*`), through the
//! project's runwasi shims (`shims/`), and the same program as a native container under runc
//! (`docker-runc`) for comparison.
//!
//! Every module becomes an image the first time a column needs it: one layer holding the module at
//! `/<program>` and the directories packaged with the program (an interpreter's library), platform
//! `wasi/wasm`, the module as entrypoint: `FROM scratch`, `COPY`, `ENTRYPOINT`. The OCI tar is kept
//! under `target/docker/images/` and loaded into the engine. A case's directories are bind mounts.
//!
//! The engine is found through `DOCKER_HOST` (and `CONTAINERD_ADDRESS` for `ctr`), which
//! `cargo xtask matrix` sets when it starts the project's private engine.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{Ending, Outside, Phases, RunReport, RunSpec, Runtime, Stage, Watchdog, millis};
use crate::manifest::Proposal;

/// The container columns, in the order the matrix shows them.
pub const COLUMNS: &[&str] = &[
    "docker-wasmtime",
    "docker-wasmer",
    "docker-wasmedge",
    "containerd-wasmtime",
    "containerd-wasmer",
    "containerd-wasmedge",
    "docker-runc",
];

/// The column that runs native programs in `FROM scratch` images under runc.
pub const NATIVE: &str = "docker-runc";

/// The prefix of the shim's report line on the container's stderr.
pub const SHIM_MARKER: &str = "harness-shim: ";

/// The containerd namespace Docker keeps its images and containers in.
const DOCKER_NAMESPACE: &str = "moby";

/// Where a case's runs inside a container keep the engine's compiled-artifact cache.
const CACHE_MOUNT: &str = "/.harness-cache";

/// What a project shim reports when the container sets `HARNESS_REPORT`: the backend's report of
/// the run inside the container, and that process's peak resident set.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ShimReport {
    pub ending: Ending,
    pub phases: Phases,
    pub compile_cache: String,
    pub peak_rss_kib: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Via {
    Docker,
    Containerd,
}

pub struct Container {
    column: &'static str,
    via: Via,
    /// The shim's engine (`wasmtime`, `wasmer`, `wasmedge`), or `None` for runc.
    shim: Option<&'static str>,
    tool: PathBuf,
    version: String,
}

/// Whether a column is a container column.
pub fn is_container(name: &str) -> bool {
    COLUMNS.contains(&name)
}

/// The column's backend, or why it cannot run here (a skip reason).
pub fn find(name: &str) -> Result<Container, String> {
    let column = *COLUMNS
        .iter()
        .find(|c| **c == name)
        .ok_or_else(|| format!("`{name}` is not a container column"))?;
    let (via, shim) = match column.split_once('-') {
        Some(("docker", "runc")) => (Via::Docker, None),
        Some(("docker", engine)) => (Via::Docker, Some(engine)),
        Some(("containerd", engine)) => (Via::Containerd, Some(engine)),
        _ => unreachable!("column names are docker-* or containerd-*"),
    };
    let shim = shim.map(|e| match e {
        "wasmtime" => "wasmtime",
        "wasmer" => "wasmer",
        _ => "wasmedge",
    });
    let how = "start one with `cargo xtask docker up` (the matrix does when a container column is asked for)";
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

fn which(program: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
}

impl Runtime for Container {
    fn name(&self) -> &'static str {
        self.column
    }

    fn version(&self) -> String {
        self.version.clone()
    }

    fn supports(&self, proposal: Proposal) -> bool {
        match self.shim {
            Some("wasmedge") => super::external::wasmedge_supports(true, proposal),
            Some("wasmer") => super::wasmer_supports(proposal),
            _ => true,
        }
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
        let image = match Image::ensure(module, spec, native) {
            Ok(image) => image,
            Err(message) => {
                return RunReport::new(Ending::Rejected {
                    stage: Stage::Instantiate,
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
            spec.timeout + crate::worker::WALL_GRACE.saturating_sub(Duration::from_secs(15))
        } else {
            spec.timeout + Duration::from_secs(2)
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
            let command = self.command(&image, &id, spec);
            let started = Instant::now();
            let raw = crate::worker::spawn_and_wait(command, spec.stdin.clone(), limit);
            let wall = started.elapsed();
            let raw = match raw {
                Ok(raw) => raw,
                Err(err) => {
                    return RunReport::new(Ending::Rejected {
                        stage: Stage::Instantiate,
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
        let (stderr, shim_report) = split_report(&raw.stderr);
        let said = String::from_utf8_lossy(&stderr).into_owned();
        let mut report = RunReport::new(Ending::Exited { code: 0 });
        report.compile_cache = "container".into();
        report.phases.run = millis(wall);
        report.ending = if raw.killed {
            Ending::TimedOut {
                by: "the harness (the container outlived the deadline and was removed)".into(),
            }
        } else if let Some(shim) = &shim_report {
            report.phases = shim.phases;
            report.compile_cache = shim.compile_cache.clone();
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
    fn command(&self, image: &Image, id: &str, spec: &RunSpec) -> Command {
        let mut command = Command::new(&self.tool);
        let mounts: Vec<(String, String)> = spec
            .preopens
            .iter()
            .filter(|p| !p.packaged)
            .map(|p| (p.host.display().to_string(), p.guest.clone()))
            .chain(
                spec.cache_dir
                    .iter()
                    .filter(|_| self.shim.is_some())
                    .map(|dir| (dir.display().to_string(), CACHE_MOUNT.to_owned())),
            )
            .collect();
        let mut env: Vec<(String, String)> = spec
            .env
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        if self.shim.is_some() {
            let preopens: Vec<&str> = spec.preopens.iter().map(|p| p.guest.as_str()).collect();
            let proposals: Vec<String> = spec.proposals.iter().map(|p| p.to_string()).collect();
            env.push(("HARNESS_PREOPENS".into(), preopens.join(":")));
            env.push(("HARNESS_PROPOSALS".into(), proposals.join(",")));
            env.push((
                "HARNESS_MEMORY_LIMIT".into(),
                spec.memory_limit_bytes.to_string(),
            ));
            env.push(("HARNESS_REPORT".into(), "1".into()));
            env.push((
                "HARNESS_TIMEOUT_MS".into(),
                spec.timeout.as_millis().to_string(),
            ));
            if spec.cache_dir.is_some() {
                env.push(("HARNESS_CACHE".into(), CACHE_MOUNT.into()));
            }
        }
        match self.via {
            Via::Docker => {
                command.args(["run", "--rm", "-i", "--name", id, "--network", "none"]);
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
    fn remove(&self, id: &str) {
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
            // SAFETY: re-raises a fatal signal on this worker process, which is what it is for.
            unsafe {
                libc::signal(signal, libc::SIG_DFL);
                libc::raise(signal);
            }
            std::process::exit(code);
        }
        Ending::Exited { code }
    }
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

/// Takes the shim's report line off the end of stderr.
fn split_report(stderr: &[u8]) -> (Vec<u8>, Option<ShimReport>) {
    let text = String::from_utf8_lossy(stderr);
    let Some(at) = text.rfind(SHIM_MARKER) else {
        return (stderr.to_vec(), None);
    };
    let line = text[at + SHIM_MARKER.len()..].lines().next().unwrap_or("");
    match serde_json::from_str::<ShimReport>(line) {
        Ok(report) => {
            // The shim starts its line on a line of its own.
            let kept = text[..at].strip_suffix('\n').unwrap_or(&text[..at]);
            (kept.as_bytes().to_vec(), Some(report))
        }
        Err(_) => (stderr.to_vec(), None),
    }
}

/// A loaded image: its name in the engine and its size.
struct Image {
    name: String,
    bytes: u64,
}

impl Image {
    /// The image for this module and the spec's packaged directories, built and loaded unless the
    /// engine has it already.
    fn ensure(module: &[u8], spec: &RunSpec, native: bool) -> Result<Image, String> {
        let packaged: Vec<(&Path, &str)> = spec
            .preopens
            .iter()
            .filter(|p| p.packaged)
            .map(|p| (p.host.as_path(), p.guest.as_str()))
            .collect();
        let layer = layer(module, &spec.program, &packaged)?;
        let digest = hex(&Sha256::digest(&layer));
        let stem = spec.program.trim_end_matches(".wasm");
        let name = format!(
            "localhost/wasm-polyglot/{stem}:{}-{}",
            if native { "native" } else { "wasm" },
            &digest[..12]
        );
        if let Some(bytes) = image_size(&name) {
            return Ok(Image { name, bytes });
        }
        let dir = images_dir();
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        let tar = dir.join(format!("{}.tar", &digest[..16]));
        if !tar.is_file() {
            write_oci_tar(&tar, &layer, &digest, &name, &spec.program, native)?;
        }
        // Loaded through Docker even for `ctr` columns: the same store, the same image.
        let docker = which("docker").ok_or("no `docker` command to load the image with")?;
        let out = Command::new(docker)
            .arg("load")
            .arg("-i")
            .arg(&tar)
            .output()
            .map_err(|e| e.to_string())?;
        if !out.status.success() {
            return Err(format!(
                "docker load {}: {}",
                tar.display(),
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        let bytes = image_size(&name)
            .ok_or_else(|| format!("{name} is not in the engine after loading it"))?;
        Ok(Image { name, bytes })
    }
}

/// `target/docker/images/`, beside the harness binary's target directory.
fn images_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("HARNESS_DOCKER_DIR") {
        return PathBuf::from(dir).join("images");
    }
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.ancestors().nth(2).map(Path::to_path_buf))
        .unwrap_or_else(std::env::temp_dir)
        .join("docker")
        .join("images")
}

/// The image's size as Docker reports it, or `None` when the engine does not have it. Docker and
/// containerd share one store, so the `ctr` columns ask Docker too.
fn image_size(name: &str) -> Option<u64> {
    let out = Command::new(which("docker")?)
        .args(["image", "inspect", "--format", "{{.Size}}", name])
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    String::from_utf8_lossy(&out.stdout).trim().parse().ok()
}

/// The image's one layer, an uncompressed tar written the same way every time (no times, no owners)
/// so that the same program is the same image.
fn layer(module: &[u8], program: &str, packaged: &[(&Path, &str)]) -> Result<Vec<u8>, String> {
    let mut tar = tar::Builder::new(Vec::new());
    let add_file = |tar: &mut tar::Builder<Vec<u8>>, path: &str, mode: u32, data: &[u8]| {
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(mode);
        header.set_mtime(0);
        header.set_entry_type(tar::EntryType::Regular);
        tar.append_data(&mut header, path.trim_start_matches('/'), data)
            .map_err(|e| format!("cannot add {path} to the layer: {e}"))
    };
    add_file(&mut tar, program, 0o755, module)?;
    for (host, guest) in packaged {
        let mut files = Vec::new();
        collect_files(host, &mut files).map_err(|e| format!("{}: {e}", host.display()))?;
        files.sort();
        for file in files {
            let relative = file.strip_prefix(host).unwrap_or(&file);
            let inside = Path::new(guest).join(relative);
            let data = std::fs::read(&file).map_err(|e| format!("{}: {e}", file.display()))?;
            add_file(&mut tar, &inside.to_string_lossy(), 0o644, &data)?;
        }
    }
    tar.into_inner()
        .map_err(|e| format!("cannot finish the layer: {e}"))
}

fn collect_files(dir: &Path, files: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect_files(&path, files)?;
        } else {
            files.push(path);
        }
    }
    Ok(())
}

/// Writes an OCI image layout tar (with Docker's `manifest.json`, so that `docker load` takes it)
/// with oci-tar-builder.
fn write_oci_tar(
    tar: &Path,
    layer: &[u8],
    digest: &str,
    name: &str,
    program: &str,
    native: bool,
) -> Result<(), String> {
    use oci_spec::image::{Arch, ConfigBuilder, ImageConfigurationBuilder, Os, RootFsBuilder};
    let layer_path = tar.with_extension("layer");
    std::fs::write(&layer_path, layer).map_err(|e| e.to_string())?;
    let (os, arch) = if native {
        (Os::Linux, Arch::Amd64)
    } else {
        (Os::from("wasi"), Arch::Wasm)
    };
    let config = ConfigBuilder::default()
        .entrypoint(vec![format!("/{program}")])
        .build()
        .map_err(|e| e.to_string())?;
    let image = ImageConfigurationBuilder::default()
        .architecture(arch)
        .os(os)
        .config(config)
        .rootfs(
            RootFsBuilder::default()
                .diff_ids(vec![format!("sha256:{digest}")])
                .build()
                .map_err(|e| e.to_string())?,
        )
        .build()
        .map_err(|e| e.to_string())?;
    let mut builder = oci_tar_builder::Builder::default();
    builder.add_config(image, name.to_owned());
    builder.add_layer(&layer_path);
    let partial = tar.with_extension("tar.partial");
    let file = std::fs::File::create(&partial).map_err(|e| e.to_string())?;
    let mut writer = std::io::BufWriter::new(file);
    builder
        .build(&mut writer)
        .map_err(|e| format!("oci-tar-builder: {e:#}"))?;
    writer.flush().map_err(|e| e.to_string())?;
    drop(writer);
    let _ = std::fs::remove_file(&layer_path);
    std::fs::rename(&partial, tar).map_err(|e| e.to_string())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shim_report_comes_off_stderr() {
        let report = ShimReport {
            ending: Ending::Trapped {
                message: "unreachable".into(),
            },
            phases: Phases {
                compile: 1.0,
                instantiate: 2.0,
                run: 3.0,
            },
            compile_cache: "hit".into(),
            peak_rss_kib: 4242,
        };
        let stderr = format!(
            "guest line\n\n{SHIM_MARKER}{}\n",
            serde_json::to_string(&report).unwrap()
        );
        let (kept, got) = split_report(stderr.as_bytes());
        assert_eq!(String::from_utf8(kept).unwrap(), "guest line\n");
        let got = got.unwrap();
        assert_eq!(got.peak_rss_kib, 4242);
        assert_eq!(got.ending, report.ending);
    }

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
    fn stderr_without_a_report_is_left_alone() {
        let (kept, got) = split_report(b"harness-shim: not json\n");
        assert_eq!(kept, b"harness-shim: not json\n");
        assert!(got.is_none());
    }

    #[test]
    fn the_same_program_makes_the_same_layer() {
        let dir = std::env::temp_dir().join(format!("harness-layer-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        std::fs::write(dir.join("sub/lib.py"), "x = 1\n").unwrap();
        let packaged = [(dir.as_path(), "/usr/local/lib")];
        let a = layer(b"\0asm\x01\0\0\0", "p.wasm", &packaged).unwrap();
        let b = layer(b"\0asm\x01\0\0\0", "p.wasm", &packaged).unwrap();
        assert_eq!(a, b);
        let mut archive = tar::Archive::new(a.as_slice());
        let names: Vec<String> = archive
            .entries()
            .unwrap()
            .map(|e| e.unwrap().path().unwrap().display().to_string())
            .collect();
        assert_eq!(names, ["p.wasm", "usr/local/lib/sub/lib.py"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
