//! A lock-free bounded MPMC ring: the buffer of bounded channels.
//!
//! Dmitry Vyukov's bounded MPMC queue, the layout of crossbeam-channel's array flavor: each slot
//! carries a stamp. A position names a lap and a slot index, `lap * one_lap + index`, where
//! `one_lap` is twice the power of two above `cap` (`mark`): the index is a mask away (no
//! division on every push and pop, which a position counted `mod cap` would cost), and the next
//! lap's position of the same slot is `pos + one_lap`. The bit between the index and the lap,
//! `mark`, is set in `tail` when the channel closes (see "Closing" below). A slot is free for the push at `pos` when its stamp is
//! [`free_at`]`(pos)`, and holds the value for the pop at `pos` when it is [`full_at`]`(pos)`;
//! the pop then sets it to `free_at(pos + one_lap)`, freeing it for the next lap. Producers and
//! consumers race only on their own counter (`tail` or `head`) with one compare-and-swap, and on
//! the slot they won, so a send and a receive never contend on a lock.
//!
//! The ring counts its capacity in its own slots, as crossbeam's array flavor does: a push that
//! finds the tail slot still holding the previous lap's value, with no pop claiming it, reports
//! the ring full — no shared counter that producers and consumers would both write. A push only
//! waits for a consumer that has claimed the slot's old value and is still reading it (a few
//! instructions, unless that consumer was preempted): growing spins, then it yields its thread.
//! Likewise a pop waits for a push that has won its position and not yet written its value,
//! rather than report the ring empty: the channel counts a push as done from its `SeqCst`
//! compare-and-swap on, so a receive parking after it must find the value
//! ([`super::fast`]).
//!
//! # Closing
//!
//! A lock-free send checks the channel's `closed` flag before its push, but a close (and a
//! receive that finds the closed channel drained and returns `None`) can land between that
//! check and the push: the value would then sit behind the `None`, its send reported done.
//! So closing also marks `tail` (one `fetch_or`, crossbeam's mark bit) and a push compares its
//! position against the whole of `tail`: a push that won its position before the mark counts
//! (the receive waits for it), and every push after it fails atomically, with no extra atomic
//! on the send path.

use super::shim::{backoff, seqcst_rmw_done, AtomicUsize, CachePadded, Gap, Ordering};
use std::cell::UnsafeCell;
use std::mem::MaybeUninit;

/// The stamp of a slot free for the push at `pos`: even, so it never equals a stamp of a slot
/// holding a value (odd).
fn free_at(pos: usize) -> usize {
    pos.wrapping_mul(2)
}

/// The stamp of a slot holding the value pushed at `pos`.
fn full_at(pos: usize) -> usize {
    free_at(pos).wrapping_add(1)
}

struct Slot<T> {
    stamp: AtomicUsize,
    value: UnsafeCell<MaybeUninit<T>>,
}

/// The ring's slots. A ring of one slot keeps it inline, so that `make(chan T, 1)` — Go's
/// reply channel, made per request — allocates once (the channel), not twice: an unbounded
/// channel, which has no ring, was made and dropped in 56 ns, a `bounded(1)` in 80.
enum Slots<T> {
    One(Slot<T>),
    Many(Box<[Slot<T>]>),
}

impl<T> Slots<T> {
    /// The slot at `index` (below the capacity).
    #[inline(always)]
    fn get(&self, index: usize) -> &Slot<T> {
        match self {
            Slots::One(slot) => {
                debug_assert_eq!(index, 0, "a ring of one slot has index 0 only");
                slot
            }
            Slots::Many(slots) => {
                debug_assert!(index < slots.len(), "a slot index is below the capacity");
                // SAFETY: every index comes from a position, whose index part stays below the
                // capacity (`next_from` wraps to index 0 of the next lap after `cap - 1`), and
                // `slots` holds `cap` slots. The bounds check was two instructions of every
                // lock-free send and receive.
                unsafe { slots.get_unchecked(index) }
            }
        }
    }

    #[inline(always)]
    fn len(&self) -> usize {
        match self {
            Slots::One(_) => 1,
            Slots::Many(slots) => slots.len(),
        }
    }
}

/// `repr(C)`: read-mostly fields first, then a gap, then the two positions, 128 bytes apart
/// (see [`CachePadded`]).
#[repr(C)]
pub(crate) struct Ring<T> {
    slots: Slots<T>,
    /// The power of two above the capacity: the close mark, above every slot index.
    mark: usize,
    /// One lap's step in a position (the bit above `mark`).
    one_lap: usize,
    gap: Gap,
    /// Position of the next pop (a cache line pair of its own, as `tail`).
    head: CachePadded<AtomicUsize>,
    /// Position of the next push, with `mark` set once closed.
    tail: CachePadded<AtomicUsize>,
}

// SAFETY: values move between threads through the slots (hence `T: Send`); a slot's value is
// accessed only by the one thread that won its position with the CAS on `head`/`tail`, and the
// stamp's release/acquire pair orders the write before the read.
unsafe impl<T: Send> Send for Ring<T> {}
// SAFETY: as above.
unsafe impl<T: Send> Sync for Ring<T> {}

/// The panic of a buffer of `cap` values that cannot be had (Go's `makechan`: "size out of
/// range"), naming its size.
#[cold]
pub(crate) fn does_not_fit<T>(cap: usize) -> ! {
    panic!(
        "a channel buffer of {cap} values ({} bytes each) does not fit in memory",
        Ring::<T>::SLOT_BYTES
    );
}

impl<T> Ring<T> {
    /// The memory a slot takes.
    pub(crate) const SLOT_BYTES: usize = std::mem::size_of::<Slot<T>>();

    /// A ring of `cap` slots (`cap >= 1`): one is kept inline, more are allocated now. Panics,
    /// naming the size, when the memory cannot be had (Go's `make(chan T, n)` panics too),
    /// rather than abort.
    #[inline]
    pub(crate) fn new(cap: usize) -> Self {
        assert!(cap > 0, "a ring needs at least one slot");
        let free_slot = |i| Slot {
            stamp: AtomicUsize::new(free_at(i)),
            value: UnsafeCell::new(MaybeUninit::uninit()),
        };
        let slots = if cap == 1 {
            Slots::One(free_slot(0))
        } else {
            let mut slots = Vec::new();
            if slots.try_reserve_exact(cap).is_err() {
                does_not_fit::<T>(cap);
            }
            slots.extend((0..cap).map(free_slot));
            Slots::Many(slots.into_boxed_slice())
        };
        let mark = (cap + 1)
            .checked_next_power_of_two()
            .expect("a ring of this many slots cannot be addressed");
        Ring {
            slots,
            mark,
            one_lap: mark
                .checked_mul(2)
                .expect("a ring of this many slots cannot be addressed"),
            gap: Gap::NEW,
            head: CachePadded::new(AtomicUsize::new(0)),
            tail: CachePadded::new(AtomicUsize::new(0)),
        }
    }

    fn cap(&self) -> usize {
        self.slots.len()
    }

    /// The slot index of position `pos`.
    #[inline]
    fn index(&self, pos: usize) -> usize {
        pos & (self.mark - 1)
    }

    /// `tail` without the close mark: the position of the next push.
    #[inline]
    fn unmarked(&self, tail: usize) -> usize {
        tail & !self.mark
    }

    /// Marks `tail` closed: every push from now on fails.
    pub(crate) fn close(&self) {
        // SeqCst: in the total order with the pushes' compare-and-swaps on `tail`, so each push
        // either won its position before the mark (and counts) or fails.
        self.tail.0.fetch_or(self.mark, Ordering::SeqCst);
    }

    /// The slot of position `pos`.
    #[inline]
    fn slot(&self, pos: usize) -> &Slot<T> {
        self.slots.get(self.index(pos))
    }

    /// The position after `pos` (the next index, or index 0 of the next lap), given its slot
    /// index (`index`) and the capacity (`cap`), which the caller has at hand (read before an
    /// atomic access, which the compiler does not read them again across).
    #[inline(always)]
    fn next_from(&self, pos: usize, index: usize, cap: usize) -> usize {
        if index + 1 < cap {
            pos.wrapping_add(1)
        } else {
            (pos & !(self.one_lap - 1)).wrapping_add(self.one_lap)
        }
    }

    /// Pushes `value`, or gives it back when the ring is closed or full (the slot at the tail
    /// still holds the previous lap's value and no pop has claimed it). A slot whose
    /// previous-lap value a pop claimed but is still reading is waited out ([`backoff`]: that
    /// consumer holds no lock, so it finishes once it runs).
    #[inline]
    pub(crate) fn try_push(&self, value: T) -> Result<(), T> {
        self.push_uncontended(value)
            .or_else(|value| self.push_contended(value))
    }

    /// As [`try_push`](Self::try_push), for a caller holding the channel's lock: a ring found
    /// full gives the value back at once. `try_push` pauses first, so that a consumer running
    /// on another core may free a slot meanwhile; under the lock that pause only holds the
    /// lock longer (a `pause` is 30–140 cycles on recent x86 cores), and the caller parks its
    /// sender anyway if no room shows up, which a later pop sees and settles.
    #[inline]
    pub(crate) fn push_or_full(&self, value: T) -> Result<(), T> {
        let value = match self.push_uncontended(value) {
            Ok(()) => return Ok(()),
            Err(value) => value,
        };
        if self.is_full() {
            return Err(value);
        }
        self.push_contended(value)
    }

    /// True when the ring is closed, or full with no pop reading the oldest value: every push
    /// fails now. SeqCst loads, as `push_contended`'s look at `head`.
    fn is_full(&self) -> bool {
        let tail = self.tail.0.load(Ordering::SeqCst);
        tail & self.mark != 0
            || self
                .head
                .0
                .load(Ordering::SeqCst)
                .wrapping_add(self.one_lap)
                == tail
    }

    /// [`try_push`](Self::try_push) past its first try: every case, from the tail again.
    fn push_contended(&self, value: T) -> Result<(), T> {
        // The first try lost a race, or found the ring full: back off before looking again,
        // and after each race lost or wait here (see `backoff`). On a full ring that pause is
        // what lets a consumer running on another core free a slot, so that this push completes
        // here instead of parking (measured, 4→1 on two workers: 20 ms per 10^6 messages
        // without it, 9 with it; any pause from one spin up does it).
        let mut step = 0;
        backoff(&mut step);
        let mut pos = self.tail.0.load(Ordering::Relaxed);
        loop {
            if pos & self.mark != 0 {
                return Err(value);
            }
            let slot = self.slot(pos);
            let stamp = slot.stamp.load(Ordering::Acquire);
            let lag = stamp.wrapping_sub(free_at(pos)) as isize;
            if lag == 0 {
                // SeqCst: the channel reads the parked receivers' count right after the push,
                // and a receiver that parks reads `tail` (see `pop`): one of the two sees the
                // other, with no fence ([`seqcst_rmw_done`]).
                match self.win(&self.tail, pos, self.index(pos), self.cap()) {
                    Ok(()) => {
                        // SAFETY: winning the CAS on `tail` at `pos` gives this thread sole
                        // access to the slot until it publishes its value's stamp; the slot is
                        // empty (its stamp said free for `pos`).
                        unsafe { (*slot.value.get()).write(value) };
                        slot.stamp.store(full_at(pos), Ordering::Release);
                        return Ok(());
                    }
                    Err(now) => {
                        // Another push (pop) won this position: back off (see `backoff`).
                        pos = now;
                        backoff(&mut step);
                    }
                }
            } else if lag < 0 {
                // The slot still holds the previous lap's value: full, unless a pop has
                // claimed that value and is reading it.
                let head = self.head.0.load(Ordering::SeqCst);
                if head.wrapping_add(self.one_lap) == pos {
                    return Err(value);
                }
                backoff(&mut step);
                pos = self.tail.0.load(Ordering::Relaxed);
            } else {
                pos = self.tail.0.load(Ordering::Relaxed);
            }
        }
    }

    /// Wins position `pos` of `at` (`head` or `tail`; `index` and `cap` at hand) for this
    /// thread, moving it to the next: the `SeqCst` compare-and-swap the channel's lock-free
    /// paths order their look at the parked counts after (see `push_contended`). `Err`: lost,
    /// with the position `at` holds now.
    #[inline(always)]
    fn win(&self, at: &AtomicUsize, pos: usize, index: usize, cap: usize) -> Result<(), usize> {
        at.compare_exchange_weak(
            pos,
            self.next_from(pos, index, cap),
            Ordering::SeqCst,
            Ordering::Relaxed,
        )?;
        seqcst_rmw_done();
        Ok(())
    }

    /// The first try of [`try_push`](Self::try_push) alone, waiting for nothing and calling
    /// nothing (so that a caller can keep every other case out of line): the slot at the tail
    /// is free and this push wins it. `Err` gives `value` back untouched otherwise (closed,
    /// full, a pop still reading the slot, another push first), for the rest of `try_push`
    /// ([`push_contended`](Self::push_contended)) to decide.
    #[inline(always)]
    pub(crate) fn push_uncontended(&self, value: T) -> Result<(), T> {
        let mut value = Some(value);
        if self.push_uncontended_with(|| value.take().expect("taken once")) {
            return Ok(());
        }
        Err(value.expect("a push that missed took nothing"))
    }

    /// [`push_uncontended`](Self::push_uncontended), taking its value from `take` only once it
    /// has won the slot: a caller whose value sits in its future moves it once, straight into
    /// the slot (a 64-byte value's send poll had 116 vector moves, 16 since). `false`: missed,
    /// `take` not called. `take` must not panic (the slot won would never be published).
    #[inline(always)]
    pub(crate) fn push_uncontended_with(&self, take: impl FnOnce() -> T) -> bool {
        let pos = self.tail.0.load(Ordering::Relaxed);
        let (index, cap) = (self.index(pos), self.cap());
        let slot = self.slots.get(index);
        // Closed (`tail` marked), or the slot not free for this position: `try_push` decides.
        if pos & self.mark != 0 || slot.stamp.load(Ordering::Acquire) != free_at(pos) {
            return false;
        }
        if self.win(&self.tail, pos, index, cap).is_err() {
            return false;
        }
        // SAFETY: as in `try_push`: winning the CAS on `tail` at `pos` gives this thread sole
        // access to the slot until it publishes its value's stamp; the slot is empty.
        unsafe { (*slot.value.get()).write(take()) };
        slot.stamp.store(full_at(pos), Ordering::Release);
        true
    }

    /// The first try of [`pop`](Self::pop) alone, waiting for nothing and calling nothing:
    /// `Some(Some(value))` popped, `Some(None)` empty; `None` (nothing taken) when `pop` must
    /// decide (a push still writing the head slot, another pop first).
    #[inline(always)]
    pub(crate) fn pop_uncontended(&self) -> Option<Option<T>> {
        let pos = self.head.0.load(Ordering::Relaxed);
        let (index, cap) = (self.index(pos), self.cap());
        let slot = self.slots.get(index);
        let lag = slot
            .stamp
            .load(Ordering::Acquire)
            .wrapping_sub(full_at(pos)) as isize;
        if lag == 0 {
            if self.win(&self.head, pos, index, cap).is_err() {
                return None;
            }
            // SAFETY: as in `pop`: winning the CAS on `head` at `pos` gives this thread sole
            // access to the slot, whose stamp (acquired above) says it is written.
            let value = unsafe { (*slot.value.get()).assume_init_read() };
            slot.stamp
                .store(free_at(pos.wrapping_add(self.one_lap)), Ordering::Release);
            return Some(Some(value));
        }
        if lag < 0 && self.unmarked(self.tail.0.load(Ordering::SeqCst)) == pos {
            return Some(None);
        }
        None
    }

    /// Pops the oldest value, or `None` when the ring is empty. A value whose push won its
    /// position but has not published it yet is waited for (a few instructions, unless that
    /// producer was preempted: growing spins, then the thread yields).
    #[inline]
    pub(crate) fn pop(&self) -> Option<T> {
        match self.pop_uncontended() {
            Some(popped) => popped,
            None => self.pop_contended(),
        }
    }

    /// [`pop`](Self::pop) past its first try: every case, from the head again.
    fn pop_contended(&self) -> Option<T> {
        // The first try lost a race, or found the slot not written yet: back off before
        // looking again, and after each race lost or wait here (see `backoff`).
        let mut step = 0;
        backoff(&mut step);
        let mut pos = self.head.0.load(Ordering::Relaxed);
        loop {
            let slot = self.slot(pos);
            let stamp = slot.stamp.load(Ordering::Acquire);
            let lag = stamp.wrapping_sub(full_at(pos)) as isize;
            if lag == 0 {
                // SeqCst: as the push's CAS on `tail` (a parked sender reads `head`).
                match self.win(&self.head, pos, self.index(pos), self.cap()) {
                    Ok(()) => {
                        // SAFETY: winning the CAS on `head` at `pos` gives this thread sole
                        // access to the slot, whose stamp (acquired above) says the producer
                        // finished writing it.
                        let value = unsafe { (*slot.value.get()).assume_init_read() };
                        slot.stamp
                            .store(free_at(pos.wrapping_add(self.one_lap)), Ordering::Release);
                        return Some(value);
                    }
                    Err(now) => {
                        // Another push (pop) won this position: back off (see `backoff`).
                        pos = now;
                        backoff(&mut step);
                    }
                }
            } else if lag < 0 {
                // Not published: empty, or the push that won `pos` is between its CAS and its
                // stamp. That push counts as done for the channel (it reads the parked counts
                // right after its CAS), so wait for its value rather than report empty.
                if self.unmarked(self.tail.0.load(Ordering::SeqCst)) == pos {
                    return None;
                }
                backoff(&mut step);
                pos = self.head.0.load(Ordering::Relaxed);
            } else {
                pos = self.head.0.load(Ordering::Relaxed);
            }
        }
    }

    /// No value pushed (or being pushed) and not yet popped (a snapshot).
    pub(crate) fn is_empty(&self) -> bool {
        self.head.0.load(Ordering::SeqCst) == self.unmarked(self.tail.0.load(Ordering::SeqCst))
    }

    /// Values pushed and not yet popped (a snapshot).
    pub(crate) fn len(&self) -> usize {
        loop {
            let tail = self.tail.0.load(Ordering::SeqCst);
            let head = self.head.0.load(Ordering::SeqCst);
            if self.tail.0.load(Ordering::SeqCst) == tail {
                let tail = self.unmarked(tail);
                let (head_index, tail_index) = (self.index(head), self.index(tail));
                return match head_index.cmp(&tail_index) {
                    std::cmp::Ordering::Less => tail_index - head_index,
                    std::cmp::Ordering::Greater => self.cap() - head_index + tail_index,
                    // Same index: empty, or a whole lap apart.
                    std::cmp::Ordering::Equal if head == tail => 0,
                    std::cmp::Ordering::Equal => self.cap(),
                };
            }
        }
    }
}

impl<T> Drop for Ring<T> {
    fn drop(&mut self) {
        while self.pop().is_some() {}
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn fifo_wraps_around() {
        let ring = Ring::new(3);
        for lap in 0..5 {
            for i in 0..3 {
                ring.try_push(lap * 10 + i).unwrap();
            }
            assert_eq!(ring.len(), 3);
            for i in 0..3 {
                assert_eq!(ring.pop(), Some(lap * 10 + i));
            }
            assert_eq!(ring.pop(), None);
        }
    }

    #[test]
    fn counts_its_capacity_in_its_slots() {
        for cap in [1, 2, 5] {
            let ring = Ring::new(cap);
            for lap in 0..3 {
                for i in 0..cap {
                    assert_eq!(ring.try_push(lap * 10 + i), Ok(()));
                }
                assert_eq!(ring.try_push(99), Err(99), "cap {cap}: full");
                assert_eq!(ring.pop(), Some(lap * 10));
                assert_eq!(ring.try_push(lap * 10 + cap), Ok(()));
                for i in 1..=cap {
                    assert_eq!(ring.pop(), Some(lap * 10 + i));
                }
                assert!(ring.is_empty());
            }
        }
    }

    #[test]
    fn push_or_full_refuses_a_full_or_closed_ring_and_fills_a_free_slot() {
        for cap in [1, 2, 5] {
            let ring = Ring::new(cap);
            for lap in 0..3 {
                for i in 0..cap {
                    assert_eq!(ring.push_or_full(lap * 10 + i), Ok(()));
                }
                assert_eq!(ring.push_or_full(99), Err(99), "cap {cap}: full");
                assert_eq!(ring.pop(), Some(lap * 10));
                assert_eq!(
                    ring.push_or_full(lap * 10 + cap),
                    Ok(()),
                    "a slot was freed"
                );
                for i in 1..=cap {
                    assert_eq!(ring.pop(), Some(lap * 10 + i));
                }
                assert_eq!(ring.pop(), None);
            }
            ring.close();
            assert_eq!(ring.push_or_full(7), Err(7), "cap {cap}: closed");
        }
    }

    #[test]
    fn len_counts_across_laps() {
        for cap in [1, 3, 4, 5] {
            let ring = Ring::new(cap);
            let mut len = 0;
            // Pushes and pops in steps that do not divide the capacity, over many laps.
            for step in 0..40 {
                for _ in 0..(step % 3 + 1) {
                    if ring.try_push(step).is_ok() {
                        len += 1;
                    }
                }
                assert_eq!(ring.len(), len, "cap {cap}, step {step}");
                for _ in 0..(step % 2 + 1) {
                    if ring.pop().is_some() {
                        len -= 1;
                    }
                }
                assert_eq!(ring.len(), len, "cap {cap}, step {step}");
                assert_eq!(ring.is_empty(), len == 0);
            }
        }
    }

    #[test]
    fn close_refuses_pushes_and_keeps_what_is_in() {
        for cap in [1, 3, 4] {
            let ring = Ring::new(cap);
            // Start the close a lap in, so the mark sits on a position with a lap.
            for i in 0..cap + 1 {
                ring.try_push(i).unwrap();
                assert_eq!(ring.pop(), Some(i));
            }
            ring.try_push(10).unwrap();
            ring.close();
            assert_eq!(ring.try_push(11), Err(11), "cap {cap}: closed");
            assert_eq!(ring.len(), 1);
            assert!(!ring.is_empty());
            assert_eq!(ring.pop(), Some(10));
            assert_eq!(ring.pop(), None);
            assert!(ring.is_empty());
            assert_eq!(ring.len(), 0);
            assert_eq!(ring.try_push(12), Err(12), "cap {cap}: still closed");
        }
    }

    #[test]
    fn its_positions_sit_128_bytes_apart_without_over_alignment() {
        let ring = Ring::<u64>::new(4);
        let at = |r: &AtomicUsize| std::ptr::from_ref(r) as usize;
        let (head, tail) = (at(&ring.head), at(&ring.tail));
        let read_mostly = std::ptr::from_ref(&ring.one_lap) as usize;
        assert!(tail - head >= 128, "head and tail share a 128-byte block");
        assert!(
            head - read_mostly >= 128,
            "head shares a block with the ring's fields"
        );
        assert!(std::mem::align_of::<Ring<u64>>() <= 16);
    }

    #[test]
    fn a_ring_of_one_keeps_its_slot_inline_laps_and_drops_what_is_left() {
        let marker = std::sync::Arc::new(());
        let ring = Ring::new(1);
        assert!(
            matches!(ring.slots, Slots::One(_)),
            "no allocation of its own"
        );
        assert!(matches!(Ring::<u8>::new(2).slots, Slots::Many(_)));
        for _ in 0..5 {
            ring.try_push(marker.clone()).unwrap();
            assert!(ring.try_push(marker.clone()).is_err(), "one slot: full");
            assert_eq!(ring.len(), 1);
            assert!(ring.pop().is_some());
            assert!(ring.pop().is_none());
        }
        ring.try_push(marker.clone()).unwrap();
        assert_eq!(std::sync::Arc::strong_count(&marker), 2);
        drop(ring);
        assert_eq!(std::sync::Arc::strong_count(&marker), 1, "dropped once");
    }

    #[test]
    fn drops_what_is_left() {
        let marker = std::sync::Arc::new(());
        let ring = Ring::new(4);
        ring.try_push(marker.clone()).unwrap();
        ring.try_push(marker.clone()).unwrap();
        drop(ring);
        assert_eq!(std::sync::Arc::strong_count(&marker), 1);
    }

    #[test]
    fn concurrent_producers_and_consumers_conserve_values() {
        let n = if cfg!(miri) { 50 } else { 20_000 };
        let ring = std::sync::Arc::new(Ring::new(8));
        // Capacity units, as the channel accounts them.
        let free = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(8));
        let sum = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        std::thread::scope(|s| {
            for p in 0..2 {
                let (ring, free) = (ring.clone(), free.clone());
                s.spawn(move || {
                    for i in 0..n {
                        loop {
                            let f = free.load(std::sync::atomic::Ordering::Acquire);
                            if f > 0
                                && free
                                    .compare_exchange(
                                        f,
                                        f - 1,
                                        std::sync::atomic::Ordering::AcqRel,
                                        std::sync::atomic::Ordering::Relaxed,
                                    )
                                    .is_ok()
                            {
                                break;
                            }
                            std::thread::yield_now();
                        }
                        while ring.try_push(p * n + i + 1).is_err() {
                            std::thread::yield_now();
                        }
                    }
                });
            }
            for _ in 0..2 {
                let (ring, free, sum) = (ring.clone(), free.clone(), sum.clone());
                s.spawn(move || {
                    let mut got = 0;
                    while got < n {
                        match ring.pop() {
                            Some(v) => {
                                sum.fetch_add(v, std::sync::atomic::Ordering::Relaxed);
                                free.fetch_add(1, std::sync::atomic::Ordering::Release);
                                got += 1;
                            }
                            None => std::thread::yield_now(),
                        }
                    }
                });
            }
        });
        let total = 2 * n;
        assert_eq!(
            sum.load(std::sync::atomic::Ordering::Relaxed),
            total * (total + 1) / 2
        );
        assert_eq!(ring.pop(), None);
    }
}
