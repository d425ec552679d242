//! `block_on` for the `*_blocking` methods: polls one future on the calling thread, parking the
//! thread between polls (the waker unparks it). Like tokio's `blocking_*`, never call these from
//! inside an async task: they would block its worker thread.

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};

struct ThreadWaker(Thread);

impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

/// Polls `future` to completion on this thread.
#[track_caller]
pub(crate) fn block_on<F: Future>(future: F) -> F::Output {
    crate::sync::blocking::assert_can_block();
    let mut future = pin!(future);
    let waker = Waker::from(Arc::new(ThreadWaker(thread::current())));
    let mut cx = Context::from_waker(&waker);
    loop {
        // Registers the thread as a gort waiter while it parks (for the deadlock detector).
        let polled = gort_waitsite::blocking_wait(|| future.as_mut().poll(&mut cx), thread::park);
        if let Poll::Ready(output) = polled {
            return output;
        }
    }
}
