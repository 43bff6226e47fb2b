//! A runner for WebAssembly/wasi-testsuite on every column: finds its suites (directories with a
//! `manifest.json`, each test a `NAME.wasm` with an optional `NAME.json`), turns each test's spec
//! into a run (`args`, `env`, `dirs` preopened under their own names, `root` preopened at guest `/`,
//! expected `exit_code`, and `stdout`/`stderr` compared as prefixes, as the suite's own runner reads
//! them), reads per-column expectation files in the suite's TOML style, and writes the suite's JSON
//! report beside our Markdown.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::adhoc::Job;
use crate::manifest::{self, Expect};
use crate::outcome::Outcome;
use crate::results::Cell;
use crate::runtime::{Preopen, RunSpec};

/// The WASI target the runner can run: preview 1 command modules.
pub const PREVIEW1: &str = "wasm32-wasip1";

/// A suite: a directory of tests with a name (the manifest's, which expectation files use).
#[derive(Debug, Clone)]
pub struct Suite {
    pub name: String,
    pub dir: PathBuf,
    pub wasi_version: String,
    pub tests: Vec<Test>,
}

/// A test of a suite: its module and what its spec asks, or why the spec cannot be run.
#[derive(Debug, Clone)]
pub struct Test {
    pub name: String,
    pub module: PathBuf,
    pub spec: Result<Spec, Unrunnable>,
}

/// Why a test is not run: a spec that asks what no column here has (`unsupported`), or one that
/// cannot be read (an error of the suite, reported as a harness fault, never against a runtime).
#[derive(Debug, Clone, PartialEq)]
pub enum Unrunnable {
    Unsupported(String),
    Malformed(String),
}

/// A test's spec, as one run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Spec {
    pub args: Vec<String>,
    pub env: BTreeMap<String, String>,
    /// Directories preopened under their own (relative) names, host paths relative to the suite.
    pub dirs: Vec<String>,
    /// A directory preopened at guest `/`.
    pub root: Option<String>,
    pub stdin: String,
    pub exit_code: i32,
    pub stdout: Option<String>,
    pub stderr: Option<String>,
}

/// Finds every suite under `dir`: each directory with a `manifest.json` (as the suite's `run-tests`
/// walks `tests/`), or `dir` itself when it has none but holds `*.wasm` files (as `-t DIR` took).
pub fn discover(dir: &Path) -> anyhow::Result<Vec<Suite>> {
    use anyhow::Context as _;
    anyhow::ensure!(dir.is_dir(), "{} is not a directory", dir.display());
    let mut suites = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(at) = stack.pop() {
        if at.join("manifest.json").is_file() {
            suites.push(read_suite(&at)?);
        }
        let mut children: Vec<PathBuf> = std::fs::read_dir(&at)
            .with_context(|| format!("cannot list {}", at.display()))?
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.is_dir())
            .collect();
        children.sort();
        stack.extend(children.into_iter().rev());
    }
    if suites.is_empty() {
        let suite = read_suite(dir)?;
        anyhow::ensure!(
            !suite.tests.is_empty(),
            "no suite under {}: no manifest.json and no *.wasm",
            dir.display()
        );
        suites.push(suite);
    }
    suites.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(suites)
}

fn read_suite(dir: &Path) -> anyhow::Result<Suite> {
    use anyhow::Context as _;
    let dir_name = dir.file_name().map(|n| n.to_string_lossy().into_owned());
    let named_version = dir_name.filter(|n| n.starts_with("wasm32-wasip"));
    let mut name = dir.display().to_string();
    let mut wasi_version = named_version.unwrap_or_else(|| PREVIEW1.to_owned());
    let manifest = dir.join("manifest.json");
    if manifest.is_file() {
        let text = std::fs::read_to_string(&manifest)
            .with_context(|| format!("cannot read {}", manifest.display()))?;
        let value: Value = serde_json::from_str(&text)
            .with_context(|| format!("{} is not JSON", manifest.display()))?;
        let object = value
            .as_object()
            .with_context(|| format!("{}: not a JSON object", manifest.display()))?;
        for (key, value) in object {
            match (key.as_str(), value.as_str()) {
                ("name", Some(v)) => name = v.to_owned(),
                ("version", Some(v)) => wasi_version = v.to_owned(),
                _ => anyhow::bail!("{}: unexpected manifest option `{key}`", manifest.display()),
            }
        }
    }
    let mut modules: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot list {}", dir.display()))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "wasm") && p.is_file())
        .collect();
    modules.sort();
    let tests = modules
        .into_iter()
        .map(|module| {
            let name = module
                .file_stem()
                .map_or_else(String::new, |s| s.to_string_lossy().into_owned());
            let config = module.with_extension("json");
            let spec = if config.is_file() {
                std::fs::read_to_string(&config)
                    .map_err(|e| {
                        Unrunnable::Malformed(format!("cannot read {}: {e}", config.display()))
                    })
                    .and_then(|text| parse_spec(&text))
            } else {
                Ok(Spec::default())
            };
            Test { name, module, spec }
        })
        .collect();
    Ok(Suite {
        name,
        dir: dir.to_owned(),
        wasi_version,
        tests,
    })
}

/// Reads a test's JSON spec: the legacy keys (`args`, `env`, `dirs`, `root`, `exit_code`,
/// `stdout`, `stderr`) or an operation list that is one run of a command (`run`, `write` to stdin,
/// `read` of stdout or stderr, `wait`). Proposals, worlds other than a command, and operations on
/// sockets or HTTP need a component runtime: unsupported.
pub fn parse_spec(text: &str) -> Result<Spec, Unrunnable> {
    let bad = |why: String| Unrunnable::Malformed(why);
    let value: Value = serde_json::from_str(text).map_err(|e| bad(format!("not JSON: {e}")))?;
    let object = value
        .as_object()
        .ok_or_else(|| bad("not a JSON object".into()))?;
    let mut spec = Spec::default();
    if let Some(proposals) = object.get("proposals").and_then(Value::as_array)
        && !proposals.is_empty()
    {
        let names: Vec<String> = proposals.iter().map(|p| p.to_string()).collect();
        return Err(Unrunnable::Unsupported(format!(
            "needs WASI proposals {} (wasi:http, wasi:sockets): components, which no column here runs",
            names.join(", ")
        )));
    }
    if let Some(world) = object.get("world").and_then(Value::as_str)
        && world != "wasi:cli/command"
    {
        return Err(Unrunnable::Unsupported(format!(
            "needs the `{world}` world: a component, which no column here runs"
        )));
    }
    let operations = match object.get("operations") {
        Some(ops) => ops
            .as_array()
            .ok_or_else(|| bad("`operations` is not a list".into()))?
            .clone(),
        None => {
            // The legacy keys, as the suite's runner turns them into operations.
            let mut ops = vec![json!({"type": "run",
                "args": object.get("args").cloned().unwrap_or(json!([])),
                "env": object.get("env").cloned().unwrap_or(json!({})),
                "dirs": object.get("dirs").cloned().unwrap_or(json!([]))})];
            for id in ["stdout", "stderr"] {
                if let Some(payload) = object.get(id) {
                    ops.push(json!({"type": "read", "id": id, "payload": payload}));
                }
            }
            ops.push(json!({"type": "wait",
                "exit_code": object.get("exit_code").cloned().unwrap_or(json!(0))}));
            ops
        }
    };
    if let Some(root) = object.get("root") {
        spec.root = Some(
            root.as_str()
                .ok_or_else(|| bad("`root` is not a string".into()))?
                .to_owned(),
        );
    }
    let strings = |v: Option<&Value>, what: &str| -> Result<Vec<String>, Unrunnable> {
        let Some(v) = v else { return Ok(Vec::new()) };
        v.as_array()
            .ok_or_else(|| bad(format!("`{what}` is not a list")))?
            .iter()
            .map(|s| {
                s.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| bad(format!("`{what}` holds a non-string")))
            })
            .collect()
    };
    let (mut ran, mut waited) = (false, false);
    for op in &operations {
        let kind = op.get("type").and_then(Value::as_str).unwrap_or("");
        let payload = || {
            op.get("payload")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned()
        };
        match kind {
            "run" if !ran => {
                ran = true;
                spec.args = strings(op.get("args"), "args")?;
                spec.dirs = strings(op.get("dirs"), "dirs")?;
                if let Some(env) = op.get("env") {
                    for (k, v) in env
                        .as_object()
                        .ok_or_else(|| bad("`env` is not an object".into()))?
                    {
                        let v = v
                            .as_str()
                            .ok_or_else(|| bad(format!("env `{k}` is not a string")))?;
                        spec.env.insert(k.clone(), v.to_owned());
                    }
                }
            }
            "write" if ran && !waited => spec.stdin.push_str(&payload()),
            "read" if ran => match op.get("id").and_then(Value::as_str).unwrap_or("stdout") {
                "stdout" => spec
                    .stdout
                    .get_or_insert_with(String::new)
                    .push_str(&payload()),
                "stderr" => spec
                    .stderr
                    .get_or_insert_with(String::new)
                    .push_str(&payload()),
                other => {
                    return Err(Unrunnable::Unsupported(format!(
                        "reads stream `{other}`: sockets, which no column here gives a guest"
                    )));
                }
            },
            "wait" if ran && !waited => {
                waited = true;
                let code = op.get("exit_code").cloned().unwrap_or(json!(0));
                spec.exit_code = code
                    .as_i64()
                    .and_then(|c| i32::try_from(c).ok())
                    .ok_or_else(|| bad(format!("exit_code {code} is not an integer")))?;
            }
            "connect" | "send" | "recv" | "request" | "kill" => {
                return Err(Unrunnable::Unsupported(format!(
                    "the `{kind}` operation needs a running server or signals, which this runner \
                     does not drive"
                )));
            }
            _ => return Err(bad(format!("operation `{kind}` out of place or unknown"))),
        }
    }
    if !ran {
        return Err(bad("no `run` operation".into()));
    }
    Ok(spec)
}

/// What a column is expected to do with a test, by the column's expectation file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expected {
    /// Not run: the reason.
    Skip(String),
    /// Expected to fail: the reason. A pass is an error (`xpass`).
    Fail(String),
}

/// One column's expectations: suite name, then test name.
pub type Expectations = BTreeMap<String, BTreeMap<String, Expected>>;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpectationFile {
    #[serde(default = "one")]
    version: u32,
    #[serde(default)]
    suite: Vec<ExpectedSuite>,
}

fn one() -> u32 {
    1
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpectedSuite {
    name: String,
    #[serde(default)]
    test: Vec<ExpectedTest>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpectedTest {
    name: String,
    action: Option<String>,
    expected: Option<String>,
    /// Ours: every entry says why (the suite's own files keep it in a comment).
    reason: String,
}

/// Reads an expectation file in the suite's TOML style (`[[suite]]` with `name`, `[[suite.test]]`
/// with `name` and `expected = "fail"` or `action = "skip"`), each entry with a `reason`.
pub fn parse_expectations(text: &str) -> Result<Expectations, String> {
    let file: ExpectationFile = toml::from_str(text).map_err(|e| e.to_string())?;
    if file.version != 1 {
        return Err(format!("version {} (only 1 is known)", file.version));
    }
    let mut out: Expectations = BTreeMap::new();
    for suite in file.suite {
        let tests = out.entry(suite.name.clone()).or_default();
        for test in suite.test {
            let entry = match (test.action.as_deref(), test.expected.as_deref()) {
                (Some("skip"), _) => Expected::Skip(test.reason),
                (None, Some("fail")) => Expected::Fail(test.reason),
                (None, Some("pass")) => continue,
                (action, expected) => {
                    return Err(format!(
                        "{} / {}: action {action:?}, expected {expected:?}: give `action = \
                         \"skip\"` or `expected = \"fail\"`",
                        suite.name, test.name
                    ));
                }
            };
            if tests.insert(test.name.clone(), entry).is_some() {
                return Err(format!("{} / {}: listed twice", suite.name, test.name));
            }
        }
    }
    Ok(out)
}

/// Every column's expectations from `dir/<column>.toml` (a column without a file expects every test
/// to pass). An entry that names no test of the suites run is an error: stale data hides nothing.
pub fn load_expectations(
    dir: &Path,
    columns: &[String],
    suites: &[Suite],
) -> anyhow::Result<BTreeMap<String, Expectations>> {
    let mut all = BTreeMap::new();
    for column in columns {
        let path = dir.join(format!("{column}.toml"));
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let expectations =
            parse_expectations(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        for (suite, tests) in &expectations {
            // Only suites that ran can be checked; another checkout may hold other suites.
            let Some(found) = suites.iter().find(|s| &s.name == suite) else {
                continue;
            };
            for test in tests.keys() {
                anyhow::ensure!(
                    found.tests.iter().any(|t| &t.name == test),
                    "{}: suite `{suite}` has no test `{test}`",
                    path.display()
                );
            }
        }
        all.insert(column.clone(), expectations);
    }
    Ok(all)
}

/// A test run on a column: where it came from, for the report.
#[derive(Debug, Clone)]
pub struct Planned {
    pub suite: usize,
    pub test: usize,
    pub column: String,
    pub expected: Option<Expected>,
}

/// What [`plan`] makes of the suites on the columns.
pub struct Plan {
    /// The runs to make.
    pub runs: Vec<(Planned, Job)>,
    /// The cells decided without a run (unsupported, malformed, skipped by an expectation).
    pub decided: Vec<(Planned, Cell)>,
}

/// The runs to make, and the cells decided without a run. `scratch` receives a fresh copy of each
/// run's directories.
pub fn plan(
    suites: &[Suite],
    columns: &[String],
    expectations: &BTreeMap<String, Expectations>,
    scratch: &Path,
    timeout: Duration,
) -> Plan {
    let mut jobs = Vec::new();
    let mut decided = Vec::new();
    let mut n = 0;
    for (si, suite) in suites.iter().enumerate() {
        for (ti, test) in suite.tests.iter().enumerate() {
            for column in columns {
                let expected = expectations
                    .get(column)
                    .and_then(|e| e.get(&suite.name))
                    .and_then(|t| t.get(&test.name))
                    .cloned();
                let planned = Planned {
                    suite: si,
                    test: ti,
                    column: column.clone(),
                    expected: expected.clone(),
                };
                let row = [suite.name.clone(), test.name.clone(), "run".to_owned()];
                let decide = |outcome: Outcome, reason: String| {
                    let mut cell = Cell::new(
                        column,
                        [row[0].as_str(), row[1].as_str(), row[2].as_str()],
                        Outcome::Pass,
                        false,
                        timeout.as_millis() as u64,
                    );
                    cell.outcome = outcome;
                    cell.reason = reason;
                    cell
                };
                let spec = match (&test.spec, expected) {
                    _ if suite.wasi_version != PREVIEW1 => {
                        let reason = format!(
                            "a {} test is a component: no column here runs components",
                            suite.wasi_version
                        );
                        decided.push((planned, decide(Outcome::Unsupported, reason)));
                        continue;
                    }
                    (Err(Unrunnable::Unsupported(why)), _) => {
                        decided.push((planned, decide(Outcome::Unsupported, why.clone())));
                        continue;
                    }
                    (Err(Unrunnable::Malformed(why)), _) => {
                        let reason = format!("the test's spec cannot be run: {why}");
                        decided.push((planned, decide(Outcome::HarnessFault, reason)));
                        continue;
                    }
                    (_, Some(Expected::Skip(why))) => {
                        let reason = format!("skipped by the column's expectation file: {why}");
                        decided.push((planned, decide(Outcome::Skipped, reason)));
                        continue;
                    }
                    (Ok(spec), _) => spec,
                };
                n += 1;
                let run_dir = scratch.join(format!("{n}"));
                let mut preopens = Vec::new();
                let mut copies = Vec::new();
                for (host, guest) in spec
                    .dirs
                    .iter()
                    .map(|d| (d.as_str(), d.clone()))
                    .chain(spec.root.iter().map(|r| (r.as_str(), "/".to_owned())))
                {
                    let copy = run_dir.join(format!("{}-{host}", copies.len()));
                    copies.push((suite.dir.join(host), copy.clone()));
                    preopens.push(Preopen {
                        host: copy,
                        guest,
                        packaged: false,
                    });
                }
                let job = Job {
                    column: column.clone(),
                    row,
                    module: test.module.clone(),
                    spec: RunSpec {
                        program: format!("{}.wasm", test.name),
                        args: spec.args.clone(),
                        env: spec.env.clone(),
                        preopens,
                        stdin: spec.stdin.clone().into_bytes(),
                        proposals: Vec::new(),
                        timeout,
                        memory_limit_bytes: manifest::DEFAULT_MEMORY_LIMIT_MIB << 20,
                        output_limit_bytes: crate::cell::OUTPUT_LIMIT,
                        cache_dir: None,
                        inherit_stdio: false,
                        inherit_env: false,
                        network: false,
                    },
                    expect: Expect {
                        exit_code: spec.exit_code,
                        stdout_prefix: spec.stdout.clone(),
                        stderr_prefix: spec.stderr.clone(),
                        ..Expect::default()
                    },
                    copies,
                };
                jobs.push((planned, job));
            }
        }
    }
    Plan {
        runs: jobs,
        decided,
    }
}

/// How the suite's report says a test went on a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Pass,
    Fail,
    Skip,
    Xfail,
    Xpass,
}

impl Verdict {
    pub fn of(cell: &Cell, expected: Option<&Expected>) -> Verdict {
        let expected_fail = matches!(expected, Some(Expected::Fail(_)));
        match (cell.outcome, expected_fail) {
            (Outcome::Skipped | Outcome::Unsupported | Outcome::HarnessFault, _) => Verdict::Skip,
            (Outcome::Pass, false) => Verdict::Pass,
            (Outcome::Pass, true) => Verdict::Xpass,
            (_, true) => Verdict::Xfail,
            (_, false) => Verdict::Fail,
        }
    }

    /// Whether the verdict is what the expectations say: a failure or an unexpected pass is not.
    pub fn as_expected(self) -> bool {
        !matches!(self, Verdict::Fail | Verdict::Xpass)
    }
}

/// The whole run: the suites, each test's cells, and what each column was expected to do.
#[derive(Debug, Clone)]
pub struct Run {
    pub suites: Vec<Suite>,
    pub cells: Vec<(Planned, Cell)>,
    pub versions: BTreeMap<String, String>,
    pub started: String,
    pub finished: String,
}

impl Run {
    /// The suite runner's JSON report: per suite and column, counts and each test with its
    /// `outcome`, `executed`, `duration_s` and failure messages.
    pub fn json_report(&self) -> Value {
        let mut results = Vec::new();
        let columns: BTreeSet<&str> = self.cells.iter().map(|(p, _)| p.column.as_str()).collect();
        for (si, suite) in self.suites.iter().enumerate() {
            for column in crate::runtime::registry::names().filter(|n| columns.contains(n)) {
                let mut counts: BTreeMap<Verdict, usize> = BTreeMap::new();
                let mut tests = Vec::new();
                let mut duration = 0.0;
                for (planned, cell) in self
                    .cells
                    .iter()
                    .filter(|(p, _)| p.suite == si && p.column == column)
                {
                    let verdict = Verdict::of(cell, planned.expected.as_ref());
                    *counts.entry(verdict).or_default() += 1;
                    let seconds = if cell.n > 0 { cell.wall_ms / 1e3 } else { 0.0 };
                    duration += seconds;
                    let failures: Vec<String> = match verdict {
                        Verdict::Pass => Vec::new(),
                        _ if cell.reason.is_empty() => Vec::new(),
                        _ => vec![format!("{}: {}", cell.outcome, cell.reason)],
                    };
                    tests.push(json!({
                        "name": cell.sample,
                        "executed": cell.n > 0,
                        "outcome": verdict,
                        "duration_s": seconds,
                        "wasi_functions": [],
                        "failures": failures,
                    }));
                }
                let count = |v: Verdict| counts.get(&v).copied().unwrap_or(0);
                results.push(json!({
                    "name": suite.name,
                    "runtime": {
                        "name": column,
                        "version": self.versions.get(column).cloned().unwrap_or_default(),
                    },
                    "duration_s": duration,
                    "failed": count(Verdict::Fail) + count(Verdict::Xpass),
                    "skipped": count(Verdict::Skip),
                    "passed": count(Verdict::Pass),
                    "xfailed": count(Verdict::Xfail),
                    "xpassed": count(Verdict::Xpass),
                    "tests": tests,
                }));
            }
        }
        json!({
            "execution": {"start_timestamp": self.started, "finish_timestamp": self.finished},
            "results": results,
        })
    }

    /// The run as our Markdown: per suite, a line per test and a column per runtime, and every
    /// reason below.
    pub fn markdown(&self, meta: &crate::results::Meta) -> String {
        use std::fmt::Write as _;
        let columns: Vec<&str> = {
            let ran: BTreeSet<&str> = self.cells.iter().map(|(p, _)| p.column.as_str()).collect();
            crate::runtime::registry::names()
                .filter(|n| ran.contains(n))
                .collect()
        };
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# wasi-testsuite on every column\n\nRun by `cargo xtask wasi-testsuite` on {} ({}), \
             commit `{}`. A test's `stdout` and `stderr` are compared as prefixes, as the suite's \
             runner reads them; `dirs` are preopened under their own names, `root` at `/`. Each \
             run gets fresh copies of its directories.\n\n\
             **pass** · **FAIL** (not as expected) · **xfail** (a failure the column's expectation \
             file lists, with its reason) · **XPASS** (listed as failing, but passed: an error) · \
             **skip** (not run: unsupported, skipped by expectation, or a harness fault; see the \
             reason)\n",
            meta.date,
            meta.host.label(),
            meta.git_commit.get(..12).unwrap_or(&meta.git_commit)
        );
        let mut reasons: Vec<String> = Vec::new();
        for (si, suite) in self.suites.iter().enumerate() {
            let _ = writeln!(
                out,
                "## {} ({}, {} tests)\n",
                suite.name,
                suite.wasi_version,
                suite.tests.len()
            );
            let _ = write!(out, "| test |");
            for c in &columns {
                let _ = write!(out, " {c} |");
            }
            let _ = write!(out, "\n|---|");
            for _ in &columns {
                let _ = write!(out, ":-:|");
            }
            out.push('\n');
            for (ti, test) in suite.tests.iter().enumerate() {
                let _ = write!(out, "| {} |", test.name);
                for column in &columns {
                    let found = self
                        .cells
                        .iter()
                        .find(|(p, _)| p.suite == si && p.test == ti && p.column == *column);
                    let text = match found {
                        None => "—".to_owned(),
                        Some((planned, cell)) => {
                            let verdict = Verdict::of(cell, planned.expected.as_ref());
                            let word = match verdict {
                                Verdict::Pass => "pass",
                                Verdict::Fail => "FAIL",
                                Verdict::Skip => "skip",
                                Verdict::Xfail => "xfail",
                                Verdict::Xpass => "XPASS",
                            };
                            if verdict == Verdict::Pass {
                                word.to_owned()
                            } else {
                                let why = match &planned.expected {
                                    Some(Expected::Fail(why)) if verdict == Verdict::Xpass => {
                                        format!("passed, but listed as failing: {why}")
                                    }
                                    Some(Expected::Fail(why)) => {
                                        format!("{} ({}: {})", why, cell.outcome, cell.reason)
                                    }
                                    _ => format!("{}: {}", cell.outcome, cell.reason),
                                };
                                let why =
                                    crate::results::escape_cell(&crate::util::shorten(&why, 300));
                                let n = match reasons.iter().position(|r| *r == why) {
                                    Some(i) => i + 1,
                                    None => {
                                        reasons.push(why);
                                        reasons.len()
                                    }
                                };
                                format!("{word} [{n}](#w{n})")
                            }
                        }
                    };
                    let _ = write!(out, " {text} |");
                }
                out.push('\n');
            }
            out.push('\n');
        }
        if !reasons.is_empty() {
            let _ = writeln!(out, "## Reasons\n");
            for (i, reason) in reasons.iter().enumerate() {
                let _ = writeln!(out, "<a id=\"w{}\"></a>{}. {reason}", i + 1, i + 1);
            }
            out.push('\n');
        }
        let _ = writeln!(out, "## Versions\n");
        for column in &columns {
            let version = self.versions.get(*column).map_or("", String::as_str);
            let _ = writeln!(out, "- `{column}`: {version}");
        }
        out
    }

    /// Counts of verdicts over every cell, and whether any is not as expected.
    pub fn tally(&self) -> (BTreeMap<Verdict, usize>, usize) {
        let mut counts = BTreeMap::new();
        let mut unexpected = 0;
        for (planned, cell) in &self.cells {
            let verdict = Verdict::of(cell, planned.expected.as_ref());
            *counts.entry(verdict).or_default() += 1;
            if !verdict.as_expected() {
                unexpected += 1;
            }
        }
        (counts, unexpected)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_specs_become_one_run() {
        let spec = parse_spec(
            r#"{"args": ["fs-tests.dir"], "dirs": ["fs-tests.dir"], "env": {"A": "b"},
                "exit_code": 3, "stdout": "hi\n"}"#,
        )
        .unwrap();
        assert_eq!(spec.args, ["fs-tests.dir"]);
        assert_eq!(spec.dirs, ["fs-tests.dir"]);
        assert_eq!(spec.env["A"], "b");
        assert_eq!((spec.exit_code, spec.stdout.as_deref()), (3, Some("hi\n")));
        let spec = parse_spec(r#"{"root": "fs-tests.dir"}"#).unwrap();
        assert_eq!(spec.root.as_deref(), Some("fs-tests.dir"));
        assert_eq!(spec.exit_code, 0);
    }

    #[test]
    fn operation_lists_are_read_and_what_needs_components_is_unsupported() {
        let spec = parse_spec(
            r#"{"operations": [{"type": "run", "args": ["x"]}, {"type": "write", "id": "stdin",
                "payload": "in"}, {"type": "read", "id": "stdout", "payload": "x\n"},
                {"type": "wait", "exit_code": 1}]}"#,
        )
        .unwrap();
        assert_eq!((spec.stdin.as_str(), spec.exit_code), ("in", 1));
        assert_eq!(spec.stdout.as_deref(), Some("x\n"));
        for text in [
            r#"{"proposals": ["http"]}"#,
            r#"{"world": "wasi:http/service", "operations": [{"type": "run"}]}"#,
            r#"{"operations": [{"type": "run"}, {"type": "connect"}, {"type": "wait"}]}"#,
        ] {
            assert!(
                matches!(parse_spec(text), Err(Unrunnable::Unsupported(_))),
                "{text}"
            );
        }
        assert!(matches!(
            parse_spec(r#"{"args": "x"}"#),
            Err(Unrunnable::Malformed(_))
        ));
        assert!(matches!(parse_spec("[1]"), Err(Unrunnable::Malformed(_))));
    }

    #[test]
    fn expectations_need_a_reason_and_an_expected_failure_that_passes_is_an_error() {
        let text = r#"
[[suite]]
name = "WASI C tests [wasm32-wasip1]"
[[suite.test]]
name = "stat-dev-ino"
expected = "fail"
reason = "d_ino is not reported"
[[suite.test]]
name = "sock"
action = "skip"
reason = "no sockets"
"#;
        let e = parse_expectations(text).unwrap();
        let suite = &e["WASI C tests [wasm32-wasip1]"];
        assert!(matches!(suite["stat-dev-ino"], Expected::Fail(_)));
        assert!(matches!(suite["sock"], Expected::Skip(_)));
        assert!(parse_expectations(&text.replace("reason = \"no sockets\"\n", "")).is_err());
        assert!(
            parse_expectations(&text.replace("action = \"skip\"", "action = \"run\"")).is_err()
        );

        let mut cell = crate::results::fixture::cell("wasmer", "s/t/run", Outcome::Pass, &[1.0]);
        let fail = Expected::Fail("known".into());
        assert_eq!(Verdict::of(&cell, Some(&fail)), Verdict::Xpass);
        assert!(!Verdict::Xpass.as_expected());
        cell.outcome = Outcome::Fail;
        assert_eq!(Verdict::of(&cell, Some(&fail)), Verdict::Xfail);
        assert_eq!(Verdict::of(&cell, None), Verdict::Fail);
        cell.outcome = Outcome::HarnessFault;
        assert_eq!(Verdict::of(&cell, None), Verdict::Skip);
    }
}
