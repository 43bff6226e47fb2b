//! The scheduler changes when cells run, never what they find: the same subset of the matrix, run
//! one cell at a time and two at a time by the real harness binary, gets the same outcome in every
//! cell, and the results list the cells in the same order.

use std::path::{Path, PathBuf};
use std::process::Command;

use harness::results::Results;
use harness::util::glob;

/// The cell patterns `expectations.toml` keeps as flaky.
fn flaky_cells() -> Vec<String> {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/expectations.toml"),
    )
    .unwrap();
    let data: toml::Value = toml::from_str(&text).unwrap();
    data.get("flaky")
        .and_then(|f| f.as_array())
        .map(|cells| {
            cells
                .iter()
                .filter_map(|c| c.get("cell")?.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Runs `harness matrix` on hello and wasi (every language, every case but the benchmark-sized
/// ones) on two embedded columns and the native column, with `jobs` side by side.
fn matrix(jobs: u32, out: &Path) -> Results {
    let status = Command::new(env!("CARGO_BIN_EXE_harness"))
        .args(["matrix", "--root"])
        .arg(root())
        .arg("--out")
        .arg(out)
        .args(["--sample", "hello", "--sample", "wasi", "--no-bench"])
        .args(["--runtime", "wasmtime", "--runtime", "wasmer"])
        .args(["--repeat", "1", "--jobs", &jobs.to_string()])
        .status()
        .expect("the harness starts");
    assert!(status.success(), "harness matrix --jobs {jobs}: {status}");
    serde_json::from_slice(&std::fs::read(out.join("matrix.json")).unwrap()).unwrap()
}

#[test]
fn outcomes_are_the_same_whatever_jobs_is() {
    let dir = std::env::temp_dir().join(format!("harness-scheduler-{}", std::process::id()));
    let one = matrix(1, &dir.join("one"));
    let two = matrix(2, &dir.join("two"));
    let _ = std::fs::remove_dir_all(&dir);
    let key = |r: &Results| -> Vec<_> {
        r.cells
            .iter()
            .map(|c| {
                (
                    c.runtime.clone(),
                    c.row(),
                    c.outcome,
                    c.as_expected,
                    c.exit_code,
                )
            })
            .collect()
    };
    assert!(one.cells.len() > 20, "too few cells to show anything");
    // A cell kept as flaky in the expectations may differ between any two runs, so it is only
    // required to be there in both.
    let flaky = flaky_cells();
    let steady = |r: &Results| -> Vec<_> {
        key(r)
            .into_iter()
            .filter(|(runtime, row, ..)| {
                let name = format!("{runtime}/{row}");
                !flaky.iter().any(|pattern| glob(pattern, &name))
            })
            .collect()
    };
    assert_eq!(one.cells.len(), two.cells.len());
    let (one, two) = (steady(&one), steady(&two));
    for (a, b) in one.iter().zip(&two) {
        assert_eq!(a, b, "--jobs 1 and --jobs 2 disagree");
    }
}
