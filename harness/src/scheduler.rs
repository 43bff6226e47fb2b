//! The matrix's scheduler: the run is planned first, then executed in two lanes. Cells whose figures
//! are published as performance (the benchmark-sized cases and the start-up programs) run one at a
//! time, with nothing else of ours running; cells that only decide an outcome run `jobs` at a time,
//! side by side, before them (so that they also fill the compiled-module cache the measured cells
//! then load from), longest first by what they took in the previous results. Results come back in
//! plan order, whatever the lanes, their order and `jobs` were.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::manifest::{Case, Sample};

/// Where a cell runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lane {
    /// Measured for publication: alone, `repeat` times.
    Alone,
    /// Only its outcome counts: beside other such cells.
    Beside,
}

/// The programs whose whole run is mostly start-up: their wall times are published (`docker.md`,
/// the README), so they are measured alone like the benchmark-sized cases.
pub const STARTUP: &[&str] = &["rust/hello/default", "rust/wasm-docker/default"];

/// The lane of a case.
pub fn lane(sample: &Sample, case: &Case) -> Lane {
    let row = format!("{}/{}", sample.id(), case.name);
    if case.bench || STARTUP.contains(&row.as_str()) {
        Lane::Alone
    } else {
        Lane::Beside
    }
}

/// The default number of side-by-side cells: the machine's cores.
pub fn default_jobs() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// What [`execute`] did: the results in the jobs' order, and how long each lane took.
#[derive(Debug)]
pub struct Executed<T> {
    pub results: Vec<T>,
    pub beside: Duration,
    pub alone: Duration,
}

/// Runs every job: the `Beside` ones `jobs` at a time on worker threads, then the `Alone` ones one
/// by one on this thread. `finished` sees each job's index and result on this thread as it ends
/// (progress, the journal); the results come back in the jobs' order.
///
/// `cost` is what a job took last time, in milliseconds, where that is known. The `Beside` jobs
/// start longest first (unknown ones before all), so that a long cell (a timeout, a slow
/// ahead-of-time compile) does not start last and leave the other threads idle while it ends; the
/// `Alone` ones keep their order.
pub fn execute<J: Sync, T: Send>(
    jobs: &[(J, Lane)],
    width: usize,
    cost: impl Fn(&J) -> Option<f64>,
    run: impl Fn(&J) -> T + Sync,
    mut finished: impl FnMut(usize, &T),
) -> Executed<T> {
    let started = Instant::now();
    let mut results: Vec<Option<T>> = jobs.iter().map(|_| None).collect();
    let mut beside: Vec<(usize, f64)> = (0..jobs.len())
        .filter(|&i| jobs[i].1 == Lane::Beside)
        .map(|i| (i, cost(&jobs[i].0).unwrap_or(f64::INFINITY)))
        .collect();
    // Stable: jobs of equal (or unknown) cost keep the plan's order.
    beside.sort_by(|a, b| b.1.total_cmp(&a.1));
    let beside: Vec<usize> = beside.into_iter().map(|(i, _)| i).collect();
    let next = AtomicUsize::new(0);
    let (send, receive) = mpsc::channel();
    std::thread::scope(|scope| {
        for _ in 0..width.clamp(1, beside.len().max(1)) {
            let send = send.clone();
            let (next, beside, run) = (&next, &beside, &run);
            scope.spawn(move || {
                while let Some(&i) = beside.get(next.fetch_add(1, Ordering::Relaxed)) {
                    if send.send((i, run(&jobs[i].0))).is_err() {
                        break;
                    }
                }
            });
        }
        drop(send);
        for (i, result) in receive {
            finished(i, &result);
            results[i] = Some(result);
        }
    });
    let beside_took = started.elapsed();
    for (i, (job, lane)) in jobs.iter().enumerate() {
        if *lane == Lane::Alone {
            let result = run(job);
            finished(i, &result);
            results[i] = Some(result);
        }
    }
    Executed {
        results: results
            .into_iter()
            .map(|r| r.expect("every job ran"))
            .collect(),
        beside: beside_took,
        alone: started.elapsed() - beside_took,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[test]
    fn results_come_back_in_plan_order_and_alone_jobs_run_alone() {
        let jobs: Vec<(u64, Lane)> = (0..12)
            .map(|i| {
                (
                    i,
                    if i % 4 == 0 {
                        Lane::Alone
                    } else {
                        Lane::Beside
                    },
                )
            })
            .collect();
        let running = AtomicUsize::new(0);
        let overlaps = Mutex::new(Vec::new());
        let mut seen = Vec::new();
        let out = execute(
            &jobs,
            3,
            |_| None,
            |&i| {
                let others = running.fetch_add(1, Ordering::SeqCst);
                overlaps.lock().unwrap().push((i, others));
                std::thread::sleep(Duration::from_millis(20 + (i % 3) * 5));
                running.fetch_sub(1, Ordering::SeqCst);
                i * 10
            },
            |i, r| seen.push((i, *r)),
        );
        assert_eq!(out.results, (0..12).map(|i| i * 10).collect::<Vec<_>>());
        assert_eq!(seen.len(), 12);
        for (i, others) in overlaps.into_inner().unwrap() {
            if i % 4 == 0 {
                assert_eq!(others, 0, "job {i} ran beside {others} others");
            }
        }
        // The alone ones come last, in order.
        let tail: Vec<usize> = seen[9..].iter().map(|(i, _)| *i).collect();
        assert_eq!(tail, [0, 4, 8]);
    }

    #[test]
    fn side_by_side_jobs_do_overlap() {
        let jobs: Vec<(u64, Lane)> = (0..4).map(|i| (i, Lane::Beside)).collect();
        let peak = AtomicUsize::new(0);
        let running = AtomicUsize::new(0);
        execute(
            &jobs,
            4,
            |_| None,
            |_| {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(now, Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(50));
                running.fetch_sub(1, Ordering::SeqCst);
            },
            |_, _| {},
        );
        assert!(peak.load(Ordering::SeqCst) > 1);
    }

    #[test]
    fn side_by_side_jobs_start_longest_first_and_unknown_ones_before_all() {
        let costs = [Some(5.0), None, Some(50.0), Some(1.0), Some(50.0)];
        let jobs: Vec<(usize, Lane)> = (0..costs.len()).map(|i| (i, Lane::Beside)).collect();
        let started = Mutex::new(Vec::new());
        let out = execute(
            &jobs,
            1,
            |&i| costs[i],
            |&i| started.lock().unwrap().push(i),
            |_, _| {},
        );
        assert_eq!(started.into_inner().unwrap(), [1, 2, 4, 0, 3]);
        assert_eq!(out.results.len(), costs.len());
    }
}
