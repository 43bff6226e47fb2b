//! The conformance suite: one trial per cell (`runtime/language/sample/case`) of every sample's
//! conformance-sized cases on every runtime column, so `cargo test -- wasmer/` runs one column.
//!
//! Expected failures and expected-unavailable tools are data in `expectations.toml`, each with a
//! reason; an expected failure that passes is an error.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use harness::cell::{self, Context};
use harness::manifest;
use harness::runtime;
use libtest_mimic::{Arguments, Failed, Trial};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Expectations {
    known_failure: Vec<Listed>,
    #[serde(default)]
    flaky: Vec<Flaky>,
    unavailable: Vec<Unavailable>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Flaky {
    cell: String,
    #[allow(dead_code, reason = "documentation for the reader of the data file")]
    reason: String,
    /// The words the reason of the other, allowed failure contains.
    also: String,
}

#[derive(Deserialize, Clone)]
#[serde(deny_unknown_fields)]
struct Listed {
    /// A cell name, or a pattern with `*` standing for any run of characters.
    cell: String,
    reason: String,
    /// The outcome the cell must get instead of its expected one, when it is known.
    outcome: Option<harness::Outcome>,
    /// Words the cell's reason must contain, when it is known.
    reason_contains: Option<String>,
}

/// Whether `name` matches `pattern`, where `*` stands for any run of characters.
fn matches(pattern: &str, name: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or("");
    let Some(mut rest) = name.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    for (i, part) in parts.iter().enumerate() {
        if i == parts.len() - 1 {
            return rest.ends_with(part);
        }
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.is_empty()
}

/// The pattern matcher itself, run as one more trial.
fn patterns() -> Result<(), Failed> {
    let cases = [
        ("wasmer/kotlin/*", "wasmer/kotlin/wasi/file", true),
        ("wasmer/*/wasi/file", "wasmer/go/wasi/file", true),
        ("wasmer/*/wasi/file", "wasmer/go/wasi/files", false),
        ("a/b", "a/b", true),
        ("a/b", "a/bc", false),
        ("*/x", "y/x", true),
    ];
    for (pattern, name, want) in cases {
        if matches(pattern, name) != want {
            return Err(format!("`{pattern}` vs `{name}`: expected {want}").into());
        }
    }
    Ok(())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Unavailable {
    /// A runtime column or a language.
    name: String,
    #[allow(dead_code, reason = "documentation for the reader of the data file")]
    reason: String,
    /// Words the skip reason must contain under CI: the tool is missing for the known reason.
    skip_contains: Option<String>,
}

fn main() {
    let args = Arguments::from_args();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("harness is in the workspace")
        .to_owned();
    let expectations_path = root.join("harness/tests/expectations.toml");
    let expectations: Expectations = toml::from_str(
        &std::fs::read_to_string(&expectations_path)
            .expect("harness/tests/expectations.toml is readable"),
    )
    .unwrap_or_else(|err| panic!("{}: {err}", expectations_path.display()));
    let known: Vec<Listed> = expectations.known_failure;
    let flaky: Vec<(String, String)> = expectations
        .flaky
        .into_iter()
        .map(|f| (f.cell, f.also))
        .collect();
    let unavailable: BTreeMap<String, String> = expectations
        .unavailable
        .into_iter()
        .map(|u| (u.name, u.skip_contains.unwrap_or_default()))
        .collect();
    let ci = std::env::var("CI").is_ok_and(|v| v == "true");

    let target_dir = manifest::target_dir(&root);
    let ctx = Context {
        worker_exe: PathBuf::from(env!("CARGO_BIN_EXE_harness")),
        target_dir,
        repeat: 1,
        compile_cache: true,
        bench_interpreters: false,
    };

    let mut trials = vec![Trial::test("expectations/patterns", patterns)];
    let mut seen = Vec::new();
    for found in manifest::discover(&root.join("samples")) {
        let sample = match found {
            Ok(sample) => sample,
            Err(err) => {
                let name = format!("manifest/{err}");
                trials.push(Trial::test(name, move || {
                    Err(Failed::from(err.to_string()))
                }));
                continue;
            }
        };
        let module = cell::built_module(&ctx.target_dir, &sample).map(|_| ());
        for case in sample.manifest.cases.iter().filter(|c| !c.bench) {
            for &runtime in runtime::ALL {
                // Measurement variants run the benchmark-sized cases only, in the matrix.
                if runtime::variant_of(runtime).is_some() {
                    continue;
                }
                // The native-container column runs only the programs built for it.
                if runtime == runtime::docker::NATIVE && !harness::native::in_container(&sample) {
                    continue;
                }
                let name = format!("{runtime}/{}/{}", sample.id(), case.name);
                seen.push(name.clone());
                let missing = match (runtime::available(runtime), &module) {
                    (Err(reason), _) => Some((runtime.to_owned(), reason)),
                    (_, Err(reason)) => Some((sample.language().to_owned(), reason.clone())),
                    _ => None,
                };
                if let Some((what, reason)) = missing {
                    trials.push(missing_trial(name, &what, reason, ci, &unavailable));
                    continue;
                }
                let (ctx, sample, case) = (ctx.clone(), sample.clone(), case.clone());
                let known_failure = known.iter().find(|l| matches(&l.cell, &name)).cloned();
                let flaky_also = flaky
                    .iter()
                    .find(|(cell, _)| matches(cell, &name))
                    .map(|(_, also)| also.clone());
                trials.push(Trial::test(name, move || {
                    let (cell, _) = cell::run_cell(&ctx, runtime, &sample, &case);
                    if let Some(also) = flaky_also
                        && cell.outcome == harness::Outcome::Fail
                        && cell.reason.contains(&also)
                    {
                        return Ok(());
                    }
                    match (known_failure, cell.as_expected) {
                        (None, true) => Ok(()),
                        (None, false) => Err(format!(
                            "got {} ({}), expected {}",
                            cell.outcome, cell.reason, cell.expected
                        )
                        .into()),
                        (Some(listed), false) => {
                            if listed.outcome.is_some_and(|o| o != cell.outcome)
                                || listed
                                    .reason_contains
                                    .as_deref()
                                    .is_some_and(|w| !cell.reason.contains(w))
                            {
                                return Err(format!(
                                    "a known failure ({}) that now fails differently: got {} ({})",
                                    listed.reason, cell.outcome, cell.reason
                                )
                                .into());
                            }
                            Ok(())
                        }
                        (Some(listed), true) => Err(format!(
                            "listed as a known failure ({}) but now gets its expected outcome \
                             {}: remove it from harness/tests/expectations.toml",
                            listed.reason, cell.expected
                        )
                        .into()),
                    }
                }));
            }
        }
    }
    let patterns = known
        .iter()
        .map(|l| &l.cell)
        .chain(flaky.iter().map(|f| &f.0));
    for listed in patterns {
        if !seen.iter().any(|name| matches(listed, name)) {
            let name = format!("expectations/{listed}");
            let listed = listed.clone();
            trials.push(Trial::test(name, move || {
                Err(format!("known failure `{listed}` names no cell: remove or fix it").into())
            }));
        }
    }
    libtest_mimic::run(&args, trials).exit();
}

/// A cell whose runtime or module is missing: ignored locally, a failure under CI unless listed.
fn missing_trial(
    name: String,
    what: &str,
    reason: String,
    ci: bool,
    unavailable: &BTreeMap<String, String>,
) -> Trial {
    if !ci {
        eprintln!("ignored {name}: {reason}");
        return Trial::test(name, || Ok(())).with_ignored_flag(true);
    }
    match unavailable.get(what) {
        Some(words) if reason.contains(words.as_str()) => {
            Trial::test(name, || Ok(())).with_ignored_flag(true)
        }
        Some(words) => {
            let message = format!(
                "{reason} (CI=true: `{what}` is listed as unavailable, but the reason should contain `{words}`)"
            );
            Trial::test(name, move || Err(message.into()))
        }
        None => {
            let message = format!(
                "{reason} (CI=true: list `{what}` under `unavailable` with a reason if this is expected)"
            );
            Trial::test(name, move || Err(message.into()))
        }
    }
}
