//! HTTP cases: a sample served by `harness serve` on a free loopback port, the case's request sent
//! to it, each answer checked against the case, then the server stopped with SIGTERM and checked to
//! have left no worker behind. Also the small HTTP/1.1 client and server handle these share with
//! the gateway's tests.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Deserialize as _;
use serde::de::IntoDeserializer as _;

use crate::gateway::OUTCOME_HEADER;
use crate::manifest::{HttpCase, HttpExpect, Serves};
use crate::outcome::{Outcome, Verdict, line_diff};
use crate::runtime::cache::CacheState;
use crate::runtime::{Phases, Preopen, millis};

/// `harness serve` started on a free loopback port, its address read from its first line.
pub struct Server {
    child: Child,
    pub addr: SocketAddr,
    /// From spawn to the address line: every route's first worker loaded (compiled) its module.
    pub ready: Duration,
    stderr: Arc<Mutex<Vec<u8>>>,
    stdout: Arc<Mutex<Vec<u8>>>,
}

/// The last bytes of the server's stderr kept for a reason.
const STDERR_KEPT: usize = 8 * 1024;

impl Server {
    /// Starts `command` (a `serve` command line with `--addr 127.0.0.1:0`, or a socket server's
    /// run), writes `stdin` to it (a worker's request) and waits up to `within` for its address.
    pub fn start(
        mut command: Command,
        stdin: Option<Vec<u8>>,
        within: Duration,
    ) -> Result<Server, NotStarted> {
        let started = Instant::now();
        // A harness killed mid-cell must not leave its server behind: the kernel sends the server
        // SIGTERM when the thread that started it ends (the server then drains and ends its
        // workers).
        // SAFETY: `prctl` is async-signal-safe and touches only the child's own attributes.
        unsafe {
            std::os::unix::process::CommandExt::pre_exec(&mut command, || {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM) == -1 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let mut child = command
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|err| NotStarted::new(format!("cannot start the server: {err}")))?;
        // The gateway says where it listens on stdout, `wasmtime serve` on stderr: the first line
        // on either that names an address.
        let (send, receive) = std::sync::mpsc::channel();
        let stderr = crate::util::keep_tail(
            Announcement::new(child.stderr.take().expect("stderr is piped"), send.clone()),
            STDERR_KEPT,
        );
        // Drained, so that a stray write cannot block; its end is kept for a worker's report.
        let stdout = crate::util::keep_tail(
            Announcement::new(child.stdout.take().expect("stdout is piped"), send),
            STDERR_KEPT,
        );
        if let (Some(bytes), Some(mut pipe)) = (stdin, child.stdin.take()) {
            // The worker reads its request to the end: the pipe closes when this is written.
            std::thread::spawn(move || {
                let _ = pipe.write_all(&bytes);
            });
        }
        let mut server = Server {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            ready: Duration::ZERO,
            stderr,
            stdout,
        };
        let found = match receive.recv_timeout(within) {
            Ok(found) => found,
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                return Err(server.not_started(
                    format!(
                        "the server did not say where it listens within {:.0} s",
                        within.as_secs_f64()
                    ),
                    false,
                ));
            }
            // Both streams ended without an address: the server ended.
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => None,
        };
        let Some(addr) = found else {
            // Give the reason a moment to reach stderr before the process is reaped.
            let _ = server.child.wait();
            std::thread::sleep(Duration::from_millis(50));
            let why = format!("the server did not start: {}", server.stderr_tail().trim());
            return Err(server.not_started(why, true));
        };
        server.addr = addr;
        server.ready = started.elapsed();
        Ok(server)
    }

    fn not_started(&self, why: String, ended: bool) -> NotStarted {
        NotStarted {
            why,
            ended,
            stdout: self.stdout_tail(),
            stderr: self.stderr_tail(),
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// What the server wrote on stderr lately.
    pub fn stderr_tail(&self) -> String {
        String::from_utf8_lossy(&self.stderr.lock().unwrap_or_else(|e| e.into_inner())).into_owned()
    }

    /// What the server wrote on stdout lately.
    pub fn stdout_tail(&self) -> String {
        String::from_utf8_lossy(&self.stdout.lock().unwrap_or_else(|e| e.into_inner())).into_owned()
    }

    /// The worker processes the server has started and not yet ended.
    pub fn workers(&self) -> Vec<u32> {
        children_of(self.child.id())
    }

    /// SIGTERM, then the server must exit by itself within `within`, and none of its workers may
    /// outlive it by more than a few seconds. The error says what was left.
    pub fn stop(mut self, within: Duration) -> Result<ExitStatus, String> {
        let workers = self.workers();
        // SAFETY: signalling our own child, which is not yet reaped.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        let deadline = Instant::now() + within;
        let status = loop {
            match self.child.try_wait() {
                Ok(Some(status)) => break status,
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(10));
                }
                Ok(None) => {
                    return Err(format!(
                        "the server did not stop within {:.0} s of SIGTERM",
                        within.as_secs_f64()
                    ));
                }
                Err(err) => return Err(format!("cannot wait for the server: {err}")),
            }
        };
        let deadline = Instant::now() + Duration::from_secs(5);
        while workers.iter().any(|&p| alive(p)) {
            if Instant::now() > deadline {
                let left: Vec<u32> = workers.into_iter().filter(|&p| alive(p)).collect();
                for &pid in &left {
                    // SAFETY: a signal to a process the server started and left behind.
                    unsafe { libc::kill(pid as i32, libc::SIGKILL) };
                }
                return Err(format!(
                    "workers left behind after the server stopped: {left:?}"
                ));
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        Ok(status)
    }
}

/// A server that did not say where it listens: why, and what it wrote last.
#[derive(Debug)]
pub struct NotStarted {
    pub why: String,
    /// The process ended (rather than failing to start or staying silent): what it wrote says why.
    pub ended: bool,
    pub stdout: String,
    pub stderr: String,
}

impl NotStarted {
    fn new(why: String) -> Self {
        NotStarted {
            why,
            ended: false,
            stdout: String::new(),
            stderr: String::new(),
        }
    }
}

/// A server's output stream, passed through, that sends the first address it names
/// (`http://127.0.0.1:PORT`) and `None` when it ends without one.
struct Announcement<R> {
    from: R,
    line: Vec<u8>,
    send: Option<std::sync::mpsc::Sender<Option<SocketAddr>>>,
}

impl<R> Announcement<R> {
    fn new(from: R, send: std::sync::mpsc::Sender<Option<SocketAddr>>) -> Self {
        Announcement {
            from,
            line: Vec::new(),
            send: Some(send),
        }
    }
}

impl<R: Read> Read for Announcement<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.from.read(buf)?;
        if let Some(send) = &self.send {
            if n == 0 {
                let _ = send.send(None);
                self.send = None;
                return Ok(0);
            }
            for &byte in &buf[..n] {
                if byte != b'\n' {
                    // An address line is short; a long line is not one.
                    if self.line.len() < 512 {
                        self.line.push(byte);
                    }
                    continue;
                }
                if let Some(addr) = announced_addr(&String::from_utf8_lossy(&self.line)) {
                    let _ = send.send(Some(addr));
                    self.send = None;
                    break;
                }
                self.line.clear();
            }
        }
        Ok(n)
    }
}

/// The address a server's start-up line names: `listening on http://ADDR` (the gateway) or
/// `Serving HTTP on http://ADDR/` (`wasmtime serve`).
pub fn announced_addr(line: &str) -> Option<SocketAddr> {
    let rest = &line[line.find("http://")? + "http://".len()..];
    let end = rest
        .find(|c: char| c == '/' || c.is_whitespace())
        .unwrap_or(rest.len());
    rest[..end].parse().ok()
}

impl Drop for Server {
    /// A server given up on leaves nothing behind (its workers end when their stdin closes).
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One answer, headers' names lowercased.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// From connecting to the last byte of the answer.
    pub wall: Duration,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The phases the gateway reported in `Server-Timing` (zero where it named none), and how the
    /// request's compile got its module (`resident` when it named no compile: compiled at load).
    pub fn phases(&self) -> (Phases, CacheState) {
        let mut phases = Phases::default();
        let mut cache = CacheState::Resident;
        for metric in self.header("server-timing").unwrap_or("").split(',') {
            let mut parts = metric.trim().split(';');
            let name = parts.next().unwrap_or("");
            let mut dur = 0.0;
            let mut desc = None;
            for param in parts {
                let (key, value) = param.trim().split_once('=').unwrap_or((param, ""));
                match key {
                    "dur" => dur = value.parse().unwrap_or(0.0),
                    "desc" => desc = value.trim_matches('"').parse::<CacheState>().ok(),
                    _ => {}
                }
            }
            match name {
                "compile" => {
                    phases.compile = dur;
                    cache = desc.unwrap_or(CacheState::Unknown);
                }
                "instantiate" => phases.instantiate = dur,
                "run" => phases.run = dur,
                _ => {}
            }
        }
        (phases, cache)
    }
}

/// Sends one request on a connection of its own (`Connection: close`) and reads the whole answer.
pub fn request(
    addr: SocketAddr,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: &[u8],
    timeout: Duration,
) -> std::io::Result<Answer> {
    let started = Instant::now();
    let mut stream = TcpStream::connect_timeout(&addr, timeout)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    let mut head = format!("{method} {target} HTTP/1.1\r\nHost: {addr}\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    ));
    stream.write_all(head.as_bytes())?;
    stream.write_all(body)?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let wall = started.elapsed();
    let bad = |what: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_owned());
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| bad("the answer ended before its header block did"))?;
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| bad("the answer has no status line"))?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    let header = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    if header("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        body = dechunk(&body).ok_or_else(|| bad("the answer's chunked body is broken"))?;
    } else if let Some(len) = header("content-length").and_then(|v| v.parse::<usize>().ok()) {
        body.truncate(len);
    }
    Ok(Answer {
        status,
        headers,
        body,
        wall,
    })
}

/// The body of a `Transfer-Encoding: chunked` message (RFC 9112 7.1): hexadecimal sizes, each
/// with optional extensions, then the chunk and CRLF, up to a chunk of size zero (trailers are
/// left out). `None` when it is cut short or malformed.
fn dechunk(mut raw: &[u8]) -> Option<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let eol = raw.windows(2).position(|w| w == b"\r\n")?;
        let line = std::str::from_utf8(&raw[..eol]).ok()?;
        let size = usize::from_str_radix(line.split(';').next()?.trim(), 16).ok()?;
        raw = &raw[eol + 2..];
        if size == 0 {
            return Some(body);
        }
        body.extend_from_slice(raw.get(..size)?);
        raw = raw.get(size..)?.strip_prefix(b"\r\n")?;
    }
}

/// Sends an HTTP case's request.
pub fn send(addr: SocketAddr, http: &HttpCase, timeout: Duration) -> std::io::Result<Answer> {
    let headers: Vec<(&str, &str)> = http
        .headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    request(
        addr,
        &http.method,
        &http.target,
        &headers,
        http.body.as_bytes(),
        timeout,
    )
}

/// Classifies an answer: a gateway's error answer by the outcome it names (`declined` proposals
/// turn a refused module into `unsupported`), else status, headers and body against the case.
pub fn check(answer: &Answer, expect: &HttpExpect, declined: &[String]) -> Verdict {
    let body = String::from_utf8_lossy(&answer.body);
    if let Some(class) = answer.header(OUTCOME_HEADER) {
        // The header holds an outcome's own name; anything else is the handler's failure.
        let name: serde::de::value::StrDeserializer<serde::de::value::Error> =
            class.into_deserializer();
        let outcome = Outcome::deserialize(name).unwrap_or(Outcome::Fail);
        let reason = body.trim().lines().next().unwrap_or("").to_owned();
        // As for a command: a module refused by an engine that lacks a proposal it needs.
        let refused = crate::resident::REFUSED.iter().any(|r| reason.contains(r));
        if outcome == Outcome::Fail && !declined.is_empty() && refused {
            return Verdict::new(
                Outcome::Unsupported,
                format!("needs {} (not available): {reason}", declined.join(", ")),
            );
        }
        // A case may expect the gateway's own answer to a failing handler (its status and class);
        // any other such answer is the handler's outcome.
        let expected_class = expect
            .headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(OUTCOME_HEADER))
            .map(|(_, v)| v.as_str());
        if expect.status != answer.status || expected_class != Some(class) {
            return Verdict::new(outcome, format!("status {}: {reason}", answer.status));
        }
    }
    let mut problems = Vec::new();
    if answer.status != expect.status {
        problems.push(format!(
            "status {}, expected {} (body: {})",
            answer.status,
            expect.status,
            body.trim().lines().next().unwrap_or("")
        ));
    }
    for (name, value) in &expect.headers {
        match answer.header(name) {
            Some(got) if got == value => {}
            // No outcome header: the handler wrote this answer itself; the host saw no failure.
            None if name.eq_ignore_ascii_case(OUTCOME_HEADER) => problems.push(format!(
                "the handler answered {} itself, where the case expects it to {value} and the \
                 host to answer for it",
                answer.status
            )),
            Some(got) => problems.push(format!("header {name}: {got:?}, expected {value:?}")),
            None => problems.push(format!("header {name}: missing, expected {value:?}")),
        }
    }
    if let Some(expected) = &expect.body
        && *expected != body
    {
        problems.push(format!("body {}", line_diff(expected, &body)));
    }
    if problems.is_empty() {
        Verdict::new(Outcome::Pass, "")
    } else {
        Verdict::new(Outcome::Fail, problems.join("; "))
    }
}

/// What a served sample is: its module and how the gateway launches it.
pub struct Handler<'a> {
    pub module: &'a Path,
    pub args: &'a [String],
    pub env: &'a std::collections::BTreeMap<String, String>,
    pub preopens: &'a [Preopen],
    pub proposals: Vec<String>,
}

/// The `modules.toml` that serves `handler` on `route`: WAGI's fields and ours (`args`,
/// `proposals`).
pub fn modules_toml(route: &str, handler: &Handler, timeout: Duration) -> String {
    let quote = |s: &str| toml::Value::String(s.to_owned()).to_string();
    let list = |items: &[String]| {
        items
            .iter()
            .map(|i| quote(i))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut text = format!(
        "[[module]]\nroute = {}\nmodule = {}\ntimeout_secs = {}\nargs = [{}]\nproposals = [{}]\n",
        quote(route),
        quote(&absolute(handler.module)),
        timeout.as_secs_f64(),
        list(handler.args),
        list(&handler.proposals),
    );
    if !handler.env.is_empty() {
        text.push_str("[module.environment]\n");
        for (k, v) in handler.env {
            text.push_str(&format!("{} = {}\n", quote(k), quote(v)));
        }
    }
    if !handler.preopens.is_empty() {
        text.push_str("[module.volumes]\n");
        for p in handler.preopens {
            text.push_str(&format!(
                "{} = {}\n",
                quote(&p.guest),
                quote(&absolute(&p.host))
            ));
        }
    }
    text
}

/// A path as the `modules.toml` must give it: relative ones would be read against its directory.
fn absolute(path: &Path) -> String {
    std::path::absolute(path)
        .unwrap_or_else(|_| path.to_owned())
        .display()
        .to_string()
}

/// Whether a handler of the kind can be served on `column`, or why not: WAGI handlers through the
/// gateway on the preview 1 engines; `wasi:http/proxy` components through the gateway on
/// `wasmtime-component`, by the column's own tool where it has a serve command (`wasmtime
/// serve`), or from a container where the shim serves them (`docker-wasmtime`).
pub fn can_serve(column: &str, handler: Serves) -> Result<(), String> {
    use crate::runtime::{cli, docker};
    let col = crate::runtime::registry::get(column);
    let components = col.is_some_and(|c| c.runs_components());
    match handler {
        Serves::Wagi if components => Err(format!(
            "a WAGI handler is a preview 1 command, and `{column}` serves wasi:http/proxy \
             components (the `wasi-http` samples)"
        )),
        Serves::WasiHttp
            if col.is_some_and(|c| cli::serves_components(c) || docker::serves_components(c)) =>
        {
            Ok(())
        }
        Serves::WasiHttp if col.is_some_and(|c| c.is_container()) => Err(String::from(
            "of the container columns, `docker-wasmtime` serves wasi:http/proxy components (its \
             wasmtime shim, as runwasi's does); the wasmer and WasmEdge shims run preview 1 \
             modules only, and serving through `ctr run` is not built",
        )),
        Serves::WasiHttp if !components => Err(format!(
            "a wasi:http/proxy handler is a WASI 0.2 component, and `{column}` runs preview 1 \
             modules (the `wagi` samples are served there)"
        )),
        Serves::Socket => can_listen(column),
        _ => crate::gateway::can_serve(column),
    }
}

/// Whether a socket server can be run on `column` (whether the guest may then listen is the run's
/// to find out): natively, by an engine the harness embeds or starts in a worker, or by the
/// engine's own tool.
fn can_listen(column: &str) -> Result<(), String> {
    use crate::runtime::registry::{Engine, Kind};
    // Whether the engine then lets the guest listen is the run's to find out.
    let Some(col) = crate::runtime::registry::get(column) else {
        return Err(format!("unknown column `{column}`"));
    };
    match col.kind {
        Kind::Container(_) if !crate::runtime::docker::runs_socket_servers(col) => {
            Err(String::from(
                "of the container columns, Docker's Wasm columns run a socket server (`docker run \
                 --network host`); through `ctr run` it is not built, and a native container \
                 runs only the programs built for it",
            ))
        }
        _ if col.engine == Engine::V8 => Err(String::from(
            "the Node.js hosts' workers capture the guest's stdio, so a server's address line \
             cannot reach the harness while it runs: serving from them is not built",
        )),
        Kind::Tool if col.engine == Engine::Wamr => Err(String::from(
            "`iwasm` grants sockets through `--addr-pool` to WAMR's own socket library, for which \
             no sample is built",
        )),
        _ => Ok(()),
    }
}

/// What serves an HTTP cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerKind {
    /// `harness serve`: its workers are the engines, and its answers carry `Server-Timing`.
    Gateway,
    /// The engine's own tool (`wasmtime serve`): itself the engine whose memory counts, no
    /// `Server-Timing`, and a SIGTERM may just end it.
    Tool,
    /// A container (`docker run` of the component's image): the engine is inside, out of the
    /// harness's sight for memory; its shim answers like the gateway.
    Container,
    /// The program listens itself (a socket server): one process, the engine's worker, its tool,
    /// or the native binary, that a SIGTERM ends.
    Socket,
    /// A socket server in a container (`docker run` on the host's network): the engine is out of
    /// the harness's sight, and the container is removed to stop it (a Wasm command has no
    /// signal handler, and a container's first process ignores SIGTERM without one).
    ContainerSocket,
}

/// How an HTTP cell's server is started, and what ends what it leaves behind.
pub struct ServeCommand {
    pub command: Command,
    /// Written to the server's stdin as it starts (a worker's request).
    pub stdin: Option<Vec<u8>>,
    pub kind: ServerKind,
    /// Run once the server has stopped or was given up on (a container's removal).
    pub cleanup: Option<Box<dyn FnOnce()>>,
}

/// The server of an HTTP cell on `runtime`: `harness serve` of the `modules` file (a free loopback
/// port, no request log), or the column's tool or container serving `module` itself under the
/// case's memory cap.
#[allow(
    clippy::too_many_arguments,
    reason = "one cell's parts, taken apart once"
)]
pub fn serve_command(
    harness_exe: &Path,
    runtime: &str,
    modules: &Path,
    module: &Path,
    timeout: Duration,
    memory_limit: u64,
    workers: u32,
    cache_dir: Option<&Path>,
) -> Result<ServeCommand, String> {
    use crate::runtime::{cli, docker};
    if let Some(col) = crate::runtime::registry::get(runtime) {
        if cli::serves_components(col) {
            return Ok(ServeCommand {
                command: cli::serve_command(col, module, memory_limit, cache_dir)?,
                stdin: None,
                kind: ServerKind::Tool,
                cleanup: None,
            });
        }
        if docker::serves_components(col) {
            let bytes = std::fs::read(module)
                .map_err(|err| format!("cannot read {}: {err}", module.display()))?;
            let spec = crate::runtime::RunSpec {
                program: "serve".into(),
                args: Vec::new(),
                env: Default::default(),
                preopens: Vec::new(),
                stdin: Vec::new(),
                proposals: Vec::new(),
                timeout,
                memory_limit_bytes: memory_limit,
                output_limit_bytes: 16 << 20,
                cache_dir: cache_dir.map(Path::to_owned),
                inherit_stdio: false,
                inherit_env: false,
                network: false,
            };
            let (command, id, container) = docker::serve_command(col, &bytes, &spec)?;
            return Ok(ServeCommand {
                command,
                stdin: None,
                kind: ServerKind::Container,
                cleanup: Some(Box::new(move || container.remove(&id))),
            });
        }
    }
    let mut command = Command::new(harness_exe);
    command
        .args(["serve", "--addr", "127.0.0.1:0", "--quiet"])
        .args(["--workers", &workers.to_string()])
        .args(["--runtime", runtime])
        .args(["--timeout-ms", &timeout.as_millis().to_string()]);
    if let Some(dir) = cache_dir {
        command.arg("--cache-dir").arg(dir);
    }
    command.arg(modules);
    Ok(ServeCommand {
        command,
        stdin: None,
        kind: ServerKind::Gateway,
        cleanup: None,
    })
}

impl ServeCommand {
    /// A socket server that is this one process: nothing on its stdin, nothing to clean up.
    fn process(command: Command) -> ServeCommand {
        ServeCommand {
            command,
            stdin: None,
            kind: ServerKind::Socket,
            cleanup: None,
        }
    }
}

/// The variable a socket server reads the address to listen on from.
pub const LISTEN_VAR: &str = "LISTEN_ADDR";

/// A socket server's run on `runtime`: `program` (a module, a component, or the native binary) run
/// as a case is, with the network granted, `LISTEN_ADDR=127.0.0.1:0` and the guest's own stdio
/// (its address line must reach the harness as it is written). An engine the harness runs goes in
/// a worker of its own, its request on stdin; a tool and a native binary are started directly.
/// `scratch` is the run's own directory.
pub fn socket_command(
    harness_exe: &Path,
    runtime: &str,
    program: &Path,
    mut spec: crate::runtime::RunSpec,
    scratch: &Path,
) -> Result<ServeCommand, String> {
    use crate::runtime::registry::Kind;
    let col = crate::runtime::registry::get(runtime)
        .ok_or_else(|| format!("unknown column `{runtime}`"))?;
    spec.network = true;
    spec.inherit_stdio = true;
    spec.env.insert(LISTEN_VAR.into(), "127.0.0.1:0".into());
    let worker = |mut command: Command| -> Result<ServeCommand, String> {
        let request = crate::worker::Request {
            runtime: runtime.to_owned(),
            module: std::path::absolute(program).unwrap_or_else(|_| program.to_owned()),
            spec: spec.clone(),
            found: None,
        };
        crate::worker::with_host_secret(&mut command);
        Ok(ServeCommand {
            stdin: Some(serde_json::to_vec(&request).map_err(|e| e.to_string())?),
            ..ServeCommand::process(command)
        })
    };
    match col.kind {
        Kind::Native => Ok(ServeCommand::process(crate::native::command(
            program, &spec,
        ))),
        Kind::Tool => Ok(ServeCommand::process(crate::runtime::cli::run_command(
            col, program, &spec, scratch,
        )?)),
        Kind::ExternalWorker => worker(crate::runtime::external::command(runtime)?),
        Kind::Embedded => worker(crate::worker::command(harness_exe)),
        Kind::Container(_) => {
            can_listen(runtime)?;
            let bytes = std::fs::read(program)
                .map_err(|err| format!("cannot read {}: {err}", program.display()))?;
            let (command, id, container) =
                crate::runtime::docker::listen_command(col, &bytes, &spec)?;
            Ok(ServeCommand {
                command,
                stdin: None,
                kind: ServerKind::ContainerSocket,
                cleanup: Some(Box::new(move || container.remove(&id))),
            })
        }
    }
}

/// Why a socket server ended before it said where it listens: the guest's own `cannot listen`
/// (the engine gave it no socket it could open), an import the engine lacks, the worker's report
/// of its run, or else what it wrote last. One that could not be started, or stayed silent, is the
/// harness's to answer for.
fn socket_refusal(not_started: NotStarted, declined: &[String]) -> Verdict {
    let NotStarted {
        why,
        ended,
        stdout,
        stderr,
    } = not_started;
    if !ended {
        return Verdict::new(Outcome::HarnessFault, why);
    }
    if let Some(line) = stderr.lines().find(|l| l.contains("cannot listen on")) {
        return Verdict::new(
            Outcome::Unsupported,
            format!("the guest could not open its socket here: {}", line.trim()),
        );
    }
    if let Some(import) = crate::runtime::cli::unknown_import(&stderr) {
        return Verdict::new(
            Outcome::Unsupported,
            format!("import {import}: the engine does not provide it"),
        );
    }
    // A tool's trap (wasmtime's `wasm trap:`, wasmer's `RuntimeError:`).
    if let Some(line) = stderr
        .lines()
        .find(|l| l.contains("wasm trap:") || l.contains("RuntimeError:"))
    {
        return Verdict::new(Outcome::Trap, line.trim().to_owned());
    }
    // A worker's report (its last line on stdout), or a project shim's (on the container's stderr).
    let report = stdout
        .lines()
        .rev()
        .find_map(|l| serde_json::from_str::<crate::worker::Response>(l).ok())
        .map(|response| response.report)
        .or_else(|| {
            crate::runtime::shim_protocol::ShimReport::split_off(stderr.as_bytes())
                .1
                .map(|shim| crate::runtime::RunReport::new(shim.ending))
        });
    if let Some(report) = report {
        let verdict =
            crate::outcome::classify(&report, &crate::manifest::Expect::default(), &[], declined);
        if verdict.outcome != Outcome::Pass {
            return verdict;
        }
    }
    Verdict::new(Outcome::Fail, why)
}

/// One request of an HTTP cell, classified and timed.
pub struct Served {
    pub verdict: Verdict,
    pub phases: Phases,
    pub compile_cache: CacheState,
    pub wall_ms: f64,
}

/// What an HTTP cell's server gave: its requests, its start-up time (ms), its workers' peak RSS
/// (KiB), and the load run's figures.
pub struct ServedCell {
    pub served: Vec<Served>,
    pub ready_ms: f64,
    pub peak_rss_kib: u64,
    pub load: Option<crate::load::LoadFigures>,
}

/// Serves `handler` and sends the case's request `requests` times (the first to a worker that has
/// loaded the module and run nothing: the cold request; the others warm), stopping at the first that
/// is not a pass; then, when they all passed and the case has one, the load run. A harness fault when
/// the server could not be started or stopped cleanly, or the load generator could not run.
pub fn serve_and_send(
    command: ServeCommand,
    http: &HttpCase,
    timeout: Duration,
    declined: &[String],
    requests: u32,
) -> Result<ServedCell, Verdict> {
    let ServeCommand {
        command,
        stdin,
        kind,
        cleanup,
    } = command;
    // Whatever the server leaves (a container) goes, however this ends.
    let mut cleanup = Cleanup(cleanup);
    let tool = kind == ServerKind::Tool;
    let server = Server::start(command, stdin, crate::deadline::WALL_GRACE).map_err(|not| {
        // A socket server that ended at once: the engine's answer (no socket, no import), which
        // the guest's own words or the worker's report say.
        if matches!(kind, ServerKind::Socket | ServerKind::ContainerSocket) {
            return socket_refusal(not, declined);
        }
        let why = not.why;
        // The tool's or shim's own refusal of the component is the engine's answer, not a
        // harness fault.
        if kind != ServerKind::Gateway
            && crate::runtime::cli::SERVE_REFUSALS
                .iter()
                .any(|r| why.contains(r))
        {
            Verdict::new(Outcome::Unsupported, why)
        } else {
            Verdict::new(Outcome::HarnessFault, why)
        }
    })?;
    let ready_ms = millis(server.ready);
    let mut served = Vec::new();
    // The gateway answers 504 at the deadline; the client waits a little longer for that answer.
    let client_timeout = timeout + Duration::from_secs(10);
    for _ in 0..requests.max(1) {
        let verdict_and_answer = match send(server.addr, http, client_timeout) {
            Ok(mut answer) => {
                if tool && answer.status >= 500 && answer.header(OUTCOME_HEADER).is_none() {
                    // The tool logs a failed request after it has answered: a moment's wait.
                    let deadline = Instant::now() + TOOL_LOG_WAIT;
                    while !tool_says(&mut answer, &server.stderr_tail())
                        && Instant::now() < deadline
                    {
                        std::thread::sleep(Duration::from_millis(10));
                    }
                }
                (check(&answer, &http.expect, declined), Some(answer))
            }
            // The engines run in the gateway's workers, whose deaths it answers with 502: no answer
            // at all is the gateway's (the harness's) fault, not the runtime's.
            Err(err) => (
                Verdict::new(
                    Outcome::HarnessFault,
                    format!(
                        "the request got no answer: {err}; server: {}",
                        server.stderr_tail().trim()
                    ),
                ),
                None,
            ),
        };
        let (verdict, answer) = verdict_and_answer;
        let stop = verdict.outcome != Outcome::Pass;
        let whole_request = |answer: &Answer, cache| {
            let run = millis(answer.wall);
            (
                Phases {
                    run,
                    ..Phases::default()
                },
                cache,
            )
        };
        let (phases, compile_cache) = match (&answer, kind) {
            // No `Server-Timing` from these: the whole request is the run. The tool's cache is its
            // own; a socket server compiled its code once, before it listened.
            (Some(answer), ServerKind::Tool) => whole_request(answer, CacheState::Tool),
            (Some(answer), ServerKind::Socket) => whole_request(answer, CacheState::Resident),
            (Some(answer), ServerKind::ContainerSocket) => {
                whole_request(answer, CacheState::Container)
            }
            (Some(answer), ServerKind::Container) => (answer.phases().0, CacheState::Container),
            (Some(answer), ServerKind::Gateway) => answer.phases(),
            (None, _) => (Phases::default(), CacheState::Unknown),
        };
        served.push(Served {
            verdict,
            phases,
            compile_cache,
            wall_ms: answer.as_ref().map_or(0.0, |a| millis(a.wall)),
        });
        if stop {
            break;
        }
    }
    let passed = served.iter().all(|s| s.verdict.outcome == Outcome::Pass);
    let load = match &http.load {
        Some(load) if passed => Some(
            crate::load::run(server.addr, &load_request(http), load)
                .map_err(|why| Verdict::new(Outcome::HarnessFault, why))?,
        ),
        _ => None,
    };
    // The gateway's engines are its workers; the tool is its own engine; a container's engine is
    // out of sight (`docker run` is only its client).
    let engines = match kind {
        ServerKind::Gateway => server.workers(),
        ServerKind::Tool | ServerKind::Socket => vec![server.pid()],
        ServerKind::Container | ServerKind::ContainerSocket => Vec::new(),
    };
    let peak_rss_kib = engines
        .iter()
        .filter_map(|&p| crate::worker::peak_rss_kib_of(p))
        .max()
        .unwrap_or(0);
    let stopped_by_signal = |status: &ExitStatus| {
        std::os::unix::process::ExitStatusExt::signal(status) == Some(libc::SIGTERM)
    };
    if kind == ServerKind::ContainerSocket {
        // Removed, not signalled: its client then ends, with whatever status the engine gives it.
        cleanup.now();
    }
    // The gateway drains and exits 0; a tool or a socket server may just end on the signal.
    let ends_on_signal = matches!(kind, ServerKind::Tool | ServerKind::Socket);
    match server.stop(Duration::from_secs(20)) {
        Ok(status)
            if status.success()
                || kind == ServerKind::ContainerSocket
                || (ends_on_signal && stopped_by_signal(&status)) =>
        {
            Ok(ServedCell {
                served,
                ready_ms,
                peak_rss_kib,
                load,
            })
        }
        Ok(status) => Err(Verdict::new(
            Outcome::HarnessFault,
            format!("the server ended with {status} on SIGTERM"),
        )),
        Err(why) => Err(Verdict::new(Outcome::HarnessFault, why)),
    }
}

/// Runs a server's cleanup when dropped.
struct Cleanup(Option<Box<dyn FnOnce()>>);

impl Cleanup {
    /// Runs it now, once.
    fn now(&mut self) {
        if let Some(cleanup) = self.0.take() {
            cleanup();
        }
    }
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        self.now();
    }
}

/// A tool's error answer says nothing of why (`wasmtime serve` answers a trapped handler with a
/// plain 500 page); its log does. The log's words become the answer's [`OUTCOME_HEADER`] and
/// reason, as the gateway would have written them, so that both are classified alike.
/// Whether it found them.
fn tool_says(answer: &mut Answer, log: &str) -> bool {
    let Some(trap) = log.lines().rev().find(|l| l.contains("wasm trap:")) else {
        return false;
    };
    answer
        .headers
        .push((OUTCOME_HEADER.to_owned(), Outcome::Trap.as_str().to_owned()));
    answer.body = format!("the tool's log: {}\n", trap.trim()).into_bytes();
    true
}

/// How long a tool's error answer waits for the tool's log to say why.
const TOOL_LOG_WAIT: Duration = Duration::from_secs(2);

/// The case's request as the load generator sends it, with the answer it must get.
fn load_request(http: &HttpCase) -> crate::load::Request {
    crate::load::Request {
        method: http.method.clone(),
        target: http.target.clone(),
        headers: http
            .headers
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        body: http.body.clone().into_bytes().into(),
        status: http.expect.status,
        expect_body: http.expect.body.clone().map(String::into_bytes),
    }
}

/// The direct children of `parent`, from /proc.
pub fn children_of(parent: u32) -> Vec<u32> {
    let mut children = Vec::new();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return children;
    };
    for entry in entries.flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        if parent_of(pid) == Some(parent) {
            children.push(pid);
        }
    }
    children
}

fn stat_fields(pid: u32) -> Option<Vec<String>> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The fields after the command (which may hold spaces) start after its closing parenthesis.
    let rest = stat.get(stat.rfind(')')? + 2..)?;
    Some(rest.split(' ').map(str::to_owned).collect())
}

fn parent_of(pid: u32) -> Option<u32> {
    stat_fields(pid)?.get(1)?.parse().ok()
}

/// Whether `pid` is a live process (not gone, not a zombie).
pub fn alive(pid: u32) -> bool {
    stat_fields(pid).is_some_and(|f| f.first().is_some_and(|state| state != "Z"))
}

/// Where an HTTP cell writes its `modules.toml`.
pub fn modules_path(scratch: &Path) -> PathBuf {
    scratch.join("modules.toml")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, headers: &[(&str, &str)], body: &str) -> Answer {
        Answer {
            status,
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            body: body.as_bytes().to_vec(),
            wall: Duration::ZERO,
        }
    }

    fn expect(status: u16, body: &str) -> HttpExpect {
        HttpExpect {
            status,
            headers: [("Content-Type".to_string(), "text/plain".to_string())].into(),
            body: Some(body.into()),
        }
    }

    #[test]
    fn chunked_bodies_are_put_together_and_broken_ones_refused() {
        let raw = b"6C\r\nmethod=GET\r\n3;ext=1\r\nabc\r\n0\r\nx-trailer: 1\r\n\r\n";
        // Sizes are hexadecimal: 0x6C is 108, more than this chunk holds.
        assert_eq!(dechunk(raw), None);
        let raw = b"b\r\nmethod=GET\n\r\n3;ext=1\r\nabc\r\n0\r\n\r\n";
        assert_eq!(dechunk(raw).as_deref(), Some(&b"method=GET\nabc"[..]));
        assert_eq!(dechunk(b"5\r\nab"), None, "cut short");
        assert_eq!(dechunk(b"zz\r\nab\r\n"), None, "not a size");
        assert_eq!(dechunk(b"0\r\n\r\n").as_deref(), Some(&b""[..]));
    }

    #[test]
    fn the_gateways_and_wasmtime_serves_start_up_lines_name_the_address() {
        let addr: SocketAddr = "127.0.0.1:41957".parse().unwrap();
        assert_eq!(
            announced_addr("listening on http://127.0.0.1:41957"),
            Some(addr)
        );
        assert_eq!(
            announced_addr("Serving HTTP on http://127.0.0.1:41957/"),
            Some(addr)
        );
        assert_eq!(announced_addr("serve: /echo/... -> /tmp/x.wasm"), None);
        assert_eq!(announced_addr("see http://example/ for help"), None);
    }

    #[test]
    fn each_kind_of_handler_is_served_where_it_can_be_and_refused_with_why_elsewhere() {
        assert_eq!(can_serve("wasmtime", Serves::Wagi), Ok(()));
        assert_eq!(can_serve("wasmtime-component", Serves::WasiHttp), Ok(()));
        assert_eq!(
            can_serve("wasmtime-cli-component", Serves::WasiHttp),
            Ok(())
        );
        let why = can_serve("wasmtime-component", Serves::Wagi).unwrap_err();
        assert!(why.contains("preview 1 command"), "{why}");
        let why = can_serve("wasmer", Serves::WasiHttp).unwrap_err();
        assert!(why.contains("WASI 0.2 component"), "{why}");
        let why = can_serve("jco", Serves::WasiHttp).unwrap_err();
        assert!(why.contains("wasmtime-component"), "{why}");
        assert!(can_serve("wasmtime-cli", Serves::Wagi).is_err());
        assert_eq!(can_serve("docker-wasmtime", Serves::WasiHttp), Ok(()));
        let why = can_serve("docker-wasmer", Serves::WasiHttp).unwrap_err();
        assert!(why.contains("preview 1 modules only"), "{why}");
    }

    #[test]
    fn socket_servers_run_where_a_process_can_and_their_refusals_are_classified() {
        for column in [
            "wasmtime",
            "wasmtime-component",
            "wasmedge",
            "wasmedge-cli",
            "wasmer-cli",
            "native",
            "docker-wasmedge",
        ] {
            assert_eq!(can_serve(column, Serves::Socket), Ok(()), "{column}");
        }
        let why = can_serve("containerd-wasmedge", Serves::Socket).unwrap_err();
        assert!(why.contains("ctr run"), "{why}");
        let why = can_serve("jco", Serves::Socket).unwrap_err();
        assert!(why.contains("capture"), "{why}");
        let why = can_serve("wamr", Serves::Socket).unwrap_err();
        assert!(why.contains("addr-pool"), "{why}");

        let ended = |stderr: &str| NotStarted {
            why: "the server did not start".into(),
            ended: true,
            stdout: String::new(),
            stderr: stderr.into(),
        };
        let v = socket_refusal(
            ended("cannot listen on 127.0.0.1:0: Permission denied (os error 2)\n"),
            &[],
        );
        assert_eq!(v.outcome, Outcome::Unsupported);
        assert!(v.reason.contains("Permission denied"), "{}", v.reason);
        let v = socket_refusal(
            ended(
                "Error: unknown import: `wasi_snapshot_preview1::sock_open` has not been defined\n",
            ),
            &[],
        );
        assert_eq!(v.outcome, Outcome::Unsupported);
        assert!(v.reason.contains("sock_open"), "{}", v.reason);
        let v = socket_refusal(
            ended("    2: wasm trap: wasm `unreachable` instruction executed\n"),
            &[],
        );
        assert_eq!(v.outcome, Outcome::Trap);
        assert_eq!(
            socket_refusal(ended("segfault?\n"), &[]).outcome,
            Outcome::Fail
        );
        // Not started at all: the harness's fault, whatever it said.
        let spawn = NotStarted::new("cannot start the server: No such file or directory".into());
        assert_eq!(socket_refusal(spawn, &[]).outcome, Outcome::HarnessFault);
    }

    #[test]
    fn answers_are_checked_by_status_headers_and_body() {
        let ok = answer(200, &[("content-type", "text/plain")], "a\nb\n");
        assert_eq!(
            check(&ok, &expect(200, "a\nb\n"), &[]).outcome,
            Outcome::Pass
        );
        let v = check(&ok, &expect(200, "a\nc\n"), &[]);
        assert_eq!(v.outcome, Outcome::Fail);
        assert!(v.reason.contains("line 2"), "{}", v.reason);
        let v = check(&ok, &expect(201, "a\nb\n"), &[]);
        assert!(
            v.reason.contains("status 200, expected 201"),
            "{}",
            v.reason
        );
        let plain = answer(200, &[("content-type", "text/html")], "a\nb\n");
        let v = check(&plain, &expect(200, "a\nb\n"), &[]);
        assert!(v.reason.contains("header Content-Type"), "{}", v.reason);
    }

    #[test]
    fn gateway_errors_are_classified_by_their_header() {
        let trapped = answer(
            500,
            &[(OUTCOME_HEADER, "trap")],
            "the handler of /... trapped: unreachable\n",
        );
        let v = check(&trapped, &expect(200, ""), &[]);
        assert_eq!(v.outcome, Outcome::Trap);
        assert!(v.reason.contains("unreachable"));
        let late = answer(504, &[(OUTCOME_HEADER, "timeout")], "late\n");
        assert_eq!(
            check(&late, &expect(200, ""), &[]).outcome,
            Outcome::Timeout
        );
        let refused = answer(
            500,
            &[(OUTCOME_HEADER, "fail")],
            "route /... cannot serve: rejected at compile: gc support is not enabled\n",
        );
        let v = check(&refused, &expect(200, ""), &["gc".into()]);
        assert_eq!(v.outcome, Outcome::Unsupported);
        assert!(v.reason.starts_with("needs gc"), "{}", v.reason);
        // A case that expects the gateway's own error answer gets it as a pass.
        let missing = answer(404, &[], "no route serves /x\n");
        let mut e = expect(404, "no route serves /x\n");
        e.headers.clear();
        assert_eq!(check(&missing, &e, &[]).outcome, Outcome::Pass);
    }

    #[test]
    fn server_timing_gives_the_phases() {
        let a = answer(
            200,
            &[(
                "server-timing",
                "compile;desc=hit;dur=3.5, instantiate;dur=0.125, run;dur=2",
            )],
            "",
        );
        let (p, cache) = a.phases();
        assert_eq!((p.compile, p.instantiate, p.run), (3.5, 0.125, 2.0));
        assert_eq!(cache, CacheState::Hit);
        let resident = answer(
            200,
            &[("server-timing", "instantiate;dur=0.1, run;dur=1")],
            "",
        );
        assert_eq!(resident.phases().1, CacheState::Resident);
    }

    #[test]
    fn the_modules_toml_reads_back() {
        let env = [("PYTHONHOME".to_string(), "/usr/local".to_string())].into();
        let preopens = vec![Preopen {
            host: "/tmp/lib dir".into(),
            guest: "/usr/local/lib".into(),
            packaged: true,
        }];
        let args = vec!["-S".to_string(), "/app/a \"b\".py".to_string()];
        let handler = Handler {
            module: Path::new("/m/module.wasm"),
            args: &args,
            env: &env,
            preopens: &preopens,
            proposals: vec!["gc".into()],
        };
        let text = modules_toml("/echo/...", &handler, Duration::from_millis(2500));
        let modules = crate::wagi::Modules::parse(Path::new("/x/modules.toml"), &text).unwrap();
        let m = &modules.modules[0];
        assert_eq!(m.route, "/echo/...");
        assert_eq!(m.module, Path::new("/m/module.wasm"));
        assert_eq!(m.args, args);
        assert_eq!(m.environment, env);
        assert_eq!(m.volumes["/usr/local/lib"], Path::new("/tmp/lib dir"));
        assert_eq!(m.timeout_secs, Some(2.5));
        assert_eq!(m.proposals, vec!["gc".to_string()]);
    }
}
