//! The WasmEdge shim links libwasmedge, which (from the project's Debian 13 prefix on an older host)
//! needs that prefix's newer libc. containerd starts a shim by name and the shim re-executes itself,
//! so it cannot be started through a loader command the way the harness's WasmEdge worker is: the
//! binary names the prefix's loader as its interpreter and the prefix's libraries as its run path.
use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-env-changed=WASMEDGE_LIB_DIR");
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() != Ok("linux")
        || std::env::var_os("CARGO_FEATURE_WASMEDGE").is_none()
    {
        return;
    }
    let bin = "containerd-shim-wasmedge-v1";
    println!("cargo:rustc-link-arg-bin={bin}=-Wl,--allow-shlib-undefined");
    // `.cargo/config.toml` points WASMEDGE_LIB_DIR at `<prefix>/link`.
    let Some(prefix) = std::env::var_os("WASMEDGE_LIB_DIR")
        .map(PathBuf::from)
        .and_then(|dir| dir.parent().map(PathBuf::from))
    else {
        return;
    };
    let libdir = prefix.join("usr/lib/x86_64-linux-gnu");
    let loader = libdir.join("ld-linux-x86-64.so.2");
    if loader.is_file() {
        println!(
            "cargo:rustc-link-arg-bin={bin}=-Wl,--dynamic-linker={}",
            loader.display()
        );
        println!(
            "cargo:rustc-link-arg-bin={bin}=-Wl,-rpath,{}",
            libdir.display()
        );
    }
}
