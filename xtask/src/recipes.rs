//! One build recipe per kind of sample: each turns a sample directory into a wasm32-wasip1 module
//! (and, for interpreted languages, the files and arguments the module is launched with).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use harness::manifest::{Build, Launch, LaunchDir, Sample};
use xshell::{Shell, cmd};

use crate::setup::Provided;

/// The WASI preview 1 target of the Rust samples.
pub const RUST_TARGET: &str = "wasm32-wasip1";

/// What a recipe produced.
pub struct Output {
    pub module: Vec<u8>,
    pub launch: Launch,
}

impl Output {
    fn module(module: Vec<u8>) -> Self {
        Output {
            module,
            launch: Launch::default(),
        }
    }
}

/// Runs the sample's recipe. `build_dir` is the sample's own directory under the target directory,
/// where launch files go; scratch work goes under `target/samples-build/`.
pub fn build(
    sh: &Shell,
    target: &Path,
    build_dir: &Path,
    sample: &Sample,
    toolchain: &Provided,
) -> anyhow::Result<Output> {
    let dir = &sample.dir;
    let work = target
        .join("samples-build")
        .join(sample.language())
        .join(sample.name());
    match &sample.manifest.build {
        Build::Cargo { bin } => {
            let built = cargo_build(sh, target, sample, bin.as_deref(), true)?;
            read(&built).map(Output::module)
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
            Ok(Output::module(bytes))
        }
        Build::File { source } => read(&dir.join(source)).map(Output::module),
        Build::Go {} => {
            let out = work.join("module.wasm");
            go_build(sh, toolchain, dir, &work, &out, true)?;
            read(&out).map(Output::module)
        }
        Build::C { sources } => {
            let out = work.join("module.wasm");
            clang_build(sh, toolchain, dir, sources, &out, true)?;
            read(&out).map(Output::module)
        }
        Build::Zig { source } => {
            let out = work.join("module.wasm");
            zig_build(sh, toolchain, dir, source, &work, &out, Some("wasm32-wasi"))?;
            read(&out).map(Output::module)
        }
        Build::Kotlin { sources } => kotlin(sh, toolchain, sample, sources, &work),
        Build::Python { script } => python(sh, toolchain, sample, script, build_dir),
        Build::Dotnet { project } => dotnet(sh, toolchain, sample, project, &work),
    }
}

fn read(path: &Path) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("the build made no {}", path.display()))
}

/// `cargo build --release` of the sample's binary, for wasm32-wasip1 or (with `wasm` false) for the
/// host, statically linked; returns the built file. One target directory per target for every Rust
/// sample: shared work is done once.
pub fn cargo_build(
    sh: &Shell,
    target: &Path,
    sample: &Sample,
    bin: Option<&str>,
    wasm: bool,
) -> anyhow::Result<PathBuf> {
    let bin = bin.unwrap_or(sample.name());
    let manifest_path = sample.dir.join("Cargo.toml");
    if wasm {
        let dir = target.join("samples-build").join("rust");
        let file = dir
            .join(RUST_TARGET)
            .join("release")
            .join(format!("{bin}.wasm"));
        cmd!(
            sh,
            "cargo build --quiet --release --target {RUST_TARGET} --manifest-path {manifest_path} --target-dir {dir} --bin {bin}"
        )
        .run()?;
        return Ok(file);
    }
    // Static, so that the same binary runs as a plain process and alone in a `FROM scratch` image;
    // an explicit target keeps the flag off build scripts.
    let dir = target.join("samples-build").join("rust-native");
    let host = cmd!(sh, "rustc -vV").quiet().read()?;
    let host = host
        .lines()
        .find_map(|l| l.strip_prefix("host: "))
        .context("rustc -vV names no host")?
        .to_owned();
    let flags = if host.ends_with("-linux-gnu") {
        "-C target-feature=+crt-static"
    } else {
        ""
    };
    let file = dir.join(&host).join("release").join(bin);
    cmd!(
        sh,
        "cargo build --quiet --release --target {host} --manifest-path {manifest_path} --target-dir {dir} --bin {bin}"
    )
    .env("RUSTFLAGS", flags)
    .run()?;
    Ok(file)
}

/// clang -O2 of the C sources in `dir` into `out`, against wasi-libc or (with `wasm` false) the
/// host's libc.
pub fn clang_build(
    sh: &Shell,
    toolchain: &Provided,
    dir: &Path,
    sources: &[String],
    out: &Path,
    wasm: bool,
) -> anyhow::Result<()> {
    let clang = &toolchain.executable;
    let target_args: &[&str] = if wasm {
        &["--target=wasm32-wasi", "-Wl,--strip-debug"]
    } else {
        &[]
    };
    std::fs::create_dir_all(out.parent().unwrap_or(Path::new(".")))?;
    let _dir = sh.push_dir(dir);
    cmd!(
        sh,
        "{clang} {target_args...} -O2 -Wall -Werror -o {out} {sources...} -lm"
    )
    .run()?;
    Ok(())
}

/// `go build` of the main package in `dir`, for wasip1 or (with `wasm` false) for the host. Modules
/// come from nowhere: the samples use the standard library only, and no proxy is consulted.
pub fn go_build(
    sh: &Shell,
    toolchain: &Provided,
    dir: &Path,
    work: &Path,
    out: &Path,
    wasm: bool,
) -> anyhow::Result<()> {
    let go = &toolchain.executable;
    let cache = work.parent().unwrap_or(work).join(".go-cache");
    let _dir = sh.push_dir(dir);
    let mut command = cmd!(sh, "{go} build -trimpath -o {out} .")
        .env("GOTOOLCHAIN", "local")
        .env("GOPROXY", "off")
        .env("GOFLAGS", "-mod=mod")
        .env("GOCACHE", &cache)
        .env("GOPATH", cache.join("gopath"))
        .env("CGO_ENABLED", "0");
    if wasm {
        command = command.env("GOOS", "wasip1").env("GOARCH", "wasm");
    } else {
        command = command.env_remove("GOOS").env_remove("GOARCH");
    }
    command.run()?;
    Ok(())
}

/// `zig build-exe` of one root file, for `target` (the host when `None`), optimized for speed.
pub fn zig_build(
    sh: &Shell,
    toolchain: &Provided,
    dir: &Path,
    source: &str,
    work: &Path,
    out: &Path,
    target: Option<&str>,
) -> anyhow::Result<()> {
    let zig = &toolchain.executable;
    std::fs::create_dir_all(work)?;
    let cache = work.join("zig-cache");
    let global = work.parent().unwrap_or(work).join(".zig-global-cache");
    let emit = format!("-femit-bin={}", out.display());
    let target_args: Vec<String> = match target {
        Some(t) => vec!["-target".into(), t.into()],
        None => Vec::new(),
    };
    let _dir = sh.push_dir(dir);
    cmd!(
        sh,
        "{zig} build-exe {source} {target_args...} -O ReleaseFast -fstrip {emit} --cache-dir {cache} --global-cache-dir {global}"
    )
    .run()?;
    Ok(())
}

/// Kotlin/Wasm for WASI in the compiler's two steps: sources to an unpacked klib, then the klib and
/// the WASI standard library to a module.
fn kotlin(
    sh: &Shell,
    toolchain: &Provided,
    sample: &Sample,
    sources: &[String],
    work: &Path,
) -> anyhow::Result<Output> {
    let kotlinc = &toolchain.executable;
    let stdlib = toolchain
        .home
        .join("package/lib/kotlin-stdlib-wasm-wasi.klib");
    let klib = work.join("klib");
    let wasm = work.join("wasm");
    let _ = std::fs::remove_dir_all(work);
    std::fs::create_dir_all(work)?;
    let name = "main";
    let sources: Vec<PathBuf> = sources.iter().map(|s| sample.dir.join(s)).collect();
    cmd!(
        sh,
        "{kotlinc} -Xwasm-target=wasm-wasi -libraries {stdlib} -nopack -ir-output-dir {klib} -ir-output-name {name} {sources...}"
    )
    .run()?;
    let include = format!("-Xinclude={}", klib.display());
    cmd!(
        sh,
        "{kotlinc} -Xwasm-target=wasm-wasi -libraries {stdlib} -Xir-produce-js {include} -ir-output-dir {wasm} -ir-output-name {name}"
    )
    .run()?;
    read(&wasm.join(format!("{name}.wasm"))).map(Output::module)
}

/// The guest path of the Python sample's script directory and of the interpreter's prefix.
const PYTHON_APP: &str = "/app";
const PYTHON_PREFIX: &str = "/usr/local";

/// A Python sample: the module is the CPython interpreter; the build packs the script into `app/` and
/// the standard library modules it imports (found by the host's modulefinder) into
/// `lib/python311.zip`, which CPython's default search path names under its prefix.
fn python(
    sh: &Shell,
    toolchain: &Provided,
    sample: &Sample,
    script: &str,
    build_dir: &Path,
) -> anyhow::Result<Output> {
    let stdlib = toolchain.home.join("wasi-python/lib/python3.11");
    let app = build_dir.join("app");
    let lib = build_dir.join("lib");
    let _ = std::fs::remove_dir_all(&app);
    let _ = std::fs::remove_dir_all(&lib);
    std::fs::create_dir_all(&app)?;
    std::fs::create_dir_all(&lib)?;
    let source = sample.dir.join(script);
    std::fs::copy(&source, app.join(script))
        .with_context(|| format!("cannot copy {}", source.display()))?;
    let packer = crate::project_root().join("xtask/pack_stdlib.py");
    let zip = lib.join("python311.zip");
    cmd!(sh, "python3 {packer} {stdlib} {source} {zip}").run()?;

    let mut env = BTreeMap::new();
    env.insert("PYTHONHOME".to_owned(), PYTHON_PREFIX.to_owned());
    Ok(Output {
        module: read(&toolchain.executable)?,
        launch: Launch {
            // -S: no site module (nothing to configure); -B: write no bytecode into the app dir.
            args: vec!["-S".into(), "-B".into(), format!("{PYTHON_APP}/{script}")],
            env,
            dirs: vec![
                LaunchDir {
                    guest: format!("{PYTHON_PREFIX}/lib"),
                    host: "lib".into(),
                },
                LaunchDir {
                    guest: PYTHON_APP.into(),
                    host: "app".into(),
                },
            ],
        },
    })
}

/// A C# project for `wasi-wasm` through the `wasi-experimental` workload. The project sets
/// `WasmSingleFileBundle`, so the build leaves one self-contained module, `<assembly>.wasm`, in
/// `bin/Release/<tfm>/wasi-wasm/AppBundle/`.
fn dotnet(
    sh: &Shell,
    toolchain: &Provided,
    sample: &Sample,
    project: &str,
    work: &Path,
) -> anyhow::Result<Output> {
    let dotnet = &toolchain.executable;
    let workloads = cmd!(sh, "{dotnet} workload list")
        .read()
        .context("`dotnet workload list` failed")?;
    if !workloads.contains("wasi-experimental") {
        bail!(
            "the .NET SDK is there but the `wasi-experimental` workload is not: run `dotnet workload install wasi-experimental`"
        );
    }
    let project_path = sample.dir.join(project);
    let out = work.join("bin");
    let obj = work.join("obj");
    let base_out = format!("-p:BaseOutputPath={}/", out.display());
    let base_obj = format!("-p:BaseIntermediateOutputPath={}/", obj.display());
    cmd!(
        sh,
        "{dotnet} build {project_path} -c Release {base_out} {base_obj}"
    )
    .run()?;
    let assembly = Path::new(project)
        .file_stem()
        .context("project file has no name")?
        .to_string_lossy()
        .into_owned();
    let bundle = find_file(&out, &format!("{assembly}.wasm"), "AppBundle")
        .with_context(|| format!("no AppBundle/{assembly}.wasm under {}", out.display()))?;
    read(&bundle).map(Output::module)
}

/// A file named `name` in a directory named `parent`, anywhere under `root`.
fn find_file(root: &Path, name: &str, parent: &str) -> Option<PathBuf> {
    for entry in std::fs::read_dir(root).ok()?.flatten() {
        let path = entry.path();
        if path.is_dir() {
            if let Some(found) = find_file(&path, name, parent) {
                return Some(found);
            }
        } else if entry.file_name() == name
            && path
                .parent()
                .and_then(Path::file_name)
                .is_some_and(|p| p == parent)
        {
            return Some(path);
        }
    }
    None
}
