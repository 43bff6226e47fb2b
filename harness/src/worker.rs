//! Worker processes: every run happens in a child process of its own, so that a runtime that crashes,
//! aborts or runs away cannot take the harness with it. The parent sends a request as JSON on the
//! child's stdin, the child answers with one JSON report on its stdout, and the parent reaps it with
//! `wait4` to learn how it ended and its peak resident memory.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::process::{self, Watchdog, spawn_and_wait};
use crate::runtime::{self, Ending, RunReport, RunSpec};

/// The subcommand of the harness binary that serves one request.
pub const SUBCOMMAND: &str = "worker";

/// Set in every worker's own environment and never passed to a guest: the sandbox case that reads it
/// must find nothing.
pub const HOST_SECRET_VAR: &str = "WASM_HARNESS_HOST_SECRET";
/// Its value: what a guest prints when it got it.
pub const HOST_SECRET_VALUE: &str = "if-a-guest-prints-this-the-sandbox-leaked";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Request {
    pub runtime: String,
    pub module: PathBuf,
    pub spec: RunSpec,
    /// What the parent's discovery found of the column's tool or container client, when it needs one.
    #[serde(default)]
    pub found: Option<runtime::Found>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Response {
    pub runtime_version: String,
    pub report: RunReport,
    /// The worker's own peak resident set (see [`own_peak_rss_kib`]), filled in as it responds.
    #[serde(default)]
    pub peak_rss_kib: Option<u64>,
}

/// This process's peak resident set since its `exec` (`VmHWM`, in KiB). The kernel's `ru_maxrss`,
/// which `wait4` gives the parent, is not that: it survives `exec`, and a child starts from its
/// parent's resident set, so it is never below the harness's own size when it spawned the worker.
pub fn own_peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    parse_vm_hwm(&status)
}

/// The peak resident set (KiB) of a live process of ours, from /proc.
pub fn peak_rss_kib_of(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    parse_vm_hwm(&status)
}

fn parse_vm_hwm(status: &str) -> Option<u64> {
    let value = status.lines().find_map(|l| l.strip_prefix("VmHWM:"))?;
    value.trim().strip_suffix("kB")?.trim().parse().ok()
}

/// The worker side: reads one request from stdin, runs it, writes one response to stdout.
pub fn serve() -> anyhow::Result<()> {
    serve_with(|name, found| Ok(runtime::select_found(name, found)?))
}

/// [`serve`] with the backends of another binary: a worker built around an engine that must live in
/// its own process (WasmEdge, under its own dynamic loader) serves the same protocol.
pub fn serve_with(
    select: impl FnOnce(&str, Option<&runtime::Found>) -> anyhow::Result<Box<dyn runtime::Runtime>>,
) -> anyhow::Result<()> {
    let mut input = String::new();
    std::io::stdin().read_to_string(&mut input)?;
    keep_report_channel()?;
    let request: Request = serde_json::from_str(&input)?;
    let backend = select(&request.runtime, request.found.as_ref())?;
    let version = backend.version();
    let module = match std::fs::read(&request.module) {
        Ok(bytes) => bytes,
        Err(err) => {
            let ending = Ending::HarnessFault {
                message: format!("cannot read {}: {err}", request.module.display()),
            };
            return respond(version, RunReport::new(ending));
        }
    };

    if runtime::artifact::is_component(&module)
        && !runtime::registry::get(&request.runtime).is_some_and(|c| c.runs_components())
    {
        let ending = runtime::artifact::component_unsupported(&request.runtime);
        return respond(version, RunReport::new(ending));
    }

    // The engine stops the guest at the deadline where it can; this guard is the backstop, a little
    // later, and the only stop for engines without interruption.
    let deadline =
        crate::deadline::backstop_after(request.spec.timeout, backend.interrupts_in_engine());
    let watchdog_version = version.clone();
    let arm = move || {
        let version = watchdog_version.clone();
        process::backstop(deadline, move || {
            let ending = Ending::TimedOut {
                by: "the harness watchdog (no in-engine interruption)".into(),
            };
            let _ = respond(version, RunReport::new(ending));
            0
        });
    };
    let report = backend.run(&module, &request.spec, &Watchdog::new(&arm));
    respond(version, report)
}

/// The worker's own stdout, duplicated before any backend runs: a backend that points descriptor 1 at
/// the guest's pipe for a run (WasmEdge does) must not swallow the watchdog's report.
pub(crate) static REPORT_CHANNEL: std::sync::OnceLock<std::fs::File> = std::sync::OnceLock::new();

pub(crate) fn keep_report_channel() -> anyhow::Result<()> {
    use std::os::fd::{AsFd, OwnedFd};
    let fd: OwnedFd = std::io::stdout().as_fd().try_clone_to_owned()?;
    let _ = REPORT_CHANNEL.set(std::fs::File::from(fd));
    Ok(())
}

fn respond(runtime_version: String, report: RunReport) -> anyhow::Result<()> {
    let response = Response {
        runtime_version,
        report,
        peak_rss_kib: own_peak_rss_kib(),
    };
    let mut line = serde_json::to_vec(&response)?;
    line.push(b'\n');
    match REPORT_CHANNEL.get() {
        Some(mut out) => {
            out.write_all(&line)?;
            out.flush()?;
        }
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(&line)?;
            out.flush()?;
        }
    }
    Ok(())
}

/// How a worker process ended, as the parent saw it.
#[derive(Debug, Clone)]
pub enum End {
    /// The worker answered.
    Reported(Response),
    /// The worker overran its wall-clock limit and was killed.
    Killed { after: Duration },
    /// The worker died or exited without a usable answer: the runtime crashed.
    Crashed { how: String },
}

/// One finished worker.
#[derive(Debug, Clone)]
pub struct Finished {
    pub end: End,
    /// From spawn to exit, as the parent measured it.
    pub wall: Duration,
    /// The worker's peak resident set: its own `VmHWM` where it reported one, else the kernel's
    /// `ru_maxrss` at exit (which counts the parent's resident set at spawn).
    pub peak_rss_kib: u64,
}

/// Runs one request in a fresh worker process started from `exe` (the harness binary) and waits for
/// it, at most `wall_limit`.
pub fn run(exe: &Path, request: &Request, wall_limit: Duration) -> std::io::Result<Finished> {
    run_command(command(exe), request, wall_limit)
}

/// The worker subcommand of the harness binary `exe`.
pub fn command(exe: &Path) -> Command {
    let mut command = Command::new(exe);
    command.arg(SUBCOMMAND);
    command
}

/// A worker's own environment: the secret the sandbox probe must not find in the guest's.
pub fn with_host_secret(command: &mut Command) {
    command.env(HOST_SECRET_VAR, HOST_SECRET_VALUE);
}

/// [`run`] with a worker started by `command` (an external worker, under its own loader).
pub fn run_command(
    mut command: Command,
    request: &Request,
    wall_limit: Duration,
) -> std::io::Result<Finished> {
    let input = serde_json::to_vec(request).map_err(std::io::Error::other)?;
    with_host_secret(&mut command);
    let raw = spawn_and_wait(command, input, wall_limit)?;
    let stderr = String::from_utf8_lossy(&raw.stderr).into_owned();
    let end = if raw.killed {
        End::Killed { after: raw.wall }
    } else if libc::WIFSIGNALED(raw.status) {
        let signal = libc::WTERMSIG(raw.status);
        End::Crashed {
            how: format!(
                "killed by {}{}",
                process::signal_name(signal),
                stderr_hint(&stderr)
            ),
        }
    } else {
        let code = libc::WEXITSTATUS(raw.status);
        match serde_json::from_slice::<Response>(&raw.stdout) {
            Ok(response) if code == 0 => End::Reported(response),
            _ => End::Crashed {
                how: format!("worker exited with status {code}{}", stderr_hint(&stderr)),
            },
        }
    };
    // The worker's own figure where it reported one; the kernel's otherwise (an upper bound).
    let peak_rss_kib = match &end {
        End::Reported(Response {
            peak_rss_kib: Some(own),
            ..
        }) => *own,
        _ => raw.peak_rss_kib,
    };
    Ok(Finished {
        end,
        wall: raw.wall,
        peak_rss_kib,
    })
}

/// The line of a dying worker's stderr that best says why: a panic message, V8's fatal error,
/// Node.js's uncaught exception, or the last line that has words (V8's stack dump ends with a rule of `=`).
pub(crate) fn stderr_hint(stderr: &str) -> String {
    let lines: Vec<&str> = stderr
        .lines()
        .map(str::trim)
        .filter(|l| l.chars().any(char::is_alphanumeric))
        .collect();
    let two_from = |i: usize| {
        lines[i..]
            .iter()
            .take(2)
            .copied()
            .collect::<Vec<_>>()
            .join(" ")
    };
    let line = lines
        .iter()
        .position(|l| l.contains("panicked at"))
        .map(two_from)
        .or_else(|| {
            lines
                .iter()
                .position(|l| l.starts_with("# Fatal error") || l.starts_with("FATAL ERROR:"))
                .map(two_from)
        })
        .or_else(|| {
            // Node.js's uncaught exception: the error's line, before its stack and the version.
            lines.last().filter(|l| l.starts_with("Node.js v"))?;
            lines
                .iter()
                .find(|l| !l.starts_with("at ") && l.contains("Error"))
                .map(|l| format!("uncaught {l}"))
        })
        .or_else(|| {
            lines
                .iter()
                .any(|l| l.starts_with("==== JS stack trace"))
                .then(|| {
                    "V8 aborted the process with a stack dump (`Stacktrace:` then \
                 `==== JS stack trace`) and no message"
                        .to_string()
                })
        })
        .or_else(|| lines.last().map(|l| l.to_string()));
    match line {
        Some(line) => format!(
            ": {}",
            crate::util::shorten(&without_registry_dirs(&line), 200)
        ),
        None => String::new(),
    }
}

/// A panic in a dependency names its file under cargo's registry (`/root/.cargo/registry/src/
/// <index directory>/wasmer-compiler-7.4.2/src/…`): the crate and its path say where, the machine's
/// registry directory only takes room the engine's own words need.
fn without_registry_dirs(line: &str) -> String {
    const MARK: &str = "/registry/src/";
    let mut out = String::new();
    let mut rest = line;
    while let Some(i) = rest.find(MARK) {
        let after = &rest[i + MARK.len()..];
        let Some(slash) = after.find('/') else { break };
        let start = rest[..i].rfind(char::is_whitespace).map_or(0, |w| w + 1);
        out.push_str(&rest[..start]);
        rest = &after[slash + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_in_a_dependency_is_named_by_its_crate_not_by_the_registry_directory() {
        let stderr = "\nthread 'main' (7) panicked at /root/.cargo/registry/src/mirror-0123abcd/\
                      wasmer-compiler-7.4.2/src/translator/sections.rs:252:13:\n\
                      not implemented: 64-bit memories\nnote: run with `RUST_BACKTRACE=1`\n";
        assert_eq!(
            stderr_hint(stderr),
            ": thread 'main' (7) panicked at wasmer-compiler-7.4.2/src/translator/sections.rs:\
             252:13: not implemented: 64-bit memories"
        );
        assert_eq!(without_registry_dirs("no path here"), "no path here");
    }

    #[test]
    fn a_v8_abort_is_named_and_rules_are_not_reasons() {
        let dump = "Stacktrace:\n    ptr1=0x2ca27faa38e9\n\n==== JS stack trace ====\n\n    0: ExitFrame \
                    [pc: 0x195e476]\n[6]: EntryFrame [pc: 0x18ce003]\n=====================\n\n";
        assert!(stderr_hint(dump).starts_with(": V8 aborted the process with a stack dump"));
        let fatal = "\n\n#\n# Fatal error in , line 0\n# Check failed: !IsFreeSpace().\n#\n";
        assert_eq!(
            stderr_hint(fatal),
            ": # Fatal error in , line 0 # Check failed: !IsFreeSpace()."
        );
        let uncaught = "file:///w/[eval1]:212\n  ending = x;\n  ^\n\nRangeError: Maximum call stack size \
                        exceeded\n    at start (node:wasi:1:1)\n\nNode.js v20.20.2\n";
        assert_eq!(
            stderr_hint(uncaught),
            ": uncaught RangeError: Maximum call stack size exceeded"
        );
        assert_eq!(stderr_hint("oops\n=====\n"), ": oops");
        assert_eq!(stderr_hint("====\n"), "");
    }

    #[test]
    fn the_high_water_mark_is_read_from_the_status_file() {
        let status =
            "Name:\tharness\nVmPeak:\t  900000 kB\nVmHWM:\t   41236 kB\nVmRSS:\t 40000 kB\n";
        assert_eq!(parse_vm_hwm(status), Some(41236));
        assert_eq!(parse_vm_hwm("Name:\tx\n"), None);
        let own = own_peak_rss_kib().expect("Linux has /proc/self/status");
        assert!(own > 0);
    }
}
