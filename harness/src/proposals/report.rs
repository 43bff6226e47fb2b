//! The published form of the proposal table: the model written as `proposals.json`, and its
//! Markdown (`proposals.md`).

use serde::{Deserialize, Serialize};

use super::{Answer, Corpus, Declared, DeclaredTable, Probe, Support, engine_of, measured};
use crate::manifest::Proposal;
use crate::outcome::Outcome;
use crate::results::Cell;
use crate::runtime::registry;

/// The published form: the run's metadata, the probes, the declared table, the measured table and
/// every cell (`results/proposals.json`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    pub meta: crate::results::Meta,
    pub probes: Vec<Probe>,
    pub declared: DeclaredTable,
    pub table: Vec<Row>,
    pub cells: Vec<Cell>,
}

/// One proposal on one column, measured, beside what is declared for its engine.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Row {
    pub proposal: Proposal,
    pub column: String,
    pub support: Support,
    pub default: Answer,
    pub enabled: Answer,
    pub declared: Declared,
    pub differs: Option<String>,
}

impl Report {
    pub fn new(meta: crate::results::Meta, corpus: &Corpus, cells: Vec<Cell>) -> Report {
        let columns = ran(&cells);
        let mut table = Vec::new();
        for probe in &corpus.probes {
            for column in order(&columns) {
                let Some(m) = measured(&cells, &probe.name, &column) else {
                    continue;
                };
                let declared = engine_of(&column)
                    .and_then(|e| corpus.declared.engines.get(e))
                    .and_then(|entries| entries.get(&probe.proposal))
                    .map_or(Declared::Unknown, |d| d.support);
                table.push(Row {
                    proposal: probe.proposal,
                    column,
                    support: m.support,
                    default: Answer::of(m.default),
                    enabled: Answer::of(m.enabled),
                    declared,
                    differs: m.support.differs_from(declared).map(str::to_owned),
                });
            }
        }
        Report {
            meta,
            probes: corpus.probes.clone(),
            declared: corpus.declared.clone(),
            table,
            cells,
        }
    }

    /// What the declared table says of a row's engine and proposal, in its own words, if anything.
    pub fn declared_words(&self, row: &Row) -> Option<&str> {
        engine_of(&row.column)
            .and_then(|e| self.declared.engines.get(e))
            .and_then(|entries| entries.get(&row.proposal))
            .map(|d| d.says.as_str())
            .filter(|s| !s.is_empty())
    }

    /// The measured table as Markdown (`results/proposals.md`).
    pub fn markdown(&self) -> String {
        use std::fmt::Write as _;
        let columns = order(&ran(&self.cells));
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# WebAssembly proposal support, measured\n\n\
             Made by `cargo xtask proposals` on {} ({}), commit `{}`. Each core proposal has a probe \
             of its own (`conformance/proposals/NAME.wat`) that uses the feature and prints a known \
             result. Each probe ran on each column twice: with the engine's default configuration, \
             and with the proposal enabled the way the engine documents (its `Config` switch, its \
             tool's flag, the shim's `HARNESS_PROPOSALS`).\n\n\
             **✓** runs correctly by default · **flag** runs correctly only when enabled · **◐** \
             accepted but not run correctly · **✗** refused in both · **crash** the engine died \
             · **—** not measured here (the reason is below). A mark with **†** differs from what webassembly.org/features declares \
             for the engine ({}); the differences are listed under the table.\n",
            self.meta.date,
            self.meta.host.label(),
            short(&self.meta.git_commit),
            self.declared.source
        );
        let _ = write!(out, "| proposal |");
        for column in &columns {
            let _ = write!(out, " {column} |");
        }
        let _ = write!(out, "\n|---|");
        for _ in &columns {
            let _ = write!(out, ":-:|");
        }
        out.push('\n');
        for probe in &self.probes {
            let standard = if probe.standard { "" } else { " (proposal)" };
            let _ = write!(out, "| {}{standard} |", probe.title);
            for column in &columns {
                let row = self
                    .table
                    .iter()
                    .find(|r| r.proposal == probe.proposal && &r.column == column);
                let text = match row {
                    None if !probe.file => "n/a".to_owned(),
                    None => "—".to_owned(),
                    Some(row) => {
                        let mark = row.support.mark();
                        let dagger = if row.differs.is_some() { " †" } else { "" };
                        format!("{mark}{dagger}")
                    }
                };
                let _ = write!(out, " {text} |");
            }
            out.push('\n');
        }
        let notes: Vec<&Probe> = self.probes.iter().filter(|p| !p.note.is_empty()).collect();
        if !notes.is_empty() {
            let _ = writeln!(out, "\n## About the probes\n");
            for probe in notes {
                let also = if probe.also_needs.is_empty() {
                    String::new()
                } else {
                    let names: Vec<String> =
                        probe.also_needs.iter().map(|p| p.to_string()).collect();
                    format!(" Also needs {}.", names.join(", "))
                };
                let _ = writeln!(
                    out,
                    "- **{}** (`{}`): {}{also}",
                    probe.title, probe.name, probe.note
                );
            }
        }
        let _ = writeln!(
            out,
            "\n## Differences from the declared table\n\nDeclared: {}.\n",
            self.declared.source
        );
        let mut any = false;
        for row in self.table.iter().filter(|r| r.differs.is_some()) {
            any = true;
            let says = self
                .declared_words(row)
                .map_or(String::new(), |s| format!(" (the table says: {s})"));
            let _ = writeln!(
                out,
                "- `{}`, {}: {}{says}.",
                row.column,
                row.proposal,
                row.differs.as_deref().unwrap_or_default()
            );
        }
        if !any {
            let _ = writeln!(
                out,
                "None: every measured entry agrees with the declared one."
            );
        }
        let _ = writeln!(
            out,
            "\n## What the engines said\n\nEvery run that did not print the expected result, in \
             the engine's own words (cut at 200 characters; `proposals.json` has them whole).\n"
        );
        for cell in self.cells.iter().filter(|c| c.outcome != Outcome::Pass) {
            let _ = writeln!(
                out,
                "- `{}` {} ({}): {}: {}",
                cell.runtime,
                cell.sample,
                cell.case,
                cell.outcome,
                crate::util::shorten(&crate::results::escape_cell(&cell.reason), 200)
            );
        }
        let _ = writeln!(out, "\n## Versions\n");
        for (column, version) in &self.meta.runtimes {
            let _ = writeln!(out, "- `{column}`: {version}");
        }
        out
    }
}

/// The columns that have cells.
pub(super) fn ran(cells: &[Cell]) -> Vec<String> {
    let mut columns: Vec<String> = cells.iter().map(|c| c.runtime.clone()).collect();
    columns.sort();
    columns.dedup();
    columns
}

/// Columns in the registry's order.
pub(super) fn order(columns: &[String]) -> Vec<String> {
    registry::names()
        .filter(|n| columns.iter().any(|c| c == n))
        .map(str::to_owned)
        .collect()
}

pub(super) fn short(commit: &str) -> &str {
    commit.get(..12).unwrap_or(commit)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::results::fixture;

    /// The published corpus with wasmer's relaxed-SIMD runs (refused by default, run when enabled)
    /// and its tail-call runs (refused in both, the engine's words holding markup).
    fn report() -> Report {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../conformance/proposals");
        let corpus = Corpus::load(&dir).unwrap();
        let refused = |row: &str| {
            let mut c = fixture::cell("wasmer", row, Outcome::Fail, &[1.0]);
            c.reason = "rejected at compile: <tail call> not enabled & unsupported".into();
            c
        };
        let cells = vec![
            refused("proposals/relaxed-simd/default"),
            fixture::cell(
                "wasmer",
                "proposals/relaxed-simd/enabled",
                Outcome::Pass,
                &[1.0],
            ),
            refused("proposals/tail-call/default"),
            refused("proposals/tail-call/enabled"),
        ];
        Report::new(fixture::results().meta, &corpus, cells)
    }

    #[test]
    fn the_tables_mark_what_was_measured_and_what_differs_from_the_declared() {
        let report = report();
        let relaxed = report
            .table
            .iter()
            .find(|r| r.proposal == Proposal::RelaxedSimd)
            .unwrap();
        assert_eq!(relaxed.support, Support::Flag);
        assert_eq!(relaxed.declared, Declared::Yes);
        assert!(relaxed.differs.is_some());
        // Only the column that ran is a column; probes it did not run are not measured.
        let markdown = report.markdown();
        assert!(markdown.contains("| proposal | wasmer |"), "{markdown}");
        assert!(markdown.contains("| Relaxed SIMD | flag † |"), "{markdown}");
        assert!(markdown.contains("| Tail Call | ✗ † |"), "{markdown}");
        assert!(markdown.contains("| Fixed-width SIMD | — |"), "{markdown}");
        assert!(
            markdown.contains("| JS String Builtins | n/a |"),
            "{markdown}"
        );
    }

    #[test]
    fn the_page_colours_each_cell_and_escapes_the_engines_words() {
        let html = report().html();
        assert!(html.contains("<th>wasmer</th>"), "{html}");
        assert!(html.contains("class=\"s-flag differs\""), "{html}");
        assert!(html.contains("class=\"s-no differs\""), "{html}");
        assert!(html.contains("&lt;tail call&gt; not enabled &amp; unsupported"));
        assert!(!html.contains("<tail call>"));
        assert!(html.contains("default: refused: rejected at compile"));
        assert!(html.contains("enabled: ran correctly"));
        assert!(html.contains("<li><code>wasmer</code>, relaxed-simd: declared on by default"));
    }
}
