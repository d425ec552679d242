//! Reserving several slots at once: [`Sender::reserve_many`], [`Sender::try_reserve_many`] and
//! the [`PermitIterator`] they return.
//!
//! The engine grants permits one at a time, so a request for `n` takes them one by one in the
//! engine's FIFO order, keeping what it already holds while it waits for the rest. Unlike
//! tokio's batch semaphore, after each permit the request queues again behind the senders
//! already waiting, so freed slots are shared out in turn rather than all given to the oldest
//! request (a large request waits longer; nobody starves). A request that is dropped, or fails
//! because the channel closed, gives back every permit it took, so a cancelled `reserve_many`
//! never leaks capacity.

use super::error::{SendError, TrySendError};
use super::{Permit, Sender};
use crate::chan::{Chan, ReserveOp};
use std::fmt;
use std::future::Future;
use std::panic::{Location, RefUnwindSafe, UnwindSafe};
use std::pin::Pin;
use std::task::{Context, Poll};

impl<T> Sender<T> {
    /// Waits until `n` slots are reserved for this sender; the [`PermitIterator`] then yields
    /// `n` [`Permit`]s that send without waiting. Fails at once when `n` exceeds the channel's
    /// bound (it could never succeed) and when the channel is closed.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: the permits a dropped request already took go back to the channel. As with
    /// [`reserve`](Self::reserve), dropping the request loses its place in the queue.
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let (tx, mut rx) = gort_channel::sync::mpsc::channel(4);
    /// let permits = tx.reserve_many(3).await.unwrap();
    /// assert_eq!(tx.capacity(), 1);
    /// for (i, permit) in permits.enumerate() {
    ///     permit.send(i);
    /// }
    /// assert_eq!(rx.recv().await, Some(0));
    /// assert!(tx.reserve_many(5).await.is_err()); // more than the bound
    /// # });
    /// ```
    #[track_caller]
    pub fn reserve_many(
        &self,
        n: usize,
    ) -> impl Future<Output = Result<PermitIterator<'_, T>, SendError<()>>> + '_ {
        let site = Location::caller();
        async move {
            if n > self.max_capacity() {
                return Err(SendError(()));
            }
            ReserveMany {
                chan: &self.chan,
                wanted: n,
                held: 0,
                op: ReserveOp::Idle,
                site,
            }
            .await
        }
    }

    /// Reserves `n` slots without waiting, all or none: `Full` when fewer are free (or `n`
    /// exceeds the bound), `Closed` when the receiver is gone.
    ///
    /// ```
    /// use gort_channel::sync::mpsc::{self, error::TrySendError};
    /// let (tx, _rx) = mpsc::channel::<u8>(2);
    /// let permits = tx.try_reserve_many(2).unwrap();
    /// assert_eq!(permits.len(), 2);
    /// assert!(matches!(tx.try_reserve_many(1), Err(TrySendError::Full(()))));
    /// drop(permits);
    /// assert_eq!(tx.capacity(), 2);
    /// ```
    pub fn try_reserve_many(&self, n: usize) -> Result<PermitIterator<'_, T>, TrySendError<()>> {
        if self.chan.is_closed() {
            return Err(TrySendError::Closed(()));
        }
        if n > self.max_capacity() {
            return Err(TrySendError::Full(()));
        }
        // Dropping the partial iterator on failure gives back what was taken.
        let mut taken = PermitIterator {
            chan: &self.chan,
            left: 0,
        };
        while taken.left < n {
            super::bounded::try_reserve(&self.chan)?;
            taken.left += 1;
        }
        Ok(taken)
    }
}

/// `n` reserved slots, handed out one [`Permit`] at a time; dropping it gives back the slots it
/// still holds.
///
/// ```
/// let (tx, mut rx) = gort_channel::sync::mpsc::channel(3);
/// let mut permits = tx.try_reserve_many(3).unwrap();
/// permits.next().unwrap().send("a");
/// drop(permits); // two slots come back
/// assert_eq!(tx.capacity(), 2);
/// assert_eq!(rx.try_recv(), Ok("a"));
/// ```
pub struct PermitIterator<'a, T> {
    chan: &'a Chan<T>,
    left: usize,
}

impl<'a, T> Iterator for PermitIterator<'a, T> {
    type Item = Permit<'a, T>;

    fn next(&mut self) -> Option<Permit<'a, T>> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        Some(Permit::granted(self.chan))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl<T> ExactSizeIterator for PermitIterator<'_, T> {}

impl<T> std::iter::FusedIterator for PermitIterator<'_, T> {}

impl<T> Drop for PermitIterator<'_, T> {
    fn drop(&mut self) {
        for _ in 0..std::mem::take(&mut self.left) {
            self.chan.release_permit();
        }
    }
}

// A permit iterator only gives back slots when unwinding; it never leaves the channel broken.
impl<T> UnwindSafe for PermitIterator<'_, T> {}
impl<T> RefUnwindSafe for PermitIterator<'_, T> {}

impl<T> fmt::Debug for PermitIterator<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PermitIterator")
            .field("left", &self.left)
            .finish_non_exhaustive()
    }
}

/// Takes `wanted` permits one by one; what it holds goes back if it fails or is dropped.
struct ReserveMany<'a, T> {
    chan: &'a Chan<T>,
    wanted: usize,
    held: usize,
    op: ReserveOp,
    /// Where `reserve_many` was called (the task dump's wait site).
    site: &'static Location<'static>,
}

impl<T> ReserveMany<'_, T> {
    /// Gives back the permits taken so far (on failure and on drop).
    fn give_back(&mut self) {
        self.chan.cancel_reserve(&mut self.op);
        for _ in 0..std::mem::take(&mut self.held) {
            self.chan.release_permit();
        }
    }
}

impl<'a, T> Future for ReserveMany<'a, T> {
    type Output = Result<PermitIterator<'a, T>, SendError<()>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        // One budget unit for the whole request, as tokio's (not one per permit).
        std::task::ready!(crate::coop::poll_proceed(cx));
        let out = crate::coop::unconstrained(|| this.poll_permits(cx));
        if out.is_pending() {
            crate::coop::refund();
        }
        super::bounded::reserve_waits(&out, this.chan, this.site);
        out
    }
}

impl<'a, T> ReserveMany<'a, T> {
    /// Takes permits until `wanted` are held, the channel closes, or one must be waited for.
    fn poll_permits(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Result<PermitIterator<'a, T>, SendError<()>>> {
        if self.wanted == 0 && self.chan.is_closed() {
            return Poll::Ready(Err(SendError(())));
        }
        while self.held < self.wanted {
            match self.chan.poll_reserve(&mut self.op, cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Ok(())) => {
                    self.held += 1;
                    self.op = ReserveOp::Idle;
                }
                Poll::Ready(Err(())) => {
                    self.give_back();
                    return Poll::Ready(Err(SendError(())));
                }
            }
        }
        Poll::Ready(Ok(self.take_iter()))
    }

    /// Moves the held permits into the iterator the caller gets.
    fn take_iter(&mut self) -> PermitIterator<'a, T> {
        PermitIterator {
            chan: self.chan,
            left: std::mem::take(&mut self.held),
        }
    }
}

impl<T> Drop for ReserveMany<'_, T> {
    fn drop(&mut self) {
        self.give_back();
    }
}
