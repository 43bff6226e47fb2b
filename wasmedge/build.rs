//! libwasmedge from the project's Debian 13 prefix needs a newer libc than some hosts have (Debian 12):
//! its GLIBC_2.38 symbols are resolved at run time by the prefix's own loader, so on Linux the link
//! must not insist on them now. Elsewhere (macOS, a system libwasmedge) the link is the usual one.
fn main() {
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-link-arg-bins=-Wl,--allow-shlib-undefined");
    }
}
