//! One report from several runs (`cargo xtask report A.json B.json`): the cells of each run keep
//! their host as a label, so that every output shows the host as a dimension (a column per host and
//! runtime), and the comparisons are drawn within each host, never across two.

use std::collections::BTreeMap;

use super::{MergedRun, Results, column_label, compare};

/// Merges runs into one report. One run is given back as it is; runs that are themselves merged
/// reports are taken apart into their hosts first, so merging is associative.
pub fn merge(runs: Vec<Results>) -> Results {
    let mut runs: Vec<Results> = runs
        .into_iter()
        .flat_map(|run| {
            if run.merged.is_empty() {
                vec![run]
            } else {
                run.hosts().iter().map(|h| run.for_host(h)).collect()
            }
        })
        .collect();
    if runs.len() == 1 {
        return runs.remove(0);
    }
    let mut merged: Vec<MergedRun> = Vec::new();
    let mut cells = Vec::new();
    let mut ratios = Vec::new();
    let mut interruption_cost = Vec::new();
    for run in runs {
        let base = run.meta.host.label();
        let mut label = base.clone();
        let mut n = 1;
        while merged.iter().any(|m| m.label == label) {
            n += 1;
            label = format!("{base} #{n}");
        }
        // Drawn again from the run's own cells: each host against its own native baseline.
        let own = Results::new(run.meta.clone(), run.cells);
        for mut ratio in own.ratios {
            ratio.runtime = column_label(&ratio.runtime, &label);
            ratios.push(ratio);
        }
        for mut cost in own.interruption_cost {
            cost.variant = column_label(&cost.variant, &label);
            cost.base = column_label(&cost.base, &label);
            interruption_cost.push(cost);
        }
        cells.extend(own.cells.into_iter().map(|mut c| {
            c.host = label.clone();
            c
        }));
        merged.push(MergedRun {
            label,
            meta: run.meta,
        });
    }
    let meta = merged_meta(&merged);
    let efficiency = compare::efficiency(&ratios);
    Results {
        meta,
        cells,
        ratios,
        efficiency,
        interruption_cost,
        merged,
    }
}

/// The metadata of the whole report: the first run's, with what differs between the runs joined
/// (commits, dates) or united (versions, columns) so that no run's is lost.
fn merged_meta(runs: &[MergedRun]) -> super::Meta {
    let mut meta = runs[0].meta.clone();
    let distinct = |f: &dyn Fn(&super::Meta) -> String| {
        let mut seen: Vec<String> = Vec::new();
        for run in runs {
            let value = f(&run.meta);
            if !seen.contains(&value) {
                seen.push(value);
            }
        }
        seen.join(", ")
    };
    meta.git_commit = distinct(&|m| m.git_commit.clone());
    meta.date = distinct(&|m| m.date.clone());
    meta.host.cpu = format!("{} hosts", runs.len());
    meta.host.arch = distinct(&|m| m.host.arch.clone());
    meta.repeat = runs.iter().map(|r| r.meta.repeat).min().unwrap_or(0);
    // Each run's map under keys labelled with its host, all runs in one map.
    fn united<V: Clone>(
        runs: &[MergedRun],
        map: impl Fn(&super::Meta) -> &BTreeMap<String, V>,
    ) -> BTreeMap<String, V> {
        runs.iter()
            .flat_map(|run| {
                map(&run.meta)
                    .iter()
                    .map(|(k, v)| (column_label(k, &run.label), v.clone()))
            })
            .collect()
    }
    meta.runtimes = united(runs, |m| &m.runtimes);
    meta.columns = united(runs, |m| &m.columns);
    meta.toolchains = united(runs, |m| &m.toolchains);
    meta.native_builds = united(runs, |m| &m.native_builds);
    meta.problems.clear();
    for run in runs {
        meta.problems.extend(
            run.meta
                .problems
                .iter()
                .map(|p| format!("{}: {p}", run.label)),
        );
    }
    meta.sittings.clear();
    meta
}

#[cfg(test)]
mod tests {
    use super::super::fixture;
    use super::*;

    fn arm() -> Results {
        let mut run = fixture::results();
        run.meta.host.arch = "aarch64".into();
        run.meta.host.cpu = "Neoverse-N1".into();
        run.meta.git_commit = "fedcba987654".into();
        // The other host is twice as slow natively and as fast on wasm: its ratios differ.
        for cell in &mut run.cells {
            if cell.runtime == "native" {
                cell.phases_ms.run *= 2.0;
            }
        }
        Results::new(run.meta.clone(), run.cells)
    }

    #[test]
    fn two_hosts_become_one_report_with_the_host_as_a_dimension() {
        let (mut x86, arm) = (fixture::results(), arm());
        x86.meta.problems = vec!["samples/x/sample.toml: unreadable".into()];
        let merged = merge(vec![x86.clone(), arm.clone()]);
        // Each run's problems once, under its host.
        assert_eq!(
            merged.meta.problems,
            ["x86_64 Test CPU ×2: samples/x/sample.toml: unreadable"]
        );
        assert_eq!(merged.cells.len(), x86.cells.len() + arm.cells.len());
        assert_eq!(
            merged.hosts(),
            ["x86_64 Test CPU ×2", "aarch64 Neoverse-N1 ×2"]
        );
        let (_, cols) = merged.grid();
        assert!(cols.contains(&"wasmtime @ x86_64 Test CPU ×2".to_owned()));
        assert!(cols.contains(&"wasmtime @ aarch64 Neoverse-N1 ×2".to_owned()));
        assert_eq!(cols.len(), 10, "five columns on each host: {cols:?}");
        // Each host's ratios are against its own native cells: 2× on one, 1× on the other.
        let g = |label: &str| merged.efficiency[label].geomean.unwrap();
        assert!((g("wasmtime @ x86_64 Test CPU ×2") - 2.0).abs() < 1e-9);
        assert!((g("wasmtime @ aarch64 Neoverse-N1 ×2") - 1.0).abs() < 1e-9);
        assert_eq!(merged.meta.git_commit, "0123456789ab, fedcba987654");
        assert!(
            merged
                .meta
                .runtimes
                .contains_key("wasmer @ aarch64 Neoverse-N1 ×2")
        );
        // Each host's own results come back whole from the report.
        let back = merged.for_host("aarch64 Neoverse-N1 ×2");
        assert_eq!(back.cells.len(), arm.cells.len());
        assert_eq!(back.meta.git_commit, "fedcba987654");
        assert_eq!(back.efficiency, arm.efficiency);
    }

    #[test]
    fn merging_survives_json_and_is_associative_and_like_hosts_are_told_apart() {
        let a = fixture::results();
        let ab = merge(vec![a.clone(), arm()]);
        let text = super::super::json::render(&ab);
        let back: Results = serde_json::from_str(&text).unwrap();
        let abc = merge(vec![back, a.clone()]);
        assert_eq!(
            abc.hosts(),
            [
                "x86_64 Test CPU ×2",
                "aarch64 Neoverse-N1 ×2",
                "x86_64 Test CPU ×2 #2"
            ]
        );
        assert_eq!(abc.cells.len(), 3 * a.cells.len());
        // One run merges into itself.
        assert_eq!(merge(vec![a.clone()]).cells.len(), a.cells.len());
        assert!(merge(vec![a]).merged.is_empty());
    }
}
