//! `build-samples --native`: the kernels built for the host from the same sources as their modules,
//! so that the matrix can set wasm beside native. The binary lands next to the module as `native`,
//! with its own record `native.json`.

use std::path::Path;

use anyhow::bail;
use harness::manifest::{self, Build, BuildStatus, Sample};
use sha2::{Digest, Sha256};
use xshell::Shell;

use crate::build_samples::{hex, is_current, new_stamp, write_file};
use crate::recipes;
use crate::setup::Provided;

/// Builds the sample natively unless its record is current; returns how it ended for the summary.
pub fn build(
    sh: &Shell,
    target: &Path,
    sample: &Sample,
    toolchain: &Provided,
) -> anyhow::Result<&'static str> {
    let build_dir = manifest::build_dir(target, sample.language(), sample.name());
    let binary = build_dir.join("native");
    let stamp_path = build_dir.join("native.json");
    let toolchain_id = format!("{} (native)", toolchain.description);
    let fingerprint = crate::build_samples::fingerprint(sample, &toolchain_id)?;
    if is_current(&stamp_path, &fingerprint, &binary) {
        return Ok("native up to date");
    }
    let mut stamp = new_stamp(fingerprint, toolchain_id);
    let label = format!("{} (native)", sample.id());
    match build_native(sh, target, sample, toolchain, &binary) {
        Ok(Some(bytes)) => {
            stamp.module_bytes = bytes.len() as u64;
            stamp.module_sha256 = hex(&Sha256::digest(&bytes));
            eprintln!("build-samples: {label}: built ({} bytes)", bytes.len());
        }
        Ok(None) => bail!(
            "{label}: the {} recipe has no native build",
            sample.manifest.build.recipe()
        ),
        Err(err) => {
            stamp.status = BuildStatus::Failed;
            stamp.reason = format!("{err:#}");
            eprintln!("build-samples: {label}: FAILED: {}", stamp.reason);
            let _ = std::fs::remove_file(&binary);
        }
    }
    write_file(&stamp_path, &serde_json::to_vec_pretty(&stamp)?)?;
    Ok(match stamp.status {
        BuildStatus::Built => "native built",
        _ => "native failed",
    })
}

/// Builds into `out` and returns the binary's bytes, or `None` for recipes without a native build.
fn build_native(
    sh: &Shell,
    target: &Path,
    sample: &Sample,
    toolchain: &Provided,
    out: &Path,
) -> anyhow::Result<Option<Vec<u8>>> {
    let dir = &sample.dir;
    let work = target
        .join("samples-build")
        .join(format!("{}-native", sample.language()))
        .join(sample.name());
    std::fs::create_dir_all(&work)?;
    match &sample.manifest.build {
        Build::Cargo { bin } => {
            let built = recipes::cargo_build(sh, target, sample, bin.as_deref(), false)?;
            copy(&built, out)
        }
        Build::Go {} => {
            recipes::go_build(sh, toolchain, dir, &work, out, false)?;
            read(out)
        }
        Build::C { sources } => {
            recipes::clang_build(sh, toolchain, dir, sources, out, false)?;
            read(out)
        }
        Build::Zig { source } => {
            recipes::zig_build(sh, toolchain, dir, source, &work, out, None)?;
            read(out)
        }
        _ => Ok(None),
    }
}

fn copy(from: &Path, to: &Path) -> anyhow::Result<Option<Vec<u8>>> {
    if !from.is_file() {
        bail!("the build made no {}", from.display());
    }
    std::fs::create_dir_all(to.parent().unwrap_or(Path::new(".")))?;
    std::fs::copy(from, to)?;
    read(to)
}

fn read(path: &Path) -> anyhow::Result<Option<Vec<u8>>> {
    Ok(Some(std::fs::read(path)?))
}
