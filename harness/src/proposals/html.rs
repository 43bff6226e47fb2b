//! `proposals.html`: the measured proposal table as one self-contained page (no script, no network
//! at view time), each cell coloured by what was measured, with both runs and the engine's words on
//! hover and the differences from the declared table listed beneath.

use std::fmt::Write as _;

use super::report::{order, ran, short};
use super::{Answer, Report, Support, measured};
use crate::util::escape_html as esc;

impl Report {
    /// The measured table as HTML (`results/proposals.html`).
    pub fn html(&self) -> String {
        let columns = order(&ran(&self.cells));
        let mut table = String::from("<table id=\"proposals\"><thead><tr><th>proposal</th>");
        for column in &columns {
            let _ = write!(table, "<th>{}</th>", esc(column));
        }
        table.push_str("</tr></thead><tbody>\n");
        for probe in &self.probes {
            let status = if probe.standard {
                ""
            } else {
                " <small>(proposal)</small>"
            };
            let _ = write!(
                table,
                "<tr><th title=\"{}\">{}{status}</th>",
                esc(&probe.note),
                esc(&probe.title)
            );
            for column in &columns {
                let row = self
                    .table
                    .iter()
                    .find(|r| r.proposal == probe.proposal && &r.column == column);
                let Some(row) = row else {
                    let text = if probe.file { "—" } else { "n/a" };
                    let _ = write!(table, "<td class=\"s-none\">{text}</td>");
                    continue;
                };
                let mut title = format!("declared: {}", row.declared.label());
                if let Some(m) = measured(&self.cells, &probe.name, column) {
                    for (config, cell) in [("default", m.default), ("enabled", m.enabled)] {
                        let answer = Answer::of(cell);
                        let _ = write!(title, "\n{config}: {}", answer.label());
                        if answer != Answer::Ran && !cell.reason.is_empty() {
                            let words = crate::util::shorten(&cell.reason, 300);
                            let _ = write!(title, ": {words}");
                        }
                    }
                }
                if let Some(differs) = &row.differs {
                    let _ = write!(title, "\ndiffers from the declared table: {differs}");
                }
                let _ = write!(
                    table,
                    "<td class=\"s-{}{}\" title=\"{}\">{}{}</td>",
                    class(row.support),
                    if row.differs.is_some() {
                        " differs"
                    } else {
                        ""
                    },
                    esc(&title),
                    row.support.mark(),
                    if row.differs.is_some() { " †" } else { "" }
                );
            }
            table.push_str("</tr>\n");
        }
        table.push_str("</tbody></table>");

        let mut differences = String::new();
        for row in self.table.iter().filter(|r| r.differs.is_some()) {
            let says = self
                .declared_words(row)
                .map_or(String::new(), |s| format!(" (the table says: {})", esc(s)));
            let _ = writeln!(
                differences,
                "<li><code>{}</code>, {}: {}{says}</li>",
                esc(&row.column),
                esc(&row.proposal.to_string()),
                esc(row.differs.as_deref().unwrap_or_default())
            );
        }
        if differences.is_empty() {
            differences = "<li>none: every measured entry agrees with the declared one</li>".into();
        }
        let versions: String = self
            .meta
            .runtimes
            .iter()
            .map(|(column, version)| {
                format!("<li><code>{}</code>: {}</li>\n", esc(column), esc(version))
            })
            .collect();
        format!(
            r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>wasm-polyglot: WebAssembly proposal support, measured on {date}</title>
<style>{STYLE}</style>
</head>
<body>
<header>
<h1>WebAssembly proposal support, measured</h1>
<p>Made by <code>cargo xtask proposals</code> on {date} ({host}) at commit <code>{commit}</code>.
Each proposal's probe (<code>conformance/proposals/NAME.wat</code>) ran on each column twice: with the
engine's default configuration and with the proposal enabled the way the engine documents. Hover a
cell for both runs and the engine's own words. The same run as <a href="proposals.md">Markdown</a>
and <a href="proposals.json">data</a>; the samples' matrix is <a href="index.html">the report</a>.</p>
<p class="legend"><span class="s-default">✓</span> runs correctly by default
<span class="s-flag">flag</span> runs correctly only when enabled
<span class="s-partial">◐</span> accepted but not run correctly
<span class="s-no">✗</span> refused in both
<span class="s-crashes">crash</span> the engine died
<span class="s-none">—</span> not measured here.
A mark with † differs from the declared table ({declared}).</p>
</header>
<div class="scroll">{table}</div>
<h2>Differences from the declared table</h2>
<ul>
{differences}</ul>
<h2>Versions</h2>
<ul>
{versions}</ul>
</body>
</html>
"#,
            date = esc(&self.meta.date),
            host = esc(&self.meta.host.label()),
            commit = esc(short(&self.meta.git_commit)),
            declared = esc(&self.declared.source),
        )
    }
}

/// The cell's CSS class: one per [`Support`], named as it serializes.
fn class(support: Support) -> &'static str {
    match support {
        Support::Default => "default",
        Support::Flag => "flag",
        Support::Partial => "partial",
        Support::No => "no",
        Support::Crashes => "crashes",
        Support::Unmeasured => "none",
    }
}

const STYLE: &str = r#"
body { font: 14px/1.4 system-ui, sans-serif; margin: 1em 2em; color: #222; }
h1 { font-size: 1.6em; margin: .2em 0; }
code { font-size: .9em; }
.scroll { overflow: auto; border: 1px solid #ddd; }
#proposals { border-collapse: collapse; font-size: 13px; }
#proposals th, #proposals td { border: 1px solid #e4e4e4; padding: 3px 7px; white-space: nowrap; }
#proposals thead th { position: sticky; top: 0; background: #f6f6f6; }
#proposals tbody th { text-align: left; font-weight: normal; background: #fafafa; }
#proposals td { text-align: center; cursor: help; }
.legend span { display: inline-block; min-width: 2.5em; text-align: center; margin-left: .8em; }
.s-default { background: #dff3e3; }
.s-flag { background: #e6f0fb; }
.s-partial { background: #fbe7c6; }
.s-no { background: #f9d6d5; }
.s-crashes { background: #f2b8b5; font-weight: bold; }
.s-none { background: #eeeeee; color: #777; }
td.differs { font-weight: bold; }
"#;
