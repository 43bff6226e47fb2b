//! Outcome classification: turns how a run ended, and what it printed and left behind, into exactly
//! one class with a short reason.

use std::fmt;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::manifest::{Expect, guest_relative};
use crate::runtime::{Ending, Preopen, RunReport, Stage};
use crate::util::shorten;

/// The class of a cell. Every cell of every matrix has exactly one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Ran and did everything the case expects.
    Pass,
    /// Ran (or was refused) but did not do what the case expects; the reason says what differed.
    Fail,
    /// Stopped by a WebAssembly trap.
    Trap,
    /// Ran past its deadline and was stopped.
    Timeout,
    /// The runtime itself died (signal, abort, panic) instead of reporting.
    Crash,
    /// Needs a proposal or capability the runtime does not have.
    Unsupported,
    /// Not run: a tool or module is missing; the reason says how to get it.
    Skipped,
    /// The harness or the infrastructure around the runtime failed (could not set up, copy, mount or
    /// spawn; the container engine died): the runtime was not judged, and the cell never counts
    /// against it.
    #[serde(rename = "harness-fault")]
    HarnessFault,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Fail => "fail",
            Outcome::Trap => "trap",
            Outcome::Timeout => "timeout",
            Outcome::Crash => "crash",
            Outcome::Unsupported => "unsupported",
            Outcome::Skipped => "skipped",
            Outcome::HarnessFault => "harness-fault",
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A classified run: the class and, for anything but a pass, why.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub outcome: Outcome,
    pub reason: String,
}

impl Verdict {
    pub fn new(outcome: Outcome, reason: impl Into<String>) -> Self {
        Verdict {
            outcome,
            reason: reason.into(),
        }
    }
}

/// Classifies a finished run against what the case expects. `declined` lists the case's proposals that
/// the runtime could not enable: a refusal of such a module is `unsupported`, not `fail`.
///
/// An ending other than an exit is its own class (trap, timeout, unsupported); a refused module is a
/// failure. Only a run that exited is checked further: exit code, stdout, stderr, then files.
pub fn classify(
    report: &RunReport,
    expect: &Expect,
    preopens: &[Preopen],
    declined: &[String],
) -> Verdict {
    match &report.ending {
        Ending::Trapped { message } => Verdict::new(Outcome::Trap, first_line(message)),
        Ending::TimedOut { by } => Verdict::new(Outcome::Timeout, format!("stopped by {by}")),
        Ending::Unsupported {
            capability,
            message,
        } => Verdict::new(
            Outcome::Unsupported,
            format!("{capability}: {}", first_line(message)),
        ),
        Ending::HarnessFault { message } => {
            Verdict::new(Outcome::HarnessFault, first_line(message))
        }
        Ending::Rejected { stage, message } if !declined.is_empty() => Verdict::new(
            Outcome::Unsupported,
            format!(
                "needs {} (not available): {}",
                declined.join(", "),
                first_line(message)
            ),
        ),
        Ending::Rejected { stage, message } => {
            let stage = match stage {
                Stage::Compile => "rejected at compile",
                Stage::Instantiate => "rejected at instantiate",
            };
            Verdict::new(Outcome::Fail, format!("{stage}: {}", first_line(message)))
        }
        Ending::Exited { code } => check_exit(*code, report, expect, preopens),
    }
}

/// The class of an ending alone, before any output is checked: what a server's error answer says of
/// its handler (an exit with a non-zero status, like a refused module, is a failure).
pub fn class_of(ending: &Ending) -> Outcome {
    match ending {
        Ending::Exited { code: 0 } => Outcome::Pass,
        Ending::Exited { .. } | Ending::Rejected { .. } => Outcome::Fail,
        Ending::Trapped { .. } => Outcome::Trap,
        Ending::TimedOut { .. } => Outcome::Timeout,
        Ending::Unsupported { .. } => Outcome::Unsupported,
        Ending::HarnessFault { .. } => Outcome::HarnessFault,
    }
}

fn check_exit(code: i32, report: &RunReport, expect: &Expect, preopens: &[Preopen]) -> Verdict {
    let mut problems = Vec::new();
    if code != expect.exit_code {
        problems.push(format!("exit code {code}, expected {}", expect.exit_code));
    }
    let stdout = String::from_utf8_lossy(&report.stdout);
    let stderr = String::from_utf8_lossy(&report.stderr);
    problems.extend(check_text(
        "stdout",
        &stdout,
        expect.stdout.as_deref(),
        expect.stdout_pattern.as_deref(),
    ));
    if let Some(prefix) = &expect.stdout_prefix {
        problems.extend(check_prefix("stdout", &stdout, prefix));
    }
    problems.extend(check_text(
        "stderr",
        &stderr,
        expect.stderr.as_deref(),
        expect.stderr_pattern.as_deref(),
    ));
    if let Some(prefix) = &expect.stderr_prefix {
        problems.extend(check_prefix("stderr", &stderr, prefix));
    }
    for file in &expect.files {
        if let Some(problem) = check_file(&file.path, file.content.as_deref(), preopens) {
            problems.push(problem);
        }
    }
    if problems.is_empty() {
        Verdict::new(Outcome::Pass, "")
    } else {
        // A run that printed to stderr and failed usually says why there: keep its first line.
        if code != 0
            && expect.stderr.is_none()
            && expect.stderr_prefix.is_none()
            && !stderr.trim().is_empty()
        {
            problems.push(format!("stderr: {}", first_line(&stderr)));
        }
        Verdict::new(Outcome::Fail, problems.join("; "))
    }
}

/// Compares text with an exact expectation or a whole-text pattern; the difference is named by its
/// first differing line.
pub fn check_text(
    what: &str,
    actual: &str,
    exact: Option<&str>,
    pattern: Option<&str>,
) -> Option<String> {
    if let Some(expected) = exact {
        return (actual != expected).then(|| format!("{what} {}", line_diff(expected, actual)));
    }
    let pattern = pattern?;
    let re = match regex::Regex::new(&format!(r"\A(?:{pattern})\z")) {
        Ok(re) => re,
        Err(err) => return Some(format!("{what} pattern is invalid: {err}")),
    };
    (!re.is_match(actual)).then(|| {
        format!(
            "{what} does not match /{pattern}/: got {}",
            quote(actual, 80)
        )
    })
}

/// Whether `actual` begins with `prefix`, and if not, where it first differs from it.
pub fn check_prefix(what: &str, actual: &str, prefix: &str) -> Option<String> {
    if actual.starts_with(prefix) {
        return None;
    }
    // Compare only as much of the output as the prefix covers, so the diff points into the prefix.
    let lines = prefix.split_inclusive('\n').count();
    let head: String = actual.split_inclusive('\n').take(lines).collect();
    Some(format!("{what} prefix {}", line_diff(prefix, &head)))
}

/// Says where two texts first differ, by line, briefly.
pub fn line_diff(expected: &str, actual: &str) -> String {
    let exp: Vec<&str> = expected.split_inclusive('\n').collect();
    let act: Vec<&str> = actual.split_inclusive('\n').collect();
    for i in 0..exp.len().max(act.len()) {
        match (exp.get(i), act.get(i)) {
            (Some(e), Some(a)) if e == a => continue,
            (Some(e), Some(a)) => {
                return format!(
                    "line {}: expected {}, got {}",
                    i + 1,
                    quote(e, 60),
                    quote(a, 60)
                );
            }
            (Some(e), None) => {
                return format!(
                    "line {}: expected {}, got end of output",
                    i + 1,
                    quote(e, 60)
                );
            }
            (None, Some(a)) => return format!("line {}: unexpected extra {}", i + 1, quote(a, 60)),
            (None, None) => unreachable!("loop bound is the longer length"),
        }
    }
    "differs".into()
}

fn check_file(guest_path: &str, content: Option<&str>, preopens: &[Preopen]) -> Option<String> {
    let Some(host) = host_path(preopens, guest_path) else {
        return Some(format!("file {guest_path}: not inside any preopened dir"));
    };
    match (content, std::fs::read(&host)) {
        (None, Err(_)) => None,
        (None, Ok(_)) => Some(format!("file {guest_path}: exists but should not")),
        (Some(_), Err(err)) if err.kind() == std::io::ErrorKind::NotFound => {
            Some(format!("file {guest_path}: missing"))
        }
        (Some(_), Err(err)) => Some(format!("file {guest_path}: unreadable: {err}")),
        (Some(expected), Ok(bytes)) => {
            let actual = String::from_utf8_lossy(&bytes);
            (actual != expected)
                .then(|| format!("file {guest_path} {}", line_diff(expected, &actual)))
        }
    }
}

/// Whether a classified cell is what its case expected: the same class and, where the case names one,
/// a reason that contains the expected words.
pub fn as_expected(verdict: &Verdict, expect: &Expect) -> bool {
    verdict.outcome == expect.outcome
        && expect
            .reason_contains
            .as_deref()
            .is_none_or(|words| verdict.reason.contains(words))
}

fn first_line(text: &str) -> String {
    let line = text.trim().lines().next().unwrap_or("").trim();
    shorten(line, 200)
}

fn quote(text: &str, max: usize) -> String {
    format!("{:?}", shorten(text, max))
}

/// The host path of a guest path, if it lies in one of the preopens.
pub fn host_path(preopens: &[Preopen], guest_path: &str) -> Option<std::path::PathBuf> {
    preopens
        .iter()
        .find_map(|p| guest_relative(&p.guest, guest_path).map(|rel| Path::new(&p.host).join(rel)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::ExpectFile;

    fn report(ending: Ending, stdout: &str) -> RunReport {
        let mut r = RunReport::new(ending);
        r.stdout = stdout.as_bytes().to_vec();
        r
    }

    fn expect_stdout(s: &str) -> Expect {
        Expect {
            stdout: Some(s.into()),
            ..Expect::default()
        }
    }

    #[test]
    fn exit_with_expected_output_passes() {
        let v = classify(
            &report(Ending::Exited { code: 0 }, "hi\n"),
            &expect_stdout("hi\n"),
            &[],
            &[],
        );
        assert_eq!(v, Verdict::new(Outcome::Pass, ""));
    }

    #[test]
    fn wrong_output_fails_with_line_diff() {
        let v = classify(
            &report(Ending::Exited { code: 0 }, "a\nb\n"),
            &expect_stdout("a\nc\n"),
            &[],
            &[],
        );
        assert_eq!(v.outcome, Outcome::Fail);
        assert_eq!(v.reason, r#"stdout line 2: expected "c\n", got "b\n""#);
        let v = classify(
            &report(Ending::Exited { code: 0 }, "a\n"),
            &expect_stdout("a\nc\n"),
            &[],
            &[],
        );
        assert!(v.reason.contains("got end of output"), "{}", v.reason);
    }

    #[test]
    fn wrong_exit_code_fails() {
        let v = classify(
            &report(Ending::Exited { code: 3 }, ""),
            &Expect::default(),
            &[],
            &[],
        );
        assert_eq!(v, Verdict::new(Outcome::Fail, "exit code 3, expected 0"));
    }

    #[test]
    fn patterns_match_the_whole_text() {
        assert_eq!(
            check_text("stdout", "t=123\n", None, Some(r"t=\d+\n")),
            None
        );
        assert!(check_text("stdout", "t=123\nmore\n", None, Some(r"t=\d+\n")).is_some());
    }

    #[test]
    fn endings_map_to_their_classes() {
        let e = Expect::default();
        let trap = classify(
            &report(
                Ending::Trapped {
                    message: "wasm trap: unreachable\nbacktrace".into(),
                },
                "",
            ),
            &e,
            &[],
            &[],
        );
        assert_eq!(trap, Verdict::new(Outcome::Trap, "wasm trap: unreachable"));
        let timeout = classify(
            &report(
                Ending::TimedOut {
                    by: "epoch interruption".into(),
                },
                "",
            ),
            &e,
            &[],
            &[],
        );
        assert_eq!(timeout.outcome, Outcome::Timeout);
        let rejected = Ending::Rejected {
            stage: Stage::Compile,
            message: "bad magic".into(),
        };
        assert_eq!(
            classify(&report(rejected.clone(), ""), &e, &[], &[]).outcome,
            Outcome::Fail
        );
        let declined = classify(&report(rejected, ""), &e, &[], &["gc".into()]);
        assert_eq!(declined.outcome, Outcome::Unsupported);
        assert!(
            declined.reason.starts_with("needs gc"),
            "{}",
            declined.reason
        );
    }

    #[test]
    fn files_are_read_back_through_preopens() {
        let dir = std::env::temp_dir().join(format!("harness-outcome-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("out.txt"), "written\n").unwrap();
        let preopens = [Preopen {
            host: dir.clone(),
            guest: "/out".into(),
            packaged: false,
        }];
        let mut expect = Expect::default();
        expect.files.push(ExpectFile {
            path: "/out/out.txt".into(),
            content: Some("written\n".into()),
            absent: false,
        });
        expect.files.push(ExpectFile {
            path: "/out/gone.txt".into(),
            content: None,
            absent: true,
        });
        let ok = report(Ending::Exited { code: 0 }, "");
        assert_eq!(
            classify(&ok, &expect, &preopens, &[]).outcome,
            Outcome::Pass
        );
        expect.files[0].content = Some("other\n".into());
        let v = classify(&ok, &expect, &preopens, &[]);
        assert!(
            v.reason.starts_with("file /out/out.txt line 1"),
            "{}",
            v.reason
        );
        std::fs::remove_dir_all(&dir).unwrap();
        expect.files.truncate(1);
        assert!(
            classify(&ok, &expect, &preopens, &[])
                .reason
                .contains("missing")
        );
    }

    #[test]
    fn expected_non_pass_outcomes() {
        let expect = Expect {
            outcome: Outcome::Trap,
            reason_contains: Some("unreachable".into()),
            ..Expect::default()
        };
        assert!(as_expected(
            &Verdict::new(Outcome::Trap, "wasm trap: unreachable"),
            &expect
        ));
        assert!(!as_expected(
            &Verdict::new(Outcome::Trap, "out of bounds"),
            &expect
        ));
        assert!(!as_expected(&Verdict::new(Outcome::Pass, ""), &expect));
    }
}
