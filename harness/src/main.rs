//! The harness binary: `matrix` runs every sample on every runtime and writes the results, `run` runs
//! one module a user brings on every runtime, and `worker` serves one run for either of them.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context as _, bail};
use clap::Parser as _;

use harness::cell::{self, Context};
use harness::flags::{
    Command, Harness, MatrixArgs, ProposalsArgs, RunArgs, ServeArgs, WasiTestsuiteArgs,
};
use harness::manifest::{self, Expect};
use harness::results::{self, Meta, Results, format_ms};
use harness::runtime::{self, Preopen, RunSpec, registry};
use harness::scheduler::{self, Lane};
use harness::util::shorten;
use harness::{Outcome, adhoc, journal, meta, native, worker};

fn main() -> ExitCode {
    let Harness { command } = Harness::parse();
    let result = match command {
        Command::Matrix(args) => matrix(args).map(|()| ExitCode::SUCCESS),
        Command::Run(args) => run(args),
        Command::Proposals(args) => proposals(args).map(|()| ExitCode::SUCCESS),
        Command::WasiTestsuite(args) => wasi_testsuite(args),
        Command::Serve(args) => serve(args).map(|()| ExitCode::SUCCESS),
        Command::Worker => worker::serve().map(|()| ExitCode::SUCCESS),
        Command::ServeWorker => harness::resident::serve().map(|()| ExitCode::SUCCESS),
    };
    result.unwrap_or_else(|err| {
        eprintln!("error: {err:#}");
        ExitCode::from(2)
    })
}

/// The columns asked for with `--runtime` (the flags checked the names), or every Wasm column.
/// `native` is a column of the matrix only (`with_native`): with no `--runtime`, the matrix adds it
/// when kernels were built natively.
fn runtimes(asked: &[String], with_native: bool) -> Vec<String> {
    if !asked.is_empty() {
        return asked.to_vec();
    }
    let mut all: Vec<String> = registry::wasm_columns()
        .map(|c| c.name.to_owned())
        .collect();
    if with_native {
        all.push(native::COLUMN.to_owned());
    }
    all
}

fn target_dir(asked: &Option<PathBuf>, root: &Path) -> PathBuf {
    asked.clone().unwrap_or_else(|| manifest::target_dir(root))
}

/// A job of the matrix's plan: a cell of the results (with its index among them), or a compile
/// warm-up whose result is only a progress line.
enum Job<'a> {
    Cell(usize, &'a str, &'a manifest::Sample, &'a manifest::Case),
    WarmUp(&'a str, &'a manifest::Sample, &'a manifest::Case),
}

/// What a [`Job`] gave.
enum Done {
    Cell(Box<(results::Cell, Option<String>)>),
    WarmUp(String),
}

/// What each cell's first run took in the previous results at the same place (a timeout: its
/// deadline), by the journal's key: the scheduler starts long cells first. Missing or unreadable
/// results only mean no hints.
fn previous_costs(path: &Path) -> HashMap<String, f64> {
    let Some(previous) = std::fs::read(path)
        .ok()
        .and_then(|bytes| serde_json::from_slice::<Results>(&bytes).ok())
    else {
        return HashMap::new();
    };
    previous
        .cells
        .iter()
        .map(|c| (journal::key(c), c.cold_wall_ms.unwrap_or(c.wall_ms)))
        .collect()
}

fn matrix(flags: MatrixArgs) -> anyhow::Result<()> {
    let root = flags.root.clone().unwrap_or_else(|| PathBuf::from("."));
    let out_dir = flags.out.clone().unwrap_or_else(|| root.join("results"));
    let repeat = flags.repeat;
    let wanted = flags.samples.clone();
    let ctx = Context {
        worker_exe: std::env::current_exe().context("cannot find the harness binary")?,
        target_dir: target_dir(&flags.target_dir, &root),
        repeat,
        outcome_repeat: flags.outcome_repeat,
        compile_cache: !flags.no_cache,
        bench_interpreters: flags.bench_interpreters,
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
    let runtimes = runtimes(
        &flags.runtimes,
        native::any_built(&ctx.target_dir, &samples),
    );
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
            if case.bench && flags.no_bench {
                continue;
            }
            for runtime in &runtimes {
                let column = registry::get(runtime).expect("checked by `runtimes`");
                match column.kind {
                    runtime::Kind::Native if !native::applies_to(sample, case) => continue,
                    runtime::Kind::Container(_)
                        if column.runs_native_code() && !native::in_container(sample, case) =>
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
        switches: [
            (flags.no_cache, "--no-cache".to_owned()),
            (flags.bench_interpreters, "--bench-interpreters".to_owned()),
            (
                flags.outcome_repeat != 1,
                format!("--outcome-repeat={}", flags.outcome_repeat),
            ),
        ]
        .into_iter()
        .filter(|(on, _)| *on)
        .map(|(_, s)| s)
        .collect(),
        jobs: jobs
            .iter()
            .map(|(runtime, sample, case)| journal::job(runtime, &sample.id(), &case.name))
            .collect(),
    };
    // A run that writes its results elsewhere keeps its journal there too, so that it never
    // replaces the journal of an interrupted run of the published results.
    let journal_path = match &flags.out {
        None => ctx.target_dir.join("matrix-journal.jsonl"),
        Some(out) => {
            std::fs::create_dir_all(out)
                .with_context(|| format!("cannot create {}", out.display()))?;
            out.join("matrix-journal.jsonl")
        }
    };
    let (mut journal, mut done) = if flags.resume {
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
    // The plan: what the journal already has, then the rest in two lanes (see `scheduler`).
    let mut plan = Vec::new();
    let mut from_journal = Vec::new();
    for (i, (runtime, sample, case)) in jobs.iter().enumerate() {
        let key = journal::job(runtime, &sample.id(), &case.name);
        match done.remove(&key) {
            Some(done) => from_journal.push((i, done)),
            None => plan.push((
                Job::Cell(i, runtime, sample, case),
                scheduler::lane(sample, case),
            )),
        }
    }
    // An interruption variant's code is compiled by no other column: compile each of its modules
    // beside the outcome-only cells, so that no measured run waits for a compile (WasmEdge's
    // interruptible AOT code of a Go module takes about 90 s, of CPython's over 3 minutes).
    let mut warmed = std::collections::HashSet::new();
    let mut warm_ups = Vec::new();
    for (job, _) in &plan {
        let Job::Cell(_, runtime, sample, case) = *job else {
            continue;
        };
        let variant = registry::get(runtime).is_some_and(|c| c.prices.is_some());
        if ctx.compile_cache
            && case.bench
            && variant
            && let Ok(built) = cell::built_module(&ctx.target_dir, sample)
            && warmed.insert((runtime, built.sha256))
        {
            warm_ups.push((Job::WarmUp(runtime, sample, case), Lane::Beside));
        }
    }
    let warm_ups_planned = warm_ups.len();
    plan.extend(warm_ups);
    let width = flags
        .jobs
        .map_or_else(scheduler::default_jobs, |n| n as usize);
    let alone = plan.iter().filter(|(_, l)| *l == Lane::Alone).count();
    let beside = plan.len() - alone - warm_ups_planned;
    eprintln!(
        "plan: {} cells, {} from the journal; {beside} only decide an outcome and run {width} at a \
         time ({} run(s) each) beside {warm_ups_planned} compile warm-up(s), then {alone} measured \
         one at a time ({repeat} runs each)",
        jobs.len(),
        from_journal.len(),
        flags.outcome_repeat,
    );
    let digits = jobs.len().to_string().len();
    let mut finished = from_journal.len();
    let took = previous_costs(&out_dir.join("matrix.json"));
    let ran = scheduler::execute(
        &plan,
        width,
        |job| match *job {
            Job::Cell(_, runtime, sample, case) => took
                .get(&journal::job(runtime, &sample.id(), &case.name))
                .copied(),
            Job::WarmUp(..) => None,
        },
        |job| match *job {
            Job::Cell(_, runtime, sample, case) => {
                Done::Cell(Box::new(cell::run_cell(&ctx, runtime, sample, case)))
            }
            Job::WarmUp(runtime, sample, case) => {
                Done::WarmUp(cell::warm_up(&ctx, runtime, sample, case))
            }
        },
        |at, done| {
            let (runtime, sample, case) = match plan[at].0 {
                Job::Cell(_, runtime, sample, case) | Job::WarmUp(runtime, sample, case) => {
                    (runtime, sample, case)
                }
            };
            let (cell, version) = match done {
                Done::Cell(done) => (&done.0, &done.1),
                Done::WarmUp(what) => {
                    eprintln!(
                        "[{:>digits$}] {:<9} {:<40} compile warm-up: {what}",
                        "",
                        runtime,
                        sample.id()
                    );
                    return;
                }
            };
            if let Err(err) = journal.record(cell, version.as_deref()) {
                // The run goes on: only its resumability is lost.
                eprintln!("warning: {err}");
            }
            finished += 1;
            let figure = if cell.outcome == Outcome::Pass {
                format_ms(cell.phases_ms.run)
            } else {
                shorten(&cell.reason, 70)
            };
            eprintln!(
                "[{finished:>digits$}/{}] {:<9} {:<40} {} {}",
                jobs.len(),
                runtime,
                format!("{}/{}", sample.id(), case.name),
                cell.outcome,
                figure
            );
        },
    );
    let mut in_order: Vec<(usize, results::Cell, Option<String>, String)> = from_journal
        .into_iter()
        .map(|(i, done)| (i, done.cell, done.version, done.sitting))
        .collect();
    eprintln!(
        "lanes: {beside} cells and {warm_ups_planned} warm-up(s) side by side in {:.0} s, then \
         {alone} cells alone in {:.0} s",
        ran.beside.as_secs_f64(),
        ran.alone.as_secs_f64()
    );
    for ((job, _), done) in plan.iter().zip(ran.results) {
        if let (Job::Cell(i, ..), Done::Cell(done)) = (job, done) {
            let (cell, version) = *done;
            in_order.push((*i, cell, version, sitting.clone()));
        }
    }
    in_order.sort_by_key(|(i, ..)| *i);
    for (i, cell, version, when) in in_order {
        *sittings.entry(when).or_default() += 1;
        if let Some(version) = version {
            versions.insert(jobs[i].0.to_string(), version);
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

fn run(flags: RunArgs) -> anyhow::Result<ExitCode> {
    let module = flags.module.clone();
    if !module.is_file() {
        bail!("{} is not a file", module.display());
    }
    let mut preopens = Vec::new();
    for dir in &flags.dirs {
        let (host, guest) = dir.split_once("::").unwrap_or((dir, dir));
        let host = std::fs::canonicalize(host)
            .with_context(|| format!("--dir {dir}: no such host directory"))?;
        preopens.push(Preopen {
            host,
            guest: guest.to_owned(),
            packaged: false,
        });
    }
    let read = |flag: &str, path: &Path| {
        std::fs::read(path).with_context(|| format!("{flag} {}: cannot read it", path.display()))
    };
    let text = |flag: &str, path: &Option<PathBuf>| -> anyhow::Result<Option<String>> {
        path.as_deref()
            .map(|p| {
                String::from_utf8(read(flag, p)?)
                    .with_context(|| format!("{flag} {}: not UTF-8 text", p.display()))
            })
            .transpose()
    };
    let expect = Expect {
        exit_code: flags.expect_exit,
        stdout: text("--expect-stdout", &flags.expect_stdout)?,
        stdout_prefix: text("--expect-stdout-prefix", &flags.expect_stdout_prefix)?,
        ..Expect::default()
    };
    let stdin = match &flags.stdin {
        Some(path) => read("--stdin", path)?,
        None => Vec::new(),
    };
    let env: BTreeMap<String, String> = flags.env.iter().cloned().collect();
    let timeout_ms = flags.timeout_ms;
    let ctx = Context {
        worker_exe: std::env::current_exe().context("cannot find the harness binary")?,
        target_dir: target_dir(&flags.target_dir, Path::new(".")),
        repeat: 1,
        outcome_repeat: 1,
        compile_cache: flags.cache,
        bench_interpreters: false,
    };
    let spec = RunSpec {
        program: module
            .file_name()
            .map_or("module.wasm".into(), |n| n.to_string_lossy().into_owned()),
        args: flags.args.clone(),
        env,
        preopens,
        stdin,
        proposals: flags.proposals.clone(),
        timeout: Duration::from_millis(timeout_ms),
        memory_limit_bytes: manifest::DEFAULT_MEMORY_LIMIT_MIB << 20,
        output_limit_bytes: cell::OUTPUT_LIMIT,
        cache_dir: ctx.cache_dir(),
        inherit_stdio: false,
        inherit_env: false,
        network: false,
    };

    let absolute = std::fs::canonicalize(&module)?;
    let runtimes = flags.columns();
    let name = spec.program.clone();
    let jobs: Vec<adhoc::Job> = runtimes
        .iter()
        .map(|column| adhoc::Job {
            column: column.clone(),
            row: ["run".into(), name.clone(), "run".into()],
            module: absolute.clone(),
            spec: spec.clone(),
            expect: expect.clone(),
            copies: Vec::new(),
        })
        .collect();
    // One column at a time: a module a user brings may be timed, and its columns compared.
    let (cells, versions) = adhoc::run_all(&ctx, &jobs, 1, |_, _| {});
    let root = Path::new(".");
    let results = Results::new(meta::for_adhoc(root, &runtimes, versions), cells);
    if flags.json {
        println!("{}", serde_json::to_string_pretty(&results)?);
    } else {
        results::export::write(results::export::RUN, &results, root)?;
    }
    Ok(ExitCode::from(results::run_table::status(&results).code()))
}

fn proposals(flags: ProposalsArgs) -> anyhow::Result<()> {
    let root = flags.root.clone().unwrap_or_else(|| PathBuf::from("."));
    let out_dir = flags.out.clone().unwrap_or_else(|| root.join("results"));
    let corpus = harness::proposals::Corpus::load(&root.join("conformance/proposals"))?;
    let target_dir = manifest::target_dir(&root);
    let modules = corpus.compile(&target_dir.join("proposals"))?;
    let columns = if flags.runtimes.is_empty() {
        harness::proposals::columns()
    } else {
        flags.runtimes.clone()
    };
    let jobs = corpus.jobs(&columns, &modules);
    let width = flags
        .jobs
        .map_or_else(scheduler::default_jobs, |n| n as usize);
    eprintln!(
        "proposals: {} probes on {} columns, twice each: {} runs, {width} at a time",
        modules.len(),
        columns.len(),
        jobs.len()
    );
    let ctx = Context {
        worker_exe: std::env::current_exe().context("cannot find the harness binary")?,
        target_dir,
        repeat: 1,
        outcome_repeat: 1,
        compile_cache: false,
        bench_interpreters: false,
    };
    let total = jobs.len();
    let (cells, mut versions) = adhoc::run_all(&ctx, &jobs, width, |n, cell| {
        eprintln!(
            "[{n:>4}/{total}] {:<22} {:<28} {}",
            cell.runtime,
            format!("{} ({})", cell.sample, cell.case),
            harness::proposals::Answer::of(cell).label()
        );
    });
    adhoc::versions_of(&columns, &mut versions);
    let report =
        harness::proposals::Report::new(meta::for_adhoc(&root, &columns, versions), &corpus, cells);
    std::fs::create_dir_all(&out_dir)
        .with_context(|| format!("cannot create {}", out_dir.display()))?;
    let mut written = Vec::new();
    for (name, text) in [
        ("proposals.md", report.markdown()),
        ("proposals.html", report.html()),
        (
            "proposals.json",
            serde_json::to_string_pretty(&report)? + "\n",
        ),
    ] {
        let path = out_dir.join(name);
        harness::util::write_atomic(&path, text.as_bytes())
            .with_context(|| format!("cannot write {}", path.display()))?;
        written.push(path.display().to_string());
    }
    let differ = report.table.iter().filter(|r| r.differs.is_some()).count();
    let unmeasured = report
        .table
        .iter()
        .filter(|r| r.support == harness::proposals::Support::Unmeasured)
        .count();
    println!(
        "{} entries measured ({unmeasured} more could not be measured here), {differ} differ from \
         the declared table\nwrote {}",
        report.table.len() - unmeasured,
        written.join(", ")
    );
    Ok(())
}

fn wasi_testsuite(flags: WasiTestsuiteArgs) -> anyhow::Result<ExitCode> {
    use harness::wasi_testsuite as suite;
    if flags.dirs.is_empty() {
        bail!(
            "give a directory of suites: a checkout's tests/ (WebAssembly/wasi-testsuite, its \
             prod/testsuite-base branch has the built modules), or `cargo xtask wasi-testsuite` for \
             the project's own corpus"
        );
    }
    let out = flags
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("target/wasi-testsuite"));
    let mut suites = Vec::new();
    for dir in &flags.dirs {
        suites.extend(suite::discover(dir)?);
    }
    let columns = if flags.runtimes.is_empty() {
        harness::proposals::columns()
    } else {
        flags.runtimes.clone()
    };
    let expectations = match &flags.expectations {
        Some(dir) => suite::load_expectations(dir, &columns, &suites)?,
        None => BTreeMap::new(),
    };
    let target_dir = manifest::target_dir(Path::new("."));
    let scratch =
        std::env::temp_dir().join(format!("harness-wasi-testsuite-{}", std::process::id()));
    let timeout = Duration::from_millis(flags.timeout_ms);
    let suite::Plan {
        runs: planned,
        decided,
    } = suite::plan(&suites, &columns, &expectations, &scratch, timeout);
    let tests: usize = suites.iter().map(|s| s.tests.len()).sum();
    let width = flags
        .jobs
        .map_or_else(scheduler::default_jobs, |n| n as usize);
    eprintln!(
        "wasi-testsuite: {} suites, {tests} tests, {} columns: {} runs ({width} at a time), {} \
         decided without a run",
        suites.len(),
        columns.len(),
        planned.len(),
        decided.len()
    );
    let ctx = Context {
        worker_exe: std::env::current_exe().context("cannot find the harness binary")?,
        target_dir,
        repeat: 1,
        outcome_repeat: 1,
        compile_cache: false,
        bench_interpreters: false,
    };
    let started = meta::now_rfc3339();
    let jobs: Vec<adhoc::Job> = planned.iter().map(|(_, job)| job.clone()).collect();
    let total = jobs.len();
    let (cells, mut versions) = adhoc::run_all(&ctx, &jobs, width, |n, cell| {
        eprintln!(
            "[{n:>4}/{total}] {:<22} {:<50} {}",
            cell.runtime,
            format!("{} / {}", cell.language, cell.sample),
            cell.outcome
        );
    });
    let _ = std::fs::remove_dir_all(&scratch);
    adhoc::versions_of(&columns, &mut versions);
    let mut all: Vec<(suite::Planned, results::Cell)> = planned
        .into_iter()
        .map(|(p, _)| p)
        .zip(cells)
        .chain(decided)
        .collect();
    for (planned, cell) in &mut all {
        cell.as_expected = suite::Verdict::of(cell, planned.expected.as_ref()).as_expected();
    }
    all.sort_by_key(|(p, _)| {
        (
            p.suite,
            p.test,
            registry::names().position(|n| n == p.column),
        )
    });
    let run = suite::Run {
        suites,
        cells: all,
        versions: versions.clone(),
        started,
        finished: meta::now_rfc3339(),
    };
    let meta = meta::for_adhoc(Path::new("."), &columns, versions);
    let cells = Results::new(
        meta.clone(),
        run.cells.iter().map(|(_, c)| c.clone()).collect(),
    );
    std::fs::create_dir_all(&out).with_context(|| format!("cannot create {}", out.display()))?;
    let mut written = Vec::new();
    for (name, text) in [
        (
            "wasi-testsuite.json",
            serde_json::to_string_pretty(&run.json_report())? + "\n",
        ),
        ("wasi-testsuite.md", run.markdown(&meta)),
        (
            "wasi-testsuite-cells.json",
            serde_json::to_string_pretty(&cells)? + "\n",
        ),
    ] {
        let path = out.join(name);
        harness::util::write_atomic(&path, text.as_bytes())
            .with_context(|| format!("cannot write {}", path.display()))?;
        written.push(path.display().to_string());
    }
    let (counts, unexpected) = run.tally();
    let counts: Vec<String> = counts
        .iter()
        .map(|(v, n)| format!("{n} {v:?}").to_lowercase())
        .collect();
    let faults = run
        .cells
        .iter()
        .filter(|(_, c)| c.outcome == Outcome::HarnessFault)
        .count();
    println!(
        "{} cells: {}; {unexpected} not as expected, {faults} harness faults\nwrote {}",
        run.cells.len(),
        counts.join(", "),
        written.join(", ")
    );
    Ok(ExitCode::from(if unexpected > 0 {
        1
    } else if faults > 0 {
        3
    } else {
        0
    }))
}

/// `harness serve`: loads the routes, prints the address it listens on (the first line of stdout,
/// for whoever started it on port 0), and serves until interrupted.
fn serve(args: ServeArgs) -> anyhow::Result<()> {
    use harness::gateway::{self, Gateway, Options};
    let path = args
        .modules
        .as_deref()
        .context("no modules.toml given (`cargo xtask serve` serves the seed's by default)")?;
    let mut modules = harness::wagi::Modules::load(path)?;
    for entry in &mut modules.modules {
        for (key, value) in &args.env {
            entry
                .environment
                .entry(key.clone())
                .or_insert_with(|| value.clone());
        }
    }
    let exe = std::env::current_exe().context("cannot find the harness binary")?;
    let mut options = Options::new(&args.runtime, exe);
    options.timeout = Duration::from_millis(args.timeout_ms);
    if let Some(n) = args.workers {
        options.workers = n.max(1);
    }
    options.log_requests = !args.quiet;
    options.cache_dir = args.cache_dir.clone();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the server's runtime")?;
    runtime.block_on(async {
        let (gateway, listener, loaded) = Gateway::bind(modules, options, args.addr).await?;
        for line in gateway::describe_loaded(&loaded) {
            eprintln!("serve: {line}");
        }
        // The first line of stdout: a harness that started this on port 0 reads the port here.
        println!("listening on http://{}", gateway.local_addr());
        use std::io::Write as _;
        std::io::stdout().flush()?;
        let shutdown = async {
            let mut term =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = async { match term.as_mut() { Some(t) => { t.recv().await; } None => std::future::pending().await } } => {}
            }
            eprintln!("serve: stopping");
        };
        gateway.serve(listener, shutdown).await
    })
}
