//! The cooperative budget: how a task that is always ready still yields.
//!
//! The executor gives every task poll a budget of [`BUDGET`] operations (see [`budget`]). Each
//! leaf operation that can block — a channel send or receive, a lock, a timer, a socket read —
//! charges one unit through [`poll_proceed`] before it completes. Once the budget is spent,
//! `poll_proceed` wakes the task and returns `Pending`, so a loop over an always-ready channel
//! returns to the scheduler instead of starving the worker (tokio's `coop`, Go's preemption).
//!
//! A [`chan`](crate::chan) send or receive (Go's channel) that completes on its lock-free path
//! (a free slot, a buffered value, nobody to wake) costs only a 128th of a unit — the channel
//! gives the rest back. tokio's `mpsc` keeps tokio's whole unit per operation: tokio's users
//! and its own tests (`rt_common::coop`) rely on a receive loop yielding within 128 values.
//! A lock-free operation takes tens of nanoseconds, so a loop over always-ready ones still
//! yields after about 16,000 of them (a few hundred microseconds; Go preempts after 10 ms);
//! everything else charges a whole unit. Cheaper is faster, measured: a task that spends its
//! budget yields, and the worker that queues it again wakes an idle one, which steals half of
//! its queue — from then on both workers hit the channel's cache lines at once, at two to four
//! times the CPU per message. A whole unit per operation made a consumer draining a buffered
//! channel yield every 128 values (its producers refilled the buffer meanwhile, and every
//! receive then had a parked sender to move in and wake); an eighth of a unit (a yield every
//! thousand, fewer than a 1024-slot buffer holds) still made gort's 4→1 and 4→4 channel
//! benchmarks run about twice as slow on gort's runtime as with no budget at all.
//!
//! Outside a gort task (tokio, smol, `futures::executor::block_on`, a plain thread) no budget is
//! set and every call proceeds: the channel crate stays runtime independent. The hook lives here,
//! in the lowest crate of the workspace, so the channel, the reactor and the executor all share it.
//!
//! ```
//! use gort_channel::coop;
//! use std::task::{Context, Poll};
//!
//! let waker = futures::task::noop_waker();
//! let mut cx = Context::from_waker(&waker);
//! // Inside a budget of 128, the 129th operation is told to yield.
//! coop::budget(|| {
//!     for _ in 0..coop::BUDGET {
//!         assert!(coop::poll_proceed(&mut cx).is_ready());
//!     }
//!     assert!(coop::poll_proceed(&mut cx).is_pending());
//! });
//! // With no budget set, everything proceeds.
//! assert!(coop::poll_proceed(&mut cx).is_ready());
//! ```

use std::cell::Cell;
use std::sync::OnceLock;
use std::task::{Context, Poll, Waker};

/// Operations a task may complete in one poll before it is made to yield (tokio uses the same).
pub const BUDGET: u8 = 128;

/// How a task whose budget is spent gets rescheduled (see [`install_defer`]).
static DEFER: OnceLock<fn(&Waker)> = OnceLock::new();

/// Installs how a task whose budget is spent is woken again (called by the gort runtime; later
/// calls are ignored). The runtime's hook defers the wake until the worker has polled its
/// driver, so I/O and timer events are seen between the yields of a busy task (tokio's defer
/// list). Without a hook the task is woken at once.
///
/// ```
/// gort_channel::coop::install_defer(std::task::Waker::wake_by_ref);
/// ```
#[doc(hidden)]
pub fn install_defer(defer: fn(&Waker)) {
    let _ = DEFER.set(defer);
}

/// Ticks in one unit of the budget: an operation charges [`UNIT`] ticks, one completed on a
/// channel's lock-free path keeps only one of them (see [`rebate_lock_free`]).
const UNIT: u16 = 128;

/// A full budget in ticks.
const FULL: u16 = BUDGET as u16 * UNIT;

/// Channel operations completed on their lock-free path before a fresh budget is spent.
#[cfg(test)]
pub(crate) const LOCK_FREE_OPS: usize = (FULL - UNIT) as usize + 1;

/// [`UNIT`], for tests that count ticks.
#[cfg(test)]
pub(crate) const TICKS_PER_UNIT: usize = UNIT as usize;

thread_local! {
    /// `None`: unconstrained (not inside a budgeted poll). `Some(n)`: `n` ticks left.
    static CURRENT: Cell<Option<u16>> = const { Cell::new(None) };
}

/// Runs `f` (one poll of a task) with a fresh budget, restoring the previous one afterwards.
///
/// The executor calls this around every task poll.
///
/// ```
/// gort_channel::coop::budget(|| assert!(gort_channel::coop::has_budget_remaining()));
/// ```
pub fn budget<R>(f: impl FnOnce() -> R) -> R {
    with_budget(Some(FULL), f)
}

/// Runs `f` with no budget: nothing inside is made to yield.
///
/// `select!` with a `default` branch polls its branches this way, so a spent budget never makes
/// a ready branch look pending (Go's semantics).
///
/// ```
/// use gort_channel::coop;
/// let waker = futures::task::noop_waker();
/// let mut cx = std::task::Context::from_waker(&waker);
/// coop::budget(|| {
///     while coop::poll_proceed(&mut cx).is_ready() {}
///     coop::unconstrained(|| assert!(coop::poll_proceed(&mut cx).is_ready()));
/// });
/// ```
pub fn unconstrained<R>(f: impl FnOnce() -> R) -> R {
    with_budget(None, f)
}

fn with_budget<R>(budget: Option<u16>, f: impl FnOnce() -> R) -> R {
    struct Restore(Option<u16>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let _ = CURRENT.try_with(|c| c.set(self.0));
        }
    }
    // Thread-local destruction (a task dropped from a thread-local's destructor): no budget.
    let previous = CURRENT.try_with(|c| c.replace(budget)).unwrap_or(None);
    let _restore = Restore(previous);
    f()
}

/// True when the current poll may still complete an operation (always true outside a budget).
///
/// ```
/// assert!(gort_channel::coop::has_budget_remaining());
/// ```
#[inline]
pub fn has_budget_remaining() -> bool {
    CURRENT
        .try_with(|c| !matches!(c.get(), Some(ticks) if ticks < UNIT))
        .unwrap_or(true)
}

/// Charges one unit of the budget for an operation about to complete.
///
/// Returns `Poll::Pending` after waking the task (deferred: see [`install_defer`]) when the
/// budget is spent: the caller must then return `Pending` without completing its operation.
/// Call it before committing the operation (taking the value, the lock, the permit), never
/// after.
///
/// ```
/// use std::task::{Context, Poll};
/// fn poll_op(cx: &mut Context<'_>) -> Poll<u32> {
///     std::task::ready!(gort_channel::coop::poll_proceed(cx));
///     Poll::Ready(7)
/// }
/// let waker = futures::task::noop_waker();
/// assert_eq!(poll_op(&mut Context::from_waker(&waker)), Poll::Ready(7));
/// ```
// Inline: every channel operation calls it (and `rebate_lock_free`), on paths of a few tens of
// nanoseconds; the yield is out of line.
#[inline]
pub fn poll_proceed(cx: &mut Context<'_>) -> Poll<()> {
    CURRENT
        .try_with(|c| match c.get() {
            None => Poll::Ready(()),
            Some(ticks) if ticks < UNIT => spent(cx),
            Some(ticks) => {
                c.set(Some(ticks - UNIT));
                Poll::Ready(())
            }
        })
        .unwrap_or(Poll::Ready(()))
}

/// The budget is spent: wake the task (deferred) and tell the caller to yield.
#[cold]
#[inline(never)]
fn spent(cx: &mut Context<'_>) -> Poll<()> {
    // A yield, not a wait: the task's wake may sit in its worker's deferred list, with the task
    // not marked scheduled, so the deadlock detector must not read the wait site the caller
    // records next as the only thing that can wake it.
    gort_waitsite::record(
        gort_waitsite::WaitKind::Yield,
        std::ptr::null(),
        0,
        std::panic::Location::caller(),
    );
    match DEFER.get() {
        Some(defer) => defer(cx.waker()),
        None => cx.waker().wake_by_ref(),
    }
    Poll::Pending
}

/// Gives back the unit charged by [`poll_proceed`] when the operation turned out not ready.
///
/// ```
/// use gort_channel::coop;
/// let waker = futures::task::noop_waker();
/// let mut cx = std::task::Context::from_waker(&waker);
/// coop::budget(|| {
///     let _ = coop::poll_proceed(&mut cx);
///     coop::refund();
/// });
/// ```
#[inline]
pub fn refund() {
    let _ = CURRENT.try_with(|c| {
        if let Some(n) = c.get() {
            c.set(Some(n.saturating_add(UNIT).min(FULL)));
        }
    });
}

/// Gives back all but one tick of the unit charged by [`poll_proceed`] for a channel operation
/// that completed on its lock-free path (see the module docs): it costs a 128th of a unit.
#[inline]
pub(crate) fn rebate_lock_free() {
    let _ = CURRENT.try_with(|c| {
        if let Some(n) = c.get() {
            c.set(Some(n.saturating_add(UNIT - 1).min(FULL)));
        }
    });
}

/// Charges an operation that completed without [`poll_proceed`] (it checked
/// [`has_budget_remaining`] first): a tick when `lock_free` (see [`rebate_lock_free`]), else a
/// unit. One look at the budget instead of a charge and a rebate.
#[inline]
pub(crate) fn charge(lock_free: bool) {
    let _ = CURRENT.try_with(|c| {
        if let Some(n) = c.get() {
            let cost = if lock_free { 1 } else { UNIT };
            c.set(Some(n.saturating_sub(cost)));
        }
    });
}

pin_project_lite::pin_project! {
    /// A future that charges the cooperative budget (see [`cooperative`]).
    #[must_use = "futures do nothing unless polled"]
    #[derive(Debug)]
    pub struct Coop<F> {
        #[pin]
        fut: F,
    }
}

/// Makes `fut` charge one unit of the cooperative budget each time it completes (tokio's
/// `task::coop::cooperative`): with the budget spent, a poll wakes the task and returns
/// `Pending` without polling `fut`, so a loop over an always-ready future still yields.
///
/// ```
/// use gort_channel::coop;
/// use std::future::Future;
/// use std::task::Context;
/// let waker = futures::task::noop_waker();
/// let mut cx = Context::from_waker(&waker);
/// coop::budget(|| {
///     while coop::poll_proceed(&mut cx).is_ready() {}
///     let mut ready = std::pin::pin!(coop::cooperative(std::future::ready(1)));
///     assert!(ready.as_mut().poll(&mut cx).is_pending()); // budget spent: yield first
/// });
/// ```
pub fn cooperative<F: std::future::Future>(fut: F) -> Coop<F> {
    Coop { fut }
}

impl<F: std::future::Future> std::future::Future for Coop<F> {
    type Output = F::Output;

    fn poll(self: std::pin::Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        std::task::ready!(poll_proceed(cx));
        match self.project().fut.poll(cx) {
            Poll::Ready(out) => Poll::Ready(out),
            Poll::Pending => {
                refund();
                Poll::Pending
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_budgets_restore() {
        let waker = futures::task::noop_waker();
        let mut cx = Context::from_waker(&waker);
        budget(|| {
            let _ = poll_proceed(&mut cx);
            unconstrained(|| assert!(has_budget_remaining()));
            CURRENT.with(|c| assert_eq!(c.get(), Some(FULL - UNIT)));
        });
        CURRENT.with(|c| assert_eq!(c.get(), None));
    }

    #[test]
    fn a_rebated_operation_costs_one_tick() {
        let waker = futures::task::noop_waker();
        let mut cx = Context::from_waker(&waker);
        budget(|| {
            let mut done = 0;
            while poll_proceed(&mut cx).is_ready() {
                rebate_lock_free();
                done += 1;
            }
            assert_eq!(done, LOCK_FREE_OPS);
            assert!(!has_budget_remaining());
            // A rebate without a charge never raises the budget past full.
            refund();
            for _ in 0..2 * UNIT {
                rebate_lock_free();
            }
            CURRENT.with(|c| assert_eq!(c.get(), Some(FULL)));
        });
    }
}
