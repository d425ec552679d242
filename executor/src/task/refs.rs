//! The owning reference types over a [`RawTask`] and the scheduler interface.
//!
//! - [`Task`]: the owner list's reference (used to cancel every task at shutdown).
//! - [`Notified`]: "this task must run": lives in a run queue; running it consumes it.
//! - `JoinHandle` / `AbortHandle` (public, in their own modules).

use super::id::Id;
use super::join_handle::JoinHandle;
use super::raw::RawTask;
use std::future::Future;
use std::marker::PhantomData;

/// What a task needs from whoever runs it.
pub(crate) trait Schedule: Send + Sync + Sized + 'static {
    /// What the diagnostics call the tasks of this scheduler (tokio-console's span `kind`).
    const KIND: &'static str = "task";
    /// Queues a task that was woken.
    fn schedule(&self, task: Notified<Self>);
    /// Queues a task that woke itself while running, behind the tasks already queued.
    fn yield_now(&self, task: Notified<Self>) {
        self.schedule(task)
    }
    /// Removes a completed task from the owner list; returns the list's reference if it was there.
    fn release(&self, task: &Task<Self>) -> Option<Task<Self>>;
    /// Runs once a completed task has woken its joiner (after [`release`](Self::release)).
    fn completed(&self) {}
}

/// The owner list's reference to a task.
pub(crate) struct Task<S: 'static> {
    raw: RawTask,
    _s: PhantomData<S>,
}

/// A task ready to run; dropping it just drops the reference.
pub(crate) struct Notified<S: 'static>(Task<S>);

// SAFETY: a `Task` only exposes the thread-safe header (see `RawTask`).
unsafe impl<S> Send for Task<S> {}
// SAFETY: as above.
unsafe impl<S> Sync for Task<S> {}

impl<S: 'static> Task<S> {
    /// # Safety
    /// The caller gives this `Task` one reference it owns.
    pub(crate) unsafe fn from_raw(raw: RawTask) -> Task<S> {
        Task {
            raw,
            _s: PhantomData,
        }
    }

    pub(crate) fn raw(&self) -> RawTask {
        self.raw
    }

    pub(crate) fn id(&self) -> Id {
        self.raw.id()
    }

    /// Cancels the task (runtime shutdown); consumes the reference.
    pub(crate) fn shutdown(self) {
        let raw = self.raw;
        std::mem::forget(self);
        raw.shutdown();
    }

    /// Gives up ownership of the reference as a raw pointer.
    pub(crate) fn into_raw(self) -> RawTask {
        let raw = self.raw;
        std::mem::forget(self);
        raw
    }
}

impl<S: 'static> Drop for Task<S> {
    fn drop(&mut self) {
        self.raw.drop_reference();
    }
}

impl<S: 'static> Notified<S> {
    /// # Safety
    /// The caller gives this `Notified` one reference it owns, and the task must be `NOTIFIED`.
    pub(crate) unsafe fn from_raw(raw: RawTask) -> Notified<S> {
        // SAFETY: forwarded to the caller.
        Notified(unsafe { Task::from_raw(raw) })
    }

    pub(crate) fn id(&self) -> Id {
        self.0.id()
    }

    /// Polls the task once (or cancels it if aborted).
    pub(crate) fn run(self) {
        self.0.into_raw().poll();
    }

    /// Cancels the task without polling it (shutdown of a queue that never ran it).
    pub(crate) fn shutdown(self) {
        self.0.shutdown();
    }

    pub(crate) fn into_raw(self) -> RawTask {
        self.0.into_raw()
    }
}

/// Allocates a task: its owner-list reference, its first `Notified`, and its `JoinHandle`.
pub(crate) fn new_task<F, S>(
    future: F,
    scheduler: S,
    id: Id,
) -> (Task<S>, Notified<S>, JoinHandle<F::Output>)
where
    F: Future + 'static,
    S: Schedule,
{
    let raw = RawTask::new(future, scheduler, id);
    // SAFETY: a new task holds exactly these three references and starts `NOTIFIED`.
    unsafe {
        (
            Task::from_raw(raw),
            Notified::from_raw(raw),
            JoinHandle::from_raw(raw),
        )
    }
}
