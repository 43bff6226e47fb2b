//! What each column measures: its compiler and optimization level, how its deadline and memory cap
//! are kept, its compiled-module cache and its stdio, and what was checked to show that the harness's
//! additions leave the engine's generated code alone. Published under `meta.columns`.

use serde::{Deserialize, Serialize};

/// How a column runs code, in words a reader of the results can check against the engine's docs.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Configuration {
    /// The engine and how it is reached (embedded crate, command-line tool, container shim).
    pub engine: String,
    /// The code generator or interpreter, and its optimization level.
    pub compiler: String,
    /// How the case's deadline is kept.
    pub deadline: String,
    /// How the case's memory cap is kept.
    pub memory_cap: String,
    /// Where compiled code comes from on a second run.
    pub cache: String,
    /// How the guest's stdin, stdout and stderr are connected.
    pub stdio: String,
    /// What was checked to show that the harness's additions leave the generated code alone, or what
    /// they are known to cost.
    pub checked: String,
}

fn config(
    engine: &str,
    compiler: &str,
    deadline: &str,
    memory_cap: &str,
    cache: &str,
    stdio: &str,
    checked: &str,
) -> Configuration {
    Configuration {
        engine: engine.into(),
        compiler: compiler.into(),
        deadline: deadline.into(),
        memory_cap: memory_cap.into(),
        cache: cache.into(),
        stdio: stdio.into(),
        checked: checked.into(),
    }
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

/// The configuration of a column, or `None` for a name that is not one.
pub fn configuration(name: &str) -> Option<Configuration> {
    Some(match name {
        "wasmtime" => config(
            "wasmtime, embedded (`wasmtime` + `wasmtime-wasi` crates), in a worker process per run",
            WASMTIME_CODE,
            WATCHDOG,
            "`StoreLimits`: `memory.grow` past the cap returns -1",
            "serialized modules under `target/harness-cache/wasmtime/`, keyed by module hash and \
             precompile-compatibility hash",
            CAPTURE,
            WASMTIME_CHECKED,
        ),
        "wasmtime-epoch" => config(
            "wasmtime, embedded, as the `wasmtime` column",
            "the `wasmtime` column's Cranelift with epoch interruption on: a check on every function \
             entry and loop back-edge",
            "epoch interruption: a timer thread bumps the epoch at the deadline and the guest traps; \
             the worker's watchdog 2 s later is the backstop",
            "`StoreLimits`, as `wasmtime`",
            "as `wasmtime` (the precompile-compatibility hash tells the two configurations apart)",
            CAPTURE,
            "the same engine as `wasmtime` but for epoch interruption: the difference of their run \
             phases on the benchmark cases is the price of in-engine deadlines",
        ),
        "wasmer" => config(
            "wasmer, embedded (`wasmer` + `wasmer-wasix` crates), in a worker process per run",
            WASMER_CODE,
            WATCHDOG,
            "tunables that lower each memory's maximum to the cap: `memory.grow` past it returns -1",
            "serialized modules under `target/harness-cache/wasmer/`, keyed by module hash, wasmer \
             version, features and the cap",
            CAPTURE,
            WASMER_CHECKED,
        ),
        "wasmedge" => config(
            "WasmEdge, embedded through `wasmedge-sys`, in `harness-wasmedge-worker` under the \
             prefix's loader",
            "WasmEdge's interpreter",
            "`call_func_with_timeout`: the interpreter checks for a stop request between \
             instructions whether or not a deadline is set",
            "`max_memory_pages`",
            "none: the interpreter loads and validates the module on every run",
            "the worker's descriptors 0, 1 and 2 pointed at pipes around `_start` (WasmEdge's WASI \
             writes to the process's own)",
            "an interpreter: benchmark-sized cases run only with `--bench-interpreters`",
        ),
        "wasmedge-aot" => config(
            "WasmEdge, embedded through `wasmedge-sys`, in `harness-wasmedge-worker`",
            WASMEDGE_AOT_CODE,
            WATCHDOG,
            "`max_memory_pages`",
            "the compiled shared library under `target/harness-cache/wasmedge-aot/`",
            "the worker's descriptors 0, 1 and 2 pointed at pipes around `_start`",
            WASMEDGE_AOT_CHECKED,
        ),
        "wasmedge-aot-interruptible" => config(
            "WasmEdge, embedded, as the `wasmedge-aot` column",
            "WasmEdge's LLVM AOT compiler at O3 with `interruptible` on (`wasmedge compile \
             --optimize 3 --interruptible`)",
            "`call_func_with_timeout`: the interruptible code checks for the stop request",
            "`max_memory_pages`",
            "as `wasmedge-aot`, a separate entry (interruptibility is part of the key)",
            "as `wasmedge-aot`",
            "the same compiler as `wasmedge-aot` but for interruptibility: the difference of their \
             run phases on the benchmark cases is the price of in-engine deadlines",
        ),
        "wasmtime-cli" => config(
            "the `wasmtime` command-line tool 48.0.8 (`wasmtime-cli` from crates.io, built by \
             `cargo xtask setup` with `cargo install --locked`), one process per run",
            "Cranelift at the tool's default settings (opt-level `speed`, host CPU features), as \
             `wasmtime run` ships: no `-W timeout`, which would turn epoch interruption on",
            "the harness kills the tool's process at the deadline (+1 s for its start-up and \
             compilation, which count against the deadline here); the cell is then a timeout by the \
             harness",
            "`-W max-memory-size=BYTES`: the tool's `StoreLimits`, checked by `memory.grow`, which \
             returns -1 past it; the memories keep their default static style",
            "wasmtime's own cache (on by default in `wasmtime run`), pointed by `-C cache-config` at \
             `target/harness-cache/wasmtime-cli/` instead of `~/.cache/wasmtime`; `-C cache=n` with \
             `--no-cache`",
            "pipes from the harness; the whole process is the run phase",
            "flags: `run`, `--dir HOST::GUEST`, `--env`, `-W max-memory-size=` and the case's \
             proposals, `-C cache-config=`, `--argv0`; in 48.0.8 `max-memory-size` only builds the \
             store's `StoreLimits` (the pooling allocator, which it would also size, is off), and \
             `timeout` is the one `-W` option that changes code generation (Rust binary-trees 17: \
             0.62 s without, 0.87 s with it)",
        ),
        "wasmer-cli" => config(
            "the `wasmer` command-line tool 7.4.2 (`wasmer-cli` from crates.io with the `cranelift` \
             and `singlepass` features, built by `cargo xtask setup` with `cargo install --locked`), \
             one process per run",
            "Cranelift, named with `--cranelift` (the tool otherwise takes the first compiled-in \
             back end that supports the module's features), at wasmer's default settings",
            "the harness kills the tool's process at the deadline (+1 s for its start-up and \
             compilation); the tool has no deadline of its own",
            "none: `wasmer run` has no memory cap flag; the memory-bomb case grows until the host \
             refuses",
            "wasmer's own module cache under `$WASMER_CACHE_DIR/compiled`, with `WASMER_DIR` and \
             `WASMER_CACHE_DIR` set to `target/harness-cache/wasmer-cli/` (the environment is \
             cleared, so `~/.wasmer` would not be found); `--disable-cache` with `--no-cache`",
            "pipes from the harness; the whole process is the run phase",
            "flags: `run --cranelift`, `--volume HOST:GUEST` (`--mapdir` is a hidden legacy alias), \
             `--env`, the case's proposals (`--enable-exceptions`, …; threads and multi-memory are \
             on by default), the guest's arguments after `--`",
        ),
        "wasmedge-cli" => config(
            "the `wasmedge` command-line tool of the WasmEdge prefix (0.14.1), one process per run",
            "WasmEdge's interpreter (the tool runs a `.wasm` file in its interpreter)",
            "`--time-limit` (the interpreter checks for a stop request between instructions whether \
             or not a limit is set); the harness kills the process 1 s after the deadline",
            "`--memory-page-limit`",
            "none: the interpreter loads and validates the module on every run",
            "pipes from the harness; the whole process is the run phase",
            "an interpreter: benchmark-sized cases run only with `--bench-interpreters`; the agreement \
             trials compare it with the embedded `wasmedge` column",
        ),
        "docker-wasmtime" | "containerd-wasmtime" => config(
            if name.starts_with("docker") {
                "`docker run` through the project's runwasi shim `containerd-shim-wasmtime-v1`"
            } else {
                "`ctr run` through the project's runwasi shim `containerd-shim-wasmtime-v1`"
            },
            WASMTIME_CODE,
            SHIM_WATCHDOG,
            "`StoreLimits` in the shim (`HARNESS_MEMORY_LIMIT`)",
            "the `wasmtime` column's cache directory, mounted into the container",
            CONTAINER_STDIO,
            "the shim runs the `wasmtime` column's backend: the same code generation",
        ),
        "docker-wasmer" | "containerd-wasmer" => config(
            if name.starts_with("docker") {
                "`docker run` through the project's runwasi shim `containerd-shim-wasmer-v1`"
            } else {
                "`ctr run` through the project's runwasi shim `containerd-shim-wasmer-v1`"
            },
            WASMER_CODE,
            SHIM_WATCHDOG,
            "wasmer tunables in the shim (`HARNESS_MEMORY_LIMIT`)",
            "the `wasmer` column's cache directory, mounted into the container",
            CONTAINER_STDIO,
            "the shim runs the `wasmer` column's backend: the same code generation",
        ),
        "docker-wasmedge" | "containerd-wasmedge" => config(
            if name.starts_with("docker") {
                "`docker run` through the project's runwasi shim `containerd-shim-wasmedge-v1`"
            } else {
                "`ctr run` through the project's runwasi shim `containerd-shim-wasmedge-v1`"
            },
            WASMEDGE_AOT_CODE,
            SHIM_WATCHDOG,
            "`max_memory_pages` in the shim (`HARNESS_MEMORY_LIMIT`)",
            "the `wasmedge-aot` column's cache directory, mounted into the container",
            CONTAINER_STDIO,
            "the shim runs the `wasmedge-aot` column's backend: the same code generation",
        ),
        "docker-runc" => config(
            "`docker run` of a static native binary in a `FROM scratch` image, run by runc",
            "the language's own compiler for the host (see `meta.native_builds`)",
            "the harness kills `docker run` at the deadline",
            "none",
            "none: native code",
            "`docker run -i`",
            "the native column's binary, unchanged",
        ),
        "native" => config(
            "the host's own binary, one process per run",
            "the language's own compiler for the host, at the same optimization intent as its Wasm \
             build (flags in `meta.native_builds`)",
            "the harness kills the process at the deadline",
            "none",
            "none: native code",
            "pipes from the harness; the whole process, exec to exit, is the run phase",
            "the same sources as the Wasm modules",
        ),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_column_says_how_it_runs() {
        for name in super::super::ALL.iter().chain([&crate::native::COLUMN]) {
            let config = configuration(name).unwrap_or_else(|| panic!("`{name}` has none"));
            for field in [
                &config.engine,
                &config.compiler,
                &config.deadline,
                &config.checked,
            ] {
                assert!(!field.is_empty(), "`{name}` leaves a field empty");
            }
        }
        assert_eq!(configuration("no-such-column"), None);
    }
}
