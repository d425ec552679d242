//! A channel for sending one value between tasks (tokio's `sync::oneshot`).
//!
//! The shared state is a single slot guarded by a lock, plus one waker for each side: the
//! receiver's (woken by `send` or by the sender being dropped) and the sender's (woken when the
//! receiver closes or is dropped, for [`Sender::closed`]). Values are dropped and wakers woken
//! only after the lock is released.
//!
//! ```
//! use gort_channel::sync::oneshot;
//! # futures::executor::block_on(async {
//! let (tx, rx) = oneshot::channel();
//! std::thread::spawn(move || tx.send(42).unwrap());
//! assert_eq!(rx.await, Ok(42));
//! # });
//! ```

use crate::chan::block_on;
use crate::chan::shim::{Arc, Lock};
use crate::coop;
use gort_waitsite::WaitKind;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll, Waker};

/// The errors of `oneshot` operations.
pub mod error {
    use std::fmt;

    /// The sender was dropped without sending (the error of awaiting a
    /// [`Receiver`](super::Receiver)).
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let (tx, rx) = gort_channel::sync::oneshot::channel::<u8>();
    /// drop(tx);
    /// assert!(rx.await.is_err());
    /// # });
    /// ```
    #[derive(Debug, PartialEq, Eq, Clone)]
    pub struct RecvError(pub(super) ());

    impl fmt::Display for RecvError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("channel closed")
        }
    }

    impl std::error::Error for RecvError {}

    /// Why a `try_recv` failed.
    ///
    /// ```
    /// use gort_channel::sync::oneshot::{self, error::TryRecvError};
    /// let (tx, mut rx) = oneshot::channel::<u8>();
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    /// drop(tx);
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    /// ```
    #[derive(Debug, PartialEq, Eq, Clone)]
    pub enum TryRecvError {
        /// Nothing sent yet.
        Empty,
        /// The sender was dropped without sending, or the value was already received.
        Closed,
    }

    impl fmt::Display for TryRecvError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self {
                TryRecvError::Empty => f.write_str("channel empty"),
                TryRecvError::Closed => f.write_str("channel closed"),
            }
        }
    }

    impl std::error::Error for TryRecvError {}
}

use error::{RecvError, TryRecvError};

struct State<T> {
    value: Option<T>,
    /// The sender sent or was dropped: nothing more will come.
    complete: bool,
    /// The receiver closed or was dropped.
    rx_closed: bool,
    rx_waker: Option<Waker>,
    tx_waker: Option<Waker>,
}

struct Inner<T> {
    state: Lock<State<T>>,
}

/// A oneshot channel: one [`Sender::send`], one receive.
///
/// ```
/// # futures::executor::block_on(async {
/// let (tx, rx) = gort_channel::sync::oneshot::channel();
/// tx.send("done").unwrap();
/// assert_eq!(rx.await.unwrap(), "done");
/// # });
/// ```
#[track_caller]
pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
    let inner = Arc::new(Inner {
        state: Lock::new(State {
            value: None,
            complete: false,
            rx_closed: false,
            rx_waker: None,
            tx_waker: None,
        }),
    });
    (
        Sender {
            inner: Some(inner.clone()),
        },
        Receiver {
            inner: Some(inner),
            site: std::panic::Location::caller(),
        },
    )
}

/// Sends the one value.
pub struct Sender<T> {
    inner: Option<Arc<Inner<T>>>,
}

impl<T> Sender<T> {
    /// Sends the value; fails, giving it back, if the receiver is closed or gone.
    ///
    /// ```
    /// let (tx, rx) = gort_channel::sync::oneshot::channel();
    /// drop(rx);
    /// assert_eq!(tx.send(3), Err(3));
    /// ```
    pub fn send(mut self, value: T) -> Result<(), T> {
        let inner = self.inner.take().expect("a sender sends once");
        let waker = {
            let mut st = inner.state.lock();
            if st.rx_closed {
                st.complete = true;
                return Err(value);
            }
            st.value = Some(value);
            st.complete = true;
            st.rx_waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
        Ok(())
    }

    /// True once the receiver is closed or dropped.
    ///
    /// ```
    /// let (tx, rx) = gort_channel::sync::oneshot::channel::<()>();
    /// drop(rx);
    /// assert!(tx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.inner
            .as_ref()
            .map_or(true, |inner| inner.state.lock().rx_closed)
    }

    /// Completes when the receiver is closed or dropped.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let (mut tx, rx) = gort_channel::sync::oneshot::channel::<()>();
    /// std::thread::spawn(move || drop(rx));
    /// tx.closed().await;
    /// # });
    /// ```
    #[track_caller]
    pub fn closed(&mut self) -> impl Future<Output = ()> + '_ {
        let resource = (&*self as *const Self).cast::<()>();
        gort_waitsite::Traced::new(
            gort_waitsite::WaitKind::OneshotClosed,
            resource,
            async move { std::future::poll_fn(|cx| self.poll_closed(cx)).await },
        )
    }

    /// Polls for the receiver being closed (what [`closed`](Self::closed) does).
    ///
    /// ```
    /// let (mut tx, mut rx) = gort_channel::sync::oneshot::channel::<()>();
    /// let waker = futures::task::noop_waker();
    /// let mut cx = std::task::Context::from_waker(&waker);
    /// assert!(tx.poll_closed(&mut cx).is_pending());
    /// rx.close();
    /// assert!(tx.poll_closed(&mut cx).is_ready());
    /// ```
    pub fn poll_closed(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let Some(inner) = &self.inner else {
            return Poll::Ready(());
        };
        ready!(coop::poll_proceed(cx));
        let mut st = inner.state.lock();
        if st.rx_closed {
            return Poll::Ready(());
        }
        match &st.tx_waker {
            Some(waker) if waker.will_wake(cx.waker()) => {}
            _ => st.tx_waker = Some(cx.waker().clone()),
        }
        drop(st);
        coop::refund();
        Poll::Pending
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        if let Some(inner) = self.inner.take() {
            let waker = {
                let mut st = inner.state.lock();
                st.complete = true;
                st.rx_waker.take()
            };
            if let Some(waker) = waker {
                waker.wake();
            }
        }
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("oneshot::Sender").finish_non_exhaustive()
    }
}

/// Receives the one value: await it (`Result<T, RecvError>`), or [`try_recv`](Self::try_recv).
///
/// # Cancel safety
///
/// Awaiting `&mut receiver` is cancel safe: if that future is dropped, the value (if sent) stays
/// in the receiver.
pub struct Receiver<T> {
    /// `None` once the value (or the error) was returned.
    inner: Option<Arc<Inner<T>>>,
    /// Where the channel was created: the wait site of an await on the receiver.
    site: &'static std::panic::Location<'static>,
}

impl<T> Receiver<T> {
    /// Closes the channel without receiving: the sender's `send` will fail. A value sent before
    /// can still be taken with [`try_recv`](Self::try_recv).
    ///
    /// ```
    /// let (tx, mut rx) = gort_channel::sync::oneshot::channel();
    /// rx.close();
    /// assert_eq!(tx.send(1), Err(1));
    /// ```
    pub fn close(&mut self) {
        if let Some(inner) = &self.inner {
            let waker = {
                let mut st = inner.state.lock();
                st.rx_closed = true;
                st.tx_waker.take()
            };
            if let Some(waker) = waker {
                waker.wake();
            }
        }
    }

    /// Takes the value if it was sent.
    ///
    /// ```
    /// use gort_channel::sync::oneshot::{self, error::TryRecvError};
    /// let (tx, mut rx) = oneshot::channel();
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    /// tx.send(5).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(5));
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    /// ```
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        let Some(inner) = &self.inner else {
            return Err(TryRecvError::Closed);
        };
        let result = {
            let mut st = inner.state.lock();
            match st.value.take() {
                Some(value) => Ok(value),
                // Completed without a value, or closed by this receiver: nothing will come.
                None if st.complete || st.rx_closed => Err(TryRecvError::Closed),
                None => return Err(TryRecvError::Empty),
            }
        };
        self.inner = None;
        result
    }

    /// Waits for the value on a plain thread, blocking it (never call it from async code).
    ///
    /// ```
    /// let (tx, rx) = gort_channel::sync::oneshot::channel();
    /// std::thread::spawn(move || tx.send(8).unwrap());
    /// assert_eq!(rx.blocking_recv(), Ok(8));
    /// ```
    #[track_caller]
    pub fn blocking_recv(self) -> Result<T, RecvError> {
        block_on(self)
    }

    /// True once the value (or the error) was returned.
    ///
    /// ```
    /// let (tx, mut rx) = gort_channel::sync::oneshot::channel();
    /// tx.send(()).unwrap();
    /// assert!(!rx.is_terminated());
    /// rx.try_recv().unwrap();
    /// assert!(rx.is_terminated());
    /// ```
    pub fn is_terminated(&self) -> bool {
        self.inner.is_none()
    }

    /// True when no value is waiting to be received.
    ///
    /// ```
    /// let (tx, rx) = gort_channel::sync::oneshot::channel();
    /// assert!(rx.is_empty());
    /// tx.send(()).unwrap();
    /// assert!(!rx.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.inner
            .as_ref()
            .map_or(true, |inner| inner.state.lock().value.is_none())
    }
}

impl<T> Future for Receiver<T> {
    type Output = Result<T, RecvError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let inner = this
            .inner
            .as_ref()
            .expect("a oneshot receiver was polled after completion");
        ready!(coop::poll_proceed(cx));
        let result = {
            let mut st = inner.state.lock();
            match st.value.take() {
                Some(value) => Ok(value),
                None if st.complete || st.rx_closed => Err(RecvError(())),
                None => {
                    match &st.rx_waker {
                        Some(waker) if waker.will_wake(cx.waker()) => {}
                        _ => st.rx_waker = Some(cx.waker().clone()),
                    }
                    drop(st);
                    coop::refund();
                    let resource = Arc::as_ptr(inner).cast();
                    gort_waitsite::record(WaitKind::OneshotRecv, resource, 0, this.site);
                    return Poll::Pending;
                }
            }
        };
        this.inner = None;
        Poll::Ready(result)
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        if let Some(inner) = self.inner.take() {
            let (value, waker) = {
                let mut st = inner.state.lock();
                st.rx_closed = true;
                (st.value.take(), st.tx_waker.take())
            };
            drop(value);
            if let Some(waker) = waker {
                waker.wake();
            }
        }
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("oneshot::Receiver").finish_non_exhaustive()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use futures::task::noop_waker;

    #[test]
    fn send_then_receive_and_errors() {
        let (tx, rx) = channel();
        assert!(!tx.is_closed());
        tx.send(1).unwrap();
        assert_eq!(futures::executor::block_on(rx), Ok(1));

        let (tx, rx) = channel::<u8>();
        drop(tx);
        assert_eq!(futures::executor::block_on(rx), Err(RecvError(())));

        let (tx, mut rx) = channel();
        rx.close();
        assert!(tx.is_closed());
        assert_eq!(tx.send(2), Err(2));
    }

    #[test]
    fn pending_receiver_is_woken_by_send_and_by_drop() {
        let waker = noop_waker();
        let mut cx = Context::from_waker(&waker);
        let (tx, mut rx) = channel();
        assert!(Pin::new(&mut rx).poll(&mut cx).is_pending());
        std::thread::spawn(move || tx.send("x").unwrap())
            .join()
            .unwrap();
        assert_eq!(Pin::new(&mut rx).poll(&mut cx), Poll::Ready(Ok("x")));
        assert!(rx.is_terminated());

        let (tx, rx) = channel::<u8>();
        let waiter = std::thread::spawn(move || rx.blocking_recv());
        drop(tx);
        assert!(waiter.join().unwrap().is_err());
    }

    #[test]
    fn closed_waits_for_the_receiver() {
        futures::executor::block_on(async {
            let (mut tx, rx) = channel::<u8>();
            let dropper = std::thread::spawn(move || drop(rx));
            tx.closed().await;
            dropper.join().unwrap();
            assert!(tx.is_closed());
        });
    }

    #[test]
    fn dropped_receiver_drops_the_value() {
        let marker = std::sync::Arc::new(());
        let (tx, rx) = channel();
        tx.send(marker.clone()).unwrap();
        drop(rx);
        assert_eq!(std::sync::Arc::strong_count(&marker), 1);
    }
}
