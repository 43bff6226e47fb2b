//! The `wasmtime-component` backend: wasmtime running a WASI 0.2 command component through
//! `wasmtime-wasi`'s preview 2 host and its `Command` bindings, with the engine configuration,
//! memory cap, capture and deadline handling of the `wasmtime` column, so that a component and the
//! module it was made from differ only by the component model.

use std::time::Instant;

use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime::{Engine, Store, StoreLimits, StoreLimitsBuilder};
use wasmtime_wasi::p2::bindings::sync::Command;
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

use super::registry::Tier;
use super::wasmtime::{cache_entry, config_at, ending_of_error, start_deadline, wasi_builder};
use super::{Ending, RunReport, RunSpec, Runtime, Stage, Watchdog, millis};

/// The column's backend: Cranelift, no epoch interruption (as `wasmtime`).
pub struct WasmtimeComponent;

struct State {
    ctx: WasiCtx,
    table: ResourceTable,
    limits: StoreLimits,
}

impl WasiView for State {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.ctx,
            table: &mut self.table,
        }
    }
}

impl Runtime for WasmtimeComponent {
    fn name(&self) -> &'static str {
        "wasmtime-component"
    }

    fn version(&self) -> String {
        format!(
            "wasmtime {} (cranelift, component model, WASI 0.2)",
            crate::versions::WASMTIME
        )
    }

    fn interrupts_in_engine(&self) -> bool {
        false
    }

    /// A `wasi:http/proxy` component is prepared to serve requests (`harness serve`); a command
    /// component is refused, since it answers no request.
    fn prepare(
        &self,
        component: &[u8],
        spec: &RunSpec,
    ) -> Option<Result<Box<dyn super::Prepared>, RunReport>> {
        super::prepared(super::wasmtime_http::prepare(component, spec))
    }

    fn run(&self, component: &[u8], spec: &RunSpec, watchdog: &Watchdog) -> RunReport {
        let stdout = MemoryOutputPipe::new(spec.output_limit_bytes);
        let stderr = MemoryOutputPipe::new(spec.output_limit_bytes);
        let mut report = run(component, spec, &stdout, &stderr, watchdog);
        report.stdout = stdout.contents().to_vec();
        report.stderr = stderr.contents().to_vec();
        report
    }
}

fn run(
    bytes: &[u8],
    spec: &RunSpec,
    stdout: &MemoryOutputPipe,
    stderr: &MemoryOutputPipe,
    watchdog: &Watchdog,
) -> RunReport {
    if !super::artifact::is_component(bytes) {
        return RunReport::new(Ending::Unsupported {
            capability: "core module".into(),
            message: "`wasmtime-component` runs WASI 0.2 components; this is a core module (the \
                      preview 1 columns run it)"
                .into(),
        });
    }
    let engine =
        match config_at(Tier::Cranelift, &spec.proposals, false).and_then(|c| Engine::new(&c)) {
            Ok(engine) => engine,
            Err(err) => {
                return RunReport::new(Ending::Unsupported {
                    capability: "engine configuration".into(),
                    message: format!("{err:#}"),
                });
            }
        };

    let started = Instant::now();
    let (compiled, cache, waited) = compile_cached(&engine, spec, bytes);
    let component = match compiled {
        Ok(component) => component,
        Err(err) => {
            let mut report = RunReport::new(Ending::Rejected {
                stage: Stage::Compile,
                message: format!("{err:#}"),
            });
            report.phases.compile = millis(started.elapsed().saturating_sub(waited));
            report.compile_cache = cache;
            return report;
        }
    };
    let compile = millis(started.elapsed().saturating_sub(waited));

    watchdog.arm();
    let started = Instant::now();
    // As in the `wasmtime` backend: the synchronous host's Tokio runtime is built with
    // instantiation, not at the guest's first host call.
    wasmtime_wasi::runtime::with_ambient_tokio_runtime(|| ());
    let mut linker: Linker<State> = Linker::new(&engine);
    if let Err(err) = wasmtime_wasi::p2::add_to_linker_sync(&mut linker) {
        return RunReport::new(Ending::HarnessFault {
            message: format!("cannot add WASI 0.2 to the linker: {err:#}"),
        });
    }
    let ctx = match wasi_builder(spec, stdout, stderr) {
        Ok(mut builder) => builder.build(),
        Err(err) => return RunReport::new(Ending::HarnessFault { message: err }),
    };
    let limits = StoreLimitsBuilder::new()
        .memory_size(usize::try_from(spec.memory_limit_bytes).unwrap_or(usize::MAX))
        .trap_on_grow_failure(false)
        .build();
    let state = State {
        ctx,
        table: ResourceTable::new(),
        limits,
    };
    let mut store = Store::new(&engine, state);
    store.limiter(|s| &mut s.limits);

    let mut report = RunReport::new(Ending::Exited { code: 0 });
    report.phases.compile = compile;
    report.compile_cache = cache;

    // An import the host does not provide is a capability it lacks, named as the linker names it.
    let pre = match linker.instantiate_pre(&component) {
        Ok(pre) => pre,
        Err(err) => {
            report.phases.instantiate = millis(started.elapsed());
            let message = format!("{err:#}");
            report.ending = match missing_import(&message) {
                Some(import) => Ending::Unsupported {
                    capability: format!("import {import}"),
                    message,
                },
                None => Ending::Rejected {
                    stage: Stage::Instantiate,
                    message,
                },
            };
            return report;
        }
    };
    let (cancel, deadline) = start_deadline(&engine, None);
    let command = pre
        .instantiate(&mut store)
        .and_then(|instance| Command::new(&mut store, &instance));
    report.phases.instantiate = millis(started.elapsed());
    let command = match command {
        Ok(command) => command,
        Err(err) => {
            report.ending = match ending_of_error(err, Some(Stage::Instantiate)) {
                // A component without `wasi:cli/run` is not a command: refused, not trapped.
                Ending::Rejected { message, .. } if message.contains("wasi:cli/run") => {
                    Ending::Rejected {
                        stage: Stage::Instantiate,
                        message: format!("not a WASI 0.2 command: {message}"),
                    }
                }
                other => other,
            };
            drop(cancel);
            if let Some(deadline) = deadline {
                let _ = deadline.join();
            }
            return report;
        }
    };

    let started = Instant::now();
    report.ending = match command.wasi_cli_run().call_run(&mut store) {
        Ok(Ok(())) => Ending::Exited { code: 0 },
        // `run` returning its error case is how a component says "exit 1".
        Ok(Err(())) => Ending::Exited { code: 1 },
        Err(err) => ending_of_error(err, None),
    };
    report.phases.run = millis(started.elapsed());
    drop(cancel);
    if let Some(deadline) = deadline {
        let _ = deadline.join();
    }
    report
}

/// Compiles the component through the spec's cache, if any: how the cache served it, and how long
/// the compile waited for another process's hold on the entry. The HTTP server's loads share the
/// entries: serving does not change the code.
pub(super) fn compile_cached(
    engine: &Engine,
    spec: &RunSpec,
    bytes: &[u8],
) -> (
    wasmtime::Result<Component>,
    super::cache::CacheState,
    std::time::Duration,
) {
    let entry = cache_entry(spec, engine, "wasmtime-component", "component", bytes);
    super::cache::compile_waiting(
        entry.as_deref(),
        || Component::new(engine, bytes),
        // SAFETY: entries are written only by this backend, atomically, under a key that includes
        // the engine's compatibility hash; wasmtime checks the artifact's header and version too.
        |path| unsafe { Component::deserialize_file(engine, path) }.ok(),
        |component| component.serialize().ok(),
    )
}

/// The import wasmtime's linker found no implementation for, from its error message.
pub(super) fn missing_import(message: &str) -> Option<&str> {
    if !message.contains("matching implementation was not found") {
        return None;
    }
    let start = message.find('`')? + 1;
    let len = message[start..].find('`')?;
    Some(&message[start..start + len])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_import_is_named_from_the_linkers_words() {
        let said = "component imports instance `wasi:http/types@0.2.0`, but a matching \
                    implementation was not found in the linker";
        assert_eq!(missing_import(said), Some("wasi:http/types@0.2.0"));
        assert_eq!(missing_import("type mismatch with `x`"), None);
    }
}
