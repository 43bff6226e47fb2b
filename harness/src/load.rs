//! A bounded HTTP load generator for loopback servers: a few keep-alive HTTP/1.1 connections
//! (tokio and hyper's client), each sending the same request again as soon as its answer is in,
//! until a request count or a time budget is reached. Every answer is checked (status and body) and
//! every latency kept, so percentiles are exact, not estimated from buckets.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use serde::{Deserialize, Serialize};

/// How hard and how long to load a server: at most `requests` over `connections`, within
/// `seconds`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Load {
    pub requests: u32,
    pub connections: u32,
    /// The time budget: the run stops at this wall time even if requests remain.
    pub seconds: f64,
}

/// The request every connection sends, and the answer it must get.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
    pub status: u16,
    /// The body the answer must have, when the case says.
    pub expect_body: Option<Vec<u8>>,
}

/// What a load run measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoadFigures {
    pub connections: u32,
    /// Requests answered, right or wrong.
    pub requests: u32,
    /// Answers with the wrong status or body, and requests that got no answer.
    pub errors: u32,
    /// The first error, in words.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub first_error: String,
    pub seconds: f64,
    /// Answered requests per second of the run's wall time.
    pub rps: f64,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

/// Loads `addr` with `request` as `load` says. Loopback only: any other address is refused, so a
/// misconfigured case cannot load someone else's server.
pub fn run(addr: SocketAddr, request: &Request, load: &Load) -> Result<LoadFigures, String> {
    if !addr.ip().is_loopback() {
        return Err(format!(
            "{addr} is not a loopback address: load runs only on loopback"
        ));
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|err| format!("cannot start the load generator's runtime: {err}"))?;
    runtime.block_on(drive(addr, request, load))
}

/// Whatever one connection saw.
#[derive(Default)]
struct Seen {
    latencies_us: Vec<u64>,
    errors: u32,
    first_error: String,
}

async fn drive(addr: SocketAddr, request: &Request, load: &Load) -> Result<LoadFigures, String> {
    let request = Arc::new(request.clone());
    let remaining = Arc::new(AtomicU32::new(load.requests));
    let budget = Duration::from_secs_f64(load.seconds.max(0.001));
    let started = Instant::now();
    let deadline = tokio::time::Instant::now() + budget;
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..load.connections.max(1) {
        let (request, remaining) = (request.clone(), remaining.clone());
        tasks.spawn(async move { connection(addr, &request, &remaining, deadline).await });
    }
    let mut all = Seen::default();
    while let Some(joined) = tasks.join_next().await {
        let seen = joined.map_err(|err| format!("a load connection failed: {err}"))?;
        all.latencies_us.extend(seen.latencies_us);
        all.errors += seen.errors;
        if all.first_error.is_empty() {
            all.first_error = seen.first_error;
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    let mut latencies = all.latencies_us;
    latencies.sort_unstable();
    let percentile = |p: f64| -> f64 {
        if latencies.is_empty() {
            return 0.0;
        }
        // Nearest rank: the smallest latency at or above which p% of the requests fall.
        let rank = ((p / 100.0) * latencies.len() as f64).ceil() as usize;
        latencies[rank.clamp(1, latencies.len()) - 1] as f64 / 1000.0
    };
    let requests = u32::try_from(latencies.len()).unwrap_or(u32::MAX);
    Ok(LoadFigures {
        connections: load.connections.max(1),
        requests,
        errors: all.errors,
        first_error: all.first_error,
        seconds,
        rps: if seconds > 0.0 {
            f64::from(requests) / seconds
        } else {
            0.0
        },
        p50_ms: percentile(50.0),
        p90_ms: percentile(90.0),
        p99_ms: percentile(99.0),
        max_ms: percentile(100.0),
    })
}

/// One keep-alive connection sending requests back to back; it reconnects after an error (the
/// server closes a connection when it cannot answer on it) and after an answer that closes it (the
/// connect is then in the run's rate, not in the next request's latency).
async fn connection(
    addr: SocketAddr,
    request: &Request,
    remaining: &AtomicU32,
    deadline: tokio::time::Instant,
) -> Seen {
    let mut seen = Seen::default();
    let note = |seen: &mut Seen, what: String| {
        seen.errors += 1;
        if seen.first_error.is_empty() {
            seen.first_error = what;
        }
    };
    let mut sender = None;
    while tokio::time::Instant::now() < deadline {
        // Take one request of the budget; none left, this connection is done.
        if remaining
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
            .is_err()
        {
            break;
        }
        if sender.is_none() {
            match open(addr).await {
                Ok(s) => sender = Some(s),
                Err(err) => {
                    note(&mut seen, err);
                    continue;
                }
            }
        }
        let Some(s) = sender.as_mut() else { continue };
        let started = Instant::now();
        let sent = tokio::time::timeout_at(deadline + Duration::from_secs(30), async {
            let response = s.send_request(build(request)).await?;
            let status = response.status().as_u16();
            // A server that closes each connection (a single-threaded socket server) says so;
            // the next request opens a new one, as a browser's would.
            let close = response
                .headers()
                .get(hyper::header::CONNECTION)
                .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"close"));
            let body = response.into_body().collect().await?.to_bytes();
            Ok::<_, hyper::Error>((status, body, close))
        })
        .await;
        let elapsed = started.elapsed();
        match sent {
            Ok(Ok((status, body, close))) => {
                if close {
                    sender = None;
                }
                seen.latencies_us
                    .push(u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX));
                if status != request.status {
                    note(
                        &mut seen,
                        format!(
                            "status {status}, expected {}: {}",
                            request.status,
                            String::from_utf8_lossy(&body).trim()
                        ),
                    );
                } else if request
                    .expect_body
                    .as_deref()
                    .is_some_and(|want| want != body.as_ref())
                {
                    note(&mut seen, "a body other than the case's".into());
                }
            }
            Ok(Err(err)) => {
                note(&mut seen, format!("no answer: {err}"));
                sender = None;
            }
            Err(_) => {
                note(
                    &mut seen,
                    "no answer within 30 s of the budget's end".into(),
                );
                sender = None;
            }
        }
    }
    seen
}

type Sender = hyper::client::conn::http1::SendRequest<Full<Bytes>>;

async fn open(addr: SocketAddr) -> Result<Sender, String> {
    let stream = tokio::net::TcpStream::connect(addr)
        .await
        .map_err(|err| format!("cannot connect to {addr}: {err}"))?;
    let _ = stream.set_nodelay(true);
    let (sender, conn) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .map_err(|err| format!("HTTP handshake with {addr}: {err}"))?;
    tokio::spawn(async move {
        // Ends when the sender is dropped or the server closes the connection.
        let _ = conn.await;
    });
    Ok(sender)
}

fn build(request: &Request) -> hyper::Request<Full<Bytes>> {
    let mut builder = hyper::Request::builder()
        .method(request.method.as_str())
        .uri(request.target.as_str())
        .header("host", "127.0.0.1");
    for (name, value) in &request.headers {
        builder = builder.header(name.as_str(), value.as_str());
    }
    builder
        .body(Full::new(request.body.clone()))
        .expect("the case's request was valid when it was sent once already")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A GET that must be answered 200, with `body` when given.
    fn get(target: &str, body: Option<&[u8]>) -> Request {
        Request {
            method: "GET".into(),
            target: target.into(),
            headers: Vec::new(),
            body: Bytes::new(),
            status: 200,
            expect_body: body.map(<[u8]>::to_vec),
        }
    }

    #[test]
    fn refuses_anything_but_loopback() {
        let request = get("/", None);
        let load = Load {
            requests: 1,
            connections: 1,
            seconds: 1.0,
        };
        let err = run("192.0.2.1:80".parse().unwrap(), &request, &load).unwrap_err();
        assert!(err.contains("not a loopback address"), "{err}");
    }

    /// A single-threaded server that answers each request with `connection: close` and closes it,
    /// as the socket servers do: every request gets a connection of its own, and none is an error.
    #[test]
    fn a_server_that_closes_each_connection_gets_a_new_one_per_request() {
        use std::io::{Read as _, Write as _};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let accepted = Arc::new(AtomicU32::new(0));
        let counter = accepted.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { return };
                counter.fetch_add(1, Ordering::Relaxed);
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).unwrap_or(0) == 1 {
                    head.push(byte[0]);
                }
                let _ = stream.write_all(
                    b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok",
                );
            }
        });
        let request = get("/", Some(b"ok"));
        let load = Load {
            requests: 20,
            connections: 2,
            seconds: 30.0,
        };
        let figures = run(addr, &request, &load).unwrap();
        assert_eq!(figures.requests, 20);
        assert_eq!(figures.errors, 0, "{}", figures.first_error);
        assert_eq!(accepted.load(Ordering::Relaxed), 20);
    }

    /// A real server on loopback (hyper's, answering 200 or, for every third request, 500): the
    /// counts, the errors and the percentiles come out of real requests.
    #[test]
    fn counts_requests_errors_and_percentiles() {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let addr = listener.local_addr().unwrap();
        let served = Arc::new(AtomicU32::new(0));
        let counter = served.clone();
        runtime.spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let counter = counter.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |_req| {
                        let n = counter.fetch_add(1, Ordering::Relaxed);
                        async move {
                            let mut response =
                                hyper::Response::new(Full::new(Bytes::from_static(b"ok")));
                            if n % 3 == 2 {
                                *response.status_mut() = hyper::StatusCode::INTERNAL_SERVER_ERROR;
                            }
                            Ok::<_, std::convert::Infallible>(response)
                        }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        let request = Request {
            method: "POST".into(),
            target: "/x?y=1".into(),
            headers: vec![("x-test".into(), "1".into())],
            body: Bytes::from_static(b"body"),
            status: 200,
            expect_body: Some(b"ok".to_vec()),
        };
        let load = Load {
            requests: 30,
            connections: 3,
            seconds: 30.0,
        };
        let figures = run(addr, &request, &load).unwrap();
        assert_eq!(figures.requests, 30);
        assert_eq!(served.load(Ordering::Relaxed), 30);
        assert_eq!(figures.errors, 10, "every third answer was a 500");
        assert!(figures.first_error.starts_with("status 500"));
        assert_eq!(figures.connections, 3);
        assert!(figures.rps > 0.0);
        assert!(figures.p50_ms <= figures.p90_ms && figures.p90_ms <= figures.p99_ms);
        assert!(figures.p99_ms <= figures.max_ms && figures.max_ms > 0.0);
    }
}
