//! The time each limit gets beyond a case's deadline, named once, each with why. A case's deadline
//! (`RunSpec::timeout`) covers the guest's run: it starts when compilation is done.

use std::time::Duration;

/// How long after the deadline an engine that stops guests itself (wasmtime's epochs, WasmEdge's
/// interruptible code, a container killed at its deadline) has to do so before the backstop
/// watchdog ends its process: the engine's own stop is what its cell should report, and a busy
/// 2-core machine can be late by a second.
pub const INTERRUPT_GRACE: Duration = Duration::from_secs(2);

/// How long beyond the deadline a worker process may live before its parent kills it: compilation
/// and start-up happen outside the guest's deadline, and so does a wait for another run's compile
/// of the same module (up to [`AOT_COMPILE_BUDGET`]).
pub const WALL_GRACE: Duration = Duration::from_secs(600);

/// How long WasmEdge's AOT compiler gets for one module before the worker gives up on it and says
/// so (a timeout at compile, recorded beside the cache entry so that the module's other cells do not
/// try again). CPython's 20 MB module takes it 3–4 minutes at O3 on 2 cores; CRuby's 30 MB module
/// did not compile in 12.
pub const AOT_COMPILE_BUDGET: Duration = Duration::from_secs(480);

/// How much sooner than its worker a project shim's container is given up: the container backend
/// must remove the container and report before the worker's own wall limit ends the worker.
pub const CONTAINER_REMOVAL: Duration = Duration::from_secs(15);

/// How long beyond the deadline a native program's container gets: runc's set-up counts against
/// the deadline there, since no shim starts the clock after it.
pub const NATIVE_CONTAINER_START: Duration = Duration::from_secs(2);

/// How long beyond the deadline a runtime's own command-line tool gets: its process start-up and
/// compilation (or cache load) count against the deadline too, unlike the embedded columns'.
pub const TOOL_START: Duration = Duration::from_secs(1);

/// When the backstop watchdog ends a run whose guest has `timeout`: a little after it where the
/// engine stops guests itself, at it where nothing else would.
pub fn backstop_after(timeout: Duration, interrupts_in_engine: bool) -> Duration {
    if interrupts_in_engine {
        timeout + INTERRUPT_GRACE
    } else {
        timeout
    }
}

// Every limit above ends before the worker's own, so that the harness still sees how the run ended.
const _: () = {
    let wall = WALL_GRACE.as_millis();
    assert!(INTERRUPT_GRACE.as_millis() < wall);
    assert!(CONTAINER_REMOVAL.as_millis() < wall);
    assert!(NATIVE_CONTAINER_START.as_millis() < wall);
    assert!(TOOL_START.as_millis() < wall);
    // A run that waits for a compile given up at the budget still reports before its wall limit.
    assert!(AOT_COMPILE_BUDGET.as_millis() + 60_000 < wall);
};
