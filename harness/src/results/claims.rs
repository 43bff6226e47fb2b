//! `claims.md`: the seed's four claims for Wasm (faster to start, smaller, more secure, more
//! portable), each put as numbers from the run's own cells, with a plain verdict: where it holds,
//! where it does not, by how much, and what the run did not measure.

use std::fmt::Write;

use super::figures::{self, Start};
use super::{Results, format_ms, format_ratio, format_stats};
use crate::Outcome;
use crate::runtime::registry::{self, Way};
use crate::stats::Stats;

pub fn render(results: &Results) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# The seed's four claims, measured\n");
    let _ = writeln!(
        out,
        "The seed project says WebAssembly outside the browser is *faster* (no cold start), \
         *smaller* (a module is much smaller than an OCI image), *more secure* (deny by default, \
         where containers allow by default) and *more portable* (one module runs everywhere, a \
         linux/amd64 binary does not). Each claim below is put as numbers from one run of `cargo \
         xtask matrix`; nothing here is assumed. Medians ±the half-width of their 95% interval, \
         with n.\n"
    );
    for host in results.hosts() {
        let run = results.for_host(&host);
        let meta = &run.meta;
        if !host.is_empty() {
            let _ = writeln!(out, "## On {host}\n");
        }
        let _ = writeln!(
            out,
            "Run of {} at commit `{}` on {}.\n",
            meta.date,
            meta.git_commit,
            super::summary::host_line(&meta.host)
        );
        let level = if host.is_empty() { "##" } else { "###" };
        faster(&mut out, &run, level);
        smaller(&mut out, &run, level);
        secure(&mut out, &run, level);
        portable(&mut out, &run, level);
    }
    out
}

fn ratio(a: f64, b: f64) -> String {
    if a <= 0.0 || b <= 0.0 {
        return "—".into();
    }
    format_ratio(a / b)
}

/// Whether two figures' 95% intervals are apart: only then is the order of their medians a finding.
fn apart(a: &Stats, b: &Stats) -> bool {
    match (a.ci95, b.ci95) {
        (Some([alo, ahi]), Some([blo, bhi])) => ahi < blo || bhi < alo,
        _ => false,
    }
}

fn best<'a>(best: &'a [(&'a Start<'a>, Stats)], way: Way) -> Option<&'a (&'a Start<'a>, Stats)> {
    best.iter().find(|(s, _)| s.way == way)
}

fn faster(out: &mut String, results: &Results, level: &str) {
    let _ = writeln!(out, "{level} Faster: \"no cold start\"\n");
    let hello = figures::starts(results, figures::HELLO);
    let sleeper = figures::starts(results, figures::SLEEPER);
    let best_hello = figures::best_by_way(&hello);
    let best_sleeper = figures::best_by_way(&sleeper);
    if best_hello.is_empty() && best_sleeper.is_empty() {
        let _ = writeln!(
            out,
            "Not measured: the run has no passing cell of `{}` or `{}`.\n",
            figures::HELLO,
            figures::SLEEPER
        );
        return;
    }
    let _ = writeln!(
        out,
        "Start to exit of `{}` (prints and writes a file), the fastest column of each way of \
         running it (warm runs: the runs after a cell's first), and of `{}`, which sleeps {} and \
         which the native process runs too, less its sleep.\n\n| way of running | fastest column | \
         hello | sleeper, less the sleep |\n|---|---|---|---|",
        figures::HELLO,
        figures::SLEEPER,
        format_ms(figures::SLEEP_MS)
    );
    let mut ways: Vec<Way> = best_hello
        .iter()
        .chain(&best_sleeper)
        .map(|(s, _)| s.way)
        .collect();
    ways.sort();
    ways.dedup();
    for way in &ways {
        let h = best(&best_hello, *way);
        let s = best(&best_sleeper, *way);
        let column = h.or(s).map_or("—", |(s, _)| s.column.as_str());
        let _ = writeln!(
            out,
            "| {} | {column} | {} | {} |",
            way.as_str(),
            h.map_or("—".into(), |(_, st)| with_n(format_stats(st), st)),
            s.map_or("—".into(), |(_, st)| with_n(
                super::summary::format_stats_over(st, figures::SLEEP_MS),
                st
            )),
        );
    }
    out.push('\n');
    let mut verdict: Vec<String> = Vec::new();
    let runc = best(&best_hello, Way::RuncContainer);
    for way in [Way::Embedded, Way::Containerd, Way::Docker] {
        if let (Some((w, ws)), Some((r, rs))) = (best(&best_hello, way), runc) {
            verdict.push(format!(
                "{} ({}) runs hello start to exit in {} against {} in a runc container ({}): {}",
                w.column,
                way.as_str(),
                format_ms(ws.median),
                format_ms(rs.median),
                r.column,
                compare(ws, rs),
            ));
        }
    }
    let native = best(&best_sleeper, Way::NativeProcess);
    let embedded = best(&best_sleeper, Way::Embedded);
    match (native, embedded) {
        (Some((_, ns)), Some((e, es))) => {
            let over_n = (ns.median - figures::SLEEP_MS).max(0.0);
            let over_e = (es.median - figures::SLEEP_MS).max(0.0);
            let holds = if !apart(es, ns) {
                "the run shows no difference"
            } else if over_e < over_n {
                "the claim holds"
            } else {
                "the claim does not hold"
            };
            verdict.push(format!(
                "against a native process {holds}: embedded Wasm ({}) starts and exits in {} over \
                 the sleeper's second, the native process in {}",
                e.column,
                format_ms(over_e),
                format_ms(over_n),
            ));
        }
        _ => verdict.push("against a native process: not measured by this run".into()),
    }
    let _ = writeln!(out, "**Verdict.** {}.\n", verdict.join("; "));
}

/// A figure with its n, unless the figure already says it has one run.
fn with_n(text: String, stats: &Stats) -> String {
    if stats.n > 1 {
        format!("{text} (n={})", stats.n)
    } else {
        text
    }
}

/// `a` against `b` in words: how many times faster or slower, where their intervals say there is
/// a difference at all.
fn compare(a: &Stats, b: &Stats) -> String {
    let (faster, times) = if a.median < b.median {
        ("faster", ratio(b.median, a.median))
    } else {
        ("slower", ratio(a.median, b.median))
    };
    if a.ci95.is_none() || b.ci95.is_none() {
        format!("{times} {faster} (one run: no interval to judge the difference by)")
    } else if apart(a, b) {
        format!("{times} {faster}")
    } else {
        "no different (the intervals overlap)".into()
    }
}

fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map_or(String::new(), |c| c.to_uppercase().chain(chars).collect())
}

fn smaller(out: &mut String, results: &Results, level: &str) {
    let _ = writeln!(out, "{level} Smaller\n");
    let sizes = figures::sizes(results);
    let b = |v: Option<u64>| v.map_or("—".into(), figures::format_bytes);
    let _ = writeln!(
        out,
        "Bytes on disk of each language's hello module, beside the native static binary and the \
         two images of hello where the run built them.\n\n| language | hello module | hello native \
         binary | hello Wasm image | hello native image |\n|---|---|---|---|---|"
    );
    for s in &sizes {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            s.language,
            b(s.hello_module),
            b(s.hello_native_binary),
            b(s.hello_wasm_image),
            b(s.hello_native_image)
        );
    }
    out.push('\n');
    let mut verdict = Vec::new();
    for s in &sizes {
        if let (Some(m), Some(nb)) = (s.hello_module, s.hello_native_binary) {
            verdict.push(format!(
                "for {}, the module is {} {} than the static native binary ({} against {})",
                s.language,
                ratio(m.max(nb) as f64, m.min(nb) as f64),
                if m < nb { "smaller" } else { "larger" },
                figures::format_bytes(m),
                figures::format_bytes(nb)
            ));
        }
        if let (Some(w), Some(n)) = (s.hello_wasm_image, s.hello_native_image) {
            verdict.push(format!(
                "its Wasm image is {} {} than the `FROM scratch` native one ({} against {})",
                ratio(w.max(n) as f64, w.min(n) as f64),
                if w < n { "smaller" } else { "larger" },
                figures::format_bytes(w),
                figures::format_bytes(n)
            ));
        }
    }
    let modules: Vec<(&str, u64)> = sizes
        .iter()
        .filter_map(|s| Some((s.language.as_str(), s.hello_module?)))
        .collect();
    let native = sizes.iter().filter_map(|s| s.hello_native_binary).min();
    if let (Some(lo), Some(hi)) = (
        modules.iter().min_by_key(|m| m.1),
        modules.iter().max_by_key(|m| m.1),
    ) {
        let mut text = format!(
            "across languages hello modules span {} ({}) to {} ({})",
            figures::format_bytes(lo.1),
            lo.0,
            figures::format_bytes(hi.1),
            hi.0
        );
        if let Some(native) = native.filter(|n| hi.1 > *n) {
            let _ = write!(
                text,
                ", and a module that carries its language's runtime or interpreter is larger than \
                 the native static binary ({}): for such a language the claim does not hold",
                figures::format_bytes(native)
            );
        }
        verdict.push(text);
    }
    if !verdict.is_empty() {
        let _ = writeln!(out, "**Verdict.** {}.\n", capitalize(&verdict.join("; ")));
    }
}

fn secure(out: &mut String, results: &Results, level: &str) {
    let _ = writeln!(out, "{level} More secure: deny by default\n");
    let probes: Vec<&super::Cell> = results
        .cells
        .iter()
        .filter(|c| crate::native::is_sandbox_probe(&c.sample, &c.case))
        .collect();
    if probes.is_empty() {
        let _ = writeln!(out, "Not measured: the run has no sandbox probe.\n");
        return;
    }
    let _ = writeln!(
        out,
        "The WASI sample's sandbox probes: open `/etc/passwd`, which no preopen holds; climb out \
         of a preopen with `..`; read a variable of the harness's own environment that nobody \
         passed; and the socket servers' probe (`socket-http/sandbox-socket`): listen on a \
         loopback port with no network granted. Each probe prints `denied` when it was refused \
         and `ALLOWED` (`listen: allowed`) when it was not. \
         *No answer* counts every other ending (the guest could not print, trapped, was skipped): \
         those say nothing about the sandbox.\n\n| column | way | denied | allowed | no answer |\n\
         |---|---|---|---|---|"
    );
    let mut order: Vec<String> = Vec::new();
    for c in &probes {
        if !order.contains(&c.column()) {
            order.push(c.column());
        }
    }
    let allowed = |c: &super::Cell| {
        c.outcome == Outcome::Fail
            && (c.reason.contains("ALLOWED") || c.reason.contains("listen: allowed"))
    };
    let (mut denied_all, mut answered_all) = (0, 0);
    let mut leaks: Vec<String> = Vec::new();
    for column in &order {
        let cells: Vec<&super::Cell> = probes
            .iter()
            .copied()
            .filter(|c| &c.column() == column)
            .collect();
        let denied = cells.iter().filter(|c| c.outcome == Outcome::Pass).count();
        let open = cells.iter().filter(|c| allowed(c)).count();
        let other = cells.len() - denied - open;
        let column_of = registry::get(&cells[0].runtime);
        let way = column_of.map_or("—", |c| c.way().as_str());
        let _ = writeln!(out, "| {column} | {way} | {denied} | {open} | {other} |");
        if column_of.is_some_and(|c| !c.runs_native_code()) {
            denied_all += denied;
            answered_all += denied + open;
            leaks.extend(
                cells
                    .iter()
                    .filter(|c| allowed(c))
                    .map(|c| format!("{}/{}", c.column(), c.row())),
            );
        }
    }
    out.push('\n');
    let tally = |way: Way| {
        let cells: Vec<&&super::Cell> = probes
            .iter()
            .filter(|c| registry::get(&c.runtime).is_some_and(|col| col.way() == way))
            .collect();
        let denied = cells.iter().filter(|c| c.outcome == Outcome::Pass).count();
        let open = cells.iter().filter(|c| allowed(c)).count();
        (denied, open)
    };
    let mut verdict =
        format!("Wasm denied {denied_all} of the {answered_all} probes that answered");
    if leaks.is_empty() {
        verdict.push_str(": no column let a probe through");
    } else {
        let _ = write!(verdict, "; allowed: {}", leaks.join(", "));
    }
    let (native_denied, native_open) = tally(Way::NativeProcess);
    let (runc_denied, runc_open) = tally(Way::RuncContainer);
    if native_denied + native_open > 0 {
        let _ = write!(
            verdict,
            ". A native process, started the default way (its parent's environment, the host's \
             file system), let {native_open} of its {} probes through",
            native_denied + native_open
        );
    } else {
        verdict.push_str(". No native process ran the probes in this run");
    }
    if runc_denied + runc_open > 0 {
        let _ = write!(
            verdict,
            ". A runc container, as Docker starts it, denied {runc_denied} of {}: it gets a root \
             file system of its own (a `FROM scratch` image holds no `/etc/passwd`, and the host's \
             is out of reach) and no variable of the client's environment. On these probes a \
             container denies by default too, so the claim holds against a plain process and not \
             against a container; what a container does allow by default (most system calls, and \
             the network unless told otherwise) these probes do not test",
            runc_denied + runc_open
        );
    } else {
        verdict.push_str(". No runc container ran the probes in this run");
    }
    let _ = writeln!(out, "**Verdict.** {verdict}.\n");
}

fn portable(out: &mut String, results: &Results, level: &str) {
    let _ = writeln!(out, "{level} More portable\n");
    // Per language: its hello and WASI module(s), and the Wasm columns on which every case passed.
    let grid = figures::compat(results);
    let wasm_columns: Vec<&String> = grid
        .columns
        .iter()
        .filter(|c| {
            results
                .cells
                .iter()
                .find(|cell| &cell.column() == *c)
                .and_then(|cell| registry::get(&cell.runtime))
                .is_some_and(|col| !col.runs_native_code())
        })
        .collect();
    if grid.languages.is_empty() || wasm_columns.is_empty() {
        let _ = writeln!(out, "Not measured: the run has no hello or WASI cells.\n");
        return;
    }
    let _ = writeln!(
        out,
        "Each language's hello and WASI modules are built once; every column runs the same files \
         (the SHA-256 of the hello module is shown where the run recorded it). A column counts \
         when every hello and WASI case passed on it unchanged.\n\n| language | hello module \
         SHA-256 | columns where all passed | of |\n|---|---|---|---|"
    );
    let mut best: Option<(String, usize)> = None;
    for language in &grid.languages {
        let all = wasm_columns
            .iter()
            .filter(|c| {
                grid.entries
                    .get(&(language.clone(), (**c).clone()))
                    .is_some_and(|e| e.mark == figures::Mark::All)
            })
            .count();
        let sha = results
            .cells
            .iter()
            .find(|c| &c.language == language && c.sample == "hello" && c.module_sha256.is_some())
            .and_then(|c| c.module_sha256.as_deref())
            .map_or("—".to_owned(), |s| {
                format!("`{}…`", &s[..s.len().min(16)])
            });
        let _ = writeln!(
            out,
            "| {language} | {sha} | {all} | {} |",
            wasm_columns.len()
        );
        if best.as_ref().is_none_or(|(_, n)| all > *n) {
            best = Some((language.clone(), all));
        }
    }
    let native_columns: Vec<&str> = results
        .cells
        .iter()
        .filter(|c| c.n > 0 && registry::get(&c.runtime).is_some_and(|c| c.runs_native_code()))
        .map(|c| c.runtime.as_str())
        .fold(Vec::new(), |mut v, c| {
            if !v.contains(&c) {
                v.push(c);
            }
            v
        });
    let arch = &results.meta.host.arch;
    let mut verdict = String::new();
    if let Some((language, n)) = best {
        let _ = write!(
            verdict,
            "The most portable language here, {language}, passed every case unchanged on {n} of \
             {} Wasm columns",
            wasm_columns.len()
        );
    }
    if !native_columns.is_empty() {
        let _ = write!(
            verdict,
            "; a native binary runs on {} ({}) and only on this host's architecture{}: the same \
             source needs one build per architecture and operating system",
            native_columns.len(),
            native_columns.join(", "),
            if arch.is_empty() {
                String::new()
            } else {
                format!(" ({arch})")
            }
        );
    }
    let _ = writeln!(
        out,
        "\n**Verdict.** {verdict}. One host's run shows one architecture; a report merged from \
         runs on several (`cargo xtask report`) shows the same module's hash passing on each.\n"
    );
}

#[cfg(test)]
mod tests {
    use super::super::fixture;
    use crate::Outcome;

    #[test]
    fn a_probe_that_could_not_answer_is_not_counted_as_let_through() {
        let mut results = fixture::report_results();
        for cell in results.cells.iter_mut().filter(|c| c.sample == "wasi") {
            match (cell.runtime.as_str(), cell.case.as_str()) {
                ("wasmer", "sandbox-env") => {
                    cell.outcome = Outcome::Fail;
                    cell.reason = "stdout line 1: expected \"env WASM_HARNESS_HOST_SECRET: \
                                   denied\\n\", got \"env WASM_HARNESS_HOST_SECRET: ALLOWED (s3cr3t)\\n\""
                        .into();
                }
                ("docker-wasmtime", "sandbox-dotdot") => {
                    cell.outcome = Outcome::Fail;
                    cell.reason =
                        "stdout line 1: expected \"open …: denied\\n\", got end of output".into();
                }
                _ => {}
            }
        }
        let md = super::render(&results);
        assert!(
            md.contains("| wasmer | embedded engine | 2 | 1 | 0 |"),
            "{md}"
        );
        assert!(
            md.contains("| docker-wasmtime | Wasm container via Docker | 2 | 0 | 1 |"),
            "{md}"
        );
        assert!(
            md.contains("Wasm denied 10 of the 11 probes that answered; allowed: wasmer/rust/wasi/sandbox-env."),
            "{md}"
        );
    }
}
