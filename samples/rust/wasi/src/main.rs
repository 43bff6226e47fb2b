//! One WASI preview 1 capability per invocation, named by the first argument, each printing stable,
//! language-neutral lines that every language's version of this sample prints the same way.
//!
//! The sandbox capabilities try something a runtime must refuse when it was not granted, and print
//! `denied` when it was refused and `ALLOWED` (with what leaked) when it was not.

use std::collections::BTreeSet;
use std::fs;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The variable the harness sets in its own environment, never in a guest's: a guest must not see it.
const HOST_SECRET: &str = "WASM_HARNESS_HOST_SECRET";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(capability) = args.first() else {
        eprintln!("usage: wasi CAPABILITY [ARGS...]");
        return ExitCode::from(2);
    };
    let result = match capability.as_str() {
        "args" => args_(&args[1..]),
        "env" => env(),
        "clock" => clock(),
        "random" => random(),
        "file" => file(),
        "readdir" => readdir(),
        "rename" => rename(),
        "unlink" => unlink(),
        "mkdir" => mkdir(),
        "stdin" => stdin(),
        "exit" => exit(&args[1..]),
        "stderr" => stderr(),
        "sandbox-host-path" => sandbox_open("/etc/passwd"),
        "sandbox-dotdot" => sandbox_open("/sandbox/../etc/passwd"),
        "sandbox-env" => sandbox_env(),
        other => {
            eprintln!("unknown capability: {other}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("{capability}: {err}");
            ExitCode::FAILURE
        }
    }
}

fn args_(rest: &[String]) -> io::Result<()> {
    println!("argc={}", rest.len());
    for (i, arg) in rest.iter().enumerate() {
        println!("arg[{i}]={arg}");
    }
    Ok(())
}

fn env() -> io::Result<()> {
    let mut vars: Vec<(String, String)> = std::env::vars().collect();
    vars.sort();
    for (key, value) in vars {
        println!("{key}={value}");
    }
    Ok(())
}

fn clock() -> io::Result<()> {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map_err(io::Error::other)?;
    println!("realtime_s={}", now.as_secs());
    let first = Instant::now();
    let second = Instant::now();
    println!("monotonic: {}", if second >= first { "non-decreasing" } else { "WENT BACKWARDS" });
    std::thread::sleep(Duration::from_millis(10));
    let slept = first.elapsed() >= Duration::from_millis(10);
    println!("sleep 10ms: {}", if slept { "elapsed" } else { "TOO SHORT" });
    Ok(())
}

fn random() -> io::Result<()> {
    let (a, b) = (random_bytes()?, random_bytes()?);
    let zero = a.iter().all(|&x| x == 0);
    println!("random: 32 bytes, {}", if a != b && !zero { "two draws differ" } else { "DRAWS EQUAL" });
    Ok(())
}

#[cfg(target_os = "wasi")]
fn random_bytes() -> io::Result<[u8; 32]> {
    #[link(wasm_import_module = "wasi_snapshot_preview1")]
    unsafe extern "C" {
        fn random_get(buf: *mut u8, len: usize) -> u16;
    }
    let mut buf = [0u8; 32];
    // SAFETY: random_get writes exactly `len` bytes into the buffer it is given.
    match unsafe { random_get(buf.as_mut_ptr(), buf.len()) } {
        0 => Ok(buf),
        errno => Err(io::Error::other(format!("random_get failed with errno {errno}"))),
    }
}

#[cfg(not(target_os = "wasi"))]
fn random_bytes() -> io::Result<[u8; 32]> {
    let mut buf = [0u8; 32];
    fs::File::open("/dev/urandom")?.read_exact(&mut buf)?;
    Ok(buf)
}

fn file() -> io::Result<()> {
    let path = "/data/file.txt";
    fs::write(path, "0123456789\n")?;
    println!("write: 11 bytes");
    let mut file = fs::OpenOptions::new().read(true).write(true).open(path)?;
    let mut all = String::new();
    file.read_to_string(&mut all)?;
    println!("read: {}", all.trim_end());
    file.seek(SeekFrom::Start(4))?;
    let mut three = [0u8; 3];
    file.read_exact(&mut three)?;
    println!("seek 4, read 3: {}", String::from_utf8_lossy(&three));
    let end = file.seek(SeekFrom::End(0))?;
    println!("seek end: {end}");
    file.write_all(b"appended\n")?;
    println!("size: {}", fs::metadata(path)?.len());
    Ok(())
}

fn readdir() -> io::Result<()> {
    let mut names = BTreeSet::new();
    for entry in fs::read_dir("/fixture")? {
        let entry = entry?;
        let suffix = if entry.file_type()?.is_dir() { "/" } else { "" };
        names.insert(format!("{}{suffix}", entry.file_name().to_string_lossy()));
    }
    for name in names {
        println!("{name}");
    }
    Ok(())
}

fn exists(path: &str) -> &'static str {
    if Path::new(path).exists() { "exists" } else { "absent" }
}

fn rename() -> io::Result<()> {
    fs::write("/data/old.txt", "renamed\n")?;
    fs::rename("/data/old.txt", "/data/new.txt")?;
    println!("old.txt: {}", exists("/data/old.txt"));
    println!("new.txt: {}", exists("/data/new.txt"));
    Ok(())
}

fn unlink() -> io::Result<()> {
    fs::write("/data/doomed.txt", "gone\n")?;
    println!("before: {}", exists("/data/doomed.txt"));
    fs::remove_file("/data/doomed.txt")?;
    println!("after: {}", exists("/data/doomed.txt"));
    Ok(())
}

fn mkdir() -> io::Result<()> {
    fs::create_dir("/data/made")?;
    fs::create_dir("/data/made/inner")?;
    println!("mkdir: {}", exists("/data/made/inner"));
    fs::remove_dir("/data/made/inner")?;
    println!("rmdir: {}", exists("/data/made/inner"));
    fs::create_dir("/data/kept")?;
    Ok(())
}

fn stdin() -> io::Result<()> {
    let mut input = Vec::new();
    io::stdin().read_to_end(&mut input)?;
    io::stdout().write_all(&input)?;
    Ok(())
}

fn exit(rest: &[String]) -> io::Result<()> {
    let code: i32 = rest.first().and_then(|c| c.parse().ok()).unwrap_or(3);
    println!("exiting with {code}");
    io::stdout().flush()?;
    std::process::exit(code);
}

fn stderr() -> io::Result<()> {
    println!("to stdout");
    eprintln!("to stderr");
    Ok(())
}

fn sandbox_open(path: &str) -> io::Result<()> {
    match fs::read(path) {
        Ok(bytes) => println!("open {path}: ALLOWED ({} bytes read)", bytes.len()),
        Err(_) => println!("open {path}: denied"),
    }
    Ok(())
}

fn sandbox_env() -> io::Result<()> {
    match std::env::var(HOST_SECRET) {
        Ok(value) => println!("env {HOST_SECRET}: ALLOWED ({value})"),
        Err(_) => println!("env {HOST_SECRET}: denied"),
    }
    Ok(())
}
