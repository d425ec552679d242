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
//! poll, looking at the flavor once and at the budget once (a Go channel's tick is taken in that
//! look: [`coop::lock_free_turn`]), and trying the buffer's push or pop once, with no call
//! (`push_uncontended`, `pop_uncontended` of the ring and the list). Everything else — a
//! `select!`, a spent budget, a parked peer, an empty buffer, a lost race — goes to the full
//! poll, told what the lock-free try did ([`Miss`]: it skips that try when it was made, and
//! finishes a contended one); the futures call it out of line, in tail position where they can,
//! so that the common case saves no registers for it.

use super::core::{Chan, Flavor, RecvOp, SendFail, SendOp};
use super::list::{BlockList, ClaimedSlot, Pop};
use super::ring::Ring;
use super::shim::Ordering;
use crate::coop::{self, Turn};
use crate::select::{self, Claim, Current};
use std::task::{Context, Poll};

/// Why a lock-free poll handed a poll on to the full poll (its `slow` continuation).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Miss {
    /// Tried and found no room, no value or a peer parked: the full poll goes straight to the
    /// lock (a second lock-free try would only fail again, at the cost of a park's hop).
    Missed,
    /// Not tried (a `select!` branch, a parked operation, an unbuffered channel, a spent
    /// budget): the full poll does everything.
    Skipped,
    /// Tried once with its budget taken, and left to the whole push or pop (a race lost, a
    /// case the inline try does not handle): the full poll finishes the lock-free operation
    /// first ([`Chan::send_contended`], [`Chan::recv_contended`]), and goes on as after
    /// [`Missed`](Miss::Missed) if that misses. Handing the rest to the full poll keeps the
    /// lock-free poll free of calls in the middle.
    Contended,
    /// A send pushed its value lock-free, and a receiver had parked: the full poll hands it the
    /// buffer ([`Chan::send_to_parked_receiver`]), and the send is done.
    ReceiverParked,
    /// Outside a gort task the thread's budget was spent (refilled now): the poll returns
    /// [`coop::thread_budget_spent`] (a yield, not a wait).
    Yield,
}

impl Miss {
    /// The full poll still has to try the lock-free path from the start.
    pub(super) fn try_lock_free(self) -> bool {
        self == Miss::Skipped
    }

    /// [`Contended`](Miss::Contended) once a send's whole lock-free try found no room: then it
    /// is a plain [`Missed`](Miss::Missed) (tried, budget taken, outside a `select!`), and the
    /// poll goes on as after one — on the plain lane ([`super::plain`]), not the general poll.
    /// A send that met a full ring (every third message of a one-slot stream) took the general
    /// poll: 40 instructions more. (A receive keeps the general poll: on the lane it measured
    /// a few instructions more.)
    pub(super) fn contended_as_missed(self) -> Miss {
        match self {
            Miss::Contended => Miss::Missed,
            other => other,
        }
    }
}

/// The value of a send known to be [`SendOp::Idle`], leaving it [`SendOp::Done`].
#[inline(always)]
fn take_idle<T>(op: &mut SendOp<T>) -> T {
    match std::mem::replace(op, SendOp::Done) {
        SendOp::Idle(value) => value,
        _ => unreachable!("checked idle before the push"),
    }
}

/// True outside a `select!` branch: the lock-free polls leave branches to the full poll.
#[inline(always)]
fn outside_select() -> bool {
    select::with_current(|me| me.is_none())
}

/// The first, call-free try of a lock-free buffer's push and pop: what a lock-free poll does
/// inline (its every other case is out of line).
trait Uncontended<T> {
    /// A push that takes its value from `take` once it won a slot: `false` (`take` not
    /// called) when it is not the common case, for [`Chan::push_lock_free`] to decide.
    fn push_uncontended_with(&self, take: impl FnOnce() -> T) -> bool;

    /// A pop: [`Pop::Other`] (nothing taken) when it is not the common case, for
    /// [`Chan::pop_lock_free`] to decide.
    fn pop_uncontended(&self) -> Pop<'_, T>;
}

impl<T> Uncontended<T> for Ring<T> {
    #[inline(always)]
    fn push_uncontended_with(&self, take: impl FnOnce() -> T) -> bool {
        Ring::push_uncontended_with(self, take)
    }

    #[inline(always)]
    fn pop_uncontended(&self) -> Pop<'_, T> {
        match Ring::pop_uncontended(self) {
            Some(Some(value)) => Pop::Value(value),
            Some(None) => Pop::Empty,
            None => Pop::Other,
        }
    }
}

impl<T> Uncontended<T> for BlockList<T> {
    #[inline(always)]
    fn push_uncontended_with(&self, take: impl FnOnce() -> T) -> bool {
        BlockList::push_uncontended_with(self, take)
    }

    #[inline(always)]
    fn pop_uncontended(&self) -> Pop<'_, T> {
        BlockList::pop_uncontended(self)
    }
}

// The lock-free polls are inlined into the futures' polls. Their common way out is the only one
// that finishes there; every other (a lost race, a parked peer, a spent budget, a miss) ends in
// a call in tail position, to the out-of-line rest of the poll, so that the common one saves no
// registers for calls it does not make (measured: a cold call in the middle made the compiler
// save all six callee-saved registers on every message). The send's rest is its future's one
// call ([`Miss`]: the send's part calls nothing); the receive's is its caller's `slow`
// continuation or a function here.
impl<T> Chan<T> {
    /// A send poll (of a plain send: not a `select!` branch, not parked) that completes
    /// lock-free (`Ok`), or why the rest of the poll must finish it (`op` keeps its value).
    #[inline(always)]
    pub(super) fn poll_send_lock_free(&self, op: &mut SendOp<T>) -> Result<(), Miss> {
        // Go's rules only (no unit to take: see `Chan::cheap_budget`); `mpsc` sends do not come
        // here.
        if !self.cheap_budget {
            return Err(Miss::Skipped);
        }
        // The flavor, looked at once: each has its own copy of the rest.
        match &self.flavor {
            Flavor::Zero => Err(Miss::Skipped),
            Flavor::Array(ring) => self.send_lock_free_to(ring, op),
            Flavor::List(list) => self.send_lock_free_to(list, op),
        }
    }

    /// [`poll_send_lock_free`](Self::poll_send_lock_free) through the flavor's `buffer`.
    #[inline(always)]
    fn send_lock_free_to(
        &self,
        buffer: &impl Uncontended<T>,
        op: &mut SendOp<T>,
    ) -> Result<(), Miss> {
        // The value stays in `op` until a slot is won: it moves once, straight into the slot.
        if !matches!(op, SendOp::Idle(_)) || !outside_select() {
            return Err(Miss::Skipped);
        }
        if self.lock_free_send_barred() {
            // Before the budget's look: a send that must go to the lock (a receiver to hand
            // to, every ping-pong hop) spends nothing here.
            return Err(Miss::Missed);
        }
        match coop::lock_free_turn(true) {
            // Not barred (checked above) and outside a `select!`: straight to the push.
            Turn::Go => {
                if !buffer.push_uncontended_with(|| take_idle(op)) {
                    return Err(Miss::Contended);
                }
                if self.recv_parked.load(Ordering::SeqCst) != 0 {
                    return Err(Miss::ReceiverParked);
                }
                // Stayed lock-free: the tick `lock_free_turn` took is the whole charge.
                Ok(())
            }
            Turn::FullPoll => Err(Miss::Skipped),
            Turn::Yield => Err(Miss::Yield),
        }
    }

    /// The rest of [`poll_send_lock_free`](Self::poll_send_lock_free) after
    /// [`Miss::Contended`]: the whole push ([`Chan::push_lock_free`]), then as there. `false`
    /// (`op` keeps its value): no room, or closed.
    pub(super) fn send_contended(&self, op: &mut SendOp<T>) -> bool {
        let SendOp::Idle(value) = std::mem::replace(op, SendOp::Done) else {
            unreachable!("a contended send still has its value");
        };
        match self.push_and_settle(value) {
            Ok(lock_free) => {
                coop::charge(lock_free, true);
                true
            }
            Err(value) => {
                *op = SendOp::Idle(value);
                false
            }
        }
    }

    /// The rest of [`poll_send_lock_free`](Self::poll_send_lock_free) after
    /// [`Miss::ReceiverParked`]: hand the buffer to the receiver, and charge the send as one
    /// that did not stay lock-free.
    pub(super) fn send_to_parked_receiver(&self) {
        self.flush_after_push();
        coop::charge(false, true);
    }

    /// A receive poll (of a plain receive: not a `select!` branch, not parked) that completes
    /// lock-free, or yields (see [`coop::lock_free_turn`]); else `slow` finishes the poll.
    #[inline(always)]
    pub(super) fn poll_recv_lock_free(
        &self,
        op: &mut RecvOp,
        cx: &mut Context<'_>,
        slow: impl FnOnce(&mut RecvOp, &mut Context<'_>, Miss) -> Poll<Option<T>>,
    ) -> Poll<Option<T>> {
        // The flavor, looked at once: each has its own copy of the rest.
        match &self.flavor {
            Flavor::Zero => slow(op, cx, Miss::Skipped),
            Flavor::Array(ring) => self.recv_lock_free_from(ring, op, cx, slow),
            Flavor::List(list) => self.recv_lock_free_from(list, op, cx, slow),
        }
    }

    /// [`poll_recv_lock_free`](Self::poll_recv_lock_free) from the flavor's `buffer`.
    #[inline(always)]
    fn recv_lock_free_from(
        &self,
        buffer: &impl Uncontended<T>,
        op: &mut RecvOp,
        cx: &mut Context<'_>,
        slow: impl FnOnce(&mut RecvOp, &mut Context<'_>, Miss) -> Poll<Option<T>>,
    ) -> Poll<Option<T>> {
        if !matches!(op, RecvOp::Idle) || !outside_select() {
            return slow(op, cx, Miss::Skipped);
        }
        match coop::lock_free_turn(self.cheap_budget) {
            Turn::Go => {}
            Turn::FullPoll => return slow(op, cx, Miss::Skipped),
            Turn::Yield => return coop::thread_budget_spent(cx),
        }
        // As `fast_recv` (outside a `select!`: nothing to claim).
        if self.front_len.load(Ordering::Acquire) != 0 {
            return slow(op, cx, Miss::Missed);
        }
        let value = match buffer.pop_uncontended() {
            Pop::Value(value) => value,
            Pop::Empty => return slow(op, cx, Miss::Missed),
            Pop::Unwritten(slot) => return self.recv_unwritten(slot),
            Pop::Other => return slow(op, cx, Miss::Contended),
        };
        if self.units.is_some() {
            return self.recv_popped(value);
        }
        self.finish_recv(value)
    }

    /// The rest of [`poll_recv_lock_free`](Self::poll_recv_lock_free) after
    /// [`Miss::Contended`]: the whole lock-free receive ([`Self::fast_recv`]), then as there.
    /// `None`: nothing buffered after all.
    pub(super) fn recv_contended(&self) -> Option<T> {
        let (value, lock_free) = self.fast_recv(None)?.ok()?;
        coop::charge(lock_free, self.cheap_budget);
        Some(value)
    }

    /// The rest of [`poll_recv_lock_free`](Self::poll_recv_lock_free) once its pop won a slot
    /// whose push is still writing it.
    #[cold]
    #[inline(never)]
    fn recv_unwritten(&self, slot: ClaimedSlot<'_, T>) -> Poll<Option<T>> {
        self.recv_popped(slot.read())
    }

    /// The rest of [`poll_recv_lock_free`](Self::poll_recv_lock_free) once it popped `value`,
    /// every case: the unit of `mpsc` rules given back (out of line, so that a `chan` receive,
    /// which has no unit, saves no registers for the call that may make), then settled and
    /// charged.
    #[inline(never)]
    fn recv_popped(&self, value: T) -> Poll<Option<T>> {
        if let Some(units) = &self.units {
            // Its slot is read: the unit goes back.
            units.give_back_popped();
        }
        self.finish_recv(value)
    }

    /// The end of a lock-free receive that popped `value` (its unit, if any, given back):
    /// settled under the lock if a parked peer needs it, else charged as lock-free.
    #[inline(always)]
    fn finish_recv(&self, value: T) -> Poll<Option<T>> {
        if !self.recv_settled() {
            return self.settle_after_recv(value);
        }
        coop::charge(true, self.cheap_budget);
        Poll::Ready(Some(value))
    }

    /// A receive polled in a `select!`'s first look, on a channel that looks empty (see
    /// [`looks_empty_to_receive`](Self::looks_empty_to_receive)): defers its park at once,
    /// before any claim, budget or pop ([`select::defer_park_if`]). A `select!` that parks
    /// looks at every branch twice, so this look is kept to a few loads.
    #[inline(never)]
    pub(super) fn defers_in_first_look(&self) -> bool {
        select::with_current(|me| select::defer_park_if(me, || self.looks_empty_to_receive()))
    }

    /// True when a receive would find nothing, at a glance: a buffered flavor with an empty
    /// buffer, nothing in front, no sender parked, not closed. A stale glance costs nothing:
    /// the park, if the `select!` comes to it, looks under the lock.
    #[inline]
    pub(super) fn looks_empty_to_receive(&self) -> bool {
        let empty = match &self.flavor {
            Flavor::Zero => false,
            Flavor::Array(ring) => ring.is_empty(),
            Flavor::List(list) => list.is_empty(),
        };
        empty && self.looks_idle_to_receive()
    }

    /// After a lock-free receive found nothing: true when the lock would find nothing either,
    /// at a glance (a buffered flavor, nothing in front, no sender parked, not closed), so a
    /// `select!`'s first look may defer this receive's park ([`select::defer_park_if`]). A stale
    /// glance costs nothing: the park, if the `select!` comes to it, looks under the lock.
    #[inline]
    pub(super) fn looks_idle_to_receive(&self) -> bool {
        self.has_lock_free_buffer()
            && self.front_len.load(Ordering::Acquire) == 0
            && self.send_parked.load(Ordering::Acquire) == 0
            && !self.closed.load(Ordering::Acquire)
    }

    /// After a lock-free send found no room (or senders queued ahead): true when the lock
    /// would find the same, at a glance (a buffered flavor, no receiver parked, not closed); see
    /// [`looks_idle_to_receive`](Self::looks_idle_to_receive).
    #[inline]
    pub(super) fn looks_idle_to_send(&self) -> bool {
        self.has_lock_free_buffer()
            && self.recv_parked.load(Ordering::Acquire) == 0
            && !self.closed.load(Ordering::Acquire)
    }

    /// A lock-free pop freed room with a sender parked, or took the last value of a closed
    /// channel with receivers parked: settle that under the lock, and charge the receive as one
    /// that did not stay lock-free.
    #[cold]
    #[inline(never)]
    fn settle_after_recv(&self, value: T) -> Poll<Option<T>> {
        self.settle_after_pop();
        coop::charge(false, self.cheap_budget);
        Poll::Ready(Some(value))
    }

    /// After a lock-free pop (its unit given back): true when nobody needs the lock's help — no
    /// sender parked to move into the room it freed, no receiver parked to tell about a close.
    #[inline(always)]
    fn recv_settled(&self) -> bool {
        self.send_parked.load(Ordering::SeqCst) == 0
            && !(self.closed.load(Ordering::SeqCst) && self.recv_parked.load(Ordering::SeqCst) != 0)
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
        // Both counts read, and one test: they are nearly always both zero.
        self.closed.load(Ordering::Acquire)
            || (self.send_parked.load(Ordering::Acquire) | self.recv_parked.load(Ordering::Acquire))
                != 0
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
        if !self.recv_settled() {
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
