//! Task notification (tokio's `Notify`; the async form of Go's `sync.Cond` `Signal`/`Broadcast`).
//!
//! # How it works
//!
//! One atomic word holds a three-state tag — `EMPTY`, `NOTIFIED` (a stored permit) or `WAITING`
//! (the wait-list is not empty) — and, above it, a count of `notify_waiters` calls.
//! `notify_one` with nobody waiting stores the permit with one CAS; a `Notified` that finds the
//! permit consumes it with one CAS: no lock either way. Only when tasks wait is the lock taken:
//! `notify_one` pops the first waiter and completes it in place (FIFO), `notify_waiters` pops
//! them all and bumps the call count. A `Notified` remembers the count when it is created, so
//! it completes on any later `notify_waiters` call even if it had not been polled yet (tokio's
//! rule). The tag leaves `WAITING` only under the lock, which keeps the lock-free transitions
//! and the list in step. The design follows tokio's `sync/notify.rs`.
//!
//! A woken waiter learns how it was notified from the hand-off cell in its own pinned
//! `Notified` (the notifier unlinks and frees the list entry, then completes the cell), so it
//! completes without taking the lock ([`crate::handoff`]).
//!
//! # Cancel safety
//!
//! A `Notified` dropped after `notify_one` (`notify_last`) picked it but before it observed the
//! notification passes the notification on (to the next first (last) waiter, or as the stored
//! permit): nothing is lost.

use super::shim::{AtomicUsize, Lock, Ordering};
use crate::coop;
use crate::handoff::{HandOff, HandOffRef};
use crate::waitlist::{WaitList, WaiterId};
use std::fmt;
use std::future::Future;
use std::ops::Deref;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll, Waker};

const EMPTY: usize = 0;
const WAITING: usize = 1;
const NOTIFIED: usize = 2;
const TAG: usize = 3;
/// The `notify_waiters` call count starts above the tag bits.
const CALL: usize = 4;

/// How a parked `Notified` was notified, handed over in its cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum By {
    /// Picked by `notify_one`: passed on to the (new) first waiter if dropped unobserved.
    One,
    /// Picked by `notify_last`: passed on to the (new) last waiter if dropped unobserved.
    Last,
    /// Released by `notify_waiters`.
    All,
}

/// A parked `Notified`: its cell.
type Waiter = HandOffRef<By>;

/// Wakes tasks waiting for an event.
///
/// [`notify_one`](Notify::notify_one) wakes the first waiter, or stores a single permit that
/// the next [`notified`](Notify::notified) consumes at once (so a notification sent just before
/// the wait is not lost). [`notify_waiters`](Notify::notify_waiters) wakes every current waiter
/// and stores nothing.
///
/// Go equivalent: `sync.Cond`'s `Signal` (`notify_one`) and `Broadcast` (`notify_waiters`),
/// without the external lock; or a `chan struct{}` of capacity 1 used as a wake-up signal.
///
/// ```
/// use gort_channel::sync::Notify;
/// use std::sync::Arc;
/// futures::executor::block_on(async {
///     let notify = Arc::new(Notify::new());
///     let n2 = notify.clone();
///     let t = std::thread::spawn(move || n2.notify_one());
///     notify.notified().await; // the permit may already be stored: no lost wake-up
///     t.join().unwrap();
/// });
/// ```
pub struct Notify {
    state: AtomicUsize,
    waiters: Lock<WaitList<Waiter>>,
}

/// The future returned by [`Notify::notified`].
///
/// `!Unpin` (as tokio's): while it waits, the `Notify` points at a word inside it.
///
/// ```
/// let notify = gort_channel::sync::Notify::new();
/// let notified = notify.notified();
/// notify.notify_waiters(); // reaches `notified`, created before the call
/// futures::executor::block_on(notified);
/// ```
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Notified<'a> {
    wait: Wait<&'a Notify>,
}

/// The future of [`Notify::notified_owned`]: a [`Notified`] that owns an `Arc` of its
/// `Notify`, so it is `'static` and can move into a spawned task.
///
/// ```
/// use gort_channel::sync::Notify;
/// use std::sync::Arc;
/// let notify = Arc::new(Notify::new());
/// let notified = notify.clone().notified_owned();
/// notify.notify_waiters();
/// std::thread::spawn(move || futures::executor::block_on(notified)).join().unwrap();
/// ```
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct OwnedNotified {
    wait: Wait<Arc<Notify>>,
}

/// The waiting machinery of both futures, over whatever holds the `Notify`.
struct Wait<N: Deref<Target = Notify>> {
    notify: N,
    /// Where `notified` was called (the wait site in the task dump).
    site: &'static std::panic::Location<'static>,
    /// The `notify_waiters` call count when this future was created.
    calls: usize,
    stage: Stage,
    /// Pinned: where a notifier says how it notified us after freeing our list entry.
    cell: HandOff<By>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Init,
    Waiting(WaiterId),
    Done,
}

impl Default for Notify {
    fn default() -> Self {
        Notify::new()
    }
}

impl fmt::Debug for Notify {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Notify").finish_non_exhaustive()
    }
}

impl fmt::Debug for Notified<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Notified")
            .field("stage", &self.wait.stage)
            .finish()
    }
}

impl fmt::Debug for OwnedNotified {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedNotified")
            .field("stage", &self.wait.stage)
            .finish()
    }
}

impl Notify {
    /// A `Notify` with no stored permit.
    ///
    /// ```
    /// let _notify = gort_channel::sync::Notify::new();
    /// ```
    pub fn new() -> Self {
        Notify {
            state: AtomicUsize::new(EMPTY),
            waiters: Lock::new(WaitList::new()),
        }
    }

    /// As [`Notify::new`], usable in a `static`.
    ///
    /// ```
    /// static READY: gort_channel::sync::Notify = gort_channel::sync::Notify::const_new();
    /// READY.notify_one();
    /// ```
    #[cfg(not(loom))]
    pub const fn const_new() -> Self {
        Notify {
            state: AtomicUsize::new(EMPTY),
            waiters: Lock::new(WaitList::new()),
        }
    }

    /// Waits for a notification.
    ///
    /// Completes when `notify_one` picks this waiter or finds the stored permit for it, or on
    /// any `notify_waiters` call made after this method was called (even before the first
    /// poll). Call [`Notified::enable`] to take a place in the `notify_one` queue before
    /// polling.
    ///
    /// # Cancel safety
    /// Cancel safe: a notification from `notify_one` that reached a dropped `Notified` is
    /// passed on to the next waiter (or stored as the permit).
    ///
    /// ```
    /// futures::executor::block_on(async {
    ///     let notify = gort_channel::sync::Notify::new();
    ///     notify.notify_one();
    ///     notify.notified().await; // consumes the stored permit
    /// });
    /// ```
    #[track_caller]
    pub fn notified(&self) -> Notified<'_> {
        Notified {
            wait: Wait::new(self),
        }
    }

    /// [`notified`](Self::notified) for an `Arc<Notify>`: the future owns the `Arc`.
    ///
    /// ```
    /// use gort_channel::sync::Notify;
    /// use std::sync::Arc;
    /// futures::executor::block_on(async {
    ///     let notify = Arc::new(Notify::new());
    ///     let waiter = notify.clone().notified_owned();
    ///     notify.notify_one();
    ///     waiter.await;
    /// });
    /// ```
    #[track_caller]
    pub fn notified_owned(self: Arc<Self>) -> OwnedNotified {
        OwnedNotified {
            wait: Wait::new(self),
        }
    }

    /// Wakes the first waiter; with nobody waiting, stores one permit (at most one) that the
    /// next `notified()` consumes.
    ///
    /// ```
    /// let notify = gort_channel::sync::Notify::new();
    /// notify.notify_one();
    /// notify.notify_one(); // permits do not accumulate
    /// futures::executor::block_on(notify.notified());
    /// ```
    pub fn notify_one(&self) {
        self.notify(false);
    }

    /// As [`Notify::notify_one`], but wakes the most recent waiter (LIFO) instead of the first.
    ///
    /// ```
    /// let notify = gort_channel::sync::Notify::new();
    /// notify.notify_last();
    /// futures::executor::block_on(notify.notified());
    /// ```
    pub fn notify_last(&self) {
        self.notify(true);
    }

    fn notify(&self, last: bool) {
        if self.store_permit_if_nobody_waits() {
            return;
        }
        let mut list = self.waiters.lock();
        if self.store_permit_if_nobody_waits() {
            return;
        }
        let waker = self.pop_one(&mut list, last);
        drop(list);
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// `EMPTY`/`NOTIFIED` -> `NOTIFIED`; false if the tag is `WAITING`.
    fn store_permit_if_nobody_waits(&self) -> bool {
        let mut state = self.state.load(Ordering::SeqCst);
        loop {
            match state & TAG {
                WAITING => return false,
                NOTIFIED => return true, // permits do not accumulate
                _ => {}
            }
            let new = (state & !TAG) | NOTIFIED;
            match self
                .state
                .compare_exchange(state, new, Ordering::SeqCst, Ordering::SeqCst)
            {
                Ok(_) => return true,
                Err(actual) => state = actual,
            }
        }
    }

    /// Lock held, tag `WAITING`: completes one waiter in place and returns its waker.
    fn pop_one(&self, list: &mut WaitList<Waiter>, last: bool) -> Option<Waker> {
        let popped = if last {
            list.pop_back_free()
        } else {
            list.pop_front_free()
        };
        let (waiter, waker) = popped.expect("WAITING implies a queued waiter");
        // SAFETY: the lock is held (`list` is borrowed from it) and the waiter was just removed.
        unsafe { waiter.complete(if last { By::Last } else { By::One }) };
        if list.is_empty() {
            self.set_tag_locked(EMPTY);
        }
        waker
    }

    /// Lock held and tag `WAITING`: nothing else changes the word, so a plain store is exact.
    fn set_tag_locked(&self, tag: usize) {
        let state = self.state.load(Ordering::SeqCst);
        debug_assert_eq!(state & TAG, WAITING);
        self.state.store((state & !TAG) | tag, Ordering::SeqCst);
    }

    /// Wakes every task waiting right now, and every `Notified` created before this call;
    /// stores no permit.
    ///
    /// ```
    /// use std::future::Future;
    /// use std::task::{Context, Poll};
    /// let notify = gort_channel::sync::Notify::new();
    /// let mut notified = Box::pin(notify.notified()); // created before the call, not polled
    /// notify.notify_waiters();
    /// let waker = futures::task::noop_waker();
    /// assert!(notified.as_mut().poll(&mut Context::from_waker(&waker)).is_ready());
    /// ```
    pub fn notify_waiters(&self) {
        let mut list = self.waiters.lock();
        let state = self.state.load(Ordering::SeqCst);
        if state & TAG != WAITING {
            // Only the count changes; the tag may be flipping lock-free, so add atomically.
            self.state.fetch_add(CALL, Ordering::SeqCst);
            return;
        }
        self.state
            .store(state.wrapping_add(CALL) & !TAG, Ordering::SeqCst);
        let mut wakers = Vec::with_capacity(list.len());
        while let Some((waiter, waker)) = list.pop_front_free() {
            // SAFETY: the lock is held and the waiter was just removed from the list.
            unsafe { waiter.complete(By::All) };
            wakers.extend(waker);
        }
        drop(list);
        for waker in wakers {
            waker.wake();
        }
    }

    /// Polls (`enable` passes a no-op waker); true once notified.
    fn poll_notified(
        &self,
        notified_calls: usize,
        stage: &mut Stage,
        cell: Pin<&HandOff<By>>,
        waker: &Waker,
    ) -> bool {
        match *stage {
            Stage::Done => true,
            Stage::Init => {
                let mut state = self.state.load(Ordering::SeqCst);
                if state & !TAG != notified_calls {
                    *stage = Stage::Done;
                    return true;
                }
                if state & TAG == NOTIFIED
                    && self
                        .state
                        .compare_exchange(state, state & !TAG, Ordering::SeqCst, Ordering::SeqCst)
                        .is_ok()
                {
                    *stage = Stage::Done;
                    return true;
                }
                let mut list = self.waiters.lock();
                state = self.state.load(Ordering::SeqCst);
                loop {
                    if state & !TAG != notified_calls {
                        *stage = Stage::Done;
                        return true;
                    }
                    let (new, done) = match state & TAG {
                        NOTIFIED => (state & !TAG, true),
                        EMPTY => ((state & !TAG) | WAITING, false),
                        _ => break,
                    };
                    match self.state.compare_exchange(
                        state,
                        new,
                        Ordering::SeqCst,
                        Ordering::SeqCst,
                    ) {
                        Ok(_) if done => {
                            *stage = Stage::Done;
                            return true;
                        }
                        Ok(_) => break,
                        Err(actual) => state = actual,
                    }
                }
                *stage = Stage::Waiting(list.push_back(cell.park_ref(), waker));
                false
            }
            Stage::Waiting(id) => {
                // A notifier freed our entry before completing the cell: no lock to see it.
                if cell.take().is_none() {
                    let mut list = self.waiters.lock();
                    if cell.take().is_none() {
                        let stale = list.register_take_old(id, waker);
                        drop(list);
                        drop(stale); // outside the lock: a waker's drop may re-enter
                        return false;
                    }
                }
                *stage = Stage::Done;
                true
            }
        }
    }
}

impl<N: Deref<Target = Notify>> Wait<N> {
    #[track_caller]
    fn new(notify: N) -> Self {
        let calls = notify.state.load(Ordering::SeqCst) & !TAG;
        Wait {
            site: std::panic::Location::caller(),
            notify,
            calls,
            stage: Stage::Init,
            cell: HandOff::new(),
        }
    }

    fn enable(self: Pin<&mut Self>) -> bool {
        // SAFETY: `cell` is structurally pinned (see `poll`).
        let this = unsafe { self.get_unchecked_mut() };
        match this.stage {
            Stage::Done => true,
            Stage::Waiting(_) => this.cell.is_done(),
            Stage::Init => {
                let waker = futures_util::task::noop_waker_ref();
                // SAFETY: `this` was pinned, and `cell` with it (see `poll`).
                let cell = unsafe { Pin::new_unchecked(&this.cell) };
                this.notify
                    .poll_notified(this.calls, &mut this.stage, cell, waker)
            }
        }
    }
}

/// Pin projection from the public futures to their `Wait`.
macro_rules! project_wait {
    ($this:expr) => {
        // SAFETY: `wait` is structurally pinned: the outer future never moves it out, and has
        // no `Drop` of its own (the `Wait`'s runs in place).
        unsafe { $this.map_unchecked_mut(|f| &mut f.wait) }
    };
}

impl<'a> Notified<'a> {
    /// Takes this future's place in the `notify_one` queue now, without waiting to be polled.
    /// Returns true if it is already notified.
    ///
    /// Use it to avoid a lost wake-up when checking a condition and then waiting:
    /// create and enable the `Notified`, check the condition, then await.
    ///
    /// ```
    /// use gort_channel::sync::Notify;
    /// use std::pin::pin;
    /// futures::executor::block_on(async {
    ///     let notify = Notify::new();
    ///     let mut notified = pin!(notify.notified());
    ///     assert!(!notified.as_mut().enable());
    ///     notify.notify_one(); // goes to the enabled waiter, not to the stored permit
    ///     notified.await;
    /// });
    /// ```
    pub fn enable(self: Pin<&mut Self>) -> bool {
        project_wait!(self).enable()
    }
}

impl OwnedNotified {
    /// As [`Notified::enable`].
    ///
    /// ```
    /// use gort_channel::sync::Notify;
    /// use std::sync::Arc;
    /// let notify = Arc::new(Notify::new());
    /// let mut notified = Box::pin(notify.clone().notified_owned());
    /// assert!(!notified.as_mut().enable());
    /// notify.notify_one();
    /// assert!(notified.as_mut().enable());
    /// ```
    pub fn enable(self: Pin<&mut Self>) -> bool {
        project_wait!(self).enable()
    }
}

impl Future for Notified<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        project_wait!(self).poll(cx)
    }
}

impl Future for OwnedNotified {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        project_wait!(self).poll(cx)
    }
}

impl<N: Deref<Target = Notify>> Future for Wait<N> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // SAFETY: `cell` is structurally pinned — never moved out of or handed out mutably;
        // the other fields are never pinned.
        let this = unsafe { self.get_unchecked_mut() };
        ready!(coop::poll_proceed(cx));
        // SAFETY: `this` was pinned, and `cell` with it (see above).
        let cell = unsafe { Pin::new_unchecked(&this.cell) };
        if this
            .notify
            .poll_notified(this.calls, &mut this.stage, cell, cx.waker())
        {
            Poll::Ready(())
        } else {
            coop::refund();
            let notify = std::ptr::from_ref::<Notify>(&this.notify).cast();
            gort_waitsite::record(gort_waitsite::WaitKind::Notified, notify, 0, this.site);
            Poll::Pending
        }
    }
}

impl<N: Deref<Target = Notify>> Drop for Wait<N> {
    fn drop(&mut self) {
        let Stage::Waiting(id) = self.stage else {
            return;
        };
        let notify = &*self.notify;
        let by = match self.cell.take() {
            Some(by) => by,
            None => {
                let mut list = notify.waiters.lock();
                // Outcomes are handed over under this lock, so this answer is final.
                let Some(by) = self.cell.take() else {
                    let (_, stale) = list.remove_with_waker(id);
                    if list.is_empty() {
                        notify.set_tag_locked(EMPTY);
                    }
                    drop(list);
                    drop(stale); // outside the lock: a waker's drop may re-enter
                    return;
                };
                by
            }
        };
        // Never observed: pass it on the same way (to the first or the last waiter still
        // queued), or as the stored permit.
        match by {
            By::One => notify.notify_one(),
            By::Last => notify.notify_last(),
            By::All => {}
        }
    }
}
