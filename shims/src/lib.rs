//! The project's containerd shims: runwasi's `containerd-shim-wasm` runs the container (youki's
//! libcontainer: namespaces, cgroups, mounts, the container's stdio), and the module runs through the
//! harness's own engine backend, the same code as the matrix's embedded column of that engine.
//!
//! A container passes what the OCI spec has no field for in environment variables that the guest
//! does not see:
//! - `HARNESS_PREOPENS`: the guest directories to preopen, `:`-separated (each is a path inside the
//!   container, usually a bind mount). Without it `/` is preopened, as runwasi's own shims do.
//! - `HARNESS_PROPOSALS`: the proposals to enable, `,`-separated; without it every proposal the
//!   engine supports.
//! - `HARNESS_MEMORY_LIMIT`: the guest's linear-memory cap in bytes (4 GiB without it).
//! - `HARNESS_CACHE`: a directory (a mount) for the backend's compiled-artifact cache; without it
//!   every run compiles the module.
//! - `HARNESS_TIMEOUT_MS`: the guest's deadline, from the end of compilation as in the harness's own
//!   columns (the engine interrupts it where it can, a watchdog ends the container otherwise);
//!   without it the container's own lifetime is the limit.
//!
//! - `HARNESS_REPORT`: when set, the shim ends the container's stderr with one line, `harness-shim: `
//!   and the run's report as JSON (ending, phases, cache state, the process's peak resident set), so
//!   that the harness classifies and measures a container's run like any other.
//!
//! A run that ends other than by an exit (a trap, a refused module) exits with 134 for a trap (as
//! `wasmtime run` does) and 1 otherwise, with the reason on stderr.

use std::marker::PhantomData;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, bail};
use containerd_shim_wasm::sandbox::Sandbox;
use containerd_shim_wasm::sandbox::context::RuntimeContext;
use containerd_shim_wasm::shim::{Cli, Config, Shim, Version, version};
use harness::manifest::Proposal;
use harness::runtime::docker::{SHIM_MARKER, ShimReport};
use harness::runtime::{Ending, Preopen, RunSpec, Runtime, Watchdog};

/// The environment variables a shim reads and hides from the guest.
const OWN_VARIABLES: &[&str] = &[
    "HARNESS_PREOPENS",
    "HARNESS_PROPOSALS",
    "HARNESS_MEMORY_LIMIT",
    "HARNESS_CACHE",
    "HARNESS_REPORT",
    "HARNESS_TIMEOUT_MS",
];

/// One of the harness's engine backends, as a shim serves it.
pub trait Engine: Send + Sync + 'static {
    /// The runtime's name for containerd: `io.containerd.<NAME>.v1`.
    const NAME: &'static str;
    fn backend() -> Box<dyn Runtime>;
}

#[cfg(feature = "wasmtime")]
pub struct Wasmtime;

#[cfg(feature = "wasmtime")]
impl Engine for Wasmtime {
    const NAME: &'static str = "wasmtime";
    fn backend() -> Box<dyn Runtime> {
        Box::new(harness::runtime::Wasmtime::new())
    }
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
        let spec = spec_of(ctx.args(), ctx.envs(), |p| E::backend().supports(p))?;
        let report_wanted = ctx.envs().iter().any(|e| e.starts_with("HARNESS_REPORT="));
        // The engines' blocking WASI must not run on the shim's async runtime.
        let report = std::thread::spawn(move || {
            let backend = E::backend();
            // Armed when compilation is done: the backstop for engines that cannot interrupt the
            // guest themselves, as the harness's worker has.
            let slack = if backend.interrupts_in_engine() { 2 } else { 0 };
            let deadline = spec.timeout + Duration::from_secs(slack);
            let arm = move || {
                std::thread::spawn(move || {
                    std::thread::sleep(deadline);
                    let ending = Ending::TimedOut {
                        by: "the shim's watchdog (no in-engine interruption)".into(),
                    };
                    if report_wanted {
                        emit(ShimReport {
                            ending: ending.clone(),
                            phases: Default::default(),
                            compile_cache: "none".into(),
                            peak_rss_kib: peak_rss_kib(),
                        });
                    }
                    std::process::exit(exit_code(&ending));
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
                compile_cache: report.compile_cache.clone(),
                peak_rss_kib: peak_rss_kib(),
            });
        } else if !matches!(report.ending, Ending::Exited { .. }) {
            eprintln!("{}: {:?}", E::NAME, report.ending);
        }
        Ok(exit_code(&report.ending))
    }
}

/// The run the container asks for: its process args and env, and the shim's own variables.
pub fn spec_of(
    args: &[String],
    envs: &[String],
    supports: impl Fn(Proposal) -> bool,
) -> anyhow::Result<RunSpec> {
    let mut env = std::collections::BTreeMap::new();
    let mut own = std::collections::BTreeMap::new();
    for pair in envs {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        if OWN_VARIABLES.contains(&key) {
            own.insert(key.to_owned(), value.to_owned());
        } else {
            env.insert(key.to_owned(), value.to_owned());
        }
    }
    let preopens = own
        .get("HARNESS_PREOPENS")
        .map(String::as_str)
        .unwrap_or("/")
        .split(':')
        .filter(|dir| !dir.is_empty())
        .map(|dir| Preopen {
            host: PathBuf::from(dir),
            guest: dir.to_owned(),
            packaged: false,
        })
        .collect();
    let proposals = match own.get("HARNESS_PROPOSALS") {
        Some(list) => list
            .split(',')
            .filter(|p| !p.is_empty())
            .map(|p| p.parse().map_err(anyhow::Error::msg))
            .collect::<anyhow::Result<_>>()?,
        None => Proposal::ALL
            .iter()
            .copied()
            .filter(|p| supports(*p))
            .collect(),
    };
    let memory_limit_bytes = match own.get("HARNESS_MEMORY_LIMIT") {
        Some(bytes) => bytes
            .parse()
            .with_context(|| format!("HARNESS_MEMORY_LIMIT={bytes}: not a number of bytes"))?,
        None => 4 << 30,
    };
    let arg0 = args.first().map(String::as_str).unwrap_or("module.wasm");
    let program = arg0.split('#').next().unwrap_or(arg0);
    let program = program.rsplit('/').next().unwrap_or(program).to_owned();
    Ok(RunSpec {
        program,
        args: args.iter().skip(1).cloned().collect(),
        env,
        preopens,
        stdin: Vec::new(),
        proposals,
        // Without a deadline the container's own lifetime is the limit: docker and containerd stop it.
        timeout: match own.get("HARNESS_TIMEOUT_MS") {
            Some(ms) => Duration::from_millis(
                ms.parse()
                    .with_context(|| format!("HARNESS_TIMEOUT_MS={ms}: not a number"))?,
            ),
            None => Duration::from_secs(7 * 24 * 3600),
        },
        memory_limit_bytes,
        output_limit_bytes: usize::MAX,
        cache_dir: own.get("HARNESS_CACHE").map(PathBuf::from),
        inherit_stdio: true,
    })
}

/// The container's exit code for an ending.
/// Ends the container's stderr with the run's report, the line the harness takes off again.
fn emit(report: ShimReport) {
    if let Ok(json) = serde_json::to_string(&report) {
        eprintln!("\n{SHIM_MARKER}{json}");
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn own_variables_configure_the_run_and_stay_hidden_from_the_guest() {
        let spec = spec_of(
            &strings(&["/app/hello.wasm", "a", "b c"]),
            &strings(&[
                "PATH=/usr/bin",
                "GREETING=a=b",
                "HARNESS_PREOPENS=/data:/usr/local/lib",
                "HARNESS_PROPOSALS=gc,exception-handling",
                "HARNESS_MEMORY_LIMIT=65536",
            ]),
            |_| true,
        )
        .unwrap();
        assert_eq!(spec.program, "hello.wasm");
        assert_eq!(spec.args, strings(&["a", "b c"]));
        assert_eq!(spec.env.len(), 2);
        assert_eq!(spec.env["GREETING"], "a=b");
        let guests: Vec<&str> = spec.preopens.iter().map(|p| p.guest.as_str()).collect();
        assert_eq!(guests, ["/data", "/usr/local/lib"]);
        assert_eq!(spec.proposals, [Proposal::Gc, Proposal::ExceptionHandling]);
        assert_eq!(spec.memory_limit_bytes, 65536);
        assert!(spec.inherit_stdio);
    }

    #[test]
    fn without_own_variables_root_is_preopened_and_supported_proposals_are_on() {
        let spec = spec_of(&strings(&["m.wasm#_start"]), &[], |p| {
            p == Proposal::Threads
        })
        .unwrap();
        assert_eq!(spec.program, "m.wasm");
        assert_eq!(spec.preopens[0].guest, "/");
        assert_eq!(spec.proposals, [Proposal::Threads]);
        assert!(spec.cache_dir.is_none());
    }

    #[test]
    fn a_bad_proposal_is_an_error() {
        let err = spec_of(
            &strings(&["m.wasm"]),
            &strings(&["HARNESS_PROPOSALS=gcc"]),
            |_| true,
        )
        .unwrap_err();
        assert!(err.to_string().contains("unknown proposal `gcc`"), "{err}");
    }
}
