//! `LocalRuntime`: a current-thread runtime on which `!Send` futures may be spawned, as tokio's.
//!
//! It is a current-thread [`Runtime`] and a [`LocalSet`] driven together: while `block_on` runs,
//! the set is entered for the whole call, so `task::spawn_local` works from the `block_on` future
//! and from every task the runtime polls — those spawned from other threads through
//! [`Handle::spawn`] included (tokio-util's `LocalPoolHandle` relies on that).

use super::{Builder, EnterGuard, Handle, Runtime, RuntimeFlavor};
use crate::task::{JoinHandle, LocalEnterGuard, LocalSet};
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;

/// Options for [`Builder::build_local`], as tokio's (none yet; the type keeps the signature).
///
/// ```
/// let options = gort_executor::runtime::LocalOptions::default();
/// let rt = gort_executor::runtime::Builder::new_current_thread().build_local(options).unwrap();
/// # drop(rt);
/// ```
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct LocalOptions {
    _not_send: PhantomData<*mut u8>,
}

impl Builder {
    /// Builds a [`LocalRuntime`] from this (current-thread) builder's settings.
    ///
    /// # Errors
    /// As [`Builder::build`]; and `InvalidInput` for a multi-thread builder (a local runtime
    /// runs on one thread).
    ///
    /// ```
    /// use gort_executor::runtime::{Builder, LocalOptions};
    /// let rt = Builder::new_current_thread().enable_all().build_local(LocalOptions::default());
    /// assert_eq!(rt.unwrap().block_on(async { 7 }), 7);
    /// assert!(Builder::new_multi_thread().build_local(LocalOptions::default()).is_err());
    /// ```
    pub fn build_local(&mut self, options: LocalOptions) -> std::io::Result<LocalRuntime> {
        let _ = options;
        let runtime = self.build()?;
        if runtime.handle().runtime_flavor() != RuntimeFlavor::CurrentThread {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "build_local needs a current-thread builder (Builder::new_current_thread)",
            ));
        }
        Ok(LocalRuntime {
            local: LocalSet::new(),
            runtime,
        })
    }
}

/// The guard of [`LocalRuntime::enter`]: the runtime is current, and `spawn_local` adds to it.
#[must_use = "the runtime is only entered while the guard lives"]
pub struct LocalRuntimeEnterGuard<'a> {
    // Field order: leave the set before the runtime, the reverse of entering.
    _local: LocalEnterGuard,
    _runtime: EnterGuard<'a>,
}

impl fmt::Debug for LocalRuntimeEnterGuard<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalRuntimeEnterGuard")
            .finish_non_exhaustive()
    }
}

/// A single-threaded runtime that also runs `!Send` tasks (tokio's `runtime::LocalRuntime`).
///
/// ```
/// use std::rc::Rc;
///
/// let rt = gort_executor::runtime::LocalRuntime::new().unwrap();
/// let shared = Rc::new(21);
/// let s = shared.clone();
/// let doubled = rt.block_on(async move {
///     gort_executor::task::spawn_local(async move { *s * 2 }).await.unwrap()
/// });
/// assert_eq!(doubled, 42);
/// ```
pub struct LocalRuntime {
    // Field order: the set (and its tasks) drops before the runtime that drives it.
    local: LocalSet,
    runtime: Runtime,
}

impl LocalRuntime {
    /// A local runtime with I/O and timers enabled.
    ///
    /// # Errors
    /// As [`Builder::build`]: the I/O driver could not be created.
    ///
    /// ```
    /// let rt = gort_executor::runtime::LocalRuntime::new().unwrap();
    /// assert_eq!(rt.block_on(async { 1 + 1 }), 2);
    /// ```
    pub fn new() -> std::io::Result<LocalRuntime> {
        Builder::new_current_thread()
            .enable_all()
            .build_local(LocalOptions::default())
    }

    /// Enters the runtime without blocking on it: `spawn` and `spawn_local` work until the
    /// guard drops; the spawned tasks run once [`block_on`](Self::block_on) does.
    ///
    /// ```
    /// let rt = gort_executor::runtime::LocalRuntime::new().unwrap();
    /// let task = {
    ///     let _guard = rt.enter();
    ///     gort_executor::task::spawn_local(async { std::rc::Rc::new(8) })
    /// };
    /// assert_eq!(*rt.block_on(task).unwrap(), 8);
    /// ```
    pub fn enter(&self) -> LocalRuntimeEnterGuard<'_> {
        LocalRuntimeEnterGuard {
            _runtime: self.runtime.enter(),
            _local: self.local.enter(),
        }
    }

    /// The handle of the underlying runtime: tasks spawned through it (from any thread) run on
    /// this runtime's thread, where `spawn_local` works.
    ///
    /// ```
    /// let rt = gort_executor::runtime::LocalRuntime::new().unwrap();
    /// let task = rt.handle().spawn(async { 3 });
    /// assert_eq!(rt.block_on(task).unwrap(), 3);
    /// ```
    pub fn handle(&self) -> &Handle {
        self.runtime.handle()
    }

    /// Spawns a `!Send` future onto this runtime; it runs while [`block_on`](Self::block_on) does.
    ///
    /// ```
    /// let rt = gort_executor::runtime::LocalRuntime::new().unwrap();
    /// let task = rt.spawn_local(async { std::rc::Rc::new(4) });
    /// assert_eq!(*rt.block_on(task).unwrap(), 4);
    /// ```
    #[track_caller]
    pub fn spawn_local<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        self.local.spawn_local(future)
    }

    /// Spawns a `Send` future onto this runtime, as [`Runtime::spawn`].
    ///
    /// ```
    /// let rt = gort_executor::runtime::LocalRuntime::new().unwrap();
    /// let task = rt.spawn(async { 5 });
    /// assert_eq!(rt.block_on(task).unwrap(), 5);
    /// ```
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.runtime.spawn(future)
    }

    /// Runs `future` (which need not be `Send`) to completion on this thread, driving the
    /// runtime's tasks and the local ones meanwhile.
    ///
    /// # Panics
    /// Inside a runtime (as [`Runtime::block_on`]).
    ///
    /// ```
    /// let rt = gort_executor::runtime::LocalRuntime::new().unwrap();
    /// let cell = std::rc::Rc::new(std::cell::Cell::new(0));
    /// rt.block_on(async { cell.set(9) });
    /// assert_eq!(cell.get(), 9);
    /// ```
    #[track_caller]
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        let _entered = self.local.enter();
        self.local.block_on(&self.runtime, future)
    }
}

impl fmt::Debug for LocalRuntime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalRuntime").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::rc::Rc;
    use std::sync::mpsc;

    #[test]
    fn tasks_spawned_from_another_thread_may_spawn_local_tasks() {
        let rt = LocalRuntime::new().unwrap();
        let handle = rt.handle().clone();
        let (done_tx, done_rx) = mpsc::channel();
        std::thread::spawn(move || {
            handle.spawn(async move {
                // Runs on the local runtime's thread, inside its set.
                let rc = Rc::new(10);
                let v = crate::task::spawn_local(async move { *rc + 1 })
                    .await
                    .unwrap();
                done_tx.send(v).unwrap();
            });
        })
        .join()
        .unwrap();
        let got = rt.block_on(async {
            for _ in 0..100_000 {
                if let Ok(v) = done_rx.try_recv() {
                    return v;
                }
                crate::task::yield_now().await;
            }
            panic!("the remotely spawned task never finished");
        });
        assert_eq!(got, 11);
    }

    #[test]
    fn local_tasks_spawned_under_enter_run_in_block_on() {
        let rt = LocalRuntime::new().unwrap();
        let shared = Rc::new(std::cell::Cell::new(0));
        let tasks: Vec<_> = {
            let _guard = rt.enter();
            (1..=10)
                .map(|i| {
                    let shared = shared.clone();
                    crate::task::spawn_local(async move { shared.set(shared.get() + i) })
                })
                .collect()
        };
        rt.block_on(async {
            for task in tasks {
                task.await.unwrap();
            }
        });
        assert_eq!(shared.get(), 55);
    }

    #[test]
    fn runtimes_and_handles_cross_catch_unwind() {
        fn unwind_safe<T: std::panic::RefUnwindSafe + std::panic::UnwindSafe>() {}
        unwind_safe::<Runtime>();
        unwind_safe::<Handle>();
        let rt = Builder::new_current_thread().build().unwrap();
        let caught = std::panic::catch_unwind(|| rt.block_on(async { panic!("boom") }));
        assert!(caught.is_err());
        assert_eq!(
            rt.block_on(async { 3 }),
            3,
            "the runtime is usable after the panic"
        );
    }
}
