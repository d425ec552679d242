//! Go's timer channels: [`after`] (`time.After`) and [`tick`] (`time.Tick`), delivering
//! [`Instant`]s on a [`gort_channel::chan`] with a buffer of one.
//!
//! No task runs them: each registers a *detached* entry in the timer wheel whose waker is the
//! callback. When the entry fires, the callback `try_send`s the current instant (a tick the
//! receiver has not taken yet makes the new one drop, as Go's `Ticker`) and, for `tick`,
//! registers the next deadline. A ticker stops once its receiver is dropped.

use super::Instant;
use crate::driver::Handle;
use gort_channel::chan::{self, Receiver, Sender, TrySendError};
use std::sync::{Arc, Mutex};
use std::task::{Wake, Waker};
use std::time::Duration;

/// A channel that receives the current instant once `duration` has passed (Go's
/// `time.After`). The timer frees itself when it fires, whether or not anyone receives.
///
/// # Panics
///
/// When called outside a gort runtime.
///
/// ```
/// use gort_reactor::time::{after, Duration};
/// # let driver = gort_reactor::driver::Driver::new().unwrap();
/// # let _g = driver.handle().enter();
/// let rx = after(Duration::ZERO);
/// assert!(rx.try_recv().is_ok()); // already due: delivered at once
/// ```
#[track_caller]
pub fn after(duration: Duration) -> Receiver<Instant> {
    start(duration, None)
}

/// A channel that receives the current instant every `period` (Go's `time.Tick`); ticks the
/// receiver is not ready for are dropped, so a slow receiver never sees a burst. The ticker
/// stops when the receiver is dropped. Periods below 1 ms (the wheel's resolution) tick every
/// millisecond.
///
/// # Panics
///
/// If `period` is zero, or when called outside a gort runtime.
///
/// ```
/// use gort_reactor::time::{tick, Duration};
/// # let driver = gort_reactor::driver::Driver::new().unwrap();
/// # let _g = driver.handle().enter();
/// let ticks = tick(Duration::from_millis(100));
/// assert_eq!(ticks.capacity(), Some(1));
/// ```
#[track_caller]
pub fn tick(period: Duration) -> Receiver<Instant> {
    assert!(period > Duration::ZERO, "`period` must be non-zero.");
    let period = period.max(Duration::from_millis(1));
    start(period, Some(period))
}

struct TimerSend {
    handle: Handle,
    tx: Sender<Instant>,
    period: Option<Duration>,
    deadline: Mutex<Instant>,
    /// Tells the deadlock detector that a receive on this channel waits on a timer.
    _timer_fed: gort_waitsite::TimerSource,
}

#[track_caller]
fn start(duration: Duration, period: Option<Duration>) -> Receiver<Instant> {
    let handle = Handle::current();
    let (tx, rx) = chan::bounded(1);
    let deadline = Instant::now()
        .checked_add(duration)
        .unwrap_or_else(Instant::far_future);
    let timer = Arc::new(TimerSend {
        handle,
        _timer_fed: gort_waitsite::TimerSource::new(tx.__wait_resource()),
        tx,
        period,
        deadline: Mutex::new(deadline),
    });
    timer.arm(deadline);
    rx
}

impl TimerSend {
    /// Registers the timer for `deadline`, or fires now if it is already due.
    fn arm(self: Arc<Self>, deadline: Instant) {
        let ms = self.handle.clock().deadline_ms(deadline.into_std());
        let due = deadline.into_std() <= self.handle.clock().now();
        let registered = !due
            && self
                .handle
                .insert_detached_timer(ms, Waker::from(self.clone()));
        // Not registered: due already (fire now), or the driver is gone (give up).
        if !registered && !self.handle.timers_shut_down() {
            self.fire();
        }
    }

    fn fire(self: Arc<Self>) {
        match self.tx.try_send(Instant::now()) {
            Ok(()) | Err(TrySendError::Full(_)) => {}
            Err(TrySendError::Closed(_)) => return, // nobody listens any more
        }
        let Some(period) = self.period else { return };
        let now = Instant::now();
        let next = {
            let mut deadline = self.deadline.lock().unwrap();
            let mut next = *deadline + period;
            if next <= now {
                // Missed ticks are skipped, keeping the original phase.
                let late = (now - *deadline).as_nanos() % period.as_nanos();
                next = now + period - Duration::from_nanos(late as u64);
            }
            *deadline = next;
            next
        };
        self.arm(next);
    }
}

impl Wake for TimerSend {
    fn wake(self: Arc<Self>) {
        // The driver also wakes every waker when it shuts down: then there is nothing to send.
        if self.handle.timers_shut_down() {
            return;
        }
        self.fire();
    }
}
