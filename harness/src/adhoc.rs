//! Runs of modules that are not samples (a module a user brings to `harness run`, wasi-testsuite's
//! tests, the proposal probes): each a job of a column, a module, a spec and an expectation, made a
//! classified cell of the same results model as the matrix's, side by side with progress.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::cell::{self, Context};
use crate::manifest::Expect;
use crate::outcome::Outcome;
use crate::results::{Cell, Output};
use crate::runtime::{self, RunSpec, registry};
use crate::scheduler::{self, Lane};

/// One run to make: `row` names the cell as language, sample and case do in the matrix.
#[derive(Debug, Clone)]
pub struct Job {
    pub column: String,
    pub row: [String; 3],
    pub module: PathBuf,
    pub spec: RunSpec,
    pub expect: Expect,
    /// Directories copied fresh before the run (source, copy) and removed after it: a run may
    /// write into its preopens, and the same test runs on every column side by side.
    pub copies: Vec<(PathBuf, PathBuf)>,
}

/// Runs a job once and classifies it against its expectation (a column that cannot run here is
/// `skipped` with the reason); returns the cell and the engine's version when it reported one.
pub fn run_one(ctx: &Context, job: &Job) -> (Cell, Option<String>) {
    let [a, b, c] = &job.row;
    let mut cell = Cell::new(
        &job.column,
        [a.as_str(), b.as_str(), c.as_str()],
        job.expect.outcome,
        false,
        job.spec.timeout.as_millis() as u64,
    );
    let mut version = None;
    match runtime::available(&job.column) {
        Err(reason) => {
            cell.outcome = Outcome::Skipped;
            cell.reason = reason;
        }
        Ok(()) if let Err(err) = copy_fresh(&job.copies) => {
            cell.outcome = Outcome::HarnessFault;
            cell.reason = format!("cannot copy the run's directories: {err}");
        }
        Ok(()) => {
            let declined: Vec<String> = registry::get(&job.column)
                .map(|column| {
                    job.spec
                        .proposals
                        .iter()
                        .filter(|p| !column.supports(**p))
                        .map(|p| p.to_string())
                        .collect()
                })
                .unwrap_or_default();
            let run = cell::run_once(
                ctx,
                &job.column,
                &job.module,
                job.spec.clone(),
                &job.expect,
                &declined,
            );
            cell::fold(&mut cell, std::slice::from_ref(&run));
            cell.output = Some(Output {
                stdout: run.stdout,
                stderr: run.stderr,
            });
            version = run.runtime_version;
        }
    }
    for (_, copy) in &job.copies {
        let _ = std::fs::remove_dir_all(copy);
    }
    cell.as_expected = crate::outcome::as_expected(
        &crate::outcome::Verdict::new(cell.outcome, cell.reason.clone()),
        &job.expect,
    );
    (cell, version)
}

/// Copies each source directory to its copy, replacing what was there, and leaves out the suite
/// runner's `*.cleanup` leftovers.
fn copy_fresh(copies: &[(PathBuf, PathBuf)]) -> std::io::Result<()> {
    fn copy(from: &std::path::Path, to: &std::path::Path) -> std::io::Result<()> {
        std::fs::create_dir_all(to)?;
        for entry in std::fs::read_dir(from)? {
            let entry = entry?;
            let name = entry.file_name();
            if name.to_string_lossy().ends_with(".cleanup") {
                continue;
            }
            let kind = entry.file_type()?;
            if kind.is_dir() {
                copy(&entry.path(), &to.join(&name))?;
            } else if kind.is_symlink() {
                std::os::unix::fs::symlink(std::fs::read_link(entry.path())?, to.join(&name))?;
            } else {
                std::fs::copy(entry.path(), to.join(&name))?;
            }
        }
        Ok(())
    }
    for (from, to) in copies {
        let _ = std::fs::remove_dir_all(to);
        copy(from, to).map_err(|e| {
            std::io::Error::new(
                e.kind(),
                format!("{} to {}: {e}", from.display(), to.display()),
            )
        })?;
    }
    Ok(())
}

/// Runs every job, `width` at a time, calling `done` as each finishes (for progress); returns the
/// cells in the jobs' order and each column's version.
pub fn run_all(
    ctx: &Context,
    jobs: &[Job],
    width: usize,
    mut done: impl FnMut(usize, &Cell),
) -> (Vec<Cell>, BTreeMap<String, String>) {
    let plan: Vec<(&Job, Lane)> = jobs.iter().map(|j| (j, Lane::Beside)).collect();
    let mut finished = 0;
    let ran = scheduler::execute(
        &plan,
        width,
        |_| None,
        |job| run_one(ctx, job),
        |_, (cell, _)| {
            finished += 1;
            done(finished, cell);
        },
    );
    let mut versions = BTreeMap::new();
    let mut cells = Vec::new();
    for (cell, version) in ran.results {
        if let Some(version) = version {
            versions.insert(cell.runtime.clone(), version);
        }
        cells.push(cell);
    }
    (cells, versions)
}

/// Every column's version as the results record it: what a worker reported, else what discovery
/// says (or why the column is not available).
pub fn versions_of(columns: &[String], reported: &mut BTreeMap<String, String>) {
    for column in columns {
        if !reported.contains_key(column) {
            let version = runtime::select(column)
                .map_or_else(|e| format!("not available: {e}"), |b| b.version());
            reported.insert(column.clone(), version);
        }
    }
}
