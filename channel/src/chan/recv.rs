//! Receiving, every flavor: Go's `chanrecv` step by step.
//!
//! 1. A buffered value (the front queue first): take it. On a full bounded buffer with a sender
//!    parked, that sender's value moves into the freed slot ([`Chan::refill`]), so the buffer
//!    stays full and FIFO.
//! 2. Unbuffered with a sender parked: take its value from its waiter ([`super::zero`]).
//! 3. Closed and drained: `None`.
//! 4. Otherwise park, to be handed a value ([`Delivery::InPlace`]) or signalled
//!    ([`Delivery::Signal`]).
//!
//! A receive inside a `select!` first wins its token for its branch; a parked one carries its
//! `select!` reference so the peer that completes it wins the token instead.

use super::core::{Chan, Flavor, RecvFail, RecvOp, State};
use super::fast::Miss;
use super::waiter::{Delivery, RecvStatus, RecvWaiter, Wakeups};
use crate::coop;
use crate::handoff::HandOff;
use crate::select::{self, Claim, Current};
use crate::waitlist::WaiterId;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// What a look at a parked receive found.
enum Parked<T> {
    /// Still waiting.
    Waiting,
    /// A value was handed to it.
    Done(T),
    /// Skipped by a peer, signalled, or woken by close: look again from the start.
    Again,
}

impl<T> Chan<T> {
    /// Steps 1–3 under the lock (see the module docs). `ring_missed`: a lock-free receive just
    /// found the buffer empty, so only the front queue is worth a look before parking (the
    /// look after parking sees anything pushed since, in order).
    #[inline]
    fn recv_locked(
        &self,
        st: &mut State<T>,
        me: Option<&Current<'_>>,
        wk: &mut Wakeups,
        ring_missed: bool,
    ) -> Result<T, RecvFail> {
        let claim = select::claim(me);
        if claim == Claim::Lost {
            return Err(RecvFail::Lost);
        }
        if let Some(value) = self.take_value(st, wk, ring_missed) {
            return Ok(value);
        }
        select::release(me, claim);
        if st.closed && self.drained(st) {
            Err(RecvFail::Closed)
        } else {
            Err(RecvFail::Empty)
        }
    }

    /// The value a receive gets now, if any: steps 1 and 2.
    fn take_value(&self, st: &mut State<T>, wk: &mut Wakeups, ring_missed: bool) -> Option<T> {
        let buffered = if ring_missed {
            // Not `back`: its values queue behind anything the ring got since.
            st.front.pop_front()
        } else {
            self.pop_buffered(st)
        };
        if let Some(value) = buffered {
            self.refill(st, wk);
            return Some(value);
        }
        match &self.flavor {
            Flavor::Zero => self.take_from_sender(st, wk),
            // A full bounded buffer (a ring, or a large `mpsc` buffer's list).
            Flavor::Array(_) | Flavor::List(_) if !st.sendq.is_empty() => {
                // A lock-free receive freed room and is on its way to refill: do it now.
                self.refill(st, wk);
                let value = self.pop_buffered(st)?;
                self.refill(st, wk);
                Some(value)
            }
            Flavor::Array(_) | Flavor::List(_) => None,
        }
    }

    /// A receive that never waits (`Lost` never happens here).
    pub(crate) fn try_recv(&self) -> Result<T, RecvFail> {
        if let Some(Ok((value, _))) = self.fast_recv(None) {
            return Ok(value);
        }
        self.locked(|st, wk| self.recv_locked(st, None, wk, false))
    }

    /// Polls a receive future: a handed value goes into its pinned `hand`, read without the
    /// lock. `None` once the channel is closed and drained.
    #[inline]
    pub(crate) fn poll_recv(
        &self,
        op: &mut RecvOp,
        hand: Pin<&HandOff<T>>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<T>> {
        self.poll_recv_quick(op, hand, cx, |op, cx, miss| {
            self.poll_recv_missed(op, Some(hand), cx, miss)
        })
    }

    /// The part of [`poll_recv`](Self::poll_recv) that takes no lock: a value a sender handed
    /// over, or the lock-free path. Every other case ends in a tail call to `slow`, which
    /// finishes the poll (with [`poll_recv_missed`](Self::poll_recv_missed)).
    #[inline(always)]
    pub(super) fn poll_recv_quick(
        &self,
        op: &mut RecvOp,
        hand: Pin<&HandOff<T>>,
        cx: &mut Context<'_>,
        slow: impl FnOnce(&mut RecvOp, &mut Context<'_>, Miss) -> Poll<Option<T>>,
    ) -> Poll<Option<T>> {
        if let RecvOp::Parked(_) = op {
            if let Some(value) = hand.take() {
                // A sender handed us its value and removed our waiter: no lock, and no budget
                // (this receive returned `Pending` when it parked).
                *op = RecvOp::Idle;
                self.took_from_cell();
                return Poll::Ready(Some(value));
            }
        }
        self.poll_recv_lock_free(op, cx, slow)
    }

    /// Polls a receive whose parked state outlives the call (a receiver polled as a `Stream`,
    /// `mpsc::Receiver::poll_recv`): a value for it waits at the front of the buffer, where every
    /// other receive sees it too.
    #[inline]
    pub(crate) fn poll_next(&self, op: &mut RecvOp, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.poll_recv_lock_free(op, cx, |op, cx, miss| {
            self.poll_recv_missed(op, None, cx, miss)
        })
    }

    /// The rest of a receive poll after the lock-free path's `miss`: a contended receive
    /// finished lock-free ([`Miss::Contended`]), or [`poll_recv_as`](Self::poll_recv_as).
    #[inline]
    pub(super) fn poll_recv_missed(
        &self,
        op: &mut RecvOp,
        hand: Option<Pin<&HandOff<T>>>,
        cx: &mut Context<'_>,
        miss: Miss,
    ) -> Poll<Option<T>> {
        if miss == Miss::Contended {
            if let Some(value) = self.recv_contended() {
                return Poll::Ready(Some(value));
            }
        }
        if let Some(hand) = hand {
            if let Some(polled) = self.poll_recv_plain(op, hand, cx, miss) {
                return polled;
            }
        }
        self.poll_recv_as(op, hand, cx, miss.try_lock_free())
    }

    /// Every case of a receive poll: a `select!` branch, a parked receive, a spent budget, an
    /// empty buffer, a sender to take from. `try_lock_free`: the lock-free path was not tried
    /// yet ([`Miss::Skipped`]).
    #[inline(never)]
    fn poll_recv_as(
        &self,
        op: &mut RecvOp,
        hand: Option<Pin<&HandOff<T>>>,
        cx: &mut Context<'_>,
        try_lock_free: bool,
    ) -> Poll<Option<T>> {
        if try_lock_free
            && matches!(op, RecvOp::Idle)
            && select::first_look() == Some(true)
            && self.defers_in_first_look()
        {
            // A `select!`'s first look, on a channel that looks empty: before any budget,
            // claim or pop.
            return Poll::Pending;
        }
        ready!(coop::poll_proceed(cx));
        let (hand_pin, hand) = (hand, hand.as_deref());
        let out = select::with_current(|me| {
            // The buffer was just found empty (the lock-free path missed, or the look below):
            // under the lock only the front queue is worth a look; the park's second look sees
            // anything pushed since.
            let mut ring_missed = !try_lock_free;
            if try_lock_free && matches!(op, RecvOp::Idle) {
                ring_missed = true;
                // A `select!` branch parking on an idle channel (a second look, say): a glance
                // spares it the claim, pop and release of the lock-free receive.
                let empty = me.is_some() && self.looks_empty_to_receive();
                match if empty { None } else { self.fast_recv(me) } {
                    Some(Ok((value, lock_free))) => {
                        if lock_free && self.cheap_budget {
                            coop::rebate_lock_free();
                        }
                        return Poll::Ready(Some(value));
                    }
                    Some(Err(())) => return Poll::Pending, // our `select!` committed elsewhere
                    None if select::defer_park_if(me, || self.looks_idle_to_receive()) => {
                        // The `select!`'s first look: park only if no branch is ready.
                        return Poll::Pending;
                    }
                    None => {}
                }
            }
            self.locked(|st, wk| loop {
                match *op {
                    RecvOp::Idle => {
                        return self.start_recv(st, op, hand_pin, me, cx, wk, ring_missed);
                    }
                    RecvOp::Parked(id) => {
                        match self.look_at_parked_recv(st, id, hand, me, cx, wk) {
                            Parked::Waiting => return Poll::Pending,
                            Parked::Done(value) => {
                                *op = RecvOp::Idle;
                                return Poll::Ready(Some(value));
                            }
                            Parked::Again => {
                                // The buffer was not looked at in this poll.
                                ring_missed = false;
                                *op = RecvOp::Idle;
                            }
                        }
                    }
                }
            })
        });
        if out.is_pending() {
            coop::refund();
        }
        out
    }

    /// Steps 1–4 for a receive not parked yet.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn start_recv(
        &self,
        st: &mut State<T>,
        op: &mut RecvOp,
        hand: Option<Pin<&HandOff<T>>>,
        me: Option<&Current<'_>>,
        cx: &mut Context<'_>,
        wk: &mut Wakeups,
        ring_missed: bool,
    ) -> Poll<Option<T>> {
        match self.recv_locked(st, me, wk, ring_missed) {
            Ok(value) => Poll::Ready(Some(value)),
            Err(RecvFail::Closed) => Poll::Ready(None),
            Err(RecvFail::Lost) => Poll::Pending,
            Err(RecvFail::Empty) if select::try_only(me) => Poll::Pending,
            Err(RecvFail::Empty) => self.park_recv(st, op, hand, me, cx, wk),
        }
    }

    /// Step 4: parks a receive that found nothing (steps 1–3 done under this lock).
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    pub(super) fn park_recv(
        &self,
        st: &mut State<T>,
        op: &mut RecvOp,
        hand: Option<Pin<&HandOff<T>>>,
        me: Option<&Current<'_>>,
        cx: &mut Context<'_>,
        wk: &mut Wakeups,
    ) -> Poll<Option<T>> {
        let delivery = match hand {
            Some(hand) => Delivery::InPlace(hand.park_ref()),
            None => Delivery::Signal,
        };
        match self.enqueue_recv(st, op, RecvWaiter::new(delivery, select::park_ref(me)), cx) {
            Some(id) => self.flush_after_park(st, op, id, hand.as_deref(), me, cx, wk),
            None => Poll::Pending,
        }
    }

    /// The park itself, shared by [`park_recv`](Self::park_recv) and the plain lane's park:
    /// `waiter` queued, `op` parked, the park published and the buffer looked at again (a
    /// lock-free send that pushed before seeing us parked did not flush; steps 1–3 only lowered
    /// counts, published with the section's end). `Some(id)`: that look found a value or a
    /// parked sender, and the caller flushes ([`flush_after_park`](Self::flush_after_park)).
    #[inline(always)]
    pub(super) fn enqueue_recv(
        &self,
        st: &mut State<T>,
        op: &mut RecvOp,
        waiter: RecvWaiter<T>,
        cx: &mut Context<'_>,
    ) -> Option<WaiterId> {
        let id = st.recvq.push_back(waiter, cx.waker());
        *op = RecvOp::Parked(id);
        if !matches!(self.flavor, Flavor::Zero) {
            self.publish_recv_park(st);
            if self.maybe_buffered(st) || !st.sendq.is_empty() {
                return Some(id);
            }
        }
        None
    }

    /// A value or a parked sender showed up as a receive parked: flush, then settle the
    /// receive if the flush reached it. Publishes the counts the flush changed, so that a
    /// caller whose park changed nothing else need not.
    #[inline(never)]
    #[allow(clippy::too_many_arguments)]
    pub(super) fn flush_after_park(
        &self,
        st: &mut State<T>,
        op: &mut RecvOp,
        id: WaiterId,
        hand: Option<&HandOff<T>>,
        me: Option<&Current<'_>>,
        cx: &mut Context<'_>,
        wk: &mut Wakeups,
    ) -> Poll<Option<T>> {
        self.flush_to_receivers(st, wk);
        // Served through the cell (the waiter is gone then), or popped.
        let out = if hand.is_some_and(HandOff::is_done) || !st.recvq.is_queued(id) {
            // Served (or skipped) by the flush: settle it now, and when that finishes the
            // receive, without the wake its waiter collected.
            let out = self.settle_now(st, op, id, hand, me, cx, wk);
            if out.is_ready() {
                wk.forget_own(cx.waker());
            }
            out
        } else {
            Poll::Pending
        };
        self.publish(st);
        out
    }

    /// A receive that the post-park flush already reached: read its outcome right away.
    #[allow(clippy::too_many_arguments)]
    fn settle_now(
        &self,
        st: &mut State<T>,
        op: &mut RecvOp,
        id: WaiterId,
        hand: Option<&HandOff<T>>,
        me: Option<&Current<'_>>,
        cx: &mut Context<'_>,
        wk: &mut Wakeups,
    ) -> Poll<Option<T>> {
        match self.look_at_parked_recv(st, id, hand, me, cx, wk) {
            Parked::Waiting => Poll::Pending,
            Parked::Done(value) => {
                *op = RecvOp::Idle;
                Poll::Ready(Some(value))
            }
            Parked::Again => {
                *op = RecvOp::Idle;
                match self.recv_locked(st, me, wk, false) {
                    Ok(value) => Poll::Ready(Some(value)),
                    Err(RecvFail::Closed) => Poll::Ready(None),
                    // Our `select!` committed elsewhere, or another receive took the value.
                    Err(RecvFail::Lost | RecvFail::Empty) => {
                        cx.waker().wake_by_ref();
                        Poll::Pending
                    }
                }
            }
        }
    }

    /// Reads a parked receive's outcome: its cell (a sender handed it a value and removed the
    /// waiter), else its waiter, removing it once finished.
    fn look_at_parked_recv(
        &self,
        st: &mut State<T>,
        id: WaiterId,
        hand: Option<&HandOff<T>>,
        me: Option<&Current<'_>>,
        cx: &mut Context<'_>,
        wk: &mut Wakeups,
    ) -> Parked<T> {
        if let Some(value) = hand.and_then(HandOff::take) {
            self.took_from_cell_locked(st, wk);
            return Parked::Done(value);
        }
        let queued = st.recvq.is_queued(id);
        let waiter = st.recvq.get_mut(id);
        match waiter.status {
            RecvStatus::Waiting if queued => {
                select::refresh(me, &mut waiter.sel);
                st.recvq.register(id, cx.waker());
                Parked::Waiting
            }
            RecvStatus::Waiting | RecvStatus::Signalled | RecvStatus::Closed => {
                st.recvq.remove(id);
                Parked::Again
            }
        }
    }

    /// Drops a pending receive. A value handed to it goes to the next parked receiver or back
    /// to the front of the buffer; a signal for it (a value at the front) is passed on.
    #[inline]
    pub(crate) fn cancel_recv(&self, op: &mut RecvOp, hand: Option<&HandOff<T>>) {
        // Every receive future's drop comes here; nearly all have completed.
        if let RecvOp::Parked(_) = op {
            self.cancel_parked_recv(op, hand);
        }
    }

    #[inline(never)]
    fn cancel_parked_recv(&self, op: &mut RecvOp, hand: Option<&HandOff<T>>) {
        if let RecvOp::Parked(id) = std::mem::take(op) {
            self.locked(|st, wk| {
                if let Some(value) = hand.and_then(HandOff::take) {
                    // Handed to us (the waiter is gone): pass it on. Counted out of our cell
                    // first (`put_back` may hand it to another's); it stays in the channel, so
                    // nobody is told it drained.
                    st.cells_filled = st.cells_filled.wrapping_sub(1);
                    self.put_back(st, value, wk);
                    return;
                }
                if st.recvq.remove(id).status == RecvStatus::Signalled {
                    // The value meant for it waits at the front: pass the signal on.
                    self.flush_to_receivers(st, wk);
                }
            });
        }
    }
}
