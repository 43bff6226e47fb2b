//! A socket server (samples/contract/socket-http): the program itself listens on `LISTEN_ADDR`
//! (`127.0.0.1:0` when unset), says where on stdout, and answers each HTTP/1.1 request with the
//! wasi-http contract's echo, one connection at a time (`Connection: close`). With `--probe` it
//! only tries to listen and says whether it may.

use std::io::{self, Read, Write};

#[cfg(all(target_os = "wasi", target_env = "p1"))]
mod net {
    //! Preview 1 has no call that opens a socket: WasmEdge's extension does.
    pub use wasmedge_wasi_socket::{TcpListener, TcpStream};

    pub fn listen(addr: &str) -> std::io::Result<TcpListener> {
        TcpListener::bind(addr, false)
    }

    pub fn accept(listener: &TcpListener) -> std::io::Result<TcpStream> {
        listener.accept(false).map(|(stream, _)| stream)
    }
}

#[cfg(not(all(target_os = "wasi", target_env = "p1")))]
mod net {
    //! The standard library: wasi:sockets on wasm32-wasip2, the OS's natively.
    pub use std::net::{TcpListener, TcpStream};

    pub fn listen(addr: &str) -> std::io::Result<TcpListener> {
        TcpListener::bind(addr)
    }

    pub fn accept(listener: &TcpListener) -> std::io::Result<TcpStream> {
        listener.accept().map(|(stream, _)| stream)
    }
}

fn main() {
    let addr = std::env::var("LISTEN_ADDR").unwrap_or_else(|_| "127.0.0.1:0".into());
    let probe = std::env::args().any(|a| a == "--probe");
    let listener = match net::listen(&addr) {
        Ok(listener) => listener,
        Err(err) => {
            eprintln!("cannot listen on {addr}: {err}");
            if probe {
                println!("listen: denied");
                return;
            }
            std::process::exit(1);
        }
    };
    let bound = match listener.local_addr() {
        // WasmEdge 0.14 reports 0.0.0.0 for a socket bound to 127.0.0.1: the port is right.
        Ok(local) if local.ip().is_unspecified() => match addr.rsplit_once(':') {
            Some((host, _)) => format!("{host}:{}", local.port()),
            None => local.to_string(),
        },
        Ok(local) => local.to_string(),
        Err(_) => addr.clone(),
    };
    if probe {
        println!("listen: allowed on {bound}");
        return;
    }
    println!("listening on http://{bound}");
    let _ = io::stdout().flush();
    loop {
        match net::accept(&listener) {
            Ok(mut stream) => {
                if let Err(err) = serve(&mut stream) {
                    eprintln!("connection: {err}");
                }
            }
            Err(err) => eprintln!("accept: {err}"),
        }
    }
}

/// Reads one request, answers it, and closes the connection.
fn serve(stream: &mut (impl Read + Write)) -> io::Result<()> {
    let mut raw = Vec::new();
    let mut buf = [0u8; 4096];
    let head_end = loop {
        if let Some(at) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            break at;
        }
        if raw.len() > 64 * 1024 {
            return answer(stream, 431, &[], b"header block too large\n");
        }
        let n = stream.read(&mut buf)?;
        if n == 0 {
            return Ok(());
        }
        raw.extend_from_slice(&buf[..n]);
    };
    let head = String::from_utf8_lossy(&raw[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next().unwrap_or("").split(' ');
    let method = request_line.next().unwrap_or("").to_owned();
    let target = request_line.next().unwrap_or("/").to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let header = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    };
    let length: usize = header("content-length").parse().unwrap_or(0);
    let mut body = raw[head_end + 4..].to_vec();
    while body.len() < length {
        let n = stream.read(&mut buf)?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&buf[..n]);
    }
    body.truncate(length);

    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let param = |name: &str| {
        query
            .split('&')
            .filter_map(|p| p.split_once('='))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_owned())
    };
    let location = param("location");
    let status = param("status")
        .and_then(|s| s.parse().ok())
        .unwrap_or(if location.is_some() { 302 } else { 200 });
    let mut text = format!(
        "method={method}\npath={path}\nquery={query}\ncontent-type={}\nx-echo-test={}\nbody={} bytes\n",
        header("content-type"),
        header("x-echo-test"),
        body.len()
    )
    .into_bytes();
    text.extend_from_slice(&body);
    let extra: Vec<(&str, &str)> = location
        .as_deref()
        .map(|l| ("location", l))
        .into_iter()
        .collect();
    answer(stream, status, &extra, &text)
}

fn answer(
    stream: &mut impl Write,
    status: u16,
    extra: &[(&str, &str)],
    body: &[u8],
) -> io::Result<()> {
    let mut head = format!(
        "HTTP/1.1 {status} {}\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n",
        reason(status),
        body.len()
    );
    for (name, value) in extra {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    stream.write_all(body)?;
    stream.flush()
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        302 => "Found",
        431 => "Request Header Fields Too Large",
        _ => "",
    }
}
