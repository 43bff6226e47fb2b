//! `cargo xtask test`: builds the samples, then runs the unit tests and the conformance suite, in the
//! release profile that the matrix also uses, so the engines compile once for both (under CI=true the
//! `ci` profile, release at opt-level 1: CI checks outcomes, and has an hour); then checks each
//! embedded engine's run phase against its own tool (`crosscheck`) with the harness the tests built.
//! The engines and shims, the pinned command-line tools and the samples build side by side; the
//! container columns' engine is started for the suite and stopped after it.

use xshell::Shell;

#[derive(Debug, clap::Args)]
pub struct Test {
    /// Passed to the test binaries (a filter, `--nocapture`, …); a filtered run skips the crosscheck
    #[arg(
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "TEST ARGS"
    )]
    pub args: Vec<String>,
}

/// A shell of its own, for a build on another thread (a `Shell` is not shared between threads).
fn shell() -> anyhow::Result<Shell> {
    let sh = Shell::new()?;
    sh.change_dir(crate::project_root());
    Ok(sh)
}

impl Test {
    pub fn run(self, sh: &Shell) -> anyhow::Result<()> {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            crate::use_ci_profile();
        }
        let lock = crate::setup::load_lock()?;
        // What the engine build needs from apt and from Debian 13 comes first, one at a time: apt
        // holds one lock, and the samples' C toolchain comes from apt too.
        let wasmedge = crate::setup::provide(sh, &lock, "wasmedge", false)?;
        let shim_build = crate::setup::provide(sh, &lock, "shim-build", false)?;
        // The linked-library columns' libraries come from apt too (none under CI).
        crate::harness_bin::provide_linked(sh)?;
        // The engines and the shims are the longest build (about half an hour on 2 cores); the
        // samples' downloads and single-threaded compilers leave room beside it.
        let engines = {
            let (wasmedge, shims) = (wasmedge.is_ok(), shim_build.is_ok());
            std::thread::spawn(move || -> anyhow::Result<()> {
                let sh = shell()?;
                if shims {
                    crate::docker::build_shims(&sh)?;
                } else if wasmedge {
                    crate::harness_bin::build_wasmedge_worker(&sh)?;
                }
                Ok(())
            })
        };
        // The command-line columns' tools: built once with `cargo install` (many minutes each),
        // found again in about a second. One that cannot be built leaves its column skipped, which
        // fails its trials under CI unless expectations.toml lists it.
        let tools = std::thread::spawn(|| crate::harness_bin::provide_cli_tools(&shell()?));
        // Native builds too: the native-container column runs the static Rust binaries.
        let samples = crate::build_samples::BuildSamples {
            native: true,
            ..Default::default()
        }
        .run(sh);
        let joined = |handle: std::thread::JoinHandle<anyhow::Result<()>>, what: &str| {
            handle
                .join()
                .map_err(|_| anyhow::anyhow!("building {what} panicked"))
        };
        let tools = joined(tools, "the command-line tools")?;
        // A failed engine build is reported again, with its reason, by the steps below.
        if let Err(err) = joined(engines, "the engines and shims")? {
            eprintln!("xtask test: {err:#}");
        }
        samples?;
        tools?;

        // The conformance suite finds the WasmEdge worker next to the harness; without WasmEdge its
        // crate cannot build, and its columns are skipped (a failure under CI). The same for the
        // shims, which need protoc and libseccomp to build.
        let wasmedge = crate::harness_bin::build_wasmedge_worker(sh)?;
        let engine = match &shim_build {
            Err(reason) => {
                eprintln!(
                    "xtask test: the shims cannot be built ({reason}): container columns are skipped"
                );
                None
            }
            Ok(_) => match crate::docker::Guard::up(sh) {
                Ok(guard) => Some(guard),
                Err(err) => {
                    eprintln!(
                        "xtask test: no Docker Engine ({err:#}): container columns are skipped"
                    );
                    None
                }
            },
        };
        // The selection `matrix` builds too (`harness_bin::build`), so neither compiles the engines again.
        let linked = crate::harness_bin::linked_features(sh)?;
        let selection = crate::harness_bin::selection(wasmedge, shim_build.is_ok(), &linked);
        let env = engine.as_ref().map(|g| g.engine.env()).unwrap_or_default();
        let mut child = std::process::Command::new("cargo")
            .current_dir(crate::project_root())
            .args(["test", "--profile", crate::profile(), "--workspace"])
            .args(&selection)
            .envs(linked.env.iter().map(|(k, v)| (k, v)))
            .arg("--")
            .args(&self.args)
            .envs(env.clone())
            .spawn()?;
        let status = crate::harness_bin::wait_through_interrupts(&mut child)?;
        // The tools beyond the samples, on every column the suite has (containers in the engine
        // still up): wasi-testsuite's runner on the project's corpus, the proposal probes, and
        // `run` with directories at `/`, nested and several at once.
        let beyond = if status.success() && self.args.is_empty() {
            beyond_the_samples(&env)
        } else {
            Ok(())
        };
        drop(engine);
        if !status.success() {
            eprintln!("xtask test: tests failed (see above)");
            std::process::exit(1);
        }
        beyond?;
        // A filtered run is someone looking at some trials, not the whole check.
        if self.args.is_empty() {
            // The harness `cargo test` just built (the workspace's features): building it alone
            // would unify other features and compile the engines again.
            crate::crosscheck::Crosscheck {
                exe: Some(crate::profile_dir().join("harness")),
                ..crate::crosscheck::Crosscheck::default()
            }
            .run(sh)?;
        }
        Ok(())
    }
}

/// Runs the harness's `wasi-testsuite`, `proposals` and `run` the way a user does, and checks what
/// they wrote and how they exited.
fn beyond_the_samples(env: &[(String, String)]) -> anyhow::Result<()> {
    use anyhow::{Context as _, bail, ensure};
    let exe = crate::profile_dir().join("harness");
    let root = crate::project_root();
    let tmp = crate::target_dir().join("tmp");
    let corpus = crate::target_dir().join("wasi-testsuite-corpus");
    crate::wasi_testsuite::write_corpus(&root.join("conformance/wasi-testsuite"), &corpus)?;
    let harness = |args: &[&str]| -> anyhow::Result<i32> {
        let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        eprintln!("xtask test: harness {}", args.join(" "));
        crate::harness_bin::run(&exe, &args, env)
    };
    let path = |p: &std::path::Path| p.display().to_string();

    // Every test of the corpus as its expectation files say, on every column.
    let out = tmp.join("wasi-testsuite");
    let code = harness(&[
        "wasi-testsuite",
        &path(&corpus),
        "--expectations",
        &path(&root.join("conformance/wasi-testsuite/expectations")),
        "--out",
        &path(&out),
    ])?;
    ensure!(
        code == 0,
        "wasi-testsuite on the corpus exited {code}: see {}",
        path(&out)
    );
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("wasi-testsuite.json"))?)
            .context("wasi-testsuite.json")?;
    let wasmtime_passed = report["results"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["runtime"]["name"] == "wasmtime")
        .map(|r| r["passed"].as_u64().unwrap_or(0))
        .sum::<u64>();
    ensure!(
        wasmtime_passed >= 10,
        "wasmtime passed {wasmtime_passed} corpus tests"
    );
    // Runs write into copies: the corpus's own directories are as written.
    let suite = corpus.join("tests/harness/testsuite/wasm32-wasip1");
    ensure!(
        !suite.join("root.dir/written.txt").exists(),
        "a run wrote into the suite's own root.dir"
    );

    // The proposal probes: every column classified, and what wasmtime is known to do.
    let out = tmp.join("proposals");
    let code = harness(&["proposals", "--root", &path(&root), "--out", &path(&out)])?;
    ensure!(code == 0, "proposals exited {code}");
    let report: harness::proposals::Report =
        serde_json::from_slice(&std::fs::read(out.join("proposals.json"))?)
            .context("proposals.json")?;
    let row = |column: &str, proposal: &str| {
        report
            .table
            .iter()
            .find(|r| r.column == column && r.proposal.to_string() == proposal)
            .map(|r| r.support)
    };
    use harness::proposals::Support;
    for (proposal, support) in [
        ("simd", Support::Default),
        ("gc", Support::Default),
        ("wide-arithmetic", Support::Flag),
        ("legacy-exceptions", Support::No),
    ] {
        let got = row("wasmtime", proposal);
        ensure!(
            got == Some(support),
            "wasmtime {proposal}: {got:?}, expected {support:?}"
        );
    }

    // `run` with a directory at `/`, one nested below it and a third below that, on every column
    // that runs without an engine and on the container columns when one is up: a file read
    // through `/`, and every preopen listed (WasmEdge names a guest path without its leading `/`,
    // wasmer lists its virtual root `/` too: each engine's own way, kept as it is).
    let fixtures = root.join("conformance/wasi-testsuite/fixtures");
    let mut columns: Vec<&str> = harness::runtime::registry::module_columns()
        .filter(|c| c.prices.is_none() && (!c.is_container() || !env.is_empty()))
        .map(|c| c.name)
        .collect();
    columns.sort();
    let expected = tmp.join("run-expected.txt");
    std::fs::write(&expected, "hello from the root\n")?;
    let run = |module: &str, guest_args: &[&str]| -> anyhow::Result<harness::results::Results> {
        let mut args = vec![
            "run".to_owned(),
            path(&suite.join(module)),
            "--dir".into(),
            format!("{}::/", path(&fixtures.join("root.dir"))),
            "--dir".into(),
            format!("{}::/data/in", path(&fixtures.join("fs-tests.dir"))),
            "--dir".into(),
            format!("{}::/data/in/other", path(&fixtures.join("other.dir"))),
            "--json".into(),
        ];
        if module == "root-read.wasm" {
            args.extend(["--expect-stdout".into(), path(&expected)]);
        }
        for column in &columns {
            args.extend(["--runtime".to_owned(), column.to_string()]);
        }
        args.push("--".into());
        args.extend(guest_args.iter().map(|a| a.to_string()));
        let output = std::process::Command::new(&exe)
            .args(&args)
            .envs(env.iter().map(|(k, v)| (k, v)))
            .output()?;
        serde_json::from_slice(&output.stdout).with_context(|| {
            format!(
                "run --json printed: {}",
                String::from_utf8_lossy(&output.stdout)
            )
        })
    };
    let mut problems = Vec::new();
    for cell in &run("root-read.wasm", &["/", "greeting.txt"])?.cells {
        match cell.outcome {
            harness::Outcome::Pass => {}
            // A column whose tool is not built here (CI builds no command-line tools).
            harness::Outcome::Skipped => {
                eprintln!("xtask test: run: {} skipped: {}", cell.runtime, cell.reason)
            }
            other => problems.push(format!("{}: {other}: {}", cell.runtime, cell.reason)),
        }
    }
    for cell in &run("preopens-listed.wasm", &[])?.cells {
        if cell.outcome == harness::Outcome::Skipped {
            continue;
        }
        let stdout = cell.output.as_ref().map_or("", |o| o.stdout.as_str());
        let mut names: Vec<&str> = stdout
            .lines()
            .map(|l| {
                if l == "/" {
                    l
                } else {
                    l.trim_start_matches('/')
                }
            })
            .collect();
        // wasmer-wasix also preopens its virtual root as `/`, before the given ones.
        names.sort();
        names.dedup();
        if cell.outcome != harness::Outcome::Pass || names != ["/", "data/in", "data/in/other"] {
            problems.push(format!(
                "{}: {}: preopens listed as {stdout:?}",
                cell.runtime, cell.outcome
            ));
        }
    }
    if !problems.is_empty() {
        bail!(
            "run with directories at /, /data/in and /data/in/other:\n{}",
            problems.join("\n")
        );
    }
    Ok(())
}
