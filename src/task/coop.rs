//! The cooperative budget for futures written outside gort, as tokio's `task::coop`.
//!
//! Every gort task poll runs with a budget of operations (see `gort::coop`); gort's channels,
//! timers and sockets charge it and make the task yield once it is spent, so an always-ready loop
//! cannot starve a worker. A library that implements its own leaf future (tokio-util's `simplex`,
//! a custom channel) joins in with [`poll_proceed`]: it charges one unit before completing, and
//! hands the unit back if it turns out not to make progress.
//!
//! ```
//! use std::task::{ready, Context, Poll};
//!
//! fn poll_take(cx: &mut Context<'_>, queue: &mut Vec<u32>) -> Poll<u32> {
//!     let coop = ready!(gort::task::coop::poll_proceed(cx));
//!     match queue.pop() {
//!         Some(v) => {
//!             coop.made_progress();
//!             Poll::Ready(v)
//!         }
//!         None => Poll::Pending, // dropping `coop` refunds the unit
//!     }
//! }
//! let waker = futures::task::noop_waker();
//! let mut cx = Context::from_waker(&waker);
//! assert_eq!(poll_take(&mut cx, &mut vec![7]), Poll::Ready(7));
//! assert_eq!(poll_take(&mut cx, &mut vec![]), Poll::Pending);
//! ```

use std::cell::Cell;
use std::task::{Context, Poll};

pub use gort_executor::task::{unconstrained, Unconstrained};

/// The unit charged by [`poll_proceed`]: dropped without [`made_progress`](Self::made_progress),
/// it goes back to the budget, as the operation did not happen.
///
/// ```
/// let waker = futures::task::noop_waker();
/// let mut cx = std::task::Context::from_waker(&waker);
/// if let std::task::Poll::Ready(coop) = gort::task::coop::poll_proceed(&mut cx) {
///     coop.made_progress();
/// }
/// ```
#[must_use = "dropping it at once refunds the unit: call `made_progress` when the operation completes"]
pub struct RestoreOnPending {
    progressed: Cell<bool>,
}

impl RestoreOnPending {
    /// Marks the charged unit as spent: the operation completed.
    ///
    /// ```
    /// let waker = futures::task::noop_waker();
    /// let mut cx = std::task::Context::from_waker(&waker);
    /// let std::task::Poll::Ready(coop) = gort::task::coop::poll_proceed(&mut cx) else { panic!() };
    /// coop.made_progress();
    /// ```
    pub fn made_progress(&self) {
        self.progressed.set(true);
    }
}

impl Drop for RestoreOnPending {
    fn drop(&mut self) {
        if !self.progressed.get() {
            gort_channel::coop::refund();
        }
    }
}

impl std::fmt::Debug for RestoreOnPending {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RestoreOnPending")
            .field("made_progress", &self.progressed.get())
            .finish()
    }
}

/// Charges one unit of the current task's budget, as tokio's `coop::poll_proceed`.
///
/// `Pending` (after waking the task) when the budget is spent: return `Pending` without doing
/// the operation, and the task yields to the scheduler. Outside a gort task every call proceeds.
///
/// ```
/// let waker = futures::task::noop_waker();
/// let mut cx = std::task::Context::from_waker(&waker);
/// assert!(gort::task::coop::poll_proceed(&mut cx).is_ready());
/// ```
pub fn poll_proceed(cx: &mut Context<'_>) -> Poll<RestoreOnPending> {
    gort_channel::coop::poll_proceed(cx).map(|()| RestoreOnPending {
        progressed: Cell::new(false),
    })
}

/// True while the current task may still complete an operation in this poll (always true
/// outside a gort task), as tokio's `coop::has_budget_remaining`.
///
/// ```
/// assert!(gort::task::coop::has_budget_remaining());
/// ```
pub fn has_budget_remaining() -> bool {
    gort_channel::coop::has_budget_remaining()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn noop_cx_run(f: impl FnOnce(&mut Context<'_>)) {
        let waker = futures::task::noop_waker();
        f(&mut Context::from_waker(&waker));
    }

    #[test]
    fn a_unit_without_progress_goes_back_and_one_with_progress_does_not() {
        noop_cx_run(|cx| {
            gort_channel::coop::budget(|| {
                for _ in 0..gort_channel::coop::BUDGET {
                    let coop = poll_proceed(cx);
                    assert!(coop.is_ready());
                    drop(coop); // refunded: the budget never runs out
                }
                assert!(has_budget_remaining());
                while let Poll::Ready(coop) = poll_proceed(cx) {
                    coop.made_progress();
                }
                assert!(!has_budget_remaining());
            })
        });
    }
}
