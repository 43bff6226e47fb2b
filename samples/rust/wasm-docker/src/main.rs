//! The wasm-basics `rust-wasm-docker` program: prints, sleeps, prints.

use std::time::Duration;

fn main() {
    println!("Hello from a Wasm container!");
    std::thread::sleep(Duration::from_secs(1));
    println!("Slept 1 s, goodbye.");
}
