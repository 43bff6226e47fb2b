//! Resident workers: a worker process that loads one module once and then runs it for request after
//! request, as a server runs its handlers. The matrix's workers ([`crate::worker`]) run one request
//! each; a resident one keeps the compiled module (`Runtime::prepare`) and only instantiates it per
//! request, and a crash or a kill still loses only the request it was running.
//!
//! The protocol is framed (a little-endian `u32` length, then the bytes) on the worker's stdin and a
//! duplicate of its stdout: the parent sends a [`Setup`], the worker answers [`Ready`]; then for
//! each request the parent sends a [`Call`] and the guest's stdin, and the worker answers [`Done`],
//! the guest's stdout and its stderr. Output travels as bytes, not as JSON text: a handler's body may
//! be binary.

use std::collections::BTreeMap;
use std::io::{BufReader, Read, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize, de::DeserializeOwned};

use crate::manifest::Proposal;
use crate::runtime::{
    self, Ending, HttpAnswer, HttpCall, Phases, Preopen, RunReport, RunSpec, Serves, Watchdog,
    millis,
};

/// The subcommand of the harness binary (and of WasmEdge's worker) that runs a resident worker.
pub const SUBCOMMAND: &str = "serve-worker";

/// The largest frame either side accepts: more is a broken peer, not a message.
const MAX_FRAME: usize = 1 << 30;

/// What a resident worker loads, once.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Setup {
    pub runtime: String,
    pub module: PathBuf,
    pub proposals: Vec<Proposal>,
    pub preopens: Vec<Preopen>,
    pub memory_limit_bytes: u64,
    pub output_limit_bytes: usize,
    /// The compiled-module cache, when there is one.
    #[serde(default)]
    pub cache_dir: Option<PathBuf>,
    #[serde(default)]
    pub found: Option<runtime::Found>,
}

/// The worker's answer to [`Setup`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Ready {
    pub runtime_version: String,
    /// Whether the module was compiled here once (`Runtime::prepare`); otherwise every call
    /// compiles it again, and its compile phase says what that costs.
    pub compiled_once: bool,
    pub compile_ms: f64,
    /// How requests reach the handler: as a WAGI command, or through its `wasi:http` export.
    #[serde(default)]
    pub serves: Serves,
    /// Why the module cannot be served (the engine refused it, or it is a component on a preview 1
    /// column): the worker exits after saying so.
    pub refused: Option<Ending>,
}

/// One request to a resident worker; its stdin follows as a frame of its own.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Call {
    pub program: String,
    pub args: Vec<String>,
    pub env: BTreeMap<String, String>,
    pub timeout_ms: u64,
    /// For a `wasi:http` handler: the request's head (its body is the stdin frame).
    #[serde(default)]
    pub http: Option<HttpCall>,
}

/// How a call ended; the guest's stdout and stderr follow as frames.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Done {
    pub ending: Ending,
    pub phases: Phases,
    pub compile_cache: runtime::cache::CacheState,
    /// The worker's peak resident set so far (KiB).
    pub peak_rss_kib: Option<u64>,
    /// For a `wasi:http` handler: its response's head (its body is the stdout frame), or why it
    /// gave none.
    #[serde(default)]
    pub http: Option<HttpAnswer>,
}

pub fn write_frame(to: &mut impl Write, bytes: &[u8]) -> std::io::Result<()> {
    let len = u32::try_from(bytes.len())
        .ok()
        .filter(|&l| (l as usize) <= MAX_FRAME)
        .ok_or_else(|| std::io::Error::other("frame too large"))?;
    to.write_all(&len.to_le_bytes())?;
    to.write_all(bytes)
}

pub fn read_frame(from: &mut impl Read) -> std::io::Result<Vec<u8>> {
    let mut len = [0; 4];
    from.read_exact(&mut len)?;
    let len = u32::from_le_bytes(len) as usize;
    if len > MAX_FRAME {
        return Err(std::io::Error::other(format!(
            "a frame of {len} bytes: the peer is broken"
        )));
    }
    let mut bytes = vec![0; len];
    from.read_exact(&mut bytes)?;
    Ok(bytes)
}

fn write_json(to: &mut impl Write, value: &impl Serialize) -> std::io::Result<()> {
    write_frame(
        to,
        &serde_json::to_vec(value).map_err(std::io::Error::other)?,
    )
}

fn read_json<T: DeserializeOwned>(from: &mut impl Read) -> std::io::Result<T> {
    serde_json::from_slice(&read_frame(from)?).map_err(std::io::Error::other)
}

/// The worker side, with the backends of the harness binary.
pub fn serve() -> anyhow::Result<()> {
    serve_with(|name, found| Ok(runtime::select_found(name, found)?))
}

/// The worker side: loads the module of the [`Setup`] on stdin, then answers calls until stdin
/// closes. `select` gives the backend (another binary serves with its own, as WasmEdge's does).
pub fn serve_with(
    select: impl FnOnce(&str, Option<&runtime::Found>) -> anyhow::Result<Box<dyn runtime::Runtime>>,
) -> anyhow::Result<()> {
    crate::worker::keep_report_channel()?;
    let mut out = crate::worker::REPORT_CHANNEL
        .get()
        .expect("kept above")
        .try_clone()?;
    let mut input = BufReader::new(std::io::stdin().lock());
    let setup: Setup = read_json(&mut input)?;
    let backend = select(&setup.runtime, setup.found.as_ref())?;
    let version = backend.version();
    let refuse = |out: &mut std::fs::File, ending: Ending| -> anyhow::Result<()> {
        let ready = Ready {
            runtime_version: version.clone(),
            compiled_once: false,
            compile_ms: 0.0,
            serves: Serves::Wagi,
            refused: Some(ending),
        };
        write_json(out, &ready)?;
        Ok(out.flush()?)
    };
    let module = match std::fs::read(&setup.module) {
        Ok(bytes) => bytes,
        Err(err) => {
            let message = format!("cannot read {}: {err}", setup.module.display());
            return refuse(&mut out, Ending::HarnessFault { message });
        }
    };
    if runtime::artifact::is_component(&module)
        && !runtime::registry::get(&setup.runtime).is_some_and(|c| c.runs_components())
    {
        return refuse(
            &mut out,
            runtime::artifact::component_unsupported(&setup.runtime),
        );
    }
    let spec = |call: Call, stdin: Vec<u8>| RunSpec {
        program: call.program,
        args: call.args,
        env: call.env,
        preopens: setup.preopens.clone(),
        stdin,
        proposals: setup.proposals.clone(),
        timeout: Duration::from_millis(call.timeout_ms),
        memory_limit_bytes: setup.memory_limit_bytes,
        output_limit_bytes: setup.output_limit_bytes,
        cache_dir: setup.cache_dir.clone(),
        inherit_stdio: false,
        inherit_env: false,
        network: false,
    };
    let started = Instant::now();
    let template = spec(
        Call {
            program: String::new(),
            args: Vec::new(),
            env: BTreeMap::new(),
            timeout_ms: 0,
            http: None,
        },
        Vec::new(),
    );
    let prepared = match backend.prepare(&module, &template) {
        Some(Ok(prepared)) => Some(prepared),
        Some(Err(report)) => return refuse(&mut out, report.ending),
        None => None,
    };
    let ready = Ready {
        runtime_version: version.clone(),
        compiled_once: prepared.is_some(),
        compile_ms: if prepared.is_some() {
            millis(started.elapsed())
        } else {
            0.0
        },
        serves: prepared.as_ref().map_or(Serves::Wagi, |p| p.serves()),
        refused: None,
    };
    write_json(&mut out, &ready)?;
    out.flush()?;
    loop {
        let call: Call = match read_json(&mut input) {
            Ok(call) => call,
            // The parent closed the pipe: the gateway is done with this worker.
            Err(err) if err.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(()),
            Err(err) => return Err(err.into()),
        };
        let stdin = read_frame(&mut input)?;
        let http = call.http.clone();
        let spec = spec(call, stdin);
        // The parent keeps the deadline: it kills this process when a call overruns.
        let (report, answer): (RunReport, Option<HttpAnswer>) = match (&prepared, &http) {
            (Some(prepared), Some(request)) => {
                let (report, answer) = prepared.handle(request, &spec);
                (report, Some(answer))
            }
            (Some(prepared), None) => (prepared.run(&spec, &Watchdog::none()), None),
            (None, _) => (backend.run(&module, &spec, &Watchdog::none()), None),
        };
        let done = Done {
            ending: report.ending,
            phases: report.phases,
            compile_cache: report.compile_cache,
            peak_rss_kib: crate::worker::own_peak_rss_kib(),
            http: answer,
        };
        write_json(&mut out, &done)?;
        write_frame(&mut out, &report.stdout)?;
        write_frame(&mut out, &report.stderr)?;
        out.flush()?;
    }
}

/// A resident worker that died: how, in the words a crashed cell uses.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{how}")]
pub struct Died {
    pub how: String,
}

/// What a call returned.
#[derive(Debug, Clone)]
pub struct Reply {
    pub done: Done,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    /// From sending the call to reading the last frame, as the parent measured it.
    pub wall: Duration,
}

/// The parent's handle on a resident worker. Dropping it ends the worker.
pub struct Resident {
    child: Child,
    to: ChildStdin,
    from: BufReader<ChildStdout>,
    stderr_tail: Arc<Mutex<Vec<u8>>>,
    pub ready: Ready,
    /// From spawn to [`Ready`].
    pub start_wall: Duration,
}

/// The last bytes of a worker's stderr kept for a crash's reason.
const STDERR_TAIL: usize = 16 * 1024;

impl Resident {
    /// Starts `command` (a harness binary with [`SUBCOMMAND`], or WasmEdge's worker) and loads the
    /// setup's module; blocks until the worker is ready or refused. A refusal is still `Ok`: the
    /// caller reads `ready.refused`.
    pub fn start(mut command: Command, setup: &Setup) -> Result<Resident, Died> {
        let started = Instant::now();
        command
            .env(
                crate::worker::HOST_SECRET_VAR,
                crate::worker::HOST_SECRET_VALUE,
            )
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command.spawn().map_err(|e| Died {
            how: format!("cannot start the worker: {e}"),
        })?;
        let stderr_tail =
            crate::util::keep_tail(child.stderr.take().expect("stderr is piped"), STDERR_TAIL);
        let to = child.stdin.take().expect("stdin is piped");
        let from = BufReader::new(child.stdout.take().expect("stdout is piped"));
        let mut resident = Resident {
            child,
            to,
            from,
            stderr_tail,
            ready: Ready {
                runtime_version: String::new(),
                compiled_once: false,
                compile_ms: 0.0,
                serves: Serves::Wagi,
                refused: None,
            },
            start_wall: Duration::ZERO,
        };
        let ready = write_json(&mut resident.to, setup)
            .and_then(|()| resident.to.flush())
            .and_then(|()| read_json::<Ready>(&mut resident.from));
        match ready {
            Ok(ready) => {
                resident.ready = ready;
                resident.start_wall = started.elapsed();
                Ok(resident)
            }
            Err(_) => Err(resident.died()),
        }
    }

    pub fn pid(&self) -> libc::pid_t {
        self.child.id() as libc::pid_t
    }

    /// Runs one request. An error means the worker is gone (it crashed, or was killed at its
    /// deadline through [`kill`]): the caller drops this handle.
    pub fn call(&mut self, call: &Call, stdin: &[u8]) -> Result<Reply, Died> {
        let started = Instant::now();
        let exchange = (|| {
            write_json(&mut self.to, call)?;
            write_frame(&mut self.to, stdin)?;
            self.to.flush()?;
            let done: Done = read_json(&mut self.from)?;
            let stdout = read_frame(&mut self.from)?;
            let stderr = read_frame(&mut self.from)?;
            Ok::<_, std::io::Error>((done, stdout, stderr))
        })();
        match exchange {
            Ok((done, stdout, stderr)) => Ok(Reply {
                done,
                stdout,
                stderr,
                wall: started.elapsed(),
            }),
            Err(_) => Err(self.died()),
        }
    }

    /// Reaps the worker after its pipe broke and says how it ended.
    fn died(&mut self) -> Died {
        // A worker that broke the protocol while alive is ended here.
        let _ = self.child.kill();
        let how = match self.child.wait() {
            Ok(status) => {
                use std::os::unix::process::ExitStatusExt;
                match (status.signal(), status.code()) {
                    (Some(signal), _) => {
                        format!("killed by {}", crate::process::signal_name(signal))
                    }
                    (None, Some(code)) => format!("worker exited with status {code}"),
                    (None, None) => "worker ended".to_owned(),
                }
            }
            Err(err) => format!("worker lost: {err}"),
        };
        // The stderr thread may still hold the last lines: give it a moment to read them.
        std::thread::sleep(Duration::from_millis(20));
        let tail = self.stderr_tail.lock().unwrap_or_else(|e| e.into_inner());
        Died {
            how: format!(
                "{how}{}",
                crate::worker::stderr_hint(&String::from_utf8_lossy(&tail))
            ),
        }
    }
}

impl Drop for Resident {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Ends the worker `pid` at once (its call overran its deadline); the thread waiting on its
/// [`Resident::call`] then gets an error and drops the handle, which reaps it.
pub fn kill(pid: libc::pid_t) {
    // SAFETY: sending a signal; the pid is an unreaped child of this process while its handle
    // lives, and the handle's owner is blocked in `call` when this is used.
    unsafe { libc::kill(pid, libc::SIGKILL) };
}

/// How a refused module's reason begins, by stage: what a client of the gateway recognises it by.
pub const REFUSED: [&str; 2] = ["rejected at compile", "rejected at instantiate"];

/// How a call's outcome reads in a log line and an HTTP error body.
pub fn describe(ending: &Ending) -> String {
    match ending {
        Ending::Exited { code } => format!("exited with status {code}"),
        Ending::Trapped { message } => format!("trapped: {message}"),
        Ending::TimedOut { by } => format!("timed out (stopped by {by})"),
        Ending::Rejected { stage, message } => {
            format!("{}: {message}", REFUSED[*stage as usize])
        }
        Ending::Unsupported {
            capability,
            message,
        } => format!("unsupported ({capability}): {message}"),
        Ending::HarnessFault { message } => format!("harness fault: {message}"),
    }
}
