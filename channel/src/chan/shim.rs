//! The channel engine's view of atomics and locks: std normally, loom's model-checked versions
//! under `--cfg loom`, so the loom models explore the real code paths.
//!
//! The lock ignores poisoning: every critical section leaves the channel consistent before it
//! can panic (user code — value destructors and wakers — only runs after the lock is released).
//! Outside loom it is a spinlock ([`spin`]): a critical section is a few dozen instructions
//! that never block, so a thread that finds the lock taken waits at most that long, unless the
//! holder was preempted (the waiter then yields its thread). Its release is a plain store where
//! a parking mutex (`parking_lot`'s, std's) needs a read-modify-write to learn whether to wake
//! somebody: two locked instructions less per hop (ping-pong round trip 324 -> 286 ns, probe
//! medians of 25 runs each; see the README's twelfth-session notes). Under loom the channel's
//! models use loom's mutex, and the spinlock has a model of its own.

#[cfg(loom)]
pub(crate) use loom::sync::atomic::{fence, AtomicBool, AtomicPtr, AtomicU32, AtomicUsize};
pub(crate) use std::sync::atomic::Ordering;
#[cfg(not(loom))]
pub(crate) use std::sync::atomic::{fence, AtomicBool, AtomicPtr, AtomicU32, AtomicUsize};

/// Marks a `SeqCst` read-modify-write (or store) that a later `SeqCst` load of another atomic
/// must not pass: the Dekker pattern of [`super::fast`] (a push or pop wins its position, then
/// reads the parked counts; a park raises a count, then reads the positions). Two `SeqCst`
/// operations of one thread are ordered in the single total order of `SeqCst` operations, so
/// nothing is needed — the store buffer's drain an explicit fence would force on every message
/// is saved. Loom models `SeqCst`
/// accesses only as `AcqRel` (tokio-rs/loom#180) but models `SeqCst` fences, so under loom the
/// fence that gives the same guarantee (RMW or store; fence; load) stands in.
#[inline(always)]
pub(crate) fn seqcst_rmw_done() {
    #[cfg(loom)]
    fence(Ordering::SeqCst);
}

#[cfg(loom)]
use loom::{hint::spin_loop, thread::yield_now};
#[cfg(not(loom))]
use std::{hint::spin_loop, thread::yield_now};

/// One step of backing off, after losing a race for a shared position (a failed
/// compare-and-swap) or while a peer finishes a step: 1, 2, 4, … 32 spins, then yielding the
/// thread. After a lost compare-and-swap it lets the winner's core run its next operations on
/// cache lines it keeps; without it two cores pushing to (or popping from) one ring trade its
/// lines on every message (crossbeam-channel backs off the same way).
pub(crate) fn backoff(step: &mut u32) {
    if *step < 6 {
        for _ in 0..1u32 << *step {
            spin_loop();
        }
        *step += 1;
    } else {
        yield_now();
    }
}

#[cfg(loom)]
pub(crate) use loom::sync::Arc;
#[cfg(not(loom))]
pub(crate) use std::sync::Arc;

// The lock's model-checked form (loom): loom's mutex.
#[cfg(loom)]
use loom::sync as imp;

/// Keeps a value 128 bytes (two cache lines: the adjacent-line prefetcher pairs them) away
/// from what follows it, so writes to it do not evict what its neighbours' readers cache: the
/// value, then a [`Gap`]. The field before it in a `#[repr(C)]` struct must be another
/// `CachePadded` or a `Gap`, which keeps it away from what precedes.
///
/// By distance, not by alignment: two bytes 128 apart never share a 128-byte block. An
/// over-aligned channel took glibc's `memalign` path and missed the allocator's per-thread
/// cache when created and dropped (1,900 instructions per channel made and dropped, 1,270
/// without the alignment).
#[repr(C)]
pub(crate) struct CachePadded<T>(pub(crate) T, Gap);

impl<T> CachePadded<T> {
    pub(crate) const fn new(value: T) -> Self {
        CachePadded(value, Gap::NEW)
    }
}

/// 120 bytes of nothing (never written, so never zeroed either): with the 8-byte atomic before
/// or after it, 128.
pub(crate) struct Gap {
    _bytes: [std::mem::MaybeUninit<u8>; 120],
}

impl Gap {
    pub(crate) const NEW: Gap = Gap {
        _bytes: [std::mem::MaybeUninit::uninit(); 120],
    };
}

impl<T> std::ops::Deref for CachePadded<T> {
    type Target = T;

    #[inline]
    fn deref(&self) -> &T {
        &self.0
    }
}

/// The channel's lock: a spinlock outside loom (see [`spin`]), loom's mutex under it (the
/// spinlock has its own loom model, `loom_spin_lock_excludes_and_orders`).
#[cfg(not(loom))]
pub(crate) use spin::{Lock, LockGuard};

/// A mutex that shrugs off poisoning (see the module docs).
#[cfg(loom)]
pub(crate) struct Lock<T>(imp::Mutex<T>);

/// The guard of a [`Lock`].
#[cfg(loom)]
pub(crate) type LockGuard<'a, T> = imp::MutexGuard<'a, T>;

#[cfg(loom)]
impl<T> Lock<T> {
    pub(crate) fn new(value: T) -> Self {
        Lock(imp::Mutex::new(value))
    }

    #[inline]
    pub(crate) fn lock(&self) -> LockGuard<'_, T> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg_attr(loom, allow(dead_code))]
pub(crate) mod spin {
    use super::{spin_loop, yield_now, AtomicBool, Ordering};
    use std::cell::UnsafeCell;
    use std::marker::PhantomData;
    use std::ops::{Deref, DerefMut};

    /// A spinlock: one compare-and-swap to take, one plain release store to give back.
    pub(crate) struct Lock<T> {
        locked: AtomicBool,
        value: UnsafeCell<T>,
    }

    // SAFETY: the value is reached only through a guard, and one guard at a time exists (the
    // compare-and-swap from `false` to `true`); moving the lock moves the value.
    unsafe impl<T: Send> Send for Lock<T> {}
    // SAFETY: as above: `&Lock` gives `&mut T` to one thread at a time, so `T: Send` suffices.
    unsafe impl<T: Send> Sync for Lock<T> {}

    /// The guard of a [`Lock`]: the value while held; dropping it releases the lock. Shared
    /// across threads only if `T` is `Sync` (it hands out `&T`), as std's guard.
    pub(crate) struct LockGuard<'a, T> {
        lock: &'a Lock<T>,
        _value: PhantomData<&'a mut T>,
    }

    impl<T> Lock<T> {
        pub(crate) fn new(value: T) -> Self {
            Lock {
                locked: AtomicBool::new(false),
                value: UnsafeCell::new(value),
            }
        }

        #[inline]
        pub(crate) fn lock(&self) -> LockGuard<'_, T> {
            if self
                .locked
                .compare_exchange_weak(false, true, Ordering::Acquire, Ordering::Relaxed)
                .is_err()
            {
                self.lock_contended();
            }
            LockGuard {
                lock: self,
                _value: PhantomData,
            }
        }

        /// Waits for the holder: reads until the lock looks free (they share its line with the
        /// holder, who keeps it), a `pause` between reads, then one try. A critical section is
        /// short, so a release is seen within a pause or two; a holder preempted mid-section
        /// keeps the lock for a time slice, and after `SPINS` reads the waiter yields its
        /// thread between reads.
        #[cold]
        #[inline(never)]
        fn lock_contended(&self) {
            const SPINS: u32 = 64;
            let mut spins = 0;
            loop {
                while self.locked.load(Ordering::Relaxed) {
                    if spins < SPINS {
                        spin_loop();
                        spins += 1;
                    } else {
                        yield_now();
                    }
                }
                if self
                    .locked
                    .compare_exchange_weak(false, true, Ordering::Acquire, Ordering::Relaxed)
                    .is_ok()
                {
                    return;
                }
            }
        }
    }

    impl<T> Deref for LockGuard<'_, T> {
        type Target = T;

        #[inline]
        fn deref(&self) -> &T {
            // SAFETY: this guard holds the lock: no other reference to the value exists.
            unsafe { &*self.lock.value.get() }
        }
    }

    impl<T> DerefMut for LockGuard<'_, T> {
        #[inline]
        fn deref_mut(&mut self) -> &mut T {
            // SAFETY: as in `deref`, and `&mut self` makes this the only use of the guard.
            unsafe { &mut *self.lock.value.get() }
        }
    }

    impl<T> Drop for LockGuard<'_, T> {
        #[inline]
        fn drop(&mut self) {
            self.lock.locked.store(false, Ordering::Release);
        }
    }
}
