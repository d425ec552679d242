//! The cooperative budget: how a task that is always ready still yields.
//!
//! The executor gives every task poll a budget of [`BUDGET`] operations (see [`budget`]). Each
//! leaf operation that can block — a channel send or receive, a lock, a timer, a socket read —
//! charges one unit through [`poll_proceed`] before it completes. Once the budget is spent,
//! `poll_proceed` wakes the task and returns `Pending`, so a loop over an always-ready channel
//! returns to the scheduler instead of starving the worker (tokio's `coop`, Go's preemption).
//! A channel send or receive that a peer completed while it was parked charges nothing: it
//! returned `Pending` when it parked, so its task has yielded already.
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
//! One exception keeps a Go channel fair on any runtime: outside a gort task, the thread has a
//! budget of its own that only a [`chan`](crate::chan) operation completed on its lock-free path
//! spends (a tick each), and the operation that finds it spent refills it, wakes its task and
//! yields — about every 65,000 operations. No runtime resets it between polls, so a task may
//! yield sooner than that (a spurious `Pending` after a wake, which every executor handles).
//! Without it a producer that always finds room never yields, and a consumer it woke waits for
//! the whole stream: tokio runs the woken task in its waker's LIFO slot, which no other worker
//! steals, so producer and consumer ran one after the other and every value of the stream was
//! buffered at once (a fresh page per 400 values) instead of being passed on while in cache.
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

/// [`UNIT`], for tests that count ticks (the unit tests; not built under loom).
#[cfg(all(test, not(loom)))]
pub(crate) const TICKS_PER_UNIT: usize = UNIT as usize;

/// The budget of the poll running on this thread.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Budget {
    /// A gort task's poll ([`budget`]): ticks left.
    Task(u16),
    /// Inside [`unconstrained`]: nothing yields.
    Unconstrained,
    /// Outside any gort task: only `chan`'s lock-free operations count, against the thread's own
    /// ticks (see the module docs).
    Thread(u16),
}

/// A thread's own budget outside gort tasks, in ticks: about 65,000 lock-free `chan` operations
/// between yields. Four times a task's: a yield every 16,000 made tokio's runtime reschedule
/// the 4→4 benchmark's tasks often enough to cost 40% (28 ms per 10^6 messages against 20 with
/// this, and 16.5 with none), while the 1→1 stream it is for ran as fast (12.3 ms, 24 with none).
const THREAD_FULL: u16 = u16::MAX;

/// How a budget is kept: its ticks apart from its kind, so that the look of a lock-free `chan`
/// operation ([`lock_free_turn`], on every message) is one compare of the ticks whatever the
/// kind. An unconstrained budget keeps ticks for that look alone: it spends them there and
/// refills them when they run low, and nothing else reads them ([`Slot::get`]).
struct Slot {
    ticks: Cell<u16>,
    kind: Cell<Kind>,
}

/// [`Budget`] without its ticks.
#[derive(Clone, Copy)]
enum Kind {
    Task,
    Unconstrained,
    Thread,
}

/// The ticks an unconstrained budget keeps (see [`Slot`]).
const UNCONSTRAINED_TICKS: u16 = u16::MAX;

impl Slot {
    const fn new(budget: Budget) -> Self {
        let (kind, ticks) = Self::split(budget);
        Slot {
            ticks: Cell::new(ticks),
            kind: Cell::new(kind),
        }
    }

    const fn split(budget: Budget) -> (Kind, u16) {
        match budget {
            Budget::Task(ticks) => (Kind::Task, ticks),
            Budget::Unconstrained => (Kind::Unconstrained, UNCONSTRAINED_TICKS),
            Budget::Thread(ticks) => (Kind::Thread, ticks),
        }
    }

    fn get(&self) -> Budget {
        match self.kind.get() {
            Kind::Task => Budget::Task(self.ticks.get()),
            Kind::Unconstrained => Budget::Unconstrained,
            Kind::Thread => Budget::Thread(self.ticks.get()),
        }
    }

    fn set(&self, budget: Budget) {
        let (kind, ticks) = Self::split(budget);
        self.kind.set(kind);
        self.ticks.set(ticks);
    }

    fn replace(&self, budget: Budget) -> Budget {
        let previous = self.get();
        self.set(budget);
        previous
    }
}

#[cfg(not(loom))]
thread_local! {
    static CURRENT: Slot = const { Slot::new(Budget::Thread(THREAD_FULL)) };
}
// loom runs its model threads on one OS thread, and the models one after another: the budget
// must be per model thread, fresh in each run (else a run's path depends on the runs before).
#[cfg(loom)]
loom::thread_local! {
    static CURRENT: Slot = Slot::new(Budget::Thread(THREAD_FULL));
}

/// Runs `f` (one poll of a task) with a fresh budget, restoring the previous one afterwards.
///
/// The executor calls this around every task poll.
///
/// ```
/// gort_channel::coop::budget(|| assert!(gort_channel::coop::has_budget_remaining()));
/// ```
pub fn budget<R>(f: impl FnOnce() -> R) -> R {
    with_budget(Budget::Task(FULL), f)
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
    with_budget(Budget::Unconstrained, f)
}

fn with_budget<R>(budget: Budget, f: impl FnOnce() -> R) -> R {
    struct Restore(Budget);
    impl Drop for Restore {
        fn drop(&mut self) {
            let _ = CURRENT.try_with(|c| c.set(self.0));
        }
    }
    // Thread-local destruction (a task dropped from a thread-local's destructor): no budget.
    let previous = CURRENT
        .try_with(|c| c.replace(budget))
        .unwrap_or(Budget::Unconstrained);
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
        .try_with(|c| !matches!(c.get(), Budget::Task(ticks) if ticks < UNIT))
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
            Budget::Task(ticks) if ticks < UNIT => spent(cx),
            Budget::Task(ticks) => {
                c.set(Budget::Task(ticks - UNIT));
                Poll::Ready(())
            }
            Budget::Unconstrained | Budget::Thread(_) => Poll::Ready(()),
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
        if let Budget::Task(n) = c.get() {
            c.set(Budget::Task(n.saturating_add(UNIT).min(FULL)));
        }
    });
}

/// Gives back all but one tick of the unit charged by [`poll_proceed`] for a channel operation
/// that completed on its lock-free path (see the module docs): it costs a 128th of a unit.
#[inline]
pub(crate) fn rebate_lock_free() {
    let _ = CURRENT.try_with(|c| {
        if let Budget::Task(n) = c.get() {
            c.set(Budget::Task(n.saturating_add(UNIT - 1).min(FULL)));
        }
    });
}

/// May a channel operation try its lock-free path (see [`lock_free_turn`])?
pub(crate) enum Turn {
    /// Yes; once it completed, [`charge`] whatever [`lock_free_turn`] did not.
    Go,
    /// No: the task's budget is spent; the full poll (through [`poll_proceed`]) yields.
    FullPoll,
    /// No: outside a gort task, the thread's budget was spent (refilled now): return
    /// [`thread_budget_spent`] (the task is woken there, out of line).
    Yield,
}

/// Checks the budget before a `chan` operation's lock-free attempt. With `tick` (a Go channel,
/// whose lock-free operation costs a tick: see [`rebate_lock_free`]) the tick is charged now, in
/// the same look at the thread-local: nearly every such attempt completes lock-free, and one
/// that misses has spent a 128th of a unit for nothing. Without it (tokio's `mpsc` rules) the
/// charge comes after the operation completed ([`charge`]).
#[inline]
pub(crate) fn lock_free_turn(tick: bool) -> Turn {
    CURRENT
        .try_with(|c| {
            let ticks = c.ticks.get();
            if ticks >= UNIT {
                // Nearly always: ticks to spare, whatever the kind (see `Slot`).
                if tick {
                    c.ticks.set(ticks - 1);
                }
                return Turn::Go;
            }
            match c.kind.get() {
                Kind::Task => Turn::FullPoll,
                Kind::Thread => {
                    c.set(Budget::Thread(THREAD_FULL));
                    Turn::Yield
                }
                // Never yields: only this look spent its ticks.
                Kind::Unconstrained => {
                    c.ticks.set(UNCONSTRAINED_TICKS);
                    Turn::Go
                }
            }
        })
        .unwrap_or(Turn::Go)
}

/// Outside a gort task, the thread's budget is spent ([`Turn::Yield`]): wakes the task and
/// says `Pending`, so that it yields. Returns the poll's result, so that the caller's hot path
/// ends in a tail call here and saves no registers for it.
#[cold]
#[inline(never)]
pub(crate) fn thread_budget_spent<R>(cx: &Context<'_>) -> Poll<R> {
    // A yield, not a wait (see `spent`). Woken directly: the deferring hook is the gort
    // runtime's, and this is not one of its workers' polls.
    gort_waitsite::record(
        gort_waitsite::WaitKind::Yield,
        std::ptr::null(),
        0,
        std::panic::Location::caller(),
    );
    cx.waker().wake_by_ref();
    Poll::Pending
}

/// Charges a `chan` operation that completed after [`lock_free_turn`] said [`Turn::Go`], beyond
/// the tick that call took (`ticked`, a Go channel's): one that stayed `lock_free` there owes
/// nothing more; any other owes a whole unit in a gort task (less that tick) and nothing outside
/// one.
#[inline]
pub(crate) fn charge(lock_free: bool, ticked: bool) {
    if lock_free && ticked {
        return;
    }
    let _ = CURRENT.try_with(|c| {
        if let Budget::Task(n) = c.get() {
            c.set(Budget::Task(n.saturating_sub(UNIT - u16::from(ticked))));
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
    use std::future::Future;

    #[test]
    fn nested_budgets_restore() {
        let waker = futures::task::noop_waker();
        let mut cx = Context::from_waker(&waker);
        budget(|| {
            let _ = poll_proceed(&mut cx);
            unconstrained(|| assert!(has_budget_remaining()));
            CURRENT.with(|c| assert_eq!(c.get(), Budget::Task(FULL - UNIT)));
        });
        CURRENT.with(|c| assert_eq!(c.get(), Budget::Thread(THREAD_FULL)));
    }

    /// Counts its wakes.
    struct CountWakes(std::sync::atomic::AtomicUsize);

    impl futures::task::ArcWake for CountWakes {
        fn wake_by_ref(arc_self: &std::sync::Arc<Self>) {
            arc_self
                .0
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
    }

    /// Polls `poll` until it is pending (at most `limit` times): how many were ready.
    fn ready_polls(limit: usize, mut poll: impl FnMut() -> bool) -> usize {
        (0..limit).take_while(|_| poll()).count()
    }

    #[test]
    fn outside_a_task_lock_free_chan_operations_spend_the_threads_budget() {
        // Two units left (quick under Miri): a tick each, until less than a unit is left.
        let left = 2 * UNIT;
        let ops = usize::from(left - UNIT) + 1;
        let set = |budget| CURRENT.with(|c| c.set(budget));
        let wakes = std::sync::Arc::new(CountWakes(Default::default()));
        let woken = || wakes.0.load(std::sync::atomic::Ordering::Relaxed);
        let waker = futures::task::waker(wakes.clone());
        let mut cx = Context::from_waker(&waker);
        let (tx, rx) = crate::chan::unbounded::<usize>();

        set(Budget::Thread(left));
        let mut i = 0;
        let sent = ready_polls(2 * ops, || {
            i += 1;
            std::pin::pin!(tx.send(i)).poll(&mut cx).is_ready()
        });
        assert_eq!(sent, ops, "sends before the yield");
        assert_eq!(rx.len(), sent, "the yielding send sent nothing");
        assert_eq!(woken(), 1);
        CURRENT.with(|c| assert_eq!(c.get(), Budget::Thread(THREAD_FULL), "refilled"));

        // Receives spend the same budget.
        let mut recv = || std::pin::pin!(rx.recv()).poll(&mut cx).is_ready();
        set(Budget::Thread(left));
        assert_eq!(ready_polls(2 * ops, &mut recv), ops);
        assert_eq!(woken(), 2);

        // `unconstrained` never yields; a gort task spends its own budget.
        for i in 0..3 * ops {
            tx.try_send(i).unwrap();
        }
        set(Budget::Thread(left));
        unconstrained(|| assert_eq!(ready_polls(ops + 1, &mut recv), ops + 1));
        budget(|| {
            set(Budget::Task(left));
            assert_eq!(ready_polls(ops + 1, &mut recv), ops);
        });
        assert_eq!(woken(), 3);
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
            CURRENT.with(|c| assert_eq!(c.get(), Budget::Task(FULL)));
        });
    }
}
