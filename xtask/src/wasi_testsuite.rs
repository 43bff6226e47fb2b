//! `cargo xtask wasi-testsuite [DIR]...`: runs WebAssembly/wasi-testsuite's tests on every column.
//! With no directory it runs the project's own small corpus (`conformance/wasi-testsuite/`), first
//! written out in the suite's layout: WAT modules compiled, specs as JSON, fixtures copied.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use harness::flags::WasiTestsuiteArgs;
use serde::Deserialize;
use xshell::Shell;

#[derive(Debug, clap::Args)]
pub struct WasiTestsuite {
    #[command(flatten)]
    pub args: WasiTestsuiteArgs,
}

/// `corpus.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Corpus {
    suite: Vec<CorpusSuite>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CorpusSuite {
    dir: PathBuf,
    name: String,
    version: String,
    fixtures: Vec<String>,
    test: Vec<CorpusTest>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CorpusTest {
    name: String,
    module: String,
    spec: toml::Table,
}

impl WasiTestsuite {
    pub fn run(self, sh: &Shell) -> anyhow::Result<()> {
        let root = crate::project_root();
        let conformance = root.join("conformance/wasi-testsuite");
        let mut flags = self.args;
        if flags.dirs.is_empty() {
            let out = crate::target_dir().join("wasi-testsuite-corpus");
            write_corpus(&conformance, &out)?;
            flags.dirs.push(out);
        }
        // The user's relative paths are theirs; the harness runs in the project's directory.
        let cwd = std::env::current_dir()?;
        for dir in &mut flags.dirs {
            *dir = cwd.join(&*dir);
        }
        flags.expectations = Some(
            flags
                .expectations
                .map_or_else(|| conformance.join("expectations"), |d| cwd.join(d)),
        );
        flags.out = Some(flags.out.map_or_else(
            || crate::target_dir().join("wasi-testsuite"),
            |d| cwd.join(d),
        ));
        let containers = flags.wants_containers();
        let mut args = vec!["wasi-testsuite".to_owned()];
        args.extend(flags.to_args());
        crate::engine_run::run(sh, args, containers)
    }
}

/// Writes the corpus in the suite's layout under `out` (replacing what was there).
pub fn write_corpus(conformance: &Path, out: &Path) -> anyhow::Result<()> {
    let path = conformance.join("corpus.toml");
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let corpus: Corpus = toml::from_str(&text).with_context(|| path.display().to_string())?;
    let _ = std::fs::remove_dir_all(out);
    for suite in &corpus.suite {
        let dir = out.join(&suite.dir);
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
        let manifest = serde_json::json!({"name": suite.name, "version": suite.version});
        std::fs::write(dir.join("manifest.json"), manifest.to_string())?;
        for fixture in &suite.fixtures {
            copy_dir(
                &conformance.join("fixtures").join(fixture),
                &dir.join(fixture),
            )?;
        }
        for test in &suite.test {
            let source = conformance
                .join("modules")
                .join(format!("{}.wat", test.module));
            let bytes = wat::parse_file(&source)
                .with_context(|| format!("{} does not parse", source.display()))?;
            std::fs::write(dir.join(format!("{}.wasm", test.name)), bytes)?;
            let spec = serde_json::to_string_pretty(&test.spec)?;
            std::fs::write(dir.join(format!("{}.json", test.name)), spec)?;
        }
    }
    Ok(())
}

fn copy_dir(from: &Path, to: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in
        std::fs::read_dir(from).with_context(|| format!("cannot list {}", from.display()))?
    {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}
