//! The bounded flavor (`1 <= cap`): the lock-free [`Ring`], and the sends and receives that
//! complete without the channel lock.
//!
//! Go's `chan` counts its capacity in the ring's own slots: a send with room pushes, a receive
//! pops, and producers and consumers share no counter (crossbeam's array flavor). Channels with
//! tokio's `mpsc` rules also hand out *permits* (`reserve`), room held before any value exists,
//! so they keep capacity units: `units` counts the ones nobody holds — a value in the ring, a
//! send between taking a unit and pushing, and a permit each hold one. A pop returns its unit
//! only once the slot is read, so a unit holder always finds a slot (tokio's
//! semaphore-plus-queue layout).
//!
//! While nobody is parked, a send with room and a receive with a buffered value take no lock
//! ([`super::fast`]). A receive that frees room while a sender is parked moves that sender's
//! value into it ([`Chan::refill`]): Go's receive from a full buffer.

use super::core::{Chan, Flavor, State};
use super::ring::Ring;
use super::shim::{seqcst_rmw_done, AtomicUsize, CachePadded, Ordering};
use super::waiter::{pop_claimed, take_sender_value, SendStatus, Wakeups};

#[cfg(loom)]
use loom::thread::yield_now;
#[cfg(not(loom))]
use std::thread::yield_now;

/// The buffer of a bounded channel: a lock-free ring, plus capacity units under `mpsc` rules.
pub(super) struct Array<T> {
    ring: Ring<T>,
    /// Units nobody holds (`mpsc` rules only). Written by every send and receive: on a cache
    /// line of its own, away from the ring's read-only fields (its slot pointer, `cap`).
    units: Option<CachePadded<AtomicUsize>>,
    cap: usize,
}

impl<T> Array<T> {
    /// A ring of `cap` slots; `units` for `mpsc` rules (permits).
    pub(super) fn new(cap: usize, units: bool) -> Self {
        Array {
            ring: Ring::new(cap),
            units: units.then(|| CachePadded(AtomicUsize::new(cap))),
            cap,
        }
    }

    fn units(&self) -> &AtomicUsize {
        self.units
            .as_deref()
            .expect("capacity units exist only under tokio's mpsc rules")
    }

    /// Takes a capacity unit: room for one value or a permit (`mpsc` rules only).
    pub(super) fn take_unit(&self) -> bool {
        let units = self.units();
        // SeqCst: a parked sender's look for room reads it right after publishing its park
        // (see `Chan::publish_park`).
        let mut free = units.load(Ordering::SeqCst);
        loop {
            if free == 0 {
                return false;
            }
            match units.compare_exchange_weak(free, free - 1, Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => return true,
                Err(now) => free = now,
            }
        }
    }

    /// Gives a unit back (`mpsc` rules; without units there is nothing to give back).
    pub(super) fn return_unit(&self) {
        if let Some(units) = &self.units {
            // SeqCst: a receive reads the parked senders' count right after, and a sender
            // that parks takes a unit (see `fast_recv`).
            units.fetch_add(1, Ordering::SeqCst);
            seqcst_rmw_done();
        }
    }

    /// Buffers `value` if there is room: a unit (then the push cannot fail), or a free slot.
    pub(super) fn try_push(&self, value: T) -> Result<(), T> {
        match &self.units {
            Some(_) if !self.take_unit() => Err(value),
            Some(_) => {
                self.push(value);
                Ok(())
            }
            None => self.ring.try_push(value),
        }
    }

    /// Pushes `value` with the unit taken for it. A unit holder always finds a slot once the
    /// consumer of the previous lap finishes reading it; a ring that still looks full (a stale
    /// view of that consumer) is retried after yielding the thread. A push under the channel
    /// lock (`refill`, a granted send) yields holding it — only while such a consumer is
    /// preempted in the middle of its read.
    pub(super) fn push(&self, mut value: T) {
        while let Err(back) = self.ring.try_push(value) {
            value = back;
            yield_now();
        }
    }

    /// The oldest value, returning its unit.
    pub(super) fn pop(&self) -> Option<T> {
        let value = self.ring.pop()?;
        self.return_unit();
        Some(value)
    }

    /// True when no value is in the ring or on its way into it (a snapshot).
    pub(super) fn is_empty(&self) -> bool {
        self.ring.is_empty()
    }

    /// Values in the ring (a snapshot).
    pub(super) fn len(&self) -> usize {
        self.ring.len()
    }

    /// Room left: units nobody holds, or free slots.
    pub(super) fn free(&self) -> usize {
        match &self.units {
            Some(units) => units.load(Ordering::Acquire),
            None => self.cap - self.len(),
        }
    }

    /// Nothing buffered and nothing on its way (no push in flight, no permit).
    pub(super) fn all_free(&self) -> bool {
        match &self.units {
            Some(units) => units.load(Ordering::Acquire) == self.cap,
            None => self.ring.is_empty(),
        }
    }
}

impl<T> Chan<T> {
    fn array(&self) -> Option<&Array<T>> {
        match &self.flavor {
            Flavor::Array(a) => Some(a),
            Flavor::Zero | Flavor::List(_) => None,
        }
    }

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
        let Some(a) = self.array() else {
            return;
        };
        if a.units.is_some() {
            self.grant_units(a, st, wk);
            return;
        }
        // Values waiting in `back` are older than any parked sender's: they go in first.
        while let Some(value) = st.back.pop_front() {
            if let Err(value) = a.try_push(value) {
                st.back.push_front(value);
                return;
            }
        }
        while !st.sendq.is_empty() && a.free() > 0 {
            let Some(id) = pop_claimed(&mut st.sendq, wk) else {
                return;
            };
            // Go's rules: no permits, so every parked sender has its value.
            let value = take_sender_value(&mut st.sendq, id);
            match self.offer_to_receiver(st, value, wk) {
                Ok(None) => {}
                // A lock-free send that had not seen the parked sender may have taken the room
                // first: then the value waits in `back`, last in line, and no further sender
                // is pulled in (the buffer holds one extra value until it drains).
                Ok(Some(value)) | Err(value) => self.push_newest(st, value),
            }
        }
    }

    /// `mpsc` rules: grants free units to parked permit requests and sends (they move their own
    /// values when they run).
    fn grant_units(&self, a: &Array<T>, st: &mut State<T>, wk: &mut Wakeups) {
        while !st.sendq.is_empty() && a.take_unit() {
            let Some(id) = pop_claimed(&mut st.sendq, wk) else {
                a.return_unit();
                return;
            };
            st.sendq.get_mut(id).status = SendStatus::Granted;
        }
    }
}
