//! A WAGI handler: the request arrives as CGI variables, arguments and stdin; the answer is a
//! header block, a blank line and a body on stdout (see samples/contract/wagi).

use std::io::{Read, Write};

const VARIABLES: [&str; 7] = [
    "REQUEST_METHOD",
    "SCRIPT_NAME",
    "PATH_INFO",
    "QUERY_STRING",
    "CONTENT_TYPE",
    "CONTENT_LENGTH",
    "HTTP_X_WAGI_TEST",
];

fn main() {
    // argv[0] is the request's path; the query's parts follow.
    let args: Vec<String> = std::env::args().skip(1).collect();
    let value = |key: &str| {
        args.iter()
            .find_map(|a| a.strip_prefix(key)?.strip_prefix('='))
    };
    if let Some(code) = value("exit") {
        std::process::exit(code.parse().unwrap_or(1));
    }
    let mut body = Vec::new();
    std::io::stdin().read_to_end(&mut body).expect("stdin");
    let mut out = String::from("Content-Type: text/plain\n");
    if let Some(status) = value("status") {
        out.push_str(&format!("Status: {status}\n"));
    }
    if let Some(location) = value("location") {
        out.push_str(&format!("Location: {location}\n"));
    }
    out.push('\n');
    for name in VARIABLES {
        out.push_str(&format!("{name}={}\n", std::env::var(name).unwrap_or_default()));
    }
    out.push_str(&format!("args={}\n", args.len()));
    for arg in &args {
        out.push_str(&format!("arg={arg}\n"));
    }
    out.push_str(&format!("body={} bytes\n", body.len()));
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(out.as_bytes()).expect("stdout");
    stdout.write_all(&body).expect("stdout");
    stdout.flush().expect("stdout");
}
