//! The terminal table: rows are language/sample/case, columns are runtimes.

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{Cell as TableCell, Color, ContentArrangement, Table};

use super::{Results, cell_text};
use crate::Outcome;

/// A table in the terminal's style, as wide as the terminal. Under test it ignores the terminal, so
/// that the golden files do not depend on where the tests run.
pub(super) fn table() -> Table {
    let mut table = Table::new();
    table
        .load_style(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic);
    if cfg!(test) {
        table.force_no_tty();
    }
    table
}

pub fn render(results: &Results) -> String {
    let (rows, cols) = results.grid();
    let mut table = table();
    let mut header = vec![TableCell::new("sample/case")];
    header.extend(cols.iter().map(TableCell::new));
    table.set_header(header);
    for row in &rows {
        let mut line = vec![TableCell::new(row)];
        for col in &cols {
            line.push(match results.cell(row, col) {
                Some(cell) => {
                    TableCell::new(cell_text(cell, 48)).fg(color(cell.outcome, cell.as_expected))
                }
                None => TableCell::new("—"),
            });
        }
        table.add_row(line);
    }
    table.to_string()
}

fn color(outcome: Outcome, as_expected: bool) -> Color {
    match (outcome, as_expected) {
        (Outcome::Skipped, _) => Color::DarkGrey,
        (Outcome::Unsupported, _) => Color::Yellow,
        (Outcome::HarnessFault, _) => Color::Magenta,
        (_, true) => Color::Green,
        (_, false) => Color::Red,
    }
}
