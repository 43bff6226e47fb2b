//! The command-line backends: `wasmtime-cli`, `wasmer-cli` and `wasmedge-cli` run the runtimes' own
//! tools as users do from a shell, each with its own flag dialect and each as its vendor ships it for
//! speed: no flag that changes the generated code (no `-W timeout`, which turns wasmtime's epoch
//! interruption on), the tool's own compiled-module cache kept under the project's `target/`, and the
//! harness killing the tool's process at the deadline.
//!
//! A tool is found through an environment variable (`HARNESS_WASMTIME_CLI`, `HARNESS_WASMER_CLI`,
//! `HARNESS_WASMEDGE_CLI`), then the project's pinned install (what `cargo xtask setup` builds or
//! unpacks under `.cache/toolchains/`, found from the harness binary's location), then the PATH.
//!
//! A tool's process is one phase: the whole of it, compilation included, is reported as the run phase.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::cache::CacheState;
use super::registry::{self, Column, Engine, Kind};
use super::{Ending, Found, RunReport, RunSpec, Runtime, Stage, Watchdog};
use crate::manifest::Proposal;

/// Where the project's pinned build of a column's tool is, relative to the project root: the
/// registry's `Provision::Pinned`, under `.cache/toolchains/<column>-<version>/`.
pub fn pinned_install(column: &str) -> Option<PathBuf> {
    let tool = registry::get(column)?.tool_column();
    let (version, executable) = tool.pinned()?;
    Some(
        Path::new(".cache/toolchains")
            .join(format!("{}-{version}", tool.name))
            .join(executable),
    )
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tool {
    Wasmtime,
    Wasmer,
    WasmEdge,
    /// WAMR's `iwasm`. No registry these machines reach has it, so this dialect follows WAMR 2's
    /// documented options (`--map-dir`, `--env`) and is not checked against a run here.
    Iwasm,
}

pub struct Cli {
    column: &'static str,
    tool: Tool,
    command: Command,
    version: String,
    /// Which tool this is: the variable that named it, the pinned install, or the PATH's.
    origin: String,
}

impl Tool {
    /// The dialect of a command-line column's tool.
    fn of(column: &Column) -> Option<Tool> {
        match (column.kind, column.engine) {
            (Kind::Tool, Engine::Wasmtime) => Some(Tool::Wasmtime),
            (Kind::Tool, Engine::Wasmer) => Some(Tool::Wasmer),
            (Kind::Tool, Engine::WasmEdge) => Some(Tool::WasmEdge),
            (Kind::Tool, Engine::Wamr) => Some(Tool::Iwasm),
            _ => None,
        }
    }

    fn program(self) -> &'static str {
        match self {
            Tool::Wasmtime => "wasmtime",
            Tool::Wasmer => "wasmer",
            Tool::WasmEdge => "wasmedge",
            Tool::Iwasm => "iwasm",
        }
    }

    fn variable(self) -> &'static str {
        match self {
            Tool::Wasmtime => "HARNESS_WASMTIME_CLI",
            Tool::Wasmer => "HARNESS_WASMER_CLI",
            Tool::WasmEdge => "HARNESS_WASMEDGE_CLI",
            Tool::Iwasm => "HARNESS_IWASM",
        }
    }

    /// The project's own install of the tool, found from the harness binary up (the binary lives in
    /// the project's `target/`), and how to start it.
    fn pinned(self, column: &str) -> Option<(Command, String)> {
        let here = std::env::current_exe().ok()?;
        if self == Tool::WasmEdge {
            let (root, command) = here.ancestors().find_map(|root| {
                super::external::wasmedge_cli_in_prefix(root).map(|c| (root.to_owned(), c))
            })?;
            let prefix = root.join(super::external::WASMEDGE_PREFIX);
            return Some((
                command,
                format!("the project's WasmEdge prefix, {}", prefix.display()),
            ));
        }
        let relative = pinned_install(column)?;
        let exe = here
            .ancestors()
            .map(|root| root.join(&relative))
            .find(|p| p.is_file())?;
        let origin = format!("the project's pinned build, {}", exe.display());
        Some((Command::new(exe), origin))
    }
}

/// The `-W` setting that turns a proposal on in the `wasmtime` tool.
pub fn wasmtime_flag(proposal: Proposal) -> Option<&'static str> {
    Some(match proposal {
        Proposal::BulkMemory => "bulk-memory=y",
        Proposal::MultiValue => "multi-value=y",
        Proposal::ReferenceTypes => "reference-types=y",
        Proposal::Simd => "simd=y",
        Proposal::Gc => "gc=y,function-references=y",
        Proposal::FunctionReferences => "function-references=y",
        Proposal::TailCall => "tail-call=y",
        Proposal::ExceptionHandling => "exceptions=y",
        Proposal::Memory64 => "memory64=y",
        Proposal::MultiMemory => "multi-memory=y",
        Proposal::ExtendedConst => "extended-const=y",
        Proposal::RelaxedSimd => "relaxed-simd=y",
        Proposal::Threads => "threads=y",
        Proposal::CustomPageSizes => "custom-page-sizes=y",
        Proposal::WideArithmetic => "wide-arithmetic=y",
        // No `-W` setting: always on, or not a switch of the tool.
        Proposal::MutableGlobals
        | Proposal::NontrappingFloatToInt
        | Proposal::SignExtension
        | Proposal::BranchHinting
        | Proposal::LegacyExceptions
        | Proposal::JsStringBuiltins => return None,
    })
}

/// Finds the column's tool and asks it for its version, or says why it cannot (a skip reason).
pub fn find(col: &'static Column) -> Result<Cli, String> {
    let column = col.name;
    let tool = Tool::of(col).ok_or_else(|| format!("`{column}` is not a command-line column"))?;
    let program = tool.program();
    let (command, origin) = if let Some(path) = std::env::var_os(tool.variable()) {
        let origin = format!("{}={}", tool.variable(), Path::new(&path).display());
        (Command::new(path), origin)
    } else if let Some(found) = tool.pinned(column) {
        found
    } else if let Some(path) = crate::util::which(program) {
        let origin = format!("{} from the PATH", path.display());
        (Command::new(path), origin)
    } else {
        return Err(format!(
            "`{program}` not found: {}, put it on the PATH, or name it in {}",
            col.how_to_get(),
            tool.variable()
        ));
    };
    let mut probe = clone(&command);
    probe.arg("--version");
    let output = probe
        .output()
        .map_err(|e| format!("cannot start `{program} --version` ({origin}): {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "`{program} --version` ({origin}) failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    let version = String::from_utf8_lossy(&output.stdout)
        .lines()
        .next()
        .unwrap_or(program)
        .trim()
        .to_owned();
    Ok(Cli {
        column,
        tool,
        command,
        version,
        origin,
    })
}

/// The column's tool serving a `wasi:http/proxy` component on a free loopback port, as its vendor
/// ships that (`wasmtime serve`, with WASI 0.2's CLI interfaces, which every toolchain's handler
/// imports, the run columns' memory cap and compiled-module cache); or why the tool cannot serve.
/// The tool says where it listens on stderr.
pub fn serve_command(
    col: &'static Column,
    component: &Path,
    memory_limit_bytes: u64,
    cache_dir: Option<&Path>,
) -> Result<Command, String> {
    let cli = find(col)?;
    match cli.tool {
        Tool::Wasmtime => {
            let mut command = clone(&cli.command);
            command.env_clear();
            command
                .args(["serve", "-S", "cli", "--addr", "127.0.0.1:0"])
                .arg("-W")
                .arg(format!("max-memory-size={memory_limit_bytes}"));
            match cache_dir {
                Some(dir) => {
                    let dir = std::path::absolute(dir)
                        .map_err(|e| format!("cannot find {}: {e}", dir.display()))?
                        .join(col.name);
                    let config = wasmtime_cache_config(&dir)
                        .map_err(|e| format!("cannot prepare the tool's cache directory: {e}"))?;
                    command
                        .arg("-C")
                        .arg(format!("cache-config={}", config.display()));
                }
                None => {
                    command.arg("-C").arg("cache=n");
                }
            }
            command.arg(component);
            Ok(command)
        }
        other => Err(format!(
            "`{}` has no command that serves wasi:http components",
            other.program()
        )),
    }
}

/// The column's tool running a socket server as it runs a case (`spec.network` grants the
/// network in the tool's own words); `scratch` is the run's own directory.
pub fn run_command(
    col: &'static Column,
    module: &Path,
    spec: &RunSpec,
    scratch: &Path,
) -> Result<Command, String> {
    find(col)?
        .command_for(module, spec, scratch)
        .map_err(|err| format!("cannot prepare `{}`'s command line: {err}", col.name))
}

/// Whether the column's tool has a command that serves `wasi:http/proxy` components.
pub fn serves_components(col: &Column) -> bool {
    col.runs_components() && Tool::of(col) == Some(Tool::Wasmtime)
}

/// The words with which a tool that serves refuses a component it cannot serve: not a
/// `wasi:http/proxy` handler, or an import it does not provide.
pub const SERVE_REFUSALS: [&str; 4] = [
    "no exported instance named `wasi:http/incoming-handler",
    "The serve command currently requires a component",
    "matching implementation was not found in the linker",
    // The project's wasmtime shim, which serves through the `wasmtime-component` backend.
    "(wasi:http/incoming-handler export)",
];

/// A command with the same program and arguments (Command is not Clone).
fn clone(command: &Command) -> Command {
    let mut copy = Command::new(command.get_program());
    copy.args(command.get_args());
    copy
}

/// The `wasmtime-cli` column's cache configuration: wasmtime's own cache (on by default in `wasmtime
/// run`, which otherwise reads `~/.config/wasmtime/config.toml` and stores under `~/.cache/wasmtime`),
/// with its directory inside `dir`. Written once, atomically, since runs go on in parallel.
fn wasmtime_cache_config(dir: &Path) -> std::io::Result<PathBuf> {
    let config = dir.join("config.toml");
    let store = dir.join("cache");
    let text = format!(
        "# Written by the harness: where the `wasmtime-cli` column's `wasmtime run` keeps compiled \
         modules.\n[cache]\ndirectory = {}\n",
        toml::Value::String(store.display().to_string())
    );
    if std::fs::read_to_string(&config).is_ok_and(|t| t == text) {
        return Ok(config);
    }
    std::fs::create_dir_all(&store)?;
    let partial = dir.join(format!("config.toml.{}", std::process::id()));
    std::fs::write(&partial, text)?;
    std::fs::rename(&partial, &config)?;
    Ok(config)
}

impl Cli {
    /// The backend from what the parent's discovery found.
    pub fn from_found(column: &'static Column, found: Found) -> Cli {
        Cli {
            column: column.name,
            tool: Tool::of(column).expect("a command-line column"),
            command: found.to_command(),
            version: found.version,
            origin: found.origin,
        }
    }

    /// What discovery found, for the workers.
    pub fn found(&self) -> Found {
        Found {
            command: std::iter::once(self.command.get_program())
                .chain(self.command.get_args())
                .map(PathBuf::from)
                .collect(),
            version: self.version.clone(),
            origin: self.origin.clone(),
        }
    }

    /// The tool's command line for a run, in its own dialect. `scratch` is the run's own directory,
    /// removed after it. The tool's environment is cleared: the guest's comes from `--env` alone.
    fn command_for(
        &self,
        module: &Path,
        spec: &RunSpec,
        scratch: &Path,
    ) -> std::io::Result<Command> {
        let mut command = clone(&self.command);
        command.env_clear();
        // The tool's own cache, inside the harness's (`target/harness-cache/<column>/`).
        let cache = match &spec.cache_dir {
            Some(dir) => Some(std::path::absolute(dir)?.join(self.column)),
            None => None,
        };
        match self.tool {
            Tool::Wasmtime => {
                command.arg("run");
                for p in &spec.preopens {
                    command
                        .arg("--dir")
                        .arg(format!("{}::{}", p.host.display(), p.guest));
                }
                for (k, v) in &spec.env {
                    command.arg("--env").arg(format!("{k}={v}"));
                }
                // A store limit (`StoreLimits`, checked by `memory.grow`): it leaves the generated
                // code alone. No `timeout=`: that turns epoch interruption on.
                let mut wasm = vec![format!("max-memory-size={}", spec.memory_limit_bytes)];
                wasm.extend(
                    spec.proposals
                        .iter()
                        .filter_map(|p| wasmtime_flag(*p))
                        .map(str::to_owned),
                );
                command.arg("-W").arg(wasm.join(","));
                if spec.network {
                    command.args(["-S", "inherit-network"]);
                }
                match &cache {
                    Some(dir) => {
                        let config = wasmtime_cache_config(dir)?;
                        command
                            .arg("-C")
                            .arg(format!("cache-config={}", config.display()))
                    }
                    None => command.arg("-C").arg("cache=n"),
                };
                command.arg("--argv0").arg(&spec.program);
                command.arg(module);
                command.args(&spec.args);
            }
            Tool::Wasmer => {
                command.arg("run");
                // Built with Cranelift and Singlepass, the tool takes the first compiler that
                // supports the module's features; named, it is always the embedded column's.
                command.arg("--cranelift");
                if spec.network {
                    // WASIX's sockets on the host's network.
                    command.arg("--net");
                }
                // `$WASMER_DIR` is the tool's home (`~/.wasmer` otherwise, and HOME is cleared);
                // compiled modules go to `$WASMER_CACHE_DIR/compiled`.
                match &cache {
                    Some(dir) => {
                        std::fs::create_dir_all(dir)?;
                        command
                            .env("WASMER_DIR", dir)
                            .env("WASMER_CACHE_DIR", dir.join("cache"))
                    }
                    None => command
                        .arg("--disable-cache")
                        .env("WASMER_DIR", scratch)
                        .env("WASMER_CACHE_DIR", scratch.join("cache")),
                };
                for p in &spec.preopens {
                    command
                        .arg("--volume")
                        .arg(format!("{}:{}", p.host.display(), p.guest));
                }
                // `--env K=` is refused by the tool's own parser ("the `value` is missing"): an
                // empty variable goes through `--env-file`, single-quoted (literal, no expansion).
                let (empty, set): (Vec<_>, Vec<_>) =
                    spec.env.iter().partition(|(_, v)| v.is_empty());
                if !empty.is_empty() {
                    std::fs::create_dir_all(scratch)?;
                    let file = scratch.join("empty.env");
                    let lines: String = empty.iter().map(|(k, _)| format!("{k}=''\n")).collect();
                    std::fs::write(&file, lines)?;
                    command.arg("--env-file").arg(file);
                }
                for (k, v) in set {
                    command.arg("--env").arg(format!("{k}={v}"));
                }
                for proposal in &spec.proposals {
                    match proposal {
                        Proposal::ExceptionHandling => command.arg("--enable-exceptions"),
                        Proposal::RelaxedSimd => command.arg("--enable-relaxed-simd"),
                        Proposal::ExtendedConst => command.arg("--enable-extended-const"),
                        Proposal::Simd => command.arg("--enable-simd"),
                        Proposal::BulkMemory => command.arg("--enable-bulk-memory"),
                        Proposal::ReferenceTypes => command.arg("--enable-reference-types"),
                        Proposal::MultiValue => command.arg("--enable-multi-value"),
                        Proposal::TailCall => command.arg("--enable-tail-call"),
                        Proposal::Memory64 => command.arg("--enable-memory64"),
                        // Threads and multi-memory are on by default; for the others there is no
                        // flag, and wasmer's own error says what is missing.
                        _ => &mut command,
                    };
                }
                command.arg(module);
                command.arg("--");
                command.args(&spec.args);
            }
            Tool::WasmEdge => {
                for p in &spec.preopens {
                    command
                        .arg("--dir")
                        .arg(format!("{}:{}", p.guest, p.host.display()));
                }
                for (k, v) in &spec.env {
                    command.arg("--env").arg(format!("{k}={v}"));
                }
                for proposal in &spec.proposals {
                    match proposal {
                        Proposal::Gc => command.arg("--enable-gc"),
                        Proposal::FunctionReferences => command.arg("--enable-function-reference"),
                        Proposal::ExceptionHandling | Proposal::LegacyExceptions => {
                            command.arg("--enable-exception-handling")
                        }
                        Proposal::Threads => command.arg("--enable-threads"),
                        Proposal::TailCall => command.arg("--enable-tail-call"),
                        Proposal::MultiMemory => command.arg("--enable-multi-memory"),
                        // The tool has these two; the SDK the embedded columns use has no switch.
                        Proposal::RelaxedSimd => command.arg("--enable-relaxed-simd"),
                        Proposal::ExtendedConst => command.arg("--enable-extended-const"),
                        // No flag for memory64 in 0.14 (`unknown option`): it comes in 0.17.
                        _ => &mut command,
                    };
                }
                command
                    .arg("--memory-page-limit")
                    .arg((spec.memory_limit_bytes / 65536).max(1).to_string());
                // The interpreter checks for a stop request between instructions whether or not a
                // limit is set, so this costs nothing.
                command
                    .arg("--time-limit")
                    .arg(spec.timeout.as_millis().to_string());
                command.arg(module);
                command.args(&spec.args);
            }
            Tool::Iwasm => {
                for p in &spec.preopens {
                    command.arg(format!("--map-dir={}::{}", p.guest, p.host.display()));
                }
                for (k, v) in &spec.env {
                    command.arg(format!("--env={k}={v}"));
                }
                // No flag caps a memory's growth in iwasm; its proposals are build options.
                command.arg(module);
                command.args(&spec.args);
            }
        }
        Ok(command)
    }

    /// How the run ended, from the tool's exit status and what it printed about a failure (`said`:
    /// both streams). `binary` says whether the module has the binary magic number: wasmtime and
    /// wasmer also take the text format, and report a file that is neither as a text parse error.
    fn ending(&self, code: i32, said: &str, binary: bool) -> Ending {
        if code == 0 {
            return Ending::Exited { code };
        }
        let has = |words: &[&str]| words.iter().any(|w| said.contains(w));
        // What each tool prints, checked with wasmtime 48.0.8, wasmer 7.4.2 and WasmEdge 0.14.1:
        //   trap: wasmtime `Error: failed to run main module … 2: wasm trap: wasm `unreachable`
        //     instruction executed`, exit 134; wasmer `RuntimeError: unreachable` (exit 45 after the
        //     guest wrote output, else `error: RuntimeError: …`, exit 1)
        //   refused module: wasmtime `Error: failed to parse WebAssembly module` (binary),
        //     `Error: failed to compile: …` (invalid), or `Error: expected `(`` (text), exit 1; wasmer
        //     `error: Unable to compile "…" ╰─▶ 1: compile error: …`, exit 1
        //   missing import: wasmtime `unknown import: `m::n` has not been defined`; wasmer `Error
        //     while importing "m"."n": unknown import`, exit 1
        //   deadline: neither tool has one here; the harness kills the process (see `run`)
        let (trap, rejected, instantiate, timeout) = match self.tool {
            Tool::Wasmtime => (
                has(&["wasm trap: "]),
                has(&[
                    "failed to parse WebAssembly module",
                    "failed to compile",
                    "WebAssembly translation error",
                ]) || (!binary && said.trim_start().starts_with("Error: ")),
                has(&["failed to instantiate"]),
                false,
            ),
            Tool::Wasmer => (
                has(&["RuntimeError: "]),
                has(&["Unable to compile", "compile error: "]),
                has(&["Unable to instantiate"]),
                false,
            ),
            Tool::WasmEdge => (
                has(&["execution failed"]),
                has(&["loading failed", "validation failed"]),
                has(&["instantiation failed"]),
                has(&["interrupted", "time limit"]),
            ),
            // WAMR 2's `iwasm`: `Exception: …` for a trap, `WASM module load failed: …`,
            // `WASM module instantiate failed: …`.
            Tool::Iwasm => (
                has(&["Exception: "]),
                has(&["module load failed"]),
                has(&["instantiate failed"]),
                false,
            ),
        };
        let message = self.message(said);
        if let Some(import) = unknown_import(said) {
            Ending::Unsupported {
                capability: format!("import {import}"),
                message,
            }
        } else if timeout {
            Ending::TimedOut {
                by: format!("{} ({message})", self.tool.program()),
            }
        } else if rejected {
            Ending::Rejected {
                stage: Stage::Compile,
                message,
            }
        } else if trap {
            Ending::Trapped { message }
        } else if instantiate {
            Ending::Rejected {
                stage: Stage::Instantiate,
                message,
            }
        } else {
            Ending::Exited { code }
        }
    }

    /// The tool's error in one line: its first error line and, for the error chains wasmtime and
    /// wasmer print (`Caused by:` and numbered causes), the innermost cause.
    fn message(&self, said: &str) -> String {
        let keywords: &[&str] = match self.tool {
            Tool::Wasmtime => &["Error: "],
            Tool::Wasmer => &["RuntimeError: ", "error: "],
            Tool::WasmEdge => &[
                "execution failed",
                "loading failed",
                "validation failed",
                "instantiation failed",
                "interrupted",
                "error",
            ],
            Tool::Iwasm => &["Exception: ", "failed"],
        };
        let first = first_line_with(said, keywords);
        if matches!(self.tool, Tool::WasmEdge | Tool::Iwasm) {
            return first;
        }
        // The causes: wasmtime's `    2: wasm trap: …` and wasmer's `╰─▶ 1: …` (its last).
        let cause = said
            .lines()
            .map(str::trim)
            .filter_map(|l| {
                let l = l.trim_start_matches(['│', '╰', '─', '▶']).trim_start();
                let (number, rest) = l.split_once(": ")?;
                number.parse::<u32>().ok().map(|_| rest.trim())
            })
            .rfind(|rest| !rest.is_empty() && !rest.starts_with("0x"));
        match cause {
            Some(cause) if !first.contains(cause) => format!("{first}: {cause}"),
            _ => first,
        }
    }
}

/// The first line that contains the earliest-listed keyword found, trimmed.
fn first_line_with(text: &str, keywords: &[&str]) -> String {
    keywords
        .iter()
        .find_map(|k| text.lines().find(|l| l.contains(k)))
        .map(|l| l.trim().to_owned())
        .unwrap_or_else(|| last_error_line(text))
}

/// `module::name` of an import a tool could not satisfy, in each tool's wording.
pub(crate) fn unknown_import(text: &str) -> Option<String> {
    let patterns = [
        // wasmtime: unknown import: `m::n` has not been defined
        r"unknown import: `([^`]+)::([^`]+)`",
        // wasmer: Error while importing "m"."n"
        r#"importing "([^"]+)"\."([^"]+)""#,
        // wasmedge: When linking module: "m" , function name: "n"
        r#"linking module: "([^"]+)" , \w+ name: "([^"]+)""#,
    ];
    patterns.iter().find_map(|p| {
        let captures = regex::Regex::new(p).ok()?.captures(text)?;
        Some(format!("{}::{}", &captures[1], &captures[2]))
    })
}

fn last_error_line(stderr: &str) -> String {
    stderr
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .rfind(|l| l.contains("error") || l.contains("Error") || l.contains("trap"))
        .or_else(|| stderr.lines().rfind(|l| !l.trim().is_empty()))
        .unwrap_or("")
        .to_owned()
}

impl Runtime for Cli {
    fn name(&self) -> &'static str {
        self.column
    }

    fn version(&self) -> String {
        let compiler = match self.tool {
            Tool::Wasmtime => "Cranelift",
            Tool::Wasmer => "--cranelift",
            Tool::WasmEdge | Tool::Iwasm => "interpreter",
        };
        format!(
            "{} (command-line tool, {compiler}; {})",
            self.version, self.origin
        )
    }

    fn interrupts_in_engine(&self) -> bool {
        // The tool's process is killed at the deadline by the run below.
        true
    }

    fn run(&self, module: &[u8], spec: &RunSpec, watchdog: &Watchdog) -> RunReport {
        // The tools read the module from a file.
        let dir = std::env::temp_dir().join(format!("harness-cli-{}", std::process::id()));
        let path = dir.join(&spec.program);
        if let Err(err) = std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&path, module))
        {
            return RunReport::new(Ending::HarnessFault {
                message: format!("cannot write the module for the tool: {err}"),
            });
        }
        let command = match self.command_for(&path, spec, &dir) {
            Ok(command) => command,
            Err(err) => {
                let _ = std::fs::remove_dir_all(&dir);
                return RunReport::new(Ending::HarnessFault {
                    message: format!("cannot prepare the tool's cache directory: {err}"),
                });
            }
        };
        watchdog.arm();
        // The tool has no deadline of its own here (wasmtime's would turn epoch interruption on;
        // wasmer has none): the harness kills its process, which is how a user stops it too.
        let raw = crate::process::spawn_and_wait(
            command,
            spec.stdin.clone(),
            spec.timeout + crate::deadline::TOOL_START,
        );
        let _ = std::fs::remove_dir_all(&dir);
        let raw = match raw {
            Ok(raw) => raw,
            Err(err) => {
                return RunReport::new(Ending::HarnessFault {
                    message: format!("cannot start {}: {err}", self.tool.program()),
                });
            }
        };
        let stderr = String::from_utf8_lossy(&raw.stderr).into_owned();
        // WasmEdge's tool logs its errors to stdout: look for what a tool said on both streams.
        let said = format!("{stderr}\n{}", String::from_utf8_lossy(&raw.stdout));
        let ending = if raw.killed {
            Ending::TimedOut {
                by: format!(
                    "the harness, which killed {} at the deadline (+{} s for its start-up and \
                     compilation)",
                    self.tool.program(),
                    crate::deadline::TOOL_START.as_secs()
                ),
            }
        } else if raw.signal().is_some() {
            // The tool itself crashed: so does this worker, with the same signal, so the cell is a
            // crash like any runtime's.
            eprintln!("{} died: {}", self.tool.program(), last_error_line(&stderr));
            crate::process::die_by(libc::WTERMSIG(raw.status));
        } else {
            self.ending(raw.exit_code(), &said, module.starts_with(b"\0asm"))
        };
        // Whether the tool compiled or loaded from its cache is its own business: `tool` says the
        // cache was on, `cold` that it was off.
        let cache =
            if spec.cache_dir.is_some() && !matches!(self.tool, Tool::WasmEdge | Tool::Iwasm) {
                CacheState::Tool
            } else {
                CacheState::Cold
            };
        let mut report = RunReport::whole_process(ending, cache, raw);
        report.stdout.truncate(spec.output_limit_bytes);
        report.stderr.truncate(spec.output_limit_bytes);
        report
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::Preopen;

    fn tool(tool: Tool) -> Cli {
        Cli {
            column: registry::COLUMNS
                .iter()
                .find(|c| Tool::of(c) == Some(tool))
                .expect("every dialect has its column")
                .name,
            tool,
            command: Command::new(tool.program()),
            version: format!("{} 0.0.0", tool.program()),
            origin: "a test".into(),
        }
    }

    fn spec(cache_dir: Option<PathBuf>) -> RunSpec {
        RunSpec {
            program: "hello.wasm".into(),
            args: vec!["--guest-flag".into()],
            env: [("K".to_owned(), "V".to_owned())].into(),
            preopens: vec![Preopen {
                host: PathBuf::from("/scratch/data"),
                guest: "/data".into(),
                packaged: false,
            }],
            stdin: Vec::new(),
            proposals: vec![Proposal::ExceptionHandling],
            timeout: std::time::Duration::from_secs(60),
            memory_limit_bytes: 256 << 20,
            output_limit_bytes: 1 << 20,
            cache_dir,
            inherit_stdio: false,
            inherit_env: false,
            network: false,
        }
    }

    fn args(command: &Command) -> Vec<String> {
        command
            .get_args()
            .map(|a| a.to_string_lossy().into_owned())
            .collect()
    }

    fn env(command: &Command, key: &str) -> Option<PathBuf> {
        command
            .get_envs()
            .find(|(k, _)| *k == key)
            .and_then(|(_, v)| v.map(PathBuf::from))
    }

    fn temp(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("cli-test-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn wasmtime_runs_as_shipped_with_its_cache_in_the_harness_cache() {
        let cache = temp("wasmtime");
        let command = tool(Tool::Wasmtime)
            .command_for(
                Path::new("/m/hello.wasm"),
                &spec(Some(cache.clone())),
                &cache,
            )
            .unwrap();
        let config = cache.join("wasmtime-cli/config.toml");
        assert_eq!(
            args(&command),
            [
                "run",
                "--dir",
                "/scratch/data::/data",
                "--env",
                "K=V",
                "-W",
                "max-memory-size=268435456,exceptions=y",
                "-C",
                &format!("cache-config={}", config.display()),
                "--argv0",
                "hello.wasm",
                "/m/hello.wasm",
                "--guest-flag",
            ]
        );
        // No deadline flag: `-W timeout` turns epoch interruption on.
        assert!(!args(&command).iter().any(|a| a.contains("timeout")));
        let text = std::fs::read_to_string(&config).unwrap();
        let parsed: toml::Value = toml::from_str(&text).unwrap();
        assert_eq!(
            parsed["cache"]["directory"].as_str(),
            Some(cache.join("wasmtime-cli/cache").to_str().unwrap())
        );
        // The environment is the tool's only: nothing of the host's.
        assert_eq!(command.get_envs().count(), 0);
        let off = tool(Tool::Wasmtime)
            .command_for(Path::new("/m/hello.wasm"), &spec(None), &cache)
            .unwrap();
        assert!(args(&off).windows(2).any(|w| w == ["-C", "cache=n"]));
        let _ = std::fs::remove_dir_all(&cache);
    }

    #[test]
    fn wasmer_runs_cranelift_with_volumes_and_its_home_in_the_harness_cache() {
        let cache = temp("wasmer");
        let scratch = cache.join("run");
        let mut with_empty = spec(Some(cache.clone()));
        with_empty.env.insert("EMPTY".into(), String::new());
        let command = tool(Tool::Wasmer)
            .command_for(Path::new("/m/hello.wasm"), &with_empty, &scratch)
            .unwrap();
        let env_file = scratch.join("empty.env");
        assert_eq!(std::fs::read_to_string(&env_file).unwrap(), "EMPTY=''\n");
        assert_eq!(
            args(&command),
            [
                "run",
                "--cranelift",
                "--volume",
                "/scratch/data:/data",
                "--env-file",
                env_file.to_str().unwrap(),
                "--env",
                "K=V",
                "--enable-exceptions",
                "/m/hello.wasm",
                "--",
                "--guest-flag",
            ]
        );
        assert_eq!(env(&command, "WASMER_DIR"), Some(cache.join("wasmer-cli")));
        assert_eq!(
            env(&command, "WASMER_CACHE_DIR"),
            Some(cache.join("wasmer-cli/cache"))
        );
        let off = tool(Tool::Wasmer)
            .command_for(Path::new("/m/hello.wasm"), &spec(None), &scratch)
            .unwrap();
        assert!(args(&off).contains(&"--disable-cache".to_owned()));
        assert_eq!(env(&off, "WASMER_DIR"), Some(scratch));
        let _ = std::fs::remove_dir_all(&cache);
    }

    /// What the tools printed for the error corpus (`samples/wat/`), verbatim.
    const WASMTIME_TRAP: &str = "Error: failed to run main module `/t/unreachable.wasm`

Caused by:
    0: failed to invoke command default
    1: error while executing at wasm backtrace:
    0:     0x5f - <unknown>!fail
    1:     0x7c - <unknown>!<wasm function 2>
    2: wasm trap: wasm `unreachable` instruction executed
";
    const WASMTIME_TEXT: &str = "Error: expected `(`
     --> /t/not-wasm.wasm:1:1
      |
    1 | This file is plain text, not a WebAssembly module.
      | ^
";
    const WASMTIME_TRUNCATED: &str = "Error: failed to parse WebAssembly module

Caused by:
    function section has non-zero count but code section is absent (at offset 0x3c)
";
    const WASMTIME_INVALID: &str = "Error: failed to compile: wasm[0]::function[0]

Caused by:
    0: WebAssembly translation error
    1: Invalid input WebAssembly code at offset 39: type mismatch: expected i64, found i32
";
    const WASMTIME_IMPORT: &str = "Error: failed to run main module `/t/missing-import.wasm`

Caused by:
    0: failed to instantiate \"/t/missing-import.wasm\"
    1: unknown import: `wasm_harness_nowhere::conjure` has not been defined
";
    const WASMER_TRAP_AFTER_OUTPUT: &str = "RuntimeError: unreachable
    at fail (<module>[1]:0x5f)
    at <unnamed> (<module>[2]:0x7c)
";
    const WASMER_TRAP: &str = "error: RuntimeError: out of bounds memory access
    at <unnamed> (<module>[0]:0x2e)
";
    const WASMER_TEXT: &str = "error: Unable to compile \"/t/not-wasm.wasm\"
╰─▶ 1: compile error: Wasm(Generic(\"Error when converting wat: expected `(`\\n     --> <anon>:1:1\"))
";
    const WASMER_TRUNCATED: &str = "error: Unable to compile \"/t/truncated.wasm\"
╰─▶ 1: compile error: Validate(\"function section has non-zero count but code section is absent (at offset 0x3c)\")
";
    const WASMER_IMPORT: &str = "error: Unable to instantiate the WebAssembly module
╰─▶ 1: Error while importing \"wasm_harness_nowhere\".\"conjure\": unknown import. Expected Function(FunctionType { params: [], results: [I32] })
";

    #[test]
    fn each_tool_s_errors_are_classified() {
        let wasmtime = tool(Tool::Wasmtime);
        assert_eq!(
            wasmtime.ending(134, WASMTIME_TRAP, true),
            Ending::Trapped {
                message: "Error: failed to run main module `/t/unreachable.wasm`: wasm trap: wasm \
                          `unreachable` instruction executed"
                    .into()
            }
        );
        for (said, binary) in [
            (WASMTIME_TEXT, false),
            (WASMTIME_TRUNCATED, true),
            (WASMTIME_INVALID, true),
        ] {
            assert!(
                matches!(
                    wasmtime.ending(1, said, binary),
                    Ending::Rejected {
                        stage: Stage::Compile,
                        ..
                    }
                ),
                "{said}"
            );
        }
        assert!(matches!(
            wasmtime.ending(1, WASMTIME_IMPORT, true),
            Ending::Unsupported { capability, .. } if capability == "import wasm_harness_nowhere::conjure"
        ));
        // A guest that prints an error of its own and exits 1 exited: it was not refused.
        assert_eq!(
            wasmtime.ending(1, "Error: no such file\n", true),
            Ending::Exited { code: 1 }
        );
        assert_eq!(
            wasmtime.ending(0, WASMTIME_TRAP, true),
            Ending::Exited { code: 0 }
        );

        let wasmer = tool(Tool::Wasmer);
        assert_eq!(
            wasmer.ending(45, WASMER_TRAP_AFTER_OUTPUT, true),
            Ending::Trapped {
                message: "RuntimeError: unreachable".into()
            }
        );
        assert!(matches!(
            wasmer.ending(1, WASMER_TRAP, true),
            Ending::Trapped { .. }
        ));
        for said in [WASMER_TEXT, WASMER_TRUNCATED] {
            match wasmer.ending(1, said, true) {
                Ending::Rejected {
                    stage: Stage::Compile,
                    message,
                } => assert!(message.contains("compile error: "), "{message}"),
                other => panic!("{other:?}"),
            }
        }
        assert!(matches!(
            wasmer.ending(1, WASMER_IMPORT, true),
            Ending::Unsupported { capability, .. } if capability == "import wasm_harness_nowhere::conjure"
        ));
        assert_eq!(wasmer.ending(3, "", true), Ending::Exited { code: 3 });
    }

    #[test]
    fn the_pinned_tools_live_under_the_project_cache() {
        assert_eq!(
            pinned_install("wasmtime-cli"),
            Some(PathBuf::from(
                ".cache/toolchains/wasmtime-cli-48.0.8/bin/wasmtime"
            ))
        );
        assert_eq!(
            pinned_install("wasmer-cli"),
            Some(PathBuf::from(
                ".cache/toolchains/wasmer-cli-7.4.2/bin/wasmer"
            ))
        );
        assert_eq!(pinned_install("wasmedge-cli"), None);
    }
}
