//! The runtime's driver seam: what an idle worker blocks in.
//!
//! Each runtime owns one [`Driver`]. An idle worker that wins the driver's lock blocks in
//! [`Driver::park`], anyone who needs that worker calls [`Handle::unpark`]. This is the seam the
//! reactor's `gort_reactor::driver::Driver` plugs into (I/O readiness and timers are dispatched
//! while parked); until then a condvar stands in so the scheduler runs without it.

use std::io;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

/// Runs a blocking job somewhere off the workers (the runtime's blocking pool).
pub(crate) type BlockingSpawner = Arc<dyn Fn(Box<dyn FnOnce() + Send>) + Send + Sync>;

/// Blocks idle workers; owned by the runtime, used by one parked worker at a time.
pub(crate) struct Driver {
    inner: Arc<Inner>,
}

/// Wakes the thread blocked in [`Driver::park`]; `Send + Sync`, cheap to clone.
#[derive(Clone)]
pub(crate) struct Handle {
    inner: Arc<Inner>,
}

struct Inner {
    notified: Mutex<bool>,
    condvar: Condvar,
}

/// Restores the thread's previous driver on drop.
pub(crate) struct EnterGuard {
    _private: (),
}

impl Driver {
    pub(crate) fn new() -> io::Result<Driver> {
        Ok(Driver {
            inner: Arc::new(Inner {
                notified: Mutex::new(false),
                condvar: Condvar::new(),
            }),
        })
    }

    pub(crate) fn handle(&self) -> Handle {
        Handle {
            inner: self.inner.clone(),
        }
    }

    /// Blocks until `Handle::unpark` or `timeout` (`None`: no limit; zero: just poll).
    pub(crate) fn park(&mut self, timeout: Option<Duration>) {
        let mut notified = self
            .inner
            .notified
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        match timeout {
            Some(t) if t.is_zero() => {}
            Some(t) => {
                if !*notified {
                    notified = self
                        .inner
                        .condvar
                        .wait_timeout(notified, t)
                        .unwrap_or_else(|e| e.into_inner())
                        .0;
                }
            }
            None => {
                while !*notified {
                    notified = self
                        .inner
                        .condvar
                        .wait(notified)
                        .unwrap_or_else(|e| e.into_inner());
                }
            }
        }
        *notified = false;
    }
}

impl Handle {
    /// Interrupts a thread blocked in [`Driver::park`] (or makes the next park return at once).
    pub(crate) fn unpark(&self) {
        *self
            .inner
            .notified
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = true;
        self.inner.condvar.notify_one();
    }

    /// Makes this driver the thread's current one (for I/O and timers created there).
    pub(crate) fn enter(&self) -> EnterGuard {
        EnterGuard { _private: () }
    }

    /// Gives the driver a way to run blocking work (DNS lookups) on the runtime's pool.
    pub(crate) fn set_blocking_spawner(&self, spawner: BlockingSpawner) {
        drop(spawner);
    }
}
