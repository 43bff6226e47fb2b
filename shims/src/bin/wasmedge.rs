//! `containerd-shim-wasmedge-v1`: containerd's runtime `io.containerd.wasmedge.v1`, running modules
//! through the harness's WasmEdge backend (AOT-compiled, cached).

fn main() {
    harness_shims::main::<harness_shims::WasmEdge>();
}
