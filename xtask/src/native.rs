//! `build-samples --native`: the kernels built for the host from the same sources as their modules,
//! so that the matrix can set wasm beside native. The binary lands next to the module as `native`,
//! with its own record `native.json`, which also says how it was built (`flags`, `command`).

use std::path::Path;

use anyhow::bail;
use harness::manifest::{self, BuildStatus, Sample};
use harness::native::NativeRecord;
use sha2::{Digest, Sha256};
use xshell::Shell;

use harness::util::hex;

use crate::recipes;
use crate::setup::Provided;
use crate::stamps::{fingerprint, is_current, new_stamp, write_file};

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
    let work = target
        .join("samples-build")
        .join(format!("{}-native", sample.language()))
        .join(sample.name());
    let label = format!("{} (native)", sample.id());
    let toolchain_id = format!("{} (native)", toolchain.description);
    let plan = match recipes::native_plan(sh, target, sample, toolchain, &work, &binary) {
        Ok(Some(plan)) => plan,
        Ok(None) => bail!(
            "{label}: the {} recipe has no native build",
            sample.manifest.build.recipe()
        ),
        // Planning asks the toolchain (rustc's host) and reads the manifest: a failure there is
        // the build's failure, recorded like one; the empty fingerprint retries it next time.
        Err(err) => {
            let mut stamp = new_stamp(String::new(), toolchain_id);
            stamp.status = BuildStatus::Failed;
            stamp.reason = format!("{err:#}");
            eprintln!("build-samples: {label}: FAILED: {}", stamp.reason);
            let _ = std::fs::remove_file(&binary);
            write_file(&stamp_path, &serde_json::to_vec_pretty(&stamp)?)?;
            return Ok("native failed");
        }
    };
    // The flags join the fingerprint beside the recipe code (which `fingerprint` hashes): what they
    // depend on at run time (the host's architecture, rustc's host triple) rebuilds too.
    let fingerprint = fingerprint(sample, &format!("{toolchain_id}\n{}", plan.flags))?;
    if is_current(&stamp_path, &fingerprint, &binary) {
        return Ok("native up to date");
    }
    let mut record = NativeRecord {
        stamp: new_stamp(fingerprint, toolchain_id),
        flags: plan.flags.clone(),
        command: plan.command(),
    };
    eprintln!("build-samples: {label}: {}", record.flags);
    match plan
        .run(sh, &binary)
        .and_then(|()| Ok(std::fs::read(&binary)?))
    {
        Ok(bytes) => {
            record.stamp.module_bytes = bytes.len() as u64;
            record.stamp.module_sha256 = hex(&Sha256::digest(&bytes));
            eprintln!("build-samples: {label}: built ({} bytes)", bytes.len());
        }
        Err(err) => {
            record.stamp.status = BuildStatus::Failed;
            record.stamp.reason = format!("{err:#}");
            eprintln!("build-samples: {label}: FAILED: {}", record.stamp.reason);
            let _ = std::fs::remove_file(&binary);
        }
    }
    write_file(&stamp_path, &serde_json::to_vec_pretty(&record)?)?;
    Ok(match record.stamp.status {
        BuildStatus::Built => "native built",
        _ => "native failed",
    })
}
