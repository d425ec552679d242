//! The fair counting semaphore under `Semaphore`, `Mutex`, `RwLock` and `OnceCell`.
//!
//! # How it works
//!
//! One atomic word holds the free permits (shifted left by two) and two flags: `CLOSED`, and
//! `WAITING` (the wait-list is not empty). Waiters park in a [`WaitList`] under a lock, in FIFO
//! order, each with the number of permits it still needs.
//!
//! - **Acquire fast path:** one CAS that takes the permits from the word. No lock.
//! - **Release fast path:** while `WAITING` is clear, one CAS that adds the permits back. No lock.
//! - **Slow paths:** an acquirer that cannot be served takes the lock, grabs whatever permits
//!   are free, sets `WAITING` and parks with the rest still owed. A releaser that sees `WAITING`
//!   takes the lock and hands its permits *directly* to the front waiters, in order (a waiter may
//!   be filled by several releases); only what is left once the list is empty goes back to the
//!   word, clearing `WAITING` in the same CAS.
//!
//! Invariant: while any waiter is queued, the word holds no free permits. So a newcomer's fast
//! path can never overtake a parked waiter (FIFO fairness, no writer starvation for `RwLock`),
//! and a mutex unlock is a direct handoff to the first waiter. The design is tokio's
//! `batch_semaphore` (itself after Go's `sync.Mutex` starvation mode handoff), with a lock-free
//! release when nobody waits.
//!
//! A served waiter is unlinked and freed by the releaser, which then completes the hand-off
//! cell inside the waiter's pinned future with the outcome (granted, or closed): the woken
//! future reads it without taking the lock ([`crate::handoff`]). A future dropped while queued
//! unlinks itself under the lock first.
//!
//! # Cancel safety
//!
//! Permits handed to a waiter whose future is dropped before it completes are released again
//! under the same lock, so they go straight to the next waiter: nothing leaks, nobody is skipped.

use super::shim::{AtomicUsize, Lock, LockGuard, Ordering};
use crate::coop;
use crate::handoff::{HandOff, HandOffRef};
use crate::waitlist::{WaitList, WaiterId};
use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll, Waker};

const CLOSED: usize = 1;
const WAITING: usize = 2;
const SHIFT: usize = 2;

/// The most permits a semaphore can hold (tokio's limit, leaving room for the flag bits).
pub(crate) const MAX_PERMITS: usize = usize::MAX >> 3;

/// How many wakers a release collects before it drops the lock to wake them.
const WAKE_BATCH: usize = 16;

/// How a parked acquire ended, handed over in its future's cell: granted, or closed.
type Outcome = Result<(), Closed>;

/// A parked acquirer.
struct Waiter {
    /// Permits still owed to it.
    remaining: usize,
    /// Permits already handed to it (given back if it leaves early or the semaphore closes).
    assigned: usize,
    /// The cell of the parked `Acquire` future.
    cell: HandOffRef<Outcome>,
}

/// The semaphore was closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Closed;

/// Why a `try_acquire` failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TryAcquireError {
    Closed,
    NoPermits,
}

/// The fair semaphore core.
pub(crate) struct Semaphore {
    state: AtomicUsize,
    waiters: Lock<WaitList<Waiter>>,
}

impl std::fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Semaphore")
            .field("permits", &self.available_permits())
            .field("closed", &self.is_closed())
            .finish()
    }
}

impl Semaphore {
    /// A semaphore with `permits` free permits. Panics above [`MAX_PERMITS`].
    pub(crate) fn new(permits: usize) -> Self {
        assert!(
            permits <= MAX_PERMITS,
            "a semaphore may not have more than MAX_PERMITS permits ({MAX_PERMITS}; asked for {permits})"
        );
        Semaphore {
            state: AtomicUsize::new(permits << SHIFT),
            waiters: Lock::new(WaitList::new()),
        }
    }

    /// As `new`, usable in `static`s.
    #[cfg(not(loom))]
    pub(crate) const fn const_new(permits: usize) -> Self {
        assert!(
            permits <= MAX_PERMITS,
            "a semaphore may not have more than MAX_PERMITS permits"
        );
        Semaphore {
            state: AtomicUsize::new(permits << SHIFT),
            waiters: Lock::new(WaitList::new()),
        }
    }

    /// A semaphore that is already closed, with no permits.
    pub(crate) fn new_closed() -> Self {
        let sem = Semaphore::new(0);
        sem.state.store(CLOSED, Ordering::Relaxed);
        sem
    }

    /// Free permits right now.
    pub(crate) fn available_permits(&self) -> usize {
        self.state.load(Ordering::Acquire) >> SHIFT
    }

    /// True once `close` was called.
    pub(crate) fn is_closed(&self) -> bool {
        self.state.load(Ordering::Acquire) & CLOSED != 0
    }

    /// Takes `n` permits now or fails; never queues, never overtakes a queued waiter.
    pub(crate) fn try_acquire(&self, n: usize) -> Result<(), TryAcquireError> {
        let mut state = self.state.load(Ordering::Acquire);
        loop {
            if state & CLOSED != 0 {
                return Err(TryAcquireError::Closed);
            }
            if state >> SHIFT < n {
                return Err(TryAcquireError::NoPermits);
            }
            match self.state.compare_exchange_weak(
                state,
                state - (n << SHIFT),
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return Ok(()),
                Err(actual) => state = actual,
            }
        }
    }

    /// Removes up to `n` free permits for good; returns how many it removed.
    pub(crate) fn forget_permits(&self, n: usize) -> usize {
        let mut state = self.state.load(Ordering::Acquire);
        loop {
            let take = n.min(state >> SHIFT);
            if take == 0 {
                return 0;
            }
            match self.state.compare_exchange_weak(
                state,
                state - (take << SHIFT),
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return take,
                Err(actual) => state = actual,
            }
        }
    }

    /// Returns `n` permits: to the queued waiters first, in FIFO order, then to the free pool.
    /// Panics if the free pool would exceed [`MAX_PERMITS`].
    pub(crate) fn release(&self, n: usize) {
        if n == 0 {
            return;
        }
        let mut state = self.state.load(Ordering::Acquire);
        while state & WAITING == 0 {
            let new = Self::add_checked(state, n);
            match self
                .state
                .compare_exchange_weak(state, new, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => return,
                Err(actual) => state = actual,
            }
        }
        self.release_locked(n, self.waiters.lock());
    }

    fn add_checked(state: usize, n: usize) -> usize {
        let permits = (state >> SHIFT)
            .checked_add(n)
            .filter(|&p| p <= MAX_PERMITS)
            .unwrap_or_else(|| {
                panic!("a semaphore may not have more than MAX_PERMITS permits ({MAX_PERMITS}; adding {n} overflows)")
            });
        (permits << SHIFT) | (state & (CLOSED | WAITING))
    }

    /// Hands `n` permits to the front waiters, then returns the rest to the word (clearing
    /// `WAITING` when the list is empty). Wakes the served waiters with the lock released.
    fn release_locked<'a>(&'a self, mut n: usize, mut list: LockGuard<'a, WaitList<Waiter>>) {
        let mut wakers: [Option<Waker>; WAKE_BATCH] = Default::default();
        loop {
            let mut woken = 0;
            while n > 0 && woken < WAKE_BATCH {
                let Some(front) = list.front_mut() else { break };
                let take = n.min(front.remaining);
                front.remaining -= take;
                front.assigned += take;
                n -= take;
                if front.remaining == 0 {
                    let (served, waker) = list.pop_front_free().expect("front exists");
                    // SAFETY: the lock is held and the waiter was just removed from the list.
                    unsafe { served.cell.complete(Ok(())) };
                    wakers[woken] = waker;
                    woken += 1;
                }
            }
            let served_everything = n == 0 || list.is_empty();
            if served_everything {
                self.settle(n, list.is_empty());
                drop(list);
                wake_all(&mut wakers[..woken]);
                return;
            }
            // The batch is full: wake it without the lock held, then carry on.
            drop(list);
            wake_all(&mut wakers[..woken]);
            list = self.waiters.lock();
        }
    }

    /// Adds leftover permits to the word; clears `WAITING` once nobody waits. Lock held.
    fn settle(&self, leftover: usize, list_empty: bool) {
        if leftover == 0 && !list_empty {
            return;
        }
        let mut state = self.state.load(Ordering::Acquire);
        loop {
            let mut new = Self::add_checked(state, leftover);
            if list_empty {
                new &= !WAITING;
            }
            match self
                .state
                .compare_exchange_weak(state, new, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => return,
                Err(actual) => state = actual,
            }
        }
    }

    /// Closes the semaphore: every queued waiter and every later acquire fails.
    pub(crate) fn close(&self) {
        let mut list = self.waiters.lock();
        self.state.fetch_or(CLOSED, Ordering::AcqRel);
        let mut wakers = Vec::with_capacity(list.len());
        let mut handed_back = 0;
        while let Some((waiter, waker)) = list.pop_front_free() {
            handed_back += waiter.assigned;
            // SAFETY: the lock is held and the waiter was just removed from the list.
            unsafe { waiter.cell.complete(Err(Closed)) };
            wakers.extend(waker);
        }
        // Nobody waits now: return what the failed waiters had collected, clear `WAITING`.
        self.settle(handed_back, true);
        drop(list);
        for waker in wakers {
            waker.wake();
        }
    }

    /// Takes `n` permits, parking in FIFO order when they are not free.
    pub(crate) fn acquire(&self, n: usize) -> Acquire<'_> {
        Acquire {
            semaphore: self,
            permits: n,
            waiter: None,
            cell: HandOff::new(),
            held: false,
        }
    }

    /// The acquire state machine; `waiter` is the future's parked entry, if any, and `cell`
    /// the pinned cell a releaser completes.
    fn poll_acquire(
        &self,
        cx: &mut Context<'_>,
        n: usize,
        waiter: &mut Option<WaiterId>,
        cell: Pin<&HandOff<Outcome>>,
    ) -> Poll<Outcome> {
        let Some(id) = *waiter else {
            return self.poll_first(cx, n, waiter, cell);
        };
        // Served waiters were unlinked and freed by the releaser: no lock needed to see it.
        let outcome = match cell.take() {
            Some(outcome) => outcome,
            None => {
                let mut list = self.waiters.lock();
                let Some(outcome) = cell.take() else {
                    let stale = list.register_take_old(id, cx.waker());
                    drop(list);
                    drop(stale); // outside the lock: a waker's drop may re-enter the semaphore
                    return Poll::Pending;
                };
                outcome
            }
        };
        *waiter = None;
        Poll::Ready(outcome)
    }

    fn poll_first(
        &self,
        cx: &mut Context<'_>,
        n: usize,
        waiter: &mut Option<WaiterId>,
        cell: Pin<&HandOff<Outcome>>,
    ) -> Poll<Outcome> {
        // Fast path: one CAS, no lock.
        let mut state = self.state.load(Ordering::Acquire);
        loop {
            if state & CLOSED != 0 {
                return Poll::Ready(Err(Closed));
            }
            if state >> SHIFT < n {
                break;
            }
            match self.state.compare_exchange_weak(
                state,
                state - (n << SHIFT),
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return Poll::Ready(Ok(())),
                Err(actual) => state = actual,
            }
        }
        // Slow path: take what is free and queue for the rest, under the lock.
        let mut list = self.waiters.lock();
        let mut state = self.state.load(Ordering::Acquire);
        let (remaining, assigned) = loop {
            if state & CLOSED != 0 {
                return Poll::Ready(Err(Closed));
            }
            let take = if list.is_empty() {
                n.min(state >> SHIFT)
            } else {
                0
            };
            let remaining = n - take;
            let mut new = state - (take << SHIFT);
            if remaining > 0 {
                new |= WAITING;
            }
            match self
                .state
                .compare_exchange_weak(state, new, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => break (remaining, take),
                Err(actual) => state = actual,
            }
        };
        if remaining == 0 {
            return Poll::Ready(Ok(()));
        }
        *waiter = Some(list.push_back(
            Waiter {
                remaining,
                assigned,
                cell: cell.park_ref(),
            },
            cx.waker(),
        ));
        drop(list);
        Poll::Pending
    }

    /// The future was dropped while parked: unlink it, or give back what it was granted.
    fn cancel(&self, n: usize, id: WaiterId, cell: &HandOff<Outcome>) {
        match cell.take() {
            Some(Ok(())) => return self.release(n),
            Some(Err(Closed)) => return,
            None => {}
        }
        let mut list = self.waiters.lock();
        // Outcomes are handed over under this lock, so this answer is final.
        match cell.take() {
            Some(Ok(())) => {
                drop(list);
                self.release(n);
            }
            Some(Err(Closed)) => {}
            None => {
                let (waiter, stale) = list.remove_with_waker(id);
                self.release_locked(waiter.assigned, list);
                drop(stale); // outside the lock: a waker's drop may re-enter the semaphore
            }
        }
    }
}

fn wake_all(wakers: &mut [Option<Waker>]) {
    for waker in wakers {
        if let Some(waker) = waker.take() {
            waker.wake();
        }
    }
}

/// The future of [`Semaphore::acquire`]; cancel safe (see the module docs).
///
/// `!Unpin`: while it waits, the semaphore's wait-list points at its `cell`.
#[derive(Debug)]
pub(crate) struct Acquire<'a> {
    semaphore: &'a Semaphore,
    permits: usize,
    /// Our entry in the wait-list while queued.
    waiter: Option<WaiterId>,
    /// Pinned: where a releaser hands over the outcome after freeing our entry.
    cell: HandOff<Outcome>,
    /// The permits are ours, but the task's cooperative budget was spent: they are handed over
    /// on the next poll (or given back on drop). Acquiring first keeps our FIFO place.
    held: bool,
}

impl Future for Acquire<'_> {
    type Output = Result<(), Closed>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: `cell` is structurally pinned — never moved out of or handed out mutably;
        // the other fields are never pinned.
        let this = unsafe { self.get_unchecked_mut() };
        if !this.held {
            // SAFETY: `this` was pinned, and `cell` with it (see above).
            let cell = unsafe { Pin::new_unchecked(&this.cell) };
            ready!(this
                .semaphore
                .poll_acquire(cx, this.permits, &mut this.waiter, cell))?;
            this.held = true;
        }
        // As tokio: the wait charges the budget only once it can complete; when the budget is
        // spent, the task yields holding the permits (so no later waiter overtakes it).
        ready!(coop::poll_proceed(cx));
        this.held = false;
        Poll::Ready(Ok(()))
    }
}

impl Drop for Acquire<'_> {
    fn drop(&mut self) {
        if self.held {
            self.semaphore.release(self.permits);
        } else if let Some(id) = self.waiter.take() {
            self.semaphore.cancel(self.permits, id, &self.cell);
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use futures::task::noop_waker;
    use std::pin::pin;

    fn poll<F: Future>(f: &mut Pin<Box<F>>) -> Poll<F::Output> {
        let waker = noop_waker();
        f.as_mut().poll(&mut Context::from_waker(&waker))
    }

    #[test]
    fn fast_paths_take_and_return_permits() {
        let sem = Semaphore::new(3);
        assert_eq!(poll(&mut Box::pin(sem.acquire(2))), Poll::Ready(Ok(())));
        assert_eq!(sem.available_permits(), 1);
        assert_eq!(sem.try_acquire(2), Err(TryAcquireError::NoPermits));
        sem.release(2);
        assert_eq!(sem.available_permits(), 3);
    }

    #[test]
    fn partial_grants_are_kept_in_fifo_order() {
        let sem = Semaphore::new(1);
        let mut big = Box::pin(sem.acquire(3));
        assert!(poll(&mut big).is_pending());
        assert_eq!(
            sem.available_permits(),
            0,
            "the free permit went to the waiter"
        );
        let mut small = Box::pin(sem.acquire(1));
        assert!(poll(&mut small).is_pending());
        sem.release(1);
        assert!(
            poll(&mut small).is_pending(),
            "must not overtake the front waiter"
        );
        sem.release(1);
        assert_eq!(poll(&mut big), Poll::Ready(Ok(())));
        sem.release(1);
        assert_eq!(poll(&mut small), Poll::Ready(Ok(())));
        assert_eq!(sem.available_permits(), 0);
    }

    #[test]
    fn cancelled_waiter_passes_its_permits_on() {
        let sem = Semaphore::new(1);
        let mut first = Box::pin(sem.acquire(2));
        assert!(poll(&mut first).is_pending());
        let mut second = Box::pin(sem.acquire(2));
        assert!(poll(&mut second).is_pending());
        sem.release(1);
        drop(first); // held 2 permits: both go to `second`
        assert_eq!(poll(&mut second), Poll::Ready(Ok(())));
        drop(second);
        assert_eq!(sem.available_permits(), 0);
        sem.release(2);
        assert_eq!(sem.available_permits(), 2);
    }

    #[test]
    fn close_fails_waiters_and_returns_their_partial_permits() {
        let sem = Semaphore::new(1);
        let mut waiter = pin!(sem.acquire(2));
        let waker = noop_waker();
        let mut cx = Context::from_waker(&waker);
        assert!(waiter.as_mut().poll(&mut cx).is_pending());
        sem.close();
        assert_eq!(waiter.as_mut().poll(&mut cx), Poll::Ready(Err(Closed)));
        assert_eq!(sem.available_permits(), 1);
        assert_eq!(sem.try_acquire(1), Err(TryAcquireError::Closed));
    }

    #[test]
    #[should_panic(expected = "may not have more than MAX_PERMITS permits")]
    fn overflow_panics() {
        let sem = Semaphore::new(MAX_PERMITS);
        sem.release(1);
    }
}
