//! The command-line backends: `wasmtime-cli`, `wasmer-cli` and `wasmedge-cli` run the runtimes' own
//! tools as users do from a shell, each with its own flag dialect. A tool is found through an
//! environment variable (`HARNESS_WASMTIME_CLI`, `HARNESS_WASMER_CLI`, `HARNESS_WASMEDGE_CLI`), then
//! the PATH; the WasmEdge tool also in the project's WasmEdge prefix, started under its loader.
//!
//! A tool's process is one phase: the whole of it is reported as the run phase.

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use super::{Ending, RunReport, RunSpec, Runtime, Stage, Watchdog};
use crate::manifest::Proposal;

/// The command-line columns.
pub const COLUMNS: &[&str] = &["wasmtime-cli", "wasmer-cli", "wasmedge-cli"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tool {
    Wasmtime,
    Wasmer,
    WasmEdge,
}

pub struct Cli {
    tool: Tool,
    command: Command,
    version: String,
}

impl Tool {
    fn of(column: &str) -> Option<Tool> {
        match column {
            "wasmtime-cli" => Some(Tool::Wasmtime),
            "wasmer-cli" => Some(Tool::Wasmer),
            "wasmedge-cli" => Some(Tool::WasmEdge),
            _ => None,
        }
    }

    fn program(self) -> &'static str {
        match self {
            Tool::Wasmtime => "wasmtime",
            Tool::Wasmer => "wasmer",
            Tool::WasmEdge => "wasmedge",
        }
    }

    fn variable(self) -> &'static str {
        match self {
            Tool::Wasmtime => "HARNESS_WASMTIME_CLI",
            Tool::Wasmer => "HARNESS_WASMER_CLI",
            Tool::WasmEdge => "HARNESS_WASMEDGE_CLI",
        }
    }
}

/// Finds the column's tool and asks it for its version, or says why it cannot (a skip reason).
pub fn find(column: &str) -> Result<Cli, String> {
    let tool =
        Tool::of(column).ok_or_else(|| format!("`{column}` is not a command-line column"))?;
    let program = tool.program();
    let command = if let Some(path) = std::env::var_os(tool.variable()) {
        Command::new(path)
    } else if let Some(path) = on_path(program) {
        Command::new(path)
    } else if let Some(command) = (tool == Tool::WasmEdge).then(prefix_wasmedge).flatten() {
        command
    } else {
        return Err(format!(
            "`{program}` not found: put it on the PATH or name it in {}{}",
            tool.variable(),
            if tool == Tool::WasmEdge {
                " (or run `cargo xtask setup --language wasmedge`)"
            } else {
                ""
            }
        ));
    };
    let mut probe = clone(&command);
    probe.arg("--version");
    let output = probe
        .output()
        .map_err(|e| format!("cannot start `{program} --version`: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "`{program} --version` failed: {}",
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
        tool,
        command,
        version,
    })
}

fn on_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
}

fn prefix_wasmedge() -> Option<Command> {
    let here = std::env::current_exe().ok()?;
    here.ancestors()
        .find_map(super::external::wasmedge_cli_in_prefix)
}

/// A command with the same program and arguments (Command is not Clone).
fn clone(command: &Command) -> Command {
    let mut copy = Command::new(command.get_program());
    copy.args(command.get_args());
    copy
}

impl Cli {
    /// The tool's command line for a run, in its own dialect.
    fn command_for(&self, module: &std::path::Path, spec: &RunSpec) -> Command {
        let mut command = clone(&self.command);
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
                let mut wasm = vec![format!("max-memory-size={}", spec.memory_limit_bytes)];
                for proposal in &spec.proposals {
                    wasm.push(match proposal {
                        Proposal::Gc => "gc=y,function-references=y".into(),
                        Proposal::FunctionReferences => "function-references=y".into(),
                        Proposal::ExceptionHandling => "exceptions=y".into(),
                        Proposal::Threads => "threads=y".into(),
                        Proposal::TailCall => "tail-call=y".into(),
                        Proposal::MultiMemory => "multi-memory=y".into(),
                        Proposal::Memory64 => "memory64=y".into(),
                        Proposal::RelaxedSimd => "relaxed-simd=y".into(),
                        Proposal::ExtendedConst => "extended-const=y".into(),
                    });
                }
                wasm.push(format!("timeout={}ms", spec.timeout.as_millis()));
                command.arg("-W").arg(wasm.join(","));
                command.arg("--argv0").arg(&spec.program);
                command.arg(module);
                command.args(&spec.args);
            }
            Tool::Wasmer => {
                command.arg("run");
                for p in &spec.preopens {
                    command
                        .arg("--mapdir")
                        .arg(format!("{}:{}", p.guest, p.host.display()));
                }
                for (k, v) in &spec.env {
                    command.arg("--env").arg(format!("{k}={v}"));
                }
                for proposal in &spec.proposals {
                    match proposal {
                        Proposal::ExceptionHandling => command.arg("--enable-exceptions"),
                        Proposal::Threads => command.arg("--enable-threads"),
                        Proposal::MultiMemory => command.arg("--enable-multi-memory"),
                        Proposal::RelaxedSimd => command.arg("--enable-relaxed-simd"),
                        Proposal::ExtendedConst => command.arg("--enable-extended-const"),
                        // No flag: wasmer's own validation error says what is missing.
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
                        Proposal::ExceptionHandling => command.arg("--enable-exception-handling"),
                        Proposal::Threads => command.arg("--enable-threads"),
                        Proposal::TailCall => command.arg("--enable-tail-call"),
                        Proposal::MultiMemory => command.arg("--enable-multi-memory"),
                        Proposal::Memory64 => command.arg("--enable-memory64"),
                        _ => &mut command,
                    };
                }
                command
                    .arg("--memory-page-limit")
                    .arg((spec.memory_limit_bytes / 65536).max(1).to_string());
                command
                    .arg("--time-limit")
                    .arg(spec.timeout.as_millis().to_string());
                command.arg(module);
                command.args(&spec.args);
            }
        }
        command.env_clear();
        command
    }

    /// How the run ended, from the tool's exit status and what it printed about a failure.
    fn ending(&self, code: i32, said: &str) -> Ending {
        let stderr = said;
        let said = |words: &[&str]| words.iter().any(|w| stderr.contains(w));
        if code == 0 {
            return Ending::Exited { code };
        }
        let trap = match self.tool {
            Tool::Wasmtime => said(&["wasm trap", "wasm backtrace"]),
            Tool::Wasmer => said(&["RuntimeError"]),
            Tool::WasmEdge => said(&["execution failed"]),
        };
        let rejected = match self.tool {
            Tool::Wasmtime => said(&["failed to parse", "failed to compile", "failed to validate"]),
            Tool::Wasmer => said(&["CompileError", "Validation error", "failed to compile"]),
            Tool::WasmEdge => said(&[
                "loading failed",
                "validation failed",
                "instantiation failed",
            ]),
        };
        let timeout = match self.tool {
            Tool::Wasmtime => said(&["interrupt"]),
            Tool::Wasmer => false,
            Tool::WasmEdge => said(&["interrupted", "time limit"]),
        };
        let keywords: &[&str] = &[
            "wasm trap",
            "RuntimeError",
            "execution failed",
            "failed to",
            "loading failed",
            "validation failed",
            "instantiation failed",
            "interrupted",
            "Error",
            "error",
        ];
        let line = first_line_with(stderr, keywords);
        if let Some(import) = unknown_import(stderr) {
            Ending::Unsupported {
                capability: format!("import {import}"),
                message: line,
            }
        } else if timeout {
            Ending::TimedOut {
                by: format!("{} ({line})", self.tool.program()),
            }
        } else if rejected {
            Ending::Rejected {
                stage: Stage::Compile,
                message: line,
            }
        } else if trap {
            Ending::Trapped { message: line }
        } else {
            Ending::Exited { code }
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
fn unknown_import(text: &str) -> Option<String> {
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
        match self.tool {
            Tool::Wasmtime => "wasmtime-cli",
            Tool::Wasmer => "wasmer-cli",
            Tool::WasmEdge => "wasmedge-cli",
        }
    }

    fn version(&self) -> String {
        format!("{} (command line)", self.version)
    }

    fn supports(&self, proposal: Proposal) -> bool {
        match self.tool {
            Tool::Wasmtime => true,
            Tool::Wasmer => !matches!(
                proposal,
                Proposal::Gc
                    | Proposal::FunctionReferences
                    | Proposal::TailCall
                    | Proposal::Memory64
            ),
            Tool::WasmEdge => super::external::wasmedge_supports(false, proposal),
        }
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
            return RunReport::new(Ending::Rejected {
                stage: Stage::Compile,
                message: format!("cannot write the module for the tool: {err}"),
            });
        }
        watchdog.arm();
        let command = self.command_for(&path, spec);
        let raw = crate::worker::spawn_and_wait(
            command,
            spec.stdin.clone(),
            spec.timeout + Duration::from_secs(1),
        );
        let _ = std::fs::remove_dir_all(&dir);
        let raw = match raw {
            Ok(raw) => raw,
            Err(err) => {
                return RunReport::new(Ending::Rejected {
                    stage: Stage::Instantiate,
                    message: format!("cannot start {}: {err}", self.tool.program()),
                });
            }
        };
        let stderr = String::from_utf8_lossy(&raw.stderr).into_owned();
        // WasmEdge's tool logs its errors to stdout: look for what a tool said on both streams.
        let said = format!("{stderr}\n{}", String::from_utf8_lossy(&raw.stdout));
        let ending = if raw.killed {
            Ending::TimedOut {
                by: "the harness (the tool outlived the deadline)".into(),
            }
        } else if raw.signal().is_some() {
            // The tool itself crashed: so does this worker, with the same signal, so the cell is a
            // crash like any runtime's.
            eprintln!("{} died: {}", self.tool.program(), last_error_line(&stderr));
            let signal = libc::WTERMSIG(raw.status);
            // SAFETY: re-raises a fatal signal on this process, which is what it is for.
            unsafe {
                libc::signal(signal, libc::SIG_DFL);
                libc::raise(signal);
            }
            std::process::exit(128 + signal);
        } else {
            self.ending(raw.exit_code(), &said)
        };
        let mut report = RunReport::whole_process(ending, "cli", raw);
        report.stdout.truncate(spec.output_limit_bytes);
        report.stderr.truncate(spec.output_limit_bytes);
        report
    }
}
