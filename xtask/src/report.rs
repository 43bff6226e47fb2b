//! `cargo xtask report [RESULTS.json]...`: renders every output of the results from one or more
//! results files, running nothing. Several files (from several machines or CI runners) merge into
//! one report in which the host is a dimension; the merged data is written beside the pages.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use harness::results::{Results, excerpts, export, merge};
use xshell::Shell;

#[derive(Debug, clap::Args)]
pub struct Report {
    /// Results files (`matrix.json`) to render; several are merged, with the host as a dimension.
    /// Default: `results/matrix.json`
    pub files: Vec<PathBuf>,
    /// Where to write the report. Default: `results/` for one file, `target/report/` for several
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

impl Report {
    pub fn run(self, _sh: &Shell) -> anyhow::Result<()> {
        let root = crate::project_root();
        let files = if self.files.is_empty() {
            vec![root.join("results/matrix.json")]
        } else {
            self.files
        };
        let runs = files
            .iter()
            .map(|path| read(path))
            .collect::<anyhow::Result<Vec<Results>>>()?;
        let merged = runs.len() > 1;
        let results = merge::merge(runs);
        let out = self.out.unwrap_or_else(|| {
            if merged {
                crate::target_dir().join("report")
            } else {
                root.join("results")
            }
        });
        // One file's own data stays as it is; a merged report's data is new, and the page links it.
        let mut exporters: Vec<&export::Exporter> = export::REPORT.to_vec();
        let same_file = files.len() == 1 && same_place(&files[0], &out.join("matrix.json"));
        if merged || !same_file {
            exporters.insert(0, &export::JSON);
        }
        let written = export::write(&exporters, &results, &out)?;
        if !merged && same_place(&out, &root.join("results")) {
            quote_in_readme(&root, &results)?;
        }
        let hosts = if merged {
            format!(" from {} hosts", results.merged.len())
        } else {
            String::new()
        };
        eprintln!(
            "report: {} cells{hosts}; wrote {} files under {}:",
            results.cells.len(),
            written.len(),
            out.display()
        );
        for path in written {
            let size = std::fs::metadata(&path).map_or(0, |m| m.len());
            eprintln!(
                "  {} ({} KB)",
                path.strip_prefix(&out).unwrap_or(&path).display(),
                size.div_ceil(1000)
            );
        }
        Ok(())
    }
}

/// Whether two paths name the same file or directory (either may not exist yet).
fn same_place(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

/// Draws the README's excerpts of the results again (`harness::results::excerpts`): after the
/// published results change, the README quotes the new ones.
pub fn quote_in_readme(root: &Path, results: &Results) -> anyhow::Result<()> {
    let path = root.join("README.md");
    let readme = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let updated = excerpts::update(&readme, results)
        .with_context(|| format!("cannot quote the results in {}", path.display()))?;
    if updated != readme {
        harness::util::write_atomic(&path, updated.as_bytes())
            .with_context(|| format!("cannot write {}", path.display()))?;
        eprintln!("report: README.md quotes the results again");
    }
    Ok(())
}

/// A results file, with its path in every error: a report over several files must say which one
/// is at fault.
pub fn read(path: &Path) -> anyhow::Result<Results> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let results: Results = serde_json::from_slice(&bytes)
        .with_context(|| format!("{} is not a results file of the matrix", path.display()))?;
    if results.cells.is_empty() {
        bail!("{} has no cells", path.display());
    }
    Ok(results)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("xtask-report-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    /// Two real runs: the published full run, and a small run of the sandbox probes and hello on
    /// `native`, `docker-runc` and `wasmtime` (2026-12-06, kept as test data).
    fn two_runs() -> [PathBuf; 2] {
        let root = crate::project_root();
        [
            root.join("results/matrix.json"),
            root.join("xtask/testdata/probes-run.json"),
        ]
    }

    #[test]
    fn two_results_files_merge_into_one_report_with_the_host_as_a_dimension() {
        let dir = scratch("merge");
        let files = two_runs();
        let [one, two] = [read(&files[0]).unwrap(), read(&files[1]).unwrap()];
        let out = dir.join("out");
        Report {
            files: files.to_vec(),
            out: Some(out.clone()),
        }
        .run(&Shell::new().unwrap())
        .unwrap();
        for file in [
            "matrix.json",
            "README.md",
            "matrix.md",
            "claims.md",
            "junit.xml",
            "index.html",
        ] {
            assert!(out.join(file).is_file(), "{file} not written");
        }
        let merged = read(&out.join("matrix.json")).unwrap();
        assert_eq!(merged.cells.len(), one.cells.len() + two.cells.len());
        let labels = merged.hosts();
        assert_eq!(labels.len(), 2, "{labels:?}");
        assert_ne!(labels[0], labels[1]);
        let summary = std::fs::read_to_string(out.join("README.md")).unwrap();
        for label in &labels {
            assert!(
                summary.contains(&format!("wasmtime @ {label}")),
                "a column per host and runtime: {label}"
            );
        }
        let junit = std::fs::read_to_string(out.join("junit.xml")).unwrap();
        assert_eq!(
            junit.matches("<testcase ").count(),
            merged.cells.len(),
            "a test case per cell of both runs"
        );
        let claims = std::fs::read_to_string(out.join("claims.md")).unwrap();
        for label in &labels {
            assert!(claims.contains(&format!("## On {label}")), "{label}");
        }
        // The second run's own comparisons are drawn from its own cells: its native process let
        // the probes through, which the published run did not measure.
        assert!(claims.contains("let 2 of its 2 probes through"), "{claims}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_file_that_is_not_results_is_named_in_the_error() {
        let dir = scratch("bad");
        let bad = dir.join("bad.json");
        std::fs::write(&bad, "{\"cells\": 3}").unwrap();
        let err = Report {
            files: vec![bad.clone()],
            out: Some(dir.join("out")),
        }
        .run(&Shell::new().unwrap())
        .unwrap_err();
        assert!(
            format!("{err:#}").contains(&bad.display().to_string()),
            "{err:#}"
        );
        assert!(!dir.join("out").exists(), "nothing written for bad input");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
