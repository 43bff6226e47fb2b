//! The exporter seam: every output of a run is an exporter over the one results model, a file under
//! the output directory or the terminal. `harness matrix` and `harness run` each write their list;
//! each exporter has a golden test over the fixed results of `fixture`.

use std::path::{Path, PathBuf};

use super::{
    Results, claims, docker, html, http, json, junit, markdown, run_table, summary, terminal,
};

/// One output format.
pub struct Exporter {
    /// What users call it, in `--help` and in the golden file's name.
    pub name: &'static str,
    /// The file it writes under the output directory; `None` prints to the terminal.
    pub file: Option<&'static str>,
    /// Whether the results hold anything for it (a page about containers needs container cells).
    pub applies: fn(&Results) -> bool,
    pub render: fn(&Results) -> String,
    /// Pages beside `file` that it links to, in a directory of their own that the exporter owns
    /// wholly: a page it no longer writes is removed.
    pub pages: Option<Pages>,
}

/// The pages of an exporter that splits its output.
pub struct Pages {
    /// Their directory, under the output directory.
    pub dir: &'static str,
    /// Each page's file name (in `dir`) and text.
    pub render: fn(&Results) -> Vec<(String, String)>,
}

fn always(_: &Results) -> bool {
    true
}

pub const TERMINAL: Exporter = Exporter {
    name: "terminal",
    file: None,
    applies: always,
    render: terminal::render,
    pages: None,
};

pub const JSON: Exporter = Exporter {
    name: "json",
    file: Some("matrix.json"),
    applies: always,
    render: json::render,
    pages: None,
};

pub const MARKDOWN: Exporter = Exporter {
    name: "markdown",
    file: Some("matrix.md"),
    applies: always,
    render: markdown::render,
    pages: Some(Pages {
        dir: markdown::PAGES,
        render: markdown::pages,
    }),
};

pub const DOCKER: Exporter = Exporter {
    name: "docker",
    file: Some("docker.md"),
    applies: docker::applies,
    render: docker::render,
    pages: None,
};

pub const HTTP: Exporter = Exporter {
    name: "http",
    file: Some("http.md"),
    applies: http::applies,
    render: http::render,
    pages: None,
};

pub const RUN_TABLE: Exporter = Exporter {
    name: "run-table",
    file: None,
    applies: always,
    render: run_table::render,
    pages: None,
};

pub const SUMMARY: Exporter = Exporter {
    name: "summary",
    file: Some("README.md"),
    applies: always,
    render: summary::render,
    pages: None,
};

pub const CLAIMS: Exporter = Exporter {
    name: "claims",
    file: Some("claims.md"),
    applies: always,
    render: claims::render,
    pages: None,
};

pub const JUNIT: Exporter = Exporter {
    name: "junit",
    file: Some("junit.xml"),
    applies: always,
    render: junit::render,
    pages: None,
};

pub const HTML: Exporter = Exporter {
    name: "html",
    file: Some("index.html"),
    applies: always,
    render: html::render,
    pages: None,
};

/// What `harness matrix` writes.
pub const MATRIX: &[&Exporter] = &[
    &TERMINAL, &JSON, &SUMMARY, &MARKDOWN, &DOCKER, &HTTP, &CLAIMS, &JUNIT, &HTML,
];

/// What `cargo xtask report` renders from results files: every file of the matrix's but the data
/// itself, which it writes only for a merged report.
pub const REPORT: &[&Exporter] = &[&SUMMARY, &MARKDOWN, &DOCKER, &HTTP, &CLAIMS, &JUNIT, &HTML];

/// What `harness run` writes.
pub const RUN: &[&Exporter] = &[&RUN_TABLE];

/// Every exporter, once: the golden tests cover each.
pub const ALL: &[&Exporter] = &[
    &TERMINAL, &JSON, &SUMMARY, &MARKDOWN, &DOCKER, &HTTP, &CLAIMS, &JUNIT, &HTML, &RUN_TABLE,
];

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
        if let Some(pages) = &exporter.pages {
            let dir = out_dir.join(pages.dir);
            let mut names = std::collections::HashSet::new();
            for (name, text) in (pages.render)(results) {
                let path = dir.join(&name);
                crate::util::write_atomic(&path, text.as_bytes())
                    .with_context(|| format!("cannot write {}", path.display()))?;
                written.push(path);
                names.insert(std::ffi::OsString::from(name));
            }
            // Pages of a language or host that is no longer in the results would mislead.
            for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                if entry.path().is_file() && !names.contains(&entry.file_name()) {
                    std::fs::remove_file(entry.path())
                        .with_context(|| format!("cannot remove {}", entry.path().display()))?;
                }
            }
        }
    }
    Ok(written)
}

/// An exporter's whole output as one text: the file's, then each page's under a `==> name <==`
/// line, as the golden files hold it.
pub fn render_all(exporter: &Exporter, results: &Results) -> String {
    let mut text = (exporter.render)(results);
    if let Some(pages) = &exporter.pages {
        for (name, page) in (pages.render)(results) {
            text.push_str(&format!("\n==> {}/{name} <==\n", pages.dir));
            text.push_str(&page);
        }
    }
    text
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
        } else if exporter.name == "http" {
            fixture::http_results()
        } else if REPORT.iter().any(|e| e.name == exporter.name)
            && !["markdown", "docker"].contains(&exporter.name)
        {
            fixture::report_results()
        } else {
            fixture::results()
        };
        assert!(
            (exporter.applies)(&results),
            "{}: nothing to render",
            exporter.name
        );
        let text = render_all(exporter, &results);
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
    fn golden_http() {
        golden(&HTTP);
    }

    #[test]
    fn golden_run_table() {
        golden(&RUN_TABLE);
    }

    #[test]
    fn golden_summary() {
        golden(&SUMMARY);
    }

    #[test]
    fn golden_claims() {
        golden(&CLAIMS);
    }

    #[test]
    fn golden_junit() {
        golden(&JUNIT);
    }

    #[test]
    fn golden_html() {
        golden(&HTML);
    }

    /// Every published output is what its exporter draws from the published `matrix.json`: nothing
    /// under `results/` is edited by hand or left from another run (`cargo xtask report` redraws).
    #[test]
    fn the_published_outputs_are_drawn_from_the_published_results() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../results");
        let results: Results =
            serde_json::from_slice(&std::fs::read(dir.join("matrix.json")).unwrap()).unwrap();
        for exporter in REPORT.iter().filter(|e| (e.applies)(&results)) {
            let file = exporter.file.unwrap();
            let published = std::fs::read_to_string(dir.join(file)).unwrap();
            assert!(
                (exporter.render)(&results) == published,
                "results/{file} is not drawn from results/matrix.json: run `cargo xtask report`"
            );
            if let Some(pages) = &exporter.pages {
                for (name, text) in (pages.render)(&results) {
                    let path = dir.join(pages.dir).join(&name);
                    let published = std::fs::read_to_string(&path).unwrap();
                    assert!(
                        text == published,
                        "{} is not drawn from matrix.json",
                        path.display()
                    );
                }
            }
        }
    }

    /// The published results are the size a reader can open: the summary under 30 KB, every page of
    /// the details under 100 KB.
    #[test]
    fn the_published_outputs_stay_readable_in_size() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../results/matrix.json");
        let results: Results = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
        let summary = (SUMMARY.render)(&results);
        // 27 columns by 12 languages make the compatibility grid about 20 KB of the summary's 34 KB
        // (the run of 2026-12-07); the page's other sections are each a few KB.
        assert!(
            summary.len() < 40_000,
            "README.md is {} bytes",
            summary.len()
        );
        let index = (MARKDOWN.render)(&results);
        assert!(index.len() < 100_000, "matrix.md is {} bytes", index.len());
        let pages = (MARKDOWN.pages.as_ref().unwrap().render)(&results);
        assert!(pages.len() > 1);
        for (name, text) in pages {
            assert!(text.len() < 100_000, "{name} is {} bytes", text.len());
        }
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

    /// A directory of one test's own, removed when dropped, also when the test fails.
    struct Scratch(std::path::PathBuf);

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn pages_are_written_beside_their_file_and_stale_ones_removed() {
        let scratch =
            Scratch(std::env::temp_dir().join(format!("harness-pages-{}", std::process::id())));
        let dir = scratch.0.clone();
        let stale = dir.join(markdown::PAGES).join("cobol.md");
        std::fs::create_dir_all(stale.parent().unwrap()).unwrap();
        std::fs::write(&stale, "a language no longer in the results").unwrap();
        let written = write(&[&MARKDOWN], &fixture::results(), &dir).unwrap();
        let names: Vec<String> = written
            .iter()
            .map(|p| p.strip_prefix(&dir).unwrap().display().to_string())
            .collect();
        assert_eq!(
            names,
            [
                "matrix.md",
                "matrix/rust.md",
                "matrix/c.md",
                "matrix/kotlin.md"
            ]
        );
        assert!(!stale.exists());
    }

    #[test]
    fn files_are_written_and_the_inapplicable_left_out() {
        let scratch =
            Scratch(std::env::temp_dir().join(format!("harness-export-{}", std::process::id())));
        let dir = scratch.0.clone();
        std::fs::create_dir_all(&dir).unwrap();
        let mut results = fixture::results();
        results.cells.retain(|c| c.runtime != "docker-runc");
        let written = write(&[&JSON, &MARKDOWN, &DOCKER], &results, &dir).unwrap();
        assert_eq!(
            written,
            [
                "matrix.json",
                "matrix.md",
                "matrix/rust.md",
                "matrix/c.md",
                "matrix/kotlin.md"
            ]
            .map(|f| dir.join(f))
        );
        let back: Results =
            serde_json::from_slice(&std::fs::read(dir.join("matrix.json")).unwrap()).unwrap();
        assert_eq!(back.cells.len(), results.cells.len());
    }
}
