//! The lock-free paths of the flavors with a lock-free buffer (the bounded ring, the unbounded
//! block list): a send with room and a receive with a buffered value take no lock while nobody
//! is parked.
//!
//! Parking takes the lock, publishes the parked count, fences, and looks at the buffer again
//! (its `head` and `tail`, waiting for a push or pop that won its position to finish); the
//! lock-free side wins its position with a `SeqCst` compare-and-swap and then reads the parked
//! counts with `SeqCst` loads — so one of the two always sees the other and no wake-up is lost
//! (the Dekker pattern of crossbeam-channel's array flavor and `SyncWaker`). Both `SeqCst`
//! operations sit in the one total order, so the lock-free side needs no fence
//! ([`super::shim::seqcst_rmw_done`]): the fence it had (`mfence`, a store-buffer drain on
//! every message) was the hottest instruction of a 4→1 profile. A lock-free push that sees a
//! receiver parked takes the lock to hand the buffered values over; a lock-free pop that sees a
//! sender parked takes it to move the sender's value into the room it freed.
//!
//! An unbuffered channel has no lock-free buffer: both paths fall back to the lock at once.

use super::core::{Chan, SendFail};
use super::shim::Ordering;
use crate::select::{self, Claim, Current};

impl<T> Chan<T> {
    /// A send without the lock: room, nobody parked. `Err(Full)` falls back to the lock (always,
    /// on an unbuffered channel).
    /// `Ok(true)`: it stayed lock-free (no receiver parked meanwhile had to be handed the value),
    /// so it costs a poll's budget only a tick ([`crate::coop::rebate_lock_free`]).
    pub(super) fn fast_send(
        &self,
        value: T,
        me: Option<&Current<'_>>,
    ) -> Result<bool, SendFail<T>> {
        if !self.has_lock_free_buffer()
            || self.closed.load(Ordering::Acquire)
            || self.send_parked.load(Ordering::Acquire) != 0
            || self.recv_parked.load(Ordering::Acquire) != 0
        {
            return Err(SendFail::Full(value));
        }
        let claim = select::claim(me);
        if claim == Claim::Lost {
            return Err(SendFail::Lost(value));
        }
        if let Err(value) = self.push_lock_free(value) {
            select::release(me, claim);
            return Err(SendFail::Full(value));
        }
        if self.recv_parked.load(Ordering::SeqCst) != 0 {
            self.locked(|st, wk| self.flush_to_receivers(st, wk));
            return Ok(false);
        }
        Ok(true)
    }

    /// A receive without the lock: a buffered value. `None` falls back to the lock (always, on
    /// an unbuffered channel);
    /// `Some(Err(()))`: our `select!` committed another branch. `Some(Ok((value, true)))`: it
    /// stayed lock-free (no parked sender to move in, no receiver to tell about the close).
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
            self.locked(|st, wk| {
                self.refill(st, wk);
                self.wake_receivers_if_done(st, wk);
            });
            return Some(Ok((value, false)));
        }
        Some(Ok((value, true)))
    }
}
