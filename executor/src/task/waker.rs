//! The hand-written `RawWakerVTable`: a waker is a counted pointer to the task header, so
//! cloning, waking and dropping a waker never allocate.

use super::header::Header;
use super::raw::RawTask;
use super::state::ToNotified;
use std::mem::ManuallyDrop;
use std::ptr::NonNull;
use std::task::{RawWaker, RawWakerVTable, Waker};

static WAKER_VTABLE: RawWakerVTable = RawWakerVTable::new(clone, wake, wake_by_ref, drop_waker);

/// A waker borrowing the poller's reference (no count change): dropping it is a no-op.
pub(crate) fn waker_ref(raw: RawTask) -> ManuallyDrop<Waker> {
    let data = raw.header_ptr().as_ptr() as *const ();
    // SAFETY: the vtable's contract holds for any live task header; `ManuallyDrop` keeps this
    // uncounted waker from decrementing the count.
    ManuallyDrop::new(unsafe { Waker::from_raw(RawWaker::new(data, &WAKER_VTABLE)) })
}

/// # Safety
/// `data` must be a task header pointer owned by a waker.
unsafe fn raw(data: *const ()) -> RawTask {
    // SAFETY: waker data pointers are always non-null task headers.
    unsafe { RawTask::from_raw(NonNull::new_unchecked(data as *mut Header)) }
}

/// Feature `tracing`: reports waker operation `op` (see `runtime/trace.rs`).
#[inline(always)]
fn trace(_task: RawTask, _op: &'static str) {
    #[cfg(feature = "tracing")]
    crate::runtime::trace::waker_op(_task.header(), _op);
}

unsafe fn clone(data: *const ()) -> RawWaker {
    // SAFETY: called on a live waker.
    let task = unsafe { raw(data) };
    trace(task, "waker.clone");
    task.state().ref_inc();
    RawWaker::new(data, &WAKER_VTABLE)
}

unsafe fn wake(data: *const ()) {
    // SAFETY: called on a live waker, whose reference this consumes.
    let task = unsafe { raw(data) };
    trace(task, "waker.wake");
    match task.state().transition_to_notified_by_val() {
        ToNotified::Submit => task.schedule(),
        ToNotified::Dealloc => {
            // SAFETY: the waker held the last reference.
            unsafe { (task.header().vtable.dealloc)(task.header_ptr()) }
        }
        ToNotified::DoNothing => {}
    }
}

unsafe fn wake_by_ref(data: *const ()) {
    // SAFETY: called on a live waker.
    let task = unsafe { raw(data) };
    trace(task, "waker.wake_by_ref");
    if task.state().transition_to_notified_by_ref() == ToNotified::Submit {
        task.schedule();
    }
}

unsafe fn drop_waker(data: *const ()) {
    // SAFETY: called on a live waker, whose reference this drops.
    let task = unsafe { raw(data) };
    trace(task, "waker.drop");
    task.drop_reference();
}
