//! The two scheduler flavors behind one handle type.

pub(crate) mod current_thread;
pub(crate) mod multi_thread;

use super::blocking;
use super::driver;
use crate::task::{Id, JoinHandle};
use std::future::Future;
use std::sync::Arc;
use std::task::Waker;

/// A cloneable reference to a running scheduler.
#[derive(Clone)]
pub(crate) enum Handle {
    CurrentThread(Arc<current_thread::Handle>),
    MultiThread(Arc<multi_thread::Handle>),
}

/// The per-thread state of the scheduler running on this thread.
pub(crate) enum Context {
    CurrentThread(current_thread::Context),
    MultiThread(multi_thread::Context),
}

impl Handle {
    pub(crate) fn spawn<F>(&self, future: F, id: Id) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        match self {
            Handle::CurrentThread(h) => current_thread::Handle::spawn(h, future, id),
            Handle::MultiThread(h) => multi_thread::Handle::spawn(h, future, id),
        }
    }

    pub(crate) fn blocking_spawner(&self) -> &blocking::Spawner {
        match self {
            Handle::CurrentThread(h) => &h.blocking,
            Handle::MultiThread(h) => &h.blocking,
        }
    }

    pub(crate) fn driver(&self) -> &driver::Handle {
        match self {
            Handle::CurrentThread(h) => h.driver(),
            Handle::MultiThread(h) => h.driver(),
        }
    }

    pub(crate) fn spawn_blocking<F, R>(&self, f: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.blocking_spawner().spawn_blocking(self, f)
    }

    pub(crate) fn info(&self) -> &super::metrics::RuntimeInfo {
        match self {
            Handle::CurrentThread(h) => &h.info,
            Handle::MultiThread(h) => &h.info,
        }
    }

    pub(crate) fn global_queue_depth(&self) -> usize {
        match self {
            Handle::CurrentThread(h) => h.remote_len(),
            Handle::MultiThread(h) => h.inject_len(),
        }
    }

    /// Calls `f` with the header of live task `id`, if any (diagnostics).
    pub(crate) fn with_task<R>(
        &self,
        id: u64,
        f: impl FnOnce(&crate::task::Header) -> R,
    ) -> Option<R> {
        match self {
            Handle::CurrentThread(h) => h.owned.with_task(id, f),
            Handle::MultiThread(h) => h.owned.with_task(id, f),
        }
    }

    /// A number identifying this scheduler while it lives (its address), for the registry of
    /// threads in `block_on`.
    pub(crate) fn key(&self) -> u64 {
        match self {
            Handle::CurrentThread(h) => Arc::as_ptr(h) as usize as u64,
            Handle::MultiThread(h) => Arc::as_ptr(h) as usize as u64,
        }
    }

    /// Calls `f` with every live task's header (the task dump and the deadlock detector).
    pub(crate) fn for_each_task(&self, f: impl FnMut(&crate::task::Header)) {
        match self {
            Handle::CurrentThread(h) => h.owned.for_each(f),
            Handle::MultiThread(h) => h.owned.for_each(f),
        }
    }

    /// True while some worker is off the sleeper list: running, searching, or chosen to wake
    /// and not yet running (a current-thread runtime: its core's thread has not announced its
    /// park). It may hold a wake the tasks do not show yet (a yielded task in its deferred
    /// list, a joiner it is about to wake), so the deadlock detector waits.
    pub(crate) fn any_worker_awake(&self) -> bool {
        match self {
            Handle::CurrentThread(h) => h.core_awake(),
            Handle::MultiThread(h) => h.any_worker_awake(),
        }
    }

    /// `for_each_task` that stops at the first `Break`.
    pub(crate) fn try_for_each_task(
        &self,
        f: impl FnMut(&crate::task::Header) -> std::ops::ControlFlow<()>,
    ) -> std::ops::ControlFlow<()> {
        match self {
            Handle::CurrentThread(h) => h.owned.try_for_each(f),
            Handle::MultiThread(h) => h.owned.try_for_each(f),
        }
    }

    /// Worker `index`'s queued tasks and local-queue overflows (the current-thread runtime's
    /// queue belongs to its `block_on` and is not counted).
    pub(crate) fn worker_queue(&self, index: usize) -> (usize, u64) {
        match self {
            Handle::CurrentThread(_) => (0, 0),
            Handle::MultiThread(h) => h.worker_queue(index),
        }
    }

    pub(crate) fn num_alive_tasks(&self) -> usize {
        match self {
            Handle::CurrentThread(h) => h.num_alive_tasks(),
            Handle::MultiThread(h) => h.num_alive_tasks(),
        }
    }
}

/// Wakers of tasks that yielded on this worker, woken after its next driver poll (tokio's
/// `Defer`). Only a yield touches it; the worker checks `is_empty` before it parks.
#[derive(Default)]
pub(crate) struct Defer(Vec<Waker>);

impl Defer {
    /// Remembers `waker` (once, if the same task yields twice in one poll).
    pub(crate) fn push(&mut self, waker: &Waker) {
        if !self.0.last().is_some_and(|last| last.will_wake(waker)) {
            self.0.push(waker.clone());
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Takes the wakers out, to wake them once nothing borrows the core.
    pub(crate) fn take(&mut self) -> Defer {
        Defer(std::mem::take(&mut self.0))
    }

    /// Wakes every waker, leaving the (allocated) list empty for reuse. A waker that panics
    /// (user code, run outside any task) is contained: the panic hook reports it and the rest
    /// are still woken, so the worker does not unwind with its queue.
    pub(crate) fn wake_all(&mut self) {
        for waker in self.0.drain(..) {
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| waker.wake()));
        }
    }

    /// Gives the emptied list's allocation back if nothing was deferred meanwhile.
    pub(crate) fn restore(&mut self, emptied: Defer) {
        if self.0.is_empty() {
            *self = emptied;
        }
    }
}
