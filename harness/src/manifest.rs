//! Sample manifests (`sample.toml`): how a sample is built and what a correct run of each case does.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The file name every sample directory carries.
pub const FILE_NAME: &str = "sample.toml";

/// Default limits of a case, generous enough for every kernel's benchmark size.
pub const DEFAULT_TIMEOUT_MS: u64 = 60_000;
pub const DEFAULT_MEMORY_LIMIT_MIB: u64 = 1024;

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub sample: SampleInfo,
    pub build: Build,
    /// The sample's own cases: with a contract, these add to or replace (by name) the contract's.
    #[serde(rename = "case", default)]
    pub cases: Vec<Case>,
}

/// A contract (`samples/contract/<name>/contract.toml`): the cases every language's version of a
/// program must pass, with the fixtures they use beside it.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Contract {
    pub contract: ContractInfo,
    #[serde(rename = "case")]
    pub cases: Vec<Case>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ContractInfo {
    pub name: String,
    #[serde(default)]
    pub description: String,
}

/// The file name of a contract, in `samples/contract/<name>/`.
pub const CONTRACT_FILE_NAME: &str = "contract.toml";

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SampleInfo {
    pub name: String,
    pub language: String,
    #[serde(default)]
    pub description: String,
    /// The contract whose cases this sample runs (`samples/contract/<contract>/`).
    pub contract: Option<String>,
    /// WebAssembly proposals the sample's module needs in every case (Kotlin/Wasm: GC and more).
    #[serde(default)]
    pub proposals: BTreeSet<Proposal>,
}

/// How to build the sample's module, relative to the sample directory.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(tag = "recipe", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Build {
    /// `cargo build --release --target wasm32-wasip1` of the crate in the sample directory; the module
    /// is the binary named `bin` (the package name by default).
    Cargo { bin: Option<String> },
    /// Assemble a WebAssembly text file; `truncate_to` keeps only that many bytes of the binary, to
    /// make a malformed module on purpose.
    Wat {
        source: String,
        truncate_to: Option<usize>,
    },
    /// Take the file as it is, even if it is not WebAssembly at all.
    File { source: String },
    /// `GOOS=wasip1 GOARCH=wasm go build` of the Go main package in the sample directory.
    Go {},
    /// Kotlin/Wasm for WASI: the sources compiled to an unpacked klib, then linked into a module.
    Kotlin { sources: Vec<String> },
    /// A script run by CPython for WASI: the module is the interpreter, and the build packs the script
    /// and a standard library trimmed to what the script imports.
    Python { script: String },
    /// A script run by CRuby for WASI: the module is the interpreter (its standard library inside),
    /// made a plain preview 1 command by merging it with the glue in `samples/ruby/glue/`.
    Ruby { script: String },
    /// `clang --target=wasm32-wasi` with wasi-libc, optimized.
    C { sources: Vec<String> },
    /// `clang++ --target=wasm32-wasi` with libc++ and wasi-libc, optimized.
    Cpp { sources: Vec<String> },
    /// `zig build-exe -target wasm32-wasi` of one root source file.
    Zig { source: String },
    /// AssemblyScript's `asc` with `@assemblyscript/wasi-shim`'s configuration, optimized.
    Assemblyscript { source: String },
    /// A WASI 0.2 component of a JavaScript module, by `componentize-js` (SpiderMonkey in
    /// StarlingMonkey) against the WIT world `world` in the directory `wit`: no preview 1 module.
    /// `http` keeps StarlingMonkey's `fetch` event and HTTP client, which a `wasi:http/proxy`
    /// handler needs and a command leaves out (they add imports).
    ComponentizeJs {
        source: String,
        wit: String,
        world: String,
        #[serde(default)]
        http: bool,
    },
    /// `cargo build --release --target wasm32-wasip2` of the `cdylib` crate in the sample
    /// directory: the component the target links (a `wasi:http/proxy` handler), no preview 1 module.
    CargoWasip2 {},
    /// A WASI 0.2 component of the Python module `app` in the sample directory, by
    /// `componentize-py` against the WASI 0.2.12 world `world` (`wasi:http/proxy@0.2.12`): no
    /// preview 1 module.
    ComponentizePy { app: String, world: String },
    /// `dotnet publish` of a project for `wasi-wasm` (the `wasi-experimental` workload), bundled
    /// into one module.
    Dotnet { project: String },
}

impl Build {
    /// The recipe's name, as written in manifests.
    pub fn recipe(&self) -> &'static str {
        match self {
            Build::Cargo { .. } => "cargo",
            Build::Wat { .. } => "wat",
            Build::File { .. } => "file",
            Build::Go {} => "go",
            Build::Kotlin { .. } => "kotlin",
            Build::Python { .. } => "python",
            Build::C { .. } => "c",
            Build::Ruby { .. } => "ruby",
            Build::Cpp { .. } => "cpp",
            Build::Zig { .. } => "zig",
            Build::Assemblyscript { .. } => "assemblyscript",
            Build::ComponentizeJs { .. } => "componentize-js",
            Build::CargoWasip2 {} => "cargo-wasip2",
            Build::ComponentizePy { .. } => "componentize-py",
            Build::Dotnet { .. } => "dotnet",
        }
    }
}

/// One run of a sample: its inputs and what a correct run does.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub args: Vec<String>,
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    #[serde(default, rename = "dir")]
    pub dirs: Vec<Dir>,
    #[serde(default)]
    pub stdin: String,
    /// WebAssembly proposals beyond the finished 2.0 set that the module needs.
    #[serde(default)]
    pub proposals: BTreeSet<Proposal>,
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u64,
    #[serde(default = "default_memory_limit_mib")]
    pub memory_limit_mib: u64,
    /// A benchmark-sized case: the matrix runs it, the conformance suite leaves it out.
    #[serde(default)]
    pub bench: bool,
    #[serde(default)]
    pub expect: Expect,
    /// An HTTP case: the module is a WAGI handler served by the gateway, and the case is a request
    /// and the answer it must get (`args`, `env`, `stdin` and `dir` do not apply).
    #[serde(default)]
    pub http: Option<HttpCase>,
    /// The directory fixtures are relative to: the contract's for a contract case, else the sample's.
    #[serde(skip)]
    pub fixture_root: Option<PathBuf>,
}

impl Case {
    /// The host directory of a fixture named by this case, for a sample in `sample_dir`.
    pub fn fixture_path(&self, sample_dir: &Path, fixture: &str) -> PathBuf {
        self.fixture_root
            .as_deref()
            .unwrap_or(sample_dir)
            .join(fixture)
    }
}

fn default_timeout_ms() -> u64 {
    DEFAULT_TIMEOUT_MS
}

fn default_memory_limit_mib() -> u64 {
    DEFAULT_MEMORY_LIMIT_MIB
}

/// An HTTP request sent to a served sample, and the answer it must get.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct HttpCase {
    /// What kind of handler the sample is, which decides the columns that can serve it.
    #[serde(default)]
    pub handler: Serves,
    /// The route the sample is served on (`/path` or `/path/...`, WAGI's syntax).
    #[serde(default = "default_route")]
    pub route: String,
    #[serde(default = "default_method")]
    pub method: String,
    /// The request target: a path and its query, as sent.
    pub target: String,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    #[serde(default)]
    pub body: String,
    pub expect: HttpExpect,
    /// A load run after the case's requests: a benchmark-sized case (`bench = true`).
    pub load: Option<crate::load::Load>,
}

/// How a server hands a request to a handler.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Serves {
    /// A preview 1 command, run per request with CGI variables, arguments and stdin (WAGI).
    #[default]
    Wagi,
    /// A WASI 0.2 component's `wasi:http/incoming-handler` export (the `wasi:http/proxy` world).
    WasiHttp,
    /// A program that listens on a socket itself (`LISTEN_ADDR`) and says where on stdout: the
    /// engine must let it open one (wasi:sockets, WasmEdge's socket extension, or natively).
    Socket,
}

/// The answer an HTTP case must get.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct HttpExpect {
    pub status: u16,
    /// Headers the answer must have, with these values (names in any case); others may be there.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    pub body: Option<String>,
}

fn default_route() -> String {
    "/...".into()
}

fn default_method() -> String {
    "GET".into()
}

/// A preopened directory: a copy of a fixture directory of the sample, or a fresh empty one.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Dir {
    pub guest: String,
    /// A directory relative to the sample directory, copied afresh for every run.
    pub fixture: Option<String>,
}

/// What a correct run does. Output checks apply when the expected outcome is `pass`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    #[serde(default = "default_outcome")]
    pub outcome: crate::Outcome,
    /// A substring that the reason of an expected non-pass outcome must contain.
    pub reason_contains: Option<String>,
    #[serde(default)]
    pub exit_code: i32,
    pub stdout: Option<String>,
    /// A regular expression the whole of stdout must match, where output varies (clock readings).
    pub stdout_pattern: Option<String>,
    /// Text stdout must begin with, where only its start is known (wasi-testsuite's rule).
    pub stdout_prefix: Option<String>,
    pub stderr: Option<String>,
    pub stderr_pattern: Option<String>,
    /// Text stderr must begin with.
    pub stderr_prefix: Option<String>,
    #[serde(default, rename = "file")]
    pub files: Vec<ExpectFile>,
}

impl Default for Expect {
    fn default() -> Self {
        Expect {
            outcome: crate::Outcome::Pass,
            reason_contains: None,
            exit_code: 0,
            stdout: None,
            stdout_pattern: None,
            stdout_prefix: None,
            stderr: None,
            stderr_pattern: None,
            stderr_prefix: None,
            files: Vec::new(),
        }
    }
}

fn default_outcome() -> crate::Outcome {
    crate::Outcome::Pass
}

/// A file the run must leave behind (with this content) or must not (`absent`), by guest path.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectFile {
    pub path: String,
    pub content: Option<String>,
    #[serde(default)]
    pub absent: bool,
}

/// WebAssembly proposals a module may need beyond what every backend enables by default, and every
/// core proposal the measured support table (`proposals`) probes, in webassembly.org/features'
/// order: the finished Wasm 2.0 features, then Wasm 3.0's, then the rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Proposal {
    BulkMemory,
    MultiValue,
    MutableGlobals,
    NontrappingFloatToInt,
    ReferenceTypes,
    SignExtension,
    Simd,
    Gc,
    FunctionReferences,
    TailCall,
    ExceptionHandling,
    Memory64,
    MultiMemory,
    ExtendedConst,
    RelaxedSimd,
    Threads,
    LegacyExceptions,
    CustomPageSizes,
    WideArithmetic,
    BranchHinting,
    JsStringBuiltins,
}

impl Proposal {
    pub const ALL: &[Proposal] = &[
        Proposal::BulkMemory,
        Proposal::MultiValue,
        Proposal::MutableGlobals,
        Proposal::NontrappingFloatToInt,
        Proposal::ReferenceTypes,
        Proposal::SignExtension,
        Proposal::Simd,
        Proposal::Gc,
        Proposal::FunctionReferences,
        Proposal::TailCall,
        Proposal::ExceptionHandling,
        Proposal::Memory64,
        Proposal::MultiMemory,
        Proposal::ExtendedConst,
        Proposal::RelaxedSimd,
        Proposal::Threads,
        Proposal::LegacyExceptions,
        Proposal::CustomPageSizes,
        Proposal::WideArithmetic,
        Proposal::BranchHinting,
        Proposal::JsStringBuiltins,
    ];
}

impl std::str::FromStr for Proposal {
    type Err = String;

    /// A proposal by its manifest name (`gc`, `exception-handling`, …).
    fn from_str(name: &str) -> Result<Self, String> {
        Proposal::ALL
            .iter()
            .copied()
            .find(|p| p.to_string() == name)
            .ok_or_else(|| format!("unknown proposal `{name}`"))
    }
}

impl fmt::Display for Proposal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            Proposal::BulkMemory => "bulk-memory",
            Proposal::MultiValue => "multi-value",
            Proposal::MutableGlobals => "mutable-globals",
            Proposal::NontrappingFloatToInt => "nontrapping-float-to-int",
            Proposal::ReferenceTypes => "reference-types",
            Proposal::SignExtension => "sign-extension",
            Proposal::Simd => "simd",
            Proposal::Gc => "gc",
            Proposal::FunctionReferences => "function-references",
            Proposal::TailCall => "tail-call",
            Proposal::ExceptionHandling => "exception-handling",
            Proposal::Memory64 => "memory64",
            Proposal::MultiMemory => "multi-memory",
            Proposal::ExtendedConst => "extended-const",
            Proposal::RelaxedSimd => "relaxed-simd",
            Proposal::Threads => "threads",
            Proposal::LegacyExceptions => "legacy-exceptions",
            Proposal::CustomPageSizes => "custom-page-sizes",
            Proposal::WideArithmetic => "wide-arithmetic",
            Proposal::BranchHinting => "branch-hinting",
            Proposal::JsStringBuiltins => "js-string-builtins",
        };
        f.write_str(name)
    }
}

/// A manifest that could not be used, with the file it came from.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
}

/// A sample found on disk: its directory and its manifest.
#[derive(Debug, Clone)]
pub struct Sample {
    pub dir: PathBuf,
    pub manifest: Manifest,
}

impl Sample {
    pub fn language(&self) -> &str {
        &self.manifest.sample.language
    }

    pub fn name(&self) -> &str {
        &self.manifest.sample.name
    }

    /// `language/name`, the sample's identity everywhere in the results.
    pub fn id(&self) -> String {
        format!("{}/{}", self.language(), self.name())
    }
}

/// Reads and checks one manifest. Parse errors carry the file's line and column.
pub fn load(path: &Path) -> Result<Manifest, ManifestError> {
    let text = std::fs::read_to_string(path).map_err(|source| ManifestError::Read {
        path: path.to_owned(),
        source,
    })?;
    parse(path, &text)
}

/// Parses manifest text. `path` names the file in errors and locates the contract, if the sample
/// names one: `<path>/../../../contract/<name>/contract.toml`.
pub fn parse(path: &Path, text: &str) -> Result<Manifest, ManifestError> {
    let mut manifest: Manifest = toml::from_str(text).map_err(|err| ManifestError::Parse {
        path: path.to_owned(),
        message: describe_toml_error(text, &err),
    })?;
    if let Some(name) = manifest.sample.contract.clone() {
        let samples_root = path
            .parent()
            .and_then(Path::parent)
            .and_then(Path::parent)
            .unwrap_or(Path::new("."));
        let contract = load_contract(&samples_root.join("contract").join(&name))?;
        if contract.contract.name != name {
            return Err(ManifestError::Invalid {
                path: path.to_owned(),
                message: format!(
                    "contract `{name}` calls itself `{}`",
                    contract.contract.name
                ),
            });
        }
        if manifest.sample.description.is_empty() {
            manifest.sample.description = contract.contract.description.clone();
        }
        // The sample's own cases replace the contract's of the same name, in the contract's order.
        let mut own = std::mem::take(&mut manifest.cases);
        for case in contract.cases {
            match own.iter().position(|c| c.name == case.name) {
                Some(i) => manifest.cases.push(own.remove(i)),
                None => manifest.cases.push(case),
            }
        }
        manifest.cases.extend(own);
    }
    for case in &mut manifest.cases {
        case.proposals
            .extend(manifest.sample.proposals.iter().copied());
    }
    validate(&manifest).map_err(|message| ManifestError::Invalid {
        path: path.to_owned(),
        message,
    })?;
    Ok(manifest)
}

/// Reads a contract directory's `contract.toml`; its cases' fixtures are relative to that directory.
pub fn load_contract(dir: &Path) -> Result<Contract, ManifestError> {
    let path = dir.join(CONTRACT_FILE_NAME);
    let text = std::fs::read_to_string(&path).map_err(|source| ManifestError::Read {
        path: path.clone(),
        source,
    })?;
    let mut contract: Contract = toml::from_str(&text).map_err(|err| ManifestError::Parse {
        path: path.clone(),
        message: describe_toml_error(&text, &err),
    })?;
    for case in &mut contract.cases {
        case.fixture_root = Some(dir.to_owned());
    }
    Ok(contract)
}

/// `line L, column C: message`, computed from the error's byte span so it reads the same whatever the
/// toml crate's own formatting.
fn describe_toml_error(text: &str, err: &toml::de::Error) -> String {
    let message = err.message().trim_end();
    match err.span() {
        Some(span) => {
            let before = &text[..span.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
            format!("line {line}, column {column}: {message}")
        }
        None => message.to_owned(),
    }
}

fn validate(m: &Manifest) -> Result<(), String> {
    let ident = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
    };
    if !ident(&m.sample.name) {
        return Err(format!(
            "sample name `{}` must be lowercase letters, digits, `-` or `_`",
            m.sample.name
        ));
    }
    if !ident(&m.sample.language) {
        return Err(format!(
            "language `{}` must be lowercase letters, digits, `-` or `_`",
            m.sample.language
        ));
    }
    if m.cases.is_empty() {
        return Err("a sample needs at least one [[case]]".into());
    }
    let mut seen = BTreeSet::new();
    for case in &m.cases {
        if !ident(&case.name) {
            return Err(format!(
                "case name `{}` must be lowercase letters, digits, `-` or `_`",
                case.name
            ));
        }
        if !seen.insert(&case.name) {
            return Err(format!("case `{}` appears twice", case.name));
        }
        let e = &case.expect;
        let stdout_rules = [&e.stdout, &e.stdout_pattern, &e.stdout_prefix];
        if stdout_rules.iter().filter(|r| r.is_some()).count() > 1 {
            return Err(format!(
                "case `{}`: give one of stdout, stdout_pattern and stdout_prefix",
                case.name
            ));
        }
        let stderr_rules = [&e.stderr, &e.stderr_pattern, &e.stderr_prefix];
        if stderr_rules.iter().filter(|r| r.is_some()).count() > 1 {
            return Err(format!(
                "case `{}`: give one of stderr, stderr_pattern and stderr_prefix",
                case.name
            ));
        }
        for pattern in [&e.stdout_pattern, &e.stderr_pattern].into_iter().flatten() {
            regex::Regex::new(pattern)
                .map_err(|err| format!("case `{}`: bad pattern: {err}", case.name))?;
        }
        for dir in &case.dirs {
            if !dir.guest.starts_with('/') {
                return Err(format!(
                    "case `{}`: guest dir `{}` must be absolute",
                    case.name, dir.guest
                ));
            }
            if let Some(fixture) = &dir.fixture
                && (Path::new(fixture).is_absolute() || fixture.split('/').any(|c| c == ".."))
            {
                return Err(format!(
                    "case `{}`: fixture `{fixture}` must stay inside the sample directory",
                    case.name
                ));
            }
        }
        for file in &e.files {
            if file.absent == file.content.is_some() {
                return Err(format!(
                    "case `{}`: expected file `{}` needs exactly one of `content` or `absent = true`",
                    case.name, file.path
                ));
            }
            if !case
                .dirs
                .iter()
                .any(|d| guest_relative(&d.guest, &file.path).is_some())
            {
                return Err(format!(
                    "case `{}`: expected file `{}` is not inside any preopened dir",
                    case.name, file.path
                ));
            }
        }
        if let Some(http) = &case.http {
            let command_like = !case.args.is_empty()
                || !case.env.is_empty()
                || !case.stdin.is_empty()
                || !case.dirs.is_empty()
                || e.stdout.is_some()
                || e.stdout_pattern.is_some()
                || e.stdout_prefix.is_some()
                || !e.files.is_empty();
            if command_like {
                return Err(format!(
                    "case `{}`: an [case.http] case is a request: args, env, stdin, dir and the \
                     expected stdout and files do not apply to it",
                    case.name
                ));
            }
            crate::wagi::RoutePattern::parse(&http.route)
                .map_err(|m| format!("case `{}`: {m}", case.name))?;
            if !http.target.starts_with('/') {
                return Err(format!(
                    "case `{}`: the request target `{}` must start with `/`",
                    case.name, http.target
                ));
            }
            if let Some(load) = &http.load
                && (!case.bench
                    || load.requests == 0
                    || load.connections == 0
                    || !(load.seconds > 0.0 && load.seconds.is_finite()))
            {
                return Err(format!(
                    "case `{}`: a load run is benchmark-sized (`bench = true`) and needs positive \
                     requests, connections and seconds",
                    case.name
                ));
            }
            if !(100..=599).contains(&http.expect.status) {
                return Err(format!(
                    "case `{}`: expected status {} is not an HTTP status",
                    case.name, http.expect.status
                ));
            }
        }
        if case.timeout_ms == 0 || case.memory_limit_mib == 0 {
            return Err(format!(
                "case `{}`: timeout_ms and memory_limit_mib must be positive",
                case.name
            ));
        }
    }
    Ok(())
}

/// The part of `path` below the guest directory `dir`, if `path` is inside it.
pub fn guest_relative<'a>(dir: &str, path: &'a str) -> Option<&'a str> {
    let dir = dir.trim_end_matches('/');
    let rest = path.strip_prefix(dir)?;
    if rest.is_empty() {
        Some("")
    } else {
        rest.strip_prefix('/')
    }
}

/// Finds every `sample.toml` under `root` (sorted by path). A manifest that fails to load is returned
/// as an error in place, so one broken sample never hides the others.
pub fn discover(root: &Path) -> Vec<Result<Sample, ManifestError>> {
    let mut found = Vec::new();
    collect(root, &mut found);
    found.sort();
    found
        .into_iter()
        .map(|path| {
            let dir = path.parent().unwrap_or(root).to_owned();
            load(&path).map(|manifest| Sample { dir, manifest })
        })
        .collect()
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if name == "target" || name.to_string_lossy().starts_with('.') {
            continue;
        }
        if path.is_dir() {
            collect(&path, out);
        } else if name == FILE_NAME {
            out.push(path);
        }
    }
}

/// The cargo target directory of the project at `root`: `CARGO_TARGET_DIR` when set, as cargo does.
pub fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from)
}

/// Where the built module of a sample lives.
pub fn module_path(target_dir: &Path, language: &str, sample: &str) -> PathBuf {
    target_dir
        .join("samples")
        .join(language)
        .join(sample)
        .join("module.wasm")
}

/// Where the build record of a sample lives, next to its module.
pub fn stamp_path(target_dir: &Path, language: &str, sample: &str) -> PathBuf {
    target_dir
        .join("samples")
        .join(language)
        .join(sample)
        .join("build.json")
}

/// What `build-samples` records of each sample; the harness reads it to know whether a module exists,
/// how it was made, and what to say when it does not.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BuildStamp {
    pub status: BuildStatus,
    /// Why the build was skipped or failed, with what to do about it.
    #[serde(default)]
    pub reason: String,
    /// Hash of everything the build read: sources, manifest, recipe and toolchain version.
    pub fingerprint: String,
    /// The toolchain that built it, as it reports its own version.
    #[serde(default)]
    pub toolchain: String,
    #[serde(default)]
    pub module_bytes: u64,
    #[serde(default)]
    pub module_sha256: String,
    /// How to start the module for this sample, when it is an interpreter or needs files beside it.
    #[serde(default)]
    pub launch: Launch,
    /// Why the sample has no preview 1 module at all, for a language whose toolchain makes WASI 0.2
    /// components only: its cells on preview 1 columns are `unsupported` with this reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_module: Option<String>,
    /// The sample's WASI 0.2 command component (`component.wasm` beside the module), when the build
    /// made or tried to make one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub component: Option<ComponentBuild>,
    /// Why the sample has no component by design (an error-corpus module that cannot be one): its
    /// cells on component columns are `unsupported` with this reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_component: Option<String>,
}

/// What a cell ran: the preview 1 module, or a component and how it was made. Results say which, so
/// that nobody benchmarks the adapter believing it is the language.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "kebab-case")]
pub enum Artifact {
    /// The WASI preview 1 core module.
    Module,
    /// A component from the language's own toolchain (`wasm32-wasip2`, `componentize-py`,
    /// `componentize-js`).
    NativeComponent,
    /// The preview 1 module wrapped in the official `wasi_snapshot_preview1` command adapter by
    /// `wit-component`: its preview 1 calls go through the adapter to WASI 0.2.
    AdaptedComponent,
}

impl Artifact {
    pub fn as_str(self) -> &'static str {
        match self {
            Artifact::Module => "module",
            Artifact::NativeComponent => "native component",
            Artifact::AdaptedComponent => "adapted component",
        }
    }
}

/// The build record of a sample's component.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ComponentBuild {
    pub status: BuildStatus,
    /// Why it was skipped or failed.
    #[serde(default)]
    pub reason: String,
    /// `native-component` or `adapted-component`.
    pub artifact: Artifact,
    /// What made it: the language's toolchain, or `wit-component` and the adapter's version.
    #[serde(default)]
    pub toolchain: String,
    #[serde(default)]
    pub bytes: u64,
    #[serde(default)]
    pub sha256: String,
}

/// Where a sample's component is built (beside its module).
pub fn component_path(target_dir: &Path, language: &str, sample: &str) -> PathBuf {
    build_dir(target_dir, language, sample).join("component.wasm")
}

/// What a sample's module needs around every case: arguments before the case's own, environment
/// variables, and directories from the build (relative to the sample's build directory).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Launch {
    #[serde(default)]
    pub args: Vec<String>,
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    #[serde(default)]
    pub dirs: Vec<LaunchDir>,
}

/// A directory the build produced, preopened at `guest` for every case.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct LaunchDir {
    pub guest: String,
    /// Relative to the sample's build directory (`target/samples/<language>/<sample>/`).
    pub host: String,
}

/// The build directory of a sample, where its module, record and launch files live.
pub fn build_dir(target_dir: &Path, language: &str, sample: &str) -> PathBuf {
    target_dir.join("samples").join(language).join(sample)
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum BuildStatus {
    Built,
    Skipped,
    Failed,
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
[sample]
name = "hello"
language = "rust"

[build]
recipe = "cargo"

[[case]]
name = "default"
dir = [{ guest = "/out" }]
[case.expect]
stdout = "hi\n"
file = [{ path = "/out/x.txt", content = "x" }]
"#;

    fn err(text: &str) -> String {
        parse(Path::new("samples/x/sample.toml"), text)
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn good_manifest_parses_with_defaults() {
        let m = parse(Path::new("s.toml"), GOOD).unwrap();
        assert_eq!(m.build, Build::Cargo { bin: None });
        let case = &m.cases[0];
        assert_eq!(case.timeout_ms, DEFAULT_TIMEOUT_MS);
        assert_eq!(case.expect.outcome, crate::Outcome::Pass);
        assert_eq!(case.expect.files[0].content.as_deref(), Some("x"));
    }

    const HTTP: &str = r#"
[sample]
name = "wagi"
language = "rust"

[build]
recipe = "cargo"

[[case]]
name = "get"
[case.http]
target = "/echo?x=1"
[case.http.expect]
status = 200
headers = { "content-type" = "text/plain" }
"#;

    #[test]
    fn http_cases_parse_and_bad_ones_are_clear_errors() {
        let m = parse(Path::new("s.toml"), HTTP).unwrap();
        let http = m.cases[0].http.as_ref().unwrap();
        assert_eq!((http.route.as_str(), http.method.as_str()), ("/...", "GET"));
        assert_eq!(http.expect.status, 200);
        assert!(http.load.is_none());
        let e = err(&HTTP.replace("name = \"get\"", "name = \"get\"\nargs = [\"x\"]"));
        assert!(e.contains("args, env, stdin, dir"), "{e}");
        let e = err(&HTTP.replace("target = \"/echo?x=1\"", "target = \"echo\""));
        assert!(e.contains("must start with `/`"), "{e}");
        let e = err(&HTTP.replace("[case.http]", "[case.http]\nroute = \"nope\""));
        assert!(e.contains("does not start with `/`"), "{e}");
        let e = err(&HTTP.replace("status = 200", "status = 1000"));
        assert!(e.contains("not an HTTP status"), "{e}");
        let load = "[case.http]\nload = { requests = 10, connections = 1, seconds = 1.0 }";
        let e = err(&HTTP.replace("[case.http]", load));
        assert!(e.contains("benchmark-sized"), "{e}");
        let bench = HTTP.replace("name = \"get\"", "name = \"get\"\nbench = true");
        assert!(parse(Path::new("s.toml"), &bench.replace("[case.http]", load)).is_ok());
    }

    #[test]
    fn unknown_key_names_file_line_and_column() {
        let text = GOOD.replace("stdout = \"hi\\n\"", "stdout = \"hi\\n\"\nstdot = \"typo\"");
        let e = err(&text);
        assert!(
            e.starts_with("samples/x/sample.toml: line 14, column 1:"),
            "{e}"
        );
        assert!(e.contains("unknown field `stdot`"), "{e}");
    }

    #[test]
    fn unknown_recipe_is_an_error() {
        let e = err(&GOOD.replace("recipe = \"cargo\"", "recipe = \"make\""));
        assert!(e.contains("line 7") && e.contains("make"), "{e}");
    }

    #[test]
    fn unknown_recipe_parameter_is_an_error() {
        let e = err(&GOOD.replace(
            "recipe = \"cargo\"",
            "recipe = \"cargo\"\nfeatures = [\"x\"]",
        ));
        assert!(e.contains("unknown field `features`"), "{e}");
    }

    #[test]
    fn unknown_proposal_is_an_error() {
        let e = err(&GOOD.replace(
            "name = \"default\"",
            "name = \"default\"\nproposals = [\"gcc\"]",
        ));
        assert!(e.contains("gcc") && e.contains("line 11"), "{e}");
    }

    #[test]
    fn wrong_type_is_an_error() {
        let e = err(&GOOD.replace(
            "name = \"default\"",
            "name = \"default\"\ntimeout_ms = \"soon\"",
        ));
        assert!(e.contains("line 11, column 14"), "{e}");
    }

    #[test]
    fn semantic_errors_are_reported() {
        assert!(
            err(&GOOD.replace("/out/x.txt", "/elsewhere/x.txt"))
                .contains("not inside any preopened dir")
        );
        assert!(
            err(&GOOD.replace("guest = \"/out\"", "guest = \"out\"")).contains("must be absolute")
        );
        assert!(
            err(&GOOD.replace(
                "stdout = \"hi\\n\"",
                "stdout = \"a\"\nstdout_pattern = \"a\""
            ))
            .contains("give one of")
        );
        assert!(
            err(&GOOD.replace("stdout = \"hi\\n\"", "stdout_pattern = \"(\""))
                .contains("bad pattern")
        );
        assert!(
            err(&GOOD.replace(
                "{ guest = \"/out\" }",
                "{ guest = \"/out\", fixture = \"../../etc\" }"
            ))
            .contains("inside the sample directory")
        );
        let twice = format!("{GOOD}\n[[case]]\nname = \"default\"\n");
        assert!(err(&twice).contains("appears twice"));
    }

    /// A scratch samples tree with one contract and one language sample using it.
    fn contract_tree(name: &str, sample: &str) -> PathBuf {
        let root =
            std::env::temp_dir().join(format!("manifest-contract-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join("contract/greet/fixtures/in")).unwrap();
        std::fs::create_dir_all(root.join("lang/greet")).unwrap();
        std::fs::write(
            root.join("contract/greet/contract.toml"),
            r#"
[contract]
name = "greet"
description = "says hello"

[[case]]
name = "plain"
[case.expect]
stdout = "hello\n"

[[case]]
name = "bench"
bench = true
args = ["1000000"]
dir = [{ guest = "/in", fixture = "fixtures/in" }]
"#,
        )
        .unwrap();
        std::fs::write(root.join("lang/greet/sample.toml"), sample).unwrap();
        root
    }

    #[test]
    fn contract_cases_are_merged_and_overridden_by_name() {
        let root = contract_tree(
            "merge",
            r#"
[sample]
name = "greet"
language = "lang"
contract = "greet"
proposals = ["gc"]

[build]
recipe = "go"

[[case]]
name = "bench"
bench = true
args = ["10"]

[[case]]
name = "extra"
"#,
        );
        let m = load(&root.join("lang/greet/sample.toml")).unwrap();
        let names: Vec<&str> = m.cases.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["plain", "bench", "extra"]);
        assert_eq!(m.sample.description, "says hello");
        assert_eq!(
            m.cases[1].args,
            ["10"],
            "the sample's own case replaces the contract's"
        );
        assert!(m.cases.iter().all(|c| c.proposals.contains(&Proposal::Gc)));
        let plain = &m.cases[0];
        assert_eq!(
            plain.fixture_path(&root.join("lang/greet"), "fixtures/in"),
            root.join("contract/greet/fixtures/in"),
            "contract fixtures resolve beside the contract"
        );
        assert_eq!(
            m.cases[2].fixture_path(&root.join("lang/greet"), "x"),
            root.join("lang/greet/x")
        );
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn missing_or_misnamed_contract_is_an_error() {
        let root = contract_tree(
            "missing",
            "[sample]\nname = \"greet\"\nlanguage = \"lang\"\ncontract = \"nope\"\n[build]\nrecipe = \"go\"\n",
        );
        let e = load(&root.join("lang/greet/sample.toml")).unwrap_err();
        assert!(e.to_string().contains("contract/nope/contract.toml"), "{e}");
        std::fs::create_dir_all(root.join("contract/nope")).unwrap();
        std::fs::copy(
            root.join("contract/greet/contract.toml"),
            root.join("contract/nope/contract.toml"),
        )
        .unwrap();
        let e = load(&root.join("lang/greet/sample.toml")).unwrap_err();
        assert!(e.to_string().contains("calls itself `greet`"), "{e}");
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn missing_file_is_a_read_error() {
        let e = load(Path::new("/nonexistent/sample.toml")).unwrap_err();
        assert!(matches!(e, ManifestError::Read { .. }));
        assert!(
            e.to_string()
                .starts_with("cannot read /nonexistent/sample.toml")
        );
    }

    #[test]
    fn guest_relative_paths() {
        assert_eq!(guest_relative("/out", "/out/a/b"), Some("a/b"));
        assert_eq!(guest_relative("/out/", "/out/a"), Some("a"));
        assert_eq!(guest_relative("/out", "/outside/a"), None);
    }
}
