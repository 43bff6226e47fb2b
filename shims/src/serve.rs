//! A container whose program is a `wasi:http/proxy` component serves HTTP, as runwasi's wasmtime
//! shim does: it listens on `WASMTIME_HTTP_PROXY_SOCKET_ADDR` (runwasi's variable and default) and
//! hands each request to the component's `wasi:http/incoming-handler`, through the same harness
//! backend (`wasmtime-component`'s prepared proxy) as the embedded column: compiled once, a fresh
//! pooled instance per request. Answers a failed handler as the harness's gateway does (500 or 504
//! with `x-wagi-gateway-outcome`), with `Server-Timing`. SIGTERM (which `docker run` passes on)
//! ends it with status 0. One request at a time: the component's instances come one after another.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use anyhow::Context as _;
use harness::gateway::OUTCOME_HEADER;
use harness::outcome::{self, Outcome};
use harness::runtime::{Ending, HttpAnswer, HttpCall, RunReport, RunSpec, Runtime, Serves};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::header::{HeaderName, HeaderValue};
use hyper::{Request, Response, StatusCode};

/// runwasi's variable for the address (the harness's container columns set it), and its default.
use harness::runtime::docker::SERVE_ADDR_VARIABLE as ADDR_VARIABLE;
const DEFAULT_ADDR: &str = "0.0.0.0:8080";

/// The largest request body taken.
const MAX_BODY: usize = 16 << 20;

/// One request for the handler's thread, and where its answer goes.
pub type Job = (
    HttpCall,
    Vec<u8>,
    tokio::sync::oneshot::Sender<(RunReport, HttpAnswer)>,
);

/// Prepares the component on a thread of its own (the engine's objects stay there), which then takes
/// the requests one at a time; or the engine's refusal (a command component is not a proxy).
pub fn start_handler(
    backend: fn() -> Box<dyn Runtime>,
    component: Vec<u8>,
    spec: RunSpec,
) -> Result<mpsc::Sender<Job>, Ending> {
    let (jobs, queue) = mpsc::channel::<Job>();
    let (ready, started) = mpsc::channel::<Result<(), Ending>>();
    std::thread::spawn(move || {
        let prepared = match backend().prepare(&component, &spec) {
            Some(Ok(prepared)) if prepared.serves() == Serves::WasiHttp => prepared,
            Some(Ok(_)) | None => {
                let _ = ready.send(Err(Ending::Unsupported {
                    capability: "wasi:http/incoming-handler export".into(),
                    message: "the shim serves wasi:http/proxy components, not commands: the \
                              component exports no wasi:http/incoming-handler"
                        .into(),
                }));
                return;
            }
            Some(Err(report)) => {
                let _ = ready.send(Err(report.ending));
                return;
            }
        };
        let _ = ready.send(Ok(()));
        for (call, body, reply) in queue {
            let spec = RunSpec {
                stdin: body,
                ..spec.clone()
            };
            let _ = reply.send(prepared.handle(&call, &spec));
        }
    });
    match started.recv() {
        Ok(Ok(())) => Ok(jobs),
        Ok(Err(ending)) => Err(ending),
        Err(_) => Err(Ending::HarnessFault {
            message: "the handler's thread ended while loading".into(),
        }),
    }
}

/// Serves on the address the container's environment names until SIGTERM.
pub async fn serve(
    jobs: mpsc::Sender<Job>,
    timeout: Duration,
    envs: &[String],
) -> anyhow::Result<i32> {
    let addr: SocketAddr = envs
        .iter()
        .find_map(|e| e.strip_prefix(ADDR_VARIABLE)?.strip_prefix('='))
        .unwrap_or(DEFAULT_ADDR)
        .parse()
        .with_context(|| format!("{ADDR_VARIABLE} is not an address"))?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    let local = listener.local_addr()?;
    // The line the harness (and a person) reads the address from.
    eprintln!("listening on http://{local}");
    on_sigterm();
    let mut tick = tokio::time::interval(Duration::from_millis(50));
    let mut connections = tokio::task::JoinSet::new();
    loop {
        tokio::select! {
            _ = tick.tick() => {
                if TERMINATED.load(Ordering::Relaxed) {
                    break;
                }
            }
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let jobs = jobs.clone();
                connections.spawn(async move {
                    let service = hyper::service::service_fn(move |req| {
                        let jobs = jobs.clone();
                        async move { Ok::<_, Infallible>(answer(req, &jobs, local, timeout).await) }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                        .await;
                });
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    Ok(0)
}

/// Set by SIGTERM.
static TERMINATED: AtomicBool = AtomicBool::new(false);

/// SIGTERM sets [`TERMINATED`]. A plain handler, not `tokio::signal`: runwasi's container process
/// does not deliver to Tokio's (containerd-shim-wasm 1.0's own signal test says so).
fn on_sigterm() {
    extern "C" fn terminated(_: libc::c_int) {
        TERMINATED.store(true, Ordering::Relaxed);
    }
    // SAFETY: the handler only stores to an atomic, which is async-signal-safe; the mask calls
    // touch this thread's own signal mask.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = terminated as extern "C" fn(libc::c_int) as libc::sighandler_t;
        libc::sigemptyset(&mut action.sa_mask);
        libc::sigaction(libc::SIGTERM, &action, std::ptr::null_mut());
        let mut unblock: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut unblock);
        libc::sigaddset(&mut unblock, libc::SIGTERM);
        libc::pthread_sigmask(libc::SIG_UNBLOCK, &unblock, std::ptr::null_mut());
    }
}

async fn answer(
    req: Request<Incoming>,
    jobs: &mpsc::Sender<Job>,
    local: SocketAddr,
    timeout: Duration,
) -> Response<Full<Bytes>> {
    let (parts, body) = req.into_parts();
    let body = match Limited::new(body, MAX_BODY).collect().await {
        Ok(collected) => collected.to_bytes().to_vec(),
        Err(err) => return text(StatusCode::BAD_REQUEST, format!("the body: {err}\n")),
    };
    let call = HttpCall {
        method: parts.method.as_str().to_owned(),
        target: parts
            .uri
            .path_and_query()
            .map_or("/", |p| p.as_str())
            .to_owned(),
        authority: parts
            .headers
            .get(hyper::header::HOST)
            .and_then(|h| h.to_str().ok())
            .map_or_else(|| local.to_string(), str::to_owned),
        headers: parts
            .headers
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
    };
    let (send, receive) = tokio::sync::oneshot::channel();
    if jobs.send((call, body, send)).is_err() {
        return failed(Outcome::Crash, "the handler's thread is gone".into());
    }
    let (report, head) = match tokio::time::timeout(timeout, receive).await {
        Ok(Ok(done)) => done,
        Ok(Err(_)) => return failed(Outcome::Crash, "the handler's thread ended".into()),
        Err(_) => {
            // The engine cannot be interrupted from here: the container ends once this answer is
            // out, as a gateway's worker is killed at its deadline.
            tokio::spawn(async {
                tokio::time::sleep(Duration::from_millis(200)).await;
                std::process::exit(1);
            });
            let mut response = failed(
                Outcome::Timeout,
                format!(
                    "the handler ran past its deadline of {:.1} s; the container ends\n",
                    timeout.as_secs_f64()
                ),
            );
            *response.status_mut() = StatusCode::GATEWAY_TIMEOUT;
            return response;
        }
    };
    match (&report.ending, head) {
        (Ending::Exited { code: 0 }, Ok(head)) => {
            let mut response = Response::new(Full::new(Bytes::from(report.stdout)));
            *response.status_mut() =
                StatusCode::from_u16(head.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            for (name, value) in &head.headers {
                if let (Ok(name), Ok(value)) = (
                    HeaderName::from_bytes(name.as_bytes()),
                    HeaderValue::from_str(value),
                ) {
                    response.headers_mut().append(name, value);
                }
            }
            // As the gateway: the request's phases, for clients that measure them.
            let timing = format!(
                "instantiate;dur={:.3}, run;dur={:.3}",
                report.phases.instantiate, report.phases.run
            );
            if let Ok(value) = HeaderValue::from_str(&timing) {
                response.headers_mut().append("server-timing", value);
            }
            response
        }
        (Ending::Exited { code: 0 }, Err(why)) => failed(
            Outcome::Fail,
            format!("the handler gave no response: {why}\n"),
        ),
        (ending, _) => failed(
            outcome::class_of(ending),
            format!("the handler {}\n", harness::resident::describe(ending)),
        ),
    }
}

fn failed(class: Outcome, body: String) -> Response<Full<Bytes>> {
    let mut response = text(StatusCode::INTERNAL_SERVER_ERROR, body);
    response
        .headers_mut()
        .insert(OUTCOME_HEADER, HeaderValue::from_static(class.as_str()));
    response
}

fn text(status: StatusCode, body: String) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    response.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}
