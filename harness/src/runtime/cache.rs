//! The compiled-artifact cache: a module compiled once by an engine is serialized under the cache
//! directory and loaded by later runs instead of compiling again.
//!
//! An entry is keyed by the module's SHA-256 and an engine identity that covers everything that changes
//! the machine code (engine version, enabled proposals, memory configuration), so that a stale or
//! foreign artifact is never loaded. Entries are written atomically; one that fails to load is
//! compiled again and overwritten.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// How the compile phase of a run got its compiled module; recorded per run, and per cell as the
/// states its runs met (`results::CompileCache`). These are every value the results can hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CacheState {
    /// No cache directory was given: compiled from the bytes.
    Cold,
    /// Compiled from the bytes and stored for later runs.
    Miss,
    /// Loaded a compiled artifact.
    Hit,
    /// A command-line tool ran with its own cache on: whether it compiled or loaded is its business.
    Tool,
    /// A container ran whose shim did not report: what its engine did is not known.
    Container,
    /// Native code: nothing is compiled when it runs.
    Native,
    /// The run ended before its backend could say (a shim's watchdog reported the deadline).
    Unknown,
    /// Compiled once when a server loaded its handler, before this run (`Runtime::prepare`).
    Resident,
}

impl CacheState {
    pub const ALL: &[CacheState] = &[
        CacheState::Cold,
        CacheState::Miss,
        CacheState::Hit,
        CacheState::Tool,
        CacheState::Container,
        CacheState::Native,
        CacheState::Unknown,
        CacheState::Resident,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CacheState::Cold => "cold",
            CacheState::Miss => "miss",
            CacheState::Hit => "hit",
            CacheState::Tool => "tool",
            CacheState::Container => "container",
            CacheState::Native => "native",
            CacheState::Unknown => "unknown",
            CacheState::Resident => "resident",
        }
    }
}

impl std::fmt::Display for CacheState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for CacheState {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        CacheState::ALL
            .iter()
            .copied()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| format!("unknown compile cache state `{s}`"))
    }
}

/// Where the artifact of `module` compiled by `runtime` with engine identity `engine` lives.
pub fn entry(dir: &Path, runtime: &str, engine: &str, module: &[u8]) -> PathBuf {
    let mut hasher = Sha256::new();
    hasher.update(engine.as_bytes());
    hasher.update([0]);
    hasher.update(module);
    let key = crate::util::hex(&hasher.finalize());
    dir.join(runtime).join(format!("{key}.bin"))
}

/// Compiles through the cache: loads the entry when `load` accepts it, otherwise compiles and stores
/// what `save` serializes. A failed store only costs the next run a compile.
pub fn compile_with<M, E>(
    entry: Option<&Path>,
    compile: impl FnOnce() -> Result<M, E>,
    load: impl FnOnce(&Path) -> Option<M>,
    save: impl FnOnce(&M) -> Option<Vec<u8>>,
) -> (Result<M, E>, CacheState) {
    let (compiled, state, _) = compile_waiting(entry, compile, load, save);
    (compiled, state)
}

/// [`compile_with`], also saying how long it waited for another process's hold on the entry: time
/// the harness's lock took, which the backends leave out of the compile phase they report.
pub fn compile_waiting<M, E>(
    entry: Option<&Path>,
    compile: impl FnOnce() -> Result<M, E>,
    load: impl FnOnce(&Path) -> Option<M>,
    save: impl FnOnce(&M) -> Option<Vec<u8>>,
) -> (Result<M, E>, CacheState, std::time::Duration) {
    let Some(entry) = entry else {
        return (compile(), CacheState::Cold, std::time::Duration::ZERO);
    };
    let lock = EntryLock::take(entry);
    let waited = lock.waited();
    if entry.is_file()
        && let Some(module) = load(entry)
    {
        return (Ok(module), CacheState::Hit, waited);
    }
    let compiled = compile();
    if let Ok(module) = &compiled
        && let Some(bytes) = save(module)
    {
        let _ = crate::util::write_atomic(entry, &bytes);
    }
    (compiled, CacheState::Miss, waited)
}

/// An exclusive lock on one cache entry, held from the look-up to the store: two processes that need
/// the same artifact at once (two test threads, a column and the container column that runs the same
/// engine, whose shim sees the cache through a bind mount) compile it once, the second loading what
/// the first stored. WasmEdge's AOT compiler takes minutes on a large module, and two such compiles
/// side by side on 2 cores took each twice as long. The matrix runs outcome-only cells two at a time,
/// so a cell may wait here for the other's compile: [`compile_waiting`] says how long, and the
/// backends leave the wait out of the compile phase. Released when dropped (or when the process dies).
pub struct EntryLock(Option<std::fs::File>, std::time::Duration);

impl EntryLock {
    /// Waits for the lock of `entry`. Locking is best effort: without a lock file (a read-only cache
    /// directory) the caller goes on unlocked and may compile twice, never fail.
    pub fn take(entry: &Path) -> EntryLock {
        use std::os::fd::AsRawFd;
        let asked = std::time::Instant::now();
        if let Some(parent) = entry.parent() {
            let _ = std::fs::create_dir_all(parent);
        }
        let Ok(file) = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(entry.with_extension("lock"))
        else {
            return EntryLock(None, asked.elapsed());
        };
        // SAFETY: flock on a descriptor this function owns; it blocks until the lock is granted.
        loop {
            if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) } == 0 {
                return EntryLock(Some(file), asked.elapsed());
            }
            if std::io::Error::last_os_error().kind() != std::io::ErrorKind::Interrupted {
                return EntryLock(None, asked.elapsed());
            }
        }
    }

    pub fn held(&self) -> bool {
        self.0.is_some()
    }

    /// How long [`EntryLock::take`] waited for another process's hold.
    pub fn waited(&self) -> std::time::Duration {
        self.1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_separate_engines_and_modules() {
        let dir = Path::new("/c");
        let a = entry(dir, "wasmtime", "e1", b"module");
        assert_eq!(a, entry(dir, "wasmtime", "e1", b"module"));
        assert_ne!(a, entry(dir, "wasmtime", "e2", b"module"));
        assert_ne!(a, entry(dir, "wasmtime", "e1", b"module2"));
        assert!(a.starts_with("/c/wasmtime"));
    }

    #[test]
    fn a_second_process_waits_for_the_entry_and_loads_it() {
        let dir = std::env::temp_dir().join(format!("harness-cache-lock-{}", std::process::id()));
        let path = entry(&dir, "t", "e", b"m");
        let first = EntryLock::take(&path);
        assert!(first.held());
        // flock locks belong to open file descriptions: a second open in this process stands for
        // another process, and must not get the lock while the first is held.
        let lock = std::fs::OpenOptions::new()
            .write(true)
            .open(path.with_extension("lock"))
            .unwrap();
        use std::os::fd::AsRawFd;
        let try_lock = || unsafe { libc::flock(lock.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
        assert_eq!(
            try_lock(),
            -1,
            "the entry is locked while the first holds it"
        );
        let waiter = {
            let path = path.clone();
            std::thread::spawn(move || {
                let save = |m: &u32| Some(m.to_le_bytes().to_vec());
                let load = |p: &Path| {
                    let b = std::fs::read(p).ok()?;
                    Some(u32::from_le_bytes(b.try_into().ok()?))
                };
                compile_with(Some(&path), || Ok::<_, ()>(2u32), load, save)
            })
        };
        std::thread::sleep(std::time::Duration::from_millis(100));
        crate::util::write_atomic(&path, &1u32.to_le_bytes()).unwrap();
        drop(first);
        assert_eq!(waiter.join().unwrap(), (Ok(1), CacheState::Hit));
        assert_eq!(try_lock(), 0, "released after the look-up");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn miss_then_hit_and_bad_entry_recompiles() {
        let dir = std::env::temp_dir().join(format!("harness-cache-test-{}", std::process::id()));
        let path = entry(&dir, "t", "e", b"m");
        let save = |m: &u32| Some(m.to_le_bytes().to_vec());
        let load = |p: &Path| {
            let b = std::fs::read(p).ok()?;
            Some(u32::from_le_bytes(b.try_into().ok()?))
        };
        let (m, state) = compile_with(Some(&path), || Ok::<_, ()>(7u32), load, save);
        assert_eq!((m, state), (Ok(7), CacheState::Miss));
        let (m, state) = compile_with(Some(&path), || Ok::<_, ()>(8u32), load, save);
        assert_eq!((m, state), (Ok(7), CacheState::Hit));
        std::fs::write(&path, b"bad").unwrap();
        let (m, state) = compile_with(Some(&path), || Ok::<_, ()>(9u32), load, save);
        assert_eq!((m, state), (Ok(9), CacheState::Miss));
        let (m, state) = compile_with(None, || Ok::<_, ()>(1u32), load, save);
        assert_eq!((m, state), (Ok(1), CacheState::Cold));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
