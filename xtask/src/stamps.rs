//! Build records shared by the sample builds and the native builds: a build's fingerprint (what it
//! read), whether its record is current, a fresh record, and writing an artifact or record.

use std::path::{Path, PathBuf};

use anyhow::Context;
use harness::manifest::{Build, BuildStamp, BuildStatus, Launch, Sample};
use harness::util::hex;
use sha2::{Digest, Sha256};

/// Whether the record at `stamp_path` is a successful build with this fingerprint and its artifact is
/// still there: then there is nothing to do.
pub fn is_current(stamp_path: &Path, fingerprint: &str, artifact: &Path) -> bool {
    let previous: Option<BuildStamp> = std::fs::read(stamp_path)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok());
    previous.is_some_and(|p| p.fingerprint == fingerprint && p.status == BuildStatus::Built)
        && artifact.is_file()
}

/// Whether the component the record at `stamp_path` says was built is still there (a record from
/// before components has none, and is rebuilt).
pub fn component_present(stamp_path: &Path, component: &Path) -> bool {
    let previous: Option<BuildStamp> = std::fs::read(stamp_path)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok());
    match previous {
        Some(p) if p.no_component.is_some() => true,
        Some(p) => p
            .component
            .is_some_and(|record| record.status != BuildStatus::Built || component.is_file()),
        None => false,
    }
}

/// A record of a successful build, to be filled in or turned into a skip or failure.
pub fn new_stamp(fingerprint: String, toolchain: String) -> BuildStamp {
    BuildStamp {
        status: BuildStatus::Built,
        reason: String::new(),
        fingerprint,
        toolchain,
        module_bytes: 0,
        module_sha256: String::new(),
        launch: Launch::default(),
        no_module: None,
        component: None,
        no_component: None,
    }
}

/// A hash of everything a build reads: every file of the sample directory (but build output), the
/// toolchain's version, and this file's recipe code version.
pub fn fingerprint(sample: &Sample, toolchain: &str) -> anyhow::Result<String> {
    let mut files = Vec::new();
    list_files(&sample.dir, &mut files)?;
    // Sources a recipe names outside the sample directory (shared bindings) count too.
    for source in recipe_sources(&sample.manifest.build) {
        let path = sample.dir.join(source);
        if !path.starts_with(&sample.dir) || source.contains("..") {
            files.push(path);
        }
    }
    // Directories a recipe reads outside the sample directory (a shared WIT world).
    if let Build::ComponentizeJs { wit, .. } = &sample.manifest.build {
        list_files(&sample.dir.join(wit), &mut files)?;
    }
    // The glue that makes CRuby a command.
    if let Build::Ruby { .. } = &sample.manifest.build {
        list_files(
            &crate::project_root().join(crate::recipes::RUBY_GLUE),
            &mut files,
        )?;
    }
    // The WIT a native component is built against.
    if crate::components::native_toolchain(&sample.manifest.build).is_some()
        || matches!(sample.manifest.build, Build::ComponentizePy { .. })
    {
        list_files(
            &crate::project_root().join(crate::components::WIT_DIR),
            &mut files,
        )?;
    }
    files.sort();
    files.dedup();
    let mut hasher = Sha256::new();
    hasher.update(toolchain.as_bytes());
    hasher.update([0]);
    // The recipes themselves: a changed compiler flag must rebuild what it built (a stale module
    // once kept its debug sections after the recipe stripped them).
    hasher.update(include_str!("recipes.rs"));
    hasher.update(include_str!("native.rs"));
    hasher.update(include_str!("components.rs"));
    hasher.update(include_str!("../componentize_py_app.py"));
    hasher.update([0]);
    for file in files {
        let rel = file.strip_prefix(&sample.dir).unwrap_or(&file);
        hasher.update(rel.to_string_lossy().as_bytes());
        hasher.update([0]);
        hasher.update(
            std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?,
        );
        hasher.update([0]);
    }
    Ok(hex(&hasher.finalize()))
}

fn recipe_sources(build: &Build) -> Vec<&str> {
    match build {
        Build::Kotlin { sources } | Build::C { sources } | Build::Cpp { sources } => {
            sources.iter().map(String::as_str).collect()
        }
        _ => Vec::new(),
    }
}

fn list_files(dir: &Path, out: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("cannot list {}", dir.display()))? {
        let entry = entry?;
        let name = entry.file_name();
        if name == "target" || name == "Cargo.lock" {
            continue;
        }
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            list_files(&path, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}

pub fn write_file(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    harness::util::write_atomic(path, bytes)
        .with_context(|| format!("cannot write {}", path.display()))
}
