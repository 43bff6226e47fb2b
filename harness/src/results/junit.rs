//! `junit.xml`: one test case per cell for CI dashboards. A test suite per column; a cell that got
//! the outcome its case expects passes (the error corpus expects traps), one that did not is a
//! failure (an error when the runtime crashed), and a skipped or unsupported cell is skipped with
//! its reason.

use std::fmt::Write;

use super::{Results, first_line};
use crate::Outcome;

pub fn render(results: &Results) -> String {
    let (_, cols) = results.grid();
    let mut suites = String::new();
    let (mut tests, mut failures, mut errors, mut skipped, mut seconds) = (0, 0, 0, 0, 0.0);
    for col in &cols {
        let cells: Vec<&super::Cell> = results
            .cells
            .iter()
            .filter(|c| &c.column() == col)
            .collect();
        let mut body = String::new();
        let (mut f, mut e, mut s, mut t) = (0, 0, 0, 0.0);
        for c in &cells {
            // The runs' wall time, all of them: what the cell cost the run.
            let time = c.wall_ms * f64::from(c.n) / 1000.0;
            t += time;
            let _ = write!(
                body,
                "    <testcase classname=\"{}.{}\" name=\"{}\" time=\"{time:.3}\"",
                xml(&c.language),
                xml(&c.sample),
                xml(&c.case)
            );
            let message = format!("{} (expected {})", c.outcome, c.expected);
            let reason = xml(&c.reason);
            match c.outcome {
                Outcome::Skipped | Outcome::Unsupported if !c.as_expected => {
                    s += 1;
                    let _ = writeln!(
                        body,
                        ">\n      <skipped message=\"{}\"/>\n    </testcase>",
                        xml(&format!("{}: {}", c.outcome, first_line(&c.reason)))
                    );
                }
                _ if c.as_expected => {
                    let _ = writeln!(body, "/>");
                }
                Outcome::Crash | Outcome::HarnessFault => {
                    e += 1;
                    let _ = writeln!(
                        body,
                        ">\n      <error message=\"{}\" type=\"{}\">{reason}</error>\n    </testcase>",
                        xml(&message),
                        c.outcome
                    );
                }
                outcome => {
                    f += 1;
                    let _ = writeln!(
                        body,
                        ">\n      <failure message=\"{}\" type=\"{outcome}\">{reason}</failure>\n    </testcase>",
                        xml(&message)
                    );
                }
            }
        }
        let _ = write!(
            suites,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{f}\" errors=\"{e}\" skipped=\"{s}\" time=\"{t:.3}\">\n{body}  </testsuite>\n",
            xml(col),
            cells.len()
        );
        tests += cells.len();
        failures += f;
        errors += e;
        skipped += s;
        seconds += t;
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"wasm-polyglot matrix {} {}\" \
         tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"{skipped}\" \
         time=\"{seconds:.3}\" timestamp=\"{}\">\n{suites}</testsuites>\n",
        xml(&results.meta.git_commit),
        xml(&results.meta.date),
        xml(results.meta.date.split(", ").next().unwrap_or("")),
    )
}

/// Text and attribute values escaped; characters XML 1.0 cannot hold at all (most controls)
/// replaced, since a guest's output may contain anything.
fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(ch),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::fixture;
    use super::*;

    #[test]
    fn one_test_case_per_cell_and_hostile_text_escaped() {
        let mut results = fixture::results();
        results.cells[7].reason = "diff: <stdout> & \"quotes\" \u{1}\u{7}".into();
        let text = render(&results);
        assert_eq!(text.matches("<testcase ").count(), results.cells.len());
        assert_eq!(text.matches("<testsuite ").count(), 5);
        assert!(text.contains("diff: &lt;stdout&gt; &amp; &quot;quotes&quot; \u{FFFD}\u{FFFD}"));
        assert!(!text.contains('\u{1}'));
        // Wasmer timed out on SHA-256: a failure; epoch's skipped cell is skipped.
        assert!(text.contains("<failure message=\"timeout (expected pass)\" type=\"timeout\">"));
        assert!(text.contains("<skipped message=\"skipped: skipped for the test\"/>"));
    }
}
