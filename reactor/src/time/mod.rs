//! Time: [`sleep`], [`timeout`], [`interval`] and a clock that tests can pause.
//!
//! Every timer is an entry in the runtime driver's hierarchical timing wheel (see the `wheel`
//! module: Varghese & Lauck's hierarchical wheel, 6 levels of 64 slots, 1 ms resolution). A
//! [`Sleep`] registers its entry on first poll and removes it when dropped, so a million pending
//! sleeps cost memory linear in their number and nothing scans them per tick. Deadlines round up
//! to the next millisecond and the clock rounds down, so a timer never fires early. The driver
//! sleeps until the earliest deadline; a timer registered from another thread with an earlier
//! deadline wakes it. Timer polls charge the task's cooperative budget.
//!
//! With the `test-util` feature, `pause()` freezes the clock of a current-thread runtime;
//! while paused, an idle runtime jumps the clock straight to the next timer (as tokio).
//!
//! ```
//! use gort_reactor::time::{sleep, Duration, Instant};
//! use gort_reactor::driver::Driver;
//!
//! // Drive one sleep by hand (a runtime normally does this).
//! let mut driver = Driver::new().unwrap();
//! let _guard = driver.handle().enter();
//! let start = Instant::now();
//! let mut s = Box::pin(sleep(Duration::from_millis(20)));
//! let waker = futures::task::noop_waker();
//! let mut cx = std::task::Context::from_waker(&waker);
//! while std::future::Future::poll(s.as_mut(), &mut cx).is_pending() {
//!     driver.park(None);
//! }
//! assert!(start.elapsed() >= Duration::from_millis(20));
//! ```

pub(crate) mod clock;
pub mod error;
mod go;
mod instant;
mod interval;
mod sleep;
#[cfg(all(test, not(loom), not(miri)))]
mod tests;
mod timeout;
pub(crate) mod wheel;

pub use go::{after, tick};
pub use instant::Instant;
pub use interval::{interval, interval_at, Interval, MissedTickBehavior};
pub use sleep::{sleep, sleep_until, Sleep};
pub use std::time::Duration;
pub use timeout::{timeout, timeout_at, Timeout};

#[cfg(feature = "test-util")]
mod pause;
#[cfg(feature = "test-util")]
pub use pause::{advance, pause, resume};
