//! The receiving halves, [`Receiver`] and [`UnboundedReceiver`], over one shared core.

use super::error::TryRecvError;
use crate::chan::shim::Arc;
use crate::chan::{block_on, Chan, RecvFail, RecvOp, UNBOUNDED};
use crate::handoff::HandOff;
use futures_core::Stream;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// What both receivers are: the channel and the receive in progress when polled directly.
pub(super) struct RxCore<T> {
    pub(super) chan: Arc<Chan<T>>,
    /// The receive parked by `poll_recv` (or the `Stream`): its state outlives the call. A
    /// `recv`/`recv_many` future keeps its own, next to the cell a sender hands it a value in.
    op: RecvOp,
}

impl<T> RxCore<T> {
    pub(super) fn new(chan: Arc<Chan<T>>) -> Self {
        RxCore {
            chan,
            op: RecvOp::Idle,
        }
    }

    /// Polled directly (`poll_recv`, `Stream`): the parked receive outlives the call, so a
    /// value for it waits at the front of the buffer, where `try_recv` still sees it.
    fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.chan.poll_next(&mut self.op, cx)
    }

    /// Polled by a `recv`/`recv_many` future, which keeps `op` and `hand` (pinned) and borrows
    /// the receiver until it completes or is dropped (its drop passes a handed value back): the
    /// value goes straight into its cell, one wake-up and no lock on the way back.
    fn poll_in_place(
        &mut self,
        op: &mut RecvOp,
        hand: Pin<&HandOff<T>>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<T>> {
        // A receive `poll_recv` left parked gives way (a signal for it is passed on, so the
        // value it announced is found at the front).
        self.chan.cancel_recv(&mut self.op, None);
        self.chan.poll_recv(op, hand, cx)
    }

    /// After a first value, up to `limit` in all of those buffered now.
    fn take_more(&mut self, first: Option<T>, buffer: &mut Vec<T>, limit: usize) -> usize {
        let Some(first) = first else {
            return 0;
        };
        buffer.push(first);
        let mut n = 1;
        while n < limit {
            match self.chan.try_recv() {
                Ok(value) => {
                    buffer.push(value);
                    n += 1;
                }
                Err(_) => break,
            }
        }
        n
    }

    fn cancel(&mut self) {
        self.chan.cancel_recv(&mut self.op, None);
    }

    fn try_recv(&mut self) -> Result<T, TryRecvError> {
        self.chan.try_recv().map_err(|fail| match fail {
            RecvFail::Closed => TryRecvError::Disconnected,
            RecvFail::Empty | RecvFail::Lost => TryRecvError::Empty,
        })
    }
}

impl<T> Drop for RxCore<T> {
    fn drop(&mut self) {
        self.cancel();
        self.chan.drop_receiver();
    }
}

macro_rules! receiver_methods {
    ($name:ident, $ctor:literal, $send:literal) => {
        impl<T> $name<T> {
            /// Receives the next value, waiting for one; `None` once every sender is gone (or
            /// the channel was closed) and the buffer is drained.
            ///
            /// # Cancel safety
            ///
            /// Cancel safe: if the future is dropped before it completes (say another
            /// `select!` branch won), no message is lost.
            ///
            /// ```
            /// # futures::executor::block_on(async {
            #[doc = concat!("let (tx, mut rx) = gort_channel::sync::mpsc::", $ctor, ";")]
            /// drop(tx);
            /// assert_eq!(rx.recv().await, None);
            /// # });
            /// ```
            #[track_caller]
            pub fn recv(&mut self) -> RecvFuture<'_, T> {
                RecvFuture {
                    rx: &mut self.core,
                    op: RecvOp::Idle,
                    hand: HandOff::new(),
                    site: std::panic::Location::caller(),
                }
            }

            /// Waits for at least one value, then moves up to `limit` buffered values into
            /// `buffer`; returns how many (0 only when `limit == 0` or the channel is closed and
            /// drained).
            ///
            /// # Cancel safety
            ///
            /// Cancel safe: nothing is received unless the future completes.
            ///
            /// ```
            /// # futures::executor::block_on(async {
            #[doc = concat!("let (tx, mut rx) = gort_channel::sync::mpsc::", $ctor, ";")]
            #[doc = concat!(" for i in 0..3 { tx.", $send, "(i).unwrap(); }")]
            /// let mut buf = Vec::new();
            /// assert_eq!(rx.recv_many(&mut buf, 10).await, 3);
            /// assert_eq!(buf, [0, 1, 2]);
            /// # });
            /// ```
            pub fn recv_many<'a>(
                &'a mut self,
                buffer: &'a mut Vec<T>,
                limit: usize,
            ) -> RecvManyFuture<'a, T> {
                RecvManyFuture {
                    rx: &mut self.core,
                    op: RecvOp::Idle,
                    hand: HandOff::new(),
                    buffer,
                    limit,
                }
            }

            /// Receives without waiting.
            ///
            /// ```
            /// use gort_channel::sync::mpsc::error::TryRecvError;
            #[doc = concat!("let (tx, mut rx) = gort_channel::sync::mpsc::", $ctor, ";")]
            /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
            #[doc = concat!(" tx.", $send, "(1).unwrap();")]
            /// assert_eq!(rx.try_recv(), Ok(1));
            /// ```
            pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
                self.core.try_recv()
            }

            /// Receives on a plain thread, blocking it (never call it from async code).
            ///
            /// ```
            #[doc = concat!("let (tx, mut rx) = gort_channel::sync::mpsc::", $ctor, ";")]
            #[doc = concat!(" std::thread::spawn(move || tx.", $send, "(5).unwrap());")]
            /// assert_eq!(rx.blocking_recv(), Some(5));
            /// ```
            #[track_caller]
            pub fn blocking_recv(&mut self) -> Option<T> {
                block_on(self.recv())
            }

            /// [`recv_many`](Self::recv_many) on a plain thread, blocking it.
            ///
            /// ```
            #[doc = concat!("let (tx, mut rx) = gort_channel::sync::mpsc::", $ctor, ";")]
            #[doc = concat!(" tx.", $send, "(5).unwrap();")]
            /// let mut buf = Vec::new();
            /// assert_eq!(rx.blocking_recv_many(&mut buf, 4), 1);
            /// ```
            #[track_caller]
            pub fn blocking_recv_many(&mut self, buffer: &mut Vec<T>, limit: usize) -> usize {
                block_on(self.recv_many(buffer, limit))
            }

            /// Closes the receiving half: sends fail from now on, while buffered values (and
            /// those of permits already granted) can still be received.
            ///
            /// ```
            #[doc = concat!("let (tx, mut rx) = gort_channel::sync::mpsc::", $ctor, ";")]
            #[doc = concat!(" tx.", $send, "(1).unwrap();")]
            /// rx.close();
            #[doc = concat!(" assert!(tx.", $send, "(2).is_err());")]
            /// assert_eq!(rx.try_recv(), Ok(1));
            /// ```
            pub fn close(&mut self) {
                self.core.chan.close();
            }

            /// Polls for the next value (what [`recv`](Self::recv) does), for manual `Future`
            /// and `Stream` implementations.
            ///
            /// ```
            /// use std::task::{Context, Poll};
            #[doc = concat!("let (tx, mut rx) = gort_channel::sync::mpsc::", $ctor, ";")]
            /// let waker = futures::task::noop_waker();
            /// let mut cx = Context::from_waker(&waker);
            /// assert!(rx.poll_recv(&mut cx).is_pending());
            #[doc = concat!(" tx.", $send, "(3).unwrap();")]
            /// assert_eq!(rx.poll_recv(&mut cx), Poll::Ready(Some(3)));
            /// ```
            pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
                self.core.poll_recv(cx)
            }

            /// Polls for up to `limit` values (what [`recv_many`](Self::recv_many) does).
            ///
            /// ```
            /// use std::task::{Context, Poll};
            #[doc = concat!("let (tx, mut rx) = gort_channel::sync::mpsc::", $ctor, ";")]
            /// let waker = futures::task::noop_waker();
            /// let mut cx = Context::from_waker(&waker);
            #[doc = concat!(" tx.", $send, "(3).unwrap();")]
            /// let mut buf = Vec::new();
            /// assert_eq!(rx.poll_recv_many(&mut cx, &mut buf, 2), Poll::Ready(1));
            /// ```
            pub fn poll_recv_many(
                &mut self,
                cx: &mut Context<'_>,
                buffer: &mut Vec<T>,
                limit: usize,
            ) -> Poll<usize> {
                if limit == 0 {
                    return Poll::Ready(0);
                }
                let first = std::task::ready!(self.core.poll_recv(cx));
                Poll::Ready(self.core.take_more(first, buffer, limit))
            }

            /// True once closed (every sender gone, or [`close`](Self::close) called).
            ///
            /// ```
            #[doc = concat!("let (tx, rx) = gort_channel::sync::mpsc::", $ctor, ";")]
            /// drop(tx);
            /// assert!(rx.is_closed());
            /// ```
            pub fn is_closed(&self) -> bool {
                self.core.chan.is_closed()
            }

            /// True when nothing is buffered.
            ///
            /// ```
            #[doc = concat!("let (_tx, rx) = gort_channel::sync::mpsc::", $ctor, ";")]
            /// assert!(rx.is_empty());
            /// ```
            pub fn is_empty(&self) -> bool {
                self.core.chan.len() == 0
            }

            /// Number of values buffered.
            ///
            /// ```
            #[doc = concat!("let (tx, rx) = gort_channel::sync::mpsc::", $ctor, ";")]
            #[doc = concat!(" tx.", $send, "(1).unwrap();")]
            /// assert_eq!(rx.len(), 1);
            /// ```
            pub fn len(&self) -> usize {
                self.core.chan.len()
            }

            /// Number of live senders (weak senders not counted).
            ///
            /// ```
            #[doc = concat!("let (tx, rx) = gort_channel::sync::mpsc::", $ctor, ";")]
            /// let _tx2 = tx.clone();
            /// assert_eq!(rx.sender_strong_count(), 2);
            /// ```
            pub fn sender_strong_count(&self) -> usize {
                self.core.chan.sender_count()
            }

            /// Number of live weak senders.
            ///
            /// ```
            #[doc = concat!("let (tx, rx) = gort_channel::sync::mpsc::", $ctor, ";")]
            /// let _weak = tx.downgrade();
            /// assert_eq!(rx.sender_weak_count(), 1);
            /// ```
            pub fn sender_weak_count(&self) -> usize {
                // Every sender, weak sender and this receiver hold one reference to the channel.
                let others = Arc::strong_count(&self.core.chan).saturating_sub(1);
                others.saturating_sub(self.core.chan.sender_count())
            }
        }

        impl<T> Stream for $name<T> {
            type Item = T;

            fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
                self.get_mut().core.poll_recv(cx)
            }
        }

        impl<T> fmt::Debug for $name<T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($name))
                    .field("closed", &self.is_closed())
                    .finish_non_exhaustive()
            }
        }
    };
}

/// The receiving half of a bounded [`channel`](super::channel).
pub struct Receiver<T> {
    core: RxCore<T>,
}

impl<T> Receiver<T> {
    pub(super) fn new(chan: Arc<Chan<T>>) -> Self {
        Receiver {
            core: RxCore::new(chan),
        }
    }

    /// Free slots: the bound minus buffered values and outstanding permits.
    ///
    /// ```
    /// let (tx, rx) = gort_channel::sync::mpsc::channel(4);
    /// tx.try_send(1).unwrap();
    /// assert_eq!(rx.capacity(), 3);
    /// ```
    pub fn capacity(&self) -> usize {
        self.core.chan.free_slots()
    }

    /// The bound given to [`channel`](super::channel).
    ///
    /// ```
    /// let (_tx, rx) = gort_channel::sync::mpsc::channel::<()>(4);
    /// assert_eq!(rx.max_capacity(), 4);
    /// ```
    pub fn max_capacity(&self) -> usize {
        self.core.chan.cap()
    }
}

receiver_methods!(Receiver, "channel::<u8>(4)", "try_send");

/// The receiving half of an [`unbounded_channel`](super::unbounded_channel).
pub struct UnboundedReceiver<T> {
    core: RxCore<T>,
}

impl<T> UnboundedReceiver<T> {
    pub(super) fn new(chan: Arc<Chan<T>>) -> Self {
        debug_assert_eq!(chan.cap(), UNBOUNDED);
        UnboundedReceiver {
            core: RxCore::new(chan),
        }
    }
}

receiver_methods!(UnboundedReceiver, "unbounded_channel::<u8>()", "send");

/// The future of `recv`.
///
/// `!Unpin`, as tokio's is: while parked, its waiter points at a cell inside it where a sender
/// hands over its value. `.await` and `select!` pin it; pin it yourself to poll it by hand.
#[must_use = "futures do nothing unless polled"]
pub struct RecvFuture<'a, T> {
    rx: &'a mut RxCore<T>,
    op: RecvOp,
    /// Pinned: see [`HandOff`].
    hand: HandOff<T>,
    site: &'static std::panic::Location<'static>,
}

impl<T> Future for RecvFuture<'_, T> {
    type Output = Option<T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        // SAFETY: `hand` is structurally pinned — never moved out of or handed out mutably;
        // the other fields are never pinned.
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: `this` was pinned, and `hand` with it (see above).
        let hand = unsafe { Pin::new_unchecked(&this.hand) };
        let polled = this.rx.poll_in_place(&mut this.op, hand, cx);
        if polled.is_pending() {
            let rx = std::ptr::from_ref::<RxCore<T>>(this.rx).cast();
            gort_waitsite::record(gort_waitsite::WaitKind::MpscRecv, rx, 0, this.site);
        }
        polled
    }
}

impl<T> Drop for RecvFuture<'_, T> {
    fn drop(&mut self) {
        self.rx.chan.cancel_recv(&mut self.op, Some(&self.hand));
    }
}

impl<T> fmt::Debug for RecvFuture<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecvFuture").finish_non_exhaustive()
    }
}

/// The future of `recv_many`; `!Unpin` as [`RecvFuture`].
#[must_use = "futures do nothing unless polled"]
pub struct RecvManyFuture<'a, T> {
    rx: &'a mut RxCore<T>,
    op: RecvOp,
    /// Pinned: see [`HandOff`].
    hand: HandOff<T>,
    buffer: &'a mut Vec<T>,
    limit: usize,
}

impl<T> Future for RecvManyFuture<'_, T> {
    type Output = usize;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<usize> {
        // SAFETY: `hand` is structurally pinned — never moved out of or handed out mutably;
        // the other fields are never pinned.
        let this = unsafe { self.get_unchecked_mut() };
        if this.limit == 0 {
            return Poll::Ready(0);
        }
        // SAFETY: `this` was pinned, and `hand` with it (see above).
        let hand = unsafe { Pin::new_unchecked(&this.hand) };
        let first = std::task::ready!(this.rx.poll_in_place(&mut this.op, hand, cx));
        Poll::Ready(this.rx.take_more(first, this.buffer, this.limit))
    }
}

impl<T> Drop for RecvManyFuture<'_, T> {
    fn drop(&mut self) {
        self.rx.chan.cancel_recv(&mut self.op, Some(&self.hand));
    }
}

impl<T> fmt::Debug for RecvManyFuture<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecvManyFuture").finish_non_exhaustive()
    }
}
