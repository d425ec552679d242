//! The waiter protocol: what a parked send or receive leaves in its channel's wait-list, and the
//! one claiming pop every completion goes through.
//!
//! As Go's `sudog` (`runtime/chan.go`) and crossbeam-channel's `zero.rs` packet, a parked
//! *sender's value lives in its waiter*: a receive that finds the sender parked takes the value
//! and completes the send in place, waking it once. A parked receiver's waiter is filled the same
//! way by a sender (or, for a receiver polled as a stream, only signalled — see [`Delivery`]).
//! The peer removes a waiter, then completes it through its future's cell ([`crate::handoff`]).
//!
//! Every completion of a parked waiter goes through [`pop_claimed`]: it pops waiters in FIFO
//! order and keeps the first whose `select!` token (if any) it wins for the waiter's branch
//! ([`crate::select`]); a waiter whose `select!` already committed another branch is skipped —
//! unlinked and woken, so its future notices — and the next one is served. That is the single
//! commit point of a parked operation. The same pop grants free buffer room to parked senders
//! ([`super::array`]), so room never goes to a sender whose `select!` already lost. A waiter of
//! the very `select!` being polled (another of its branches: a `select!` that sends and receives
//! on one channel) is passed over and stays parked in its place: Go's select never pairs with
//! itself.
//!
//! FIFO: a waiter keeps its place until a peer completes it. A skipped one loses it — its
//! `select!` has committed elsewhere and is about to drop it; only when the skip came from a
//! nested `select!` whose outer token was held for a moment does it park again, at the back.
//! A signalled receiver whose value another receive took first also parks again at the back.
//!
//! A waiter parked by a pinned future carries a [`HandOffRef`] to a cell in that future
//! ([`crate::handoff`]): the peer completing it removes the waiter and writes the outcome into
//! the cell, and the future reads it without the lock. Any other popped waiter stays in the
//! wait-list's slab until its own future removes it, so a future dropped after completion still
//! finds the outcome: a receive passes a handed value on, a send whose value was taken counts as
//! delivered.

use crate::handoff::HandOffRef;
use crate::select::{claim_peer, SelectRef};
use crate::waitlist::{WaitList, WaiterId};
use std::task::Waker;

/// A parked send (with its value) or `mpsc` permit request (without one).
pub(super) struct SendWaiter<T> {
    /// The value on offer; `None` for a permit request, or once taken.
    pub(super) value: Option<T>,
    pub(super) status: SendStatus,
    pub(super) sel: Option<SelectRef>,
    /// The parked send future's cell, told when a receive takes the value (or moves it into
    /// the freed buffer slot) and removes the waiter; `None` for a permit request.
    pub(super) hand: Option<HandOffRef<()>>,
}

/// Where a parked send stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum SendStatus {
    /// Parked (or, once unlinked, skipped by a peer because its `select!` committed elsewhere).
    Waiting,
    /// A permit request — or a send on a channel with tokio's `mpsc` rules — was granted a
    /// capacity unit, which it now holds (the send moves its own value when it runs).
    Granted,
    /// Woken by close; the value (if any) is still in the waiter.
    Closed,
}

/// How a parked receive wants a sender's value.
pub(super) enum Delivery<T> {
    /// Into the receive future's cell (one wake, Go's hand-off). The future's drop passes a
    /// handed value on, so it is never stranded.
    InPlace(HandOffRef<T>),
    /// Into the front of the channel's buffer, then wake the waiter: for receives parked by a
    /// receiver polled as a `Stream` (or `mpsc::Receiver::poll_recv`), whose parked state
    /// outlives any one call, so every other receive (`try_recv`, a clone) still sees the value.
    Signal,
}

/// A parked receive.
pub(super) struct RecvWaiter<T> {
    pub(super) status: RecvStatus,
    pub(super) delivery: Delivery<T>,
    pub(super) sel: Option<SelectRef>,
}

/// Where a parked receive stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum RecvStatus {
    /// Parked (or, once unlinked, skipped by a peer because its `select!` committed elsewhere).
    Waiting,
    /// A sender put a value at the front of the buffer for it ([`Delivery::Signal`]).
    Signalled,
    /// Woken by close (or by the last buffered value draining after close).
    Closed,
}

impl<T> SendWaiter<T> {
    pub(super) fn new(
        value: Option<T>,
        sel: Option<SelectRef>,
        hand: Option<HandOffRef<()>>,
    ) -> Self {
        SendWaiter {
            value,
            status: SendStatus::Waiting,
            sel,
            hand,
        }
    }
}

impl<T> RecvWaiter<T> {
    pub(super) fn new(delivery: Delivery<T>, sel: Option<SelectRef>) -> Self {
        RecvWaiter {
            status: RecvStatus::Waiting,
            delivery,
            sel,
        }
    }
}

/// A waiter that may belong to a `select!`.
pub(super) trait Selecting {
    fn select_ref(&self) -> &Option<SelectRef>;
}

impl<T> Selecting for SendWaiter<T> {
    fn select_ref(&self) -> &Option<SelectRef> {
        &self.sel
    }
}

impl<T> Selecting for RecvWaiter<T> {
    fn select_ref(&self) -> &Option<SelectRef> {
        &self.sel
    }
}

/// Pops the first waiter whose `select!` this peer wins (the commit point of every parked
/// operation). Skipped waiters and the winner are all woken once the caller drops its lock.
#[inline]
pub(super) fn pop_claimed<W: Selecting>(
    list: &mut WaitList<W>,
    wk: &mut Wakeups,
) -> Option<WaiterId> {
    // A waiter of the `select!` being polled (another of its branches) is passed over and left
    // parked: Go's select never pairs with itself, and skipping would wake it for nothing.
    while let Some((id, waker)) =
        list.pop_front_id_except(|w| crate::select::is_own(w.select_ref()))
    {
        wk.push(waker);
        if claim_peer(list.get(id).select_ref()) {
            return Some(id);
        }
    }
    None
}

/// Takes the value of a popped (claimed) parked sender, completing its send: the waiter is
/// removed and its future's cell told "taken".
pub(super) fn take_sender_value<T>(list: &mut WaitList<SendWaiter<T>>, id: WaiterId) -> T {
    let waiter = list.remove(id);
    let (Some(value), Some(hand)) = (waiter.value, waiter.hand) else {
        unreachable!("a parked send keeps its value and its cell until taken");
    };
    // SAFETY: we hold the channel's lock (`list` is borrowed from its state) and just removed
    // the waiter holding `hand`, which was in the slab.
    unsafe { hand.complete(()) };
    value
}

/// Takes the value of the first parked sender when it is a plain send future (no `select!` to
/// claim, so the claim is won), completing its send: the value and the sender's waker. One
/// pop that unlinks and frees the waiter, where [`pop_claimed`] and [`take_sender_value`] walk
/// the general case in two (an unbuffered hop; a one-slot stream moving a parked sender into
/// the room a receive freed). `None`, nothing done, for any other front.
#[inline(always)]
pub(super) fn take_plain_sender<T>(
    list: &mut WaitList<SendWaiter<T>>,
) -> Option<(T, Option<Waker>)> {
    let plain = list
        .front()
        .is_some_and(|w| w.sel.is_none() && w.hand.is_some() && w.value.is_some());
    if !plain {
        return None;
    }
    let (waiter, waker) = list.pop_front_free()?;
    let SendWaiter {
        value, hand, sel, ..
    } = waiter;
    // No `select!` reference (checked above): forgetting the empty one spares every hand-off
    // a call to its drop glue.
    debug_assert!(sel.is_none());
    std::mem::forget(sel);
    let (Some(value), Some(hand)) = (value, hand) else {
        unreachable!("checked above");
    };
    // SAFETY: we hold the channel's lock (`list` is borrowed from its state) and just removed
    // the waiter holding `hand`, which was in the slab.
    unsafe { hand.complete(()) };
    Some((value, waker))
}

/// Hands `value` to a popped (claimed) parked receive; `Err(value)` if it wants a signal
/// instead ([`Delivery::Signal`], marked [`RecvStatus::Signalled`]). Handed: the waiter is
/// removed and the value is in its future's cell.
#[inline]
pub(super) fn hand_to_receive<T>(
    list: &mut WaitList<RecvWaiter<T>>,
    id: WaiterId,
    value: T,
    cells_filled: &mut usize,
) -> Result<(), T> {
    let waiter = list.get_mut(id);
    let Delivery::InPlace(hand) = waiter.delivery else {
        waiter.status = RecvStatus::Signalled;
        return Err(value);
    };
    list.remove(id);
    // SAFETY: we hold the channel's lock (`list` is borrowed from its state) and just removed
    // the waiter holding `hand`, which was in the slab.
    unsafe { fill_cell(hand, value, cells_filled) };
    Ok(())
}

/// Hands `value` to a parked receive's cell and counts it there (`State::cells_filled`): every
/// value that goes into a receive's cell goes through here.
///
/// # Safety
///
/// [`HandOffRef::complete`]'s: the caller holds the channel's lock and has just removed the
/// waiter carrying `hand` from its list.
#[inline(always)]
pub(super) unsafe fn fill_cell<T>(hand: HandOffRef<T>, value: T, cells_filled: &mut usize) {
    *cells_filled = cells_filled.wrapping_add(1);
    // SAFETY: the caller's contract is `complete`'s.
    unsafe { hand.complete(value) };
}

/// Wakers collected under the lock, woken once it is released.
#[derive(Default)]
pub(super) struct Wakeups {
    one: Option<Waker>,
    more: Vec<Waker>,
    /// A waker taken back by [`forget_own`](Self::forget_own): dropped, not woken, with the
    /// others after the lock is released (dropping a waker may run its owner's code).
    spare: Option<Waker>,
}

impl Wakeups {
    #[inline]
    pub(super) fn push(&mut self, waker: Option<Waker>) {
        if let Some(waker) = waker {
            match self.one {
                None => self.one = Some(waker),
                Some(_) => self.more.push(waker),
            }
        }
    }

    #[inline]
    pub(super) fn extend(&mut self, wakers: Vec<Waker>) {
        for waker in wakers {
            self.push(Some(waker));
        }
    }

    /// Takes back one collected waker that wakes the same task as `own`, the waker of the poll
    /// running this critical section: its own parked waiter was served within it (a park that
    /// found a value or room on its second look), so the poll returns `Ready`, and the wake
    /// the waiter collected would only poll the running task again for nothing. Worse, on
    /// tokio's runtime a wake of the running task queues it as a yield, which wakes an idle
    /// worker to steal it (a 4→4 stream on two workers made 200–290 such wakes per 10^6
    /// messages). Wakers of one task are interchangeable, so taking one leaves any other
    /// waiter of the same task (a `join!` of two receives) its wake.
    pub(super) fn forget_own(&mut self, own: &Waker) {
        let mine = if self.one.as_ref().is_some_and(|w| w.will_wake(own)) {
            std::mem::replace(&mut self.one, self.more.pop())
        } else {
            let Some(at) = self.more.iter().position(|w| w.will_wake(own)) else {
                return;
            };
            Some(self.more.swap_remove(at))
        };
        debug_assert!(self.spare.is_none(), "one own waiter per critical section");
        self.spare = mine;
    }

    /// Wakes every collected waker. A waker that panics (user code) does not stop the others
    /// from being woken: their tasks would wait forever. The first panic is passed on after.
    #[inline]
    pub(super) fn wake(self) {
        if self.more.is_empty() {
            // One waker (every hand-off): nothing else to protect.
            if let Some(waker) = self.one {
                waker.wake();
            }
            return;
        }
        self.wake_each();
    }

    /// Several wakers (a close, a flush to several receivers). Out of line: its unwinding
    /// machinery made the one-waker path above save and restore every register.
    #[cold]
    #[inline(never)]
    fn wake_each(self) {
        let mut first_panic = None;
        for waker in self.one.into_iter().chain(self.more) {
            let woken = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| waker.wake()));
            if let Err(panic) = woken {
                first_panic.get_or_insert(panic);
            }
        }
        if let Some(panic) = first_panic {
            std::panic::resume_unwind(panic);
        }
    }
}
