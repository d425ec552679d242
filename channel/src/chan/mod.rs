//! Go's channel: multi-producer, multi-consumer, buffered or unbuffered, closable.
//!
//! [`bounded`]`(n)` is Go's `make(chan T, n)`: up to `n` values wait in the buffer, and with
//! `n == 0` the channel is unbuffered — a send completes only when a receiver takes its value
//! (rendezvous). [`unbounded`] never makes a sender wait. Both ends are `Clone`; every clone of
//! either end can send or receive. The futures work on any executor (gort, tokio, smol,
//! `futures::executor::block_on`), and plain threads use [`Sender::send_blocking`] and
//! [`Receiver::recv_blocking`].
//!
//! # Go to gort
//!
//! | Go | gort |
//! | --- | --- |
//! | `ch := make(chan T, n)` | `let (tx, rx) = chan::bounded::<T>(n);` |
//! | `ch := make(chan T)` | `let (tx, rx) = chan::bounded::<T>(0);` |
//! | `ch <- v` | `tx.send(v).await?` (`Err(SendError(v))` once closed: never a panic) |
//! | `v := <-ch` | `let v = rx.recv().await;` (`Option<T>`) |
//! | `v, ok := <-ch` | `match rx.recv().await { Some(v) => .., None => /* closed */ }` |
//! | `close(ch)` | `tx.close()` (or drop every `Sender`) |
//! | `len(ch)`, `cap(ch)` | `tx.len()`, `tx.capacity()` (`None` for unbounded) |
//! | `select { case v := <-a: .. case b <- x: .. default: .. }` | `select! { Some(v) = a.recv() => .., Ok(()) = b.send(x) => .., default => .. }` |
//! | `for v := range ch { .. }` | `while let Some(v) = rx.recv().await { .. }` (or `rx` as a `Stream`) |
//! | `<-time.After(d)` | `gort::time::after(d).recv().await` |
//! | `sync.WaitGroup` | `gort::sync::WaitGroup` |
//! | `context.Context` | `gort::sync::CancellationToken` (+ `gort::time::timeout`) |
//! | `go f()` | `gort::spawn(f())` |
//!
//! # Closing
//!
//! As in Go, [`Sender::close`] (or [`Receiver::close`]) wakes every waiter: parked senders get
//! their value back in a [`SendError`], receivers first drain what is buffered and then get
//! `None`. Dropping the last `Sender` closes the channel; dropping the last `Receiver` closes it
//! too (senders get their values back instead of blocking forever) and drops what was buffered.
//!
//! # How it works
//!
//! Go's `hchan` (`runtime/chan.go`): FIFO wait-lists of parked senders and receivers (the crate's
//! wait-list core) under one lock. A parked sender's value waits in its waiter (Go's `sudog.elem`),
//! so every receive — [`Receiver::recv`], [`Receiver::try_recv`], [`Receiver::recv_blocking`], a
//! `select!` branch, `default` included — takes it at once and completes the send with one wake-up;
//! a receive from a full buffer with a sender parked moves that sender's value into the slot it
//! freed (the buffer stays full, in order). A sender that finds a receiver parked hands it the
//! value the same way, into a cell inside the receive future, which the woken future reads without
//! taking the lock again (`handoff`); a receive that takes a parked sender's value tells the send
//! future through its cell likewise. That is why [`SendFuture`] and [`RecvFuture`] are `!Unpin`, as
//! tokio's are. A bounded channel's buffer is a lock-free ring (Vyukov's bounded MPMC queue, as
//! crossbeam-channel's array flavor) that counts its capacity in its own slots, an unbounded
//! channel's a lock-free list of blocks (as crossbeam-channel's list flavor, freed as they drain),
//! so a send with room and a receive with a value take no lock at all; the lock is only for parking
//! and waking. `select!` coordinates its branches through one "selected" word that a peer must win
//! with a compare-and-swap before completing a parked operation (crossbeam-channel's `Context`,
//! Go's `selectDone`), so exactly one branch commits.
//!
//! # Cancel safety
//!
//! Dropping a pending `recv` never loses a message: a value already handed to it goes to the
//! next receiver or back to the front of the buffer. Dropping a pending `send` whose value is
//! still in its waiter takes the value back: it is never delivered. But a parked send's value is
//! there for any receiver to take, so a send future dropped *after* a receiver took its value
//! (it was woken and not polled again) has delivered — as in Go, where the blocked sender's
//! value is gone once a receiver arrived. Inside `select!` this never makes two branches commit:
//! the receiver must first win the `select!`'s token for the send's branch.
//!
//! ```
//! use gort_channel::chan;
//! # futures::executor::block_on(async {
//! let (tx, rx) = chan::bounded(0);
//! let worker = std::thread::spawn(move || {
//!     for i in 0..3 {
//!         tx.send_blocking(i).unwrap(); // blocks until received
//!     }
//! });
//! let mut got = Vec::new();
//! while let Some(v) = rx.recv().await {
//!     got.push(v);
//! }
//! assert_eq!(got, [0, 1, 2]);
//! worker.join().unwrap();
//! # });
//! ```

mod array;
mod core;
mod error;
mod fast;
mod list;
mod permit;
mod plain;
mod recv;
mod ring;
mod send;
pub(crate) mod shim;
mod units;
mod waiter;
mod zero;

pub use error::{SendError, TryRecvError, TrySendError};

pub(crate) use self::core::{Chan, RecvFail, RecvOp, ReserveOp, SendFail, SendOp, UNBOUNDED};
use self::fast::Miss;
use crate::handoff::HandOff;
pub(crate) use crate::sync::blocking::block_on;

use futures_core::Stream;
use gort_waitsite::WaitKind;
use shim::Arc;
use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::ptr;
use std::task::{Context, Poll};

/// A channel with a buffer of `cap` values; `cap == 0` makes it unbuffered (rendezvous).
///
/// The buffer is allocated now, as Go's `make(chan T, cap)` does.
///
/// # Panics
///
/// When a buffer of `cap` values cannot be allocated (the message names the size), as Go's
/// `make` panics; `usize::MAX` never can.
///
/// ```
/// # futures::executor::block_on(async {
/// let (tx, rx) = gort_channel::chan::bounded(2);
/// tx.send("a").await.unwrap();
/// tx.send("b").await.unwrap();
/// assert!(tx.try_send("c").is_err()); // full
/// assert_eq!(rx.recv().await, Some("a"));
/// # });
/// ```
pub fn bounded<T>(cap: usize) -> (Sender<T>, Receiver<T>) {
    if cap == UNBOUNDED {
        // `usize::MAX` marks an unbounded channel inside; no ring that large exists either.
        ring::does_not_fit::<T>(cap);
    }
    with_capacity(cap)
}

/// A channel of capacity `cap`, [`UNBOUNDED`] included.
fn with_capacity<T>(cap: usize) -> (Sender<T>, Receiver<T>) {
    let chan = Chan::new_go(cap);
    (
        Sender { chan: chan.clone() },
        Receiver {
            chan,
            op: RecvOp::Idle,
        },
    )
}

/// A channel whose senders never wait. Its buffer gives memory back as it drains after a burst.
///
/// ```
/// let (tx, rx) = gort_channel::chan::unbounded();
/// for i in 0..1000 {
///     tx.try_send(i).unwrap();
/// }
/// assert_eq!(rx.len(), 1000);
/// assert_eq!(rx.capacity(), None);
/// ```
pub fn unbounded<T>() -> (Sender<T>, Receiver<T>) {
    with_capacity(UNBOUNDED)
}

fn capacity_of<T>(chan: &Chan<T>) -> Option<usize> {
    match chan.cap() {
        UNBOUNDED => None,
        cap => Some(cap),
    }
}

/// The sending end of a [`chan`](self); clone it for more producers.
pub struct Sender<T> {
    chan: Arc<Chan<T>>,
}

impl<T> Sender<T> {
    /// Sends `value`, waiting while the buffer is full (on an unbuffered channel: until a
    /// receiver takes it). Fails, returning the value, once the channel is closed.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe inside `select!`: if another branch of a gort `select!` committed, the value
    /// was not delivered and nobody will receive it (a receiver must win the `select!`'s token
    /// before it takes a parked send's value). Dropped anywhere else while parked, the send
    /// takes its value back — unless a receiver already took the value from the parked send
    /// (Go's hand-off), in which case the send has delivered even though its future never
    /// reported it.
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let (tx, rx) = gort_channel::chan::bounded(1);
    /// tx.send(1).await.unwrap();
    /// rx.close();
    /// assert_eq!(tx.send(2).await.unwrap_err().0, 2);
    /// # });
    /// ```
    #[track_caller]
    pub fn send(&self, value: T) -> SendFuture<'_, T> {
        send_future(&self.chan, value)
    }

    /// Sends without waiting: `Full` when no slot is free and no receiver waits, `Closed` once
    /// closed; either way the value comes back.
    ///
    /// ```
    /// use gort_channel::chan::{bounded, TrySendError};
    /// let (tx, rx) = bounded(0);
    /// assert!(matches!(tx.try_send(1), Err(TrySendError::Full(1)))); // nobody receiving
    /// drop(rx);
    /// assert!(matches!(tx.try_send(1), Err(TrySendError::Closed(1))));
    /// ```
    pub fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        self.chan.try_send(value).map_err(|fail| match fail {
            SendFail::Full(value) | SendFail::Lost(value) => TrySendError::Full(value),
            SendFail::Closed(value) => TrySendError::Closed(value),
        })
    }

    /// Sends from a plain thread, blocking it while the buffer is full.
    ///
    /// Do not call it from async code: it blocks the worker thread.
    ///
    /// ```
    /// let (tx, rx) = gort_channel::chan::bounded(1);
    /// std::thread::spawn(move || tx.send_blocking(5).unwrap());
    /// assert_eq!(rx.recv_blocking(), Some(5));
    /// ```
    pub fn send_blocking(&self, value: T) -> Result<(), SendError<T>> {
        block_on(self.send(value))
    }

    /// Closes the channel: wakes every waiting sender (their values come back) and receiver
    /// (they drain the buffer, then get `None`). Returns `true` if this call closed it.
    ///
    /// ```
    /// let (tx, rx) = gort_channel::chan::bounded::<()>(1);
    /// assert!(tx.close());
    /// assert!(!tx.close());
    /// assert!(rx.is_closed());
    /// ```
    pub fn close(&self) -> bool {
        close(&self.chan)
    }

    /// True once the channel is closed.
    ///
    /// ```
    /// let (tx, rx) = gort_channel::chan::unbounded::<()>();
    /// drop(rx);
    /// assert!(tx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.chan.is_closed()
    }

    /// Number of values buffered (Go's `len(ch)`).
    ///
    /// ```
    /// let (tx, _rx) = gort_channel::chan::bounded(4);
    /// tx.try_send(()).unwrap();
    /// assert_eq!(tx.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.chan.len()
    }

    /// True when nothing is buffered.
    ///
    /// ```
    /// let (tx, _rx) = gort_channel::chan::bounded::<()>(4);
    /// assert!(tx.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The buffer size given to [`bounded`] (Go's `cap(ch)`); `None` for [`unbounded`].
    ///
    /// ```
    /// assert_eq!(gort_channel::chan::bounded::<()>(0).0.capacity(), Some(0));
    /// assert_eq!(gort_channel::chan::unbounded::<()>().0.capacity(), None);
    /// ```
    pub fn capacity(&self) -> Option<usize> {
        capacity_of(&self.chan)
    }

    /// The identity waits on this channel record (see `gort-waitsite`): the reactor marks its
    /// timer channels with it.
    #[doc(hidden)]
    pub fn __wait_resource(&self) -> usize {
        ptr::from_ref::<Chan<T>>(&self.chan) as usize
    }

    /// True when both handles belong to the same channel.
    ///
    /// ```
    /// let (tx, _rx) = gort_channel::chan::bounded::<()>(1);
    /// assert!(tx.same_channel(&tx.clone()));
    /// ```
    pub fn same_channel(&self, other: &Sender<T>) -> bool {
        Arc::ptr_eq(&self.chan, &other.chan)
    }
}

/// A send future on any channel of the engine (`mpsc` uses it too).
#[track_caller]
pub(crate) fn send_future<T>(chan: &Chan<T>, value: T) -> SendFuture<'_, T> {
    SendFuture {
        chan,
        op: SendOp::Idle(value),
        hand: HandOff::new(),
        site: Location::caller(),
    }
}

fn close<T>(chan: &Chan<T>) -> bool {
    let was_closed = chan.is_closed();
    chan.close();
    !was_closed
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        self.chan.add_sender();
        Sender {
            chan: self.chan.clone(),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        self.chan.drop_sender();
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("chan::Sender")
            .field("capacity", &self.capacity())
            .field("closed", &self.is_closed())
            .finish_non_exhaustive()
    }
}

/// The receiving end of a [`chan`](self); clone it for more consumers. Also a
/// [`Stream`] that ends when the channel is closed and drained.
pub struct Receiver<T> {
    chan: Arc<Chan<T>>,
    /// The receive in progress when polled as a `Stream`.
    op: RecvOp,
}

impl<T> Receiver<T> {
    /// Receives the next value, waiting for one; `None` once the channel is closed and drained.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: if the future is dropped before it completes, no value is lost (one already
    /// handed to it goes to the next receiver or back to the front of the buffer).
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let (tx, rx) = gort_channel::chan::bounded(1);
    /// tx.send(9).await.unwrap();
    /// drop(tx);
    /// assert_eq!(rx.recv().await, Some(9));
    /// assert_eq!(rx.recv().await, None);
    /// # });
    /// ```
    #[track_caller]
    pub fn recv(&self) -> RecvFuture<'_, T> {
        RecvFuture {
            chan: &self.chan,
            op: RecvOp::Idle,
            hand: HandOff::new(),
            site: Location::caller(),
        }
    }

    /// Receives without waiting: a buffered value, or the value of a parked sender (which that
    /// completes, as Go's non-blocking receive does).
    ///
    /// ```
    /// use gort_channel::chan::{bounded, unbounded, TryRecvError};
    /// let (tx, rx) = unbounded();
    /// tx.try_send(1).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    ///
    /// // Unbuffered: a sender blocked in `send` is seen at once.
    /// let (tx, rx) = bounded(0);
    /// let sender = std::thread::spawn(move || tx.send_blocking("hi"));
    /// let got = loop {
    ///     match rx.try_recv() {
    ///         Ok(v) => break v,
    ///         Err(_) => std::thread::yield_now(), // the sender has not parked yet
    ///     }
    /// };
    /// assert_eq!(got, "hi");
    /// assert!(sender.join().unwrap().is_ok());
    /// ```
    pub fn try_recv(&self) -> Result<T, TryRecvError> {
        self.chan.try_recv().map_err(|fail| match fail {
            RecvFail::Closed => TryRecvError::Closed,
            RecvFail::Empty | RecvFail::Lost => TryRecvError::Empty,
        })
    }

    /// Receives on a plain thread, blocking it until a value arrives or the channel closes.
    ///
    /// Do not call it from async code: it blocks the worker thread.
    ///
    /// ```
    /// let (tx, rx) = gort_channel::chan::bounded(0);
    /// std::thread::spawn(move || tx.send_blocking("hi").unwrap());
    /// assert_eq!(rx.recv_blocking(), Some("hi"));
    /// ```
    pub fn recv_blocking(&self) -> Option<T> {
        block_on(self.recv())
    }

    /// Closes the channel (see [`Sender::close`]). Returns `true` if this call closed it.
    ///
    /// ```
    /// let (tx, rx) = gort_channel::chan::bounded(1);
    /// tx.try_send(1).unwrap();
    /// rx.close();
    /// assert!(tx.try_send(2).is_err());
    /// assert_eq!(rx.try_recv(), Ok(1)); // buffered values still drain
    /// ```
    pub fn close(&self) -> bool {
        close(&self.chan)
    }

    /// True once the channel is closed (values may still be buffered).
    ///
    /// ```
    /// let (tx, rx) = gort_channel::chan::bounded::<()>(1);
    /// drop(tx);
    /// assert!(rx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.chan.is_closed()
    }

    /// Number of values buffered.
    ///
    /// ```
    /// let (tx, rx) = gort_channel::chan::bounded(2);
    /// tx.try_send(1).unwrap();
    /// assert_eq!(rx.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.chan.len()
    }

    /// True when nothing is buffered.
    ///
    /// ```
    /// let (_tx, rx) = gort_channel::chan::bounded::<()>(2);
    /// assert!(rx.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The buffer size; `None` for an unbounded channel.
    ///
    /// ```
    /// assert_eq!(gort_channel::chan::bounded::<()>(3).1.capacity(), Some(3));
    /// ```
    pub fn capacity(&self) -> Option<usize> {
        capacity_of(&self.chan)
    }

    /// True when both handles belong to the same channel.
    ///
    /// ```
    /// let (_tx, rx) = gort_channel::chan::bounded::<()>(1);
    /// assert!(rx.same_channel(&rx.clone()));
    /// ```
    pub fn same_channel(&self, other: &Receiver<T>) -> bool {
        Arc::ptr_eq(&self.chan, &other.chan)
    }
}

impl<T> Clone for Receiver<T> {
    fn clone(&self) -> Self {
        self.chan.add_receiver();
        Receiver {
            chan: self.chan.clone(),
            op: RecvOp::Idle,
        }
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        self.chan.cancel_recv(&mut self.op, None);
        self.chan.drop_receiver();
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("chan::Receiver")
            .field("capacity", &self.capacity())
            .field("closed", &self.is_closed())
            .finish_non_exhaustive()
    }
}

/// A receiver polled as a stream parks between polls; a value sent to it meanwhile waits at the
/// front of the buffer (it is not handed into the parked slot), so `try_recv`, `recv` and every
/// clone still see it.
impl<T> Stream for Receiver<T> {
    type Item = T;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let this = self.get_mut();
        this.chan.poll_next(&mut this.op, cx)
    }
}

/// Records the wait site of a leaf future that returned `Pending` (see `gort-waitsite`).
#[inline]
fn waited<T, R>(polled: &Poll<R>, kind: WaitKind, chan: &T, site: &'static Location<'static>) {
    if polled.is_pending() {
        gort_waitsite::record(kind, ptr::from_ref(chan).cast(), 0, site);
    }
}

/// The future of [`Sender::send`].
///
/// It is `!Unpin`, as tokio's channel futures are: while parked, its waiter points at a cell
/// inside it, where the receive that takes its value says so (no lock on the way back). Pin it
/// (`std::pin::pin!`, `Box::pin`) to poll it by hand; `.await` and `select!` do that already.
#[must_use = "futures do nothing unless polled"]
pub struct SendFuture<'a, T> {
    chan: &'a Chan<T>,
    op: SendOp<T>,
    /// Pinned: see [`HandOff`].
    hand: HandOff<()>,
    site: &'static Location<'static>,
}

impl<T> Future for SendFuture<'_, T> {
    type Output = Result<(), SendError<T>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: `hand` is structurally pinned — never moved out of or handed out mutably;
        // the other fields are never pinned.
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: `this` was pinned, and `hand` with it (see above).
        let hand = unsafe { Pin::new_unchecked(&this.hand) };
        match this.chan.poll_send_quick(&mut this.op, hand) {
            Ok(()) => Poll::Ready(Ok(())),
            // The only call: the common case saves no registers.
            Err(miss) => send_slow(this, cx, miss),
        }
    }
}

/// A send poll past its lock-free part (which said `miss`), out of line.
#[inline(never)]
fn send_slow<T>(
    this: &mut SendFuture<'_, T>,
    cx: &mut Context<'_>,
    miss: Miss,
) -> Poll<Result<(), SendError<T>>> {
    match miss {
        // A yield, not a wait: nothing to record.
        Miss::Yield => return crate::coop::thread_budget_spent(cx),
        Miss::ReceiverParked => {
            this.chan.send_to_parked_receiver();
            return Poll::Ready(Ok(()));
        }
        Miss::Contended if this.chan.send_contended(&mut this.op) => return Poll::Ready(Ok(())),
        Miss::Contended | Miss::Missed | Miss::Skipped => {}
    }
    // A contended push that found no room after all is a miss: the plain lane next.
    let miss = miss.contended_as_missed();
    // SAFETY: `this` is the pinned future of `SendFuture::poll`, which passed it on; `hand` is
    // structurally pinned (see there).
    let hand = unsafe { Pin::new_unchecked(&this.hand) };
    let polled = match this.chan.poll_send_plain(&mut this.op, hand, cx, miss) {
        Some(polled) => polled,
        None => this
            .chan
            .poll_send_full(&mut this.op, hand, cx, miss.try_lock_free()),
    }
    .map_err(SendError);
    waited(&polled, WaitKind::ChanSend, this.chan, this.site);
    polled
}

impl<T> Drop for SendFuture<'_, T> {
    fn drop(&mut self) {
        self.chan.cancel_send(&mut self.op, &self.hand);
    }
}

impl<T> fmt::Debug for SendFuture<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SendFuture").finish_non_exhaustive()
    }
}

/// The future of [`Receiver::recv`].
///
/// It is `!Unpin`, as tokio's channel futures are: while parked, its waiter points at a cell
/// inside it, where a sender hands over its value (no lock on the way back). Pin it
/// (`std::pin::pin!`, `Box::pin`) to poll it by hand; `.await` and `select!` do that already.
#[must_use = "futures do nothing unless polled"]
pub struct RecvFuture<'a, T> {
    chan: &'a Chan<T>,
    op: RecvOp,
    /// Pinned: see [`HandOff`].
    hand: HandOff<T>,
    site: &'static Location<'static>,
}

impl<T> Future for RecvFuture<'_, T> {
    type Output = Option<T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        // SAFETY: `hand` is structurally pinned — never moved out of or handed out mutably;
        // the other fields are never pinned.
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: `this` was pinned, and `hand` with it (see above).
        let hand = unsafe { Pin::new_unchecked(&this.hand) };
        let (chan, site) = (this.chan, this.site);
        // Every case but the common ones ends in a tail call to `recv_slow`.
        chan.poll_recv_quick(&mut this.op, hand, cx, move |op, cx, miss| {
            recv_slow(chan, op, hand, cx, miss, site)
        })
    }
}

/// A receive poll past its lock-free part, out of line (see [`send_slow`]).
#[inline(never)]
fn recv_slow<T>(
    chan: &Chan<T>,
    op: &mut RecvOp,
    hand: Pin<&HandOff<T>>,
    cx: &mut Context<'_>,
    miss: Miss,
    site: &'static Location<'static>,
) -> Poll<Option<T>> {
    let polled = chan.poll_recv_missed(op, Some(hand), cx, miss);
    waited(&polled, WaitKind::ChanRecv, chan, site);
    polled
}

impl<T> Drop for RecvFuture<'_, T> {
    fn drop(&mut self) {
        self.chan.cancel_recv(&mut self.op, Some(&self.hand));
    }
}

impl<T> fmt::Debug for RecvFuture<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecvFuture").finish_non_exhaustive()
    }
}

#[cfg(all(test, not(loom)))]
pub(crate) mod tests;

#[cfg(all(test, loom))]
mod loom_tests;
