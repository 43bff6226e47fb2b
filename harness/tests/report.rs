//! The HTML report in a real browser: the page generated from the published `results/matrix.json`
//! is loaded in headless Chromium, which must show one grid entry per cell, let a filter change
//! what is shown, open a cell's details, and draw every chart; a screenshot is kept under
//! `target/tmp/report/`. Without Chromium the test is ignored with that reason, except under
//! CI=true, where it must run (`.ci/run` installs Debian's `chromium`).

use std::path::{Path, PathBuf};
use std::process::Command;

use harness::Outcome;
use harness::results::{Results, export};
use libtest_mimic::{Arguments, Failed, Trial};

const CHROMIUM: &[&str] = &["chromium", "chromium-browser", "google-chrome"];

fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    CHROMIUM.iter().find_map(|name| {
        std::env::split_paths(&path)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    })
}

/// Chromium headless as this machine's network allows it (no background connections), with a
/// profile of its own, on `url`; `what` is `--dump-dom` or `--screenshot=FILE`.
fn browse(chromium: &Path, scratch: &Path, url: &str, what: &str) -> Result<String, Failed> {
    let profile = scratch.join(format!("profile-{}", what.len() + url.len()));
    let output = Command::new("timeout")
        .arg("120")
        .arg(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--window-size=1400,2600",
            "--virtual-time-budget=5000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(what)
        .arg(url)
        .output()
        .map_err(|e| format!("cannot start {}: {e}", chromium.display()))?;
    let _ = std::fs::remove_dir_all(&profile);
    if !output.status.success() {
        return Err(format!(
            "chromium {what} {url}: {}\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        )
        .into());
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// A `data-*` attribute of the page's `<body>` as the page's script left it.
fn body_data(dom: &str, name: &str) -> Option<String> {
    let start = dom.find("<body")?;
    let body = &dom[start..start + dom[start..].find('>')?];
    let key = format!("data-{name}=\"");
    let at = body.find(&key)? + key.len();
    Some(body[at..at + body[at..].find('"')?].to_owned())
}

fn number(dom: &str, name: &str) -> Result<usize, Failed> {
    body_data(dom, name)
        .ok_or_else(|| format!("the page set no data-{name}"))?
        .parse()
        .map_err(|e| format!("data-{name}: {e}").into())
}

fn the_report_in_a_browser(chromium: &Path) -> Result<(), Failed> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let results: Results =
        serde_json::from_slice(&std::fs::read(root.join("results/matrix.json"))?)?;
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("report");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    export::write(&[&export::HTML], &results, &dir).map_err(|e| format!("{e:#}"))?;
    let page = dir.join("index.html");
    let url = format!("file://{}", page.canonicalize()?.display());

    let dom = browse(chromium, &dir, &url, "--dump-dom")?;
    let entries = dom.matches("<td class=\"cell ").count();
    if entries != results.cells.len() {
        return Err(format!("{entries} grid entries for {} cells", results.cells.len()).into());
    }
    if number(&dom, "visible-cells")? != results.cells.len() {
        return Err("not every cell is shown without a filter".into());
    }
    let charts = number(&dom, "charts")?;
    let drawn = number(&dom, "charts-drawn")?;
    if charts < 4 || drawn != charts {
        return Err(format!("{drawn} of {charts} charts drawn").into());
    }

    let fails = results
        .cells
        .iter()
        .filter(|c| c.outcome == Outcome::Fail)
        .count();
    let dom = browse(chromium, &dir, &format!("{url}#outcome=fail"), "--dump-dom")?;
    let shown = number(&dom, "visible-cells")?;
    if shown != fails || shown >= results.cells.len() {
        return Err(
            format!("the fail filter shows {shown} cells; the results have {fails}").into(),
        );
    }

    let dom = browse(
        chromium,
        &dir,
        &format!("{url}#language=go&open"),
        "--dump-dom",
    )?;
    let go = results.cells.iter().filter(|c| c.language == "go").count();
    if number(&dom, "visible-cells")? != go {
        return Err("the language filter does not show the language's cells".into());
    }
    let detail = body_data(&dom, "detail").ok_or("no cell's details opened")?;
    if !detail.contains(" go/") {
        return Err(format!("the details opened are {detail:?}, not a go cell's").into());
    }

    let shot = dir.join("report.png");
    browse(
        chromium,
        &dir,
        &format!("{url}#language=go&open"),
        &format!("--screenshot={}", shot.display()),
    )?;
    let png = std::fs::read(&shot).map_err(|e| format!("no screenshot {}: {e}", shot.display()))?;
    if !png.starts_with(b"\x89PNG") || png.len() < 20_000 {
        return Err(format!("{} is not a screenshot of a page", shot.display()).into());
    }
    eprintln!("report: screenshot at {}", shot.display());
    Ok(())
}

fn main() {
    let args = Arguments::from_args();
    let found = chromium();
    let ci = std::env::var("CI").is_ok_and(|v| v == "true");
    let trial = match found {
        Some(chromium) => Trial::test("report/index.html in headless chromium", move || {
            the_report_in_a_browser(&chromium)
        }),
        None if ci => {
            Trial::test("report/index.html in headless chromium", || {
                Err("chromium is not installed, and CI must run this test: `apt-get install chromium` \
                 (.ci/run does)"
                .into())
            })
        }
        None => {
            eprintln!(
                "report: ignored: no chromium on PATH (`apt-get install chromium`; under CI=true \
                 this test fails instead)"
            );
            Trial::test("report/index.html in headless chromium", || Ok(())).with_ignored_flag(true)
        }
    };
    libtest_mimic::run(&args, vec![trial]).exit();
}
