//! [`Interval`]: ticks at a fixed period, with tokio's policies for missed ticks.

use super::{sleep_until, Instant, Sleep};
use std::future::poll_fn;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::Duration;

/// An [`Interval`] whose first tick completes immediately and later ticks every `period`.
///
/// # Panics
///
/// If `period` is zero, or when called outside a gort runtime.
///
/// ```
/// use gort_reactor::time::{interval, Duration};
/// # let driver = gort_reactor::driver::Driver::new().unwrap();
/// # let _g = driver.handle().enter();
/// let mut iv = interval(Duration::from_millis(10));
/// futures::executor::block_on(iv.tick()); // the first tick is immediate
/// assert_eq!(iv.period(), Duration::from_millis(10));
/// ```
#[track_caller]
pub fn interval(period: Duration) -> Interval {
    assert!(period > Duration::ZERO, "`period` must be non-zero.");
    interval_at(Instant::now(), period)
}

/// An [`Interval`] whose first tick completes at `start` and later ticks every `period`.
///
/// # Panics
///
/// If `period` is zero, or when called outside a gort runtime.
///
/// ```
/// use gort_reactor::time::{interval_at, Duration, Instant};
/// # let driver = gort_reactor::driver::Driver::new().unwrap();
/// # let _g = driver.handle().enter();
/// let start = Instant::now();
/// let mut iv = interval_at(start, Duration::from_secs(1));
/// assert_eq!(futures::executor::block_on(iv.tick()), start);
/// ```
#[track_caller]
pub fn interval_at(start: Instant, period: Duration) -> Interval {
    assert!(period > Duration::ZERO, "`period` must be non-zero.");
    Interval {
        delay: sleep_until(start),
        period,
        missed_tick_behavior: MissedTickBehavior::default(),
    }
}

/// What an [`Interval`] does when ticks were missed (the task was late by more than 5 ms).
///
/// ```
/// use gort_reactor::time::MissedTickBehavior;
/// assert_eq!(MissedTickBehavior::default(), MissedTickBehavior::Burst);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MissedTickBehavior {
    /// Fire the missed ticks back to back until caught up with the original schedule.
    #[default]
    Burst,
    /// Schedule the next tick a full `period` after the late one: the schedule shifts.
    Delay,
    /// Skip the missed ticks: the next tick is the next multiple of `period` on the original
    /// schedule.
    Skip,
}

impl MissedTickBehavior {
    fn next_timeout(self, timeout: Instant, now: Instant, period: Duration) -> Instant {
        match self {
            MissedTickBehavior::Burst => timeout + period,
            MissedTickBehavior::Delay => now + period,
            MissedTickBehavior::Skip => {
                let late = (now - timeout).as_nanos() % period.as_nanos();
                now + period - Duration::from_nanos(late as u64)
            }
        }
    }
}

/// Ticks at a fixed period; see [`interval`].
///
/// ```
/// use gort_reactor::time::{interval, Duration, MissedTickBehavior};
/// # let driver = gort_reactor::driver::Driver::new().unwrap();
/// # let _g = driver.handle().enter();
/// let mut iv = interval(Duration::from_millis(5));
/// iv.set_missed_tick_behavior(MissedTickBehavior::Skip);
/// assert_eq!(iv.missed_tick_behavior(), MissedTickBehavior::Skip);
/// ```
#[derive(Debug)]
pub struct Interval {
    delay: Sleep,
    period: Duration,
    missed_tick_behavior: MissedTickBehavior,
}

impl Interval {
    /// Completes at the next tick and returns its scheduled instant.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a dropped `tick()` consumes no tick.
    ///
    /// ```
    /// use gort_reactor::time::{interval, Duration};
    /// # let driver = gort_reactor::driver::Driver::new().unwrap();
    /// # let _g = driver.handle().enter();
    /// let mut iv = interval(Duration::from_millis(1));
    /// let first = futures::executor::block_on(iv.tick());
    /// # let _ = first;
    /// ```
    pub async fn tick(&mut self) -> Instant {
        poll_fn(|cx| self.poll_tick(cx)).await
    }

    /// Polls for the next tick; schedules the one after when it completes.
    ///
    /// ```
    /// use gort_reactor::time::{interval, Duration};
    /// use std::task::Context;
    /// # let driver = gort_reactor::driver::Driver::new().unwrap();
    /// # let _g = driver.handle().enter();
    /// let mut iv = interval(Duration::from_secs(60));
    /// let waker = futures::task::noop_waker();
    /// let mut cx = Context::from_waker(&waker);
    /// assert!(iv.poll_tick(&mut cx).is_ready());
    /// assert!(iv.poll_tick(&mut cx).is_pending());
    /// ```
    pub fn poll_tick(&mut self, cx: &mut Context<'_>) -> Poll<Instant> {
        ready!(Pin::new(&mut self.delay).poll(cx));
        let timeout = self.delay.deadline();
        let now = Instant::now();
        let next = if now > timeout + Duration::from_millis(5) {
            self.missed_tick_behavior
                .next_timeout(timeout, now, self.period)
        } else {
            timeout
                .checked_add(self.period)
                .unwrap_or_else(Instant::far_future)
        };
        Pin::new(&mut self.delay).reset(next);
        Poll::Ready(timeout)
    }

    /// Restarts the schedule: the next tick is one `period` from now.
    ///
    /// ```
    /// use gort_reactor::time::{interval, Duration};
    /// # let driver = gort_reactor::driver::Driver::new().unwrap();
    /// # let _g = driver.handle().enter();
    /// let mut iv = interval(Duration::from_secs(1));
    /// iv.reset();
    /// ```
    pub fn reset(&mut self) {
        self.reset_after(self.period);
    }

    /// Restarts the schedule with the next tick now.
    ///
    /// ```
    /// # let driver = gort_reactor::driver::Driver::new().unwrap();
    /// # let _g = driver.handle().enter();
    /// let mut iv = gort_reactor::time::interval(std::time::Duration::from_secs(1));
    /// iv.reset_immediately();
    /// ```
    pub fn reset_immediately(&mut self) {
        self.reset_at(Instant::now());
    }

    /// Restarts the schedule with the next tick `after` from now.
    ///
    /// ```
    /// # let driver = gort_reactor::driver::Driver::new().unwrap();
    /// # let _g = driver.handle().enter();
    /// let mut iv = gort_reactor::time::interval(std::time::Duration::from_secs(1));
    /// iv.reset_after(std::time::Duration::from_millis(10));
    /// ```
    pub fn reset_after(&mut self, after: Duration) {
        // A period too long to add (Duration::MAX) means "never", as in tokio.
        let deadline = Instant::now()
            .checked_add(after)
            .unwrap_or_else(Instant::far_future);
        self.reset_at(deadline);
    }

    /// Restarts the schedule with the next tick at `deadline`.
    ///
    /// ```
    /// use gort_reactor::time::{interval, Duration, Instant};
    /// # let driver = gort_reactor::driver::Driver::new().unwrap();
    /// # let _g = driver.handle().enter();
    /// let mut iv = interval(Duration::from_secs(1));
    /// iv.reset_at(Instant::now() + Duration::from_millis(10));
    /// ```
    pub fn reset_at(&mut self, deadline: Instant) {
        Pin::new(&mut self.delay).reset(deadline);
    }

    /// The policy for missed ticks.
    ///
    /// ```
    /// # let driver = gort_reactor::driver::Driver::new().unwrap();
    /// # let _g = driver.handle().enter();
    /// let iv = gort_reactor::time::interval(std::time::Duration::from_secs(1));
    /// assert_eq!(iv.missed_tick_behavior(), gort_reactor::time::MissedTickBehavior::Burst);
    /// ```
    pub fn missed_tick_behavior(&self) -> MissedTickBehavior {
        self.missed_tick_behavior
    }

    /// Sets the policy for missed ticks.
    ///
    /// ```
    /// use gort_reactor::time::{interval, Duration, MissedTickBehavior};
    /// # let driver = gort_reactor::driver::Driver::new().unwrap();
    /// # let _g = driver.handle().enter();
    /// let mut iv = interval(Duration::from_secs(1));
    /// iv.set_missed_tick_behavior(MissedTickBehavior::Delay);
    /// ```
    pub fn set_missed_tick_behavior(&mut self, behavior: MissedTickBehavior) {
        self.missed_tick_behavior = behavior;
    }

    /// The period between ticks.
    ///
    /// ```
    /// # let driver = gort_reactor::driver::Driver::new().unwrap();
    /// # let _g = driver.handle().enter();
    /// let iv = gort_reactor::time::interval(std::time::Duration::from_secs(2));
    /// assert_eq!(iv.period(), std::time::Duration::from_secs(2));
    /// ```
    pub fn period(&self) -> Duration {
        self.period
    }
}

use std::future::Future as _;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missed_tick_policies() {
        let t = Instant::now();
        let p = Duration::from_millis(10);
        let now = t + Duration::from_millis(35);
        assert_eq!(MissedTickBehavior::Burst.next_timeout(t, now, p), t + p);
        assert_eq!(MissedTickBehavior::Delay.next_timeout(t, now, p), now + p);
        assert_eq!(
            MissedTickBehavior::Skip.next_timeout(t, now, p),
            t + Duration::from_millis(40)
        );
    }
}
