//! `yield_now`.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Yields to the scheduler: the task goes to the back of its worker's run queue, so every task
/// queued before it runs first.
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
        // A task woken while it runs is re-queued at the back when its poll returns.
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}
