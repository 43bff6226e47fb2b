//! `cargo xtask build-samples`: builds every sample whose toolchain is present into
//! `target/samples/<language>/<sample>/module.wasm`, with a build record beside it. A sample is rebuilt
//! only when its fingerprint (sources, manifest, recipe, toolchain version) changed; a missing
//! toolchain is recorded as a skip that says how to get it, not as an error.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::bail;
use harness::manifest::{self, Artifact, Build, BuildStatus, ComponentBuild, Sample};
use harness::util::hex;
use sha2::{Digest, Sha256};
use xshell::Shell;

use crate::components;
use crate::native;
use crate::recipes;
use crate::setup;
use crate::stamps::{component_present, fingerprint, is_current, new_stamp, write_file};

#[derive(Debug, Default, clap::Args)]
pub struct BuildSamples {
    /// Only these languages (repeatable; default: all)
    #[arg(long = "language", value_name = "L")]
    pub languages: Vec<String>,
    /// Never download a toolchain: use only what is installed
    #[arg(long)]
    pub offline: bool,
    /// Also build the kernels natively for the host, for wasm-versus-native comparisons
    #[arg(long)]
    pub native: bool,
}

impl BuildSamples {
    pub fn run(self, sh: &Shell) -> anyhow::Result<()> {
        let started = std::time::Instant::now();
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

        let lock = setup::load_lock()?;
        let mut toolchains: BTreeMap<&'static str, setup::Status> = BTreeMap::new();
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for sample in &samples {
            let toolchain = match toolchain_language(&sample.manifest.build) {
                Some(language) => match toolchains.get(language) {
                    Some(status) => status.clone(),
                    None => {
                        let status = setup::provide(sh, &lock, language, self.offline)?;
                        toolchains.insert(language, status.clone());
                        status
                    }
                },
                None => Ok(builtin_toolchain(&sample.manifest.build)),
            };
            let status = build_one(sh, &target, sample, &toolchain)?;
            *counts.entry(status).or_default() += 1;
            if self.native
                && harness::native::builds(sample)
                && let Ok(toolchain) = &toolchain
            {
                let status = native::build(sh, &target, sample, toolchain)?;
                *counts.entry(status).or_default() += 1;
            }
        }
        let summary: Vec<String> = counts.iter().map(|(k, n)| format!("{n} {k}")).collect();
        eprintln!(
            "build-samples: {} samples in {:.1} s: {}",
            samples.len(),
            started.elapsed().as_secs_f64(),
            summary.join(", ")
        );
        if broken > 0 {
            eprintln!("build-samples: {broken} manifest(s) could not be read (see above)");
        }
        Ok(())
    }
}

/// The `toolchains.toml` entry a recipe needs; none for the recipes xtask does itself.
pub fn toolchain_language(build: &Build) -> Option<&'static str> {
    match build {
        Build::Cargo { .. } => Some("rust"),
        Build::Go {} => Some("go"),
        Build::Kotlin { .. } => Some("kotlin"),
        Build::Python { .. } => Some("python"),
        Build::C { .. } => Some("c"),
        Build::Ruby { .. } => Some("ruby"),
        Build::Cpp { .. } => Some("cpp"),
        Build::Zig { .. } => Some("zig"),
        Build::Assemblyscript { .. } => Some("assemblyscript"),
        Build::ComponentizeJs { .. } => Some("componentize-js"),
        Build::CargoWasip2 {} => Some("rust-component"),
        Build::ComponentizePy { .. } => Some("python-component"),
        Build::Dotnet { .. } => Some("dotnet"),
        Build::Wat { .. } | Build::File { .. } => None,
    }
}

fn builtin_toolchain(build: &Build) -> setup::Provided {
    let description = match build {
        Build::Wat { .. } => format!("wat crate {} (built into xtask)", wat_version()),
        _ => "none (copied as is)".into(),
    };
    setup::Provided {
        executable: PathBuf::new(),
        home: PathBuf::new(),
        description,
    }
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
    toolchain: &setup::Status,
) -> anyhow::Result<&'static str> {
    let module = manifest::module_path(target, sample.language(), sample.name());
    let stamp_path = manifest::stamp_path(target, sample.language(), sample.name());
    let toolchain_id = match toolchain {
        Ok(provided) => provided.description.clone(),
        Err(missing) => format!("missing: {missing}"),
    };
    let component = manifest::component_path(target, sample.language(), sample.name());
    let fingerprint = fingerprint(
        sample,
        &format!(
            "{toolchain_id}; component: {}",
            components::adapter_description()
        ),
    )?;
    let only_component = components::component_only(&sample.manifest.build);
    let artifact = if only_component { &component } else { &module };
    if is_current(&stamp_path, &fingerprint, artifact) && component_present(&stamp_path, &component)
    {
        return Ok("up to date");
    }
    let mut stamp = new_stamp(fingerprint, toolchain_id);
    stamp.no_module = components::no_module(&sample.manifest.build).map(str::to_owned);
    let label = sample.id();
    match toolchain {
        Err(missing) => {
            stamp.status = BuildStatus::Skipped;
            stamp.reason = missing.clone();
            eprintln!("build-samples: {label}: skipped: {}", stamp.reason);
        }
        Ok(provided) => {
            eprintln!("build-samples: {label}: building");
            let build_dir = manifest::build_dir(target, sample.language(), sample.name());
            match recipes::build(sh, target, &build_dir, sample, provided) {
                Ok(recipes::Output {
                    component_only: Some((bytes, _)),
                    ..
                }) => {
                    let _ = std::fs::remove_file(&module);
                    write_file(&component, &bytes)?;
                    eprintln!(
                        "build-samples: {label}: built (native component only: {} bytes)",
                        bytes.len()
                    );
                    stamp.component = Some(ComponentBuild {
                        status: BuildStatus::Built,
                        reason: String::new(),
                        artifact: Artifact::NativeComponent,
                        toolchain: provided.description.clone(),
                        bytes: bytes.len() as u64,
                        sha256: hex(&Sha256::digest(&bytes)),
                    });
                }
                Ok(output) => {
                    write_file(&module, &output.module)?;
                    stamp.module_bytes = output.module.len() as u64;
                    stamp.module_sha256 = hex(&Sha256::digest(&output.module));
                    stamp.launch = output.launch;
                    let made = components::build(sh, target, sample, &output.module, &component);
                    let said = match &made {
                        Ok(made) if made.status == BuildStatus::Built => {
                            format!("{}: {} bytes", made.artifact.as_str(), made.bytes)
                        }
                        Ok(made) => format!(
                            "{}: {:?}: {}",
                            made.artifact.as_str(),
                            made.status,
                            made.reason
                        ),
                        Err(why) => why.clone(),
                    };
                    eprintln!(
                        "build-samples: {label}: built ({} bytes; {said})",
                        output.module.len(),
                    );
                    match made {
                        Ok(made) => stamp.component = Some(made),
                        Err(why) => stamp.no_component = Some(why),
                    }
                }
                Err(err) => {
                    stamp.status = BuildStatus::Failed;
                    stamp.reason = format!("{err:#}");
                    eprintln!("build-samples: {label}: FAILED: {}", stamp.reason);
                    let _ = std::fs::remove_file(&module);
                }
            }
        }
    }
    write_file(&stamp_path, &serde_json::to_vec_pretty(&stamp)?)?;
    Ok(match stamp.status {
        BuildStatus::Built => "built",
        BuildStatus::Skipped => "skipped",
        BuildStatus::Failed => "failed",
    })
}
