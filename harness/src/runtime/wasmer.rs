//! The wasmer backend: Cranelift (or Singlepass or LLVM, for its tier columns), WASI preview 1 from `wasmer-wasix`, and tunables that cap linear
//! memory. Wasmer has no cheap in-engine interruption (metering would slow every run it measures),
//! so the worker's watchdog enforces the deadline.

use std::path::Path;
use std::ptr::NonNull;
use std::sync::Arc;
use std::time::Instant;

use wasmer::sys::vm::{VMMemory, VMMemoryDefinition, VMTable, VMTableDefinition};
use wasmer::sys::{
    BaseTunables, CompilerConfig, Cranelift, EngineBuilder, Features, Singlepass, Tunables,
};
use wasmer::{MemoryError, MemoryStyle, MemoryType, Module, Pages, Store, TableStyle, TableType};
use wasmer_wasix::virtual_fs::{MountFileSystem, RootFileSystemBuilder, VirtualFile, host_fs};
use wasmer_wasix::{Pipe, WasiEnv, WasiError, WasiRuntimeError};

use super::registry::Tier;
use super::{Ending, Prepared, RunReport, RunSpec, Runtime, Stage, Watchdog, millis};
use crate::manifest::Proposal;

pub struct Wasmer {
    /// Cranelift, Singlepass or LLVM.
    tier: Tier,
}

impl Wasmer {
    /// The `wasmer` column: Cranelift, wasmer's default compiler.
    pub fn new() -> Self {
        Wasmer {
            tier: Tier::Cranelift,
        }
    }

    /// The `wasmer-singlepass` and `wasmer-llvm` columns: the same engine with another compiler.
    pub fn at(tier: Tier) -> Self {
        Wasmer { tier }
    }

    fn compiler(&self) -> Box<dyn CompilerConfig> {
        match self.tier {
            Tier::Singlepass => Box::new(Singlepass::default()),
            #[cfg(feature = "wasmer-llvm")]
            Tier::Llvm => Box::new(wasmer::sys::LLVM::default()),
            _ => Box::new(Cranelift::default()),
        }
    }
}

impl Default for Wasmer {
    fn default() -> Self {
        Self::new()
    }
}

impl Runtime for Wasmer {
    fn name(&self) -> &'static str {
        match self.tier {
            Tier::Singlepass => "wasmer-singlepass",
            Tier::Llvm => "wasmer-llvm",
            _ => "wasmer",
        }
    }

    fn version(&self) -> String {
        let compiler = match self.tier {
            Tier::Singlepass => "singlepass",
            Tier::Llvm => "llvm",
            _ => "cranelift",
        };
        format!("wasmer {} ({compiler})", crate::versions::WASMER)
    }

    fn interrupts_in_engine(&self) -> bool {
        false
    }

    fn run(&self, module: &[u8], spec: &RunSpec, watchdog: &Watchdog) -> RunReport {
        let tokio = match async_runtime() {
            Ok(rt) => rt,
            Err(report) => return *report,
        };
        let _guard = tokio.enter();
        match compile(self, module, spec) {
            Ok(compiled) => execute(&compiled, compiled.report.clone(), spec, watchdog),
            Err(report) => *report,
        }
    }

    fn prepare(
        &self,
        module: &[u8],
        spec: &RunSpec,
    ) -> Option<Result<Box<dyn Prepared>, RunReport>> {
        super::prepared(async_runtime().and_then(|tokio| {
            let compiled = {
                let _guard = tokio.enter();
                compile(self, module, spec)?
            };
            Ok(PreparedModule { tokio, compiled })
        }))
    }
}

/// wasmer-wasix schedules its work on tokio: a runtime entered on the calling thread. The error is
/// boxed, as every report here: a report is large, and the happy path should not carry its size.
fn async_runtime() -> Result<tokio::runtime::Runtime, Box<RunReport>> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .map_err(|err| {
            Box::new(RunReport::new(Ending::HarnessFault {
                message: format!("cannot start the async runtime wasmer-wasix needs: {err}"),
            }))
        })
}

/// A module compiled (or loaded from the cache) with its engine, and the report so far: its compile
/// phase and how the cache served it.
struct Compiled {
    engine: wasmer::Engine,
    module: Module,
    report: RunReport,
}

/// A module compiled once for a server: each call makes a store and instance of its own.
struct PreparedModule {
    tokio: tokio::runtime::Runtime,
    compiled: Compiled,
}

impl Prepared for PreparedModule {
    fn run(&self, spec: &RunSpec, watchdog: &Watchdog) -> RunReport {
        let _guard = self.tokio.enter();
        let mut report = RunReport::new(Ending::Exited { code: 0 });
        report.compile_cache = super::cache::CacheState::Resident;
        execute(&self.compiled, report, spec, watchdog)
    }
}

fn compile(backend: &Wasmer, bytes: &[u8], spec: &RunSpec) -> Result<Compiled, Box<RunReport>> {
    let mut engine = EngineBuilder::new(backend.compiler())
        .set_features(Some(features_of(spec)))
        .engine();
    let pages = Pages((spec.memory_limit_bytes / wasmer::WASM_PAGE_SIZE as u64).min(65536) as u32);
    engine.set_tunables(LimitingTunables {
        limit: pages,
        base: BaseTunables::new(),
    });
    let engine: wasmer::Engine = engine.into();

    let started = Instant::now();
    let entry = spec.cache_dir.as_deref().map(|dir| {
        // Tunables choose the memory style compiled into the code, so the cap is part of the key.
        let id = format!(
            "{} {:?} {:?} pages={}",
            crate::versions::WASMER,
            backend.tier,
            features_of(spec),
            pages.0
        );
        super::cache::entry(dir, "wasmer", &id, bytes)
    });
    let (compiled, cache, waited) = super::cache::compile_waiting(
        entry.as_deref(),
        || Module::new(&engine, bytes),
        // SAFETY: entries are written only by this backend, atomically, under a key that includes
        // wasmer's version, features and memory limit; wasmer checks the artifact's header too.
        |path| unsafe { Module::deserialize_from_file(&engine, path) }.ok(),
        |module| module.serialize().ok().map(|b| b.to_vec()),
    );
    let compile_ms = millis(started.elapsed().saturating_sub(waited));
    match compiled {
        Ok(module) => Ok(Compiled {
            engine,
            module,
            report: RunReport::compiled(None, compile_ms, cache),
        }),
        Err(err) => Err(Box::new(RunReport::compiled(
            Some(err.to_string()),
            compile_ms,
            cache,
        ))),
    }
}

/// Instantiates the compiled module in a store of its own and runs `_start`, with the spec's
/// stdin and its output captured (or, for a shim, this process's own stdio).
fn execute(
    compiled: &Compiled,
    report: RunReport,
    spec: &RunSpec,
    watchdog: &Watchdog,
) -> RunReport {
    if spec.inherit_stdio {
        let stdio: Stdio = (
            Box::new(host_fs::Stdout::default()),
            Box::new(host_fs::Stderr::default()),
            Box::new(host_fs::Stdin::default()),
        );
        return instantiate_and_run(compiled, report, spec, stdio, watchdog);
    }
    let (stdout_tx, mut stdout_rx) = Pipe::channel();
    let (stderr_tx, mut stderr_rx) = Pipe::channel();
    let (mut stdin_tx, stdin_rx) = Pipe::channel();
    if let Err(err) = std::io::Write::write_all(&mut stdin_tx, &spec.stdin) {
        return RunReport::new(Ending::HarnessFault {
            message: format!("cannot prepare stdin: {err}"),
        });
    }
    stdin_tx.close();
    let stdio: Stdio = (Box::new(stdout_tx), Box::new(stderr_tx), Box::new(stdin_rx));
    let mut report = instantiate_and_run(compiled, report, spec, stdio, watchdog);
    report.stdout = drain(&mut stdout_rx, spec.output_limit_bytes);
    report.stderr = drain(&mut stderr_rx, spec.output_limit_bytes);
    report
}

/// The guest's stdout, stderr and stdin.
type Stdio = (
    Box<dyn VirtualFile + Send + Sync>,
    Box<dyn VirtualFile + Send + Sync>,
    Box<dyn VirtualFile + Send + Sync>,
);

fn instantiate_and_run(
    compiled: &Compiled,
    mut report: RunReport,
    spec: &RunSpec,
    stdio: Stdio,
    watchdog: &Watchdog,
) -> RunReport {
    let (stdout, stderr, stdin) = stdio;
    let mut store = Store::new(compiled.engine.clone());

    watchdog.arm();
    let started = Instant::now();
    let fs = match sandbox_fs(spec) {
        Ok(fs) => fs,
        Err(message) => {
            report.ending = Ending::HarnessFault { message };
            return report;
        }
    };
    let mut builder = WasiEnv::builder(spec.program.clone())
        .engine(compiled.engine.clone())
        .args(spec.args.iter())
        .envs(spec.env.iter())
        .stdout(stdout)
        .stderr(stderr)
        .stdin(stdin)
        .sandbox_fs(fs);
    // Preopen each mapped directory by its guest path, as `wasmtime run --dir` does, so that a path
    // outside them finds no preopen at all. wasmer-wasix also preopens its virtual root as `/`
    // (always the first); a guest `/` of the spec is then a second `/`, through which relative
    // paths from the virtual root find their files.
    for preopen in &spec.preopens {
        let preopened = if preopen.guest.starts_with('/') {
            builder.add_preopen_dir(&preopen.guest)
        } else {
            builder.add_map_dir(&preopen.guest, mount_path(&preopen.guest))
        };
        if let Err(err) = preopened {
            report.ending = Ending::HarnessFault {
                message: format!("cannot preopen {}: {err}", preopen.guest),
            };
            return report;
        }
    }
    let (instance, env) = match builder.instantiate(compiled.module.clone(), &mut store) {
        Ok(pair) => pair,
        Err(err) => {
            report.phases.instantiate = millis(started.elapsed());
            report.ending = instantiate_ending(err, &mut store);
            return report;
        }
    };
    let start = instance.exports.get_function("_start").cloned();
    report.phases.instantiate = millis(started.elapsed());

    let started = Instant::now();
    report.ending = match start {
        Err(err) => Ending::Rejected {
            stage: Stage::Instantiate,
            message: format!("no `_start` command export: {err}"),
        },
        Ok(start) => match start.call(&mut store, &[]) {
            Ok(_) => Ending::Exited { code: 0 },
            Err(err) => match err.downcast_ref::<WasiError>() {
                Some(WasiError::Exit(code)) => Ending::Exited { code: code.raw() },
                _ => Ending::Trapped {
                    message: err.display(&mut store).to_string(),
                },
            },
        },
    };
    report.phases.run = millis(started.elapsed());
    env.on_exit(&mut store, None);
    report
}

/// The guest's file system: an empty in-memory root with each host directory mounted at its guest
/// path, the way `wasmer run --mapdir` builds it. A directory the guest sees at `/` is the root
/// itself (wasmer's own runner layers it over its root the same way), with the others mounted on it.
fn sandbox_fs(spec: &RunSpec) -> Result<MountFileSystem, String> {
    let host_fs = |host: &Path| {
        host_fs::FileSystem::new(tokio::runtime::Handle::current(), host)
            .map_err(|e| format!("cannot open {}: {e}", host.display()))
    };
    let mounts = MountFileSystem::new();
    match spec.preopens.iter().find(|p| is_root(&p.guest)) {
        Some(root) => mounts.mount(Path::new("/"), Arc::new(host_fs(&root.host)?)),
        None => {
            let paths: Vec<String> = spec.preopens.iter().map(|p| mount_path(&p.guest)).collect();
            let guests: Vec<&str> = paths.iter().map(String::as_str).collect();
            let root = RootFileSystemBuilder::default().build_tmp_ext(&guests);
            mounts.mount(Path::new("/"), Arc::new(root))
        }
    }
    .map_err(|e| format!("cannot mount the root: {e}"))?;
    for preopen in spec.preopens.iter().filter(|p| !is_root(&p.guest)) {
        mounts
            .mount(
                Path::new(&mount_path(&preopen.guest)),
                Arc::new(host_fs(&preopen.host)?),
            )
            .map_err(|e| {
                format!(
                    "cannot mount {} at {}: {e}",
                    preopen.host.display(),
                    preopen.guest
                )
            })?;
    }
    Ok(mounts)
}

/// Whether a guest path is the root.
fn is_root(guest: &str) -> bool {
    Path::new(guest)
        .components()
        .eq(Path::new("/").components())
}

/// Where a preopen is mounted in the sandbox: its guest path, or under `/` for a relative guest name
/// (wasi-testsuite's `fs-tests.dir`), which is then preopened under that name (an alias).
fn mount_path(guest: &str) -> String {
    if guest.starts_with('/') {
        guest.to_owned()
    } else {
        format!("/{guest}")
    }
}

fn instantiate_ending(err: WasiRuntimeError, store: &mut Store) -> Ending {
    use wasmer::{InstantiationError, LinkError};
    use wasmer_wasix::WasiThreadError;
    let inner = match &err {
        WasiRuntimeError::Instantiation(inner) => Some(inner),
        WasiRuntimeError::Thread(WasiThreadError::InstanceCreateFailed(inner)) => Some(&**inner),
        _ => None,
    };
    match inner {
        Some(InstantiationError::Link(LinkError::Import(module, name, _))) => {
            return Ending::Unsupported {
                capability: format!("import {module}::{name}"),
                message: err.to_string(),
            };
        }
        Some(InstantiationError::Start(runtime)) => {
            return Ending::Trapped {
                message: runtime.display(store).to_string(),
            };
        }
        _ => {}
    }
    match err.as_exit_code() {
        Some(code) => Ending::Exited { code: code.raw() },
        None => Ending::Rejected {
            stage: Stage::Instantiate,
            message: err.to_string(),
        },
    }
}

/// Everything the guest wrote, up to `limit` bytes, without blocking on the still-open writer.
fn drain(pipe: &mut Pipe, limit: usize) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = [0u8; 8192];
    while let Some(n) = pipe.try_read(&mut buf) {
        if n == 0 {
            break;
        }
        out.extend_from_slice(&buf[..n]);
    }
    out.truncate(limit);
    out
}

/// Base tunables with every memory's maximum lowered to the cap, so that `memory.grow` past it
/// returns -1 as the specification allows, and a module whose minimum exceeds it is refused.
struct LimitingTunables {
    limit: Pages,
    base: BaseTunables,
}

impl LimitingTunables {
    fn adjust(&self, requested: &MemoryType) -> MemoryType {
        let mut adjusted = *requested;
        adjusted.maximum = Some(
            requested
                .maximum
                .map_or(self.limit, |max| max.min(self.limit)),
        );
        adjusted
    }

    fn validate(&self, ty: &MemoryType) -> Result<(), MemoryError> {
        if ty.minimum > self.limit {
            return Err(MemoryError::Generic(format!(
                "memory minimum of {} pages exceeds the cap of {} pages",
                ty.minimum.0, self.limit.0
            )));
        }
        Ok(())
    }
}

impl Tunables for LimitingTunables {
    fn memory_style(&self, memory: &MemoryType) -> MemoryStyle {
        self.base.memory_style(&self.adjust(memory))
    }

    fn table_style(&self, table: &TableType) -> TableStyle {
        self.base.table_style(table)
    }

    fn create_host_memory(
        &self,
        ty: &MemoryType,
        style: &MemoryStyle,
    ) -> Result<VMMemory, MemoryError> {
        self.validate(ty)?;
        self.base.create_host_memory(&self.adjust(ty), style)
    }

    unsafe fn create_vm_memory(
        &self,
        ty: &MemoryType,
        style: &MemoryStyle,
        location: NonNull<VMMemoryDefinition>,
    ) -> Result<VMMemory, MemoryError> {
        self.validate(ty)?;
        // SAFETY: the caller's guarantee about `location` is passed on unchanged.
        unsafe {
            self.base
                .create_vm_memory(&self.adjust(ty), style, location)
        }
    }

    fn create_host_table(&self, ty: &TableType, style: &TableStyle) -> Result<VMTable, String> {
        self.base.create_host_table(ty, style)
    }

    unsafe fn create_vm_table(
        &self,
        ty: &TableType,
        style: &TableStyle,
        location: NonNull<VMTableDefinition>,
    ) -> Result<VMTable, String> {
        // SAFETY: the caller's guarantee about `location` is passed on unchanged.
        unsafe { self.base.create_vm_table(ty, style, location) }
    }
}

/// The wasmer features a case asks for, among those wasmer's Cranelift compiler accepts (Singlepass
/// is given the same and says itself what it cannot compile).
fn features_of(spec: &RunSpec) -> Features {
    let mut features = Features::new();
    for proposal in &spec.proposals {
        match proposal {
            Proposal::BulkMemory => features.bulk_memory(true),
            Proposal::MultiValue => features.multi_value(true),
            Proposal::ReferenceTypes => features.reference_types(true),
            Proposal::Simd => features.simd(true),
            Proposal::TailCall => features.tail_call(true),
            Proposal::ExceptionHandling => features.exceptions(true),
            Proposal::Memory64 => features.memory64(true),
            Proposal::MultiMemory => features.multi_memory(true),
            Proposal::ExtendedConst => features.extended_const(true),
            Proposal::RelaxedSimd => features.relaxed_simd(true),
            Proposal::Threads => features.threads(true),
            Proposal::WideArithmetic => features.wide_arithmetic(true),
            // Declined (see `supports`): the module is compiled anyway so wasmer's own error shows.
            _ => &mut features,
        };
    }
    features
}
