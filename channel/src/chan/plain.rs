//! The plain lane: a send or receive polled by its own future outside any `select!`, that must
//! take the lock — the hop of every ping-pong, pipeline and unbuffered rendezvous.
//!
//! The general polls ([`super::send`], [`super::recv`]) serve every case (`select!` tokens,
//! parked futures, streams, budgets) and walk through all of them on every poll. This lane
//! takes the lock once and first looks for the case a hop is made of, Go's direct hand-off:
//!
//! - a send whose first parked receiver is a plain receive future, with nothing buffered and no
//!   sender parked: the value goes straight into that future's cell (`chansend` to a waiting
//!   receiver);
//! - a receive on an unbuffered channel whose first parked sender is a plain send future, with
//!   nothing buffered: it takes that sender's value and completes its send (`chanrecv` from a
//!   waiting sender).
//!
//! Both are exactly what the general steps would do in that state (the waiter at the front has
//! no `select!` to claim, so the claim is won), minus the walk. In any other state the poll goes
//! on under the same lock with the general steps, as a poll outside a `select!`.
//!
//! The lane is taken where the general poll would take the lock next: after the lock-free path
//! missed ([`Miss::Missed`]), or when it was skipped ([`Miss::Skipped`]: an unbuffered channel
//! has none; tokio's `mpsc` rules charge the budget before it), after trying it as the general
//! poll does. Both charge the budget the same way.

use super::core::{Chan, RecvOp, SendFail, SendOp, State};
use super::fast::Miss;
use super::shim::LockGuard;
use super::waiter::{fill_cell, take_plain_sender, Delivery, RecvWaiter, Wakeups};
use crate::coop;
use crate::handoff::HandOff;
use crate::select;
use crate::waitlist::WaiterId;
use std::pin::Pin;
use std::task::{Context, Poll};

impl<T> Chan<T> {
    /// True when a poll that `miss`ed (or skipped) its lock-free part, outside any `select!`,
    /// takes the lane.
    #[inline(always)]
    fn plain_lane(&self, miss: Miss) -> bool {
        matches!(miss, Miss::Missed | Miss::Skipped) && select::with_current(|me| me.is_none())
    }

    /// Polls a send that is not parked, on the plain lane; `None` when the lane does not apply
    /// (see the module docs) and nothing was done.
    #[inline]
    pub(super) fn poll_send_plain(
        &self,
        op: &mut SendOp<T>,
        hand: Pin<&HandOff<()>>,
        cx: &mut Context<'_>,
        miss: Miss,
    ) -> Option<Poll<Result<(), T>>> {
        if !matches!(op, SendOp::Idle(_)) || !self.plain_lane(miss) {
            return None;
        }
        if coop::poll_proceed(cx).is_pending() {
            return Some(Poll::Pending);
        }
        if miss == Miss::Skipped && self.has_lock_free_buffer() {
            // Not tried yet (tokio's `mpsc` rules charge the budget first): the lock-free path.
            let SendOp::Idle(value) = std::mem::replace(op, SendOp::Done) else {
                unreachable!("checked above");
            };
            match self.fast_send(value, None) {
                Ok(lock_free) => {
                    if lock_free && self.cheap_budget {
                        coop::rebate_lock_free();
                    }
                    return Some(Poll::Ready(Ok(())));
                }
                Err(SendFail::Full(value) | SendFail::Closed(value) | SendFail::Lost(value)) => {
                    *op = SendOp::Idle(value);
                }
            }
        }
        let mut st = self.state.lock();
        if let Some(waker) = self.hand_to_plain_receiver(&mut st, op) {
            self.publish_recvq(&st);
            drop(st);
            if let Some(waker) = waker {
                waker.wake();
            }
            return Some(Poll::Ready(Ok(())));
        }
        let SendOp::Idle(value) = std::mem::replace(op, SendOp::Done) else {
            unreachable!("checked above");
        };
        let mut wk = Wakeups::default();
        // Nobody to hand it to, and no room to try (unbuffered, or senders already queued):
        // park (the general steps 1–3 would find the same).
        let parks = st.recvq.is_empty()
            && !st.closed
            && (!self.has_lock_free_buffer() || !st.sendq.is_empty() || !st.back.is_empty());
        let out = if parks {
            self.park_send(&mut st, op, value, hand, None, cx, &mut wk)
        } else {
            self.start_send(&mut st, op, value, hand, None, cx, &mut wk)
        };
        self.publish(&st);
        Some(finish(st, wk, out))
    }

    /// The direct hand-off of a send (see the module docs): `Some(waker)` of the receive it
    /// completed, `None` (nothing done) in any other state.
    #[inline(always)]
    fn hand_to_plain_receiver(
        &self,
        st: &mut State<T>,
        op: &mut SendOp<T>,
    ) -> Option<Option<std::task::Waker>> {
        let plain = st.recvq.front().is_some_and(|waiter| {
            waiter.sel.is_none() && matches!(waiter.delivery, Delivery::InPlace(_))
        });
        if !plain || st.closed || !st.sendq.is_empty() || self.maybe_buffered(st) {
            return None;
        }
        let SendOp::Idle(value) = std::mem::replace(op, SendOp::Done) else {
            unreachable!("a send on the plain lane is not parked");
        };
        let (waiter, waker) = st.recvq.pop_front_free()?;
        let RecvWaiter { delivery, sel, .. } = waiter;
        // No `select!` reference (checked above): forgetting the empty one spares every
        // hand-off a call to its drop glue.
        debug_assert!(sel.is_none());
        std::mem::forget(sel);
        let Delivery::InPlace(hand) = delivery else {
            unreachable!("checked above");
        };
        // SAFETY: we hold the channel's lock (`st` is its state) and just removed the waiter
        // holding `hand` from the list.
        unsafe { fill_cell(hand, value, &mut st.cells_filled) };
        Some(waker)
    }

    /// Polls a receive that is not parked, on the plain lane; `None` when the lane does not
    /// apply (see the module docs) and nothing was done.
    #[inline]
    pub(super) fn poll_recv_plain(
        &self,
        op: &mut RecvOp,
        hand: Pin<&HandOff<T>>,
        cx: &mut Context<'_>,
        miss: Miss,
    ) -> Option<Poll<Option<T>>> {
        if !matches!(op, RecvOp::Idle) || !self.plain_lane(miss) {
            return None;
        }
        if coop::poll_proceed(cx).is_pending() {
            return Some(Poll::Pending);
        }
        if miss == Miss::Skipped {
            // Not tried yet: the lock-free path (a value found there, or the buffer empty now;
            // a value pushed after this look is found by the look after parking).
            if let Some(Ok((value, lock_free))) = self.fast_recv(None) {
                if lock_free && self.cheap_budget {
                    coop::rebate_lock_free();
                }
                return Some(Poll::Ready(Some(value)));
            }
        }
        let mut st = self.state.lock();
        if let Some((value, waker)) = self.take_from_plain_sender(&mut st) {
            // Unbuffered: no counts to publish.
            drop(st);
            if let Some(waker) = waker {
                waker.wake();
            }
            return Some(Poll::Ready(Some(value)));
        }
        if st.front.is_empty() && st.back.is_empty() && st.sendq.is_empty() && !st.closed {
            // Nothing to take and nobody to take it from (the general steps 1–3 would find
            // nothing either): park.
            return Some(self.park_plain_recv(st, op, hand, cx));
        }
        // After a miss the buffer was just found empty: only the front queue is worth a look
        // (as in the general poll).
        let mut wk = Wakeups::default();
        let ring_missed = miss == Miss::Missed;
        let out = self.start_recv(&mut st, op, Some(hand), None, cx, &mut wk, ring_missed);
        self.publish(&st);
        Some(finish(st, wk, out))
    }

    /// Parks a plain receive (step 4 of [`super::recv`], through [`Chan::enqueue_recv`] as
    /// [`Chan::park_recv`] does), with nothing to wake: only a second look that finds a value
    /// or a parked sender after all has wakeups to collect, and it goes out of line
    /// ([`Self::settle_plain_park`]). Building, moving and dropping an unused [`Wakeups`] took a
    /// fifth of this park's instructions.
    #[inline(always)]
    fn park_plain_recv(
        &self,
        mut st: LockGuard<'_, State<T>>,
        op: &mut RecvOp,
        hand: Pin<&HandOff<T>>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<T>> {
        let waiter = RecvWaiter::new(Delivery::InPlace(hand.park_ref()), None);
        if let Some(id) = self.enqueue_recv(&mut st, op, waiter, cx) {
            return self.settle_plain_park(st, op, id, hand, cx);
        }
        drop(st);
        coop::refund();
        Poll::Pending
    }

    /// The rest of [`park_plain_recv`](Self::park_plain_recv) when its second look found
    /// something: flush, and settle the receive if the flush reached it.
    #[inline(never)]
    fn settle_plain_park(
        &self,
        mut st: LockGuard<'_, State<T>>,
        op: &mut RecvOp,
        id: WaiterId,
        hand: Pin<&HandOff<T>>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<T>> {
        let mut wk = Wakeups::default();
        let out = self.flush_after_park(&mut st, op, id, Some(hand.get_ref()), None, cx, &mut wk);
        finish(st, wk, out)
    }

    /// The direct take of a receive on an unbuffered channel (see the module docs): the value
    /// and the waker of the send it completed; `None` (nothing done) in any other state.
    #[inline(always)]
    fn take_from_plain_sender(&self, st: &mut State<T>) -> Option<(T, Option<std::task::Waker>)> {
        if self.has_lock_free_buffer() || self.maybe_buffered(st) {
            return None;
        }
        take_plain_sender(&mut st.sendq)
    }
}

/// Ends a lane poll that went on with the general steps: unlocks, wakes what they collected
/// (never under the lock), and gives the budget back if the poll waits.
#[inline(always)]
fn finish<T, R>(st: LockGuard<'_, State<T>>, wk: Wakeups, out: Poll<R>) -> Poll<R> {
    drop(st);
    wk.wake();
    if out.is_pending() {
        coop::refund();
    }
    out
}
