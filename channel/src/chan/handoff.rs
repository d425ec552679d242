//! The hand-off cell: where a peer completes a parked send or receive future, so the woken
//! future learns its outcome without taking the channel's lock.
//!
//! A parked future's waiter sits in the channel's wait-list (a slab, under the lock). Before
//! this cell, the woken future re-took the lock to read its waiter and remove it: a third
//! critical section per hand-off, on top of the park and the peer's completion. Now a future
//! pinned in place ([`super::RecvFuture`], [`super::SendFuture`]) parks with a
//! [`HandOffRef`] to a cell inside itself. The peer that completes it, under the lock, removes
//! the waiter from the slab, writes the value (a receive's) into the cell and sets `done` with
//! a release store, its last touch of the cell. The future reads `done` with an acquire load
//! and, if set, owns the value: no lock.
//!
//! Why the pointer stays valid: the future is `!Unpin` and polled pinned, so the cell does not
//! move; a pinned value is dropped before its memory is reused, and the future's drop removes
//! its waiter under the lock (after which no peer can reach the cell) or finds it completed.
//! Only a peer holding the lock, having found the waiter still in the slab, completes it. As in
//! kanal's and tokio's intrusive waiters, and Go's `sudog` on the goroutine's stack.
//!
//! Operations without a pinned future (a receiver polled as a `Stream`, `mpsc`'s receiver,
//! whose parked state lives in the receiver itself) park without a cell and keep the locked
//! look at their waiter.

use super::shim::{AtomicBool, Ordering};
use std::cell::UnsafeCell;
use std::marker::PhantomPinned;
use std::pin::Pin;
use std::ptr::NonNull;

/// The cell, inside a pinned future; `V` is what the peer hands over (a receive's value, `()`
/// for a send whose value was taken).
pub(crate) struct HandOff<V> {
    done: AtomicBool,
    value: UnsafeCell<Option<V>>,
    /// Waiters point here: the cell must not move while one does.
    _pinned: PhantomPinned,
}

// SAFETY: the value crosses threads (a peer writes it, the owner takes it), as it would through
// the channel; `done`'s release/acquire pair orders every access to it (see the module docs).
unsafe impl<V: Send> Send for HandOff<V> {}
// SAFETY: shared access only reads `done` or, through `take`, the value after `done` was
// published (only the owner calls `take`); a peer writes it only through a `HandOffRef`.
unsafe impl<V: Send> Sync for HandOff<V> {}

impl<V> HandOff<V> {
    /// An empty cell.
    pub(crate) fn new() -> Self {
        HandOff {
            done: AtomicBool::new(false),
            value: UnsafeCell::new(None),
            _pinned: PhantomPinned,
        }
    }

    /// The pointer a parking future leaves in its waiter (the cell is pinned: it stays put
    /// until dropped, and the owner removes the waiter before that).
    pub(super) fn park_ref(self: Pin<&Self>) -> HandOffRef<V> {
        HandOffRef(NonNull::from(self.get_ref()))
    }

    /// True once a peer completed the waiter (without taking what it handed over).
    #[inline]
    pub(super) fn is_done(&self) -> bool {
        self.done.load(Ordering::Acquire)
    }

    /// What a peer handed over, once it completed the waiter (its slab entry is gone then).
    #[inline]
    pub(super) fn take(&self) -> Option<V> {
        if !self.done.load(Ordering::Acquire) {
            return None;
        }
        self.done.store(false, Ordering::Relaxed);
        // SAFETY: `done` was set by the peer's release store after its last write to the value,
        // and that peer removed the waiter first, so nobody else can reach the cell: the owner
        // (the only caller of `take`) has it to itself.
        unsafe { (*self.value.get()).take() }
    }
}

/// A waiter's pointer to its future's [`HandOff`].
pub(super) struct HandOffRef<V>(NonNull<HandOff<V>>);

impl<V> Clone for HandOffRef<V> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<V> Copy for HandOffRef<V> {}

// SAFETY: it only ever reaches the cell through `complete`, whose contract (the lock held, the
// waiter still in the slab) makes the pointee alive and untouched by its owner; the value sent
// through it is `Send`.
unsafe impl<V: Send> Send for HandOffRef<V> {}

impl<V> HandOffRef<V> {
    /// Hands `value` over and marks the cell done: the peer's last touch of it.
    ///
    /// # Safety
    ///
    /// The caller holds the channel's lock and has just removed from the wait-list the waiter
    /// that held this pointer, which was still there (so its pinned future has not been
    /// dropped: its drop removes the waiter under the same lock first).
    pub(super) unsafe fn complete(self, value: V) {
        let cell = self.0.as_ptr();
        // SAFETY: the cell is alive (see above) and its owner does not touch the value until it
        // sees `done`, which is stored below, after this write.
        // A plain write: the cell is empty while parked, and no destructor runs under the lock.
        unsafe { (*cell).value.get().write(Some(value)) };
        // SAFETY: alive as above; the release store publishes the value to the owner's acquire
        // load, and nothing touches the cell after it.
        unsafe { (*cell).done.store(true, Ordering::Release) };
    }
}
