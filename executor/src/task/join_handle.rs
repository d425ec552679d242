//! `JoinHandle`: awaiting a task's output.

use super::abort_handle::AbortHandle;
use super::error::JoinError;
use super::id::Id;
use super::raw::RawTask;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

/// An owned permission to join a task: awaiting it yields the task's output, or a
/// [`JoinError`] if the task panicked or was cancelled.
///
/// Dropping a `JoinHandle` detaches the task: it keeps running. Use [`JoinHandle::abort`] to
/// cancel it.
///
/// ```
/// # let rt = gort_executor::runtime::Builder::new_multi_thread().worker_threads(2).build().unwrap();
/// # rt.block_on(async {
/// let handle = gort_executor::spawn(async { 6 * 7 });
/// assert_eq!(handle.await.unwrap(), 42);
/// # });
/// ```
///
/// # Cancel safety
/// Awaiting a `JoinHandle` is cancel safe: if the `.await` is dropped (for example in a
/// `select!`), the output stays in the task and a later poll of the same handle gets it.
pub struct JoinHandle<T> {
    raw: RawTask,
    _p: PhantomData<T>,
}

// SAFETY: the handle only moves the output `T` out to its owner; the rest is the thread-safe
// header.
unsafe impl<T: Send> Send for JoinHandle<T> {}
// SAFETY: `&JoinHandle` only allows `abort`, `is_finished` and `id`, which touch atomics.
unsafe impl<T: Send> Sync for JoinHandle<T> {}

impl<T> Unpin for JoinHandle<T> {}

// As tokio's: the task's cells are only reached through its state machine (atomics), which a
// panic never leaves half-updated, and a panicked task's output becomes a `JoinError`.
impl<T> std::panic::UnwindSafe for JoinHandle<T> {}
impl<T> std::panic::RefUnwindSafe for JoinHandle<T> {}

impl<T> JoinHandle<T> {
    /// # Safety
    /// The caller hands over the `JoinHandle` reference of a task whose output type is `T`.
    pub(crate) unsafe fn from_raw(raw: RawTask) -> JoinHandle<T> {
        JoinHandle {
            raw,
            _p: PhantomData,
        }
    }

    /// Cancels the task: its future is dropped (at its next scheduling point if it is running
    /// now) and awaiting this handle returns a cancelled [`JoinError`]. A task that already
    /// completed keeps its output.
    ///
    /// ```
    /// # let rt = gort_executor::runtime::Builder::new_multi_thread().build().unwrap();
    /// # rt.block_on(async {
    /// let handle = gort_executor::spawn(std::future::pending::<()>());
    /// handle.abort();
    /// assert!(handle.await.unwrap_err().is_cancelled());
    /// # });
    /// ```
    pub fn abort(&self) {
        self.raw.remote_abort();
    }

    /// True once the task finished (completed, panicked or was cancelled).
    ///
    /// ```
    /// # let rt = gort_executor::runtime::Builder::new_current_thread().build().unwrap();
    /// # rt.block_on(async {
    /// let handle = gort_executor::spawn(async {});
    /// while !handle.is_finished() {
    ///     gort_executor::task::yield_now().await;
    /// }
    /// # });
    /// ```
    pub fn is_finished(&self) -> bool {
        self.raw.state().load().is_complete()
    }

    /// A handle that can abort the task without owning its output.
    ///
    /// ```
    /// # let rt = gort_executor::runtime::Builder::new_current_thread().build().unwrap();
    /// # rt.block_on(async {
    /// let handle = gort_executor::spawn(std::future::pending::<()>());
    /// let abort = handle.abort_handle();
    /// abort.abort();
    /// assert!(handle.await.unwrap_err().is_cancelled());
    /// # });
    /// ```
    pub fn abort_handle(&self) -> AbortHandle {
        self.raw.state().ref_inc();
        // SAFETY: the reference was just added for it.
        unsafe { AbortHandle::from_raw(self.raw) }
    }

    /// The task's id.
    ///
    /// ```
    /// # let rt = gort_executor::runtime::Builder::new_current_thread().build().unwrap();
    /// # rt.block_on(async {
    /// let a = gort_executor::spawn(async {});
    /// let b = gort_executor::spawn(async {});
    /// assert_ne!(a.id(), b.id());
    /// # });
    /// ```
    pub fn id(&self) -> Id {
        self.raw.id()
    }
}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // Joining counts against the cooperative budget like any other await that can block.
        std::task::ready!(gort_channel::coop::poll_proceed(cx));
        let mut out: Poll<Result<T, JoinError>> = Poll::Pending;
        // SAFETY: `out` has this task's output type and we are its `JoinHandle`.
        unsafe {
            self.raw.try_read_output(
                &mut out as *mut Poll<Result<T, JoinError>> as *mut (),
                cx.waker(),
            )
        };
        if out.is_pending() {
            gort_channel::coop::refund();
            super::meta::join_wait(self.raw.header());
        }
        out
    }
}

impl<T> Drop for JoinHandle<T> {
    fn drop(&mut self) {
        self.raw.drop_join_handle();
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle")
            .field("id", &self.id())
            .finish()
    }
}
