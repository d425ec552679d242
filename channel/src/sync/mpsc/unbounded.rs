//! The unbounded channel's sending side: [`UnboundedSender`], [`WeakUnboundedSender`].

use super::bounded::ClosedFuture;
use super::error::SendError;
use super::weak::{WeakCount, WeakToken};
use super::UnboundedReceiver;
use crate::chan::shim::Arc;
use crate::chan::{Chan, SendFail, UNBOUNDED};
use std::fmt;

/// A channel whose senders never wait (tokio's `mpsc::unbounded_channel`). Its buffer gives
/// memory back after a burst.
///
/// ```
/// let (tx, mut rx) = gort_channel::sync::mpsc::unbounded_channel();
/// tx.send(1).unwrap();
/// assert_eq!(rx.try_recv(), Ok(1));
/// ```
pub fn unbounded_channel<T>() -> (UnboundedSender<T>, UnboundedReceiver<T>) {
    let chan = Chan::new(UNBOUNDED);
    let sender = UnboundedSender {
        chan: chan.clone(),
        weak: WeakCount::default(),
    };
    (sender, UnboundedReceiver::new(chan))
}

/// The sending half of an [`unbounded_channel`]; clone it for more producers.
pub struct UnboundedSender<T> {
    chan: Arc<Chan<T>>,
    weak: WeakCount,
}

impl<T> UnboundedSender<T> {
    /// Sends without waiting; fails, returning the value, once the receiver is gone or closed.
    ///
    /// ```
    /// let (tx, rx) = gort_channel::sync::mpsc::unbounded_channel();
    /// drop(rx);
    /// assert_eq!(tx.send(1).unwrap_err().0, 1);
    /// ```
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        self.chan.try_send(value).map_err(|fail| match fail {
            SendFail::Full(value) | SendFail::Closed(value) | SendFail::Lost(value) => {
                SendError(value)
            }
        })
    }

    /// Completes when the receiver is dropped or closed.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let (tx, rx) = gort_channel::sync::mpsc::unbounded_channel::<()>();
    /// drop(rx);
    /// tx.closed().await;
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
    /// let (tx, mut rx) = gort_channel::sync::mpsc::unbounded_channel::<()>();
    /// rx.close();
    /// assert!(tx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.chan.is_closed()
    }

    /// True when both senders belong to the same channel.
    ///
    /// ```
    /// let (tx, _rx) = gort_channel::sync::mpsc::unbounded_channel::<()>();
    /// assert!(tx.same_channel(&tx.clone()));
    /// ```
    pub fn same_channel(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.chan, &other.chan)
    }

    /// A sender that does not keep the channel open.
    ///
    /// ```
    /// let (tx, _rx) = gort_channel::sync::mpsc::unbounded_channel::<()>();
    /// let weak = tx.downgrade();
    /// drop(tx);
    /// assert!(weak.upgrade().is_none());
    /// ```
    pub fn downgrade(&self) -> WeakUnboundedSender<T> {
        WeakUnboundedSender {
            chan: self.chan.clone(),
            token: self.weak.token(),
        }
    }

    /// Number of live senders (weak senders not counted).
    ///
    /// ```
    /// let (tx, _rx) = gort_channel::sync::mpsc::unbounded_channel::<()>();
    /// assert_eq!(tx.strong_count(), 1);
    /// ```
    pub fn strong_count(&self) -> usize {
        self.chan.sender_count()
    }

    /// Number of live [`WeakUnboundedSender`]s.
    ///
    /// ```
    /// let (tx, _rx) = gort_channel::sync::mpsc::unbounded_channel::<()>();
    /// let _weak = tx.downgrade();
    /// assert_eq!(tx.weak_count(), 1);
    /// ```
    pub fn weak_count(&self) -> usize {
        self.weak.get()
    }
}

impl<T> Clone for UnboundedSender<T> {
    fn clone(&self) -> Self {
        self.chan.add_sender();
        UnboundedSender {
            chan: self.chan.clone(),
            weak: self.weak.clone(),
        }
    }
}

impl<T> Drop for UnboundedSender<T> {
    fn drop(&mut self) {
        self.chan.drop_sender();
    }
}

impl<T> fmt::Debug for UnboundedSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnboundedSender")
            .field("closed", &self.is_closed())
            .finish_non_exhaustive()
    }
}

/// An unbounded sender that does not keep the channel open.
pub struct WeakUnboundedSender<T> {
    chan: Arc<Chan<T>>,
    token: WeakToken,
}

impl<T> WeakUnboundedSender<T> {
    /// A real [`UnboundedSender`], if any sender is still alive.
    ///
    /// ```
    /// let (tx, _rx) = gort_channel::sync::mpsc::unbounded_channel::<()>();
    /// assert!(tx.downgrade().upgrade().is_some());
    /// ```
    pub fn upgrade(&self) -> Option<UnboundedSender<T>> {
        self.chan.try_add_sender().then(|| UnboundedSender {
            chan: self.chan.clone(),
            weak: self.token.count().clone(),
        })
    }

    /// Number of live (strong) senders.
    ///
    /// ```
    /// let (tx, _rx) = gort_channel::sync::mpsc::unbounded_channel::<()>();
    /// let weak = tx.downgrade();
    /// assert_eq!(weak.strong_count(), 1);
    /// drop(tx);
    /// assert_eq!(weak.strong_count(), 0);
    /// ```
    pub fn strong_count(&self) -> usize {
        self.chan.sender_count()
    }

    /// Number of live weak senders (this one included).
    ///
    /// ```
    /// let (tx, _rx) = gort_channel::sync::mpsc::unbounded_channel::<()>();
    /// assert_eq!(tx.downgrade().weak_count(), 1);
    /// ```
    pub fn weak_count(&self) -> usize {
        self.token.count().get()
    }
}

impl<T> Clone for WeakUnboundedSender<T> {
    fn clone(&self) -> Self {
        WeakUnboundedSender {
            chan: self.chan.clone(),
            token: self.token.clone(),
        }
    }
}

impl<T> fmt::Debug for WeakUnboundedSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WeakUnboundedSender")
            .finish_non_exhaustive()
    }
}
