//! The project README's excerpts of the published results: blocks between `<!-- results:NAME -->`
//! and `<!-- /results:NAME -->` that `cargo xtask matrix` and `cargo xtask report` write again from
//! the results, so that what the README quotes is always the run that `results/` holds (a test
//! checks it).

use thiserror::Error;

use super::{Results, claims, summary};

/// How a block is drawn from the results.
pub type Draw = fn(&Results) -> String;

/// Each block a README may quote, by name, and how it is drawn.
pub const BLOCKS: &[(&str, Draw)] = &[
    ("compat", compat),
    ("kernels", kernels),
    ("tiers", tiers),
    ("components", components),
    ("startup", startup),
    ("claims", claims),
];

#[derive(Debug, Error, PartialEq)]
pub enum ExcerptError {
    #[error(
        "`<!-- results:{0} -->` names no excerpt (known: compat, kernels, tiers, components, startup, claims)"
    )]
    Unknown(String),
    #[error("`<!-- results:{0} -->` has no `<!-- /results:{0} -->` after it")]
    Unclosed(String),
}

/// A summary section without its heading (the README has its own), its links made relative to the
/// project's root.
fn section(draw: fn(&mut String, &Results), results: &Results) -> String {
    let mut text = String::new();
    draw(&mut text, results);
    let body = text
        .split_once('\n')
        .map_or("", |(_, rest)| rest)
        .trim()
        .to_owned();
    body.replace("](matrix.md", "](results/matrix.md")
        .replace("](docker.md", "](results/docker.md")
}

fn compat(results: &Results) -> String {
    section(summary::compat, results)
}

fn kernels(results: &Results) -> String {
    section(summary::kernels, results)
}

fn tiers(results: &Results) -> String {
    section(summary::tiers, results)
}

fn components(results: &Results) -> String {
    section(summary::components, results)
}

fn startup(results: &Results) -> String {
    section(summary::startup, results)
}

/// Each claim's verdict, as a list: the claims page's headings and verdicts, nothing else.
fn claims(results: &Results) -> String {
    let page = claims::render(results);
    let mut out = Vec::new();
    let mut heading = "";
    for line in page.lines() {
        if let Some(h) = line
            .strip_prefix("## ")
            .or_else(|| line.strip_prefix("### "))
        {
            heading = h;
        } else if let Some(verdict) = line.strip_prefix("**Verdict.** ") {
            out.push(format!("- **{heading}.** {verdict}"));
        }
    }
    out.push(
        "\n[The claims with their tables](results/claims.md), from the same run as `results/`."
            .into(),
    );
    out.join("\n")
}

/// `readme` with every block it quotes drawn again from `results`. Text outside the blocks is left
/// as it is.
pub fn update(readme: &str, results: &Results) -> Result<String, ExcerptError> {
    let mut out = String::with_capacity(readme.len());
    let mut rest = readme;
    while let Some(start) = rest.find("<!-- results:") {
        let after = &rest[start + "<!-- results:".len()..];
        let Some(end_of_name) = after.find(" -->") else {
            break;
        };
        let name = &after[..end_of_name];
        let open = format!("<!-- results:{name} -->");
        let close = format!("<!-- /results:{name} -->");
        let draw = BLOCKS
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, draw)| draw)
            .ok_or_else(|| ExcerptError::Unknown(name.to_owned()))?;
        let body_start = start + open.len();
        let Some(close_at) = rest[body_start..].find(&close) else {
            return Err(ExcerptError::Unclosed(name.to_owned()));
        };
        out.push_str(&rest[..body_start]);
        out.push('\n');
        out.push_str(&draw(results));
        out.push('\n');
        out.push_str(&close);
        rest = &rest[body_start + close_at + close.len()..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::super::fixture;
    use super::*;

    #[test]
    fn blocks_are_drawn_again_and_the_rest_kept() {
        let readme = "# Title\n\nText before.\n\n<!-- results:claims -->\nstale\n<!-- /results:claims -->\n\nText after.\n";
        let once = update(readme, &fixture::report_results()).unwrap();
        assert!(once.starts_with("# Title\n\nText before.\n\n<!-- results:claims -->\n- **Faster"));
        assert!(once.ends_with("<!-- /results:claims -->\n\nText after.\n"));
        assert!(!once.contains("stale"));
        assert!(once.contains("- **More secure: deny by default.** Wasm denied"));
        // Drawing again changes nothing.
        assert_eq!(update(&once, &fixture::report_results()).unwrap(), once);
    }

    #[test]
    fn an_unknown_or_unclosed_block_is_an_error() {
        let results = fixture::report_results();
        assert_eq!(
            update("<!-- results:nope -->\n<!-- /results:nope -->", &results),
            Err(ExcerptError::Unknown("nope".into()))
        );
        assert_eq!(
            update("<!-- results:kernels -->\nno end", &results),
            Err(ExcerptError::Unclosed("kernels".into()))
        );
    }

    /// What the README quotes is the run `results/` holds: `cargo xtask report` writes it again.
    #[test]
    fn the_readme_quotes_the_published_results() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
        let results: Results =
            serde_json::from_slice(&std::fs::read(root.join("results/matrix.json")).unwrap())
                .unwrap();
        assert!(
            readme.contains("<!-- results:"),
            "the README quotes no results"
        );
        assert!(
            update(&readme, &results).unwrap() == readme,
            "README.md's excerpts are not those of results/matrix.json: run `cargo xtask report`"
        );
    }
}
