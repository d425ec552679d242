//! [`Handle`]: the shareable side of the driver, and the thread's current reactor.

use super::scheduled_io::ScheduledIo;
use crate::time::clock::Clock;
use crate::time::wheel::{TimerKey, Wheel};
use slab::Slab;
use std::cell::RefCell;
use std::fmt;
use std::io;
use std::marker::PhantomData;
use std::sync::{Arc, Mutex};
use std::task::Waker;

/// Bits of a mio token that hold the slab index; the rest hold the registration's generation.
pub(crate) const INDEX_BITS: u32 = usize::BITS / 2;
const INDEX_MASK: usize = (1 << INDEX_BITS) - 1;
/// The token of the driver's `mio::Waker` (an index the slab never reaches).
pub(crate) const WAKER_TOKEN: mio::Token = mio::Token(usize::MAX);

/// How the executor runs blocking work (its `spawn_blocking`).
pub type BlockingSpawner = Arc<dyn Fn(Box<dyn FnOnce() + Send>) + Send + Sync>;

pub(crate) struct IoSlab {
    pub(crate) slab: Slab<Arc<ScheduledIo>>,
    generation: usize,
    pub(crate) shutdown: bool,
}

pub(crate) struct Timers {
    pub(crate) wheel: Wheel,
    /// The wheel time (ms) the parked driver will wake at; a new timer due earlier unparks it.
    /// 0 while the driver is not blocked.
    pub(crate) sleeping_until: u64,
    pub(crate) shutdown: bool,
}

pub(crate) struct Inner {
    pub(crate) registry: mio::Registry,
    pub(crate) waker: mio::Waker,
    pub(crate) ios: Mutex<IoSlab>,
    pub(crate) timers: Mutex<Timers>,
    pub(crate) clock: Clock,
    blocking_spawner: Mutex<Option<BlockingSpawner>>,
    clock_pausable: std::sync::atomic::AtomicBool,
    /// Blocking tasks running on real time: while non-zero, a paused clock does not jump.
    auto_advance_inhibit: std::sync::atomic::AtomicUsize,
}

/// A handle to a [`Driver`](super::Driver): registers sockets and timers with it and wakes it.
///
/// Cheap to clone, `Send + Sync`. Sockets and timers created on a thread use the thread's
/// *current* handle ([`Handle::current`]), which the runtime sets on its threads.
///
/// ```
/// use gort_reactor::driver::{Driver, Handle};
///
/// let driver = Driver::new().unwrap();
/// assert!(Handle::try_current().is_none());
/// let _guard = driver.handle().enter();
/// assert!(Handle::try_current().is_some());
/// ```
#[derive(Clone)]
pub struct Handle {
    pub(crate) inner: Arc<Inner>,
}

thread_local! {
    static CURRENT: RefCell<Option<Handle>> = const { RefCell::new(None) };
}

/// Makes a [`Handle`] the thread's current reactor until dropped (see [`Handle::enter`]).
///
/// Guards must be dropped in the reverse order of their creation.
#[must_use = "the handle is current only while the guard lives"]
pub struct EnterGuard {
    previous: Option<Handle>,
    _not_send: PhantomData<*const ()>,
}

impl Drop for EnterGuard {
    fn drop(&mut self) {
        let previous = self.previous.take();
        let _ = CURRENT.try_with(|c| *c.borrow_mut() = previous);
    }
}

impl fmt::Debug for EnterGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnterGuard").finish_non_exhaustive()
    }
}

impl Handle {
    pub(crate) fn new(registry: mio::Registry, waker: mio::Waker) -> Handle {
        Handle {
            inner: Arc::new(Inner {
                registry,
                waker,
                ios: Mutex::new(IoSlab {
                    slab: Slab::new(),
                    generation: 0,
                    shutdown: false,
                }),
                timers: Mutex::new(Timers {
                    wheel: Wheel::new(),
                    sleeping_until: 0,
                    shutdown: false,
                }),
                clock: Clock::new(),
                blocking_spawner: Mutex::new(None),
                clock_pausable: std::sync::atomic::AtomicBool::new(true),
                auto_advance_inhibit: std::sync::atomic::AtomicUsize::new(0),
            }),
        }
    }

    /// Wakes the thread blocked in [`Driver::park`](super::Driver::park), or makes the next
    /// `park` return at once if none is blocked.
    ///
    /// ```
    /// let mut driver = gort_reactor::driver::Driver::new().unwrap();
    /// driver.handle().unpark();
    /// driver.park(None); // returns at once
    /// ```
    pub fn unpark(&self) {
        // A failed write to the eventfd/pipe means it is already signalled.
        let _ = self.inner.waker.wake();
    }

    /// Makes this handle the current thread's reactor until the guard is dropped (the previous
    /// one, if any, is restored then).
    ///
    /// ```
    /// use gort_reactor::driver::{Driver, Handle};
    /// let driver = Driver::new().unwrap();
    /// {
    ///     let _guard = driver.handle().enter();
    ///     let _ = Handle::current();
    /// }
    /// assert!(Handle::try_current().is_none());
    /// ```
    pub fn enter(&self) -> EnterGuard {
        // During thread-local destruction (a runtime dropped from a thread-local's destructor)
        // there is nothing to enter: the guard then restores nothing.
        let previous = CURRENT
            .try_with(|c| c.borrow_mut().replace(self.clone()))
            .ok()
            .flatten();
        EnterGuard {
            previous,
            _not_send: PhantomData,
        }
    }

    /// The current thread's reactor.
    ///
    /// # Panics
    ///
    /// When called outside a gort runtime.
    ///
    /// ```
    /// let driver = gort_reactor::driver::Driver::new().unwrap();
    /// let _guard = driver.handle().enter();
    /// let _handle = gort_reactor::driver::Handle::current();
    /// ```
    #[track_caller]
    pub fn current() -> Handle {
        match Handle::try_current() {
            Some(handle) => handle,
            None => panic!(
                "there is no reactor running, must be called from the context of a Tokio 1.x runtime \
                 (tokio's words; in gort: call this from inside a gort runtime: #[gort::main], \
                 Runtime::block_on)"
            ),
        }
    }

    /// The current thread's reactor, or `None` outside a gort runtime.
    ///
    /// ```
    /// assert!(gort_reactor::driver::Handle::try_current().is_none());
    /// ```
    pub fn try_current() -> Option<Handle> {
        CURRENT.try_with(|c| c.borrow().clone()).ok().flatten()
    }

    /// Runs `f` on the current handle without cloning it (`None` outside a runtime).
    #[cfg_attr(not(feature = "test-util"), allow(dead_code))]
    pub(crate) fn with_current<R>(f: impl FnOnce(&Handle) -> R) -> Option<R> {
        CURRENT
            .try_with(|c| c.borrow().as_ref().map(f))
            .ok()
            .flatten()
    }

    /// Installs how blocking work (name resolution) is run: the executor passes its
    /// `spawn_blocking`. Without one, the reactor starts a plain thread per job.
    ///
    /// ```
    /// use std::sync::Arc;
    /// let driver = gort_reactor::driver::Driver::new().unwrap();
    /// driver.handle().set_blocking_spawner(Arc::new(|job| {
    ///     std::thread::spawn(job);
    /// }));
    /// ```
    pub fn set_blocking_spawner(&self, f: BlockingSpawner) {
        *self.inner.blocking_spawner.lock().unwrap() = Some(f);
    }

    /// Runs `job` off the worker threads (the installed blocking spawner, or a new thread).
    pub(crate) fn spawn_blocking(&self, job: Box<dyn FnOnce() + Send>) {
        let spawner = self.inner.blocking_spawner.lock().unwrap().clone();
        match spawner {
            Some(spawn) => spawn(job),
            None => {
                std::thread::Builder::new()
                    .name("gort-resolver".into())
                    .spawn(job)
                    .expect("failed to start a thread for name resolution");
            }
        }
    }

    /// Number of timers registered with this driver: every live `Sleep` (and `Interval`,
    /// `Timeout`) that has been polled once owns one entry until it is dropped.
    ///
    /// ```
    /// let driver = gort_reactor::driver::Driver::new().unwrap();
    /// assert_eq!(driver.handle().timer_count(), 0);
    /// ```
    pub fn timer_count(&self) -> usize {
        self.inner.timers.lock().unwrap().wheel.len()
    }

    /// Number of I/O sources (sockets) registered with this driver; a socket deregisters when
    /// dropped.
    ///
    /// ```
    /// let driver = gort_reactor::driver::Driver::new().unwrap();
    /// assert_eq!(driver.handle().io_count(), 0);
    /// ```
    pub fn io_count(&self) -> usize {
        self.inner.ios.lock().unwrap().slab.len()
    }

    /// Registers a mio source; its events go to the returned [`ScheduledIo`].
    pub(crate) fn register(
        &self,
        source: &mut impl mio::event::Source,
        interest: mio::Interest,
    ) -> io::Result<Arc<ScheduledIo>> {
        let shared = {
            let mut ios = self.inner.ios.lock().unwrap();
            if ios.shutdown {
                return Err(shutdown_error());
            }
            let index = ios.slab.vacant_key();
            if index >= INDEX_MASK {
                return Err(io::Error::other(
                    "the reactor has too many registered sockets",
                ));
            }
            // The generation makes a reused slab index a different token, so an event queued
            // for a closed socket is never delivered to the socket that took its slot.
            ios.generation = ios.generation.wrapping_add(1) & (usize::MAX >> INDEX_BITS);
            let token = index | (ios.generation << INDEX_BITS);
            let shared = Arc::new(ScheduledIo::new(token));
            ios.slab.insert(shared.clone());
            shared
        };
        if let Err(e) = self
            .inner
            .registry
            .register(source, mio::Token(shared.token), interest)
        {
            self.release(&shared);
            return Err(e);
        }
        Ok(shared)
    }

    /// Deregisters a source from mio and frees its slot.
    pub(crate) fn deregister(
        &self,
        source: &mut impl mio::event::Source,
        shared: &Arc<ScheduledIo>,
    ) {
        let _ = self.inner.registry.deregister(source);
        self.release(shared);
    }

    fn release(&self, shared: &Arc<ScheduledIo>) {
        let mut ios = self.inner.ios.lock().unwrap();
        let index = shared.token & INDEX_MASK;
        if ios.slab.get(index).is_some_and(|s| Arc::ptr_eq(s, shared)) {
            ios.slab.remove(index);
        }
    }

    /// Looks up the registration an event's token names, if it is still the same registration.
    pub(crate) fn lookup(ios: &IoSlab, token: usize) -> Option<&Arc<ScheduledIo>> {
        ios.slab
            .get(token & INDEX_MASK)
            .filter(|shared| shared.token == token)
    }

    /// Registers a timer due at wheel time `deadline` (ms), unparking the driver if it sleeps
    /// past it.
    pub(crate) fn insert_timer(&self, deadline: u64, waker: &Waker) -> (TimerKey, bool) {
        let mut timers = self.inner.timers.lock().unwrap();
        if timers.shutdown {
            drop(timers);
            panic_timer_shutdown();
        }
        let key = timers.wheel.insert(deadline, Some(waker.clone()));
        let fired = timers.wheel.is_fired(key);
        self.unpark_if_earlier(timers, deadline, fired);
        (key, fired)
    }

    /// Registers a self-freeing timer whose waker is a callback. False if the deadline is
    /// already due or the driver is gone (nothing registered; the caller acts now or gives up).
    pub(crate) fn insert_detached_timer(&self, deadline: u64, waker: Waker) -> bool {
        let mut timers = self.inner.timers.lock().unwrap();
        if timers.shutdown || !timers.wheel.insert_detached(deadline, waker) {
            return false;
        }
        self.unpark_if_earlier(timers, deadline, false);
        true
    }

    pub(crate) fn timers_shut_down(&self) -> bool {
        self.inner.timers.lock().unwrap().shutdown
    }

    /// Moves a registered timer to a new deadline.
    pub(crate) fn reset_timer(&self, key: TimerKey, deadline: u64) {
        let mut timers = self.inner.timers.lock().unwrap();
        timers.wheel.reset(key, deadline);
        let fired = timers.wheel.is_fired(key);
        self.unpark_if_earlier(timers, deadline, fired);
    }

    fn unpark_if_earlier(
        &self,
        mut timers: std::sync::MutexGuard<'_, Timers>,
        deadline: u64,
        fired: bool,
    ) {
        if !fired && deadline < timers.sleeping_until {
            timers.sleeping_until = deadline;
            drop(timers);
            self.unpark();
        }
    }

    /// Polls a registered timer: true once fired, else stores the waker.
    pub(crate) fn poll_timer(&self, key: TimerKey, waker: &Waker) -> bool {
        let mut timers = self.inner.timers.lock().unwrap();
        if timers.wheel.is_fired(key) {
            return true;
        }
        if timers.shutdown {
            drop(timers);
            panic_timer_shutdown();
        }
        let replaced = timers.wheel.set_waker(key, waker);
        drop(timers);
        drop(replaced);
        false
    }

    pub(crate) fn remove_timer(&self, key: TimerKey) {
        let waker = self.inner.timers.lock().unwrap().wheel.remove(key);
        drop(waker); // outside the lock: dropping a waker may run arbitrary code
    }

    /// Says whether `time::pause` may freeze this driver's clock. The multi-thread runtime
    /// passes `false` (as tokio, pausing needs the current-thread runtime, whose single thread
    /// knows when everything is idle); the default is `true`.
    ///
    /// ```
    /// let driver = gort_reactor::driver::Driver::new().unwrap();
    /// driver.handle().set_clock_pausable(false);
    /// ```
    pub fn set_clock_pausable(&self, pausable: bool) {
        self.inner
            .clock_pausable
            .store(pausable, std::sync::atomic::Ordering::Relaxed);
    }

    #[cfg_attr(not(feature = "test-util"), allow(dead_code))]
    pub(crate) fn clock_pausable(&self) -> bool {
        self.inner
            .clock_pausable
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Keeps a paused clock (feature `test-util`) from jumping to the next timer until the
    /// matching [`allow_auto_advance`](Self::allow_auto_advance): an idle driver waits for I/O or
    /// an unpark instead. The runtime calls it for each `spawn_blocking` task, which runs on real
    /// time (tokio's `inhibit_auto_advance`). Returns false, doing nothing, when this clock
    /// cannot be paused (built without `test-util`, or a multi-thread runtime's driver); then no
    /// `allow_auto_advance` is owed.
    ///
    /// ```
    /// let driver = gort_reactor::driver::Driver::new().unwrap();
    /// let handle = driver.handle();
    /// if handle.inhibit_auto_advance() {
    ///     handle.allow_auto_advance();
    /// }
    /// ```
    pub fn inhibit_auto_advance(&self) -> bool {
        if !cfg!(feature = "test-util") || !self.clock_pausable() {
            return false;
        }
        self.inner
            .auto_advance_inhibit
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        true
    }

    /// Ends one [`inhibit_auto_advance`](Self::inhibit_auto_advance) (that returned true) and
    /// unparks the driver, so an idle runtime on a paused clock re-checks whether it may jump.
    ///
    /// ```
    /// let driver = gort_reactor::driver::Driver::new().unwrap();
    /// let handle = driver.handle();
    /// if handle.inhibit_auto_advance() {
    ///     handle.allow_auto_advance();
    /// }
    /// ```
    pub fn allow_auto_advance(&self) {
        let previous = self
            .inner
            .auto_advance_inhibit
            .fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
        assert!(
            previous > 0,
            "allow_auto_advance without inhibit_auto_advance"
        );
        self.unpark();
    }

    /// True while a blocking task keeps a paused clock from jumping.
    pub(crate) fn auto_advance_inhibited(&self) -> bool {
        self.inner
            .auto_advance_inhibit
            .load(std::sync::atomic::Ordering::SeqCst)
            > 0
    }

    /// Fires every timer due at the clock's current time.
    #[cfg_attr(not(feature = "test-util"), allow(dead_code))]
    pub(crate) fn fire_due_timers(&self) {
        let mut wake = Vec::new();
        let now = self.inner.clock.now_ms();
        self.inner
            .timers
            .lock()
            .unwrap()
            .wheel
            .advance(now, &mut wake);
        super::wake_all(wake);
    }

    pub(crate) fn clock(&self) -> &Clock {
        &self.inner.clock
    }
}

#[track_caller]
fn panic_timer_shutdown() -> ! {
    // tokio's wording first: code written against tokio matches on it.
    panic!(
        "A Tokio 1.x context was found, but it is being shutdown. (The gort runtime that owns \
         this timer has shut down; timers cannot be used after it is dropped.)"
    )
}

pub(crate) fn shutdown_error() -> io::Error {
    shutdown_error_because("the gort runtime's reactor has shut down")
}

/// A shutdown error with a message of its own; [`is_rt_shutdown_err`] still recognizes it.
pub(crate) fn shutdown_error_because(message: &'static str) -> io::Error {
    io::Error::other(RuntimeShutDown(message))
}

/// The payload of every I/O error that reports a shut-down runtime.
#[derive(Debug)]
struct RuntimeShutDown(&'static str);

impl fmt::Display for RuntimeShutDown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for RuntimeShutDown {}

/// Whether `err` reports that the runtime driving the I/O resource has shut down (the resource
/// outlived its runtime), as tokio's `runtime::is_rt_shutdown_err`.
///
/// ```
/// // An I/O error of any other cause is not one.
/// let err = std::io::Error::other("connection reset");
/// assert!(!gort_reactor::driver::is_rt_shutdown_err(&err));
/// ```
pub fn is_rt_shutdown_err(err: &io::Error) -> bool {
    err.get_ref()
        .is_some_and(|inner| inner.is::<RuntimeShutDown>())
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handle")
            .field("io_count", &self.io_count())
            .field("timer_count", &self.timer_count())
            .finish()
    }
}
