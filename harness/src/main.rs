//! The harness binary: `matrix` runs every sample on every runtime and writes the results, `run` runs
//! one module a user brings on every runtime, and `worker` serves one run for either of them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context as _, bail};

use harness::cell::{self, Context};
use harness::manifest::{self, Expect};
use harness::results::{self, Meta, Results, format_ms};
use harness::runtime::{self, Preopen, RunSpec, registry};
use harness::util::shorten;
use harness::{Outcome, journal, meta, native, worker};

const USAGE: &str = "usage:
  harness matrix [--root DIR] [--target-dir DIR] [--out DIR] [--runtime R]... [--sample S]...
                 [--repeat N] [--no-bench] [--no-cache] [--bench-interpreters] [--resume]
  harness run MODULE.wasm [--runtime R]... [--dir HOST::GUEST]... [--env K=V]...
                 [--proposal P]... [--timeout-ms N] [--cache] [-- ARGS...]
  harness worker    (internal: serves one run, request on stdin)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("matrix") => matrix(&args[1..]).map(|()| ExitCode::SUCCESS),
        Some("run") => run(&args[1..]),
        Some(worker::SUBCOMMAND) => worker::serve().map(|()| ExitCode::SUCCESS),
        Some("-h" | "--help") => {
            println!("{USAGE}");
            Ok(ExitCode::SUCCESS)
        }
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    result.unwrap_or_else(|err| {
        eprintln!("error: {err:#}");
        ExitCode::from(2)
    })
}

/// A small flag parser: `--name value` pairs, repeated flags collected, `--` ends the flags.
struct Flags {
    values: BTreeMap<String, Vec<String>>,
    switches: Vec<String>,
    positional: Vec<String>,
    rest: Vec<String>,
}

impl Flags {
    fn parse(args: &[String], with_value: &[&str], switches: &[&str]) -> anyhow::Result<Flags> {
        let mut flags = Flags {
            values: BTreeMap::new(),
            switches: Vec::new(),
            positional: Vec::new(),
            rest: Vec::new(),
        };
        let mut iter = args.iter();
        while let Some(arg) = iter.next() {
            if arg == "--" {
                flags.rest = iter.cloned().collect();
                break;
            }
            let (name, inline) = match arg.split_once('=') {
                Some((n, v)) if n.starts_with("--") => (n, Some(v.to_owned())),
                _ => (arg.as_str(), None),
            };
            if with_value.contains(&name) {
                let value = match inline {
                    Some(v) => v,
                    None => iter
                        .next()
                        .cloned()
                        .with_context(|| format!("{name} needs a value"))?,
                };
                flags.values.entry(name.to_owned()).or_default().push(value);
            } else if switches.contains(&name) {
                flags.switches.push(name.to_owned());
            } else if arg.starts_with("--") {
                bail!("unknown flag {arg}\n{USAGE}");
            } else {
                flags.positional.push(arg.clone());
            }
        }
        Ok(flags)
    }

    fn all(&self, name: &str) -> Vec<String> {
        self.values.get(name).cloned().unwrap_or_default()
    }

    fn one(&self, name: &str) -> Option<String> {
        self.values.get(name).and_then(|v| v.last().cloned())
    }

    fn has(&self, name: &str) -> bool {
        self.switches.iter().any(|s| s == name)
    }
}

/// The columns asked for with `--runtime`, or every wasm runtime. `native` is a column of the matrix
/// only (`with_native`): with no `--runtime`, the matrix adds it when kernels were built natively.
fn runtimes(flags: &Flags, with_native: bool) -> anyhow::Result<Vec<String>> {
    let asked = flags.all("--runtime");
    if asked.is_empty() {
        let mut all: Vec<String> = registry::wasm_columns()
            .map(|c| c.name.to_owned())
            .collect();
        if with_native {
            all.push(native::COLUMN.to_owned());
        }
        return Ok(all);
    }
    let known = || {
        registry::COLUMNS
            .iter()
            .filter(|c| with_native || c.kind != runtime::Kind::Native)
            .map(|c| c.name)
            .collect::<Vec<_>>()
            .join(", ")
    };
    for name in &asked {
        match registry::get(name) {
            Some(c) if with_native || c.kind != runtime::Kind::Native => {}
            _ => bail!("unknown runtime `{name}`: known runtimes are {}", known()),
        }
    }
    Ok(asked)
}

fn target_dir(flags: &Flags, root: &Path) -> PathBuf {
    flags
        .one("--target-dir")
        .map_or_else(|| manifest::target_dir(root), PathBuf::from)
}

fn matrix(args: &[String]) -> anyhow::Result<()> {
    let flags = Flags::parse(
        args,
        &[
            "--root",
            "--target-dir",
            "--out",
            "--runtime",
            "--sample",
            "--repeat",
        ],
        &[
            "--no-bench",
            "--no-cache",
            "--bench-interpreters",
            "--resume",
        ],
    )?;
    let root = PathBuf::from(flags.one("--root").unwrap_or_else(|| ".".into()));
    let out_dir = flags
        .one("--out")
        .map_or_else(|| root.join("results"), PathBuf::from);
    let repeat: u32 = match flags.one("--repeat") {
        Some(n) => n
            .parse()
            .ok()
            .filter(|n| *n > 0)
            .context("--repeat needs a positive number")?,
        None => 1,
    };
    let wanted = flags.all("--sample");
    let ctx = Context {
        worker_exe: std::env::current_exe().context("cannot find the harness binary")?,
        target_dir: target_dir(&flags, &root),
        repeat,
        compile_cache: !flags.has("--no-cache"),
        bench_interpreters: flags.has("--bench-interpreters"),
    };

    let mut problems = Vec::new();
    let mut samples = Vec::new();
    for found in manifest::discover(&root.join("samples")) {
        match found {
            Ok(sample) => samples.push(sample),
            Err(err) => {
                eprintln!("warning: {err}");
                problems.push(err.to_string());
            }
        }
    }
    let runtimes = runtimes(&flags, native::any_built(&ctx.target_dir, &samples))?;
    let matches = |s: &manifest::Sample| {
        wanted.is_empty()
            || wanted
                .iter()
                .any(|w| *w == s.name() || *w == s.id() || *w == s.language())
    };
    for w in &wanted {
        if !samples
            .iter()
            .any(|s| *w == s.name() || *w == s.id() || *w == s.language())
        {
            bail!("no sample matches `{w}` (give a name, language/name or a language)");
        }
    }
    let mut jobs = Vec::new();
    for sample in samples.iter().filter(|s| matches(s)) {
        for case in &sample.manifest.cases {
            if case.bench && flags.has("--no-bench") {
                continue;
            }
            for runtime in &runtimes {
                let column = registry::get(runtime).expect("checked by `runtimes`");
                match column.kind {
                    runtime::Kind::Native if !native::applies(sample) => continue,
                    runtime::Kind::Container(_)
                        if column.runs_native_code() && !native::in_container(sample) =>
                    {
                        continue;
                    }
                    _ => {}
                }
                jobs.push((runtime.as_str(), sample, case));
            }
        }
    }
    if jobs.is_empty() {
        bail!(
            "nothing to run: no samples under {}",
            root.join("samples").display()
        );
    }

    let sitting = meta::now_rfc3339();
    // The tree as the run starts: edits made while it runs are not in the binary that measured.
    let git_commit = meta::git_commit(&root);
    let identity = journal::Identity {
        git_commit: git_commit.clone(),
        repeat,
        switches: ["--no-cache", "--bench-interpreters"]
            .into_iter()
            .filter(|s| flags.has(s))
            .map(str::to_owned)
            .collect(),
        jobs: jobs
            .iter()
            .map(|(runtime, sample, case)| journal::job(runtime, &sample.id(), &case.name))
            .collect(),
    };
    let journal_path = ctx.target_dir.join("matrix-journal.jsonl");
    let (mut journal, mut done) = if flags.has("--resume") {
        let (journal, done) = journal::Journal::resume(&journal_path, &identity, &sitting)?;
        eprintln!(
            "resuming: {} of {} cells measured before, from {}",
            done.len(),
            jobs.len(),
            journal_path.display()
        );
        (journal, done)
    } else {
        let journal = journal::Journal::start(&journal_path, &identity, &sitting)?;
        (journal, Default::default())
    };
    let date = done
        .values()
        .map(|d| d.sitting.clone())
        .min()
        .unwrap_or_else(|| sitting.clone());
    let mut sittings: BTreeMap<String, usize> = BTreeMap::new();
    let mut cells = Vec::new();
    let mut versions = BTreeMap::new();
    let width = jobs.len().to_string().len();
    for (i, (runtime, sample, case)) in jobs.iter().enumerate() {
        let key = journal::job(runtime, &sample.id(), &case.name);
        let (cell, version, when) = match done.remove(&key) {
            Some(done) => (done.cell, done.version, done.sitting),
            None => {
                let (cell, version) = cell::run_cell(&ctx, runtime, sample, case);
                if let Err(err) = journal.record(&cell, version.as_deref()) {
                    // The run goes on: only its resumability is lost.
                    eprintln!("warning: {err}");
                }
                (cell, version, sitting.clone())
            }
        };
        *sittings.entry(when).or_default() += 1;
        let figure = if cell.outcome == Outcome::Pass {
            format_ms(cell.phases_ms.run)
        } else {
            shorten(&cell.reason, 70)
        };
        eprintln!(
            "[{:>width$}/{}] {:<9} {:<40} {} {}",
            i + 1,
            jobs.len(),
            runtime,
            format!("{}/{}", sample.id(), case.name),
            cell.outcome,
            figure
        );
        if let Some(version) = version {
            versions.insert(runtime.to_string(), version);
        }
        cells.push(cell);
    }
    for runtime in &runtimes {
        if runtime == native::COLUMN {
            versions.insert(
                runtime.clone(),
                "the host's own binaries, built from the same sources by each language's toolchain"
                    .into(),
            );
        } else if !versions.contains_key(runtime) {
            let version = runtime::select(runtime)
                .map_or_else(|e| format!("not available: {e}"), |b| b.version());
            versions.insert(runtime.clone(), version);
        }
    }

    let results = Results::new(
        Meta {
            date,
            host: meta::host(),
            git_commit,
            harness_build: meta::harness_build(),
            runtimes: versions,
            toolchains: toolchains(&ctx.target_dir, &samples),
            repeat,
            problems,
            noise_threshold: harness::stats::NOISE_THRESHOLD,
            interval_method: harness::stats::INTERVAL_METHOD.into(),
            clock: Some(meta::clock()),
            columns: meta::columns(&runtimes),
            native_builds: native::flags_by_language(&ctx.target_dir, &samples),
            sittings: if sittings.len() > 1 {
                sittings
                    .into_iter()
                    .map(|(started, cells)| results::Sitting { started, cells })
                    .collect()
            } else {
                Vec::new()
            },
        },
        cells,
    );
    let written = results::export::write(results::export::MATRIX, &results, &out_dir)?;
    if let Err(err) = journal.finish() {
        eprintln!("warning: cannot remove the finished run's journal: {err}");
    }
    let (counts, unexpected) = results.tally();
    let summary: Vec<String> = counts.iter().map(|(o, n)| format!("{n} {o}")).collect();
    let written: Vec<String> = written.iter().map(|p| p.display().to_string()).collect();
    println!(
        "{} cells: {}; {unexpected} not as expected\nwrote {}",
        results.cells.len(),
        summary.join(", "),
        written.join(", ")
    );
    Ok(())
}

/// Each language's toolchain, from the build records of its samples.
fn toolchains(target_dir: &Path, samples: &[manifest::Sample]) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for sample in samples {
        let path = manifest::stamp_path(target_dir, sample.language(), sample.name());
        let stamp = std::fs::read(&path)
            .ok()
            .and_then(|b| serde_json::from_slice::<manifest::BuildStamp>(&b).ok());
        let entry = match stamp {
            Some(stamp) if stamp.status == manifest::BuildStatus::Built => stamp.toolchain,
            Some(stamp) => format!("not built: {}", stamp.reason),
            None => "not built".into(),
        };
        let slot = out
            .entry(sample.language().to_owned())
            .or_insert_with(String::new);
        if slot.is_empty() || slot.starts_with("not built") {
            *slot = entry;
        }
    }
    out
}

fn run(args: &[String]) -> anyhow::Result<ExitCode> {
    let flags = Flags::parse(
        args,
        &[
            "--runtime",
            "--dir",
            "--env",
            "--timeout-ms",
            "--target-dir",
            "--proposal",
        ],
        &["--cache"],
    )?;
    let [module] = flags.positional.as_slice() else {
        bail!("give exactly one module\n{USAGE}");
    };
    let module = PathBuf::from(module);
    if !module.is_file() {
        bail!("{} is not a file", module.display());
    }
    let mut preopens = Vec::new();
    for dir in flags.all("--dir") {
        let (host, guest) = dir.split_once("::").unwrap_or((&dir, &dir));
        let host = std::fs::canonicalize(host)
            .with_context(|| format!("--dir {dir}: no such host directory"))?;
        preopens.push(Preopen {
            host,
            guest: guest.to_owned(),
            packaged: false,
        });
    }
    let mut env = BTreeMap::new();
    for pair in flags.all("--env") {
        let (k, v) = pair
            .split_once('=')
            .with_context(|| format!("--env {pair}: expected KEY=VALUE"))?;
        env.insert(k.to_owned(), v.to_owned());
    }
    let mut proposals = Vec::new();
    for name in flags.all("--proposal") {
        let proposal: manifest::Proposal = name
            .parse()
            .map_err(|err| anyhow::anyhow!("--proposal: {err}"))?;
        proposals.push(proposal);
    }
    let timeout_ms: u64 = match flags.one("--timeout-ms") {
        Some(t) => t.parse().context("--timeout-ms needs a number")?,
        None => manifest::DEFAULT_TIMEOUT_MS,
    };
    let ctx = Context {
        worker_exe: std::env::current_exe().context("cannot find the harness binary")?,
        target_dir: target_dir(&flags, Path::new(".")),
        repeat: 1,
        compile_cache: flags.has("--cache"),
        bench_interpreters: false,
    };
    let spec = RunSpec {
        program: module
            .file_name()
            .map_or("module.wasm".into(), |n| n.to_string_lossy().into_owned()),
        args: flags.rest.clone(),
        env,
        preopens,
        stdin: Vec::new(),
        proposals,
        timeout: Duration::from_millis(timeout_ms),
        memory_limit_bytes: manifest::DEFAULT_MEMORY_LIMIT_MIB << 20,
        output_limit_bytes: cell::OUTPUT_LIMIT,
        cache_dir: ctx.cache_dir(),
        inherit_stdio: false,
    };

    let absolute = std::fs::canonicalize(&module)?;
    let name = spec.program.clone();
    let mut cells = Vec::new();
    let mut versions = BTreeMap::new();
    let runtimes = runtimes(&flags, false)?;
    for runtime in &runtimes {
        let mut cell = results::Cell::new(
            runtime,
            ["run", &name, "run"],
            Outcome::Pass,
            false,
            timeout_ms,
        );
        match runtime::available(runtime) {
            Err(reason) => cell.reason = reason,
            Ok(()) => {
                let run = cell::run_once(
                    &ctx,
                    runtime,
                    &absolute,
                    spec.clone(),
                    &Expect::default(),
                    &[],
                );
                cell::fold(&mut cell, std::slice::from_ref(&run));
                cell.as_expected = cell.outcome == Outcome::Pass;
                cell.output = Some(results::Output {
                    stdout: run.stdout,
                    stderr: run.stderr,
                });
                if let Some(version) = run.runtime_version {
                    versions.insert(runtime.clone(), version);
                }
            }
        }
        cells.push(cell);
    }
    let root = Path::new(".");
    let results = Results::new(
        Meta {
            date: meta::now_rfc3339(),
            host: meta::host(),
            git_commit: meta::git_commit(root),
            harness_build: meta::harness_build(),
            runtimes: versions,
            toolchains: BTreeMap::new(),
            repeat: 1,
            problems: Vec::new(),
            noise_threshold: harness::stats::NOISE_THRESHOLD,
            interval_method: harness::stats::INTERVAL_METHOD.into(),
            clock: None,
            columns: meta::columns(&runtimes),
            native_builds: BTreeMap::new(),
            sittings: Vec::new(),
        },
        cells,
    );
    results::export::write(results::export::RUN, &results, root)?;
    if results::run_table::agreement(&results).1 {
        Ok(ExitCode::SUCCESS)
    } else {
        Ok(ExitCode::from(1))
    }
}
