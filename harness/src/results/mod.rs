//! The results model: one serde model for every output format.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::Outcome;
use crate::runtime::cache::CacheState;
use crate::runtime::{Configuration, Phases};
use crate::stats::{NOISE_THRESHOLD, Stats};

pub mod charts;
pub mod claims;
pub mod compare;
pub mod docker;
pub mod excerpts;
pub mod export;
pub mod figures;
pub mod html;
pub mod http;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod merge;
pub mod run_table;
pub mod summary;
pub mod terminal;

pub use compare::{Efficiency, Interruption, InterruptionCell, Ratio};

/// One run of the matrix: where and how it ran, every cell, and the comparisons drawn from the cells
/// (derived by [`Results::new`], stored so that readers of `matrix.json` need not redo them).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Results {
    pub meta: Meta,
    pub cells: Vec<Cell>,
    /// Wasm run phase over native run phase, for every benchmark-sized kernel cell whose language has
    /// a passing `native` cell for the same case.
    #[serde(default)]
    pub ratios: Vec<Ratio>,
    /// Per runtime: the geometric mean of its `ratios` that passed, and which cells it covers.
    #[serde(default)]
    pub efficiency: BTreeMap<String, Efficiency>,
    /// Per in-engine interruption mechanism: variant column against its base column.
    #[serde(default)]
    pub interruption_cost: Vec<Interruption>,
    /// A report merged from several runs (`cargo xtask report A.json B.json`): each run's
    /// metadata under the host label its cells carry. Empty for the results of one run.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub merged: Vec<MergedRun>,
}

/// One of the runs a merged report is made of.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MergedRun {
    /// What the report calls the host: [`Host::label`], with `#2`, `#3`... after a label already
    /// taken (two runs on like machines).
    pub label: String,
    pub meta: Meta,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Meta {
    /// When the run started, UTC, RFC 3339.
    pub date: String,
    pub host: Host,
    /// The commit the harness and samples came from, with `-dirty` when the tree had changes.
    pub git_commit: String,
    /// How the harness itself was compiled: figures from unoptimized engines are not comparable.
    pub harness_build: HarnessBuild,
    /// Each runtime column's exact version, as its backend reports it.
    pub runtimes: BTreeMap<String, String>,
    /// Each language's toolchain, as it reports its own version.
    pub toolchains: BTreeMap<String, String>,
    /// Runs per cell; timing fields are medians over them.
    pub repeat: u32,
    /// Manifests that could not be read, each with its file and error: they have no cells.
    #[serde(default)]
    pub problems: Vec<String>,
    /// A figure whose 95% interval's half-width is more than this fraction of its median is `noisy`.
    #[serde(default = "noise_threshold")]
    pub noise_threshold: f64,
    /// How the `ci95` intervals of the `*_stats` fields are computed.
    #[serde(default)]
    pub interval_method: String,
    /// The clock every duration was read from, its resolution and the cost of reading it.
    #[serde(default)]
    pub clock: Option<Clock>,
    /// How each column of the run (and `native`) runs code: engine, compiler, deadline, memory cap,
    /// cache, stdio, and what was checked.
    #[serde(default)]
    pub columns: BTreeMap<String, Configuration>,
    /// Per language, the flags its native binaries were built with (optimisation level, target CPU,
    /// libc and linking), as `build-samples --native` recorded them: what every ratio to native is
    /// against.
    #[serde(default)]
    pub native_builds: BTreeMap<String, String>,
    /// When a run was interrupted and resumed (`matrix --resume`): each sitting's start and how
    /// many cells it measured. Absent for a run made in one sitting.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sittings: Vec<Sitting>,
}

/// One stretch of a resumed run.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Sitting {
    /// When the sitting began, UTC, RFC 3339.
    pub started: String,
    pub cells: usize,
}

fn noise_threshold() -> f64 {
    NOISE_THRESHOLD
}

/// The clock the harness and its workers time with, measured once per run: a duration shorter than a
/// few times its overhead, or than its resolution, is not a measurement.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Clock {
    /// What the timings read, e.g. `std::time::Instant (CLOCK_MONOTONIC)`.
    pub source: String,
    /// The kernel's clock source behind it (`tsc`, `kvm-clock`, `hpet`, ...), where the system says.
    pub kernel_clocksource: Option<String>,
    /// The clock's resolution as `clock_getres` reports it.
    pub resolution_ns: Option<u64>,
    /// The median time between two back-to-back `Instant::now()` calls: what one reading adds to
    /// every interval measured.
    pub overhead_ns: f64,
    /// How many back-to-back pairs the median is over.
    pub samples: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Host {
    pub cpu: String,
    pub cores: usize,
    pub os: String,
    pub kernel: String,
    /// The machine's architecture as Rust names it (`x86_64`, `aarch64`); empty in results written
    /// before it was recorded.
    #[serde(default)]
    pub arch: String,
}

impl Host {
    /// How a merged report names the host: architecture, CPU and cores.
    pub fn label(&self) -> String {
        let arch = if self.arch.is_empty() {
            "unknown-arch"
        } else {
            &self.arch
        };
        format!("{arch} {} ×{}", self.cpu, self.cores)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HarnessBuild {
    pub profile: String,
    pub opt_level: String,
}

/// The compile cache states a cell's runs met, each once, in order. Written as text, `miss, hit`, and
/// `none` for no runs, as `matrix.json` has always had it; every state is a [`CacheState`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CompileCache(pub Vec<CacheState>);

impl CompileCache {
    /// The distinct states of `runs`, in order.
    pub fn of(runs: impl IntoIterator<Item = CacheState>) -> Self {
        let mut states = Vec::new();
        for state in runs {
            if !states.contains(&state) {
                states.push(state);
            }
        }
        CompileCache(states)
    }
}

impl std::fmt::Display for CompileCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.0.is_empty() {
            return f.write_str("none");
        }
        let states: Vec<&str> = self.0.iter().map(|s| s.as_str()).collect();
        f.write_str(&states.join(", "))
    }
}

impl std::str::FromStr for CompileCache {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        if s == "none" || s.is_empty() {
            return Ok(CompileCache::default());
        }
        s.split(", ")
            .map(str::parse)
            .collect::<Result<_, _>>()
            .map(CompileCache)
    }
}

impl Serialize for CompileCache {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for CompileCache {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

/// One runtime x sample x case, classified and measured.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Cell {
    pub runtime: String,
    pub language: String,
    pub sample: String,
    pub case: String,
    pub outcome: Outcome,
    /// Why, for anything but a plain pass: the diff, the trap message, the missing tool.
    pub reason: String,
    /// The outcome the case expects, and whether this cell got it.
    pub expected: Outcome,
    pub as_expected: bool,
    /// Whether this case is benchmark-sized.
    pub bench: bool,
    /// Medians over `n` runs.
    pub phases_ms: Phases,
    pub wall_ms: f64,
    /// The largest peak resident set of the worker process over the runs.
    pub peak_rss_kib: u64,
    pub module_bytes: u64,
    /// The SHA-256 of the module the cell ran, from its build record: the same file on every
    /// column (and, in a merged report, on every host) shows as the same hash. Absent for native
    /// cells and in results written before it was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub module_sha256: Option<String>,
    /// What the cell ran: `module`, `native-component` or `adapted-component` (absent for native
    /// cells, cells that ran nothing, and results written before components).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artifact: Option<crate::manifest::Artifact>,
    /// How the runs' compile phases got their module, each distinct state in the order the runs met
    /// it (`miss, hit` for a first compile), `none` for a cell that did not run.
    pub compile_cache: CompileCache,
    pub exit_code: Option<i32>,
    /// Runs measured; zero for a cell that did not run.
    pub n: u32,
    /// Least and greatest of the run phase and of wall time over the runs, for the spread.
    pub run_ms_range: [f64; 2],
    pub wall_ms_range: [f64; 2],
    /// Least and greatest compile phase: with the cache, a `miss, hit` cell's greatest is the cold
    /// compile and its least a load from the cache.
    #[serde(default)]
    pub compile_ms_range: [f64; 2],
    /// Wall time of the first run, and the median of the others (`null` with one run): for a
    /// container column the first run of a cell that is the first to use its image is the image's
    /// first run (the matrix starts with none of its images in the engine).
    #[serde(default)]
    pub cold_wall_ms: Option<f64>,
    #[serde(default)]
    pub warm_wall_ms: Option<f64>,
    /// For container columns: the size of the image the cell ran, as the engine reports it.
    #[serde(default)]
    pub image_bytes: Option<u64>,
    /// The case's deadline: what a timed-out run took at least.
    #[serde(default)]
    pub deadline_ms: u64,
    /// Median, mean, standard deviation, range and 95% interval of each timing over the `n` runs
    /// (`null` for a cell that did not run): the run, compile and instantiate phases and wall time.
    #[serde(default)]
    pub run_ms_stats: Option<Stats>,
    #[serde(default)]
    pub wall_ms_stats: Option<Stats>,
    #[serde(default)]
    pub compile_ms_stats: Option<Stats>,
    #[serde(default)]
    pub instantiate_ms_stats: Option<Stats>,
    /// The same for the wall time of the runs after the first (`warm_wall_ms` is its median):
    /// `null` with one run.
    #[serde(default)]
    pub warm_wall_ms_stats: Option<Stats>,
    /// For container columns: attempts whose container the engine's stack failed to create before
    /// anything of the module ran, and that were made again, summed over the runs. Only one such
    /// failure is known: libcontainer 0.6's race when Docker puts a hook in the spec. Left out of
    /// the figures, published here; absent when zero.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub setup_retries: u32,
    /// For HTTP cells: from starting the server (`harness serve` on a free port) to its address
    /// line, every worker having loaded its module; the cell's runs are then its requests, the
    /// first (`cold_wall_ms`) to a worker that had served nothing yet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_ready_ms: Option<f64>,
    /// For HTTP cells with a load run: requests per second and latency percentiles under load,
    /// after the cell's own requests, against the same server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_load: Option<crate::load::LoadFigures>,
    /// The first run's whole stdout and stderr: kept by `harness run`, where they are the answer;
    /// the matrix keeps a failing run's diff in `reason` instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<Output>,
    /// In a report merged from several machines (`cargo xtask report A.json B.json`), the label of
    /// the host the cell ran on ([`MergedRun::label`]); empty in the results of one run.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub host: String,
}

/// A run's own output, as the guest wrote it (bytes that are not UTF-8 replaced by U+FFFD).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Output {
    pub stdout: String,
    pub stderr: String,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl Cell {
    /// A cell that has not run yet: skipped, with no reason, until something says otherwise.
    pub fn new(
        runtime: &str,
        row: [&str; 3],
        expected: Outcome,
        bench: bool,
        deadline_ms: u64,
    ) -> Cell {
        let [language, sample, case] = row;
        Cell {
            runtime: runtime.to_owned(),
            language: language.to_owned(),
            sample: sample.to_owned(),
            case: case.to_owned(),
            outcome: Outcome::Skipped,
            reason: String::new(),
            expected,
            as_expected: false,
            bench,
            phases_ms: Phases::default(),
            wall_ms: 0.0,
            peak_rss_kib: 0,
            module_bytes: 0,
            module_sha256: None,
            artifact: None,
            compile_cache: CompileCache::default(),
            exit_code: None,
            n: 0,
            run_ms_range: [0.0; 2],
            wall_ms_range: [0.0; 2],
            cold_wall_ms: None,
            warm_wall_ms: None,
            image_bytes: None,
            compile_ms_range: [0.0; 2],
            deadline_ms,
            run_ms_stats: None,
            wall_ms_stats: None,
            compile_ms_stats: None,
            instantiate_ms_stats: None,
            warm_wall_ms_stats: None,
            server_ready_ms: None,
            http_load: None,
            setup_retries: 0,
            output: None,
            host: String::new(),
        }
    }

    /// `language/sample/case`, the row this cell belongs to.
    pub fn row(&self) -> String {
        format!("{}/{}/{}", self.language, self.sample, self.case)
    }

    /// The column this cell belongs to: its runtime, and in a merged report the host too.
    pub fn column(&self) -> String {
        column_label(&self.runtime, &self.host)
    }

    /// Whether the cell belongs to `column` ([`Cell::column`]), without building the label.
    pub fn is_in(&self, column: &str) -> bool {
        if self.host.is_empty() {
            self.runtime == column
        } else {
            column
                .strip_prefix(self.runtime.as_str())
                .and_then(|rest| rest.strip_prefix(" @ "))
                == Some(self.host.as_str())
        }
    }
}

/// A column's label: `runtime`, or `runtime @ host` in a report merged from several hosts.
pub fn column_label(runtime: &str, host: &str) -> String {
    if host.is_empty() {
        runtime.to_owned()
    } else {
        format!("{runtime} @ {host}")
    }
}

impl Results {
    /// The results of a run, with the comparisons the cells support.
    pub fn new(meta: Meta, cells: Vec<Cell>) -> Results {
        let ratios = compare::ratios(&cells);
        let efficiency = compare::efficiency(&ratios);
        let interruption_cost = compare::interruption_cost(&cells);
        Results {
            meta,
            cells,
            ratios,
            efficiency,
            interruption_cost,
            merged: Vec::new(),
        }
    }

    /// Row keys in first-seen order and columns ([`Cell::column`]) in first-seen order.
    pub fn grid(&self) -> (Vec<String>, Vec<String>) {
        let mut rows: Vec<String> = Vec::new();
        let mut cols: Vec<String> = Vec::new();
        let mut seen_rows = std::collections::HashSet::new();
        for cell in &self.cells {
            let row = cell.row();
            if seen_rows.insert(row.clone()) {
                rows.push(row);
            }
            let column = cell.column();
            if !cols.contains(&column) {
                cols.push(column);
            }
        }
        (rows, cols)
    }

    /// The cell of `row` in `column` (a runtime, or `runtime @ host` in a merged report).
    pub fn cell(&self, row: &str, column: &str) -> Option<&Cell> {
        // Compared part by part: the pages look cells up by the thousand.
        let mut parts = row.splitn(3, '/');
        let (language, sample, case) = (parts.next()?, parts.next()?, parts.next()?);
        self.cells.iter().find(|c| {
            c.language == language && c.sample == sample && c.case == case && c.is_in(column)
        })
    }

    /// The host labels of a merged report in order, or one empty label for the results of one run.
    pub fn hosts(&self) -> Vec<String> {
        if self.merged.is_empty() {
            return vec![String::new()];
        }
        self.merged.iter().map(|m| m.label.clone()).collect()
    }

    /// The results of one host of a merged report, as that run's own results (`""` on the results
    /// of one run gives them back whole).
    pub fn for_host(&self, host: &str) -> Results {
        if self.merged.is_empty() {
            return self.clone();
        }
        let meta = self
            .merged
            .iter()
            .find(|m| m.label == host)
            .map_or_else(|| self.meta.clone(), |m| m.meta.clone());
        let cells = self
            .cells
            .iter()
            .filter(|c| c.host == host)
            .cloned()
            .map(|mut c| {
                c.host.clear();
                c
            })
            .collect();
        Results::new(meta, cells)
    }

    /// How many cells have each outcome, and how many are not as expected.
    pub fn tally(&self) -> (BTreeMap<Outcome, usize>, usize) {
        let mut counts = BTreeMap::new();
        for cell in &self.cells {
            *counts.entry(cell.outcome).or_insert(0) += 1;
        }
        (counts, self.cells.iter().filter(|c| !c.as_expected).count())
    }
}

/// The short text of a cell in a table: a mark (as expected or not), the outcome, a figure or reason.
pub fn cell_text(cell: &Cell, reason_chars: usize) -> String {
    let mark = if cell.as_expected { "✓" } else { "✗" };
    match cell.outcome {
        crate::Outcome::Pass => format!("{mark} pass {}", format_ms(cell.phases_ms.run)),
        outcome if cell.as_expected => format!("{mark} {outcome}"),
        outcome => {
            let reason = crate::util::shorten(&cell.reason, reason_chars);
            if reason.is_empty() {
                format!("{mark} {outcome}")
            } else {
                format!("{mark} {outcome}: {reason}")
            }
        }
    }
}

/// A timing with its uncertainty, compactly: `415 ms ±1.2%` (the 95% interval's half-width relative to
/// the median), `⚠` after a noisy one, `(n=1)` where one run gives no interval.
pub fn format_stats(stats: &Stats) -> String {
    let median = format_ms(stats.median);
    match (stats.ci95, stats.rel_half_width) {
        (None, _) => format!("{median} (n=1)"),
        (Some(_), Some(rel)) => {
            let pct = rel * 100.0;
            // Two significant digits at least, and no false precision on a very wide interval.
            let pct = if pct < 1.0 {
                format!("{pct:.2}")
            } else if pct < 100.0 {
                format!("{pct:.1}")
            } else {
                format!("{pct:.0}")
            };
            format!("{median} ±{pct}%{}", noisy_mark(stats.noisy))
        }
        // A zero median: the absolute half-width is all there is to say, if there is any.
        (Some([lo, hi]), None) if hi <= lo => median,
        (Some([lo, hi]), None) => format!(
            "{median} ±{}{}",
            format_ms((hi - lo) / 2.0),
            noisy_mark(stats.noisy)
        ),
    }
}

/// The mark after a figure whose interval is wider than the noise threshold allows.
pub const NOISY_MARK: &str = "⚠";

fn noisy_mark(noisy: bool) -> String {
    if noisy {
        format!(" {NOISY_MARK}")
    } else {
        String::new()
    }
}

/// The first line of a reason, trimmed: what a one-line summary of it shows.
pub fn first_line(reason: &str) -> &str {
    reason.lines().next().unwrap_or("").trim()
}

/// Text made safe for a Markdown table cell.
pub fn escape_cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// A ratio as `1.43×`.
pub fn format_ratio(ratio: f64) -> String {
    if ratio >= 100.0 {
        format!("{ratio:.0}×")
    } else if ratio >= 10.0 {
        format!("{ratio:.1}×")
    } else {
        format!("{ratio:.2}×")
    }
}

/// Milliseconds with as many digits as are meaningful.
pub fn format_ms(ms: f64) -> String {
    if ms >= 1000.0 {
        format!("{:.2} s", ms / 1000.0)
    } else if ms >= 10.0 {
        format!("{ms:.0} ms")
    } else {
        format!("{ms:.1} ms")
    }
}

/// Hand-made results for the tests of each output: cells built from the run phases of their runs.
#[cfg(test)]
pub(crate) mod fixture {
    use super::*;
    use crate::runtime::configuration;

    /// A cell of `runtime` for `language/sample/case` with one run per figure in `runs` (run phase,
    /// milliseconds; wall time 10 ms more), or none when it was skipped.
    pub fn cell(runtime: &str, row: &str, outcome: Outcome, runs: &[f64]) -> Cell {
        let mut parts = row.split('/');
        let (language, sample, case) = (
            parts.next().unwrap(),
            parts.next().unwrap(),
            parts.next().unwrap(),
        );
        let run = Stats::of(runs);
        let walls: Vec<f64> = runs.iter().map(|r| r + 10.0).collect();
        let wall = Stats::of(&walls);
        let zeros = Stats::of(&vec![0.0; runs.len()]);
        let median = |s: &Option<Stats>| s.map_or(0.0, |s| s.median);
        let range = |s: &Option<Stats>| s.map_or([0.0; 2], |s| [s.min, s.max]);
        Cell {
            runtime: runtime.into(),
            language: language.into(),
            sample: sample.into(),
            case: case.into(),
            outcome,
            reason: if outcome == Outcome::Pass {
                String::new()
            } else {
                format!("{outcome} for the test")
            },
            expected: Outcome::Pass,
            as_expected: outcome == Outcome::Pass,
            bench: case == "bench",
            phases_ms: Phases {
                compile: 0.0,
                instantiate: 0.0,
                run: median(&run),
            },
            wall_ms: median(&wall),
            peak_rss_kib: 4096,
            module_bytes: 2048,
            module_sha256: None,
            artifact: None,
            compile_cache: CompileCache::of(runs.iter().map(|_| CacheState::Hit)),
            exit_code: (outcome == Outcome::Pass).then_some(0),
            n: runs.len() as u32,
            run_ms_range: range(&run),
            wall_ms_range: range(&wall),
            compile_ms_range: [0.0; 2],
            cold_wall_ms: walls.first().copied(),
            warm_wall_ms: walls.get(1..).and_then(Stats::of).map(|s| s.median),
            image_bytes: None,
            deadline_ms: 120_000,
            run_ms_stats: run,
            wall_ms_stats: wall,
            compile_ms_stats: zeros,
            instantiate_ms_stats: zeros,
            warm_wall_ms_stats: walls.get(1..).and_then(Stats::of),
            server_ready_ms: None,
            http_load: None,
            setup_retries: 0,
            output: None,
            host: String::new(),
        }
    }

    /// `results()` and the HTTP cells of a handler sample: served on two columns (one with a
    /// failing case), unsupported on a tool column, and a load run on each serving column.
    pub fn http_results() -> Results {
        let mut results = results();
        for (runtime, sample, base) in [
            ("wasmtime", "wagi", 0.5),
            ("wasmer", "wagi", 0.7),
            ("wasmtime-component", "wasi-http", 0.4),
        ] {
            for case in ["get", "post", "load"] {
                let outcome = if runtime == "wasmer" && case == "post" {
                    Outcome::Fail
                } else {
                    Outcome::Pass
                };
                let runs: Vec<f64> = if case == "load" {
                    vec![base * 4.0, base, base * 1.2, base * 0.9, base]
                } else {
                    vec![base * 4.0, base]
                };
                let mut c = cell(runtime, &format!("rust/{sample}/{case}"), outcome, &runs);
                c.bench = case == "load";
                c.server_ready_ms = Some(base * 100.0);
                if case == "load" {
                    c.http_load = Some(crate::load::LoadFigures {
                        connections: 2,
                        requests: 1000,
                        errors: 0,
                        first_error: String::new(),
                        seconds: 1000.0 / (2000.0 / base),
                        rps: 2000.0 / base,
                        p50_ms: base,
                        p90_ms: base * 1.5,
                        p99_ms: base * 3.0,
                        max_ms: base * 10.0,
                    });
                }
                results.cells.push(c);
            }
        }
        let mut tool = cell("wasmtime-cli", "rust/wagi/get", Outcome::Unsupported, &[]);
        tool.reason = "serving HTTP: `wasmtime-cli` starts a process per run".into();
        results.cells.push(tool);
        results
    }

    /// `harness run` of one module on three columns: two agree on what it printed, one is skipped.
    pub fn run_results() -> Results {
        let mut cells = vec![
            cell("wasmtime", "run/hello.wasm/run", Outcome::Pass, &[0.5]),
            cell("wasmer", "run/hello.wasm/run", Outcome::Pass, &[0.7]),
            cell("wasmedge", "run/hello.wasm/run", Outcome::Skipped, &[]),
        ];
        for cell in &mut cells[..2] {
            cell.output = Some(Output {
                stdout: "Hello, world!\n".into(),
                stderr: String::new(),
            });
        }
        cells[2].reason = "harness-wasmedge-worker is not built".into();
        let mut results = results();
        results.cells = cells;
        results
    }

    /// `results()` and what the summary, the claims and the report draw on besides: hello on every
    /// way of running it, the sleeper natively too, the WASI sample's sandbox probes and a cell
    /// whose module the engine could not run.
    pub fn report_results() -> Results {
        use Outcome::{Fail, Pass, Skipped, Unsupported};
        let mut results = results();
        let hello = "rust/hello/default";
        let sleeper = "rust/wasm-docker/default";
        let mut add = |runtime: &str, row: &str, outcome: Outcome, runs: &[f64]| {
            let mut c = cell(runtime, row, outcome, runs);
            if !row.starts_with("native") && runtime != "native" && runtime != "docker-runc" {
                c.module_bytes = if row.starts_with("kotlin") {
                    600_000
                } else {
                    80_000
                };
                c.module_sha256 = Some(format!("{:064x}", row.len()));
            } else {
                c.module_bytes = 1_400_000;
            }
            if runtime.starts_with("docker") || runtime.starts_with("containerd") {
                c.image_bytes = Some(c.module_bytes + 2_000);
            }
            results.cells.push(c);
        };
        for (runtime, startup) in [
            ("wasmtime", 8.0),
            ("wasmer", 11.0),
            ("containerd-wasmtime", 150.0),
            ("docker-wasmtime", 400.0),
            ("docker-runc", 420.0),
        ] {
            let runs = [
                startup * 3.0,
                startup,
                startup * 1.02,
                startup * 0.98,
                startup,
            ];
            add(runtime, hello, Pass, &runs);
            let sleeping: Vec<f64> = runs.iter().map(|r| r + 1000.0).collect();
            add(runtime, sleeper, Pass, &sleeping);
        }
        add(
            "native",
            sleeper,
            Pass,
            &[1001.0, 1000.5, 1000.6, 1000.4, 1000.5],
        );
        for runtime in [
            "wasmtime",
            "wasmer",
            "containerd-wasmtime",
            "docker-wasmtime",
        ] {
            for probe in ["sandbox-host-path", "sandbox-dotdot", "sandbox-env"] {
                add(runtime, &format!("rust/wasi/{probe}"), Pass, &[2.0]);
            }
            let kotlin = if runtime == "wasmtime" {
                Pass
            } else {
                Unsupported
            };
            add(runtime, "kotlin/hello/default", kotlin, &[3.0]);
        }
        add("wasmer", "rust/wasi/readdir", Fail, &[2.0]);
        add("docker-runc", "kotlin/hello/default", Skipped, &[]);
        for probe in ["sandbox-host-path", "sandbox-dotdot", "sandbox-env"] {
            add("docker-runc", &format!("rust/wasi/{probe}"), Pass, &[2.0]);
        }
        add("native", "rust/wasi/sandbox-host-path", Fail, &[1.0]);
        add("native", "rust/wasi/sandbox-env", Fail, &[1.0]);
        for cell in results.cells.iter_mut() {
            if cell.outcome == Unsupported {
                cell.reason = "needs the gc proposal, which this column cannot enable".into();
            }
            if cell.outcome == Fail {
                cell.reason = match (cell.runtime.as_str(), cell.case.as_str()) {
                    ("native", "sandbox-env") => "stdout line 1: expected \"env \
                        WASM_HARNESS_HOST_SECRET: denied\\n\", got \"env WASM_HARNESS_HOST_SECRET: \
                        ALLOWED (if-a-guest-prints-this-the-sandbox-leaked)\\n\""
                        .into(),
                    ("native", _) => {
                        "stdout line 1: expected \"open /etc/passwd: denied\\n\", got \
                        \"open /etc/passwd: ALLOWED (1234 bytes read)\\n\""
                            .into()
                    }
                    _ => "stdout differs:\n-a\n+b".into(),
                };
            }
        }
        // A compiler tier: Winch compiles rust n-body 4× faster than wasmtime's Cranelift and runs
        // it 2× slower (both compiled from the bytes on their first run).
        let compiled = |cell: &mut Cell, compile: f64| {
            cell.compile_cache =
                CompileCache(vec![CacheState::Miss, CacheState::Hit, CacheState::Hit]);
            cell.compile_ms_range = [1.0, compile];
        };
        if let Some(base) = results
            .cells
            .iter_mut()
            .find(|c| c.runtime == "wasmtime" && c.sample == "nbody" && c.case == "bench")
        {
            compiled(base, 40.0);
        }
        let mut winch = cell(
            "wasmtime-winch",
            "rust/nbody/bench",
            Pass,
            &[198.0, 200.0, 202.0],
        );
        compiled(&mut winch, 10.0);
        results.cells.push(winch);
        let meta = results.meta.clone();
        Results::new(meta, results.cells)
    }

    /// Three kernels with native baselines (rust n-body, rust SHA-256, C n-body), one without (Kotlin),
    /// on `wasmtime`, `wasmer` and `wasmtime-epoch`:
    ///
    /// - wasmtime takes 1×, 2× and 4× native: geometric mean 2;
    /// - wasmer 1.5× on n-body (a noisy figure), times out on SHA-256, is skipped on C;
    /// - wasmtime-epoch takes 1.1× and 1.2× wasmtime's time and times out on C's n-body, whose
    ///   wasmtime run took 200 ms: a lower bound of 120 s / 200 ms = 600×.
    pub fn results() -> Results {
        use Outcome::{Pass, Skipped, Timeout};
        let cells = vec![
            cell("wasmtime", "rust/nbody/small", Pass, &[1.0, 1.0, 1.0]),
            cell("wasmtime", "rust/nbody/bench", Pass, &[99.0, 100.0, 101.0]),
            cell(
                "wasmtime",
                "rust/sha256/bench",
                Pass,
                &[400.0, 400.0, 400.0],
            ),
            cell("wasmtime", "c/nbody/bench", Pass, &[200.0, 200.0, 200.0]),
            cell(
                "wasmtime",
                "kotlin/nbody/bench",
                Pass,
                &[900.0, 900.0, 900.0],
            ),
            cell("wasmer", "rust/nbody/small", Pass, &[1.0, 1.0, 1.0]),
            cell("wasmer", "rust/nbody/bench", Pass, &[120.0, 150.0, 180.0]),
            cell("wasmer", "rust/sha256/bench", Timeout, &[120_000.0]),
            cell("wasmer", "c/nbody/bench", Skipped, &[]),
            cell("wasmer", "kotlin/nbody/bench", Skipped, &[]),
            cell("wasmtime-epoch", "rust/nbody/small", Skipped, &[]),
            cell(
                "wasmtime-epoch",
                "rust/nbody/bench",
                Pass,
                &[110.0, 110.0, 110.0],
            ),
            cell(
                "wasmtime-epoch",
                "rust/sha256/bench",
                Pass,
                &[480.0, 480.0, 480.0],
            ),
            cell("wasmtime-epoch", "c/nbody/bench", Timeout, &[0.0]),
            cell(
                "wasmtime-epoch",
                "kotlin/nbody/bench",
                Pass,
                &[990.0, 990.0, 990.0],
            ),
            cell("native", "rust/nbody/bench", Pass, &[100.0, 100.0, 100.0]),
            cell("native", "rust/sha256/bench", Pass, &[200.0, 200.0, 200.0]),
            cell("native", "c/nbody/bench", Pass, &[50.0, 50.0, 50.0]),
            cell(
                "docker-runc",
                "rust/nbody/bench",
                Pass,
                &[130.0, 130.0, 130.0],
            ),
        ];
        let columns = [
            "wasmtime",
            "wasmer",
            "wasmtime-epoch",
            "native",
            "docker-runc",
        ];
        let meta = Meta {
            date: "2026-01-01T00:00:00Z".into(),
            host: Host {
                cpu: "Test CPU".into(),
                cores: 2,
                os: "Test OS".into(),
                kernel: "6.0".into(),
                arch: "x86_64".into(),
            },
            git_commit: "0123456789ab".into(),
            harness_build: HarnessBuild {
                profile: "release".into(),
                opt_level: "3".into(),
            },
            runtimes: columns
                .iter()
                .map(|c| (c.to_string(), format!("{c} 1.0")))
                .collect(),
            toolchains: [("rust".to_owned(), "rustc 1.95".to_owned())].into(),
            repeat: 3,
            problems: Vec::new(),
            noise_threshold: NOISE_THRESHOLD,
            interval_method: crate::stats::INTERVAL_METHOD.into(),
            clock: Some(Clock {
                source: "std::time::Instant (CLOCK_MONOTONIC)".into(),
                kernel_clocksource: Some("tsc".into()),
                resolution_ns: Some(1),
                overhead_ns: 21.0,
                samples: 1000,
            }),
            columns: columns
                .iter()
                .map(|c| (c.to_string(), configuration(c).unwrap()))
                .collect(),
            native_builds: [(
                "rust".to_owned(),
                "-C opt-level=3 -C target-cpu=x86-64 -C target-feature=+crt-static".to_owned(),
            )]
            .into(),
            sittings: Vec::new(),
        };
        Results::new(meta, cells)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_with_their_intervals() {
        // 99, 100, 101: s = 1, half-width 4.3027 / √3 = 2.484 ms, 2.48% of 100 ms.
        let stats = Stats::of(&[99.0, 100.0, 101.0]).unwrap();
        assert_eq!(format_stats(&stats), "100 ms ±2.5%");
        let stats = Stats::of(&[400.0, 398.0, 402.0, 399.0, 401.0]).unwrap();
        assert_eq!(format_stats(&stats), "400 ms ±0.49%");
        let noisy = Stats::of(&[120.0, 150.0, 180.0]).unwrap();
        assert_eq!(format_stats(&noisy), "150 ms ±49.7% ⚠");
        // 100, 200: half-width 12.7062 · 70.71 / √2 = 635.3, 423.5% of the median 150.
        let wide = Stats::of(&[100.0, 200.0]).unwrap();
        assert_eq!(format_stats(&wide), "150 ms ±424% ⚠");
        assert_eq!(format_stats(&Stats::of(&[1234.0]).unwrap()), "1.23 s (n=1)");
        assert_eq!(format_stats(&Stats::of(&[0.0, 0.0]).unwrap()), "0.0 ms");
        assert_eq!(format_ratio(1.0), "1.00×");
        assert_eq!(format_ratio(42.42), "42.4×");
        assert_eq!(format_ratio(600.0), "600×");
    }
}
