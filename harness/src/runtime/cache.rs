//! The compiled-artifact cache: a module compiled once by an engine is serialized under the cache
//! directory and loaded by later runs instead of compiling again.
//!
//! An entry is keyed by the module's SHA-256 and an engine identity that covers everything that changes
//! the machine code (engine version, enabled proposals, memory configuration), so that a stale or
//! foreign artifact is never loaded. Entries are written atomically; one that fails to load is
//! compiled again and overwritten.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// How the compile phase of a run got its compiled module; recorded per run in the results.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheState {
    /// No cache directory was given: compiled from the bytes.
    Cold,
    /// Compiled from the bytes and stored for later runs.
    Miss,
    /// Loaded a compiled artifact.
    Hit,
}

impl CacheState {
    pub fn as_str(self) -> &'static str {
        match self {
            CacheState::Cold => "cold",
            CacheState::Miss => "miss",
            CacheState::Hit => "hit",
        }
    }
}

/// Where the artifact of `module` compiled by `runtime` with engine identity `engine` lives.
pub fn entry(dir: &Path, runtime: &str, engine: &str, module: &[u8]) -> PathBuf {
    let mut hasher = Sha256::new();
    hasher.update(engine.as_bytes());
    hasher.update([0]);
    hasher.update(module);
    let key: String = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
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
    let Some(entry) = entry else {
        return (compile(), CacheState::Cold);
    };
    if entry.is_file()
        && let Some(module) = load(entry)
    {
        return (Ok(module), CacheState::Hit);
    }
    let compiled = compile();
    if let Ok(module) = &compiled
        && let Some(bytes) = save(module)
    {
        let _ = crate::results::write_atomic(entry, &bytes);
    }
    (compiled, CacheState::Miss)
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
