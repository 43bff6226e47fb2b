//! The column registry: every column the harness knows, in the order the matrix shows them, with what
//! it is (kind, engine, tier), what it supports, what it prices, how a user gets it, and how it runs
//! code in words a reader can check. Every other list of columns is a lookup here.

use crate::manifest::Proposal;

/// How a column reaches its engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Compiled into the harness's worker, behind the cargo feature named after the engine.
    Embedded,
    /// Served by a worker binary of its own (`harness-wasmedge-worker`, under the prefix's loader).
    ExternalWorker,
    /// The engine's own command-line tool, one process per run.
    Tool,
    /// A container, through a Docker Engine or through its containerd directly.
    Container(Via),
    /// The host's own binary, one process per run.
    Native,
}

/// Which client starts a container column's containers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    Docker,
    Containerd,
}

/// The ways of running a program, in the order the published comparisons list them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Way {
    Embedded,
    Tool,
    Containerd,
    Docker,
    RuncContainer,
    NativeProcess,
}

impl Way {
    pub fn as_str(self) -> &'static str {
        match self {
            Way::Embedded => "embedded engine",
            Way::Tool => "command-line tool",
            Way::Containerd => "Wasm container via containerd",
            Way::Docker => "Wasm container via Docker",
            Way::RuncContainer => "runc container via Docker",
            Way::NativeProcess => "native process",
        }
    }
}

/// The engine a column runs; `Native` for columns that run no Wasm at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Wasmtime,
    Wasmer,
    WasmEdge,
    /// V8, through Node.js.
    V8,
    /// The wasmi interpreter.
    Wasmi,
    /// WebAssembly Micro Runtime, through its `iwasm` tool.
    Wamr,
    Native,
}

/// How the engine turns a module into running code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tier {
    Cranelift,
    /// wasmtime's baseline compiler: one pass, no optimization, fast to compile.
    Winch,
    /// wasmtime's portable interpreter of Pulley bytecode, which Cranelift compiles the module to.
    Pulley,
    /// wasmer's single-pass compiler: no intermediate form, fast to compile.
    Singlepass,
    /// wasmer's LLVM compiler: LLVM's optimization pipeline, slow to compile, fastest code.
    Llvm,
    /// WasmEdge's LLVM ahead-of-time compiler, to a native shared library.
    LlvmAot,
    /// V8's default: each function compiled by Liftoff, its baseline compiler, on first call, and
    /// hot functions again by TurboFan, its optimizing compiler (dynamic tiering).
    LiftoffTurbofan,
    Interpreter,
    /// Machine code from the language's own compiler.
    Native,
}

/// How a user gets a column onto a machine: the text a skipped cell points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provision {
    /// A cargo feature of the harness, on by default.
    Feature,
    /// `cargo xtask setup --language wasmedge` unpacks WasmEdge's prefix, and the matrix builds the
    /// worker against it.
    WasmEdgePrefix,
    /// `cargo xtask setup --language <column>` builds this version of the tool with `cargo install
    /// --locked`, under `.cache/toolchains/<column>-<version>/`; `executable` is below that root.
    Pinned {
        version: &'static str,
        executable: &'static str,
    },
    /// `cargo xtask docker up` (the matrix does it when a container column is asked for).
    DockerEngine,
    /// Each language's own toolchain, driven by `cargo xtask build-samples`.
    NativeToolchains,
    /// Node.js from the machine: `node` on the PATH, or the binary `HARNESS_NODE` names.
    Node,
    /// WAMR's `iwasm`, built by the user: on the PATH, or named in `HARNESS_IWASM`.
    Wamr,
    /// A harness feature that links a system library, off by default: `cargo xtask setup
    /// --language <column>` installs the library (`toolchains.toml`), and the matrix then builds
    /// the harness with the feature of the column's name.
    LinkedFeature { library: &'static str },
    /// Another column's pinned tool, run another way (`wasmtime run` of a component).
    SharesTool { column: &'static str },
    /// npm packages pinned by a lock file under `toolchains/<toolchain>/`, which `cargo xtask setup
    /// --language <toolchain>` installs with `npm ci` (every package's integrity checked) into
    /// `.cache/toolchains/<toolchain>-<version>/`, run on the machine's Node.js.
    NodePackages {
        toolchain: &'static str,
        version: &'static str,
    },
}

/// A column that exists to price one engine mechanism: its base column's engine with that mechanism
/// on. It runs the benchmark-sized cases only, beside its base in the same run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Prices {
    pub base: &'static str,
    pub mechanism: &'static str,
}

/// How a column runs code, published under `meta.columns` (see [`super::Configuration`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct About {
    pub engine: &'static str,
    pub compiler: &'static str,
    pub deadline: &'static str,
    pub memory_cap: &'static str,
    pub cache: &'static str,
    pub stdio: &'static str,
    pub checked: &'static str,
}

/// What a column runs: the artifact its cells are given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    /// A WASI preview 1 command module (a core module importing `wasi_snapshot_preview1`).
    Module,
    /// A WASI 0.2 command component (the component model, exporting `wasi:cli/run`): built
    /// natively by the languages that can, adapted from the preview 1 module for the others.
    Component,
}

/// One column of the matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    pub name: &'static str,
    pub kind: Kind,
    pub input: Input,
    pub engine: Engine,
    pub tier: Tier,
    pub prices: Option<Prices>,
    pub provision: Provision,
    pub about: About,
}

impl Engine {
    /// The engine's name as the shims and caches spell it.
    pub fn name(self) -> &'static str {
        match self {
            Engine::Wasmtime => "wasmtime",
            Engine::Wasmer => "wasmer",
            Engine::WasmEdge => "wasmedge",
            Engine::V8 => "node",
            Engine::Wasmi => "wasmi",
            Engine::Wamr => "wamr",
            Engine::Native => "native",
        }
    }

    /// Whether the engine can turn the proposal on at this tier: each engine's set, written once.
    /// A case that needs a proposal the column cannot enable still runs, so that the engine's own
    /// error is what the matrix reports.
    pub fn supports(self, tier: Tier, proposal: Proposal) -> bool {
        use Proposal::*;
        // Finished before every engine here had its first release: on, with no switch to turn.
        let always_on = matches!(
            proposal,
            BulkMemory
                | MultiValue
                | MutableGlobals
                | NontrappingFloatToInt
                | ReferenceTypes
                | SignExtension
                | Simd
                // A custom section of hints: an engine that does not read it still runs the code.
                | BranchHinting
        );
        match self {
            Engine::Native => true,
            // wasmtime's switch for the legacy exception encoding exists for the spec tests only
            // (hidden, deprecated); string builtins belong to JavaScript embeddings. Winch refuses
            // the proposals its code generator lacks (wasmtime's `compiler_panicking_wasm_features`
            // for Winch); Pulley has no shared memories.
            Engine::Wasmtime => match proposal {
                LegacyExceptions | JsStringBuiltins => false,
                Gc | FunctionReferences | RelaxedSimd | TailCall | ExceptionHandling => {
                    tier != Tier::Winch
                }
                Threads => tier != Tier::Pulley,
                _ => true,
            },
            // Singlepass generates no vector instructions and takes none of the newer proposals.
            Engine::Wasmer if tier == Tier::Singlepass => {
                (always_on && proposal != Simd)
                    || matches!(proposal, Threads | MultiMemory | ExtendedConst)
            }
            // What wasmer's Cranelift compiler accepts in `Features` (it has no GC at all); its LLVM
            // compiler accepts tail calls besides.
            Engine::Wasmer => {
                always_on
                    || matches!(
                        proposal,
                        ExceptionHandling
                            | Threads
                            | MultiMemory
                            | RelaxedSimd
                            | ExtendedConst
                            | WideArithmetic
                    )
                    || (tier == Tier::Llvm && proposal == TailCall)
            }
            // What V8 11.3 (Node.js 20, the oldest Node supported) runs by default. It has
            // switches for GC, typed function references, memory64, multi-memory, relaxed SIMD and
            // extended-const, in forms that predate the standards (GC's encoding changed after
            // it), and later Nodes ship them: the runner sets each case's switches anyway, so a
            // newer Node passes such a case and an older one is `unsupported`, in V8's words.
            Engine::V8 => {
                always_on
                    || matches!(
                        proposal,
                        TailCall | LegacyExceptions | Threads | BranchHinting
                    )
            }
            // wasmi 2.0: no GC, typed function references, exceptions or threads; custom page
            // sizes and wide arithmetic behind switches, the rest on by default (SIMD with the
            // crate's `simd` feature). Branch hints are a custom section it skips.
            Engine::Wasmi => {
                always_on
                    || matches!(
                        proposal,
                        TailCall
                            | Memory64
                            | MultiMemory
                            | ExtendedConst
                            | CustomPageSizes
                            | WideArithmetic
                            | RelaxedSimd
                    )
            }
            // What WAMR 2's default Linux build of `iwasm` (the fast interpreter) documents; its
            // other proposals are build options, so a user's build may run more.
            Engine::Wamr => {
                (always_on && proposal != Simd)
                    || matches!(proposal, TailCall | MultiMemory | ExtendedConst)
            }
            // WasmEdge 0.14: GC and exception handling (one switch for both encodings) run in its
            // interpreter only.
            Engine::WasmEdge => match proposal {
                Gc | ExceptionHandling | LegacyExceptions => tier == Tier::Interpreter,
                // No switch in the SDK for relaxed SIMD and extended-const; memory64 comes in 0.17.
                RelaxedSimd | ExtendedConst | Memory64 | CustomPageSizes | WideArithmetic
                | JsStringBuiltins => false,
                _ => true,
            },
        }
    }
}

impl Column {
    pub fn supports(&self, proposal: Proposal) -> bool {
        self.engine.supports(self.tier, proposal)
    }

    /// Whether the column interprets rather than compiles: its benchmark-sized cases take minutes.
    pub fn interprets(&self) -> bool {
        matches!(self.tier, Tier::Interpreter | Tier::Pulley)
    }

    pub fn is_container(&self) -> bool {
        matches!(self.kind, Kind::Container(_))
    }

    /// Whether the column runs the host's own binary (natively or in a runc container).
    pub fn runs_native_code(&self) -> bool {
        self.engine == Engine::Native
    }

    /// The way of running a program this column stands for, as the published start-up comparisons
    /// group columns: in a process the harness starts with an engine inside it, the engine's own
    /// command-line tool, a Wasm container through containerd or through Docker, a native (runc)
    /// container, or a native process.
    pub fn way(&self) -> Way {
        match (self.kind, self.engine) {
            (Kind::Embedded | Kind::ExternalWorker, _) => Way::Embedded,
            (Kind::Tool, _) => Way::Tool,
            (Kind::Container(_), Engine::Native) => Way::RuncContainer,
            (Kind::Container(Via::Containerd), _) => Way::Containerd,
            (Kind::Container(Via::Docker), _) => Way::Docker,
            (Kind::Native, _) => Way::NativeProcess,
        }
    }

    /// The containerd shim's engine name (`containerd-shim-<name>-v1`), for a Wasm container column.
    pub fn shim(&self) -> Option<&'static str> {
        (self.is_container() && self.engine != Engine::Native).then(|| self.engine.name())
    }

    /// The column whose backend a container's shim runs: the same engine and tier, in process.
    pub fn runs_code_of(&self) -> Option<&'static Column> {
        self.shim()?;
        COLUMNS.iter().find(|c| {
            matches!(c.kind, Kind::Embedded | Kind::ExternalWorker)
                && c.prices.is_none()
                && (c.engine, c.tier) == (self.engine, self.tier)
        })
    }

    /// Whether the column's cells are given WASI 0.2 components rather than preview 1 modules.
    pub fn runs_components(&self) -> bool {
        self.input == Input::Component
    }

    /// The column whose pinned tool this column runs: itself, or the one it shares the tool of.
    pub fn tool_column(&self) -> &'static Column {
        match self.provision {
            Provision::SharesTool { column } => get(column).expect("a shared tool's column exists"),
            _ => get(self.name).expect("a registered column"),
        }
    }

    /// The pinned version and executable, for a tool that `cargo xtask setup` builds.
    pub fn pinned(&self) -> Option<(&'static str, &'static str)> {
        match self.provision {
            Provision::Pinned {
                version,
                executable,
            } => Some((version, executable)),
            _ => None,
        }
    }

    /// How a user makes the column available here.
    pub fn how_to_get(&self) -> String {
        match self.provision {
            Provision::Feature => format!(
                "rebuild the harness with `--features {}` (a default feature)",
                self.engine.name()
            ),
            Provision::WasmEdgePrefix => "run `cargo xtask setup --language wasmedge` (`cargo \
                 xtask matrix` does it, and builds the worker)"
                .into(),
            Provision::Pinned { version, .. } => format!(
                "run `cargo xtask setup --language {}` (it builds {} {version} with `cargo install \
                 --locked`)",
                self.name,
                self.engine.name()
            ),
            Provision::DockerEngine => "start one with `cargo xtask docker up` (the matrix does \
                 when a container column is asked for)"
                .into(),
            Provision::NativeToolchains => {
                "run `cargo xtask build-samples`, which builds each kernel natively too".into()
            }
            Provision::Node => "install Node.js 20 or later (Debian: `apt-get install nodejs`; \
                 any other build: name its `node` in `HARNESS_NODE`)"
                .into(),
            Provision::Wamr => "build WAMR's `iwasm` from its sources (`product-mini/platforms/linux`, \
                 with cmake: see WAMR's `doc/build_wamr.md`); no registry these machines reach has WAMR itself (crates.io's \
                 `wamr-sys` 0.1.1 vendors a 2020 copy whose WASI drops `proc_exit`'s code and \
                 ignores directory mappings; PyPI's `wamr-bin` is another runtime)"
                .into(),
            Provision::NodePackages { toolchain, version } => format!(
                "install Node.js 20 or later, then run `cargo xtask setup --language {toolchain}` \
                 (`npm ci` of `toolchains/{toolchain}/package-lock.json`, {toolchain} {version}, \
                 into `.cache/toolchains/`; `cargo xtask matrix` does it)"
            ),
            Provision::SharesTool { column } => get(column)
                .map(|c| c.how_to_get())
                .unwrap_or_default(),
            Provision::LinkedFeature { library } => format!(
                "run `cargo xtask setup --language {name}` (it installs {library}) and then `cargo \
                 xtask matrix`, which builds the harness with `--features harness/{name}` when \
                 the library is there (not under CI=true)",
                name = self.name
            ),
        }
    }
}

/// The column of a name, if it is one.
pub fn get(name: &str) -> Option<&'static Column> {
    COLUMNS.iter().find(|c| c.name == name)
}

/// Whether a name is a container column's.
pub fn is_container(name: &str) -> bool {
    get(name).is_some_and(Column::is_container)
}

/// The names of every column, in matrix order.
pub fn names() -> impl Iterator<Item = &'static str> {
    COLUMNS.iter().map(|c| c.name)
}

/// The columns that run Wasm: what the matrix runs when no column is named (it adds `native` when
/// kernels were built natively).
pub fn wasm_columns() -> impl Iterator<Item = &'static Column> {
    COLUMNS.iter().filter(|c| c.kind != Kind::Native)
}

/// The columns that run Wasm modules (a runc container runs the host's binary instead, a component
/// column components): those a module a user brings, a proposal probe or a wasi-testsuite test runs
/// on.
pub fn module_columns() -> impl Iterator<Item = &'static Column> {
    wasm_columns().filter(|c| !c.runs_native_code() && !c.runs_components())
}

/// The distinct shims the container columns need, in matrix order.
pub fn shims() -> Vec<&'static str> {
    let mut shims: Vec<&str> = COLUMNS.iter().filter_map(Column::shim).collect();
    let mut seen = std::collections::HashSet::new();
    shims.retain(|s| seen.insert(*s));
    shims
}

const WATCHDOG: &str = "the worker's watchdog ends the worker process at the deadline (counted from the \
     end of compilation); the generated code has no deadline checks";
const SHIM_WATCHDOG: &str = "the shim's watchdog ends the container's process at the deadline (counted \
     from the end of compilation); the harness's own limit is the backstop";
const CAPTURE: &str =
    "in-memory pipes: stdin from the case, stdout and stderr captured (4 MiB each)";
const CONTAINER_STDIO: &str = "the container's own stdio (the shim reopens runwasi's stdin FIFO \
     read-only so that the guest sees end of input)";
const WASMTIME_CODE: &str = "Cranelift at wasmtime's default settings (opt-level `speed`), host CPU \
     features detected at run time; Wasm GC objects in wasmtime's default collector, the copying one \
     (the crate's `gc-copying` feature, on in wasmtime's default features and in `wasmtime-cli`)";
const WASMER_CODE: &str =
    "Cranelift at wasmer's default settings (opt-level `speed`), host CPU features";
const WASMEDGE_AOT_CODE: &str = "WasmEdge's LLVM AOT compiler at O3, native shared library, not \
     interruptible (what `wasmedge compile --optimize 3` makes)";
const WASMTIME_CHECKED: &str = "epoch interruption and fuel are off (`wasmtime-epoch` prices epoch \
     interruption); the crate's features give `Collector::Auto` the collector wasmtime's defaults \
     give it (without `gc-copying` it falls back to reference counting, which ran Kotlin's \
     binary-trees six times slower than `wasmtime-cli`); `StoreLimits` acts only in `memory.grow`, \
     a libcall, and leaves the default static memories with guard pages (no bounds checks) as they are; the cache stores the engine's own \
     serialized code, checked against its precompile-compatibility hash; `cargo bench --workspace \
     --bench overhead` measures the whole in-process and worker path against the bare API at \
     wasmtime's default configuration";
const WASMER_CHECKED: &str = "no metering middleware; the tunables only lower each memory's declared \
     maximum, which keeps wasmer's static memory style (a 4 GiB reservation with guard pages, no \
     bounds checks) as without a cap; the cache stores wasmer's own serialized artifact";
const WASMEDGE_AOT_CHECKED: &str = "`interruptible` is off (`wasmedge-aot-interruptible` prices it); \
     the memory cap is `max_memory_pages`, a limit checked by `memory.grow`; the cached library is the \
     compiler's own output, keyed by module hash, library version, proposals, page limit and \
     interruptibility; the run phase is cross-checked against `wasmedge compile --optimize 3` + \
     `wasmedge` by `cargo xtask crosscheck`";

const fn container(
    name: &'static str,
    via: Via,
    engine: Engine,
    tier: Tier,
    about: About,
) -> Column {
    Column {
        name,
        kind: Kind::Container(via),
        input: Input::Module,
        engine,
        tier,
        prices: None,
        provision: Provision::DockerEngine,
        about,
    }
}

const DOCKER_WASMTIME: About = About {
    engine: "`docker run` through the project's runwasi shim `containerd-shim-wasmtime-v1`",
    compiler: WASMTIME_CODE,
    deadline: SHIM_WATCHDOG,
    memory_cap: "`StoreLimits` in the shim (`HARNESS_MEMORY_LIMIT`)",
    cache: "the `wasmtime` column's cache directory, mounted into the container",
    stdio: CONTAINER_STDIO,
    checked: "the shim runs the `wasmtime` column's backend: the same code generation",
};
const DOCKER_WASMER: About = About {
    engine: "`docker run` through the project's runwasi shim `containerd-shim-wasmer-v1`",
    compiler: WASMER_CODE,
    deadline: SHIM_WATCHDOG,
    memory_cap: "wasmer tunables in the shim (`HARNESS_MEMORY_LIMIT`)",
    cache: "the `wasmer` column's cache directory, mounted into the container",
    stdio: CONTAINER_STDIO,
    checked: "the shim runs the `wasmer` column's backend: the same code generation",
};
const DOCKER_WASMEDGE: About = About {
    engine: "`docker run` through the project's runwasi shim `containerd-shim-wasmedge-v1`",
    compiler: WASMEDGE_AOT_CODE,
    deadline: SHIM_WATCHDOG,
    memory_cap: "`max_memory_pages` in the shim (`HARNESS_MEMORY_LIMIT`)",
    cache: "the `wasmedge-aot` column's cache directory, mounted into the container",
    stdio: CONTAINER_STDIO,
    checked: "the shim runs the `wasmedge-aot` column's backend: the same code generation",
};

/// Every column, in the order the matrix shows them.
pub const COLUMNS: &[Column] = &[
    Column {
        name: "wasmtime",
        kind: Kind::Embedded,
        input: Input::Module,
        engine: Engine::Wasmtime,
        tier: Tier::Cranelift,
        prices: None,
        provision: Provision::Feature,
        about: About {
            engine: "wasmtime, embedded (`wasmtime` + `wasmtime-wasi` crates), in a worker process \
                     per run",
            compiler: WASMTIME_CODE,
            deadline: WATCHDOG,
            memory_cap: "`StoreLimits`: `memory.grow` past the cap returns -1",
            cache: "serialized modules under `target/harness-cache/wasmtime/`, keyed by module hash \
                    and precompile-compatibility hash",
            stdio: CAPTURE,
            checked: WASMTIME_CHECKED,
        },
    },
    Column {
        name: "wasmer",
        kind: Kind::Embedded,
        input: Input::Module,
        engine: Engine::Wasmer,
        tier: Tier::Cranelift,
        prices: None,
        provision: Provision::Feature,
        about: About {
            engine: "wasmer, embedded (`wasmer` + `wasmer-wasix` crates), in a worker process per run",
            compiler: WASMER_CODE,
            deadline: WATCHDOG,
            memory_cap: "tunables that lower each memory's maximum to the cap: `memory.grow` past \
                         it returns -1",
            cache: "serialized modules under `target/harness-cache/wasmer/`, keyed by module hash, \
                    wasmer version, features and the cap",
            stdio: CAPTURE,
            checked: WASMER_CHECKED,
        },
    },
    Column {
        name: "wasmedge",
        kind: Kind::ExternalWorker,
        input: Input::Module,
        engine: Engine::WasmEdge,
        tier: Tier::Interpreter,
        prices: None,
        provision: Provision::WasmEdgePrefix,
        about: About {
            engine: "WasmEdge, embedded through `wasmedge-sys`, in `harness-wasmedge-worker` under \
                     the prefix's loader",
            compiler: "WasmEdge's interpreter",
            deadline: "`call_func_with_timeout`: the interpreter checks for a stop request between \
                       instructions whether or not a deadline is set",
            memory_cap: "`max_memory_pages`",
            cache: "none: the interpreter loads and validates the module on every run",
            stdio: "the worker's descriptors 0, 1 and 2 pointed at pipes around `_start` \
                    (WasmEdge's WASI writes to the process's own)",
            checked: "an interpreter: benchmark-sized cases run only with `--bench-interpreters`",
        },
    },
    Column {
        name: "wasmedge-aot",
        kind: Kind::ExternalWorker,
        input: Input::Module,
        engine: Engine::WasmEdge,
        tier: Tier::LlvmAot,
        prices: None,
        provision: Provision::WasmEdgePrefix,
        about: About {
            engine: "WasmEdge, embedded through `wasmedge-sys`, in `harness-wasmedge-worker`",
            compiler: WASMEDGE_AOT_CODE,
            deadline: WATCHDOG,
            memory_cap: "`max_memory_pages`",
            cache: "the compiled shared library under `target/harness-cache/wasmedge-aot/`",
            stdio: "the worker's descriptors 0, 1 and 2 pointed at pipes around `_start`",
            checked: WASMEDGE_AOT_CHECKED,
        },
    },
    Column {
        name: "wasmtime-winch",
        kind: Kind::Embedded,
        input: Input::Module,
        engine: Engine::Wasmtime,
        tier: Tier::Winch,
        prices: None,
        provision: Provision::Feature,
        about: About {
            engine: "wasmtime, embedded, as the `wasmtime` column",
            compiler: "Winch, wasmtime's baseline compiler (`Strategy::Winch`, the crate's `winch` \
                       feature): one pass from Wasm to machine code, no optimization",
            deadline: WATCHDOG,
            memory_cap: "`StoreLimits`, as `wasmtime`",
            cache: "as `wasmtime`, a separate entry (the strategy is part of the key)",
            stdio: CAPTURE,
            checked: "the same engine, WASI and limits as `wasmtime` but for the compiler: the \
                      difference of their compile and run phases is the trade the tiers make",
        },
    },
    Column {
        name: "wasmtime-pulley",
        kind: Kind::Embedded,
        input: Input::Module,
        engine: Engine::Wasmtime,
        tier: Tier::Pulley,
        prices: None,
        provision: Provision::Feature,
        about: About {
            engine: "wasmtime, embedded, as the `wasmtime` column",
            compiler: "Pulley, wasmtime's portable interpreter (the crate's `pulley` feature, \
                       target `pulley64`): Cranelift compiles the module to Pulley bytecode, \
                       which the interpreter runs",
            deadline: WATCHDOG,
            memory_cap: "`StoreLimits`, as `wasmtime`",
            cache: "as `wasmtime`, a separate entry (the target is part of the key)",
            stdio: CAPTURE,
            checked: "the same engine, WASI and limits as `wasmtime` but for the target; an \
                      interpreter, so its benchmark-sized cases run only with \
                      `--bench-interpreters`",
        },
    },
    Column {
        name: "wasmer-singlepass",
        kind: Kind::Embedded,
        input: Input::Module,
        engine: Engine::Wasmer,
        tier: Tier::Singlepass,
        prices: None,
        provision: Provision::Feature,
        about: About {
            engine: "wasmer, embedded, as the `wasmer` column",
            compiler: "Singlepass, wasmer's single-pass compiler (the crate's `singlepass` \
                       feature), host CPU features",
            deadline: WATCHDOG,
            memory_cap: "tunables, as `wasmer`",
            cache: "as `wasmer`, a separate entry (the compiler is part of the key)",
            stdio: CAPTURE,
            checked: "the same engine, WASI and limits as `wasmer` but for the compiler: the \
                      difference of their compile and run phases is the trade the tiers make",
        },
    },
    Column {
        name: "wasmer-llvm",
        kind: Kind::Embedded,
        input: Input::Module,
        engine: Engine::Wasmer,
        tier: Tier::Llvm,
        prices: None,
        provision: Provision::LinkedFeature {
            library: "LLVM 22 (Debian's `llvm-22-dev`)",
        },
        about: About {
            engine: "wasmer, embedded, as the `wasmer` column",
            compiler: "LLVM, wasmer's optimizing compiler (the crate's `llvm` feature, \
                       `wasmer-compiler-llvm` over inkwell, linked statically with LLVM 22.1), at \
                       wasmer's default settings, host CPU features",
            deadline: WATCHDOG,
            memory_cap: "tunables, as `wasmer`",
            cache: "as `wasmer`, a separate entry (the compiler is part of the key)",
            stdio: CAPTURE,
            checked: "the same engine, WASI and limits as `wasmer` but for the compiler: the \
                      difference of their compile and run phases is the trade the tiers make; off \
                      by default and under CI (LLVM is a 400 MB install and a slow build)",
        },
    },
    Column {
        name: "wasmi",
        kind: Kind::Embedded,
        input: Input::Module,
        engine: Engine::Wasmi,
        tier: Tier::Interpreter,
        prices: None,
        provision: Provision::Feature,
        about: About {
            engine: "wasmi, embedded (`wasmi` + `wasmi_wasi` crates, the latter on wasi-common), in \
                     a worker process per run",
            compiler: "wasmi's interpreter at its defaults: the module validated at compile, each \
                       function translated to wasmi's register bytecode on its first call (lazy \
                       translation, so in the run phase); the crate's `simd` feature on",
            deadline: WATCHDOG,
            memory_cap: "`StoreLimits`: `memory.grow` past the cap returns -1",
            cache: "none: wasmi keeps no compiled form between processes",
            stdio: CAPTURE,
            checked: "fuel is off (wasmi has no other interruption, and fuel charges every basic \
                      block); wasmi's default call depth (1000 frames) is kept; an interpreter, so \
                      its benchmark-sized cases run only with `--bench-interpreters`",
        },
    },
    Column {
        name: "node",
        kind: Kind::ExternalWorker,
        input: Input::Module,
        engine: Engine::V8,
        tier: Tier::LiftoffTurbofan,
        prices: None,
        provision: Provision::Node,
        about: About {
            engine: "V8 through Node.js's own `node:wasi` (preview 1), in a worker of the \
                     harness's written in JavaScript (`harness/src/runtime/node/worker.mjs`), one \
                     `node` process per run; the guest on the main thread, as Node's documentation \
                     runs a WASI command",
            compiler: "V8's defaults, as `node` ships them: lazy compilation, Liftoff for each \
                       function on its first call, TurboFan for hot functions; the compile phase \
                       is `WebAssembly.compile` (so mostly validation)",
            deadline: "a watchdog thread of the runner, armed at the end of compilation, answers \
                       for the run at the deadline and ends the process (through `node:wasi`'s \
                       `proc_exit`, which calls `exit`); the generated code has no deadline checks",
            memory_cap: "V8's `--wasm-max-mem-pages`: `memory.grow` past it returns -1",
            cache: "none: Node.js keeps no compiled Wasm between processes",
            stdio: "files in a private temporary directory (`node:wasi` takes descriptors): stdin \
                    from the case; stdout and stderr read back, 4 MiB of each kept (a guest that \
                    writes more sees no error)",
            checked: "the case's proposals become V8's `--experimental-wasm-*` switches \
                      (`v8.setFlagsFromString`); the watchdog thread starts before compilation, in \
                      the wall time and peak memory only; the run phase is cross-checked against \
                      Node's own `node:wasi` example by `cargo xtask crosscheck`",
        },
    },
    Column {
        name: "wasmtime-component",
        kind: Kind::Embedded,
        input: Input::Component,
        engine: Engine::Wasmtime,
        tier: Tier::Cranelift,
        prices: None,
        provision: Provision::Feature,
        about: About {
            engine: "wasmtime, embedded, running WASI 0.2 command components: `wasmtime-wasi`'s \
                     preview 2 host (`p2::add_to_linker_sync`) and its `Command` bindings, \
                     `wasi:cli/run` called, in a worker process per run; HTTP cases serve \
                     `wasi:http/proxy` components through `wasmtime-wasi-http` (the host `wasmtime \
                     serve` uses), compiled once and instantiated per request from the pooling \
                     allocator in the gateway's resident workers",
            compiler: WASMTIME_CODE,
            deadline: WATCHDOG,
            memory_cap: "`StoreLimits`: `memory.grow` past the cap returns -1 (every core \
                         instance of the component counts)",
            cache: "serialized components under `target/harness-cache/wasmtime-component/`, keyed \
                    by component hash and precompile-compatibility hash",
            stdio: CAPTURE,
            checked: "the same engine configuration as the `wasmtime` column (one `config` \
                      function); each cell records whether its component was the language's own \
                      (`native`) or the preview 1 module wrapped in wasmtime's official \
                      `wasi_snapshot_preview1` adapter (`adapted`), whose preview 1 calls then \
                      cross the component boundary",
        },
    },
    Column {
        name: "jco",
        kind: Kind::ExternalWorker,
        input: Input::Component,
        engine: Engine::V8,
        tier: Tier::LiftoffTurbofan,
        prices: None,
        provision: Provision::NodePackages {
            toolchain: "jco",
            version: "1.35.0",
        },
        about: About {
            engine: "the Bytecode Alliance's jco: the component transpiled to JavaScript and core \
                     modules (`jco transpile`, async instantiation), run on the machine's Node.js \
                     with `@bytecodealliance/preview2-shim` as the WASI 0.2 host, in a worker of \
                     the harness's written in JavaScript (`harness/src/runtime/node/jco.mjs`), one \
                     `node` process per run",
            compiler: "V8's defaults, as for the `node` column; the compile phase is the \
                       transpilation (or its load from the cache) and the core modules' \
                       `WebAssembly.compile`",
            deadline: "a watchdog thread of the runner, armed at the end of compilation, answers \
                       for the run at the deadline and ends the process",
            memory_cap: "V8's `--wasm-max-mem-pages`: `memory.grow` past it returns -1",
            cache: "the transpiled JavaScript and core modules under \
                    `target/harness-cache/jco/`, keyed by component hash and jco version",
            stdio: "captured by the runner through the shim's stdio hooks: stdin from the case, \
                    stdout and stderr kept to 4 MiB each",
            checked: "where the runner departs from the shim's defaults, each checked against \
                      `wasmtime-component` (the header of `jco.mjs` lists them): the environment \
                      and preopens are the case's alone (the shim's default would be the host's), \
                      stdio are the runner's streams on the main thread, `open-at` ignores the \
                      `mutate-directory` flag as wasmtime does, a preopen's own descriptor can be \
                      listed, and the generated JavaScript lowers an empty string through the \
                      guest's `realloc` as the canonical ABI says (the adapter needs it); the \
                      components are the ones `wasmtime-component` runs, so the two component \
                      hosts cross-check each other",
        },
    },
    Column {
        name: "wasmtime-cli",
        kind: Kind::Tool,
        input: Input::Module,
        engine: Engine::Wasmtime,
        tier: Tier::Cranelift,
        prices: None,
        provision: Provision::Pinned {
            version: "48.0.8",
            executable: "bin/wasmtime",
        },
        about: About {
            engine: "the `wasmtime` command-line tool 48.0.8 (`wasmtime-cli` from crates.io, built \
                     by `cargo xtask setup` with `cargo install --locked`), one process per run",
            compiler: "Cranelift at the tool's default settings (opt-level `speed`, host CPU \
                       features), as `wasmtime run` ships: no `-W timeout`, which would turn epoch \
                       interruption on",
            deadline: "the harness kills the tool's process at the deadline (+1 s for its start-up \
                       and compilation, which count against the deadline here); the cell is then a \
                       timeout by the harness",
            memory_cap: "`-W max-memory-size=BYTES`: the tool's `StoreLimits`, checked by \
                         `memory.grow`, which returns -1 past it; the memories keep their default \
                         static style",
            cache: "wasmtime's own cache (on by default in `wasmtime run`), pointed by `-C \
                    cache-config` at `target/harness-cache/wasmtime-cli/` instead of \
                    `~/.cache/wasmtime`; `-C cache=n` with `--no-cache`",
            stdio: "pipes from the harness; the whole process is the run phase",
            checked: "flags: `run`, `--dir HOST::GUEST`, `--env`, `-W max-memory-size=` and the \
                      case's proposals, `-C cache-config=`, `--argv0`; in 48.0.8 `max-memory-size` \
                      only builds the store's `StoreLimits` (the pooling allocator, which it would \
                      also size, is off), and `timeout` is the one `-W` option that changes code \
                      generation (Rust binary-trees 17: 0.62 s without, 0.87 s with it)",
        },
    },
    Column {
        name: "wasmtime-cli-component",
        kind: Kind::Tool,
        input: Input::Component,
        engine: Engine::Wasmtime,
        tier: Tier::Cranelift,
        prices: None,
        provision: Provision::SharesTool {
            column: "wasmtime-cli",
        },
        about: About {
            engine: "the `wasmtime-cli` column's tool, 48.0.8, given the component: `wasmtime run` \
                     runs a component's `wasi:cli/run` with its WASI 0.2 host, one process per run; \
                     HTTP cases are served by `wasmtime serve -S cli` of the component itself",
            compiler: "as `wasmtime-cli`: Cranelift at the tool's defaults, no `-W timeout`",
            deadline: "as `wasmtime-cli`: the harness kills the tool's process at the deadline",
            memory_cap: "as `wasmtime-cli`: `-W max-memory-size=BYTES`",
            cache: "as `wasmtime-cli`: wasmtime's own cache under \
                    `target/harness-cache/wasmtime-cli/`",
            stdio: "pipes from the harness; the whole process is the run phase",
            checked: "the same flags as `wasmtime-cli`; the component is the one the \
                      `wasmtime-component` column runs, so the two cross-check each other",
        },
    },
    Column {
        name: "wasmer-cli",
        kind: Kind::Tool,
        input: Input::Module,
        engine: Engine::Wasmer,
        tier: Tier::Cranelift,
        prices: None,
        provision: Provision::Pinned {
            version: "7.4.2",
            executable: "bin/wasmer",
        },
        about: About {
            engine: "the `wasmer` command-line tool 7.4.2 (`wasmer-cli` from crates.io with the \
                     `cranelift` and `singlepass` features, built by `cargo xtask setup` with \
                     `cargo install --locked`), one process per run",
            compiler: "Cranelift, named with `--cranelift` (the tool otherwise takes the first \
                       compiled-in back end that supports the module's features), at wasmer's \
                       default settings",
            deadline: "the harness kills the tool's process at the deadline (+1 s for its start-up \
                       and compilation); the tool has no deadline of its own",
            memory_cap: "none: `wasmer run` has no memory cap flag; the memory-bomb case grows \
                         until the host refuses",
            cache: "wasmer's own module cache under `$WASMER_CACHE_DIR/compiled`, with \
                    `WASMER_DIR` and `WASMER_CACHE_DIR` set to `target/harness-cache/wasmer-cli/` \
                    (the environment is cleared, so `~/.wasmer` would not be found); \
                    `--disable-cache` with `--no-cache`",
            stdio: "pipes from the harness; the whole process is the run phase",
            checked: "flags: `run --cranelift`, `--volume HOST:GUEST` (`--mapdir` is a hidden \
                      legacy alias), `--env`, the case's proposals (`--enable-exceptions`, …; \
                      threads and multi-memory are on by default), the guest's arguments after `--`",
        },
    },
    Column {
        name: "wamr",
        kind: Kind::Tool,
        input: Input::Module,
        engine: Engine::Wamr,
        tier: Tier::Interpreter,
        prices: None,
        provision: Provision::Wamr,
        about: About {
            engine: "WebAssembly Micro Runtime's command-line tool `iwasm`, one process per run",
            compiler: "what the user's `iwasm` was built with: the fast interpreter in WAMR's \
                       default Linux build",
            deadline: "the harness kills the tool's process at the deadline (+1 s for its start-up)",
            memory_cap: "none: `iwasm` has no flag that caps a memory's growth",
            cache: "none",
            stdio: "pipes from the harness; the whole process is the run phase",
            checked: "flags: `--map-dir=GUEST::HOST`, `--env=K=V`, the guest's arguments after the \
                      module; an interpreter, so its benchmark-sized cases run only with \
                      `--bench-interpreters`",
        },
    },
    Column {
        name: "wasmedge-cli",
        kind: Kind::Tool,
        input: Input::Module,
        engine: Engine::WasmEdge,
        tier: Tier::Interpreter,
        prices: None,
        provision: Provision::WasmEdgePrefix,
        about: About {
            engine: "the `wasmedge` command-line tool of the WasmEdge prefix (0.14.1), one process \
                     per run",
            compiler: "WasmEdge's interpreter (the tool runs a `.wasm` file in its interpreter)",
            deadline: "`--time-limit` (the interpreter checks for a stop request between \
                       instructions whether or not a limit is set); the harness kills the process \
                       1 s after the deadline",
            memory_cap: "`--memory-page-limit`",
            cache: "none: the interpreter loads and validates the module on every run",
            stdio: "pipes from the harness; the whole process is the run phase",
            checked: "an interpreter: benchmark-sized cases run only with `--bench-interpreters`; \
                      the agreement trials compare it with the embedded `wasmedge` column",
        },
    },
    container(
        "docker-wasmtime",
        Via::Docker,
        Engine::Wasmtime,
        Tier::Cranelift,
        DOCKER_WASMTIME,
    ),
    container(
        "docker-wasmer",
        Via::Docker,
        Engine::Wasmer,
        Tier::Cranelift,
        DOCKER_WASMER,
    ),
    container(
        "docker-wasmedge",
        Via::Docker,
        Engine::WasmEdge,
        Tier::LlvmAot,
        DOCKER_WASMEDGE,
    ),
    container(
        "containerd-wasmtime",
        Via::Containerd,
        Engine::Wasmtime,
        Tier::Cranelift,
        About {
            engine: "`ctr run` through the project's runwasi shim `containerd-shim-wasmtime-v1`",
            ..DOCKER_WASMTIME
        },
    ),
    container(
        "containerd-wasmer",
        Via::Containerd,
        Engine::Wasmer,
        Tier::Cranelift,
        About {
            engine: "`ctr run` through the project's runwasi shim `containerd-shim-wasmer-v1`",
            ..DOCKER_WASMER
        },
    ),
    container(
        "containerd-wasmedge",
        Via::Containerd,
        Engine::WasmEdge,
        Tier::LlvmAot,
        About {
            engine: "`ctr run` through the project's runwasi shim `containerd-shim-wasmedge-v1`",
            ..DOCKER_WASMEDGE
        },
    ),
    container(
        "docker-runc",
        Via::Docker,
        Engine::Native,
        Tier::Native,
        About {
            engine: "`docker run` of a static native binary in a `FROM scratch` image, run by runc",
            compiler: "the language's own compiler for the host (see `meta.native_builds`)",
            deadline: "the harness kills `docker run` at the deadline",
            memory_cap: "none",
            cache: "none: native code",
            stdio: "`docker run -i`",
            checked: "the native column's binary, unchanged",
        },
    ),
    Column {
        name: "wasmtime-epoch",
        kind: Kind::Embedded,
        input: Input::Module,
        engine: Engine::Wasmtime,
        tier: Tier::Cranelift,
        prices: Some(Prices {
            base: "wasmtime",
            mechanism: "epoch interruption",
        }),
        provision: Provision::Feature,
        about: About {
            engine: "wasmtime, embedded, as the `wasmtime` column",
            compiler: "the `wasmtime` column's Cranelift with epoch interruption on: a check on \
                       every function entry and loop back-edge",
            deadline: "epoch interruption: a timer thread bumps the epoch at the deadline and the \
                       guest traps; the worker's watchdog 2 s later is the backstop",
            memory_cap: "`StoreLimits`, as `wasmtime`",
            cache: "as `wasmtime` (the precompile-compatibility hash tells the two configurations \
                    apart)",
            stdio: CAPTURE,
            checked: "the same engine as `wasmtime` but for epoch interruption: the difference of \
                      their run phases on the benchmark cases is the price of in-engine deadlines",
        },
    },
    Column {
        name: "wasmedge-aot-interruptible",
        kind: Kind::ExternalWorker,
        input: Input::Module,
        engine: Engine::WasmEdge,
        tier: Tier::LlvmAot,
        prices: Some(Prices {
            base: "wasmedge-aot",
            mechanism: "interruptible AOT code",
        }),
        provision: Provision::WasmEdgePrefix,
        about: About {
            engine: "WasmEdge, embedded, as the `wasmedge-aot` column",
            compiler: "WasmEdge's LLVM AOT compiler at O3 with `interruptible` on (`wasmedge \
                       compile --optimize 3 --interruptible`)",
            deadline: "`call_func_with_timeout`: the interruptible code checks for the stop request",
            memory_cap: "`max_memory_pages`",
            cache: "as `wasmedge-aot`, a separate entry (interruptibility is part of the key)",
            stdio: "as `wasmedge-aot`",
            checked: "the same compiler as `wasmedge-aot` but for interruptibility: the difference \
                      of their run phases on the benchmark cases is the price of in-engine \
                      deadlines",
        },
    },
    Column {
        name: "native",
        kind: Kind::Native,
        input: Input::Module,
        engine: Engine::Native,
        tier: Tier::Native,
        prices: None,
        provision: Provision::NativeToolchains,
        about: About {
            engine: "the host's own binary, one process per run",
            compiler: "the language's own compiler for the host, at the same optimization intent \
                       as its Wasm build (flags in `meta.native_builds`)",
            deadline: "the harness kills the process at the deadline",
            memory_cap: "none",
            cache: "none: native code",
            stdio: "pipes from the harness; the whole process, exec to exit, is the run phase",
            checked: "the same sources as the Wasm modules",
        },
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_lookups_find_them() {
        let mut seen = std::collections::HashSet::new();
        for column in COLUMNS {
            assert!(seen.insert(column.name), "`{}` twice", column.name);
            assert_eq!(get(column.name), Some(column));
        }
        assert_eq!(get("no-such-column"), None);
    }

    #[test]
    fn a_priced_mechanism_has_a_base_of_the_same_engine_and_tier() {
        for column in COLUMNS {
            if let Some(prices) = column.prices {
                let base = get(prices.base).expect("the base is a column");
                assert_eq!((base.engine, base.tier), (column.engine, column.tier));
                assert_eq!(base.prices, None, "`{}` prices a variant", column.name);
            }
        }
    }

    #[test]
    fn every_wasm_container_runs_an_in_process_columns_code() {
        for column in COLUMNS.iter().filter(|c| c.shim().is_some()) {
            assert!(column.runs_code_of().is_some(), "`{}`", column.name);
        }
        assert_eq!(
            get("docker-wasmedge")
                .and_then(Column::runs_code_of)
                .map(|c| c.name),
            Some("wasmedge-aot")
        );
        assert_eq!(shims(), ["wasmtime", "wasmer", "wasmedge"]);
    }

    #[test]
    fn proposal_sets_follow_engine_and_tier() {
        let interpreter = get("wasmedge").unwrap();
        let aot = get("wasmedge-aot").unwrap();
        assert!(interpreter.supports(Proposal::Gc) && !aot.supports(Proposal::Gc));
        assert!(!get("wasmer").unwrap().supports(Proposal::Gc));
        assert!(
            get("wasmer-cli")
                .unwrap()
                .supports(Proposal::ExceptionHandling)
        );
        assert!(
            Proposal::ALL
                .iter()
                .filter(|p| !matches!(p, Proposal::LegacyExceptions | Proposal::JsStringBuiltins))
                .all(|p| get("wasmtime").unwrap().supports(*p))
        );
        let winch = get("wasmtime-winch").unwrap();
        assert!(!winch.supports(Proposal::Gc) && winch.supports(Proposal::Simd));
        let pulley = get("wasmtime-pulley").unwrap();
        assert!(pulley.interprets() && pulley.supports(Proposal::Gc));
        assert!(!pulley.supports(Proposal::Threads));
        let singlepass = get("wasmer-singlepass").unwrap();
        assert!(!singlepass.supports(Proposal::Simd) && singlepass.supports(Proposal::Threads));
        let wasmi = get("wasmi").unwrap();
        assert!(wasmi.interprets() && wasmi.supports(Proposal::TailCall));
        assert!(!wasmi.supports(Proposal::Gc) && !wasmi.supports(Proposal::Threads));
        let node = get("node").unwrap();
        assert!(!node.interprets() && node.supports(Proposal::TailCall));
        assert!(
            !node.supports(Proposal::Gc),
            "Node.js 20's V8 predates the standard GC"
        );
    }

    #[test]
    fn every_column_says_how_it_runs_and_how_to_get_it() {
        for column in COLUMNS {
            let a = column.about;
            for field in [a.engine, a.compiler, a.deadline, a.checked, a.stdio] {
                assert!(!field.is_empty(), "`{}` leaves a field empty", column.name);
            }
            assert!(!column.how_to_get().is_empty());
        }
    }
}
