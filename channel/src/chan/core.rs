//! The channel engine shared by `chan` and `mpsc`: Go's `hchan` (`runtime/chan.go`) made async.
//!
//! One lock guards two wait-lists, `sendq` and `recvq` (the [`waiter`](super::waiter) protocol),
//! and whatever part of the buffer needs a lock. Go's rules, one flavor per module:
//!
//! - A send hands its value straight to the first parked receiver it can claim; else buffers it
//!   if there is room; else parks *with its value in its waiter* ([`send`](super::send)).
//! - A receive takes the oldest buffered value; on an unbuffered channel ([`zero`](super::zero))
//!   it takes a parked sender's value from its waiter and completes that send in one wake; a
//!   receive that frees a slot of a full bounded buffer ([`array`](super::array)) moves the first
//!   parked sender's value into it, so the buffer stays full and FIFO ([`recv`](super::recv)).
//!   Channels built with tokio's `mpsc` rules ([`Chan::new`]) grant that slot to the sender
//!   instead, which moves its own value (a dropped `mpsc` send never delivers).
//! - An unbounded channel ([`list`](super::list)) never makes a sender wait.
//! - Under tokio's `mpsc` rules capacity units ([`units`](super::units)), not the buffer, bound
//!   a bounded channel; `mpsc` permits are units ([`permit`](super::permit)).
//!
//! Besides its flavor's buffer every channel has two small locked queues: `front` goes first
//! (values a cancelled receive handed back), `back` goes last (a new value that found the ring
//! full because a lock-free send took the room first). While `back` holds values, sends take
//! the lock and wait behind it, and receives move it into the ring as room frees: each value
//! keeps its place in line, so values from one sender arrive in the order sent.
//!
//! Cancel safety: a send future dropped while parked takes its value back (never delivered); one
//! dropped after a receiver took the value has delivered. A receive future dropped after being
//! handed a value passes it to the next parked receiver or back to the front (never lost); until
//! its receive takes it, a value in a cell counts as on its way, so a closed channel is not
//! drained before then ([`Chan::took_from_cell`]).
//!
//! User code (value destructors, wakers) never runs under the lock: [`Chan::locked`] collects
//! wakers and wakes them after unlocking, and values to drop are carried out of the section.

use super::array::mpsc_keeps_a_ring;
use super::list::BlockList;
use super::ring::Ring;
use super::shim::{
    fence, seqcst_rmw_done, Arc, AtomicBool, AtomicUsize, CachePadded, Lock, LockGuard, Ordering,
};
use super::units::Units;
use super::waiter::{RecvStatus, RecvWaiter, SendStatus, SendWaiter, Wakeups};
use crate::waitlist::{WaitList, WaiterId};
use std::collections::VecDeque;
use std::task::{Context, Poll};

#[cfg(loom)]
use loom::thread::yield_now;
#[cfg(not(loom))]
use std::thread::yield_now;

/// Stores one published count (see [`Chan::publish`]); only the lock holder writes them, so an
/// unchanged count is not stored. True when it raised the count.
#[inline(always)]
fn publish_count(count: &AtomicUsize, now: usize) -> bool {
    let before = count.load(Ordering::Relaxed);
    if now > before {
        count.store(now, Ordering::SeqCst);
        return true;
    }
    if now < before {
        count.store(now, Ordering::Release);
    }
    false
}

/// The capacity of an unbounded channel: a send never waits.
pub(crate) const UNBOUNDED: usize = usize::MAX;

/// The buffer of a channel, by capacity.
// One per channel, inside its `Arc`: the padded ring's size costs nothing, a `Box` would cost
// an indirection on every lock-free send and receive.
#[allow(clippy::large_enum_variant)]
pub(super) enum Flavor<T> {
    /// `cap == 0`: no buffer; senders wait in `sendq` with their values ([`super::zero`]).
    Zero,
    /// `1 <= cap < UNBOUNDED` (under `mpsc` rules, a buffer small enough for a ring): the
    /// lock-free ring ([`super::array`]).
    Array(Ring<T>),
    /// `UNBOUNDED`, or a large buffer under `mpsc` rules (its units bound it): the lock-free
    /// block list ([`super::list`]).
    List(BlockList<T>),
}

pub(super) struct State<T> {
    /// Goes before the flavor's buffer: values put back by a cancelled receive (older than
    /// everything buffered).
    pub(super) front: VecDeque<T>,
    /// Goes after the flavor's buffer: new values the full ring had no room for (see the module
    /// docs); moved into the ring first as room frees.
    pub(super) back: VecDeque<T>,
    pub(super) sendq: WaitList<SendWaiter<T>>,
    pub(super) recvq: WaitList<RecvWaiter<T>>,
    /// `Sender::closed()` futures.
    pub(super) closedq: WaitList<()>,
    pub(super) closed: bool,
    /// Values handed to parked receives' cells, less those taken out under the lock
    /// (wrapping). Less [`Locked::cells_emptied`], the values sitting in cells: they are on
    /// their way (a receive dropped before taking its value hands it back), so a closed
    /// channel is not drained until each is taken. Two counters, so that a hand-off costs one
    /// atomic read-modify-write (the take's), not two: a ping-pong round trip took 8% longer
    /// with one atomic count raised and lowered.
    pub(super) cells_filled: usize,
}

/// Why a send did not complete.
pub(crate) enum SendFail<T> {
    /// No room and nobody waiting to receive.
    Full(T),
    /// The channel is closed.
    Closed(T),
    /// Another branch of the current `select!` already committed.
    Lost(T),
}

/// Why a receive did not complete.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RecvFail {
    /// Nothing buffered and nobody waiting to send.
    Empty,
    /// Closed and drained.
    Closed,
    /// Another branch of the current `select!` already committed.
    Lost,
}

/// The progress of one send future (the value stays here until it parks or completes).
pub(crate) enum SendOp<T> {
    Idle(T),
    /// Parked; the value is in the waiter.
    Parked(WaiterId),
    Done,
}

/// The progress of one receive future (or of a receiver polled as a stream).
#[derive(Debug, Default)]
pub(crate) enum RecvOp {
    #[default]
    Idle,
    Parked(WaiterId),
}

/// The progress of one permit request.
#[derive(Debug, Default)]
pub(crate) enum ReserveOp {
    #[default]
    Idle,
    Parked(WaiterId),
    Done,
}

/// A channel: the state both ends share.
///
/// Bounded channels complete sends and receives without the lock when they can (a free unit,
/// a buffered value, nobody parked): see [`super::array`]. The counters below publish the
/// wait-list lengths for those lock-free paths.
///
/// `repr(C)`, in this order: the fields the lock-free paths read (written rarely), the buffer
/// (whose positions keep their distance: see [`CachePadded`]), the lock and what it guards.
/// Not over-aligned, so making and dropping a channel takes the allocator's fast path.
#[repr(C)]
pub(crate) struct Chan<T> {
    pub(super) cap: usize,
    /// tokio's `mpsc` rules on a bounded channel: the capacity units that bound it. Boxed:
    /// their two counters take a cache-line pair each, and a Go channel, which has none, should
    /// not carry their room (see [`Chan::new`]).
    pub(super) units: Option<Box<Units>>,
    /// `recvq.len()`, `sendq.len() + back.len()` and `front.len()`, published for the
    /// lock-free paths: a value waiting in `back` sends them to the lock like a parked sender.
    pub(super) recv_parked: AtomicUsize,
    pub(super) send_parked: AtomicUsize,
    pub(super) front_len: AtomicUsize,
    senders: AtomicUsize,
    pub(super) receivers: AtomicUsize,
    pub(super) closed: AtomicBool,
    /// Go's rules (`chan`): an operation completed on the lock-free path costs the poll's budget
    /// a tick, not a unit ([`crate::coop::rebate_lock_free`]). Never with `units` (those are
    /// tokio's `mpsc` rules), so a lock-free send under Go's rules pushes with no unit to take.
    /// tokio's `mpsc` keeps tokio's one unit per operation, which its users (and tokio's own
    /// tests) rely on to yield.
    pub(super) cheap_budget: bool,
    pub(super) flavor: Flavor<T>,
    /// Written by every lock and unlock: 128 bytes away from the buffer's last position and
    /// from the counters the lock-free paths read on every operation (the buffer lies between).
    pub(super) state: CachePadded<Locked<T>>,
}

/// The channel's lock, and the one counter kept on its cache line.
#[repr(C)]
pub(super) struct Locked<T> {
    /// Values taken out of receives' cells without the lock (wrapping): see
    /// [`State::cells_filled`]. The receive that takes one nearly always takes the lock next
    /// (to reply, or to park for the next value), so on the lock's line its add costs no cache
    /// miss of its own.
    pub(super) cells_emptied: AtomicUsize,
    lock: Lock<State<T>>,
}

impl<T> Locked<T> {
    #[inline]
    pub(super) fn lock(&self) -> LockGuard<'_, State<T>> {
        self.lock.lock()
    }
}

impl<T> Chan<T> {
    /// A channel with tokio's `mpsc` rules (see [`Chan::new_go`] for Go's), one sender and one
    /// receiver counted; `cap` may be [`UNBOUNDED`].
    pub(crate) fn new(cap: usize) -> Arc<Self> {
        Self::shared(cap, false)
    }

    /// A channel with Go's rules: a receive that frees a slot of a full buffer pulls the first
    /// parked sender's value in.
    pub(crate) fn new_go(cap: usize) -> Arc<Self> {
        Self::shared(cap, true)
    }

    /// The channel, made in its `Arc`'s memory. `Arc::new(chan)` built it on the stack and
    /// copied it over: 848 bytes (mostly the padding between its hot fields), a `memcpy` of
    /// 112 instructions per channel made, a tenth of making and dropping one.
    #[inline]
    fn shared(cap: usize, pulls_parked_senders: bool) -> Arc<Self> {
        #[cfg(loom)]
        return Arc::new(Self::with_rules(cap, pulls_parked_senders));
        #[cfg(not(loom))]
        {
            let mut shared = Arc::new(std::mem::MaybeUninit::<Self>::uninit());
            Arc::get_mut(&mut shared)
                .expect("not shared yet")
                .write(Self::with_rules(cap, pulls_parked_senders));
            // SAFETY: the value was just written, and `MaybeUninit<Self>` has `Self`'s size and
            // alignment, which is what `Arc::from_raw` asks of a pointer from another `Arc`.
            unsafe { Arc::from_raw(Arc::into_raw(shared).cast::<Self>()) }
        }
    }

    #[inline(always)]
    fn with_rules(cap: usize, pulls_parked_senders: bool) -> Self {
        // Go's rule (`chan`): a receive that frees a slot moves the first parked sender's value
        // into it. Under tokio's `mpsc` rules the slot is granted as a capacity unit and the
        // sender moves its value itself when it next runs, so a send future dropped before
        // completing never delivers.
        let units = (!pulls_parked_senders && cap != 0 && cap != UNBOUNDED)
            .then(|| Box::new(Units::new(cap)));
        // `cheap_budget` (Go's rules) never comes with units (see there).
        debug_assert!(!(pulls_parked_senders && units.is_some()));
        let flavor = match cap {
            0 => Flavor::Zero,
            UNBOUNDED => Flavor::List(BlockList::new()),
            cap if units.is_some() && !mpsc_keeps_a_ring(cap, Ring::<T>::SLOT_BYTES) => {
                Flavor::List(BlockList::new())
            }
            cap => Flavor::Array(Ring::new(cap)),
        };
        Chan {
            state: CachePadded::new(Locked {
                cells_emptied: AtomicUsize::new(0),
                lock: Lock::new(State {
                    front: VecDeque::new(),
                    back: VecDeque::new(),
                    sendq: WaitList::new(),
                    recvq: WaitList::new(),
                    closedq: WaitList::new(),
                    closed: false,
                    cells_filled: 0,
                }),
            }),
            cap,
            flavor,
            units,
            recv_parked: AtomicUsize::new(0),
            send_parked: AtomicUsize::new(0),
            front_len: AtomicUsize::new(0),
            senders: AtomicUsize::new(1),
            receivers: AtomicUsize::new(1),
            closed: AtomicBool::new(false),
            cheap_budget: pulls_parked_senders,
        }
    }

    /// The buffer capacity ([`UNBOUNDED`] for an unbounded channel).
    pub(crate) fn cap(&self) -> usize {
        self.cap
    }

    /// The one critical section: locks, runs `f`, publishes the counts, unlocks, then wakes
    /// whatever `f` collected (never under the lock).
    #[inline]
    pub(super) fn locked<R>(&self, f: impl FnOnce(&mut State<T>, &mut Wakeups) -> R) -> R {
        let mut wk = Wakeups::default();
        let out = {
            let mut st = self.state.lock();
            let out = f(&mut st, &mut wk);
            self.publish(&st);
            out
        };
        wk.wake();
        out
    }

    /// Publishes the queue lengths for the lock-free paths; true when it raised one. A raise is
    /// a `SeqCst` store, ordered before the re-check that follows a park ([`Self::publish_park`]);
    /// lowering late only costs a lock-free path a lock, so a lowered count is a plain release
    /// store (no `xchg` on every hand-off).
    #[inline]
    pub(super) fn publish(&self, st: &State<T>) -> bool {
        if !self.has_lock_free_buffer() {
            // Only the lock-free paths read the counts, and an unbuffered channel has none:
            // skip the fencing stores on every park and hand-off.
            return false;
        }
        let recv = publish_count(&self.recv_parked, st.recvq.len());
        let send = publish_count(&self.send_parked, st.sendq.len() + st.back.len());
        let front = publish_count(&self.front_len, st.front.len());
        recv | send | front
    }

    /// [`publish`](Self::publish) after a step that changed `recvq` alone (a hand-off to a
    /// parked receiver).
    #[inline(always)]
    pub(super) fn publish_recvq(&self, st: &State<T>) {
        if self.has_lock_free_buffer() {
            publish_count(&self.recv_parked, st.recvq.len());
        }
    }

    /// Publishes a park, then orders it before the look at the buffer that follows (the parking
    /// half of the Dekker pattern in [`super::fast`]). The park raised a count with a `SeqCst`
    /// store, and that look reads the buffer's positions with `SeqCst` loads, so the single
    /// total order of `SeqCst` operations already puts the store first: no fence (an `mfence`
    /// on every park of a buffered channel). Had nothing been raised, it fences.
    #[inline]
    pub(super) fn publish_park(&self, st: &State<T>) {
        if self.publish(st) {
            seqcst_rmw_done();
        } else {
            fence(Ordering::SeqCst);
        }
    }

    /// [`publish_park`](Self::publish_park) for a receive's park in a critical section that
    /// changed nothing else: only `recvq` grew.
    #[inline(always)]
    pub(super) fn publish_recv_park(&self, st: &State<T>) {
        if publish_count(&self.recv_parked, st.recvq.len()) {
            seqcst_rmw_done();
        } else {
            fence(Ordering::SeqCst);
        }
    }

    // ----- the buffer, by flavor -----

    /// True when the flavor's buffer works without the lock, so the lock-free paths
    /// ([`super::fast`]) apply; never for an unbuffered channel, which goes straight to the lock.
    #[inline]
    pub(super) fn has_lock_free_buffer(&self) -> bool {
        !matches!(self.flavor, Flavor::Zero)
    }

    /// Takes room for one value or a permit: a capacity unit under `mpsc` rules (an unbounded
    /// channel always has room).
    pub(super) fn take_unit(&self) -> bool {
        match &self.units {
            Some(units) => units.take(),
            None => matches!(self.flavor, Flavor::List(_)),
        }
    }

    /// Gives a unit back (`mpsc` rules; the others count their buffer).
    pub(super) fn return_unit(&self) {
        if let Some(units) = &self.units {
            units.give_back();
        }
    }

    /// Buffers `value` in the unit taken for it (`mpsc` rules: a permit's, a granted send's, a
    /// lock-free send's), even after close: a unit taken before the close still sends (tokio's
    /// rule), and the close marks the unit pools, never the buffer.
    ///
    /// A unit holder always finds a slot once the consumer of the previous lap finishes reading
    /// it; a ring that still looks full (a stale view of that consumer) is retried after
    /// yielding the thread. A push under the channel lock (`refill`, a granted send) yields
    /// holding it — only while such a consumer is preempted in the middle of its read.
    pub(super) fn push_unit(&self, mut value: T) {
        match &self.flavor {
            Flavor::Zero => unreachable!("an unbuffered channel has no room"),
            Flavor::Array(ring) => {
                while let Err(back) = ring.try_push(value) {
                    value = back;
                    yield_now();
                }
            }
            Flavor::List(list) => {
                if list.push(value).is_err() {
                    unreachable!("a buffer bounded by units is never closed itself");
                }
            }
        }
    }

    /// The oldest buffered value (the front queue, the flavor's buffer, then the back queue),
    /// giving its room back.
    pub(super) fn pop_buffered(&self, st: &mut State<T>) -> Option<T> {
        st.front
            .pop_front()
            .or_else(|| self.pop_lock_free())
            .or_else(|| st.back.pop_front())
    }

    /// True when a value may be buffered (one whose push is still in flight counts): a cheap
    /// look, so a flush with nothing to move skips the pops.
    #[inline(always)]
    pub(super) fn maybe_buffered(&self, st: &State<T>) -> bool {
        !st.front.is_empty()
            || !st.back.is_empty()
            || match &self.flavor {
                Flavor::Zero => false,
                Flavor::Array(ring) => !ring.is_empty(),
                Flavor::List(q) => !q.is_empty(),
            }
    }

    /// Buffers a new value behind everything else: in the flavor's buffer if it has room and
    /// nothing waits in `back`, else at the end of `back`.
    pub(super) fn push_newest(&self, st: &mut State<T>, mut value: T) {
        if st.back.is_empty() {
            match self.push_locked(value) {
                Ok(()) => return,
                Err(full) => value = full,
            }
        }
        st.back.push_back(value);
    }

    /// The oldest value of the flavor's (lock-free) buffer, giving its room back.
    #[inline]
    pub(super) fn pop_lock_free(&self) -> Option<T> {
        let value = match &self.flavor {
            Flavor::Zero => None,
            Flavor::Array(ring) => ring.pop(),
            Flavor::List(q) => q.pop(),
        }?;
        if let Some(units) = &self.units {
            // Its slot is read: the unit goes back.
            units.give_back_popped();
        }
        Some(value)
    }

    /// Buffers `value` if there is room and the channel is not closed (no lock needed: the ring
    /// and the list are lock-free; the list always has room): under `mpsc` rules a unit (then
    /// the push cannot fail), else a free slot.
    #[inline]
    pub(super) fn push_lock_free(&self, value: T) -> Result<(), T> {
        if let Some(units) = &self.units {
            if !units.take() {
                return Err(value);
            }
            self.push_unit(value);
            return Ok(());
        }
        match &self.flavor {
            Flavor::Zero => Err(value),
            Flavor::Array(ring) => ring.try_push(value),
            Flavor::List(q) => q.push(value),
        }
    }

    /// [`push_lock_free`](Self::push_lock_free) for a caller holding the lock: a full ring
    /// gives the value back at once ([`Ring::push_or_full`]).
    #[inline]
    pub(super) fn push_locked(&self, value: T) -> Result<(), T> {
        match (&self.units, &self.flavor) {
            (None, Flavor::Array(ring)) => ring.push_or_full(value),
            _ => self.push_lock_free(value),
        }
    }

    /// Nothing buffered and nothing on its way (no unit out: no push in flight, no permit; no
    /// value in a receive's cell, which its receive may still hand back if it is dropped).
    pub(super) fn drained(&self, st: &State<T>) -> bool {
        st.front.is_empty()
            && st.back.is_empty()
            && self.no_value_in_cells(st)
            && match (&self.units, &self.flavor) {
                // No unit out: no push in flight, no permit.
                (Some(units), _) => units.available() == self.cap,
                (None, Flavor::Zero) => true,
                (None, Flavor::Array(ring)) => ring.is_empty(),
                (None, Flavor::List(q)) => q.is_empty(),
            }
    }

    /// After close, once nothing is buffered or on its way, parked receivers get `None`.
    #[inline]
    pub(super) fn wake_receivers_if_done(&self, st: &mut State<T>, wk: &mut Wakeups) {
        // Open: nothing to look at (every refill after a pop asks; a call cost it 17
        // instructions).
        if st.closed {
            self.wake_receivers_if_drained(st, wk);
        }
    }

    #[cold]
    #[inline(never)]
    fn wake_receivers_if_drained(&self, st: &mut State<T>, wk: &mut Wakeups) {
        if self.drained(st) {
            wk.extend(st.recvq.drain(|w| w.status = RecvStatus::Closed));
        }
    }

    // ----- values in receives' cells -----

    /// True when no value waits in a receive's cell. Asked under the lock, of a closed channel
    /// only (so its cost does not matter). The lock-free count is read with a read-modify-write,
    /// not a load: a load may read a value older than a lock-free take's add, while a
    /// read-modify-write reads the newest. Then either it comes after that add (and counts
    /// it), or before: then the add reads what it wrote and synchronizes with it, so the
    /// take's look at `closed` sees the close this critical section follows, and the take
    /// wakes the receivers parked here (see [`took_from_cell`](Self::took_from_cell)).
    fn no_value_in_cells(&self, st: &State<T>) -> bool {
        let emptied = self.state.cells_emptied.fetch_add(0, Ordering::AcqRel);
        st.cells_filled.wrapping_sub(emptied) == 0
    }

    /// A receive took the value handed to its cell, without the lock. Once closed, that may
    /// have been the last value on its way: receivers that found the channel closed but not
    /// drained (that value was in the cell) and parked are told, under the lock. See
    /// [`no_value_in_cells`](Self::no_value_in_cells) for why a take that finds `closed`
    /// unset has nobody to tell.
    #[inline(always)]
    pub(super) fn took_from_cell(&self) {
        self.state.cells_emptied.fetch_add(1, Ordering::AcqRel);
        if self.closed.load(Ordering::Acquire) {
            self.wake_if_done();
        }
    }

    /// [`took_from_cell`](Self::took_from_cell) under the lock.
    #[inline(always)]
    pub(super) fn took_from_cell_locked(&self, st: &mut State<T>, wk: &mut Wakeups) {
        st.cells_filled = st.cells_filled.wrapping_sub(1);
        self.wake_receivers_if_done(st, wk);
    }

    #[cold]
    #[inline(never)]
    fn wake_if_done(&self) {
        self.locked(|st, wk| self.wake_receivers_if_done(st, wk));
    }

    // ----- closing and counting -----

    /// Closes the channel (idempotent): wakes every parked sender, receiver and `closed()` waiter.
    pub(crate) fn close(&self) {
        self.locked(|st, wk| self.close_locked(st, wk, true));
    }

    /// [`close`](Self::close) under the lock. `senders_left`: a handle that can still send
    /// exists, so a lock-free push may race this close. Once the last sender is gone none can,
    /// and the ring's close mark (a read-modify-write on its `tail`) is skipped.
    fn close_locked(&self, st: &mut State<T>, wk: &mut Wakeups, senders_left: bool) {
        if st.closed {
            return;
        }
        st.closed = true;
        self.closed.store(true, Ordering::Release);
        // Lock-free sends that read `closed` just before the store above fail from here on
        // rather than land behind a receive's `None` (see `ring`'s "Closing").
        match (&self.units, &self.flavor) {
            // `mpsc` rules: no new unit; units already out (permits) still push.
            (Some(units), _) => units.close(),
            (None, Flavor::Zero) => {}
            (None, Flavor::Array(ring)) if senders_left => ring.close(),
            (None, Flavor::Array(_)) => {}
            (None, Flavor::List(q)) => q.close(),
        }
        // A waiter already granted a unit keeps `Granted`: it gives the unit back when it
        // next runs and sees the close (or when it is dropped), so receivers waiting for
        // the outstanding units finish then, not before.
        // Each list looked at first: nearly every close finds all three empty (a channel made
        // and dropped, Go's reply channel), and an empty drain still builds and drops a `Vec`.
        if !st.sendq.is_empty() {
            wk.extend(st.sendq.drain(|w| {
                if w.status != SendStatus::Granted {
                    w.status = SendStatus::Closed;
                }
            }));
        }
        if !st.recvq.is_empty() {
            wk.extend(st.recvq.drain(|w| w.status = RecvStatus::Closed));
        }
        if !st.closedq.is_empty() {
            wk.extend(st.closedq.drain(|_| {}));
        }
    }

    /// True once closed.
    pub(crate) fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    /// Values buffered.
    pub(crate) fn len(&self) -> usize {
        let front = {
            let st = self.state.lock();
            st.front.len() + st.back.len()
        };
        match &self.flavor {
            Flavor::Zero => front,
            Flavor::Array(ring) => front + ring.len(),
            Flavor::List(q) => front + q.len(),
        }
    }

    /// Free slots: units nobody holds (buffered values, permits and sends in flight hold one).
    pub(crate) fn free_slots(&self) -> usize {
        match (&self.units, &self.flavor) {
            (Some(units), _) => units.available(),
            (None, Flavor::Zero) => 0,
            (None, Flavor::Array(ring)) => self.cap - ring.len(),
            (None, Flavor::List(q)) => UNBOUNDED - q.len(),
        }
    }

    /// Polls for the channel being closed (`mpsc::Sender::closed`).
    pub(crate) fn poll_closed(
        &self,
        slot: &mut Option<WaiterId>,
        cx: &mut Context<'_>,
    ) -> Poll<()> {
        let mut st = self.state.lock();
        if st.closed {
            if let Some(id) = slot.take() {
                st.closedq.remove(id);
            }
            return Poll::Ready(());
        }
        match *slot {
            Some(id) => st.closedq.register(id, cx.waker()),
            None => *slot = Some(st.closedq.push_back((), cx.waker())),
        }
        Poll::Pending
    }

    /// Drops a pending `closed()` future.
    pub(crate) fn cancel_closed(&self, slot: &mut Option<WaiterId>) {
        if let Some(id) = slot.take() {
            self.state.lock().closedq.remove(id);
        }
    }

    /// Counts one more sender.
    pub(crate) fn add_sender(&self) {
        self.senders.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts one more sender unless none is left (a weak sender's upgrade).
    pub(crate) fn try_add_sender(&self) -> bool {
        let mut n = self.senders.load(Ordering::Relaxed);
        loop {
            if n == 0 {
                return false;
            }
            match self
                .senders
                .compare_exchange_weak(n, n + 1, Ordering::AcqRel, Ordering::Relaxed)
            {
                Ok(_) => return true,
                Err(now) => n = now,
            }
        }
    }

    /// Senders alive.
    pub(crate) fn sender_count(&self) -> usize {
        self.senders.load(Ordering::Acquire)
    }

    /// A sender is gone; the last one closes the channel — unless every receiver is gone too:
    /// then nothing can be parked (every waiting future borrows a handle) and nobody is left to
    /// see the close (see [`drop_receiver`](Self::drop_receiver)).
    pub(crate) fn drop_sender(&self) {
        if self.senders.fetch_sub(1, Ordering::AcqRel) == 1
            && self.receivers.load(Ordering::Acquire) != 0
        {
            self.locked(|st, wk| self.close_locked(st, wk, false));
        }
    }

    /// Counts one more receiver.
    pub(crate) fn add_receiver(&self) {
        self.receivers.fetch_add(1, Ordering::Relaxed);
    }

    /// A receiver is gone; the last one closes the channel and drops what is buffered (nobody
    /// can receive it any more) — at once while a sender still holds the channel, else with the
    /// channel's memory.
    pub(crate) fn drop_receiver(&self) {
        if self.receivers.fetch_sub(1, Ordering::AcqRel) == 1 {
            if self.senders.load(Ordering::Acquire) == 0 {
                // Both ends are gone (the last sender closed it): nothing can be parked (every
                // waiting future borrows a handle) or sent any more, and what is buffered goes
                // with the channel's memory, which this receiver's `Arc` is about to let go of
                // (or the closing sender's, a moment later). No lock: a channel made and
                // dropped (Go's reply channel) takes one critical section, not two.
                return;
            }
            // One lock for both: the close, then what is buffered (usually nothing).
            let garbage = self.locked(|st, wk| {
                self.close_locked(st, wk, true);
                if !self.maybe_buffered(st) {
                    return VecDeque::new();
                }
                let mut garbage = std::mem::take(&mut st.front);
                while let Some(value) = self.pop_lock_free() {
                    garbage.push_back(value);
                }
                garbage.append(&mut st.back);
                garbage
            });
            drop(garbage);
        }
    }
}

#[cfg(all(test, not(loom)))]
impl<T> Chan<T> {
    /// Blocks the unbounded buffer holds (for the memory-after-a-burst test).
    pub(crate) fn buffer_blocks(&self) -> usize {
        match &self.flavor {
            Flavor::List(q) => q.live_blocks(),
            Flavor::Zero | Flavor::Array(_) => 0,
        }
    }
}
