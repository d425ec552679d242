//! The errors of `mpsc` operations (tokio's `mpsc::error`).

pub use crate::chan::{SendError, TrySendError};
use std::fmt;

/// Why a `try_recv` failed.
///
/// ```
/// use gort_channel::sync::mpsc::{self, error::TryRecvError};
/// let (tx, mut rx) = mpsc::channel::<u8>(1);
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
/// drop(tx);
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
/// ```
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub enum TryRecvError {
    /// Nothing is buffered now, but senders are still alive.
    Empty,
    /// Every sender is gone (or the receiver closed) and the buffer is drained.
    Disconnected,
}

impl fmt::Display for TryRecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryRecvError::Empty => f.write_str("receiving on an empty channel"),
            TryRecvError::Disconnected => f.write_str("receiving on a closed channel"),
        }
    }
}

impl std::error::Error for TryRecvError {}
