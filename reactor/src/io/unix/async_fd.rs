//! [`AsyncFd`]: registers any file descriptor with the reactor and reports its readiness, so
//! code that owns a non-blocking fd (a pipe, a tty, an inotify or timerfd handle, a socket
//! type gort does not wrap) can wait for it from async code. Same API as tokio's `AsyncFd`.
//!
//! The fd is registered with the driver like a socket; readiness is edge-triggered and kept in
//! the registration's readiness word. A task waits for a direction, tries its non-blocking
//! syscall, and on `WouldBlock` clears the readiness it saw (the guard's `clear_ready`, or
//! `try_io` does it) — cleared only if no newer event arrived meanwhile, so no wakeup is lost.

use super::guard::{AsyncFdReadyGuard, AsyncFdReadyMutGuard};
use crate::driver::ready::{Direction, Ready as DriverReady};
use crate::driver::scheduled_io::{ReadyEvent, ScheduledIo};
use crate::driver::Handle;
use crate::io::{Interest, Ready};
use gort_channel::coop;
use std::fmt;
use std::future::Future;
use std::io;
use std::os::unix::io::{AsRawFd, RawFd};
use std::panic::Location;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

/// Associates a file descriptor with the reactor, so tasks can wait for it to be readable or
/// writable.
///
/// The fd must be in non-blocking mode. `AsyncFd` does not read or write it; the task does,
/// once a guard says it is ready, and reports `WouldBlock` back (see
/// [`AsyncFdReadyGuard::try_io`]). Dropping the `AsyncFd` deregisters the fd, then drops the
/// inner value (which usually closes it).
///
/// # Panics
///
/// Creating one outside a gort runtime (no reactor on this thread) panics, as tokio's does;
/// [`try_new`](AsyncFd::try_new) returns the error instead.
///
/// ```no_run
/// use gort_reactor::io::unix::AsyncFd;
/// use std::io::Read;
///
/// async fn read_some(stream: std::os::unix::net::UnixStream) -> std::io::Result<Vec<u8>> {
///     stream.set_nonblocking(true)?;
///     let fd = AsyncFd::new(stream)?;
///     let mut buf = vec![0; 1024];
///     loop {
///         let mut guard = fd.readable().await?;
///         match guard.try_io(|inner| inner.get_ref().read(&mut buf)) {
///             Ok(result) => {
///                 let n = result?;
///                 buf.truncate(n);
///                 return Ok(buf);
///             }
///             Err(_would_block) => continue,
///         }
///     }
/// }
/// ```
pub struct AsyncFd<T: AsRawFd> {
    pub(super) registration: Registration,
    inner: Option<T>,
}

/// The reactor side of an `AsyncFd`: the driver handle and the readiness word.
pub(super) struct Registration {
    handle: Handle,
    pub(super) shared: Arc<ScheduledIo>,
    fd: RawFd,
}

/// The error of [`AsyncFd::try_new`]: the cause, and the value that could not be registered.
pub struct AsyncFdTryNewError<T> {
    inner: T,
    cause: io::Error,
}

/// tokio 1.5x's name for [`AsyncFdTryNewError`], the error of [`AsyncFd::register`].
pub type AsyncFdRegisterError<T> = AsyncFdTryNewError<T>;

impl<T> AsyncFdTryNewError<T> {
    /// Returns the value that could not be registered, and why.
    ///
    /// ```
    /// use gort_reactor::io::unix::AsyncFd;
    /// // No reactor on this thread: registration fails and gives the value back.
    /// let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
    /// let err = AsyncFd::try_new(a).unwrap_err();
    /// let (_stream, cause) = err.into_parts();
    /// assert!(cause.to_string().contains("reactor"));
    /// ```
    pub fn into_parts(self) -> (T, io::Error) {
        (self.inner, self.cause)
    }
}

impl<T> fmt::Display for AsyncFdTryNewError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.cause, f)
    }
}

impl<T> fmt::Debug for AsyncFdTryNewError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.cause, f)
    }
}

impl<T> std::error::Error for AsyncFdTryNewError<T> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.cause)
    }
}

impl<T> From<AsyncFdTryNewError<T>> for io::Error {
    fn from(e: AsyncFdTryNewError<T>) -> io::Error {
        e.cause
    }
}

fn no_reactor() -> io::Error {
    io::Error::other(
        "there is no reactor running, must be called from the context of a Tokio 1.x runtime \
         (tokio's words; in gort: create the AsyncFd inside a gort runtime: #[gort::main], \
         Runtime::block_on)",
    )
}

fn reactor_gone() -> io::Error {
    crate::driver::shutdown_error_because(
        "the reactor of this AsyncFd has shut down (its runtime was dropped)",
    )
}

/// Public readiness bits to the driver's (the layouts agree bit for bit; see `interest.rs`).
fn driver_mask(interest: Interest) -> DriverReady {
    DriverReady::from_usize(interest.mask().bits() as usize)
}

impl<T: AsRawFd> AsyncFd<T> {
    /// Registers `inner` for readable and writable readiness.
    ///
    /// # Panics
    ///
    /// Outside a gort runtime; see the type's docs.
    ///
    /// ```
    /// use gort_reactor::io::unix::AsyncFd;
    /// let driver = gort_reactor::driver::Driver::new().unwrap();
    /// let _reactor = driver.handle().enter(); // inside a runtime this is already done
    /// let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
    /// a.set_nonblocking(true).unwrap();
    /// let fd = AsyncFd::new(a).unwrap();
    /// assert!(fd.get_ref().peer_addr().is_ok());
    /// ```
    #[track_caller]
    pub fn new(inner: T) -> io::Result<Self> {
        Self::with_interest(inner, Interest::READABLE | Interest::WRITABLE)
    }

    /// Registers `inner` for the readiness in `interest`.
    ///
    /// # Panics
    ///
    /// Outside a gort runtime; see the type's docs.
    ///
    /// ```
    /// use gort_reactor::io::unix::AsyncFd;
    /// let driver = gort_reactor::driver::Driver::new().unwrap();
    /// let _reactor = driver.handle().enter(); // inside a runtime this is already done
    /// let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
    /// a.set_nonblocking(true).unwrap();
    /// use gort_reactor::io::Interest;
    /// let fd = AsyncFd::with_interest(a, Interest::READABLE).unwrap();
    /// let _ = fd;
    /// ```
    #[track_caller]
    pub fn with_interest(inner: T, interest: Interest) -> io::Result<Self> {
        Self::register_with_handle(inner, interest, Handle::current()).map_err(|e| e.cause)
    }

    /// Like [`new`](Self::new), but returns the value with the error instead of dropping it,
    /// and fails instead of panicking outside a runtime.
    ///
    /// ```
    /// use gort_reactor::io::unix::AsyncFd;
    /// let driver = gort_reactor::driver::Driver::new().unwrap();
    /// let _reactor = driver.handle().enter(); // inside a runtime this is already done
    /// let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
    /// a.set_nonblocking(true).unwrap();
    /// let fd = AsyncFd::try_new(a).unwrap();
    /// let _ = fd;
    /// ```
    pub fn try_new(inner: T) -> Result<Self, AsyncFdTryNewError<T>> {
        Self::try_with_interest(inner, Interest::READABLE | Interest::WRITABLE)
    }

    /// Like [`with_interest`](Self::with_interest), returning the value with the error.
    ///
    /// ```
    /// use gort_reactor::io::unix::AsyncFd;
    /// let driver = gort_reactor::driver::Driver::new().unwrap();
    /// let _reactor = driver.handle().enter(); // inside a runtime this is already done
    /// let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
    /// a.set_nonblocking(true).unwrap();
    /// use gort_reactor::io::Interest;
    /// let fd = AsyncFd::try_with_interest(a, Interest::WRITABLE).unwrap();
    /// let _ = fd;
    /// ```
    pub fn try_with_interest(inner: T, interest: Interest) -> Result<Self, AsyncFdTryNewError<T>> {
        match Handle::try_current() {
            Some(handle) => Self::register_with_handle(inner, interest, handle),
            None => Err(AsyncFdTryNewError {
                inner,
                cause: no_reactor(),
            }),
        }
    }

    fn register_with_handle(
        inner: T,
        interest: Interest,
        handle: Handle,
    ) -> Result<Self, AsyncFdTryNewError<T>> {
        let fd = inner.as_raw_fd();
        match handle.register(&mut mio::unix::SourceFd(&fd), interest.to_mio()) {
            Ok(shared) => Ok(AsyncFd {
                registration: Registration { handle, shared, fd },
                inner: Some(inner),
            }),
            Err(cause) => Err(AsyncFdTryNewError { inner, cause }),
        }
    }

    /// Registers `inner` with the current runtime's reactor for reading and writing, as tokio's
    /// `AsyncFd::register`; on failure the error gives `inner` back.
    ///
    /// # Safety
    /// As tokio's contract: the file descriptor must stay open, and refer to the same open file,
    /// for as long as it is registered (until the `AsyncFd` is dropped or `into_inner` is called).
    /// Types that own their descriptor (`OwnedFd`, std's sockets) meet it by construction.
    ///
    /// # Panics
    /// Outside a runtime (as [`AsyncFd::new`]).
    ///
    /// ```
    /// use gort_reactor::io::unix::AsyncFd;
    /// let driver = gort_reactor::driver::Driver::new().unwrap();
    /// let _reactor = driver.handle().enter();
    /// let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
    /// a.set_nonblocking(true).unwrap();
    /// // SAFETY: the stream owns its descriptor and moves into the AsyncFd.
    /// let fd = unsafe { AsyncFd::register(a) }.unwrap();
    /// let _stream = fd.into_inner();
    /// ```
    #[track_caller]
    pub unsafe fn register(inner: T) -> Result<Self, AsyncFdRegisterError<T>> {
        // SAFETY: the caller upholds `register_with_interest`'s contract, which is this one's.
        unsafe { Self::register_with_interest(inner, Interest::READABLE | Interest::WRITABLE) }
    }

    /// As [`register`](Self::register), for the given interest only.
    ///
    /// # Safety
    /// As [`register`](Self::register).
    ///
    /// # Panics
    /// Outside a runtime (as [`AsyncFd::new`]).
    ///
    /// ```
    /// use gort_reactor::io::{unix::AsyncFd, Interest};
    /// let driver = gort_reactor::driver::Driver::new().unwrap();
    /// let _reactor = driver.handle().enter();
    /// let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
    /// a.set_nonblocking(true).unwrap();
    /// // SAFETY: the stream owns its descriptor and moves into the AsyncFd.
    /// let fd = unsafe { AsyncFd::register_with_interest(a, Interest::READABLE) }.unwrap();
    /// drop(fd);
    /// ```
    #[track_caller]
    pub unsafe fn register_with_interest(
        inner: T,
        interest: Interest,
    ) -> Result<Self, AsyncFdRegisterError<T>> {
        Self::register_with_handle(inner, interest, Handle::current())
    }

    /// Returns a shared reference to the inner value.
    ///
    /// ```
    /// use gort_reactor::io::unix::AsyncFd;
    /// let driver = gort_reactor::driver::Driver::new().unwrap();
    /// let _reactor = driver.handle().enter(); // inside a runtime this is already done
    /// let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
    /// a.set_nonblocking(true).unwrap();
    /// let fd = AsyncFd::new(a).unwrap();
    /// let _stream: &std::os::unix::net::UnixStream = fd.get_ref();
    /// ```
    pub fn get_ref(&self) -> &T {
        self.inner
            .as_ref()
            .expect("AsyncFd: inner value already taken")
    }

    /// Returns a mutable reference to the inner value.
    ///
    /// ```
    /// use gort_reactor::io::unix::AsyncFd;
    /// let driver = gort_reactor::driver::Driver::new().unwrap();
    /// let _reactor = driver.handle().enter(); // inside a runtime this is already done
    /// let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
    /// a.set_nonblocking(true).unwrap();
    /// let mut fd = AsyncFd::new(a).unwrap();
    /// let _stream: &mut std::os::unix::net::UnixStream = fd.get_mut();
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        self.inner
            .as_mut()
            .expect("AsyncFd: inner value already taken")
    }

    /// Deregisters the fd and returns the inner value.
    ///
    /// ```
    /// use gort_reactor::io::unix::AsyncFd;
    /// let driver = gort_reactor::driver::Driver::new().unwrap();
    /// let _reactor = driver.handle().enter(); // inside a runtime this is already done
    /// let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
    /// a.set_nonblocking(true).unwrap();
    /// let fd = AsyncFd::new(a).unwrap();
    /// let _stream = fd.into_inner(); // no longer registered
    /// ```
    pub fn into_inner(mut self) -> T {
        self.deregister();
        self.inner
            .take()
            .expect("AsyncFd: inner value already taken")
    }

    fn deregister(&mut self) {
        let r = &self.registration;
        r.handle
            .deregister(&mut mio::unix::SourceFd(&r.fd), &r.shared);
    }

    fn poll_direction(
        &self,
        cx: &mut Context<'_>,
        direction: Direction,
    ) -> Poll<io::Result<ReadyEvent>> {
        ready!(coop::poll_proceed(cx));
        match self.registration.shared.poll_ready(cx, direction) {
            Poll::Ready(event) if event.shutdown => Poll::Ready(Err(reactor_gone())),
            Poll::Ready(event) => Poll::Ready(Ok(event)),
            Poll::Pending => {
                coop::refund();
                Poll::Pending
            }
        }
    }

    /// Polls for read readiness. Only the last task to call this (for this direction) is
    /// woken; use [`readable`](Self::readable) when several tasks wait.
    ///
    /// ```no_run
    /// use gort_reactor::io::unix::AsyncFd;
    /// use std::task::{Context, Poll};
    /// fn poll_it(fd: &mut AsyncFd<std::os::unix::net::UnixStream>, cx: &mut Context<'_>) {
    ///     if let Poll::Ready(Ok(mut guard)) = fd.poll_read_ready(cx) {
    ///         guard.clear_ready();
    ///     }
    /// }
    /// ```
    pub fn poll_read_ready<'a>(
        &'a self,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<AsyncFdReadyGuard<'a, T>>> {
        let event = ready!(self.poll_direction(cx, Direction::Read))?;
        Poll::Ready(Ok(AsyncFdReadyGuard::new(self, event)))
    }

    /// Polls for read readiness, giving a guard with mutable access.
    ///
    /// ```no_run
    /// use gort_reactor::io::unix::AsyncFd;
    /// use std::task::{Context, Poll};
    /// fn poll_it(fd: &mut AsyncFd<std::os::unix::net::UnixStream>, cx: &mut Context<'_>) {
    ///     if let Poll::Ready(Ok(mut guard)) = fd.poll_read_ready_mut(cx) {
    ///         let _stream = guard.get_inner_mut();
    ///     }
    /// }
    /// ```
    pub fn poll_read_ready_mut<'a>(
        &'a mut self,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<AsyncFdReadyMutGuard<'a, T>>> {
        let event = ready!(self.poll_direction(cx, Direction::Read))?;
        Poll::Ready(Ok(AsyncFdReadyMutGuard::new(self, event)))
    }

    /// Polls for write readiness (one waiting task per direction, as `poll_read_ready`).
    ///
    /// ```no_run
    /// use gort_reactor::io::unix::AsyncFd;
    /// use std::task::{Context, Poll};
    /// fn poll_it(fd: &mut AsyncFd<std::os::unix::net::UnixStream>, cx: &mut Context<'_>) {
    ///     if let Poll::Ready(Ok(guard)) = fd.poll_write_ready(cx) {
    ///         assert!(guard.ready().is_writable());
    ///     }
    /// }
    /// ```
    pub fn poll_write_ready<'a>(
        &'a self,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<AsyncFdReadyGuard<'a, T>>> {
        let event = ready!(self.poll_direction(cx, Direction::Write))?;
        Poll::Ready(Ok(AsyncFdReadyGuard::new(self, event)))
    }

    /// Polls for write readiness, giving a guard with mutable access.
    ///
    /// ```no_run
    /// use gort_reactor::io::unix::AsyncFd;
    /// use std::task::{Context, Poll};
    /// fn poll_it(fd: &mut AsyncFd<std::os::unix::net::UnixStream>, cx: &mut Context<'_>) {
    ///     if let Poll::Ready(Ok(mut guard)) = fd.poll_write_ready_mut(cx) {
    ///         guard.retain_ready();
    ///     }
    /// }
    /// ```
    pub fn poll_write_ready_mut<'a>(
        &'a mut self,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<AsyncFdReadyMutGuard<'a, T>>> {
        let event = ready!(self.poll_direction(cx, Direction::Write))?;
        Poll::Ready(Ok(AsyncFdReadyMutGuard::new(self, event)))
    }

    /// The readiness wait behind every async method, recorded at `site` (the user's line:
    /// the public methods are `#[track_caller]`).
    fn readiness(&self, interest: Interest, site: &'static Location<'static>) -> WaitReady<'_> {
        WaitReady {
            shared: &self.registration.shared,
            mask: driver_mask(interest),
            key: None,
            site,
        }
    }

    /// Waits until the fd is ready for any of `interest`.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropping the future loses no readiness.
    ///
    /// ```no_run
    /// use gort_reactor::io::{unix::AsyncFd, Interest};
    /// use std::os::unix::net::UnixStream;
    /// async fn example(mut fd: AsyncFd<UnixStream>) -> std::io::Result<()> {
    ///     let guard = fd.ready(Interest::READABLE | Interest::WRITABLE).await?;
    ///     println!("{:?}", guard.ready());
    ///     Ok(())
    /// }
    /// ```
    #[track_caller]
    pub fn ready(
        &self,
        interest: Interest,
    ) -> impl Future<Output = io::Result<AsyncFdReadyGuard<'_, T>>> + '_ {
        self.ready_at(interest, Location::caller())
    }

    async fn ready_at(
        &self,
        interest: Interest,
        site: &'static Location<'static>,
    ) -> io::Result<AsyncFdReadyGuard<'_, T>> {
        let event = self.readiness(interest, site).await?;
        Ok(AsyncFdReadyGuard::new(self, event))
    }

    /// Like [`ready`](Self::ready), with mutable access through the guard.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropping the future loses no readiness.
    ///
    /// ```no_run
    /// use gort_reactor::io::{unix::AsyncFd, Interest};
    /// use std::os::unix::net::UnixStream;
    /// async fn example(mut fd: AsyncFd<UnixStream>) -> std::io::Result<()> {
    ///     let mut guard = fd.ready_mut(Interest::READABLE).await?;
    ///     let _stream = guard.get_inner_mut();
    ///     Ok(())
    /// }
    /// ```
    #[track_caller]
    pub fn ready_mut(
        &mut self,
        interest: Interest,
    ) -> impl Future<Output = io::Result<AsyncFdReadyMutGuard<'_, T>>> + '_ {
        self.ready_mut_at(interest, Location::caller())
    }

    async fn ready_mut_at(
        &mut self,
        interest: Interest,
        site: &'static Location<'static>,
    ) -> io::Result<AsyncFdReadyMutGuard<'_, T>> {
        let event = self.readiness(interest, site).await?;
        Ok(AsyncFdReadyMutGuard::new(self, event))
    }

    /// Waits until the fd is readable (or its read side closed, or an error is pending).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropping the future loses no readiness.
    ///
    /// ```no_run
    /// use gort_reactor::io::{unix::AsyncFd, Interest};
    /// use std::os::unix::net::UnixStream;
    /// async fn example(mut fd: AsyncFd<UnixStream>) -> std::io::Result<()> {
    ///     use std::io::Read;
    ///     let mut buf = [0u8; 64];
    ///     let mut guard = fd.readable().await?;
    ///     if let Ok(n) = guard.try_io(|fd| fd.get_ref().read(&mut buf)) {
    ///         println!("read {} bytes", n?);
    ///     }
    ///     Ok(())
    /// }
    /// ```
    #[track_caller]
    pub fn readable(&self) -> impl Future<Output = io::Result<AsyncFdReadyGuard<'_, T>>> + '_ {
        self.ready(Interest::READABLE)
    }

    /// Like [`readable`](Self::readable), with mutable access through the guard.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropping the future loses no readiness.
    ///
    /// ```no_run
    /// use gort_reactor::io::{unix::AsyncFd, Interest};
    /// use std::os::unix::net::UnixStream;
    /// async fn example(mut fd: AsyncFd<UnixStream>) -> std::io::Result<()> {
    ///     let mut guard = fd.readable_mut().await?;
    ///     guard.clear_ready();
    ///     Ok(())
    /// }
    /// ```
    #[track_caller]
    pub fn readable_mut(
        &mut self,
    ) -> impl Future<Output = io::Result<AsyncFdReadyMutGuard<'_, T>>> + '_ {
        self.ready_mut(Interest::READABLE)
    }

    /// Waits until the fd is writable (or its write side closed, or an error is pending).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropping the future loses no readiness.
    ///
    /// ```no_run
    /// use gort_reactor::io::{unix::AsyncFd, Interest};
    /// use std::os::unix::net::UnixStream;
    /// async fn example(mut fd: AsyncFd<UnixStream>) -> std::io::Result<()> {
    ///     use std::io::Write;
    ///     let mut guard = fd.writable().await?;
    ///     let _ = guard.try_io(|fd| fd.get_ref().write(b"hi"));
    ///     Ok(())
    /// }
    /// ```
    #[track_caller]
    pub fn writable(&self) -> impl Future<Output = io::Result<AsyncFdReadyGuard<'_, T>>> + '_ {
        self.ready(Interest::WRITABLE)
    }

    /// Like [`writable`](Self::writable), with mutable access through the guard.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropping the future loses no readiness.
    ///
    /// ```no_run
    /// use gort_reactor::io::{unix::AsyncFd, Interest};
    /// use std::os::unix::net::UnixStream;
    /// async fn example(mut fd: AsyncFd<UnixStream>) -> std::io::Result<()> {
    ///     let mut guard = fd.writable_mut().await?;
    ///     guard.clear_ready();
    ///     Ok(())
    /// }
    /// ```
    #[track_caller]
    pub fn writable_mut(
        &mut self,
    ) -> impl Future<Output = io::Result<AsyncFdReadyMutGuard<'_, T>>> + '_ {
        self.ready_mut(Interest::WRITABLE)
    }

    /// Runs `f` whenever the fd is ready for `interest`, until it returns something other than
    /// `WouldBlock`.
    ///
    /// # Cancel safety
    ///
    /// As cancel safe as `f`: dropping the future between attempts loses nothing.
    ///
    /// ```no_run
    /// use gort_reactor::io::{unix::AsyncFd, Interest};
    /// use std::os::unix::net::UnixStream;
    /// async fn example(mut fd: AsyncFd<UnixStream>) -> std::io::Result<()> {
    ///     use std::io::Read;
    ///     let mut buf = [0u8; 64];
    ///     let n = fd.async_io(Interest::READABLE, |s| (&*s).read(&mut buf)).await?;
    ///     println!("{n}");
    ///     Ok(())
    /// }
    /// ```
    #[track_caller]
    pub fn async_io<'a, R: 'a>(
        &'a self,
        interest: Interest,
        mut f: impl FnMut(&T) -> io::Result<R> + 'a,
    ) -> impl Future<Output = io::Result<R>> + 'a {
        let site = Location::caller();
        async move {
            loop {
                let mut guard = self.ready_at(interest, site).await?;
                match guard.try_io(|fd| f(fd.get_ref())) {
                    Ok(result) => return result,
                    Err(_would_block) => continue,
                }
            }
        }
    }

    /// Like [`async_io`](Self::async_io), with mutable access.
    ///
    /// # Cancel safety
    ///
    /// As cancel safe as `f`.
    ///
    /// ```no_run
    /// use gort_reactor::io::{unix::AsyncFd, Interest};
    /// use std::os::unix::net::UnixStream;
    /// async fn example(mut fd: AsyncFd<UnixStream>) -> std::io::Result<()> {
    ///     use std::io::Write;
    ///     fd.async_io_mut(Interest::WRITABLE, |s| s.write(b"x")).await?;
    ///     Ok(())
    /// }
    /// ```
    #[track_caller]
    pub fn async_io_mut<'a, R: 'a>(
        &'a mut self,
        interest: Interest,
        mut f: impl FnMut(&mut T) -> io::Result<R> + 'a,
    ) -> impl Future<Output = io::Result<R>> + 'a {
        let site = Location::caller();
        async move {
            loop {
                let mut guard = self.ready_mut_at(interest, site).await?;
                match guard.try_io(|fd| f(fd.get_mut())) {
                    Ok(result) => return result,
                    Err(_would_block) => continue,
                }
            }
        }
    }

    /// Runs `f` now if the fd looks ready for `interest`; returns `WouldBlock` (clearing the
    /// readiness) if it is not, or if `f` says so.
    ///
    /// ```
    /// use gort_reactor::io::unix::AsyncFd;
    /// let driver = gort_reactor::driver::Driver::new().unwrap();
    /// let _reactor = driver.handle().enter(); // inside a runtime this is already done
    /// let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
    /// a.set_nonblocking(true).unwrap();
    /// use gort_reactor::io::Interest;
    /// use std::io::Read;
    /// let fd = AsyncFd::new(a).unwrap();
    /// // Nothing was reported ready yet: the closure is not even called.
    /// let err = fd.try_io(Interest::READABLE, |s| (&*s).read(&mut [0u8; 4])).unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::WouldBlock);
    /// ```
    pub fn try_io<R>(
        &self,
        interest: Interest,
        f: impl FnOnce(&T) -> io::Result<R>,
    ) -> io::Result<R> {
        let event = self.ready_now(interest)?;
        let result = f(self.get_ref());
        self.after_try_io(event, result)
    }

    /// As [`try_io`](Self::try_io), with mutable access to the inner value.
    ///
    /// ```
    /// use gort_reactor::io::{unix::AsyncFd, Interest};
    /// use std::io::Read;
    /// let driver = gort_reactor::driver::Driver::new().unwrap();
    /// let _reactor = driver.handle().enter();
    /// let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
    /// a.set_nonblocking(true).unwrap();
    /// let mut fd = AsyncFd::new(a).unwrap();
    /// let err = fd.try_io_mut(Interest::READABLE, |s| s.read(&mut [0u8; 4])).unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::WouldBlock);
    /// ```
    pub fn try_io_mut<R>(
        &mut self,
        interest: Interest,
        f: impl FnOnce(&mut T) -> io::Result<R>,
    ) -> io::Result<R> {
        let event = self.ready_now(interest)?;
        let result = f(self.get_mut());
        self.after_try_io(event, result)
    }

    /// The readiness the reactor last reported for `interest`; `WouldBlock` if none.
    fn ready_now(&self, interest: Interest) -> io::Result<ReadyEvent> {
        match self.registration.shared.ready_event(driver_mask(interest)) {
            None => Err(io::ErrorKind::WouldBlock.into()),
            Some(event) if event.shutdown => Err(reactor_gone()),
            Some(event) => Ok(event),
        }
    }

    /// A `WouldBlock` from the I/O call means the reported readiness is stale: clear it.
    fn after_try_io<R>(&self, event: ReadyEvent, result: io::Result<R>) -> io::Result<R> {
        if matches!(&result, Err(e) if e.kind() == io::ErrorKind::WouldBlock) {
            self.registration.shared.clear_readiness(event);
        }
        result
    }
}

/// Converts a driver event's readiness to the public type.
pub(super) fn public_ready(event: &ReadyEvent) -> Ready {
    Ready::from_bits(event.ready.as_usize() as u8)
}

impl<T: AsRawFd> AsRawFd for AsyncFd<T> {
    fn as_raw_fd(&self) -> RawFd {
        self.registration.fd
    }
}

impl<T: AsRawFd> std::os::unix::io::AsFd for AsyncFd<T> {
    fn as_fd(&self) -> std::os::unix::io::BorrowedFd<'_> {
        // SAFETY: the fd belongs to `inner`, which this `AsyncFd` owns and keeps open for as
        // long as the borrow of `self` lasts.
        unsafe { std::os::unix::io::BorrowedFd::borrow_raw(self.registration.fd) }
    }
}

impl<T: AsRawFd + fmt::Debug> fmt::Debug for AsyncFd<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncFd")
            .field("inner", &self.inner)
            .finish()
    }
}

impl<T: AsRawFd> Drop for AsyncFd<T> {
    fn drop(&mut self) {
        if self.inner.is_some() {
            // Deregister before the inner value (and usually the fd) goes away.
            self.deregister();
        }
    }
}

/// Waits for any bit of `mask`, with its own waiter slot, so several tasks can wait at once.
struct WaitReady<'a> {
    shared: &'a ScheduledIo,
    mask: DriverReady,
    key: Option<usize>,
    /// Where the wait was made, for the task dump.
    site: &'static Location<'static>,
}

impl Future for WaitReady<'_> {
    type Output = io::Result<ReadyEvent>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        ready!(coop::poll_proceed(cx));
        match this
            .shared
            .poll_ready_shared(cx, this.mask, &mut this.key, this.site)
        {
            Poll::Ready(event) => {
                if let Some(key) = this.key.take() {
                    this.shared.remove_shared(key);
                }
                if event.shutdown {
                    Poll::Ready(Err(reactor_gone()))
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

impl Drop for WaitReady<'_> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            self.shared.remove_shared(key);
        }
    }
}
