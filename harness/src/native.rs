//! The `native` column: a kernel built for the host from the same sources as its module
//! (`cargo xtask build-samples --native`), run as a plain process and measured like a worker run,
//! so the matrix sets wasm beside native from one run.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::manifest::{self, Build, BuildStamp, BuildStatus, Sample};
use crate::runtime::{Ending, RunReport, RunSpec};
use crate::worker;

/// The column's name.
pub const COLUMN: &str = "native";

/// The samples that have a native build: the kernels, in the compiled languages.
pub const KERNELS: &[&str] = &["nbody", "sha256", "binary-trees"];

/// Rust programs without file access outside a container: they run as native processes too.
const PLAIN_RUST: &[&str] = &["wasm-docker"];

/// Rust programs that also run as native containers (`docker-runc`); their native builds are static,
/// so that a `FROM scratch` image holds the binary alone.
const CONTAINER_RUST: &[&str] = &["hello", "wasm-docker", "nbody", "sha256", "binary-trees"];

/// Whether a sample has a cell in the `native` column: the kernels in the compiled languages, and
/// the Rust programs that touch no preopened directory (a plain process has none).
pub fn applies(sample: &Sample) -> bool {
    let compiled = matches!(
        sample.manifest.build,
        Build::Cargo { .. } | Build::Go {} | Build::C { .. } | Build::Zig { .. }
    );
    let rust = matches!(sample.manifest.build, Build::Cargo { .. });
    (compiled && KERNELS.contains(&sample.name())) || (rust && PLAIN_RUST.contains(&sample.name()))
}

/// Whether a sample has a cell in the native-container column (`docker-runc`).
pub fn in_container(sample: &Sample) -> bool {
    matches!(sample.manifest.build, Build::Cargo { .. }) && CONTAINER_RUST.contains(&sample.name())
}

/// Whether `build-samples --native` builds the sample for the host.
pub fn builds(sample: &Sample) -> bool {
    applies(sample) || in_container(sample)
}

/// Where a sample's native binary and its build record live.
pub fn paths(target_dir: &Path, sample: &Sample) -> (PathBuf, PathBuf) {
    let dir = manifest::build_dir(target_dir, sample.language(), sample.name());
    (dir.join("native"), dir.join("native.json"))
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

/// Runs the binary once with the spec's arguments, environment (and nothing else of the host's) and
/// stdin, in `cwd`; the whole process time is the run phase. Reported like a worker run.
pub fn run(binary: &Path, spec: &RunSpec, cwd: &Path) -> std::io::Result<worker::Finished> {
    let mut command = Command::new(binary);
    command
        .args(&spec.args)
        .env_clear()
        .envs(&spec.env)
        .current_dir(cwd);
    let raw = worker::spawn_and_wait(command, spec.stdin.clone(), spec.timeout)?;
    let (wall, peak_rss_kib) = (raw.wall, raw.peak_rss_kib);
    let end = if raw.killed {
        worker::End::Killed { after: wall }
    } else if let Some(signal) = raw.signal() {
        worker::End::Crashed {
            how: format!("native process killed by {signal}"),
        }
    } else {
        let code = raw.exit_code();
        let report = RunReport::whole_process(Ending::Exited { code }, "native", raw);
        worker::End::Reported(worker::Response {
            runtime_version: "native".into(),
            report,
        })
    };
    Ok(worker::Finished {
        end,
        wall,
        peak_rss_kib,
    })
}
