//! [`Sited`]: the extension traits' futures report the caller's line as their wait site.
//!
//! A task parked in `stream.read(&mut buf).await` waits inside the socket's `poll_read`, which
//! records an I/O readiness wait at its own line in gort. The extension methods are
//! `#[track_caller]` and wrap their future in `Sited`, which moves the sites its poll recorded to
//! the line that called the method, so the task dump and the deadlock report show the user's
//! `read`/`write_all`/`copy` line (Go's goroutine dump shows the `conn.Read` line the same way).
//! Cost: one thread-local read per poll, and a few stores when the poll is `Pending`.

use pin_project_lite::pin_project;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::task::{Context, Poll};

pin_project! {
    /// A future whose wait sites show the line that created it.
    #[derive(Debug)]
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct Sited<F> {
        #[pin]
        inner: F,
        site: &'static Location<'static>,
    }
}

impl<F> Sited<F> {
    /// Wraps `inner`, taking the caller's line (through `#[track_caller]` callers).
    #[track_caller]
    pub(crate) fn new(inner: F) -> Sited<F> {
        Sited {
            inner,
            site: Location::caller(),
        }
    }
}

impl<F: Future> Future for Sited<F> {
    type Output = F::Output;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let mark = gort_waitsite::mark();
        let polled = this.inner.poll(cx);
        if polled.is_pending() {
            gort_waitsite::relocate_since(mark, this.site);
        }
        polled
    }
}
