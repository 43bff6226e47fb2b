//! `containerd-shim-wasmtime-v1`: containerd's runtime `io.containerd.wasmtime.v1`, running modules
//! through the harness's wasmtime backend.

fn main() {
    harness_shims::main::<harness_shims::Wasmtime>();
}
