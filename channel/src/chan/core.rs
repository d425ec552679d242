//! The channel engine shared by `chan`, `mpsc`: Go's `hchan` (`runtime/chan.go`) made async.
//!
//! One lock guards two wait-lists, `sendq` and `recvq`. A send hands its value straight to the
//! first parked receiver if there is one (the value is written into the receiver's waiter,
//! "completed in place"), else buffers it if it gets a capacity unit, else parks. A parked
//! sender keeps its value in its own future (so a dropped send never delivers): a receive that
//! frees a unit grants it to the first parked sender and wakes it; on an unbuffered channel
//! (`cap == 0`) a receiver parks and wakes the first parked sender, which hands it the value —
//! a send completes exactly when a receiver takes its value (rendezvous).
//!
//! The buffer of a bounded channel is the lock-free [`Ring`]: while nobody is parked, sends and
//! receives complete without the lock (see [`Chan`]); unbuffered and unbounded channels keep
//! their buffer (a `VecDeque` that shrinks after a burst) under the lock.
//!
//! Every completion first wins the waiter's `select!` token ([`crate::select`]): a peer skips a
//! waiter whose `select!` already committed another branch, so exactly one branch commits.
//!
//! Cancel safety: a dropped send future unlinks its waiter and its value goes with it (never
//! delivered); a dropped receive future that had already been handed a value passes the value to
//! the next parked receiver or puts it back at the front of the buffer (never lost).
//!
//! User code (value destructors, wakers) never runs under the lock: wakers are collected in
//! [`Wakeups`] and values to drop are carried out of the critical section.

use super::ring::Ring;
use super::shim::{fence, AtomicBool, AtomicUsize, Lock, Ordering};
use crate::coop;
use crate::select::{self, claim_peer, Claim, Current, SelectRef};
use crate::waitlist::{WaitList, WaiterId};
use std::collections::VecDeque;
use std::task::{ready, Context, Poll, Waker};

/// The capacity of an unbounded channel: a send never waits.
pub(crate) const UNBOUNDED: usize = usize::MAX;

/// An unbounded buffer at least this big that is three quarters empty gives memory back.
const SHRINK_ABOVE: usize = 64;

/// The state of a parked receiver.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RecvStatus {
    /// Parked (or skipped by a peer because its `select!` committed another branch).
    Waiting,
    /// A sender handed it a value (in its waiter).
    Done,
    /// Woken by close.
    Closed,
}

/// The state of a parked sender (or permit request). A parked sender keeps its value in its
/// own future: the value moves only when that future runs, so a dropped send never delivers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SendStatus {
    /// Parked.
    Waiting,
    /// A capacity unit of the bounded buffer was reserved for it.
    Granted,
    /// Unbuffered channel: a receiver parked and waits for this sender to hand it the value.
    Notified,
    /// Woken by close.
    Closed,
}

struct SendWaiter {
    status: SendStatus,
}

struct RecvWaiter<T> {
    value: Option<T>,
    status: RecvStatus,
    sel: Option<SelectRef>,
}

struct State<T> {
    /// The buffer of unbuffered and unbounded channels; for bounded ones (whose buffer is the
    /// lock-free ring) only the values a cancelled receive put back, which go first.
    buf: VecDeque<T>,
    sendq: WaitList<SendWaiter>,
    recvq: WaitList<RecvWaiter<T>>,
    /// `Sender::closed()` futures.
    closedq: WaitList<()>,
    closed: bool,
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

/// The progress of one send future (the value stays here until it moves into the channel).
pub(crate) enum SendOp<T> {
    Idle(T),
    Parked(WaiterId, T),
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

/// Wakers collected under the lock, woken once it is released.
#[derive(Default)]
struct Wakeups {
    one: Option<Waker>,
    more: Vec<Waker>,
}

impl Wakeups {
    #[inline]
    fn push(&mut self, waker: Option<Waker>) {
        if let Some(waker) = waker {
            match self.one {
                None => self.one = Some(waker),
                Some(_) => self.more.push(waker),
            }
        }
    }

    #[inline]
    fn wake(self) {
        if let Some(waker) = self.one {
            waker.wake();
        }
        for waker in self.more {
            waker.wake();
        }
    }
}

/// The buffer of a bounded channel (`cap >= 1`): a lock-free ring plus its capacity units.
///
/// `free` counts the units not held by anyone: a value in the ring, a send between taking a
/// unit and pushing, a granted parked sender and an `mpsc` permit each hold one. A pop returns
/// its unit only once the slot is read, so a unit holder always finds a slot (tokio's
/// semaphore-plus-queue layout). `free == cap` means nothing is buffered or on its way.
struct Bounded<T> {
    ring: Ring<T>,
    free: AtomicUsize,
}

/// A channel: the state both ends share.
///
/// Bounded channels complete sends and receives without the lock when they can (a free unit,
/// a buffered value, nobody parked): the ring and the counters below. Parking takes the lock,
/// publishes the parked count, fences, and looks at the ring again; the lock-free side fences
/// after its push or pop and then reads the parked counts — so one of the two always sees the
/// other and no wake-up is lost (the Dekker pattern crossbeam-channel's `SyncWaker` uses).
pub(crate) struct Chan<T> {
    state: Lock<State<T>>,
    cap: usize,
    bounded: Option<Bounded<T>>,
    /// `recvq.len()`, `sendq.len()` and `buf.len()`, published for the lock-free paths.
    recv_parked: AtomicUsize,
    send_parked: AtomicUsize,
    front_len: AtomicUsize,
    senders: AtomicUsize,
    receivers: AtomicUsize,
    closed: AtomicBool,
}

impl<T> Chan<T> {
    /// A channel with one sender and one receiver counted; `cap` may be [`UNBOUNDED`].
    pub(crate) fn new(cap: usize) -> Self {
        Chan {
            state: Lock::new(State {
                buf: VecDeque::new(),
                sendq: WaitList::new(),
                recvq: WaitList::new(),
                closedq: WaitList::new(),
                closed: false,
            }),
            cap,
            bounded: (cap > 0 && cap != UNBOUNDED).then(|| Bounded {
                ring: Ring::new(cap),
                free: AtomicUsize::new(cap),
            }),
            recv_parked: AtomicUsize::new(0),
            send_parked: AtomicUsize::new(0),
            front_len: AtomicUsize::new(0),
            senders: AtomicUsize::new(1),
            receivers: AtomicUsize::new(1),
            closed: AtomicBool::new(false),
        }
    }

    /// The buffer capacity ([`UNBOUNDED`] for an unbounded channel).
    pub(crate) fn cap(&self) -> usize {
        self.cap
    }

    // ----- buffer and counters -----

    /// Publishes the queue lengths for the lock-free paths. Called (then fenced) right after
    /// anything that raises them; lowering them late only costs a lock.
    #[inline]
    fn sync_counts(&self, st: &State<T>) {
        // Only the lock holder writes these: skip the (fencing) store when nothing changed.
        fn publish(count: &AtomicUsize, now: usize) {
            if count.load(Ordering::Relaxed) != now {
                count.store(now, Ordering::SeqCst);
            }
        }
        publish(&self.recv_parked, st.recvq.len());
        publish(&self.send_parked, st.sendq.len());
        publish(&self.front_len, st.buf.len());
    }

    /// Takes a capacity unit: room for one value.
    fn take_unit(&self, st: &State<T>) -> bool {
        match &self.bounded {
            Some(b) => {
                let mut free = b.free.load(Ordering::Acquire);
                loop {
                    if free == 0 {
                        return false;
                    }
                    match b.free.compare_exchange_weak(
                        free,
                        free - 1,
                        Ordering::AcqRel,
                        Ordering::Acquire,
                    ) {
                        Ok(_) => return true,
                        Err(now) => free = now,
                    }
                }
            }
            None => st.buf.len() < self.cap,
        }
    }

    /// Gives a unit back (a bounded channel's; the others count their buffer).
    fn return_unit(&self) {
        if let Some(b) = &self.bounded {
            b.free.fetch_add(1, Ordering::AcqRel);
        }
    }

    /// Buffers `value` with the unit taken for it.
    fn push_unit(&self, st: &mut State<T>, value: T) {
        match &self.bounded {
            Some(b) => b.ring.push_reserved(value),
            None => st.buf.push_back(value),
        }
    }

    /// The oldest buffered value (put-back values first), returning its unit.
    fn pop_any(&self, st: &mut State<T>) -> Option<T> {
        if let Some(value) = st.buf.pop_front() {
            return Some(value);
        }
        let b = self.bounded.as_ref()?;
        let value = b.ring.pop()?;
        self.return_unit();
        Some(value)
    }

    /// Nothing buffered and no unit out (no value on its way, no permit).
    fn drained(&self, st: &State<T>) -> bool {
        st.buf.is_empty()
            && self
                .bounded
                .as_ref()
                .map_or(true, |b| b.free.load(Ordering::Acquire) == self.cap)
    }

    /// Moves buffered values to parked receivers (after a lock-free push saw them parked).
    fn kick_locked(&self, st: &mut State<T>, wk: &mut Wakeups) {
        while !st.recvq.is_empty() {
            let Some(value) = self.pop_any(st) else {
                break;
            };
            if let Err(value) = Self::handoff(st, value, wk) {
                st.buf.push_front(value);
                break;
            }
        }
        self.refill(st, wk);
        self.sync_counts(st);
    }

    fn kick(&self) {
        let mut wk = Wakeups::default();
        {
            let mut st = self.state.lock();
            self.kick_locked(&mut st, &mut wk);
        }
        wk.wake();
    }

    /// A send without the lock: a free unit, nobody parked. `Err` falls back to the lock.
    fn fast_send(&self, value: T, me: Option<&Current<'_>>) -> Result<(), SendFail<T>> {
        let Some(b) = &self.bounded else {
            return Err(SendFail::Full(value));
        };
        if self.closed.load(Ordering::Acquire)
            || self.send_parked.load(Ordering::Acquire) != 0
            || self.recv_parked.load(Ordering::Acquire) != 0
        {
            return Err(SendFail::Full(value));
        }
        let claim = select::claim(me);
        if claim == Claim::Lost {
            return Err(SendFail::Lost(value));
        }
        let mut free = b.free.load(Ordering::Acquire);
        loop {
            if free == 0 {
                select::release(me, claim);
                return Err(SendFail::Full(value));
            }
            match b
                .free
                .compare_exchange_weak(free, free - 1, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => break,
                Err(now) => free = now,
            }
        }
        b.ring.push_reserved(value);
        fence(Ordering::SeqCst);
        if self.recv_parked.load(Ordering::Relaxed) != 0 {
            self.kick();
        }
        Ok(())
    }

    /// A receive without the lock: a value in the ring. `None` falls back to the lock.
    fn fast_recv(&self, me: Option<&Current<'_>>) -> Option<Result<T, RecvFail>> {
        let b = self.bounded.as_ref()?;
        if self.front_len.load(Ordering::Acquire) != 0 {
            return None;
        }
        let claim = select::claim(me);
        if claim == Claim::Lost {
            return Some(Err(RecvFail::Lost));
        }
        let Some(value) = b.ring.pop() else {
            select::release(me, claim);
            return None;
        };
        b.free.fetch_add(1, Ordering::AcqRel);
        fence(Ordering::SeqCst);
        if self.send_parked.load(Ordering::Relaxed) != 0
            || (self.closed.load(Ordering::Relaxed)
                && self.recv_parked.load(Ordering::Relaxed) != 0)
        {
            let mut wk = Wakeups::default();
            {
                let mut st = self.state.lock();
                self.refill(&mut st, &mut wk);
                self.wake_receivers_if_done(&mut st, &mut wk);
                self.sync_counts(&st);
            }
            wk.wake();
        }
        Some(Ok(value))
    }

    /// After close, once nothing is buffered or on its way, parked receivers get `None`.
    fn wake_receivers_if_done(&self, st: &mut State<T>, wk: &mut Wakeups) {
        if st.closed && self.drained(st) {
            for waker in st.recvq.drain(|w| w.status = RecvStatus::Closed) {
                wk.push(Some(waker));
            }
        }
    }

    // ----- sending -----

    /// Hands `value` to the first parked receiver whose `select!` (if any) it wins.
    fn handoff(st: &mut State<T>, value: T, wk: &mut Wakeups) -> Result<(), T> {
        while let Some((waiter, waker)) = st.recvq.pop_front() {
            wk.push(waker);
            if claim_peer(&waiter.sel) {
                waiter.value = Some(value);
                waiter.status = RecvStatus::Done;
                return Ok(());
            }
        }
        Err(value)
    }

    fn send_locked(
        &self,
        st: &mut State<T>,
        mut value: T,
        me: Option<&Current<'_>>,
        wk: &mut Wakeups,
    ) -> Result<(), SendFail<T>> {
        if st.closed {
            return Err(SendFail::Closed(value));
        }
        if !st.recvq.is_empty() && self.bounded.is_some() {
            // Values already buffered go first (per-sender FIFO).
            self.kick_locked(st, wk);
        }
        if !st.recvq.is_empty() {
            let claim = select::claim(me);
            if claim == Claim::Lost {
                return Err(SendFail::Lost(value));
            }
            match Self::handoff(st, value, wk) {
                Ok(()) => return Ok(()),
                Err(back) => value = back,
            }
            select::release(me, claim);
        }
        if st.sendq.is_empty() && self.take_unit(st) {
            if select::claim(me) == Claim::Lost {
                self.return_unit();
                return Err(SendFail::Lost(value));
            }
            self.push_unit(st, value);
            return Ok(());
        }
        Err(SendFail::Full(value))
    }

    /// A send that never waits.
    pub(crate) fn try_send(&self, value: T) -> Result<(), SendFail<T>> {
        let value = match self.fast_send(value, None) {
            Ok(()) => return Ok(()),
            Err(SendFail::Full(value) | SendFail::Lost(value) | SendFail::Closed(value)) => value,
        };
        let mut wk = Wakeups::default();
        let result = {
            let mut st = self.state.lock();
            let result = self.send_locked(&mut st, value, None, &mut wk);
            self.sync_counts(&st);
            result
        };
        wk.wake();
        result
    }

    /// Polls a send; `Err(value)` when the channel is closed.
    pub(crate) fn poll_send(
        &self,
        op: &mut SendOp<T>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), T>> {
        ready!(coop::poll_proceed(cx));
        let mut wk = Wakeups::default();
        let out = select::with_current(|me| {
            if self.bounded.is_some() && matches!(op, SendOp::Idle(_)) {
                if let SendOp::Idle(value) = std::mem::replace(op, SendOp::Done) {
                    match self.fast_send(value, me) {
                        Ok(()) => return Poll::Ready(Ok(())),
                        Err(SendFail::Lost(value)) => {
                            *op = SendOp::Idle(value);
                            return Poll::Pending;
                        }
                        Err(SendFail::Full(value) | SendFail::Closed(value)) => {
                            *op = SendOp::Idle(value)
                        }
                    }
                }
            }
            let mut st = self.state.lock();
            let out = (|| loop {
                match std::mem::replace(op, SendOp::Done) {
                    SendOp::Idle(value) => {
                        return match self.send_locked(&mut st, value, me, &mut wk) {
                            Ok(()) => Poll::Ready(Ok(())),
                            Err(SendFail::Closed(value)) => Poll::Ready(Err(value)),
                            Err(SendFail::Lost(value)) => {
                                *op = SendOp::Idle(value);
                                Poll::Pending
                            }
                            Err(SendFail::Full(value)) if me.is_some_and(Current::try_only) => {
                                *op = SendOp::Idle(value);
                                Poll::Pending
                            }
                            Err(SendFail::Full(value)) => {
                                let waiter = SendWaiter {
                                    status: SendStatus::Waiting,
                                };
                                let id = st.sendq.push_back(waiter, cx.waker());
                                *op = SendOp::Parked(id, value);
                                // Publish, then look again: a lock-free receive that freed a
                                // unit before seeing us parked left it for `refill`.
                                self.sync_counts(&st);
                                fence(Ordering::SeqCst);
                                self.refill(&mut st, &mut wk);
                                if st.sendq.get(id).status == SendStatus::Waiting {
                                    return Poll::Pending;
                                }
                                continue;
                            }
                        };
                    }
                    SendOp::Parked(id, value) => match st.sendq.get(id).status {
                        SendStatus::Waiting => {
                            st.sendq.register(id, cx.waker());
                            *op = SendOp::Parked(id, value);
                            return Poll::Pending;
                        }
                        SendStatus::Closed => {
                            st.sendq.remove(id);
                            return Poll::Ready(Err(value));
                        }
                        SendStatus::Notified => {
                            // A receiver is parked: try again, now as the active side.
                            st.sendq.remove(id);
                            *op = SendOp::Idle(value);
                        }
                        SendStatus::Granted => {
                            st.sendq.remove(id);
                            if st.closed {
                                self.release_locked(&mut st, &mut wk);
                                return Poll::Ready(Err(value));
                            }
                            if select::claim(me) == Claim::Lost {
                                // Another branch of our `select!` won: pass the unit on.
                                self.release_locked(&mut st, &mut wk);
                                *op = SendOp::Idle(value);
                                return Poll::Pending;
                            }
                            if !st.recvq.is_empty() {
                                self.kick_locked(&mut st, &mut wk);
                            }
                            match Self::handoff(&mut st, value, &mut wk) {
                                Ok(()) => self.release_locked(&mut st, &mut wk),
                                Err(value) => self.push_unit(&mut st, value),
                            }
                            self.sync_counts(&st);
                            return Poll::Ready(Ok(()));
                        }
                    },
                    SendOp::Done => panic!("a send future was polled after it completed"),
                }
            })();
            self.sync_counts(&st);
            out
        });
        wk.wake();
        if out.is_pending() {
            coop::refund();
        }
        out
    }

    /// Drops a pending send: its value is never delivered. A slot granted to it goes to the
    /// next parked sender; a receiver's notification goes to the next parked sender.
    pub(crate) fn cancel_send(&self, op: &mut SendOp<T>) {
        if let SendOp::Parked(id, value) = std::mem::replace(op, SendOp::Done) {
            let mut wk = Wakeups::default();
            {
                let mut st = self.state.lock();
                match st.sendq.remove(id).status {
                    SendStatus::Granted => self.release_locked(&mut st, &mut wk),
                    SendStatus::Notified if !st.recvq.is_empty() => {
                        Self::notify_sender(&mut st, &mut wk)
                    }
                    _ => {}
                }
                self.sync_counts(&st);
            }
            wk.wake();
            drop(value);
        }
    }

    /// Unbuffered channel: wakes the first parked sender to hand its value to a parked receiver.
    fn notify_sender(st: &mut State<T>, wk: &mut Wakeups) {
        if let Some((waiter, waker)) = st.sendq.pop_front() {
            waiter.status = SendStatus::Notified;
            wk.push(waker);
        }
    }

    // ----- receiving -----

    /// Grants free buffer slots to parked senders and permit requests, in FIFO order.
    fn refill(&self, st: &mut State<T>, wk: &mut Wakeups) {
        while !st.sendq.is_empty() && self.take_unit(st) {
            let (waiter, waker) = st.sendq.pop_front().expect("checked non-empty");
            waiter.status = SendStatus::Granted;
            wk.push(waker);
        }
    }

    fn recv_locked(
        &self,
        st: &mut State<T>,
        me: Option<&Current<'_>>,
        wk: &mut Wakeups,
    ) -> Result<T, RecvFail> {
        let claim = select::claim(me);
        if claim == Claim::Lost {
            return Err(RecvFail::Lost);
        }
        if let Some(value) = self.pop_any(st) {
            if !st.sendq.is_empty() {
                self.refill(st, wk);
            } else if self.cap == UNBOUNDED {
                let capacity = st.buf.capacity();
                if capacity > SHRINK_ABOVE && st.buf.len() * 4 < capacity {
                    st.buf.shrink_to(capacity / 2);
                }
            }
            return Ok(value);
        }
        select::release(me, claim);
        if st.closed && self.drained(st) {
            Err(RecvFail::Closed)
        } else {
            Err(RecvFail::Empty)
        }
    }

    /// A receive that never waits (`Lost` never happens here).
    pub(crate) fn try_recv(&self) -> Result<T, RecvFail> {
        if let Some(Ok(value)) = self.fast_recv(None) {
            return Ok(value);
        }
        let mut wk = Wakeups::default();
        let result = {
            let mut st = self.state.lock();
            let result = self.recv_locked(&mut st, None, &mut wk);
            self.sync_counts(&st);
            result
        };
        wk.wake();
        result
    }

    /// Polls a receive; `None` once the channel is closed and drained.
    pub(crate) fn poll_recv(&self, op: &mut RecvOp, cx: &mut Context<'_>) -> Poll<Option<T>> {
        ready!(coop::poll_proceed(cx));
        let mut wk = Wakeups::default();
        let out = select::with_current(|me| {
            if let RecvOp::Idle = op {
                match self.fast_recv(me) {
                    Some(Ok(value)) => return Poll::Ready(Some(value)),
                    Some(Err(_)) => return Poll::Pending, // our `select!` committed elsewhere
                    None => {}
                }
            }
            let mut st = self.state.lock();
            let out = (|| loop {
                match *op {
                    RecvOp::Idle => {
                        return match self.recv_locked(&mut st, me, &mut wk) {
                            Ok(value) => Poll::Ready(Some(value)),
                            Err(RecvFail::Closed) => Poll::Ready(None),
                            Err(RecvFail::Lost) => Poll::Pending,
                            Err(RecvFail::Empty) if me.is_some_and(Current::try_only) => {
                                Poll::Pending
                            }
                            Err(RecvFail::Empty) => {
                                let waiter = RecvWaiter {
                                    value: None,
                                    status: RecvStatus::Waiting,
                                    sel: select::park_ref(me),
                                };
                                let id = st.recvq.push_back(waiter, cx.waker());
                                *op = RecvOp::Parked(id);
                                if self.cap == 0 {
                                    Self::notify_sender(&mut st, &mut wk);
                                    self.sync_counts(&st);
                                    return Poll::Pending;
                                }
                                // Publish, then look again: a lock-free send that pushed before
                                // seeing us parked did not kick.
                                self.sync_counts(&st);
                                fence(Ordering::SeqCst);
                                match self.recv_locked(&mut st, me, &mut wk) {
                                    Err(RecvFail::Empty) => Poll::Pending,
                                    again => {
                                        st.recvq.remove(id);
                                        *op = RecvOp::Idle;
                                        self.sync_counts(&st);
                                        match again {
                                            Ok(value) => Poll::Ready(Some(value)),
                                            Err(RecvFail::Closed) => Poll::Ready(None),
                                            Err(_) => Poll::Pending,
                                        }
                                    }
                                }
                            }
                        };
                    }
                    RecvOp::Parked(id) => {
                        let queued = st.recvq.is_queued(id);
                        let waiter = st.recvq.get_mut(id);
                        match waiter.status {
                            RecvStatus::Done => {
                                *op = RecvOp::Idle;
                                let value = st.recvq.remove(id).value;
                                return Poll::Ready(Some(
                                    value.expect("a completed receive holds its value"),
                                ));
                            }
                            RecvStatus::Waiting if queued => {
                                select::refresh(me, &mut waiter.sel);
                                st.recvq.register(id, cx.waker());
                                return Poll::Pending;
                            }
                            RecvStatus::Waiting | RecvStatus::Closed => {
                                // Skipped by a peer, or woken by close: look again.
                                st.recvq.remove(id);
                                *op = RecvOp::Idle;
                            }
                        }
                    }
                }
            })();
            self.sync_counts(&st);
            out
        });
        wk.wake();
        if out.is_pending() {
            coop::refund();
        }
        out
    }

    /// Drops a pending receive; a value already handed to it goes to the next receiver or back
    /// to the front of the buffer.
    pub(crate) fn cancel_recv(&self, op: &mut RecvOp) {
        if let RecvOp::Parked(id) = std::mem::take(op) {
            let mut wk = Wakeups::default();
            {
                let mut st = self.state.lock();
                if let Some(value) = st.recvq.remove(id).value {
                    if let Err(value) = Self::handoff(&mut st, value, &mut wk) {
                        st.buf.push_front(value);
                    }
                }
                self.sync_counts(&st);
            }
            wk.wake();
        }
    }

    // ----- permits (mpsc reserve) -----

    /// Takes a permit if a slot is free.
    pub(crate) fn try_reserve(&self) -> Result<(), SendFail<()>> {
        let st = self.state.lock();
        if st.closed {
            Err(SendFail::Closed(()))
        } else if st.sendq.is_empty() && self.take_unit(&st) {
            Ok(())
        } else {
            Err(SendFail::Full(()))
        }
    }

    /// Polls a permit request; `Err(())` when the channel is closed.
    pub(crate) fn poll_reserve(
        &self,
        op: &mut ReserveOp,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), ()>> {
        ready!(coop::poll_proceed(cx));
        let mut wk = Wakeups::default();
        let out = select::with_current(|me| {
            let mut st = self.state.lock();
            let out = (|| match *op {
                ReserveOp::Idle => {
                    if st.closed {
                        *op = ReserveOp::Done;
                        return Poll::Ready(Err(()));
                    }
                    if st.sendq.is_empty() && self.take_unit(&st) {
                        if select::claim(me) == Claim::Lost {
                            self.return_unit();
                            return Poll::Pending;
                        }
                        *op = ReserveOp::Done;
                        return Poll::Ready(Ok(()));
                    }
                    if me.is_some_and(Current::try_only) {
                        return Poll::Pending;
                    }
                    let waiter = SendWaiter {
                        status: SendStatus::Waiting,
                    };
                    let id = st.sendq.push_back(waiter, cx.waker());
                    *op = ReserveOp::Parked(id);
                    // Publish, then look again (see `poll_send`).
                    self.sync_counts(&st);
                    fence(Ordering::SeqCst);
                    self.refill(&mut st, &mut wk);
                    if st.sendq.get(id).status == SendStatus::Granted {
                        st.sendq.remove(id);
                        if select::claim(me) == Claim::Lost {
                            self.release_locked(&mut st, &mut wk);
                            *op = ReserveOp::Idle;
                            return Poll::Pending;
                        }
                        *op = ReserveOp::Done;
                        return Poll::Ready(Ok(()));
                    }
                    Poll::Pending
                }
                ReserveOp::Parked(id) => match st.sendq.get(id).status {
                    SendStatus::Waiting => {
                        st.sendq.register(id, cx.waker());
                        Poll::Pending
                    }
                    SendStatus::Granted => {
                        st.sendq.remove(id);
                        if select::claim(me) == Claim::Lost {
                            self.release_locked(&mut st, &mut wk);
                            *op = ReserveOp::Idle;
                            return Poll::Pending;
                        }
                        *op = ReserveOp::Done;
                        Poll::Ready(Ok(()))
                    }
                    SendStatus::Closed | SendStatus::Notified => {
                        st.sendq.remove(id);
                        *op = ReserveOp::Done;
                        Poll::Ready(Err(()))
                    }
                },
                ReserveOp::Done => panic!("a reserve future was polled after it completed"),
            })();
            self.sync_counts(&st);
            out
        });
        wk.wake();
        if out.is_pending() {
            coop::refund();
        }
        out
    }

    /// Drops a pending permit request; a permit already granted to it is given back.
    pub(crate) fn cancel_reserve(&self, op: &mut ReserveOp) {
        if let ReserveOp::Parked(id) = std::mem::take(op) {
            let mut wk = Wakeups::default();
            {
                let mut st = self.state.lock();
                if st.sendq.remove(id).status == SendStatus::Granted {
                    self.release_locked(&mut st, &mut wk);
                }
                self.sync_counts(&st);
            }
            wk.wake();
        }
    }

    /// Gives a unit back under the lock: to the next parked sender, or, after close, lets
    /// receivers waiting for outstanding units finish.
    fn release_locked(&self, st: &mut State<T>, wk: &mut Wakeups) {
        self.return_unit();
        self.refill(st, wk);
        self.wake_receivers_if_done(st, wk);
        self.sync_counts(st);
    }

    /// Sends through a permit: never waits, and works even after `close` (as tokio's).
    pub(crate) fn send_permit(&self, value: T) {
        let mut wk = Wakeups::default();
        let garbage = {
            let mut st = self.state.lock();
            let garbage = if self.receivers.load(Ordering::Acquire) == 0 {
                self.release_locked(&mut st, &mut wk);
                Some(value)
            } else {
                if !st.recvq.is_empty() {
                    self.kick_locked(&mut st, &mut wk);
                }
                match Self::handoff(&mut st, value, &mut wk) {
                    Ok(()) => self.release_locked(&mut st, &mut wk),
                    Err(value) => self.push_unit(&mut st, value),
                }
                None
            };
            self.sync_counts(&st);
            garbage
        };
        wk.wake();
        drop(garbage);
    }

    /// Gives back an unused permit.
    pub(crate) fn release_permit(&self) {
        let mut wk = Wakeups::default();
        {
            let mut st = self.state.lock();
            self.release_locked(&mut st, &mut wk);
        }
        wk.wake();
    }

    // ----- closing and counting -----

    /// Closes the channel (idempotent): wakes every parked sender, receiver and `closed()` waiter.
    pub(crate) fn close(&self) {
        let mut wk = Wakeups::default();
        {
            let mut st = self.state.lock();
            if st.closed {
                return;
            }
            st.closed = true;
            self.closed.store(true, Ordering::Release);
            for waker in st.sendq.drain(|w| w.status = SendStatus::Closed) {
                wk.push(Some(waker));
            }
            for waker in st.recvq.drain(|w| w.status = RecvStatus::Closed) {
                wk.push(Some(waker));
            }
            for waker in st.closedq.drain(|_| {}) {
                wk.push(Some(waker));
            }
            self.sync_counts(&st);
        }
        wk.wake();
    }

    /// True once closed.
    pub(crate) fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    /// Values buffered.
    pub(crate) fn len(&self) -> usize {
        let front = self.state.lock().buf.len();
        front + self.bounded.as_ref().map_or(0, |b| b.ring.len())
    }

    /// Free slots: units nobody holds (buffered values, permits and granted senders hold one).
    pub(crate) fn free_slots(&self) -> usize {
        match &self.bounded {
            Some(b) => b.free.load(Ordering::Acquire),
            None => self.cap.saturating_sub(self.state.lock().buf.len()),
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

    /// A sender is gone; the last one closes the channel.
    pub(crate) fn drop_sender(&self) {
        if self.senders.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.close();
        }
    }

    /// Counts one more receiver.
    pub(crate) fn add_receiver(&self) {
        self.receivers.fetch_add(1, Ordering::Relaxed);
    }

    /// A receiver is gone; the last one closes the channel and drops what is buffered (nobody
    /// can receive it any more).
    pub(crate) fn drop_receiver(&self) {
        if self.receivers.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.close();
            let garbage = {
                let mut st = self.state.lock();
                let mut garbage = std::mem::take(&mut st.buf);
                if let Some(b) = &self.bounded {
                    while let Some(value) = b.ring.pop() {
                        self.return_unit();
                        garbage.push_back(value);
                    }
                }
                self.sync_counts(&st);
                garbage
            };
            drop(garbage);
        }
    }
}

#[cfg(all(test, not(loom)))]
impl<T> Chan<T> {
    /// The buffer's allocated capacity (for the shrink-after-burst test).
    pub(crate) fn buffer_capacity(&self) -> usize {
        self.state.lock().buf.capacity()
    }
}
