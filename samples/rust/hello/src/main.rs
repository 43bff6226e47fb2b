//! The wasm-basics hello program: prints a greeting and writes a file into a preopened directory.

use std::fs::File;
use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    println!("Hello, Wasm!");
    let written = File::create("/helloworld/helloworld.txt")
        .and_then(|mut file| file.write_all(b"Hello world!\n"));
    match written {
        Ok(()) => {
            println!("Created helloworld.txt");
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("cannot write /helloworld/helloworld.txt: {err}");
            ExitCode::FAILURE
        }
    }
}
