//! The `native` column: a kernel built for the host from the same sources as its module
//! (`cargo xtask build-samples --native`), run as a plain process and measured like a worker run,
//! so the matrix sets wasm beside native from one run.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde::{Deserialize, Serialize};

use crate::manifest::{self, Build, BuildStamp, BuildStatus, Case, Sample};
use crate::runtime::cache::CacheState;
use crate::runtime::{Ending, RunReport, RunSpec};
use crate::worker;

/// The column's name.
pub const COLUMN: &str = "native";

/// The rule every native build follows (`xtask/src/recipes.rs` says why), for `meta`: each
/// build's own flags are in its record (`build_flags`).
pub const RULE: &str = "the same optimisation level as the language's Wasm build, code for the \
    baseline ISA of the host's architecture (x86-64-v1), statically linked (on Linux), \
    no added checks";

/// The samples that have a native build: the kernels, in the compiled languages.
pub const KERNELS: &[&str] = &["nbody", "sha256", "binary-trees"];

/// Rust programs without file access outside a container: they run as native processes too.
const PLAIN_RUST: &[&str] = &["wasm-docker"];

/// Rust programs that also run as native containers (`docker-runc`); their native builds are static,
/// so that a `FROM scratch` image holds the binary alone.
const CONTAINER_RUST: &[&str] = &["hello", "wasm-docker", "nbody", "sha256", "binary-trees"];

/// Servers that listen themselves: the native process is the baseline of every way of serving.
const SERVERS: &[&str] = &["socket-http"];

/// The sample whose sandbox probes also run natively: what the same probe does outside Wasm is the
/// baseline of the claim that Wasm denies by default (`claims.md`).
const PROBE_SAMPLE: &str = "wasi";

/// The WASI sample's sandbox probes (a pass means the guest was denied). A native container runs
/// all three, its bind mounts giving the preopens' paths.
pub const SANDBOX_PROBES: &[&str] = &["sandbox-host-path", "sandbox-dotdot", "sandbox-env"];

/// The socket servers' probe (sample, case): listen on a loopback port with no network granted.
pub const SOCKET_PROBE: (&str, &str) = ("socket-http", "sandbox-socket");

/// Whether a cell is one of the sandbox probes `claims.md` counts.
pub fn is_sandbox_probe(sample: &str, case: &str) -> bool {
    (sample == PROBE_SAMPLE && SANDBOX_PROBES.contains(&case)) || (sample, case) == SOCKET_PROBE
}

/// The probes a native process runs. Not `sandbox-dotdot`: a plain process has no preopen to climb
/// out of, and its `/sandbox/..` would fail for want of a `/sandbox`, which is no denial.
const PROCESS_PROBES: &[&str] = &["sandbox-host-path", "sandbox-env"];

fn compiled(sample: &Sample) -> bool {
    matches!(
        sample.manifest.build,
        Build::Cargo { .. }
            | Build::Go {}
            | Build::C { .. }
            | Build::Cpp { .. }
            | Build::Zig { .. }
    )
}

fn rust(sample: &Sample) -> bool {
    matches!(sample.manifest.build, Build::Cargo { .. })
}

/// Whether a sample has cells in the `native` column: the kernels and the socket servers in the
/// compiled languages, the Rust programs that touch no preopened directory (a plain process has none), and Rust's sandbox
/// probes.
pub fn applies(sample: &Sample) -> bool {
    (compiled(sample) && (KERNELS.contains(&sample.name()) || SERVERS.contains(&sample.name())))
        || (rust(sample) && (PLAIN_RUST.contains(&sample.name()) || sample.name() == PROBE_SAMPLE))
}

/// Whether a case of a sample has a cell in the `native` column.
pub fn applies_to(sample: &Sample, case: &Case) -> bool {
    applies(sample)
        && (sample.name() != PROBE_SAMPLE || PROCESS_PROBES.contains(&case.name.as_str()))
}

/// Whether a case of a sample has a cell in the native-container column (`docker-runc`).
pub fn in_container(sample: &Sample, case: &Case) -> bool {
    rust(sample)
        && (CONTAINER_RUST.contains(&sample.name())
            || (sample.name() == PROBE_SAMPLE && SANDBOX_PROBES.contains(&case.name.as_str())))
}

/// Whether a native run of the case starts the way a process is started by default, with its
/// parent's environment (the harness's, with the secret a worker holds): the sandbox probes, whose
/// point is what a process gets when nobody takes anything away. Every other native run gets the
/// case's environment alone, like the guests.
pub fn inherits_environment(case: &Case) -> bool {
    SANDBOX_PROBES.contains(&case.name.as_str())
}

/// Whether `build-samples --native` builds the sample for the host: what either native column runs
/// (the probe sample is among `applies`).
pub fn builds(sample: &Sample) -> bool {
    applies(sample) || (rust(sample) && CONTAINER_RUST.contains(&sample.name()))
}

/// Where a sample's native binary and its build record live.
pub fn paths(target_dir: &Path, sample: &Sample) -> (PathBuf, PathBuf) {
    let dir = manifest::build_dir(target_dir, sample.language(), sample.name());
    (dir.join("native"), dir.join("native.json"))
}

/// What `build-samples --native` records beside a native binary (`native.json`): the build record
/// every module has, plus how the binary was made, so that the results can say what the native
/// column was compiled with and a reader can judge the comparison.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NativeRecord {
    #[serde(flatten)]
    pub stamp: BuildStamp,
    /// The settings that decide the code, without paths: optimisation level, target CPU, libc and
    /// linking, checks (e.g. `-O2 -march=x86-64 -static`). Empty in records written before it
    /// existed.
    #[serde(default)]
    pub flags: String,
    /// The command that built the binary, as run: the environment it set, then the command line.
    #[serde(default)]
    pub command: String,
}

/// The build record of a sample's native binary, if there is a readable one.
pub fn record(target_dir: &Path, sample: &Sample) -> Option<NativeRecord> {
    let bytes = std::fs::read(paths(target_dir, sample).1).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// The flags a sample's native binary was built with (`NativeRecord::flags`), when it was built
/// and its record names them.
pub fn build_flags(target_dir: &Path, sample: &Sample) -> Option<String> {
    record(target_dir, sample)
        .filter(|r| r.stamp.status == BuildStatus::Built && !r.flags.is_empty())
        .map(|r| r.flags)
}

/// The native flags of each language, from the records of its samples that have a `native` cell:
/// what `meta` publishes beside the toolchains. The kernels of one language share their flags; if
/// they ever differ, the distinct sets are listed, separated by ` | `.
pub fn flags_by_language(target_dir: &Path, samples: &[Sample]) -> BTreeMap<String, String> {
    let mut found: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for sample in samples.iter().filter(|s| applies(s)) {
        if let Some(flags) = build_flags(target_dir, sample) {
            let seen = found.entry(sample.language().to_owned()).or_default();
            if !seen.contains(&flags) {
                seen.push(flags);
            }
        }
    }
    found
        .into_iter()
        .map(|(language, flags)| (language, flags.join(" | ")))
        .collect()
}

/// Whether any sample was built natively: the matrix then shows the column.
pub fn any_built(target_dir: &Path, samples: &[Sample]) -> bool {
    samples.iter().any(|s| paths(target_dir, s).1.is_file())
}

/// A sample's native binary and its size, or why there is none (a skip reason).
pub fn binary(target_dir: &Path, sample: &Sample) -> Result<(PathBuf, u64, String), String> {
    let (binary, record) = paths(target_dir, sample);
    let stamp: BuildStamp = match std::fs::read(&record) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map_err(|err| format!("unreadable build record {}: {err}", record.display()))?,
        Err(_) => {
            return Err("not built natively: run `cargo xtask build-samples --native`".into());
        }
    };
    if stamp.status != BuildStatus::Built {
        return Err(format!("native build failed: {}", stamp.reason));
    }
    let bytes = std::fs::metadata(&binary)
        .map_err(|err| format!("native binary {} is missing ({err})", binary.display()))?
        .len();
    Ok((binary, bytes, stamp.toolchain))
}

/// Runs the binary once with the spec's arguments, environment (and nothing else of the host's,
/// unless `spec.inherit_env`: then the harness's own with a worker's secret, see
/// [`inherits_environment`]) and stdin, in `cwd`; the whole process time is the run phase.
/// Reported like a worker run.
/// The native binary started as the spec says: its arguments, and the case's environment alone,
/// or added to its parent's (with the secret a worker holds) where the case inherits it.
pub fn command(binary: &Path, spec: &RunSpec) -> Command {
    let mut command = Command::new(binary);
    command.args(&spec.args);
    if spec.inherit_env {
        worker::with_host_secret(&mut command);
    } else {
        command.env_clear();
    }
    command.envs(&spec.env);
    command
}

pub fn run(binary: &Path, spec: &RunSpec, cwd: &Path) -> std::io::Result<worker::Finished> {
    // Started in `cwd`: a relative path would be read from there.
    let mut command = command(&std::path::absolute(binary)?, spec);
    command.current_dir(cwd);
    let raw = crate::process::spawn_and_wait(command, spec.stdin.clone(), spec.timeout)?;
    let (wall, peak_rss_kib) = (raw.wall, raw.peak_rss_kib);
    let end = if raw.killed {
        worker::End::Killed { after: wall }
    } else if let Some(signal) = raw.signal() {
        worker::End::Crashed {
            how: format!("native process killed by {signal}"),
        }
    } else {
        let code = raw.exit_code();
        let report = RunReport::whole_process(Ending::Exited { code }, CacheState::Native, raw);
        worker::End::Reported(worker::Response {
            runtime_version: "native".into(),
            report,
            peak_rss_kib: None,
        })
    };
    Ok(worker::Finished {
        end,
        wall,
        peak_rss_kib,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const OLD: &str = r#"{"status":"built","reason":"","fingerprint":"f",
        "toolchain":"zig 0.17.0 (native)","module_bytes":3,"module_sha256":"abc","launch":{"args":[],"env":{},"dirs":[]}}"#;

    #[test]
    fn records_from_before_the_flags_still_read() {
        let record: NativeRecord = serde_json::from_str(OLD).unwrap();
        assert_eq!(record.stamp.status, BuildStatus::Built);
        assert_eq!(record.stamp.module_bytes, 3);
        assert!(record.flags.is_empty() && record.command.is_empty());
    }

    #[test]
    fn a_record_is_still_a_build_stamp() {
        let mut record: NativeRecord = serde_json::from_str(OLD).unwrap();
        record.flags = "-O ReleaseFast -mcpu=baseline".into();
        record.command = "zig build-exe x.zig -O ReleaseFast -mcpu=baseline".into();
        let json = serde_json::to_string(&record).unwrap();
        // `binary` and the toolchain listing read the record as a plain build stamp.
        let stamp: BuildStamp = serde_json::from_str(&json).unwrap();
        assert_eq!(stamp.toolchain, "zig 0.17.0 (native)");
        let back: NativeRecord = serde_json::from_str(&json).unwrap();
        assert_eq!(back.flags, record.flags);
        assert_eq!(back.command, record.command);
    }
}
