//! The timer hook behind timed waits (`mpsc::Sender::send_timeout`).
//!
//! The channel crate sits below the reactor that owns the timers (see DESIGN.md: dependencies
//! point one way), so it cannot name `time::sleep`. Instead a gort runtime installs a sleep
//! function here when it is built; a timed wait outside any gort runtime finds no hook and
//! panics with a message saying so — as tokio's timed waits do outside a tokio runtime.

use std::future::Future;
use std::pin::Pin;
use std::sync::OnceLock;
use std::time::Duration;

/// A boxed timer future that completes after its duration.
pub type Sleep = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

/// Makes a timer future; installed once by the first gort runtime built.
pub type SleepFn = fn(Duration) -> Sleep;

static HOOK: OnceLock<SleepFn> = OnceLock::new();

/// Installs the timer behind timed waits (called by the gort runtime; later calls are ignored).
///
/// ```
/// fn never(_: std::time::Duration) -> gort_channel::sync::__timer::Sleep {
///     Box::pin(std::future::pending())
/// }
/// gort_channel::sync::__timer::install(never);
/// ```
pub fn install(sleep: SleepFn) {
    let _ = HOOK.set(sleep);
}

/// A timer for `duration`.
///
/// # Panics
/// When no gort runtime was ever built in this process (no timer to use).
pub(crate) fn sleep(duration: Duration) -> Sleep {
    match HOOK.get() {
        Some(sleep) => sleep(duration),
        None => panic!(
            "there is no reactor running, must be called from the context of a Tokio 1.x runtime \
             (tokio's words; in gort: a timed channel wait needs a gort runtime's timer)"
        ),
    }
}
