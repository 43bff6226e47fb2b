//! The results model (one serde model for every output format) and atomic writing of result files.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::Outcome;
use crate::runtime::Phases;

pub mod docker;
pub mod json;
pub mod markdown;
pub mod terminal;

/// One run of the matrix: where and how it ran, and every cell.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Results {
    pub meta: Meta,
    pub cells: Vec<Cell>,
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
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Host {
    pub cpu: String,
    pub cores: usize,
    pub os: String,
    pub kernel: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HarnessBuild {
    pub profile: String,
    pub opt_level: String,
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
    /// How the runs' compile phases got their module, each distinct state in order: `miss` (compiled
    /// and stored), `hit` (loaded from the cache), `cold` (cache off), `native`, or `none` (not run).
    pub compile_cache: String,
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
}

impl Cell {
    /// `language/sample/case`, the row this cell belongs to.
    pub fn row(&self) -> String {
        format!("{}/{}/{}", self.language, self.sample, self.case)
    }
}

impl Results {
    /// Row keys in first-seen order and runtime columns in first-seen order.
    pub fn grid(&self) -> (Vec<String>, Vec<String>) {
        let mut rows: Vec<String> = Vec::new();
        let mut cols: Vec<String> = Vec::new();
        for cell in &self.cells {
            let row = cell.row();
            if !rows.contains(&row) {
                rows.push(row);
            }
            if !cols.contains(&cell.runtime) {
                cols.push(cell.runtime.clone());
            }
        }
        (rows, cols)
    }

    pub fn cell(&self, row: &str, runtime: &str) -> Option<&Cell> {
        self.cells
            .iter()
            .find(|c| c.runtime == runtime && c.row() == row)
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
            let reason = crate::outcome::shorten(&cell.reason, reason_chars);
            if reason.is_empty() {
                format!("{mark} {outcome}")
            } else {
                format!("{mark} {outcome}: {reason}")
            }
        }
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

/// Writes a file so that readers see the old content or the new, never a part: a temporary file in
/// the same directory, flushed to disk, then renamed over the target.
pub fn write_atomic(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let name = path
        .file_name()
        .ok_or_else(|| std::io::Error::other("result path has no file name"))?;
    let tmp = dir.join(format!(
        ".{}.tmp.{}",
        name.to_string_lossy(),
        std::process::id()
    ));
    let written = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(contents)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> std::path::PathBuf {
        let dir =
            std::env::temp_dir().join(format!("harness-results-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn atomic_write_replaces_and_leaves_no_temporary() {
        let dir = scratch("replace");
        let path = dir.join("matrix.json");
        write_atomic(&path, b"old").unwrap();
        write_atomic(&path, b"new").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
        let names: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("matrix.json")]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn failed_atomic_write_keeps_the_old_file() {
        let dir = scratch("keep");
        let path = dir.join("matrix.json");
        write_atomic(&path, b"old").unwrap();
        // A directory where the temporary file should go makes the write fail before the rename.
        let blocker = dir.join(format!(".matrix.json.tmp.{}", std::process::id()));
        std::fs::create_dir(&blocker).unwrap();
        assert!(write_atomic(&path, b"new").is_err());
        assert_eq!(std::fs::read(&path).unwrap(), b"old");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn atomic_write_creates_the_directory() {
        let dir = scratch("create");
        let path = dir.join("a/b/matrix.md");
        write_atomic(&path, b"x").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"x");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
