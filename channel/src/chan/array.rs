//! The bounded flavor (`1 <= cap`): the lock-free [`Ring`], and the sends and receives that
//! complete without the channel lock.
//!
//! Go's `chan` counts its capacity in the ring's own slots: a send with room pushes, a receive
//! pops, and producers and consumers share no counter (crossbeam's array flavor). Channels with
//! tokio's `mpsc` rules also hand out *permits* (`reserve`), room held before any value exists,
//! so they keep capacity units ([`Units`]): a value in the ring, a send between taking a unit and
//! pushing, and a permit each hold one. A pop returns its unit only once the slot is read, so a
//! unit holder always finds a slot (tokio's semaphore-plus-queue layout).
//!
//! Units nobody holds sit in two pools, so that senders and the receiver do not write one shared
//! counter on every message (in a 4→1 profile the receiver's add to that counter, a cache miss
//! on a line every send had just written, was the hottest instruction of the receive): senders
//! take from `free`; a pop gives its unit to `returned`, which the receiver's core keeps in its
//! cache, and moves the pool to `free` a batch at a time. A sender that finds `free` empty takes
//! from `returned` directly, so the room a receive freed is there for the next send at once, as
//! tokio's rules say. (`mpsc` 4→1 on tokio's runtime, `benches/channel.rs`: 70 → 22 ms per
//! 10^6 messages.)
//!
//! Closing marks the ring's `tail` (Go's rules; see [`Ring`]'s "Closing") or both unit pools
//! (`mpsc` rules: [`CLOSED`]), so a lock-free send that checked the `closed` flag just before a
//! close fails instead of landing its value behind a receive's `None`. Under `mpsc` rules the
//! ring itself stays open: a permit taken before the close still sends (tokio's rule), and a
//! receive sees the channel drained only once every unit is back.
//!
//! While nobody is parked, a send with room and a receive with a buffered value take no lock
//! ([`super::fast`]). A receive that frees room while a sender is parked moves that sender's
//! value into it ([`Chan::refill`]): Go's receive from a full buffer.

use super::core::{Chan, Flavor, State};
use super::list::BlockList;
use super::ring::Ring;
use super::shim::{seqcst_rmw_done, AtomicUsize, CachePadded, Ordering};
use super::waiter::{pop_claimed, take_sender_value, SendStatus, Wakeups};

#[cfg(loom)]
use loom::thread::yield_now;
#[cfg(not(loom))]
use std::thread::yield_now;

/// Set in both unit pools by [`Units::close`]: the top bit, so a pool reads as a negative
/// `isize` once closed and [`take_one`] refuses it with the same compare as an empty pool.
const CLOSED: usize = 1 << (usize::BITS - 1);

/// Capacity units nobody holds (`mpsc` rules), in two pools (see the module docs). Both are
/// on cache lines of their own, away from each other and from the ring's read-only fields.
struct Units {
    /// Where senders take units: written by every send.
    free: CachePadded<AtomicUsize>,
    /// Where pops give units back: written by every receive, by a send only when `free` is
    /// empty.
    returned: CachePadded<AtomicUsize>,
    /// `returned` moves to `free` once it holds this many.
    batch: usize,
}

impl Units {
    /// The units of a ring of `cap` slots, all free.
    fn new(cap: usize) -> Self {
        Units {
            free: CachePadded(AtomicUsize::new(cap)),
            returned: CachePadded(AtomicUsize::new(0)),
            // A quarter of the ring: `free` rarely runs dry while a batch builds up (a send
            // then takes from `returned`, a write to the receiver's line). At most 64, so a
            // large ring's units do not wait long in `returned`.
            batch: (cap / 4).clamp(1, 64),
        }
    }

    /// Takes a unit: from `free`, else from `returned`.
    #[inline]
    fn take(&self) -> bool {
        // SeqCst first load: a parked sender's look for room reads it right after publishing its
        // park (see `Chan::publish_park`).
        take_one(&self.free) || self.take_returned()
    }

    /// `free` is empty: takes one of the units pops gave back and no batch moved yet. One at a
    /// time, with a compare-and-swap, so the unit never sits outside both pools (a snapshot of
    /// the two pools never misses it).
    #[cold]
    #[inline(never)]
    fn take_returned(&self) -> bool {
        // SeqCst first load: as `free`'s (a pop adds here, then reads the parked senders'
        // count).
        take_one(&self.returned)
    }

    /// Gives back the unit of a value popped from the ring (its slot already free): into
    /// `returned`, moving a full batch to `free`.
    #[inline]
    fn give_back_popped(&self) {
        if self.batch == 1 {
            return self.give_back();
        }
        // SeqCst: the pop reads the parked senders' count right after, and a sender that parks
        // then looks here (`take_returned`): one of the two sees the other, with no fence.
        let returned = self.returned.fetch_add(1, Ordering::SeqCst) + 1;
        seqcst_rmw_done();
        if returned & !CLOSED >= self.batch {
            self.move_batch();
        }
    }

    /// Moves what `returned` holds to `free`. Between the two steps the units are in neither
    /// pool: a send that looks then may find no room and park, but the pop that moves them
    /// reads the parked senders' count after the move (SeqCst, as in `give_back_popped`) and
    /// grants it the room.
    #[inline(never)]
    fn move_batch(&self) {
        // Keeps the close mark: takes the count only.
        let batch = self.returned.fetch_and(CLOSED, Ordering::SeqCst) & !CLOSED;
        self.free.fetch_add(batch, Ordering::SeqCst);
        seqcst_rmw_done();
    }

    /// Gives a unit back to `free` (a permit released, a granted send handed straight to a
    /// receiver, a unit taken but not used).
    fn give_back(&self) {
        // SeqCst: a receive reads the parked senders' count right after, and a sender that
        // parks takes a unit (see `fast_recv`).
        self.free.fetch_add(1, Ordering::SeqCst);
        seqcst_rmw_done();
    }

    /// Units nobody holds (a snapshot). `free` is read first. Read under the lock while the
    /// receive is not popping, units only leave the pools between the two reads (sends take
    /// them), so the sum never exceeds what was free at the first read; a batch the receive
    /// moves meanwhile could only be missed, never counted twice. [`Array::all_free`] relies on
    /// it: a unit a send holds is never reported free.
    fn available(&self) -> usize {
        let free = self.free.load(Ordering::SeqCst) & !CLOSED;
        free + (self.returned.load(Ordering::SeqCst) & !CLOSED)
    }

    /// Marks both pools closed: no unit can be taken from now on (units already held — a
    /// permit, a send between its take and its push — are still used and given back).
    fn close(&self) {
        // SeqCst: in the total order with the takes' compare-and-swaps, so each take either
        // happened before the mark (its unit is out: the channel is not drained until it comes
        // back) or fails.
        self.free.fetch_or(CLOSED, Ordering::SeqCst);
        self.returned.fetch_or(CLOSED, Ordering::SeqCst);
    }
}

/// Takes one unit from `pool` unless it is empty or closed. The first load is `SeqCst`: a parked
/// sender's re-check relies on it (see [`Units::take`]).
#[inline(always)]
fn take_one(pool: &AtomicUsize) -> bool {
    let mut left = pool.load(Ordering::SeqCst);
    loop {
        // Empty (0) or closed (the top bit: negative): one compare for both.
        if left as isize <= 0 {
            return false;
        }
        match pool.compare_exchange_weak(left, left - 1, Ordering::AcqRel, Ordering::Acquire) {
            Ok(_) => return true,
            Err(now) => left = now,
        }
    }
}

/// Under `mpsc` rules, a buffer whose ring would take more than this many bytes keeps its values
/// in a [`BlockList`] instead (see [`Slots::List`]).
const RING_BYTES_MAX: usize = 64 * 1024;

/// True when an `mpsc` buffer of `cap` values keeps a ring (else a block list). Under loom, rings
/// of up to 8 slots, so that models reach the block list with a few values.
fn mpsc_keeps_a_ring(cap: usize, slot_bytes: usize) -> bool {
    if cfg!(loom) {
        cap <= 8
    } else {
        cap.saturating_mul(slot_bytes) <= RING_BYTES_MAX
    }
}

/// Where a bounded channel's values live.
enum Slots<T> {
    /// A ring of `cap` slots, allocated up front, as Go's `make(chan T, n)` does.
    Ring(Ring<T>),
    /// A large `mpsc` buffer: the block list, allocated a block at a time as values arrive and
    /// given back as they drain (tokio's `mpsc` allocates its buffer in blocks too), so
    /// `mpsc::channel(1 << 20)` costs nothing until it fills. The capacity units bound it.
    List(BlockList<T>),
}

/// The buffer of a bounded channel: a lock-free ring (or, for a large `mpsc` buffer, a block
/// list), plus capacity units under `mpsc` rules.
pub(super) struct Array<T> {
    slots: Slots<T>,
    /// `mpsc` rules only.
    units: Option<Units>,
    cap: usize,
}

impl<T> Array<T> {
    /// A buffer of `cap` values; `units` for `mpsc` rules (permits).
    pub(super) fn new(cap: usize, units: bool) -> Self {
        let slots = if units && !mpsc_keeps_a_ring(cap, Ring::<T>::SLOT_BYTES) {
            Slots::List(BlockList::new())
        } else {
            Slots::Ring(Ring::new(cap))
        };
        Array {
            slots,
            units: units.then(|| Units::new(cap)),
            cap,
        }
    }

    fn units(&self) -> &Units {
        self.units
            .as_ref()
            .expect("capacity units exist only under tokio's mpsc rules")
    }

    /// Takes a capacity unit: room for one value or a permit (`mpsc` rules only).
    pub(super) fn take_unit(&self) -> bool {
        self.units().take()
    }

    /// Gives a unit back (`mpsc` rules; without units there is nothing to give back).
    pub(super) fn return_unit(&self) {
        if let Some(units) = &self.units {
            units.give_back();
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
            None => self.ring().try_push(value),
        }
    }

    /// Pushes `value` with the unit taken for it. A unit holder always finds a slot once the
    /// consumer of the previous lap finishes reading it; a ring that still looks full (a stale
    /// view of that consumer) is retried after yielding the thread. A push under the channel
    /// lock (`refill`, a granted send) yields holding it — only while such a consumer is
    /// preempted in the middle of its read.
    pub(super) fn push(&self, mut value: T) {
        match &self.slots {
            Slots::Ring(ring) => {
                while let Err(back) = ring.try_push(value) {
                    value = back;
                    yield_now();
                }
            }
            Slots::List(list) => {
                // Under `mpsc` rules the close marks the unit pools, never the list.
                if list.push(value).is_err() {
                    unreachable!("an mpsc buffer's block list is never closed");
                }
            }
        }
    }

    /// The oldest value, returning its unit.
    #[inline]
    pub(super) fn pop(&self) -> Option<T> {
        let value = match &self.slots {
            Slots::Ring(ring) => ring.pop(),
            Slots::List(list) => list.pop(),
        }?;
        if let Some(units) = &self.units {
            units.give_back_popped();
        }
        Some(value)
    }

    /// True when no value is in the ring or on its way into it (a snapshot).
    pub(super) fn is_empty(&self) -> bool {
        match &self.slots {
            Slots::Ring(ring) => ring.is_empty(),
            Slots::List(list) => list.is_empty(),
        }
    }

    /// Values in the ring (a snapshot).
    pub(super) fn len(&self) -> usize {
        match &self.slots {
            Slots::Ring(ring) => ring.len(),
            Slots::List(list) => list.len(),
        }
    }

    /// The ring, under Go's rules (only `mpsc` buffers may keep a block list).
    fn ring(&self) -> &Ring<T> {
        match &self.slots {
            Slots::Ring(ring) => ring,
            Slots::List(_) => unreachable!("a block list buffers only under mpsc rules"),
        }
    }

    /// Refuses every send from now on: the unit pools under `mpsc` rules (permits already taken
    /// still push), else the ring. Called under the channel lock, by the close.
    pub(super) fn close(&self) {
        match &self.units {
            Some(units) => units.close(),
            None => self.ring().close(),
        }
    }

    /// Room left: units nobody holds, or free slots.
    pub(super) fn free(&self) -> usize {
        match &self.units {
            Some(units) => units.available(),
            None => self.cap - self.len(),
        }
    }

    /// Nothing buffered and nothing on its way (no push in flight, no permit).
    pub(super) fn all_free(&self) -> bool {
        match &self.units {
            Some(units) => units.available() == self.cap,
            None => self.ring().is_empty(),
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
