//! [`LocalRuntime`]: a current-thread runtime whose `block_on` also runs `!Send` tasks
//! (tokio's `runtime::LocalRuntime`).
//!
//! It is a current-thread [`Runtime`] paired with a [`LocalSet`]: `block_on` drives the set on
//! the runtime, so inside it (and under [`LocalRuntime::enter`]) `task::spawn_local` puts tasks
//! on the set, while `spawn` still reaches the runtime. The pair is `!Send`, as the set is.

use super::{Builder, EnterGuard, Handle, Runtime, RuntimeMetrics};
use crate::task::{JoinHandle, LocalSet};
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::time::Duration;

/// Options for [`Builder::build_local`] (none yet; tokio's `LocalOptions`).
///
/// ```
/// let options = gort_executor::runtime::LocalOptions::default();
/// let rt = gort_executor::runtime::Builder::new_current_thread().build_local(options).unwrap();
/// # drop(rt);
/// ```
#[derive(Default, Debug)]
#[non_exhaustive]
pub struct LocalOptions {
    // Reserved for options that only make sense on one thread.
    _not_send: PhantomData<*mut u8>,
}

/// A runtime that runs `!Send` tasks on the thread that calls its `block_on`.
///
/// ```
/// use std::rc::Rc;
/// let rt = gort_executor::runtime::LocalRuntime::new().unwrap();
/// let out = rt.block_on(async {
///     let shared = Rc::new(20);
///     let s = shared.clone();
///     gort_executor::task::spawn_local(async move { *s + 1 }).await.unwrap()
/// });
/// assert_eq!(out, 21);
/// ```
pub struct LocalRuntime {
    // Field order: the set's tasks are dropped before the runtime shuts down.
    local: LocalSet,
    rt: Runtime,
}

impl LocalRuntime {
    /// A local runtime with I/O and timers enabled.
    ///
    /// ```
    /// let rt = gort_executor::runtime::LocalRuntime::new().unwrap();
    /// assert_eq!(rt.block_on(async { 2 }), 2);
    /// ```
    pub fn new() -> std::io::Result<LocalRuntime> {
        Builder::new_current_thread()
            .enable_all()
            .build_local(LocalOptions::default())
    }

    pub(crate) fn from_runtime(rt: Runtime) -> LocalRuntime {
        if let super::scheduler::Handle::CurrentThread(handle) = &rt.handle().inner {
            let _ = handle.local_owner.set(std::thread::current().id());
        }
        LocalRuntime {
            local: LocalSet::new(),
            rt,
        }
    }

    /// A handle to the runtime (for `Send` tasks; `spawn_local` needs the runtime itself).
    ///
    /// ```
    /// let rt = gort_executor::runtime::LocalRuntime::new().unwrap();
    /// let task = rt.handle().spawn(async { 4 });
    /// assert_eq!(rt.block_on(task).unwrap(), 4);
    /// ```
    pub fn handle(&self) -> &Handle {
        self.rt.handle()
    }

    /// Spawns a `!Send` task; it runs while [`block_on`](Self::block_on) runs.
    ///
    /// ```
    /// let rt = gort_executor::runtime::LocalRuntime::new().unwrap();
    /// let task = rt.spawn_local(async { std::rc::Rc::new(6) });
    /// assert_eq!(*rt.block_on(task).unwrap(), 6);
    /// ```
    #[track_caller]
    pub fn spawn_local<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        self.local.spawn_local(future)
    }

    /// Runs a blocking closure on the runtime's blocking pool.
    ///
    /// ```
    /// let rt = gort_executor::runtime::LocalRuntime::new().unwrap();
    /// let task = rt.spawn_blocking(|| 1 + 1);
    /// assert_eq!(rt.block_on(task).unwrap(), 2);
    /// ```
    #[track_caller]
    pub fn spawn_blocking<F, R>(&self, f: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.rt.spawn_blocking(f)
    }

    /// Runs `future` to completion on this thread, with the runtime's tasks and the local
    /// tasks.
    ///
    /// # Panics
    /// When called from inside a runtime.
    ///
    /// ```
    /// let rt = gort_executor::runtime::LocalRuntime::new().unwrap();
    /// assert_eq!(rt.block_on(async { "done" }), "done");
    /// ```
    #[track_caller]
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.local.block_on(&self.rt, future)
    }

    /// Makes the runtime (and its local set) current until the guard drops: `spawn` and
    /// `spawn_local` then work from plain code.
    ///
    /// ```
    /// let rt = gort_executor::runtime::LocalRuntime::new().unwrap();
    /// let task = {
    ///     let _guard = rt.enter();
    ///     gort_executor::task::spawn_local(async { 8 })
    /// };
    /// assert_eq!(rt.block_on(task).unwrap(), 8);
    /// ```
    pub fn enter(&self) -> EnterGuard<'_> {
        self.rt.handle().enter_with_local(self.local.enter())
    }

    /// Shuts down, waiting at most `duration` for running blocking calls.
    ///
    /// ```
    /// let rt = gort_executor::runtime::LocalRuntime::new().unwrap();
    /// rt.shutdown_timeout(std::time::Duration::from_millis(10));
    /// ```
    pub fn shutdown_timeout(self, duration: Duration) {
        drop(self.local);
        self.rt.shutdown_timeout(duration);
    }

    /// Shuts down without waiting for running blocking calls.
    ///
    /// ```
    /// let rt = gort_executor::runtime::LocalRuntime::new().unwrap();
    /// rt.shutdown_background();
    /// ```
    pub fn shutdown_background(self) {
        self.shutdown_timeout(Duration::ZERO);
    }

    /// The runtime's metrics.
    ///
    /// ```
    /// let rt = gort_executor::runtime::LocalRuntime::new().unwrap();
    /// assert_eq!(rt.metrics().num_workers(), 1);
    /// ```
    pub fn metrics(&self) -> RuntimeMetrics {
        self.rt.metrics()
    }
}

impl fmt::Debug for LocalRuntime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalRuntime").finish_non_exhaustive()
    }
}
