//! The WasmEdge backends: `wasmedge` (the interpreter) and `wasmedge-aot` (the module compiled ahead of
//! time by WasmEdge's LLVM compiler into a shared library, cached like other compiled artifacts).
//!
//! `wasmedge-aot` runs the code `wasmedge compile --optimize 3` makes, as WasmEdge ships it for speed:
//! not interruptible, so the worker's watchdog keeps its deadline. Interruptible AOT code checks for a
//! stop request throughout and runs many times slower (45x on Go's SHA-256); the
//! `wasmedge-aot-interruptible` column runs it, to publish that price.
//!
//! They use `wasmedge-sys` beneath `wasmedge-sdk` 0.14 because the SDK's configuration does not expose
//! every proposal (exception handling) and the AOT compiler's settings. WasmEdge's WASI writes to the
//! process's own descriptors, so a run redirects stdin, stdout and stderr to files around `_start`:
//! this code only ever runs in a worker process of its own.

use std::io::Read;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use harness::manifest::Proposal;
use harness::runtime::registry::{self, Column, Engine, Kind, Tier};
use harness::runtime::{
    Ending, Prepared, RunReport, RunSpec, Runtime, Stage, Watchdog, cache::CacheState, millis,
};
use wasmedge_sys as sys;
use wasmedge_sys::AsInstance;
use wasmedge_types::error::{CoreCommonError, CoreError, CoreInstantiationError, WasmEdgeError};

/// The columns this crate serves: the registry's WasmEdge columns run by a worker.
pub fn columns() -> impl Iterator<Item = &'static Column> {
    registry::COLUMNS
        .iter()
        .filter(|c| c.kind == Kind::ExternalWorker && c.engine == Engine::WasmEdge)
}

#[derive(Clone, Copy)]
pub struct WasmEdge {
    column: &'static str,
    aot: bool,
    /// AOT code compiled interruptible, stopped in the engine at the deadline.
    interruptible: bool,
}

impl WasmEdge {
    /// The backend of a column, or `None` for a name that is not one of [`columns`].
    pub fn for_column(name: &str) -> Option<Self> {
        let column = columns().find(|c| c.name == name)?;
        Some(WasmEdge {
            column: column.name,
            aot: column.tier == Tier::LlvmAot,
            // The one mechanism a WasmEdge variant prices is interruptible AOT code.
            interruptible: column.prices.is_some(),
        })
    }

    /// Whether the engine itself stops the guest at its deadline: the interpreter checks between
    /// instructions at no extra cost, AOT code only where it was compiled interruptible.
    fn stops_itself(&self) -> bool {
        !self.aot || self.interruptible
    }
}

/// The library's own version string, as the loaded libwasmedge reports it.
fn library_version() -> String {
    // SAFETY: returns a pointer to a static NUL-terminated string owned by the library.
    let raw = unsafe { std::ffi::CStr::from_ptr(sys::ffi::WasmEdge_VersionGet()) };
    raw.to_string_lossy().into_owned()
}

impl Runtime for WasmEdge {
    fn name(&self) -> &'static str {
        self.column
    }

    fn version(&self) -> String {
        let mode = match (self.aot, self.interruptible) {
            (false, _) => "interpreter",
            (true, false) => "AOT (LLVM), O3",
            (true, true) => "AOT (LLVM), O3, interruptible",
        };
        format!(
            "wasmedge {} ({mode}), wasmedge-sys 0.19.4",
            library_version()
        )
    }

    fn interrupts_in_engine(&self) -> bool {
        self.stops_itself()
    }

    fn run(&self, module: &[u8], spec: &RunSpec, watchdog: &Watchdog) -> RunReport {
        with_stdio(spec, || match compile(self, module, spec) {
            Ok(compiled) => execute(self, &compiled, compiled.report.clone(), spec, watchdog),
            Err(report) => *report,
        })
    }

    fn prepare(
        &self,
        module: &[u8],
        spec: &RunSpec,
    ) -> Option<Result<Box<dyn Prepared>, RunReport>> {
        harness::runtime::prepared(compile(self, module, spec).map(|compiled| PreparedModule {
            backend: *self,
            compiled,
        }))
    }
}

/// Runs `body` with the guest's stdin, stdout and stderr on this process's descriptors 0, 1 and
/// 2 (WasmEdge's WASI writes to the process's own), and puts what it wrote into the report.
fn with_stdio(spec: &RunSpec, body: impl FnOnce() -> RunReport) -> RunReport {
    if spec.inherit_stdio {
        // WasmEdge's WASI already uses the process's descriptors, and nothing else is logged.
        return body();
    }
    match Stdio::redirect(spec) {
        Ok(stdio) => {
            let mut report = body();
            let (stdout, stderr) = stdio.restore();
            report.stdout = stdout;
            report.stderr = stderr;
            report
        }
        Err(err) => RunReport::new(Ending::HarnessFault {
            message: format!("cannot redirect the worker's stdio: {err}"),
        }),
    }
}

/// A module loaded and validated (for AOT, compiled or read from the cache, and its library
/// loaded) once, with its configuration, and the report so far.
struct Compiled {
    config: sys::Config,
    module: std::sync::Arc<sys::Module>,
    report: RunReport,
}

/// A module loaded once for a server: each call makes its WASI module, executor, store and
/// instance afresh.
struct PreparedModule {
    backend: WasmEdge,
    compiled: Compiled,
}

impl Prepared for PreparedModule {
    fn run(&self, spec: &RunSpec, watchdog: &Watchdog) -> RunReport {
        with_stdio(spec, || {
            let mut report = RunReport::new(Ending::Exited { code: 0 });
            report.compile_cache = CacheState::Resident;
            execute(&self.backend, &self.compiled, report, spec, watchdog)
        })
    }
}

fn config(backend: &WasmEdge, spec: &RunSpec) -> Result<sys::Config, Box<WasmEdgeError>> {
    let mut config = sys::Config::create()?;
    for proposal in &spec.proposals {
        match proposal {
            Proposal::Gc => {
                config.gc(true);
                config.function_references(true);
            }
            Proposal::FunctionReferences => config.function_references(true),
            // One switch for both encodings.
            Proposal::ExceptionHandling | Proposal::LegacyExceptions => {
                config.exception_handling(true)
            }
            Proposal::Threads => config.threads(true),
            Proposal::TailCall => config.tail_call(true),
            Proposal::MultiMemory => config.multi_memories(true),
            Proposal::Memory64 => config.memory64(true),
            Proposal::BulkMemory => config.bulk_memory_operations(true),
            Proposal::MultiValue => config.multi_value(true),
            Proposal::MutableGlobals => config.mutable_globals(true),
            Proposal::NontrappingFloatToInt => config.non_trap_conversions(true),
            Proposal::ReferenceTypes => config.reference_types(true),
            Proposal::SignExtension => config.sign_extension_operators(true),
            Proposal::Simd => config.simd(true),
            // No switch in WasmEdge 0.14 (see `registry::Engine::supports`): the module is loaded
            // anyway, so that WasmEdge's own words are the answer.
            Proposal::RelaxedSimd
            | Proposal::ExtendedConst
            | Proposal::CustomPageSizes
            | Proposal::WideArithmetic
            | Proposal::BranchHinting
            | Proposal::JsStringBuiltins => {}
        }
    }
    let pages = (spec.memory_limit_bytes / 65536).clamp(1, 65536) as u32;
    config.set_max_memory_pages(pages);
    if backend.aot {
        config.set_aot_optimization_level(wasmedge_types::CompilerOptimizationLevel::O3);
        config.set_aot_compiler_output_format(wasmedge_types::CompilerOutputFormat::Native);
        config.interruptible(backend.interruptible);
    }
    Ok(config)
}

/// The error is boxed: a report is large, and the happy path should not carry its size.
fn compile(backend: &WasmEdge, bytes: &[u8], spec: &RunSpec) -> Result<Compiled, Box<RunReport>> {
    // The library logs to the process's stdout, which is the guest's during a run.
    // SAFETY: turns the library's global logger off; no preconditions.
    unsafe { sys::ffi::WasmEdge_LogOff() };
    let config = config(backend, spec).map_err(|err| {
        Box::new(RunReport::new(Ending::Unsupported {
            capability: "engine configuration".into(),
            message: err.to_string(),
        }))
    })?;

    let started = Instant::now();
    let (loaded, cache, waited) = if backend.aot {
        load_aot(backend, &config, bytes, spec)
    } else {
        (
            load(&config, bytes).map_err(AotError::Rejected),
            CacheState::Cold,
            Duration::ZERO,
        )
    };
    let compile_ms = millis(started.elapsed().saturating_sub(waited));
    match loaded {
        Ok(module) => Ok(Compiled {
            config,
            module,
            report: RunReport::compiled(None, compile_ms, cache),
        }),
        Err(AotError::Rejected(message)) => Err(Box::new(RunReport::compiled(
            Some(message),
            compile_ms,
            cache,
        ))),
        Err(AotError::GaveUp(by)) => {
            let mut report = RunReport::compiled(None, compile_ms, cache);
            report.ending = Ending::TimedOut { by };
            Err(Box::new(report))
        }
    }
}

fn execute(
    backend: &WasmEdge,
    compiled: &Compiled,
    mut report: RunReport,
    spec: &RunSpec,
    watchdog: &Watchdog,
) -> RunReport {
    // SAFETY: as in `compile`: the library's logger stays off.
    unsafe { sys::ffi::WasmEdge_LogOff() };
    let Compiled { config, module, .. } = compiled;
    watchdog.arm();
    let started = Instant::now();
    let args: Vec<String> = std::iter::once(spec.program.clone())
        .chain(spec.args.iter().cloned())
        .collect();
    let envs: Vec<String> = spec.env.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let preopens: Vec<String> = spec
        .preopens
        .iter()
        .map(|p| format!("{}:{}", p.guest, p.host.display()))
        .collect();
    let wasi = sys::WasiModule::create(
        Some(args.iter().map(String::as_str).collect()),
        Some(envs.iter().map(String::as_str).collect()),
        Some(preopens.iter().map(String::as_str).collect()),
    );
    let mut wasi = match wasi {
        Ok(wasi) => wasi,
        Err(err) => {
            report.ending = Ending::HarnessFault {
                message: format!("cannot create the WASI module: {err}"),
            };
            return report;
        }
    };
    // A missing import is a capability WasmEdge lacks, not a broken module: name it.
    for import in module.imports() {
        if import.module_name() != "wasi_snapshot_preview1" {
            report.ending = Ending::Unsupported {
                capability: format!("import {}::{}", import.module_name(), import.name()),
                message: format!(
                    "wasmedge provides no `{}::{}`",
                    import.module_name(),
                    import.name()
                ),
            };
            return report;
        }
    }
    let instantiated = (|| {
        let mut executor = sys::Executor::create(Some(config), None)?;
        let mut store = sys::Store::create()?;
        executor.register_import_module(&mut store, wasi.as_mut())?;
        let instance = executor.register_active_module(&mut store, module)?;
        Ok::<_, Box<WasmEdgeError>>((executor, store, instance))
    })();
    let (mut executor, _store, mut instance) = match instantiated {
        Ok(parts) => parts,
        Err(err) => {
            report.phases.instantiate = millis(started.elapsed());
            report.ending = match *err {
                WasmEdgeError::Core(CoreError::Instantiation(
                    CoreInstantiationError::UnknownImport,
                )) => Ending::Unsupported {
                    capability: "an import".into(),
                    message: format!("wasmedge: {err}"),
                },
                _ => Ending::Rejected {
                    stage: Stage::Instantiate,
                    message: err.to_string(),
                },
            };
            return report;
        }
    };
    let start = instance.get_func_mut("_start");
    report.phases.instantiate = millis(started.elapsed());

    let started = Instant::now();
    let mut start = match start {
        Ok(func) => func,
        Err(err) => {
            report.ending = Ending::Rejected {
                stage: Stage::Instantiate,
                message: format!("no `_start` command export: {err}"),
            };
            return report;
        }
    };
    let outcome = if backend.stops_itself() {
        executor.call_func_with_timeout(&mut start, [], spec.timeout)
    } else {
        // Code that never checks cannot be stopped in the engine: the watchdog ends the worker.
        executor.call_func(&mut start, [])
    };
    report.phases.run = millis(started.elapsed());
    report.ending = match outcome {
        Ok(_) => Ending::Exited {
            code: wasi.exit_code() as i32,
        },
        Err(err) => match *err {
            WasmEdgeError::Core(CoreError::Common(CoreCommonError::Terminated)) => Ending::Exited {
                code: wasi.exit_code() as i32,
            },
            WasmEdgeError::Core(CoreError::Common(CoreCommonError::Interrupted)) => {
                Ending::TimedOut {
                    by: "wasmedge (interrupted at the deadline)".into(),
                }
            }
            WasmEdgeError::ExecuteTimeout => Ending::TimedOut {
                by: "wasmedge (execution timeout)".into(),
            },
            other => Ending::Trapped {
                message: other.to_string(),
            },
        },
    };
    report
}

/// Loads and validates a module from its bytes or, for AOT, from the compiled library's file.
fn load(config: &sys::Config, bytes: &[u8]) -> Result<std::sync::Arc<sys::Module>, String> {
    validated(
        config,
        sys::Loader::create(Some(config)).and_then(|l| l.from_bytes(bytes)),
    )
}

fn load_file(config: &sys::Config, path: &Path) -> Result<std::sync::Arc<sys::Module>, String> {
    validated(
        config,
        sys::Loader::create(Some(config)).and_then(|l| l.from_file(path)),
    )
}

fn validated(
    config: &sys::Config,
    loaded: Result<std::sync::Arc<sys::Module>, Box<WasmEdgeError>>,
) -> Result<std::sync::Arc<sys::Module>, String> {
    let module = loaded.map_err(|err| format!("wasmedge loader: {err}"))?;
    sys::Validator::create(Some(config))
        .and_then(|validator| validator.validate(&module))
        .map_err(|err| format!("wasmedge validator: {err}"))?;
    Ok(module)
}

/// Why the AOT path has no module.
enum AotError {
    /// The compiler or the loader refused it.
    Rejected(String),
    /// The compiler had not finished within [`harness::deadline::AOT_COMPILE_BUDGET`] (now, or in
    /// an earlier run that recorded it): what stopped it, for the timeout's reason.
    GaveUp(String),
}

/// The AOT path: compile the module with WasmEdge's compiler into a shared library under the cache
/// directory (keyed like the other backends' entries), then load that library.
fn load_aot(
    backend: &WasmEdge,
    config: &sys::Config,
    bytes: &[u8],
    spec: &RunSpec,
) -> (
    Result<std::sync::Arc<sys::Module>, AotError>,
    CacheState,
    Duration,
) {
    let dir = spec.cache_dir.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("wasmedge-aot-{}", std::process::id()))
    });
    let id = format!(
        "{} {:?} pages={} interruptible={}",
        library_version(),
        spec.proposals,
        spec.memory_limit_bytes / 65536,
        backend.interruptible
    );
    let entry =
        harness::runtime::cache::entry(&dir, "wasmedge-aot", &id, bytes).with_extension("so");
    // The embedded column and WasmEdge's shim share this entry: one compiles, the other waits, and
    // the wait is not part of its compile phase.
    let lock = spec
        .cache_dir
        .is_some()
        .then(|| harness::runtime::cache::EntryLock::take(&entry));
    let waited = lock.as_ref().map_or(Duration::ZERO, |l| l.waited());
    let budget = harness::deadline::AOT_COMPILE_BUDGET;
    let gave_up = entry.with_extension("gave-up");
    let state = if spec.cache_dir.is_some() && entry.is_file() {
        CacheState::Hit
    } else if let Some(earlier) = spec
        .cache_dir
        .as_ref()
        .and_then(|_| given_up_after(&gave_up))
        .filter(|&secs| secs >= budget.as_secs())
    {
        let by = format!(
            "the compile budget: WasmEdge's AOT compiler had not compiled this module after {earlier} s \
             in an earlier run (recorded in {}; delete it to try again)",
            gave_up.display()
        );
        return (Err(AotError::GaveUp(by)), CacheState::Miss, waited);
    } else {
        if let Err(err) = compile_aot(*backend, spec, bytes, &entry, budget) {
            if spec.cache_dir.is_none() {
                let _ = std::fs::remove_dir_all(&dir);
            } else if matches!(err, AotError::GaveUp(_)) {
                let _ = write_atomically(&gave_up, budget.as_secs().to_string().as_bytes());
            }
            return (Err(err), CacheState::Miss, waited);
        }
        if spec.cache_dir.is_some() {
            CacheState::Miss
        } else {
            CacheState::Cold
        }
    };
    let loaded = load_file(config, &entry).map_err(AotError::Rejected);
    if spec.cache_dir.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    (loaded, state, waited)
}

/// The budget in seconds an earlier run gave the compile of an entry before it gave up, if one did.
fn given_up_after(marker: &Path) -> Option<u64> {
    std::fs::read_to_string(marker).ok()?.trim().parse().ok()
}

fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}

/// Compiles on a thread of its own, so that a compile past `budget` can be given up: the worker
/// reports and exits, which ends the thread.
fn compile_aot(
    backend: WasmEdge,
    spec: &RunSpec,
    bytes: &[u8],
    entry: &Path,
    budget: Duration,
) -> Result<(), AotError> {
    let parent = entry.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent)
        .map_err(|err| AotError::Rejected(format!("cannot create {}: {err}", parent.display())))?;
    // Compile beside the entry and rename, so a concurrent run never loads half a library.
    let tmp: PathBuf = entry.with_extension(format!("tmp{}.so", std::process::id()));
    let (tx, rx) = std::sync::mpsc::channel();
    {
        let (spec, bytes, tmp) = (spec.clone(), bytes.to_vec(), tmp.clone());
        std::thread::spawn(move || {
            let compiled = config(&backend, &spec)
                .and_then(|config| sys::Compiler::create(Some(&config)))
                .and_then(|compiler| compiler.compile_from_bytes(&bytes, &tmp))
                .map_err(|err| format!("wasmedge AOT compiler: {err}"));
            let _ = tx.send(compiled);
        });
    }
    let compiled = match rx.recv_timeout(budget) {
        Ok(compiled) => compiled,
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
            let _ = std::fs::remove_file(&tmp);
            return Err(AotError::GaveUp(format!(
                "the compile budget: WasmEdge's AOT compiler had not compiled the module ({} MB) \
                 after {} s",
                bytes.len() >> 20,
                budget.as_secs()
            )));
        }
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
            Err("wasmedge AOT compiler: its thread ended without an answer".to_owned())
        }
    };
    match compiled {
        Ok(()) => std::fs::rename(&tmp, entry)
            .map_err(|err| AotError::Rejected(format!("cannot store {}: {err}", entry.display()))),
        Err(err) => {
            let _ = std::fs::remove_file(&tmp);
            Err(AotError::Rejected(err))
        }
    }
}

/// The worker's stdin, stdout and stderr pointed at pipes for one run, and put back afterwards. Pipes,
/// not files, so that the guest sees the kind of stdio a shell gives it (Zig writes to a regular file
/// positionally, which WASI stdio refuses).
struct Stdio {
    saved: [libc::c_int; 3],
    feeder: std::thread::JoinHandle<()>,
    readers: [std::thread::JoinHandle<Vec<u8>>; 2],
}

impl Stdio {
    fn redirect(spec: &RunSpec) -> std::io::Result<Self> {
        let limit = spec.output_limit_bytes;
        let (stdin_read, mut stdin_write) = pipe()?;
        let (stdout_read, stdout_write) = pipe()?;
        let (stderr_read, stderr_write) = pipe()?;
        let mut saved = [-1; 3];
        for (fd, target) in [(0, &stdin_read), (1, &stdout_write), (2, &stderr_write)] {
            // SAFETY: plain descriptor calls on descriptors this process owns.
            unsafe {
                saved[fd as usize] = libc::dup(fd);
                if saved[fd as usize] < 0 || libc::dup2(target.as_raw_fd(), fd) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
            }
        }
        // Only the duplicates on 0, 1 and 2 stay open, so restoring them ends the streams.
        drop((stdin_read, stdout_write, stderr_write));
        let input = spec.stdin.clone();
        let feeder = std::thread::spawn(move || {
            let _ = std::io::Write::write_all(&mut stdin_write, &input);
        });
        let drain = move |mut from: std::fs::File| {
            std::thread::spawn(move || {
                let mut kept = Vec::new();
                let mut chunk = [0u8; 8192];
                while let Ok(n) = from.read(&mut chunk) {
                    if n == 0 {
                        break;
                    }
                    let room = limit.saturating_sub(kept.len());
                    kept.extend_from_slice(&chunk[..n.min(room)]);
                }
                kept
            })
        };
        Ok(Stdio {
            saved,
            feeder,
            readers: [drain(stdout_read), drain(stderr_read)],
        })
    }

    /// Puts the descriptors back and returns what the guest wrote to stdout and stderr.
    fn restore(self) -> (Vec<u8>, Vec<u8>) {
        for fd in 0..3 {
            // SAFETY: `saved` holds the duplicates made in `redirect`.
            unsafe {
                libc::dup2(self.saved[fd], fd as libc::c_int);
                libc::close(self.saved[fd]);
            }
        }
        let _ = self.feeder.join();
        let [out, err] = self.readers;
        (
            out.join().unwrap_or_default(),
            err.join().unwrap_or_default(),
        )
    }
}

fn pipe() -> std::io::Result<(std::fs::File, std::fs::File)> {
    let mut fds = [0; 2];
    // SAFETY: pipe2 fills in two descriptors that this function then owns.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } < 0 {
        return Err(std::io::Error::last_os_error());
    }
    use std::os::fd::FromRawFd;
    // SAFETY: both descriptors are fresh and owned by nobody else.
    Ok(unsafe {
        (
            std::fs::File::from_raw_fd(fds[0]),
            std::fs::File::from_raw_fd(fds[1]),
        )
    })
}
