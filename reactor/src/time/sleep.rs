//! [`Sleep`]: a future that completes at a deadline, backed by one timer-wheel entry.

use super::Instant;
use crate::driver::Handle;
use crate::time::wheel::TimerKey;
use gort_channel::coop;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::Duration;

/// Waits until `duration` has elapsed; never completes early. Resolution is 1 ms.
///
/// A duration too large to add to now sleeps for about 30 years.
///
/// # Panics
///
/// When called outside a gort runtime.
///
/// # Cancel safety
///
/// Cancel safe: dropping the future just removes its timer.
///
/// ```
/// # let driver = gort_reactor::driver::Driver::new().unwrap();
/// # let _g = driver.handle().enter();
/// let sleep = gort_reactor::time::sleep(std::time::Duration::from_millis(10));
/// assert!(!sleep.is_elapsed());
/// ```
#[track_caller]
pub fn sleep(duration: Duration) -> Sleep {
    let deadline = Instant::now()
        .checked_add(duration)
        .unwrap_or_else(Instant::far_future);
    Sleep::new(deadline)
}

/// Waits until `deadline`; never completes early. Resolution is 1 ms.
///
/// # Panics
///
/// When called outside a gort runtime.
///
/// # Cancel safety
///
/// Cancel safe.
///
/// ```
/// use gort_reactor::time::{sleep_until, Duration, Instant};
/// # let driver = gort_reactor::driver::Driver::new().unwrap();
/// # let _g = driver.handle().enter();
/// let deadline = Instant::now() + Duration::from_millis(10);
/// assert_eq!(sleep_until(deadline).deadline(), deadline);
/// ```
#[track_caller]
pub fn sleep_until(deadline: Instant) -> Sleep {
    Sleep::new(deadline)
}

/// The future returned by [`sleep`] and [`sleep_until`].
///
/// It registers its timer on first poll and removes it when dropped, so abandoned sleeps cost
/// nothing. It is `Unpin`; the `Pin<&mut Self>` receivers match tokio's.
///
/// ```
/// use gort_reactor::time::{sleep, Duration, Instant};
/// # let driver = gort_reactor::driver::Driver::new().unwrap();
/// # let _g = driver.handle().enter();
/// let mut s = Box::pin(sleep(Duration::from_secs(60)));
/// s.as_mut().reset(Instant::now());
/// futures::executor::block_on(s.as_mut()); // completes at once
/// assert!(s.is_elapsed());
/// ```
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Sleep {
    deadline: Instant,
    handle: Handle,
    key: Option<TimerKey>,
    /// Completed since its deadline was last set.
    completed: bool,
    /// Where it was created (its wait site in the task dump).
    site: &'static std::panic::Location<'static>,
}

impl Sleep {
    #[track_caller]
    pub(crate) fn new(deadline: Instant) -> Sleep {
        Sleep {
            deadline,
            handle: Handle::current(),
            key: None,
            completed: false,
            site: std::panic::Location::caller(),
        }
    }

    /// The instant at which the future completes.
    ///
    /// ```
    /// use gort_reactor::time::{sleep_until, Instant};
    /// # let driver = gort_reactor::driver::Driver::new().unwrap();
    /// # let _g = driver.handle().enter();
    /// let now = Instant::now();
    /// assert_eq!(sleep_until(now).deadline(), now);
    /// ```
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// True once the sleep has completed, or its timer (set up by its first poll) has reached
    /// the deadline. As tokio's, a sleep never polled has not elapsed, even with its deadline
    /// past: `sleep_until(Instant::now())` is not elapsed until it is awaited.
    ///
    /// ```
    /// use gort_reactor::time::{sleep, Duration};
    /// # let driver = gort_reactor::driver::Driver::new().unwrap();
    /// # let _g = driver.handle().enter();
    /// let mut s = Box::pin(sleep(Duration::ZERO));
    /// assert!(!s.is_elapsed(), "never polled");
    /// futures::executor::block_on(s.as_mut());
    /// assert!(s.is_elapsed());
    /// assert!(!sleep(Duration::from_secs(60)).is_elapsed());
    /// ```
    pub fn is_elapsed(&self) -> bool {
        // As tokio's: a sleep that was never polled has no timer, so it has not elapsed yet.
        self.completed
            || (self.key.is_some() && self.deadline.into_std() <= self.handle.clock().now())
    }

    /// Moves the deadline (earlier or later), even after the sleep completed; the future may
    /// then be polled again.
    ///
    /// ```
    /// use gort_reactor::time::{sleep, Duration, Instant};
    /// # let driver = gort_reactor::driver::Driver::new().unwrap();
    /// # let _g = driver.handle().enter();
    /// let mut s = Box::pin(sleep(Duration::ZERO));
    /// let later = Instant::now() + Duration::from_secs(5);
    /// s.as_mut().reset(later);
    /// assert_eq!(s.deadline(), later);
    /// ```
    pub fn reset(self: Pin<&mut Self>, deadline: Instant) {
        let this = self.get_mut();
        this.deadline = deadline;
        this.completed = false;
        if let Some(key) = this.key {
            let ms = this.handle.clock().deadline_ms(deadline.into_std());
            this.handle.reset_timer(key, ms);
        }
    }

    /// Polls without charging the cooperative budget (for wrappers that already did).
    pub(crate) fn poll_elapsed(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let result = self.poll_deadline(cx);
        self.completed |= result.is_ready();
        result
    }

    fn poll_deadline(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let clock = self.handle.clock();
        match self.key {
            Some(key) => {
                // The wheel has millisecond ticks; the exact check lets a sleep complete as soon
                // as its deadline passes even if the tick that fires it is still to come.
                if self.handle.poll_timer(key, cx.waker())
                    || self.deadline.into_std() <= clock.now()
                {
                    Poll::Ready(())
                } else {
                    Poll::Pending
                }
            }
            None => {
                if self.deadline.into_std() <= clock.now() {
                    return Poll::Ready(());
                }
                let ms = clock.deadline_ms(self.deadline.into_std());
                let (key, fired) = self.handle.insert_timer(ms, cx.waker());
                self.key = Some(key);
                if fired {
                    Poll::Ready(())
                } else {
                    Poll::Pending
                }
            }
        }
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        ready!(coop::poll_proceed(cx));
        let this = self.get_mut();
        match this.poll_elapsed(cx) {
            Poll::Ready(()) => Poll::Ready(()),
            Poll::Pending => {
                coop::refund();
                let me = std::ptr::from_ref(&*this).cast();
                gort_waitsite::record(gort_waitsite::WaitKind::Sleep, me, 0, this.site);
                Poll::Pending
            }
        }
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            self.handle.remove_timer(key);
        }
    }
}

impl fmt::Debug for Sleep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sleep")
            .field("deadline", &self.deadline)
            .finish_non_exhaustive()
    }
}
