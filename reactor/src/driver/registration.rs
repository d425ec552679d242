//! [`PollEvented`]: a mio source registered with the driver, and the readiness loop every socket
//! operation runs (`poll_io`: wait for readiness, try the syscall, clear readiness on
//! `WouldBlock`, retry).

use super::handle::{shutdown_error, Handle};
use super::ready::{Direction, Ready};
use super::scheduled_io::{ReadyEvent, ScheduledIo};
use gort_channel::coop;
use std::future::Future;
use std::io;
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
        if event.shutdown {
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
    pub(crate) fn readiness(&self, mask: Ready) -> Readiness<'_> {
        Readiness {
            shared: &self.shared,
            mask,
            key: None,
        }
    }

    /// Runs `op` whenever the source is ready for `mask` until it does not return `WouldBlock`
    /// (the async `send`/`recv` family on `&self`, safe with several waiting tasks).
    pub(crate) async fn async_io<R>(
        &self,
        mask: Ready,
        mut op: impl FnMut(&E) -> io::Result<R>,
    ) -> io::Result<R> {
        loop {
            let event = self.readiness(mask).await?;
            match op(self.io()) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    self.shared.clear_readiness(event)
                }
                result => return result,
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

/// The future of [`PollEvented::readiness`]: its own waiter slot, removed on drop.
pub(crate) struct Readiness<'a> {
    shared: &'a ScheduledIo,
    mask: Ready,
    key: Option<usize>,
}

impl Future for Readiness<'_> {
    type Output = io::Result<ReadyEvent>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        ready!(coop::poll_proceed(cx));
        match this.shared.poll_ready_shared(cx, this.mask, &mut this.key) {
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
            Poll::Pending => {
                coop::refund();
                Poll::Pending
            }
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
