//! `matrix.json`: the whole results model, pretty-printed.

use super::Results;

pub fn render(results: &Results) -> String {
    let mut text =
        serde_json::to_string_pretty(results).expect("the results model always serializes");
    text.push('\n');
    text
}
