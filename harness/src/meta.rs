//! What the results say about where and how they were made: date, host, commit, build settings, the
//! clock the timings were read from, and how each column runs.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use crate::results::{Clock, HarnessBuild, Host};
use crate::runtime::{self, Configuration};

pub fn host() -> Host {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu = cpuinfo
        .lines()
        .find_map(|l| {
            l.strip_prefix("model name")
                .and_then(|r| r.split_once(':'))
                .map(|(_, v)| v.trim().to_owned())
        })
        .unwrap_or_else(|| std::env::consts::ARCH.to_owned());
    let os_release = std::fs::read_to_string("/etc/os-release").unwrap_or_default();
    let os = os_release
        .lines()
        .find_map(|l| {
            l.strip_prefix("PRETTY_NAME=")
                .map(|v| v.trim_matches('"').to_owned())
        })
        .unwrap_or_else(|| std::env::consts::OS.to_owned());
    Host {
        cpu,
        cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
        os,
        kernel: kernel_release(),
        arch: std::env::consts::ARCH.to_owned(),
    }
}

fn kernel_release() -> String {
    // SAFETY: utsname is plain data that uname fills in with NUL-terminated strings.
    let mut uts: libc::utsname = unsafe { std::mem::zeroed() };
    if unsafe { libc::uname(&mut uts) } != 0 {
        return "unknown".into();
    }
    // SAFETY: uname succeeded, so `release` is NUL-terminated.
    unsafe { std::ffi::CStr::from_ptr(uts.release.as_ptr()) }
        .to_string_lossy()
        .into_owned()
}

/// `HEAD`'s commit, with `-dirty` when the work tree differs from it, or `unknown` outside git.
pub fn git_commit(root: &Path) -> String {
    let run = |args: &[&str]| {
        Command::new("git")
            .args(args)
            .current_dir(root)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
    };
    match run(&["rev-parse", "HEAD"]) {
        Some(commit) => match run(&["status", "--porcelain", "--untracked-files=no"]) {
            Some(status) if !status.is_empty() => format!("{commit}-dirty"),
            _ => commit,
        },
        None => "unknown".into(),
    }
}

pub fn harness_build() -> HarnessBuild {
    HarnessBuild {
        profile: crate::versions::PROFILE.into(),
        opt_level: crate::versions::OPT_LEVEL.into(),
    }
}

/// Back-to-back `Instant::now()` pairs the clock's overhead is the median of: enough that the median
/// is stable to a nanosecond, few enough to take a few milliseconds.
const CLOCK_SAMPLES: u32 = 200_000;

/// The clock every phase and wall time is read from (the harness's and its workers' `Instant`, the
/// same clock in every process), its resolution, and what reading it costs: the median time between
/// two back-to-back `Instant::now()` calls, which is what one timed interval carries on top of
/// what it measures.
pub fn clock() -> Clock {
    // The first calls fault the vDSO page in and warm the caches; they are not what a timed phase
    // pays.
    for _ in 0..10_000 {
        std::hint::black_box(Instant::now());
    }
    let mut gaps: Vec<f64> = Vec::with_capacity(CLOCK_SAMPLES as usize);
    for _ in 0..CLOCK_SAMPLES {
        let a = Instant::now();
        let b = Instant::now();
        gaps.push(b.duration_since(a).as_nanos() as f64);
    }
    Clock {
        source: CLOCK_SOURCE.into(),
        kernel_clocksource: std::fs::read_to_string(
            "/sys/devices/system/clocksource/clocksource0/current_clocksource",
        )
        .ok()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty()),
        resolution_ns: resolution_ns(),
        overhead_ns: crate::stats::median(&gaps),
        samples: CLOCK_SAMPLES,
    }
}

/// What `std::time::Instant` reads on this platform (the standard library's documented choice).
#[cfg(any(target_os = "linux", target_os = "android"))]
const CLOCK_SOURCE: &str = "std::time::Instant (CLOCK_MONOTONIC)";
#[cfg(target_os = "macos")]
const CLOCK_SOURCE: &str = "std::time::Instant (CLOCK_UPTIME_RAW)";
#[cfg(not(any(target_os = "linux", target_os = "android", target_os = "macos")))]
const CLOCK_SOURCE: &str = "std::time::Instant";

/// `clock_getres` of the clock `Instant` reads.
fn resolution_ns() -> Option<u64> {
    #[cfg(target_os = "macos")]
    let id = libc::CLOCK_UPTIME_RAW;
    #[cfg(not(target_os = "macos"))]
    let id = libc::CLOCK_MONOTONIC;
    let mut res = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `res` is a valid timespec for clock_getres to fill in.
    if unsafe { libc::clock_getres(id, &mut res) } != 0 {
        return None;
    }
    Some(res.tv_sec as u64 * 1_000_000_000 + res.tv_nsec as u64)
}

/// How each column of a run runs code, and `native`'s, which every ratio to native is measured
/// against, whether or not it is a column of this run.
pub fn columns(runtimes: &[String]) -> BTreeMap<String, Configuration> {
    runtimes
        .iter()
        .map(String::as_str)
        .chain([crate::native::COLUMN])
        .filter_map(|name| Some((name.to_owned(), runtime::configuration(name)?)))
        .collect()
}

/// The current time as RFC 3339 UTC, without a date library.
pub fn now_rfc3339() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (y, m, d) = civil_from_days(days as i64);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// The metadata of a run of modules that are not samples (`harness run`, `wasi-testsuite`,
/// `proposals`): one run per cell, no toolchains, the columns' versions as reported.
pub fn for_adhoc(
    root: &Path,
    columns: &[String],
    versions: BTreeMap<String, String>,
) -> crate::results::Meta {
    crate::results::Meta {
        date: now_rfc3339(),
        host: host(),
        git_commit: git_commit(root),
        harness_build: harness_build(),
        runtimes: versions,
        toolchains: BTreeMap::new(),
        repeat: 1,
        problems: Vec::new(),
        noise_threshold: crate::stats::NOISE_THRESHOLD,
        interval_method: crate::stats::INTERVAL_METHOD.into(),
        clock: None,
        columns: self::columns(columns),
        native_builds: BTreeMap::new(),
        sittings: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_clock_is_measured() {
        let clock = super::clock();
        assert!(clock.source.starts_with("std::time::Instant"));
        assert_eq!(clock.samples, super::CLOCK_SAMPLES);
        // A monotonic clock resolves at least to a millisecond, and reading it costs less than one.
        assert!(clock.resolution_ns.is_some_and(|r| r > 0 && r <= 1_000_000));
        assert!(clock.overhead_ns < 1e6, "{}", clock.overhead_ns);
    }

    #[test]
    fn every_column_and_native_are_described() {
        let columns = super::columns(&["wasmtime".into(), "wasmtime-epoch".into()]);
        let names: Vec<&str> = columns.keys().map(String::as_str).collect();
        assert_eq!(names, ["native", "wasmtime", "wasmtime-epoch"]);
        assert!(columns["wasmtime-epoch"].deadline.contains("epoch"));
    }

    #[test]
    fn civil_dates() {
        assert_eq!(super::civil_from_days(0), (1970, 1, 1));
        assert_eq!(super::civil_from_days(19_782), (2024, 2, 29));
        assert_eq!(super::civil_from_days(20_781), (2026, 11, 24));
    }
}
