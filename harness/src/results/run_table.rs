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

/// Whether a `harness run` met what was expected, as its exit status says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Every column that ran met the expectation.
    Met,
    /// Some column ran and did not.
    NotMet,
    /// Nothing failed, but some column could not be judged (a harness fault), or none ran.
    NotJudged,
}

impl Status {
    /// The exit status (`harness run --help` lists them).
    pub fn code(self) -> u8 {
        match self {
            Status::Met => 0,
            Status::NotMet => 1,
            Status::NotJudged => 3,
        }
    }
}

/// What the run's cells say together: a column that did not meet the expectation decides it, then a
/// column that could not be judged; skipped columns count only when no column ran.
pub fn status(results: &Results) -> Status {
    let judged = |c: &&Cell| !matches!(c.outcome, Outcome::Skipped | Outcome::HarnessFault);
    if results.cells.iter().filter(judged).any(|c| !c.as_expected) {
        Status::NotMet
    } else if results
        .cells
        .iter()
        .any(|c| c.outcome == Outcome::HarnessFault)
        || !results.cells.iter().any(|c| judged(&c))
    {
        Status::NotJudged
    } else {
        Status::Met
    }
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
    let agreement = if agreed {
        format!("all {ran} runtimes agree")
    } else {
        "the runtimes disagree".to_owned()
    };
    let met = results.cells.iter().filter(|c| c.as_expected).count();
    let verdict = match status(results) {
        Status::Met => format!("every column that ran met the expectation ({met} of {ran})"),
        Status::NotMet => format!(
            "{} of {ran} columns did not meet the expectation",
            ran - met
        ),
        Status::NotJudged => {
            "no column failed, but not every column could be judged (see the reasons)".to_owned()
        }
    };
    format!("{table}\n{agreement}; {verdict}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::fixture;

    #[test]
    fn the_status_says_whether_every_judged_column_met_the_expectation() {
        let mut results = fixture::run_results();
        for cell in &mut results.cells {
            cell.as_expected = cell.outcome == Outcome::Pass;
        }
        // Two passes and a column whose tool is missing.
        assert_eq!(status(&results), Status::Met);
        results.cells[1].outcome = Outcome::HarnessFault;
        results.cells[1].as_expected = false;
        assert_eq!(status(&results), Status::NotJudged);
        results.cells[0].outcome = Outcome::Fail;
        results.cells[0].as_expected = false;
        assert_eq!(status(&results), Status::NotMet);
        for cell in &mut results.cells {
            cell.outcome = Outcome::Skipped;
        }
        assert_eq!(status(&results), Status::NotJudged);
        assert_eq!(
            [Status::Met, Status::NotMet, Status::NotJudged].map(Status::code),
            [0, 1, 3]
        );
    }
}
