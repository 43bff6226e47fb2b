//! The matrix's journal: every finished cell appended as it is measured, so that an interrupted run
//! (a closed laptop, a session's end, Ctrl-C) goes on with `matrix --resume` instead of starting over.
//!
//! The file is JSON lines: a header naming the run (commit, repeat, switches, the cells it is
//! made of), then one line per finished cell with the runtime's version and when the sitting that
//! measured it began. A resumed run must be the same run: anything else in the header is an error
//! that says what differs. A line cut short by a crash is the cell that was being written when it
//! happened: it is dropped and that cell runs again.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::results::Cell;

/// What makes two sittings the same run.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Identity {
    pub git_commit: String,
    pub repeat: u32,
    /// The switches that change what a cell measures (`--no-cache`, `--bench-interpreters`).
    pub switches: Vec<String>,
    /// Every cell of the run, `runtime language/sample/case`, in the order they run.
    pub jobs: Vec<String>,
}

#[derive(Debug, Serialize, Deserialize)]
struct Header {
    journal: u32,
    identity: Identity,
}

#[derive(Debug, Serialize, Deserialize)]
struct Entry {
    /// When the sitting that measured the cell began (RFC 3339).
    sitting: String,
    version: Option<String>,
    cell: Cell,
}

/// A cell that an earlier sitting measured.
#[derive(Debug, Clone)]
pub struct Done {
    pub cell: Cell,
    pub version: Option<String>,
    pub sitting: String,
}

#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("cannot use the journal {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the journal {path} is not one this harness writes: {message}")]
    Unreadable { path: PathBuf, message: String },
    #[error(
        "the journal {path} is of another run ({what} differs): run the matrix without --resume \
         to start again"
    )]
    OtherRun { path: PathBuf, what: &'static str },
    #[error("no journal at {path} to resume: run the matrix without --resume")]
    Missing { path: PathBuf },
}

/// The journal of a run being made.
pub struct Journal {
    path: PathBuf,
    file: File,
    sitting: String,
}

impl Journal {
    /// Starts a new journal at `path`, replacing any old one.
    pub fn start(path: &Path, identity: &Identity, sitting: &str) -> Result<Journal, JournalError> {
        let io = |source| JournalError::Io {
            path: path.to_owned(),
            source,
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let mut file = File::create(path).map_err(io)?;
        let header = Header {
            journal: 1,
            identity: identity.clone(),
        };
        let line = serde_json::to_string(&header).expect("a header serializes");
        writeln!(file, "{line}")
            .and_then(|_| file.sync_data())
            .map_err(io)?;
        Ok(Journal {
            path: path.to_owned(),
            file,
            sitting: sitting.to_owned(),
        })
    }

    /// Opens the journal at `path` to go on with the run it records, which must be `identity`, and
    /// returns the cells already measured, by `runtime language/sample/case`.
    pub fn resume(
        path: &Path,
        identity: &Identity,
        sitting: &str,
    ) -> Result<(Journal, HashMap<String, Done>), JournalError> {
        let io = |source| JournalError::Io {
            path: path.to_owned(),
            source,
        };
        let file = match File::open(path) {
            Ok(file) => file,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                return Err(JournalError::Missing {
                    path: path.to_owned(),
                });
            }
            Err(err) => return Err(io(err)),
        };
        let mut lines = BufReader::new(file).lines();
        let unreadable = |message: String| JournalError::Unreadable {
            path: path.to_owned(),
            message,
        };
        let first = lines
            .next()
            .transpose()
            .map_err(io)?
            .ok_or_else(|| unreadable("it is empty".into()))?;
        let header: Header =
            serde_json::from_str(&first).map_err(|err| unreadable(format!("its header: {err}")))?;
        let other = |what| JournalError::OtherRun {
            path: path.to_owned(),
            what,
        };
        let theirs = &header.identity;
        if theirs.git_commit != identity.git_commit {
            return Err(other("the commit"));
        }
        if theirs.repeat != identity.repeat {
            return Err(other("--repeat"));
        }
        if theirs.switches != identity.switches {
            return Err(other("a switch"));
        }
        if theirs.jobs != identity.jobs {
            return Err(other("the set of cells"));
        }
        let mut done = HashMap::new();
        // Whole lines only: `good` is where the last whole line ends, and a cut-off tail is dropped.
        let mut good = first.len() as u64 + 1;
        for line in lines {
            let line = line.map_err(io)?;
            match serde_json::from_str::<Entry>(&line) {
                Ok(entry) => {
                    good += line.len() as u64 + 1;
                    done.insert(
                        key(&entry.cell),
                        Done {
                            cell: entry.cell,
                            version: entry.version,
                            sitting: entry.sitting,
                        },
                    );
                }
                Err(_) => break,
            }
        }
        let file = OpenOptions::new().write(true).open(path).map_err(io)?;
        file.set_len(good).map_err(io)?;
        let mut journal = Journal {
            path: path.to_owned(),
            file,
            sitting: sitting.to_owned(),
        };
        use std::io::Seek;
        journal
            .file
            .seek(std::io::SeekFrom::End(0))
            .map_err(|source| JournalError::Io {
                path: journal.path.clone(),
                source,
            })?;
        Ok((journal, done))
    }

    /// Appends a finished cell, on disk before the next cell starts.
    pub fn record(&mut self, cell: &Cell, version: Option<&str>) -> Result<(), JournalError> {
        let entry = Entry {
            sitting: self.sitting.clone(),
            version: version.map(str::to_owned),
            cell: cell.clone(),
        };
        let line = serde_json::to_string(&entry).expect("a cell serializes");
        writeln!(self.file, "{line}")
            .and_then(|_| self.file.sync_data())
            .map_err(|source| JournalError::Io {
                path: self.path.clone(),
                source,
            })
    }

    /// Removes the journal of a run whose results are written.
    pub fn finish(self) -> std::io::Result<()> {
        drop(self.file);
        std::fs::remove_file(&self.path)
    }
}

/// A job's name in the journal: `runtime language/sample/case`.
pub fn job(runtime: &str, sample_id: &str, case: &str) -> String {
    format!("{runtime} {sample_id}/{case}")
}

/// A cell's job key, as [`job`] writes it.
pub fn key(cell: &Cell) -> String {
    job(
        &cell.runtime,
        &format!("{}/{}", cell.language, cell.sample),
        &cell.case,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Outcome;
    use crate::results::fixture;

    fn identity() -> Identity {
        Identity {
            git_commit: "abc".into(),
            repeat: 5,
            switches: vec![],
            jobs: vec![
                "wasmtime rust/nbody/bench".into(),
                "wasmer rust/nbody/bench".into(),
            ],
        }
    }

    /// A scratch directory of the test's own, removed when the test ends.
    struct Scratch(PathBuf);

    impl Scratch {
        fn new() -> Scratch {
            let dir = std::env::temp_dir().join(format!(
                "harness-journal-{}-{:?}",
                std::process::id(),
                std::thread::current().id()
            ));
            let _ = std::fs::remove_dir_all(&dir);
            Scratch(dir)
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn a_resumed_run_gets_back_what_was_measured_and_goes_on() {
        let dir = Scratch::new();
        let path = dir.0.join("journal.jsonl");
        let mut journal = Journal::start(&path, &identity(), "first").unwrap();
        let cell = fixture::cell("wasmtime", "rust/nbody/bench", Outcome::Pass, &[1.0, 2.0]);
        journal.record(&cell, Some("wasmtime 48")).unwrap();
        drop(journal);

        let (mut journal, done) = Journal::resume(&path, &identity(), "second").unwrap();
        assert_eq!(done.len(), 1);
        let got = &done["wasmtime rust/nbody/bench"];
        assert_eq!(got.cell.phases_ms.run, cell.phases_ms.run);
        assert_eq!(got.version.as_deref(), Some("wasmtime 48"));
        assert_eq!(got.sitting, "first");
        let other = fixture::cell("wasmer", "rust/nbody/bench", Outcome::Pass, &[3.0]);
        journal.record(&other, None).unwrap();
        drop(journal);

        let (journal, done) = Journal::resume(&path, &identity(), "third").unwrap();
        assert_eq!(done.len(), 2);
        assert_eq!(done["wasmer rust/nbody/bench"].sitting, "second");
        journal.finish().unwrap();
        assert!(!path.exists());
    }

    #[test]
    fn a_line_cut_short_is_dropped_and_its_cell_runs_again() {
        let dir = Scratch::new();
        let path = dir.0.join("journal.jsonl");
        let mut journal = Journal::start(&path, &identity(), "first").unwrap();
        let cell = fixture::cell("wasmtime", "rust/nbody/bench", Outcome::Pass, &[1.0]);
        journal.record(&cell, None).unwrap();
        drop(journal);
        let mut file = OpenOptions::new().append(true).open(&path).unwrap();
        write!(file, "{{\"sitting\":\"first\",\"cell\":{{\"runtime\":\"was").unwrap();
        drop(file);

        let (mut journal, done) = Journal::resume(&path, &identity(), "second").unwrap();
        assert_eq!(done.len(), 1, "the torn line is not a cell");
        let other = fixture::cell("wasmer", "rust/nbody/bench", Outcome::Pass, &[3.0]);
        journal.record(&other, None).unwrap();
        drop(journal);
        let (_, done) = Journal::resume(&path, &identity(), "third").unwrap();
        assert_eq!(done.len(), 2, "what follows the torn line is readable");
    }

    #[test]
    fn another_run_is_refused_with_what_differs() {
        let dir = Scratch::new();
        let path = dir.0.join("journal.jsonl");
        Journal::start(&path, &identity(), "first").unwrap();
        let mut other = identity();
        other.repeat = 3;
        let err = Journal::resume(&path, &other, "second").err().unwrap();
        assert!(err.to_string().contains("--repeat differs"), "{err}");
        let mut other = identity();
        other.jobs.pop();
        let err = Journal::resume(&path, &other, "second").err().unwrap();
        assert!(
            err.to_string().contains("the set of cells differs"),
            "{err}"
        );
        let err = Journal::resume(&path.with_extension("gone"), &identity(), "second")
            .err()
            .unwrap();
        assert!(matches!(err, JournalError::Missing { .. }), "{err}");
    }
}
