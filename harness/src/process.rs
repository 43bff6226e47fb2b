//! Child processes and this process's own end: spawning a child with piped stdio and reaping it
//! with `wait4` (exit status, signal, peak resident set, a wall-clock limit), and the deadline
//! watchdog that ends this process, shared by the harness's worker and the containerd shims.

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Starts a guard when a backend begins running guest code; where the engine cannot stop the guest
/// itself, the guard ends the process at the deadline.
pub struct Watchdog<'a>(Option<&'a (dyn Fn() + Sync)>);

impl<'a> Watchdog<'a> {
    /// No guard: for in-process use, where the engine's own interruption is all there is.
    pub fn none() -> Self {
        Watchdog(None)
    }

    pub fn new(arm: &'a (dyn Fn() + Sync)) -> Self {
        Watchdog(Some(arm))
    }

    pub fn arm(&self) {
        if let Some(arm) = self.0 {
            arm();
        }
    }
}

/// Arms a backstop: when `deadline` has passed, `fire` runs (it reports the timeout however its
/// process reports) and this process exits with the code `fire` returns.
pub fn backstop(deadline: Duration, fire: impl FnOnce() -> i32 + Send + 'static) {
    std::thread::spawn(move || {
        std::thread::sleep(deadline);
        let code = fire();
        std::process::exit(code);
    });
}

/// Ends this process by `signal`, as a child that died by it would: a backend whose engine process
/// crashed passes the crash on, so that the cell is a crash like any runtime's.
pub fn die_by(signal: libc::c_int) -> ! {
    // SAFETY: restores the default action of a fatal signal and raises it on this process, which
    // is what it is for; `exit` is the fallback should the signal not end it.
    unsafe {
        libc::signal(signal, libc::SIG_DFL);
        libc::raise(signal);
    }
    std::process::exit(128 + signal)
}

/// A child process as it ended: its wait status, whether the wall-clock limit killed it, and what it
/// wrote.
#[derive(Debug)]
pub struct RawExit {
    pub status: libc::c_int,
    pub killed: bool,
    pub wall: Duration,
    pub peak_rss_kib: u64,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

impl RawExit {
    /// The signal that ended the process, by name, if one did.
    pub fn signal(&self) -> Option<String> {
        libc::WIFSIGNALED(self.status).then(|| signal_name(libc::WTERMSIG(self.status)))
    }

    pub fn exit_code(&self) -> i32 {
        libc::WEXITSTATUS(self.status)
    }
}

/// Spawns `command` with piped stdio, feeds it `input`, and reaps it with `wait4` for its peak
/// resident set; kills it when it outlives `wall_limit`.
pub fn spawn_and_wait(
    mut command: Command,
    input: Vec<u8>,
    wall_limit: Duration,
) -> std::io::Result<RawExit> {
    let started = Instant::now();
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let pid = child.id() as libc::pid_t;

    let mut stdin = child.stdin.take().expect("stdin is piped");
    let writer = std::thread::spawn(move || {
        // A child that dies early closes its end: that shows up as its crash, not here.
        let _ = stdin.write_all(&input);
    });
    let stdout = read_all(child.stdout.take().expect("stdout is piped"));
    let stderr = read_all(child.stderr.take().expect("stderr is piped"));

    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(wait4(pid));
    });
    let (status, rusage, killed) = match rx.recv_timeout(wall_limit) {
        Ok(result) => {
            let (status, rusage) = result?;
            (status, rusage, false)
        }
        Err(_) => {
            // SAFETY: the pid is our unreaped child, so it cannot have been reused.
            unsafe { libc::kill(pid, libc::SIGKILL) };
            let (status, rusage) = rx.recv().map_err(std::io::Error::other)??;
            (status, rusage, true)
        }
    };
    let wall = started.elapsed();
    let _ = writer.join();
    Ok(RawExit {
        status,
        killed,
        wall,
        peak_rss_kib: u64::try_from(rusage.ru_maxrss).unwrap_or(0),
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
    })
}

fn read_all(mut from: impl Read + Send + 'static) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = from.read_to_end(&mut buf);
        buf
    })
}

fn wait4(pid: libc::pid_t) -> std::io::Result<(libc::c_int, libc::rusage)> {
    let mut status = 0;
    // SAFETY: rusage is plain data that wait4 fills in.
    let mut rusage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: status and rusage point to live locals.
        let r = unsafe { libc::wait4(pid, &mut status, 0, &mut rusage) };
        if r == pid {
            return Ok((status, rusage));
        }
        let err = std::io::Error::last_os_error();
        if err.kind() != std::io::ErrorKind::Interrupted {
            return Err(err);
        }
    }
}

/// A signal by its name, for reasons a person reads.
pub fn signal_name(signal: libc::c_int) -> String {
    let name = match signal {
        libc::SIGSEGV => "SIGSEGV",
        libc::SIGABRT => "SIGABRT",
        libc::SIGBUS => "SIGBUS",
        libc::SIGILL => "SIGILL",
        libc::SIGFPE => "SIGFPE",
        libc::SIGKILL => "SIGKILL",
        libc::SIGTERM => "SIGTERM",
        _ => return format!("signal {signal}"),
    };
    name.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_child_is_reaped_with_its_status_output_and_memory() {
        let mut command = Command::new("sh");
        command.args(["-c", "read line; echo \"out $line\"; echo err >&2; exit 3"]);
        let raw = spawn_and_wait(command, b"in\n".to_vec(), Duration::from_secs(30)).unwrap();
        assert!(!raw.killed);
        assert_eq!(raw.exit_code(), 3);
        assert_eq!(raw.signal(), None);
        assert_eq!(raw.stdout, b"out in\n");
        assert_eq!(raw.stderr, b"err\n");
        assert!(raw.peak_rss_kib > 0);
    }

    #[test]
    fn a_child_past_its_limit_is_killed() {
        let mut command = Command::new("sleep");
        command.arg("30");
        let raw = spawn_and_wait(command, Vec::new(), Duration::from_millis(200)).unwrap();
        assert!(raw.killed);
        assert_eq!(raw.signal().as_deref(), Some("SIGKILL"));
        assert!(raw.wall < Duration::from_secs(30));
    }

    #[test]
    fn a_child_that_dies_by_a_signal_says_which() {
        let mut command = Command::new("sh");
        command.args(["-c", "kill -SEGV $$"]);
        let raw = spawn_and_wait(command, Vec::new(), Duration::from_secs(30)).unwrap();
        assert!(!raw.killed);
        assert_eq!(raw.signal().as_deref(), Some("SIGSEGV"));
    }
}
