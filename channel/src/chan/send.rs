//! Sending, every flavor: Go's `chansend` step by step.
//!
//! 1. Closed: fail, giving the value back.
//! 2. A receiver is parked: hand it the value ([`Chan::hand_to_receiver`]) — done.
//! 3. Room in the buffer (and no sender queued ahead): buffer it — done.
//! 4. Otherwise park, the value moving into the waiter, where a receive takes it
//!    ([`super::zero`], [`Chan::refill`]) and tells the send future so through its cell
//!    ([`crate::handoff`]).
//!    Under tokio's `mpsc` rules a freed slot is [`Granted`](SendStatus::Granted) instead and
//!    the send moves its own value when it runs, so a dropped `mpsc` send never delivers.
//!
//! A send inside a `select!` first wins its token for its branch (step 2 and 3 commit); a parked
//! one carries its `select!` reference so the peer that completes it wins the token instead.

use super::core::{Chan, SendFail, SendOp, State};
use super::fast::Miss;
use super::waiter::{hand_to_receive, pop_claimed, SendStatus, SendWaiter, Wakeups};
use crate::coop;
use crate::handoff::HandOff;
use crate::select::{self, Claim, Current};
use crate::waitlist::WaiterId;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// What a look at a parked send found.
enum Parked<T> {
    /// Still waiting.
    Waiting,
    /// Finished: delivered, or the channel closed (value back).
    Done(Result<(), T>),
    /// A peer skipped it (its `select!` had committed elsewhere): try again from the start.
    Again(T),
    /// `mpsc`: a unit of the buffer was granted to it; it moves its value itself.
    Granted(T),
}

impl<T> Chan<T> {
    /// Offers `value` to the first parked receiver whose `select!` (if any) it wins.
    /// `Ok(None)`: handed into its future's cell. `Ok(Some(value))`: a receiver parked as a
    /// stream was signalled instead, and the caller buffers the value where it belongs.
    /// `Err(value)`: nobody to give it to.
    ///
    /// A stream poll outside a `select!` may have been abandoned (its `next()` future dropped,
    /// the receiver kept): it is signalled, and the offer goes on to the receivers parked
    /// behind it, so a `recv` future never waits behind a stale stream waiter while the value
    /// sits in the buffer. The stream, if still polled, finds the value or parks again.
    #[inline]
    pub(super) fn offer_to_receiver(
        &self,
        st: &mut State<T>,
        mut value: T,
        wk: &mut Wakeups,
    ) -> Result<Option<T>, T> {
        let mut signalled = false;
        while let Some(id) = pop_claimed(&mut st.recvq, wk) {
            // A `select!` that holds this stream branch has committed to it: it comes back for
            // the value, so the offer stops here.
            let selecting = st.recvq.get(id).sel.is_some();
            match hand_to_receive(&mut st.recvq, id, value, &mut st.cells_filled) {
                Ok(()) => return Ok(None),
                Err(back) => value = back,
            }
            signalled = true;
            if selecting {
                break;
            }
        }
        if signalled {
            Ok(Some(value))
        } else {
            Err(value)
        }
    }

    /// Hands a new value (the newest) to a parked receiver: in place, or buffered behind
    /// everything else for a signalled one (in the buffer proper if it has room, so an `mpsc`
    /// channel's capacity still counts it).
    fn hand_to_receiver(&self, st: &mut State<T>, value: T, wk: &mut Wakeups) -> Result<(), T> {
        if let Some(value) = self.offer_to_receiver(st, value, wk)? {
            self.push_newest(st, value);
        }
        Ok(())
    }

    /// Puts an old value (one a cancelled receive was handed) back: to the next parked
    /// receiver, else first in line.
    pub(super) fn put_back(&self, st: &mut State<T>, value: T, wk: &mut Wakeups) {
        match self.offer_to_receiver(st, value, wk) {
            Ok(None) => {}
            Ok(Some(value)) | Err(value) => st.front.push_front(value),
        }
    }

    /// Moves buffered values, oldest first, to parked receivers (a lock-free push may have
    /// missed them), then parked senders into the room that freed.
    #[inline]
    pub(super) fn flush_to_receivers(&self, st: &mut State<T>, wk: &mut Wakeups) {
        if self.maybe_buffered(st) {
            self.move_buffered_to_receivers(st, wk);
        }
        // Else nothing to move: the common case, a send or a park looking for a racing push.
        self.refill(st, wk);
    }

    #[inline(never)]
    fn move_buffered_to_receivers(&self, st: &mut State<T>, wk: &mut Wakeups) {
        let mut keep = Vec::new();
        while !st.recvq.is_empty() {
            let Some(value) = self.pop_buffered(st) else {
                break;
            };
            match self.offer_to_receiver(st, value, wk) {
                Ok(None) => {}
                // A signalled receiver finds it first in line.
                Ok(Some(value)) => keep.push(value),
                Err(value) => {
                    keep.push(value);
                    break;
                }
            }
        }
        for value in keep.into_iter().rev() {
            st.front.push_front(value);
        }
    }

    /// Steps 1–3 under the lock (see the module docs).
    fn send_locked(
        &self,
        st: &mut State<T>,
        mut value: T,
        me: Option<&Current<'_>>,
        wk: &mut Wakeups,
    ) -> Result<(), SendFail<T>> {
        if st.closed {
            return Err(SendFail::Closed(value));
        }
        let claim = select::claim(me);
        if claim == Claim::Lost {
            return Err(SendFail::Lost(value));
        }
        if !st.recvq.is_empty() {
            // Values already buffered go first (per-sender FIFO).
            self.flush_to_receivers(st, wk);
            match self.hand_to_receiver(st, value, wk) {
                Ok(()) => return Ok(()),
                Err(back) => value = back,
            }
        }
        // Behind parked senders and values waiting in `back` (per-sender FIFO).
        if st.sendq.is_empty() && st.back.is_empty() {
            match self.push_locked(value) {
                Ok(()) => return Ok(()),
                Err(back) => value = back,
            }
        }
        select::release(me, claim);
        Err(SendFail::Full(value))
    }

    /// A send that never waits.
    pub(crate) fn try_send(&self, value: T) -> Result<(), SendFail<T>> {
        let value = match self.fast_send(value, None) {
            Ok(_) => return Ok(()),
            Err(SendFail::Full(value) | SendFail::Lost(value) | SendFail::Closed(value)) => value,
        };
        self.locked(|st, wk| self.send_locked(st, value, None, wk))
    }

    /// The part of a send future's poll that takes no lock and calls nothing: a receive took
    /// the value (told through the pinned `hand`), or the lock-free path. `Ok`: the send is
    /// done; else [`poll_send_full`](Self::poll_send_full) finishes the poll.
    #[inline(always)]
    pub(super) fn poll_send_quick(
        &self,
        op: &mut SendOp<T>,
        hand: Pin<&HandOff<()>>,
    ) -> Result<(), Miss> {
        if matches!(op, SendOp::Parked(_)) && hand.take().is_some() {
            // A receive took the value and removed our waiter: delivered, no lock, and no
            // budget (this send returned `Pending` when it parked).
            *op = SendOp::Done;
            return Ok(());
        }
        self.poll_send_lock_free(op)
    }

    /// Every case of a send poll: a `select!` branch, a parked send, a spent budget, no room,
    /// someone to hand the value to. `try_lock_free`: the lock-free path was not tried yet
    /// ([`Miss::Skipped`]).
    #[inline(never)]
    pub(super) fn poll_send_full(
        &self,
        op: &mut SendOp<T>,
        hand: Pin<&HandOff<()>>,
        cx: &mut Context<'_>,
        try_lock_free: bool,
    ) -> Poll<Result<(), T>> {
        ready!(coop::poll_proceed(cx));
        let out = select::with_current(|me| {
            if try_lock_free && matches!(op, SendOp::Idle(_)) {
                if let SendOp::Idle(value) = std::mem::replace(op, SendOp::Done) {
                    match self.fast_send(value, me) {
                        Ok(lock_free) => {
                            if lock_free && self.cheap_budget {
                                coop::rebate_lock_free();
                            }
                            return Poll::Ready(Ok(()));
                        }
                        Err(SendFail::Lost(value)) => {
                            *op = SendOp::Idle(value);
                            return Poll::Pending;
                        }
                        Err(SendFail::Full(value) | SendFail::Closed(value)) => {
                            *op = SendOp::Idle(value);
                            if select::defer_park_if(me, || self.looks_idle_to_send()) {
                                // The `select!`'s first look: park only if no branch is ready.
                                return Poll::Pending;
                            }
                        }
                    }
                }
            }
            self.locked(|st, wk| self.poll_send_locked(st, op, hand, me, cx, wk))
        });
        if out.is_pending() {
            coop::refund();
        }
        out
    }

    fn poll_send_locked(
        &self,
        st: &mut State<T>,
        op: &mut SendOp<T>,
        hand: Pin<&HandOff<()>>,
        me: Option<&Current<'_>>,
        cx: &mut Context<'_>,
        wk: &mut Wakeups,
    ) -> Poll<Result<(), T>> {
        loop {
            match std::mem::replace(op, SendOp::Done) {
                SendOp::Idle(value) => return self.start_send(st, op, value, hand, me, cx, wk),
                SendOp::Parked(id) => match Self::look_at_parked_send(st, id, &hand, me, cx) {
                    Parked::Waiting => {
                        *op = SendOp::Parked(id);
                        return Poll::Pending;
                    }
                    Parked::Done(out) => return Poll::Ready(out),
                    Parked::Again(value) => *op = SendOp::Idle(value),
                    Parked::Granted(value) => return Poll::Ready(self.send_granted(st, value, wk)),
                },
                SendOp::Done => panic!("a send future was polled after it completed"),
            }
        }
    }

    /// Steps 1–4 for a send not parked yet.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn start_send(
        &self,
        st: &mut State<T>,
        op: &mut SendOp<T>,
        value: T,
        hand: Pin<&HandOff<()>>,
        me: Option<&Current<'_>>,
        cx: &mut Context<'_>,
        wk: &mut Wakeups,
    ) -> Poll<Result<(), T>> {
        match self.send_locked(st, value, me, wk) {
            Ok(()) => Poll::Ready(Ok(())),
            Err(SendFail::Closed(value)) => Poll::Ready(Err(value)),
            Err(SendFail::Lost(value)) => {
                *op = SendOp::Idle(value);
                Poll::Pending
            }
            Err(SendFail::Full(value)) if select::try_only(me) => {
                *op = SendOp::Idle(value);
                Poll::Pending
            }
            Err(SendFail::Full(value)) => self.park_send(st, op, value, hand, me, cx, wk),
        }
    }

    /// Step 4: parks a send that found no receiver and no room (steps 1–3 done under this
    /// lock), its value moving into the waiter.
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    pub(super) fn park_send(
        &self,
        st: &mut State<T>,
        op: &mut SendOp<T>,
        value: T,
        hand: Pin<&HandOff<()>>,
        me: Option<&Current<'_>>,
        cx: &mut Context<'_>,
        wk: &mut Wakeups,
    ) -> Poll<Result<(), T>> {
        let waiter = SendWaiter::new(Some(value), select::park_ref(me), Some(hand.park_ref()));
        let id = st.sendq.push_back(waiter, cx.waker());
        *op = SendOp::Parked(id);
        if !self.has_lock_free_buffer() {
            // Unbuffered: no lock-free receive can have freed room behind our back.
            return Poll::Pending;
        }
        self.refill_after_park(st, op, id, hand, me, cx, wk)
    }

    /// Publishes a send's park, then looks again: a lock-free receive that freed room before
    /// seeing it parked left that room for `refill`.
    #[inline(never)]
    #[allow(clippy::too_many_arguments)]
    fn refill_after_park(
        &self,
        st: &mut State<T>,
        op: &mut SendOp<T>,
        id: WaiterId,
        hand: Pin<&HandOff<()>>,
        me: Option<&Current<'_>>,
        cx: &mut Context<'_>,
        wk: &mut Wakeups,
    ) -> Poll<Result<(), T>> {
        self.publish_park(st);
        self.refill(st, wk);
        if !hand.is_done() && st.sendq.is_queued(id) {
            // Nearly always (the ring stayed full): nobody took the value (which frees the
            // waiter) or skipped the waiter, which was just parked with this poll's waker and
            // `select!`.
            return Poll::Pending;
        }
        match Self::look_at_parked_send(st, id, &hand, me, cx) {
            Parked::Waiting => Poll::Pending,
            Parked::Done(out) => {
                // The refill took our value: no wake for this running send (see `forget_own`).
                wk.forget_own(cx.waker());
                *op = SendOp::Done;
                Poll::Ready(out)
            }
            Parked::Again(value) => {
                // Our own `select!` committed elsewhere meanwhile.
                *op = SendOp::Idle(value);
                Poll::Pending
            }
            Parked::Granted(value) => {
                wk.forget_own(cx.waker());
                *op = SendOp::Done;
                Poll::Ready(self.send_granted(st, value, wk))
            }
        }
    }

    /// Reads a parked send's outcome: its cell (a receive took the value and removed the
    /// waiter), else its waiter, removing it once finished.
    fn look_at_parked_send(
        st: &mut State<T>,
        id: WaiterId,
        hand: &HandOff<()>,
        me: Option<&Current<'_>>,
        cx: &mut Context<'_>,
    ) -> Parked<T> {
        if hand.take().is_some() {
            return Parked::Done(Ok(()));
        }
        let queued = st.sendq.is_queued(id);
        let waiter = st.sendq.get_mut(id);
        match waiter.status {
            SendStatus::Waiting if queued => {
                select::refresh(me, &mut waiter.sel);
                st.sendq.register(id, cx.waker());
                Parked::Waiting
            }
            SendStatus::Closed => Parked::Done(Err(Self::value_of(st, id))),
            SendStatus::Waiting => Parked::Again(Self::value_of(st, id)),
            SendStatus::Granted => Parked::Granted(Self::value_of(st, id)),
        }
    }

    /// An `mpsc` send granted a unit (its `select!` token already won by the granting peer)
    /// moves its value: to a parked receiver, else into the buffer.
    fn send_granted(&self, st: &mut State<T>, value: T, wk: &mut Wakeups) -> Result<(), T> {
        if st.closed {
            self.release_locked(st, wk);
            return Err(value);
        }
        if !st.recvq.is_empty() {
            self.flush_to_receivers(st, wk);
        }
        match self.offer_to_receiver(st, value, wk) {
            Ok(None) => self.release_locked(st, wk),
            Ok(Some(value)) | Err(value) => self.push_unit(value),
        }
        Ok(())
    }

    fn value_of(st: &mut State<T>, id: WaiterId) -> T {
        st.sendq
            .remove(id)
            .value
            .expect("a parked send keeps its value until taken")
    }

    /// Drops a pending send. Parked with its value still in the waiter: unlinked, the value is
    /// dropped, never delivered (a unit granted to it goes to the next sender). Its value
    /// already taken: it has delivered.
    #[inline]
    pub(crate) fn cancel_send(&self, op: &mut SendOp<T>, hand: &HandOff<()>) {
        // Every send future's drop comes here; nearly all have completed.
        if let SendOp::Parked(_) = op {
            self.cancel_parked_send(op, hand);
        }
    }

    #[inline(never)]
    fn cancel_parked_send(&self, op: &mut SendOp<T>, hand: &HandOff<()>) {
        if let SendOp::Parked(id) = std::mem::replace(op, SendOp::Done) {
            if hand.take().is_some() {
                return; // a receive took the value and removed the waiter: delivered
            }
            let value = self.locked(|st, wk| {
                if hand.take().is_some() {
                    return None; // taken while we waited for the lock
                }
                let waiter = st.sendq.remove(id);
                if waiter.status == SendStatus::Granted {
                    self.release_locked(st, wk);
                }
                waiter.value
            });
            drop(value);
        }
    }
}
