//! Summary statistics of repeated timings: median, mean, sample standard deviation, range, and a 95%
//! Student's t confidence interval for the mean (as Sightglass reports its measurements), plus the
//! geometric mean that ratios are summarized with. Pure functions, no I/O.

use serde::{Deserialize, Serialize};

/// A figure whose 95% interval's half-width exceeds this fraction of its median is marked noisy.
///
/// 5% is the bar below which a difference between two columns of this matrix is worth reading: a
/// noisier figure needs more repeats (or a quieter machine) before it is compared with anything.
pub const NOISE_THRESHOLD: f64 = 0.05;

/// The interval's method, in words, for the results' metadata.
pub const INTERVAL_METHOD: &str = "95% confidence interval of the mean, Student's t: \
     mean ± t(0.975, n−1)·s/√n (s the sample standard deviation); none for n = 1";

/// One timing over its `n` runs.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
pub struct Stats {
    pub n: u32,
    pub median: f64,
    pub mean: f64,
    /// The sample standard deviation (divisor n − 1); `null` for one run, where it is undefined.
    pub stddev: Option<f64>,
    pub min: f64,
    pub max: f64,
    /// The 95% confidence interval of the mean, `[lo, hi]`; `null` for one run.
    pub ci95: Option<[f64; 2]>,
    /// The interval's half-width as a fraction of the median (0.012 for ±1.2%): the figure the
    /// noise threshold is applied to. `null` without an interval or with a median of zero.
    pub rel_half_width: Option<f64>,
    /// Whether the half-width is more than [`NOISE_THRESHOLD`] of the median.
    pub noisy: bool,
}

impl Stats {
    /// The statistics of some figures, or `None` for none at all.
    pub fn of(values: &[f64]) -> Option<Stats> {
        if values.is_empty() {
            return None;
        }
        let n = values.len();
        let median = median(values);
        let mean = mean(values);
        let stddev = stddev(values);
        let ci95 = ci95(values);
        let half_width = ci95.map(|[lo, hi]| (hi - lo) / 2.0);
        let rel_half_width = half_width.filter(|_| median > 0.0).map(|h| h / median);
        // A median of zero (a phase that did not happen) is noisy only if the runs disagree at all.
        let noisy = match (rel_half_width, half_width) {
            (Some(rel), _) => rel > NOISE_THRESHOLD,
            (None, Some(h)) => h > 0.0,
            (None, None) => false,
        };
        Some(Stats {
            n: n as u32,
            median,
            mean,
            stddev,
            min: values.iter().copied().fold(f64::INFINITY, f64::min),
            max: values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            ci95,
            rel_half_width,
            noisy,
        })
    }
}

/// The median (the mean of the middle two for an even count); 0 for no values.
pub fn median(values: &[f64]) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mid = sorted.len() / 2;
    if sorted.len() % 2 == 1 {
        sorted[mid]
    } else {
        (sorted[mid - 1] + sorted[mid]) / 2.0
    }
}

/// The arithmetic mean; 0 for no values.
pub fn mean(values: &[f64]) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.iter().sum::<f64>() / values.len() as f64
}

/// The sample standard deviation (Bessel's n − 1), or `None` for fewer than two values.
pub fn stddev(values: &[f64]) -> Option<f64> {
    if values.len() < 2 {
        return None;
    }
    let m = mean(values);
    let ss: f64 = values.iter().map(|v| (v - m) * (v - m)).sum();
    Some((ss / (values.len() - 1) as f64).sqrt())
}

/// The 95% confidence interval of the mean, `mean ± t(0.975, n−1)·s/√n`, or `None` for fewer than
/// two values (one run says nothing about its own spread).
pub fn ci95(values: &[f64]) -> Option<[f64; 2]> {
    let s = stddev(values)?;
    let n = values.len();
    let half = t975(n - 1) * s / (n as f64).sqrt();
    let m = mean(values);
    Some([m - half, m + half])
}

/// Two-sided 95% critical values of Student's t, t(0.975, df), for df = 1..=30.
const T975: [f64; 30] = [
    12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.3060, 2.2622, 2.2281, 2.2010,
    2.1788, 2.1604, 2.1448, 2.1314, 2.1199, 2.1098, 2.1009, 2.0930, 2.0860, 2.0796, 2.0739, 2.0687,
    2.0639, 2.0595, 2.0555, 2.0518, 2.0484, 2.0452, 2.0423,
];

/// Beyond the table: the usual anchors, between which t is close to linear in 1/df.
const T975_TAIL: [(f64, f64); 4] = [
    (30.0, 2.0423),
    (40.0, 2.0211),
    (60.0, 2.0003),
    (120.0, 1.9799),
];

/// The normal distribution's 97.5% quantile, t's limit as df grows.
const Z975: f64 = 1.959_964;

/// t(0.975, df): the table for df ≤ 30, interpolated in 1/df above it (exact to the table's four
/// decimals at its anchors), the normal quantile in the limit. `df` must be at least 1.
pub fn t975(df: usize) -> f64 {
    assert!(df >= 1, "a t interval needs at least two values");
    if df <= T975.len() {
        return T975[df - 1];
    }
    let x = 1.0 / df as f64;
    for pair in T975_TAIL.windows(2) {
        let ((d0, t0), (d1, t1)) = (pair[0], pair[1]);
        if (df as f64) <= d1 {
            let (x0, x1) = (1.0 / d0, 1.0 / d1);
            return t0 + (t1 - t0) * (x - x0) / (x1 - x0);
        }
    }
    let (d0, t0) = T975_TAIL[T975_TAIL.len() - 1];
    // Between df = 120 and infinity (1/df = 0).
    Z975 + (t0 - Z975) * x * d0
}

/// The geometric mean of positive ratios, or `None` when there are none. Ratios are averaged this
/// way because a 2× and a 0.5× should cancel (as WasmScore and SPEC summarize).
pub fn geomean(values: &[f64]) -> Option<f64> {
    if values.is_empty() || values.iter().any(|v| !(*v > 0.0 && v.is_finite())) {
        return None;
    }
    Some((values.iter().map(|v| v.ln()).sum::<f64>() / values.len() as f64).exp())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, eps: f64) -> bool {
        (a - b).abs() <= eps
    }

    #[test]
    fn medians_means_and_spread() {
        assert_eq!(median(&[]), 0.0);
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
        assert_eq!(mean(&[1.0, 2.0, 6.0]), 3.0);
        assert_eq!(stddev(&[5.0]), None);
        // Deviations -1, 0, 1: sum of squares 2, over n - 1 = 2.
        assert_eq!(stddev(&[1.0, 2.0, 3.0]), Some(1.0));
    }

    #[test]
    fn interval_by_hand() {
        // 10, 12, 14: mean 12, s = 2, s/√3 = 1.154701, t(0.975, 2) = 4.3027: half-width 4.968330.
        let [lo, hi] = ci95(&[10.0, 12.0, 14.0]).unwrap();
        assert!(close(lo, 12.0 - 4.968_330, 1e-5), "{lo}");
        assert!(close(hi, 12.0 + 4.968_330, 1e-5), "{hi}");
        // Five runs of a 400 ms kernel, 398..402: mean 400, s = 1.581139, s/√5 = 0.707107,
        // t(0.975, 4) = 2.7764: half-width 1.963212, 0.49% of the median.
        let stats = Stats::of(&[400.0, 398.0, 402.0, 399.0, 401.0]).unwrap();
        assert_eq!(stats.n, 5);
        assert_eq!(stats.median, 400.0);
        assert_eq!((stats.min, stats.max), (398.0, 402.0));
        let [lo, hi] = stats.ci95.unwrap();
        assert!(close(hi - 400.0, 1.963_212, 1e-5), "{hi}");
        assert!(close(400.0 - lo, 1.963_212, 1e-5), "{lo}");
        assert!(close(stats.rel_half_width.unwrap(), 0.004_908, 1e-6));
        assert!(!stats.noisy);
    }

    #[test]
    fn noise_is_judged_against_the_median() {
        // 100, 110, 120: s = 10, half-width 4.3027 · 10 / √3 = 24.8419, 22.6% of the median 110.
        let stats = Stats::of(&[100.0, 110.0, 120.0]).unwrap();
        assert!(close(stats.rel_half_width.unwrap(), 24.841_9 / 110.0, 1e-5));
        assert!(stats.noisy);
        // Just under and just over 5%: 1000 ± d with three runs has half-width 4.3027·d/√3.
        let d_at = |rel: f64| rel * 1000.0 * 3f64.sqrt() / 4.3027;
        let under = Stats::of(&[1000.0 - d_at(0.049), 1000.0, 1000.0 + d_at(0.049)]).unwrap();
        let over = Stats::of(&[1000.0 - d_at(0.051), 1000.0, 1000.0 + d_at(0.051)]).unwrap();
        assert!(!under.noisy && over.noisy);
    }

    #[test]
    fn one_run_has_no_interval_and_is_not_noisy() {
        let stats = Stats::of(&[415.0]).unwrap();
        assert_eq!(stats.stddev, None);
        assert_eq!(stats.ci95, None);
        assert_eq!(stats.rel_half_width, None);
        assert!(!stats.noisy);
        assert_eq!(
            (stats.median, stats.mean, stats.min, stats.max),
            (415.0, 415.0, 415.0, 415.0)
        );
        assert_eq!(Stats::of(&[]), None);
    }

    #[test]
    fn zero_medians() {
        // A phase that never happened: no relative width, and nothing noisy about it.
        let zeros = Stats::of(&[0.0, 0.0, 0.0]).unwrap();
        assert_eq!(zeros.ci95, Some([0.0, 0.0]));
        assert_eq!(zeros.rel_half_width, None);
        assert!(!zeros.noisy);
    }

    #[test]
    fn t_table() {
        assert_eq!(t975(1), 12.7062);
        assert_eq!(t975(4), 2.7764);
        assert_eq!(t975(30), 2.0423);
        assert!(close(t975(40), 2.0211, 1e-9));
        assert!(close(t975(60), 2.0003, 1e-9));
        assert!(close(t975(120), 1.9799, 1e-9));
        // Exact values for df 50 and 1000: 2.0086 and 1.9623.
        assert!(close(t975(50), 2.0086, 5e-4), "{}", t975(50));
        assert!(close(t975(1000), 1.9623, 5e-4), "{}", t975(1000));
        assert!(close(t975(usize::MAX), Z975, 1e-6));
        // Decreasing in df throughout.
        for df in 1..500 {
            assert!(t975(df + 1) < t975(df), "df {df}");
        }
    }

    #[test]
    fn geometric_means() {
        assert!(close(geomean(&[2.0, 0.5]).unwrap(), 1.0, 1e-12));
        assert!(close(geomean(&[1.0, 8.0]).unwrap(), 8f64.sqrt(), 1e-12));
        assert!(close(
            geomean(&[1.2, 1.5, 2.0]).unwrap(),
            3.6f64.cbrt(),
            1e-12
        ));
        assert_eq!(geomean(&[]), None);
        assert_eq!(geomean(&[1.0, 0.0]), None);
    }
}
