//! The bounded flavor (`1 <= cap`): the lock-free [`Ring`] plus its capacity units, and the
//! sends and receives that complete without the channel lock.
//!
//! `free` counts the units nobody holds: a value in the ring, a send between taking a unit and
//! pushing, and an `mpsc` permit each hold one. A pop returns its unit only once the slot is read,
//! so a unit holder always finds a slot (tokio's semaphore-plus-queue layout); `free == cap`
//! means nothing is buffered or on its way.
//!
//! While nobody is parked, a send with a free unit and a receive with a buffered value take no
//! lock ([`super::fast`]). A receive that frees a unit while a sender is parked moves that
//! sender's value into the slot it freed ([`Chan::refill`]): Go's receive from a full buffer.

use super::core::{Chan, Flavor, State};
use super::ring::Ring;
use super::shim::{AtomicUsize, CachePadded, Ordering};
use super::waiter::{pop_claimed, SendStatus, Wakeups};

#[cfg(loom)]
use loom::thread::yield_now;
#[cfg(not(loom))]
use std::thread::yield_now;

/// The buffer of a bounded channel: a lock-free ring plus its capacity units.
pub(super) struct Array<T> {
    ring: Ring<T>,
    /// Written by every send and receive: on a cache line of its own, away from the ring's
    /// read-only fields (its slot pointer, `cap`) that every operation reads.
    free: CachePadded<AtomicUsize>,
    cap: usize,
}

impl<T> Array<T> {
    pub(super) fn new(cap: usize) -> Self {
        Array {
            ring: Ring::new(cap),
            free: CachePadded(AtomicUsize::new(cap)),
            cap,
        }
    }

    /// Takes a capacity unit: room for one value.
    pub(super) fn take_unit(&self) -> bool {
        let mut free = self.free.load(Ordering::Acquire);
        loop {
            if free == 0 {
                return false;
            }
            match self.free.compare_exchange_weak(
                free,
                free - 1,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return true,
                Err(now) => free = now,
            }
        }
    }

    /// Gives a unit back.
    pub(super) fn return_unit(&self) {
        self.free.fetch_add(1, Ordering::AcqRel);
    }

    /// Pushes `value` with the unit taken for it. Waits out a consumer of the previous lap that
    /// is still reading the slot: a bounded spin inside the ring, then the thread yields (that
    /// consumer holds no lock, so it finishes once it runs). A push under the channel lock
    /// (`refill`, a locked send) yields holding it — only while such a consumer is preempted in
    /// the middle of its read.
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

    /// Values in the ring (a snapshot).
    pub(super) fn len(&self) -> usize {
        self.ring.len()
    }

    /// Units nobody holds.
    pub(super) fn free(&self) -> usize {
        self.free.load(Ordering::Acquire)
    }

    /// No unit out: nothing buffered, no push in flight, no permit.
    pub(super) fn all_free(&self) -> bool {
        self.free() == self.cap
    }
}

impl<T> Chan<T> {
    fn array(&self) -> Option<&Array<T>> {
        match &self.flavor {
            Flavor::Array(a) => Some(a),
            Flavor::Zero | Flavor::List(_) => None,
        }
    }

    /// Fills free units from parked senders, in FIFO order, skipping any whose `select!` already
    /// committed elsewhere: a sender's value moves to a parked receiver or into the ring (its
    /// send is then complete; Go's rule), while a permit request — or an `mpsc` send — is
    /// granted the unit.
    pub(super) fn refill(&self, st: &mut State<T>, wk: &mut Wakeups) {
        let Some(a) = self.array() else {
            return;
        };
        while !st.sendq.is_empty() && a.take_unit() {
            let Some(id) = pop_claimed(&mut st.sendq, wk) else {
                a.return_unit();
                return;
            };
            let waiter = st.sendq.get_mut(id);
            if waiter.value.is_none() || !self.pulls_parked_senders {
                // A permit request, or an `mpsc` send: it holds the unit and moves its own
                // value when it runs.
                waiter.status = SendStatus::Granted;
                continue;
            }
            let value = waiter.value.take().expect("checked above");
            waiter.status = SendStatus::Taken;
            match self.offer_to_receiver(st, value, wk) {
                Ok(None) => a.return_unit(),
                Ok(Some(value)) | Err(value) => a.push(value),
            }
        }
    }
}
