//! `results/README.md`, the summary a reader takes in at a glance (GitHub shows it when `results/`
//! is opened): which languages run where, the kernels against native, the compiler tiers' trade,
//! start-up by way of running, sizes, and links to the details. Every figure with its n and interval or range.

use std::fmt::Write;

use super::figures::{self, Mark};
use super::{Results, escape_cell, first_line, format_ms, format_ratio, format_stats};
use crate::util::shorten;

/// How long a footnote's reason may be: the details pages have every reason whole.
const NOTE_CHARS: usize = 160;
/// How many distinct reasons a footnote lists before it points to the details.
const NOTE_GROUPS: usize = 2;

pub fn render(results: &Results) -> String {
    let meta = &results.meta;
    let mut out = String::new();
    let _ = writeln!(out, "# Results\n");
    let hosts = if results.merged.is_empty() {
        host_line(&meta.host)
    } else {
        results
            .merged
            .iter()
            .map(|m| format!("`{}` ({}, {})", m.label, m.meta.date, m.meta.host.os))
            .collect::<Vec<_>>()
            .join("; ")
    };
    let (counts, unexpected) = results.tally();
    let tally: Vec<String> = counts.iter().map(|(o, n)| format!("{n} {o}")).collect();
    let _ = writeln!(
        out,
        "From `cargo xtask matrix` on {hosts}; run of {} at commit `{}`, {} run(s) per measured \
         cell. {} cells: {}; {unexpected} not as expected.\n",
        meta.date,
        meta.git_commit,
        meta.repeat,
        results.cells.len(),
        tally.join(", ")
    );
    let _ = writeln!(
        out,
        "More: [the report with charts and a filterable grid](index.html) · [every cell, per \
         language](matrix.md) · [the seed's four claims as numbers](claims.md) · [Docker+Wasm \
         against the other ways](docker.md) · [JUnit XML](junit.xml) · [the data](matrix.json)\n"
    );
    compat(&mut out, results);
    kernels(&mut out, results);
    tiers(&mut out, results);
    components(&mut out, results);
    startup(&mut out, results);
    sizes(&mut out, results);
    out
}

/// `## Compiler tiers`: each tier against its engine's Cranelift column, compile against run.
pub(super) fn tiers(out: &mut String, results: &Results) {
    let trades = figures::tiers(results);
    if trades.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "## Compiler tiers: compile against run\n\nThe same engine with another compiler, against \
         its Cranelift column in the same run: the tier's time over Cranelift's (below 1.00× the \
         tier is faster). Compile: the cold compile of each module both compiled from its bytes (a \
         cache miss; Cranelift's in whichever column put the module into the cache it shares with \
         the containers that run its backend), geometric mean over the modules, their range and \
         how many. Run: the run phase of each case both passed (medians of {} runs for the \
         benchmark-sized kernels; an interpreter, which runs those only with \
         `--bench-interpreters`, over the kernels' small cases that take Cranelift at least {} \
         ms).\n",
        results.meta.repeat,
        figures::TIER_MIN_RUN_MS
    );
    let _ = writeln!(
        out,
        "| column | against | compile time | run time | over |\n|---|---|---|---|---|"
    );
    let spread = |s: Option<figures::Spread>| match s {
        Some(s) if s.n == 1 => format!("**{}** (n=1)", format_ratio(s.geomean)),
        Some(s) => format!(
            "**{}** ({}–{}; n={})",
            format_ratio(s.geomean),
            format_ratio(s.min),
            format_ratio(s.max),
            s.n
        ),
        None => "—".into(),
    };
    for t in &trades {
        let over = match t.cases {
            figures::TierCases::Kernels => "benchmark kernels",
            figures::TierCases::Small => "small cases",
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {over} |",
            t.column,
            t.base,
            spread(t.compile),
            spread(t.run)
        );
    }
    out.push('\n');
}

/// `## Components`: each language's WASI 0.2 components against the preview 1 modules they were
/// made from (or, for a native component, beside), on each component host.
pub(super) fn components(out: &mut String, results: &Results) {
    let trades = figures::components(results);
    if trades.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "## Components: size and start-up against modules\n\nEach language's WASI 0.2 command \
         component on a component host, against its preview 1 module on the module column of the \
         same engine and compiler: a **native** component is the language's own build \
         (`wasm32-wasip2`, `componentize-py`, `componentize-js`), an **adapted** one is the \
         preview 1 module wrapped in wasmtime's official `wasi_snapshot_preview1` adapter (so its \
         figures are the adapter's as much as the language's). Size, compile (a cold compile: a \
         cache miss; for `jco`, transpiling plus V8's compile) and instantiation are component \
         over module per sample both passed, geometric mean, range and how many samples; the \
         absolute figures are medians over the samples the component passed.\n"
    );
    let _ = writeln!(
        out,
        "| column | against | language | component | module → component size | size | \
         compile | instantiate | compile ms | instantiate ms |\n|---|---|---|---|---|---|---|---|---|---|"
    );
    let spread = |s: Option<figures::Spread>| match s {
        Some(s) if s.n == 1 => format!("{} (n=1)", format_ratio(s.geomean)),
        Some(s) => format!(
            "{} ({}–{}; n={})",
            format_ratio(s.geomean),
            format_ratio(s.min),
            format_ratio(s.max),
            s.n
        ),
        None => "—".into(),
    };
    let ms = |v: Option<f64>| v.map_or_else(|| "—".into(), crate::results::format_ms);
    for t in &trades {
        let sizes = if t.module_bytes > 0 {
            format!(
                "{} → {}",
                figures::format_bytes(t.module_bytes),
                figures::format_bytes(t.component_bytes)
            )
        } else {
            format!("— → {}", figures::format_bytes(t.component_bytes))
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {sizes} | {} | {} | {} | {} | {} |",
            t.column,
            t.base,
            t.language,
            t.artifact.map_or("—", |a| a.as_str()),
            spread(t.size),
            spread(t.compile),
            spread(t.instantiate),
            ms(t.compile_ms),
            ms(t.instantiate_ms),
        );
    }
    out.push('\n');
}

/// A host in words: CPU, cores, architecture where the results recorded it, and the system.
pub fn host_line(host: &super::Host) -> String {
    let arch = if host.arch.is_empty() {
        String::new()
    } else {
        format!(", {}", host.arch)
    };
    format!("{} ({} cores{arch}), {}", host.cpu, host.cores, host.os)
}

/// `## Which language runs where`: the share of hello and WASI cases that pass, with a footnote
/// for anything short of all of them.
pub(super) fn compat(out: &mut String, results: &Results) {
    let grid = figures::compat(results);
    if grid.entries.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "## Which language runs where\n\nPer language and column, how many of the `{}` cases \
         pass: **all**, partial (◐), none (✗), unsupported (the column lacks a proposal or \
         capability the module needs) or skipped (a tool or module is missing). A harness fault \
         (the harness or the container engine failed, not the runtime) is left out of the share. A \
         note says why for anything but all; the [details](matrix.md) have every cell.\n",
        figures::COMPAT_SAMPLES.join("` and `")
    );
    let _ = write!(out, "| language |");
    for col in &grid.columns {
        let _ = write!(out, " {col} |");
    }
    let _ = write!(out, "\n|---|");
    for _ in &grid.columns {
        let _ = write!(out, "---|");
    }
    out.push('\n');
    let mut notes: Vec<String> = Vec::new();
    for language in &grid.languages {
        let _ = write!(out, "| **{language}** |");
        for col in &grid.columns {
            let Some(e) = grid.entries.get(&(language.clone(), col.clone())) else {
                let _ = write!(out, " — |");
                continue;
            };
            let text = match e.mark {
                Mark::All => format!("**all** {}/{}", e.pass, e.total),
                Mark::Partial => format!("◐ {}/{}", e.pass, e.total),
                Mark::None => format!("✗ 0/{}", e.total),
                Mark::Unsupported => "unsupported".into(),
                Mark::Skipped => "skipped".into(),
            };
            let note = (e.mark != Mark::All).then(|| note(&e.others));
            match note {
                Some(note) => {
                    let i = notes.iter().position(|n| *n == note).unwrap_or_else(|| {
                        notes.push(note);
                        notes.len() - 1
                    });
                    let _ = write!(out, " {text} <sup>{}</sup> |", i + 1);
                }
                None => {
                    let _ = write!(out, " {text} |");
                }
            }
        }
        out.push('\n');
    }
    if !notes.is_empty() {
        out.push('\n');
        for (i, note) in notes.iter().enumerate() {
            let _ = writeln!(out, "{}. {note}", i + 1);
        }
    }
    out.push('\n');
}

/// A footnote: the cases that did not pass, grouped by outcome and reason.
fn note(others: &[&super::Cell]) -> String {
    let mut groups: Vec<(super::Outcome, String, Vec<&str>)> = Vec::new();
    for c in others {
        let reason = first_line(&c.reason).to_owned();
        match groups
            .iter_mut()
            .find(|(o, r, _)| *o == c.outcome && *r == reason)
        {
            Some(g) => g.2.push(&c.case),
            None => groups.push((c.outcome, reason, vec![&c.case])),
        }
    }
    let shown = groups.len().min(NOTE_GROUPS);
    let mut parts: Vec<String> = groups[..shown]
        .iter()
        .map(|(outcome, reason, cases)| {
            let which = if cases.len() == others.len() && cases.len() > 1 {
                "every case".to_owned()
            } else if cases.len() > 4 {
                format!("{} cases", cases.len())
            } else {
                cases.join(", ")
            };
            if reason.is_empty() {
                format!("{outcome} ({which})")
            } else {
                format!(
                    "{outcome} ({which}): {}",
                    escape_cell(&shorten(reason, NOTE_CHARS))
                )
            }
        })
        .collect();
    if groups.len() > shown {
        parts.push(format!(
            "and {} other reason(s), in the details",
            groups.len() - shown
        ));
    }
    parts.join("; ")
}

/// `## The kernels against native`: per column and language, the geometric mean of the kernels'
/// run-phase ratios, and the column's over every kernel.
pub(super) fn kernels(out: &mut String, results: &Results) {
    if results.ratios.is_empty() {
        return;
    }
    let by = figures::ratios_by_language(results);
    let languages = figures::ratio_languages(results);
    let (_, cols) = results.grid();
    let columns: Vec<&String> = cols
        .iter()
        .filter(|c| results.efficiency.get(*c).is_some_and(|e| e.n > 0))
        .collect();
    let none: Vec<&str> = cols
        .iter()
        .filter(|c| results.efficiency.get(*c).is_some_and(|e| e.n == 0))
        .map(String::as_str)
        .collect();
    let _ = writeln!(
        out,
        "## The kernels against native\n\nEach kernel's run phase on the column over the same \
         kernel's native process (n-body, SHA-256, binary-trees at benchmark size; 1.00× is native \
         speed). Per language, the geometric mean over its kernels that passed, with how many of \
         its kernels that is and their range; the last column is the mean over all. Medians of \
         {} runs each; [per kernel, with intervals](matrix.md#wasm-against-native-run-phase-ratios).\n",
        results.meta.repeat
    );
    let _ = write!(out, "| column |");
    for language in &languages {
        let _ = write!(out, " {language} |");
    }
    let _ = writeln!(out, " **all kernels** |");
    let _ = write!(out, "|---|");
    for _ in &languages {
        let _ = write!(out, "---|");
    }
    let _ = writeln!(out, "---|");
    for col in columns {
        let _ = write!(out, "| {col} |");
        for language in &languages {
            let text = match by.get(&(col.clone(), language.clone())) {
                None => "—".into(),
                Some(r) => match (r.geomean, r.min, r.max) {
                    (Some(g), Some(lo), Some(hi)) if r.n > 1 => format!(
                        "{} ({} of {}; {}–{})",
                        format_ratio(g),
                        r.n,
                        r.of,
                        format_ratio(lo),
                        format_ratio(hi)
                    ),
                    (Some(g), _, _) => format!("{} ({} of {})", format_ratio(g), r.n, r.of),
                    _ => format!("— (0 of {})", r.of),
                },
            };
            let _ = write!(out, " {text} |");
        }
        let e = &results.efficiency[col];
        let text = match e.geomean {
            Some(g) => format!("**{}** ({} of {})", format_ratio(g), e.n, e.of),
            None => format!("— (0 of {})", e.of),
        };
        let _ = writeln!(out, " {text} |");
    }
    if !none.is_empty() {
        let _ = writeln!(
            out,
            "\nNo kernel at benchmark size passed on {}: see the [details](matrix.md).",
            none.join(", ")
        );
    }
    out.push('\n');
}

/// `## Start-up`: hello, start to exit, on every way of running it; then the program that sleeps a
/// second, which the native process runs too.
pub(super) fn startup(out: &mut String, results: &Results) {
    let hello = figures::starts(results, figures::HELLO);
    let sleeper = figures::starts(results, figures::SLEEPER);
    if hello.is_empty() && sleeper.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "## Start-up\n\nStart to exit, from the harness's spawn (or `docker run`, `ctr run`) to the \
         process's exit: the median of the runs after the first (the first is a cell's cold start, \
         in the [details](docker.md)), ±the half-width of its 95% interval, and n. `{}` prints and \
         writes a file; the native process cannot run it (it writes to `/helloworld`, which a plain \
         process does not have), so `{}`, which sleeps {} and prints, stands in for every way, the \
         native process included: its figure is over the sleep.\n",
        figures::HELLO,
        figures::SLEEPER,
        format_ms(figures::SLEEP_MS)
    );
    let _ = writeln!(
        out,
        "| way of running | column | `{}` | `{}` minus the sleep |\n|---|---|---|---|",
        figures::HELLO,
        figures::SLEEPER
    );
    let mut columns: Vec<(&str, &str)> = Vec::new();
    for s in hello.iter().chain(&sleeper) {
        if !columns.iter().any(|(c, _)| *c == s.column) {
            columns.push((&s.column, s.way.as_str()));
        }
    }
    for (column, way) in columns {
        let find = |starts: &[figures::Start], over: f64| {
            starts
                .iter()
                .find(|s| s.column == column)
                .map_or("—".into(), |s| match s.warm() {
                    Some(st) if st.n > 1 => {
                        format!("{} (n={})", format_stats_over(&st, over), st.n)
                    }
                    Some(st) => format_stats_over(&st, over),
                    None => s.cell.outcome.to_string(),
                })
        };
        let _ = writeln!(
            out,
            "| {way} | {column} | {} | {} |",
            find(&hello, 0.0),
            find(&sleeper, figures::SLEEP_MS)
        );
    }
    out.push('\n');
}

/// A start-to-exit figure less what the program itself spends (`over`), with the interval's
/// half-width in milliseconds: relative to the difference it would overstate the noise.
pub fn format_stats_over(stats: &crate::stats::Stats, over: f64) -> String {
    if over == 0.0 {
        return format_stats(stats);
    }
    let median = stats.median - over;
    match stats.ci95 {
        Some([lo, hi]) => format!("{} ±{}", format_ms(median), format_ms((hi - lo) / 2.0)),
        None => format_ms(median),
    }
}

/// `## Sizes`: per language, the module, the native binary and the images.
pub(super) fn sizes(out: &mut String, results: &Results) {
    let sizes = figures::sizes(results);
    if sizes.is_empty() {
        return;
    }
    let b = |v: Option<u64>| v.map_or("—".into(), figures::format_bytes);
    let range = |v: Option<[u64; 2]>| match v {
        None => "—".into(),
        Some([lo, hi]) if lo == hi => figures::format_bytes(lo),
        Some([lo, hi]) => format!(
            "{}–{}",
            figures::format_bytes(lo),
            figures::format_bytes(hi)
        ),
    };
    let _ = writeln!(
        out,
        "## Sizes\n\nBytes on disk, as the run found them: each language's hello module and its \
         kernels' modules, the kernels' native binaries (built from the same sources, statically \
         linked where the recipe links so), and hello's images (Wasm and `FROM scratch` native) \
         as the engine reports their size.\n\n| language | hello module | kernel modules | native \
         kernels | hello native binary | hello Wasm image | hello native image |\n\
         |---|---|---|---|---|---|---|"
    );
    for s in sizes {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} |",
            s.language,
            b(s.hello_module),
            range(s.kernel_modules),
            range(s.native_binaries),
            b(s.hello_native_binary),
            b(s.hello_wasm_image),
            b(s.hello_native_image),
        );
    }
}
