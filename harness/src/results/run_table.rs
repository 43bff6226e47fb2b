//! `harness run`'s table: one row per column that ran the module, with its outcome, exit code,
//! output and phases, and whether the columns agree.

use super::{Cell, Results, format_ms};
use crate::Outcome;
use crate::util::shorten;

/// What must be the same on every column that ran for them to agree.
fn observed(cell: &Cell) -> (Outcome, Option<i32>, Option<&super::Output>) {
    (cell.outcome, cell.exit_code, cell.output.as_ref())
}

/// How many columns ran, and whether they all saw the same outcome, exit code and output.
pub fn agreement(results: &Results) -> (usize, bool) {
    let ran: Vec<&Cell> = results
        .cells
        .iter()
        .filter(|c| c.outcome != Outcome::Skipped)
        .collect();
    let agreed = ran.windows(2).all(|w| observed(w[0]) == observed(w[1]));
    (ran.len(), agreed)
}

pub fn render(results: &Results) -> String {
    let mut table = super::terminal::table();
    table.set_header([
        "runtime",
        "outcome",
        "exit",
        "stdout",
        "stderr",
        "compile",
        "instantiate",
        "run",
    ]);
    for cell in &results.cells {
        let label = if cell.reason.is_empty() {
            cell.outcome.to_string()
        } else {
            format!("{}: {}", cell.outcome, shorten(&cell.reason, 60))
        };
        let ran = cell.n > 0;
        let ms = |ms: f64| if ran { format_ms(ms) } else { "—".into() };
        let output = cell.output.clone().unwrap_or_default();
        table.add_row([
            cell.runtime.clone(),
            label,
            cell.exit_code.map_or("—".into(), |c| c.to_string()),
            shorten(output.stdout.trim_end(), 400),
            shorten(output.stderr.trim_end(), 400),
            ms(cell.phases_ms.compile),
            ms(cell.phases_ms.instantiate),
            ms(cell.phases_ms.run),
        ]);
    }
    let (ran, agreed) = agreement(results);
    let verdict = if agreed {
        format!("all {ran} runtimes agree")
    } else {
        "the runtimes disagree".to_owned()
    };
    format!("{table}\n{verdict}")
}
