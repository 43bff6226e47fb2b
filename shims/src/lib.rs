//! The project's containerd shims: runwasi's `containerd-shim-wasm` runs the container (youki's
//! libcontainer: namespaces, cgroups, mounts, the container's stdio), and the module runs through the
//! harness's own engine backend, the same code as the matrix's embedded column of that engine.
//!
//! A container passes what the OCI spec has no field for (preopens, proposals, memory cap, cache,
//! deadline, and whether to report) in environment variables that the guest does not see, and
//! the shim ends the container's stderr with its report: `harness::runtime::shim_protocol`, which
//! the harness's container columns use too.
//!
//! A run that ends other than by an exit (a trap, a refused module) exits with 134 for a trap (as
//! `wasmtime run` does) and 1 otherwise, with the reason on stderr.

use std::marker::PhantomData;

use anyhow::bail;
use containerd_shim_wasm::sandbox::Sandbox;
use containerd_shim_wasm::sandbox::context::RuntimeContext;
use containerd_shim_wasm::shim::{Cli, Config, Shim, Version, version};
use harness::runtime::cache::CacheState;
use harness::runtime::shim_protocol::{self, ShimReport};
use harness::runtime::{Ending, Runtime, Watchdog};
use harness::{deadline, process};

mod serve;

/// One of the harness's engine backends, as a shim serves it.
pub trait Engine: Send + Sync + 'static {
    /// The runtime's name for containerd: `io.containerd.<NAME>.v1`.
    const NAME: &'static str;
    fn backend() -> Box<dyn Runtime>;
    /// The backend that serves `wasi:http/proxy` components, where the engine has one.
    const COMPONENTS: Option<fn() -> Box<dyn Runtime>> = None;
}

#[cfg(feature = "wasmtime")]
pub struct Wasmtime;

#[cfg(feature = "wasmtime")]
impl Engine for Wasmtime {
    const NAME: &'static str = "wasmtime";
    fn backend() -> Box<dyn Runtime> {
        Box::new(harness::runtime::Wasmtime::new())
    }
    const COMPONENTS: Option<fn() -> Box<dyn Runtime>> =
        Some(|| Box::new(harness::runtime::WasmtimeComponent));
}

#[cfg(feature = "wasmer")]
pub struct Wasmer;

#[cfg(feature = "wasmer")]
impl Engine for Wasmer {
    const NAME: &'static str = "wasmer";
    fn backend() -> Box<dyn Runtime> {
        Box::new(harness::runtime::Wasmer::new())
    }
}

#[cfg(feature = "wasmedge")]
pub struct WasmEdge;

#[cfg(feature = "wasmedge")]
impl Engine for WasmEdge {
    const NAME: &'static str = "wasmedge";
    fn backend() -> Box<dyn Runtime> {
        // Its AOT compiler: the interpreter is many times slower, and the compiled library is cached
        // like the other engines' artifacts when the container has a cache.
        Box::new(harness_wasmedge::WasmEdge::for_column("wasmedge-aot").expect("a known column"))
    }
}

/// The shim's entry point: containerd calls the binary with `start`, `delete`, or as the shim
/// server itself.
pub fn main<E: Engine>() {
    HarnessShim::<E>::run(Config {
        default_log_level: "warn".into(),
        ..Config::default()
    });
}

pub struct HarnessShim<E>(PhantomData<E>);

impl<E: Engine> Shim for HarnessShim<E> {
    type Sandbox = HarnessSandbox<E>;

    fn name() -> &'static str {
        E::NAME
    }

    fn version() -> Version {
        version!()
    }
}

pub struct HarnessSandbox<E>(PhantomData<E>);

impl<E> Default for HarnessSandbox<E> {
    fn default() -> Self {
        HarnessSandbox(PhantomData)
    }
}

impl<E: Engine> Sandbox for HarnessSandbox<E> {
    async fn run_wasi(&self, ctx: &impl RuntimeContext) -> anyhow::Result<i32> {
        let entrypoint = ctx.entrypoint();
        if entrypoint.func != "_start" {
            bail!(
                "only command modules are run (`_start`), not `{}`",
                entrypoint.func
            );
        }
        let module = entrypoint.source.as_bytes()?.into_owned();
        reopen_stdin_read_only();
        let (request, env) = shim_protocol::Request::from_env(ctx.envs())?;
        let report_wanted = request.report;
        let spec = request.into_spec(ctx.args(), env, |p| E::backend().supports(p));
        // A component is a `wasi:http/proxy` handler to serve, as runwasi's wasmtime shim serves
        // one; a preview 1 module is a command to run.
        if harness::runtime::artifact::is_component(&module) {
            let Some(backend) = E::COMPONENTS else {
                bail!(
                    "the {} shim runs preview 1 modules, not components",
                    E::NAME
                );
            };
            let timeout = spec.timeout;
            return match serve::start_handler(backend, module, spec) {
                Ok(jobs) => serve::serve(jobs, timeout, ctx.envs()).await,
                Err(ending) => {
                    eprintln!(
                        "{}: cannot serve: {}",
                        E::NAME,
                        harness::resident::describe(&ending)
                    );
                    Ok(exit_code(&ending))
                }
            };
        }
        // The engines' blocking WASI must not run on the shim's async runtime.
        let report = std::thread::spawn(move || {
            let backend = E::backend();
            // Armed when compilation is done: the backstop for engines that cannot interrupt the
            // guest themselves, as the harness's worker has.
            let deadline = deadline::backstop_after(spec.timeout, backend.interrupts_in_engine());
            let arm = move || {
                process::backstop(deadline, move || {
                    let ending = Ending::TimedOut {
                        by: "the shim's watchdog (no in-engine interruption)".into(),
                    };
                    if report_wanted {
                        emit(ShimReport {
                            ending: ending.clone(),
                            phases: Default::default(),
                            compile_cache: CacheState::Unknown,
                            peak_rss_kib: peak_rss_kib(),
                        });
                    }
                    exit_code(&ending)
                });
            };
            backend.run(&module, &spec, &Watchdog::new(&arm))
        })
        .join()
        .map_err(|_| anyhow::anyhow!("the {} backend panicked", E::NAME))?;
        if report_wanted {
            emit(ShimReport {
                ending: report.ending.clone(),
                phases: report.phases,
                compile_cache: report.compile_cache,
                peak_rss_kib: peak_rss_kib(),
            });
        } else if !matches!(report.ending, Ending::Exited { .. }) {
            eprintln!("{}: {:?}", E::NAME, report.ending);
        }
        Ok(exit_code(&report.ending))
    }
}

/// Ends the container's stderr with the run's report, the line the harness takes off again.
fn emit(report: ShimReport) {
    eprint!("{}", report.line());
}

/// The container's exit code for an ending.
fn exit_code(ending: &Ending) -> i32 {
    match ending {
        Ending::Exited { code } => *code,
        Ending::Trapped { .. } => 134,
        _ => 1,
    }
}

/// runwasi opens the container's stdin FIFO for reading and writing, so the guest would never see
/// its end: the one writer that stays is this process. The same FIFO opened again for reading only
/// (without waiting for a writer), in place of descriptor 0, lets the guest see end of input once
/// the engine's side closes it.
fn reopen_stdin_read_only() {
    let path = c"/proc/self/fd/0";
    // SAFETY: plain descriptor calls on this process's own stdin; a failure leaves stdin as it was.
    unsafe {
        let mut stat: libc::stat = std::mem::zeroed();
        if libc::fstat(0, &mut stat) != 0 || (stat.st_mode & libc::S_IFMT) != libc::S_IFIFO {
            return;
        }
        let fd = libc::open(
            path.as_ptr(),
            libc::O_RDONLY | libc::O_NONBLOCK | libc::O_CLOEXEC,
        );
        if fd < 0 {
            return;
        }
        let flags = libc::fcntl(fd, libc::F_GETFL);
        libc::fcntl(fd, libc::F_SETFL, flags & !libc::O_NONBLOCK);
        libc::dup2(fd, 0);
        libc::close(fd);
    }
}

/// This process's peak resident set: the engine's and the guest's memory together.
fn peak_rss_kib() -> u64 {
    // SAFETY: getrusage fills the struct it is given and nothing else.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } != 0 {
        return 0;
    }
    u64::try_from(usage.ru_maxrss).unwrap_or(0)
}
