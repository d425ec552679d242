//! Parking threads: workers (in the shared driver or on their own condvar) and threads blocked
//! in `block_on`.
//!
//! A worker's [`Parker`] first tries to take the runtime's single [`Driver`]: the winner blocks
//! in it (so I/O and timers keep being served while the runtime is idle), everyone else waits on
//! a private condvar. [`Unparker::unpark`] looks at what the sleeper is blocked in and wakes
//! exactly that (tokio's `park.rs`; the state word prevents lost wake-ups: a notification sent
//! before the sleeper blocks makes the park return at once).

use super::driver::{self, Driver};
use crate::loom;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, TryLockError};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

const EMPTY: usize = 0;
const PARKED_CONDVAR: usize = 1;
const PARKED_DRIVER: usize = 2;
const NOTIFIED: usize = 3;

/// The runtime's driver, shared by its workers: whoever holds the lock may block in it.
pub(crate) struct DriverShared {
    /// `None` once the runtime shut down (the driver is dropped then, failing its sockets and
    /// timers).
    driver: Mutex<Option<Driver>>,
    handle: driver::Handle,
    /// What the driver holder is doing: [`WATCH_NONE`], [`WATCH_INDEFINITE`] or [`WATCH_TIMED`].
    watch: loom::AtomicUsize,
    /// Workers asleep on their condvar with no timeout (the driver was taken when they parked):
    /// only they need a notification to watch the LIFO slots when nobody is in the driver.
    condvar_sleepers: loom::AtomicUsize,
}

/// Nobody blocks in the driver.
pub(crate) const WATCH_NONE: usize = 0;
/// A worker blocks in the driver with no timeout (nothing else was running when it parked).
pub(crate) const WATCH_INDEFINITE: usize = 1;
/// A worker blocks in the driver with a timeout: it checks for stalled LIFO slots.
pub(crate) const WATCH_TIMED: usize = 2;

impl DriverShared {
    pub(crate) fn new(driver: Driver) -> Arc<DriverShared> {
        let handle = driver.handle();
        Arc::new(DriverShared {
            driver: Mutex::new(Some(driver)),
            handle,
            watch: loom::AtomicUsize::new(WATCH_NONE),
            condvar_sleepers: loom::AtomicUsize::new(0),
        })
    }

    pub(crate) fn handle(&self) -> &driver::Handle {
        &self.handle
    }

    /// The driver's lock, unless another worker holds it. A poisoned lock is taken all the same:
    /// the driver is consistent between parks (it contains panicking wakers itself), and
    /// abandoning it would stop I/O and timers for the whole runtime.
    fn try_lock_driver(&self) -> Option<MutexGuard<'_, Option<Driver>>> {
        match self.driver.try_lock() {
            Ok(driver) => Some(driver),
            Err(TryLockError::Poisoned(poisoned)) => Some(poisoned.into_inner()),
            Err(TryLockError::WouldBlock) => None,
        }
    }

    /// Polls the driver without blocking, unless another worker is blocked in it.
    pub(crate) fn poll_if_free(&self) {
        if let Some(mut driver) = self.try_lock_driver() {
            if let Some(driver) = driver.as_mut() {
                driver.park(Some(Duration::ZERO));
            }
        }
    }

    /// Drops the driver (runtime shutdown), waiting for a worker still blocked in it.
    pub(crate) fn shutdown(&self) {
        self.handle.unpark();
        let driver = self.driver.lock().unwrap_or_else(|e| e.into_inner()).take();
        drop(driver);
    }

    /// What the driver holder is doing (`WATCH_*`), read after filling a LIFO slot. A
    /// read-modify-write, as the parker's mark (`mark_watch`): with RMWs on both sides of this
    /// store-buffer pattern one of them surely sees the other (`loom_lifo_fill_vs_driver_park`).
    pub(crate) fn watch(&self) -> usize {
        self.watch.fetch_add(0, SeqCst)
    }

    /// True when some worker sleeps on its condvar with no timeout (see `Parker::park`); an
    /// RMW for the same reason as [`DriverShared::watch`].
    pub(crate) fn has_condvar_sleepers(&self) -> bool {
        self.condvar_sleepers.fetch_add(0, SeqCst) != 0
    }

    /// Marks what the driver's new holder does: a timed watch with `timeout`, or an
    /// indefinite sleep unless `recheck` (run after the mark) asks for a timeout after all.
    fn mark_watch(
        &self,
        timeout: Option<Duration>,
        recheck: impl FnOnce() -> Option<Duration>,
    ) -> (usize, Option<Duration>) {
        if timeout.is_some() {
            self.watch.store(WATCH_TIMED, SeqCst);
            return (WATCH_TIMED, timeout);
        }
        self.watch.swap(WATCH_INDEFINITE, SeqCst);
        match recheck() {
            Some(timeout)
                if self
                    .watch
                    .compare_exchange(WATCH_INDEFINITE, WATCH_TIMED, SeqCst, SeqCst)
                    .is_ok() =>
            {
                (WATCH_TIMED, Some(timeout))
            }
            // Nothing filled, or a kick came first (it woke the driver: `Woken::Kicked`).
            _ => (WATCH_INDEFINITE, None),
        }
    }

    /// Runs `sleep` (a worker's short sleep off the driver, watching a LIFO slot) marked as a
    /// timed watch, so filling a LIFO slot meanwhile kicks nobody.
    pub(crate) fn watch_briefly(&self, sleep: impl FnOnce()) {
        let marked = self
            .watch
            .compare_exchange(WATCH_NONE, WATCH_TIMED, SeqCst, SeqCst)
            .is_ok();
        sleep();
        if marked {
            let _ = self
                .watch
                .compare_exchange(WATCH_TIMED, WATCH_NONE, SeqCst, SeqCst);
        }
    }

    /// If the driver's holder sleeps with no timeout, wake it so it re-parks with one.
    pub(crate) fn kick_indefinite_sleeper(&self) {
        if self
            .watch
            .compare_exchange(WATCH_INDEFINITE, WATCH_NONE, SeqCst, SeqCst)
            .is_ok()
        {
            self.handle.unpark();
        }
    }
}

/// What ended a worker's [`Parker::park`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Woken {
    /// Another thread's [`Unparker::unpark`] (before or during the sleep).
    Unparked,
    /// Asleep in the driver with no timeout, a worker filling its empty LIFO slot kicked it
    /// ([`DriverShared::kick_indefinite_sleeper`]).
    Kicked,
    /// I/O, a timer or the timeout.
    Driver,
}

/// A worker's parking spot.
pub(crate) struct Parker {
    inner: Arc<Inner>,
}

/// Wakes the worker owning the matching [`Parker`].
#[derive(Clone)]
pub(crate) struct Unparker {
    inner: Arc<Inner>,
}

/// A worker's park state (on the loom shim: `loom_` models check the hand-shake below).
struct Inner {
    state: loom::AtomicUsize,
    mutex: loom::Mutex<()>,
    condvar: loom::Condvar,
    shared: Arc<DriverShared>,
}

impl Inner {
    /// Consumes a pending notification; true if there was one.
    fn take_notification(&self) -> bool {
        self.state
            .compare_exchange(NOTIFIED, EMPTY, SeqCst, SeqCst)
            .is_ok()
    }

    /// Announces that this worker is about to sleep in `parked` (the driver or its condvar);
    /// false, with the notification consumed, when an unpark came first.
    fn announce(&self, parked: usize) -> bool {
        match self.state.compare_exchange(EMPTY, parked, SeqCst, SeqCst) {
            Ok(_) => true,
            Err(NOTIFIED) => {
                self.state.swap(EMPTY, SeqCst);
                false
            }
            Err(actual) => panic!("inconsistent park state {actual}"),
        }
    }
}

impl Parker {
    pub(crate) fn new(shared: Arc<DriverShared>) -> Parker {
        Parker {
            inner: Arc::new(Inner {
                state: loom::AtomicUsize::new(EMPTY),
                mutex: loom::Mutex::new(()),
                condvar: loom::Condvar::new(),
                shared,
            }),
        }
    }

    pub(crate) fn unparker(&self) -> Unparker {
        Unparker {
            inner: self.inner.clone(),
        }
    }

    /// Blocks until unparked. `timeout` bounds the wait only if this worker ends up holding the
    /// driver (the stall check of the LIFO slots needs one periodic waker, not all). Returns
    /// what ended the sleep.
    ///
    /// A worker about to sleep with no timeout first says so (the driver's watch, or the count
    /// of condvar sleepers), then calls `recheck`: a worker filling its empty LIFO slot reads
    /// those marks after the fill (`Handle::schedule_local`), so either it sees this sleeper and
    /// wakes it, or `recheck` sees the filled slot and returns the timeout to sleep with instead.
    pub(crate) fn park(
        &mut self,
        timeout: Option<Duration>,
        recheck: impl FnOnce() -> Option<Duration>,
    ) -> Woken {
        let inner = &*self.inner;
        if inner.take_notification() {
            return Woken::Unparked;
        }
        if let Some(mut driver) = inner.shared.try_lock_driver().filter(|d| d.is_some()) {
            let driver = driver.as_mut().expect("checked above");
            if !inner.announce(PARKED_DRIVER) {
                return Woken::Unparked;
            }
            let (watch, timeout) = inner.shared.mark_watch(timeout, recheck);
            driver.park(timeout);
            // An indefinite watch that is no longer marked so was taken by a kick.
            let kicked = inner.shared.watch.swap(WATCH_NONE, SeqCst) != watch;
            let unparked = inner.state.swap(EMPTY, SeqCst) == NOTIFIED;
            return if unparked {
                Woken::Unparked
            } else if kicked && watch == WATCH_INDEFINITE {
                Woken::Kicked
            } else {
                Woken::Driver
            };
        }
        let mut guard = inner.mutex.lock().unwrap_or_else(|e| e.into_inner());
        if !inner.announce(PARKED_CONDVAR) {
            return Woken::Unparked;
        }
        let sleepers = &inner.shared.condvar_sleepers;
        sleepers.fetch_add(1, SeqCst);
        let woken = match recheck() {
            Some(timeout) => {
                // A LIFO slot was filled as we parked: look again after `timeout`.
                let (g, _) = inner
                    .condvar
                    .wait_timeout(guard, timeout)
                    .unwrap_or_else(|e| e.into_inner());
                guard = g;
                match inner.state.swap(EMPTY, SeqCst) {
                    NOTIFIED => Woken::Unparked,
                    PARKED_CONDVAR => Woken::Driver,
                    actual => panic!("inconsistent park state {actual}"),
                }
            }
            None => loop {
                guard = inner.condvar.wait(guard).unwrap_or_else(|e| e.into_inner());
                if inner.take_notification() {
                    break Woken::Unparked;
                }
            },
        };
        drop(guard);
        sleepers.fetch_sub(1, SeqCst);
        woken
    }
}

impl Parker {
    /// Sleeps on this worker's condvar (never in the driver) until unparked or `timeout`
    /// passed, whichever is first; a notification that raced with the timeout is consumed.
    pub(crate) fn park_briefly(&mut self, timeout: Duration) {
        let inner = &*self.inner;
        if inner.take_notification() {
            return;
        }
        let guard = inner.mutex.lock().unwrap_or_else(|e| e.into_inner());
        if !inner.announce(PARKED_CONDVAR) {
            return;
        }
        // Woken, timed out or spurious: the caller re-checks what it waits for.
        drop(inner.condvar.wait_timeout(guard, timeout));
        match inner.state.swap(EMPTY, SeqCst) {
            PARKED_CONDVAR | NOTIFIED => {}
            actual => panic!("inconsistent park state {actual}"),
        }
    }
}

impl Unparker {
    pub(crate) fn unpark(&self) {
        let inner = &*self.inner;
        match inner.state.swap(NOTIFIED, SeqCst) {
            EMPTY | NOTIFIED => {}
            PARKED_CONDVAR => {
                // Taking the lock orders this notify after the sleeper started waiting.
                drop(inner.mutex.lock().unwrap_or_else(|e| e.into_inner()));
                inner.condvar.notify_one();
            }
            PARKED_DRIVER => inner.shared.handle.unpark(),
            actual => panic!("inconsistent park state {actual}"),
        }
    }
}

/// Parks a thread that blocks on a future outside the workers (`block_on`).
struct ThreadParker {
    state: AtomicUsize,
    mutex: Mutex<()>,
    condvar: Condvar,
}

impl ThreadParker {
    fn park(&self) {
        if self
            .state
            .compare_exchange(NOTIFIED, EMPTY, SeqCst, SeqCst)
            .is_ok()
        {
            return;
        }
        let mut guard = self.mutex.lock().unwrap_or_else(|e| e.into_inner());
        match self
            .state
            .compare_exchange(EMPTY, PARKED_CONDVAR, SeqCst, SeqCst)
        {
            Ok(_) => {}
            Err(_) => {
                self.state.swap(EMPTY, SeqCst);
                return;
            }
        }
        loop {
            guard = self.condvar.wait(guard).unwrap_or_else(|e| e.into_inner());
            if self
                .state
                .compare_exchange(NOTIFIED, EMPTY, SeqCst, SeqCst)
                .is_ok()
            {
                return;
            }
        }
    }
}

impl Wake for ThreadParker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref()
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if self.state.swap(NOTIFIED, SeqCst) == PARKED_CONDVAR {
            drop(self.mutex.lock().unwrap_or_else(|e| e.into_inner()));
            self.condvar.notify_one();
        }
    }
}

thread_local! {
    static THREAD_PARKER: Arc<ThreadParker> = Arc::new(ThreadParker {
        state: AtomicUsize::new(EMPTY),
        mutex: Mutex::new(()),
        condvar: Condvar::new(),
    });
}

/// Runs `future` to completion on this thread, sleeping while it is pending.
/// Each poll runs inside a cooperative budget, as a task's would.
pub(crate) fn block_on<F: Future>(future: F) -> F::Output {
    let parker = THREAD_PARKER.with(Arc::clone);
    let waker = Waker::from(parker.clone());
    let mut cx = Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    loop {
        if let Poll::Ready(out) = gort_channel::coop::budget(|| future.as_mut().poll(&mut cx)) {
            return out;
        }
        parker.park();
    }
}

// Not under Miri: a real driver (epoll) is needed.
#[cfg(all(test, not(loom), not(miri)))]
mod tests {
    use super::*;

    /// A driver lock poisoned by a panic is still taken: the parker blocks in the driver (and
    /// times out), rather than deciding the driver is held and waiting on its condvar forever.
    #[test]
    fn poisoned_driver_lock_is_still_used() {
        let shared = DriverShared::new(Driver::new().unwrap());
        let poisoner = shared.clone();
        let _ = std::thread::spawn(move || {
            let _held = poisoner.driver.lock().unwrap();
            panic!("poisons the driver lock");
        })
        .join();
        assert!(shared.driver.is_poisoned());
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            shared.poll_if_free();
            Parker::new(shared).park(Some(Duration::from_millis(10)), || None);
            tx.send(()).unwrap();
        });
        rx.recv_timeout(Duration::from_secs(10))
            .expect("the parker never used the poisoned driver lock");
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;

    /// A driver nobody can take (as after shutdown): parkers use their condvar.
    fn no_driver() -> Arc<DriverShared> {
        let shared = DriverShared::new(Driver::new().unwrap());
        drop(shared.driver.lock().unwrap().take());
        shared
    }

    /// An unpark racing with a park is never lost: the park returns (loom reports a deadlock
    /// otherwise), and a second park waits for a second unpark.
    #[test]
    fn loom_unpark_is_never_lost() {
        ::loom::model(|| {
            let mut parker = Parker::new(no_driver());
            let unparker = parker.unparker();
            let th = ::loom::thread::spawn(move || {
                unparker.unpark();
                unparker.unpark();
            });
            parker.park(None, || None);
            th.join().unwrap();
            // Two unparks before or during one park: at most one is remembered.
            assert!(matches!(parker.inner.state.load(SeqCst), EMPTY | NOTIFIED));
        });
    }

    /// Two unparkers and two parks: each park consumes at least one notification, so the
    /// second park returns only because of the second unpark (no deadlock, nothing stuck).
    #[test]
    fn loom_each_park_returns_after_its_unpark() {
        ::loom::model(|| {
            let mut parker = Parker::new(no_driver());
            let flag = Arc::new(loom::AtomicUsize::new(0));
            let (u, f) = (parker.unparker(), flag.clone());
            let th = ::loom::thread::spawn(move || {
                f.store(1, SeqCst);
                u.unpark();
            });
            while flag.load(SeqCst) == 0 {
                parker.park(None, || None);
            }
            th.join().unwrap();
        });
    }

    /// A worker fills its empty LIFO slot (`Handle::schedule_local`) while another parks on its
    /// condvar: either the filler sees the sleeper counted (and notifies it), or the sleeper's
    /// re-check sees the filled slot (and sleeps with a timeout). Never neither.
    #[test]
    fn loom_lifo_fill_vs_condvar_park() {
        ::loom::model(|| {
            let shared = no_driver();
            let mut parker = Parker::new(shared.clone());
            let unparker = parker.unparker();
            let slot = Arc::new(loom::AtomicUsize::new(0));
            let s = slot.clone();
            let filler = ::loom::thread::spawn(move || {
                s.store(1, SeqCst);
                let saw_sleeper = shared.has_condvar_sleepers();
                // Unconditionally, so the model ends (loom's wait_timeout never times out).
                unparker.unpark();
                saw_sleeper
            });
            let mut recheck = None;
            parker.park(None, || {
                recheck = Some(slot.load(SeqCst) != 0);
                recheck.unwrap().then_some(Duration::from_micros(250))
            });
            let saw_sleeper = filler.join().unwrap();
            if let Some(saw_fill) = recheck {
                assert!(
                    saw_sleeper || saw_fill,
                    "the filled slot is watched by nobody"
                );
            }
        });
    }

    /// The same race with the driver's holder about to sleep with no timeout: either the filler
    /// sees the indefinite watch (and kicks it), or the holder's re-check sees the filled slot
    /// (and sleeps with a timeout).
    #[test]
    fn loom_lifo_fill_vs_driver_park() {
        ::loom::model(|| {
            let shared = DriverShared::new(Driver::new().unwrap());
            let slot = Arc::new(loom::AtomicUsize::new(0));
            let (s, sh) = (slot.clone(), shared.clone());
            let filler = ::loom::thread::spawn(move || {
                s.store(1, SeqCst);
                sh.watch() == WATCH_INDEFINITE
            });
            let (watch, timeout) = shared.mark_watch(None, || {
                (slot.load(SeqCst) != 0).then_some(Duration::from_micros(250))
            });
            let saw_indefinite = filler.join().unwrap();
            assert!(
                saw_indefinite || (watch == WATCH_TIMED && timeout.is_some()),
                "the filled slot is watched by nobody"
            );
        });
    }
}
