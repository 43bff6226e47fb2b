//! One build recipe per kind of sample: each turns a sample directory into a wasm32-wasip1 module
//! (and, for interpreted languages, the files and arguments the module is launched with). The
//! native builds of the kernels (`build-samples --native`) are planned here too, after the Wasm
//! recipes, under one rule for every language (`NATIVE_RULE`).

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
    /// For a language whose toolchain makes components only: the component, and why there is no
    /// preview 1 module (`module` is then empty).
    pub component_only: Option<(Vec<u8>, String)>,
}

impl Output {
    fn module(module: Vec<u8>) -> Self {
        Output {
            module,
            launch: Launch::default(),
            component_only: None,
        }
    }

    /// A component-only recipe's output.
    fn component(sample: &Sample, component: Vec<u8>) -> anyhow::Result<Self> {
        let why = crate::components::no_module(&sample.manifest.build)
            .context("the recipe makes a module")?;
        Ok(Output {
            module: Vec::new(),
            launch: Launch::default(),
            component_only: Some((component, why.into())),
        })
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
            let built = cargo_build(sh, target, sample, bin.as_deref())?;
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
            go_build(sh, toolchain, dir, &work, &out)?;
            read(&out).map(Output::module)
        }
        Build::C { sources } => {
            let out = work.join("module.wasm");
            clang_build(sh, toolchain, dir, sources, &out)?;
            read(&out).map(Output::module)
        }
        Build::Cpp { sources } => {
            let out = work.join("module.wasm");
            clangxx_build(sh, toolchain, dir, sources, &out)?;
            read(&out).map(Output::module)
        }
        Build::Zig { source } => {
            let out = work.join("module.wasm");
            zig_build(sh, toolchain, dir, source, &work, &out)?;
            read(&out).map(Output::module)
        }
        Build::Kotlin { sources } => kotlin(sh, toolchain, sample, sources, &work),
        Build::Assemblyscript { source } => {
            let out = work.join("module.wasm");
            asc_build(sh, toolchain, dir, source, &out)?;
            read(&out).map(Output::module)
        }
        Build::ComponentizeJs {
            source,
            wit,
            world,
            http,
        } => {
            let out = work.join("component.wasm");
            componentize_js(sh, toolchain, dir, source, wit, world, *http, &out)?;
            Output::component(sample, read(&out)?)
        }
        Build::CargoWasip2 {} => {
            let built = cargo_wasip2(sh, target, sample)?;
            Output::component(sample, read(&built)?)
        }
        Build::ComponentizePy { app, world } => {
            let out = work.join("component.wasm");
            let bytes =
                crate::components::componentize_py_world(sh, toolchain, world, app, dir, &out)?;
            Output::component(sample, bytes)
        }
        Build::Python { script } => python(sh, toolchain, sample, script, build_dir),
        Build::Ruby { script } => ruby(sh, toolchain, sample, script, build_dir, &work),
        Build::Dotnet { project } => dotnet(sh, toolchain, sample, project, &work),
    }
}

fn read(path: &Path) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("the build made no {}", path.display()))
}

/// What of a Rust sample's crate is built.
enum Crate<'a> {
    /// The binary of this name.
    Bin(&'a str),
    /// The library (a `cdylib`): Cargo names its artifact after the package, `-` made `_`.
    Lib,
}

/// `cargo build --release` of the sample's crate for `rust_target`; returns the built file. One
/// target directory for every Rust sample: shared work is done once.
fn cargo(
    sh: &Shell,
    target: &Path,
    sample: &Sample,
    rust_target: &str,
    what: Crate,
) -> anyhow::Result<PathBuf> {
    let manifest_path = sample.dir.join("Cargo.toml");
    let dir = target.join("samples-build").join("rust");
    let (selection, name) = match what {
        Crate::Bin(bin) => (vec!["--bin", bin], bin.to_owned()),
        Crate::Lib => (vec!["--lib"], sample.name().replace('-', "_")),
    };
    cmd!(
        sh,
        "cargo build --quiet --release --target {rust_target} --manifest-path {manifest_path} --target-dir {dir} {selection...}"
    )
    .run()?;
    Ok(dir
        .join(rust_target)
        .join("release")
        .join(format!("{name}.wasm")))
}

/// The sample's binary for wasm32-wasip1.
fn cargo_build(
    sh: &Shell,
    target: &Path,
    sample: &Sample,
    bin: Option<&str>,
) -> anyhow::Result<PathBuf> {
    let bin = bin.unwrap_or(sample.name());
    cargo(sh, target, sample, RUST_TARGET, Crate::Bin(bin))
}

/// The Rust sample as a WASI 0.2 component: the same `cargo build --release` for `wasm32-wasip2`,
/// whose standard library calls WASI 0.2 directly.
pub fn cargo_component(sh: &Shell, target: &Path, sample: &Sample) -> anyhow::Result<Vec<u8>> {
    let Build::Cargo { bin } = &sample.manifest.build else {
        bail!("not a cargo sample");
    };
    let bin = bin.as_deref().unwrap_or(sample.name());
    read(&cargo(
        sh,
        target,
        sample,
        COMPONENT_TARGET,
        Crate::Bin(bin),
    )?)
}

/// The sample's `cdylib` crate for `wasm32-wasip2`, which links it into a component.
fn cargo_wasip2(sh: &Shell, target: &Path, sample: &Sample) -> anyhow::Result<PathBuf> {
    cargo(sh, target, sample, COMPONENT_TARGET, Crate::Lib)
}

/// The WASI 0.2 target of the Rust samples' components.
pub const COMPONENT_TARGET: &str = "wasm32-wasip2";

/// clang -O2 of the C sources in `dir` into `out`, against wasi-libc.
fn clang_build(
    sh: &Shell,
    toolchain: &Provided,
    dir: &Path,
    sources: &[String],
    out: &Path,
) -> anyhow::Result<()> {
    let clang = &toolchain.executable;
    std::fs::create_dir_all(out.parent().unwrap_or(Path::new(".")))?;
    let _dir = sh.push_dir(dir);
    cmd!(
        sh,
        "{clang} --target=wasm32-wasi -Wl,--strip-debug -O2 -Wall -Werror -o {out} {sources...} -lm"
    )
    .run()?;
    Ok(())
}

/// The C++ dialect and code options of every C++ build, Wasm and native: Debian's libc++ for
/// wasm32-wasi is built without exceptions (WASI has no stack unwinding there).
const CPP_FLAGS: [&str; 2] = ["-std=c++20", "-fno-exceptions"];

/// clang++ -O2 of the C++ sources in `dir` into `out`, against libc++ and wasi-libc.
fn clangxx_build(
    sh: &Shell,
    toolchain: &Provided,
    dir: &Path,
    sources: &[String],
    out: &Path,
) -> anyhow::Result<()> {
    let clangxx = &toolchain.executable;
    std::fs::create_dir_all(out.parent().unwrap_or(Path::new(".")))?;
    let _dir = sh.push_dir(dir);
    let flags = CPP_FLAGS;
    cmd!(
        sh,
        "{clangxx} --target=wasm32-wasi -Wl,--strip-debug -O2 {flags...} -Wall -Werror -o {out} {sources...}"
    )
    .run()?;
    Ok(())
}

/// AssemblyScript's `asc` of one entry file into a WASI preview 1 command, through
/// `@assemblyscript/wasi-shim`'s configuration (its `process`, `console` and WASI bindings), at
/// `-O3`.
fn asc_build(
    sh: &Shell,
    toolchain: &Provided,
    dir: &Path,
    source: &str,
    out: &Path,
) -> anyhow::Result<()> {
    let asc = &toolchain.executable;
    // asc joins the shim's library path onto the configuration's directory as given: an absolute
    // `--config` loses its prefix, so it is named relative to the sample.
    let config = relative(
        dir,
        &toolchain
            .home
            .join("node_modules/@assemblyscript/wasi-shim/asconfig.json"),
    );
    std::fs::create_dir_all(out.parent().unwrap_or(Path::new(".")))?;
    let _dir = sh.push_dir(dir);
    cmd!(
        sh,
        "node {asc} {source} --config {config} -O3 --noAssert -o {out}"
    )
    .run()?;
    Ok(())
}

/// `to` as a path relative to the directory `from` (both absolute).
fn relative(from: &Path, to: &Path) -> PathBuf {
    let from: Vec<_> = from.components().collect();
    let to: Vec<_> = to.components().collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut path = PathBuf::new();
    for _ in common..from.len() {
        path.push("..");
    }
    for part in &to[common..] {
        path.push(part);
    }
    path
}

/// `componentize-js` of one JavaScript module into a WASI 0.2 component of `world`. A command
/// leaves StarlingMonkey's HTTP features out (its programs make no requests, and the features would
/// add imports); a `wasi:http/proxy` handler (`http`) needs its `fetch` event. The source comes
/// first: `-d` takes every word after it.
#[allow(
    clippy::too_many_arguments,
    reason = "one recipe's fields, taken apart once"
)]
fn componentize_js(
    sh: &Shell,
    toolchain: &Provided,
    dir: &Path,
    source: &str,
    wit: &str,
    world: &str,
    http: bool,
    out: &Path,
) -> anyhow::Result<()> {
    let cli = &toolchain.executable;
    std::fs::create_dir_all(out.parent().unwrap_or(Path::new(".")))?;
    let _dir = sh.push_dir(dir);
    let disable: &[&str] = if http {
        &[]
    } else {
        &["-d", "http", "fetch-event"]
    };
    cmd!(
        sh,
        "node {cli} {source} --wit {wit} --world-name {world} {disable...} -o {out}"
    )
    .run()?;
    Ok(())
}

/// `go build` of the main package in `dir` for wasip1. Modules come from nowhere: the samples use
/// the standard library only, and no proxy is consulted.
fn go_build(
    sh: &Shell,
    toolchain: &Provided,
    dir: &Path,
    work: &Path,
    out: &Path,
) -> anyhow::Result<()> {
    let go = &toolchain.executable;
    let _dir = sh.push_dir(dir);
    cmd!(sh, "{go} build -trimpath -o {out} .")
        .envs(go_env(work))
        .env("GOOS", "wasip1")
        .env("GOARCH", "wasm")
        .run()?;
    Ok(())
}

/// What every `go build` runs with: the local toolchain, no module proxy, private caches, no cgo.
pub fn go_env(work: &Path) -> Vec<(String, String)> {
    let cache = work.parent().unwrap_or(work).join(".go-cache");
    [
        ("GOTOOLCHAIN", "local".to_owned()),
        ("GOPROXY", "off".to_owned()),
        ("GOFLAGS", "-mod=mod".to_owned()),
        ("GOCACHE", cache.display().to_string()),
        ("GOPATH", cache.join("gopath").display().to_string()),
        ("CGO_ENABLED", "0".to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

/// `zig build-exe` of one root file for wasm32-wasi, optimized for speed.
fn zig_build(
    sh: &Shell,
    toolchain: &Provided,
    dir: &Path,
    source: &str,
    work: &Path,
    out: &Path,
) -> anyhow::Result<()> {
    let zig = &toolchain.executable;
    std::fs::create_dir_all(work)?;
    let _dir = sh.push_dir(dir);
    let caches = zig_caches(work);
    let emit = format!("-femit-bin={}", out.display());
    cmd!(
        sh,
        "{zig} build-exe {source} -target wasm32-wasi -O ReleaseFast -fstrip {emit} {caches...}"
    )
    .run()?;
    Ok(())
}

/// A Zig build's private caches: the sample's own, and one global cache per target kind.
fn zig_caches(work: &Path) -> Vec<String> {
    let cache = work.join("zig-cache");
    let global = work.parent().unwrap_or(work).join(".zig-global-cache");
    vec![
        "--cache-dir".into(),
        cache.display().to_string(),
        "--global-cache-dir".into(),
        global.display().to_string(),
    ]
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
        component_only: None,
    })
}

/// Where a Ruby script is, in the guest: its own directory, preopened (as for Python).
const RUBY_APP: &str = "/app";

/// The glue that makes CRuby a command, below the project root.
pub const RUBY_GLUE: &str = "samples/ruby/glue";

/// The proposals CRuby's module and the glue use, as binaryen names them.
const RUBY_FEATURES: [&str; 6] = [
    "--enable-bulk-memory",
    "--enable-sign-ext",
    "--enable-mutable-globals",
    "--enable-nontrapping-float-to-int",
    "--enable-reference-types",
    "--enable-multivalue",
];

/// CRuby for WASI as a preview 1 command running the sample's script. The npm package's
/// `ruby+stdlib.wasm` (Ruby with its standard library in a virtual file system) is a reactor for
/// its JavaScript host: no `_start`, and imports of that host. Binaryen's `wasm-merge` links it with
/// stubs of those imports and a glue module that passes WASI's arguments to Ruby, loads the
/// script and exits with its status; `wasm-metadce` then keeps what `_start` and `memory` reach.
/// The script's directory is preopened at `/app`. Ruby runs with `--disable-gems`, as CPython runs
/// with `-S`: the samples need no gems, and loading RubyGems is most of CRuby's start-up (1.5 s of
/// the 1.8 s of `hello` on V8, 0.3 s without it).
fn ruby(
    sh: &Shell,
    toolchain: &Provided,
    sample: &Sample,
    script: &str,
    build_dir: &Path,
    work: &Path,
) -> anyhow::Result<Output> {
    let app = build_dir.join("app");
    let _ = std::fs::remove_dir_all(&app);
    let _ = std::fs::remove_dir_all(work);
    std::fs::create_dir_all(&app)?;
    std::fs::create_dir_all(work)?;
    let source = sample.dir.join(script);
    std::fs::copy(&source, app.join(script))
        .with_context(|| format!("cannot copy {}", source.display()))?;
    let module = ruby_command(sh, toolchain, work)?;
    Ok(Output {
        module,
        launch: Launch {
            args: vec!["--disable-gems".into(), format!("{RUBY_APP}/{script}")],
            env: BTreeMap::new(),
            dirs: vec![LaunchDir {
                guest: RUBY_APP.into(),
                host: "app".into(),
            }],
        },
        component_only: None,
    })
}

/// The interpreter command every Ruby sample shares: the merge depends only on the toolchain's
/// module and the glue, not on the script, and takes half a minute on 30 MB, so it is made once per
/// (module, glue) and kept under `target/samples-build/ruby/command-<hash>.wasm`.
fn ruby_command(sh: &Shell, toolchain: &Provided, work: &Path) -> anyhow::Result<Vec<u8>> {
    use sha2::{Digest, Sha256};
    let glue = crate::project_root().join(RUBY_GLUE);
    const GLUE: [(&str, &str); 3] = [
        ("ruby-cli-glue", "glue"),
        ("rb-js-abi-host-stub", "rb-js-abi-host"),
        ("canonical-abi-stub", "canonical_abi"),
    ];
    let interpreter = read(&toolchain.executable)?;
    let mut key = Sha256::new();
    key.update(&interpreter);
    let mut wats = Vec::new();
    for (file, name) in GLUE {
        let wat = glue.join(format!("{file}.wat"));
        let text = std::fs::read(&wat).with_context(|| format!("cannot read {}", wat.display()))?;
        key.update(file.as_bytes());
        key.update(&text);
        wats.push((wat, file, name));
    }
    key.update(RUBY_FEATURES.join(" ").as_bytes());
    let key = key.finalize();
    let hex: String = key[..8].iter().map(|b| format!("{b:02x}")).collect();
    let shared = work
        .parent()
        .context("the work directory has no parent")?
        .join(format!("command-{hex}.wasm"));
    if let Ok(bytes) = std::fs::read(&shared) {
        return Ok(bytes);
    }
    let display = |p: &Path| p.display().to_string();
    let mut parts = vec![display(&toolchain.executable), "ruby".to_owned()];
    for (wat, file, name) in wats {
        let bytes =
            wat::parse_file(&wat).with_context(|| format!("cannot assemble {}", wat.display()))?;
        let wasm = work.join(format!("{file}.wasm"));
        std::fs::write(&wasm, bytes)?;
        parts.extend([display(&wasm), name.to_owned()]);
    }
    let bin = toolchain.home.join("node_modules/binaryen/bin");
    let (merge, metadce) = (bin.join("wasm-merge"), bin.join("wasm-metadce"));
    let features = RUBY_FEATURES;
    let merged = work.join("merged.wasm");
    cmd!(sh, "node {merge} {parts...} {features...} -o {merged}")
        .quiet()
        .ignore_stderr()
        .run()?;
    let graph = work.join("graph.json");
    std::fs::write(
        &graph,
        r#"[{"name":"start","root":true,"export":"_start"},{"name":"memory","root":true,"export":"memory"}]"#,
    )?;
    let out = work.join("module.wasm");
    cmd!(
        sh,
        "node {metadce} {merged} -f {graph} {features...} -o {out}"
    )
    .quiet()
    .ignore_stdout()
    .ignore_stderr()
    .run()?;
    let bytes = read(&out)?;
    // Written whole then renamed, so a build stopped half-way never leaves a torn module to reuse.
    let partial = shared.with_extension("wasm.partial");
    std::fs::write(&partial, &bytes)?;
    std::fs::rename(&partial, &shared)?;
    Ok(bytes)
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

// Native builds (`build-samples --native`): the kernels built for the host from the same sources.

// The rule every native build follows, in every language (`harness::native::RULE`, published with
// the results), so that the `native` column is a fair baseline for the Wasm columns:
//
// - the same optimisation intent as the language's Wasm build (Rust: the same release profile;
//   C: `-O2`; Zig: `-O ReleaseFast`; Go: its only mode), with no more checks than the Wasm build
//   has (Rust release: no debug assertions or overflow checks; Zig ReleaseFast: no safety checks;
//   Go keeps its bounds checks on both targets);
// - code for the baseline ISA of the host's architecture (x86-64: x86-64-v1), like a binary one
//   distributes, not for the build machine's CPU. The Wasm modules are compiled for the baseline
//   Wasm CPU (no SIMD) too; that the engines then lower them using the host's features (BMI1/2,
//   LZCNT, AVX) is a property of Wasm deployment the matrix is there to measure, not one to take
//   away. Three of the four toolchains default to the baseline already (Zig defaults to the build
//   machine's CPU), the figures then do not depend on which CPU built them, and the `docker-runc`
//   images must run on any host of the architecture;
// - statically linked, like the Wasm modules, which carry their libc inside: every allocation in
//   the binary-trees kernel is then a direct call into the language's own allocator (Rust and C:
//   glibc's malloc; Go: its runtime; Zig: its standard library's, without libc, as on Wasm);
// - each setting stated on the command line or in the environment, so that a user's `RUSTFLAGS`,
//   `GOAMD64` or configuration cannot change a figure unseen, and recorded in `native.json`.

/// The host a native build is for: its architecture and operating system, as Rust names them.
#[derive(Debug, Clone, PartialEq)]
pub struct Host {
    pub arch: String,
    pub os: String,
}

impl Host {
    /// The machine xtask runs on.
    pub fn this() -> Host {
        Host {
            arch: std::env::consts::ARCH.to_owned(),
            os: std::env::consts::OS.to_owned(),
        }
    }
}

/// A native build, planned before it runs: the command, and the part of it that decides the code.
/// The plan's `flags` go into the build's fingerprint and record, so a changed flag rebuilds.
#[derive(Debug, Clone)]
pub struct NativePlan {
    pub program: PathBuf,
    pub args: Vec<String>,
    /// Variables set for the build.
    pub env: Vec<(String, String)>,
    /// Variables taken out of the inherited environment (a user's `GOOS`), so that the host is
    /// the target.
    pub env_remove: Vec<String>,
    /// Where the command runs.
    pub dir: PathBuf,
    /// Where the command leaves the binary; copied to the sample's `native` when elsewhere.
    pub output: PathBuf,
    /// The code-deciding settings: optimisation, target CPU, linking, checks; no paths.
    pub flags: String,
}

impl NativePlan {
    /// The command as it runs: the variables it sets, then the command line, shell-quoted.
    pub fn command(&self) -> String {
        let env = self.env.iter().map(|(k, v)| format!("{k}={}", quote(v)));
        let line = std::iter::once(quote(&self.program.display().to_string()))
            .chain(self.args.iter().map(|a| quote(a)));
        env.chain(line).collect::<Vec<_>>().join(" ")
    }

    /// Runs the build and leaves the binary at `out`.
    pub fn run(&self, sh: &Shell, out: &Path) -> anyhow::Result<()> {
        std::fs::create_dir_all(out.parent().unwrap_or(Path::new(".")))?;
        let _dir = sh.push_dir(&self.dir);
        let mut command = sh.cmd(&self.program).args(&self.args);
        for name in &self.env_remove {
            command = command.env_remove(name);
        }
        command.envs(self.env.iter().cloned()).run()?;
        if self.output != out {
            if !self.output.is_file() {
                bail!("the build made no {}", self.output.display());
            }
            std::fs::copy(&self.output, out)?;
        }
        Ok(())
    }
}

/// The native build of a sample into `out`, or `None` for recipes without one. `work` is scratch
/// space of its own (`target/samples-build/<language>-native/<sample>/`).
pub fn native_plan(
    sh: &Shell,
    target: &Path,
    sample: &Sample,
    toolchain: &Provided,
    work: &Path,
    out: &Path,
) -> anyhow::Result<Option<NativePlan>> {
    let host = Host::this();
    let dir = sample.dir.clone();
    let output = out.to_path_buf();
    let display = |p: &Path| p.display().to_string();
    Ok(Some(match &sample.manifest.build {
        Build::Cargo { bin } => {
            let bin = bin.as_deref().unwrap_or(sample.name());
            let manifest_path = sample.dir.join("Cargo.toml");
            let profile = std::fs::read_to_string(&manifest_path)
                .with_context(|| format!("cannot read {}", manifest_path.display()))?;
            let triple = rustc_host(sh)?;
            // One target directory for every Rust sample; an explicit target keeps RUSTFLAGS off
            // build scripts.
            let target_dir = target.join("samples-build").join("rust-native");
            let rustflags = rust_native_flags(&triple);
            let args = vec![
                "build".to_owned(),
                "--quiet".into(),
                "--release".into(),
                "--target".into(),
                triple.clone(),
                "--manifest-path".into(),
                display(&manifest_path),
                "--target-dir".into(),
                display(&target_dir),
                "--bin".into(),
                bin.into(),
            ];
            let mut flags = format!(
                "--release --target {triple} RUSTFLAGS={}",
                quote(&rustflags)
            );
            if let Some(profile) = release_profile(&profile) {
                flags.push_str(&format!(" [profile.release] {profile}"));
            }
            NativePlan {
                program: "cargo".into(),
                args,
                env: vec![("RUSTFLAGS".into(), rustflags)],
                env_remove: vec!["CARGO_ENCODED_RUSTFLAGS".into()],
                dir,
                output: target_dir.join(&triple).join("release").join(bin),
                flags,
            }
        }
        Build::C { sources } => {
            let code = c_native_flags(&host);
            let mut args = code.clone();
            args.extend(["-Wall", "-Werror", "-o"].map(String::from));
            args.push(display(out));
            args.extend(sources.iter().cloned());
            args.push("-lm".into());
            NativePlan {
                program: toolchain.executable.clone(),
                args,
                env: Vec::new(),
                env_remove: Vec::new(),
                dir,
                output,
                flags: code.join(" "),
            }
        }
        Build::Cpp { sources } => {
            let mut code = c_native_flags(&host);
            code.extend(CPP_FLAGS.map(String::from));
            let mut args = code.clone();
            args.extend(["-Wall", "-Werror", "-o"].map(String::from));
            args.push(display(out));
            args.extend(sources.iter().cloned());
            NativePlan {
                program: toolchain.executable.clone(),
                args,
                env: Vec::new(),
                env_remove: Vec::new(),
                dir,
                output,
                flags: code.join(" "),
            }
        }
        Build::Go {} => {
            let code = go_native_env(&host);
            let mut env = go_env(work);
            env.retain(|(k, _)| !code.iter().any(|(c, _)| c == k));
            env.extend(code.iter().cloned());
            let flags = code
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .chain(["-trimpath".to_owned()])
                .collect::<Vec<_>>()
                .join(" ");
            NativePlan {
                program: toolchain.executable.clone(),
                args: vec![
                    "build".into(),
                    "-trimpath".into(),
                    "-o".into(),
                    display(out),
                    ".".into(),
                ],
                env,
                env_remove: ["GOOS", "GOARCH"].map(String::from).to_vec(),
                dir,
                output,
                flags,
            }
        }
        Build::Zig { source } => {
            std::fs::create_dir_all(work)?;
            let code = zig_native_flags();
            let mut args = vec!["build-exe".to_owned(), source.clone()];
            args.extend(code.iter().cloned());
            args.push(format!("-femit-bin={}", out.display()));
            args.extend(zig_caches(work));
            NativePlan {
                program: toolchain.executable.clone(),
                args,
                env: Vec::new(),
                env_remove: Vec::new(),
                dir,
                output,
                flags: code.join(" "),
            }
        }
        _ => return Ok(None),
    }))
}

/// The host triple rustc names (not Rust's `consts`: it is what `--target` takes), asked once per
/// run: every native Rust build plans with it, also when it turns out to be up to date.
fn rustc_host(sh: &Shell) -> anyhow::Result<String> {
    static HOST: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    if let Some(host) = HOST.get() {
        return Ok(host.clone());
    }
    let version = cmd!(sh, "rustc -vV").quiet().read()?;
    let host = version
        .lines()
        .find_map(|l| l.strip_prefix("host: "))
        .context("rustc -vV names no host")?
        .to_owned();
    Ok(HOST.get_or_init(|| host).clone())
}

/// RUSTFLAGS of a native Rust build for `triple`: the architecture's baseline CPU, and a static C
/// runtime where the target links glibc (musl targets are static already). The profile (opt-level)
/// comes from the sample's `Cargo.toml`, the same for both targets.
pub fn rust_native_flags(triple: &str) -> String {
    let arch = triple.split('-').next().unwrap_or_default();
    let mut flags = Vec::new();
    match arch {
        "x86_64" => flags.push("-C target-cpu=x86-64"),
        "aarch64" => flags.push("-C target-cpu=generic"),
        _ => {}
    }
    if triple.ends_with("-linux-gnu") {
        flags.push("-C target-feature=+crt-static");
    }
    flags.join(" ")
}

/// clang's code flags of a native C build: `-O2` as for Wasm, the baseline ISA, static on Linux.
pub fn c_native_flags(host: &Host) -> Vec<String> {
    let mut flags = vec!["-O2".to_owned()];
    match host.arch.as_str() {
        "x86_64" => flags.push("-march=x86-64".into()),
        "aarch64" => flags.push("-march=armv8-a".into()),
        _ => {}
    }
    if host.os == "linux" {
        flags.push("-static".into());
    }
    flags
}

/// The environment that decides a native Go build's code: no cgo (so a static binary on Linux, Go's
/// own runtime and allocator) and the architecture's baseline level, which is Go's default but
/// would otherwise follow a `GOAMD64` or `GOARM64` in the user's environment.
pub fn go_native_env(host: &Host) -> Vec<(String, String)> {
    let mut env = vec![("CGO_ENABLED".to_owned(), "0".to_owned())];
    match host.arch.as_str() {
        "x86_64" => env.push(("GOAMD64".into(), "v1".into())),
        "aarch64" => env.push(("GOARM64".into(), "v8.0".into())),
        _ => {}
    }
    env
}

/// zig's code flags of a native build: ReleaseFast as for Wasm, and the baseline CPU: without
/// `-mcpu` Zig compiles for the build machine's CPU. No libc, as on Wasm: the binary is static
/// and its allocator is Zig's own.
pub fn zig_native_flags() -> Vec<String> {
    ["-O", "ReleaseFast", "-mcpu=baseline", "-fstrip"]
        .map(String::from)
        .to_vec()
}

/// The settings of a Cargo manifest's `[profile.release]`, as `key=value` words by key, or
/// `None` when it has none (Cargo's defaults: opt-level 3).
fn release_profile(manifest: &str) -> Option<String> {
    let value: toml::Table = manifest.parse().ok()?;
    let profile = value.get("profile")?.get("release")?.as_table()?;
    // Sorted here: the table keeps file order or not depending on toml's features in the build.
    let mut words: Vec<String> = profile.iter().map(|(k, v)| format!("{k}={v}")).collect();
    words.sort();
    (!words.is_empty()).then(|| words.join(" "))
}

/// A word as a POSIX shell reads it back: as is when plain, in single quotes otherwise.
fn quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:+,@%".contains(c));
    if plain {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_relative_to_a_sample() {
        assert_eq!(
            relative(
                Path::new("/p/samples/assemblyscript/hello"),
                Path::new("/p/.cache/toolchains/as/x.json")
            ),
            PathBuf::from("../../../.cache/toolchains/as/x.json")
        );
        assert_eq!(
            relative(Path::new("/a"), Path::new("/a/b")),
            PathBuf::from("b")
        );
    }

    fn host(arch: &str, os: &str) -> Host {
        Host {
            arch: arch.into(),
            os: os.into(),
        }
    }

    #[test]
    fn rust_native_is_baseline_and_static_on_glibc() {
        assert_eq!(
            rust_native_flags("x86_64-unknown-linux-gnu"),
            "-C target-cpu=x86-64 -C target-feature=+crt-static"
        );
        assert_eq!(
            rust_native_flags("aarch64-unknown-linux-musl"),
            "-C target-cpu=generic"
        );
        assert_eq!(
            rust_native_flags("aarch64-apple-darwin"),
            "-C target-cpu=generic"
        );
    }

    #[test]
    fn c_native_is_o2_baseline_and_static_on_linux() {
        assert_eq!(
            c_native_flags(&host("x86_64", "linux")),
            ["-O2", "-march=x86-64", "-static"]
        );
        assert_eq!(
            c_native_flags(&host("aarch64", "macos")),
            ["-O2", "-march=armv8-a"]
        );
        assert_eq!(
            c_native_flags(&host("riscv64", "linux")),
            ["-O2", "-static"]
        );
    }

    #[test]
    fn go_native_pins_the_baseline_level() {
        let env = go_native_env(&host("x86_64", "linux"));
        assert!(env.contains(&("GOAMD64".into(), "v1".into())));
        assert!(env.contains(&("CGO_ENABLED".into(), "0".into())));
        let env = go_native_env(&host("aarch64", "linux"));
        assert!(env.contains(&("GOARM64".into(), "v8.0".into())));
    }

    #[test]
    fn zig_native_names_its_cpu_and_mode() {
        let flags = zig_native_flags().join(" ");
        assert!(flags.contains("-O ReleaseFast"));
        assert!(flags.contains("-mcpu=baseline"));
    }

    #[test]
    fn release_profile_is_read_by_key() {
        let manifest =
            "[package]\nname = \"x\"\n\n[profile.release]\nopt-level = 3\nlto = \"fat\"\n";
        assert_eq!(
            release_profile(manifest).as_deref(),
            Some("lto=\"fat\" opt-level=3")
        );
        assert_eq!(release_profile("[package]\nname = \"x\"\n"), None);
    }

    #[test]
    fn commands_quote_what_a_shell_would_split() {
        let plan = NativePlan {
            program: "cargo".into(),
            args: vec!["build".into(), "--bin".into(), "a b".into()],
            env: vec![("RUSTFLAGS".into(), "-C target-cpu=x86-64".into())],
            env_remove: Vec::new(),
            dir: PathBuf::new(),
            output: PathBuf::new(),
            flags: String::new(),
        };
        assert_eq!(
            plan.command(),
            "RUSTFLAGS='-C target-cpu=x86-64' cargo build --bin 'a b'"
        );
        assert_eq!(quote("it's"), r"'it'\''s'");
    }
}
