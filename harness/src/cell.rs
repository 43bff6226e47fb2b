//! Running one cell (runtime x sample x case): preparing its directories afresh, running it `repeat`
//! times in worker processes, classifying every run and folding the runs into one classified,
//! measured cell.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::manifest::{self, BuildStamp, BuildStatus, Case, Expect, Sample};
use crate::native;
use crate::outcome::{self, Outcome, Verdict};
use crate::results::{Cell, CompileCache};
use crate::runtime::cache::CacheState;
use crate::runtime::{self, Ending, Kind, Phases, Preopen, RunSpec, millis, registry};
use crate::stats::Stats;
use crate::worker::{self, End};

/// Bytes of stdout and of stderr kept per run.
pub const OUTPUT_LIMIT: usize = 4 << 20;

/// Where and how cells run.
#[derive(Debug, Clone)]
pub struct Context {
    /// The harness binary, started with the `worker` subcommand for every run.
    pub worker_exe: PathBuf,
    /// The cargo target directory, where built samples live.
    pub target_dir: PathBuf,
    /// Runs per cell measured for publication (benchmark-sized cases, start-up programs).
    pub repeat: u32,
    /// Runs per cell that only decides an outcome.
    pub outcome_repeat: u32,
    /// Whether runs load and store compiled artifacts under the target directory.
    pub compile_cache: bool,
    /// Whether benchmark-sized cases run on interpreter columns too.
    pub bench_interpreters: bool,
}

impl Context {
    fn scratch_dir(&self) -> PathBuf {
        self.target_dir.join("harness-scratch")
    }

    /// Where compiled artifacts are cached, when caching is on.
    pub fn cache_dir(&self) -> Option<PathBuf> {
        self.compile_cache
            .then(|| self.target_dir.join("harness-cache"))
    }
}

/// One run of a module in a worker, classified.
#[derive(Debug, Clone)]
pub struct Run {
    pub verdict: Verdict,
    pub phases: Phases,
    pub wall_ms: f64,
    pub peak_rss_kib: u64,
    pub image_bytes: Option<u64>,
    pub setup_retries: u32,
    pub exit_code: Option<i32>,
    pub compile_cache: CacheState,
    pub runtime_version: Option<String>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// A run that has not happened yet: a crash until the worker says otherwise.
    fn new() -> Self {
        Run {
            verdict: Verdict::new(Outcome::Crash, ""),
            phases: Phases::default(),
            wall_ms: 0.0,
            peak_rss_kib: 0,
            image_bytes: None,
            setup_retries: 0,
            exit_code: None,
            compile_cache: CacheState::Cold,
            runtime_version: None,
            stdout: String::new(),
            stderr: String::new(),
        }
    }
}

/// Runs a module once in a worker and classifies the result against `expect`. `declined` names the
/// proposals the runtime could not enable; `preopens` must already exist.
pub fn run_once(
    ctx: &Context,
    runtime: &str,
    module: &Path,
    spec: RunSpec,
    expect: &Expect,
    declined: &[String],
) -> Run {
    let wall_limit = spec.timeout + crate::deadline::WALL_GRACE;
    let preopens = spec.preopens.clone();
    let kind = registry::get(runtime).map(|c| c.kind);
    let request = worker::Request {
        runtime: runtime.to_owned(),
        module: module.to_owned(),
        spec,
        // Found once per process; a column that cannot be found is the worker's to report.
        found: runtime::discover(runtime).ok().flatten(),
    };
    let mut run = Run::new();
    let started = if kind == Some(Kind::Native) {
        let cwd = preopens
            .first()
            .map_or_else(|| ctx.target_dir.clone(), |p| p.host.clone());
        native::run(module, &request.spec, &cwd)
    } else if kind == Some(Kind::ExternalWorker) {
        match runtime::external::command(runtime) {
            Ok(command) => worker::run_command(command, &request, wall_limit),
            Err(reason) => Err(std::io::Error::other(reason)),
        }
    } else {
        worker::run(&ctx.worker_exe, &request, wall_limit)
    };
    let finished = match started {
        Ok(finished) => finished,
        Err(err) => {
            run.verdict = Verdict::new(
                Outcome::HarnessFault,
                format!("cannot start worker {}: {err}", ctx.worker_exe.display()),
            );
            return run;
        }
    };
    run.wall_ms = millis(finished.wall);
    run.peak_rss_kib = finished.peak_rss_kib;
    run.verdict = match finished.end {
        End::Killed { after } => Verdict::new(
            Outcome::Timeout,
            format!(
                "killed by the harness after {:.1} s of wall-clock time",
                after.as_secs_f64()
            ),
        ),
        End::Crashed { how } => Verdict::new(Outcome::Crash, how),
        End::Reported(response) => {
            let report = response.report;
            run.phases = report.phases;
            run.compile_cache = report.compile_cache;
            run.runtime_version = Some(response.runtime_version);
            if let Some(outside) = &report.outside {
                run.wall_ms = outside.wall_ms;
                run.peak_rss_kib = outside.peak_rss_kib.unwrap_or(0);
                run.image_bytes = outside.image_bytes;
                run.setup_retries = outside.setup_retries;
            }
            if let Ending::Exited { code } = report.ending {
                run.exit_code = Some(code);
            }
            run.stdout = String::from_utf8_lossy(&report.stdout).into_owned();
            run.stderr = String::from_utf8_lossy(&report.stderr).into_owned();
            outcome::classify(&report, expect, &preopens, declined)
        }
    };
    run
}

/// Runs one cell and returns it with the runtime's version (when a worker reported one).
pub fn run_cell(
    ctx: &Context,
    runtime: &str,
    sample: &Sample,
    case: &Case,
) -> (Cell, Option<String>) {
    let repeat = match crate::scheduler::lane(sample, case) {
        crate::scheduler::Lane::Alone => ctx.repeat,
        crate::scheduler::Lane::Beside => ctx.outcome_repeat,
    };
    run_cell_with(ctx, runtime, sample, case, repeat)
}

/// [`run_cell`] with `repeat` runs at most.
fn run_cell_with(
    ctx: &Context,
    runtime: &str,
    sample: &Sample,
    case: &Case,
    repeat: u32,
) -> (Cell, Option<String>) {
    let mut cell = Cell::new(
        runtime,
        [sample.language(), sample.name(), &case.name],
        case.expect.outcome,
        case.bench,
        case.timeout_ms,
    );
    let skip = |mut cell: Cell, reason: String| {
        cell.reason = reason;
        cell.as_expected = cell.expected == Outcome::Skipped;
        (cell, None)
    };

    let Some(column) = registry::get(runtime) else {
        let reason = runtime::SelectError::Unknown {
            name: runtime.into(),
        };
        return skip(cell, reason.to_string());
    };
    if case.bench && column.interprets() && !ctx.bench_interpreters {
        return skip(
            cell,
            format!(
                "benchmark-sized cases are not run on the interpreter column `{runtime}` by default \
                 (tens of minutes per column): `matrix --bench-interpreters` runs them"
            ),
        );
    }

    if !case.bench
        && let Some(prices) = column.prices
    {
        let (mut cell, version) = skip(
            cell,
            format!(
                "`{runtime}` prices {} on the benchmark-sized cases only; this case's outcome is \
                 the `{}` column's",
                prices.mechanism, prices.base
            ),
        );
        // Skipped by design, not for want of a tool.
        cell.as_expected = true;
        return (cell, version);
    }

    if let Some(http) = &case.http
        && let Err(why) = crate::http_case::can_serve(runtime, http.handler)
    {
        cell.outcome = Outcome::Unsupported;
        cell.reason = format!("serving HTTP: {why}");
        cell.as_expected = outcome::as_expected(
            &Verdict::new(cell.outcome, cell.reason.clone()),
            &case.expect,
        );
        return (cell, None);
    }
    if let Err(reason) = runtime::available(runtime) {
        return skip(cell, reason);
    }
    let (module, launch, declined) = if column.runs_native_code() {
        match native::binary(&ctx.target_dir, sample) {
            Ok((binary, bytes, _)) => {
                cell.module_bytes = bytes;
                (binary, Launch::default(), Vec::new())
            }
            Err(reason) => return skip(cell, reason),
        }
    } else {
        let declined: Vec<String> = case
            .proposals
            .iter()
            .filter(|p| !column.supports(**p))
            .map(|p| p.to_string())
            .collect();
        // A wasi:http handler is served as its component, even from a preview 1 column's
        // container.
        let component = case
            .http
            .as_ref()
            .is_some_and(|h| h.handler == manifest::Serves::WasiHttp);
        match built_for(&ctx.target_dir, sample, column, component) {
            Ok(built) => {
                cell.module_bytes = built.bytes;
                cell.module_sha256 = Some(built.sha256.clone()).filter(|s| !s.is_empty());
                cell.artifact = Some(built.artifact);
                (built.module, built.launch, declined)
            }
            Err(NotBuilt::Skip(reason)) => return skip(cell, reason),
            Err(NotBuilt::Unsupported(reason)) => {
                cell.outcome = Outcome::Unsupported;
                cell.reason = reason;
                cell.as_expected = outcome::as_expected(
                    &Verdict::new(cell.outcome, cell.reason.clone()),
                    &case.expect,
                );
                return (cell, None);
            }
        }
    };

    if let Some(http) = &case.http {
        let runs = serve_http(
            ctx, runtime, sample, &module, &launch, case, http, &declined, repeat,
        );
        let (runs, ready_ms, load) = match runs {
            Ok(found) => found,
            Err(fault) => {
                let mut run = Run::new();
                run.verdict = fault;
                (vec![run], None, None)
            }
        };
        let version = None;
        fold(&mut cell, &runs);
        cell.server_ready_ms = ready_ms;
        cell.http_load = load;
        cell.as_expected = outcome::as_expected(
            &Verdict::new(cell.outcome, cell.reason.clone()),
            &case.expect,
        );
        return (cell, version);
    }

    let mut runs = Vec::new();
    for _ in 0..repeat.max(1) {
        let scratch = Scratch::new(&ctx.scratch_dir());
        let run = match scratch.prepare(sample, case) {
            Ok(preopens) => {
                let mut spec = spec_for(sample, case, preopens);
                launch.apply(&mut spec);
                spec.cache_dir = ctx.cache_dir();
                run_once(ctx, runtime, &module, spec, &case.expect, &declined)
            }
            Err(err) => {
                let mut run = Run::new();
                run.verdict = Verdict::new(
                    Outcome::HarnessFault,
                    format!("cannot prepare the case's directories: {err}"),
                );
                run
            }
        };
        let stop = run.verdict.outcome != Outcome::Pass;
        runs.push(run);
        // Only passing runs are measurements worth repeating; a trap or timeout says it all once.
        if stop {
            break;
        }
    }
    let version = runs.iter().find_map(|r| r.runtime_version.clone());
    fold(&mut cell, &runs);
    cell.as_expected = outcome::as_expected(
        &Verdict::new(cell.outcome, cell.reason.clone()),
        &case.expect,
    );
    (cell, version)
}

/// Requests an HTTP cell sends at least: the cold one and a warm one.
const HTTP_REQUESTS: u32 = 2;

/// What an HTTP cell's server gave: its requests as runs, its start-up time and its load figures.
type HttpRuns = (Vec<Run>, Option<f64>, Option<crate::load::LoadFigures>);

/// An HTTP cell's runs: the module served by `harness serve` through `runtime`, the case's request
/// sent `repeat` times (at least [`HTTP_REQUESTS`]) to one server; the server's start-up time; and
/// the case's load run against that server, with a worker per connection.
#[allow(
    clippy::too_many_arguments,
    reason = "one cell's parts, taken apart once"
)]
fn serve_http(
    ctx: &Context,
    runtime: &str,
    sample: &Sample,
    module: &Path,
    launch: &Launch,
    case: &Case,
    http: &manifest::HttpCase,
    declined: &[String],
    repeat: u32,
) -> Result<HttpRuns, Verdict> {
    use crate::http_case;
    let scratch = Scratch::new(&ctx.scratch_dir());
    let timeout = Duration::from_millis(case.timeout_ms);
    if http.handler == manifest::Serves::Socket {
        // The program is the server: run as a case is, for as long as the cell needs it (the
        // harness stops it); the case's deadline is each request's.
        let mut spec = spec_for(sample, case, Vec::new());
        launch.apply(&mut spec);
        spec.cache_dir = ctx.cache_dir();
        spec.timeout = SOCKET_SERVER_LIFETIME;
        let command =
            http_case::socket_command(&ctx.worker_exe, runtime, module, spec, &scratch.dir)
                .map_err(|why| Verdict::new(Outcome::HarnessFault, why))?;
        return served_runs(http_case::serve_and_send(
            command,
            http,
            timeout,
            declined,
            repeat.max(HTTP_REQUESTS),
        )?);
    }
    let handler = http_case::Handler {
        module,
        args: &launch.args,
        env: &launch.env,
        preopens: &launch.preopens,
        proposals: case.proposals.iter().map(|p| p.to_string()).collect(),
    };
    let modules = http_case::modules_path(&scratch.dir);
    std::fs::create_dir_all(&scratch.dir)
        .and_then(|()| {
            std::fs::write(
                &modules,
                http_case::modules_toml(&http.route, &handler, timeout),
            )
        })
        .map_err(|err| {
            Verdict::new(
                Outcome::HarnessFault,
                format!("cannot write {}: {err}", modules.display()),
            )
        })?;
    let command = http_case::serve_command(
        &ctx.worker_exe,
        runtime,
        &modules,
        module,
        timeout,
        case.memory_limit_mib << 20,
        http.load.map_or(1, |l| l.connections),
        ctx.cache_dir().as_deref(),
    )
    .map_err(|why| Verdict::new(Outcome::HarnessFault, why))?;
    served_runs(http_case::serve_and_send(
        command,
        http,
        timeout,
        declined,
        repeat.max(HTTP_REQUESTS),
    )?)
}

/// The longest a socket server's run may last before its engine's deadline ends it: well past any
/// cell's requests and load run, which the harness ends itself.
const SOCKET_SERVER_LIFETIME: Duration = Duration::from_secs(600);

/// An HTTP cell's requests as runs.
fn served_runs(cell: crate::http_case::ServedCell) -> Result<HttpRuns, Verdict> {
    let crate::http_case::ServedCell {
        served,
        ready_ms,
        peak_rss_kib,
        load,
    } = cell;
    let runs = served
        .into_iter()
        .map(|s| {
            let mut run = Run::new();
            run.verdict = s.verdict;
            run.phases = s.phases;
            run.compile_cache = s.compile_cache;
            run.wall_ms = s.wall_ms;
            run.peak_rss_kib = peak_rss_kib;
            run
        })
        .collect();
    Ok((runs, Some(ready_ms), load))
}

/// Fills the compiled-module cache of a column that runs only benchmark-sized cases (an
/// interruption variant, whose code no other column compiles), so that the compile happens beside
/// the outcome-only cells and not in a measured run: the benchmark case run once on the arguments
/// and input of the sample's first case that is not benchmark-sized, as a cell that is not kept.
/// Returns what the run did, for the progress line.
pub fn warm_up(ctx: &Context, runtime: &str, sample: &Sample, bench: &Case) -> String {
    let Some(small) = sample.manifest.cases.iter().find(|c| !c.bench) else {
        return "no small case to warm up with".into();
    };
    let case = Case {
        args: small.args.clone(),
        stdin: small.stdin.clone(),
        expect: small.expect.clone(),
        ..bench.clone()
    };
    let (cell, _) = run_cell_with(ctx, runtime, sample, &case, 1);
    format!("{} (compile cache: {})", cell.outcome, cell.compile_cache)
}

/// The spec a worker gets for a case of a sample.
pub fn spec_for(sample: &Sample, case: &Case, preopens: Vec<Preopen>) -> RunSpec {
    RunSpec {
        program: format!("{}.wasm", sample.name()),
        args: case.args.clone(),
        env: case.env.clone(),
        preopens,
        stdin: case.stdin.clone().into_bytes(),
        proposals: case.proposals.iter().copied().collect(),
        timeout: Duration::from_millis(case.timeout_ms),
        memory_limit_bytes: case.memory_limit_mib << 20,
        output_limit_bytes: OUTPUT_LIMIT,
        cache_dir: None,
        inherit_stdio: false,
        inherit_env: native::inherits_environment(case),
        network: false,
    }
}

/// A built sample: its module, the module's size and hash (from its build record), and how to
/// launch it.
#[derive(Debug, Clone)]
pub struct Built {
    /// The file the column runs: the module, or the component.
    pub module: PathBuf,
    pub bytes: u64,
    pub sha256: String,
    pub artifact: manifest::Artifact,
    pub launch: Launch,
}

/// A sample's launch settings with the build directories resolved to host paths.
#[derive(Debug, Clone, Default)]
pub struct Launch {
    pub args: Vec<String>,
    pub env: std::collections::BTreeMap<String, String>,
    pub preopens: Vec<Preopen>,
}

impl Launch {
    /// Puts the launch settings around a case's spec: its arguments first, its environment under
    /// the case's, its directories after the case's.
    pub fn apply(&self, spec: &mut RunSpec) {
        let mut args = self.args.clone();
        args.append(&mut spec.args);
        spec.args = args;
        for (key, value) in &self.env {
            spec.env.entry(key.clone()).or_insert_with(|| value.clone());
        }
        spec.preopens.extend(self.preopens.iter().cloned());
    }
}

/// Why a cell has nothing to run.
#[derive(Debug, Clone, PartialEq)]
pub enum NotBuilt {
    /// A build that was skipped or failed, or never ran: the reason says what to do.
    Skip(String),
    /// The column cannot take what the language makes (a component-only language on a preview 1
    /// column).
    Unsupported(String),
}

impl std::fmt::Display for NotBuilt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NotBuilt::Skip(reason) | NotBuilt::Unsupported(reason) => f.write_str(reason),
        }
    }
}

/// The built module of a sample, or why there is none (as a skip reason).
pub fn built_module(target_dir: &Path, sample: &Sample) -> Result<Built, String> {
    built(target_dir, sample, false).map_err(|e| e.to_string())
}

/// What a column runs of a sample: its component on a component column (or when `component`
/// asks for it), else its module.
pub fn built_for(
    target_dir: &Path,
    sample: &Sample,
    column: &registry::Column,
    component: bool,
) -> Result<Built, NotBuilt> {
    let component = component || column.runs_components();
    built(target_dir, sample, component).map_err(|e| match e {
        NotBuilt::Unsupported(reason) if !component => NotBuilt::Unsupported(format!(
            "`{}` runs WASI preview 1 modules: {reason}",
            column.name
        )),
        NotBuilt::Unsupported(reason) => NotBuilt::Unsupported(format!(
            "`{}` runs WASI 0.2 components: {reason}",
            column.name
        )),
        skip => skip,
    })
}

fn built(target_dir: &Path, sample: &Sample, component: bool) -> Result<Built, NotBuilt> {
    let stamp_path = manifest::stamp_path(target_dir, sample.language(), sample.name());
    let stamp: BuildStamp = match std::fs::read(&stamp_path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(|err| {
            NotBuilt::Skip(format!(
                "unreadable build record {}: {err}",
                stamp_path.display()
            ))
        })?,
        Err(_) => {
            return Err(NotBuilt::Skip(
                "module not built: run `cargo xtask build-samples`".into(),
            ));
        }
    };
    let (status, reason, artifact, module, sha256) = if component {
        if let Some(reason) = &stamp.no_component {
            return Err(NotBuilt::Unsupported(reason.clone()));
        }
        let Some(record) = &stamp.component else {
            return Err(NotBuilt::Skip(match stamp.status {
                BuildStatus::Built => {
                    "no component built: run `cargo xtask build-samples` (it makes one for every \
                     sample)"
                        .to_owned()
                }
                _ => stamp.reason.clone(),
            }));
        };
        (
            record.status,
            record.reason.clone(),
            record.artifact,
            manifest::component_path(target_dir, sample.language(), sample.name()),
            record.sha256.clone(),
        )
    } else {
        if let Some(reason) = &stamp.no_module {
            return Err(NotBuilt::Unsupported(reason.clone()));
        }
        (
            stamp.status,
            stamp.reason.clone(),
            manifest::Artifact::Module,
            manifest::module_path(target_dir, sample.language(), sample.name()),
            stamp.module_sha256.clone(),
        )
    };
    match status {
        BuildStatus::Built => {}
        BuildStatus::Skipped => return Err(NotBuilt::Skip(reason)),
        BuildStatus::Failed => return Err(NotBuilt::Skip(format!("build failed: {reason}"))),
    }
    let bytes = std::fs::metadata(&module)
        .map_err(|err| {
            NotBuilt::Skip(format!(
                "built {} {} is missing ({err}): run `cargo xtask build-samples`",
                artifact.as_str(),
                module.display()
            ))
        })?
        .len();
    let build_dir = manifest::build_dir(target_dir, sample.language(), sample.name());
    // A native component carries its program (componentize-py snapshots the script and its
    // imports): the interpreter module's launch settings are the preview 1 module's and its adapted
    // component's only.
    if artifact == manifest::Artifact::NativeComponent {
        return Ok(Built {
            module,
            bytes,
            sha256,
            artifact,
            launch: Launch::default(),
        });
    }
    let launch = Launch {
        args: stamp.launch.args,
        env: stamp.launch.env,
        preopens: stamp
            .launch
            .dirs
            .into_iter()
            .map(|d| Preopen {
                host: build_dir.join(d.host),
                guest: d.guest,
                packaged: true,
            })
            .collect(),
    };
    Ok(Built {
        module,
        bytes,
        sha256,
        artifact,
        launch,
    })
}

/// Folds a cell's runs into one classified, measured cell: the first run's outcome (or `fail` when
/// the runs disagree), each timing's median and range (the published figures) and its statistics
/// (mean, standard deviation, 95% interval, noisiness), the cold first run and the warm others.
pub fn fold(cell: &mut Cell, runs: &[Run]) {
    let first = &runs[0];
    cell.n = runs.len() as u32;
    cell.outcome = first.verdict.outcome;
    cell.reason = first.verdict.reason.clone();
    if let Some((at, fault)) = runs
        .iter()
        .enumerate()
        .find(|(_, r)| r.verdict.outcome == Outcome::HarnessFault)
        .filter(|_| runs.len() > 1)
    {
        // The runtime was not judged on that run: the cell is the harness's, not a flaky runtime's.
        cell.outcome = Outcome::HarnessFault;
        cell.reason = format!("run {} of {}: {}", at + 1, runs.len(), fault.verdict.reason);
    } else if let Some(other) = runs
        .iter()
        .find(|r| r.verdict.outcome != first.verdict.outcome)
    {
        cell.outcome = Outcome::Fail;
        cell.reason = format!(
            "inconsistent over {} runs: {} then {} ({})",
            runs.len(),
            first.verdict.outcome,
            other.verdict.outcome,
            other.verdict.reason
        );
    }
    let figures = |runs: &[Run], f: &dyn Fn(&Run) -> f64| runs.iter().map(f).collect::<Vec<f64>>();
    // `Stats::of` is `Some` for any run at all, and `fold` always has one.
    let stats = |f: &dyn Fn(&Run) -> f64| Stats::of(&figures(runs, f));
    let compile = stats(&|r| r.phases.compile);
    let instantiate = stats(&|r| r.phases.instantiate);
    let run = stats(&|r| r.phases.run);
    let wall = stats(&|r| r.wall_ms);
    let median = |s: &Option<Stats>| s.map_or(0.0, |s| s.median);
    let range = |s: &Option<Stats>| s.map_or([0.0; 2], |s| [s.min, s.max]);
    cell.phases_ms = Phases {
        compile: median(&compile),
        instantiate: median(&instantiate),
        run: median(&run),
    };
    cell.wall_ms = median(&wall);
    cell.run_ms_range = range(&run);
    cell.compile_ms_range = range(&compile);
    cell.wall_ms_range = range(&wall);
    cell.peak_rss_kib = runs.iter().map(|r| r.peak_rss_kib).max().unwrap_or(0);
    cell.exit_code = first.exit_code;
    cell.compile_cache = CompileCache::of(runs.iter().map(|r| r.compile_cache));
    cell.cold_wall_ms = Some(first.wall_ms);
    // The runs after the first: none of them pays for a first compile or an image's first start.
    cell.warm_wall_ms_stats = Stats::of(&figures(&runs[1..], &|r| r.wall_ms));
    cell.warm_wall_ms = cell.warm_wall_ms_stats.map(|s| s.median);
    cell.run_ms_stats = run;
    cell.wall_ms_stats = wall;
    cell.compile_ms_stats = compile;
    cell.instantiate_ms_stats = instantiate;
    cell.image_bytes = runs.iter().find_map(|r| r.image_bytes);
    cell.setup_retries = runs.iter().map(|r| r.setup_retries).sum();
}

/// The median of some figures (the mean of the middle two for an even count).
pub fn median(values: Vec<f64>) -> f64 {
    crate::stats::median(&values)
}

/// A fresh directory for one run's preopens, removed when dropped.
struct Scratch {
    dir: PathBuf,
}

static SCRATCH_COUNTER: AtomicU64 = AtomicU64::new(0);

impl Scratch {
    fn new(base: &Path) -> Self {
        let n = SCRATCH_COUNTER.fetch_add(1, Ordering::Relaxed);
        Scratch {
            dir: base.join(format!("{}-{n}", std::process::id())),
        }
    }

    /// Makes each of the case's directories: a copy of its fixture, so that no run can change the
    /// sources, or an empty one.
    fn prepare(&self, sample: &Sample, case: &Case) -> std::io::Result<Vec<Preopen>> {
        let mut preopens = Vec::new();
        for (i, dir) in case.dirs.iter().enumerate() {
            let host = self.dir.join(format!("{i}{}", dir.guest.replace('/', "_")));
            match &dir.fixture {
                Some(fixture) => copy_dir(&case.fixture_path(&sample.dir, fixture), &host)?,
                None => std::fs::create_dir_all(&host)?,
            }
            preopens.push(Preopen {
                host,
                guest: dir.guest.clone(),
                packaged: false,
            });
        }
        Ok(preopens)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn launch_settings_wrap_the_case() {
        let mut spec = RunSpec {
            program: "p.wasm".into(),
            args: vec!["case-arg".into()],
            env: [("K".to_owned(), "case".to_owned())].into(),
            preopens: vec![Preopen {
                host: "/h/data".into(),
                guest: "/data".into(),
                packaged: false,
            }],
            stdin: Vec::new(),
            proposals: Vec::new(),
            timeout: Duration::from_secs(1),
            memory_limit_bytes: 1,
            output_limit_bytes: 1,
            cache_dir: None,
            inherit_stdio: false,
            inherit_env: false,
            network: false,
        };
        let launch = Launch {
            args: vec!["-S".into(), "/app/x.py".into()],
            env: [
                ("K".to_owned(), "launch".to_owned()),
                ("PYTHONHOME".to_owned(), "/usr/local".to_owned()),
            ]
            .into(),
            preopens: vec![Preopen {
                host: "/b/lib".into(),
                guest: "/usr/local/lib".into(),
                packaged: false,
            }],
        };
        launch.apply(&mut spec);
        assert_eq!(spec.args, ["-S", "/app/x.py", "case-arg"]);
        assert_eq!(spec.env["K"], "case", "the case's environment wins");
        assert_eq!(spec.env["PYTHONHOME"], "/usr/local");
        let guests: Vec<&str> = spec.preopens.iter().map(|p| p.guest.as_str()).collect();
        assert_eq!(guests, ["/data", "/usr/local/lib"]);
    }

    fn run(outcome: Outcome, compile: f64, run_ms: f64, wall_ms: f64, cache: CacheState) -> Run {
        Run {
            verdict: Verdict::new(outcome, ""),
            phases: Phases {
                compile,
                instantiate: 0.5,
                run: run_ms,
            },
            wall_ms,
            peak_rss_kib: 1024,
            image_bytes: None,
            setup_retries: 0,
            exit_code: Some(0),
            compile_cache: cache,
            runtime_version: None,
            stdout: String::new(),
            stderr: String::new(),
        }
    }

    fn empty_cell() -> Cell {
        crate::results::fixture::cell("wasmtime", "rust/nbody/bench", Outcome::Skipped, &[])
    }

    #[test]
    fn folding_runs_into_medians_ranges_and_intervals() {
        let mut cell = empty_cell();
        let runs = [
            run(Outcome::Pass, 80.0, 101.0, 190.0, CacheState::Miss),
            run(Outcome::Pass, 1.0, 99.0, 110.0, CacheState::Hit),
            run(Outcome::Pass, 2.0, 100.0, 112.0, CacheState::Hit),
            run(Outcome::Pass, 1.0, 100.0, 111.0, CacheState::Hit),
        ];
        fold(&mut cell, &runs);
        assert_eq!((cell.outcome, cell.n), (Outcome::Pass, 4));
        assert_eq!(cell.phases_ms.run, 100.0);
        assert_eq!(cell.run_ms_range, [99.0, 101.0]);
        assert_eq!(cell.compile_ms_range, [1.0, 80.0]);
        assert_eq!(cell.wall_ms_range, [110.0, 190.0]);
        assert_eq!(cell.compile_cache.to_string(), "miss, hit");
        assert_eq!(cell.cold_wall_ms, Some(190.0));
        assert_eq!(cell.warm_wall_ms, Some(111.0));
        let run = cell.run_ms_stats.unwrap();
        // 99, 100, 100, 101: s = √(2/3), half-width t(0.975, 3) · s / 2 = 3.1824 · 0.408248 = 1.299209.
        let [lo, hi] = run.ci95.unwrap();
        assert!((hi - 100.0 - 1.299_209).abs() < 1e-5, "{hi}");
        assert!((100.0 - lo - 1.299_209).abs() < 1e-5, "{lo}");
        assert!(!run.noisy);
        // One compile and three loads from the cache: as noisy as a figure gets.
        assert!(cell.compile_ms_stats.unwrap().noisy);
        let warm = cell.warm_wall_ms_stats.unwrap();
        assert_eq!(
            (warm.n, warm.median, warm.min, warm.max),
            (3, 111.0, 110.0, 112.0)
        );
        assert_eq!(cell.instantiate_ms_stats.unwrap().median, 0.5);
    }

    #[test]
    fn a_run_that_did_not_pass_folds_without_an_interval() {
        let mut cell = empty_cell();
        fold(
            &mut cell,
            &[run(
                Outcome::Timeout,
                3.0,
                120_000.0,
                120_500.0,
                CacheState::Hit,
            )],
        );
        assert_eq!((cell.outcome, cell.n), (Outcome::Timeout, 1));
        let run = cell.run_ms_stats.unwrap();
        assert_eq!((run.median, run.ci95, run.noisy), (120_000.0, None, false));
        assert_eq!(cell.warm_wall_ms, None);
        assert_eq!(cell.warm_wall_ms_stats, None);
    }

    #[test]
    fn medians() {
        assert_eq!(super::median(vec![]), 0.0);
        assert_eq!(super::median(vec![3.0, 1.0, 2.0]), 2.0);
        assert_eq!(super::median(vec![4.0, 1.0, 2.0, 3.0]), 2.5);
    }
}
