//! [`timeout`]: bounds how long a future may take.

use super::error::Elapsed;
use super::{sleep_until, Instant, Sleep};
use gort_channel::coop;
use pin_project_lite::pin_project;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

/// Runs `future` for at most `duration`: `Ok(output)` if it completes first, else
/// `Err(Elapsed)` (and the future is dropped).
///
/// The future is polled before the timer, so one that is ready at once wins even with a zero
/// duration.
///
/// # Panics
///
/// When called outside a gort runtime.
///
/// # Cancel safety
///
/// As cancel safe as `future`.
///
/// ```
/// use gort_reactor::time::{timeout, Duration};
/// # let driver = gort_reactor::driver::Driver::new().unwrap();
/// # let _g = driver.handle().enter();
/// let out = futures::executor::block_on(timeout(Duration::from_secs(1), async { 5 }));
/// assert_eq!(out, Ok(5));
/// ```
#[track_caller]
pub fn timeout<F: IntoFuture>(duration: Duration, future: F) -> Timeout<F::IntoFuture> {
    let deadline = Instant::now()
        .checked_add(duration)
        .unwrap_or_else(Instant::far_future);
    Timeout::new(future.into_future(), sleep_until(deadline))
}

/// Like [`timeout`], with an absolute deadline.
///
/// # Cancel safety
///
/// As cancel safe as `future`.
///
/// ```
/// use gort_reactor::time::{timeout_at, Duration, Instant};
/// # let driver = gort_reactor::driver::Driver::new().unwrap();
/// # let _g = driver.handle().enter();
/// let t = timeout_at(Instant::now() + Duration::from_secs(1), async { 1 });
/// assert_eq!(futures::executor::block_on(t), Ok(1));
/// ```
#[track_caller]
pub fn timeout_at<F: IntoFuture>(deadline: Instant, future: F) -> Timeout<F::IntoFuture> {
    Timeout::new(future.into_future(), sleep_until(deadline))
}

pin_project! {
    /// The future returned by [`timeout`] and [`timeout_at`].
    ///
    /// ```
    /// use gort_reactor::time::{timeout, Duration};
    /// # let driver = gort_reactor::driver::Driver::new().unwrap();
    /// # let _g = driver.handle().enter();
    /// let t = timeout(Duration::from_secs(1), async { "done" });
    /// let _inner = t.get_ref();
    /// ```
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    #[derive(Debug)]
    pub struct Timeout<T> {
        #[pin]
        value: T,
        delay: Sleep,
    }
}

impl<T> Timeout<T> {
    fn new(value: T, delay: Sleep) -> Timeout<T> {
        Timeout { value, delay }
    }

    /// The wrapped future.
    pub fn get_ref(&self) -> &T {
        &self.value
    }

    /// Consumes the `Timeout`, returning the wrapped future.
    ///
    /// ```
    /// use gort_reactor::time::{timeout, Duration};
    /// # let driver = gort_reactor::driver::Driver::new().unwrap();
    /// # let _g = driver.handle().enter();
    /// let inner = timeout(Duration::from_secs(1), std::future::ready(3)).into_inner();
    /// assert_eq!(futures::executor::block_on(inner), 3);
    /// ```
    pub fn into_inner(self) -> T {
        self.value
    }

    /// The wrapped future, mutably.
    ///
    /// ```
    /// use gort_reactor::time::{timeout, Duration};
    /// # let driver = gort_reactor::driver::Driver::new().unwrap();
    /// # let _g = driver.handle().enter();
    /// let mut t = timeout(Duration::from_secs(1), std::future::ready(3));
    /// let _inner: &mut std::future::Ready<i32> = t.get_mut();
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        &mut self.value
    }
}

impl<T: Future> Future for Timeout<T> {
    type Output = Result<T::Output, Elapsed>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let had_budget = coop::has_budget_remaining();
        if let Poll::Ready(v) = this.value.poll(cx) {
            return Poll::Ready(Ok(v));
        }
        // If the inner future spent the last of the budget, still let the timer fire: a
        // timeout must not be starved by the work it bounds (tokio does the same).
        let mut poll_delay = || match Pin::new(&mut *this.delay).poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(Elapsed::new())),
            Poll::Pending => Poll::Pending,
        };
        if had_budget && !coop::has_budget_remaining() {
            coop::unconstrained(poll_delay)
        } else {
            poll_delay()
        }
    }
}
