//! `matrix.json`: the whole results model, pretty-printed.

use super::Results;

pub fn render(results: &Results) -> String {
    let mut text =
        serde_json::to_string_pretty(results).expect("the results model always serializes");
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::super::{Results, fixture};
    use serde_json::Value;

    fn close(value: &Value, expected: f64) -> bool {
        value.as_f64().is_some_and(|v| (v - expected).abs() < 1e-6)
    }

    #[test]
    fn the_new_fields_and_their_shapes() {
        let json: Value = serde_json::from_str(&super::render(&fixture::results())).unwrap();
        let meta = &json["meta"];
        assert!(close(&meta["noise_threshold"], 0.05));
        assert!(
            meta["interval_method"]
                .as_str()
                .unwrap()
                .contains("Student's t")
        );
        assert!(close(&meta["clock"]["overhead_ns"], 21.0));
        assert_eq!(meta["clock"]["resolution_ns"], 1);
        assert!(meta["columns"]["wasmtime"]["engine"].is_string());
        assert!(meta["columns"]["native"]["deadline"].is_string());

        let cell = json["cells"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["runtime"] == "wasmtime" && c["sample"] == "nbody" && c["case"] == "bench")
            .unwrap();
        // The published fields stay as they were.
        assert!(close(&cell["phases_ms"]["run"], 100.0));
        assert!(close(&cell["run_ms_range"][1], 101.0));
        let run = &cell["run_ms_stats"];
        assert_eq!(run["n"], 3);
        assert!(close(&run["median"], 100.0));
        assert!(close(&run["mean"], 100.0));
        assert!(close(&run["stddev"], 1.0));
        assert!(close(&run["min"], 99.0));
        // 100 ± 4.3027 / √3.
        assert!(close(&run["ci95"][0], 100.0 - 2.484_165));
        assert!(close(&run["ci95"][1], 100.0 + 2.484_165));
        assert_eq!(run["noisy"], false);
        assert!(cell["wall_ms_stats"].is_object());
        assert!(cell["compile_ms_stats"].is_object());
        assert_eq!(cell["warm_wall_ms_stats"]["n"], 2);

        // One run: no interval, not noisy.
        let timeout = json["cells"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["runtime"] == "wasmer" && c["outcome"] == "timeout")
            .unwrap();
        assert_eq!(timeout["run_ms_stats"]["ci95"], Value::Null);
        assert_eq!(timeout["run_ms_stats"]["stddev"], Value::Null);
        assert_eq!(timeout["run_ms_stats"]["noisy"], false);
        assert_eq!(timeout["warm_wall_ms_stats"], Value::Null);

        assert_eq!(json["ratios"].as_array().unwrap().len(), 9);
        assert_eq!(json["ratios"][1]["runtime"], "wasmtime");
        assert!(close(&json["ratios"][1]["ratio"], 2.0));
        assert!(close(&json["efficiency"]["wasmtime"]["geomean"], 2.0));
        assert_eq!(json["efficiency"]["wasmer"]["n"], 1);
        assert_eq!(json["efficiency"]["wasmer"]["of"], 3);
        let epoch = &json["interruption_cost"][0];
        assert_eq!(epoch["variant"], "wasmtime-epoch");
        assert_eq!(epoch["timeouts"], 1);
        assert_eq!(epoch["cells"][2]["lower_bound"], true);
        assert!(close(&epoch["cells"][2]["ratio"], 600.0));
    }

    #[test]
    fn results_written_before_the_statistics_still_read() {
        let old = r#"{
          "meta": {"date": "d", "host": {"cpu": "c", "cores": 2, "os": "o", "kernel": "k"},
                   "git_commit": "g", "harness_build": {"profile": "release", "opt_level": "3"},
                   "runtimes": {}, "toolchains": {}, "repeat": 5},
          "cells": [{"runtime": "wasmtime", "language": "rust", "sample": "nbody", "case": "bench",
                     "outcome": "pass", "reason": "", "expected": "pass", "as_expected": true,
                     "bench": true, "phases_ms": {"compile": 1.0, "instantiate": 1.0, "run": 415.0},
                     "wall_ms": 430.0, "peak_rss_kib": 1, "module_bytes": 1, "compile_cache": "hit",
                     "exit_code": 0, "n": 5, "run_ms_range": [410.0, 420.0],
                     "wall_ms_range": [425.0, 435.0]}]
        }"#;
        let results: Results = serde_json::from_str(old).unwrap();
        assert_eq!(results.meta.noise_threshold, 0.05);
        assert!(results.meta.clock.is_none() && results.ratios.is_empty());
        assert_eq!(results.cells[0].run_ms_stats, None);
        // And they still render, with medians alone.
        let (_, md) = &super::super::markdown::pages(&results)[0];
        assert!(md.contains("| wasmtime/rust/nbody/bench | 5 | 1.0 ms (0.0 ms–0.0 ms, hit) | 1.0 ms | 415 ms (410 ms–420 ms) |"), "{md}");
    }

    #[test]
    fn the_published_results_read_back() {
        // The next run reads them for its scheduling hints, and a reader of the repository may too.
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../results/matrix.json");
        let text = std::fs::read_to_string(&path).unwrap();
        let results: Results = serde_json::from_str(&text).unwrap();
        assert!(!results.cells.is_empty());
        assert!(results.cells.iter().all(|c| c.wall_ms >= 0.0));
    }
}
