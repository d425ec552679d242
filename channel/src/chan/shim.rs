//! The channel engine's view of atomics and locks: std normally, loom's model-checked versions
//! under `--cfg loom`, so the loom models explore the real code paths.
//!
//! The lock ignores poisoning: every critical section leaves the channel consistent before it
//! can panic (user code — value destructors and wakers — only runs after the lock is released).
//! Outside loom and Miri (whose strict provenance `parking_lot`'s parking does not pass; the
//! lock is not our unsafe code) it is `parking_lot`'s mutex, which has no poisoning to check:
//! std's looks at the thread's panic count on every lock and unlock, four times per ping-pong
//! round trip (a hop took ~3% fewer instructions without them).

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

// The lock's model-checked (loom) or interpreted (Miri) form: std's mutex or loom's.
#[cfg(loom)]
use loom::sync as imp;
#[cfg(all(miri, not(loom)))]
use std::sync as imp;

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

/// A mutex that shrugs off poisoning (see the module docs).
#[cfg(not(any(loom, miri)))]
pub(crate) struct Lock<T>(parking_lot::Mutex<T>);
#[cfg(any(loom, miri))]
pub(crate) struct Lock<T>(imp::Mutex<T>);

/// The guard of a [`Lock`].
#[cfg(not(any(loom, miri)))]
pub(crate) type LockGuard<'a, T> = parking_lot::MutexGuard<'a, T>;
#[cfg(any(loom, miri))]
pub(crate) type LockGuard<'a, T> = imp::MutexGuard<'a, T>;

impl<T> Lock<T> {
    #[cfg(not(any(loom, miri)))]
    pub(crate) fn new(value: T) -> Self {
        Lock(parking_lot::Mutex::new(value))
    }

    #[cfg(not(any(loom, miri)))]
    #[inline]
    pub(crate) fn lock(&self) -> LockGuard<'_, T> {
        self.0.lock()
    }

    #[cfg(any(loom, miri))]
    pub(crate) fn new(value: T) -> Self {
        Lock(imp::Mutex::new(value))
    }

    #[cfg(any(loom, miri))]
    #[inline]
    pub(crate) fn lock(&self) -> LockGuard<'_, T> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
