//! Capacity units: the room of a bounded channel with tokio's `mpsc` rules.
//!
//! Go's `chan` counts its capacity in the ring's own slots (see [`super::ring`]). Channels with
//! tokio's `mpsc` rules also hand out *permits* (`reserve`), room held before any value exists,
//! so they keep capacity units: a value in the buffer, a send between taking a unit and pushing,
//! and a permit each hold one. A pop returns its unit only once the slot is read, so a unit
//! holder always finds a slot (tokio's semaphore-plus-queue layout). The units, not the buffer,
//! bound the channel: a large `mpsc` buffer keeps its values in the growing block list
//! ([`super::array`]).
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
//! Closing marks both pools ([`CLOSED`]): a lock-free send that checked the channel's `closed`
//! flag just before a close then fails to take a unit, instead of landing its value behind a
//! receive's `None`. The buffer itself stays open: a permit taken before the close still sends
//! (tokio's rule), and a receive sees the channel drained only once every unit is back.

use super::shim::{seqcst_rmw_done, AtomicUsize, CachePadded, Gap, Ordering};

/// Set in both unit pools by [`Units::close`]: the top bit, so a pool reads as a negative
/// `isize` once closed and [`take_one`] refuses it with the same compare as an empty pool.
const CLOSED: usize = 1 << (usize::BITS - 1);

/// Capacity units nobody holds (`mpsc` rules), in two pools (see the module docs). Both are
/// on cache lines of their own, away from each other and from the buffer (`repr(C)`: see
/// [`CachePadded`]).
#[repr(C)]
pub(super) struct Units {
    /// `returned` moves to `free` once it holds this many.
    batch: usize,
    gap: Gap,
    /// Where senders take units: written by every send.
    free: CachePadded<AtomicUsize>,
    /// Where pops give units back: written by every receive, by a send only when `free` is
    /// empty.
    returned: CachePadded<AtomicUsize>,
}

impl Units {
    /// The units of a buffer of `cap` values, all free.
    pub(super) fn new(cap: usize) -> Self {
        Units {
            gap: Gap::NEW,
            free: CachePadded::new(AtomicUsize::new(cap)),
            returned: CachePadded::new(AtomicUsize::new(0)),
            // A quarter of the buffer: `free` rarely runs dry while a batch builds up (a send
            // then takes from `returned`, a write to the receiver's line). At most 64, so a
            // large buffer's units do not wait long in `returned`.
            batch: (cap / 4).clamp(1, 64),
        }
    }

    /// Takes a unit: from `free`, else from `returned`.
    #[inline]
    pub(super) fn take(&self) -> bool {
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

    /// Gives back the unit of a value popped from the buffer (its slot already free): into
    /// `returned`, moving a full batch to `free`.
    #[inline]
    pub(super) fn give_back_popped(&self) {
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
    pub(super) fn give_back(&self) {
        // SeqCst: a receive reads the parked senders' count right after, and a sender that
        // parks takes a unit (see `fast_recv`).
        self.free.fetch_add(1, Ordering::SeqCst);
        seqcst_rmw_done();
    }

    /// Units nobody holds (a snapshot). `free` is read first. Read under the lock while the
    /// receive is not popping, units only leave the pools between the two reads (sends take
    /// them), so the sum never exceeds what was free at the first read; a batch the receive
    /// moves meanwhile could only be missed, never counted twice. `Chan::drained` relies on
    /// it: a unit a send holds is never reported free.
    pub(super) fn available(&self) -> usize {
        let free = self.free.load(Ordering::SeqCst) & !CLOSED;
        free + (self.returned.load(Ordering::SeqCst) & !CLOSED)
    }

    /// Marks both pools closed: no unit can be taken from now on (units already held — a
    /// permit, a send between its take and its push — are still used and given back).
    pub(super) fn close(&self) {
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
