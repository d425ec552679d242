//! `JoinError`: why a task produced no value.

use super::id::Id;
use std::any::Any;
use std::fmt;
use std::io;

/// A task failed to complete: it was cancelled (aborted, or its runtime shut down) or it
/// panicked. Returned by awaiting a [`JoinHandle`](super::JoinHandle).
///
/// ```
/// # let rt = gort_executor::runtime::Builder::new_current_thread().build().unwrap();
/// # rt.block_on(async {
/// let err = gort_executor::spawn(async { panic!("boom") }).await.unwrap_err();
/// assert!(err.is_panic());
/// assert_eq!(*err.into_panic().downcast::<&str>().unwrap(), "boom");
/// # });
/// ```
pub struct JoinError {
    id: Id,
    repr: Repr,
}

enum Repr {
    Cancelled,
    Panic(SyncWrapper),
}

/// Makes the panic payload `Sync`: through a shared reference it is only downcast to `Sync`
/// types (`&str`, `String`); otherwise it is only taken by value.
struct SyncWrapper(Box<dyn Any + Send + 'static>);

// SAFETY: shared access is limited to `type_id` and downcasts to the `Sync` types `&str` and
// `String` (`panic_message`); the payload itself only leaves by value.
unsafe impl Sync for SyncWrapper {}

impl JoinError {
    pub(crate) fn cancelled(id: Id) -> JoinError {
        JoinError {
            id,
            repr: Repr::Cancelled,
        }
    }

    pub(crate) fn panic(id: Id, payload: Box<dyn Any + Send + 'static>) -> JoinError {
        JoinError {
            id,
            repr: Repr::Panic(SyncWrapper(payload)),
        }
    }

    /// True when the task was cancelled (aborted or its runtime shut down).
    ///
    /// ```
    /// # let rt = gort_executor::runtime::Builder::new_current_thread().build().unwrap();
    /// # rt.block_on(async {
    /// let handle = gort_executor::spawn(std::future::pending::<()>());
    /// handle.abort();
    /// assert!(handle.await.unwrap_err().is_cancelled());
    /// # });
    /// ```
    pub fn is_cancelled(&self) -> bool {
        matches!(self.repr, Repr::Cancelled)
    }

    /// True when the task panicked.
    ///
    /// ```
    /// # let rt = gort_executor::runtime::Builder::new_current_thread().build().unwrap();
    /// # rt.block_on(async {
    /// assert!(gort_executor::spawn(async { panic!() }).await.unwrap_err().is_panic());
    /// # });
    /// ```
    pub fn is_panic(&self) -> bool {
        matches!(self.repr, Repr::Panic(_))
    }

    /// The panic payload.
    ///
    /// # Panics
    /// When the error is a cancellation, not a panic.
    ///
    /// ```
    /// # let rt = gort_executor::runtime::Builder::new_current_thread().build().unwrap();
    /// # rt.block_on(async {
    /// let err = gort_executor::spawn(async { std::panic::panic_any(7u32) }).await.unwrap_err();
    /// assert_eq!(*err.into_panic().downcast::<u32>().unwrap(), 7);
    /// # });
    /// ```
    #[track_caller]
    pub fn into_panic(self) -> Box<dyn Any + Send + 'static> {
        self.try_into_panic()
            .expect("`JoinError` reason is not a panic: check `is_panic()` first")
    }

    /// The panic payload, or the error back when it is a cancellation.
    ///
    /// ```
    /// # let rt = gort_executor::runtime::Builder::new_current_thread().build().unwrap();
    /// # rt.block_on(async {
    /// let err = gort_executor::spawn(async { panic!("x") }).await.unwrap_err();
    /// assert!(err.try_into_panic().is_ok());
    /// # });
    /// ```
    pub fn try_into_panic(self) -> Result<Box<dyn Any + Send + 'static>, JoinError> {
        match self.repr {
            Repr::Panic(SyncWrapper(payload)) => Ok(payload),
            _ => Err(self),
        }
    }

    /// The id of the task that failed.
    ///
    /// ```
    /// # let rt = gort_executor::runtime::Builder::new_current_thread().build().unwrap();
    /// # rt.block_on(async {
    /// let handle = gort_executor::spawn(async { panic!() });
    /// let id = handle.id();
    /// assert_eq!(handle.await.unwrap_err().id(), id);
    /// # });
    /// ```
    pub fn id(&self) -> Id {
        self.id
    }

    fn panic_message(&self) -> Option<&str> {
        match &self.repr {
            // Only reads through `&`; the payload's `&str`/`String` are `Sync`.
            Repr::Panic(SyncWrapper(payload)) => payload
                .downcast_ref::<&'static str>()
                .copied()
                .or_else(|| payload.downcast_ref::<String>().map(String::as_str)),
            Repr::Cancelled => None,
        }
    }
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.repr, self.panic_message()) {
            (Repr::Cancelled, _) => write!(f, "task {} was cancelled", self.id),
            (Repr::Panic(_), Some(msg)) => {
                write!(f, "task {} panicked with message {msg:?}", self.id)
            }
            (Repr::Panic(_), None) => write!(f, "task {} panicked", self.id),
        }
    }
}

impl fmt::Debug for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.repr, self.panic_message()) {
            (Repr::Cancelled, _) => write!(f, "JoinError::Cancelled({:?})", self.id),
            (Repr::Panic(_), Some(msg)) => {
                write!(f, "JoinError::Panic({:?}, {msg:?}, ...)", self.id)
            }
            (Repr::Panic(_), None) => write!(f, "JoinError::Panic({:?}, ...)", self.id),
        }
    }
}

impl std::error::Error for JoinError {}

impl From<JoinError> for io::Error {
    fn from(err: JoinError) -> io::Error {
        let kind = if err.is_cancelled() {
            io::ErrorKind::Interrupted
        } else {
            io::ErrorKind::Other
        };
        io::Error::new(kind, err.to_string())
    }
}
