//! The bounded channel's sending side: [`Sender`], [`WeakSender`], [`Permit`], [`OwnedPermit`],
//! [`PermitIterator`].

use super::error::{SendError, SendTimeoutError, TrySendError};
use super::weak::{WeakCount, WeakToken};
use super::Receiver;
use crate::chan::shim::Arc;
use crate::chan::{block_on, Chan, ReserveOp, SendFail, SendFuture};
use crate::sync::Semaphore;
use crate::waitlist::WaiterId;
use std::fmt;
use std::future::Future;
use std::panic::{Location, RefUnwindSafe, UnwindSafe};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

/// A bounded channel holding up to `buffer` values (tokio's `mpsc::channel`).
///
/// # Panics
///
/// Panics if `buffer` is 0 (as tokio; for an unbuffered channel use
/// [`chan::bounded(0)`](crate::chan::bounded)), or above
/// [`Semaphore::MAX_PERMITS`](crate::sync::Semaphore::MAX_PERMITS) (as tokio).
///
/// # Memory
///
/// A small buffer is one ring allocated up front; a large one (over 64 KiB of slots) is a list
/// of blocks allocated as values arrive and freed as they drain, so a large `buffer` costs
/// memory only while it holds values, as tokio's does.
///
/// ```
/// # futures::executor::block_on(async {
/// let (tx, mut rx) = gort_channel::sync::mpsc::channel(1);
/// tx.send("hello").await.unwrap();
/// assert_eq!(rx.recv().await, Some("hello"));
/// # });
/// ```
#[track_caller]
pub fn channel<T>(buffer: usize) -> (Sender<T>, Receiver<T>) {
    assert!(buffer > 0, "mpsc bounded channel requires buffer > 0");
    assert!(
        buffer <= Semaphore::MAX_PERMITS,
        "mpsc bounded channel requires buffer <= Semaphore::MAX_PERMITS ({}); asked for {buffer}",
        Semaphore::MAX_PERMITS
    );
    let chan = Chan::new(buffer);
    let sender = Sender {
        chan: chan.clone(),
        weak: WeakCount::default(),
    };
    (sender, Receiver::new(chan))
}

/// The sending half of a bounded [`channel`]; clone it for more producers.
pub struct Sender<T> {
    pub(super) chan: Arc<Chan<T>>,
    weak: WeakCount,
}

impl<T> Sender<T> {
    /// Sends `value`, waiting for a free slot; fails, returning the value, once the receiver is
    /// gone or closed.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: if the future is dropped before it completes, the value was not sent (and
    /// the sender loses its place in the queue of waiting senders).
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let (tx, rx) = gort_channel::sync::mpsc::channel(1);
    /// drop(rx);
    /// assert_eq!(tx.send(5).await.unwrap_err().0, 5);
    /// # });
    /// ```
    #[track_caller]
    pub fn send(&self, value: T) -> SendFuture<'_, T> {
        crate::chan::send_future(&self.chan, value)
    }

    /// Sends without waiting: `Full` when no slot is free, `Closed` when the receiver is gone.
    ///
    /// ```
    /// use gort_channel::sync::mpsc::{self, error::TrySendError};
    /// let (tx, _rx) = mpsc::channel(1);
    /// tx.try_send(1).unwrap();
    /// assert!(matches!(tx.try_send(2), Err(TrySendError::Full(2))));
    /// ```
    pub fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        self.chan.try_send(value).map_err(|fail| match fail {
            SendFail::Full(value) | SendFail::Lost(value) => TrySendError::Full(value),
            SendFail::Closed(value) => TrySendError::Closed(value),
        })
    }

    /// Sends from a plain thread, blocking it while the channel is full (never call it from
    /// async code).
    ///
    /// ```
    /// let (tx, mut rx) = gort_channel::sync::mpsc::channel(1);
    /// std::thread::spawn(move || tx.blocking_send(9).unwrap());
    /// assert_eq!(rx.blocking_recv(), Some(9));
    /// ```
    #[track_caller]
    pub fn blocking_send(&self, value: T) -> Result<(), SendError<T>> {
        block_on(self.send(value))
    }

    /// Sends `value`, waiting at most `timeout` for a free slot; the value comes back in the
    /// error when the time runs out or the receiver is gone.
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe, as tokio's: dropping the future drops the value with it (nothing is
    /// sent). Use [`reserve`](Self::reserve) under `time::timeout` to keep the value.
    ///
    /// # Panics
    ///
    /// When no gort runtime provides a timer.
    ///
    /// ```
    /// use gort_channel::sync::mpsc::{self, error::SendTimeoutError};
    /// use std::time::Duration;
    /// # // This crate has no runtime: stand in a thread-based timer for gort's.
    /// # gort_channel::sync::__timer::install(|d| Box::pin(async move {
    /// #     let (tx, rx) = futures::channel::oneshot::channel::<()>();
    /// #     std::thread::spawn(move || { std::thread::sleep(d); let _ = tx.send(()); });
    /// #     let _ = rx.await;
    /// # }));
    /// # futures::executor::block_on(async {
    /// let (tx, _rx) = mpsc::channel(1);
    /// tx.send_timeout(1, Duration::from_millis(10)).await.unwrap();
    /// let err = tx.send_timeout(2, Duration::from_millis(10)).await.unwrap_err();
    /// assert!(matches!(err, SendTimeoutError::Timeout(2)));
    /// # });
    /// ```
    #[track_caller]
    pub fn send_timeout(
        &self,
        value: T,
        timeout: Duration,
    ) -> impl Future<Output = Result<(), SendTimeoutError<T>>> + '_ {
        // Both waits (the slot and the timer) are recorded at the caller's line.
        let site = Location::caller();
        async move {
            let mut sleep = crate::sync::__timer::sleep(timeout);
            let mut reserve = std::pin::pin!(ReserveFuture {
                chan: &self.chan,
                op: ReserveOp::Idle,
                site,
            });
            let reserved = std::future::poll_fn(|cx| match reserve.as_mut().poll(cx) {
                Poll::Ready(result) => Poll::Ready(Some(result)),
                Poll::Pending => {
                    let mark = gort_waitsite::mark();
                    let slept = sleep.as_mut().poll(cx);
                    if slept.is_pending() {
                        // The timer recorded the line of the runtime's timer hook: ours instead.
                        let timer = std::ptr::from_ref(&*sleep).cast::<()>();
                        let kind = gort_waitsite::WaitKind::Sleep;
                        gort_waitsite::record_over(mark, kind, timer, 0, site);
                    }
                    slept.map(|()| None)
                }
            })
            .await;
            match reserved {
                Some(Ok(permit)) => {
                    permit.send(value);
                    Ok(())
                }
                Some(Err(_)) => Err(SendTimeoutError::Closed(value)),
                None => Err(SendTimeoutError::Timeout(value)),
            }
        }
    }

    /// Waits for a free slot and reserves it: the [`Permit`] then sends without waiting.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a permit granted to a future that is then dropped goes back to the channel.
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let (tx, mut rx) = gort_channel::sync::mpsc::channel(1);
    /// let permit = tx.reserve().await.unwrap();
    /// assert!(tx.try_send(1).is_err()); // the slot is taken
    /// permit.send(2);
    /// assert_eq!(rx.recv().await, Some(2));
    /// # });
    /// ```
    #[track_caller]
    pub fn reserve(&self) -> ReserveFuture<'_, T> {
        ReserveFuture {
            chan: &self.chan,
            op: ReserveOp::Idle,
            site: Location::caller(),
        }
    }

    /// [`reserve`](Self::reserve) for a sender moved into the permit (`'static` permits).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe, as [`reserve`](Self::reserve).
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let (tx, mut rx) = gort_channel::sync::mpsc::channel(1);
    /// let permit = tx.reserve_owned().await.unwrap();
    /// let tx = permit.send(3);
    /// assert_eq!(rx.recv().await, Some(3));
    /// # drop(tx);
    /// # });
    /// ```
    #[track_caller]
    pub fn reserve_owned(self) -> OwnedReserveFuture<T> {
        OwnedReserveFuture {
            sender: Some(self),
            op: ReserveOp::Idle,
            site: Location::caller(),
        }
    }

    /// Reserves a slot without waiting.
    ///
    /// ```
    /// let (tx, _rx) = gort_channel::sync::mpsc::channel::<u8>(1);
    /// let permit = tx.try_reserve().unwrap();
    /// assert!(tx.try_reserve().is_err());
    /// drop(permit);
    /// assert!(tx.try_reserve().is_ok());
    /// ```
    pub fn try_reserve(&self) -> Result<Permit<'_, T>, TrySendError<()>> {
        try_reserve(&self.chan)?;
        Ok(Permit { chan: &self.chan })
    }

    /// [`try_reserve`](Self::try_reserve) for a sender moved into the permit; on failure the
    /// sender comes back in the error.
    ///
    /// ```
    /// let (tx, _rx) = gort_channel::sync::mpsc::channel::<u8>(1);
    /// let permit = tx.try_reserve_owned().unwrap();
    /// let tx = permit.release();
    /// assert_eq!(tx.capacity(), 1);
    /// ```
    pub fn try_reserve_owned(self) -> Result<OwnedPermit<T>, TrySendError<Self>> {
        match try_reserve(&self.chan) {
            Ok(()) => Ok(OwnedPermit { sender: Some(self) }),
            Err(TrySendError::Full(())) => Err(TrySendError::Full(self)),
            Err(TrySendError::Closed(())) => Err(TrySendError::Closed(self)),
        }
    }

    /// Completes when the receiver is dropped or closed.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let (tx, rx) = gort_channel::sync::mpsc::channel::<()>(1);
    /// std::thread::spawn(move || drop(rx));
    /// tx.closed().await;
    /// assert!(tx.is_closed());
    /// # });
    /// ```
    pub fn closed(&self) -> ClosedFuture<'_, T> {
        ClosedFuture {
            chan: &self.chan,
            slot: None,
        }
    }

    /// True once the receiver is dropped or closed.
    ///
    /// ```
    /// let (tx, rx) = gort_channel::sync::mpsc::channel::<()>(1);
    /// assert!(!tx.is_closed());
    /// drop(rx);
    /// assert!(tx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.chan.is_closed()
    }

    /// Free slots now: the bound minus buffered values and outstanding permits.
    ///
    /// ```
    /// let (tx, _rx) = gort_channel::sync::mpsc::channel(2);
    /// tx.try_send(()).unwrap();
    /// assert_eq!(tx.capacity(), 1);
    /// ```
    pub fn capacity(&self) -> usize {
        self.chan.free_slots()
    }

    /// The bound given to [`channel`].
    ///
    /// ```
    /// let (tx, _rx) = gort_channel::sync::mpsc::channel::<()>(2);
    /// assert_eq!(tx.max_capacity(), 2);
    /// ```
    pub fn max_capacity(&self) -> usize {
        self.chan.cap()
    }

    /// A sender that does not keep the channel open; [`WeakSender::upgrade`] it to send.
    ///
    /// ```
    /// let (tx, _rx) = gort_channel::sync::mpsc::channel::<()>(1);
    /// let weak = tx.downgrade();
    /// assert!(weak.upgrade().is_some());
    /// drop(tx);
    /// assert!(weak.upgrade().is_none());
    /// ```
    pub fn downgrade(&self) -> WeakSender<T> {
        WeakSender {
            chan: self.chan.clone(),
            token: self.weak.token(),
        }
    }

    /// True when both senders belong to the same channel.
    ///
    /// ```
    /// let (tx, _rx) = gort_channel::sync::mpsc::channel::<()>(1);
    /// let (other, _rx2) = gort_channel::sync::mpsc::channel::<()>(1);
    /// assert!(tx.same_channel(&tx.clone()));
    /// assert!(!tx.same_channel(&other));
    /// ```
    pub fn same_channel(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.chan, &other.chan)
    }

    /// Number of live senders (weak senders not counted).
    ///
    /// ```
    /// let (tx, _rx) = gort_channel::sync::mpsc::channel::<()>(1);
    /// assert_eq!(tx.strong_count(), 1);
    /// ```
    pub fn strong_count(&self) -> usize {
        self.chan.sender_count()
    }

    /// Number of live [`WeakSender`]s.
    ///
    /// ```
    /// let (tx, _rx) = gort_channel::sync::mpsc::channel::<()>(1);
    /// let weak = tx.downgrade();
    /// assert_eq!(tx.weak_count(), 1);
    /// drop(weak);
    /// assert_eq!(tx.weak_count(), 0);
    /// ```
    pub fn weak_count(&self) -> usize {
        self.weak.get()
    }
}

pub(super) fn try_reserve<T>(chan: &Chan<T>) -> Result<(), TrySendError<()>> {
    chan.try_reserve().map_err(|fail| match fail {
        SendFail::Full(()) | SendFail::Lost(()) => TrySendError::Full(()),
        SendFail::Closed(()) => TrySendError::Closed(()),
    })
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        self.chan.add_sender();
        Sender {
            chan: self.chan.clone(),
            weak: self.weak.clone(),
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
        f.debug_struct("Sender")
            .field("max_capacity", &self.max_capacity())
            .field("closed", &self.is_closed())
            .finish_non_exhaustive()
    }
}

/// A sender that does not keep the channel open (tokio's `WeakSender`).
pub struct WeakSender<T> {
    chan: Arc<Chan<T>>,
    token: WeakToken,
}

impl<T> WeakSender<T> {
    /// A real [`Sender`], if any sender is still alive.
    ///
    /// ```
    /// let (tx, _rx) = gort_channel::sync::mpsc::channel::<()>(1);
    /// let weak = tx.downgrade();
    /// assert!(weak.upgrade().unwrap().same_channel(&tx));
    /// ```
    pub fn upgrade(&self) -> Option<Sender<T>> {
        self.chan.try_add_sender().then(|| Sender {
            chan: self.chan.clone(),
            weak: self.token.count().clone(),
        })
    }

    /// Number of live (strong) senders.
    ///
    /// ```
    /// let (tx, _rx) = gort_channel::sync::mpsc::channel::<()>(1);
    /// assert_eq!(tx.downgrade().strong_count(), 1);
    /// ```
    pub fn strong_count(&self) -> usize {
        self.chan.sender_count()
    }

    /// Number of live weak senders (this one included).
    ///
    /// ```
    /// let (tx, _rx) = gort_channel::sync::mpsc::channel::<()>(1);
    /// let weak = tx.downgrade();
    /// assert_eq!(weak.clone().weak_count(), 2);
    /// assert_eq!(weak.weak_count(), 1);
    /// ```
    pub fn weak_count(&self) -> usize {
        self.token.count().get()
    }
}

impl<T> Clone for WeakSender<T> {
    fn clone(&self) -> Self {
        WeakSender {
            chan: self.chan.clone(),
            token: self.token.clone(),
        }
    }
}

impl<T> fmt::Debug for WeakSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WeakSender").finish_non_exhaustive()
    }
}

/// A reserved slot: [`send`](Permit::send) never waits. Dropping it gives the slot back.
pub struct Permit<'a, T> {
    chan: &'a Chan<T>,
}

impl<'a, T> Permit<'a, T> {
    /// A permit for a slot the caller already took from `chan`.
    pub(super) fn granted(chan: &'a Chan<T>) -> Self {
        Permit { chan }
    }

    /// Sends through the reserved slot (even if the receiver closed meanwhile, as tokio; the
    /// value is dropped if the receiver is gone).
    ///
    /// ```
    /// let (tx, mut rx) = gort_channel::sync::mpsc::channel(1);
    /// tx.try_reserve().unwrap().send(1);
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// ```
    pub fn send(self, value: T) {
        // Disarmed before sending: should the woken receiver's waker panic inside
        // `send_permit`, the slot is spent on the delivered value, not given back by `Drop` too.
        let permit = std::mem::ManuallyDrop::new(self);
        permit.chan.send_permit(value);
    }
}

impl<T> Drop for Permit<'_, T> {
    fn drop(&mut self) {
        self.chan.release_permit();
    }
}

// A permit only hands a value over or gives its slot back; unwinding never leaves the channel
// half-updated (the engine finishes every change under its lock before running user code).
impl<T> UnwindSafe for Permit<'_, T> {}
impl<T> RefUnwindSafe for Permit<'_, T> {}

impl<T> fmt::Debug for Permit<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Permit").finish_non_exhaustive()
    }
}

/// A reserved slot that owns its [`Sender`].
pub struct OwnedPermit<T> {
    sender: Option<Sender<T>>,
}

impl<T> OwnedPermit<T> {
    /// Sends through the reserved slot and gives the sender back.
    ///
    /// ```
    /// let (tx, mut rx) = gort_channel::sync::mpsc::channel(1);
    /// let tx = tx.try_reserve_owned().unwrap().send(4);
    /// assert_eq!(rx.try_recv(), Ok(4));
    /// # drop(tx);
    /// ```
    pub fn send(mut self, value: T) -> Sender<T> {
        let sender = self
            .sender
            .take()
            .expect("an owned permit holds its sender");
        sender.chan.send_permit(value);
        sender
    }

    /// Gives the slot back without sending, returning the sender.
    ///
    /// ```
    /// let (tx, _rx) = gort_channel::sync::mpsc::channel::<()>(1);
    /// let tx = tx.try_reserve_owned().unwrap().release();
    /// assert_eq!(tx.capacity(), 1);
    /// ```
    pub fn release(mut self) -> Sender<T> {
        let sender = self
            .sender
            .take()
            .expect("an owned permit holds its sender");
        sender.chan.release_permit();
        sender
    }
}

impl<T> Drop for OwnedPermit<T> {
    fn drop(&mut self) {
        if let Some(sender) = &self.sender {
            sender.chan.release_permit();
        }
    }
}

impl<T> fmt::Debug for OwnedPermit<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedPermit").finish_non_exhaustive()
    }
}

/// A `Pending` reserve records an mpsc send wait on `chan` at `site`.
pub(super) fn reserve_waits<T, R>(
    polled: &Poll<R>,
    chan: &Chan<T>,
    site: &'static Location<'static>,
) {
    if polled.is_pending() {
        let chan = std::ptr::from_ref(chan).cast();
        gort_waitsite::record(gort_waitsite::WaitKind::MpscSend, chan, 0, site);
    }
}

/// The future of [`Sender::reserve`].
#[must_use = "futures do nothing unless polled"]
pub struct ReserveFuture<'a, T> {
    chan: &'a Chan<T>,
    op: ReserveOp,
    /// Where `reserve` was called (the task dump's wait site).
    site: &'static Location<'static>,
}

impl<'a, T> Future for ReserveFuture<'a, T> {
    type Output = Result<Permit<'a, T>, SendError<()>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let chan = this.chan;
        let polled = chan.poll_reserve(&mut this.op, cx);
        reserve_waits(&polled, chan, this.site);
        polled.map(|granted| {
            granted
                .map(|()| Permit { chan })
                .map_err(|()| SendError(()))
        })
    }
}

impl<T> Drop for ReserveFuture<'_, T> {
    fn drop(&mut self) {
        self.chan.cancel_reserve(&mut self.op);
    }
}

impl<T> fmt::Debug for ReserveFuture<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReserveFuture").finish_non_exhaustive()
    }
}

/// The future of [`Sender::reserve_owned`].
#[must_use = "futures do nothing unless polled"]
pub struct OwnedReserveFuture<T> {
    sender: Option<Sender<T>>,
    op: ReserveOp,
    /// Where `reserve_owned` was called (the task dump's wait site).
    site: &'static Location<'static>,
}

impl<T> Future for OwnedReserveFuture<T> {
    type Output = Result<OwnedPermit<T>, SendError<()>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let sender = this.sender.as_ref().expect("polled after completion");
        let polled = sender.chan.poll_reserve(&mut this.op, cx);
        reserve_waits(&polled, &sender.chan, this.site);
        match polled {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Ok(())) => Poll::Ready(Ok(OwnedPermit {
                sender: this.sender.take(),
            })),
            Poll::Ready(Err(())) => {
                this.sender = None;
                Poll::Ready(Err(SendError(())))
            }
        }
    }
}

impl<T> Drop for OwnedReserveFuture<T> {
    fn drop(&mut self) {
        if let Some(sender) = &self.sender {
            sender.chan.cancel_reserve(&mut self.op);
        }
    }
}

impl<T> fmt::Debug for OwnedReserveFuture<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedReserveFuture").finish_non_exhaustive()
    }
}

/// The future of `closed()`: completes when the receiving half is gone or closed.
#[must_use = "futures do nothing unless polled"]
pub struct ClosedFuture<'a, T> {
    pub(super) chan: &'a Chan<T>,
    pub(super) slot: Option<WaiterId>,
}

impl<T> Future for ClosedFuture<'_, T> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        this.chan.poll_closed(&mut this.slot, cx)
    }
}

impl<T> Drop for ClosedFuture<'_, T> {
    fn drop(&mut self) {
        self.chan.cancel_closed(&mut self.slot);
    }
}

impl<T> fmt::Debug for ClosedFuture<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClosedFuture").finish_non_exhaustive()
    }
}
