//! The task allocation and the untyped pointer every reference holds.
//!
//! As in async-task and tokio, header, scheduler handle, future and output share one
//! allocation; the future's slot is reused for the output (`Stage`), so a spawned task costs one
//! `malloc` and nothing per poll.

use super::error::JoinError;
use super::harness;
use super::header::{Header, Vtable};
use super::id::Id;
use super::meta::TaskMeta;
use super::refs::Schedule;
use super::state::State;
use crate::loom::UnsafeCell;
use std::future::Future;
use std::ptr::NonNull;
use std::task::Waker;

/// The whole task. `repr(C)` keeps the header first so a header pointer is a cell pointer.
#[repr(C)]
pub(crate) struct Cell<F: Future, S> {
    pub(crate) header: Header,
    pub(crate) scheduler: S,
    pub(crate) stage: UnsafeCell<Stage<F>>,
}

/// The future, then its output, then nothing once the output was taken or dropped.
pub(crate) enum Stage<F: Future> {
    Running(F),
    Finished(Result<F::Output, JoinError>),
    Consumed,
}

/// An untyped pointer to a task; the reference types decide what it owns.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct RawTask {
    ptr: NonNull<Header>,
}

// SAFETY: the header is only accessed through atomics or under the protocol of the state word;
// what the task carries is checked by the spawn functions' `Send` bounds.
unsafe impl Send for RawTask {}
// SAFETY: as above.
unsafe impl Sync for RawTask {}

fn vtable<F: Future + 'static, S: Schedule>() -> &'static Vtable {
    &Vtable {
        poll: harness::poll::<F, S>,
        schedule: harness::schedule::<F, S>,
        dealloc: harness::dealloc::<F, S>,
        try_read_output: harness::try_read_output::<F, S>,
        drop_join_handle_slow: harness::drop_join_handle_slow::<F, S>,
        shutdown: harness::shutdown::<F, S>,
        kind: S::KIND,
    }
}

impl RawTask {
    /// Allocates a task holding three references (see [`super::state`]).
    pub(crate) fn new<F: Future + 'static, S: Schedule>(
        future: F,
        scheduler: S,
        id: Id,
    ) -> RawTask {
        let cell = Box::new(Cell {
            header: Header {
                state: State::new(),
                vtable: vtable::<F, S>(),
                id,
                owner_key: UnsafeCell::new(0),
                idle_since: gort_waitsite::IdleSince::new(),
                join_waker: UnsafeCell::new(None),
                meta: TaskMeta::new(),
            },
            scheduler,
            stage: UnsafeCell::new(Stage::Running(future)),
        });
        RawTask {
            ptr: NonNull::from(Box::leak(cell)).cast(),
        }
    }

    /// # Safety
    /// `ptr` must point to a live task header.
    pub(crate) unsafe fn from_raw(ptr: NonNull<Header>) -> RawTask {
        RawTask { ptr }
    }

    pub(crate) fn header_ptr(self) -> NonNull<Header> {
        self.ptr
    }

    pub(crate) fn header(&self) -> &Header {
        // SAFETY: every `RawTask` in use is backed by a reference that keeps the task alive.
        unsafe { self.ptr.as_ref() }
    }

    pub(crate) fn state(&self) -> &State {
        &self.header().state
    }

    /// Runs the task; consumes the caller's `Notified` reference.
    pub(crate) fn poll(self) {
        // SAFETY: the vtable matches the allocation; the caller gives up its reference.
        unsafe { (self.header().vtable.poll)(self.ptr) }
    }

    /// Hands the caller's reference, as a `Notified`, to the scheduler.
    pub(crate) fn schedule(self) {
        // SAFETY: as above.
        unsafe { (self.header().vtable.schedule)(self.ptr) }
    }

    /// Cancels the task for runtime shutdown; consumes the caller's reference.
    pub(crate) fn shutdown(self) {
        // SAFETY: as above.
        unsafe { (self.header().vtable.shutdown)(self.ptr) }
    }

    /// # Safety
    /// `dst` must point to a `Poll<Result<T, JoinError>>` with this task's output type `T`,
    /// and the caller must be the `JoinHandle`.
    pub(crate) unsafe fn try_read_output(self, dst: *mut (), waker: &Waker) {
        // SAFETY: forwarded to the caller.
        unsafe { (self.header().vtable.try_read_output)(self.ptr, dst, waker) }
    }

    /// Drops a `JoinHandle`'s reference.
    pub(crate) fn drop_join_handle(self) {
        if self.state().drop_join_handle_fast().is_ok() {
            return;
        }
        // SAFETY: the caller owns the `JoinHandle` reference it gives up here.
        unsafe { (self.header().vtable.drop_join_handle_slow)(self.ptr) }
    }

    /// Drops one reference, freeing the task if it was the last.
    pub(crate) fn drop_reference(self) {
        if self.state().ref_dec() {
            // SAFETY: that was the last reference: nobody else can reach the task.
            unsafe { (self.header().vtable.dealloc)(self.ptr) }
        }
    }

    /// `abort()`: cancels the task; if it is idle, schedules it so a worker drops the future.
    pub(crate) fn remote_abort(self) {
        if self.state().transition_to_notified_and_cancel() {
            // The transition added the reference this `Notified` owns.
            self.schedule();
        }
    }

    pub(crate) fn id(&self) -> Id {
        self.header().id
    }
}
