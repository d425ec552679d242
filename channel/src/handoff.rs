//! The hand-off cell: where a peer completes a parked future, so the woken future learns its
//! outcome without taking the lock of the wait-list it parked in.
//!
//! # How it works
//!
//! Every blocking primitive here parks a future as a waiter in a [`WaitList`] under a lock. The
//! futures that park pinned in place carry a [`HandOff<V>`] inside themselves and leave a
//! [`HandOffRef<V>`] to it in their waiter:
//!
//! | future | `V`, what the peer hands over |
//! |---|---|
//! | a channel's receive ([`crate::chan::RecvFuture`], `mpsc`'s `recv`) | the value sent |
//! | a channel's send ([`crate::chan::SendFuture`]) | `()`: a receive took the value |
//! | the semaphore's acquire (`Semaphore`, `Mutex`, `RwLock`, ...) | `Ok(())` granted, `Err(Closed)` |
//! | [`crate::sync::Notified`] | how it was notified (by `notify_one`, `notify_last`, all) |
//!
//! The peer that serves a waiter does so under the lock: it **removes the waiter from the list,
//! then calls [`HandOffRef::complete`]**, which writes the value into the cell and sets `done`
//! with a release store, its last touch of the cell. The woken future reads `done` with an
//! acquire load ([`HandOff::take`]) and, if set, owns the value: no lock. Without the cell it
//! would re-take the lock to read its waiter: a third critical section per hand-off, after the
//! park and the peer's completion. Besides that store and load, `take` clears `done` with a
//! relaxed store (a plain store on x86), so the cell can be parked again; no fence, no
//! read-modify-write. The value sits uninitialized until handed over (`MaybeUninit`, no
//! `Option` tag to write and test); a value handed over but never taken is dropped with the
//! cell.
//!
//! # Why the pointer stays valid
//!
//! The owning future is `!Unpin` (the cell is [`PhantomPinned`]) and polled pinned, so the cell
//! does not move; a pinned value is dropped before its memory is reused. Every owner keeps one
//! rule: **before its cell goes, it takes the list's lock and, unless the cell is done by then,
//! removes its waiter** (a future's `Drop` does this when it is dropped while parked). So a peer
//! holding the lock that finds the waiter still in the list knows the cell is alive; once it
//! has removed the waiter, no other peer can reach the cell, and the owner does not read the
//! value before `done`. That is [`HandOffRef::complete`]'s contract, stated there once. The
//! same shape as tokio's and kanal's intrusive waiters, and Go's `sudog` on the goroutine's
//! stack.
//!
//! Operations without a pinned future (a channel receiver polled as a `Stream`) park without a
//! cell and read their waiter under the lock.
//!
//! [`WaitList`]: crate::waitlist::WaitList

use crate::chan::shim::{AtomicBool, Ordering};
use std::cell::UnsafeCell;
use std::fmt;
use std::marker::PhantomPinned;
use std::mem::{self, MaybeUninit};
use std::panic::{RefUnwindSafe, UnwindSafe};
use std::pin::Pin;
use std::ptr::NonNull;

/// The cell, inside a pinned future: what a peer hands over when it completes the future's
/// waiter (see the module docs).
pub(crate) struct HandOff<V> {
    /// Set by the peer once `value` holds what it handed over; cleared by `take`.
    done: AtomicBool,
    /// Initialized exactly while `done` is set.
    value: UnsafeCell<MaybeUninit<V>>,
    /// Waiters point here: the cell must not move while one does.
    _pinned: PhantomPinned,
}

// SAFETY: the value crosses threads (a peer writes it, the owner takes it), as it would through
// the channel; `done`'s release/acquire pair orders every access to it (see the module docs).
unsafe impl<V: Send> Send for HandOff<V> {}
// SAFETY: shared access only reads `done` or, through `take`, the value after `done` was
// published (only the owner calls `take`); a peer writes it only through a `HandOffRef`.
unsafe impl<V: Send> Sync for HandOff<V> {}
// A cell seen after a panic is never half-written: `complete` and `take` run no user code
// between their steps. So the futures around it keep the unwind safety their atomics gave them.
impl<V: UnwindSafe + RefUnwindSafe> RefUnwindSafe for HandOff<V> {}

impl<V> HandOff<V> {
    /// An empty cell.
    pub(crate) fn new() -> Self {
        HandOff {
            done: AtomicBool::new(false),
            value: UnsafeCell::new(MaybeUninit::uninit()),
            _pinned: PhantomPinned,
        }
    }

    /// The pointer a parking future leaves in its waiter. The owner then keeps the rule of the
    /// module docs: it removes that waiter under the list's lock before the cell goes, unless
    /// the cell is done.
    pub(crate) fn park_ref(self: Pin<&Self>) -> HandOffRef<V> {
        HandOffRef(NonNull::from(self.get_ref()))
    }

    /// True once a peer completed the waiter (without taking what it handed over).
    #[inline]
    pub(crate) fn is_done(&self) -> bool {
        self.done.load(Ordering::Acquire)
    }

    /// What a peer handed over, once it completed the waiter (which it removed from the list
    /// first); `None` before, and after it was taken. For the owner only.
    #[inline]
    pub(crate) fn take(&self) -> Option<V> {
        if !self.done.load(Ordering::Acquire) {
            return None;
        }
        // Empty again (the value is moved out below): the owner may park the cell once more.
        self.done.store(false, Ordering::Relaxed);
        // SAFETY: `done` was set by the peer's release store after it initialized the value,
        // and that peer removed the waiter first, so nobody else can reach the cell: the owner
        // (the only caller of `take`) has it to itself, and reads it once (`done` is clear now).
        Some(unsafe { (*self.value.get()).assume_init_read() })
    }
}

impl<V> Drop for HandOff<V> {
    fn drop(&mut self) {
        // A value handed over but never taken (the owner saw `is_done` and left) is dropped.
        if mem::needs_drop::<V>() {
            drop(self.take());
        }
    }
}

impl<V> fmt::Debug for HandOff<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HandOff")
            .field("done", &self.is_done())
            .finish_non_exhaustive()
    }
}

/// A waiter's pointer to its future's [`HandOff`].
pub(crate) struct HandOffRef<V>(NonNull<HandOff<V>>);

impl<V> Clone for HandOffRef<V> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<V> Copy for HandOffRef<V> {}

// SAFETY: it only ever reaches the cell through `complete`, whose contract (the lock held, the
// waiter just removed from the list) makes the pointee alive and untouched by its owner; the
// value sent through it is `Send`.
unsafe impl<V: Send> Send for HandOffRef<V> {}

impl<V> HandOffRef<V> {
    /// Hands `value` over and marks the cell done: the peer's last touch of it.
    ///
    /// # Safety
    ///
    /// The caller holds the lock of the wait-list that held the waiter carrying this pointer,
    /// and has just removed that waiter from it — it was still there. Then the owning future
    /// has not dropped its cell (it removes its waiter under the same lock first) and is not
    /// reading the value (it waits for `done`), and no other peer can reach the cell. Call it at
    /// most once per park.
    #[inline]
    pub(crate) unsafe fn complete(self, value: V) {
        let cell = self.0.as_ptr();
        // SAFETY: the cell is alive (see above) and its owner does not touch the value until it
        // sees `done`, which is stored below, after this write. The value is uninitialized
        // while parked (`done` clear), so nothing is overwritten.
        unsafe { (*cell).value.get().write(MaybeUninit::new(value)) };
        // SAFETY: alive as above; the release store publishes the value to the owner's acquire
        // load, and nothing touches the cell after it.
        unsafe { (*cell).done.store(true, Ordering::Release) };
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::waitlist::WaitList;
    use std::pin::pin;
    use std::sync::{Arc, Mutex};

    /// The futures that hold a cell stay `Send`, `Sync` and unwind safe (as with the atomic
    /// words the semaphore and `Notify` used before).
    #[test]
    fn owners_keep_their_auto_traits() {
        fn auto_traits<T: Send + Sync + UnwindSafe + RefUnwindSafe>(_: &T) {}
        let notify = crate::sync::Notify::new();
        auto_traits(&notify.notified());
        let sem = crate::sync::Semaphore::new(1);
        auto_traits(&sem.acquire());
        let (_tx, rx) = crate::chan::bounded::<u32>(1);
        auto_traits(&rx.recv());
    }

    #[test]
    fn a_completed_cell_gives_its_value_once() {
        let cell = pin!(HandOff::new());
        let mut list = WaitList::new();
        list.push_back(cell.as_ref().park_ref(), futures::task::noop_waker_ref());
        assert!(!cell.is_done());
        assert_eq!(cell.take(), None);
        let (hand, _) = list.pop_front_free().unwrap();
        // SAFETY: `list` is ours alone (as if locked) and the waiter was just removed from it.
        unsafe { hand.complete(7) };
        assert!(cell.is_done());
        assert_eq!(cell.take(), Some(7));
        assert_eq!(cell.take(), None, "taken once");
    }

    #[test]
    fn a_value_never_taken_is_dropped_with_the_cell() {
        let value = Arc::new(());
        let cell = Box::pin(HandOff::new());
        let mut list = WaitList::new();
        list.push_back(cell.as_ref().park_ref(), futures::task::noop_waker_ref());
        let (hand, _) = list.pop_front_free().unwrap();
        // SAFETY: `list` is ours alone (as if locked) and the waiter was just removed from it.
        unsafe { hand.complete(value.clone()) };
        assert!(cell.is_done());
        drop(cell);
        assert_eq!(Arc::strong_count(&value), 1, "dropped once, not leaked");
    }

    #[test]
    fn a_peer_thread_completes_the_parked_owner() {
        let cell = Box::pin(HandOff::new());
        let list = Arc::new(Mutex::new(WaitList::new()));
        let waker = futures::task::noop_waker_ref();
        list.lock()
            .unwrap()
            .push_back(cell.as_ref().park_ref(), waker);
        let peer = {
            let list = list.clone();
            std::thread::spawn(move || {
                let mut list = list.lock().unwrap();
                let (hand, _) = list.pop_front_free().unwrap();
                // SAFETY: the lock is held and the waiter was just removed from the list.
                unsafe { hand.complete(String::from("hi")) };
            })
        };
        let got = loop {
            if let Some(value) = cell.take() {
                break value;
            }
            std::thread::yield_now();
        };
        peer.join().unwrap();
        assert_eq!(got, "hi");
    }
}
