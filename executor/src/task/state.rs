//! The task's atomic state word: who may touch the future, the output and the join waker, and
//! how many references keep the allocation alive.
//!
//! One `usize` holds six flag bits and a reference count (the design of tokio's
//! `runtime/task/state.rs` and async-task's `state.rs`). Every transition is a single CAS loop, so
//! the flags and the count always change together.
//!
//! | bit | name | meaning |
//! | --- | --- | --- |
//! | 0 | `RUNNING` | a thread is polling the future (or cancelling it); only it may touch the stage |
//! | 1 | `NOTIFIED` | the task must run again: a `Notified` reference sits in a run queue, or, when set together with `RUNNING`, the poller reschedules the task after its poll |
//! | 2 | `COMPLETE` | the future is gone; the stage holds the output until the `JoinHandle` takes it |
//! | 3 | `CANCELLED` | abort or runtime shutdown was requested; the next poller drops the future instead of polling it |
//! | 4 | `JOIN_INTEREST` | a `JoinHandle` exists; without it the completing thread drops the output itself |
//! | 5 | `JOIN_WAKER` | the join-waker slot holds a waker that the completing thread may read; while it is clear only the `JoinHandle` may write the slot |
//! | 6.. | reference count | one per `Task` (owned-list entry), `Notified`, `JoinHandle`, `AbortHandle` and `Waker` |
//!
//! A new task starts as `NOTIFIED | JOIN_INTEREST` with three references: the owned-list entry, the
//! `Notified` handed to the scheduler, and the `JoinHandle`.

use crate::loom::AtomicUsize;
use std::sync::atomic::Ordering::{AcqRel, Acquire, Relaxed, Release};

const RUNNING: usize = 1 << 0;
const NOTIFIED: usize = 1 << 1;
const COMPLETE: usize = 1 << 2;
const CANCELLED: usize = 1 << 3;
const JOIN_INTEREST: usize = 1 << 4;
const JOIN_WAKER: usize = 1 << 5;
const REF_SHIFT: usize = 6;
const REF_ONE: usize = 1 << REF_SHIFT;
#[cfg(all(test, not(loom)))]
const FLAGS: usize = REF_ONE - 1;

/// Initial state: scheduled once, a `JoinHandle` exists, three references.
const INITIAL: usize = (3 * REF_ONE) | JOIN_INTEREST | NOTIFIED;

/// The atomic word itself.
pub(crate) struct State {
    val: AtomicUsize,
}

/// A copy of the word, with accessors.
#[derive(Copy, Clone, PartialEq, Eq)]
pub(crate) struct Snapshot(usize);

impl std::fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Snapshot")
            .field("running", &self.is_running())
            .field("notified", &self.is_notified())
            .field("complete", &self.is_complete())
            .field("cancelled", &self.is_cancelled())
            .field("join_interest", &self.is_join_interested())
            .field("join_waker", &self.is_join_waker_set())
            .field("refs", &self.ref_count())
            .finish()
    }
}

impl Snapshot {
    pub(crate) fn is_running(self) -> bool {
        self.0 & RUNNING != 0
    }
    pub(crate) fn is_notified(self) -> bool {
        self.0 & NOTIFIED != 0
    }
    pub(crate) fn is_complete(self) -> bool {
        self.0 & COMPLETE != 0
    }
    pub(crate) fn is_cancelled(self) -> bool {
        self.0 & CANCELLED != 0
    }
    pub(crate) fn is_join_interested(self) -> bool {
        self.0 & JOIN_INTEREST != 0
    }
    pub(crate) fn is_join_waker_set(self) -> bool {
        self.0 & JOIN_WAKER != 0
    }
    pub(crate) fn ref_count(self) -> usize {
        self.0 >> REF_SHIFT
    }
    fn is_idle(self) -> bool {
        self.0 & (RUNNING | COMPLETE) == 0
    }
    fn ref_dec(&mut self) {
        assert!(self.ref_count() > 0, "task reference count underflow");
        self.0 -= REF_ONE;
    }
    fn ref_inc(&mut self) {
        assert!(
            self.0 <= isize::MAX as usize,
            "task reference count overflow"
        );
        self.0 += REF_ONE;
    }
}

/// What the thread that dequeued a `Notified` must do.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ToRunning {
    /// Poll the future.
    Success,
    /// Drop the future: the task was aborted.
    Cancelled,
    /// Someone else runs or finished it; our reference was dropped.
    Failed,
    /// As `Failed`, and ours was the last reference.
    Dealloc,
}

/// What the poller must do after the future returned `Pending`.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ToIdle {
    /// Nothing: the task waits for a wake.
    Ok,
    /// Woken during the poll: schedule it again (the poller's reference becomes the `Notified`).
    OkNotified,
    /// Our reference was the last one.
    OkDealloc,
    /// Aborted during the poll: drop the future now.
    Cancelled,
}

/// What a waker must do.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ToNotified {
    /// Already scheduled, running or finished.
    DoNothing,
    /// Hand a `Notified` (holding one reference) to the scheduler.
    Submit,
    /// Drop the allocation: ours was the last reference.
    Dealloc,
}

impl State {
    pub(crate) fn new() -> State {
        State {
            val: AtomicUsize::new(INITIAL),
        }
    }

    pub(crate) fn load(&self) -> Snapshot {
        Snapshot(self.val.load(Acquire))
    }

    /// Applies `f` in a CAS loop; `f` returns `None` to leave the word unchanged.
    fn fetch_update<T>(&self, mut f: impl FnMut(Snapshot) -> (T, Option<Snapshot>)) -> T {
        let mut current = self.val.load(Acquire);
        loop {
            let (out, next) = f(Snapshot(current));
            let Some(next) = next else { return out };
            match self
                .val
                .compare_exchange_weak(current, next.0, AcqRel, Acquire)
            {
                Ok(_) => return out,
                Err(actual) => current = actual,
            }
        }
    }

    /// Called with the `Notified` reference in hand, before polling.
    pub(crate) fn transition_to_running(&self) -> ToRunning {
        self.fetch_update(|mut s| {
            debug_assert!(
                s.is_notified(),
                "running a task that was not notified: {s:?}"
            );
            if !s.is_idle() {
                s.ref_dec();
                let action = if s.ref_count() == 0 {
                    ToRunning::Dealloc
                } else {
                    ToRunning::Failed
                };
                (action, Some(s))
            } else {
                s.0 = (s.0 | RUNNING) & !NOTIFIED;
                let action = if s.is_cancelled() {
                    ToRunning::Cancelled
                } else {
                    ToRunning::Success
                };
                (action, Some(s))
            }
        })
    }

    /// Called by the poller when the future returned `Pending`.
    pub(crate) fn transition_to_idle(&self) -> ToIdle {
        self.fetch_update(|mut s| {
            debug_assert!(s.is_running());
            if s.is_cancelled() {
                return (ToIdle::Cancelled, None);
            }
            s.0 &= !RUNNING;
            if s.is_notified() {
                // The poller's reference becomes the new `Notified`.
                (ToIdle::OkNotified, Some(s))
            } else {
                s.ref_dec();
                let action = if s.ref_count() == 0 {
                    ToIdle::OkDealloc
                } else {
                    ToIdle::Ok
                };
                (action, Some(s))
            }
        })
    }

    /// The future is gone (finished, panicked or cancelled): `RUNNING` -> `COMPLETE`.
    /// Returns the state before the transition.
    pub(crate) fn transition_to_complete(&self) -> Snapshot {
        let prev = Snapshot(self.val.fetch_xor(RUNNING | COMPLETE, AcqRel));
        debug_assert!(prev.is_running() && !prev.is_complete(), "{prev:?}");
        prev
    }

    /// Drops `count` references; returns true when the allocation must be freed.
    pub(crate) fn ref_dec_many(&self, count: usize) -> bool {
        let prev = Snapshot(self.val.fetch_sub(count * REF_ONE, AcqRel));
        assert!(prev.ref_count() >= count, "task reference count underflow");
        prev.ref_count() == count
    }

    /// Drops one reference; returns true when it was the last.
    pub(crate) fn ref_dec(&self) -> bool {
        self.ref_dec_many(1)
    }

    /// Adds one reference (a `Waker` clone, an `AbortHandle`).
    pub(crate) fn ref_inc(&self) {
        let prev = self.val.fetch_add(REF_ONE, Relaxed);
        if prev > isize::MAX as usize {
            std::process::abort();
        }
    }

    /// `Waker::wake`: consumes the waker's reference.
    pub(crate) fn transition_to_notified_by_val(&self) -> ToNotified {
        self.fetch_update(|mut s| {
            if s.is_running() {
                s.0 |= NOTIFIED;
                s.ref_dec();
                debug_assert!(s.ref_count() > 0, "the poller holds a reference");
                (ToNotified::DoNothing, Some(s))
            } else if s.is_complete() || s.is_notified() {
                s.ref_dec();
                let action = if s.ref_count() == 0 {
                    ToNotified::Dealloc
                } else {
                    ToNotified::DoNothing
                };
                (action, Some(s))
            } else {
                // The waker's reference becomes the `Notified`.
                s.0 |= NOTIFIED;
                (ToNotified::Submit, Some(s))
            }
        })
    }

    /// `Waker::wake_by_ref`: adds a reference when it must submit.
    pub(crate) fn transition_to_notified_by_ref(&self) -> ToNotified {
        self.fetch_update(|mut s| {
            if s.is_complete() || s.is_notified() {
                (ToNotified::DoNothing, None)
            } else if s.is_running() {
                s.0 |= NOTIFIED;
                (ToNotified::DoNothing, Some(s))
            } else {
                s.0 |= NOTIFIED;
                s.ref_inc();
                (ToNotified::Submit, Some(s))
            }
        })
    }

    /// `abort()`: marks the task cancelled; returns true when the caller must submit a
    /// `Notified` (one reference was added for it) so a worker drops the future.
    pub(crate) fn transition_to_notified_and_cancel(&self) -> bool {
        self.fetch_update(|mut s| {
            if s.is_cancelled() || s.is_complete() {
                (false, None)
            } else if s.is_running() || s.is_notified() {
                // The poller, or the queued `Notified`, will see CANCELLED.
                s.0 |= NOTIFIED | CANCELLED;
                (false, Some(s))
            } else {
                s.0 |= NOTIFIED | CANCELLED;
                s.ref_inc();
                (true, Some(s))
            }
        })
    }

    /// Runtime shutdown: marks the task cancelled and claims it (sets `RUNNING`) when idle.
    /// Returns true when the caller claimed it and must cancel it in place.
    pub(crate) fn transition_to_shutdown(&self) -> bool {
        self.fetch_update(|mut s| {
            let claimed = s.is_idle();
            if claimed {
                s.0 |= RUNNING;
            }
            s.0 |= CANCELLED;
            (claimed, Some(s))
        })
    }

    /// Fast path of dropping a `JoinHandle` right after spawn.
    pub(crate) fn drop_join_handle_fast(&self) -> Result<(), ()> {
        self.val
            .compare_exchange(
                INITIAL,
                (INITIAL - REF_ONE) & !JOIN_INTEREST,
                Release,
                Relaxed,
            )
            .map(drop)
            .map_err(drop)
    }

    /// Clears `JOIN_INTEREST` (and `JOIN_WAKER`, handing the slot back to the handle).
    /// Fails when the task already completed: the handle must then drop the output itself.
    pub(crate) fn unset_join_interested(&self) -> Result<Snapshot, Snapshot> {
        self.fetch_update(|s| {
            debug_assert!(s.is_join_interested());
            if s.is_complete() {
                (Err(s), None)
            } else {
                let next = Snapshot(s.0 & !(JOIN_INTEREST | JOIN_WAKER));
                (Ok(next), Some(next))
            }
        })
    }

    /// Publishes the join waker the handle just wrote; fails when the task completed first.
    pub(crate) fn set_join_waker(&self) -> Result<Snapshot, Snapshot> {
        self.fetch_update(|s| {
            debug_assert!(s.is_join_interested() && !s.is_join_waker_set());
            if s.is_complete() {
                (Err(s), None)
            } else {
                let next = Snapshot(s.0 | JOIN_WAKER);
                (Ok(next), Some(next))
            }
        })
    }

    /// Takes the join-waker slot back so the handle can replace the waker; fails when the task
    /// completed first.
    pub(crate) fn unset_join_waker(&self) -> Result<Snapshot, Snapshot> {
        self.fetch_update(|s| {
            debug_assert!(s.is_join_interested() && s.is_join_waker_set());
            if s.is_complete() {
                (Err(s), None)
            } else {
                let next = Snapshot(s.0 & !JOIN_WAKER);
                (Ok(next), Some(next))
            }
        })
    }

    #[cfg(all(test, not(loom)))]
    pub(crate) fn flags(&self) -> usize {
        self.val.load(Acquire) & FLAGS
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn poll_cycle_keeps_references_balanced() {
        let s = State::new();
        assert_eq!(s.load().ref_count(), 3);
        assert_eq!(s.transition_to_running(), ToRunning::Success);
        assert!(s.load().is_running() && !s.load().is_notified());
        // A wake during the poll only marks it.
        s.ref_inc();
        assert_eq!(s.transition_to_notified_by_val(), ToNotified::DoNothing);
        assert_eq!(s.transition_to_idle(), ToIdle::OkNotified);
        assert_eq!(s.load().ref_count(), 3);
        assert_eq!(s.transition_to_running(), ToRunning::Success);
        assert_eq!(s.transition_to_idle(), ToIdle::Ok);
        assert_eq!(s.load().ref_count(), 2);
        assert_eq!(s.flags(), JOIN_INTEREST);
    }

    #[test]
    fn abort_idle_task_submits_once() {
        let s = State::new();
        assert_eq!(s.transition_to_running(), ToRunning::Success);
        assert_eq!(s.transition_to_idle(), ToIdle::Ok);
        assert!(s.transition_to_notified_and_cancel());
        assert!(!s.transition_to_notified_and_cancel());
        assert_eq!(s.transition_to_running(), ToRunning::Cancelled);
    }

    #[test]
    fn join_interest_race_with_complete() {
        let s = State::new();
        assert_eq!(s.transition_to_running(), ToRunning::Success);
        let prev = s.transition_to_complete();
        assert!(prev.is_join_interested());
        assert!(s.unset_join_interested().is_err());
        assert!(s.set_join_waker().is_err());
    }

    #[test]
    fn shutdown_claims_only_idle_tasks() {
        let s = State::new();
        assert_eq!(s.transition_to_running(), ToRunning::Success);
        assert!(!s.transition_to_shutdown());
        assert_eq!(s.transition_to_idle(), ToIdle::Cancelled);
        let s = State::new();
        assert!(s.transition_to_shutdown());
        assert_eq!(s.transition_to_running(), ToRunning::Failed);
    }
}
