//! The lock-free paths of the flavors with a lock-free buffer (the bounded ring, the unbounded
//! block list): a send with room and a receive with a buffered value take no lock while nobody
//! is parked.
//!
//! Parking takes the lock, raises the parked count with a `SeqCst` store and looks at the
//! buffer again with `SeqCst` loads (its `head` and `tail`, waiting for a push or pop that won
//! its position to finish: [`Chan::publish_park`]); the lock-free side wins its position with a
//! `SeqCst` compare-and-swap and then reads the parked counts with `SeqCst` loads — so one of
//! the two always sees the other and no wake-up is lost (the Dekker pattern of
//! crossbeam-channel's array flavor and `SyncWaker`). All of these sit in the one total order
//! of `SeqCst` operations, so neither side needs a fence ([`super::shim::seqcst_rmw_done`]):
//! the fence the lock-free side had (`mfence`, a store-buffer drain on every message) was the
//! hottest instruction of a 4→1 profile. A lock-free push that sees a
//! receiver parked takes the lock to hand the buffered values over; a lock-free pop that sees a
//! sender parked takes it to move the sender's value into the room it freed.
//!
//! An unbuffered channel has no lock-free buffer: both paths fall back to the lock at once.
//!
//! The whole poll of a plain send or receive (not a `select!` branch, not parked) that completes
//! on the lock-free path is [`poll_send_lock_free`](Chan::poll_send_lock_free) and
//! [`poll_recv_lock_free`](Chan::poll_recv_lock_free): small enough to inline into the future's
//! poll, and looking at the budget once (a Go channel's tick is taken in that look:
//! [`coop::lock_free_turn`]). Everything else — a `select!`, a spent budget, a parked peer, an
//! empty buffer — goes to the full poll, which skips the lock-free try when this one was made
//! ([`FastPoll::Missed`]); the futures call it out of line.

use super::core::{Chan, RecvOp, SendFail, SendOp};
use super::shim::Ordering;
use crate::coop::{self, Turn};
use crate::select::{self, Claim, Current};
use std::task::{Context, Poll};

/// What a lock-free poll did.
pub(super) enum FastPoll<R> {
    /// Completed (or yielded): the poll's result.
    Done(Poll<R>),
    /// Tried and found no room, no value or a peer parked: the full poll goes straight to the
    /// lock (a second lock-free try would only fail again, at the cost of a park's hop).
    Missed,
    /// Not tried (a `select!` branch, a parked operation, an unbuffered channel, a spent
    /// budget): the full poll does everything.
    Skipped,
}

/// True outside a `select!` branch: the lock-free polls leave branches to the full poll.
#[inline(always)]
fn outside_select() -> bool {
    select::with_current(|me| me.is_none())
}

impl<T> Chan<T> {
    /// A send poll that completes lock-free (or yields: see [`coop::lock_free_turn`]), or what
    /// the full poll should do: `op` keeps its value.
    #[inline(always)]
    pub(super) fn poll_send_lock_free(
        &self,
        op: &mut SendOp<T>,
        cx: &Context<'_>,
    ) -> FastPoll<Result<(), T>> {
        if !self.has_lock_free_buffer() || !matches!(op, SendOp::Idle(_)) || !outside_select() {
            return FastPoll::Skipped;
        }
        if self.lock_free_send_barred() {
            // Before the budget's look: a send that must go to the lock (a receiver to hand
            // to, every ping-pong hop) spends nothing here.
            return FastPoll::Missed;
        }
        match coop::lock_free_turn(cx, self.cheap_budget) {
            Turn::Go => {}
            Turn::FullPoll => return FastPoll::Skipped,
            Turn::Yielded => return FastPoll::Done(Poll::Pending),
        }
        let SendOp::Idle(value) = std::mem::replace(op, SendOp::Done) else {
            unreachable!("checked above");
        };
        // Not barred (checked above) and outside a `select!`: straight to the push.
        match self.push_and_settle(value) {
            Ok(lock_free) => {
                coop::charge(lock_free, self.cheap_budget);
                FastPoll::Done(Poll::Ready(Ok(())))
            }
            Err(value) => {
                *op = SendOp::Idle(value);
                FastPoll::Missed
            }
        }
    }

    /// A receive poll that completes lock-free (or yields: see [`coop::lock_free_turn`]), or what
    /// the full poll should do.
    #[inline(always)]
    pub(super) fn poll_recv_lock_free(&self, op: &RecvOp, cx: &Context<'_>) -> FastPoll<Option<T>> {
        if !self.has_lock_free_buffer() || !matches!(op, RecvOp::Idle) || !outside_select() {
            return FastPoll::Skipped;
        }
        match coop::lock_free_turn(cx, self.cheap_budget) {
            Turn::Go => {}
            Turn::FullPoll => return FastPoll::Skipped,
            Turn::Yielded => return FastPoll::Done(Poll::Pending),
        }
        match self.fast_recv(None) {
            Some(Ok((value, lock_free))) => {
                coop::charge(lock_free, self.cheap_budget);
                FastPoll::Done(Poll::Ready(Some(value)))
            }
            Some(Err(())) | None => FastPoll::Missed,
        }
    }

    /// A send without the lock: room, nobody parked. `Err(Full)` falls back to the lock (always,
    /// on an unbuffered channel).
    /// `Ok(true)`: it stayed lock-free (no receiver parked meanwhile had to be handed the value),
    /// so it costs a poll's budget only a tick ([`crate::coop::rebate_lock_free`]).
    #[inline]
    pub(super) fn fast_send(
        &self,
        value: T,
        me: Option<&Current<'_>>,
    ) -> Result<bool, SendFail<T>> {
        if !self.has_lock_free_buffer() || self.lock_free_send_barred() {
            return Err(SendFail::Full(value));
        }
        let claim = select::claim(me);
        if claim == Claim::Lost {
            return Err(SendFail::Lost(value));
        }
        self.push_and_settle(value).map_err(|value| {
            select::release(me, claim);
            SendFail::Full(value)
        })
    }

    /// Pushes without the lock (`Err`: no room), then hands the buffer to a receiver that parked
    /// meanwhile; `Ok(true)` when none had.
    #[inline(always)]
    fn push_and_settle(&self, value: T) -> Result<bool, T> {
        self.push_lock_free(value)?;
        if self.recv_parked.load(Ordering::SeqCst) != 0 {
            self.flush_after_push();
            return Ok(false);
        }
        Ok(true)
    }

    /// A send must take the lock: the channel is closed, a sender is queued ahead (FIFO), or a
    /// receiver is parked (it gets the value in hand).
    #[inline(always)]
    fn lock_free_send_barred(&self) -> bool {
        self.closed.load(Ordering::Acquire)
            || self.send_parked.load(Ordering::Acquire) != 0
            || self.recv_parked.load(Ordering::Acquire) != 0
    }

    /// A receiver parked while a lock-free push ran: hand it what is buffered.
    #[cold]
    #[inline(never)]
    fn flush_after_push(&self) {
        self.locked(|st, wk| self.flush_to_receivers(st, wk));
    }

    /// A receive without the lock: a buffered value. `None` falls back to the lock (always, on
    /// an unbuffered channel);
    /// `Some(Err(()))`: our `select!` committed another branch. `Some(Ok((value, true)))`: it
    /// stayed lock-free (no parked sender to move in, no receiver to tell about the close).
    #[inline]
    pub(super) fn fast_recv(&self, me: Option<&Current<'_>>) -> Option<Result<(T, bool), ()>> {
        if !self.has_lock_free_buffer() || self.front_len.load(Ordering::Acquire) != 0 {
            return None;
        }
        let claim = select::claim(me);
        if claim == Claim::Lost {
            return Some(Err(()));
        }
        let Some(value) = self.pop_lock_free() else {
            select::release(me, claim);
            return None;
        };
        if self.send_parked.load(Ordering::SeqCst) != 0
            || (self.closed.load(Ordering::SeqCst) && self.recv_parked.load(Ordering::SeqCst) != 0)
        {
            self.settle_after_pop();
            return Some(Ok((value, false)));
        }
        Some(Ok((value, true)))
    }

    /// A lock-free pop freed room with a sender parked (move its value in), or took the last
    /// value of a closed channel with receivers parked (tell them it is over).
    #[cold]
    #[inline(never)]
    fn settle_after_pop(&self) {
        self.locked(|st, wk| {
            self.refill(st, wk);
            self.wake_receivers_if_done(st, wk);
        });
    }
}
