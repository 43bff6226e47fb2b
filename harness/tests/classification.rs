//! Outcome classification end to end: every error-corpus module, assembled here from its source,
//! gets its class on every runtime built in, through a real worker process; and a worker that dies or
//! hangs is classified as a crash or a timeout by the parent.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use harness::Outcome;
use harness::cell::{self, Context};
use harness::manifest::Expect;
use harness::runtime::{self, Kind, RunSpec, registry};
use harness::worker::{self, End};

/// A directory of one test's own under the temp directory, removed when dropped, also when the
/// test fails: CI machines run the suite again and again.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn scratch(name: &str) -> Scratch {
    // Tests run as threads of one process and several classify the same corpus module, so the
    // process id alone is not unique: a counter keeps one test from removing another's directory.
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!(
        "harness-classification-{name}-{}-{n}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    Scratch(dir)
}

/// A cell context whose target directory lives as long as the returned guard.
fn ctx(worker_exe: PathBuf, name: &str) -> (Context, Scratch) {
    let target = scratch(&format!("target-{name}"));
    let ctx = Context {
        worker_exe,
        target_dir: target.0.clone(),
        repeat: 1,
        outcome_repeat: 1,
        compile_cache: false,
        bench_interpreters: false,
    };
    (ctx, target)
}

fn spec(timeout_ms: u64, memory_mib: u64) -> RunSpec {
    RunSpec {
        program: "corpus.wasm".into(),
        args: Vec::new(),
        env: Default::default(),
        preopens: Vec::new(),
        stdin: Vec::new(),
        proposals: Vec::new(),
        timeout: Duration::from_millis(timeout_ms),
        memory_limit_bytes: memory_mib << 20,
        output_limit_bytes: 1 << 20,
        cache_dir: None,
        inherit_stdio: false,
        inherit_env: false,
        network: false,
    }
}

/// The module bytes of a corpus sample, made the way its recipe makes them.
fn corpus(name: &str) -> Vec<u8> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../samples/wat")
        .join(name);
    match name {
        "not-wasm" => std::fs::read(dir.join("module.wasm")).unwrap(),
        "truncated" => {
            let mut bytes = wat::parse_file(dir.join("module.wat")).unwrap();
            bytes.truncate(60);
            bytes
        }
        _ => wat::parse_file(dir.join("module.wat")).unwrap(),
    }
}

fn classify(runtime: &str, name: &str, timeout_ms: u64, memory_mib: u64) -> cell::Run {
    let dir = scratch(&format!("{runtime}-{name}"));
    let module = dir.0.join("module.wasm");
    std::fs::write(&module, corpus(name)).unwrap();
    let (ctx, _target) = ctx(
        PathBuf::from(env!("CARGO_BIN_EXE_harness")),
        &format!("{runtime}-{name}"),
    );
    cell::run_once(
        &ctx,
        runtime,
        &module,
        spec(timeout_ms, memory_mib),
        &Expect::default(),
        &[],
    )
}

/// The embedded engines that can run here (built in, or an external worker that starts). The
/// command-line columns are left out: their tools print logs of their own into the guest's output.
fn built_runtimes() -> Vec<&'static str> {
    let built: Vec<_> = registry::wasm_columns()
        // The native-container column runs native programs, not these modules.
        .filter(|c| c.kind != Kind::Tool && !c.runs_native_code() && !c.runs_components())
        .map(|c| c.name)
        .filter(|r| runtime::available(r).is_ok())
        .collect();
    assert!(!built.is_empty(), "no runtime is built in");
    built
}

#[test]
fn error_corpus_gets_its_classes_on_every_runtime() {
    for runtime in built_runtimes() {
        let class = |name: &str, timeout_ms, memory_mib| {
            let run = classify(runtime, name, timeout_ms, memory_mib);
            (run.verdict.outcome, run.verdict.reason, run.stdout)
        };
        let (outcome, reason, _) = class("not-wasm", 10_000, 64);
        assert_eq!(outcome, Outcome::Fail, "{runtime} not-wasm: {reason}");
        assert!(
            reason.starts_with("rejected at compile"),
            "{runtime}: {reason}"
        );

        let (outcome, reason, _) = class("truncated", 10_000, 64);
        assert_eq!(outcome, Outcome::Fail, "{runtime} truncated: {reason}");
        assert!(
            reason.starts_with("rejected at compile"),
            "{runtime}: {reason}"
        );

        let (outcome, reason, _) = class("unreachable", 10_000, 64);
        assert_eq!(outcome, Outcome::Trap, "{runtime} unreachable: {reason}");
        assert!(reason.contains("unreachable"), "{runtime}: {reason}");

        let (outcome, reason, _) = class("infinite-loop", 500, 64);
        assert_eq!(
            outcome,
            Outcome::Timeout,
            "{runtime} infinite-loop: {reason}"
        );

        let (outcome, reason, _) = class("missing-import", 10_000, 64);
        assert_eq!(
            outcome,
            Outcome::Unsupported,
            "{runtime} missing-import: {reason}"
        );
        assert!(
            reason.contains("wasm_harness_nowhere::conjure"),
            "{runtime}: {reason}"
        );

        // With a 64 MiB cap the bomb's fourth 16 MiB step is refused, and it says so and exits 0.
        let (outcome, reason, stdout) = class("memory-bomb", 10_000, 64);
        assert_eq!(outcome, Outcome::Pass, "{runtime} memory-bomb: {reason}");
        assert_eq!(stdout, "memory.grow refused\n");
    }
}

#[test]
fn the_memory_cap_bounds_the_worker() {
    for runtime in built_runtimes() {
        let run = classify(runtime, "memory-bomb", 10_000, 64);
        assert_eq!(
            run.verdict.outcome,
            Outcome::Pass,
            "{runtime}: {}",
            run.verdict.reason
        );
        // The bomb touches every page it gets: a worker far above the cap would mean no cap.
        assert!(
            run.peak_rss_kib < 512 * 1024,
            "{runtime}: peak RSS {} KiB",
            run.peak_rss_kib
        );
    }
}

/// A stand-in worker: a shell script that dies or hangs, to check the parent's side.
fn fake_worker(name: &str, body: &str) -> (PathBuf, Scratch) {
    let dir = scratch(name);
    let path = dir.0.join("worker.sh");
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    (path, dir)
}

/// Runs a fake worker, retrying while another test thread's fork still holds the fresh script open
/// for writing (ETXTBSY), a race of writing and executing a file in one multi-threaded process.
fn run_fake(exe: &Path, request: &worker::Request, wall_limit: Duration) -> worker::Finished {
    for _ in 0..50 {
        match worker::run(exe, request, wall_limit) {
            Err(err) if err.kind() == std::io::ErrorKind::ExecutableFileBusy => {
                std::thread::sleep(Duration::from_millis(20))
            }
            other => return other.unwrap(),
        }
    }
    panic!("{} stayed busy", exe.display());
}

fn request() -> worker::Request {
    worker::Request {
        runtime: "wasmtime".into(),
        module: PathBuf::from("/nonexistent.wasm"),
        spec: spec(1000, 64),
        found: None,
    }
}

#[test]
fn a_worker_killed_by_a_signal_is_a_crash() {
    let (exe, _dir) = fake_worker(
        "abort",
        "echo 'thread main panicked at engine.rs: boom' >&2\nkill -ABRT $$",
    );
    let finished = run_fake(&exe, &request(), Duration::from_secs(30));
    match finished.end {
        End::Crashed { how } => {
            assert!(how.starts_with("killed by SIGABRT"), "{how}");
            assert!(how.contains("panicked at engine.rs: boom"), "{how}");
        }
        other => panic!("expected a crash, got {other:?}"),
    }
}

#[test]
fn a_worker_that_exits_without_a_report_is_a_crash() {
    let (exe, _dir) = fake_worker("exit", "echo 'out of memory' >&2\nexit 3");
    run_fake(&exe, &request(), Duration::from_secs(30));
    let (ctx, _target) = ctx(exe, "exit");
    let run = cell::run_once(
        &ctx,
        "wasmtime",
        Path::new("/x.wasm"),
        spec(1000, 64),
        &Expect::default(),
        &[],
    );
    assert_eq!(run.verdict.outcome, Outcome::Crash);
    assert_eq!(
        run.verdict.reason,
        "worker exited with status 3: out of memory"
    );
}

#[test]
fn a_worker_that_overruns_its_wall_clock_limit_is_killed() {
    let (exe, _dir) = fake_worker("hang", "exec sleep 30");
    let finished = run_fake(&exe, &request(), Duration::from_millis(300));
    assert!(
        matches!(finished.end, End::Killed { .. }),
        "{:?}",
        finished.end
    );
    assert!(
        finished.wall < Duration::from_secs(10),
        "{:?}",
        finished.wall
    );
}

#[test]
fn a_missing_module_is_the_harness_fault_not_the_runtime_fault() {
    for runtime in built_runtimes() {
        let (ctx, _target) = ctx(PathBuf::from(env!("CARGO_BIN_EXE_harness")), runtime);
        let run = cell::run_once(
            &ctx,
            runtime,
            Path::new("/nonexistent/module.wasm"),
            spec(1000, 64),
            &Expect::default(),
            &[],
        );
        // The module never reached the engine, so the cell must not count against the runtime.
        assert_eq!(run.verdict.outcome, Outcome::HarnessFault, "{runtime}");
        assert!(
            run.verdict
                .reason
                .contains("cannot read /nonexistent/module.wasm"),
            "{}",
            run.verdict.reason
        );
    }
}
