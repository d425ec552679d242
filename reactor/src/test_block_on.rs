//! A one-future executor on a [`Driver`], for the crate's own tests (the real runtime lives in
//! gort-executor, which depends on this crate).

use crate::driver::{Driver, Handle};
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

struct Unparker {
    woken: AtomicBool,
    handle: Handle,
}

impl Wake for Unparker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref()
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::SeqCst);
        self.handle.unpark();
    }
}

/// Runs `future` to completion on a fresh driver, parking in the driver while it is pending.
/// Panics if it takes longer than `limit`.
pub(crate) fn block_on<F: Future>(limit: Duration, future: F) -> F::Output {
    let mut driver = Driver::new().unwrap();
    let handle = driver.handle();
    let _guard = handle.enter();
    let unparker = Arc::new(Unparker {
        woken: AtomicBool::new(true),
        handle: handle.clone(),
    });
    let waker = Waker::from(unparker.clone());
    let mut cx = Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    let start = std::time::Instant::now();
    loop {
        if unparker.woken.swap(false, Ordering::SeqCst) {
            if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
                return out;
            }
        }
        assert!(start.elapsed() < limit, "test timed out");
        driver.park(Some(Duration::from_millis(100)));
    }
}
