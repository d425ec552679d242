//! [`PollEvented`]: a mio source registered with the driver, and the readiness loop every socket
//! operation runs (`poll_io`: wait for readiness, try the syscall, clear readiness on
//! `WouldBlock`, retry).

use super::handle::{shutdown_error, Handle};
use super::ready::{Direction, Ready};
use super::scheduled_io::{ReadyEvent, ScheduledIo};
use gort_channel::coop;
use std::future::Future;
use std::io;
use std::panic::Location;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

/// A mio I/O source plus its registration; deregisters on drop.
pub(crate) struct PollEvented<E: mio::event::Source> {
    io: Option<E>,
    handle: Handle,
    shared: Arc<ScheduledIo>,
}

impl<E: mio::event::Source> PollEvented<E> {
    /// Registers `io` (read and write interest) with the current thread's reactor.
    #[track_caller]
    pub(crate) fn new(io: E) -> io::Result<Self> {
        Self::new_with_handle(io, Handle::current())
    }

    pub(crate) fn new_with_handle(mut io: E, handle: Handle) -> io::Result<Self> {
        let shared = handle.register(&mut io, mio::Interest::READABLE | mio::Interest::WRITABLE)?;
        Ok(PollEvented {
            io: Some(io),
            handle,
            shared,
        })
    }

    #[cfg(test)]
    pub(crate) fn shared_token(&self) -> usize {
        self.shared.token
    }

    /// Marks the source ready for `ready` before any event says so (as tokio does for accepted
    /// streams and fresh socket pairs). Harmless if wrong: the first operation then hits
    /// `WouldBlock`, which clears it.
    pub(crate) fn assume_ready(&self, ready: Ready) {
        let mut wake = Vec::new();
        self.shared.set_readiness(ready, &mut wake);
        wake.into_iter().for_each(std::task::Waker::wake);
    }

    pub(crate) fn handle(&self) -> &Handle {
        &self.handle
    }

    pub(crate) fn io(&self) -> &E {
        self.io.as_ref().expect("I/O source already taken")
    }

    /// Deregisters and returns the source.
    pub(crate) fn into_inner(mut self) -> E {
        let mut io = self.io.take().expect("I/O source already taken");
        self.handle.deregister(&mut io, &self.shared);
        io
    }

    /// Waits for readiness in `direction`, charging the task's cooperative budget.
    pub(crate) fn poll_ready(
        &self,
        cx: &mut Context<'_>,
        direction: Direction,
    ) -> Poll<io::Result<ReadyEvent>> {
        ready!(coop::poll_proceed(cx));
        match self.shared.poll_ready(cx, direction) {
            Poll::Ready(event) if event.shutdown => Poll::Ready(Err(shutdown_error())),
            Poll::Ready(event) => Poll::Ready(Ok(event)),
            Poll::Pending => {
                coop::refund();
                Poll::Pending
            }
        }
    }

    /// Runs `op` once the source is ready in `direction`, until it does not return `WouldBlock`.
    pub(crate) fn poll_io<R>(
        &self,
        cx: &mut Context<'_>,
        direction: Direction,
        op: impl FnMut(&E) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        self.poll_io_drain(cx, direction, op, |_| false)
    }

    /// [`poll_io`](Self::poll_io) for stream reads and writes: when `drained` says the
    /// operation moved fewer bytes than asked (the kernel buffer is now empty, or full), the
    /// readiness is cleared at once, saving the syscall that would only return `WouldBlock`
    /// (tokio does the same). Readiness that arrives meanwhile bumps the tick, so the clear
    /// is skipped and nothing is lost.
    pub(crate) fn poll_io_drain<R>(
        &self,
        cx: &mut Context<'_>,
        direction: Direction,
        mut op: impl FnMut(&E) -> io::Result<R>,
        drained: impl Fn(&R) -> bool,
    ) -> Poll<io::Result<R>> {
        ready!(coop::poll_proceed(cx));
        loop {
            let event = match self.shared.poll_ready(cx, direction) {
                Poll::Ready(event) if event.shutdown => return Poll::Ready(Err(shutdown_error())),
                Poll::Ready(event) => event,
                Poll::Pending => {
                    coop::refund();
                    return Poll::Pending;
                }
            };
            match op(self.io()) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    self.shared.clear_readiness(event)
                }
                Ok(r) => {
                    if drained(&r) {
                        self.shared.clear_readiness(event);
                    }
                    return Poll::Ready(Ok(r));
                }
                result => return Poll::Ready(result),
            }
        }
    }

    /// Runs `op` now if the source looks ready for `mask`, else returns `WouldBlock` (the
    /// `try_read`/`try_write` family).
    pub(crate) fn try_io<R>(
        &self,
        mask: Ready,
        op: impl FnOnce(&E) -> io::Result<R>,
    ) -> io::Result<R> {
        let event = self
            .shared
            .ready_event(mask)
            .ok_or_else(|| io::Error::from(io::ErrorKind::WouldBlock))?;
        // Readiness seen before the reactor shut down still holds (buffered data can be
        // read, as in tokio); only a source with none left reports the shutdown.
        if event.ready.is_empty() {
            return Err(shutdown_error());
        }
        match op(self.io()) {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                self.shared.clear_readiness(event);
                Err(e)
            }
            result => result,
        }
    }

    /// Waits until the source is ready for any bit of `mask` (several tasks may wait at once).
    /// The wait is recorded at the caller's line (`#[track_caller]` all the way up from the
    /// public socket method).
    #[track_caller]
    pub(crate) fn readiness(&self, mask: Ready) -> Readiness<'_> {
        self.readiness_at(mask, Location::caller())
    }

    /// Waits until the source is ready in `direction` (the public `readable`/`writable`).
    #[track_caller]
    pub(crate) fn ready_in(
        &self,
        direction: Direction,
    ) -> impl Future<Output = io::Result<()>> + '_ {
        let wait = self.readiness(direction.mask());
        async move { wait.await.map(drop) }
    }

    fn readiness_at(&self, mask: Ready, site: &'static Location<'static>) -> Readiness<'_> {
        Readiness {
            shared: &self.shared,
            mask,
            key: None,
            site,
        }
    }

    /// Runs `op` whenever the source is ready for `mask` until it does not return `WouldBlock`
    /// (the async `send`/`recv` family on `&self`, safe with several waiting tasks). Each
    /// attempt charges the task's cooperative budget (waiting for readiness alone does not, as
    /// in tokio).
    #[track_caller]
    pub(crate) fn async_io<'a, R: 'a>(
        &'a self,
        mask: Ready,
        mut op: impl FnMut(&E) -> io::Result<R> + 'a,
    ) -> impl Future<Output = io::Result<R>> + 'a {
        let site = Location::caller();
        async move {
            loop {
                let event = self.readiness_at(mask, site).await?;
                std::future::poll_fn(coop::poll_proceed).await;
                match op(self.io()) {
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                        self.shared.clear_readiness(event)
                    }
                    result => return result,
                }
            }
        }
    }
}

impl<E: mio::event::Source> Drop for PollEvented<E> {
    fn drop(&mut self) {
        if let Some(mut io) = self.io.take() {
            self.handle.deregister(&mut io, &self.shared);
        }
    }
}

impl<E: mio::event::Source + std::fmt::Debug> std::fmt::Debug for PollEvented<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.io.fmt(f)
    }
}

/// The future of [`PollEvented::readiness`]: its own waiter slot, removed on drop. It takes no
/// cooperative budget (as tokio's `readable`/`writable`): the operation that follows does.
pub(crate) struct Readiness<'a> {
    shared: &'a ScheduledIo,
    mask: Ready,
    key: Option<usize>,
    /// Where the wait was made, for the task dump.
    site: &'static Location<'static>,
}

impl Future for Readiness<'_> {
    type Output = io::Result<ReadyEvent>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        match this
            .shared
            .poll_ready_shared(cx, this.mask, &mut this.key, this.site)
        {
            Poll::Ready(event) => {
                if let Some(key) = this.key.take() {
                    this.shared.remove_shared(key);
                }
                if event.shutdown {
                    Poll::Ready(Err(shutdown_error()))
                } else {
                    Poll::Ready(Ok(event))
                }
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

impl Drop for Readiness<'_> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            self.shared.remove_shared(key);
        }
    }
}
