//! A lock-free bounded MPMC ring: the buffer of bounded channels.
//!
//! Dmitry Vyukov's bounded MPMC queue, the layout of crossbeam-channel's array flavor: each slot
//! carries a stamp. A slot at position `pos` (index `pos % cap`) is free for the push at `pos`
//! when its stamp equals `pos`, and holds the value for the pop at `pos` when its stamp equals
//! `pos + 1`; the pop then sets it to `pos + cap`, freeing it for the next lap. Producers and
//! consumers race only on their own counter (`tail` or `head`) with one compare-and-swap, and on
//! the slot they won, so a send and a receive never contend on a lock.
//!
//! Capacity is accounted outside (the channel's `free` counter): a caller holding a unit knows
//! a slot is free or about to be, so [`Ring::try_push`] only has to wait out a consumer that is
//! still reading the slot from the previous lap (a few instructions — unless that consumer was
//! preempted). It spins a bounded number of times and then gives the value back; the caller
//! yields its thread before trying again (see `array.rs`), so a push never spins unboundedly.

use super::shim::{AtomicUsize, CachePadded, Ordering};
use std::cell::UnsafeCell;
use std::mem::MaybeUninit;

#[cfg(loom)]
use loom::hint::spin_loop;
#[cfg(not(loom))]
use std::hint::spin_loop;

struct Slot<T> {
    stamp: AtomicUsize,
    value: UnsafeCell<MaybeUninit<T>>,
}

pub(crate) struct Ring<T> {
    /// Position of the next pop (a cache line of its own, as `tail`).
    head: CachePadded<AtomicUsize>,
    /// Position of the next push.
    tail: CachePadded<AtomicUsize>,
    slots: Box<[Slot<T>]>,
}

// SAFETY: values move between threads through the slots (hence `T: Send`); a slot's value is
// accessed only by the one thread that won its position with the CAS on `head`/`tail`, and the
// stamp's release/acquire pair orders the write before the read.
unsafe impl<T: Send> Send for Ring<T> {}
// SAFETY: as above.
unsafe impl<T: Send> Sync for Ring<T> {}

impl<T> Ring<T> {
    /// A ring of `cap` slots (`cap >= 1`).
    pub(crate) fn new(cap: usize) -> Self {
        assert!(cap > 0, "a ring needs at least one slot");
        let slots = (0..cap)
            .map(|i| Slot {
                stamp: AtomicUsize::new(i),
                value: UnsafeCell::new(MaybeUninit::uninit()),
            })
            .collect();
        Ring {
            head: CachePadded(AtomicUsize::new(0)),
            tail: CachePadded(AtomicUsize::new(0)),
            slots,
        }
    }

    fn cap(&self) -> usize {
        self.slots.len()
    }

    /// Spins before [`try_push`](Self::try_push) gives up on a slot still being read.
    const SPINS: u32 = 64;

    /// Pushes `value`; the caller holds a capacity unit, so a slot is free or being freed.
    /// `Err` gives the value back when the consumer of the previous lap is still reading the
    /// slot after a bounded spin (the caller yields and tries again).
    pub(crate) fn try_push(&self, value: T) -> Result<(), T> {
        let cap = self.cap();
        let mut spins = 0;
        let mut pos = self.tail.0.load(Ordering::Relaxed);
        loop {
            let slot = &self.slots[pos % cap];
            let stamp = slot.stamp.load(Ordering::Acquire);
            let lag = stamp.wrapping_sub(pos) as isize;
            if lag == 0 {
                match self.tail.0.compare_exchange_weak(
                    pos,
                    pos.wrapping_add(1),
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => {
                        // SAFETY: winning the CAS on `tail` at `pos` gives this thread sole
                        // access to the slot until it publishes the stamp `pos + 1`; the slot
                        // is empty (its stamp was `pos`).
                        unsafe { (*slot.value.get()).write(value) };
                        slot.stamp.store(pos.wrapping_add(1), Ordering::Release);
                        return Ok(());
                    }
                    Err(now) => pos = now,
                }
            } else if lag < 0 {
                // The consumer of the previous lap is still reading this slot.
                spins += 1;
                if spins > Self::SPINS {
                    return Err(value);
                }
                spin_loop();
                pos = self.tail.0.load(Ordering::Relaxed);
            } else {
                pos = self.tail.0.load(Ordering::Relaxed);
            }
        }
    }

    /// Pops the oldest value, or `None` when no published value is at the head.
    pub(crate) fn pop(&self) -> Option<T> {
        let cap = self.cap();
        let mut pos = self.head.0.load(Ordering::Relaxed);
        loop {
            let slot = &self.slots[pos % cap];
            let stamp = slot.stamp.load(Ordering::Acquire);
            let lag = stamp.wrapping_sub(pos.wrapping_add(1)) as isize;
            if lag == 0 {
                match self.head.0.compare_exchange_weak(
                    pos,
                    pos.wrapping_add(1),
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => {
                        // SAFETY: winning the CAS on `head` at `pos` gives this thread sole
                        // access to the slot, whose stamp `pos + 1` (acquired above) says the
                        // producer finished writing it.
                        let value = unsafe { (*slot.value.get()).assume_init_read() };
                        slot.stamp.store(pos.wrapping_add(cap), Ordering::Release);
                        return Some(value);
                    }
                    Err(now) => pos = now,
                }
            } else if lag < 0 {
                return None;
            } else {
                pos = self.head.0.load(Ordering::Relaxed);
            }
        }
    }

    /// Values pushed and not yet popped (a snapshot).
    pub(crate) fn len(&self) -> usize {
        loop {
            let tail = self.tail.0.load(Ordering::SeqCst);
            let head = self.head.0.load(Ordering::SeqCst);
            if self.tail.0.load(Ordering::SeqCst) == tail {
                return tail.wrapping_sub(head).min(self.cap());
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
