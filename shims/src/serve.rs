//! A container whose program is a `wasi:http/proxy` component serves HTTP, as runwasi's wasmtime
//! shim does: it listens on `WASMTIME_HTTP_PROXY_SOCKET_ADDR` (runwasi's variable and default) and
//! hands each request to the component's `wasi:http/incoming-handler`, through the same harness
//! backend (`wasmtime-component`'s prepared proxy) as the embedded column: compiled once, a fresh
//! pooled instance per request. Its answers are the gateway's own (`gateway::respond`: the
//! handler's response with `Server-Timing`, or 500/502/504 with `x-wagi-gateway-outcome`).
//! SIGTERM (which `docker run` passes on) ends it with status 0. One request at a time: the
//! component's instances come one after another.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use harness::gateway::{self, Called};
use harness::resident::{Died, Done, Reply};
use harness::runtime::{Ending, HttpAnswer, HttpCall, RunReport, RunSpec, Runtime, Serves};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
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

/// The route the gateway's answers name: the container serves every path.
const ROUTE: &str = "/...";

/// The answer to one request, in the gateway's words (`gateway::respond`): the handler's
/// response, or 500/502/504 with `x-wagi-gateway-outcome`.
async fn answer(
    req: Request<Incoming>,
    jobs: &mpsc::Sender<Job>,
    local: SocketAddr,
    timeout: Duration,
) -> Response<Full<Bytes>> {
    let (parts, body) = req.into_parts();
    let body = match Limited::new(body, MAX_BODY).collect().await {
        Ok(collected) => collected.to_bytes().to_vec(),
        Err(err) => {
            return gateway::text(StatusCode::BAD_REQUEST, format!("the body: {err}\n"));
        }
    };
    let started = Instant::now();
    let (send, receive) = tokio::sync::oneshot::channel();
    let gone = |how: &str| Called::Died(Died { how: how.into() });
    let called = if jobs
        .send((HttpCall::of(&parts, local), body, send))
        .is_err()
    {
        gone("the handler's thread is gone")
    } else {
        match tokio::time::timeout(timeout, receive).await {
            Ok(Ok((report, answer))) => Called::Replied(Reply {
                done: Done {
                    ending: report.ending,
                    phases: report.phases,
                    compile_cache: report.compile_cache,
                    peak_rss_kib: None,
                    http: Some(answer),
                },
                stdout: report.stdout,
                stderr: report.stderr,
                wall: started.elapsed(),
            }),
            Ok(Err(_)) => gone("the handler's thread ended"),
            Err(_) => {
                // The engine cannot be interrupted from here: the container ends once this
                // answer is out, as a gateway's worker is killed at its deadline.
                tokio::spawn(async {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    std::process::exit(1);
                });
                Called::TimedOut(timeout)
            }
        }
    };
    gateway::respond(ROUTE, called).0
}
