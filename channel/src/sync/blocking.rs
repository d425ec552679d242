//! The `blocking_*` methods' `block_on` and the "is this thread running a runtime" flag.
//!
//! `block_on` runs one future on the calling thread, parking the thread between polls (the
//! waker unparks it). As tokio's `blocking_*` methods, it must not run on a thread that drives
//! a runtime (a worker, or inside `block_on`): it would stall every task there, or deadlock. The
//! gort runtime marks such threads through [`replace_in_runtime`] (this crate is the lowest of
//! the workspace, so the flag lives here and the executor uses it as its own), and a blocking
//! call there panics with a message naming the cause. On other runtimes nothing is marked.

use std::cell::Cell;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll};
use std::thread;

thread_local! {
    static IN_RUNTIME: Cell<bool> = const { Cell::new(false) };
}

/// Marks (or unmarks) this thread as driving a runtime; returns the previous mark.
///
/// ```
/// use gort_channel::sync::__runtime::{in_runtime, replace_in_runtime};
/// let was = replace_in_runtime(true);
/// assert!(in_runtime());
/// replace_in_runtime(was);
/// ```
pub fn replace_in_runtime(now: bool) -> bool {
    IN_RUNTIME.try_with(|c| c.replace(now)).unwrap_or(false)
}

/// True while this thread drives a runtime (a worker, or inside `block_on`).
///
/// ```
/// assert!(!gort_channel::sync::__runtime::in_runtime());
/// ```
pub fn in_runtime() -> bool {
    IN_RUNTIME.try_with(Cell::get).unwrap_or(false)
}

/// Panics when this thread drives a runtime (see the module docs).
#[track_caller]
pub(crate) fn assert_can_block() {
    if in_runtime() {
        panic!(
            "Cannot block the current thread from within a runtime. This happens because a \
             function attempted to block the current thread while the thread is being used to \
             drive asynchronous tasks: await the async version instead, or move the call into \
             `spawn_blocking`"
        );
    }
}

/// Polls `future` to completion on this thread.
///
/// # Panics
/// On a thread that drives a runtime.
#[track_caller]
pub(crate) fn block_on<F: Future>(future: F) -> F::Output {
    assert_can_block();
    let mut future = pin!(future);
    let waker = gort_waitsite::thread_waker();
    let mut cx = Context::from_waker(&waker);
    loop {
        // Registers the thread as a gort waiter while it parks (for the deadlock detector).
        let polled = gort_waitsite::blocking_wait(|| future.as_mut().poll(&mut cx), thread::park);
        if let Poll::Ready(output) = polled {
            return output;
        }
    }
}
