//! Reads a package's version out of a Cargo.lock text (shared with `build.rs` through `#[path]`).

/// The version the lock file pins for `krate`, if it lists it.
pub fn locked_version<'a>(lock: &'a str, krate: &str) -> Option<&'a str> {
    let header = format!("name = \"{krate}\"\nversion = \"");
    let start = lock.find(&header)? + header.len();
    let len = lock[start..].find('"')?;
    Some(&lock[start..start + len])
}
