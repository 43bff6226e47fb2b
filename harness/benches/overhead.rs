//! What the harness adds to a measured run phase, with the uncertainty of that figure.
//!
//! The n-body kernel (Rust, 1,000,000 steps) runs on wasmtime three ways, and only `_start` is timed,
//! as in the results files:
//!
//! - `direct`: the wasmtime API in this process, with the engine configuration the backend uses
//!   (`harness::runtime::wasmtime_config(&[], false)`, so both sides run the same generated code); the
//!   module is compiled once, every run gets a fresh store and instance.
//! - `trait`: `Runtime::run` in this process (compile, instantiate, run); its own `phases.run`.
//! - `worker`: `worker::run`, a fresh `harness worker` process per run as `cargo xtask matrix` starts
//!   them; the `phases.run` of its report.
//!
//! The three run in rounds, back to back, in an order that rotates through all six permutations, and
//! each round gives the ratios `trait / direct` and `worker / direct`. The machine's speed drifts on a
//! scale of seconds (other tenants, clock frequency, builds); timing each path in a block of its own
//! turns that drift into a difference between paths, pairing within a round cancels it. The figures
//! are the median ratio with a distribution-free 95% confidence interval (order statistics of the
//! binomial), so one noisy stretch widens the interval instead of moving the verdict: the overhead is
//! within the 2% budget when the interval's upper end is below +2%, over it when its lower end is
//! above, and undecided otherwise (more rounds, or a quieter machine).
//!
//! Needs the built sample (`cargo xtask build-samples`). Run with
//! `cargo bench --workspace --bench overhead [-- --rounds N]` (the workspace's features, which the
//! release build of `cargo xtask test` and `matrix` already compiled); the default of 150 rounds takes
//! about a minute and a half on a 2-core machine.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use harness::runtime::{self, RunSpec, Watchdog};
use harness::worker;
use wasmtime::{Engine, Linker, Module, Store};
use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;

const STEPS: &str = "1000000";
const DEFAULT_ROUNDS: usize = 150;
/// Rounds run first and not counted: the first runs of each path page in code and data.
const WARMUP_ROUNDS: usize = 3;
/// The harness's budget for its own cost in the run phase.
const BUDGET: f64 = 0.02;

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
        inherit_env: false,
        network: false,
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Path3 {
    Direct,
    Trait,
    Worker,
}

const PATHS: [Path3; 3] = [Path3::Direct, Path3::Trait, Path3::Worker];

/// Every order of the three paths, so that each path runs first, second and third equally often.
const ORDERS: [[usize; 3]; 6] = [
    [0, 1, 2],
    [1, 2, 0],
    [2, 0, 1],
    [0, 2, 1],
    [2, 1, 0],
    [1, 0, 2],
];

struct Bench {
    bytes: Vec<u8>,
    engine: Engine,
    module: Module,
    backend: Box<dyn runtime::Runtime>,
    spec: RunSpec,
    exe: PathBuf,
    request: worker::Request,
}

impl Bench {
    fn new() -> Self {
        let path = module_path();
        let bytes = std::fs::read(&path).unwrap();
        let engine = Engine::new(&runtime::wasmtime_config(&[], false)).unwrap();
        let module = Module::new(&engine, &bytes).unwrap();
        let spec = spec();
        Bench {
            bytes,
            engine,
            module,
            backend: runtime::select("wasmtime").unwrap(),
            request: worker::Request {
                runtime: "wasmtime".into(),
                module: path,
                spec: spec.clone(),
                found: None,
            },
            spec,
            exe: PathBuf::from(env!("CARGO_BIN_EXE_harness")),
        }
    }

    /// One run's `_start`, in seconds.
    fn time(&self, path: Path3) -> f64 {
        match path {
            Path3::Direct => self.direct(),
            Path3::Trait => {
                let report = self.backend.run(&self.bytes, &self.spec, &Watchdog::none());
                assert_eq!(report.ending, runtime::Ending::Exited { code: 0 });
                report.phases.run / 1e3
            }
            Path3::Worker => {
                let finished =
                    worker::run(&self.exe, &self.request, Duration::from_secs(120)).unwrap();
                let worker::End::Reported(response) = finished.end else {
                    panic!("worker did not report: {:?}", finished.end)
                };
                assert_eq!(response.report.ending, runtime::Ending::Exited { code: 0 });
                response.report.phases.run / 1e3
            }
        }
    }

    /// `_start` through the wasmtime API, in a fresh store and instance.
    fn direct(&self) -> f64 {
        let mut linker: Linker<WasiP1Ctx> = Linker::new(&self.engine);
        wasmtime_wasi::p1::add_to_linker_sync(&mut linker, |s| s).unwrap();
        let wasi = wasmtime_wasi::WasiCtxBuilder::new()
            .args(&["nbody.wasm", STEPS])
            .stdout(MemoryOutputPipe::new(1 << 20))
            .build_p1();
        let mut store = Store::new(&self.engine, wasi);
        let instance = linker.instantiate(&mut store, &self.module).unwrap();
        let start = instance
            .get_typed_func::<(), ()>(&mut store, "_start")
            .unwrap();
        let started = Instant::now();
        start.call(&mut store, ()).unwrap();
        started.elapsed().as_secs_f64()
    }
}

/// The median of `values` with a distribution-free 95% confidence interval: the order statistics
/// `x(j)` and `x(n+1-j)`, `j` the largest with P(Binomial(n, 1/2) < j) <= 2.5%, which cover the
/// median with at least 95% probability whatever the distribution. `None` below 6 values, where no
/// such pair exists.
fn median_ci(values: &[f64]) -> (f64, Option<(f64, f64)>) {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    let median = if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    };
    // P(B = k) for B ~ Binomial(n, 1/2), summed from k = 0 up: in logarithms, n may be large.
    let ln_half_n = n as f64 * 0.5f64.ln();
    let mut ln_choose = 0.0; // ln C(n, 0)
    let mut below = 0.0; // P(B < j)
    let mut j = 0;
    for k in 0..n {
        let p = (ln_choose + ln_half_n).exp();
        if below + p > 0.025 {
            break;
        }
        below += p;
        j = k + 1;
        ln_choose += ((n - k) as f64).ln() - ((k + 1) as f64).ln();
    }
    let ci = (j >= 1).then(|| (sorted[j - 1], sorted[n - j]));
    (median, ci)
}

fn percent(ratio: f64) -> String {
    format!("{:+.2}%", (ratio - 1.0) * 100.0)
}

fn main() {
    let mut rounds = DEFAULT_ROUNDS;
    let mut args = std::env::args().skip(1);
    // `cargo bench` passes `--bench`; the rest of libtest's options mean nothing here.
    while let Some(arg) = args.next() {
        if arg == "--rounds" {
            rounds = args
                .next()
                .and_then(|n| n.parse().ok())
                .filter(|&n| n >= 6)
                .expect("--rounds takes a number, at least 6");
        }
    }

    let bench = Bench::new();
    let began = Instant::now();
    let mut times: Vec<[f64; 3]> = Vec::with_capacity(rounds);
    for round in 0..WARMUP_ROUNDS + rounds {
        let mut t = [0.0; 3];
        for i in ORDERS[round % ORDERS.len()] {
            t[i] = bench.time(PATHS[i]);
        }
        if round >= WARMUP_ROUNDS {
            times.push(t);
        }
    }
    let elapsed = began.elapsed();

    let n = times.len();
    println!(
        "nbody {STEPS} steps on wasmtime, `_start` only: {n} rounds (+{WARMUP_ROUNDS} warm-up) in {:.0} s",
        elapsed.as_secs_f64()
    );
    println!(
        "{:<8} {:>10} {:>10} {:>28}",
        "path", "median", "min", "vs direct (95% CI)"
    );
    let mut verdicts = Vec::new();
    for (i, path) in PATHS.iter().enumerate() {
        let ms: Vec<f64> = times.iter().map(|t| t[i] * 1e3).collect();
        let (median, _) = median_ci(&ms);
        let min = ms.iter().copied().fold(f64::INFINITY, f64::min);
        let name = format!("{path:?}").to_lowercase();
        if *path == Path3::Direct {
            println!("{name:<8} {median:>8.2}ms {min:>8.2}ms {:>28}", "—");
            continue;
        }
        let ratios: Vec<f64> = times.iter().map(|t| t[i] / t[0]).collect();
        let (ratio, ci) = median_ci(&ratios);
        let (lo, hi) = ci.expect("at least 6 rounds");
        println!(
            "{name:<8} {median:>8.2}ms {min:>8.2}ms {:>10} [{}, {}]",
            percent(ratio),
            percent(lo),
            percent(hi)
        );
        let verdict = if hi - 1.0 < BUDGET {
            "within the 2% budget"
        } else if lo - 1.0 > BUDGET {
            "over the 2% budget"
        } else {
            "undecided: the interval straddles 2% (more rounds or a quieter machine)"
        };
        verdicts.push(format!("{name}: {verdict}"));
    }
    println!(
        "n = {n} paired rounds; median of per-round ratios to `direct`, 95% CI by order statistics"
    );
    for verdict in verdicts {
        println!("{verdict}");
    }
}
