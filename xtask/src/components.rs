//! Each sample's WASI 0.2 command component, beside its preview 1 module: the language's own when
//! its toolchain makes components (Rust's `wasm32-wasip2`, Python's `componentize-py`), else the module wrapped in the official
//! `wasi_snapshot_preview1` command adapter by `wit-component`, as `wasm-tools component new
//! --adapt` does. The record says which.

use std::path::Path;

use anyhow::Context;
use harness::manifest::{Artifact, Build, BuildStatus, ComponentBuild, Sample};
use harness::util::hex;
use sha2::{Digest, Sha256};
use wasi_preview1_component_adapter_provider::{
    WASI_SNAPSHOT_PREVIEW1_ADAPTER_NAME, WASI_SNAPSHOT_PREVIEW1_COMMAND_ADAPTER,
};
use xshell::{Shell, cmd};

use crate::recipes;
use crate::setup;

/// Why a JavaScript sample has no preview 1 module: what its cells on preview 1 columns say.
pub const NO_MODULE_JS: &str = "componentize-js makes WASI 0.2 components only (JavaScript on \
     SpiderMonkey, with no preview 1 output)";

/// Why a `wasi:http/proxy` handler has no preview 1 module.
pub const NO_MODULE_PROXY: &str = "a wasi:http/proxy handler is a WASI 0.2 component only (its \
     preview 1 counterpart is the language's WAGI handler, the `wagi` sample)";

/// Why the recipe makes a component and no module, for those that do.
pub fn no_module(build: &Build) -> Option<&'static str> {
    match build {
        Build::ComponentizeJs { http: false, .. } => Some(NO_MODULE_JS),
        Build::ComponentizeJs { http: true, .. }
        | Build::CargoWasip2 {}
        | Build::ComponentizePy { .. } => Some(NO_MODULE_PROXY),
        _ => None,
    }
}

/// Whether the recipe makes a component and no module.
pub fn component_only(build: &Build) -> bool {
    no_module(build).is_some()
}

/// What made an adapted component, as recorded and fingerprinted: the adapter and encoder versions
/// come from the workspace's lock file, which pins them.
pub fn adapter_description() -> String {
    let lock =
        std::fs::read_to_string(crate::project_root().join("Cargo.lock")).unwrap_or_default();
    let version = |name| {
        harness::lockfile::locked_version(&lock, name)
            .unwrap_or("(version unknown)")
            .to_owned()
    };
    format!(
        "wit-component {} + wasi_snapshot_preview1 command adapter {}",
        version("wit-component"),
        version("wasi-preview1-component-adapter-provider")
    )
}

/// Wraps a preview 1 command module in the command adapter.
pub fn adapt(module: &[u8]) -> anyhow::Result<Vec<u8>> {
    wit_component::ComponentEncoder::default()
        .validate(true)
        .module(module)
        .context("the module cannot be made a component")?
        .adapter(
            WASI_SNAPSHOT_PREVIEW1_ADAPTER_NAME,
            WASI_SNAPSHOT_PREVIEW1_COMMAND_ADAPTER,
        )
        .context("the adapter does not fit the module")?
        .encode()
        .context("wit-component cannot encode the component")
}

/// The toolchain (`toolchains.toml`) with which the sample's language builds components itself.
pub fn native_toolchain(build: &Build) -> Option<&'static str> {
    match build {
        Build::Cargo { .. } => Some("rust-component"),
        Build::Python { .. } => Some("python-component"),
        _ => None,
    }
}

/// The WASI packages, in the order they depend on each other, that native components are built
/// against (`samples/wit/`).
pub const WIT_DIR: &str = "samples/wit/wasi-0.2.12";
const WIT_PACKAGES: [&str; 7] = [
    "io",
    "clocks",
    "random",
    "filesystem",
    "sockets",
    "cli",
    "http",
];

/// The wrapper that makes a Python script a `wasi:cli/run` export.
const PYTHON_APP: &str = include_str!("../componentize_py_app.py");

/// `componentize-py` of the sample's script, unchanged, beside the wrapper that runs it as
/// `__main__` when the host calls `run`, against `wasi:cli/command@0.2.12`.
fn componentize_py(
    sh: &Shell,
    target: &Path,
    sample: &Sample,
    toolchain: &setup::Provided,
) -> anyhow::Result<Vec<u8>> {
    let Build::Python { script } = &sample.manifest.build else {
        anyhow::bail!("not a Python sample");
    };
    let work = target
        .join("samples-build")
        .join("python-component")
        .join(sample.name());
    let app = work.join("app");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&app)?;
    std::fs::write(app.join("app.py"), PYTHON_APP)?;
    std::fs::copy(sample.dir.join(script), app.join(script))
        .with_context(|| format!("cannot copy {script}"))?;
    componentize_py_world(
        sh,
        toolchain,
        "wasi:cli/command@0.2.12",
        "app",
        &app,
        &work.join("component.wasm"),
    )
}

/// `componentize-py` of the Python module `app` (found on `path`) into a component of the WASI
/// 0.2.12 world `world`, written to `out` and returned.
pub fn componentize_py_world(
    sh: &Shell,
    toolchain: &setup::Provided,
    world: &str,
    app: &str,
    path: &Path,
    out: &Path,
) -> anyhow::Result<Vec<u8>> {
    let wit = crate::project_root().join(WIT_DIR);
    let deps: Vec<String> = WIT_PACKAGES
        .iter()
        .flat_map(|p| {
            [
                "-d".to_owned(),
                wit.join(format!("{p}.wit")).display().to_string(),
            ]
        })
        .collect();
    let exe = &toolchain.executable;
    if let Some(dir) = out.parent() {
        std::fs::create_dir_all(dir)?;
    }
    cmd!(
        sh,
        "{exe} {deps...} -w {world} componentize {app} -p {path} -o {out}"
    )
    .env("PYTHONPATH", &toolchain.home)
    .run()?;
    std::fs::read(out).with_context(|| format!("componentize-py made no {}", out.display()))
}

/// Builds the sample's component into `out` from its just-built `module`, and records it; or says
/// why the sample has no component by design (an error-corpus module that is not a command).
pub fn build(
    sh: &Shell,
    target: &Path,
    sample: &Sample,
    module: &[u8],
    out: &Path,
) -> Result<ComponentBuild, String> {
    let (artifact, toolchain, made) = if let Some(native) = native_toolchain(&sample.manifest.build)
    {
        let lock = setup::load_lock();
        let provided = lock.and_then(|lock| setup::provide(sh, &lock, native, false));
        match provided {
            Ok(Ok(provided)) => {
                let made = match &sample.manifest.build {
                    Build::Python { .. } => componentize_py(sh, target, sample, &provided),
                    _ => recipes::cargo_component(sh, target, sample),
                };
                (Artifact::NativeComponent, provided.description, made)
            }
            Ok(Err(missing)) => {
                return Ok(record(
                    Artifact::NativeComponent,
                    String::new(),
                    BuildStatus::Skipped,
                    missing,
                ));
            }
            Err(err) => (Artifact::NativeComponent, String::new(), Err(err)),
        }
    } else {
        match adapt(module) {
            // The error corpus is broken on purpose: what cannot be a component is no build failure.
            Err(err)
                if matches!(
                    sample.manifest.build,
                    Build::Wat { .. } | Build::File { .. }
                ) =>
            {
                return Err(format!(
                    "no component is made of this deliberately broken module: {err:#}"
                ));
            }
            made => (Artifact::AdaptedComponent, adapter_description(), made),
        }
    };
    Ok(
        match made.and_then(|bytes| {
            crate::stamps::write_file(out, &bytes)?;
            Ok(bytes)
        }) {
            Ok(bytes) => ComponentBuild {
                status: BuildStatus::Built,
                reason: String::new(),
                artifact,
                toolchain,
                bytes: bytes.len() as u64,
                sha256: hex(&Sha256::digest(&bytes)),
            },
            Err(err) => {
                let _ = std::fs::remove_file(out);
                record(artifact, toolchain, BuildStatus::Failed, format!("{err:#}"))
            }
        },
    )
}

fn record(
    artifact: Artifact,
    toolchain: String,
    status: BuildStatus,
    reason: String,
) -> ComponentBuild {
    ComponentBuild {
        status,
        reason,
        artifact,
        toolchain,
        bytes: 0,
        sha256: String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_preview_1_command_becomes_a_component_with_the_adapter() {
        let module = wat::parse_str(
            r#"(module
                (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
                (memory (export "memory") 1)
                (func (export "_start") (call $exit (i32.const 3))))"#,
        )
        .unwrap();
        let component = adapt(&module).unwrap();
        assert!(harness::runtime::artifact::is_component(&component));
        assert!(component.len() > module.len());
        let not_a_command = wat::parse_str(
            r#"(module (import "somewhere" "else" (func)) (func (export "_start")))"#,
        )
        .unwrap();
        assert!(adapt(&not_a_command).is_err());
    }
}
