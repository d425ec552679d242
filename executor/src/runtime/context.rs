//! The thread's runtime context: which runtime `spawn` uses, whether the thread is already
//! running a runtime (so `block_on` would deadlock), and the worker's scheduler state for fast
//! local scheduling.

use super::handle::TryCurrentError;
use super::scheduler;
use std::cell::{Cell, RefCell};
use std::ptr;
use std::task::Waker;

struct Context {
    /// The runtime `spawn` uses here (set by `Runtime::enter`, `block_on` and worker threads).
    handle: RefCell<Option<scheduler::Handle>>,
    /// The scheduler state of the worker (or `block_on`) running here, for local scheduling.
    scheduler: Cell<*const scheduler::Context>,
}

thread_local! {
    static CONTEXT: Context = const {
        Context {
            handle: RefCell::new(None),
            scheduler: Cell::new(ptr::null()),
        }
    };
}

/// Runs `f` with the current runtime's handle.
pub(crate) fn with_current<R>(
    f: impl FnOnce(&scheduler::Handle) -> R,
) -> Result<R, TryCurrentError> {
    match CONTEXT.try_with(|cx| match &*cx.handle.borrow() {
        Some(handle) => Ok(f(handle)),
        None => Err(TryCurrentError::no_context()),
    }) {
        Ok(res) => res,
        Err(_) => Err(TryCurrentError::thread_local_destroyed()),
    }
}

/// Restores the previous current runtime on drop.
pub(crate) struct SetCurrentGuard {
    prev: Option<scheduler::Handle>,
}

/// Makes `handle` the thread's current runtime until the guard drops.
pub(crate) fn set_current(handle: &scheduler::Handle) -> SetCurrentGuard {
    // During thread-local destruction (a runtime dropped from a thread-local's destructor)
    // there is no context left to set: shutting down then runs without one.
    let prev = CONTEXT
        .try_with(|cx| cx.handle.replace(Some(handle.clone())))
        .ok()
        .flatten();
    SetCurrentGuard { prev }
}

impl Drop for SetCurrentGuard {
    fn drop(&mut self) {
        let prev = self.prev.take();
        let _ = CONTEXT.try_with(|cx| *cx.handle.borrow_mut() = prev);
    }
}

/// Marks the thread as running a runtime; undone on drop.
pub(crate) struct EnterRuntimeGuard {
    _current: SetCurrentGuard,
}

// tokio's wording first: code written against tokio matches on it.
const NESTED_BLOCK_ON: &str = "Cannot start a runtime from within a runtime. This happens \
because a function (like `block_on`) attempted to block the current thread while the thread is \
being used to drive asynchronous tasks. If you are in an async function, use `.await` on the \
future instead of blocking on it. Otherwise `spawn` it and await the JoinHandle, or wrap the \
blocking code in `gort::task::block_in_place`.";

/// Enters a runtime for `block_on` or a worker thread.
///
/// # Panics
/// When this thread already runs a runtime (nested `block_on`).
#[track_caller]
pub(crate) fn enter_runtime(handle: &scheduler::Handle) -> EnterRuntimeGuard {
    // The flag lives in the channel crate, so its `blocking_*` methods can refuse to block a
    // runtime thread.
    let nested = gort_channel::sync::__runtime::replace_in_runtime(true);
    if nested {
        panic!("{NESTED_BLOCK_ON}");
    }
    EnterRuntimeGuard {
        _current: set_current(handle),
    }
}

impl Drop for EnterRuntimeGuard {
    fn drop(&mut self) {
        gort_channel::sync::__runtime::replace_in_runtime(false);
    }
}

/// True when this thread is running a runtime (a worker or inside `block_on`).
pub(crate) fn in_runtime() -> bool {
    gort_channel::sync::__runtime::in_runtime()
}

/// Runs `f` as if the thread were not running a runtime (`block_in_place`).
pub(crate) fn exit_runtime<R>(f: impl FnOnce() -> R) -> R {
    struct Reset(bool);
    impl Drop for Reset {
        fn drop(&mut self) {
            gort_channel::sync::__runtime::replace_in_runtime(self.0);
        }
    }
    let was = gort_channel::sync::__runtime::replace_in_runtime(false);
    let _reset = Reset(was);
    f()
}

/// Runs `f` with the scheduler state of the worker running on this thread, if any.
pub(crate) fn with_scheduler<R>(f: impl FnOnce(Option<&scheduler::Context>) -> R) -> R {
    let ptr = CONTEXT
        .try_with(|cx| cx.scheduler.get())
        .unwrap_or(ptr::null());
    // SAFETY: the pointer is set by `set_scheduler` for the duration of a borrow of a live
    // context on this same thread, and reset before that borrow ends.
    f(unsafe { ptr.as_ref() })
}

/// The index of the worker running on this thread: a multi-thread worker's number, `0` for the
/// `block_on` driving a current-thread runtime, `None` elsewhere.
pub(crate) fn worker_index() -> Option<usize> {
    with_scheduler(|cx| match cx? {
        scheduler::Context::CurrentThread(cx) => cx.worker_index(),
        scheduler::Context::MultiThread(cx) => cx.worker_index(),
    })
}

/// Installs `scheduler` as this thread's scheduler state while `f` runs.
pub(crate) fn set_scheduler<R>(scheduler: &scheduler::Context, f: impl FnOnce() -> R) -> R {
    struct Reset(*const scheduler::Context);
    impl Drop for Reset {
        fn drop(&mut self) {
            let _ = CONTEXT.try_with(|cx| cx.scheduler.set(self.0));
        }
    }
    let prev = CONTEXT
        .try_with(|cx| cx.scheduler.replace(scheduler as *const _))
        .unwrap_or(ptr::null());
    let _reset = Reset(prev);
    f()
}

/// Wakes `waker` only once this thread's worker has polled its driver (tokio's defer list): a
/// task that yields (`yield_now`, a spent budget) lets I/O and timer events in before it runs
/// again. Outside a worker (or with its core handed away) the task is woken at once.
pub(crate) fn defer(waker: &Waker) {
    let deferred = with_scheduler(|cx| match cx {
        Some(scheduler::Context::CurrentThread(cx)) => cx.defer(waker),
        Some(scheduler::Context::MultiThread(cx)) => cx.defer(waker),
        None => false,
    });
    if !deferred {
        waker.wake_by_ref();
    }
}
