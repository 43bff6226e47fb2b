//! The WAGI gateway end to end: `harness serve` started as users start it (port 0, its address on
//! stdout), real HTTP requests over loopback, handlers written in WAT that answer well, badly, late
//! or not at all, then SIGTERM and a check that none of its workers is left.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const PRELUDE: &str = r#"
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 2)
  (func $write (param $ptr i32) (param $len i32)
    (i32.store (i32.const 0) (local.get $ptr))
    (i32.store (i32.const 4) (local.get $len))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))
  (func $echo_stdin
    (block $done
      (loop $more
        (i32.store (i32.const 16) (i32.const 1024))
        (i32.store (i32.const 20) (i32.const 60000))
        (br_if $done (call $fd_read (i32.const 0) (i32.const 16) (i32.const 1) (i32.const 24)))
        (br_if $done (i32.eqz (i32.load (i32.const 24))))
        (call $write (i32.const 1024) (i32.load (i32.const 24)))
        (br $more))))
"#;

/// A handler that writes `text` on stdout, then runs `then` (WAT instructions).
fn handler(text: &str, then: &str) -> Vec<u8> {
    let escaped: String = text.bytes().map(|b| format!("\\{b:02x}")).collect();
    let source = format!(
        r#"(module {PRELUDE}
  (data (i32.const 128) "{escaped}")
  (func (export "_start")
    (call $write (i32.const 128) (i32.const {len}))
    {then}))"#,
        len = text.len()
    );
    wat::parse_str(source).expect("the test's WAT is valid")
}

fn write_handlers(dir: &Path) {
    let handlers: [(&str, Vec<u8>); 6] = [
        (
            "echo.wasm",
            handler(
                "Content-Type: text/plain\nX-Handler: echo\n\n",
                "(call $echo_stdin)",
            ),
        ),
        (
            "created.wasm",
            handler("Status: 201 Created\r\nLocation: /there\r\n\r\nmade\n", ""),
        ),
        (
            "exit1.wasm",
            handler(
                "Content-Type: text/plain\n\nhalf an answer\n",
                "(call $proc_exit (i32.const 1))",
            ),
        ),
        ("noheader.wasm", handler("just some text\n", "")),
        ("spin.wasm", handler("", "(loop $forever (br $forever))")),
        (
            "trap.wasm",
            handler("Content-Type: text/plain\n\n", "unreachable"),
        ),
    ];
    for (name, bytes) in handlers {
        std::fs::write(dir.join(name), bytes).unwrap();
    }
    std::fs::write(
        dir.join("modules.toml"),
        r#"
[[module]]
route = "/echo/..."
module = "echo.wasm"

[[module]]
route = "/created"
module = "created.wasm"

[[module]]
route = "/exit1"
module = "exit1.wasm"

[[module]]
route = "/noheader"
module = "noheader.wasm"

[[module]]
route = "/spin"
module = "spin.wasm"
timeout_secs = 0.5

[[module]]
route = "/trap"
module = "trap.wasm"

[[module]]
route = "/missing"
module = "not-built.wasm"
"#,
    )
    .unwrap();
}

struct Server {
    child: Child,
    addr: SocketAddr,
}

impl Server {
    fn start(dir: &Path, runtime: &str) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_harness"))
            .args([
                "serve",
                "--addr",
                "127.0.0.1:0",
                "--workers",
                "2",
                "--runtime",
                runtime,
            ])
            .arg(dir.join("modules.toml"))
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the harness binary starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let addr = line
            .trim()
            .strip_prefix("listening on http://")
            .unwrap_or_else(|| panic!("the first line of stdout is the address, not {line:?}"))
            .parse()
            .unwrap();
        Server { child, addr }
    }

    fn request(&self, method: &str, target: &str, body: &[u8]) -> Answer {
        request(self.addr, method, target, body)
    }

    /// The worker processes the server has started and not yet ended.
    fn workers(&self) -> Vec<u32> {
        children_of(self.child.id())
    }

    /// SIGTERM, then the server must exit by itself, successfully.
    fn stop(mut self) -> std::process::ExitStatus {
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "the server did not stop on SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    /// A failed assertion leaves no server behind (its workers end when their stdin closes).
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Status, headers (names lowercased), body.
type Answer = (u16, Vec<(String, String)>, Vec<u8>);

/// One request on a connection of its own.
fn request(addr: SocketAddr, method: &str, target: &str, body: &[u8]) -> Answer {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    write!(
        stream,
        "{method} {target} HTTP/1.1\r\nHost: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        addr,
        body.len()
    )
    .unwrap();
    stream.write_all(body).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a complete response");
    let head = String::from_utf8(raw[..split].to_vec()).unwrap();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    (status, headers, raw[split + 4..].to_vec())
}

fn children_of(parent: u32) -> Vec<u32> {
    let mut children = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // The fields after the command (which may hold spaces) start after its closing parenthesis.
        let fields: Vec<&str> = stat[stat.rfind(')').unwrap() + 2..].split(' ').collect();
        if fields[1].parse::<u32>() == Ok(parent) {
            children.push(pid);
        }
    }
    children
}

fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .is_ok_and(|s| !s[s.rfind(')').unwrap() + 2..].starts_with('Z'))
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn serves_every_kind_of_handler(runtime: &str) {
    let dir = std::env::temp_dir().join(format!("gateway-test-{runtime}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    write_handlers(&dir);
    let server = Server::start(&dir, runtime);

    let (status, headers, body) =
        server.request("POST", "/echo/some/path?a=1&b=2", b"ping \x00\xff");
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    assert_eq!(header(&headers, "content-type"), Some("text/plain"));
    assert_eq!(header(&headers, "x-handler"), Some("echo"));
    assert_eq!(
        body, b"ping \x00\xff",
        "the body went in on stdin and came back byte for byte"
    );

    let (status, headers, body) = server.request("GET", "/created", b"");
    assert_eq!(status, 201);
    assert_eq!(header(&headers, "location"), Some("/there"));
    assert_eq!(body, b"made\n");

    let (status, _, body) = server.request("GET", "/nowhere", b"");
    assert_eq!(status, 404);
    assert!(String::from_utf8_lossy(&body).contains("no route serves /nowhere"));

    let (status, _, body) = server.request("GET", "/missing", b"");
    assert_eq!(status, 500);
    let body = String::from_utf8_lossy(&body);
    assert!(body.contains("not-built.wasm"), "{body}");

    let (status, _, body) = server.request("GET", "/exit1", b"");
    assert_eq!(status, 500);
    assert!(String::from_utf8_lossy(&body).contains("exited with status 1"));

    let (status, _, body) = server.request("GET", "/noheader", b"");
    assert_eq!(status, 500);
    assert!(String::from_utf8_lossy(&body).contains("no header block"));

    let (status, _, body) = server.request("GET", "/trap", b"");
    assert_eq!(status, 500);
    assert!(String::from_utf8_lossy(&body).contains("trapped"));

    // Past the deadline: 504, and the routes go on serving (the spinning one from a new worker).
    for _ in 0..2 {
        let started = Instant::now();
        let (status, _, body) = server.request("GET", "/spin", b"");
        assert_eq!(status, 504, "{}", String::from_utf8_lossy(&body));
        assert!(started.elapsed() < Duration::from_secs(10));
    }
    let (status, _, body) = server.request("POST", "/echo", b"still here");
    assert_eq!((status, body.as_slice()), (200, b"still here".as_slice()));

    // Requests side by side share the route's two workers.
    let threads: Vec<_> = (0..6)
        .map(|i| {
            let addr = server.addr;
            std::thread::spawn(move || {
                let body = format!("request {i}");
                let (status, _, got) = request(addr, "POST", "/echo/x", body.as_bytes());
                (status, got == body.as_bytes())
            })
        })
        .collect();
    for t in threads {
        assert_eq!(t.join().unwrap(), (200, true));
    }

    let workers = server.workers();
    assert!(
        !workers.is_empty(),
        "the routes' workers are the server's children"
    );
    let status = server.stop();
    assert!(
        status.success(),
        "the server stops cleanly on SIGTERM: {status}"
    );
    let deadline = Instant::now() + Duration::from_secs(5);
    while workers.iter().any(|&p| alive(p)) {
        assert!(
            Instant::now() < deadline,
            "workers left behind: {workers:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn wasmtime_serves_handlers_compiled_once() {
    serves_every_kind_of_handler("wasmtime");
}

#[test]
fn wasmi_serves_handlers_compiled_per_request() {
    serves_every_kind_of_handler("wasmi");
}

#[test]
fn a_modules_toml_that_cannot_be_read_is_a_clear_error() {
    let dir = std::env::temp_dir().join(format!("gateway-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("modules.toml"), "[[module]]\nroute = \"/x\"\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_harness"))
        .args(["serve", "--addr", "127.0.0.1:0"])
        .arg(dir.join("modules.toml"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("missing field `module`"), "{stderr}");
    let out = Command::new(env!("CARGO_BIN_EXE_harness"))
        .args(["serve", "--addr", "127.0.0.1:0"])
        .arg(dir.join("absent.toml"))
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read"));
    let _ = std::fs::remove_dir_all(&dir);
}
