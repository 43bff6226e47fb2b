//! Exact versions and build settings of this harness, fixed at compile time by `build.rs`.

/// The `wasmtime` crate version linked into the wasmtime backend.
pub const WASMTIME: &str = env!("HARNESS_WASMTIME_VERSION");
/// The `wasmer` crate version linked into the wasmer backend.
pub const WASMER: &str = env!("HARNESS_WASMER_VERSION");
/// The `wasmi` crate version linked into the wasmi backend.
pub const WASMI: &str = env!("HARNESS_WASMI_VERSION");
/// Cargo profile (`release` or `debug`) and optimization level the harness was compiled with; the
/// engines' own compilers run many times slower unoptimized, so the results say which.
pub const PROFILE: &str = env!("HARNESS_PROFILE");
pub const OPT_LEVEL: &str = env!("HARNESS_OPT_LEVEL");
