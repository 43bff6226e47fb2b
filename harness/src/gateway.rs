//! `harness serve`: a WAGI gateway. An HTTP/1.1 server (tokio and hyper) that serves a
//! `modules.toml` through one engine column: each route's module is compiled once by resident
//! workers ([`crate::resident`]) and instantiated per request, its CGI response ([`crate::wagi`])
//! becoming the HTTP response. On `wasmtime-component` a route's module is a `wasi:http/proxy`
//! component instead (as Spin routes to components): the request goes to its
//! `wasi:http/incoming-handler` and its response is the answer. A handler that fails gets an answer that says so (500 for a bad
//! exit or header block, 504 past its deadline, 502 when its engine crashed), an unknown path 404,
//! and a route whose module cannot be loaded answers 500 with the reason while the others serve.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::header::{HeaderName, HeaderValue};
use hyper::{Request, Response, StatusCode};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

use crate::manifest::Proposal;
use crate::outcome::{self, Outcome};
use crate::resident::{self, Call, Died, Ready, Reply, Resident, Setup};
use crate::runtime::{Ending, HttpCall, Preopen, Serves, registry};
use crate::wagi::{self, ModuleEntry, Modules};

/// How the gateway serves.
#[derive(Debug, Clone)]
pub struct Options {
    pub runtime: String,
    /// The harness binary, whose `serve-worker` subcommand the embedded columns' workers run.
    pub harness_exe: PathBuf,
    /// A handler's deadline, unless its `[[module]]` sets `timeout_secs`.
    pub timeout: Duration,
    /// Resident workers per route: the requests a route runs at once.
    pub workers: usize,
    pub memory_limit_bytes: u64,
    pub output_limit_bytes: usize,
    pub max_body_bytes: usize,
    /// Log every request on stderr.
    pub log_requests: bool,
    /// Where compiled modules are cached, for engines that load a module per request (and for
    /// wasmtime's compile at load).
    pub cache_dir: Option<PathBuf>,
}

/// The response header that says how a handler failed, on the answers the gateway writes itself
/// instead of the handler's: the outcome's name (`fail`, `trap`, `timeout`, `crash`, `unsupported`,
/// `harness-fault`), which the matrix's HTTP cells classify by.
pub const OUTCOME_HEADER: &str = "x-wagi-gateway-outcome";

/// Why a route or a worker cannot serve: the outcome it amounts to and the words.
pub type Refusal = (Outcome, String);

impl Options {
    pub fn new(runtime: &str, harness_exe: PathBuf) -> Options {
        Options {
            runtime: runtime.to_owned(),
            harness_exe,
            timeout: Duration::from_secs(30),
            workers: std::thread::available_parallelism().map_or(2, |n| n.get()),
            memory_limit_bytes: 1 << 30,
            output_limit_bytes: 16 << 20,
            max_body_bytes: 16 << 20,
            log_requests: true,
            cache_dir: None,
        }
    }
}

/// Whether the gateway can serve through `column` (WAGI handlers on the preview 1 engines,
/// `wasi:http/proxy` components on `wasmtime-component`), or why not.
pub fn can_serve(column: &str) -> Result<(), String> {
    let c = registry::get(column).ok_or_else(|| {
        format!(
            "unknown runtime `{column}`: known runtimes are {}",
            registry::names().collect::<Vec<_>>().join(", ")
        )
    })?;
    match c.kind {
        // The embedded component column serves wasi:http/proxy components (the Spin way).
        registry::Kind::Embedded => Ok(()),
        _ if c.runs_components() => Err(format!(
            "`{column}` runs a component per process; the gateway serves wasi:http/proxy \
             components through `wasmtime-component`"
        )),
        registry::Kind::ExternalWorker if c.engine == registry::Engine::WasmEdge => Ok(()),
        registry::Kind::ExternalWorker => Err(format!(
            "`{column}`'s worker runs one module per process and has no resident mode; the \
             gateway serves through the embedded engine columns and WasmEdge's worker"
        )),
        registry::Kind::Native => Err(format!(
            "`{column}` runs native builds; a WAGI handler is served as a Wasm module"
        )),
        registry::Kind::Tool | registry::Kind::Container(_) => Err(format!(
            "`{column}` starts a process or container per run, and the gateway keeps modules \
             loaded in engines it embeds (wasi:http components and socket servers are the ways \
             tools and containers serve)"
        )),
    }
}

/// The resident workers of one route.
pub struct Pool {
    setup: Setup,
    options: Arc<Options>,
    idle: Mutex<Vec<Resident>>,
    slots: Semaphore,
    /// What the first worker said when it loaded the module.
    pub ready: Ready,
    /// From spawn to ready, for that first worker (compile included).
    pub first_start: Duration,
}

/// How one call to a route's workers went.
pub enum Called {
    Replied(Reply),
    /// Past its deadline: the worker was killed.
    TimedOut(Duration),
    Died(Died),
    /// A worker could not be started or refused the module.
    NotStarted(Refusal),
}

fn worker_command(options: &Options) -> Result<std::process::Command, String> {
    let column = registry::get(&options.runtime)
        .ok_or_else(|| format!("unknown runtime `{}`", options.runtime))?;
    let mut command = match column.kind {
        registry::Kind::ExternalWorker => crate::runtime::external::command(column.name)?,
        _ => std::process::Command::new(&options.harness_exe),
    };
    command.arg(resident::SUBCOMMAND);
    Ok(command)
}

fn start_resident(options: &Options, setup: &Setup) -> Result<Resident, Refusal> {
    let command = worker_command(options).map_err(|why| (Outcome::HarnessFault, why))?;
    let resident = Resident::start(command, setup).map_err(|d| (Outcome::Crash, d.how))?;
    match &resident.ready.refused {
        Some(ending) => Err((outcome::class_of(ending), resident::describe(ending))),
        None => Ok(resident),
    }
}

impl Pool {
    /// Starts the route's first worker, which compiles the module: a route that cannot load says
    /// why here, before any request.
    pub fn start(options: Arc<Options>, entry: &ModuleEntry) -> Result<Pool, Refusal> {
        if let Err(err) = std::fs::metadata(&entry.module) {
            return Err((
                Outcome::Fail,
                format!("its module {}: {err}", entry.module.display()),
            ));
        }
        let proposals = entry
            .proposals
            .iter()
            .map(|p| p.parse::<Proposal>())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|err| (Outcome::Fail, format!("its proposals: {err}")))?;
        let setup = Setup {
            runtime: options.runtime.clone(),
            module: entry.module.clone(),
            proposals,
            preopens: entry
                .volumes
                .iter()
                .map(|(guest, host)| Preopen {
                    host: host.clone(),
                    guest: guest.clone(),
                    packaged: false,
                })
                .collect(),
            memory_limit_bytes: options.memory_limit_bytes,
            output_limit_bytes: options.output_limit_bytes,
            cache_dir: options.cache_dir.clone(),
            found: None,
        };
        let first = start_resident(&options, &setup)?;
        Ok(Pool {
            ready: first.ready.clone(),
            first_start: first.start_wall,
            slots: Semaphore::new(options.workers.max(1)),
            idle: Mutex::new(vec![first]),
            setup,
            options,
        })
    }

    fn take_idle(&self) -> Option<Resident> {
        self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop()
    }

    fn put_back(&self, resident: Resident) {
        self.idle
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(resident);
    }

    /// Runs one request on an idle worker (or a new one, up to the pool's size; beyond it, the
    /// request waits for a worker).
    pub async fn call(self: &Arc<Self>, call: Call, stdin: Vec<u8>, limit: Duration) -> Called {
        let Ok(_slot) = self.slots.acquire().await else {
            return Called::NotStarted((
                Outcome::HarnessFault,
                "the gateway is shutting down".into(),
            ));
        };
        let resident = match self.take_idle() {
            Some(resident) => resident,
            None => {
                let pool = self.clone();
                let started =
                    tokio::task::spawn_blocking(move || start_resident(&pool.options, &pool.setup))
                        .await;
                match started {
                    Ok(Ok(resident)) => resident,
                    Ok(Err(refusal)) => return Called::NotStarted(refusal),
                    Err(err) => {
                        return Called::NotStarted((
                            Outcome::HarnessFault,
                            format!("the worker start failed: {err}"),
                        ));
                    }
                }
            }
        };
        let pid = resident.pid();
        let mut resident = resident;
        let task = tokio::task::spawn_blocking(move || {
            let reply = resident.call(&call, &stdin);
            (resident, reply)
        });
        // The engine stops the guest itself where it can (and says so in its reply); the kill is
        // the backstop, a little later, and the only stop for the others.
        match tokio::time::timeout(limit + KILL_GRACE, task).await {
            Ok(Ok((resident, Ok(reply)))) => {
                self.put_back(resident);
                Called::Replied(reply)
            }
            Ok(Ok((_gone, Err(died)))) => Called::Died(died),
            Ok(Err(err)) => Called::NotStarted((
                Outcome::HarnessFault,
                format!("the call's thread failed: {err}"),
            )),
            Err(_) => {
                resident::kill(pid);
                Called::TimedOut(limit)
            }
        }
    }
}

/// How long after a handler's deadline its worker is killed, when its engine did not stop it.
const KILL_GRACE: Duration = Duration::from_millis(250);

/// A route as loaded: its workers, or why it cannot serve.
enum Route {
    Ready(Arc<Pool>),
    Broken(Refusal),
}

/// The gateway: the routes of a `modules.toml` on one engine column.
pub struct Gateway {
    modules: Modules,
    routes: Vec<Route>,
    options: Arc<Options>,
    local: SocketAddr,
}

/// What loading found, route by route, for the start-up report.
pub struct Loaded {
    pub route: String,
    pub module: PathBuf,
    /// The engine, whether it compiled once, and the first worker's start (ms); or why the route
    /// cannot serve.
    pub state: Result<(String, bool, f64), String>,
}

impl Gateway {
    /// Loads every route (a route that cannot load is reported, not fatal) and binds `addr`.
    pub async fn bind(
        modules: Modules,
        options: Options,
        addr: SocketAddr,
    ) -> anyhow::Result<(Gateway, TcpListener, Vec<Loaded>)> {
        can_serve(&options.runtime).map_err(anyhow::Error::msg)?;
        crate::runtime::available(&options.runtime).map_err(anyhow::Error::msg)?;
        let options = Arc::new(options);
        let mut routes = Vec::new();
        let mut loaded = Vec::new();
        // Routes load side by side: each first worker compiles its module.
        let mut starting = Vec::new();
        for entry in &modules.modules {
            let (options, entry) = (options.clone(), entry.clone());
            starting.push(tokio::task::spawn_blocking(move || {
                Pool::start(options, &entry)
            }));
        }
        for (entry, task) in modules.modules.iter().zip(starting) {
            let pool = task
                .await
                .unwrap_or_else(|e| Err((Outcome::HarnessFault, format!("loading failed: {e}"))));
            loaded.push(Loaded {
                route: entry.route.clone(),
                module: entry.module.clone(),
                state: pool
                    .as_ref()
                    .map(|p| {
                        (
                            p.ready.runtime_version.clone(),
                            p.ready.compiled_once,
                            crate::runtime::millis(p.first_start),
                        )
                    })
                    .map_err(|(_, reason)| reason.clone()),
            });
            routes.push(match pool {
                Ok(pool) => Route::Ready(Arc::new(pool)),
                Err(refusal) => Route::Broken(refusal),
            });
        }
        let listener = TcpListener::bind(addr).await?;
        let local = listener.local_addr()?;
        Ok((
            Gateway {
                modules,
                routes,
                options,
                local,
            },
            listener,
            loaded,
        ))
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    /// Serves connections until `shutdown` resolves; then stops accepting, lets the requests in
    /// flight finish, and ends every worker.
    pub async fn serve(
        self,
        listener: TcpListener,
        shutdown: impl std::future::Future<Output = ()>,
    ) -> anyhow::Result<()> {
        let gateway = Arc::new(self);
        let mut connections = tokio::task::JoinSet::new();
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                () = &mut shutdown => break,
                accepted = listener.accept() => {
                    let (stream, client) = match accepted {
                        Ok(accepted) => accepted,
                        // Out of descriptors and the like: this connection is lost, not the server.
                        Err(err) => {
                            eprintln!("serve: accept failed: {err}");
                            tokio::time::sleep(Duration::from_millis(50)).await;
                            continue;
                        }
                    };
                    let gateway = gateway.clone();
                    connections.spawn(async move {
                        let service = hyper::service::service_fn(move |req| {
                            let gateway = gateway.clone();
                            async move { Ok::<_, Infallible>(gateway.handle(req, client).await) }
                        });
                        let io = hyper_util::rt::TokioIo::new(stream);
                        if let Err(err) = hyper::server::conn::http1::Builder::new()
                            .serve_connection(io, service)
                            .await
                            && !err.is_incomplete_message()
                        {
                            eprintln!("serve: connection from {client}: {err}");
                        }
                    });
                }
                Some(_) = connections.join_next(), if !connections.is_empty() => {}
            }
        }
        drop(listener);
        // Requests in flight finish (each within its deadline); idle keep-alive connections are
        // closed after a short wait.
        let _ = tokio::time::timeout(gateway.options.timeout + Duration::from_secs(1), async {
            while connections.join_next().await.is_some() {}
        })
        .await;
        connections.shutdown().await;
        Ok(())
    }

    async fn handle(&self, req: Request<Incoming>, client: SocketAddr) -> Response<Full<Bytes>> {
        let started = Instant::now();
        let (parts, body) = req.into_parts();
        let method = parts.method.as_str().to_owned();
        let target = parts
            .uri
            .path_and_query()
            .map_or("/", |p| p.as_str())
            .to_owned();
        let (response, note) = self.answer(parts, body, client).await;
        if self.options.log_requests {
            eprintln!(
                "serve: {method} {target} -> {} in {:.2} ms{note}",
                response.status().as_u16(),
                crate::runtime::millis(started.elapsed())
            );
        }
        response
    }

    /// The response and a note for the log line.
    async fn answer(
        &self,
        parts: hyper::http::request::Parts,
        body: Incoming,
        client: SocketAddr,
    ) -> (Response<Full<Bytes>>, String) {
        let path = parts.uri.path();
        let Some((index, entry)) = self.modules.route(path) else {
            return (
                text(StatusCode::NOT_FOUND, format!("no route serves {path}\n")),
                String::new(),
            );
        };
        let pool = match &self.routes[index] {
            Route::Ready(pool) => pool.clone(),
            Route::Broken((class, reason)) => {
                let message = format!("route {} cannot serve: {reason}", entry.route);
                return (
                    failed(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        *class,
                        format!("{message}\n"),
                    ),
                    format!(" ({message})"),
                );
            }
        };
        let body = match Limited::new(body, self.options.max_body_bytes)
            .collect()
            .await
        {
            Ok(collected) => collected.to_bytes(),
            Err(err) if err.is::<http_body_util::LengthLimitError>() => {
                let message = format!(
                    "the request body is larger than {} bytes",
                    self.options.max_body_bytes
                );
                return (
                    text(StatusCode::PAYLOAD_TOO_LARGE, format!("{message}\n")),
                    String::new(),
                );
            }
            Err(err) => {
                return (
                    text(
                        StatusCode::BAD_REQUEST,
                        "the request body could not be read\n".into(),
                    ),
                    format!(" ({err})"),
                );
            }
        };
        let limit = entry
            .timeout_secs
            .map_or(self.options.timeout, Duration::from_secs_f64);
        let timeout_ms = u64::try_from(limit.as_millis()).unwrap_or(u64::MAX);
        let call = match pool.ready.serves {
            Serves::Wagi => self.wagi_call(&parts, entry, body.len(), client, timeout_ms),
            Serves::WasiHttp => self.wasi_http_call(&parts, entry, timeout_ms),
            // A worker loads a command or a proxy component, never a server of its own.
            Serves::Socket => {
                return (
                    text(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "a socket server listens itself; the gateway does not serve it\n".into(),
                    ),
                    String::new(),
                );
            }
        };
        let called = pool.call(call, body.to_vec(), limit).await;
        respond(&entry.route, called)
    }

    /// A WAGI handler's call: the CGI environment and the query's arguments.
    fn wagi_call(
        &self,
        parts: &hyper::http::request::Parts,
        entry: &ModuleEntry,
        body_len: usize,
        client: SocketAddr,
        timeout_ms: u64,
    ) -> Call {
        let headers: Vec<(&str, &str)> = parts
            .headers
            .iter()
            .filter_map(|(name, value)| value.to_str().ok().map(|v| (name.as_str(), v)))
            .collect();
        let version = match parts.version {
            hyper::Version::HTTP_10 => "HTTP/1.0",
            hyper::Version::HTTP_2 => "HTTP/2.0",
            _ => "HTTP/1.1",
        };
        let request = wagi::Request {
            method: parts.method.as_str(),
            path: parts.uri.path(),
            query: parts.uri.query(),
            version,
            headers,
            body_len,
            client,
            local: self.local,
        };
        let mut query_args = wagi::arguments(&request);
        let program = query_args.remove(0);
        let mut args = entry.args.clone();
        args.append(&mut query_args);
        let env = wagi::environment(&request, &entry.route, &entry.environment);
        Call {
            program,
            args,
            env,
            timeout_ms,
            http: None,
        }
    }

    /// A `wasi:http` handler's call: the request itself, and the route's static environment.
    fn wasi_http_call(
        &self,
        parts: &hyper::http::request::Parts,
        entry: &ModuleEntry,
        timeout_ms: u64,
    ) -> Call {
        Call {
            program: entry.route.clone(),
            args: entry.args.clone(),
            env: entry.environment.clone(),
            timeout_ms,
            http: Some(HttpCall::of(parts, self.local)),
        }
    }
}

/// The HTTP answer to a call, and the log note: the gateway's, and the wasmtime shim's when it
/// serves a component from a container.
pub fn respond(route: &str, called: Called) -> (Response<Full<Bytes>>, String) {
    let fail = |status: StatusCode, class: Outcome, why: String| {
        (
            failed(status, class, format!("the handler of {route} {why}\n")),
            format!(" ({why})"),
        )
    };
    let reply = match called {
        Called::Replied(reply) => reply,
        Called::TimedOut(limit) => {
            return fail(
                StatusCode::GATEWAY_TIMEOUT,
                Outcome::Timeout,
                format!(
                    "ran past its deadline of {:.1} s and was stopped",
                    limit.as_secs_f64()
                ),
            );
        }
        Called::Died(died) => {
            return fail(
                StatusCode::BAD_GATEWAY,
                Outcome::Crash,
                format!("crashed its engine: {}", died.how),
            );
        }
        Called::NotStarted((class, reason)) => {
            return fail(
                StatusCode::INTERNAL_SERVER_ERROR,
                class,
                format!("could not start: {reason}"),
            );
        }
    };
    let timing = format!(
        "instantiate {:.2} ms, run {:.2} ms",
        reply.done.phases.instantiate, reply.done.phases.run
    );
    let stderr_note = || {
        let stderr = String::from_utf8_lossy(&reply.stderr);
        match stderr.trim().lines().last() {
            Some(line) => format!("; its stderr ends: {line}"),
            None => String::new(),
        }
    };
    match &reply.done.ending {
        Ending::Exited { code: 0 } => {}
        Ending::TimedOut { by } => {
            return fail(
                StatusCode::GATEWAY_TIMEOUT,
                Outcome::Timeout,
                format!("ran past its deadline (stopped by {by})"),
            );
        }
        ending => {
            let why = format!("{}{}", resident::describe(ending), stderr_note());
            return fail(
                StatusCode::INTERNAL_SERVER_ERROR,
                outcome::class_of(ending),
                why,
            );
        }
    }
    let parsed = match &reply.done.http {
        None => wagi::parse_response(&reply.stdout),
        Some(Ok(head)) => Ok(wagi::Response {
            status: head.status,
            headers: head.headers.clone(),
            body: reply.stdout.clone(),
            dropped: Vec::new(),
        }),
        Some(Err(why)) => {
            return fail(
                StatusCode::INTERNAL_SERVER_ERROR,
                Outcome::Fail,
                format!("gave no response: {why}{}", stderr_note()),
            );
        }
    };
    let parsed = match parsed {
        Ok(parsed) => parsed,
        Err(bad) => {
            return fail(
                StatusCode::INTERNAL_SERVER_ERROR,
                Outcome::Fail,
                bad.to_string(),
            );
        }
    };
    let mut response = Response::new(Full::new(Bytes::from(parsed.body)));
    *response.status_mut() =
        StatusCode::from_u16(parsed.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    for (name, value) in &parsed.headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            response.headers_mut().append(name, value);
        }
    }
    // W3C Server-Timing: the engine's phases of this request, for clients that measure them.
    let phases = &reply.done.phases;
    let mut server_timing = format!(
        "instantiate;dur={:.3}, run;dur={:.3}",
        phases.instantiate, phases.run
    );
    if !reply
        .done
        .compile_cache
        .eq(&crate::runtime::cache::CacheState::Resident)
    {
        server_timing = format!(
            "compile;desc={};dur={:.3}, {server_timing}",
            reply.done.compile_cache, phases.compile
        );
    }
    if let Ok(value) = HeaderValue::from_str(&server_timing) {
        response.headers_mut().append("server-timing", value);
    }
    let mut note = format!(" ({timing})");
    for dropped in &parsed.dropped {
        note.push_str(&format!("; header {dropped} left out"));
    }
    (response, note)
}

/// An answer the gateway writes for a handler that failed, its class in [`OUTCOME_HEADER`].
fn failed(status: StatusCode, class: Outcome, body: String) -> Response<Full<Bytes>> {
    let mut response = text(status, body);
    response
        .headers_mut()
        .insert(OUTCOME_HEADER, HeaderValue::from_static(class.as_str()));
    response
}

/// A plain-text answer.
pub fn text(status: StatusCode, body: String) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    response.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

/// The start-up report: one line per route.
pub fn describe_loaded(loaded: &[Loaded]) -> Vec<String> {
    loaded
        .iter()
        .map(|l| match &l.state {
            Ok((engine, once, ms)) => format!(
                "{} -> {} ({engine}; {}, first worker ready in {ms:.1} ms)",
                l.route,
                l.module.display(),
                if *once {
                    "compiled once, instantiated per request"
                } else {
                    "compiled per request"
                }
            ),
            Err(reason) => format!("{} -> cannot serve: {reason}", l.route),
        })
        .collect()
}
