//! The wasmtime backend: Cranelift at wasmtime's default settings (or, for the tier columns, Winch
//! or the Pulley interpreter), WASI preview 1 from `wasmtime-wasi` and a store limiter for the
//! memory cap. The deadline is the worker's watchdog:
//! epoch interruption puts a check on every call and loop back-edge (about +40% on a call-heavy
//! kernel), so it is only on in the `wasmtime-epoch` column, which exists to measure that price.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use wasmtime::{
    Config, Engine, InstanceAllocationStrategy, InstancePre, Linker, Module,
    PoolingAllocationConfig, Store, StoreLimits, StoreLimitsBuilder, Trap,
};
use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wasi::p2::pipe::{MemoryInputPipe, MemoryOutputPipe};
use wasmtime_wasi::{FsPerms, I32Exit, WasiCtxBuilder};

use super::registry::Tier;
use super::{Ending, Prepared, RunReport, RunSpec, Runtime, Stage, Watchdog, millis};
use crate::manifest::Proposal;

pub struct Wasmtime {
    /// Epoch interruption: the engine stops the guest itself at the deadline, in code that checks.
    epoch: bool,
    /// Cranelift, Winch or Pulley.
    tier: Tier,
}

impl Wasmtime {
    /// The `wasmtime` column: the code wasmtime generates by default.
    pub fn new() -> Self {
        Wasmtime {
            epoch: false,
            tier: Tier::Cranelift,
        }
    }

    /// The `wasmtime-epoch` column: the same with epoch interruption for the deadline.
    pub fn with_epoch_interruption() -> Self {
        Wasmtime {
            epoch: true,
            tier: Tier::Cranelift,
        }
    }

    /// The `wasmtime-winch` and `wasmtime-pulley` columns: the same engine with another compiler.
    pub fn at(tier: Tier) -> Self {
        Wasmtime { epoch: false, tier }
    }
}

impl Default for Wasmtime {
    fn default() -> Self {
        Self::new()
    }
}

struct State {
    wasi: WasiP1Ctx,
    limits: StoreLimits,
}

/// The engine configuration for a case: wasmtime's defaults with the case's proposals on top, and
/// epoch interruption when asked for. The benchmark builds its direct-API baseline from this too, so
/// that both sides compile the same code.
pub fn config(proposals: &[Proposal], epoch_interruption: bool) -> Config {
    let mut config = Config::new();
    config.epoch_interruption(epoch_interruption);
    for proposal in proposals {
        match proposal {
            Proposal::BulkMemory => config.wasm_bulk_memory(true),
            Proposal::MultiValue => config.wasm_multi_value(true),
            Proposal::ReferenceTypes => config.wasm_reference_types(true),
            Proposal::Simd => config.wasm_simd(true),
            Proposal::Gc => config.wasm_gc(true).wasm_function_references(true),
            Proposal::FunctionReferences => config.wasm_function_references(true),
            Proposal::TailCall => config.wasm_tail_call(true),
            Proposal::ExceptionHandling => config.wasm_exceptions(true),
            Proposal::Memory64 => config.wasm_memory64(true),
            Proposal::MultiMemory => config.wasm_multi_memory(true),
            Proposal::ExtendedConst => config.wasm_extended_const(true),
            Proposal::RelaxedSimd => config.wasm_relaxed_simd(true),
            // A shared memory also needs the engine's shared-memory switch (off by default).
            Proposal::Threads => config.wasm_threads(true).shared_memory(true),
            Proposal::CustomPageSizes => config.wasm_custom_page_sizes(true),
            Proposal::WideArithmetic => config.wasm_wide_arithmetic(true),
            Proposal::BranchHinting => config.wasm_branch_hinting(true),
            // No switch (always on), or none wasmtime documents (see `registry::Engine::supports`):
            // the module is compiled anyway, so that wasmtime's own words are the answer.
            Proposal::MutableGlobals
            | Proposal::NontrappingFloatToInt
            | Proposal::SignExtension
            | Proposal::LegacyExceptions
            | Proposal::JsStringBuiltins => &mut config,
        };
    }
    config
}

/// The cache entry of `bytes` under the engine's configuration, when the spec has a cache: the
/// compatibility hash covers wasmtime's version and every code-generation setting; `what` keeps
/// apart artifacts of one configuration that differ in kind or tier.
pub(super) fn cache_entry(
    spec: &RunSpec,
    engine: &Engine,
    runtime: &str,
    what: &str,
    bytes: &[u8],
) -> Option<std::path::PathBuf> {
    let dir = spec.cache_dir.as_deref()?;
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    std::hash::Hash::hash(&engine.precompile_compatibility_hash(), &mut hasher);
    let id = format!(
        "{} {what} {:x}",
        crate::versions::WASMTIME,
        std::hash::Hasher::finish(&hasher)
    );
    Some(super::cache::entry(dir, runtime, &id, bytes))
}

/// Compiles `bytes` through the spec's cache, if any: how the cache served it, and how long the
/// compile waited for another process's hold on the entry.
fn compile_cached(
    backend: &Wasmtime,
    engine: &Engine,
    spec: &RunSpec,
    bytes: &[u8],
) -> (
    wasmtime::Result<Module>,
    super::cache::CacheState,
    std::time::Duration,
) {
    let entry = cache_entry(
        spec,
        engine,
        "wasmtime",
        &format!("{:?}", backend.tier),
        bytes,
    );
    super::cache::compile_waiting(
        entry.as_deref(),
        || Module::new(engine, bytes),
        // SAFETY: entries are written only by this backend, atomically, under a key that includes
        // the engine's compatibility hash; wasmtime checks the artifact's header and version too.
        |path| unsafe { Module::deserialize_file(engine, path) }.ok(),
        |module| module.serialize().ok(),
    )
}

/// [`config`] at a tier: Winch as the strategy, or Pulley as the target Cranelift compiles to.
pub fn config_at(
    tier: Tier,
    proposals: &[Proposal],
    epoch_interruption: bool,
) -> wasmtime::Result<Config> {
    let mut config = config(proposals, epoch_interruption);
    match tier {
        Tier::Winch => {
            config.strategy(wasmtime::Strategy::Winch);
        }
        Tier::Pulley => {
            config.target("pulley64")?;
        }
        _ => {}
    }
    Ok(config)
}

impl Runtime for Wasmtime {
    fn name(&self) -> &'static str {
        match (self.epoch, self.tier) {
            (true, _) => "wasmtime-epoch",
            (false, Tier::Winch) => "wasmtime-winch",
            (false, Tier::Pulley) => "wasmtime-pulley",
            (false, _) => "wasmtime",
        }
    }

    fn version(&self) -> String {
        let code = match (self.epoch, self.tier) {
            (true, _) => "cranelift, epoch interruption",
            (false, Tier::Winch) => "winch",
            (false, Tier::Pulley) => "pulley interpreter",
            (false, _) => "cranelift",
        };
        format!("wasmtime {} ({code})", crate::versions::WASMTIME)
    }

    fn interrupts_in_engine(&self) -> bool {
        self.epoch
    }

    fn run(&self, module: &[u8], spec: &RunSpec, watchdog: &Watchdog) -> RunReport {
        let stdout = MemoryOutputPipe::new(spec.output_limit_bytes);
        let stderr = MemoryOutputPipe::new(spec.output_limit_bytes);
        let mut report = run(module, spec, self, &stdout, &stderr, watchdog);
        report.stdout = stdout.contents().to_vec();
        report.stderr = stderr.contents().to_vec();
        report
    }

    fn prepare(
        &self,
        module: &[u8],
        spec: &RunSpec,
    ) -> Option<Result<Box<dyn Prepared>, RunReport>> {
        super::prepared(prepare(self, module, spec))
    }
}

/// A module compiled once and pre-linked against WASI, instantiated from wasmtime's pooling
/// allocator: the way `wasmtime serve` instantiates a handler per request.
struct PreparedModule {
    engine: Engine,
    pre: InstancePre<State>,
    epoch: bool,
}

/// Slots of the pool: a resident worker runs one request at a time, so a few slots let one
/// instance be torn down while the next is made, and keep the reservation small.
const POOL_SLOTS: u32 = 4;

/// The error is boxed: a report is large, and the happy path should not carry its size.
fn prepare(
    backend: &Wasmtime,
    bytes: &[u8],
    spec: &RunSpec,
) -> Result<PreparedModule, Box<RunReport>> {
    let unsupported = |err: wasmtime::Error| {
        Box::new(RunReport::new(Ending::Unsupported {
            capability: "engine configuration".into(),
            message: format!("{err:#}"),
        }))
    };
    let mut config =
        config_at(backend.tier, &spec.proposals, backend.epoch).map_err(unsupported)?;
    let mut pool = PoolingAllocationConfig::new();
    pool.total_core_instances(POOL_SLOTS)
        .total_memories(POOL_SLOTS)
        .total_tables(POOL_SLOTS)
        .total_gc_heaps(POOL_SLOTS)
        .total_component_instances(0)
        .max_memory_size(usize::try_from(spec.memory_limit_bytes).unwrap_or(usize::MAX));
    config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    let engine = Engine::new(&config).map_err(unsupported)?;
    let started = Instant::now();
    // The matrix's runs and the gateway's loads share cache entries: the pool does not change code.
    let (compiled, _, _) = compile_cached(backend, &engine, spec, bytes);
    let module = compiled.map_err(|err| {
        let mut report = RunReport::new(Ending::Rejected {
            stage: Stage::Compile,
            message: format!("{err:#}"),
        });
        report.phases.compile = millis(started.elapsed());
        Box::new(report)
    })?;
    let mut linker: Linker<State> = Linker::new(&engine);
    wasmtime_wasi::p1::add_to_linker_sync(&mut linker, |s: &mut State| &mut s.wasi).map_err(
        |err| {
            Box::new(RunReport::new(Ending::HarnessFault {
                message: format!("cannot add WASI to the linker: {err:#}"),
            }))
        },
    )?;
    let probe = WasiCtxBuilder::new().build_p1();
    let mut probe = new_store(&engine, probe, spec, false);
    if let Some(ending) = missing_import(&linker, &mut probe, &module) {
        return Err(Box::new(RunReport::new(ending)));
    }
    // wasmtime-wasi's host calls run on its own Tokio runtime, built at the first call that needs
    // it: built here, at load, rather than inside the first request.
    wasmtime_wasi::runtime::with_ambient_tokio_runtime(|| ());
    let pre = linker.instantiate_pre(&module).map_err(|err| {
        Box::new(RunReport::new(Ending::Rejected {
            stage: Stage::Instantiate,
            message: format!("{err:#}"),
        }))
    })?;
    Ok(PreparedModule {
        engine,
        pre,
        epoch: backend.epoch,
    })
}

impl Prepared for PreparedModule {
    fn run(&self, spec: &RunSpec, watchdog: &Watchdog) -> RunReport {
        let stdout = MemoryOutputPipe::new(spec.output_limit_bytes);
        let stderr = MemoryOutputPipe::new(spec.output_limit_bytes);
        let mut report = self.run_with(spec, &stdout, &stderr, watchdog);
        report.stdout = stdout.contents().to_vec();
        report.stderr = stderr.contents().to_vec();
        report
    }
}

impl PreparedModule {
    fn run_with(
        &self,
        spec: &RunSpec,
        stdout: &MemoryOutputPipe,
        stderr: &MemoryOutputPipe,
        watchdog: &Watchdog,
    ) -> RunReport {
        watchdog.arm();
        let started = Instant::now();
        let wasi = match wasi_ctx(spec, stdout, stderr) {
            Ok(wasi) => wasi,
            Err(err) => return RunReport::new(Ending::HarnessFault { message: err }),
        };
        let mut store = new_store(&self.engine, wasi, spec, self.epoch);
        let mut report = RunReport::new(Ending::Exited { code: 0 });
        report.compile_cache = super::cache::CacheState::Resident;
        instantiate_and_start(
            &self.engine,
            &mut store,
            |store| self.pre.instantiate(store),
            self.epoch.then_some(spec.timeout),
            started,
            report,
        )
    }
}

fn run(
    bytes: &[u8],
    spec: &RunSpec,
    backend: &Wasmtime,
    stdout: &MemoryOutputPipe,
    stderr: &MemoryOutputPipe,
    watchdog: &Watchdog,
) -> RunReport {
    let epoch = backend.epoch;
    let engine = match config_at(backend.tier, &spec.proposals, epoch).and_then(|c| Engine::new(&c))
    {
        Ok(engine) => engine,
        Err(err) => {
            return RunReport::new(Ending::Unsupported {
                capability: "engine configuration".into(),
                message: format!("{err:#}"),
            });
        }
    };

    let started = Instant::now();
    let (compiled, cache, waited) = compile_cached(backend, &engine, spec, bytes);
    let module = match compiled {
        Ok(module) => module,
        Err(err) => {
            let mut report = RunReport::new(Ending::Rejected {
                stage: Stage::Compile,
                message: format!("{err:#}"),
            });
            report.phases.compile = millis(started.elapsed().saturating_sub(waited));
            report.compile_cache = cache;
            return report;
        }
    };
    let compile = millis(started.elapsed().saturating_sub(waited));

    watchdog.arm();
    let started = Instant::now();
    // wasmtime-wasi's synchronous preview 1 makes its host calls on a Tokio runtime of its own, with a
    // worker thread per core, built at the first call that needs it: in a fresh worker process that is
    // the guest's first `fd_write`, inside the run phase. Built here, it counts with instantiation.
    wasmtime_wasi::runtime::with_ambient_tokio_runtime(|| ());
    let mut linker: Linker<State> = Linker::new(&engine);
    if let Err(err) =
        wasmtime_wasi::p1::add_to_linker_sync(&mut linker, |s: &mut State| &mut s.wasi)
    {
        return RunReport::new(Ending::HarnessFault {
            message: format!("cannot add WASI to the linker: {err:#}"),
        });
    }
    let wasi = match wasi_ctx(spec, stdout, stderr) {
        Ok(wasi) => wasi,
        Err(err) => {
            // The spec's directories could not be opened: the harness's set-up, not the module.
            return RunReport::new(Ending::HarnessFault { message: err });
        }
    };
    let mut store = new_store(&engine, wasi, spec, epoch);
    let mut report = RunReport::new(Ending::Exited { code: 0 });
    report.phases.compile = compile;
    report.compile_cache = cache;
    if let Some(ending) = missing_import(&linker, &mut store, &module) {
        report.ending = ending;
        return report;
    }
    instantiate_and_start(
        &engine,
        &mut store,
        |store| linker.instantiate(store, &module),
        epoch.then_some(spec.timeout),
        started,
        report,
    )
}

/// The store of one run: the guest's WASI context, the memory cap, and the epoch deadline where
/// the engine interrupts.
fn new_store(engine: &Engine, wasi: WasiP1Ctx, spec: &RunSpec, epoch: bool) -> Store<State> {
    let limits = StoreLimitsBuilder::new()
        .memory_size(usize::try_from(spec.memory_limit_bytes).unwrap_or(usize::MAX))
        .trap_on_grow_failure(false)
        .build();
    let mut store = Store::new(engine, State { wasi, limits });
    store.limiter(|s| &mut s.limits);
    if epoch {
        store.set_epoch_deadline(1);
        store.epoch_deadline_trap();
    }
    store
}

/// A missing import is a capability the runtime lacks, not a broken module: the first one, named.
fn missing_import(
    linker: &Linker<State>,
    store: &mut Store<State>,
    module: &Module,
) -> Option<Ending> {
    module.imports().find_map(|import| {
        linker
            .get_by_import(&mut *store, &import)
            .is_none()
            .then(|| Ending::Unsupported {
                capability: format!("import {}::{}", import.module(), import.name()),
                message: format!(
                    "wasmtime provides no `{}::{}`",
                    import.module(),
                    import.name()
                ),
            })
    })
}

/// Instantiates (`instantiate`) and runs `_start`, under the deadline where the engine interrupts;
/// fills in the report's instantiate phase (from `started`), run phase and ending.
fn instantiate_and_start(
    engine: &Engine,
    store: &mut Store<State>,
    instantiate: impl FnOnce(&mut Store<State>) -> wasmtime::Result<wasmtime::Instance>,
    timeout: Option<Duration>,
    started: Instant,
    mut report: RunReport,
) -> RunReport {
    // The deadline covers instantiation (start functions run there) and the run.
    let (cancel, deadline) = start_deadline(engine, timeout);
    match instantiate(store) {
        Err(err) => {
            report.phases.instantiate = millis(started.elapsed());
            report.ending = ending_of_error(err, Some(Stage::Instantiate));
        }
        Ok(instance) => {
            let start = instance.get_typed_func::<(), ()>(&mut *store, "_start");
            report.phases.instantiate = millis(started.elapsed());
            let started = Instant::now();
            report.ending = match start {
                Err(err) => Ending::Rejected {
                    stage: Stage::Instantiate,
                    message: format!("no `_start` command export: {err:#}"),
                },
                Ok(start) => match start.call(&mut *store, ()) {
                    Ok(()) => Ending::Exited { code: 0 },
                    Err(err) => ending_of_error(err, None),
                },
            };
            report.phases.run = millis(started.elapsed());
        }
    }
    drop(cancel);
    if let Some(deadline) = deadline {
        let _ = deadline.join();
    }
    report
}

fn wasi_ctx(
    spec: &RunSpec,
    stdout: &MemoryOutputPipe,
    stderr: &MemoryOutputPipe,
) -> Result<WasiP1Ctx, String> {
    wasi_builder(spec, stdout, stderr).map(|mut b| b.build_p1())
}

/// The guest's WASI context as the spec says, for preview 1 (`build_p1`) or a component (`build`).
pub(super) fn wasi_builder(
    spec: &RunSpec,
    stdout: &MemoryOutputPipe,
    stderr: &MemoryOutputPipe,
) -> Result<WasiCtxBuilder, String> {
    let mut builder = WasiCtxBuilder::new();
    let mut argv = vec![spec.program.clone()];
    argv.extend(spec.args.iter().cloned());
    builder.args(&argv);
    if spec.inherit_stdio {
        builder.inherit_stdio();
    } else {
        builder
            .stdin(MemoryInputPipe::new(spec.stdin.clone()))
            .stdout(stdout.clone())
            .stderr(stderr.clone());
    }
    for (key, value) in &spec.env {
        builder.env(key, value);
    }
    if spec.network {
        // What `wasmtime run -S inherit-network` grants, with the tool's TCP and UDP (the crate
        // has them off by default): wasi:sockets on any address. Preview 1 has no call that opens
        // a socket, so modules are unaffected.
        builder
            .inherit_network()
            .allow_tcp(true)
            .allow_udp(true)
            .allow_ip_name_lookup(true);
    }
    for preopen in &spec.preopens {
        builder
            .preopened_dir(&preopen.host, &preopen.guest, FsPerms::ReadWrite)
            .map_err(|err| {
                format!(
                    "cannot preopen {} at {}: {err:#}",
                    preopen.host.display(),
                    preopen.guest
                )
            })?;
    }
    Ok(builder)
}

/// Bumps the engine's epoch when the deadline passes, unless the sender is dropped first. Without
/// epoch interruption (`None`) there is nothing to bump: the watchdog keeps the deadline.
pub(super) fn start_deadline(
    engine: &Engine,
    timeout: Option<Duration>,
) -> (mpsc::Sender<()>, Option<std::thread::JoinHandle<()>>) {
    let (cancel, cancelled) = mpsc::channel::<()>();
    let handle = timeout.map(|timeout| {
        let engine = engine.clone();
        std::thread::spawn(move || {
            if let Err(mpsc::RecvTimeoutError::Timeout) = cancelled.recv_timeout(timeout) {
                engine.increment_epoch();
            }
        })
    });
    (cancel, handle)
}

/// Classifies an error of instantiation (`stage`) or of the run (`None`, where a host error that is
/// not an exit aborted the guest like a trap).
pub(super) fn ending_of_error(err: wasmtime::Error, stage: Option<Stage>) -> Ending {
    if let Some(exit) = err.downcast_ref::<I32Exit>() {
        return Ending::Exited { code: exit.0 };
    }
    match err.downcast_ref::<Trap>() {
        Some(Trap::Interrupt) => Ending::TimedOut {
            by: "wasmtime epoch interruption".into(),
        },
        Some(trap) => Ending::Trapped {
            message: trap.to_string(),
        },
        None => match stage {
            Some(stage) => Ending::Rejected {
                stage,
                message: format!("{err:#}"),
            },
            None => Ending::Trapped {
                message: format!("{err:#}"),
            },
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// wasmtime's `Collector::Auto` takes the best collector compiled in; its default features
    /// compile in the copying collector, and so must ours, or Wasm GC code is measured on
    /// reference counting. Asking for it by name fails when the feature is missing.
    #[test]
    fn the_collector_wasmtime_ships_by_default_is_compiled_in() {
        let mut config = config(&[Proposal::Gc], false);
        config.collector(wasmtime::Collector::Copying);
        Engine::new(&config).expect("wasmtime built without its default `gc-copying` feature");
    }
}
