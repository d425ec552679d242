//! What every scenario shares: run-wide counters, random pauses, joining tasks that may have been
//! aborted, and the `ensure!` check that turns a broken invariant into a round failure.

use crate::rng::Rng;
use gort::task::JoinHandle;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Duration;

/// Run-wide counters, printed in the summary (they do not decide pass or fail).
pub struct Stats {
    /// Channel values confirmed delivered, lock sections entered, permits taken, ...
    pub ops: AtomicU64,
    /// Operations cancelled by a timeout, a losing `select!` branch or `default`.
    pub cancels: AtomicU64,
    /// Tasks aborted through their `JoinHandle`.
    pub aborts: AtomicU64,
    /// `chan` sends cancelled after a receiver had taken the value (Go's hand-off: delivered).
    pub cancelled_delivered: AtomicU64,
}

pub static STATS: Stats = Stats {
    ops: AtomicU64::new(0),
    cancels: AtomicU64::new(0),
    aborts: AtomicU64::new(0),
    cancelled_delivered: AtomicU64::new(0),
};

pub fn count(counter: &AtomicU64, n: u64) {
    counter.fetch_add(n, Relaxed);
}

/// The result of a scenario: `Err` names the first broken invariant.
pub type Outcome = Result<(), String>;

/// Fails the scenario with a formatted message unless `cond` holds.
#[macro_export]
macro_rules! ensure {
    ($cond:expr, $($msg:tt)+) => {
        if !$cond {
            return Err(format!($($msg)+));
        }
    };
}

/// A short random wait: nothing, a yield, or a sleep of up to 2 ms; gives other tasks a turn at
/// random points so interleavings vary from round to round. A busy task only yields, rarely.
pub async fn pause(rng: &mut Rng) {
    if rng.busy() {
        if rng.chance(5) {
            gort::task::yield_now().await;
        }
        return;
    }
    match rng.below(0, 10) {
        0..=4 => {}
        5..=7 => gort::task::yield_now().await,
        _ => gort::time::sleep(Duration::from_micros(rng.range(0, 2000))).await,
    }
}

/// A timeout of 0 to 1.5 ms, for cancelling an operation that has not finished yet.
pub fn short(rng: &mut Rng) -> Duration {
    Duration::from_micros(rng.range(0, 1500))
}

/// Aborts each handle with probability `pct` percent, after a random pause.
pub async fn abort_some<T>(rng: &mut Rng, handles: &[JoinHandle<T>], pct: u64) {
    for h in handles {
        if rng.chance(pct) {
            pause(rng).await;
            h.abort();
            count(&STATS.aborts, 1);
        }
    }
}

/// Awaits every handle; a task's panic fails the scenario, an abort is expected. Returns the
/// values of the tasks that finished.
pub async fn join_all<T>(handles: Vec<JoinHandle<T>>) -> Result<Vec<T>, String> {
    let mut done = Vec::new();
    for h in handles {
        match h.await {
            Ok(v) => done.push(v),
            Err(e) if e.is_cancelled() => {}
            Err(e) => return Err(format!("a task failed: {e}")),
        }
    }
    Ok(done)
}

/// Awaits every handle, failing on a panic or a task that returned `Err`; an abort is expected.
pub async fn join_outcomes(handles: Vec<JoinHandle<Outcome>>) -> Outcome {
    join_all(handles).await?.into_iter().collect()
}

/// Awaits every handle, failing on a panic, an abort, or a task that returned `Err`.
pub async fn join_checked(handles: Vec<JoinHandle<Outcome>>) -> Outcome {
    for h in handles {
        match h.await {
            Ok(r) => r?,
            Err(e) => return Err(format!("a task failed: {e}")),
        }
    }
    Ok(())
}

/// Awaits every handle, failing on a panic or an abort; returns the values in order.
pub async fn join_checked_values<T>(handles: Vec<JoinHandle<T>>) -> Result<Vec<T>, String> {
    let mut values = Vec::new();
    for h in handles {
        values.push(h.await.map_err(|e| format!("a task failed: {e}"))?);
    }
    Ok(values)
}
