//! `Handle`: a cloneable reference to a runtime; `EnterGuard`; `TryCurrentError`.

use super::context;
use super::driver;
use super::scheduler;
use crate::task::LocalEnterGuard;
use crate::task::{Id, JoinHandle, NO_RUNTIME};
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;

/// A cloneable, `Send + Sync` handle to a runtime: spawn onto it from any thread.
///
/// ```
/// use gort_executor::runtime::{Handle, Runtime};
/// let rt = Runtime::new().unwrap();
/// rt.block_on(async {
///     let handle = Handle::current();
///     let task = handle.spawn(async { 1 });
///     assert_eq!(task.await.unwrap(), 1);
/// });
/// ```
#[derive(Clone)]
pub struct Handle {
    pub(crate) inner: scheduler::Handle,
}

/// Keeps a runtime the thread's current one; restores the previous on drop.
/// Returned by [`Runtime::enter`](super::Runtime::enter) and [`Handle::enter`].
///
/// ```
/// let rt = gort_executor::runtime::Runtime::new().unwrap();
/// {
///     let _guard = rt.enter();
///     assert!(gort_executor::runtime::Handle::try_current().is_ok());
/// }
/// assert!(gort_executor::runtime::Handle::try_current().is_err());
/// ```
#[must_use = "the runtime is only current while the guard lives"]
pub struct EnterGuard<'a> {
    // First field, dropped first: checks the order before the others restore the context.
    _order: EnterOrder,
    _driver: driver::EnterGuard,
    _current: context::SetCurrentGuard,
    _lifetime: PhantomData<&'a Handle>,
    /// A `LocalRuntime`'s set, current for `spawn_local` (dropped first: fields drop in order).
    _local: Option<LocalEnterGuard>,
    /// Guards restore thread-local state, so they stay on their thread.
    _not_send: PhantomData<*const ()>,
}

/// The scheduler flavor of a runtime.
///
/// ```
/// use gort_executor::runtime::{Builder, RuntimeFlavor};
/// let rt = Builder::new_current_thread().build().unwrap();
/// assert_eq!(rt.handle().runtime_flavor(), RuntimeFlavor::CurrentThread);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RuntimeFlavor {
    /// Every task runs on the thread in `block_on`.
    CurrentThread,
    /// Tasks run on a pool of work-stealing worker threads.
    MultiThread,
}

impl Handle {
    /// The handle of the runtime the current thread is in.
    ///
    /// # Panics
    /// Outside a runtime context (see [`Handle::try_current`]).
    ///
    /// ```
    /// let rt = gort_executor::runtime::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let _handle = gort_executor::runtime::Handle::current();
    /// });
    /// ```
    #[track_caller]
    pub fn current() -> Handle {
        match Handle::try_current() {
            Ok(handle) => handle,
            Err(e) if e.is_thread_local_destroyed() => panic!("Handle::current(): {e}"),
            Err(_) => panic!("Handle::current() {NO_RUNTIME}"),
        }
    }

    /// The current runtime's handle, or an error outside any runtime.
    ///
    /// ```
    /// assert!(gort_executor::runtime::Handle::try_current().is_err());
    /// ```
    pub fn try_current() -> Result<Handle, TryCurrentError> {
        context::with_current(|inner| Handle {
            inner: inner.clone(),
        })
    }

    /// Makes this runtime the thread's current one until the guard is dropped.
    ///
    /// ```
    /// let rt = gort_executor::runtime::Runtime::new().unwrap();
    /// let handle = rt.handle().clone();
    /// std::thread::spawn(move || {
    ///     let _guard = handle.enter();
    ///     drop(gort_executor::spawn(async {}));
    /// })
    /// .join()
    /// .unwrap();
    /// ```
    pub fn enter(&self) -> EnterGuard<'_> {
        self.enter_inner(None)
    }

    /// [`enter`](Self::enter) that also makes a `LocalRuntime`'s set current.
    pub(crate) fn enter_with_local(&self, local: LocalEnterGuard) -> EnterGuard<'_> {
        self.enter_inner(Some(local))
    }

    fn enter_inner(&self, local: Option<LocalEnterGuard>) -> EnterGuard<'_> {
        EnterGuard {
            _order: EnterOrder::push(),
            _driver: self.inner.driver().enter(),
            _current: context::set_current(&self.inner),
            _lifetime: PhantomData,
            _local: local,
            _not_send: PhantomData,
        }
    }

    /// Spawns a task onto this runtime.
    ///
    /// ```
    /// let rt = gort_executor::runtime::Runtime::new().unwrap();
    /// let handle = rt.handle().clone();
    /// let task = handle.spawn(async { 2 });
    /// assert_eq!(rt.block_on(task).unwrap(), 2);
    /// ```
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        crate::task::meta::spawned_here();
        self.inner.spawn(future, Id::next())
    }

    /// Runs a blocking closure on this runtime's blocking pool.
    ///
    /// ```
    /// let rt = gort_executor::runtime::Runtime::new().unwrap();
    /// let task = rt.handle().spawn_blocking(|| 3);
    /// assert_eq!(rt.block_on(task).unwrap(), 3);
    /// ```
    #[track_caller]
    pub fn spawn_blocking<F, R>(&self, f: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        crate::task::meta::spawned_here();
        self.inner.spawn_blocking(f)
    }

    /// Blocks the current thread on `future` with this runtime entered. On a current-thread
    /// runtime this does not run the runtime's tasks (only `Runtime::block_on` does), as tokio.
    ///
    /// # Panics
    /// When called from inside a runtime.
    ///
    /// ```
    /// let rt = gort_executor::runtime::Runtime::new().unwrap();
    /// let handle = rt.handle().clone();
    /// let out = std::thread::spawn(move || handle.block_on(async { gort_executor::spawn(async { 4 }).await }))
    ///     .join()
    ///     .unwrap();
    /// assert_eq!(out.unwrap(), 4);
    /// ```
    #[track_caller]
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        let _rt = context::enter_runtime(&self.inner);
        let _driver = self.inner.driver().enter();
        super::park::block_on(super::deadlock::block_on_future(&self.inner, future))
    }

    /// This runtime's flavor.
    ///
    /// ```
    /// use gort_executor::runtime::{Runtime, RuntimeFlavor};
    /// let rt = Runtime::new().unwrap();
    /// assert_eq!(rt.handle().runtime_flavor(), RuntimeFlavor::MultiThread);
    /// ```
    pub fn runtime_flavor(&self) -> RuntimeFlavor {
        match self.inner {
            scheduler::Handle::CurrentThread(_) => RuntimeFlavor::CurrentThread,
            scheduler::Handle::MultiThread(_) => RuntimeFlavor::MultiThread,
        }
    }

    /// This runtime's unique id.
    ///
    /// ```
    /// let rt = gort_executor::runtime::Runtime::new().unwrap();
    /// let id = rt.handle().id();
    /// assert_eq!(rt.block_on(async { gort_executor::runtime::Handle::current().id() }), id);
    /// ```
    pub fn id(&self) -> super::Id {
        self.inner.info().id
    }

    /// The name given with [`Builder::name`](super::Builder::name), if any.
    ///
    /// ```
    /// let rt = gort_executor::runtime::Runtime::new().unwrap();
    /// assert_eq!(rt.handle().name(), None);
    /// ```
    pub fn name(&self) -> Option<&str> {
        self.inner.info().name.as_deref()
    }

    /// The runtime's metrics.
    ///
    /// ```
    /// let rt = gort_executor::runtime::Builder::new_multi_thread().worker_threads(3).build().unwrap();
    /// assert_eq!(rt.handle().metrics().num_workers(), 3);
    /// ```
    pub fn metrics(&self) -> super::RuntimeMetrics {
        super::RuntimeMetrics::new(self.clone())
    }

    /// A Go-style dump of this runtime's tasks: id, name, state, spawn location and wait sites
    /// of each (see [`TaskDump`](super::TaskDump)). Callable from any thread; it never polls a
    /// task and never waits for a busy worker.
    ///
    /// ```
    /// let rt = gort_executor::runtime::Runtime::new().unwrap();
    /// let t = rt.spawn(async { gort_executor::task::yield_now().await });
    /// let _ = rt.handle().dump().to_string();
    /// rt.block_on(t).unwrap();
    /// ```
    pub fn dump(&self) -> super::TaskDump {
        super::TaskDump::capture(&self.inner)
    }

    /// Number of tasks alive in this runtime (spawned and not yet finished).
    ///
    /// ```
    /// let rt = gort_executor::runtime::Runtime::new().unwrap();
    /// assert_eq!(rt.handle().num_alive_tasks(), 0);
    /// ```
    pub fn num_alive_tasks(&self) -> usize {
        self.inner.num_alive_tasks()
    }
}

// As tokio's: a panic caught around runtime calls never leaves the runtime half-updated (its
// state changes under locks or atomics that tolerate unwinding).
impl std::panic::UnwindSafe for Handle {}
impl std::panic::RefUnwindSafe for Handle {}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handle")
            .field("flavor", &self.runtime_flavor())
            .finish()
    }
}

thread_local! {
    /// How many `EnterGuard`s are alive on this thread.
    static ENTERED: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// An `EnterGuard`'s place in this thread's stack of guards: each restores the context that
/// was current when it was made, so they must be dropped in reverse order.
struct EnterOrder(usize);

impl EnterOrder {
    fn push() -> EnterOrder {
        let depth = ENTERED
            .try_with(|n| {
                n.set(n.get() + 1);
                n.get()
            })
            .unwrap_or(0);
        EnterOrder(depth)
    }
}

impl Drop for EnterOrder {
    fn drop(&mut self) {
        let in_order = ENTERED
            .try_with(|n| {
                let in_order = n.get() == self.0;
                n.set(self.0.saturating_sub(1));
                in_order
            })
            .unwrap_or(true);
        if !in_order && !std::thread::panicking() {
            panic!(
                "`EnterGuard` values dropped out of order. Guards returned by \
                 `Handle::enter()` must be dropped in the reverse order as they were acquired."
            );
        }
    }
}

impl fmt::Debug for EnterGuard<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnterGuard").finish()
    }
}

/// Returned by [`Handle::try_current`] outside a runtime.
///
/// ```
/// let err = gort_executor::runtime::Handle::try_current().unwrap_err();
/// assert!(err.is_missing_context());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TryCurrentError {
    kind: ErrorKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum ErrorKind {
    NoContext,
    ThreadLocalDestroyed,
}

impl TryCurrentError {
    pub(crate) fn no_context() -> TryCurrentError {
        TryCurrentError {
            kind: ErrorKind::NoContext,
        }
    }

    pub(crate) fn thread_local_destroyed() -> TryCurrentError {
        TryCurrentError {
            kind: ErrorKind::ThreadLocalDestroyed,
        }
    }

    /// True when the thread simply is not inside a runtime.
    ///
    /// ```
    /// assert!(gort_executor::runtime::Handle::try_current().unwrap_err().is_missing_context());
    /// ```
    pub fn is_missing_context(&self) -> bool {
        self.kind == ErrorKind::NoContext
    }

    /// True when the thread-local context was already destroyed (thread exit).
    ///
    /// ```
    /// assert!(!gort_executor::runtime::Handle::try_current().unwrap_err().is_thread_local_destroyed());
    /// ```
    pub fn is_thread_local_destroyed(&self) -> bool {
        self.kind == ErrorKind::ThreadLocalDestroyed
    }
}

impl fmt::Display for TryCurrentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            ErrorKind::NoContext => write!(
                f,
                "there is no gort runtime running on this thread: {NO_RUNTIME}"
            ),
            ErrorKind::ThreadLocalDestroyed => {
                write!(
                    f,
                    "the gort runtime context was already destroyed (the thread is exiting)"
                )
            }
        }
    }
}

impl std::error::Error for TryCurrentError {}
