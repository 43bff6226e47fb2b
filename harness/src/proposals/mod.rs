//! The measured table of WebAssembly proposal support: a small probe module per core proposal
//! (`conformance/proposals/NAME.wat`, listed with its expected output in `probes.toml`), run on every
//! column twice, with the engine's default configuration and with the proposal enabled the way the
//! engine documents, each run said as ran correctly, validated only, or refused (with the engine's
//! words), and compared with what webassembly.org/features declares (`declared.toml`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::adhoc::Job;
use crate::manifest::{self, Expect, Proposal};
use crate::outcome::Outcome;
use crate::results::Cell;
use crate::runtime::{RunSpec, registry};

mod html;
mod report;

pub use report::{Report, Row};

/// The row label the probe cells carry where the matrix's carry a language.
pub const ROW: &str = "proposals";

/// The two configurations each probe runs in, as the cells' case names.
pub const DEFAULT: &str = "default";
pub const ENABLED: &str = "enabled";

/// A probe of `probes.toml`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Probe {
    /// The file's stem, and the first word the probe prints.
    pub name: String,
    pub proposal: Proposal,
    /// As webassembly.org/features names it.
    pub title: String,
    /// Whether the proposal is part of the finished standard (phase 5).
    pub standard: bool,
    /// What a correct run prints; absent for a probe without a module.
    #[serde(default)]
    pub stdout: Option<String>,
    /// Other proposals the probe cannot avoid: enabled with it.
    #[serde(default)]
    pub also_needs: Vec<Proposal>,
    /// Whether a validator without the proposal must refuse the module.
    #[serde(default = "yes")]
    pub refusable: bool,
    /// Whether there is a module (`NAME.wat`); a proposal meaningful only in a JavaScript embedding
    /// has none.
    #[serde(default = "yes")]
    pub file: bool,
    #[serde(default)]
    pub note: String,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProbeFile {
    probe: Vec<Probe>,
}

/// What webassembly.org/features declares for an engine and a proposal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Declared {
    /// Supported, on by default.
    Yes,
    /// Supported behind a flag.
    Flag,
    /// Not supported.
    No,
    /// The table says nothing.
    Unknown,
}

impl Declared {
    /// How the HTML's hover text says it.
    pub fn label(self) -> &'static str {
        match self {
            Declared::Yes => "on by default",
            Declared::Flag => "behind a flag",
            Declared::No => "not supported",
            Declared::Unknown => "nothing said",
        }
    }
}

/// `declared.toml`: where the declared table was read, and per engine (as the registry names it)
/// each proposal's entry with the table's own words.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DeclaredTable {
    pub source: String,
    pub engines: BTreeMap<String, BTreeMap<Proposal, DeclaredEntry>>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DeclaredEntry {
    pub support: Declared,
    /// The table's words: a version, a flag.
    #[serde(default)]
    pub says: String,
}

/// The probes and the declared table, read from a probe directory.
#[derive(Debug, Clone)]
pub struct Corpus {
    pub dir: PathBuf,
    pub probes: Vec<Probe>,
    pub declared: DeclaredTable,
}

impl Corpus {
    pub fn load(dir: &Path) -> anyhow::Result<Corpus> {
        use anyhow::Context as _;
        let read = |name: &str| {
            let path = dir.join(name);
            std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read {}", path.display()))
        };
        let probes: ProbeFile = toml::from_str(&read("probes.toml")?)
            .with_context(|| format!("{}", dir.join("probes.toml").display()))?;
        let declared: DeclaredTable = toml::from_str(&read("declared.toml")?)
            .with_context(|| format!("{}", dir.join("declared.toml").display()))?;
        let mut seen = std::collections::HashSet::new();
        for probe in &probes.probe {
            anyhow::ensure!(
                seen.insert(probe.proposal),
                "probes.toml: `{}` is probed twice",
                probe.proposal
            );
            anyhow::ensure!(
                !probe.file || probe.stdout.is_some(),
                "probes.toml: probe `{}` has a module but no expected stdout",
                probe.name
            );
        }
        Ok(Corpus {
            dir: dir.to_owned(),
            probes: probes.probe,
            declared,
        })
    }

    /// Compiles each probe's text into `out/NAME.wasm`; returns the modules by probe name. A probe
    /// that does not parse is an error of the corpus, not of any engine.
    pub fn compile(&self, out: &Path) -> anyhow::Result<BTreeMap<String, PathBuf>> {
        use anyhow::Context as _;
        std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
        let mut modules = BTreeMap::new();
        for probe in self.probes.iter().filter(|p| p.file) {
            let source = self.dir.join(format!("{}.wat", probe.name));
            let bytes = wat::parse_file(&source)
                .with_context(|| format!("probe {} does not parse", source.display()))?;
            let module = out.join(format!("{}.wasm", probe.name));
            crate::util::write_atomic(&module, &bytes)
                .with_context(|| format!("cannot write {}", module.display()))?;
            modules.insert(probe.name.clone(), module);
        }
        Ok(modules)
    }

    /// Every run: each probe with a module on each column, in both configurations.
    pub fn jobs(&self, columns: &[String], modules: &BTreeMap<String, PathBuf>) -> Vec<Job> {
        let mut jobs = Vec::new();
        for probe in &self.probes {
            let Some(module) = modules.get(&probe.name) else {
                continue;
            };
            for column in columns {
                for (config, proposals) in [
                    (DEFAULT, Vec::new()),
                    (
                        ENABLED,
                        std::iter::once(probe.proposal)
                            .chain(probe.also_needs.iter().copied())
                            .collect(),
                    ),
                ] {
                    jobs.push(Job {
                        column: column.clone(),
                        row: [ROW.into(), probe.name.clone(), config.into()],
                        module: module.clone(),
                        spec: spec(probe, proposals),
                        expect: Expect {
                            stdout_pattern: probe.stdout.as_deref().map(tolerating_warnings),
                            ..Expect::default()
                        },
                        copies: Vec::new(),
                    });
                }
            }
        }
        jobs
    }
}

/// The probe's line, after any warning lines an engine's own tool prints on stdout (WasmEdge's
/// says `[TIME] [warning] GC proposal is enabled, this is experimental.`): the tool ran the
/// probe correctly all the same.
fn tolerating_warnings(stdout: &str) -> String {
    format!(
        r"(?:\[[^\n]*\] \[warning\] [^\n]*\n)*{}",
        regex::escape(stdout)
    )
}

fn spec(probe: &Probe, proposals: Vec<Proposal>) -> RunSpec {
    RunSpec {
        program: format!("{}.wasm", probe.name),
        args: Vec::new(),
        env: BTreeMap::new(),
        preopens: Vec::new(),
        stdin: Vec::new(),
        proposals,
        timeout: Duration::from_secs(20),
        memory_limit_bytes: manifest::DEFAULT_MEMORY_LIMIT_MIB << 20,
        output_limit_bytes: crate::cell::OUTPUT_LIMIT,
        cache_dir: None,
        inherit_stdio: false,
        inherit_env: false,
        network: false,
    }
}

/// The columns the probes (and wasi-testsuite's tests) run on: every column that runs Wasm modules
/// but the interruption variants, which price a mechanism on benchmark-sized cases and enable
/// proposals as their base column does.
pub fn columns() -> Vec<String> {
    registry::module_columns()
        .filter(|c| c.prices.is_none())
        .map(|c| c.name.to_owned())
        .collect()
}

/// What a probe's run says about the proposal on that column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Answer {
    /// Printed the expected result: validated and executed correctly.
    Ran,
    /// Compiled, but did not run correctly (a wrong result, a trap, a refusal at instantiation).
    Validated,
    /// Refused at compile (validation): the engine's words are the reason.
    Refused,
    /// The engine died.
    Crashed,
    /// Not run: the column is not available here, or the harness failed.
    NotRun,
}

impl Answer {
    /// How progress lines and tables say it.
    pub fn label(self) -> &'static str {
        match self {
            Answer::Ran => "ran correctly",
            Answer::Validated => "validated only",
            Answer::Refused => "refused",
            Answer::Crashed => "crashed",
            Answer::NotRun => "not run",
        }
    }

    pub fn of(cell: &Cell) -> Answer {
        match cell.outcome {
            Outcome::Pass => Answer::Ran,
            Outcome::Skipped | Outcome::HarnessFault => Answer::NotRun,
            Outcome::Crash => Answer::Crashed,
            Outcome::Unsupported => Answer::Refused,
            Outcome::Fail if cell.reason.starts_with("rejected at compile") => Answer::Refused,
            Outcome::Fail | Outcome::Trap | Outcome::Timeout => Answer::Validated,
        }
    }
}

/// What a column does with a proposal, from its two runs: the measured counterpart of a declared
/// entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Support {
    /// Runs correctly with the default configuration.
    Default,
    /// Runs correctly only with the proposal enabled.
    Flag,
    /// Accepted but not run correctly in either configuration.
    Partial,
    /// Refused in both.
    No,
    /// The engine died on it (and did not run it correctly in the other configuration).
    Crashes,
    /// Not measured here (the column cannot run here).
    Unmeasured,
}

impl Support {
    /// The table's mark for it, in the Markdown and the HTML alike.
    pub fn mark(self) -> &'static str {
        match self {
            Support::Default => "✓",
            Support::Flag => "flag",
            Support::Partial => "◐",
            Support::No => "✗",
            Support::Crashes => "crash",
            Support::Unmeasured => "—",
        }
    }

    pub fn of(default: Answer, enabled: Answer) -> Support {
        match (default, enabled) {
            (Answer::Ran, _) => Support::Default,
            // Without the default run it is unknown whether the flag is needed; without the enabled
            // run, whether a flag would help: a harness fault never becomes the engine's answer.
            (Answer::NotRun, _) => Support::Unmeasured,
            (_, Answer::Ran) => Support::Flag,
            (_, Answer::NotRun) => Support::Unmeasured,
            (Answer::Crashed, _) | (_, Answer::Crashed) => Support::Crashes,
            (Answer::Validated, _) | (_, Answer::Validated) => Support::Partial,
            (Answer::Refused, Answer::Refused) => Support::No,
        }
    }

    /// Whether the declared entry says otherwise, as a short note, or `None` where they agree.
    pub fn differs_from(self, declared: Declared) -> Option<&'static str> {
        match (self, declared) {
            (Support::Unmeasured, _) | (_, Declared::Unknown) => None,
            (Support::Default, Declared::Yes)
            | (Support::Flag, Declared::Flag)
            | (Support::No, Declared::No) => None,
            (Support::Default, Declared::Flag) => {
                Some("declared behind a flag; on by default here")
            }
            (Support::Default | Support::Flag, Declared::No) => {
                Some("declared unsupported; runs here")
            }
            (Support::Flag, Declared::Yes) => Some("declared on by default; needs a flag here"),
            (Support::Partial, _) => Some("accepted but does not run correctly here"),
            (Support::Crashes, _) => Some("the engine crashes on it here"),
            (Support::No, Declared::Yes | Declared::Flag) => {
                Some("declared supported; refused here in both configurations")
            }
        }
    }
}

/// One column's measured support of one probe: its two cells and what they make together.
#[derive(Debug, Clone)]
pub struct Measured<'a> {
    pub default: &'a Cell,
    pub enabled: &'a Cell,
    pub support: Support,
}

/// The two cells of a probe on a column, from the results.
pub fn measured<'a>(cells: &'a [Cell], probe: &str, column: &str) -> Option<Measured<'a>> {
    let find = |config: &str| {
        cells.iter().find(|c| {
            c.language == ROW && c.sample == probe && c.case == config && c.runtime == column
        })
    };
    let (default, enabled) = (find(DEFAULT)?, find(ENABLED)?);
    Some(Measured {
        default,
        enabled,
        support: Support::of(Answer::of(default), Answer::of(enabled)),
    })
}

/// The declared-table engine a column belongs to (the registry's engine name), if any.
pub fn engine_of(column: &str) -> Option<&'static str> {
    registry::get(column).map(|c| c.engine.name())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::fixture;

    #[test]
    fn two_runs_make_one_measured_support() {
        use Answer::*;
        assert_eq!(Support::of(Ran, Ran), Support::Default);
        assert_eq!(Support::of(Refused, Ran), Support::Flag);
        assert_eq!(Support::of(Refused, Refused), Support::No);
        assert_eq!(Support::of(Refused, Validated), Support::Partial);
        assert_eq!(Support::of(NotRun, NotRun), Support::Unmeasured);
        assert_eq!(Support::of(NotRun, Ran), Support::Unmeasured);
        assert_eq!(Support::of(Refused, NotRun), Support::Unmeasured);
        assert_eq!(Support::of(Ran, NotRun), Support::Default);
        assert_eq!(Support::of(Refused, Crashed), Support::Crashes);
        assert_eq!(Support::of(Ran, Crashed), Support::Default);
        assert_eq!(Support::Default.differs_from(Declared::Yes), None);
        assert!(Support::No.differs_from(Declared::Yes).is_some());
        assert!(Support::Flag.differs_from(Declared::Yes).is_some());
        assert_eq!(Support::Unmeasured.differs_from(Declared::No), None);
    }

    #[test]
    fn a_refusal_at_compile_is_a_refusal_and_a_wrong_answer_is_validated_only() {
        let mut cell = fixture::cell("wasmer", "proposals/gc/default", Outcome::Fail, &[1.0]);
        cell.reason = "rejected at compile: gc proposal not enabled".into();
        assert_eq!(Answer::of(&cell), Answer::Refused);
        cell.reason = "stdout line 1: expected \"gc 42\\n\", got \"gc 0\\n\"".into();
        assert_eq!(Answer::of(&cell), Answer::Validated);
        cell.outcome = Outcome::HarnessFault;
        assert_eq!(Answer::of(&cell), Answer::NotRun);
    }

    #[test]
    fn a_tools_warning_before_the_line_is_tolerated_and_nothing_else_is() {
        let expect = Expect {
            stdout_pattern: Some(tolerating_warnings("gc 1149\n")),
            ..Expect::default()
        };
        let check = |out: &str| {
            crate::outcome::check_text("stdout", out, None, expect.stdout_pattern.as_deref())
        };
        assert!(check("gc 1149\n").is_none());
        assert!(
            check("[2026-12-06 06:41:50.905] [warning] GC proposal is enabled.\ngc 1149\n")
                .is_none()
        );
        assert!(check("gc 1148\n").is_some());
        assert!(check("[x] [error] no\ngc 1149\n").is_some());
    }

    #[test]
    fn the_published_corpus_loads_and_every_probe_parses() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../conformance/proposals");
        let corpus = Corpus::load(&dir).unwrap();
        let probed: Vec<Proposal> = corpus.probes.iter().map(|p| p.proposal).collect();
        for proposal in Proposal::ALL {
            assert!(probed.contains(proposal), "no probe of {proposal}");
        }
        let out = std::env::temp_dir().join(format!("proposals-test-{}", std::process::id()));
        let modules = corpus.compile(&out).unwrap();
        let _ = std::fs::remove_dir_all(&out);
        assert_eq!(
            modules.len(),
            corpus.probes.iter().filter(|p| p.file).count()
        );
        for (engine, entries) in &corpus.declared.engines {
            assert!(
                registry::COLUMNS.iter().any(|c| c.engine.name() == engine),
                "declared.toml: no column runs `{engine}`"
            );
            assert!(!entries.is_empty());
        }
    }
}
