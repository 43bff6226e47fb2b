//! The harness's command-line flags, declared once as types: the `harness` binary parses them, and
//! `cargo xtask matrix` and `cargo xtask run` embed the same types and hand them on with
//! [`MatrixArgs::to_args`] and [`RunArgs::to_args`]. `--help` lists the column names from the
//! registry.

use std::path::PathBuf;

use clap::builder::PossibleValuesParser;
use clap::{Args, Parser, Subcommand};

use crate::manifest::{self, Proposal};
use crate::runtime::registry;

/// The runs per cell the published results use: enough for a median, a spread and an interval.
pub const DEFAULT_REPEAT: u32 = 5;

#[derive(Debug, Parser)]
#[command(
    name = "harness",
    about = "Runs WebAssembly samples on many runtimes, classifies every result and measures it"
)]
pub struct Harness {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run every sample on every column and write every output (matrix.json, README.md, matrix.md
    /// and its pages, docker.md, claims.md, junit.xml, index.html)
    Matrix(MatrixArgs),
    /// Run one module a user brings on every column, check it against what is expected, and show
    /// where the columns agree
    #[command(after_long_help = RUN_EXIT_STATUS)]
    Run(RunArgs),
    /// Measure which WebAssembly proposals each column supports: a probe per proposal, run with
    /// the default configuration and with the proposal enabled (results/proposals.md and .json)
    Proposals(ProposalsArgs),
    /// Run WebAssembly/wasi-testsuite (a checkout's tests, or any directory in its layout) on every
    /// column, with per-column expectation files; write its JSON report and our Markdown
    #[command(name = "wasi-testsuite")]
    WasiTestsuite(WasiTestsuiteArgs),
    /// Serve a WAGI `modules.toml` over HTTP through one engine column: each route's module is
    /// compiled once and instantiated per request
    Serve(ServeArgs),
    /// Serve one run, its request on stdin (internal)
    #[command(hide = true)]
    Worker,
    /// Keep one module loaded and run it per request, framed on stdin and stdout (internal)
    #[command(name = "serve-worker", hide = true)]
    ServeWorker,
}

/// The columns the gateway serves through (WAGI modules, or wasi:http components on
/// `wasmtime-component`).
fn serving_column() -> PossibleValuesParser {
    PossibleValuesParser::new(
        registry::wasm_columns()
            .filter(|c| crate::gateway::can_serve(c.name).is_ok())
            .map(|c| c.name),
    )
}

#[derive(Debug, Clone, PartialEq, Eq, Args)]
pub struct ServeArgs {
    /// The WAGI configuration: `[[module]]` entries with `route` and `module` (paths relative to
    /// the file), and optional `environment`, `volumes` and `timeout_secs` (`cargo xtask serve`:
    /// the seed's, samples/wagi/hello-wagi/modules.toml, when none is given)
    #[arg(value_name = "MODULES.toml")]
    pub modules: Option<PathBuf>,
    /// The engine column that runs the handlers (`wasmtime-component` serves wasi:http/proxy
    /// components, the others WAGI modules)
    #[arg(long = "runtime", value_name = "COLUMN", default_value = "wasmtime", value_parser = serving_column())]
    pub runtime: String,
    /// The address to listen on (loopback by default; port 0 picks a free port, printed on stdout)
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:3000")]
    pub addr: std::net::SocketAddr,
    /// A handler's deadline in milliseconds (a module's `timeout_secs` overrides it); past it the
    /// request gets 504
    #[arg(long, value_name = "MS", default_value_t = 30_000)]
    pub timeout_ms: u64,
    /// Resident workers per route: the requests a route runs at once (default: one per core)
    #[arg(long, value_name = "N")]
    pub workers: Option<usize>,
    /// An environment variable every handler gets (repeatable; a module's `environment` wins)
    #[arg(long = "env", value_name = "KEY=VALUE", value_parser = key_value)]
    pub env: Vec<(String, String)>,
    /// Do not log each request on stderr
    #[arg(long)]
    pub quiet: bool,
    /// Cache compiled modules in this directory (the matrix's cache, `target/harness-cache`, is
    /// shared safely): engines that load a module per request then read it instead of compiling
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
}

impl ServeArgs {
    /// The command line that parses back into these flags, after `harness serve`.
    pub fn to_args(&self) -> Vec<String> {
        let mut args: Vec<String> = self
            .modules
            .iter()
            .map(|m| m.display().to_string())
            .collect();
        args.extend([
            "--runtime".into(),
            self.runtime.clone(),
            "--addr".into(),
            self.addr.to_string(),
            "--timeout-ms".into(),
            self.timeout_ms.to_string(),
        ]);
        if let Some(n) = self.workers {
            args.extend(["--workers".into(), n.to_string()]);
        }
        for (k, v) in &self.env {
            args.extend(["--env".into(), format!("{k}={v}")]);
        }
        if self.quiet {
            args.push("--quiet".into());
        }
        if let Some(dir) = &self.cache_dir {
            args.extend(["--cache-dir".into(), dir.display().to_string()]);
        }
        args
    }
}

/// Every column name, `native` included.
fn any_column() -> PossibleValuesParser {
    PossibleValuesParser::new(registry::names())
}

/// The columns that run Wasm modules.
fn wasm_column() -> PossibleValuesParser {
    PossibleValuesParser::new(registry::module_columns().map(|c| c.name))
}

/// The columns that run what a user brings: modules, or components.
fn module_or_component_column() -> PossibleValuesParser {
    PossibleValuesParser::new(
        registry::wasm_columns()
            .filter(|c| !c.runs_native_code())
            .map(|c| c.name),
    )
}

#[derive(Debug, Clone, PartialEq, Eq, Args)]
pub struct MatrixArgs {
    /// The project root whose samples/ are run (default: the current directory; under `cargo xtask
    /// matrix`, this project, whose samples it builds first)
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// The cargo target directory with the built samples (default: the project's)
    #[arg(long, value_name = "DIR")]
    pub target_dir: Option<PathBuf>,
    /// Where the results go (default: ROOT/results)
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Only these columns (repeatable; default: every Wasm column, and `native` when kernels were
    /// built natively)
    #[arg(long = "runtime", value_name = "COLUMN", value_parser = any_column())]
    pub runtimes: Vec<String>,
    /// Only these samples: a name, language/name or a language (repeatable)
    #[arg(long = "sample", value_name = "SAMPLE")]
    pub samples: Vec<String>,
    /// Runs per cell measured for publication (benchmark-sized cases and start-up programs, run
    /// one at a time)
    #[arg(long, value_name = "N", default_value_t = DEFAULT_REPEAT,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub repeat: u32,
    /// Runs per cell that only decides an outcome (run side by side); more catch flaky outcomes
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    pub outcome_repeat: u32,
    /// How many outcome-only cells (and the interruption variants' compile warm-ups) run side by
    /// side, longest first by the previous results in the output directory (default: the machine's
    /// cores)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub jobs: Option<u32>,
    /// Leave out the benchmark-sized cases
    #[arg(long)]
    pub no_bench: bool,
    /// Compile every run from the bytes (no compiled-module cache)
    #[arg(long)]
    pub no_cache: bool,
    /// Run benchmark-sized cases on the interpreter columns too (tens of minutes each)
    #[arg(long)]
    pub bench_interpreters: bool,
    /// Go on with an interrupted run from its journal
    #[arg(long)]
    pub resume: bool,
}

impl Default for MatrixArgs {
    fn default() -> Self {
        MatrixArgs {
            root: None,
            target_dir: None,
            out: None,
            runtimes: Vec::new(),
            samples: Vec::new(),
            repeat: DEFAULT_REPEAT,
            outcome_repeat: 1,
            jobs: None,
            no_bench: false,
            no_cache: false,
            bench_interpreters: false,
            resume: false,
        }
    }
}

impl MatrixArgs {
    /// The command line that parses back into these flags, after `harness matrix`.
    pub fn to_args(&self) -> Vec<String> {
        let mut args = Vec::new();
        let mut value = |name: &str, value: String| args.extend([name.to_owned(), value]);
        if let Some(dir) = &self.root {
            value("--root", dir.display().to_string());
        }
        if let Some(dir) = &self.target_dir {
            value("--target-dir", dir.display().to_string());
        }
        if let Some(dir) = &self.out {
            value("--out", dir.display().to_string());
        }
        for runtime in &self.runtimes {
            value("--runtime", runtime.clone());
        }
        for sample in &self.samples {
            value("--sample", sample.clone());
        }
        value("--repeat", self.repeat.to_string());
        value("--outcome-repeat", self.outcome_repeat.to_string());
        if let Some(jobs) = self.jobs {
            value("--jobs", jobs.to_string());
        }
        for (on, flag) in [
            (self.no_bench, "--no-bench"),
            (self.no_cache, "--no-cache"),
            (self.bench_interpreters, "--bench-interpreters"),
            (self.resume, "--resume"),
        ] {
            if on {
                args.push(flag.to_owned());
            }
        }
        args
    }

    /// Whether the run includes a container column: all columns do when none is named.
    pub fn wants_containers(&self) -> bool {
        self.runtimes.is_empty() || self.runtimes.iter().any(|r| registry::is_container(r))
    }
}

impl RunArgs {
    /// The columns this run uses: those named, or every Wasm column that needs no container engine
    /// and takes what the file is (a module, or a component).
    pub fn columns(&self) -> Vec<String> {
        if !self.runtimes.is_empty() {
            return self.runtimes.clone();
        }
        // A file that cannot be read is the run's to report, on the module columns.
        let component = std::fs::read(&self.module)
            .is_ok_and(|bytes| crate::runtime::artifact::is_component(&bytes));
        registry::wasm_columns()
            .filter(|c| !c.is_container() && !c.runs_native_code())
            .filter(|c| c.runs_components() == component)
            .map(|c| c.name.to_owned())
            .collect()
    }

    /// Whether the run includes a container column: only when one is named.
    pub fn wants_containers(&self) -> bool {
        self.runtimes.iter().any(|r| registry::is_container(r))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Args)]
pub struct ProposalsArgs {
    /// The project root, whose conformance/proposals/ holds the probes (default: the current
    /// directory)
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// Where proposals.md and proposals.json go (default: ROOT/results)
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Only these columns (repeatable; default: every Wasm column but the interruption variants)
    #[arg(long = "runtime", value_name = "COLUMN", value_parser = wasm_column())]
    pub runtimes: Vec<String>,
    /// How many runs go side by side (default: the machine's cores)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub jobs: Option<u32>,
}

impl ProposalsArgs {
    /// The command line that parses back into these flags, after `harness proposals`.
    pub fn to_args(&self) -> Vec<String> {
        let mut args = Vec::new();
        let mut value = |name: &str, value: String| args.extend([name.to_owned(), value]);
        if let Some(dir) = &self.root {
            value("--root", dir.display().to_string());
        }
        if let Some(dir) = &self.out {
            value("--out", dir.display().to_string());
        }
        for runtime in &self.runtimes {
            value("--runtime", runtime.clone());
        }
        if let Some(jobs) = self.jobs {
            value("--jobs", jobs.to_string());
        }
        args
    }

    /// Whether the run includes a container column: all columns do when none is named.
    pub fn wants_containers(&self) -> bool {
        self.runtimes.is_empty() || self.runtimes.iter().any(|r| registry::is_container(r))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Args)]
pub struct WasiTestsuiteArgs {
    /// Directories to search for suites (a directory with a manifest.json, as under the
    /// checkout's tests/), or a directory of *.wasm tests itself
    #[arg(value_name = "DIR")]
    pub dirs: Vec<PathBuf>,
    /// Only these columns (repeatable; default: every Wasm column but the interruption variants)
    #[arg(long = "runtime", value_name = "COLUMN", value_parser = wasm_column())]
    pub runtimes: Vec<String>,
    /// A directory of expectation files, COLUMN.toml each (the suite's TOML style: `[[suite]]`
    /// `name`, `[[suite.test]]` `name` with `expected = "fail"` or `action = "skip"`, and a
    /// `reason`)
    #[arg(long, value_name = "DIR")]
    pub expectations: Option<PathBuf>,
    /// Where wasi-testsuite.json (the suite's report format), wasi-testsuite.md and
    /// wasi-testsuite-cells.json go (default: target/wasi-testsuite)
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Each test's deadline in milliseconds
    #[arg(long, value_name = "MS", default_value_t = 10_000)]
    pub timeout_ms: u64,
    /// How many runs go side by side (default: the machine's cores)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub jobs: Option<u32>,
}

impl WasiTestsuiteArgs {
    /// The command line that parses back into these flags, after `harness wasi-testsuite`.
    pub fn to_args(&self) -> Vec<String> {
        let mut args: Vec<String> = self.dirs.iter().map(|d| d.display().to_string()).collect();
        let mut value = |name: &str, value: String| args.extend([name.to_owned(), value]);
        for runtime in &self.runtimes {
            value("--runtime", runtime.clone());
        }
        if let Some(dir) = &self.expectations {
            value("--expectations", dir.display().to_string());
        }
        if let Some(dir) = &self.out {
            value("--out", dir.display().to_string());
        }
        value("--timeout-ms", self.timeout_ms.to_string());
        if let Some(jobs) = self.jobs {
            value("--jobs", jobs.to_string());
        }
        args
    }

    /// Whether the run includes a container column: all columns do when none is named.
    pub fn wants_containers(&self) -> bool {
        self.runtimes.is_empty() || self.runtimes.iter().any(|r| registry::is_container(r))
    }
}

/// `harness run`'s exit statuses, for scripts.
pub const RUN_EXIT_STATUS: &str = "\
Exit status:
  0  every column that ran met the expectation (by default: exit code 0)
  1  some column did not (fail, trap, timeout, crash or unsupported)
  2  the harness could not start (a bad flag, a missing module or file)
  3  nothing failed, but no column could be judged on some or all of them: a harness fault, or
     every column skipped

Columns that are skipped (their tool is not installed) are listed with how to get them and do not
change the status unless every column is skipped. Container columns run only when named with
--runtime: they need an engine (`cargo xtask docker up`).";

fn key_value(text: &str) -> Result<(String, String), String> {
    text.split_once('=')
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .ok_or_else(|| format!("`{text}`: expected KEY=VALUE"))
}

fn proposal(text: &str) -> Result<Proposal, String> {
    text.parse()
}

#[derive(Debug, Clone, PartialEq, Eq, Args)]
pub struct RunArgs {
    /// The module (or WASI 0.2 component) to run
    #[arg(value_name = "MODULE.wasm")]
    pub module: PathBuf,
    /// Only these columns (repeatable; default: every Wasm column that runs without a container
    /// engine: the embedded engines and the engines' own tools; for a component, the component
    /// hosts)
    #[arg(long = "runtime", value_name = "COLUMN", value_parser = module_or_component_column())]
    pub runtimes: Vec<String>,
    /// A host directory the guest sees at GUEST (repeatable; HOST alone: the same path; GUEST may
    /// be `/`)
    #[arg(long = "dir", value_name = "HOST::GUEST")]
    pub dirs: Vec<String>,
    /// An environment variable of the guest (repeatable)
    #[arg(long = "env", value_name = "KEY=VALUE", value_parser = key_value)]
    pub env: Vec<(String, String)>,
    /// A proposal to turn on (repeatable)
    #[arg(long = "proposal", value_name = "PROPOSAL", value_parser = proposal)]
    pub proposals: Vec<Proposal>,
    /// A file whose bytes are the guest's stdin (default: empty stdin)
    #[arg(long, value_name = "FILE")]
    pub stdin: Option<PathBuf>,
    /// The exit code every column must see
    #[arg(
        long,
        value_name = "N",
        default_value_t = 0,
        allow_negative_numbers = true
    )]
    pub expect_exit: i32,
    /// A file whose text stdout must be, exactly
    #[arg(long, value_name = "FILE", conflicts_with = "expect_stdout_prefix")]
    pub expect_stdout: Option<PathBuf>,
    /// A file whose text stdout must begin with
    #[arg(long, value_name = "FILE")]
    pub expect_stdout_prefix: Option<PathBuf>,
    /// Print every column's full record as JSON on stdout (outcome, whole reason, exit code, whole
    /// stdout and stderr, phases), the same model as matrix.json, instead of the table
    #[arg(long)]
    pub json: bool,
    /// The guest's deadline in milliseconds, from the end of compilation; past it the engine (or the
    /// harness) stops the guest and the column's outcome is `timeout`
    #[arg(long, value_name = "MS", default_value_t = manifest::DEFAULT_TIMEOUT_MS)]
    pub timeout_ms: u64,
    /// The cargo target directory, for the compiled-module cache (default: the project's)
    #[arg(long, value_name = "DIR")]
    pub target_dir: Option<PathBuf>,
    /// Load and store compiled modules in the cache under the target directory (off by default, so
    /// that compile times are those of a first run; on, a second run shows loading instead)
    #[arg(long)]
    pub cache: bool,
    /// The guest's arguments
    #[arg(last = true, value_name = "ARGS")]
    pub args: Vec<String>,
}

impl RunArgs {
    /// The command line that parses back into these flags, after `harness run`.
    pub fn to_args(&self) -> Vec<String> {
        let mut args = vec![self.module.display().to_string()];
        let mut value = |name: &str, value: String| args.extend([name.to_owned(), value]);
        for runtime in &self.runtimes {
            value("--runtime", runtime.clone());
        }
        for dir in &self.dirs {
            value("--dir", dir.clone());
        }
        for (k, v) in &self.env {
            value("--env", format!("{k}={v}"));
        }
        for p in &self.proposals {
            value("--proposal", p.to_string());
        }
        if let Some(file) = &self.stdin {
            value("--stdin", file.display().to_string());
        }
        value("--expect-exit", self.expect_exit.to_string());
        if let Some(file) = &self.expect_stdout {
            value("--expect-stdout", file.display().to_string());
        }
        if let Some(file) = &self.expect_stdout_prefix {
            value("--expect-stdout-prefix", file.display().to_string());
        }
        value("--timeout-ms", self.timeout_ms.to_string());
        if let Some(dir) = &self.target_dir {
            value("--target-dir", dir.display().to_string());
        }
        if self.cache {
            args.push("--cache".to_owned());
        }
        if self.json {
            args.push("--json".to_owned());
        }
        if !self.args.is_empty() {
            args.push("--".to_owned());
            args.extend(self.args.iter().cloned());
        }
        args
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    fn parse(args: &[&str]) -> Result<Harness, clap::Error> {
        Harness::try_parse_from(std::iter::once("harness").chain(args.iter().copied()))
    }

    /// What `subcommand` followed by `args` parses into.
    fn reparse(subcommand: &str, args: Vec<String>) -> Command {
        let line: Vec<String> = std::iter::once(subcommand.to_owned()).chain(args).collect();
        let line: Vec<&str> = line.iter().map(String::as_str).collect();
        parse(&line).unwrap().command
    }

    #[test]
    fn the_flags_are_well_formed() {
        Harness::command().debug_assert();
    }

    #[test]
    fn matrix_flags_round_trip_and_take_both_spellings() {
        let Command::Matrix(m) = parse(&[
            "matrix",
            "--runtime=wasmer-cli",
            "--runtime",
            "docker-wasmtime",
            "--sample",
            "rust/hello",
            "--repeat",
            "3",
            "--jobs",
            "1",
            "--no-bench",
        ])
        .unwrap()
        .command
        else {
            panic!("not matrix")
        };
        assert_eq!(m.runtimes, ["wasmer-cli", "docker-wasmtime"]);
        assert_eq!((m.repeat, m.no_bench, m.resume), (3, true, false));
        assert!(m.wants_containers());
        let Command::Matrix(back) = reparse("matrix", m.to_args()) else {
            panic!("not matrix")
        };
        assert_eq!(back, m);
    }

    #[test]
    fn the_published_repeat_is_the_default_and_zero_is_refused() {
        let Command::Matrix(m) = parse(&["matrix"]).unwrap().command else {
            panic!("not matrix")
        };
        assert_eq!(m, MatrixArgs::default());
        assert_eq!(m.repeat, 5);
        assert!(
            !MatrixArgs {
                runtimes: vec!["wasmtime".into()],
                ..m
            }
            .wants_containers()
        );
        assert!(parse(&["matrix", "--repeat", "0"]).is_err());
    }

    #[test]
    fn unknown_columns_are_refused_with_the_known_ones() {
        let err = parse(&["matrix", "--runtime", "wasmtme"])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("wasmtime") && err.contains("docker-runc"),
            "{err}"
        );
        // `native` is a matrix column only.
        assert!(parse(&["run", "m.wasm", "--runtime", "native"]).is_err());
    }

    #[test]
    fn run_flags_round_trip_with_guest_arguments() {
        let Command::Run(r) = parse(&[
            "run",
            "m.wasm",
            "--runtime",
            "wasmtime",
            "--dir",
            "/tmp::/data",
            "--env",
            "A=b=c",
            "--proposal",
            "gc",
            "--cache",
            "--stdin",
            "in.txt",
            "--expect-exit",
            "-3",
            "--expect-stdout-prefix",
            "out.txt",
            "--json",
            "--",
            "--runtime",
            "x",
        ])
        .unwrap()
        .command
        else {
            panic!("not run")
        };
        assert_eq!(r.env, [("A".to_owned(), "b=c".to_owned())]);
        assert_eq!(r.proposals, [Proposal::Gc]);
        assert_eq!(r.args, ["--runtime", "x"]);
        assert_eq!((r.expect_exit, r.json), (-3, true));
        assert!(!r.wants_containers());
        assert_eq!(r.columns(), ["wasmtime"]);
        let Command::Run(back) = reparse("run", r.to_args()) else {
            panic!("not run")
        };
        assert_eq!(back, r);
    }

    #[test]
    fn run_takes_one_stdout_expectation_and_leaves_containers_out_by_default() {
        assert!(
            parse(&[
                "run",
                "m.wasm",
                "--expect-stdout",
                "a",
                "--expect-stdout-prefix",
                "b"
            ])
            .is_err()
        );
        let Command::Run(r) = parse(&["run", "m.wasm"]).unwrap().command else {
            panic!("not run")
        };
        let columns = r.columns();
        assert!(columns.iter().any(|c| c == "wasmtime"));
        assert!(!columns.iter().any(|c| registry::is_container(c)));
        assert!(!r.wants_containers());
        let help = Harness::command()
            .find_subcommand_mut("run")
            .unwrap()
            .render_long_help()
            .to_string();
        for name in registry::module_columns().map(|c| c.name) {
            assert!(help.contains(name), "`{name}` is not in run --help");
        }
        assert!(parse(&["run", "m.wasm", "--runtime", "docker-runc"]).is_err());
        assert!(help.contains("--timeout-ms") && help.contains("Exit status"));
        assert!(!columns.iter().any(|c| c == "wasmtime-component"));
    }

    #[test]
    fn a_component_runs_on_the_component_hosts_by_default() {
        let dir = std::env::temp_dir().join(format!("harness-flags-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("c.wasm");
        std::fs::write(&file, wat::parse_str("(component)").unwrap()).unwrap();
        let Command::Run(r) = parse(&["run", file.to_str().unwrap()]).unwrap().command else {
            panic!("not run")
        };
        let columns = r.columns();
        let _ = std::fs::remove_dir_all(&dir);
        assert!(columns.iter().any(|c| c == "wasmtime-component"));
        assert!(columns.iter().any(|c| c == "jco"));
        assert!(!columns.iter().any(|c| c == "wasmtime"));
    }

    #[test]
    fn help_names_every_column() {
        let help = Harness::command()
            .find_subcommand_mut("matrix")
            .unwrap()
            .render_long_help()
            .to_string();
        for name in registry::names() {
            assert!(help.contains(name), "`{name}` is not in matrix --help");
        }
    }
}
