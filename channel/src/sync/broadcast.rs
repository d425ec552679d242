//! A multi-producer, multi-consumer broadcast channel with tokio's API: every receiver sees
//! every value sent after it subscribed, unless it falls more than `capacity` values behind.
//!
//! # How it works
//!
//! One lock guards a ring of `capacity` slots (rounded up to a power of two, as tokio's), the
//! write position, the handle counts and the wait-list of parked receivers. A send writes the
//! next slot, noting how many receivers still have to read it, and completes every parked
//! receiver. A receiver keeps its own read position; reading a slot clones the value and
//! decrements the count, and the last reader drops the slot's copy. A receiver whose position has
//! been overwritten gets [`RecvError::Lagged`] with the number of values it missed, and resumes
//! at the oldest value still held (tokio's semantics).
//!
//! Go has no broadcast channel; the idiom is one channel per subscriber fed by a fan-out loop.

use super::notify::Notify;
use super::shim::{Lock, LockGuard};
use crate::coop;
use crate::waitlist::{WaitList, WaiterId};
use std::fmt;
use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::Arc;
use std::task::{ready, Context, Poll};

pub mod error {
    //! The errors of the broadcast channel.
    use std::fmt;

    /// No receiver was alive: the value comes back.
    ///
    /// ```
    /// let (tx, rx) = gort_channel::sync::broadcast::channel(1);
    /// drop(rx);
    /// let err = tx.send(5).unwrap_err();
    /// assert_eq!(err.0, 5);
    /// ```
    #[derive(PartialEq, Eq, Clone, Copy)]
    pub struct SendError<T>(pub T);

    impl<T> fmt::Debug for SendError<T> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.debug_struct("SendError").finish_non_exhaustive()
        }
    }

    impl<T> fmt::Display for SendError<T> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("channel closed")
        }
    }

    impl<T> std::error::Error for SendError<T> {}

    /// Why [`Receiver::recv`](super::Receiver::recv) returned no value.
    ///
    /// ```
    /// use gort_channel::sync::broadcast::{self, error::RecvError};
    /// futures::executor::block_on(async {
    ///     let (tx, mut rx) = broadcast::channel::<u8>(1);
    ///     drop(tx);
    ///     assert_eq!(rx.recv().await, Err(RecvError::Closed));
    /// });
    /// ```
    #[derive(Debug, PartialEq, Eq, Clone)]
    pub enum RecvError {
        /// Every sender is gone and every value was received.
        Closed,
        /// The receiver fell behind and this many values were overwritten before it read
        /// them; the next `recv` returns the oldest value still held.
        Lagged(u64),
    }

    impl fmt::Display for RecvError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self {
                RecvError::Closed => f.write_str("channel closed"),
                RecvError::Lagged(n) => write!(f, "channel lagged by {n}"),
            }
        }
    }

    impl std::error::Error for RecvError {}

    /// Why [`Receiver::try_recv`](super::Receiver::try_recv) returned no value.
    ///
    /// ```
    /// use gort_channel::sync::broadcast::{self, error::TryRecvError};
    /// let (_tx, mut rx) = broadcast::channel::<u8>(1);
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    /// ```
    #[derive(Debug, PartialEq, Eq, Clone)]
    pub enum TryRecvError {
        /// No value is waiting right now.
        Empty,
        /// Every sender is gone and every value was received.
        Closed,
        /// The receiver fell behind by this many values (see [`RecvError::Lagged`]).
        Lagged(u64),
    }

    impl fmt::Display for TryRecvError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self {
                TryRecvError::Empty => f.write_str("channel empty"),
                TryRecvError::Closed => f.write_str("channel closed"),
                TryRecvError::Lagged(n) => write!(f, "channel lagged by {n}"),
            }
        }
    }

    impl std::error::Error for TryRecvError {}
}

use error::{RecvError, SendError, TryRecvError};

struct Slot<T> {
    /// Receivers that still have to read this slot.
    remaining: usize,
    value: Option<T>,
}

struct State<T> {
    slots: Box<[Slot<T>]>,
    /// The position the next send writes; slot `pos & mask` holds position `pos`.
    tail: u64,
    senders: usize,
    /// Live [`WeakSender`]s (they do not keep the channel open).
    weak_senders: usize,
    receivers: usize,
    waiters: WaitList<()>,
}

struct Shared<T> {
    mask: u64,
    state: Lock<State<T>>,
    /// Woken when the last receiver goes (for `Sender::closed`).
    no_receivers: Notify,
}

impl<T> Shared<T> {
    fn capacity(&self) -> u64 {
        self.mask + 1
    }
}

/// The sending half; `Clone` for more senders. Dropping the last one closes the channel.
///
/// ```
/// let (tx, _rx) = gort_channel::sync::broadcast::channel(4);
/// let tx2 = tx.clone();
/// tx2.send("hi").unwrap();
/// assert_eq!(tx.len(), 1);
/// ```
pub struct Sender<T> {
    shared: Arc<Shared<T>>,
}

/// A receiving half; each receiver sees every value sent after it was created.
///
/// ```
/// let (tx, mut rx) = gort_channel::sync::broadcast::channel(4);
/// tx.send(1).unwrap();
/// assert_eq!(rx.try_recv(), Ok(1));
/// ```
pub struct Receiver<T> {
    shared: Arc<Shared<T>>,
    next: u64,
}

/// Creates a broadcast channel holding up to `capacity` values not yet read by every receiver
/// (rounded up to a power of two).
///
/// # Panics
/// If `capacity` is 0 or larger than `usize::MAX / 2`.
///
/// ```
/// use gort_channel::sync::broadcast;
/// futures::executor::block_on(async {
///     let (tx, mut rx1) = broadcast::channel(16);
///     let mut rx2 = tx.subscribe();
///     tx.send(10).unwrap();
///     assert_eq!(rx1.recv().await, Ok(10));
///     assert_eq!(rx2.recv().await, Ok(10));
/// });
/// ```
#[track_caller]
pub fn channel<T: Clone>(capacity: usize) -> (Sender<T>, Receiver<T>) {
    let tx = Sender::new(capacity);
    let rx = tx.subscribe();
    (tx, rx)
}

impl<T> Sender<T> {
    /// A sender with no receiver yet (see [`channel`] for `capacity`).
    ///
    /// # Panics
    /// If `capacity` is 0 or larger than `usize::MAX / 2`.
    ///
    /// ```
    /// let tx = gort_channel::sync::broadcast::Sender::<u8>::new(4);
    /// assert!(tx.send(1).is_err()); // nobody subscribed yet
    /// let _rx = tx.subscribe();
    /// assert_eq!(tx.send(1).unwrap(), 1);
    /// ```
    #[track_caller]
    pub fn new(capacity: usize) -> Self {
        assert!(capacity > 0, "broadcast channel capacity cannot be zero");
        assert!(
            capacity <= usize::MAX >> 1,
            "broadcast channel capacity exceeded `usize::MAX / 2`"
        );
        let capacity = capacity.next_power_of_two();
        let slots = (0..capacity)
            .map(|_| Slot {
                remaining: 0,
                value: None,
            })
            .collect();
        Sender {
            shared: Arc::new(Shared {
                mask: capacity as u64 - 1,
                state: Lock::new(State {
                    slots,
                    tail: 0,
                    senders: 1,
                    weak_senders: 0,
                    receivers: 0,
                    waiters: WaitList::new(),
                }),
                no_receivers: Notify::new(),
            }),
        }
    }

    /// Sends `value` to every current receiver; returns how many there are. Never waits: when
    /// the buffer is full the oldest value is overwritten (slow receivers then lag).
    ///
    /// Fails, returning the value, when there is no receiver.
    ///
    /// ```
    /// let (tx, rx) = gort_channel::sync::broadcast::channel(2);
    /// assert_eq!(tx.send("a").unwrap(), 1);
    /// drop(rx);
    /// assert_eq!(tx.send("b").unwrap_err().0, "b");
    /// ```
    pub fn send(&self, value: T) -> Result<usize, SendError<T>> {
        let mut state = self.shared.state.lock();
        let receivers = state.receivers;
        if receivers == 0 {
            return Err(SendError(value));
        }
        let index = (state.tail & self.shared.mask) as usize;
        state.slots[index] = Slot {
            remaining: receivers,
            value: Some(value),
        };
        state.tail += 1;
        let wakers = state.waiters.drain(|_| {});
        drop(state);
        for waker in wakers {
            waker.wake();
        }
        Ok(receivers)
    }

    /// A new receiver that sees every value sent from now on.
    ///
    /// ```
    /// let (tx, _rx) = gort_channel::sync::broadcast::channel::<u8>(2);
    /// let _rx2 = tx.subscribe();
    /// assert_eq!(tx.receiver_count(), 2);
    /// ```
    pub fn subscribe(&self) -> Receiver<T> {
        let mut state = self.shared.state.lock();
        state.receivers += 1;
        Receiver {
            shared: self.shared.clone(),
            next: state.tail,
        }
    }

    /// How many receivers are alive.
    ///
    /// ```
    /// let (tx, rx) = gort_channel::sync::broadcast::channel::<u8>(2);
    /// drop(rx);
    /// assert_eq!(tx.receiver_count(), 0);
    /// ```
    pub fn receiver_count(&self) -> usize {
        self.shared.state.lock().receivers
    }

    /// How many sent values some receiver has not read yet (and that are still held).
    ///
    /// ```
    /// let (tx, mut rx) = gort_channel::sync::broadcast::channel(4);
    /// tx.send(1).unwrap();
    /// tx.send(2).unwrap();
    /// assert_eq!(tx.len(), 2);
    /// rx.try_recv().unwrap();
    /// assert_eq!(tx.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        let state = self.shared.state.lock();
        let oldest = state.tail.saturating_sub(self.shared.capacity());
        (oldest..state.tail)
            .filter(|&pos| state.slots[(pos & self.shared.mask) as usize].remaining > 0)
            .count()
    }

    /// True when [`len`](Sender::len) is zero.
    ///
    /// ```
    /// let (tx, _rx) = gort_channel::sync::broadcast::channel::<u8>(4);
    /// assert!(tx.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many senders are alive.
    ///
    /// ```
    /// let (tx, _rx) = gort_channel::sync::broadcast::channel::<u8>(4);
    /// let _tx2 = tx.clone();
    /// assert_eq!(tx.strong_count(), 2);
    /// ```
    pub fn strong_count(&self) -> usize {
        self.shared.state.lock().senders
    }

    /// How many [`WeakSender`]s are alive.
    ///
    /// ```
    /// let (tx, _rx) = gort_channel::sync::broadcast::channel::<u8>(4);
    /// let _weak = tx.downgrade();
    /// assert_eq!(tx.weak_count(), 1);
    /// ```
    pub fn weak_count(&self) -> usize {
        self.shared.state.lock().weak_senders
    }

    /// A sender that does not keep the channel open; [`WeakSender::upgrade`] it to send.
    ///
    /// ```
    /// let (tx, _rx) = gort_channel::sync::broadcast::channel::<u8>(4);
    /// let weak = tx.downgrade();
    /// assert!(weak.upgrade().is_some());
    /// drop(tx);
    /// assert!(weak.upgrade().is_none());
    /// ```
    pub fn downgrade(&self) -> WeakSender<T> {
        self.shared.state.lock().weak_senders += 1;
        WeakSender {
            shared: self.shared.clone(),
        }
    }

    /// True if both senders belong to the same channel.
    ///
    /// ```
    /// let (tx, _rx) = gort_channel::sync::broadcast::channel::<u8>(4);
    /// assert!(tx.same_channel(&tx.clone()));
    /// ```
    pub fn same_channel(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }

    /// Waits until every receiver is gone.
    ///
    /// # Cancel safety
    /// Cancel safe.
    ///
    /// ```
    /// futures::executor::block_on(async {
    ///     let (tx, rx) = gort_channel::sync::broadcast::channel::<u8>(4);
    ///     drop(rx);
    ///     tx.closed().await;
    /// });
    /// ```
    #[track_caller]
    pub fn closed(&self) -> impl Future<Output = ()> + '_ {
        let resource = Arc::as_ptr(&self.shared).cast::<()>();
        let closed = async move {
            loop {
                let mut notified = pin!(self.shared.no_receivers.notified());
                notified.as_mut().enable();
                if self.receiver_count() == 0 {
                    return;
                }
                notified.await;
            }
        };
        gort_waitsite::Traced::new(gort_waitsite::WaitKind::Notified, resource, closed)
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        self.shared.state.lock().senders += 1;
        Sender {
            shared: self.shared.clone(),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        let mut state = self.shared.state.lock();
        state.senders -= 1;
        if state.senders == 0 {
            let wakers = state.waiters.drain(|_| {});
            drop(state);
            for waker in wakers {
                waker.wake();
            }
        }
    }
}

/// A sender that does not keep the channel open (tokio's `broadcast::WeakSender`): once every
/// [`Sender`] is gone, receivers see the channel closed and [`upgrade`](WeakSender::upgrade)
/// returns `None`.
///
/// ```
/// let (tx, mut rx) = gort_channel::sync::broadcast::channel(4);
/// let weak = tx.downgrade();
/// weak.upgrade().unwrap().send(1).unwrap();
/// drop(tx);
/// assert_eq!(rx.try_recv(), Ok(1));
/// assert!(rx.try_recv().is_err()); // closed: only a weak sender is left
/// ```
pub struct WeakSender<T> {
    shared: Arc<Shared<T>>,
}

impl<T> WeakSender<T> {
    /// A real [`Sender`], if any sender is still alive.
    ///
    /// ```
    /// let (tx, _rx) = gort_channel::sync::broadcast::channel::<u8>(4);
    /// assert!(tx.downgrade().upgrade().unwrap().same_channel(&tx));
    /// ```
    pub fn upgrade(&self) -> Option<Sender<T>> {
        let mut state = self.shared.state.lock();
        if state.senders == 0 {
            return None;
        }
        state.senders += 1;
        Some(Sender {
            shared: self.shared.clone(),
        })
    }

    /// How many (strong) senders are alive.
    ///
    /// ```
    /// let (tx, _rx) = gort_channel::sync::broadcast::channel::<u8>(4);
    /// let weak = tx.downgrade();
    /// drop(tx);
    /// assert_eq!(weak.strong_count(), 0);
    /// ```
    pub fn strong_count(&self) -> usize {
        self.shared.state.lock().senders
    }

    /// How many weak senders are alive (this one included).
    ///
    /// ```
    /// let (tx, _rx) = gort_channel::sync::broadcast::channel::<u8>(4);
    /// assert_eq!(tx.downgrade().weak_count(), 1);
    /// ```
    pub fn weak_count(&self) -> usize {
        self.shared.state.lock().weak_senders
    }
}

impl<T> Clone for WeakSender<T> {
    fn clone(&self) -> Self {
        self.shared.state.lock().weak_senders += 1;
        WeakSender {
            shared: self.shared.clone(),
        }
    }
}

impl<T> Drop for WeakSender<T> {
    fn drop(&mut self) {
        self.shared.state.lock().weak_senders -= 1;
    }
}

impl<T> fmt::Debug for WeakSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("broadcast::WeakSender")
            .finish_non_exhaustive()
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("broadcast::Sender").finish_non_exhaustive()
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("broadcast::Receiver")
            .field("next", &self.next)
            .finish_non_exhaustive()
    }
}

impl<T> Receiver<T> {
    /// How many values were sent that this receiver has not received yet (lagged ones
    /// included).
    ///
    /// ```
    /// let (tx, rx) = gort_channel::sync::broadcast::channel(4);
    /// tx.send(1).unwrap();
    /// assert_eq!(rx.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        (self.shared.state.lock().tail - self.next) as usize
    }

    /// True when [`len`](Receiver::len) is zero.
    ///
    /// ```
    /// let (_tx, rx) = gort_channel::sync::broadcast::channel::<u8>(4);
    /// assert!(rx.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True once every sender is gone (values may still be waiting to be received).
    ///
    /// ```
    /// let (tx, rx) = gort_channel::sync::broadcast::channel::<u8>(4);
    /// drop(tx);
    /// assert!(rx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.shared.state.lock().senders == 0
    }

    /// How many senders are alive.
    ///
    /// ```
    /// let (tx, rx) = gort_channel::sync::broadcast::channel::<u8>(4);
    /// assert_eq!(rx.sender_strong_count(), 1);
    /// drop(tx);
    /// assert_eq!(rx.sender_strong_count(), 0);
    /// ```
    pub fn sender_strong_count(&self) -> usize {
        self.shared.state.lock().senders
    }

    /// How many weak senders are alive.
    ///
    /// ```
    /// let (tx, rx) = gort_channel::sync::broadcast::channel::<u8>(4);
    /// let _weak = tx.downgrade();
    /// assert_eq!(rx.sender_weak_count(), 1);
    /// ```
    pub fn sender_weak_count(&self) -> usize {
        self.shared.state.lock().weak_senders
    }

    /// True if both receivers belong to the same channel.
    ///
    /// ```
    /// let (tx, rx) = gort_channel::sync::broadcast::channel::<u8>(4);
    /// assert!(rx.same_channel(&tx.subscribe()));
    /// ```
    pub fn same_channel(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }

    /// A new receiver starting at the current end of the channel (it does not see values this
    /// one has not read yet).
    ///
    /// ```
    /// let (tx, rx) = gort_channel::sync::broadcast::channel::<u8>(4);
    /// tx.send(1).unwrap();
    /// let rx2 = rx.resubscribe();
    /// assert!(rx2.is_empty());
    /// ```
    pub fn resubscribe(&self) -> Self {
        let mut state = self.shared.state.lock();
        state.receivers += 1;
        Receiver {
            shared: self.shared.clone(),
            next: state.tail,
        }
    }

    /// Lock held: the next value for this receiver, or why there is none.
    fn take_locked(&mut self, state: &mut LockGuard<'_, State<T>>) -> Result<T, TryRecvError>
    where
        T: Clone,
    {
        let oldest = state.tail.saturating_sub(self.shared.capacity());
        if self.next < oldest {
            let missed = oldest - self.next;
            self.next = oldest;
            return Err(TryRecvError::Lagged(missed));
        }
        if self.next == state.tail {
            return Err(if state.senders == 0 {
                TryRecvError::Closed
            } else {
                TryRecvError::Empty
            });
        }
        let slot = &mut state.slots[(self.next & self.shared.mask) as usize];
        // Advance and release our claim first: if `T::clone` panics, this receiver skips the
        // value, as tokio's does.
        self.next += 1;
        slot.remaining -= 1;
        // Always cloned, even for the last reader (tokio's behaviour, which user `Clone`
        // impls may observe); the slot's copy is dropped once everyone has read it.
        let value = slot.value.clone();
        if slot.remaining == 0 {
            slot.value = None;
        }
        Ok(value.expect("an unread slot holds its value"))
    }

    /// Takes the next value if one is waiting.
    ///
    /// ```
    /// use gort_channel::sync::broadcast::{self, error::TryRecvError};
    /// let (tx, mut rx) = broadcast::channel(4);
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    /// tx.send(3).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(3));
    /// ```
    pub fn try_recv(&mut self) -> Result<T, TryRecvError>
    where
        T: Clone,
    {
        let shared = self.shared.clone();
        let mut state = shared.state.lock();
        self.take_locked(&mut state)
    }

    /// Waits for the next value.
    ///
    /// Returns [`RecvError::Lagged`] if values were overwritten before this receiver read them
    /// (the next call resumes at the oldest value held), and [`RecvError::Closed`] once every
    /// sender is gone and everything was received.
    ///
    /// # Cancel safety
    /// Cancel safe: a value is taken only when the future completes, so dropping it loses
    /// nothing.
    ///
    /// ```
    /// use gort_channel::sync::broadcast::{self, error::RecvError};
    /// futures::executor::block_on(async {
    ///     let (tx, mut rx) = broadcast::channel(2);
    ///     for i in 0..3 {
    ///         tx.send(i).unwrap();
    ///     }
    ///     assert_eq!(rx.recv().await, Err(RecvError::Lagged(1)));
    ///     assert_eq!(rx.recv().await, Ok(1));
    ///     assert_eq!(rx.recv().await, Ok(2));
    ///     drop(tx);
    ///     assert_eq!(rx.recv().await, Err(RecvError::Closed));
    /// });
    /// ```
    #[track_caller]
    pub fn recv(&mut self) -> impl Future<Output = Result<T, RecvError>> + '_
    where
        T: Clone,
    {
        let resource = (&*self as *const Self).cast::<()>();
        gort_waitsite::Traced::new(
            gort_waitsite::WaitKind::BroadcastRecv,
            resource,
            Recv {
                receiver: self,
                waiter: None,
            },
        )
    }

    /// Blocks the current thread for the next value (synchronous code only, as tokio's).
    ///
    /// ```
    /// let (tx, mut rx) = gort_channel::sync::broadcast::channel(2);
    /// std::thread::spawn(move || tx.send(5).unwrap());
    /// assert_eq!(rx.blocking_recv(), Ok(5));
    /// ```
    #[track_caller]
    pub fn blocking_recv(&mut self) -> Result<T, RecvError>
    where
        T: Clone,
    {
        super::blocking::block_on(self.recv())
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        let mut state = self.shared.state.lock();
        // Release this receiver's claim on every value it has not read.
        let oldest = state.tail.saturating_sub(self.shared.capacity());
        for pos in self.next.max(oldest)..state.tail {
            let slot = &mut state.slots[(pos & self.shared.mask) as usize];
            slot.remaining -= 1;
            if slot.remaining == 0 {
                slot.value = None;
            }
        }
        state.receivers -= 1;
        let last = state.receivers == 0;
        drop(state);
        if last {
            self.shared.no_receivers.notify_waiters();
        }
    }
}

/// The future of [`Receiver::recv`].
struct Recv<'a, T> {
    receiver: &'a mut Receiver<T>,
    waiter: Option<WaiterId>,
}

impl<T: Clone> Future for Recv<'_, T> {
    type Output = Result<T, RecvError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        ready!(coop::poll_proceed(cx));
        let shared = this.receiver.shared.clone();
        let mut state = shared.state.lock();
        let result = match this.receiver.take_locked(&mut state) {
            Ok(value) => Ok(value),
            Err(TryRecvError::Lagged(n)) => Err(RecvError::Lagged(n)),
            Err(TryRecvError::Closed) => Err(RecvError::Closed),
            Err(TryRecvError::Empty) => {
                // A replaced waker is dropped only after the lock is released: its drop may
                // send on this very channel.
                let mut stale = None;
                match this.waiter {
                    Some(id) if state.waiters.is_queued(id) => {
                        stale = state.waiters.register_take_old(id, cx.waker());
                    }
                    Some(id) => {
                        stale = state.waiters.remove_with_waker(id).1;
                        this.waiter = Some(state.waiters.push_back((), cx.waker()));
                    }
                    None => this.waiter = Some(state.waiters.push_back((), cx.waker())),
                }
                drop(state);
                drop(stale);
                coop::refund();
                return Poll::Pending;
            }
        };
        let stale = this
            .waiter
            .take()
            .and_then(|id| state.waiters.remove_with_waker(id).1);
        drop(state);
        drop(stale);
        Poll::Ready(result)
    }
}

impl<T> Drop for Recv<'_, T> {
    fn drop(&mut self) {
        if let Some(id) = self.waiter.take() {
            let mut state = self.receiver.shared.state.lock();
            let (_, stale) = state.waiters.remove_with_waker(id);
            drop(state);
            drop(stale);
        }
    }
}
