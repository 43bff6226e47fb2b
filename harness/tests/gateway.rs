//! The WAGI gateway end to end: `harness serve` started as users start it (port 0, its address on
//! stdout), real HTTP requests over loopback, handlers written in WAT that answer well, badly, late
//! or not at all, then SIGTERM and a check that none of its workers is left.

use std::net::SocketAddr;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use harness::http_case::{self, Server};

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

/// `harness serve` on a free loopback port with two workers per route.
fn start(dir: &Path, runtime: &str) -> Server {
    let mut command = Command::new(env!("CARGO_BIN_EXE_harness"));
    command
        .args(["serve", "--addr", "127.0.0.1:0", "--workers", "2"])
        .args(["--runtime", runtime])
        .arg(dir.join("modules.toml"));
    Server::start(command, None, Duration::from_secs(120)).expect("the server starts")
}

/// Status, headers (names lowercased), body.
type Answer = (u16, Vec<(String, String)>, Vec<u8>);

/// One request on a connection of its own.
fn request(addr: SocketAddr, method: &str, target: &str, body: &[u8]) -> Answer {
    let a = http_case::request(addr, method, target, &[], body, Duration::from_secs(60))
        .expect("an answer");
    (a.status, a.headers, a.body)
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
    let server = start(&dir, runtime);

    let (status, headers, body) = request(
        server.addr,
        "POST",
        "/echo/some/path?a=1&b=2",
        b"ping \x00\xff",
    );
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    assert_eq!(header(&headers, "content-type"), Some("text/plain"));
    assert_eq!(header(&headers, "x-handler"), Some("echo"));
    assert_eq!(
        body, b"ping \x00\xff",
        "the body went in on stdin and came back byte for byte"
    );

    let (status, headers, body) = request(server.addr, "GET", "/created", b"");
    assert_eq!(status, 201);
    assert_eq!(header(&headers, "location"), Some("/there"));
    assert_eq!(body, b"made\n");

    let (status, _, body) = request(server.addr, "GET", "/nowhere", b"");
    assert_eq!(status, 404);
    assert!(String::from_utf8_lossy(&body).contains("no route serves /nowhere"));

    let (status, _, body) = request(server.addr, "GET", "/missing", b"");
    assert_eq!(status, 500);
    let body = String::from_utf8_lossy(&body);
    assert!(body.contains("not-built.wasm"), "{body}");

    let (status, _, body) = request(server.addr, "GET", "/exit1", b"");
    assert_eq!(status, 500);
    assert!(String::from_utf8_lossy(&body).contains("exited with status 1"));

    let (status, _, body) = request(server.addr, "GET", "/noheader", b"");
    assert_eq!(status, 500);
    assert!(String::from_utf8_lossy(&body).contains("no header block"));

    let (status, _, body) = request(server.addr, "GET", "/trap", b"");
    assert_eq!(status, 500);
    assert!(String::from_utf8_lossy(&body).contains("trapped"));

    // Past the deadline: 504, and the routes go on serving (the spinning one from a new worker).
    for _ in 0..2 {
        let started = Instant::now();
        let (status, _, body) = request(server.addr, "GET", "/spin", b"");
        assert_eq!(status, 504, "{}", String::from_utf8_lossy(&body));
        assert!(started.elapsed() < Duration::from_secs(10));
    }
    let (status, _, body) = request(server.addr, "POST", "/echo", b"still here");
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
    // Stopping checks that none of the workers outlives the server.
    let status = server.stop(Duration::from_secs(20)).expect("a clean stop");
    assert!(
        status.success(),
        "the server stops cleanly on SIGTERM: {status}"
    );
    assert!(!workers.iter().any(|&p| http_case::alive(p)));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn wasmtime_serves_handlers_compiled_once() {
    serves_every_kind_of_handler("wasmtime");
}

#[test]
fn wasmi_serves_handlers_loaded_once() {
    serves_every_kind_of_handler("wasmi");
}

#[test]
fn wasmer_serves_handlers_compiled_once() {
    serves_every_kind_of_handler("wasmer");
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

/// `wasmtime-component` serves `wasi:http/proxy` components (the conformance suite's `wasi-http`
/// cells serve the samples' real ones); what is not one gets 500 saying why, as `unsupported`, and
/// the server goes on.
#[test]
fn wasmtime_component_refuses_what_is_not_a_wasi_http_handler() {
    let dir = std::env::temp_dir().join(format!("gateway-component-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("module.wasm"),
        handler("Content-Type: text/plain\n\n", ""),
    )
    .unwrap();
    std::fs::write(
        dir.join("empty.wasm"),
        wat::parse_str("(component)").unwrap(),
    )
    .unwrap();
    std::fs::write(
        dir.join("modules.toml"),
        "[[module]]\nroute = \"/module\"\nmodule = \"module.wasm\"\n\n\
         [[module]]\nroute = \"/empty\"\nmodule = \"empty.wasm\"\n",
    )
    .unwrap();
    let server = start(&dir, "wasmtime-component");
    for (route, why) in [
        ("/module", "this is a core module"),
        (
            "/empty",
            "the component exports nothing, not wasi:http/incoming-handler",
        ),
    ] {
        let (status, headers, body) = request(server.addr, "GET", route, b"");
        let body = String::from_utf8_lossy(&body);
        assert_eq!(status, 500, "{body}");
        assert_eq!(
            header(&headers, harness::gateway::OUTCOME_HEADER),
            Some("unsupported")
        );
        assert!(body.contains(why), "{body}");
    }
    let status = server.stop(Duration::from_secs(20)).expect("a clean stop");
    assert!(status.success(), "{status}");
    let _ = std::fs::remove_dir_all(&dir);
}
