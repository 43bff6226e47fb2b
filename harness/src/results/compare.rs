//! Comparisons drawn from the cells of one run: each kernel's wasm run phase against its native run
//! phase (WasmScore's efficiency, summarized per runtime by a geometric mean), and each in-engine
//! interruption variant's run phase against its base column's (the price of the mechanism).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::Cell;
use crate::Outcome;
use crate::native;
use crate::runtime::registry;
use crate::stats::{self, Stats};

/// One wasm kernel cell against the native cell of the same language, sample and case.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Ratio {
    pub runtime: String,
    pub language: String,
    pub sample: String,
    pub case: String,
    /// The wasm cell's outcome: a ratio only where it passed.
    pub outcome: Outcome,
    /// The wasm cell's run phase (`_start`), median, when it passed.
    pub wasm_run_ms: Option<f64>,
    /// The native cell's run phase (the whole process, exec to exit), median.
    pub native_run_ms: f64,
    /// `wasm_run_ms / native_run_ms`: 1.0 is native speed, 1.5 takes half as long again.
    pub ratio: Option<f64>,
    /// Whether either figure is noisy, which makes the ratio as uncertain.
    pub noisy: bool,
}

impl Ratio {
    pub fn row(&self) -> String {
        format!("{}/{}/{}", self.language, self.sample, self.case)
    }
}

/// One runtime's ratios, summarized.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Efficiency {
    /// The geometric mean of the ratios of the kernels that passed; `null` when none did.
    pub geomean: Option<f64>,
    /// How many ratios the mean is over: runtimes pass different sets of kernels.
    pub n: usize,
    /// Of how many kernels with a native baseline in the run.
    pub of: usize,
    /// The rows (`language/sample/case`) the mean is over.
    pub cells: Vec<String>,
}

/// One interruption mechanism: its variant column's run phases against its base column's.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Interruption {
    pub mechanism: String,
    pub variant: String,
    pub base: String,
    /// Geometric mean of `variant / base` over the kernels where both passed; `null` when none did.
    pub geomean: Option<f64>,
    pub n: usize,
    /// Kernels where the base passed and the variant timed out: their ratios are lower bounds.
    pub timeouts: usize,
    /// With those lower bounds in, the geometric mean over `n + timeouts` kernels: itself a lower
    /// bound; `null` when there are no timeouts.
    pub geomean_lower_bound: Option<f64>,
    pub cells: Vec<InterruptionCell>,
}

/// One benchmark-sized case on a variant column and its base column.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct InterruptionCell {
    pub language: String,
    pub sample: String,
    pub case: String,
    pub base_outcome: Outcome,
    pub variant_outcome: Outcome,
    /// The base cell's run phase, median, when it passed.
    pub base_run_ms: Option<f64>,
    /// The variant cell's run phase, median, when it passed; its deadline when it timed out
    /// (`lower_bound`).
    pub variant_run_ms: Option<f64>,
    /// Each side's statistics (median, mean, interval, ...) when it passed.
    pub base_stats: Option<Stats>,
    pub variant_stats: Option<Stats>,
    /// `variant_run_ms / base_run_ms`.
    pub ratio: Option<f64>,
    /// Whether the variant timed out, so that `variant_run_ms` and `ratio` are lower bounds.
    pub lower_bound: bool,
}

impl InterruptionCell {
    pub fn row(&self) -> String {
        format!("{}/{}/{}", self.language, self.sample, self.case)
    }
}

/// Whether a cell is a benchmark-sized run of one of the kernels that have native builds.
fn is_kernel_bench(cell: &Cell) -> bool {
    cell.bench && native::KERNELS.contains(&cell.sample.as_str())
}

/// The run phase median of a passing cell, when it is a positive figure a ratio can use.
fn passed_run_ms(cell: &Cell) -> Option<f64> {
    (cell.outcome == Outcome::Pass && cell.n > 0 && cell.phases_ms.run > 0.0)
        .then_some(cell.phases_ms.run)
}

fn noisy_run(cell: &Cell) -> bool {
    cell.run_ms_stats.is_some_and(|s| s.noisy)
}

/// Every wasm kernel cell whose language has a passing native cell for the same case, in cell order.
/// The native container column (`docker-runc`) is native code, not wasm, and is left out.
pub fn ratios(cells: &[Cell]) -> Vec<Ratio> {
    let natives: BTreeMap<String, &Cell> = cells
        .iter()
        .filter(|c| c.runtime == native::COLUMN && is_kernel_bench(c))
        .filter(|c| passed_run_ms(c).is_some())
        .map(|c| (c.row(), c))
        .collect();
    cells
        .iter()
        .filter(|c| registry::get(&c.runtime).is_none_or(|col| !col.runs_native_code()))
        .filter(|c| is_kernel_bench(c))
        .filter_map(|c| {
            let native = natives.get(&c.row())?;
            let native_run_ms = native.phases_ms.run;
            let wasm_run_ms = passed_run_ms(c);
            Some(Ratio {
                runtime: c.runtime.clone(),
                language: c.language.clone(),
                sample: c.sample.clone(),
                case: c.case.clone(),
                outcome: c.outcome,
                wasm_run_ms,
                native_run_ms,
                ratio: wasm_run_ms.map(|w| w / native_run_ms),
                noisy: wasm_run_ms.is_some() && (noisy_run(c) || noisy_run(native)),
            })
        })
        .collect()
}

/// Per runtime, the geometric mean of the ratios of the kernels that passed.
pub fn efficiency(ratios: &[Ratio]) -> BTreeMap<String, Efficiency> {
    let mut out: BTreeMap<String, Efficiency> = BTreeMap::new();
    let mut values: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for r in ratios {
        let entry = out.entry(r.runtime.clone()).or_insert_with(|| Efficiency {
            geomean: None,
            n: 0,
            of: 0,
            cells: Vec::new(),
        });
        entry.of += 1;
        if let Some(ratio) = r.ratio {
            entry.n += 1;
            entry.cells.push(r.row());
            values.entry(r.runtime.clone()).or_default().push(ratio);
        }
    }
    for (runtime, entry) in &mut out {
        entry.geomean = values.get(runtime).and_then(|v| stats::geomean(v));
    }
    out
}

/// For every interruption variant with cells in the run: each benchmark-sized case that its base
/// column also has, side by side, with the ratio of their run phases. Cases that ran on neither
/// column (a language not built) are left out.
pub fn interruption_cost(cells: &[Cell]) -> Vec<Interruption> {
    let mut out = Vec::new();
    for (variant, prices) in registry::COLUMNS
        .iter()
        .filter_map(|c| Some((c.name, c.prices?)))
    {
        let (base, mechanism) = (prices.base, prices.mechanism);
        let mut rows = Vec::new();
        for v in cells.iter().filter(|c| c.runtime == *variant && c.bench) {
            let Some(b) = cells
                .iter()
                .find(|c| c.runtime == *base && c.row() == v.row())
            else {
                continue;
            };
            if v.n == 0 && b.n == 0 {
                continue;
            }
            let base_run_ms = passed_run_ms(b);
            let timed_out = v.outcome == Outcome::Timeout;
            // A timeout ran at least to its deadline (counted from the end of compilation, so the run
            // phase is at least that); the engine's own report, where it gave one, may say more.
            let variant_run_ms = if timed_out {
                Some(v.phases_ms.run.max(v.deadline_ms as f64)).filter(|ms| *ms > 0.0)
            } else {
                passed_run_ms(v)
            };
            let ratio = base_run_ms.zip(variant_run_ms).map(|(b, v)| v / b);
            rows.push(InterruptionCell {
                language: v.language.clone(),
                sample: v.sample.clone(),
                case: v.case.clone(),
                base_outcome: b.outcome,
                variant_outcome: v.outcome,
                base_run_ms,
                variant_run_ms,
                base_stats: base_run_ms.and(b.run_ms_stats),
                variant_stats: passed_run_ms(v).and(v.run_ms_stats),
                ratio,
                lower_bound: timed_out && variant_run_ms.is_some(),
            });
        }
        if rows.is_empty() {
            continue;
        }
        let measured: Vec<f64> = rows
            .iter()
            .filter(|r| !r.lower_bound)
            .filter_map(|r| r.ratio)
            .collect();
        let all: Vec<f64> = rows.iter().filter_map(|r| r.ratio).collect();
        let timeouts = all.len() - measured.len();
        out.push(Interruption {
            mechanism: mechanism.to_string(),
            variant: variant.to_string(),
            base: base.to_string(),
            geomean: stats::geomean(&measured),
            n: measured.len(),
            timeouts,
            geomean_lower_bound: if timeouts > 0 {
                stats::geomean(&all)
            } else {
                None
            },
            cells: rows,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::fixture;
    use crate::Outcome;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn ratios_to_native() {
        let results = fixture::results();
        let rows: Vec<(String, String, Option<f64>)> = results
            .ratios
            .iter()
            .map(|r| (r.runtime.clone(), r.row(), r.ratio))
            .collect();
        // Kotlin has no native build, the small case is not a benchmark, docker-runc is native code.
        assert_eq!(
            rows,
            [
                ("wasmtime", "rust/nbody/bench", Some(1.0)),
                ("wasmtime", "rust/sha256/bench", Some(2.0)),
                ("wasmtime", "c/nbody/bench", Some(4.0)),
                ("wasmer", "rust/nbody/bench", Some(1.5)),
                ("wasmer", "rust/sha256/bench", None),
                ("wasmer", "c/nbody/bench", None),
                ("wasmtime-epoch", "rust/nbody/bench", Some(1.1)),
                ("wasmtime-epoch", "rust/sha256/bench", Some(2.4)),
                ("wasmtime-epoch", "c/nbody/bench", None),
            ]
            .map(|(a, b, c)| (a.to_owned(), b.to_owned(), c))
        );
        let wasmer_nbody = &results.ratios[3];
        assert!(wasmer_nbody.noisy, "wasmer's n-body figure is noisy");
        assert!(!results.ratios[0].noisy);
        assert_eq!(results.ratios[4].outcome, Outcome::Timeout);
    }

    #[test]
    fn efficiency_is_a_geometric_mean_over_what_passed() {
        let results = fixture::results();
        let e = &results.efficiency;
        assert_eq!(
            e.keys().collect::<Vec<_>>(),
            ["wasmer", "wasmtime", "wasmtime-epoch"]
        );
        // 1, 2 and 4: the cube root of 8.
        assert!(close(e["wasmtime"].geomean.unwrap(), 2.0));
        assert_eq!((e["wasmtime"].n, e["wasmtime"].of), (3, 3));
        assert!(close(e["wasmer"].geomean.unwrap(), 1.5));
        assert_eq!((e["wasmer"].n, e["wasmer"].of), (1, 3));
        assert_eq!(e["wasmer"].cells, ["rust/nbody/bench"]);
        assert!(close(e["wasmtime-epoch"].geomean.unwrap(), 2.64f64.sqrt()));
    }

    #[test]
    fn interruption_cost_with_a_timeout_as_a_lower_bound() {
        let results = fixture::results();
        let [epoch] = results.interruption_cost.as_slice() else {
            panic!("one mechanism has cells: {:?}", results.interruption_cost);
        };
        assert_eq!(
            (epoch.variant.as_str(), epoch.base.as_str()),
            ("wasmtime-epoch", "wasmtime")
        );
        assert_eq!(epoch.mechanism, "epoch interruption");
        let ratios: Vec<(String, Option<f64>, bool)> = epoch
            .cells
            .iter()
            .map(|c| {
                (
                    c.row(),
                    c.ratio.map(|r| (r * 1000.0).round() / 1000.0),
                    c.lower_bound,
                )
            })
            .collect();
        assert_eq!(
            ratios,
            [
                ("rust/nbody/bench", Some(1.1), false),
                ("rust/sha256/bench", Some(1.2), false),
                // Timed out: at least its 120 s deadline, against 200 ms.
                ("c/nbody/bench", Some(600.0), true),
                ("kotlin/nbody/bench", Some(1.1), false),
            ]
            .map(|(a, b, c)| (a.to_owned(), b, c))
        );
        let c = &epoch.cells[2];
        assert_eq!(c.variant_run_ms, Some(120_000.0));
        assert_eq!(c.variant_stats, None);
        assert_eq!(c.base_stats.map(|s| s.median), Some(200.0));
        // The cube root of 1.1 · 1.2 · 1.1 = 1.452; with the 600× lower bound, its fourth root.
        assert_eq!((epoch.n, epoch.timeouts), (3, 1));
        assert!(close(epoch.geomean.unwrap(), 1.452f64.cbrt()));
        assert!(close(
            epoch.geomean_lower_bound.unwrap(),
            (1.452f64 * 600.0).powf(0.25)
        ));
    }
}
