//! Go's `sync.WaitGroup` for tasks and threads (gort-only; tokio has no equivalent).
//!
//! The counter is one atomic word, so `add` and `done` take no lock unless `done` brings the
//! count to zero; then it takes the lock and completes every parked `wait` (the crate's
//! wait-list) and wakes every `wait_blocking` thread (a condition variable on the same lock).
//! Waiters check the count under that lock before parking, so no wake-up is lost.

use super::shim::{AtomicUsize, Condvar, Lock, Ordering};
use crate::coop;
use crate::waitlist::{WaitList, WaiterId};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

/// Waits for a collection of tasks (or threads) to finish.
///
/// [`add`](WaitGroup::add) before starting the work, [`done`](WaitGroup::done) when each piece
/// finishes, [`wait`](WaitGroup::wait) (async) or [`wait_blocking`](WaitGroup::wait_blocking)
/// (plain threads) until the count is back to zero.
///
/// A `WaitGroup` is a cheap handle: **clones share the same counter**, so give each task its own
/// clone (Go passes `*sync.WaitGroup`; a clone here is that pointer). It can also be put in an
/// `Arc` or borrowed.
///
/// Go equivalent: `sync.WaitGroup` (`Add`, `Done`, `Wait`).
///
/// ```
/// use gort_channel::sync::WaitGroup;
/// let wg = WaitGroup::new();
/// for _ in 0..4 {
///     wg.add(1);
///     let wg = wg.clone();
///     std::thread::spawn(move || {
///         // ... work ...
///         wg.done();
///     });
/// }
/// futures::executor::block_on(wg.wait());
/// ```
#[derive(Clone)]
pub struct WaitGroup {
    inner: Arc<Inner>,
}

struct Inner {
    count: AtomicUsize,
    waiters: Lock<WaitList<()>>,
    threads: Condvar,
}

impl Default for WaitGroup {
    fn default() -> Self {
        WaitGroup::new()
    }
}

impl fmt::Debug for WaitGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitGroup")
            .field("count", &self.inner.count.load(Ordering::Relaxed))
            .finish()
    }
}

impl WaitGroup {
    /// A wait group with a count of zero.
    ///
    /// ```
    /// futures::executor::block_on(gort_channel::sync::WaitGroup::new().wait()); // returns at once
    /// ```
    pub fn new() -> Self {
        WaitGroup {
            inner: Arc::new(Inner {
                count: AtomicUsize::new(0),
                waiters: Lock::new(WaitList::new()),
                threads: Condvar::new(),
            }),
        }
    }

    /// Adds `n` to the count. Call it before starting the work it accounts for (as Go's `Add`),
    /// not inside the spawned task, so a concurrent `wait` cannot miss it.
    ///
    /// ```
    /// let wg = gort_channel::sync::WaitGroup::new();
    /// wg.add(2);
    /// wg.done();
    /// wg.done();
    /// ```
    pub fn add(&self, n: usize) {
        self.inner.count.fetch_add(n, Ordering::AcqRel);
    }

    /// Subtracts one from the count; at zero, wakes every waiter.
    ///
    /// # Panics
    /// If the count is already zero (Go's "sync: negative WaitGroup counter"): each `done`
    /// must match one unit of an earlier `add`.
    ///
    /// ```should_panic
    /// let wg = gort_channel::sync::WaitGroup::new();
    /// wg.done(); // panics: nothing was added
    /// ```
    pub fn done(&self) {
        let previous = self.inner.count.fetch_sub(1, Ordering::AcqRel);
        if previous == 0 {
            self.inner.count.fetch_add(1, Ordering::AcqRel);
            panic!(
                "sync: negative WaitGroup counter: WaitGroup::done was called more times than \
                 WaitGroup::add added"
            );
        }
        if previous == 1 {
            let mut waiters = self.inner.waiters.lock();
            let wakers = waiters.drain(|_| {});
            self.inner.threads.notify_all();
            drop(waiters);
            for waker in wakers {
                waker.wake();
            }
        }
    }

    /// Waits until the count is zero.
    ///
    /// # Cancel safety
    /// Cancel safe: dropping the future only gives up waiting.
    ///
    /// ```
    /// use gort_channel::sync::WaitGroup;
    /// let wg = WaitGroup::new();
    /// wg.add(1);
    /// let worker = wg.clone();
    /// std::thread::spawn(move || worker.done());
    /// futures::executor::block_on(wg.wait());
    /// ```
    #[track_caller]
    pub fn wait(&self) -> Wait<'_> {
        Wait {
            group: self,
            waiter: None,
            site: std::panic::Location::caller(),
        }
    }

    /// Blocks the current thread until the count is zero. For plain threads; inside an async
    /// task use [`WaitGroup::wait`].
    ///
    /// ```
    /// use gort_channel::sync::WaitGroup;
    /// let wg = WaitGroup::new();
    /// wg.add(1);
    /// let worker = wg.clone();
    /// std::thread::spawn(move || worker.done());
    /// wg.wait_blocking();
    /// ```
    pub fn wait_blocking(&self) {
        if self.inner.count.load(Ordering::Acquire) == 0 {
            return;
        }
        let mut guard = self.inner.waiters.lock();
        while self.inner.count.load(Ordering::Acquire) != 0 {
            guard = self.inner.threads.wait(guard);
        }
    }
}

/// The future returned by [`WaitGroup::wait`].
///
/// ```
/// let wg = gort_channel::sync::WaitGroup::new();
/// let wait: gort_channel::sync::Wait<'_> = wg.wait();
/// futures::executor::block_on(wait);
/// ```
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Wait<'a> {
    group: &'a WaitGroup,
    waiter: Option<WaiterId>,
    site: &'static std::panic::Location<'static>,
}

impl fmt::Debug for Wait<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Wait").field("group", self.group).finish()
    }
}

impl Future for Wait<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        let inner = &this.group.inner;
        ready!(coop::poll_proceed(cx));
        if this.waiter.is_none() && inner.count.load(Ordering::Acquire) == 0 {
            return Poll::Ready(());
        }
        let mut waiters = inner.waiters.lock();
        // Wakers replaced or freed here are dropped after the lock: their drop may re-enter.
        let stale = match this.waiter {
            Some(id) if waiters.is_queued(id) && inner.count.load(Ordering::Acquire) != 0 => {
                waiters.register_take_old(id, cx.waker())
            }
            Some(id) => {
                let (_, stale) = waiters.remove_with_waker(id);
                this.waiter = None;
                drop(waiters);
                drop(stale);
                return Poll::Ready(());
            }
            None if inner.count.load(Ordering::Acquire) == 0 => return Poll::Ready(()),
            None => {
                this.waiter = Some(waiters.push_back((), cx.waker()));
                None
            }
        };
        drop(waiters);
        drop(stale);
        coop::refund();
        let group = Arc::as_ptr(inner).cast();
        gort_waitsite::record(gort_waitsite::WaitKind::WaitGroupWait, group, 0, this.site);
        Poll::Pending
    }
}

impl Drop for Wait<'_> {
    fn drop(&mut self) {
        if let Some(id) = self.waiter.take() {
            let (_, stale) = self.group.inner.waiters.lock().remove_with_waker(id);
            drop(stale); // after the lock: a waker's drop may re-enter
        }
    }
}
