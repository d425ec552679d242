//! `yield_now`.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Yields to the scheduler: the task runs again only after its worker has run the tasks queued
/// before it and polled the driver (as tokio's), so I/O and timer events are seen between
/// yields. Outside a runtime worker it is woken at once.
///
/// ```
/// # let rt = gort_executor::runtime::Builder::new_current_thread().build().unwrap();
/// # rt.block_on(async {
/// for _ in 0..3 {
///     gort_executor::task::yield_now().await;
/// }
/// # });
/// ```
///
/// # Cancel safety
/// Cancel safe: dropping it has no effect.
pub async fn yield_now() {
    YieldNow { yielded: false }.await
}

struct YieldNow {
    yielded: bool,
}

impl Future for YieldNow {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            return Poll::Ready(());
        }
        self.yielded = true;
        // Woken once the worker has polled its driver (at once outside a worker).
        crate::runtime::context::defer(cx.waker());
        Poll::Pending
    }
}
