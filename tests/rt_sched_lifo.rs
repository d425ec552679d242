//! The multi-thread scheduler rescues a task stuck in the LIFO slot of a worker that is blocked in
//! a long poll: the idle worker runs it within a millisecond (issue 10; tokio#4941 in tokio).
//!
//! Every trial must make it within the millisecond. The only time allowed on top is what the OS
//! made the two threads involved wait for a CPU meanwhile (Linux's per-thread "run delay", as the
//! slow-poll watchdog subtracts it): the worker filling the slot, until it has kicked the
//! sleeper, and the worker that rescues the task. On a quiet box that is zero; on a loaded one it
//! is the machine's delay, not the scheduler's.

use gort_executor::runtime::Builder;
use std::collections::HashMap;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The calling thread's OS id (`/proc/thread-self` names `<pid>/task/<tid>`), if known.
fn thread_id() -> Option<u32> {
    let link = std::fs::read_link("/proc/thread-self").ok()?;
    link.file_name()?.to_str()?.parse().ok()
}

/// How long thread `tid` of this process has waited for a CPU so far (second field of its
/// `schedstat`); `None` where the kernel does not say.
fn run_delay(tid: u32) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/self/task/{tid}/schedstat")).ok()?;
    Some(Duration::from_nanos(
        stat.split_whitespace().nth(1)?.parse().ok()?,
    ))
}

/// The run delay so far of every thread of this process (the rescuer is not known in advance).
fn run_delays() -> HashMap<u32, Duration> {
    let Ok(dir) = std::fs::read_dir("/proc/self/task") else {
        return HashMap::new();
    };
    dir.filter_map(|entry| {
        let tid = entry.ok()?.file_name().to_str()?.parse().ok()?;
        Some((tid, run_delay(tid)?))
    })
    .collect()
}

/// How much longer `thread`'s run delay is now than in `before` (zero if unknown).
fn delay_since(before: &HashMap<u32, Duration>, thread: Option<u32>) -> Duration {
    let Some(tid) = thread else {
        return Duration::ZERO;
    };
    match (before.get(&tid), run_delay(tid)) {
        (Some(then), Some(now)) => now.saturating_sub(*then),
        _ => Duration::ZERO,
    }
}

/// One trial's outcome.
#[derive(Debug)]
struct Trial {
    /// From the wake to the start of the LIFO task's poll.
    waited: Duration,
    /// The LIFO task ran on another thread than the blocked worker's.
    elsewhere: bool,
    /// Time the waker (until its wake was done) and the rescuer spent waiting for a CPU.
    cpu_wait: Duration,
}

impl Trial {
    /// The scheduler's own share of the wait.
    fn scheduler_wait(&self) -> Duration {
        self.waited.saturating_sub(self.cpu_wait)
    }
}

fn bounded<T: Send + 'static>(secs: u64, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
        let _ = tx.send(out);
    });
    match rx.recv_timeout(Duration::from_secs(secs)) {
        Ok(Ok(v)) => v,
        Ok(Err(p)) => std::panic::resume_unwind(p),
        Err(_) => panic!("test timed out after {secs}s"),
    }
}

/// One trial: a task keeps its worker busy for `busy_first` (yielding, LIFO slots empty), then
/// wakes (spawns) another task into its worker's LIFO slot and blocks that worker for 50 ms.
fn lifo_wait(rt: &gort_executor::runtime::Runtime, busy_first: Duration) -> Trial {
    // Let the other worker go to sleep first: the rescue must come from an idle worker.
    std::thread::sleep(Duration::from_millis(20));
    rt.block_on(async move {
        gort_executor::spawn(async move {
            let busy = Instant::now();
            while busy.elapsed() < busy_first {
                gort_executor::task::yield_now().await;
            }
            let (tx, rx) = mpsc::channel();
            let me = std::thread::current().id();
            let waker = thread_id();
            let before = run_delays();
            let woken_at = Instant::now();
            let rescuer_delays = before.clone();
            gort_executor::spawn(async move {
                let waited = woken_at.elapsed();
                let elsewhere = std::thread::current().id() != me;
                let _ = tx.send((waited, elsewhere, delay_since(&rescuer_delays, thread_id())));
            });
            let waker_wait = delay_since(&before, waker);
            // A long poll that never yields: the LIFO task must not wait for its end.
            std::thread::sleep(Duration::from_millis(50));
            let (waited, elsewhere, rescuer_wait) = rx
                .recv_timeout(Duration::from_secs(5))
                .expect("the LIFO task never ran");
            Trial {
                waited,
                elsewhere,
                cpu_wait: waker_wait + rescuer_wait,
            }
        })
        .await
        .unwrap()
    })
}

#[test]
fn lifo_task_behind_a_long_poll_runs_within_a_millisecond_elsewhere() {
    rescued_within_a_millisecond(Duration::ZERO);
}

/// The sleeping worker stops waking every interval once the busy worker's LIFO slot has stayed
/// empty for a while (it sleeps until I/O or a kick): filling the slot must still wake it.
#[test]
fn lifo_task_is_rescued_after_the_other_worker_ran_without_it() {
    rescued_within_a_millisecond(Duration::from_millis(5));
}

fn rescued_within_a_millisecond(busy_first: Duration) {
    bounded(30, move || {
        let rt = Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap();
        let trials: Vec<_> = (0..7).map(|_| lifo_wait(&rt, busy_first)).collect();
        eprintln!("LIFO rescues: {trials:?}");
        for trial in &trials {
            assert!(
                trial.elsewhere,
                "the LIFO task ran on the blocked worker: {trials:?}"
            );
            assert!(
                trial.scheduler_wait() < Duration::from_millis(1),
                "a LIFO rescue took {:?} beyond the {:?} its threads waited for a CPU: {trials:?}",
                trial.scheduler_wait(),
                trial.cpu_wait
            );
        }
    });
}
