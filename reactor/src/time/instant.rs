//! [`Instant`]: a point in time, read from the runtime's clock (which `pause` can freeze).

use std::fmt;
use std::ops::{Add, AddAssign, Sub, SubAssign};
use std::time::Duration;

/// A measurement of a monotonically nondecreasing clock, as `tokio::time::Instant`.
///
/// It wraps [`std::time::Instant`]; with the `test-util` feature, [`Instant::now`] reads the
/// current runtime's clock, which `time::pause()` can freeze and
/// `time::advance()` move.
///
/// ```
/// use gort_reactor::time::{Duration, Instant};
/// let start = Instant::now();
/// let later = start + Duration::from_millis(5);
/// assert_eq!(later - start, Duration::from_millis(5));
/// assert!(later > start);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant {
    std: std::time::Instant,
}

impl Instant {
    /// The current time.
    ///
    /// ```
    /// let a = gort_reactor::time::Instant::now();
    /// assert!(gort_reactor::time::Instant::now() >= a);
    /// ```
    pub fn now() -> Instant {
        #[cfg(feature = "test-util")]
        if let Some(now) = crate::driver::Handle::with_current(|h| h.clock().now()) {
            return Instant::from_std(now);
        }
        Instant::from_std(std::time::Instant::now())
    }

    /// Wraps a `std::time::Instant`.
    ///
    /// ```
    /// let std = std::time::Instant::now();
    /// assert_eq!(gort_reactor::time::Instant::from_std(std).into_std(), std);
    /// ```
    pub fn from_std(std: std::time::Instant) -> Instant {
        Instant { std }
    }

    /// The `std::time::Instant` inside.
    ///
    /// ```
    /// let now = gort_reactor::time::Instant::now();
    /// let _std: std::time::Instant = now.into_std();
    /// ```
    pub fn into_std(self) -> std::time::Instant {
        self.std
    }

    /// Time elapsed from `earlier` to `self` (zero if `earlier` is later).
    ///
    /// ```
    /// use gort_reactor::time::{Duration, Instant};
    /// let a = Instant::now();
    /// assert_eq!((a + Duration::from_secs(1)).duration_since(a), Duration::from_secs(1));
    /// assert_eq!(a.duration_since(a + Duration::from_secs(1)), Duration::ZERO);
    /// ```
    pub fn duration_since(&self, earlier: Instant) -> Duration {
        self.std.saturating_duration_since(earlier.std)
    }

    /// Time elapsed from `earlier` to `self`, or `None` if `earlier` is later.
    ///
    /// ```
    /// use gort_reactor::time::{Duration, Instant};
    /// let a = Instant::now();
    /// assert_eq!(a.checked_duration_since(a + Duration::from_secs(1)), None);
    /// ```
    pub fn checked_duration_since(&self, earlier: Instant) -> Option<Duration> {
        self.std.checked_duration_since(earlier.std)
    }

    /// Time elapsed from `earlier` to `self`, or zero if `earlier` is later.
    ///
    /// ```
    /// let a = gort_reactor::time::Instant::now();
    /// assert_eq!(a.saturating_duration_since(a), std::time::Duration::ZERO);
    /// ```
    pub fn saturating_duration_since(&self, earlier: Instant) -> Duration {
        self.std.saturating_duration_since(earlier.std)
    }

    /// Time elapsed since this instant.
    ///
    /// ```
    /// let a = gort_reactor::time::Instant::now();
    /// let _ = a.elapsed();
    /// ```
    pub fn elapsed(&self) -> Duration {
        Instant::now().saturating_duration_since(*self)
    }

    /// `self + duration`, or `None` on overflow.
    ///
    /// ```
    /// let a = gort_reactor::time::Instant::now();
    /// assert!(a.checked_add(std::time::Duration::MAX).is_none());
    /// ```
    pub fn checked_add(&self, duration: Duration) -> Option<Instant> {
        self.std.checked_add(duration).map(Instant::from_std)
    }

    /// `self - duration`, or `None` on overflow.
    ///
    /// ```
    /// let a = gort_reactor::time::Instant::now();
    /// assert!(a.checked_sub(std::time::Duration::MAX).is_none());
    /// ```
    pub fn checked_sub(&self, duration: Duration) -> Option<Instant> {
        self.std.checked_sub(duration).map(Instant::from_std)
    }

    /// About 30 years from now: the deadline of a sleep whose duration overflows.
    pub(crate) fn far_future() -> Instant {
        Instant::now() + Duration::from_secs(86400 * 365 * 30)
    }
}

impl From<std::time::Instant> for Instant {
    fn from(std: std::time::Instant) -> Instant {
        Instant::from_std(std)
    }
}

impl From<Instant> for std::time::Instant {
    fn from(instant: Instant) -> std::time::Instant {
        instant.into_std()
    }
}

impl Add<Duration> for Instant {
    type Output = Instant;
    fn add(self, rhs: Duration) -> Instant {
        Instant::from_std(self.std + rhs)
    }
}

impl AddAssign<Duration> for Instant {
    fn add_assign(&mut self, rhs: Duration) {
        *self = *self + rhs;
    }
}

impl Sub for Instant {
    type Output = Duration;
    fn sub(self, rhs: Instant) -> Duration {
        self.std.saturating_duration_since(rhs.std)
    }
}

impl Sub<Duration> for Instant {
    type Output = Instant;
    fn sub(self, rhs: Duration) -> Instant {
        Instant::from_std(self.std - rhs)
    }
}

impl SubAssign<Duration> for Instant {
    fn sub_assign(&mut self, rhs: Duration) {
        *self = *self - rhs;
    }
}

impl fmt::Debug for Instant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.std.fmt(f)
    }
}
