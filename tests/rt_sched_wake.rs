//! A worker whose driver poll wakes a few short tasks runs them itself: it wakes a sleeping
//! worker only for queued work worth the wake (issue 10, raw HTTP). Waking the sleeper for any
//! second task (tokio's rule) made it wake, search, and park again on every such batch: two
//! futex calls and two context switches per batch, which on a busy server only take CPU time
//! from the rest.

use gort_executor::runtime::Runtime;
use gort_reactor::time::{sleep_until, Instant};
use sched_support::on_two_workers;
use std::time::Duration;

mod sched_support;

/// Tasks woken together by one timer dispatch per round.
const TASKS: usize = 4;
const ROUNDS: u32 = 100;
/// Time between two rounds' deadlines.
const SPACING: Duration = Duration::from_millis(2);

/// Parks of both workers so far.
fn parks(rt: &Runtime) -> u64 {
    let metrics = rt.metrics();
    (0..metrics.num_workers())
        .map(|w| metrics.worker_park_count(w))
        .sum()
}

#[test]
fn a_few_short_tasks_woken_by_the_driver_do_not_wake_the_other_worker() {
    let (rounds_run, parks) = on_two_workers(|rt| {
        // Let both workers settle asleep.
        rt.block_on(async { gort_executor::spawn(async {}).await.unwrap() });
        std::thread::sleep(Duration::from_millis(20));
        let before = parks(&rt);
        let start = Instant::now() + Duration::from_millis(5);
        let tasks: Vec<_> = (0..TASKS)
            .map(|_| {
                rt.spawn(async move {
                    let mut rounds = 0;
                    for round in 1..=ROUNDS {
                        // Every task has the same deadlines: one dispatch wakes all of them.
                        sleep_until(start + SPACING * round).await;
                        rounds += 1;
                    }
                    rounds
                })
            })
            .collect();
        let rounds_run: Vec<u32> = rt.block_on(async {
            let mut out = Vec::new();
            for task in tasks {
                out.push(task.await.unwrap());
            }
            out
        });
        (rounds_run, parks(&rt) - before)
    });
    // Nothing lost: every task saw every deadline.
    assert_eq!(rounds_run, vec![ROUNDS; TASKS]);
    eprintln!("worker parks over {ROUNDS} rounds of {TASKS} tasks woken together: {parks}");
    // The driver's holder parks once per round (waiting for the next deadline); a sleeper woken
    // for the batch would park once more per round (about 2 * ROUNDS in all).
    assert!(
        parks < u64::from(ROUNDS) * 3 / 2,
        "the other worker was woken for batches of {TASKS} short tasks: {parks} parks in {ROUNDS} rounds"
    );
}
