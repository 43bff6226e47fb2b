//! The matrix's scheduler: the run is planned first, then executed in two lanes. Cells whose figures
//! are published as performance (the benchmark-sized cases and the start-up programs) run one at a
//! time, with nothing else of ours running; cells that only decide an outcome run `jobs` at a time,
//! side by side, before them (so that they also fill the compiled-module cache the measured cells
//! then load from). Results come back in plan order, whatever the lanes and `jobs` were.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

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

/// Runs every job: the `Beside` ones `jobs` at a time on worker threads, then the `Alone` ones one
/// by one on this thread. `finished` sees each job's index and result on this thread as it ends
/// (progress, the journal); the results come back in the jobs' order.
pub fn execute<J: Sync, T: Send>(
    jobs: &[(J, Lane)],
    width: usize,
    run: impl Fn(&J) -> T + Sync,
    mut finished: impl FnMut(usize, &T),
) -> Vec<T> {
    let mut results: Vec<Option<T>> = jobs.iter().map(|_| None).collect();
    let beside: Vec<usize> = (0..jobs.len())
        .filter(|&i| jobs[i].1 == Lane::Beside)
        .collect();
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
    for (i, (job, lane)) in jobs.iter().enumerate() {
        if *lane == Lane::Alone {
            let result = run(job);
            finished(i, &result);
            results[i] = Some(result);
        }
    }
    results
        .into_iter()
        .map(|r| r.expect("every job ran"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;
    use std::time::Duration;

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
            |&i| {
                let others = running.fetch_add(1, Ordering::SeqCst);
                overlaps.lock().unwrap().push((i, others));
                std::thread::sleep(Duration::from_millis(20 + (i % 3) * 5));
                running.fetch_sub(1, Ordering::SeqCst);
                i * 10
            },
            |i, r| seen.push((i, *r)),
        );
        assert_eq!(out, (0..12).map(|i| i * 10).collect::<Vec<_>>());
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
}
