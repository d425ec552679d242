//! Cooperative scheduling, with tokio's `task::coop` API.
//!
//! Every task poll runs with a budget of operations (the workspace-wide budget lives in
//! `gort_channel::coop`, the lowest crate, so channels, timers and sockets all charge it). Once a
//! task has spent it, every operation that could complete wakes the task and returns `Pending`
//! instead, so the task goes back to the scheduler and cannot starve the others on its worker.
//!
//! This module gives user code the same tools: [`consume_budget`] (a yield point for a
//! CPU-bound loop that only yields when the budget is spent), [`has_budget_remaining`],
//! [`poll_proceed`] with its [`RestoreOnPending`] guard for hand-written futures,
//! [`cooperative`] to make any future charge the budget, and [`unconstrained`] to opt out.
//!
//! ```
//! use gort_executor::task::coop;
//! # let rt = gort_executor::runtime::Builder::new_current_thread().build().unwrap();
//! # rt.block_on(async {
//! let mut sum = 0u64;
//! for i in 0..1_000u64 {
//!     sum += i;
//!     coop::consume_budget().await; // yields once every budget's worth of iterations
//! }
//! assert_eq!(sum, 499_500);
//! # });
//! ```

use std::cell::Cell;
use std::marker::PhantomData;
use std::task::{Context, Poll};

pub use super::unconstrained::{unconstrained, Unconstrained};
pub use gort_channel::coop::{cooperative, has_budget_remaining, Coop};

/// Charges one unit of the budget, yielding to the scheduler first if it is spent.
///
/// ```
/// # let rt = gort_executor::runtime::Builder::new_current_thread().build().unwrap();
/// # rt.block_on(async {
/// gort_executor::task::coop::consume_budget().await;
/// # });
/// ```
pub async fn consume_budget() {
    let mut charged = false;
    std::future::poll_fn(move |cx| {
        if charged {
            return Poll::Ready(());
        }
        let proceed = std::task::ready!(poll_proceed(cx));
        proceed.made_progress();
        charged = true;
        Poll::Ready(())
    })
    .await
}

/// Charges one unit of the budget for an operation about to be tried; `Pending` (after waking
/// the task) when the budget is spent. The unit comes back when the returned guard is dropped,
/// unless [`RestoreOnPending::made_progress`] says the operation completed.
///
/// ```
/// use gort_executor::task::coop;
/// use std::task::{Context, Poll};
///
/// fn poll_next(counter: &mut u32, cx: &mut Context<'_>) -> Poll<u32> {
///     let restore = std::task::ready!(coop::poll_proceed(cx));
///     *counter += 1;
///     restore.made_progress();
///     Poll::Ready(*counter)
/// }
/// let waker = futures::task::noop_waker();
/// let mut counter = 0;
/// assert_eq!(poll_next(&mut counter, &mut Context::from_waker(&waker)), Poll::Ready(1));
/// ```
pub fn poll_proceed(cx: &mut Context<'_>) -> Poll<RestoreOnPending> {
    gort_channel::coop::poll_proceed(cx).map(|()| RestoreOnPending {
        refund: Cell::new(true),
        _not_send: PhantomData,
    })
}

/// The guard of [`poll_proceed`]: gives the charged unit back when dropped, unless
/// [`made_progress`](Self::made_progress) was called.
#[derive(Debug)]
#[must_use = "the charged unit comes back as soon as the guard is dropped"]
pub struct RestoreOnPending {
    refund: Cell<bool>,
    // It restores the budget of the thread it was made on.
    _not_send: PhantomData<*mut ()>,
}

impl RestoreOnPending {
    /// Keeps the unit charged: the operation made progress.
    ///
    /// ```
    /// let waker = futures::task::noop_waker();
    /// let mut cx = std::task::Context::from_waker(&waker);
    /// if let std::task::Poll::Ready(restore) = gort_executor::task::coop::poll_proceed(&mut cx) {
    ///     restore.made_progress();
    /// }
    /// ```
    pub fn made_progress(&self) {
        self.refund.set(false);
    }
}

impl Drop for RestoreOnPending {
    fn drop(&mut self) {
        if self.refund.get() {
            gort_channel::coop::refund();
        }
    }
}
