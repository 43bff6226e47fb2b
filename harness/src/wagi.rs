//! WAGI, the WebAssembly Gateway Interface (deislabs' WAGI 0.8): the `modules.toml` that maps routes
//! to preview 1 command modules, the CGI/1.1 environment and arguments a request becomes, and the
//! header block a handler writes back. Pure functions only: `gateway` serves them over HTTP.
//!
//! The rules follow WAGI's implementation where it departs from RFC 3875: `argv[0]` is the request's
//! path, the other arguments are the query string split on `&` (not decoded), the `Authorization` and
//! `Connection` headers are not passed on, and a response needs `content-type`, `location` or
//! `status`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// What a `modules.toml` says, its relative paths resolved against the file's directory.
#[derive(Debug, Clone, PartialEq)]
pub struct Modules {
    pub file: PathBuf,
    pub modules: Vec<ModuleEntry>,
}

/// One `[[module]]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModuleEntry {
    /// `/path` matches that path only; `/path/...` matches it and every path below it.
    pub route: String,
    /// The module's file (WAGI also accepted `bindle:` and `oci:` references; this gateway does not).
    pub module: PathBuf,
    /// Variables added to the handler's environment (the CGI variables take precedence).
    #[serde(default)]
    pub environment: BTreeMap<String, String>,
    /// Directories the handler sees: the guest path, then the host directory.
    #[serde(default)]
    pub volumes: BTreeMap<String, PathBuf>,
    /// The export to call instead of `_start`. Only `_start` is supported: a command's other exports
    /// run without its initialisation (`wasi:cli/run` has no such thing either).
    pub entrypoint: Option<String>,
    /// WAGI's outbound HTTP (an experimental host import): accepted for compatibility, and refused at
    /// load if it asks for any host, since no engine column provides the import.
    pub allowed_hosts: Option<Vec<String>>,
    /// WAGI's limit of concurrent outbound requests: with no outbound HTTP, nothing to limit.
    pub http_max_concurrency: Option<u32>,
    /// The handler's time limit in seconds, when it is not the gateway's.
    pub timeout_secs: Option<f64>,
    /// Arguments between `argv[0]` and the query's: an interpreter's flags and script (ours, not
    /// WAGI's, which ran only compiled handlers).
    #[serde(default)]
    pub args: Vec<String>,
    /// WebAssembly proposals the module needs beyond Wasm 2.0 (ours): Kotlin's `gc` and
    /// `exception-handling`.
    #[serde(default)]
    pub proposals: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    module: Vec<ModuleEntry>,
}

/// Why a `modules.toml` cannot be served at all. A route whose module is missing is not one of these:
/// it is an error of that route only (see `gateway`).
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not a valid modules.toml: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
}

impl Modules {
    pub fn load(path: &Path) -> Result<Modules, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        Self::parse(path, &text)
    }

    /// `path` names the file for messages and is what relative module and volume paths are
    /// resolved against.
    pub fn parse(path: &Path, text: &str) -> Result<Modules, ConfigError> {
        let file: File = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: path.to_owned(),
            message: e.to_string(),
        })?;
        let invalid = |message: String| ConfigError::Invalid {
            path: path.to_owned(),
            message,
        };
        if file.module.is_empty() {
            return Err(invalid("no [[module]] entries: nothing to serve".into()));
        }
        let base = path.parent().unwrap_or(Path::new("."));
        let mut seen = BTreeMap::new();
        let mut modules = Vec::new();
        for (i, mut entry) in file.module.into_iter().enumerate() {
            let pattern = RoutePattern::parse(&entry.route)
                .map_err(|m| invalid(format!("module {}: {m}", i + 1)))?;
            if let Some(first) = seen.insert(pattern.clone(), i) {
                return Err(invalid(format!(
                    "modules {} and {} both serve `{}`",
                    first + 1,
                    i + 1,
                    entry.route
                )));
            }
            if let Some(entrypoint) = entry.entrypoint.as_deref().filter(|e| *e != "_start") {
                return Err(invalid(format!(
                    "route `{}`: entrypoint `{entrypoint}`: only `_start` is supported (a command's \
                     other exports run without its initialisation)",
                    entry.route
                )));
            }
            if entry.allowed_hosts.as_ref().is_some_and(|h| !h.is_empty()) {
                return Err(invalid(format!(
                    "route `{}`: allowed_hosts: outbound HTTP (WAGI's experimental import) is not \
                     provided by any engine column",
                    entry.route
                )));
            }
            if entry
                .timeout_secs
                .is_some_and(|t| !(t > 0.0 && t.is_finite()))
            {
                return Err(invalid(format!(
                    "route `{}`: timeout_secs must be a positive number of seconds",
                    entry.route
                )));
            }
            entry.module = base.join(&entry.module);
            for host in entry.volumes.values_mut() {
                *host = base.join(&*host);
            }
            modules.push(entry);
        }
        Ok(Modules {
            file: path.to_owned(),
            modules,
        })
    }

    /// The entry that serves `path`: an exact route first, else the longest `/...` prefix.
    pub fn route(&self, path: &str) -> Option<(usize, &ModuleEntry)> {
        let mut best: Option<(usize, usize)> = None;
        for (i, entry) in self.modules.iter().enumerate() {
            let Ok(pattern) = RoutePattern::parse(&entry.route) else {
                continue;
            };
            let Some(score) = pattern.matches(path) else {
                continue;
            };
            if best.is_none_or(|(_, s)| score > s) {
                best = Some((i, score));
            }
        }
        best.map(|(i, _)| (i, &self.modules[i]))
    }
}

/// A route: an exact path, or a prefix (`/path/...`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum RoutePattern {
    Exact(String),
    Prefix(String),
}

impl RoutePattern {
    pub fn parse(route: &str) -> Result<RoutePattern, String> {
        if !route.starts_with('/') {
            return Err(format!("route `{route}` does not start with `/`"));
        }
        if route.contains(['?', '#']) {
            return Err(format!("route `{route}` has a query or fragment"));
        }
        Ok(match route.strip_suffix("/...") {
            Some(prefix) => RoutePattern::Prefix(prefix.to_owned()),
            None if route == "/..." => RoutePattern::Prefix(String::new()),
            None => RoutePattern::Exact(route.to_owned()),
        })
    }

    /// How well `path` matches: higher is more specific; `None` when it does not.
    fn matches(&self, path: &str) -> Option<usize> {
        match self {
            // An exact match beats every prefix.
            RoutePattern::Exact(p) => (p == path).then_some(usize::MAX),
            RoutePattern::Prefix(p) => {
                let below = path
                    .strip_prefix(p.as_str())
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'));
                below.then_some(p.len())
            }
        }
    }

    /// CGI's `SCRIPT_NAME`: the route without its `/...` (at least `/`).
    pub fn script_name(&self) -> &str {
        match self {
            RoutePattern::Exact(p) => p,
            RoutePattern::Prefix(p) if p.is_empty() => "/",
            RoutePattern::Prefix(p) => p,
        }
    }

    /// CGI's `PATH_INFO` before decoding: what of `path` comes after `SCRIPT_NAME`.
    pub fn raw_path_info<'a>(&self, path: &'a str) -> &'a str {
        match self {
            RoutePattern::Exact(_) => "",
            RoutePattern::Prefix(p) => path.strip_prefix(p.as_str()).unwrap_or(""),
        }
    }
}

/// What the gateway knows of one request.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    pub method: &'a str,
    /// The path, as sent (still percent-encoded).
    pub path: &'a str,
    pub query: Option<&'a str>,
    /// `HTTP/1.1` and the like.
    pub version: &'a str,
    /// The headers as sent, names in any case.
    pub headers: Vec<(&'a str, &'a str)>,
    pub body_len: usize,
    pub client: std::net::SocketAddr,
    /// The address the gateway listens on, when the request has no `Host`.
    pub local: std::net::SocketAddr,
}

/// Headers a CGI server does not hand to a script (RFC 3875 4.1.18; WAGI leaves out the same two).
const WITHHELD: [&str; 3] = ["authorization", "proxy-authorization", "connection"];

/// The handler's arguments: `argv[0]` is the path, then each `&`-separated part of the query.
pub fn arguments(request: &Request) -> Vec<String> {
    let mut args = vec![request.path.to_owned()];
    if let Some(query) = request.query.filter(|q| !q.is_empty()) {
        args.extend(query.split('&').map(str::to_owned));
    }
    args
}

/// The handler's environment: the module's `environment`, then the CGI/1.1 variables and WAGI's
/// `X_*` variables over it, then one `HTTP_*` variable per header.
pub fn environment(
    request: &Request,
    route: &str,
    module_env: &BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    let pattern = RoutePattern::parse(route).unwrap_or(RoutePattern::Exact(route.to_owned()));
    let header = |name: &str| {
        request
            .headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| *v)
    };
    let host = header("host")
        .map(str::to_owned)
        .unwrap_or_else(|| request.local.to_string());
    let (server_name, server_port) = split_host(&host);
    let raw_path_info = pattern.raw_path_info(request.path);
    let path_info = percent_decode(raw_path_info);
    let query = request.query.unwrap_or("");
    let full_url = match request.query {
        Some(q) => format!("http://{host}{}?{q}", request.path),
        None => format!("http://{host}{}", request.path),
    };
    let client = request.client.ip().to_string();

    let mut env = module_env.clone();
    let cgi = [
        ("AUTH_TYPE", String::new()),
        ("CONTENT_LENGTH", request.body_len.to_string()),
        (
            "CONTENT_TYPE",
            header("content-type").unwrap_or("").to_owned(),
        ),
        ("GATEWAY_INTERFACE", "CGI/1.1".to_owned()),
        ("PATH_INFO", path_info.clone()),
        ("PATH_TRANSLATED", path_info),
        ("QUERY_STRING", query.to_owned()),
        ("REMOTE_ADDR", client.clone()),
        ("REMOTE_HOST", client),
        ("REMOTE_USER", String::new()),
        ("REQUEST_METHOD", request.method.to_owned()),
        ("SCRIPT_NAME", pattern.script_name().to_owned()),
        ("SERVER_NAME", server_name),
        ("SERVER_PORT", server_port),
        ("SERVER_PROTOCOL", request.version.to_owned()),
        ("SERVER_SOFTWARE", "WAGI/1".to_owned()),
        ("X_FULL_URL", full_url),
        ("X_MATCHED_ROUTE", route.to_owned()),
        ("X_RAW_PATH_INFO", raw_path_info.to_owned()),
    ];
    env.extend(cgi.into_iter().map(|(k, v)| (k.to_owned(), v)));
    for (name, value) in &request.headers {
        let lower = name.to_ascii_lowercase();
        if WITHHELD.contains(&lower.as_str()) {
            continue;
        }
        let key = format!("HTTP_{}", lower.to_ascii_uppercase().replace('-', "_"));
        // A header sent twice becomes one variable, its values joined as HTTP joins them.
        env.entry(key)
            .and_modify(|v| {
                v.push_str(", ");
                v.push_str(value);
            })
            .or_insert_with(|| (*value).to_owned());
    }
    env
}

/// A `Host` value as CGI's `SERVER_NAME` and `SERVER_PORT` (80 when it names none).
fn split_host(host: &str) -> (String, String) {
    let port_of = |p: &str| p.parse::<u16>().is_ok().then(|| p.to_owned());
    if let Some((addr, after)) = host.strip_prefix('[').and_then(|r| r.split_once(']')) {
        let port = after.strip_prefix(':').and_then(port_of);
        return (format!("[{addr}]"), port.unwrap_or_else(|| "80".into()));
    }
    match host.rsplit_once(':') {
        Some((name, port)) if port_of(port).is_some() => (name.to_owned(), port.to_owned()),
        _ => (host.to_owned(), "80".to_owned()),
    }
}

/// Decodes `%XX` escapes; anything else (an invalid escape, bytes that are not UTF-8) is kept as
/// it was sent, as WAGI's `X_RAW_PATH_INFO` keeps all of it.
pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_owned())
}

/// A handler's answer, parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    pub status: u16,
    /// Header names lowercased, in the order written.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Header lines that were left out, with why: the gateway logs them.
    pub dropped: Vec<String>,
}

/// Why a handler's output is not a CGI response.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BadResponse {
    #[error("the handler wrote no header block (no blank line after its headers)")]
    NoHeaderBlock,
    #[error("the handler's header block is not UTF-8")]
    NotText,
    #[error("the handler's headers have none of content-type, location or status")]
    Insufficient,
    #[error("the handler's status `{0}` is not an HTTP status code")]
    BadStatus(String),
}

/// Parses what a handler wrote on stdout: headers, a blank line, the body. Lines may end in `\n`
/// or `\r\n`.
pub fn parse_response(stdout: &[u8]) -> Result<Response, BadResponse> {
    let (block, body) = split_header_block(stdout).ok_or(BadResponse::NoHeaderBlock)?;
    let block = std::str::from_utf8(block).map_err(|_| BadResponse::NotText)?;
    let mut status = None;
    let mut location = false;
    let mut content_type = false;
    let mut headers = Vec::new();
    let mut dropped = Vec::new();
    for line in block.lines() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        let Some((name, value)) = line.split_once(':') else {
            dropped.push(format!("`{line}`: not `name: value`"));
            continue;
        };
        let (name, value) = (name.trim().to_ascii_lowercase(), value.trim());
        match name.as_str() {
            "status" => {
                let code = value.split_whitespace().next().unwrap_or("");
                match code.parse::<u16>() {
                    Ok(c) if (100..=999).contains(&c) => status = Some(c),
                    _ => return Err(BadResponse::BadStatus(value.to_owned())),
                }
            }
            _ if !is_token(&name) => {
                dropped.push(format!("`{name}`: not a valid header name"));
            }
            _ if value.bytes().any(|b| b < 0x20 && b != b'\t' || b == 0x7f) => {
                dropped.push(format!("`{name}`: its value has control characters"));
            }
            _ => {
                location |= name == "location";
                content_type |= name == "content-type";
                headers.push((name, value.to_owned()));
            }
        }
    }
    if status.is_none() && !location && !content_type {
        return Err(BadResponse::Insufficient);
    }
    let status = status.unwrap_or(if location { 302 } else { 200 });
    Ok(Response {
        status,
        headers,
        body: body.to_vec(),
        dropped,
    })
}

/// The header block and the body: split at the first empty line.
fn split_header_block(out: &[u8]) -> Option<(&[u8], &[u8])> {
    let mut start = 0;
    while start <= out.len() {
        let end = out[start..]
            .iter()
            .position(|&b| b == b'\n')
            .map(|p| start + p)?;
        let line = &out[start..end];
        if line.is_empty() || line == b"\r" {
            return Some((&out[..start], &out[end + 1..]));
        }
        start = end + 1;
    }
    None
}

/// An HTTP token (RFC 9110 5.6.2): what a header name is made of.
fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request<'a>(path: &'a str, query: Option<&'a str>) -> Request<'a> {
        Request {
            method: "POST",
            path,
            query,
            version: "HTTP/1.1",
            headers: vec![
                ("Host", "127.0.0.1:8080"),
                ("User-Agent", "probe/1"),
                ("Content-Type", "text/plain"),
                ("Authorization", "Bearer secret"),
                ("X-Twice", "a"),
                ("x-twice", "b"),
            ],
            body_len: 5,
            client: "127.0.0.1:50000".parse().unwrap(),
            local: "127.0.0.1:8080".parse().unwrap(),
        }
    }

    #[test]
    fn the_seed_modules_toml_resolves_against_its_directory() {
        let text = r#"
            [[module]]
            route = "/csharp"
            module = "bin/hello-wagi.wasm"

            [[module]]
            route = "/go"
            module = "hello-wagi.wasm"
            environment = { GREETING = "hi" }
        "#;
        let m = Modules::parse(Path::new("/srv/wagi/modules.toml"), text).unwrap();
        assert_eq!(m.modules.len(), 2);
        assert_eq!(m.modules[1].module, Path::new("/srv/wagi/hello-wagi.wasm"));
        assert_eq!(m.modules[1].environment["GREETING"], "hi");
        assert_eq!(m.route("/go").unwrap().0, 1);
        assert!(m.route("/go/more").is_none());
        assert!(m.route("/").is_none());
    }

    #[test]
    fn bad_modules_toml_are_refused_with_the_reason() {
        let p = Path::new("m.toml");
        let err = |t: &str| Modules::parse(p, t).unwrap_err().to_string();
        assert!(err("[[module]]\nroute = \"/a\"\n").contains("missing field `module`"));
        assert!(err("[[module]]\nroute = \"a\"\nmodule = \"x\"\n").contains("does not start"));
        assert!(err("").contains("nothing to serve"));
        assert!(
            err("[[module]]\nroute = \"/a\"\nmodule = \"x\"\n[[module]]\nroute = \"/a\"\nmodule = \"y\"\n")
                .contains("both serve")
        );
        assert!(
            err("[[module]]\nroute = \"/a\"\nmodule = \"x\"\nentrypoint = \"handle\"\n")
                .contains("only `_start`")
        );
        assert!(
            err("[[module]]\nroute = \"/a\"\nmodule = \"x\"\nsurprise = 1\n").contains("surprise")
        );
    }

    #[test]
    fn exact_routes_beat_prefixes_and_longer_prefixes_beat_shorter() {
        let text = "[[module]]\nroute = \"/...\"\nmodule = \"a\"\n\
                    [[module]]\nroute = \"/api/...\"\nmodule = \"b\"\n\
                    [[module]]\nroute = \"/api/exact\"\nmodule = \"c\"\n";
        let m = Modules::parse(Path::new("m.toml"), text).unwrap();
        assert_eq!(m.route("/api/exact").unwrap().0, 2);
        assert_eq!(m.route("/api/other/deeper").unwrap().0, 1);
        assert_eq!(m.route("/api").unwrap().0, 1);
        assert_eq!(m.route("/apix").unwrap().0, 0);
        assert_eq!(m.route("/").unwrap().0, 0);
    }

    #[test]
    fn arguments_are_the_path_then_the_raw_query_parts() {
        let r = request("/go", Some("a=1&b=two%20words&flag"));
        assert_eq!(
            arguments(&r),
            ["/go", "a=1", "b=two%20words", "flag"].map(String::from)
        );
        assert_eq!(arguments(&request("/go", Some(""))), ["/go"]);
        assert_eq!(arguments(&request("/go", None)), ["/go"]);
    }

    #[test]
    fn the_environment_is_cgi_with_wagi_extras_and_no_credentials() {
        let r = request("/api/x%20y/z", Some("q=1"));
        let mut module_env = BTreeMap::new();
        module_env.insert("MINE".to_owned(), "1".to_owned());
        module_env.insert("REQUEST_METHOD".to_owned(), "spoofed".to_owned());
        let env = environment(&r, "/api/...", &module_env);
        assert_eq!(env["MINE"], "1");
        assert_eq!(env["REQUEST_METHOD"], "POST");
        assert_eq!(env["SCRIPT_NAME"], "/api");
        assert_eq!(env["PATH_INFO"], "/x y/z");
        assert_eq!(env["X_RAW_PATH_INFO"], "/x%20y/z");
        assert_eq!(env["QUERY_STRING"], "q=1");
        assert_eq!(env["CONTENT_LENGTH"], "5");
        assert_eq!(env["CONTENT_TYPE"], "text/plain");
        assert_eq!(env["SERVER_NAME"], "127.0.0.1");
        assert_eq!(env["SERVER_PORT"], "8080");
        assert_eq!(env["SERVER_PROTOCOL"], "HTTP/1.1");
        assert_eq!(env["GATEWAY_INTERFACE"], "CGI/1.1");
        assert_eq!(env["X_MATCHED_ROUTE"], "/api/...");
        assert_eq!(env["X_FULL_URL"], "http://127.0.0.1:8080/api/x%20y/z?q=1");
        assert_eq!(env["HTTP_USER_AGENT"], "probe/1");
        assert_eq!(env["HTTP_X_TWICE"], "a, b");
        assert!(!env.contains_key("HTTP_AUTHORIZATION"));
        assert_eq!(env["REMOTE_ADDR"], "127.0.0.1");
    }

    #[test]
    fn a_host_without_a_port_is_port_80_and_ipv6_hosts_keep_their_brackets() {
        let mut r = request("/go", None);
        r.headers = vec![("Host", "example.test")];
        let env = environment(&r, "/go", &BTreeMap::new());
        assert_eq!(
            (env["SERVER_NAME"].as_str(), env["SERVER_PORT"].as_str()),
            ("example.test", "80")
        );
        r.headers = vec![("Host", "[::1]:9000")];
        let env = environment(&r, "/go", &BTreeMap::new());
        assert_eq!(
            (env["SERVER_NAME"].as_str(), env["SERVER_PORT"].as_str()),
            ("[::1]", "9000")
        );
        r.headers = vec![("Host", "[::1]")];
        let env = environment(&r, "/go", &BTreeMap::new());
        assert_eq!(
            (env["SERVER_NAME"].as_str(), env["SERVER_PORT"].as_str()),
            ("[::1]", "80")
        );
    }

    #[test]
    fn responses_parse_as_wagi_parses_them() {
        let r = parse_response(b"Content-Type: text/plain\nStatus: 201 Created\n\nhello\n\nworld")
            .unwrap();
        assert_eq!(r.status, 201);
        assert_eq!(
            r.headers,
            [("content-type".to_owned(), "text/plain".to_owned())]
        );
        assert_eq!(r.body, b"hello\n\nworld");

        let r = parse_response(b"location: /elsewhere\r\n\r\n").unwrap();
        assert_eq!(r.status, 302);
        assert!(r.body.is_empty());

        let r = parse_response(b"Status: 404\n\n").unwrap();
        assert_eq!(r.status, 404);

        let r = parse_response(b"content-type: text/html\nbad name: x\nno colon\n\nbody").unwrap();
        assert_eq!(r.status, 200);
        assert_eq!(r.dropped.len(), 2);
    }

    #[test]
    fn output_that_is_not_a_cgi_response_says_why() {
        assert_eq!(
            parse_response(b"just text"),
            Err(BadResponse::NoHeaderBlock)
        );
        assert_eq!(parse_response(b""), Err(BadResponse::NoHeaderBlock));
        assert_eq!(
            parse_response(b"X-Only: 1\n\nbody"),
            Err(BadResponse::Insufficient)
        );
        assert_eq!(
            parse_response(b"Status: abc\n\n"),
            Err(BadResponse::BadStatus("abc".into()))
        );
        assert_eq!(parse_response(b"\xff: x\n\n"), Err(BadResponse::NotText));
    }

    #[test]
    fn percent_decoding_keeps_what_it_cannot_decode() {
        assert_eq!(percent_decode("/a%2Fb%20c"), "/a/b c");
        assert_eq!(percent_decode("/100%"), "/100%");
        assert_eq!(percent_decode("/%zz"), "/%zz");
        assert_eq!(percent_decode("/%ff"), "/%ff");
    }
}
