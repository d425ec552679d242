//! The typed side of the vtable: polling, completing and cancelling a task.
//!
//! Every function here follows the state machine of [`super::state`]: whoever set `RUNNING` owns
//! the stage; after `COMPLETE` the `JoinHandle` owns the output; the join-waker slot is shared
//! according to `JOIN_WAKER`. Panics from the future (in `poll` or in `drop`) are caught and
//! become a [`JoinError`] so a worker thread never unwinds.

use super::error::JoinError;
use super::header::Header;
use super::raw::{Cell, RawTask, Stage};
use super::refs::{Notified, Schedule, Task};
use super::state::{Snapshot, ToIdle, ToRunning};
use super::waker::waker_ref;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::ptr::NonNull;
use std::task::{Context, Poll, Waker};
use std::{mem, ptr};

/// # Safety
/// `ptr` must point to a live `Cell<F, S>`.
unsafe fn cell<'a, F: Future, S>(ptr: NonNull<Header>) -> &'a Cell<F, S> {
    // SAFETY: the header is the first field of the `repr(C)` cell.
    unsafe { ptr.cast::<Cell<F, S>>().as_ref() }
}

pub(super) unsafe fn poll<F: Future + 'static, S: Schedule>(ptr: NonNull<Header>) {
    // SAFETY: the vtable is only called with a matching cell.
    let cell = unsafe { cell::<F, S>(ptr) };
    // SAFETY: the caller's `Notified` keeps the task alive.
    let raw = unsafe { RawTask::from_raw(ptr) };
    match cell.header.state.transition_to_running() {
        ToRunning::Success => {
            let waker = waker_ref(raw);
            let mut cx = Context::from_waker(&waker);
            if poll_future(cell, &mut cx) {
                complete::<F, S>(raw);
                return;
            }
            match cell.header.state.transition_to_idle() {
                ToIdle::Ok => {}
                // Woken while it ran: it goes to the back of the queue, so a task that wakes
                // itself (yield_now, an exhausted budget) lets the others run.
                // SAFETY: the transition kept the poller's reference for this `Notified`.
                ToIdle::OkNotified => cell.scheduler.yield_now(unsafe { Notified::from_raw(raw) }),
                // SAFETY: that was the last reference.
                ToIdle::OkDealloc => unsafe { dealloc::<F, S>(ptr) },
                ToIdle::Cancelled => {
                    cancel_task(cell);
                    complete::<F, S>(raw);
                }
            }
        }
        ToRunning::Cancelled => {
            cancel_task(cell);
            complete::<F, S>(raw);
        }
        ToRunning::Failed => {}
        // SAFETY: that was the last reference.
        ToRunning::Dealloc => unsafe { dealloc::<F, S>(ptr) },
    }
}

/// Polls the future once (the caller holds `RUNNING`); true when it finished or panicked.
fn poll_future<F: Future, S>(cell: &Cell<F, S>, cx: &mut Context<'_>) -> bool {
    #[cfg(feature = "tracing")]
    let _span = crate::runtime::trace::enter_poll(&cell.header);
    let polled = catch_unwind(AssertUnwindSafe(|| {
        // A future whose poll panics is dropped while the panic unwinds (as tokio does), so its
        // destructor sees `thread::panicking()`. A panic in that destructor is caught by
        // `set_stage` and superseded by the poll's.
        struct DropOnUnwind<'a, F: Future, S>(&'a Cell<F, S>);
        impl<F: Future, S> Drop for DropOnUnwind<'_, F, S> {
            fn drop(&mut self) {
                let _ = set_stage(self.0, Stage::Consumed);
            }
        }
        let on_unwind = DropOnUnwind(cell);
        // The task's wait record is current during the poll: gort futures that return
        // `Pending` record their wait site in it (and `task::id()` reads the task id there).
        let (waits, id) = (&cell.header.meta.waits, cell.header.id.as_u64());
        let polled = gort_waitsite::poll_with(waits, id, || {
            cell.stage.with_mut(|stage| {
                // SAFETY: `RUNNING` gives this thread exclusive access to the stage.
                match unsafe { &mut *stage } {
                    // SAFETY: the future is never moved out of the allocation.
                    Stage::Running(future) => unsafe { Pin::new_unchecked(future) }.poll(cx),
                    _ => unreachable!("a task was polled after it completed"),
                }
            })
        });
        mem::forget(on_unwind);
        polled
    }));
    let output = match polled {
        Ok(Poll::Pending) => {
            cell.header.idle_since.stamp(); // the dump's idle time starts now
            return false;
        }
        Ok(Poll::Ready(output)) => Ok(output),
        Err(panic) => Err(JoinError::panic(cell.header.id, panic)),
    };
    // Drop the future before storing the output; a panic in its destructor is reported too.
    let output = match set_stage(cell, Stage::Consumed) {
        Ok(()) => output,
        Err(panic) => Err(JoinError::panic(cell.header.id, panic)),
    };
    let _ = set_stage(cell, Stage::Finished(output));
    true
}

/// Replaces the stage (the caller owns it), catching a panic from the old value's destructor.
fn set_stage<F: Future, S>(
    cell: &Cell<F, S>,
    stage: Stage<F>,
) -> Result<(), Box<dyn std::any::Any + Send>> {
    let id = cell.header.id.as_u64();
    gort_waitsite::scope(&cell.header.meta.waits, id, || set_stage_now(cell, stage))
}

fn set_stage_now<F: Future, S>(
    cell: &Cell<F, S>,
    stage: Stage<F>,
) -> Result<(), Box<dyn std::any::Any + Send>> {
    cell.stage.with_mut(|slot| {
        // The old stage is dropped where it lies, never moved out first: the future is pinned,
        // and a future that linked itself into a wait-list by address (a `Notified`, a
        // `CancellationToken::cancelled()`) must unlink itself from that address.
        // SAFETY: the caller owns the stage (it holds `RUNNING`, or the task is complete and it
        // is the output's owner), so nothing else reads or drops it concurrently.
        let dropped = catch_unwind(AssertUnwindSafe(|| unsafe { ptr::drop_in_place(slot) }));
        // SAFETY: the old value is gone (its drop glue ran to the end, even if a destructor
        // panicked), so the slot is overwritten without dropping it again.
        unsafe { ptr::write(slot, stage) };
        dropped
    })
}

/// Drops the future of a cancelled task and stores the matching `JoinError`.
fn cancel_task<F: Future, S>(cell: &Cell<F, S>) {
    let id = cell.header.id;
    let error = match set_stage(cell, Stage::Consumed) {
        Ok(()) => JoinError::cancelled(id),
        Err(panic) => JoinError::panic(id, panic),
    };
    let _ = set_stage(cell, Stage::Finished(Err(error)));
}

/// Publishes completion, wakes the joiner, leaves the owner's list, drops the poller's reference.
///
/// Takes the raw task rather than a `&Cell`: it may free the cell, which must not happen while
/// a reference to it is a live function argument.
fn complete<F: Future + 'static, S: Schedule>(raw: RawTask) {
    // SAFETY: the caller's reference keeps the task alive until the end of this function.
    let cell = unsafe { cell::<F, S>(raw.header_ptr()) };
    let snapshot = cell.header.state.transition_to_complete();
    #[cfg(feature = "tracing")]
    crate::runtime::trace::task_done(&cell.header);
    // Leave the owner list before waking the joiner, so `num_alive_tasks` no longer counts a
    // task whose `JoinHandle` has returned.
    // SAFETY: borrowed for the lookup only; never dropped (see `mem::forget` below).
    let me = mem::ManuallyDrop::new(unsafe { Task::<S>::from_raw(raw) });
    let released = match cell.scheduler.release(&me) {
        Some(task) => {
            // The owner list's reference is dropped with the poller's in one step.
            mem::forget(task);
            2
        }
        None => 1,
    };
    if !snapshot.is_join_interested() {
        // Nobody will read the output: drop it here.
        let _ = set_stage(cell, Stage::Consumed);
    } else if snapshot.is_join_waker_set() {
        // SAFETY: `JOIN_WAKER` was set before `COMPLETE`: the handle no longer touches the slot
        // (it reads it only after clearing `JOIN_WAKER`, which fails once `COMPLETE` is set).
        let waker = cell
            .header
            .join_waker
            .with_mut(|slot| unsafe { (*slot).take() });
        // Woken by value: the joiner's waker is released now, not when the task is freed
        // (something else may keep the task alive for long).
        if let Some(waker) = waker {
            let _ = catch_unwind(AssertUnwindSafe(|| waker.wake()));
        }
    }
    cell.scheduler.completed();
    if cell.header.state.ref_dec_many(released) {
        // SAFETY: those were the last references.
        unsafe { dealloc::<F, S>(raw.header_ptr()) }
    }
}

pub(super) unsafe fn schedule<F: Future + 'static, S: Schedule>(ptr: NonNull<Header>) {
    // SAFETY: the vtable is only called with a matching cell.
    let cell = unsafe { cell::<F, S>(ptr) };
    // SAFETY: the caller hands over the reference this `Notified` owns.
    let notified = unsafe { Notified::from_raw(RawTask::from_raw(ptr)) };
    cell.scheduler.schedule(notified);
}

pub(super) unsafe fn dealloc<F: Future + 'static, S: Schedule>(ptr: NonNull<Header>) {
    // SAFETY: the reference count reached zero: this is the only pointer left, and the cell
    // was allocated by `Box` in `RawTask::new`.
    drop(unsafe { Box::from_raw(ptr.cast::<Cell<F, S>>().as_ptr()) });
}

pub(super) unsafe fn try_read_output<F: Future + 'static, S: Schedule>(
    ptr: NonNull<Header>,
    dst: *mut (),
    waker: &Waker,
) {
    // SAFETY: the vtable is only called with a matching cell.
    let cell = unsafe { cell::<F, S>(ptr) };
    if !can_read_output(&cell.header, waker) {
        return;
    }
    let output = cell.stage.with_mut(|stage| {
        // SAFETY: `COMPLETE` is set and we are the `JoinHandle`: the output is ours.
        match mem::replace(unsafe { &mut *stage }, Stage::Consumed) {
            Stage::Finished(output) => output,
            _ => panic!("JoinHandle polled after it returned Ready"),
        }
    });
    // SAFETY: the caller guarantees `dst` has this task's output type.
    unsafe { *(dst as *mut Poll<Result<F::Output, JoinError>>) = Poll::Ready(output) };
}

/// True when the task completed; otherwise makes sure `waker` is the stored join waker.
fn can_read_output(header: &Header, waker: &Waker) -> bool {
    let snapshot = header.state.load();
    debug_assert!(snapshot.is_join_interested());
    if snapshot.is_complete() {
        return true;
    }
    let res = if snapshot.is_join_waker_set() {
        // Take the slot back before reading it: once the task completes, the completer owns a
        // published waker and takes it out.
        header
            .state
            .unset_join_waker()
            .and_then(|_| set_join_waker(header, waker))
    } else {
        set_join_waker(header, waker)
    };
    match res {
        Ok(_) => false,
        Err(snapshot) => {
            debug_assert!(snapshot.is_complete());
            true
        }
    }
}

/// Stores `waker` (unless the slot already holds one that wakes the same task) and publishes it.
fn set_join_waker(header: &Header, waker: &Waker) -> Result<Snapshot, Snapshot> {
    header.join_waker.with_mut(|slot| {
        // SAFETY: `JOIN_WAKER` is clear, so only the `JoinHandle` (the caller) touches the slot.
        let slot = unsafe { &mut *slot };
        if !slot.as_ref().is_some_and(|w| w.will_wake(waker)) {
            *slot = Some(waker.clone());
        }
    });
    let res = header.state.set_join_waker();
    if res.is_err() {
        // Completed first: the completer saw no waker and never reads the slot.
        // SAFETY: as above.
        header.join_waker.with_mut(|slot| unsafe { *slot = None });
    }
    res
}

pub(super) unsafe fn drop_join_handle_slow<F: Future + 'static, S: Schedule>(ptr: NonNull<Header>) {
    // SAFETY: the vtable is only called with a matching cell.
    let cell = unsafe { cell::<F, S>(ptr) };
    match cell.header.state.unset_join_interested() {
        // Completed: the output is ours to drop.
        Err(_) => {
            let _ = set_stage(cell, Stage::Consumed);
        }
        // SAFETY: `JOIN_WAKER` and `JOIN_INTEREST` are now clear: the slot is ours alone.
        Ok(_) => cell
            .header
            .join_waker
            .with_mut(|slot| unsafe { *slot = None }),
    }
    // SAFETY: the handle's reference is given up here.
    unsafe { RawTask::from_raw(ptr) }.drop_reference();
}

pub(super) unsafe fn shutdown<F: Future + 'static, S: Schedule>(ptr: NonNull<Header>) {
    // SAFETY: the vtable is only called with a matching cell.
    let cell = unsafe { cell::<F, S>(ptr) };
    // SAFETY: the caller's reference keeps the task alive.
    let raw = unsafe { RawTask::from_raw(ptr) };
    if cell.header.state.transition_to_shutdown() {
        // Claimed (it was idle): cancel here; `complete` drops the caller's reference.
        cancel_task(cell);
        complete::<F, S>(raw);
    } else {
        // Running or finished: the poller sees `CANCELLED`.
        raw.drop_reference();
    }
}
