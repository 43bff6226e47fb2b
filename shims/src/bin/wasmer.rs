//! `containerd-shim-wasmer-v1`: containerd's runtime `io.containerd.wasmer.v1`, running modules
//! through the harness's wasmer backend.

fn main() {
    harness_shims::main::<harness_shims::Wasmer>();
}
