//! What the harness adds to a measured run phase: the n-body kernel's `_start` timed through the
//! wasmtime API directly, through the `Runtime` trait in process, and through a worker process.
//!
//! Each iteration times only the run phase, as the results files do: compilation and instantiation
//! happen outside the timed region on the direct side and are reported separately by the backend on
//! the others. `direct-default` uses wasmtime's default configuration; `direct` uses the backend's
//! configuration (the same code: no epoch interruption), so `trait` and `worker` against `direct` is
//! the harness's own bookkeeping.
//!
//! Needs the built sample: `cargo xtask build-samples`, then `cargo bench -p harness --bench overhead`.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use harness::runtime::{self, RunSpec, Watchdog};
use harness::worker;
use wasmtime::{Config, Engine, Linker, Module, Store};
use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;

const STEPS: &str = "1000000";

fn module_path() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned();
    let target = harness::manifest::target_dir(&root);
    let path = harness::manifest::module_path(&target, "rust", "nbody");
    assert!(
        path.is_file(),
        "{} is missing: run `cargo xtask build-samples` first",
        path.display()
    );
    path
}

fn spec() -> RunSpec {
    RunSpec {
        program: "nbody.wasm".into(),
        args: vec![STEPS.into()],
        env: Default::default(),
        preopens: Vec::new(),
        stdin: Vec::new(),
        proposals: Vec::new(),
        timeout: Duration::from_secs(60),
        memory_limit_bytes: 1 << 30,
        output_limit_bytes: 1 << 20,
        cache_dir: None,
        inherit_stdio: false,
    }
}

/// Times `_start` alone on an engine built from `config`.
fn direct_run(engine: &Engine, module: &Module, epoch: bool) -> Duration {
    let mut linker: Linker<WasiP1Ctx> = Linker::new(engine);
    wasmtime_wasi::p1::add_to_linker_sync(&mut linker, |s| s).unwrap();
    let wasi = wasmtime_wasi::WasiCtxBuilder::new()
        .args(&["nbody.wasm", STEPS])
        .stdout(MemoryOutputPipe::new(1 << 20))
        .build_p1();
    let mut store = Store::new(engine, wasi);
    if epoch {
        store.set_epoch_deadline(u64::MAX / 2);
    }
    let instance = linker.instantiate(&mut store, module).unwrap();
    let start = instance
        .get_typed_func::<(), ()>(&mut store, "_start")
        .unwrap();
    let started = Instant::now();
    start.call(&mut store, ()).unwrap();
    started.elapsed()
}

fn overhead(c: &mut Criterion) {
    let path = module_path();
    let bytes = std::fs::read(&path).unwrap();
    let mut group = c.benchmark_group("nbody-run-phase");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(20));

    let default_engine = Engine::new(&Config::new()).unwrap();
    let default_module = Module::new(&default_engine, &bytes).unwrap();
    group.bench_function("direct-default", |b| {
        b.iter_custom(|iters| {
            (0..iters)
                .map(|_| direct_run(&default_engine, &default_module, false))
                .sum()
        })
    });

    let engine = Engine::new(&harness_config()).unwrap();
    let module = Module::new(&engine, &bytes).unwrap();
    group.bench_function("direct", |b| {
        b.iter_custom(|iters| {
            (0..iters)
                .map(|_| direct_run(&engine, &module, false))
                .sum()
        })
    });

    let backend = runtime::select("wasmtime").unwrap();
    let spec = spec();
    group.bench_function("trait", |b| {
        b.iter_custom(|iters| {
            (0..iters)
                .map(|_| {
                    let report = backend.run(&bytes, &spec, &Watchdog::none());
                    assert_eq!(report.ending, runtime::Ending::Exited { code: 0 });
                    Duration::from_secs_f64(report.phases.run / 1e3)
                })
                .sum()
        })
    });

    let exe = PathBuf::from(env!("CARGO_BIN_EXE_harness"));
    let request = worker::Request {
        runtime: "wasmtime".into(),
        module: path.clone(),
        spec: spec.clone(),
    };
    group.bench_function("worker", |b| {
        b.iter_custom(|iters| {
            (0..iters)
                .map(|_| {
                    let finished = worker::run(&exe, &request, Duration::from_secs(120)).unwrap();
                    let worker::End::Reported(response) = finished.end else {
                        panic!("worker did not report")
                    };
                    Duration::from_secs_f64(response.report.phases.run / 1e3)
                })
                .sum()
        })
    });
    group.finish();
}

fn harness_config() -> Config {
    harness::runtime::wasmtime_config(&[], false)
}

criterion_group!(benches, overhead);
criterion_main!(benches);
