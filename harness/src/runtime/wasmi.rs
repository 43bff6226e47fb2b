//! The wasmi backend: the wasmi interpreter at its defaults (lazy translation to its register
//! bytecode, each function on its first call), WASI preview 1 from `wasmi_wasi` (wasi-common), and
//! `StoreLimits` for the memory cap. wasmi has no epoch or interrupt handle: only fuel, which
//! charges every basic block whether or not a deadline is near, so the deadline is the worker's
//! watchdog, as on `wasmtime`.

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::FromRawFd;
use std::thread::JoinHandle;
use std::time::Instant;

use wasmi::{Config, Engine, Linker, Module, Store, StoreLimits, StoreLimitsBuilder};
use wasmi_wasi::{Dir, WasiCtx, WasiCtxBuilder, WasiFile, ambient_authority};

use super::{Ending, Prepared, RunReport, RunSpec, Runtime, Stage, Watchdog, millis};
use crate::manifest::Proposal;

pub struct Wasmi;

struct State {
    wasi: WasiCtx,
    limits: StoreLimits,
}

/// wasmi's defaults with the case's proposals on top: the ones it has but leaves off.
fn config(proposals: &[Proposal]) -> Config {
    let mut config = Config::default();
    for proposal in proposals {
        match proposal {
            Proposal::CustomPageSizes => {
                config.wasm_custom_page_sizes(true);
            }
            Proposal::WideArithmetic => {
                config.wasm_wide_arithmetic(true);
            }
            // On by default where wasmi has them; the rest it lacks, and its validator says so.
            _ => {}
        }
    }
    config
}

impl Runtime for Wasmi {
    fn name(&self) -> &'static str {
        "wasmi"
    }

    fn version(&self) -> String {
        format!("wasmi {} (interpreter)", crate::versions::WASMI)
    }

    fn interrupts_in_engine(&self) -> bool {
        false
    }

    fn run(&self, module: &[u8], spec: &RunSpec, watchdog: &Watchdog) -> RunReport {
        match compile(module, spec) {
            Ok(compiled) => execute(&compiled, compiled.report.clone(), spec, watchdog),
            Err(report) => *report,
        }
    }

    fn prepare(
        &self,
        module: &[u8],
        spec: &RunSpec,
    ) -> Option<Result<Box<dyn Prepared>, RunReport>> {
        super::prepared(compile(module, spec).map(PreparedModule))
    }
}

/// A module validated once, with its engine (which keeps the functions it translates, lazily, for
/// every later instance), and the report so far.
struct Compiled {
    engine: Engine,
    module: Module,
    report: RunReport,
}

/// A module loaded once for a server: each call makes a store and instance of its own.
struct PreparedModule(Compiled);

impl Prepared for PreparedModule {
    fn run(&self, spec: &RunSpec, watchdog: &Watchdog) -> RunReport {
        let mut report = RunReport::new(Ending::Exited { code: 0 });
        report.compile_cache = super::cache::CacheState::Resident;
        execute(&self.0, report, spec, watchdog)
    }
}

/// The error is boxed: a report is large, and the happy path should not carry its size.
fn compile(bytes: &[u8], spec: &RunSpec) -> Result<Compiled, Box<RunReport>> {
    let engine = Engine::new(&config(&spec.proposals));
    let started = Instant::now();
    let compiled = Module::new(&engine, bytes);
    let compile_ms = millis(started.elapsed());
    let cold = super::cache::CacheState::Cold;
    match compiled {
        Ok(module) => Ok(Compiled {
            engine,
            module,
            report: RunReport::compiled(None, compile_ms, cold),
        }),
        Err(err) => Err(Box::new(RunReport::compiled(
            Some(err.to_string()),
            compile_ms,
            cold,
        ))),
    }
}

/// Runs the compiled module in a store of its own, with the spec's stdin and its output captured
/// (or, for a shim, this process's own stdio).
fn execute(
    compiled: &Compiled,
    report: RunReport,
    spec: &RunSpec,
    watchdog: &Watchdog,
) -> RunReport {
    if spec.inherit_stdio {
        return instantiate_and_run(compiled, report, spec, None, watchdog);
    }
    let stdio = match Stdio::new(spec) {
        Ok(stdio) => stdio,
        Err(err) => {
            return RunReport::new(Ending::HarnessFault {
                message: format!("cannot make the guest's stdio pipes: {err}"),
            });
        }
    };
    let Stdio {
        files,
        stdin_writer,
        readers,
    } = stdio;
    // The store, which holds the guest's ends of the pipes, is gone when `instantiate_and_run`
    // returns: the readers then see the end of the output.
    let mut report = instantiate_and_run(compiled, report, spec, Some(files), watchdog);
    let [stdout, stderr] = readers.map(|r| r.join().unwrap_or_default());
    let _ = stdin_writer.join();
    report.stdout = stdout;
    report.stderr = stderr;
    report
}

/// The guest's stdin, stdout and stderr, in wasi-common's own file type.
type StdioFiles = [Box<dyn WasiFile>; 3];

fn instantiate_and_run(
    compiled: &Compiled,
    mut report: RunReport,
    spec: &RunSpec,
    stdio: Option<StdioFiles>,
    watchdog: &Watchdog,
) -> RunReport {
    let Compiled { engine, module, .. } = compiled;
    watchdog.arm();
    let started = Instant::now();
    let mut linker: Linker<State> = Linker::new(engine);
    if let Err(err) = wasmi_wasi::add_to_linker(&mut linker, |s: &mut State| &mut s.wasi) {
        report.ending = Ending::HarnessFault {
            message: format!("cannot add WASI to the linker: {err}"),
        };
        return report;
    }
    let wasi = match wasi_ctx(spec, stdio) {
        Ok(wasi) => wasi,
        Err(message) => {
            report.ending = Ending::HarnessFault { message };
            return report;
        }
    };
    let limits = StoreLimitsBuilder::new()
        .memory_size(usize::try_from(spec.memory_limit_bytes).unwrap_or(usize::MAX))
        .trap_on_grow_failure(false)
        .build();
    let mut store = Store::new(engine, State { wasi, limits });
    store.limiter(|s| &mut s.limits);

    // `instantiate_and_start` runs the module's start function too, as instantiation does elsewhere.
    let instance = match linker.instantiate_and_start(&mut store, module) {
        Ok(instance) => instance,
        Err(err) => {
            report.phases.instantiate = millis(started.elapsed());
            report.ending = ending_of_error(&err, Some(Stage::Instantiate));
            return report;
        }
    };
    let start = instance.get_typed_func::<(), ()>(&store, "_start");
    report.phases.instantiate = millis(started.elapsed());

    let started = Instant::now();
    report.ending = match start {
        Err(err) => Ending::Rejected {
            stage: Stage::Instantiate,
            message: format!("no `_start` command export: {err}"),
        },
        Ok(start) => match start.call(&mut store, ()) {
            Ok(()) => Ending::Exited { code: 0 },
            Err(err) => ending_of_error(&err, None),
        },
    };
    report.phases.run = millis(started.elapsed());
    report
}

fn wasi_ctx(spec: &RunSpec, stdio: Option<StdioFiles>) -> Result<WasiCtx, String> {
    let fault =
        |what: &str, err: &dyn std::fmt::Display| format!("cannot set the guest's {what}: {err}");
    let mut builder = WasiCtxBuilder::new();
    let mut argv = vec![spec.program.clone()];
    argv.extend(spec.args.iter().cloned());
    builder.args(&argv).map_err(|e| fault("arguments", &e))?;
    for (key, value) in &spec.env {
        builder
            .env(key, value)
            .map_err(|e| fault("environment", &e))?;
    }
    match stdio {
        Some([stdin, stdout, stderr]) => {
            builder.stdin(stdin).stdout(stdout).stderr(stderr);
        }
        None => {
            builder.inherit_stdio();
        }
    }
    for preopen in &spec.preopens {
        let dir = Dir::open_ambient_dir(&preopen.host, ambient_authority()).map_err(|err| {
            format!(
                "cannot preopen {} at {}: {err}",
                preopen.host.display(),
                preopen.guest
            )
        })?;
        builder
            .preopened_dir(dir, &preopen.guest)
            .map_err(|e| fault("directories", &e))?;
    }
    Ok(builder.build())
}

/// Classifies an error of instantiation (`stage`) or of the run (`None`, where a host error that is
/// not an exit aborted the guest like a trap).
fn ending_of_error(err: &wasmi::Error, stage: Option<Stage>) -> Ending {
    use wasmi::errors::{ErrorKind, LinkerError};
    if let Some(code) = err.i32_exit_status() {
        return Ending::Exited { code };
    }
    // A missing import is a capability the runtime lacks, not a broken module: name it.
    if let ErrorKind::Linker(LinkerError::MissingDefinition { name, .. }) = err.kind() {
        return Ending::Unsupported {
            capability: format!("import {}::{}", name.module(), name.name()),
            message: err.to_string(),
        };
    }
    match (err.as_trap_code(), stage) {
        (Some(trap), _) => Ending::Trapped {
            message: trap.to_string(),
        },
        (None, Some(stage)) => Ending::Rejected {
            stage,
            message: err.to_string(),
        },
        (None, None) => Ending::Trapped {
            message: err.to_string(),
        },
    }
}

/// The guest's stdio as operating-system pipes, which a thread per stream fills or drains.
///
/// Not wasi-common's in-memory pipes: they answer `fd_pwrite` with `EBADF` where a pipe answers
/// `ESPIPE`, and Zig's standard library falls back to `fd_write` only on `ESPIPE`, so Zig's output
/// would be lost. On a real pipe wasi-common's file passes the operating system's answer on.
struct Stdio {
    files: StdioFiles,
    stdin_writer: JoinHandle<()>,
    readers: [JoinHandle<Vec<u8>>; 2],
}

impl Stdio {
    fn new(spec: &RunSpec) -> std::io::Result<Stdio> {
        let (stdin_read, mut stdin_write) = pipe()?;
        let input = spec.stdin.clone();
        // A guest that never reads its stdin leaves this thread blocked until the store, which
        // holds the read end, is dropped: then the write fails and the thread ends.
        let stdin_writer = std::thread::spawn(move || {
            let _ = stdin_write.write_all(&input);
        });
        let (stdout_read, stdout_write) = pipe()?;
        let (stderr_read, stderr_write) = pipe()?;
        let limit = spec.output_limit_bytes;
        Ok(Stdio {
            files: [stdin_read, stdout_write, stderr_write].map(wasi_file),
            stdin_writer,
            readers: [stdout_read, stderr_read]
                .map(|r| std::thread::spawn(move || drain(r, limit))),
        })
    }
}

/// Reads a stream until its end or `limit` bytes, then closes it: a guest that writes past the
/// limit gets a write error (`EPIPE`), as on `wasmtime`, instead of filling the worker's memory.
fn drain(stream: File, limit: usize) -> Vec<u8> {
    let mut kept = Vec::new();
    let _ = stream.take(limit as u64).read_to_end(&mut kept);
    kept
}

fn pipe() -> std::io::Result<(File, File)> {
    let mut fds = [0; 2];
    // SAFETY: `pipe2` fills both descriptors on success; each is then owned by one `File`.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(unsafe { (File::from_raw_fd(fds[0]), File::from_raw_fd(fds[1])) })
}

fn wasi_file(file: File) -> Box<dyn WasiFile> {
    Box::new(wasmi_wasi::file::File::from_cap_std(
        cap_std::fs::File::from_std(file),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_past_the_limit_is_a_write_error() {
        let (read, mut write) = pipe().unwrap();
        let reader = std::thread::spawn(move || drain(read, 4));
        write.write_all(b"abcd").unwrap();
        // The reader closes its end after the limit: a later write fails instead of blocking.
        let mut failed = false;
        for _ in 0..100 {
            if write.write_all(&[b'x'; 4096]).is_err() {
                failed = true;
                break;
            }
        }
        assert!(failed, "writes past the limit kept succeeding");
        assert_eq!(reader.join().unwrap(), b"abcd");
    }
}
