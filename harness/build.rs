//! Records, for the results' metadata, the exact engine crate versions this harness links (read from
//! the workspace lock file) and the optimization level it was built with.

use std::path::Path;

fn main() {
    let lock = Path::new(&std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("../Cargo.lock");
    println!("cargo:rerun-if-changed={}", lock.display());
    let text = std::fs::read_to_string(&lock).unwrap_or_default();
    for (krate, var) in [
        ("wasmtime", "HARNESS_WASMTIME_VERSION"),
        ("wasmer", "HARNESS_WASMER_VERSION"),
        ("wasmi", "HARNESS_WASMI_VERSION"),
    ] {
        println!(
            "cargo:rustc-env={var}={}",
            locked_version(&text, krate).unwrap_or("unknown")
        );
    }
    println!(
        "cargo:rustc-env=HARNESS_PROFILE={}",
        std::env::var("PROFILE").unwrap_or_default()
    );
    println!(
        "cargo:rustc-env=HARNESS_OPT_LEVEL={}",
        std::env::var("OPT_LEVEL").unwrap_or_default()
    );
}

#[path = "src/lockfile.rs"]
mod lockfile;
use lockfile::locked_version;
