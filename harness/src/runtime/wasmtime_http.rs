//! Serving `wasi:http/proxy` components on wasmtime, the way `wasmtime serve` does: the component
//! is compiled and pre-linked once against `wasmtime-wasi-http` (with the rest of WASI 0.2, which
//! every toolchain's handler imports), and each request gets a fresh instance from the pooling
//! allocator, its `wasi:http/incoming-handler` called with the request as a `wasi:http` resource.

use std::convert::Infallible;
use std::time::Instant;

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Bytes;
use wasmtime::component::{Linker, ResourceTable};
use wasmtime::{
    Engine, InstanceAllocationStrategy, PoolingAllocationConfig, Store, StoreLimits,
    StoreLimitsBuilder,
};
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::p2::bindings::ProxyPre;
use wasmtime_wasi_http::p2::bindings::http::types::{ErrorCode, Scheme};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpHooks, WasiHttpView};

use super::registry::Tier;
use super::wasmtime::{config_at, ending_of_error, wasi_builder};
use super::wasmtime_component::{compile_cached, missing_import};
use super::{
    Ending, HttpAnswer, HttpCall, HttpHead, Prepared, RunReport, RunSpec, Serves, Stage, Watchdog,
    millis,
};

/// The interface a `wasi:http/proxy` component exports, at any 0.2 version.
const INCOMING_HANDLER: &str = "wasi:http/incoming-handler@0.2";

/// Component instances in the pool: a resident worker runs one request at a time, so a few let one
/// instance be torn down while the next is made, and keep the reservation small.
const POOL_SLOTS: u32 = 4;

/// Core instances, memories and tables per component instance the pool makes room for: a
/// componentize-py or componentize-js component links several core modules (the interpreter,
/// its libraries, the adapters).
const CORE_PER_COMPONENT: u32 = 32;

struct State {
    wasi: WasiCtx,
    http: WasiHttpCtx,
    table: ResourceTable,
    limits: StoreLimits,
    hooks: NoOutgoing,
}

impl WasiView for State {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for State {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: &mut self.hooks,
        }
    }
}

/// A handler gets no outgoing requests: the contract's handlers make none, and a WAGI handler on
/// the gateway cannot either, so both ways of serving grant the same.
struct NoOutgoing;

impl WasiHttpHooks for NoOutgoing {
    fn send_request(
        &mut self,
        _request: hyper::http::Request<wasmtime_wasi_http::WasiBody>,
        _options: Option<wasmtime_wasi_http::RequestOptions>,
        _fut: Box<dyn Future<Output = Result<(), wasmtime_wasi_http::Error>> + Send>,
    ) -> Box<
        dyn Future<
                Output = Result<
                    (
                        hyper::http::Response<wasmtime_wasi_http::WasiBody>,
                        Box<dyn Future<Output = Result<(), wasmtime_wasi_http::Error>> + Send>,
                    ),
                    wasmtime_wasi_http::Error,
                >,
            > + Send,
    > {
        Box::new(async { Err(wasmtime_wasi_http::Error::HttpRequestDenied) })
    }
}

/// A `wasi:http/proxy` component compiled and pre-linked once.
pub(super) struct PreparedProxy {
    pre: ProxyPre<State>,
    /// The requests' event loop: the handler's host calls are asynchronous.
    runtime: tokio::runtime::Runtime,
}

/// Compiles and pre-links the component for serving, or says why it cannot serve: a core module, a
/// command (no `wasi:http/incoming-handler`), an import the host lacks, or an engine refusal.
pub(super) fn prepare(bytes: &[u8], spec: &RunSpec) -> Result<PreparedProxy, Box<RunReport>> {
    let refuse = |ending: Ending| Box::new(RunReport::new(ending));
    if !super::artifact::is_component(bytes) {
        return Err(refuse(Ending::Unsupported {
            capability: "core module".into(),
            message: "`wasmtime-component` serves wasi:http/proxy components; this is a core \
                      module (the preview 1 columns serve it through WAGI)"
                .into(),
        }));
    }
    let unsupported = |err: wasmtime::Error| {
        refuse(Ending::Unsupported {
            capability: "engine configuration".into(),
            message: format!("{err:#}"),
        })
    };
    let mut config = config_at(Tier::Cranelift, &spec.proposals, false).map_err(unsupported)?;
    let mut pool = PoolingAllocationConfig::new();
    pool.total_component_instances(POOL_SLOTS)
        .total_core_instances(POOL_SLOTS * CORE_PER_COMPONENT)
        .total_memories(POOL_SLOTS * CORE_PER_COMPONENT)
        .total_tables(POOL_SLOTS * CORE_PER_COMPONENT)
        .total_gc_heaps(POOL_SLOTS)
        .max_memory_size(usize::try_from(spec.memory_limit_bytes).unwrap_or(usize::MAX));
    config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    let engine = Engine::new(&config).map_err(unsupported)?;

    let started = Instant::now();
    let (compiled, cache, _) = compile_cached(&engine, spec, bytes);
    let component = compiled.map_err(|err| {
        let mut report = RunReport::new(Ending::Rejected {
            stage: Stage::Compile,
            message: format!("{err:#}"),
        });
        report.phases.compile = millis(started.elapsed());
        report.compile_cache = cache;
        Box::new(report)
    })?;
    let exports: Vec<String> = component
        .component_type()
        .exports(&engine)
        .map(|(name, _)| name.to_owned())
        .collect();
    if !exports.iter().any(|e| e.starts_with(INCOMING_HANDLER)) {
        return Err(refuse(Ending::Unsupported {
            capability: "wasi:http/incoming-handler export".into(),
            message: format!(
                "the component exports {}, not wasi:http/incoming-handler: it is not a \
                 wasi:http/proxy handler (a command is served as a preview 1 module, through WAGI)",
                if exports.is_empty() {
                    "nothing".to_owned()
                } else {
                    exports.join(", ")
                }
            ),
        }));
    }

    let mut linker: Linker<State> = Linker::new(&engine);
    // The whole of WASI 0.2, not the proxy world alone: every toolchain's handler imports
    // wasi:cli and wasi:filesystem too (its standard library's), as under `wasmtime serve -S cli`.
    wasmtime_wasi::p2::add_to_linker_async(&mut linker)
        .and_then(|()| wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker))
        .map_err(|err| {
            refuse(Ending::HarnessFault {
                message: format!("cannot add WASI 0.2 and wasi:http to the linker: {err:#}"),
            })
        })?;
    let pre = linker
        .instantiate_pre(&component)
        .and_then(ProxyPre::new)
        .map_err(|err| {
            let message = format!("{err:#}");
            refuse(match missing_import(&message) {
                Some(import) => Ending::Unsupported {
                    capability: format!("import {import}"),
                    message,
                },
                None => Ending::Rejected {
                    stage: Stage::Instantiate,
                    message,
                },
            })
        })?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|err| {
            refuse(Ending::HarnessFault {
                message: format!("cannot start the event loop: {err}"),
            })
        })?;
    Ok(PreparedProxy { pre, runtime })
}

impl Prepared for PreparedProxy {
    /// A proxy has no `run`: a call of it is a request.
    fn run(&self, _spec: &RunSpec, _watchdog: &Watchdog) -> RunReport {
        RunReport::new(Ending::Unsupported {
            capability: "wasi:cli/run export".into(),
            message: "a wasi:http/proxy component answers requests; it has no `run` to call".into(),
        })
    }

    fn serves(&self) -> Serves {
        Serves::WasiHttp
    }

    fn handle(&self, request: &HttpCall, spec: &RunSpec) -> (RunReport, HttpAnswer) {
        let stdout = MemoryOutputPipe::new(spec.output_limit_bytes);
        let stderr = MemoryOutputPipe::new(spec.output_limit_bytes);
        let (mut report, answer) = self
            .runtime
            .block_on(self.handle_async(request, spec, &stdout, &stderr));
        // The guest's own stdout and stderr are its log: both kept as the run's stderr.
        let mut log = stdout.contents().to_vec();
        log.extend_from_slice(&stderr.contents());
        report.stderr = log;
        (report, answer)
    }
}

impl PreparedProxy {
    async fn handle_async(
        &self,
        call: &HttpCall,
        spec: &RunSpec,
        stdout: &MemoryOutputPipe,
        stderr: &MemoryOutputPipe,
    ) -> (RunReport, HttpAnswer) {
        let mut report = RunReport::new(Ending::Exited { code: 0 });
        report.compile_cache = super::cache::CacheState::Resident;
        let fault = |message: String| {
            (
                RunReport::new(Ending::HarnessFault {
                    message: message.clone(),
                }),
                Err(message),
            )
        };
        let started = Instant::now();
        let wasi = match wasi_builder(spec, stdout, stderr) {
            // The request's body reaches the handler as its body, not as stdin.
            Ok(mut builder) => builder
                .stdin(wasmtime_wasi::p2::pipe::MemoryInputPipe::new(Bytes::new()))
                .build(),
            Err(err) => return fault(err),
        };
        let limits = StoreLimitsBuilder::new()
            .memory_size(usize::try_from(spec.memory_limit_bytes).unwrap_or(usize::MAX))
            .trap_on_grow_failure(false)
            .build();
        let mut store = Store::new(
            self.pre.engine(),
            State {
                wasi,
                http: WasiHttpCtx::new(),
                table: ResourceTable::new(),
                limits,
                hooks: NoOutgoing,
            },
        );
        store.limiter(|s| &mut s.limits);

        let request = match build_request(call, &spec.stdin) {
            Ok(request) => request,
            Err(err) => return fault(format!("cannot make the request: {err}")),
        };
        let (sender, receiver) = tokio::sync::oneshot::channel();
        let resources = store
            .data_mut()
            .http()
            .new_incoming_request(Scheme::Http, request)
            .and_then(|req| {
                let out = store.data_mut().http().new_response_outparam(sender)?;
                Ok((req, out))
            });
        let (req, out) = match resources {
            Ok(resources) => resources,
            Err(err) => return fault(format!("cannot hand the request over: {err:#}")),
        };

        // The handler runs as a task of its own: it may go on writing the body after it has set
        // the response, while this side reads it.
        let pre = self.pre.clone();
        let task = tokio::task::spawn(async move {
            let started = Instant::now();
            let proxy = match pre.instantiate_async(&mut store).await {
                Ok(proxy) => proxy,
                Err(err) => return (Err((err, Some(Stage::Instantiate))), started.elapsed()),
            };
            let instantiated = started.elapsed();
            let handled = proxy
                .wasi_http_incoming_handler()
                .call_handle(&mut store, req, out)
                .await;
            (handled.map_err(|err| (err, None)), instantiated)
        });

        let answer = match receiver.await {
            Ok(Ok(response)) => {
                let (parts, body) = response.into_parts();
                match Limited::new(body, spec.output_limit_bytes).collect().await {
                    Ok(collected) => {
                        report.stdout = collected.to_bytes().to_vec();
                        Ok(HttpHead {
                            status: parts.status.as_u16(),
                            headers: super::header_pairs(&parts.headers),
                        })
                    }
                    Err(err) => Err(format!("its response body failed: {err}")),
                }
            }
            Ok(Err(code)) => Err(format!("it answered with the error {code:?}")),
            Err(_) => Err("it returned without setting a response".to_owned()),
        };
        match task.await {
            Ok((handled, instantiated)) => {
                report.phases.instantiate = millis(instantiated);
                report.phases.run = millis(started.elapsed().saturating_sub(instantiated));
                if let Err((err, stage)) = handled {
                    report.ending = ending_of_error(err, stage);
                }
            }
            Err(err) => {
                report.ending = Ending::HarnessFault {
                    message: format!("the handler's task failed: {err}"),
                };
            }
        }
        (report, answer)
    }
}

/// The request as `wasmtime-wasi-http` takes it: an absolute URI (the authority is the `Host`).
fn build_request(
    call: &HttpCall,
    body: &[u8],
) -> Result<hyper::Request<impl hyper::body::Body<Data = Bytes, Error = ErrorCode> + use<>>, String>
{
    let mut builder = hyper::Request::builder()
        .method(call.method.as_str())
        .uri(format!("http://{}{}", call.authority, call.target));
    for (name, value) in &call.headers {
        builder = builder.header(name, value);
    }
    builder
        .body(Full::new(Bytes::copy_from_slice(body)).map_err(|never: Infallible| match never {}))
        .map_err(|err| err.to_string())
}
