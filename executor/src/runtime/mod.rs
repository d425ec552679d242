//! The runtime: [`Builder`], [`Runtime`], [`Handle`].
//!
//! A runtime is a scheduler (multi-thread work-stealing, or current-thread), a driver for I/O and
//! timers that idle workers block in, and a pool for blocking calls. The API is tokio's:
//!
//! ```
//! use gort_executor::runtime::Builder;
//!
//! let rt = Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
//! let sum = rt.block_on(async {
//!     let tasks: Vec<_> = (0..10u64).map(|i| gort_executor::spawn(async move { i * i })).collect();
//!     let mut sum = 0;
//!     for t in tasks {
//!         sum += t.await.unwrap();
//!     }
//!     sum
//! });
//! assert_eq!(sum, 285);
//! ```
//!
//! Dropping a runtime cancels every task it owns (their futures are dropped), joins its worker
//! threads and waits for running `spawn_blocking` calls (use
//! [`Runtime::shutdown_timeout`] to bound that wait).

pub(crate) mod blocking;
mod builder;
pub(crate) mod context;
pub(crate) mod deadlock;
pub(crate) mod driver;
mod dump;
mod handle;
mod local_runtime;
pub(crate) mod metrics;
pub(crate) mod owned;
pub(crate) mod park;
mod run_delay;
pub(crate) mod scheduler;
#[cfg(feature = "tracing")]
pub(crate) mod trace;
mod watchdog;

pub use builder::Builder;
pub use deadlock::DeadlockReport;
pub use dump::{TaskDump, ThreadInfo};
pub use gort_reactor::driver::is_rt_shutdown_err;
pub use handle::{EnterGuard, Handle, RuntimeFlavor, TryCurrentError};
pub use local_runtime::{LocalOptions, LocalRuntime};
pub use metrics::{Id, RuntimeMetrics, TaskStates};
pub use watchdog::SlowPoll;

use crate::task::JoinHandle;
use std::fmt;
use std::future::Future;
use std::time::Duration;

/// The index of the runtime worker running the caller, as tokio's `worker_index`.
///
/// A multi-thread runtime's workers are numbered `0..worker_threads`; the thread inside a
/// current-thread runtime's (or a `LocalRuntime`'s) `block_on` that drives its tasks is worker
/// `0`. Everywhere else — outside any runtime, in `spawn_blocking`, in a multi-thread runtime's
/// `block_on`, in `Handle::block_on`, or after `block_in_place` gave the worker away — it is
/// `None`.
///
/// ```
/// use gort_executor::runtime::{self, Builder};
///
/// assert_eq!(runtime::worker_index(), None);
/// let rt = Builder::new_multi_thread().worker_threads(2).build().unwrap();
/// let index = rt.block_on(async { gort_executor::spawn(async { runtime::worker_index() }).await });
/// assert!(matches!(index.unwrap(), Some(0 | 1)));
/// let rt = Builder::new_current_thread().build().unwrap();
/// assert_eq!(rt.block_on(async { runtime::worker_index() }), Some(0));
/// ```
pub fn worker_index() -> Option<usize> {
    context::worker_index()
}

/// A running gort runtime: worker threads (or the current thread), the I/O and timer driver,
/// and the blocking pool.
///
/// ```
/// let rt = gort_executor::runtime::Runtime::new().unwrap();
/// let handle = rt.spawn(async { "hello" });
/// assert_eq!(rt.block_on(handle).unwrap(), "hello");
/// ```
pub struct Runtime {
    kind: Kind,
    handle: Handle,
    /// Set by `shutdown_timeout`/`shutdown_background`, so `Drop` has nothing left to do.
    shut_down: bool,
}

enum Kind {
    CurrentThread(scheduler::current_thread::CurrentThread),
    MultiThread,
}

impl Runtime {
    /// A multi-thread runtime with default settings (one worker per CPU, everything enabled).
    ///
    /// ```
    /// let rt = gort_executor::runtime::Runtime::new().unwrap();
    /// assert_eq!(rt.block_on(async { 1 + 1 }), 2);
    /// ```
    pub fn new() -> std::io::Result<Runtime> {
        Builder::new_multi_thread().enable_all().build()
    }

    pub(crate) fn from_parts(
        kind_ct: Option<scheduler::current_thread::CurrentThread>,
        handle: Handle,
    ) -> Runtime {
        let kind = match kind_ct {
            Some(ct) => Kind::CurrentThread(ct),
            None => Kind::MultiThread,
        };
        Runtime {
            kind,
            handle,
            shut_down: false,
        }
    }

    /// Runs `future` to completion on the current thread, driving the runtime meanwhile (on a
    /// current-thread runtime, this is where all tasks run).
    ///
    /// # Panics
    /// When called from inside a runtime (a task, or another `block_on`): blocking there would
    /// stall the workers. Use `spawn` and await the handle, or `task::block_in_place`.
    ///
    /// ```
    /// let rt = gort_executor::runtime::Builder::new_current_thread().build().unwrap();
    /// assert_eq!(rt.block_on(async { 40 + 2 }), 42);
    /// ```
    #[track_caller]
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        let _rt = context::enter_runtime(&self.handle.inner);
        let _driver = self.handle.inner.driver().enter();
        let future = deadlock::block_on_future(&self.handle.inner, future);
        match (&self.kind, &self.handle.inner) {
            (Kind::CurrentThread(ct), scheduler::Handle::CurrentThread(h)) => {
                ct.block_on(h, future)
            }
            _ => park::block_on(future),
        }
    }

    /// Spawns a task onto this runtime (callable from any thread).
    ///
    /// ```
    /// let rt = gort_executor::runtime::Runtime::new().unwrap();
    /// let handle = rt.spawn(async { 5 });
    /// assert_eq!(rt.block_on(handle).unwrap(), 5);
    /// ```
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        crate::task::meta::spawned_here();
        self.handle.inner.spawn(future, crate::task::Id::next())
    }

    /// Runs a blocking closure on the runtime's blocking pool.
    ///
    /// ```
    /// let rt = gort_executor::runtime::Runtime::new().unwrap();
    /// let handle = rt.spawn_blocking(|| std::thread::current().name().map(str::to_owned));
    /// assert!(rt.block_on(handle).unwrap().is_some());
    /// ```
    #[track_caller]
    pub fn spawn_blocking<F, R>(&self, f: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        crate::task::meta::spawned_here();
        self.handle.inner.spawn_blocking(f)
    }

    /// The runtime's metrics (as [`Handle::metrics`]).
    ///
    /// ```
    /// let rt = gort_executor::runtime::Builder::new_current_thread().build().unwrap();
    /// assert_eq!(rt.metrics().num_workers(), 1);
    /// ```
    pub fn metrics(&self) -> RuntimeMetrics {
        self.handle.metrics()
    }

    /// A handle to this runtime, usable from any thread.
    ///
    /// ```
    /// let rt = gort_executor::runtime::Runtime::new().unwrap();
    /// let handle = rt.handle().clone();
    /// let out = std::thread::spawn(move || handle.block_on(async { 3 })).join().unwrap();
    /// assert_eq!(out, 3);
    /// ```
    pub fn handle(&self) -> &Handle {
        &self.handle
    }

    /// Makes this runtime the thread's current one until the guard is dropped, so
    /// `gort_executor::spawn` works from plain code.
    ///
    /// ```
    /// let rt = gort_executor::runtime::Runtime::new().unwrap();
    /// let _guard = rt.enter();
    /// let handle = gort_executor::spawn(async { 9 });
    /// assert_eq!(rt.block_on(handle).unwrap(), 9);
    /// ```
    pub fn enter(&self) -> EnterGuard<'_> {
        self.handle.enter()
    }

    /// Shuts down, waiting at most `duration` for running blocking calls.
    ///
    /// ```
    /// let rt = gort_executor::runtime::Runtime::new().unwrap();
    /// rt.spawn_blocking(|| std::thread::sleep(std::time::Duration::from_secs(1)));
    /// let start = std::time::Instant::now();
    /// rt.shutdown_timeout(std::time::Duration::from_millis(10));
    /// assert!(start.elapsed() < std::time::Duration::from_secs(1));
    /// ```
    pub fn shutdown_timeout(mut self, duration: Duration) {
        self.shutdown(Some(duration));
    }

    /// Shuts down without waiting for running blocking calls.
    ///
    /// ```
    /// let rt = gort_executor::runtime::Runtime::new().unwrap();
    /// rt.spawn_blocking(|| std::thread::sleep(std::time::Duration::from_millis(200)));
    /// rt.shutdown_background();
    /// ```
    pub fn shutdown_background(self) {
        self.shutdown_timeout(Duration::ZERO);
    }

    fn shutdown(&mut self, blocking_timeout: Option<Duration>) {
        self.shut_down = true;
        // Tasks' destructors run with this runtime current (they may spawn or use the driver).
        let _current = context::set_current(&self.handle.inner);
        let _driver = self.handle.inner.driver().enter();
        match (&self.kind, &self.handle.inner) {
            (Kind::CurrentThread(ct), scheduler::Handle::CurrentThread(h)) => ct.shutdown(h),
            (_, scheduler::Handle::MultiThread(h)) => h.shutdown(),
            _ => unreachable!("runtime kind and handle disagree"),
        }
        self.handle
            .inner
            .blocking_spawner()
            .shutdown(blocking_timeout);
    }
}

// As tokio's: runtimes and handles may cross `catch_unwind`. A panic in a task is caught and
// reported through its `JoinHandle`, and the scheduler's shared state stays consistent when a
// panic unwinds out of `block_on`, so nothing is left half-updated for the code after it.
impl std::panic::UnwindSafe for Runtime {}
impl std::panic::RefUnwindSafe for Runtime {}

impl Drop for Runtime {
    fn drop(&mut self) {
        if self.shut_down {
            return;
        }
        // Dropping waits for the runtime's threads: on a thread that drives a runtime that
        // would stall (or deadlock) it, so refuse, as tokio does (unless already unwinding).
        if context::in_runtime() && !std::thread::panicking() {
            panic!(
                "Cannot drop a runtime in a context where blocking is not allowed. This happens \
                 when a runtime is dropped from within an asynchronous context: drop it from \
                 `spawn_blocking`, or use `shutdown_background`"
            );
        }
        self.shutdown(None);
    }
}

impl fmt::Debug for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Runtime")
            .field("flavor", &self.handle.runtime_flavor())
            .finish()
    }
}
