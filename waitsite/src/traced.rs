//! [`Traced`]: wraps a gort future so that its `Pending` records one wait site.

use super::kind::WaitKind;
use super::record::{mark, record_over_addr};
use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::task::{Context, Poll};

/// A future that records `kind` at its creation site each time the wrapped future returns
/// `Pending`, replacing whatever the wrapped future recorded itself (`Mutex::lock` shows as a
/// mutex wait, not as the semaphore it is built on).
///
/// ```
/// use gort_waitsite::{poll_with, Traced, WaitKind, WaitRecord};
/// use std::future::Future;
/// let rec = WaitRecord::new();
/// let mut fut = Box::pin(Traced::new(WaitKind::Notified, std::ptr::null(), std::future::pending::<()>()));
/// let waker = futures::task::noop_waker();
/// let line = line!() - 2;
/// let _ = poll_with(&rec, 1, || fut.as_mut().poll(&mut std::task::Context::from_waker(&waker)));
/// let site = rec.snapshot().sites().next().unwrap();
/// assert_eq!((site.kind, site.location.line()), (WaitKind::Notified, line));
/// ```
pub struct Traced<'a, F> {
    inner: F,
    kind: WaitKind,
    resource: usize,
    holder: Option<&'a AtomicU64>,
    location: &'static Location<'static>,
}

impl<'a, F> Traced<'a, F> {
    /// Wraps `inner`, a wait of `kind` on `resource`, created at the caller's location.
    ///
    /// ```
    /// let t = gort_waitsite::Traced::new(gort_waitsite::WaitKind::Notified, std::ptr::null(), async { 2 });
    /// assert_eq!(futures::executor::block_on(t), 2);
    /// ```
    #[track_caller]
    pub fn new(kind: WaitKind, resource: *const (), inner: F) -> Traced<'a, F> {
        Traced {
            inner,
            kind,
            resource: resource as usize,
            holder: None,
            location: Location::caller(),
        }
    }

    /// Like [`Traced::new`] with an explicit call site (for futures created inside an `async`
    /// block, where `#[track_caller]` no longer reaches the caller).
    ///
    /// ```
    /// let t = gort_waitsite::Traced::at(
    ///     std::panic::Location::caller(),
    ///     gort_waitsite::WaitKind::Join,
    ///     std::ptr::null(),
    ///     std::future::ready(1),
    /// );
    /// assert_eq!(futures::executor::block_on(t), 1);
    /// ```
    pub fn at(
        location: &'static Location<'static>,
        kind: WaitKind,
        resource: *const (),
        inner: F,
    ) -> Traced<'a, F> {
        Traced {
            inner,
            kind,
            resource: resource as usize,
            holder: None,
            location,
        }
    }

    /// Also records the task id stored in `holder` (a lock's current holder) on each wait.
    ///
    /// ```
    /// use gort_waitsite::{poll_with, Traced, WaitKind, WaitRecord};
    /// use std::future::Future;
    /// use std::sync::atomic::AtomicU64;
    /// let holder = AtomicU64::new(7); // the lock's holder task
    /// let rec = WaitRecord::new();
    /// let mut wait = Box::pin(Traced::new(WaitKind::MutexLock, std::ptr::null(), std::future::pending::<()>()).with_holder(&holder));
    /// let waker = futures::task::noop_waker();
    /// let _ = poll_with(&rec, 1, || wait.as_mut().poll(&mut std::task::Context::from_waker(&waker)));
    /// assert_eq!(rec.snapshot().sites().next().unwrap().holder, 7);
    /// ```
    pub fn with_holder(mut self, holder: &'a AtomicU64) -> Traced<'a, F> {
        self.holder = Some(holder);
        self
    }
}

impl<F: Future> Future for Traced<'_, F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        // SAFETY: `inner` is structurally pinned: it is never moved out, `Traced` has no `Drop`,
        // and `Traced` is `Unpin` only when `F` is (the other fields are `Unpin`).
        let this = unsafe { self.get_unchecked_mut() };
        let mark = mark();
        // SAFETY: see above; `this.inner` stays where it is.
        let polled = unsafe { Pin::new_unchecked(&mut this.inner) }.poll(cx);
        if polled.is_pending() {
            let holder = this.holder.map_or(0, |h| h.load(Relaxed));
            record_over_addr(mark, this.kind, this.resource, holder, this.location);
        }
        polled
    }
}

impl<F> fmt::Debug for Traced<'_, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Traced")
            .field("kind", &self.kind)
            .field("location", &self.location)
            .finish_non_exhaustive()
    }
}
