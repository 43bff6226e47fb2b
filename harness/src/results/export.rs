//! The exporter seam: every output of a run is an exporter over the one results model, a file under
//! the output directory or the terminal. `harness matrix` and `harness run` each write their list;
//! each exporter has a golden test over the fixed results of `fixture`.

use std::path::{Path, PathBuf};

use super::{Results, docker, json, markdown, run_table, terminal};

/// One output format.
pub struct Exporter {
    /// What users call it, in `--help` and in the golden file's name.
    pub name: &'static str,
    /// The file it writes under the output directory; `None` prints to the terminal.
    pub file: Option<&'static str>,
    /// Whether the results hold anything for it (a page about containers needs container cells).
    pub applies: fn(&Results) -> bool,
    pub render: fn(&Results) -> String,
}

fn always(_: &Results) -> bool {
    true
}

pub const TERMINAL: Exporter = Exporter {
    name: "terminal",
    file: None,
    applies: always,
    render: terminal::render,
};

pub const JSON: Exporter = Exporter {
    name: "json",
    file: Some("matrix.json"),
    applies: always,
    render: json::render,
};

pub const MARKDOWN: Exporter = Exporter {
    name: "markdown",
    file: Some("matrix.md"),
    applies: always,
    render: markdown::render,
};

pub const DOCKER: Exporter = Exporter {
    name: "docker",
    file: Some("docker.md"),
    applies: docker::applies,
    render: docker::render,
};

pub const RUN_TABLE: Exporter = Exporter {
    name: "run-table",
    file: None,
    applies: always,
    render: run_table::render,
};

/// What `harness matrix` writes.
pub const MATRIX: &[&Exporter] = &[&TERMINAL, &JSON, &MARKDOWN, &DOCKER];

/// What `harness run` writes.
pub const RUN: &[&Exporter] = &[&RUN_TABLE];

/// Every exporter, once: the golden tests cover each.
pub const ALL: &[&Exporter] = &[&TERMINAL, &JSON, &MARKDOWN, &DOCKER, &RUN_TABLE];

/// Renders every exporter that applies: files atomically under `out_dir`, the terminal's on stdout.
/// Returns the files written.
pub fn write(
    exporters: &[&Exporter],
    results: &Results,
    out_dir: &Path,
) -> anyhow::Result<Vec<PathBuf>> {
    use anyhow::Context as _;
    let mut written = Vec::new();
    for exporter in exporters.iter().filter(|e| (e.applies)(results)) {
        let text = (exporter.render)(results);
        match exporter.file {
            None => println!("{text}"),
            Some(file) => {
                let path = out_dir.join(file);
                crate::util::write_atomic(&path, text.as_bytes())
                    .with_context(|| format!("cannot write {}", path.display()))?;
                written.push(path);
            }
        }
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::super::fixture;
    use super::*;

    /// Renders `exporter` over the fixture and compares it with `golden/<name>`; with
    /// `UPDATE_GOLDEN=1` writes it instead. A change of format shows as a diff in review.
    fn golden(exporter: &Exporter) {
        let results = if RUN.iter().any(|e| e.name == exporter.name) {
            fixture::run_results()
        } else {
            fixture::results()
        };
        assert!(
            (exporter.applies)(&results),
            "{}: nothing to render",
            exporter.name
        );
        let text = (exporter.render)(&results);
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("src/results/golden")
            .join(exporter.name);
        if std::env::var_os("UPDATE_GOLDEN").is_some() {
            std::fs::write(&path, &text).unwrap();
            return;
        }
        let want = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{}: {e} (UPDATE_GOLDEN=1 writes it)", path.display()));
        if text != want {
            let first = text
                .lines()
                .zip(want.lines())
                .position(|(a, b)| a != b)
                .unwrap_or(text.lines().count().min(want.lines().count()));
            panic!(
                "{} differs from {} from line {}:\n  got:  {:?}\n  want: {:?}\n(UPDATE_GOLDEN=1 \
                 rewrites it when the change is meant)",
                exporter.name,
                path.display(),
                first + 1,
                text.lines().nth(first),
                want.lines().nth(first)
            );
        }
    }

    #[test]
    fn golden_terminal() {
        golden(&TERMINAL);
    }

    #[test]
    fn golden_json() {
        golden(&JSON);
    }

    #[test]
    fn golden_markdown() {
        golden(&MARKDOWN);
    }

    #[test]
    fn golden_docker() {
        golden(&DOCKER);
    }

    #[test]
    fn golden_run_table() {
        golden(&RUN_TABLE);
    }

    #[test]
    fn every_exporter_has_a_golden_file_and_a_unique_name() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/results/golden");
        let mut names = std::collections::HashSet::new();
        for exporter in ALL {
            assert!(names.insert(exporter.name), "{} twice", exporter.name);
            assert!(
                dir.join(exporter.name).is_file(),
                "{} has no golden file",
                exporter.name
            );
        }
        for list in [MATRIX, RUN] {
            for exporter in list {
                assert!(ALL.iter().any(|e| e.name == exporter.name));
            }
        }
    }

    #[test]
    fn files_are_written_and_the_inapplicable_left_out() {
        let dir = std::env::temp_dir().join(format!("harness-export-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut results = fixture::results();
        results.cells.retain(|c| c.runtime != "docker-runc");
        let written = write(&[&JSON, &MARKDOWN, &DOCKER], &results, &dir).unwrap();
        assert_eq!(written, [dir.join("matrix.json"), dir.join("matrix.md")]);
        let back: Results =
            serde_json::from_slice(&std::fs::read(dir.join("matrix.json")).unwrap()).unwrap();
        assert_eq!(back.cells.len(), results.cells.len());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
