//! The `Runtime` trait every engine backend implements, the types a run is described and reported
//! with, and `select`, which turns a column name into a backend or says why it cannot.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::manifest::Proposal;
pub use crate::manifest::Serves;
pub use crate::process::Watchdog;
pub use configuration::{Configuration, configuration};
pub use registry::{Column, Kind};

pub mod artifact;
pub mod cache;
pub mod cli;
pub mod configuration;
pub mod docker;
pub mod external;
pub mod node;
mod oci;
pub mod registry;
pub mod shim_protocol;

#[cfg(feature = "wasmer")]
mod wasmer;
#[cfg(feature = "wasmi")]
mod wasmi;
#[cfg(feature = "wasmtime")]
mod wasmtime;
#[cfg(feature = "wasmtime")]
mod wasmtime_component;
#[cfg(feature = "wasmtime")]
mod wasmtime_http;

#[cfg(feature = "wasmer")]
pub use self::wasmer::Wasmer;
#[cfg(feature = "wasmi")]
pub use self::wasmi::Wasmi;
#[cfg(feature = "wasmtime")]
pub use self::wasmtime::{Wasmtime, config as wasmtime_config};
#[cfg(feature = "wasmtime")]
pub use self::wasmtime_component::WasmtimeComponent;

/// An engine that runs a WASI preview 1 command module.
///
/// A backend times three phases separately (compile, instantiate, run), wires WASI preview 1 from the
/// spec, stops the guest at `spec.timeout` where the engine can, and caps its linear memory at
/// `spec.memory_limit_bytes`. It never panics on a bad module: every way a run can end is an [`Ending`].
pub trait Runtime {
    /// The column name, as in the [`registry`].
    fn name(&self) -> &'static str;

    /// The engine's exact version and compiler, for example `wasmtime 48.0.0 (cranelift)`.
    fn version(&self) -> String;

    /// Whether this backend can turn the proposal on: its column's proposal set in the registry. A
    /// case that needs a proposal the backend cannot enable still runs, so that the engine's own
    /// error is what the matrix reports.
    fn supports(&self, proposal: Proposal) -> bool {
        registry::get(self.name()).is_none_or(|c| c.supports(proposal))
    }

    /// Whether the engine itself stops a guest at its deadline (epoch interruption, metering). Where it
    /// cannot, the worker's watchdog ends the process instead.
    fn interrupts_in_engine(&self) -> bool;

    /// Compiles, instantiates and runs the module's `_start` export. The backend arms the watchdog
    /// once compilation is done, when the guest's deadline starts.
    fn run(&self, module: &[u8], spec: &RunSpec, watchdog: &Watchdog) -> RunReport;

    /// Compiles the module once for many runs, as a server does with its handlers: each run of the
    /// result instantiates and runs. `spec` gives the proposals and the memory cap every run will
    /// have. `None` where the backend has no such split (its runs compile, or read its cache, each
    /// time); an error report where the engine refused the module.
    fn prepare(
        &self,
        _module: &[u8],
        _spec: &RunSpec,
    ) -> Option<Result<Box<dyn Prepared>, RunReport>> {
        None
    }
}

/// A module compiled once by [`Runtime::prepare`]: every call instantiates it afresh and runs its
/// `_start` (or, for a `wasi:http/proxy` component, its `wasi:http/incoming-handler`), with a
/// compile phase of zero.
pub trait Prepared {
    fn run(&self, spec: &RunSpec, watchdog: &Watchdog) -> RunReport;

    /// How a request reaches what was prepared.
    fn serves(&self) -> Serves {
        Serves::Wagi
    }

    /// Hands one request to the component's `wasi:http/incoming-handler`, with `spec.stdin` as its
    /// body: the report's stdout is the response's body, and the answer its head (or why the
    /// handler gave none). Only for what [`Prepared::serves`] says is [`Serves::WasiHttp`].
    fn handle(&self, _request: &HttpCall, _spec: &RunSpec) -> (RunReport, HttpAnswer) {
        let message = "this handler is a command: it serves WAGI, not wasi:http requests";
        (
            RunReport::new(Ending::HarnessFault {
                message: message.into(),
            }),
            Err(message.into()),
        )
    }
}

/// The head of a request for a `wasi:http` handler; its body travels as the run's stdin.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct HttpCall {
    pub method: String,
    /// The path and query.
    pub target: String,
    /// The authority the request was sent to (its `Host`).
    pub authority: String,
    pub headers: Vec<(String, String)>,
}

impl HttpCall {
    /// The head of a request as hyper received it; a request without `Host` was sent to `local`.
    pub fn of(parts: &hyper::http::request::Parts, local: std::net::SocketAddr) -> HttpCall {
        HttpCall {
            method: parts.method.as_str().to_owned(),
            target: parts
                .uri
                .path_and_query()
                .map_or("/", |p| p.as_str())
                .to_owned(),
            authority: parts
                .headers
                .get(hyper::header::HOST)
                .and_then(|h| h.to_str().ok())
                .map_or_else(|| local.to_string(), str::to_owned),
            headers: header_pairs(&parts.headers),
        }
    }
}

/// Headers as name and value pairs, in order; a value that is not text is read lossily.
pub fn header_pairs(headers: &hyper::HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_owned(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })
        .collect()
}

/// The head of a handler's response.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct HttpHead {
    pub status: u16,
    pub headers: Vec<(String, String)>,
}

/// A handler's response head, or why it gave none (it returned without one, or answered with an
/// error code).
pub type HttpAnswer = Result<HttpHead, String>;

/// What [`Runtime::prepare`] returns for a backend's own prepared module or refusal.
pub fn prepared<P: Prepared + 'static>(
    prepared: Result<P, Box<RunReport>>,
) -> Option<Result<Box<dyn Prepared>, RunReport>> {
    Some(
        prepared
            .map(|p| Box::new(p) as Box<dyn Prepared>)
            .map_err(|report| *report),
    )
}

/// Everything a backend needs to run one case.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunSpec {
    /// `argv[0]` as the guest sees it.
    pub program: String,
    /// The guest's arguments after `argv[0]`.
    pub args: Vec<String>,
    /// The guest's whole environment: nothing from the host leaks in.
    pub env: BTreeMap<String, String>,
    pub preopens: Vec<Preopen>,
    pub stdin: Vec<u8>,
    pub proposals: Vec<Proposal>,
    #[serde(with = "duration_ms")]
    pub timeout: Duration,
    pub memory_limit_bytes: u64,
    /// Bytes kept of each of stdout and stderr; a guest that writes more sees a write error.
    pub output_limit_bytes: usize,
    /// The compiled-artifact cache directory; compile from the bytes every time when absent.
    #[serde(default)]
    pub cache_dir: Option<PathBuf>,
    /// The guest uses this process's own stdin, stdout and stderr instead of `stdin` and captured
    /// output: a containerd shim runs the guest as the container's process, whose stdio these are.
    /// The report's stdout and stderr are then empty.
    #[serde(default)]
    pub inherit_stdio: bool,
    /// For the `native` column only: the process starts with its parent's environment, as a
    /// process does by default (`native::inherits_environment` says for which cases).
    #[serde(default)]
    pub inherit_env: bool,
    /// The guest may open sockets on the host's network (a socket server's run): wasmtime's
    /// `inherit-network`, wasmer's `--net`. Off, it gets none where the engine can say so.
    #[serde(default)]
    pub network: bool,
}

/// A host directory the guest sees at `guest`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Preopen {
    pub host: PathBuf,
    pub guest: String,
    /// Part of the program as built (an interpreter's standard library, the script it runs), not of
    /// the case: a container image carries it instead of mounting it.
    #[serde(default)]
    pub packaged: bool,
}

/// The three timed phases of a run, in milliseconds. A phase that did not happen is zero.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq)]
pub struct Phases {
    pub compile: f64,
    pub instantiate: f64,
    pub run: f64,
}

/// The stage at which an engine refused a module.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    Compile,
    Instantiate,
}

/// How a run ended, as the engine saw it. The harness turns this into an outcome by comparing it with
/// what the case expects.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Ending {
    /// `_start` returned (code 0) or the guest called `proc_exit`.
    Exited { code: i32 },
    /// A WebAssembly trap, with the engine's message.
    Trapped { message: String },
    /// The guest ran past its deadline and was stopped.
    TimedOut { by: String },
    /// The engine refused the module (malformed, invalid, or failed to instantiate).
    Rejected { stage: Stage, message: String },
    /// The module needs something the engine does not provide: a proposal or an import.
    Unsupported { capability: String, message: String },
    /// The harness, or the infrastructure around the engine, failed before the engine could answer:
    /// it could not read, copy, mount or spawn, or the container engine went away mid-run. Never the
    /// runtime's fault, so never counted against it.
    HarnessFault { message: String },
}

/// What a backend reports of one run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunReport {
    pub ending: Ending,
    pub phases: Phases,
    /// How compile got its module.
    pub compile_cache: cache::CacheState,
    #[serde(with = "bytes_lossy")]
    pub stdout: Vec<u8>,
    #[serde(with = "bytes_lossy")]
    pub stderr: Vec<u8>,
    /// Where the engine ran in a process of its own that the backend started (a container): that
    /// process's measurements, which stand for the worker's own. `wall_ms` is from the `run` command
    /// to its exit, `peak_rss_kib` the engine process's peak, `image_bytes` the image's size.
    #[serde(default)]
    pub outside: Option<Outside>,
}

/// Measurements of a run that happened outside the worker (in a container).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Outside {
    pub wall_ms: f64,
    pub peak_rss_kib: Option<u64>,
    pub image_bytes: Option<u64>,
    /// Attempts before this one whose container failed to be created, before anything of the
    /// module ran, and that the backend made again (see `docker::is_hook_race`).
    #[serde(default)]
    pub setup_retries: u32,
}

impl RunReport {
    /// A report after a compile: a clean exit so far, or the module refused, with the compile
    /// phase and how the cache served it.
    pub fn compiled(
        refused: Option<String>,
        compile_ms: f64,
        compile_cache: cache::CacheState,
    ) -> Self {
        let mut report = RunReport::new(match refused {
            None => Ending::Exited { code: 0 },
            Some(message) => Ending::Rejected {
                stage: Stage::Compile,
                message,
            },
        });
        report.phases.compile = compile_ms;
        report.compile_cache = compile_cache;
        report
    }

    pub fn new(ending: Ending) -> Self {
        RunReport {
            ending,
            phases: Phases::default(),
            compile_cache: cache::CacheState::Cold,
            stdout: Vec::new(),
            stderr: Vec::new(),
            outside: None,
        }
    }

    /// The report of a whole process run as one phase (a native binary, a runtime's own tool): the
    /// process's wall time is the run phase, its output is the guest's.
    pub fn whole_process(
        ending: Ending,
        cache: cache::CacheState,
        raw: crate::process::RawExit,
    ) -> Self {
        RunReport {
            ending,
            phases: Phases {
                compile: 0.0,
                instantiate: 0.0,
                run: millis(raw.wall),
            },
            compile_cache: cache,
            stdout: raw.stdout,
            stderr: raw.stderr,
            outside: None,
        }
    }
}

/// Why a column name could not become a backend.
#[derive(Debug, Clone, thiserror::Error)]
pub enum SelectError {
    #[error("runtime `{name}` was not built into this harness: {how}")]
    NotBuilt { name: String, how: String },
    #[error("unknown runtime `{name}`: known runtimes are {}", registry::names().collect::<Vec<_>>().join(", "))]
    Unknown { name: String },
    #[error("runtime `{name}` runs in a process of its own, not in this one")]
    External { name: String },
    #[error("{reason}")]
    Unavailable { name: String, reason: String },
}

/// What discovery found of a column that runs something outside this binary (a command-line tool, a
/// container client): found once per run by the parent and handed to each worker in its request, so
/// that no run probes the machine again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Found {
    /// The program, then the arguments that come before a run's own (a loader and its options).
    pub command: Vec<PathBuf>,
    /// What the program says its version is, with the engine behind it.
    pub version: String,
    /// Where it was found: the variable that named it, the project's pinned install, the PATH.
    pub origin: String,
}

impl Found {
    pub fn to_command(&self) -> std::process::Command {
        let mut command = std::process::Command::new(&self.command[0]);
        command.args(&self.command[1..]);
        command
    }
}

/// Finds what a column needs on this machine, or says why it cannot run here (a skip reason).
/// Embedded columns need nothing found; tools and containers are probed (`--version`, `docker
/// version`) once per process, however many cells ask.
pub fn discover(name: &str) -> Result<Option<Found>, SelectError> {
    type Memo = std::sync::Mutex<BTreeMap<String, Result<Option<Found>, SelectError>>>;
    static FOUND: std::sync::OnceLock<Memo> = std::sync::OnceLock::new();
    // Held across the probe: cells running side by side wait for the first probe instead of
    // starting the tool again.
    let mut memo = FOUND
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    memo.entry(name.to_owned())
        .or_insert_with(|| probe(name))
        .clone()
}

fn probe(name: &str) -> Result<Option<Found>, SelectError> {
    let column = registry::get(name).ok_or_else(|| SelectError::Unknown { name: name.into() })?;
    let unavailable = |reason: String| SelectError::Unavailable {
        name: name.into(),
        reason,
    };
    match column.kind {
        Kind::Embedded => built(column).map(|_| None),
        Kind::ExternalWorker => external::command(name).map(|_| None).map_err(unavailable),
        Kind::Tool => cli::find(column)
            .map(|c| Some(c.found()))
            .map_err(unavailable),
        Kind::Container(_) => docker::find(column)
            .map(|c| Some(c.found()))
            .map_err(unavailable),
        Kind::Native => Ok(None),
    }
}

/// The backend of an embedded column, when this binary has its engine built in.
fn built(column: &'static Column) -> Result<Box<dyn Runtime>, SelectError> {
    #[cfg(any(feature = "wasmtime", feature = "wasmer", feature = "wasmi"))]
    use registry::Tier;
    // The one mechanism an embedded variant prices is wasmtime's epoch interruption.
    if column.runs_components() {
        #[cfg(feature = "wasmtime")]
        if column.engine == registry::Engine::Wasmtime {
            return Ok(Box::new(WasmtimeComponent));
        }
        return Err(SelectError::NotBuilt {
            name: column.name.into(),
            how: column.how_to_get(),
        });
    }
    match (column.engine, column.tier, column.prices.is_some()) {
        #[cfg(feature = "wasmtime")]
        (registry::Engine::Wasmtime, Tier::Cranelift, true) => {
            Ok(Box::new(Wasmtime::with_epoch_interruption()))
        }
        #[cfg(feature = "wasmtime")]
        (
            registry::Engine::Wasmtime,
            tier @ (Tier::Cranelift | Tier::Winch | Tier::Pulley),
            false,
        ) => Ok(Box::new(Wasmtime::at(tier))),
        #[cfg(feature = "wasmer")]
        (registry::Engine::Wasmer, tier @ (Tier::Cranelift | Tier::Singlepass), false) => {
            Ok(Box::new(Wasmer::at(tier)))
        }
        #[cfg(feature = "wasmer-llvm")]
        (registry::Engine::Wasmer, Tier::Llvm, false) => Ok(Box::new(Wasmer::at(Tier::Llvm))),
        #[cfg(feature = "wasmi")]
        (registry::Engine::Wasmi, Tier::Interpreter, false) => Ok(Box::new(Wasmi)),
        _ => Err(SelectError::NotBuilt {
            name: column.name.into(),
            how: column.how_to_get(),
        }),
    }
}

/// Returns the backend for a column name, or says clearly why there is none. `found` is what the
/// parent's [`discover`] found; without it, this process discovers.
pub fn select_found(name: &str, found: Option<&Found>) -> Result<Box<dyn Runtime>, SelectError> {
    let column = registry::get(name).ok_or_else(|| SelectError::Unknown { name: name.into() })?;
    let found = match (column.kind, found) {
        (Kind::Tool | Kind::Container(_), None) => discover(name)?,
        (_, found) => found.cloned(),
    };
    match (column.kind, found) {
        (Kind::Embedded, _) => built(column),
        (Kind::Tool, Some(found)) => Ok(Box::new(cli::Cli::from_found(column, found))),
        (Kind::Container(_), Some(found)) => {
            Ok(Box::new(docker::Container::from_found(column, found)))
        }
        _ => Err(SelectError::External { name: name.into() }),
    }
}

/// [`select_found`], discovering in this process.
pub fn select(name: &str) -> Result<Box<dyn Runtime>, SelectError> {
    select_found(name, None)
}

/// Whether a column can run here, or why not (a skip reason).
pub fn available(name: &str) -> Result<(), String> {
    discover(name).map(|_| ()).map_err(|e| e.to_string())
}

/// Milliseconds between two instants, as the results files store every duration.
pub fn millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

mod duration_ms {
    use serde::{Deserialize, Deserializer, Serializer};
    use std::time::Duration;

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(d.as_millis() as u64)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        Ok(Duration::from_millis(u64::deserialize(d)?))
    }
}

/// Guest output travels between worker and parent as JSON; bytes that are not UTF-8 are replaced,
/// because every check the harness makes on output is textual.
mod bytes_lossy {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(b: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&String::from_utf8_lossy(b))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        Ok(String::deserialize(d)?.into_bytes())
    }
}
