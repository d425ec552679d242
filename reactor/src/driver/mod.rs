//! The reactor driver: one `mio::Poll` per runtime, the timer wheel and the clock.
//!
//! The executor owns one [`Driver`] per runtime and lets one idle worker at a time block in
//! [`Driver::park`]; everything else reaches the driver through a [`Handle`]:
//!
//! - **I/O.** Each socket registers once (edge-triggered, read and write interest) and gets a
//!   slot in a slab; its mio token is the slot index plus a generation, so an event still queued
//!   for a closed socket never wakes the socket that reused the slot. `park` stores each event's
//!   readiness in the slot's readiness word and wakes the waiting tasks; an operation clears the
//!   readiness it saw only when it hits `WouldBlock` (see `scheduled_io`). Sockets deregister on
//!   drop.
//! - **Timers.** A hierarchical timing wheel (`time::wheel`) with millisecond resolution; `park`
//!   blocks no longer than the next deadline and fires what is due. A timer registered from
//!   another thread with an earlier deadline than the one the driver sleeps towards unparks it.
//! - **Wakeups.** [`Handle::unpark`] writes the driver's `mio::Waker`.
//! - **Panicking wakers.** Wakers are user code: the driver wakes each one under
//!   `catch_unwind`, so a panicking `wake` (or `Drop`) is reported by the panic hook and the rest of
//!   the dispatch goes on; nothing unwinds into the worker that holds the driver. Replaced wakers
//!   are dropped outside the socket's lock for the same reason.
//!
//! The shape follows mio's own boundary (`Poll`, `Token`, `Waker`) and tokio's I/O driver.
//!
//! ```
//! use gort_reactor::driver::Driver;
//! use std::time::{Duration, Instant};
//!
//! let mut driver = Driver::new().unwrap();
//! let start = Instant::now();
//! driver.park(Some(Duration::from_millis(5))); // nothing registered: sleeps ~5 ms
//! assert!(start.elapsed() >= Duration::from_millis(5));
//! ```

mod handle;
pub(crate) mod ready;
pub(crate) mod registration;
pub(crate) mod scheduled_io;
mod sub_ms;
#[cfg(all(test, not(loom)))]
mod tests;

pub(crate) use handle::shutdown_error_because;
pub use handle::{is_rt_shutdown_err, BlockingSpawner, EnterGuard, Handle};

use std::fmt;
use std::io;
use std::task::Waker;
use std::time::Duration;

/// The reactor: owns the `mio::Poll`, the timer wheel and the clock. One per runtime.
///
/// ```
/// let mut driver = gort_reactor::driver::Driver::new().unwrap();
/// driver.park(Some(std::time::Duration::ZERO)); // poll without blocking
/// ```
pub struct Driver {
    poll: mio::Poll,
    events: mio::Events,
    handle: Handle,
    wake: Vec<Waker>,
}

impl Driver {
    /// Creates a driver (a new epoll/kqueue instance and its waker).
    ///
    /// ```
    /// let driver = gort_reactor::driver::Driver::new().unwrap();
    /// let _handle = driver.handle();
    /// ```
    pub fn new() -> io::Result<Driver> {
        let poll = mio::Poll::new()?;
        let waker = mio::Waker::new(poll.registry(), handle::WAKER_TOKEN)?;
        let registry = poll.registry().try_clone()?;
        Ok(Driver {
            poll,
            events: mio::Events::with_capacity(1024),
            handle: Handle::new(registry, waker),
            wake: Vec::new(),
        })
    }

    /// A handle to this driver.
    ///
    /// ```
    /// let driver = gort_reactor::driver::Driver::new().unwrap();
    /// let handle = driver.handle();
    /// handle.unpark();
    /// ```
    pub fn handle(&self) -> Handle {
        self.handle.clone()
    }

    /// Blocks until an I/O event, a timer deadline, [`Handle::unpark`], or `timeout` (`None` =
    /// no limit; `Some(ZERO)` = poll without blocking). Dispatches readiness and fires expired
    /// timers (waking their wakers) before returning. With a paused clock (feature `test-util`)
    /// and no I/O ready, it advances the clock to the next timer deadline instead of sleeping.
    ///
    /// ```
    /// use gort_reactor::driver::Driver;
    /// use std::time::Duration;
    ///
    /// let mut driver = Driver::new().unwrap();
    /// let handle = driver.handle();
    /// std::thread::spawn(move || {
    ///     std::thread::sleep(Duration::from_millis(10));
    ///     handle.unpark();
    /// });
    /// driver.park(None); // returns once unparked
    /// ```
    pub fn park(&mut self, timeout: Option<Duration>) {
        let inner = self.handle.inner.clone();
        let clock = &inner.clock;
        let paused = clock.is_paused();

        // Fire what is due, and work out how long we may sleep.
        let mut timeout = timeout;
        let mut blocking;
        {
            let now = clock.now_ms();
            let mut timers = inner.timers.lock().unwrap();
            timers.wheel.advance(now, &mut self.wake);
            let next = timers.wheel.next_deadline();
            if !self.wake.is_empty() {
                timeout = Some(Duration::ZERO);
            } else if let Some(next) = next {
                if !paused {
                    let until = clock
                        .instant_of(next)
                        .saturating_duration_since(clock.now());
                    timeout = Some(timeout.map_or(until, |t| t.min(until)));
                }
            }
            blocking = timeout != Some(Duration::ZERO) && !paused;
            // Set under the same lock that computed `next`: a timer registered from here on
            // with an earlier deadline sees it and unparks us.
            timers.sleeping_until = match (blocking, next) {
                (false, _) => 0,
                (true, Some(next)) => next,
                (true, None) => u64::MAX,
            };
        }
        self.wake_all();

        if paused && timeout != Some(Duration::ZERO) {
            // The runtime is idle: take any ready I/O, else jump the clock to the next timer.
            let (events, woken) = self.poll_io(Some(Duration::ZERO));
            // A running blocking task (real time) holds the clock: wait for it instead.
            if events == 0
                && !woken
                && !self.handle.auto_advance_inhibited()
                && self.advance_paused_clock()
            {
                return;
            }
            if events > 0 || woken {
                self.fire_due_timers();
                return;
            }
            // No timer to advance to (or held): wait for I/O or an unpark, as an unpaused driver.
            inner.timers.lock().unwrap().sleeping_until = u64::MAX;
            blocking = true;
        }

        self.poll_io(timeout);
        if blocking {
            // Time passed while we slept: fire what came due, in the same lock section that
            // marks us awake. (A zero-timeout poll already fired everything due above.)
            let now = clock.now_ms();
            let mut timers = inner.timers.lock().unwrap();
            timers.sleeping_until = 0;
            timers.wheel.advance(now, &mut self.wake);
            drop(timers);
            self.wake_all();
        }
    }

    /// Polls mio and dispatches readiness; returns (I/O events, whether unparked).
    fn poll_io(&mut self, timeout: Option<Duration>) -> (usize, bool) {
        let timeout = sub_ms::wait(&self.poll, timeout);
        match self.poll.poll(&mut self.events, timeout) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => return (0, false),
            Err(e) => panic!("the gort reactor failed to poll for I/O events: {e}"),
        }
        let mut woken = false;
        let mut count = 0;
        {
            let ios = self.handle.inner.ios.lock().unwrap();
            for event in self.events.iter() {
                if event.token() == handle::WAKER_TOKEN {
                    woken = true;
                    continue;
                }
                if let Some(shared) = Handle::lookup(&ios, event.token().0) {
                    count += 1;
                    shared.set_readiness(ready::Ready::from_mio(event), &mut self.wake);
                }
            }
        }
        self.wake_all();
        (count, woken)
    }

    fn fire_due_timers(&mut self) {
        let inner = &self.handle.inner;
        let now = inner.clock.now_ms();
        inner
            .timers
            .lock()
            .unwrap()
            .wheel
            .advance(now, &mut self.wake);
        self.wake_all();
    }

    /// Paused clock: advance it to the next timer and fire. False if there is no timer to
    /// advance to.
    #[cfg(feature = "test-util")]
    fn advance_paused_clock(&mut self) -> bool {
        let inner = self.handle.inner.clone();
        let clock = &inner.clock;
        let next = inner.timers.lock().unwrap().wheel.next_deadline();
        let Some(next) = next else { return false };
        // A paused clock does not wait, it jumps: `timeout` (which bounds real waiting) does
        // not apply.
        let by = clock
            .instant_of(next)
            .saturating_duration_since(clock.now());
        clock.advance(by);
        self.fire_due_timers();
        true
    }

    #[cfg(not(feature = "test-util"))]
    fn advance_paused_clock(&mut self) -> bool {
        false
    }

    fn wake_all(&mut self) {
        wake_all(self.wake.drain(..));
    }
}

/// Wakes each waker, containing a panic in one of them (or in its `Drop`): the panic hook has
/// reported it, and the remaining wakers still run. A waker is user code; unwinding out of here
/// would drop the wakers not yet woken (stranding their tasks) and take the driver's thread, and
/// the lock it is held under, down with it.
pub(crate) fn wake_all(wakers: impl IntoIterator<Item = Waker>) {
    for waker in wakers {
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| waker.wake()));
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // Wake everything still waiting on this driver: sockets report an error, timers panic
        // with a message saying the runtime is gone.
        let inner = &self.handle.inner;
        {
            let mut ios = inner.ios.lock().unwrap();
            ios.shutdown = true;
            for (_, shared) in ios.slab.iter() {
                shared.shutdown(&mut self.wake);
            }
        }
        {
            let mut timers = inner.timers.lock().unwrap();
            timers.shutdown = true;
            timers.wheel.take_all_wakers(&mut self.wake);
        }
        self.wake_all();
    }
}

impl fmt::Debug for Driver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Driver")
            .field("handle", &self.handle)
            .finish_non_exhaustive()
    }
}
