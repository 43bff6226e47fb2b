//! `cargo xtask build-samples`: builds every sample whose toolchain is present into
//! `target/samples/<language>/<sample>/module.wasm`, with a build record beside it. A sample is rebuilt
//! only when its fingerprint (sources, manifest, recipe, toolchain version) changed; a missing
//! toolchain is recorded as a skip that says how to get it, not as an error.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use harness::manifest::{self, Build, BuildStamp, BuildStatus, Sample};
use sha2::{Digest, Sha256};
use xshell::{Shell, cmd};

/// The WASI preview 1 target every guest toolchain builds for.
const RUST_TARGET: &str = "wasm32-wasip1";

#[derive(Default)]
pub struct BuildSamples {
    /// Only these languages; all when empty.
    pub languages: Vec<String>,
}

impl BuildSamples {
    pub fn parse(args: &[String]) -> anyhow::Result<Self> {
        let mut languages = Vec::new();
        let mut iter = args.iter();
        while let Some(arg) = iter.next() {
            match arg.as_str() {
                "--language" => {
                    languages.push(iter.next().context("--language needs a value")?.clone())
                }
                other => bail!("unknown argument `{other}` (build-samples takes --language L)"),
            }
        }
        Ok(BuildSamples { languages })
    }

    pub fn run(self, sh: &Shell) -> anyhow::Result<()> {
        let root = crate::project_root();
        let target = crate::target_dir();
        let mut samples = Vec::new();
        let mut broken = 0;
        for found in manifest::discover(&root.join("samples")) {
            match found {
                Ok(sample) => samples.push(sample),
                Err(err) => {
                    broken += 1;
                    eprintln!("build-samples: {err}");
                }
            }
        }
        for language in &self.languages {
            if !samples.iter().any(|s| s.language() == language) {
                bail!("no samples in language `{language}`");
            }
        }
        samples.retain(|s| {
            self.languages.is_empty() || self.languages.contains(&s.language().to_owned())
        });

        let mut toolchains: BTreeMap<&'static str, Result<String, String>> = BTreeMap::new();
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for sample in &samples {
            let kind = recipe_kind(&sample.manifest.build);
            let toolchain = toolchains
                .entry(kind)
                .or_insert_with(|| toolchain(sh, kind))
                .clone();
            let status = build_one(sh, &target, sample, toolchain)?;
            *counts.entry(status).or_default() += 1;
        }
        let summary: Vec<String> = counts.iter().map(|(k, n)| format!("{n} {k}")).collect();
        eprintln!(
            "build-samples: {} samples: {}",
            samples.len(),
            summary.join(", ")
        );
        if broken > 0 {
            eprintln!("build-samples: {broken} manifest(s) could not be read (see above)");
        }
        Ok(())
    }
}

fn recipe_kind(build: &Build) -> &'static str {
    match build {
        Build::Cargo { .. } => "cargo",
        Build::Wat { .. } => "wat",
        Build::File { .. } => "file",
    }
}

/// The toolchain a recipe needs, as it reports its version, or how to get it.
fn toolchain(sh: &Shell, kind: &str) -> Result<String, String> {
    match kind {
        "cargo" => rust_toolchain(sh),
        "wat" => Ok(format!("wat crate {} (built into xtask)", wat_version())),
        _ => Ok("none (copied as is)".into()),
    }
}

fn rust_toolchain(sh: &Shell) -> Result<String, String> {
    let version = cmd!(sh, "rustc --version")
        .read()
        .map_err(|e| format!("rustc not found ({e}): install Rust with rustup"))?;
    let installed = cmd!(sh, "rustup target list --installed")
        .quiet()
        .read()
        .map_err(|e| {
            format!(
                "rustup not found ({e}): install the {RUST_TARGET} standard library for {version}"
            )
        })?;
    if !installed.lines().any(|t| t.trim() == RUST_TARGET) {
        eprintln!("build-samples: installing the Rust target {RUST_TARGET}");
        cmd!(sh, "rustup target add {RUST_TARGET}")
            .run()
            .map_err(|e| {
                format!("`rustup target add {RUST_TARGET}` failed ({e}): run it by hand")
            })?;
    }
    Ok(format!("{version} --target {RUST_TARGET}"))
}

/// The wat crate does not export its version: the workspace lock file pins it.
fn wat_version() -> String {
    let lock =
        std::fs::read_to_string(crate::project_root().join("Cargo.lock")).unwrap_or_default();
    harness::lockfile::locked_version(&lock, "wat")
        .unwrap_or("(version unknown)")
        .to_owned()
}

/// Builds one sample unless its record is current; returns how it ended for the summary.
fn build_one(
    sh: &Shell,
    target: &Path,
    sample: &Sample,
    toolchain: Result<String, String>,
) -> anyhow::Result<&'static str> {
    let module = manifest::module_path(target, sample.language(), sample.name());
    let stamp_path = manifest::stamp_path(target, sample.language(), sample.name());
    let toolchain_id = toolchain
        .clone()
        .unwrap_or_else(|missing| format!("missing: {missing}"));
    let fingerprint = fingerprint(sample, &toolchain_id)?;
    let previous: Option<BuildStamp> = std::fs::read(&stamp_path)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok());
    if let Some(prev) = &previous
        && prev.fingerprint == fingerprint
        && prev.status == BuildStatus::Built
        && module.is_file()
    {
        return Ok("up to date");
    }

    let mut stamp = BuildStamp {
        status: BuildStatus::Built,
        reason: String::new(),
        fingerprint,
        toolchain: toolchain_id,
        module_bytes: 0,
        module_sha256: String::new(),
    };
    let label = sample.id();
    match toolchain {
        Err(missing) => {
            stamp.status = BuildStatus::Skipped;
            stamp.reason = missing;
            eprintln!("build-samples: {label}: skipped: {}", stamp.reason);
        }
        Ok(_) => match build(sh, target, sample) {
            Ok(bytes) => {
                write_file(&module, &bytes)?;
                stamp.module_bytes = bytes.len() as u64;
                stamp.module_sha256 = hex(&Sha256::digest(&bytes));
                eprintln!("build-samples: {label}: built ({} bytes)", bytes.len());
            }
            Err(err) => {
                stamp.status = BuildStatus::Failed;
                stamp.reason = format!("{err:#}");
                eprintln!("build-samples: {label}: FAILED: {}", stamp.reason);
                let _ = std::fs::remove_file(&module);
            }
        },
    }
    write_file(&stamp_path, &serde_json::to_vec_pretty(&stamp)?)?;
    Ok(match stamp.status {
        BuildStatus::Built => "built",
        BuildStatus::Skipped => "skipped",
        BuildStatus::Failed => "failed",
    })
}

/// Runs the sample's recipe and returns the module's bytes.
fn build(sh: &Shell, target: &Path, sample: &Sample) -> anyhow::Result<Vec<u8>> {
    let dir = &sample.dir;
    match &sample.manifest.build {
        Build::Cargo { bin } => {
            let bin = bin.as_deref().unwrap_or(sample.name());
            let manifest_path = dir.join("Cargo.toml");
            // One target directory for every Rust sample: shared work is done once.
            let cargo_target = target.join("samples-build").join("rust");
            cmd!(
                sh,
                "cargo build --quiet --release --target {RUST_TARGET} --manifest-path {manifest_path} --target-dir {cargo_target} --bin {bin}"
            )
            .run()?;
            let built = cargo_target
                .join(RUST_TARGET)
                .join("release")
                .join(format!("{bin}.wasm"));
            std::fs::read(&built).with_context(|| format!("cargo built no {}", built.display()))
        }
        Build::Wat {
            source,
            truncate_to,
        } => {
            let path = dir.join(source);
            let mut bytes = wat::parse_file(&path)
                .with_context(|| format!("cannot assemble {}", path.display()))?;
            if let Some(len) = truncate_to {
                if *len >= bytes.len() {
                    bail!(
                        "truncate_to = {len} does not cut the {}-byte module",
                        bytes.len()
                    );
                }
                bytes.truncate(*len);
            }
            Ok(bytes)
        }
        Build::File { source } => {
            let path = dir.join(source);
            std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))
        }
    }
}

/// A hash of everything a build reads: every file of the sample directory (but build output), the
/// toolchain's version, and this file's recipe code version.
fn fingerprint(sample: &Sample, toolchain: &str) -> anyhow::Result<String> {
    let mut files = Vec::new();
    list_files(&sample.dir, &mut files)?;
    files.sort();
    let mut hasher = Sha256::new();
    hasher.update(toolchain.as_bytes());
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

fn write_file(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    harness::results::write_atomic(path, bytes)
        .with_context(|| format!("cannot write {}", path.display()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
