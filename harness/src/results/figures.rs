//! The figures the summary, the claims and the HTML report share, drawn from the cells once: the
//! compatibility grid, the kernels against native per language, start-up by way of running, sizes,
//! compiling against loading from the cache, the compiler tiers' trade, and components against the
//! modules they were made from.

use std::collections::BTreeMap;

use super::{Cell, Results};
use crate::Outcome;
use crate::runtime::cache::CacheState;
use crate::runtime::registry::{self, Way};
use crate::stats::{self, Stats};

/// The samples whose cases the compatibility grid counts: what a program of the language can do,
/// not how fast.
pub const COMPAT_SAMPLES: &[&str] = &["hello", "wasi"];

/// The program whose start-up the summary and the claims compare, and the one that sleeps a second
/// and runs on every way including the native process.
pub const HELLO: &str = "rust/hello/default";
pub const SLEEPER: &str = "rust/wasm-docker/default";
/// How long `SLEEPER` sleeps: what its start-to-exit is over.
pub const SLEEP_MS: f64 = 1000.0;

/// How a language fared on a column, in one word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    All,
    Partial,
    None,
    Unsupported,
    Skipped,
}

impl Mark {
    pub fn as_str(self) -> &'static str {
        match self {
            Mark::All => "all",
            Mark::Partial => "partial",
            Mark::None => "none",
            Mark::Unsupported => "unsupported",
            Mark::Skipped => "skipped",
        }
    }
}

/// One language on one column of the compatibility grid.
#[derive(Debug, Clone)]
pub struct Compat<'a> {
    pub pass: usize,
    pub total: usize,
    pub mark: Mark,
    /// The cells that did not pass.
    pub others: Vec<&'a Cell>,
}

/// The compatibility grid: languages (rows) and columns in the order the results have them, and an
/// entry for each pair with cells of [`COMPAT_SAMPLES`].
pub struct Grid<'a> {
    pub languages: Vec<String>,
    pub columns: Vec<String>,
    pub entries: BTreeMap<(String, String), Compat<'a>>,
}

pub fn compat(results: &Results) -> Grid<'_> {
    let mut languages: Vec<String> = Vec::new();
    let mut columns: Vec<String> = Vec::new();
    let mut cells: BTreeMap<(String, String), Vec<&Cell>> = BTreeMap::new();
    for cell in results
        .cells
        .iter()
        .filter(|c| COMPAT_SAMPLES.contains(&c.sample.as_str()))
    {
        if !languages.contains(&cell.language) {
            languages.push(cell.language.clone());
        }
        let column = cell.column();
        if !columns.contains(&column) {
            columns.push(column.clone());
        }
        cells
            .entry((cell.language.clone(), column))
            .or_default()
            .push(cell);
    }
    let entries = cells
        .into_iter()
        .map(|(key, cells)| {
            let pass = cells.iter().filter(|c| c.outcome == Outcome::Pass).count();
            // A harness fault judged nothing of the runtime: it is not in the share.
            let total = cells
                .iter()
                .filter(|c| c.outcome != Outcome::HarnessFault)
                .count();
            let others: Vec<&Cell> = cells
                .into_iter()
                .filter(|c| c.outcome != Outcome::Pass)
                .collect();
            let all = |o: Outcome| !others.is_empty() && others.iter().all(|c| c.outcome == o);
            let not_run = |c: &&Cell| matches!(c.outcome, Outcome::Skipped | Outcome::HarnessFault);
            let mark = if pass == total && total > 0 {
                Mark::All
            } else if pass > 0 {
                Mark::Partial
            } else if !others.is_empty() && others.iter().all(not_run) {
                Mark::Skipped
            } else if all(Outcome::Unsupported) {
                Mark::Unsupported
            } else {
                Mark::None
            };
            (
                key,
                Compat {
                    pass,
                    total,
                    mark,
                    others,
                },
            )
        })
        .collect();
    Grid {
        languages,
        columns,
        entries,
    }
}

/// One column's kernels of one language against native: the geometric mean of the ratios that
/// passed, over how many of how many, and their range.
#[derive(Debug, Clone, PartialEq)]
pub struct LanguageRatio {
    pub geomean: Option<f64>,
    pub n: usize,
    pub of: usize,
    pub min: Option<f64>,
    pub max: Option<f64>,
}

/// Per column (as `results.ratios` name them) and language, the kernels against native.
pub fn ratios_by_language(results: &Results) -> BTreeMap<(String, String), LanguageRatio> {
    let mut values: BTreeMap<(String, String), (Vec<f64>, usize)> = BTreeMap::new();
    for r in &results.ratios {
        let entry = values
            .entry((r.runtime.clone(), r.language.clone()))
            .or_default();
        entry.1 += 1;
        if let Some(ratio) = r.ratio {
            entry.0.push(ratio);
        }
    }
    values
        .into_iter()
        .map(|(key, (v, of))| {
            let ratio = LanguageRatio {
                geomean: stats::geomean(&v),
                n: v.len(),
                of,
                min: v.iter().copied().reduce(f64::min),
                max: v.iter().copied().reduce(f64::max),
            };
            (key, ratio)
        })
        .collect()
}

/// The languages that have ratios, in the order of the results' cells.
pub fn ratio_languages(results: &Results) -> Vec<String> {
    let mut languages: Vec<String> = Vec::new();
    for cell in &results.cells {
        if results.ratios.iter().any(|r| r.language == cell.language)
            && !languages.contains(&cell.language)
        {
            languages.push(cell.language.clone());
        }
    }
    languages
}

/// One way of running a program, on one column.
#[derive(Debug, Clone)]
pub struct Start<'a> {
    pub column: String,
    pub way: Way,
    pub cell: &'a Cell,
}

impl Start<'_> {
    /// Start to exit of the warm runs (all runs after the first), or of the one run.
    pub fn warm(&self) -> Option<Stats> {
        self.cell
            .warm_wall_ms_stats
            .or(self.cell.wall_ms_stats)
            .filter(|_| self.cell.outcome == Outcome::Pass)
    }
}

/// The cells of `row` on every column that ran it, by way of running, then in the results' order.
/// Columns that price a mechanism are left out: they are not a way of running.
pub fn starts<'a>(results: &'a Results, row: &str) -> Vec<Start<'a>> {
    let mut out: Vec<Start> = results
        .cells
        .iter()
        .filter(|c| c.row() == row && c.n > 0)
        .filter_map(|cell| {
            let column = registry::get(&cell.runtime)?;
            if column.prices.is_some() {
                return None;
            }
            Some(Start {
                column: cell.column(),
                way: column.way(),
                cell,
            })
        })
        .collect();
    out.sort_by_key(|s| s.way);
    out
}

/// The fastest passing start of each way, by median: what a user of that way gets at best.
pub fn best_by_way<'a>(starts: &'a [Start<'a>]) -> Vec<(&'a Start<'a>, Stats)> {
    let mut best: Vec<(&Start, Stats)> = Vec::new();
    for start in starts {
        let Some(stats) = start.warm() else { continue };
        match best.iter_mut().find(|(s, _)| s.way == start.way) {
            Some(entry) if stats.median < entry.1.median => *entry = (start, stats),
            Some(_) => {}
            None => best.push((start, stats)),
        }
    }
    best
}

/// A language's sizes: its hello module, its kernel modules, its native binaries, images.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sizes {
    pub language: String,
    pub hello_module: Option<u64>,
    /// Least and greatest of the language's kernel modules.
    pub kernel_modules: Option<[u64; 2]>,
    /// Least and greatest of its native binaries (static, where the recipe links so).
    pub native_binaries: Option<[u64; 2]>,
    /// Hello as a Wasm OCI image, and as a native (`FROM scratch`) one, where the run made them.
    pub hello_wasm_image: Option<u64>,
    pub hello_native_image: Option<u64>,
    /// Hello's native binary, where the run had one (the `docker-runc` column's).
    pub hello_native_binary: Option<u64>,
}

fn widen(range: &mut Option<[u64; 2]>, value: u64) {
    if value == 0 {
        return;
    }
    *range = Some(match *range {
        None => [value, value],
        Some([lo, hi]) => [lo.min(value), hi.max(value)],
    });
}

pub fn sizes(results: &Results) -> Vec<Sizes> {
    let mut out: Vec<Sizes> = Vec::new();
    for cell in &results.cells {
        if cell.language == "wat" {
            continue;
        }
        let i = match out.iter().position(|s| s.language == cell.language) {
            Some(i) => i,
            None => {
                out.push(Sizes {
                    language: cell.language.clone(),
                    ..Sizes::default()
                });
                out.len() - 1
            }
        };
        let sizes = &mut out[i];
        let column = registry::get(&cell.runtime);
        let native = column.is_some_and(|c| c.runs_native_code());
        let kernel = crate::native::KERNELS.contains(&cell.sample.as_str());
        match (native, cell.sample.as_str()) {
            (false, "hello") if cell.module_bytes > 0 => {
                sizes.hello_module = Some(cell.module_bytes);
                if let Some(image) = cell
                    .image_bytes
                    .filter(|_| column.is_some_and(|c| c.is_container()))
                {
                    sizes.hello_wasm_image = Some(image);
                }
            }
            (true, "hello") if cell.n > 0 => {
                if cell.module_bytes > 0 {
                    sizes.hello_native_binary = Some(cell.module_bytes);
                }
                if let Some(image) = cell.image_bytes {
                    sizes.hello_native_image = Some(image);
                }
            }
            (false, _) if kernel => widen(&mut sizes.kernel_modules, cell.module_bytes),
            (true, _) if kernel && cell.n > 0 => {
                widen(&mut sizes.native_binaries, cell.module_bytes)
            }
            _ => {}
        }
    }
    out
}

/// One column's compiles: how long a cold compile of a module took against loading the compiled
/// code from the cache, medians over the modules that show both.
#[derive(Debug, Clone, PartialEq)]
pub struct CompileLoad {
    pub column: String,
    pub compile_ms: f64,
    pub load_ms: f64,
    /// Modules with both figures.
    pub n: usize,
}

/// Per column with a compile cache: per module, the greatest compile phase of a cell that met a
/// miss (the cold compile) and the median compile phase of its cells that met only hits.
pub fn compile_load(results: &Results) -> Vec<CompileLoad> {
    /// Per module (language, sample): its cold compile, and its loads from the cache.
    type Modules = BTreeMap<(String, String), (Option<f64>, Vec<f64>)>;
    let mut per: BTreeMap<String, Modules> = BTreeMap::new();
    let mut order: Vec<String> = Vec::new();
    for cell in results.cells.iter().filter(|c| c.n > 0) {
        let states = &cell.compile_cache.0;
        let miss = states.contains(&CacheState::Miss);
        let hit_only = states == &[CacheState::Hit];
        if !miss && !hit_only {
            continue;
        }
        let column = cell.column();
        if !order.contains(&column) {
            order.push(column.clone());
        }
        let entry = per
            .entry(column)
            .or_default()
            .entry((cell.language.clone(), cell.sample.clone()))
            .or_default();
        if miss {
            let cold = cell.compile_ms_range[1];
            entry.0 = Some(entry.0.map_or(cold, |c: f64| c.max(cold)));
        }
        if hit_only {
            entry.1.push(cell.phases_ms.compile);
        }
        if states.len() == 2 && miss {
            // `miss, hit`: the least compile phase is a load from the cache.
            entry.1.push(cell.compile_ms_range[0]);
        }
    }
    order
        .into_iter()
        .filter_map(|column| {
            let modules = &per[&column];
            let both: Vec<(f64, f64)> = modules
                .values()
                .filter_map(|(cold, loads)| {
                    Some((
                        *cold.as_ref()?,
                        (!loads.is_empty()).then(|| stats::median(loads))?,
                    ))
                })
                .collect();
            if both.is_empty() {
                return None;
            }
            let compiles: Vec<f64> = both.iter().map(|b| b.0).collect();
            let loads: Vec<f64> = both.iter().map(|b| b.1).collect();
            Some(CompileLoad {
                column,
                compile_ms: stats::median(&compiles),
                load_ms: stats::median(&loads),
                n: both.len(),
            })
        })
        .collect()
}

/// A geometric mean with its range and how many values it is over.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spread {
    pub geomean: f64,
    pub min: f64,
    pub max: f64,
    pub n: usize,
}

impl Spread {
    fn of(values: &[f64]) -> Option<Spread> {
        Some(Spread {
            geomean: stats::geomean(values)?,
            min: values.iter().copied().reduce(f64::min)?,
            max: values.iter().copied().reduce(f64::max)?,
            n: values.len(),
        })
    }
}

/// Which cases a tier's run phases were compared on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TierCases {
    /// The benchmark-sized kernels.
    Kernels,
    /// An interpreter's: the small cases whose run phase on the base is at least [`TIER_MIN_RUN_MS`].
    Small,
}

/// The least run phase on the base column for a small case to count in an interpreter's ratio:
/// below it, start-up inside the run phase and timer noise are a large part of the figure.
pub const TIER_MIN_RUN_MS: f64 = 10.0;

/// A compiler tier against its engine's Cranelift column, both from the same run: the tier's cold
/// compile over the base's, per module, and the tier's run phase over the base's, per case.
#[derive(Debug, Clone, PartialEq)]
pub struct TierTrade {
    pub column: String,
    pub base: &'static str,
    pub compile: Option<Spread>,
    pub run: Option<Spread>,
    pub cases: TierCases,
}

/// Per embedded column at another tier than its engine's Cranelift column (the registry says which
/// those are), in the results' column order, with figures from the cells both columns passed.
/// Compiles are those of cells that compiled from the bytes (a cache miss, or no cache), the median
/// per module; loads from the cache are not compiles and are left out. The base's compile of a
/// module is counted from whichever column compiled it into the cache they share: the embedded
/// column, or a container whose shim runs the same backend. An interpreter's run phases are
/// compared on the small cases of the kernels (samples with a benchmark-sized case), not on
/// programs that mostly start, sleep or do I/O.
pub fn tiers(results: &Results) -> Vec<TierTrade> {
    use registry::{Engine, Kind, Tier};
    // The embedded column of an engine at a tier, not a priced variant.
    let embedded = |engine: Engine, tier: Tier| {
        registry::COLUMNS
            .iter()
            .find(|c| {
                c.engine == engine
                    && c.tier == tier
                    && c.kind == Kind::Embedded
                    && c.prices.is_none()
            })
            .map(|c| c.name)
    };
    let base_of = |runtime: &str| -> Option<&'static str> {
        let column = registry::get(runtime)?;
        if column.kind != Kind::Embedded
            || column.prices.is_some()
            || column.tier == Tier::Cranelift
        {
            return None;
        }
        embedded(column.engine, Tier::Cranelift)
    };
    // The column whose cache a cell's compile went into: a container's is its engine's embedded one.
    let compiled_for = |runtime: &str| -> Option<&'static str> {
        let column = registry::get(runtime)?;
        match column.kind {
            Kind::Embedded if column.prices.is_none() => Some(column.name),
            Kind::Container(_) if !column.runs_native_code() => {
                embedded(column.engine, column.tier)
            }
            _ => None,
        }
    };
    // Only single-host results: a tier and its base are compared on one machine.
    let cells: Vec<&Cell> = results
        .cells
        .iter()
        .filter(|c| c.host.is_empty() && c.outcome == Outcome::Pass && c.n > 0)
        .collect();
    let kernels: std::collections::BTreeSet<(&str, &str)> = results
        .cells
        .iter()
        .filter(|c| c.bench)
        .map(|c| (c.language.as_str(), c.sample.as_str()))
        .collect();
    let mut compiles: BTreeMap<(&str, &str, &str), Vec<f64>> = BTreeMap::new();
    let mut runs: BTreeMap<(&str, &str, &str, &str), (&Cell, f64)> = BTreeMap::new();
    for cell in &cells {
        let states = &cell.compile_cache.0;
        let compiled = states
            .iter()
            .any(|s| matches!(s, CacheState::Miss | CacheState::Cold));
        if let (true, Some(column)) = (compiled, compiled_for(&cell.runtime)) {
            // The greatest of a cell's compile phases is the one that compiled.
            compiles
                .entry((column, &cell.language, &cell.sample))
                .or_default()
                .push(cell.compile_ms_range[1]);
        }
        if let Some(run) = &cell.run_ms_stats {
            runs.insert(
                (&cell.runtime, &cell.language, &cell.sample, &cell.case),
                (cell, run.median),
            );
        }
    }
    let mut order: Vec<&str> = Vec::new();
    for cell in &results.cells {
        if base_of(&cell.runtime).is_some() && !order.contains(&cell.runtime.as_str()) {
            order.push(&cell.runtime);
        }
    }
    order
        .into_iter()
        .filter_map(|column| {
            let base = base_of(column)?;
            let compile: Vec<f64> = compiles
                .iter()
                .filter(|((c, ..), _)| *c == column)
                .filter_map(|((_, language, sample), tier)| {
                    let base = compiles.get(&(base, language, sample))?;
                    Some(stats::median(tier) / stats::median(base))
                })
                .collect();
            let pairs = |bench: bool| -> Vec<f64> {
                runs.iter()
                    .filter(|((c, ..), (cell, _))| *c == column && cell.bench == bench)
                    .filter_map(|((_, language, sample, case), (_, tier))| {
                        let (_, base) = runs.get(&(base, language, sample, case))?;
                        let counts = bench
                            || (*base >= TIER_MIN_RUN_MS
                                && kernels.contains(&(*language, *sample)));
                        counts.then(|| tier / base)
                    })
                    .collect()
            };
            let kernels = pairs(true);
            let (run, cases) = if kernels.is_empty() {
                (pairs(false), TierCases::Small)
            } else {
                (kernels, TierCases::Kernels)
            };
            Some(TierTrade {
                column: column.to_owned(),
                base,
                compile: Spread::of(&compile),
                run: Spread::of(&run),
                cases,
            })
        })
        .collect()
}

/// A language's components against its modules on one component host, from one run: the
/// component column against the module column of the same engine and tier (`wasmtime-component`
/// against `wasmtime`, `jco` against `node`), per sample both passed something of.
#[derive(Debug, Clone, PartialEq)]
pub struct ComponentTrade {
    pub column: String,
    pub base: &'static str,
    pub language: String,
    /// How the language's components were made (the most common, if they differ).
    pub artifact: Option<crate::manifest::Artifact>,
    /// Median sizes over the samples, bytes: module (of the samples the base passed) and
    /// component.
    pub module_bytes: u64,
    pub component_bytes: u64,
    /// Component over module, per sample.
    pub size: Option<Spread>,
    /// The component column's cold compile (a cache miss) over the module column's, per sample.
    pub compile: Option<Spread>,
    /// The median instantiation of the sample's passing cases, component over module, per sample.
    pub instantiate: Option<Spread>,
    /// Medians over the samples of the component column's cold compile and instantiation, ms.
    pub compile_ms: Option<f64>,
    pub instantiate_ms: Option<f64>,
}

/// Per component column (registry order) and language (first-seen order), with the figures of the
/// samples that passed on both columns. Compiles are cold compiles (a cache miss, or no cache):
/// the greatest compile phase of a cell that compiled, the median per sample; for `jco` that is
/// the transpilation and the core modules' compile.
pub fn components(results: &Results) -> Vec<ComponentTrade> {
    use registry::Kind;
    let base_of = |column: &registry::Column| -> Option<&'static str> {
        registry::COLUMNS
            .iter()
            .find(|c| {
                !c.runs_components()
                    && c.prices.is_none()
                    && matches!(c.kind, Kind::Embedded | Kind::ExternalWorker)
                    && (c.engine, c.tier) == (column.engine, column.tier)
            })
            .map(|c| c.name)
    };
    // The error corpus and its probes are no language.
    let cells: Vec<&Cell> = results
        .cells
        .iter()
        .filter(|c| c.host.is_empty() && c.outcome == Outcome::Pass && c.n > 0)
        .filter(|c| c.language != "wat")
        .collect();
    // Per (column, language, sample): sizes, cold compiles, instantiations, and the artifact.
    type Key<'a> = (&'a str, &'a str, &'a str);
    let mut bytes: BTreeMap<Key, u64> = BTreeMap::new();
    let mut compiles: BTreeMap<Key, Vec<f64>> = BTreeMap::new();
    let mut instantiates: BTreeMap<Key, Vec<f64>> = BTreeMap::new();
    let mut artifacts: BTreeMap<Key, crate::manifest::Artifact> = BTreeMap::new();
    for cell in &cells {
        let key = (
            cell.runtime.as_str(),
            cell.language.as_str(),
            cell.sample.as_str(),
        );
        bytes.insert(key, cell.module_bytes);
        if let Some(artifact) = cell.artifact {
            artifacts.insert(key, artifact);
        }
        let compiled = cell
            .compile_cache
            .0
            .iter()
            .any(|s| matches!(s, CacheState::Miss | CacheState::Cold));
        if compiled {
            compiles
                .entry(key)
                .or_default()
                .push(cell.compile_ms_range[1]);
        }
        instantiates
            .entry(key)
            .or_default()
            .push(cell.phases_ms.instantiate);
    }
    let mut languages: Vec<&str> = Vec::new();
    for cell in &cells {
        if !languages.contains(&cell.language.as_str()) {
            languages.push(&cell.language);
        }
    }
    let median = |values: Option<&Vec<f64>>| values.map(|v| stats::median(v));
    let mut trades = Vec::new();
    // A command-line tool's run is one phase: it has no compile or instantiation to compare.
    let hosts = registry::COLUMNS
        .iter()
        .filter(|c| c.runs_components() && matches!(c.kind, Kind::Embedded | Kind::ExternalWorker));
    for column in hosts {
        let Some(base) = base_of(column) else {
            continue;
        };
        for language in &languages {
            let samples: Vec<&str> = bytes
                .keys()
                .filter(|(c, l, _)| *c == column.name && l == language)
                .map(|(_, _, s)| *s)
                .collect();
            if samples.is_empty() {
                continue;
            }
            let mut ratios = (Vec::new(), Vec::new(), Vec::new());
            let (mut module_sizes, mut component_sizes) = (Vec::new(), Vec::new());
            let (mut compile_ms, mut instantiate_ms) = (Vec::new(), Vec::new());
            let mut kinds: BTreeMap<crate::manifest::Artifact, usize> = BTreeMap::new();
            for sample in &samples {
                let of = (column.name, *language, *sample);
                let on_base = (base, *language, *sample);
                if let Some(kind) = artifacts.get(&of) {
                    *kinds.entry(*kind).or_default() += 1;
                }
                let compile = median(compiles.get(&of));
                let instantiate = median(instantiates.get(&of));
                compile_ms.extend(compile);
                instantiate_ms.extend(instantiate);
                let component = bytes[&of];
                component_sizes.push(component as f64);
                let Some(module) = bytes.get(&on_base) else {
                    continue;
                };
                module_sizes.push(*module as f64);
                ratios.0.push(component as f64 / *module as f64);
                if let (Some(c), Some(b)) = (compile, median(compiles.get(&on_base)))
                    && b > 0.0
                {
                    ratios.1.push(c / b);
                }
                if let (Some(c), Some(b)) = (instantiate, median(instantiates.get(&on_base)))
                    && b > 0.0
                {
                    ratios.2.push(c / b);
                }
            }
            let artifact = kinds.iter().max_by_key(|(_, n)| **n).map(|(k, _)| *k);
            let median_of = |v: &Vec<f64>| (!v.is_empty()).then(|| stats::median(v));
            trades.push(ComponentTrade {
                column: column.name.to_owned(),
                base,
                language: (*language).to_owned(),
                artifact,
                module_bytes: median_of(&module_sizes).unwrap_or(0.0) as u64,
                component_bytes: median_of(&component_sizes).unwrap_or(0.0) as u64,
                size: Spread::of(&ratios.0),
                compile: Spread::of(&ratios.1),
                instantiate: Spread::of(&ratios.2),
                compile_ms: median_of(&compile_ms),
                instantiate_ms: median_of(&instantiate_ms),
            });
        }
    }
    trades
}

/// A figure in three significant digits at most, with an SI suffix above a thousand: axis labels
/// and the values at the ends of bars.
pub fn format_si(v: f64) -> String {
    let (v, suffix) = if v.abs() >= 1e9 {
        (v / 1e9, "G")
    } else if v.abs() >= 1e6 {
        (v / 1e6, "M")
    } else if v.abs() >= 1e3 {
        (v / 1e3, "k")
    } else {
        (v, "")
    };
    let digits = if v.abs() >= 100.0 || v == v.trunc() {
        0
    } else if v.abs() >= 10.0 {
        1
    } else {
        2
    };
    let text = format!("{v:.digits$}");
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        text
    };
    format!("{text}{suffix}")
}

/// `84 KiB`, `1.4 MiB`.
pub fn format_bytes(n: u64) -> String {
    if n >= 1 << 20 {
        format!("{:.1} MiB", n as f64 / (1 << 20) as f64)
    } else {
        format!("{:.0} KiB", n as f64 / 1024.0)
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixture;
    use super::*;

    fn with_compat() -> Results {
        let mut results = fixture::results();
        use Outcome::*;
        for (runtime, outcomes) in [
            ("wasmtime", [Pass, Pass, Pass]),
            ("wasmer", [Pass, Fail, Pass]),
            ("wasmtime-epoch", [Skipped, Skipped, Skipped]),
            ("native", [Unsupported, Unsupported, Unsupported]),
            ("docker-runc", [Trap, Fail, Skipped]),
        ] {
            for (case, outcome) in ["hello/default", "wasi/args", "wasi/env"]
                .iter()
                .zip(outcomes)
            {
                results.cells.push(fixture::cell(
                    runtime,
                    &format!("kotlin/{case}"),
                    outcome,
                    &[1.0],
                ));
            }
        }
        results
    }

    #[test]
    fn the_compatibility_grid_marks_each_language_and_column() {
        let results = with_compat();
        let grid = compat(&results);
        assert_eq!(grid.languages, ["kotlin"]);
        let mark = |col: &str| {
            let e = &grid.entries[&("kotlin".to_owned(), col.to_owned())];
            (e.mark, e.pass, e.total, e.others.len())
        };
        assert_eq!(mark("wasmtime"), (Mark::All, 3, 3, 0));
        assert_eq!(mark("wasmer"), (Mark::Partial, 2, 3, 1));
        assert_eq!(mark("wasmtime-epoch"), (Mark::Skipped, 0, 3, 3));
        assert_eq!(mark("native"), (Mark::Unsupported, 0, 3, 3));
        assert_eq!(mark("docker-runc"), (Mark::None, 0, 3, 3));
    }

    #[test]
    fn ratios_per_language_and_starts_by_way() {
        let results = fixture::results();
        let by = ratios_by_language(&results);
        let rust = &by[&("wasmtime".to_owned(), "rust".to_owned())];
        // 1× and 2×: the geometric mean √2.
        assert!((rust.geomean.unwrap() - 2f64.sqrt()).abs() < 1e-9);
        assert_eq!(
            (rust.n, rust.of, rust.min, rust.max),
            (2, 2, Some(1.0), Some(2.0))
        );
        assert_eq!(ratio_languages(&results), ["rust", "c"]);
        let starts = starts(&results, "rust/nbody/bench");
        let ways: Vec<(&str, Way)> = starts.iter().map(|s| (s.column.as_str(), s.way)).collect();
        // wasmtime-epoch prices a mechanism and is no way of running.
        assert_eq!(
            ways,
            [
                ("wasmtime", Way::Embedded),
                ("wasmer", Way::Embedded),
                ("docker-runc", Way::RuncContainer),
                ("native", Way::NativeProcess)
            ]
        );
        let best: Vec<(&str, f64)> = best_by_way(&starts)
            .iter()
            .map(|(s, st)| (s.column.as_str(), st.median))
            .collect();
        // Warm runs are the runs after the first: wasmtime's 100 and 101 ms plus 10 ms of wall.
        assert_eq!(
            best,
            [
                ("wasmtime", 110.5),
                ("docker-runc", 140.0),
                ("native", 110.0)
            ]
        );
    }

    #[test]
    fn sizes_and_compile_against_load() {
        let mut results = fixture::results();
        let mut hello = fixture::cell("docker-runc", "rust/hello/default", Outcome::Pass, &[1.0]);
        hello.module_bytes = 1_400_000;
        hello.image_bytes = Some(1_450_000);
        results.cells.push(hello);
        let mut hello = fixture::cell("wasmtime", "rust/hello/default", Outcome::Pass, &[1.0]);
        hello.module_bytes = 80_000;
        results.cells.push(hello);
        let rust = sizes(&results)
            .into_iter()
            .find(|s| s.language == "rust")
            .unwrap();
        assert_eq!(rust.hello_module, Some(80_000));
        assert_eq!(rust.hello_native_binary, Some(1_400_000));
        assert_eq!(rust.hello_native_image, Some(1_450_000));
        assert_eq!(rust.kernel_modules, Some([2048, 2048]));

        let mut cold = fixture::cell("wasmer", "c/nbody/small", Outcome::Pass, &[1.0, 1.0]);
        cold.compile_cache = super::super::CompileCache(vec![CacheState::Miss, CacheState::Hit]);
        cold.compile_ms_range = [2.0, 300.0];
        results.cells.push(cold);
        let wasmer = compile_load(&results)
            .into_iter()
            .find(|c| c.column == "wasmer")
            .unwrap();
        assert_eq!(
            (wasmer.compile_ms, wasmer.load_ms, wasmer.n),
            (300.0, 2.0, 1)
        );
    }

    #[test]
    fn a_tier_against_its_engines_cranelift() {
        let mut results = fixture::results();
        let compiled = |runtime: &str, row: &str, runs: &[f64], compile: f64| {
            let mut cell = fixture::cell(runtime, row, Outcome::Pass, runs);
            cell.compile_cache =
                super::super::CompileCache(vec![CacheState::Miss, CacheState::Hit]);
            cell.compile_ms_range = [1.0, compile];
            cell
        };
        let passed =
            |runtime: &str, row: &str, run: f64| fixture::cell(runtime, row, Outcome::Pass, &[run]);
        let cells = [
            // The base compiled rust/nbody in 400 ms and c/nbody in 100 ms; a container running
            // wasmtime's backend compiled rust/sha256 (800 ms) into the cache they share.
            compiled("wasmtime", "rust/nbody/medium", &[50.0], 400.0),
            compiled("wasmtime", "c/nbody/medium", &[5.0], 100.0),
            compiled("docker-wasmtime", "rust/sha256/medium", &[5.0], 800.0),
            // Winch compiles them 4×, 2× and 8× faster, and runs two kernels 2× and 8× slower.
            compiled("wasmtime-winch", "rust/nbody/medium", &[100.0], 100.0),
            compiled("wasmtime-winch", "c/nbody/medium", &[5.0], 50.0),
            compiled("wasmtime-winch", "rust/sha256/medium", &[5.0], 100.0),
            passed("wasmtime-winch", "rust/nbody/bench", 200.0),
            passed("wasmtime-winch", "rust/sha256/bench", 3200.0),
            // A kernel the base did not pass (wasmer timed out) is in no ratio.
            passed("wasmer-singlepass", "rust/sha256/bench", 9.0),
            // Pulley, an interpreter, has small cases only: 100 ms against 50 counts; 5 ms against
            // c/nbody's 5 ms does not (below the floor), nor does a program that sleeps (no kernel).
            passed("wasmtime-pulley", "rust/nbody/medium", 100.0),
            passed("wasmtime-pulley", "c/nbody/medium", 5.0),
            passed("wasmtime", "rust/sleep/default", 1000.0),
            passed("wasmtime-pulley", "rust/sleep/default", 1000.0),
        ];
        results.cells.extend(cells);
        let trades = tiers(&results);
        let columns: Vec<(&str, &str)> =
            trades.iter().map(|t| (t.column.as_str(), t.base)).collect();
        assert_eq!(
            columns,
            [
                ("wasmtime-winch", "wasmtime"),
                ("wasmer-singlepass", "wasmer"),
                ("wasmtime-pulley", "wasmtime")
            ]
        );
        let winch = &trades[0];
        let compile = winch.compile.unwrap();
        // 0.25×, 0.5× and 0.125×: the geometric mean ∛(1/64) = 0.25.
        assert!((compile.geomean - 0.25).abs() < 1e-9);
        assert_eq!((compile.min, compile.max, compile.n), (0.125, 0.5, 3));
        let run = winch.run.unwrap();
        assert_eq!(winch.cases, TierCases::Kernels);
        assert!((run.geomean - 4.0).abs() < 1e-9);
        assert_eq!((run.min, run.max, run.n), (2.0, 8.0, 2));
        assert_eq!((trades[1].compile, trades[1].run), (None, None));
        let pulley = &trades[2];
        assert_eq!(pulley.cases, TierCases::Small);
        assert_eq!(pulley.run.map(|r| (r.geomean, r.n)), Some((2.0, 1)));
    }

    #[test]
    fn components_against_their_modules_per_language() {
        use crate::manifest::Artifact;
        let mut results = fixture::results();
        results.cells.clear();
        let cell = |runtime: &str, row: &str, bytes: u64, compile: f64, instantiate: f64| {
            let mut cell = fixture::cell(runtime, row, Outcome::Pass, &[1.0]);
            cell.module_bytes = bytes;
            cell.compile_cache = super::super::CompileCache::of([CacheState::Miss]);
            cell.compile_ms_range = [compile, compile];
            cell.phases_ms.instantiate = instantiate;
            cell
        };
        let mut adapted = cell("wasmtime-component", "c/hello/default", 3000, 20.0, 2.0);
        adapted.artifact = Some(Artifact::AdaptedComponent);
        results.cells.extend([
            cell("wasmtime", "c/hello/default", 1000, 10.0, 1.0),
            adapted,
            // A sample the module column did not pass is in no ratio, but in the absolute figures.
            cell("wasmtime-component", "c/wasi/args", 5000, 40.0, 4.0),
            cell("jco", "c/hello/default", 3000, 500.0, 10.0),
            // A tool's one-phase run and the error corpus are left out.
            cell("wasmtime-cli-component", "c/hello/default", 3000, 0.0, 0.0),
            cell(
                "wasmtime-component",
                "wat/table-import/default",
                9000,
                1.0,
                1.0,
            ),
        ]);
        let trades = components(&results);
        let rows: Vec<(&str, &str, &str)> = trades
            .iter()
            .map(|t| (t.column.as_str(), t.base, t.language.as_str()))
            .collect();
        assert_eq!(
            rows,
            [
                ("wasmtime-component", "wasmtime", "c"),
                ("jco", "node", "c")
            ]
        );
        let wasmtime = &trades[0];
        assert_eq!(wasmtime.artifact, Some(Artifact::AdaptedComponent));
        let near =
            |s: Option<Spread>, want: f64| s.is_some_and(|s| (s.geomean - want).abs() < 1e-9);
        assert!(near(wasmtime.size, 3.0) && wasmtime.size.unwrap().n == 1);
        assert!(near(wasmtime.compile, 2.0));
        assert!(near(wasmtime.instantiate, 2.0));
        assert_eq!(wasmtime.compile_ms, Some(30.0));
        assert_eq!(
            (wasmtime.module_bytes, wasmtime.component_bytes),
            (1000, 4000)
        );
        // jco's base, `node`, passed nothing: absolute figures only.
        assert_eq!(trades[1].size, None);
        assert_eq!(trades[1].compile_ms, Some(500.0));
        assert_eq!(
            (trades[1].module_bytes, trades[1].component_bytes),
            (0, 3000)
        );
    }
}
