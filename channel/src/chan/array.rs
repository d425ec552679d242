//! The bounded flavor (`1 <= cap`): the lock-free [`Ring`](super::ring::Ring), and a receive
//! that frees room while senders are parked.
//!
//! Go's `chan` counts its capacity in the ring's own slots: a send with room pushes, a receive
//! pops, and producers and consumers share no counter (crossbeam's array flavor). Channels with
//! tokio's `mpsc` rules count it in capacity units ([`super::units`]); their buffer is a ring
//! when small, and the block list when a ring would be large ([`mpsc_keeps_a_ring`]): the block
//! list allocates as values arrive and gives memory back as they drain (tokio's `mpsc` allocates
//! its buffer in blocks too), so `mpsc::channel(1 << 20)` costs nothing until it fills.
//!
//! While nobody is parked, a send with room and a receive with a buffered value take no lock
//! ([`super::fast`]). A receive that frees room while a sender is parked moves that sender's
//! value into it ([`Chan::refill`]): Go's receive from a full buffer; under `mpsc` rules it
//! grants the sender a unit instead.

use super::core::{Chan, Flavor, State};
use super::waiter::{pop_claimed, take_plain_sender, take_sender_value, SendStatus, Wakeups};

/// Under `mpsc` rules, a buffer whose ring would take more than this many bytes keeps its values
/// in the block list instead (see the module docs). Under Miri, 1 KiB: its tests then reach the
/// block list with a hundred values instead of thousands (each costs milliseconds there).
#[cfg(not(miri))]
const RING_BYTES_MAX: usize = 64 * 1024;
#[cfg(miri)]
const RING_BYTES_MAX: usize = 1024;

/// True when an `mpsc` buffer of `cap` values keeps a ring (else a block list). Under loom, rings
/// of up to 8 slots, so that models reach the block list with a few values.
pub(super) fn mpsc_keeps_a_ring(cap: usize, slot_bytes: usize) -> bool {
    if cfg!(loom) {
        cap <= 8
    } else {
        cap.saturating_mul(slot_bytes) <= RING_BYTES_MAX
    }
}

impl<T> Chan<T> {
    /// Fills free room from parked senders, in FIFO order, skipping any whose `select!` already
    /// committed elsewhere: a sender's value moves to a parked receiver or into the ring (its
    /// send is then complete; Go's rule), while a permit request — or an `mpsc` send — is
    /// granted a unit.
    #[inline]
    pub(super) fn refill(&self, st: &mut State<T>, wk: &mut Wakeups) {
        // Nobody to move in: most calls (every flush ends here).
        if !(st.sendq.is_empty() && st.back.is_empty()) {
            self.refill_from_waiting(st, wk);
        }
    }

    #[inline(never)]
    fn refill_from_waiting(&self, st: &mut State<T>, wk: &mut Wakeups) {
        if self.units.is_some() {
            self.grant_units(st, wk);
            return;
        }
        let Flavor::Array(ring) = &self.flavor else {
            return;
        };
        // Values waiting in `back` are older than any parked sender's: they go in first.
        while let Some(value) = st.back.pop_front() {
            if let Err(value) = ring.push_or_full(value) {
                st.back.push_front(value);
                return;
            }
        }
        while !st.sendq.is_empty() && ring.len() < self.cap {
            let value = match take_plain_sender(&mut st.sendq) {
                Some((value, waker)) => {
                    wk.push(waker);
                    value
                }
                None => {
                    let Some(id) = pop_claimed(&mut st.sendq, wk) else {
                        return;
                    };
                    // Go's rules: no permits, so every parked sender has its value.
                    take_sender_value(&mut st.sendq, id)
                }
            };
            if st.recvq.is_empty() {
                // Nearly always (receivers do not park while values are buffered): straight
                // into the ring.
                self.push_newest(st, value);
                if !st.back.is_empty() {
                    return;
                }
                continue;
            }
            match self.offer_to_receiver(st, value, wk) {
                Ok(None) => {}
                // A lock-free send that had not seen the parked sender may have taken the room
                // first: then the value waits in `back`, last in line, and no further sender
                // is pulled in (the buffer holds one extra value until it drains).
                Ok(Some(value)) | Err(value) => {
                    self.push_newest(st, value);
                    if !st.back.is_empty() {
                        // It went to `back`: the ring has no room for it after all.
                        return;
                    }
                }
            }
        }
    }

    /// `mpsc` rules: grants free units to parked permit requests and sends (they move their own
    /// values when they run).
    fn grant_units(&self, st: &mut State<T>, wk: &mut Wakeups) {
        while !st.sendq.is_empty() && self.take_unit() {
            let Some(id) = pop_claimed(&mut st.sendq, wk) else {
                self.return_unit();
                return;
            };
            st.sendq.get_mut(id).status = SendStatus::Granted;
        }
    }
}
