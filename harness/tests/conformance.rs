//! The conformance suite: one trial per cell (`runtime/language/sample/case`) of every sample's
//! conformance-sized cases on every runtime column, so `cargo test -- wasmer/` runs one column; and
//! one agreement trial per such cell of a command-line column (`agree/wasmtime-cli/rust/hello/default`)
//! that checks the tool gets the same outcome as its engine embedded.
//!
//! Expected failures, known disagreements and expected-unavailable tools are data in
//! `expectations.toml`, each with a reason; an expected failure that passes, or a listed disagreement
//! that agrees, is an error.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use harness::Outcome;
use harness::cell::{self, Context};
use harness::manifest::{self, Case, Sample};
use harness::results::Cell;
use harness::runtime::{self, registry};
use harness::util::glob as matches;
use libtest_mimic::{Arguments, Failed, Trial};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Expectations {
    known_failure: Vec<Listed>,
    #[serde(default)]
    flaky: Vec<Flaky>,
    #[serde(default)]
    disagreement: Vec<Disagreement>,
    unavailable: Vec<Unavailable>,
    #[serde(default)]
    outside_ci: Vec<OutsideCi>,
}

/// Each command-line column and the embedded column of the same engine (for WasmEdge, the
/// interpreter, which is what its tool runs a `.wasm` file with; for components, wasmtime's).
const AGREEMENT: &[(&str, &str)] = &[
    ("wasmtime-cli", "wasmtime"),
    ("wasmer-cli", "wasmer"),
    ("wasmedge-cli", "wasmedge"),
    ("wasmtime-cli-component", "wasmtime-component"),
];

/// A cell on which a command-line column and its embedded column really get different outcomes.
#[derive(Deserialize, Clone)]
#[serde(deny_unknown_fields)]
struct Disagreement {
    /// The command-line column's cell (`wasmer-cli/kotlin/hello/default`), or a pattern.
    cell: String,
    /// Cells the pattern leaves out (patterns too): those agree.
    #[serde(default)]
    except: Vec<String>,
    reason: String,
    /// The outcome the command-line column gets, when it is known.
    cli: Option<Outcome>,
    /// The outcome the embedded column gets, when it is known.
    embedded: Option<Outcome>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Flaky {
    cell: String,
    #[allow(dead_code, reason = "documentation for the reader of the data file")]
    reason: String,
    /// The words the reason of the other, allowed failure contains (or, a list: one of them).
    also: Words,
    /// The other, allowed outcome (`fail` when not given).
    #[serde(default)]
    outcome: Option<Outcome>,
}

/// Words a reason must contain, or a list of alternatives.
#[derive(Deserialize, Clone)]
#[serde(untagged)]
enum Words {
    One(String),
    AnyOf(Vec<String>),
}

impl Words {
    fn any(self) -> Vec<String> {
        match self {
            Words::One(words) => vec![words],
            Words::AnyOf(list) => list,
        }
    }
}

/// A flaky entry as the trials use it: the other outcome a cell may get, and words of its reason.
#[derive(Clone)]
struct Allowed {
    outcome: Outcome,
    also: Vec<String>,
}

impl Allowed {
    fn covers(&self, cell: &Cell) -> bool {
        cell.outcome == self.outcome && self.also.iter().any(|w| cell.reason.contains(w.as_str()))
    }
}

#[derive(Deserialize, Clone)]
#[serde(deny_unknown_fields)]
struct Listed {
    /// A cell name, or a pattern with `*` standing for any run of characters.
    cell: String,
    /// Cells the pattern leaves out (patterns too).
    #[serde(default)]
    except: Vec<String>,
    reason: String,
    /// The outcome the cell must get instead of its expected one, when it is known.
    outcome: Option<Outcome>,
    /// Words the cell's reason must contain, when it is known.
    reason_contains: Option<String>,
}

/// The pattern matcher itself, run as one more trial.
fn patterns() -> Result<(), Failed> {
    let cases = [
        ("wasmer/kotlin/*", "wasmer/kotlin/wasi/file", true),
        ("wasmer/*/wasi/file", "wasmer/go/wasi/file", true),
        ("wasmer/*/wasi/file", "wasmer/go/wasi/files", false),
        ("a/b", "a/b", true),
        ("a/b", "a/bc", false),
        ("*/x", "y/x", true),
    ];
    for (pattern, name, want) in cases {
        if matches(pattern, name) != want {
            return Err(format!("`{pattern}` vs `{name}`: expected {want}").into());
        }
    }
    Ok(())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Unavailable {
    /// A runtime column or a language.
    name: String,
    #[allow(dead_code, reason = "documentation for the reader of the data file")]
    reason: String,
    /// Words the skip reason must contain under CI: the tool is missing for the known reason.
    skip_contains: Option<String>,
}

/// Cells that run everywhere but under CI=true, where their cost would take the run past its hour.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OutsideCi {
    /// A cell name, or a pattern.
    cell: String,
    /// What they cost, measured, and where they are run instead.
    reason: String,
}

fn main() {
    let args = Arguments::from_args();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("harness is in the workspace")
        .to_owned();
    let expectations_path = root.join("harness/tests/expectations.toml");
    let expectations: Expectations = toml::from_str(
        &std::fs::read_to_string(&expectations_path)
            .expect("harness/tests/expectations.toml is readable"),
    )
    .unwrap_or_else(|err| panic!("{}: {err}", expectations_path.display()));
    let known: Vec<Listed> = expectations.known_failure;
    let flaky: Vec<(String, Allowed)> = expectations
        .flaky
        .into_iter()
        .map(|f| {
            let allowed = Allowed {
                outcome: f.outcome.unwrap_or(Outcome::Fail),
                also: f.also.any(),
            };
            (f.cell, allowed)
        })
        .collect();
    let disagreements: Vec<Disagreement> = expectations.disagreement;
    let unavailable: BTreeMap<String, String> = expectations
        .unavailable
        .into_iter()
        .map(|u| (u.name, u.skip_contains.unwrap_or_default()))
        .collect();
    let ci = std::env::var("CI").is_ok_and(|v| v == "true");
    let outside_ci: Vec<OutsideCi> = expectations.outside_ci;

    let target_dir = manifest::target_dir(&root);
    let ctx = Context {
        worker_exe: PathBuf::from(env!("CARGO_BIN_EXE_harness")),
        target_dir,
        repeat: 1,
        outcome_repeat: 1,
        compile_cache: true,
        bench_interpreters: false,
    };

    // Whether each column can run here, asked once: finding a tool starts it.
    let available: HashMap<&str, Result<(), String>> = registry::wasm_columns()
        .map(|c| (c.name, runtime::available(c.name)))
        .collect();

    let mut trials = vec![Trial::test("expectations/patterns", patterns)];
    // The order trials start in (libtest-mimic keeps the order given, on as many threads as cores):
    // every sample's first case on each column, then every second case, and so on, samples of one
    // name side by side across languages. A module's first cell on an engine compiles it (WasmEdge's
    // AOT compiler: over a minute for a Go module, three for CPython) while other cells of it wait
    // on the cache entry's lock, so cells that share a module are kept apart: the two threads then
    // compile two different modules instead of one compiling and the other waiting. The container
    // columns, later in each pass, load what their engine's column compiled. The agreements run last.
    let mut ordered: Vec<(Order, Trial)> = Vec::new();
    let mut agreements = Vec::new();
    // Every cell runs at most once per suite run: its own trial and an agreement trial share it.
    let memo = Memo::default();
    let mut seen = Vec::new();
    let mut seen_agreements = Vec::new();
    for found in manifest::discover(&root.join("samples")) {
        let sample = match found {
            Ok(sample) => sample,
            Err(err) => {
                let name = format!("manifest/{err}");
                trials.push(Trial::test(name, move || {
                    Err(Failed::from(err.to_string()))
                }));
                continue;
            }
        };
        // What each column runs of the sample (its module, or its component: a wasi:http
        // handler's on every column), or why not.
        let serves_component = sample.manifest.cases.iter().any(|c| {
            c.http
                .as_ref()
                .is_some_and(|h| h.handler == harness::manifest::Serves::WasiHttp)
        });
        let built: HashMap<&str, Result<(), cell::NotBuilt>> = registry::wasm_columns()
            .map(|c| {
                (
                    c.name,
                    cell::built_for(&ctx.target_dir, &sample, c, serves_component).map(|_| ()),
                )
            })
            .collect();
        // Why a cell of this column cannot run: its runtime or its module is missing.
        let missing = |runtime: &str| match (&available[runtime], &built[runtime]) {
            (Err(reason), _) => Some((runtime.to_owned(), reason.clone())),
            (_, Err(cell::NotBuilt::Skip(reason))) => {
                Some((sample.language().to_owned(), reason.clone()))
            }
            _ => None,
        };
        for (pass, case) in sample
            .manifest
            .cases
            .iter()
            .filter(|c| !c.bench)
            .enumerate()
        {
            for (column, col) in registry::wasm_columns().enumerate() {
                let runtime = col.name;
                let key = (
                    pass,
                    column,
                    sample.name().to_owned(),
                    sample.language().to_owned(),
                );
                let mut trials = Tagged(&mut ordered, key);
                // Measurement variants run the benchmark-sized cases only, in the matrix.
                if col.prices.is_some() {
                    continue;
                }
                // The native-container column runs only the programs built for it.
                if col.runs_native_code() && !harness::native::in_container(&sample, case) {
                    continue;
                }
                let name = format!("{runtime}/{}/{}", sample.id(), case.name);
                seen.push(name.clone());
                if let Some(left_out) = outside_ci.iter().find(|o| ci && matches(&o.cell, &name)) {
                    eprintln!("ignored {name} under CI: {}", left_out.reason);
                    trials.push(Trial::test(name, || Ok(())).with_ignored_flag(true));
                    continue;
                }
                // An HTTP case on a column that cannot serve: `unsupported`, whatever is installed.
                if let Some(http) = &case.http
                    && let Err(why) = harness::http_case::can_serve(runtime, http.handler)
                {
                    let run = memo.runner(&ctx, runtime, &sample, case);
                    trials.push(unsupported_trial(name, run, format!("serving HTTP: {why}")));
                    continue;
                }
                if let Some((what, reason)) = missing(runtime) {
                    trials.push(missing_trial(name, &what, reason, ci, &unavailable));
                    continue;
                }
                // A component-only language on a preview 1 column: `unsupported` by design.
                if let Err(cell::NotBuilt::Unsupported(why)) = &built[runtime] {
                    let run = memo.runner(&ctx, runtime, &sample, case);
                    trials.push(unsupported_trial(name, run, why.clone()));
                    continue;
                }
                let known_failure = known
                    .iter()
                    .find(|l| {
                        matches(&l.cell, &name) && !l.except.iter().any(|e| matches(e, &name))
                    })
                    .cloned();
                let flaky_also = flaky_also(&flaky, &name);
                let run = memo.runner(&ctx, runtime, &sample, case);
                trials.push(Trial::test(name, move || {
                    let cell = run();
                    if flaky_also.is_some_and(|allowed| allowed.covers(&cell)) {
                        return Ok(());
                    }
                    match (known_failure, cell.as_expected) {
                        (None, true) => Ok(()),
                        (None, false) => Err(format!(
                            "got {} ({}), expected {}",
                            cell.outcome, cell.reason, cell.expected
                        )
                        .into()),
                        (Some(listed), false) => {
                            if listed.outcome.is_some_and(|o| o != cell.outcome)
                                || listed
                                    .reason_contains
                                    .as_deref()
                                    .is_some_and(|w| !cell.reason.contains(w))
                            {
                                return Err(format!(
                                    "a known failure ({}) that now fails differently: got {} ({})",
                                    listed.reason, cell.outcome, cell.reason
                                )
                                .into());
                            }
                            Ok(())
                        }
                        (Some(listed), true) => Err(format!(
                            "listed as a known failure ({}) but now gets its expected outcome \
                             {}: remove it from harness/tests/expectations.toml",
                            listed.reason, cell.expected
                        )
                        .into()),
                    }
                }));
            }
            // A command-line tool runs commands; an HTTP case needs a server (the gateway).
            let agreements_apply = case.http.is_none();
            for &(cli, embedded) in AGREEMENT.iter().filter(|_| agreements_apply) {
                let cell_name = format!("{cli}/{}/{}", sample.id(), case.name);
                let name = format!("agree/{cell_name}");
                seen_agreements.push(cell_name.clone());
                if let Some((what, reason)) = missing(cli).or_else(|| missing(embedded)) {
                    agreements.push(missing_trial(name, &what, reason, ci, &unavailable));
                    continue;
                }
                let embedded_name = format!("{embedded}/{}/{}", sample.id(), case.name);
                let listed = disagreements
                    .iter()
                    .find(|d| {
                        matches(&d.cell, &cell_name)
                            && !d.except.iter().any(|e| matches(e, &cell_name))
                    })
                    .cloned();
                let flaky = (
                    flaky_also(&flaky, &cell_name),
                    flaky_also(&flaky, &embedded_name),
                );
                let run_cli = memo.runner(&ctx, cli, &sample, case);
                let run_embedded = memo.runner(&ctx, embedded, &sample, case);
                agreements.push(Trial::test(name, move || {
                    let (of_cli, of_embedded) = (run_cli(), run_embedded());
                    agreement(cli, &of_cli, embedded, &of_embedded, flaky, listed)
                }));
            }
        }
    }
    ordered.sort_by(|a, b| a.0.cmp(&b.0));
    trials.extend(ordered.into_iter().map(|(_, trial)| trial));
    trials.extend(agreements);
    let patterns = known
        .iter()
        .map(|l| (&l.cell, &seen))
        .chain(flaky.iter().map(|f| (&f.0, &seen)))
        .chain(outside_ci.iter().map(|o| (&o.cell, &seen)))
        .chain(
            disagreements
                .iter()
                .flat_map(|d| std::iter::once(&d.cell).chain(&d.except))
                .map(|cell| (cell, &seen_agreements)),
        );
    for (listed, names) in patterns {
        if !names.iter().any(|name| matches(listed, name)) {
            let name = format!("expectations/{listed}");
            let listed = listed.clone();
            trials.push(Trial::test(name, move || {
                Err(format!("listed cell `{listed}` names no cell: remove or fix it").into())
            }));
        }
    }
    let conclusion = libtest_mimic::run(&args, trials);
    memo.report_time();
    conclusion.exit();
}

/// Where a column's trials go: into the list to be ordered, each with its sort key.
/// A trial's place: case pass, column, sample name, language.
type Order = (usize, usize, String, String);

struct Tagged<'a>(&'a mut Vec<(Order, Trial)>, Order);

impl Tagged<'_> {
    fn push(&mut self, trial: Trial) {
        self.0.push((self.1.clone(), trial));
    }
}

/// Cells by trial name, each run once however many trials need it (libtest-mimic runs trials on
/// several threads: the second to ask waits for the first's run).
#[derive(Default, Clone)]
struct Memo(Arc<Mutex<HashMap<String, Slot>>>);

/// A cell once run, with how long it took.
type Slot = Arc<OnceLock<(Cell, Duration)>>;

impl Memo {
    /// What a trial calls to get the cell of `runtime` on the sample's case.
    fn runner(
        &self,
        ctx: &Context,
        runtime: &'static str,
        sample: &Sample,
        case: &Case,
    ) -> impl FnOnce() -> Cell + Send + 'static {
        let name = format!("{runtime}/{}/{}", sample.id(), case.name);
        let slot = Arc::clone(
            self.0
                .lock()
                .expect("no trial panics while holding the memo")
                .entry(name)
                .or_default(),
        );
        let (ctx, sample, case) = (ctx.clone(), sample.clone(), case.clone());
        move || {
            slot.get_or_init(|| {
                let start = Instant::now();
                let cell = cell::run_cell(&ctx, runtime, &sample, &case).0;
                (cell, start.elapsed())
            })
            .0
            .clone()
        }
    }

    /// Where the suite's time went: per column, and the slowest cells (what to look at when the
    /// suite gets slow; CI has an hour).
    fn report_time(&self) {
        let memo = self
            .0
            .lock()
            .expect("no trial panics while holding the memo");
        let mut cells: Vec<(Duration, &str)> = memo
            .iter()
            .filter_map(|(name, slot)| slot.get().map(|(_, took)| (*took, name.as_str())))
            .collect();
        if cells.is_empty() {
            return;
        }
        let mut columns: BTreeMap<&str, (Duration, usize)> = BTreeMap::new();
        for (took, name) in &cells {
            let column = columns
                .entry(name.split('/').next().unwrap_or(name))
                .or_default();
            column.0 += *took;
            column.1 += 1;
        }
        let mut columns: Vec<_> = columns.into_iter().collect();
        columns.sort_by_key(|c| std::cmp::Reverse(c.1.0));
        eprintln!("\ntime spent running cells, per column (summed over the suite's threads):");
        for (column, (took, n)) in columns {
            eprintln!("  {column:<22} {:>8.1} s  {n} cells", took.as_secs_f64());
        }
        cells.sort_by_key(|c| std::cmp::Reverse(c.0));
        eprintln!("slowest cells:");
        for (took, name) in cells.iter().take(12) {
            eprintln!("  {:>8.1} s  {name}", took.as_secs_f64());
        }
    }
}

/// What the flaky entry that covers the cell allows, if one does.
fn flaky_also(flaky: &[(String, Allowed)], name: &str) -> Option<Allowed> {
    flaky
        .iter()
        .find(|(cell, _)| matches(cell, name))
        .map(|(_, allowed)| allowed.clone())
}

/// The outcome an agreement compares: a flaky cell's allowed failure counts as the outcome it
/// otherwise gets, its expected one.
fn compared(cell: &Cell, allowed: Option<&Allowed>) -> Outcome {
    match allowed {
        Some(allowed) if allowed.covers(cell) => cell.expected,
        _ => cell.outcome,
    }
}

/// Whether a command-line column's cell gets the outcome of its embedded column's, or differs as
/// listed.
fn agreement(
    cli: &str,
    of_cli: &Cell,
    embedded: &str,
    of_embedded: &Cell,
    flaky: (Option<Allowed>, Option<Allowed>),
    listed: Option<Disagreement>,
) -> Result<(), Failed> {
    let got = (
        compared(of_cli, flaky.0.as_ref()),
        compared(of_embedded, flaky.1.as_ref()),
    );
    let both = format!(
        "`{cli}` got {} ({}), `{embedded}` got {} ({})",
        of_cli.outcome, of_cli.reason, of_embedded.outcome, of_embedded.reason
    );
    match (listed, got.0 == got.1) {
        (None, true) => Ok(()),
        (None, false) => Err(format!(
            "{both}: if the tool really differs, list the cell under [[disagreement]] in \
             harness/tests/expectations.toml with the reason"
        )
        .into()),
        (Some(listed), false) => {
            if listed.cli.is_some_and(|o| o != got.0) || listed.embedded.is_some_and(|o| o != got.1)
            {
                return Err(format!(
                    "a listed disagreement ({}) that now differs in another way: {both}",
                    listed.reason
                )
                .into());
            }
            Ok(())
        }
        (Some(listed), true) => Err(format!(
            "listed as a disagreement ({}) but both now get {}: remove it from \
             harness/tests/expectations.toml",
            listed.reason, got.0
        )
        .into()),
    }
}

/// A cell whose runtime or module is missing: ignored locally, a failure under CI unless listed.
/// A cell that is `unsupported` by design, with exactly this reason.
fn unsupported_trial(
    name: String,
    run: impl FnOnce() -> Cell + Send + 'static,
    why: String,
) -> Trial {
    Trial::test(name, move || {
        let cell = run();
        if cell.outcome == Outcome::Unsupported && cell.reason == why {
            Ok(())
        } else {
            Err(format!(
                "expected unsupported ({why}), got {} ({})",
                cell.outcome, cell.reason
            )
            .into())
        }
    })
}

fn missing_trial(
    name: String,
    what: &str,
    reason: String,
    ci: bool,
    unavailable: &BTreeMap<String, String>,
) -> Trial {
    if !ci {
        eprintln!("ignored {name}: {reason}");
        return Trial::test(name, || Ok(())).with_ignored_flag(true);
    }
    match unavailable.get(what) {
        Some(words) if reason.contains(words.as_str()) => {
            Trial::test(name, || Ok(())).with_ignored_flag(true)
        }
        Some(words) => {
            let message = format!(
                "{reason} (CI=true: `{what}` is listed as unavailable, but the reason should contain `{words}`)"
            );
            Trial::test(name, move || Err(message.into()))
        }
        None => {
            let message = format!(
                "{reason} (CI=true: list `{what}` under `unavailable` with a reason if this is expected)"
            );
            Trial::test(name, move || Err(message.into()))
        }
    }
}
