//! `pause`, `resume`, `advance` (feature `test-util`): a hand-driven clock for tests.

use crate::driver::Handle;
use std::future::poll_fn;
use std::task::Poll;
use std::time::Duration;

/// Freezes the current runtime's clock. While frozen, [`Instant::now`](super::Instant::now)
/// stands still, and whenever the runtime has nothing else to do its driver jumps the clock to
/// the next timer, so sleeps complete at once and in deadline order.
///
/// # Panics
///
/// Outside a runtime, on a multi-thread runtime (as tokio, pausing needs the current-thread
/// runtime), or if the clock is already paused.
///
/// ```
/// # let driver = gort_reactor::driver::Driver::new().unwrap();
/// # let _g = driver.handle().enter();
/// use gort_reactor::time::{pause, resume, Instant};
/// pause();
/// let a = Instant::now();
/// std::thread::sleep(std::time::Duration::from_millis(2));
/// assert_eq!(Instant::now(), a);
/// resume();
/// ```
#[track_caller]
pub fn pause() {
    let handle = Handle::current();
    if !handle.clock_pausable() {
        panic!(
            "`time::pause()` needs the current-thread runtime (as tokio): use \
             `#[gort::test(start_paused = true)]` or `Builder::new_current_thread()`"
        );
    }
    handle.clock().pause();
}

/// Unfreezes the clock; time runs on from where it was.
///
/// # Panics
///
/// Outside a runtime, or if the clock is not paused.
///
/// ```
/// # let driver = gort_reactor::driver::Driver::new().unwrap();
/// # let _g = driver.handle().enter();
/// gort_reactor::time::pause();
/// gort_reactor::time::resume();
/// ```
#[track_caller]
pub fn resume() {
    Handle::current().clock().resume();
}

/// Moves a paused clock forward by `duration`, fires the timers now due, and yields once so
/// that the tasks they woke get to run.
///
/// # Panics
///
/// Outside a runtime, or if the clock is not paused.
///
/// # Cancel safety
///
/// The clock moves on the first poll; dropping the future afterwards does not undo it.
///
/// ```
/// use gort_reactor::time::{advance, pause, Duration, Instant};
/// # let driver = gort_reactor::driver::Driver::new().unwrap();
/// # let _g = driver.handle().enter();
/// pause();
/// let a = Instant::now();
/// futures::executor::block_on(advance(Duration::from_secs(5)));
/// assert_eq!(Instant::now() - a, Duration::from_secs(5));
/// ```
pub async fn advance(duration: Duration) {
    let handle = Handle::current();
    handle.clock().advance(duration);
    handle.fire_due_timers();
    let mut yielded = false;
    poll_fn(|cx| {
        if yielded {
            Poll::Ready(())
        } else {
            yielded = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    })
    .await
}
