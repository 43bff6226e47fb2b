//! `cargo xtask crosscheck`: checks each embedded engine's run phase against the engine's own
//! command-line tool running the same module the way its docs recommend, so that a backend that sets
//! its engine up differently from the engine's own defaults (epoch interruption left on, interruptible
//! AOT code) fails a check instead of publishing a wrong figure.
//!
//! Per engine and kernel: the tool precompiles the module as its docs recommend for repeated runs;
//! then one warm-up round and `--runs` measured rounds, each running, in an order that rotates from
//! round to round, the embedded column through the release harness's worker as the matrix does
//! (compile cache on; the report's run phase), the tool on the kernel's benchmark argument, and the
//! tool on a tiny argument. The tiny runs are the tool's start-up, load and instantiation: their
//! median is subtracted from each benchmark run, so that both sides are run phases. The two medians
//! must agree within [`TOLERANCE`].

use std::ffi::OsString;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use harness::manifest::{self, Case, Proposal, Sample};
use harness::outcome::{self, Outcome};
use harness::results::format_ms;
use harness::runtime::{Ending, RunReport, RunSpec, external, millis};
use harness::worker::{self, End};
use sha2::{Digest, Sha256};
use xshell::Shell;

/// How far the embedded column's median run phase may be from the tool's, either way, as a fraction
/// of the slower: `1 / (1 + TOLERANCE) <= embedded / tool <= 1 + TOLERANCE`.
///
/// The errors this exists to catch are far outside it: epoch interruption costs wasmtime about +40%
/// on binary-trees (measured here: ratio 1.38–1.48 against the tool), interruptible WasmEdge AOT
/// code 2.4x on binary-trees and about 45x on Go's SHA-256. The correct columns, measured 10 times
/// over on this 2-core machine while other builds ran, gave ratios of 0.93–1.10. 25% sits between
/// the two with room on both sides: twice the noise seen, well short of the smallest error.
pub const TOLERANCE: f64 = 0.25;

/// Measured rounds per kernel, after one warm-up round.
const DEFAULT_RUNS: usize = 5;

/// The program a check runs: a sample's benchmark case, and an argument that makes it do next to
/// nothing, whose run on the tool is the tool's start-up.
#[derive(Debug, Clone, Copy)]
struct Kernel {
    language: &'static str,
    sample: &'static str,
    case: &'static str,
    tiny: &'static str,
    /// Whether the measurement variants run it too: interruptible AOT code takes about 47 s a run of
    /// Go's SHA-256, and binary-trees already shows the price.
    variants: bool,
}

/// Call-heavy: the kernel that showed epoch interruption's price.
const BINARY_TREES: Kernel = Kernel {
    language: "rust",
    sample: "binary-trees",
    case: "bench",
    tiny: "1",
    variants: true,
};

/// Wasm GC: the kernel where the `wasmtime` column, built without wasmtime's default copying
/// collector, ran six times slower than `wasmtime-cli` (reference counting instead).
const KOTLIN_BINARY_TREES: Kernel = Kernel {
    language: "kotlin",
    sample: "binary-trees",
    case: "bench",
    tiny: "1",
    variants: false,
};

/// The case where interruptible WasmEdge AOT code was 45 times slower than WasmEdge's own tool.
const GO_SHA256: Kernel = Kernel {
    language: "go",
    sample: "sha256",
    case: "bench",
    tiny: "1000",
    variants: false,
};

/// An embedded engine, its own tool, and the kernels they are compared on.
struct Engine {
    /// The embedded column checked by default.
    column: &'static str,
    /// Columns of the same engine with a mechanism on that the tool leaves off by default: checked
    /// by `--self-test` (which expects them to fail) or by `--column`.
    variants: &'static [&'static str],
    tool: ToolKind,
    kernels: &'static [Kernel],
}

const ENGINES: &[Engine] = &[
    Engine {
        column: "wasmtime",
        variants: &["wasmtime-epoch"],
        tool: ToolKind::Wasmtime,
        kernels: &[BINARY_TREES, KOTLIN_BINARY_TREES],
    },
    Engine {
        column: "wasmer",
        variants: &[],
        tool: ToolKind::Wasmer,
        kernels: &[BINARY_TREES],
    },
    Engine {
        column: "wasmedge-aot",
        variants: &["wasmedge-aot-interruptible"],
        tool: ToolKind::WasmEdge,
        kernels: &[BINARY_TREES, GO_SHA256],
    },
    Engine {
        column: "node",
        variants: &[],
        tool: ToolKind::Node,
        kernels: &[BINARY_TREES],
    },
];

/// Node.js's own way of running a WASI command, as its `node:wasi` documentation shows it: compile,
/// instantiate with the WASI imports, `wasi.start`, in the main thread, the guest's arguments after
/// the module's path and the process's stdio.
const NODE_WASI_EXAMPLE: &str = "import { readFile } from 'node:fs/promises';\
import { WASI } from 'node:wasi';\
import { argv, env } from 'node:process';\
const wasi = new WASI({ version: 'preview1', args: argv.slice(1), env, returnOnExit: true });\
const wasm = await WebAssembly.compile(await readFile(argv[1]));\
const instance = await WebAssembly.instantiate(wasm, wasi.getImportObject());\
process.exitCode = wasi.start(instance);";

/// `-W` with the settings for these proposals, or nothing.
fn wasmtime_proposals(proposals: &[Proposal]) -> Vec<OsString> {
    let flags: Vec<&str> = proposals
        .iter()
        .filter_map(|p| harness::runtime::cli::wasmtime_flag(*p))
        .collect();
    if flags.is_empty() {
        return Vec::new();
    }
    vec!["-W".into(), flags.join(",").into()]
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ToolKind {
    Wasmtime,
    Wasmer,
    WasmEdge,
    /// `node` running [`NODE_WASI_EXAMPLE`]: V8 has no tool of its own for WASI.
    Node,
}

impl ToolKind {
    fn name(self) -> &'static str {
        match self {
            ToolKind::Wasmtime => "wasmtime",
            ToolKind::Wasmer => "wasmer",
            ToolKind::WasmEdge => "wasmedge",
            ToolKind::Node => "node",
        }
    }

    /// The variable that names the tool, as for the `*-cli` columns.
    fn variable(self) -> &'static str {
        match self {
            ToolKind::Wasmtime => "HARNESS_WASMTIME_CLI",
            ToolKind::Wasmer => "HARNESS_WASMER_CLI",
            ToolKind::WasmEdge => "HARNESS_WASMEDGE_CLI",
            ToolKind::Node => "HARNESS_NODE",
        }
    }

    /// `toolchains.toml`'s entry for the tool (the command-line column's name for those setup builds).
    fn pin(self) -> &'static str {
        match self {
            ToolKind::Wasmtime => "wasmtime-cli",
            ToolKind::Wasmer => "wasmer-cli",
            ToolKind::WasmEdge => "wasmedge",
            ToolKind::Node => "node",
        }
    }

    /// How to get the tool, for a skip.
    fn install(self) -> String {
        if self == ToolKind::Node {
            // The `node` column's own words: the check needs the same `node`.
            return harness::runtime::registry::get("node")
                .map_or_else(String::new, |c| c.how_to_get());
        }
        format!(
            "`cargo xtask setup --language {}`, or name the tool in {}",
            self.pin(),
            self.variable()
        )
    }

    /// What the tool's precompiled module is called.
    fn artifact_extension(self) -> &'static str {
        match self {
            ToolKind::Wasmtime => "cwasm",
            ToolKind::Wasmer => "wasmu",
            ToolKind::WasmEdge => "so",
            ToolKind::Node => "wasm",
        }
    }

    /// Whether the tool compiles a module ahead of its runs: Node.js keeps no compiled Wasm.
    fn precompiles(self) -> bool {
        self != ToolKind::Node
    }

    /// The tool's own precompilation, as its docs recommend for a module run many times.
    fn compile_args(self, module: &Path, artifact: &Path, proposals: &[Proposal]) -> Vec<OsString> {
        let (module, artifact) = (module.as_os_str().into(), artifact.as_os_str().into());
        match self {
            // Cranelift at wasmtime's defaults for the host's CPU, with the proposals the module
            // needs (the run must name the same: a precompiled module keeps its engine's settings).
            ToolKind::Wasmtime => {
                let mut args: Vec<OsString> = vec!["compile".into()];
                args.extend(wasmtime_proposals(proposals));
                args.extend([module, "-o".into(), artifact]);
                args
            }
            // This wasmer has Cranelift and Singlepass built in: Cranelift, as the embedded column.
            ToolKind::Wasmer => vec![
                "compile".into(),
                "--cranelift".into(),
                module,
                "-o".into(),
                artifact,
            ],
            // WasmEdge's LLVM AOT compiler at O3, as shipped for speed (not interruptible).
            ToolKind::WasmEdge => vec![
                "compile".into(),
                "--optimize".into(),
                "3".into(),
                module,
                artifact,
            ],
            ToolKind::Node => Vec::new(),
        }
    }

    /// The tool's run of its precompiled module, with nothing but the guest's arguments.
    fn run_args(self, artifact: &Path, args: &[String], proposals: &[Proposal]) -> Vec<OsString> {
        let mut all: Vec<OsString> = match self {
            ToolKind::Wasmtime => {
                let mut all: Vec<OsString> = vec!["run".into()];
                all.extend(wasmtime_proposals(proposals));
                all.extend(["--allow-precompiled".into(), artifact.as_os_str().into()]);
                all
            }
            ToolKind::Wasmer => vec!["run".into(), artifact.as_os_str().into(), "--".into()],
            ToolKind::WasmEdge => vec![artifact.as_os_str().into()],
            ToolKind::Node => vec![
                "--no-warnings".into(),
                "--input-type=module".into(),
                "--eval".into(),
                NODE_WASI_EXAMPLE.into(),
                artifact.as_os_str().into(),
            ],
        };
        all.extend(args.iter().map(OsString::from));
        all
    }

    /// Finds the tool and asks its version, or says why it cannot (a skip reason).
    fn find(self, root: &Path) -> Result<Tool, String> {
        let argv: Vec<OsString> = if let Some(path) = std::env::var_os(self.variable()) {
            vec![path]
        } else if self == ToolKind::Node {
            let path = harness::util::which("node")
                .ok_or_else(|| format!("no `node` on the PATH: {}", self.install()))?;
            vec![path.into()]
        } else if self == ToolKind::WasmEdge {
            let command = external::wasmedge_cli_in_prefix(root).ok_or_else(|| {
                format!(
                    "no `wasmedge` in {}: {}",
                    root.join(external::WASMEDGE_PREFIX).display(),
                    self.install()
                )
            })?;
            std::iter::once(command.get_program().to_owned())
                .chain(command.get_args().map(ToOwned::to_owned))
                .collect()
        } else {
            // Where `setup` installs the pin and the harness looks for it.
            let path = harness::runtime::cli::pinned_install(self.pin())
                .map(|relative| root.join(relative))
                .filter(|p| p.is_file())
                .ok_or_else(|| {
                    format!(
                        "no pinned `{}` under {}: {}",
                        self.name(),
                        root.join(".cache/toolchains").display(),
                        self.install()
                    )
                })?;
            vec![path.into()]
        };
        let mut tool = Tool {
            kind: self,
            argv,
            version: String::new(),
        };
        let output = tool
            .command(&["--version".into()])
            .output()
            .map_err(|e| format!("cannot start `{} --version`: {e}", self.name()))?;
        if !output.status.success() {
            return Err(format!(
                "`{} --version` failed: {}",
                self.name(),
                String::from_utf8_lossy(&output.stderr).trim()
            ));
        }
        tool.version = version_line(&String::from_utf8_lossy(&output.stdout));
        Ok(tool)
    }
}

/// The first line of `--version`, with the program's path cut to its name (WasmEdge prints its path).
fn version_line(output: &str) -> String {
    let line = output.lines().next().unwrap_or_default().trim();
    match line.split_once(' ') {
        Some((program, rest)) if program.contains('/') => {
            let name = Path::new(program).file_name().unwrap_or_default();
            format!("{} {rest}", name.to_string_lossy())
        }
        _ => line.to_owned(),
    }
}

/// A runtime's command-line tool, found.
struct Tool {
    kind: ToolKind,
    /// The program and the arguments before the tool's own: WasmEdge's tool is started by its
    /// prefix's dynamic loader.
    argv: Vec<OsString>,
    version: String,
}

impl Tool {
    fn command(&self, args: &[OsString]) -> Command {
        let mut command = Command::new(&self.argv[0]);
        command.args(&self.argv[1..]).args(args);
        command
    }

    /// The command line as the report shows it: the tool by name, paths below the project's root
    /// relative to it.
    fn shown(&self, args: &[OsString], root: &Path) -> String {
        let words = std::iter::once(self.kind.name().to_owned()).chain(args.iter().map(|a| {
            if a == NODE_WASI_EXAMPLE {
                return "'<the node:wasi example: compile, instantiate, wasi.start>'".to_owned();
            }
            let path = Path::new(a);
            path.strip_prefix(root)
                .unwrap_or(path)
                .to_string_lossy()
                .into_owned()
        }));
        words.collect::<Vec<_>>().join(" ")
    }

    /// Where the tool itself is, for the report.
    fn location(&self, root: &Path) -> String {
        self.argv
            .iter()
            .map(|a| {
                let path = Path::new(a);
                path.strip_prefix(root)
                    .unwrap_or(path)
                    .to_string_lossy()
                    .into_owned()
            })
            .collect::<Vec<_>>()
            .join(" ")
    }
}

#[derive(Debug, clap::Args)]
pub struct Crosscheck {
    /// Embedded columns to check (repeatable; default: every engine's column)
    #[arg(long = "column", value_name = "C", value_parser = checked_column)]
    pub columns: Vec<String>,
    /// Measured rounds per kernel
    #[arg(long, value_name = "N", default_value_t = DEFAULT_RUNS,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    pub runs: usize,
    /// Check the measurement variants too, expecting them to fail: shows the check catches them.
    /// With --column, of those columns' engines only
    #[arg(long)]
    pub self_test: bool,
    /// Write results/crosscheck.md
    #[arg(long)]
    pub write: bool,
    /// The harness binary to run the embedded columns with, already built (default: build it)
    #[arg(long = "harness", value_name = "EXE")]
    pub exe: Option<PathBuf>,
}

fn checked_column(column: &str) -> Result<String, String> {
    match engine_of(column) {
        Some(_) => Ok(column.to_owned()),
        None => Err(format!(
            "`{column}` has no tool to be checked against (columns: {})",
            all_columns().join(", ")
        )),
    }
}

impl Default for Crosscheck {
    fn default() -> Self {
        Crosscheck {
            columns: Vec::new(),
            runs: DEFAULT_RUNS,
            self_test: false,
            write: false,
            exe: None,
        }
    }
}

impl Crosscheck {
    /// The flags of a command line, as `cargo xtask crosscheck` takes them.
    #[cfg(test)]
    pub fn parse(args: &[String]) -> anyhow::Result<Self> {
        #[derive(clap::Parser)]
        struct Line {
            #[command(flatten)]
            check: Crosscheck,
        }
        let line = <Line as clap::Parser>::try_parse_from(
            std::iter::once("crosscheck").chain(args.iter().map(String::as_str)),
        )?;
        Ok(line.check)
    }

    /// The columns to check per engine, each with whether it is expected to fail.
    fn plan(&self) -> Vec<(&'static Engine, Vec<(String, bool)>)> {
        ENGINES
            .iter()
            .filter_map(|engine| {
                let named = self
                    .columns
                    .iter()
                    .any(|c| engine_of(c).is_some_and(|e| std::ptr::eq(e, engine)));
                let mut columns: Vec<(String, bool)> = Vec::new();
                if self.self_test {
                    // The engines named (all when none is): the column and its variants.
                    if self.columns.is_empty() || named {
                        columns.push((engine.column.to_owned(), false));
                        columns.extend(engine.variants.iter().map(|v| ((*v).to_owned(), true)));
                    }
                } else if self.columns.is_empty() {
                    columns.push((engine.column.to_owned(), false));
                } else {
                    columns.extend(
                        self.columns
                            .iter()
                            .filter(|c| engine_of(c).is_some_and(|e| std::ptr::eq(e, engine)))
                            .map(|c| (c.clone(), false)),
                    );
                }
                (!columns.is_empty()).then_some((engine, columns))
            })
            .collect()
    }

    pub fn run(self, sh: &Shell) -> anyhow::Result<()> {
        let started = Instant::now();
        let root = crate::project_root();
        let target = crate::target_dir();
        let ci = std::env::var("CI").is_ok_and(|v| v == "true");
        let mut plan = self.plan();
        if ci {
            // A tool CI does not build (toolchains.toml: `ci = false`) is not checked there.
            let lock = crate::setup::load_lock()?;
            plan.retain(|(engine, _)| {
                let pin = engine.tool.pin();
                let built = lock.get(pin).is_none_or(|p| p.ci);
                if !built {
                    eprintln!(
                        "crosscheck: {}: not checked under CI, which does not build `{pin}` \
                         (toolchains.toml)",
                        engine.column
                    );
                }
                built
            });
        }
        let load_before = load_average();
        eprintln!("crosscheck: load average {load_before}");

        let mut languages: Vec<String> = plan
            .iter()
            .flat_map(|(engine, _)| engine.kernels.iter().map(|k| k.language.to_owned()))
            .collect();
        languages.sort();
        languages.dedup();
        crate::build_samples::BuildSamples {
            languages,
            ..Default::default()
        }
        .run(sh)?;
        let exe = match &self.exe {
            Some(exe) => exe.clone(),
            None => crate::harness_bin::build(sh)?,
        };
        let embedded = Embedded {
            exe: exe.clone(),
            wasmedge_worker: wasmedge_worker(exe.parent().unwrap_or(Path::new(".")), &root),
            cache_dir: target.join("harness-cache"),
        };

        let mut rows = Vec::new();
        let mut tools = Vec::new();
        for (engine, columns) in &plan {
            let tool = engine.tool.find(&root);
            if let Err(reason) = &tool {
                eprintln!("crosscheck: {}: skipped: {reason}", engine.tool.name());
            }
            for kernel in engine.kernels {
                let columns: Vec<(String, bool)> = columns
                    .iter()
                    .filter(|(c, _)| kernel.variants || c == engine.column)
                    .cloned()
                    .collect();
                if columns.is_empty() {
                    continue;
                }
                let label = kernel_label(&root, kernel);
                let unbuilt = columns
                    .iter()
                    .any(|(c, _)| is_external(c))
                    .then(|| embedded.wasmedge_worker.as_ref().err())
                    .flatten();
                let outcome = match (&tool, unbuilt) {
                    (Err(reason), _) => Err(Problem::Skipped(reason.clone())),
                    (_, Some(reason)) => Err(Problem::Skipped(reason.clone())),
                    (Ok(tool), None) => {
                        compare(&root, &target, &embedded, tool, kernel, &columns, self.runs)
                    }
                };
                match outcome {
                    Ok((measured, commands)) => {
                        tools.push(commands);
                        for ((column, expected_fail), measured) in columns.iter().zip(measured) {
                            rows.push(Row {
                                column: column.clone(),
                                tool: engine.tool,
                                kernel: label.clone(),
                                status: Status::Measured(measured),
                                expected_fail: *expected_fail,
                            });
                        }
                    }
                    Err(problem) => {
                        if let Problem::Error(reason) = &problem {
                            eprintln!("crosscheck: {} {label}: {reason}", engine.tool.name());
                        }
                        for (column, expected_fail) in &columns {
                            rows.push(Row {
                                column: column.clone(),
                                tool: engine.tool,
                                kernel: label.clone(),
                                status: match &problem {
                                    Problem::Skipped(r) => Status::Skipped(r.clone()),
                                    Problem::Error(r) => Status::Error(r.clone()),
                                },
                                expected_fail: *expected_fail,
                            });
                        }
                    }
                }
            }
        }

        println!("{}", table(&rows, ci));
        let elapsed = started.elapsed();
        if self.write {
            let path = root.join("results").join("crosscheck.md");
            let run = RunInfo {
                command_line: self.command_line(),
                runs: self.runs,
                took: started.elapsed(),
                load: format!("{load_before} before, {} after", load_average()),
            };
            let text = markdown(&rows, &tools, &root, &run, ci);
            harness::util::write_atomic(&path, text.as_bytes())
                .with_context(|| format!("cannot write {}", path.display()))?;
            eprintln!("crosscheck: wrote {}", path.display());
        }
        eprintln!("crosscheck: done in {:.0} s", elapsed.as_secs_f64());
        let wrong: Vec<String> = rows
            .iter()
            .filter(|r| !r.ok(ci))
            .map(|r| format!("{} on {}: {}", r.column, r.kernel, r.verdict(ci)))
            .collect();
        if !wrong.is_empty() {
            bail!(
                "crosscheck failed: {}{}",
                wrong.join("; "),
                if ci && rows.iter().any(|r| matches!(r.status, Status::Skipped(_))) {
                    " (under CI a missing tool is a failure: CI installs them)"
                } else {
                    ""
                }
            );
        }
        Ok(())
    }

    fn command_line(&self) -> String {
        let mut line = "cargo xtask crosscheck".to_owned();
        for column in &self.columns {
            let _ = write!(line, " --column {column}");
        }
        if self.runs != DEFAULT_RUNS {
            let _ = write!(line, " --runs {}", self.runs);
        }
        if self.self_test {
            line.push_str(" --self-test");
        }
        line.push_str(" --write");
        line
    }
}

/// Every column `--column` accepts.
fn all_columns() -> Vec<&'static str> {
    ENGINES
        .iter()
        .flat_map(|e| std::iter::once(e.column).chain(e.variants.iter().copied()))
        .collect()
}

/// The engine whose tool a column is checked against.
fn engine_of(column: &str) -> Option<&'static Engine> {
    ENGINES
        .iter()
        .find(|e| e.column == column || e.variants.contains(&column))
}

fn kernel_label(root: &Path, kernel: &Kernel) -> String {
    let args = load_sample(root, kernel)
        .ok()
        .and_then(|(_, case)| (!case.args.is_empty()).then(|| case.args.join(" ")))
        .unwrap_or_else(|| kernel.case.to_owned());
    format!("{}/{} {args}", kernel.language, kernel.sample)
}

fn load_sample(root: &Path, kernel: &Kernel) -> anyhow::Result<(Sample, Case)> {
    let dir = root
        .join("samples")
        .join(kernel.language)
        .join(kernel.sample);
    let manifest = manifest::load(&dir.join("sample.toml"))?;
    let case = manifest
        .cases
        .iter()
        .find(|c| c.name == kernel.case)
        .cloned()
        .with_context(|| format!("{}: no case `{}`", dir.display(), kernel.case))?;
    Ok((Sample { dir, manifest }, case))
}

/// How the embedded columns are run: the release harness's worker, as the matrix runs them.
struct Embedded {
    exe: PathBuf,
    /// The WasmEdge columns' worker, under its prefix's loader, or why it cannot start.
    wasmedge_worker: Result<(PathBuf, Vec<OsString>), String>,
    cache_dir: PathBuf,
}

impl Embedded {
    /// One run of the column, which must pass the case (with `None`, exit 0).
    fn run(
        &self,
        column: &str,
        module: &Path,
        spec: &RunSpec,
        case: Option<&Case>,
    ) -> Result<EmbeddedRun, String> {
        let request = worker::Request {
            runtime: column.to_owned(),
            module: module.to_owned(),
            spec: spec.clone(),
            found: None,
        };
        let limit = spec.timeout + harness::deadline::WALL_GRACE;
        let finished = if is_external(column) {
            let (program, args) = self.wasmedge_worker.as_ref().map_err(Clone::clone)?;
            let mut command = Command::new(program);
            command.args(args);
            worker::run_command(command, &request, limit)
        } else if harness::runtime::registry::get(column)
            .is_some_and(|c| c.kind == harness::runtime::Kind::ExternalWorker)
        {
            worker::run_command(external::command(column)?, &request, limit)
        } else {
            worker::run(&self.exe, &request, limit)
        }
        .map_err(|e| format!("cannot start the `{column}` worker: {e}"))?;
        let response = match finished.end {
            End::Reported(response) => response,
            End::Killed { after } => {
                return Err(format!(
                    "`{column}` killed after {:.1} s",
                    after.as_secs_f64()
                ));
            }
            End::Crashed { how } => return Err(format!("`{column}` crashed: {how}")),
        };
        let expect = case.map(|c| c.expect.clone()).unwrap_or_default();
        let verdict = outcome::classify(&response.report, &expect, &[], &[]);
        if verdict.outcome != Outcome::Pass {
            return Err(format!(
                "`{column}` did not pass the case: {} ({})",
                verdict.outcome, verdict.reason
            ));
        }
        Ok(EmbeddedRun {
            run_ms: response.report.phases.run,
            compile_ms: response.report.phases.compile,
            cache: response.report.compile_cache,
            version: response.runtime_version,
        })
    }
}

/// What a worker reported of one embedded run.
struct EmbeddedRun {
    run_ms: f64,
    compile_ms: f64,
    /// `hit`, `miss` or `cold`.
    cache: harness::runtime::cache::CacheState,
    version: String,
}

/// How to start the WasmEdge columns' worker of this release build: the binary beside the harness,
/// under the WasmEdge prefix's loader when there is one (as `harness::runtime::external::command`,
/// which looks beside the running executable, here the xtask's).
fn wasmedge_worker(dir: &Path, root: &Path) -> Result<(PathBuf, Vec<OsString>), String> {
    let exe = dir.join(external::WASMEDGE_WORKER);
    if !exe.is_file() {
        return Err(format!(
            "{} is not built: WasmEdge is not provided (`cargo xtask setup --language wasmedge`)",
            exe.display()
        ));
    }
    let prefix = std::env::var_os("HARNESS_WASMEDGE_PREFIX")
        .map_or_else(|| root.join(external::WASMEDGE_PREFIX), PathBuf::from);
    let libdir = prefix.join("usr/lib/x86_64-linux-gnu");
    let loader = libdir.join("ld-linux-x86-64.so.2");
    if loader.is_file() {
        Ok((
            loader,
            vec!["--library-path".into(), libdir.into(), exe.into()],
        ))
    } else {
        Ok((exe, Vec::new()))
    }
}

/// Why a kernel has no comparison.
enum Problem {
    /// A tool is not there: how to get it.
    Skipped(String),
    /// Something ran and went wrong.
    Error(String),
}

impl From<String> for Problem {
    fn from(reason: String) -> Self {
        Problem::Error(reason)
    }
}

/// The tool commands a comparison used, for the report.
struct Commands {
    tool: ToolKind,
    version: String,
    location: String,
    kernel: String,
    compile: String,
    bench: String,
    tiny: String,
    /// The embedded columns' versions, as their workers reported them.
    embedded: Vec<(String, String)>,
}

/// One step of a round.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    /// A run of the embedded column with this index.
    Embedded(usize),
    /// The tool on the benchmark argument.
    Bench,
    /// The tool on the tiny argument.
    Tiny,
}

/// The steps of a round, rotated by the round's number so that no side always runs first (after the
/// other's page cache, or on a cooler CPU).
fn round(columns: usize, number: usize) -> Vec<Step> {
    let mut steps: Vec<Step> = (0..columns).map(Step::Embedded).collect();
    steps.extend([Step::Bench, Step::Tiny]);
    let by = number % steps.len();
    steps.rotate_left(by);
    steps
}

/// Measures a kernel on the embedded columns and the tool, interleaved; one comparison per column.
fn compare(
    root: &Path,
    target: &Path,
    embedded: &Embedded,
    tool: &Tool,
    kernel: &Kernel,
    columns: &[(String, bool)],
    runs: usize,
) -> Result<(Vec<Measured>, Commands), Problem> {
    let name = tool.kind.name();
    let (sample, case) = load_sample(root, kernel).map_err(|e| format!("{e:#}"))?;
    let module = harness::cell::built_module(target, &sample)
        .map_err(|reason| format!("{}/{}: {reason}", kernel.language, kernel.sample))?
        .module;
    let label = kernel_label(root, kernel);

    let proposals: Vec<Proposal> = case.proposals.iter().copied().collect();
    let mut spec = harness::cell::spec_for(&sample, &case, Vec::new());
    spec.cache_dir = Some(embedded.cache_dir.clone());
    let limit = spec.timeout + harness::deadline::WALL_GRACE;

    // Warm-up: the embedded columns fill (or hit) the compile cache while the tool precompiles; both
    // compilers can take tens of seconds on a Go module, and this machine has more than one core.
    let (artifact, warm_up) = std::thread::scope(|scope| {
        let compiling = scope.spawn(|| precompile(root, target, tool, &module, &proposals));
        let warm_up: Result<Vec<EmbeddedRun>, String> = columns
            .iter()
            .map(|(column, _)| embedded.run(column, &module, &spec, Some(&case)))
            .collect();
        (compiling.join(), warm_up)
    });
    let artifact = artifact.map_err(|_| "the precompiling thread panicked".to_owned())??;
    let warm_up = warm_up?;
    let mut versions: Vec<String> = warm_up.iter().map(|r| r.version.clone()).collect();
    let said: Vec<String> = columns
        .iter()
        .zip(&warm_up)
        .map(|((column, _), run)| {
            format!(
                "{column} {} (compile {}, cache {})",
                format_ms(run.run_ms),
                format_ms(run.compile_ms),
                run.cache
            )
        })
        .collect();
    eprintln!("crosscheck: {label}: warm-up: {}", said.join(", "));

    let bench_args = tool.kind.run_args(&artifact, &case.args, &proposals);
    let tiny_args = tool
        .kind
        .run_args(&artifact, &[kernel.tiny.to_owned()], &proposals);
    let bench = tool_run(tool, &bench_args, Some(&case), limit)?;
    let tiny = tool_run(tool, &tiny_args, None, limit)?;
    eprintln!(
        "crosscheck: {label}: warm-up: {name} {} (whole process), {name} start-up {}",
        format_ms(bench),
        format_ms(tiny)
    );

    let mut embedded_ms: Vec<Vec<f64>> = vec![Vec::new(); columns.len()];
    let (mut bench_ms, mut tiny_ms) = (Vec::new(), Vec::new());
    let mut planned = runs;
    let mut number = 0;
    let measured = loop {
        while number < planned {
            number += 1;
            let mut said = Vec::new();
            for step in round(columns.len(), number - 1) {
                match step {
                    Step::Embedded(i) => {
                        let column = &columns[i].0;
                        let run = embedded.run(column, &module, &spec, Some(&case))?;
                        said.push(format!("{column} {}", format_ms(run.run_ms)));
                        embedded_ms[i].push(run.run_ms);
                        versions[i] = run.version;
                    }
                    Step::Bench => {
                        let ms = tool_run(tool, &bench_args, Some(&case), limit)?;
                        said.push(format!("{name} {} (whole process)", format_ms(ms)));
                        bench_ms.push(ms);
                    }
                    Step::Tiny => {
                        let ms = tool_run(tool, &tiny_args, None, limit)?;
                        said.push(format!("{name} start-up {}", format_ms(ms)));
                        tiny_ms.push(ms);
                    }
                }
            }
            eprintln!(
                "crosscheck: {label}: round {number}/{planned}: {}",
                said.join(", ")
            );
        }
        let measured = judge_all(&embedded_ms, &bench_ms, &tiny_ms);
        // A surprise (a column that should agree and does not, or the reverse) is measured again
        // before it is reported: as many rounds more, and the verdict is on all of them.
        let surprised: Vec<&str> = columns
            .iter()
            .zip(&measured)
            .filter(|((_, expected_fail), m)| (m.judgement == Judgement::Agree) == *expected_fail)
            .map(|((column, _), _)| column.as_str())
            .collect();
        if surprised.is_empty() || planned > runs {
            break measured;
        }
        eprintln!(
            "crosscheck: {label}: {} not as expected after {runs} rounds ({}): {runs} rounds more",
            surprised.join(", "),
            measured
                .iter()
                .map(|m| format!("ratio {:.2}", m.ratio))
                .collect::<Vec<_>>()
                .join(", ")
        );
        planned += runs;
    };
    let commands = Commands {
        tool: tool.kind,
        version: tool.version.clone(),
        location: tool.location(root),
        kernel: label,
        compile: if tool.kind.precompiles() {
            tool.shown(
                &tool.kind.compile_args(
                    &module,
                    &artifact_name(root, target, tool, &module),
                    &proposals,
                ),
                root,
            )
        } else {
            "none (Node.js keeps no compiled Wasm between processes)".to_owned()
        },
        bench: tool.shown(&bench_args, root),
        tiny: tool.shown(&tiny_args, root),
        embedded: columns
            .iter()
            .map(|(c, _)| c.clone())
            .zip(versions)
            .collect(),
    };
    Ok((measured, commands))
}

/// The comparison of each embedded column's run phases with the tool's (benchmark processes less the
/// median start-up).
fn judge_all(embedded_ms: &[Vec<f64>], bench_ms: &[f64], tiny_ms: &[f64]) -> Vec<Measured> {
    let tool = Spread::of(&less_startup(bench_ms, tiny_ms));
    let startup = Spread::of(tiny_ms);
    embedded_ms
        .iter()
        .map(|ms| {
            let embedded = Spread::of(ms);
            let (ratio, mut judgement) = judge(embedded.median, tool.median, TOLERANCE);
            // Interference on a shared machine only adds time, and it comes in bursts (on
            // 2026-11-28 either side's rounds took 0.64 s, then 1.2 s, for minutes): when the two
            // medians fall on different sides of a burst, the fastest rounds, the least disturbed,
            // still show whether both run the same code. A real difference (epoch interruption's
            // +40%) moves the fastest rounds too, as `--self-test` shows.
            let by_fastest = judgement != Judgement::Agree
                && judge(embedded.min, tool.min, TOLERANCE).1 == Judgement::Agree;
            if by_fastest {
                judgement = Judgement::Agree;
            }
            Measured {
                n: ms.len(),
                embedded,
                tool,
                startup,
                ratio,
                judgement,
                by_fastest,
            }
        })
        .collect()
}

/// Where the tool's precompiled module is kept: keyed by the module's and the tool's identity, so a
/// second crosscheck does not compile again (WasmEdge's compiler takes about 40 s on a Go module).
fn artifact_name(root: &Path, target: &Path, tool: &Tool, module: &Path) -> PathBuf {
    let bytes = std::fs::read(module).unwrap_or_default();
    let mut hasher = Sha256::new();
    hasher.update(&bytes);
    hasher.update(tool.version.as_bytes());
    hasher.update(tool.location(root).as_bytes());
    let digest = hasher.finalize();
    let key = harness::util::hex(&digest[..8]);
    target
        .join("crosscheck")
        .join(tool.kind.name())
        .join(format!("{}.{}", key, tool.kind.artifact_extension()))
}

/// Precompiles the module with the tool, unless an earlier crosscheck did.
fn precompile(
    root: &Path,
    target: &Path,
    tool: &Tool,
    module: &Path,
    proposals: &[Proposal],
) -> Result<PathBuf, String> {
    if !tool.kind.precompiles() {
        return Ok(module.to_owned());
    }
    let artifact = artifact_name(root, target, tool, module);
    if artifact.is_file() {
        return Ok(artifact);
    }
    let dir = artifact
        .parent()
        .expect("the artifact lives in a directory");
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let partial = artifact.with_extension(format!(
        "partial{}.{}",
        std::process::id(),
        tool.kind.artifact_extension()
    ));
    let args = tool.kind.compile_args(module, &partial, proposals);
    eprintln!("crosscheck: {}", tool.shown(&args, root));
    let started = Instant::now();
    let output = tool
        .command(&args)
        .output()
        .map_err(|e| format!("cannot start {}: {e}", tool.kind.name()))?;
    if !output.status.success() || !partial.is_file() {
        let _ = std::fs::remove_file(&partial);
        return Err(format!(
            "`{}` failed ({}): {}",
            tool.shown(&args, root),
            output.status,
            what_it_said(&output.stderr, &output.stdout)
        ));
    }
    std::fs::rename(&partial, &artifact)
        .map_err(|e| format!("cannot store {}: {e}", artifact.display()))?;
    eprintln!(
        "crosscheck: precompiled in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(artifact)
}

/// One whole process of the tool, timed from spawn to exit; with a case, its output must be the
/// case's.
fn tool_run(
    tool: &Tool,
    args: &[OsString],
    case: Option<&Case>,
    limit: Duration,
) -> Result<f64, String> {
    let raw = harness::process::spawn_and_wait(tool.command(args), Vec::new(), limit)
        .map_err(|e| format!("cannot start {}: {e}", tool.kind.name()))?;
    let name = tool.kind.name();
    if raw.killed {
        return Err(format!(
            "{name} killed after {:.1} s",
            raw.wall.as_secs_f64()
        ));
    }
    if let Some(signal) = raw.signal() {
        return Err(format!(
            "{name} died by {signal}: {}",
            what_it_said(&raw.stderr, &raw.stdout)
        ));
    }
    let code = raw.exit_code();
    if code != 0 {
        return Err(format!(
            "{name} exited with {code}: {}",
            what_it_said(&raw.stderr, &raw.stdout)
        ));
    }
    let ms = millis(raw.wall);
    if let Some(case) = case {
        let report = RunReport::whole_process(
            Ending::Exited { code },
            harness::runtime::cache::CacheState::Tool,
            raw,
        );
        let verdict = outcome::classify(&report, &case.expect, &[], &[]);
        if verdict.outcome != Outcome::Pass {
            return Err(format!(
                "{name} did not pass the case: {} ({})",
                verdict.outcome, verdict.reason
            ));
        }
    }
    Ok(ms)
}

/// What a failing tool said: its first line that mentions an error (before any backtrace), or its
/// last line.
fn what_it_said(stderr: &[u8], stdout: &[u8]) -> String {
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(stderr),
        String::from_utf8_lossy(stdout)
    );
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    lines
        .iter()
        .find(|l| l.to_lowercase().contains("error"))
        .or(lines.last())
        .map_or_else(|| "no output".to_owned(), |l| (*l).to_owned())
}

/// Median, least and greatest of some figures (milliseconds).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Spread {
    median: f64,
    min: f64,
    max: f64,
}

impl Spread {
    fn of(values: &[f64]) -> Spread {
        Spread {
            median: harness::cell::median(values.to_vec()),
            min: values.iter().copied().fold(f64::INFINITY, f64::min),
            max: values.iter().copied().fold(0.0, f64::max),
        }
    }
}

impl std::fmt::Display for Spread {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} [{}–{}]",
            format_ms(self.median),
            format_ms(self.min),
            format_ms(self.max)
        )
    }
}

/// The tool's run phase in each benchmark run: the whole process less the median whole process of
/// the tiny runs (start-up, loading the precompiled module, instantiation, exit), never below zero.
fn less_startup(bench: &[f64], tiny: &[f64]) -> Vec<f64> {
    let startup = harness::cell::median(tiny.to_vec());
    bench.iter().map(|ms| (ms - startup).max(0.0)).collect()
}

/// How the embedded column's run phase compares with the tool's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Judgement {
    /// Within the tolerance.
    Agree,
    /// The embedded column is slower than the tolerance allows: a configuration error in its backend.
    Slower,
    /// The embedded column is faster than the tolerance allows: it does not run what the tool runs,
    /// or the tool is mismeasured.
    Faster,
}

/// `embedded / tool` and whether it is within `1 + tolerance` of 1, either way.
fn judge(embedded: f64, tool: f64, tolerance: f64) -> (f64, Judgement) {
    let ratio = embedded / tool;
    let judgement = if ratio.is_nan() || ratio > 1.0 + tolerance {
        Judgement::Slower
    } else if ratio < 1.0 / (1.0 + tolerance) {
        Judgement::Faster
    } else {
        Judgement::Agree
    };
    (ratio, judgement)
}

#[derive(Debug, Clone, Copy)]
struct Measured {
    /// Measured rounds.
    n: usize,
    embedded: Spread,
    tool: Spread,
    startup: Spread,
    ratio: f64,
    judgement: Judgement,
    /// The medians disagreed and the fastest rounds agreed.
    by_fastest: bool,
}

enum Status {
    Measured(Measured),
    Skipped(String),
    Error(String),
}

/// One column on one kernel.
struct Row {
    column: String,
    tool: ToolKind,
    kernel: String,
    status: Status,
    /// A measurement variant under `--self-test`: the check must fail it.
    expected_fail: bool,
}

impl Row {
    /// Whether the row is what the check wants: agreement (disagreement for a variant under
    /// `--self-test`); a missing tool is fine but under CI, which installs them.
    fn ok(&self, ci: bool) -> bool {
        match &self.status {
            Status::Measured(m) => (m.judgement == Judgement::Agree) != self.expected_fail,
            Status::Skipped(_) => !ci,
            Status::Error(_) => false,
        }
    }

    fn verdict(&self, ci: bool) -> String {
        match &self.status {
            Status::Measured(m) => {
                let said = match m.judgement {
                    Judgement::Agree => "agree",
                    Judgement::Slower => "slower",
                    Judgement::Faster => "faster",
                };
                match (self.ok(ci), self.expected_fail) {
                    (true, false) if m.by_fastest => "pass (by the fastest rounds)".into(),
                    (true, false) => "pass".into(),
                    (false, false) => format!("FAIL ({said})"),
                    (true, true) => format!("fail ({said}), as expected"),
                    (false, true) => "NOT CAUGHT (agrees, expected to fail)".into(),
                }
            }
            Status::Skipped(reason) if ci => format!("FAIL: missing under CI: {reason}"),
            Status::Skipped(reason) => format!("skipped: {reason}"),
            Status::Error(reason) => format!("ERROR: {reason}"),
        }
    }

    fn cells(&self, ci: bool) -> [String; 8] {
        let (n, embedded, tool, ratio) = match &self.status {
            Status::Measured(m) => (
                m.n.to_string(),
                m.embedded.to_string(),
                m.tool.to_string(),
                format!("{:.2}", m.ratio),
            ),
            _ => ("—".into(), "—".into(), "—".into(), "—".into()),
        };
        [
            format!("{} vs {}", self.column, self.tool.name()),
            self.kernel.clone(),
            n,
            embedded,
            tool,
            ratio,
            tolerance_text(),
            self.verdict(ci),
        ]
    }
}

const HEADERS: [&str; 8] = [
    "column vs tool",
    "kernel",
    "n",
    "embedded run",
    "tool run",
    "ratio",
    "tolerance",
    "verdict",
];

fn tolerance_text() -> String {
    format!("{:.2}–{:.2}", 1.0 / (1.0 + TOLERANCE), 1.0 + TOLERANCE)
}

/// The stdout table: padded columns.
fn table(rows: &[Row], ci: bool) -> String {
    let cells: Vec<[String; 8]> = rows.iter().map(|r| r.cells(ci)).collect();
    let mut widths = HEADERS.map(|h| h.chars().count());
    for row in &cells {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: &[String]| {
        cells
            .iter()
            .zip(widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_owned()
    };
    let mut out = line(&HEADERS.map(String::from));
    for row in &cells {
        out.push('\n');
        out.push_str(&line(row));
    }
    out
}

/// The machine's load average (1, 5 and 15 minutes), as `/proc/loadavg` gives it.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

/// How the crosscheck was run, for the report.
struct RunInfo {
    command_line: String,
    runs: usize,
    took: Duration,
    load: String,
}

fn markdown(rows: &[Row], commands: &[Commands], root: &Path, run: &RunInfo, ci: bool) -> String {
    let host = harness::meta::host();
    let mut md = String::new();
    let _ = writeln!(md, "# Embedded engines against their own tools\n");
    let _ = writeln!(
        md,
        "`{}`, {}, commit `{}`; {} ({} cores), {}, Linux {}; load average {}. {} measured \
         rounds after one warm-up round per kernel ({} more where the first were not as expected); \
         {:.0} s in all.\n",
        run.command_line,
        harness::meta::now_rfc3339(),
        harness::meta::git_commit(root),
        host.cpu,
        host.cores,
        host.os,
        host.kernel,
        run.load,
        run.runs,
        run.runs,
        run.took.as_secs_f64(),
    );
    let _ = writeln!(
        md,
        "Each round runs, in an order that rotates from round to round, the embedded column through \
         the release harness's worker as the matrix does (compile cache on; the run phase its report \
         gives), the tool on its precompiled module with the benchmark argument, and the tool on the \
         same module with a tiny argument. The tool's run phase is each benchmark process less the \
         median tiny process (start-up, loading, instantiation). Figures are medians [min–max] over \
         the rounds; the ratio is embedded / tool. A column passes when the ratio is within {} \
         (tolerance {:.0}%: epoch interruption costs wasmtime about +40% on binary-trees, \
         interruptible WasmEdge AOT code several times; correct columns stay within about ±10% on \
         this machine).\n",
        tolerance_text(),
        TOLERANCE * 100.0
    );
    let _ = writeln!(md, "| {} |", HEADERS.join(" | "));
    let _ = writeln!(md, "|{}", "---|".repeat(HEADERS.len()));
    for row in rows {
        let cells = row.cells(ci).map(|c| c.replace('|', "\\|"));
        let _ = writeln!(md, "| {} |", cells.join(" | "));
    }
    let _ = writeln!(md);
    for row in rows {
        if let Status::Measured(m) = &row.status {
            let _ = writeln!(
                md,
                "- `{}` on {}: the tool's start-up (tiny argument, whole process) {}.",
                row.column, row.kernel, m.startup
            );
        }
    }
    if !commands.is_empty() {
        let _ = writeln!(md, "\n## Versions and tool commands\n");
    }
    for c in commands {
        let embedded: Vec<String> = c
            .embedded
            .iter()
            .map(|(column, version)| format!("`{column}`: {version}"))
            .collect();
        let _ = writeln!(
            md,
            "- {} ({}): tool `{}` (`{}`); {}.\n  - precompile: `{}`\n  - run: `{}`\n  - \
             start-up: `{}`",
            c.tool.name(),
            c.kernel,
            c.version,
            c.location,
            embedded.join(", "),
            c.compile,
            c.bench,
            c.tiny
        );
    }
    md
}

/// Whether a column is served by the WasmEdge worker binary.
fn is_external(column: &str) -> bool {
    harness::runtime::registry::get(column).is_some_and(|c| {
        c.kind == harness::runtime::Kind::ExternalWorker
            && c.engine == harness::runtime::registry::Engine::WasmEdge
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agreement_within_the_tolerance_either_way() {
        assert_eq!(judge(100.0, 100.0, 0.25).1, Judgement::Agree);
        assert_eq!(judge(124.0, 100.0, 0.25).1, Judgement::Agree);
        assert_eq!(judge(100.0, 124.0, 0.25).1, Judgement::Agree);
        assert_eq!(judge(126.0, 100.0, 0.25).1, Judgement::Slower);
        assert_eq!(judge(100.0, 126.0, 0.25).1, Judgement::Faster);
        let (ratio, _) = judge(150.0, 100.0, 0.25);
        assert!((ratio - 1.5).abs() < 1e-12);
    }

    #[test]
    fn the_errors_it_exists_for_fail() {
        // Epoch interruption on binary-trees (~+40%), interruptible WasmEdge AOT code (~45x).
        assert_eq!(judge(800.0, 555.0, TOLERANCE).1, Judgement::Slower);
        assert_eq!(judge(25_050.0, 1_060.0, TOLERANCE).1, Judgement::Slower);
        // Noise of the size seen between correct columns and their tools passes.
        assert_eq!(judge(600.0, 555.0, TOLERANCE).1, Judgement::Agree);
        assert_eq!(judge(520.0, 555.0, TOLERANCE).1, Judgement::Agree);
    }

    #[test]
    fn a_burst_of_interference_on_one_side_is_judged_by_the_fastest_rounds() {
        // The rounds of 2026-11-28's failed check: the embedded column's median fell in a burst.
        let embedded = vec![
            644.0, 1210.0, 984.0, 1120.0, 1180.0, 971.0, 1190.0, 1240.0, 985.0, 641.0,
        ];
        let bench = [
            706.0, 685.0, 1140.0, 834.0, 880.0, 732.0, 1320.0, 1270.0, 680.0, 678.0,
        ];
        let tiny = [28.0, 39.0, 42.0, 44.0, 34.0, 41.0, 48.0, 44.0, 48.0, 30.0];
        let [m] = judge_all(&[embedded], &bench, &tiny)[..] else {
            panic!("one column")
        };
        assert!(m.ratio > 1.25, "the medians alone disagree: {}", m.ratio);
        assert_eq!((m.judgement, m.by_fastest), (Judgement::Agree, true));
        // Epoch interruption's cost moves the fastest rounds too: still caught.
        let slower: Vec<f64> = bench.iter().map(|ms| ms * 1.4).collect();
        let [m] = judge_all(&[slower], &bench, &tiny)[..] else {
            panic!("one column")
        };
        assert_eq!((m.judgement, m.by_fastest), (Judgement::Slower, false));
    }

    #[test]
    fn no_tool_figure_is_no_agreement() {
        assert_eq!(judge(100.0, 0.0, 0.25).1, Judgement::Slower);
        assert_eq!(judge(0.0, 0.0, 0.25).1, Judgement::Slower);
    }

    #[test]
    fn start_up_is_the_median_tiny_run_subtracted_from_each() {
        let run = less_startup(&[560.0, 580.0, 570.0], &[12.0, 30.0, 10.0]);
        assert_eq!(run, [548.0, 568.0, 558.0]);
        // A benchmark run quicker than the median start-up is no time, not a negative one.
        assert_eq!(less_startup(&[5.0], &[10.0]), [0.0]);
        assert_eq!(less_startup(&[5.0], &[]), [5.0]);
    }

    #[test]
    fn spreads() {
        let s = Spread::of(&[3.0, 1.0, 2.0, 10.0]);
        assert_eq!(
            s,
            Spread {
                median: 2.5,
                min: 1.0,
                max: 10.0
            }
        );
    }

    #[test]
    fn rounds_rotate_so_no_side_always_runs_first() {
        assert_eq!(round(1, 0), [Step::Embedded(0), Step::Bench, Step::Tiny]);
        assert_eq!(round(1, 1), [Step::Bench, Step::Tiny, Step::Embedded(0)]);
        assert_eq!(round(1, 3), round(1, 0));
        let firsts: Vec<Step> = (0..4).map(|n| round(2, n)[0]).collect();
        assert_eq!(
            firsts,
            [
                Step::Embedded(0),
                Step::Embedded(1),
                Step::Bench,
                Step::Tiny
            ]
        );
    }

    #[test]
    fn verdicts_under_self_test_and_ci() {
        let measured = |judgement| {
            Status::Measured(Measured {
                n: 1,
                embedded: Spread::of(&[1.0]),
                tool: Spread::of(&[1.0]),
                startup: Spread::of(&[1.0]),
                ratio: 1.0,
                judgement,
                by_fastest: false,
            })
        };
        let row = |status, expected_fail| Row {
            column: "c".into(),
            tool: ToolKind::Wasmtime,
            kernel: "k".into(),
            status,
            expected_fail,
        };
        assert!(row(measured(Judgement::Agree), false).ok(false));
        assert!(!row(measured(Judgement::Slower), false).ok(false));
        assert!(row(measured(Judgement::Slower), true).ok(false));
        assert!(!row(measured(Judgement::Agree), true).ok(false));
        let skipped = || Status::Skipped("no tool".into());
        assert!(row(skipped(), false).ok(false));
        assert!(
            !row(skipped(), false).ok(true),
            "under CI a missing tool fails"
        );
        assert!(!row(Status::Error("x".into()), false).ok(false));
    }

    #[test]
    fn options() {
        let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let check =
            Crosscheck::parse(&args(&["--column", "wasmtime-epoch", "--runs", "3"])).unwrap();
        assert_eq!(check.columns, ["wasmtime-epoch"]);
        assert_eq!(check.runs, 3);
        let plan = check.plan();
        assert_eq!(plan.len(), 1);
        assert_eq!(plan[0].0.tool, ToolKind::Wasmtime);
        assert!(Crosscheck::parse(&args(&["--column", "docker-wasmtime"])).is_err());
        assert!(Crosscheck::parse(&args(&["--runs", "0"])).is_err());

        let all = Crosscheck::parse(&args(&["--self-test"])).unwrap().plan();
        let columns: Vec<(&str, bool)> = all
            .iter()
            .flat_map(|(_, cs)| cs.iter().map(|(c, f)| (c.as_str(), *f)))
            .collect();
        assert_eq!(
            columns,
            [
                ("wasmtime", false),
                ("wasmtime-epoch", true),
                ("wasmer", false),
                ("wasmedge-aot", false),
                ("wasmedge-aot-interruptible", true),
                ("node", false)
            ]
        );
        let one = Crosscheck::parse(&args(&["--self-test", "--column", "wasmtime"]))
            .unwrap()
            .plan();
        assert_eq!(one.len(), 1);
        assert_eq!(one[0].1.len(), 2);
        let default = Crosscheck::parse(&[]).unwrap().plan();
        assert_eq!(default.len(), 4);
        assert!(default.iter().all(|(_, cs)| cs.len() == 1 && !cs[0].1));
    }

    #[test]
    fn versions_without_paths() {
        assert_eq!(
            version_line("/p/usr/bin/wasmedge version 0.14.1\n (plugin) 0.1\n"),
            "wasmedge version 0.14.1"
        );
        assert_eq!(
            version_line("wasmtime 48.0.8 (abc 2026-01-01)\n"),
            "wasmtime 48.0.8 (abc 2026-01-01)"
        );
    }

    #[test]
    fn tool_command_lines() {
        let artifact = Path::new("/p/target/crosscheck/wasmtime/k.cwasm");
        let tool = Tool {
            kind: ToolKind::Wasmtime,
            argv: vec!["/p/.cache/toolchains/wasmtime-cli-48.0.8/bin/wasmtime".into()],
            version: "wasmtime 48.0.8".into(),
        };
        let run = ToolKind::Wasmtime.run_args(artifact, &["17".into()], &[]);
        assert_eq!(
            tool.shown(&run, Path::new("/p")),
            "wasmtime run --allow-precompiled target/crosscheck/wasmtime/k.cwasm 17"
        );
        let run = ToolKind::WasmEdge.run_args(Path::new("k.so"), &["17".into()], &[]);
        assert_eq!(run, ["k.so", "17"]);
        let compile = ToolKind::WasmEdge.compile_args(Path::new("m.wasm"), Path::new("k.so"), &[]);
        assert_eq!(compile, ["compile", "--optimize", "3", "m.wasm", "k.so"]);
        let gc = [Proposal::Gc, Proposal::ExceptionHandling];
        let compile =
            ToolKind::Wasmtime.compile_args(Path::new("m.wasm"), Path::new("k.cwasm"), &gc);
        assert_eq!(
            compile,
            [
                "compile",
                "-W",
                "gc=y,function-references=y,exceptions=y",
                "m.wasm",
                "-o",
                "k.cwasm"
            ]
        );
        let run = ToolKind::Wasmtime.run_args(Path::new("k.cwasm"), &["17".into()], &gc);
        assert_eq!(
            run,
            [
                "run",
                "-W",
                "gc=y,function-references=y,exceptions=y",
                "--allow-precompiled",
                "k.cwasm",
                "17"
            ]
        );
    }
}
