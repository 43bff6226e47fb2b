//! The contract between the container columns (`runtime::docker`) and the project's containerd
//! shims (`shims/`): the environment variables a container passes its shim beyond what the OCI spec
//! has fields for, and the report line the shim ends the container's stderr with. Both sides use
//! this module, so that neither can change the protocol without the other.
//!
//! The variables, which the guest never sees:
//! - `HARNESS_PREOPENS`: the guest directories to preopen, `:`-separated (each a path inside the
//!   container, usually a bind mount; `PATH=GUEST` preopens the container's PATH at GUEST, how a guest
//!   `/` is given, since nothing can be bind-mounted at a container's `/`). Without it `/` is
//!   preopened, as runwasi's own shims do.
//! - `HARNESS_PROPOSALS`: the proposals to enable, `,`-separated; without it every proposal the
//!   engine supports.
//! - `HARNESS_MEMORY_LIMIT`: the guest's linear-memory cap in bytes (4 GiB without it).
//! - `HARNESS_CACHE`: a directory (a mount) for the backend's compiled-artifact cache; without it
//!   every run compiles the module.
//! - `HARNESS_TIMEOUT_MS`: the guest's deadline, from the end of compilation as in the harness's own
//!   columns; without it the container's own lifetime is the limit.
//! - `HARNESS_REPORT`: when set, the shim ends the container's stderr with one line, [`REPORT_MARKER`]
//!   and the run's [`ShimReport`] as JSON, so that the harness classifies and measures a container's
//!   run like any other.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{Ending, Phases, Preopen, RunSpec};
use crate::manifest::Proposal;

pub const PREOPENS: &str = "HARNESS_PREOPENS";
pub const PROPOSALS: &str = "HARNESS_PROPOSALS";
pub const MEMORY_LIMIT: &str = "HARNESS_MEMORY_LIMIT";
pub const CACHE: &str = "HARNESS_CACHE";
pub const TIMEOUT_MS: &str = "HARNESS_TIMEOUT_MS";
pub const REPORT: &str = "HARNESS_REPORT";

/// Every variable of the protocol: a shim takes these out of the guest's environment.
pub const VARIABLES: [&str; 6] = [PREOPENS, PROPOSALS, MEMORY_LIMIT, CACHE, TIMEOUT_MS, REPORT];

/// The prefix of the shim's report line on the container's stderr.
pub const REPORT_MARKER: &str = "harness-shim: ";

/// Where the harness mounts a case's compiled-artifact cache inside a container.
pub const CACHE_MOUNT: &str = "/.harness-cache";

/// Where the harness mounts a directory the guest sees at `/`: a container's own `/` cannot be a
/// bind mount.
pub const ROOT_MOUNT: &str = "/.harness-guest-root";

/// Where relative guest names (wasi-testsuite's `fs-tests.dir`) are mounted inside a container: a
/// bind mount needs an absolute path.
pub const RELATIVE_MOUNTS: &str = "/.harness-guest-dirs";

/// Where a preopen's host directory is mounted inside a container: at its guest path, except the
/// guest's `/` and relative guest names.
pub fn mount_point(guest: &str) -> std::borrow::Cow<'_, str> {
    let path = std::path::Path::new(guest);
    if path.components().eq(std::path::Path::new("/").components()) {
        ROOT_MOUNT.into()
    } else if path.is_relative() {
        format!("{RELATIVE_MOUNTS}/{guest}").into()
    } else {
        guest.into()
    }
}

/// The guest's memory cap when a container names none: wasm32's whole address space.
pub const DEFAULT_MEMORY_LIMIT: u64 = 4 << 30;

/// The guest's deadline when a container names none: in effect none, since docker and containerd
/// stop the container when its user asks.
pub const NO_DEADLINE: Duration = Duration::from_secs(7 * 24 * 3600);

/// What a container asks of its shim, beyond its process arguments and environment. `None` is a
/// variable the container does not set.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Request {
    pub preopens: Option<Vec<String>>,
    pub proposals: Option<Vec<Proposal>>,
    pub memory_limit_bytes: Option<u64>,
    pub timeout: Option<Duration>,
    pub cache_dir: Option<String>,
    pub report: bool,
}

/// A variable of the protocol whose value a shim cannot use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{variable}={value}: {problem}")]
pub struct BadVariable {
    pub variable: &'static str,
    pub value: String,
    pub problem: String,
}

impl Request {
    /// What the harness asks of a project shim for one run: the spec's preopens (bind mounts at the
    /// same guest paths), proposals, memory cap and deadline, its cache at [`CACHE_MOUNT`] when the
    /// run has one, and a report.
    pub fn for_run(spec: &RunSpec) -> Request {
        Request {
            preopens: Some(
                spec.preopens
                    .iter()
                    .map(|p| match mount_point(&p.guest) {
                        mount if mount == p.guest => mount.into_owned(),
                        mount => format!("{mount}={}", p.guest),
                    })
                    .collect(),
            ),
            proposals: Some(spec.proposals.clone()),
            memory_limit_bytes: Some(spec.memory_limit_bytes),
            timeout: Some(spec.timeout),
            cache_dir: spec.cache_dir.as_ref().map(|_| CACHE_MOUNT.to_owned()),
            report: true,
        }
    }

    /// The variables to set on the container, in the protocol's order.
    pub fn to_env(&self) -> Vec<(&'static str, String)> {
        let mut env = Vec::new();
        if let Some(dirs) = &self.preopens {
            env.push((PREOPENS, dirs.join(":")));
        }
        if let Some(proposals) = &self.proposals {
            let names: Vec<String> = proposals.iter().map(Proposal::to_string).collect();
            env.push((PROPOSALS, names.join(",")));
        }
        if let Some(bytes) = self.memory_limit_bytes {
            env.push((MEMORY_LIMIT, bytes.to_string()));
        }
        if let Some(dir) = &self.cache_dir {
            env.push((CACHE, dir.clone()));
        }
        if let Some(timeout) = self.timeout {
            env.push((TIMEOUT_MS, timeout.as_millis().to_string()));
        }
        if self.report {
            env.push((REPORT, "1".to_owned()));
        }
        env
    }

    /// Splits a container's environment (`KEY=value` strings, as the OCI spec has them) into the
    /// shim's request and the guest's own variables.
    pub fn from_env(envs: &[String]) -> Result<(Request, BTreeMap<String, String>), BadVariable> {
        let mut request = Request::default();
        let mut guest = BTreeMap::new();
        for pair in envs {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let bad = |variable: &'static str, problem: String| BadVariable {
                variable,
                value: value.to_owned(),
                problem,
            };
            match key {
                PREOPENS => {
                    let dirs = value.split(':').filter(|d| !d.is_empty());
                    request.preopens = Some(dirs.map(str::to_owned).collect());
                }
                PROPOSALS => {
                    let names = value.split(',').filter(|p| !p.is_empty());
                    let proposals = names
                        .map(str::parse::<Proposal>)
                        .collect::<Result<Vec<_>, String>>()
                        .map_err(|problem| bad(PROPOSALS, problem))?;
                    request.proposals = Some(proposals);
                }
                MEMORY_LIMIT => {
                    let bytes = value
                        .parse()
                        .map_err(|_| bad(MEMORY_LIMIT, "not a number of bytes".into()))?;
                    request.memory_limit_bytes = Some(bytes);
                }
                CACHE => request.cache_dir = Some(value.to_owned()),
                TIMEOUT_MS => {
                    let ms = value
                        .parse()
                        .map_err(|_| bad(TIMEOUT_MS, "not a number of milliseconds".into()))?;
                    request.timeout = Some(Duration::from_millis(ms));
                }
                REPORT => request.report = true,
                _ => {
                    guest.insert(key.to_owned(), value.to_owned());
                }
            }
        }
        Ok((request, guest))
    }
}

/// The run a container asks its shim for: its process arguments (`argv[0]` is the entrypoint,
/// perhaps with runwasi's `#function` suffix), its environment, and the protocol's variables in it.
/// `supports` says which proposals the shim's engine can enable, for a container that names none.
pub fn spec_of(
    args: &[String],
    envs: &[String],
    supports: impl Fn(Proposal) -> bool,
) -> Result<RunSpec, BadVariable> {
    let (request, env) = Request::from_env(envs)?;
    Ok(request.into_spec(args, env, supports))
}

impl Request {
    /// The run this request and the container's process make: see [`spec_of`].
    pub fn into_spec(
        self,
        args: &[String],
        env: BTreeMap<String, String>,
        supports: impl Fn(Proposal) -> bool,
    ) -> RunSpec {
        let preopens = self
            .preopens
            .unwrap_or_else(|| vec!["/".to_owned()])
            .into_iter()
            .map(|dir| {
                // Inside the container the guest's path is the path, unless the entry names both.
                let (path, guest) = dir.split_once('=').unwrap_or((&dir, &dir));
                Preopen {
                    host: PathBuf::from(path),
                    guest: guest.to_owned(),
                    packaged: false,
                }
            })
            .collect();
        let proposals = self.proposals.unwrap_or_else(|| {
            let all = Proposal::ALL.iter().copied();
            all.filter(|p| supports(*p)).collect()
        });
        let arg0 = args.first().map(String::as_str).unwrap_or("module.wasm");
        let program = arg0.split('#').next().unwrap_or(arg0);
        let program = program.rsplit('/').next().unwrap_or(program).to_owned();
        RunSpec {
            program,
            args: args.iter().skip(1).cloned().collect(),
            env,
            preopens,
            stdin: Vec::new(),
            proposals,
            timeout: self.timeout.unwrap_or(NO_DEADLINE),
            memory_limit_bytes: self.memory_limit_bytes.unwrap_or(DEFAULT_MEMORY_LIMIT),
            output_limit_bytes: usize::MAX,
            cache_dir: self.cache_dir.map(PathBuf::from),
            inherit_stdio: true,
            inherit_env: false,
            network: false,
        }
    }
}

/// What a project shim reports when the container sets `HARNESS_REPORT`: the backend's report of
/// the run inside the container, and that process's peak resident set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShimReport {
    pub ending: Ending,
    pub phases: Phases,
    pub compile_cache: super::cache::CacheState,
    pub peak_rss_kib: u64,
}

impl ShimReport {
    /// The report as the shim writes it at the end of stderr: on a line of its own, whatever the
    /// guest wrote before it.
    pub fn line(&self) -> String {
        let json = serde_json::to_string(self).unwrap_or_else(|_| "{}".into());
        format!("\n{REPORT_MARKER}{json}\n")
    }

    /// Takes the shim's report line off the end of a container's stderr: the guest's stderr, and
    /// the report when there is one that parses.
    pub fn split_off(stderr: &[u8]) -> (Vec<u8>, Option<ShimReport>) {
        let text = String::from_utf8_lossy(stderr);
        let Some(at) = text.rfind(REPORT_MARKER) else {
            return (stderr.to_vec(), None);
        };
        let line = text[at + REPORT_MARKER.len()..]
            .lines()
            .next()
            .unwrap_or("");
        match serde_json::from_str::<ShimReport>(line) {
            Ok(report) => {
                // The shim starts its line on a line of its own.
                let kept = text[..at].strip_suffix('\n').unwrap_or(&text[..at]);
                (kept.as_bytes().to_vec(), Some(report))
            }
            Err(_) => (stderr.to_vec(), None),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    /// The container's process as the harness starts it: the request's variables beside the
    /// guest's own, and the entrypoint `/<program>` before the guest's arguments.
    fn container_of(spec: &RunSpec) -> (Vec<String>, Vec<String>) {
        let mut envs: Vec<String> = spec.env.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let request = Request::for_run(spec).to_env();
        envs.extend(request.iter().map(|(k, v)| format!("{k}={v}")));
        let mut args = vec![format!("/{}", spec.program)];
        args.extend(spec.args.iter().cloned());
        (args, envs)
    }

    #[test]
    fn a_run_spec_goes_through_a_container_and_comes_back() {
        let spec = RunSpec {
            program: "python.wasm".into(),
            args: strings(&["-c", "print('a=b')", ""]),
            env: [
                ("GREETING", "a=b"),
                ("EMPTY", ""),
                ("PATH", "/bin:/usr/bin"),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect(),
            preopens: vec![
                Preopen {
                    host: "/tmp/case-1/data".into(),
                    guest: "/data".into(),
                    packaged: false,
                },
                Preopen {
                    host: "/work/lib/python3.13".into(),
                    guest: "/usr/local/lib/python3.13".into(),
                    packaged: true,
                },
            ],
            stdin: Vec::new(),
            proposals: vec![Proposal::Gc, Proposal::ExceptionHandling],
            timeout: Duration::from_millis(1500),
            memory_limit_bytes: 64 << 20,
            output_limit_bytes: 1 << 20,
            cache_dir: Some("/work/target/harness-cache/wasmtime".into()),
            inherit_stdio: false,
            inherit_env: false,
            network: false,
        };
        let (args, envs) = container_of(&spec);
        let back = spec_of(&args, &envs, |_| false).unwrap();
        assert_eq!(back.program, spec.program);
        assert_eq!(back.args, spec.args);
        assert_eq!(back.env, spec.env, "the guest sees its own variables only");
        let guests =
            |s: &RunSpec| -> Vec<String> { s.preopens.iter().map(|p| p.guest.clone()).collect() };
        assert_eq!(guests(&back), guests(&spec));
        assert!(
            back.preopens
                .iter()
                .all(|p| p.host.as_path() == Path::new(&p.guest))
        );
        assert_eq!(back.proposals, spec.proposals);
        assert_eq!(back.timeout, spec.timeout);
        assert_eq!(back.memory_limit_bytes, spec.memory_limit_bytes);
        assert_eq!(back.cache_dir, Some(PathBuf::from(CACHE_MOUNT)));
        assert!(back.inherit_stdio);
        let (request, _) = Request::from_env(&envs).unwrap();
        assert_eq!(request, Request::for_run(&spec));
    }

    #[test]
    fn empty_lists_stay_empty_and_absent_ones_take_the_defaults() {
        let mut spec = spec_of(&strings(&["m.wasm"]), &[], |_| true).unwrap();
        spec.preopens.clear();
        spec.proposals.clear();
        spec.cache_dir = None;
        let (args, envs) = container_of(&spec);
        let back = spec_of(&args, &envs, |_| true).unwrap();
        assert!(back.preopens.is_empty());
        assert!(back.proposals.is_empty());
        assert!(back.cache_dir.is_none());

        let bare = spec_of(&strings(&["m.wasm#_start"]), &[], |p| {
            p == Proposal::Threads
        })
        .unwrap();
        assert_eq!(bare.program, "m.wasm");
        assert_eq!(bare.preopens[0].guest, "/");
        assert_eq!(bare.proposals, [Proposal::Threads]);
        assert_eq!(bare.timeout, NO_DEADLINE);
        assert_eq!(bare.memory_limit_bytes, DEFAULT_MEMORY_LIMIT);
        assert!(bare.cache_dir.is_none());
    }

    #[test]
    fn a_bad_value_names_its_variable() {
        let err = spec_of(
            &strings(&["m.wasm"]),
            &strings(&["HARNESS_PROPOSALS=gcc"]),
            |_| true,
        )
        .unwrap_err();
        assert_eq!(err.variable, PROPOSALS);
        assert!(err.to_string().contains("unknown proposal `gcc`"), "{err}");
        let err = spec_of(
            &strings(&["m.wasm"]),
            &strings(&["HARNESS_TIMEOUT_MS=1s"]),
            |_| true,
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "HARNESS_TIMEOUT_MS=1s: not a number of milliseconds"
        );
    }

    #[test]
    fn the_report_line_comes_off_stderr_as_it_went_on() {
        let report = ShimReport {
            ending: Ending::Trapped {
                message: "unreachable".into(),
            },
            phases: Phases {
                compile: 1.0,
                instantiate: 2.0,
                run: 3.0,
            },
            compile_cache: crate::runtime::cache::CacheState::Hit,
            peak_rss_kib: 4242,
        };
        // A guest whose stderr does not end with a newline, and mentions the marker itself.
        let stderr = format!("guest line\n{REPORT_MARKER}said the guest{}", report.line());
        let (kept, got) = ShimReport::split_off(stderr.as_bytes());
        assert_eq!(
            String::from_utf8(kept).unwrap(),
            format!("guest line\n{REPORT_MARKER}said the guest")
        );
        assert_eq!(got, Some(report));
    }

    #[test]
    fn stderr_without_a_report_is_left_alone() {
        let (kept, got) = ShimReport::split_off(b"harness-shim: not json\n");
        assert_eq!(kept, b"harness-shim: not json\n");
        assert!(got.is_none());
    }
}
