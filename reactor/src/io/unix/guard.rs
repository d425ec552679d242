//! The guards [`AsyncFd`]'s readiness methods return: they carry the readiness event a task
//! saw, so it can be cleared exactly (and only) if the task's syscall then said `WouldBlock`.

use super::async_fd::{public_ready, AsyncFd};
use crate::driver::ready::Ready as DriverReady;
use crate::driver::scheduled_io::ReadyEvent;
use crate::io::Ready;
use std::fmt;
use std::io;
use std::os::unix::io::AsRawFd;

/// The error of a guard's `try_io` when the operation would block; the readiness was cleared,
/// so wait again.
///
/// ```no_run
/// use gort_reactor::io::unix::AsyncFd;
/// use std::os::unix::net::UnixStream;
/// async fn example(fd: AsyncFd<UnixStream>) -> std::io::Result<()> {
///     let mut guard = fd.readable().await?;
///     let result: Result<std::io::Result<()>, gort_reactor::io::unix::TryIoError> =
///         guard.try_io(|_| Err(std::io::ErrorKind::WouldBlock.into()));
///     assert!(result.is_err());
///     Ok(())
/// }
/// ```
#[derive(Debug)]
pub struct TryIoError(());

impl fmt::Display for TryIoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the operation would block; readiness was cleared, wait for it again")
    }
}

impl std::error::Error for TryIoError {}

/// Readiness of an [`AsyncFd`], seen by one task (shared access to the `AsyncFd`).
///
/// If the task's non-blocking operation then returns `WouldBlock`, call
/// [`clear_ready`](Self::clear_ready) (or use [`try_io`](Self::try_io), which does it), or the
/// next wait returns at once.
///
/// ```no_run
/// use gort_reactor::io::unix::AsyncFd;
/// use std::os::unix::net::UnixStream;
/// async fn example(fd: AsyncFd<UnixStream>) -> std::io::Result<()> {
///     let guard = fd.readable().await?;
///     assert!(guard.ready().is_readable());
///     Ok(())
/// }
/// ```
pub struct AsyncFdReadyGuard<'a, T: AsRawFd> {
    async_fd: &'a AsyncFd<T>,
    event: Option<ReadyEvent>,
}

/// Readiness of an [`AsyncFd`], seen by one task, with mutable access to it.
///
/// ```no_run
/// use gort_reactor::io::unix::AsyncFd;
/// use std::os::unix::net::UnixStream;
/// async fn example(mut fd: AsyncFd<UnixStream>) -> std::io::Result<()> {
///     let mut guard = fd.readable_mut().await?;
///     let _stream: &mut UnixStream = guard.get_inner_mut();
///     Ok(())
/// }
/// ```
pub struct AsyncFdReadyMutGuard<'a, T: AsRawFd> {
    async_fd: &'a mut AsyncFd<T>,
    event: Option<ReadyEvent>,
}

fn clear(async_fd: &AsyncFd<impl AsRawFd>, event: &mut Option<ReadyEvent>) {
    if let Some(event) = event.take() {
        async_fd.registration.shared.clear_readiness(event);
    }
}

fn clear_matching(async_fd: &AsyncFd<impl AsRawFd>, event: &mut Option<ReadyEvent>, ready: Ready) {
    if let Some(seen) = event.as_mut() {
        let matching = DriverReady::from_usize(ready.bits() as usize);
        let mut to_clear = *seen;
        to_clear.ready = seen.ready & matching;
        async_fd.registration.shared.clear_readiness(to_clear);
        seen.ready = DriverReady::from_usize(seen.ready.as_usize() & !matching.as_usize());
        if seen.ready.is_empty() {
            *event = None;
        }
    }
}

impl<'a, T: AsRawFd> AsyncFdReadyGuard<'a, T> {
    pub(super) fn new(async_fd: &'a AsyncFd<T>, event: ReadyEvent) -> Self {
        AsyncFdReadyGuard {
            async_fd,
            event: Some(event),
        }
    }

    /// Marks the fd not ready: the next wait waits for a new readiness event.
    ///
    /// ```no_run
    /// use gort_reactor::io::unix::AsyncFd;
    /// use std::os::unix::net::UnixStream;
    /// async fn example(fd: AsyncFd<UnixStream>) -> std::io::Result<()> {
    ///     let mut guard = fd.readable().await?;
    ///     guard.clear_ready();
    ///     assert!(guard.ready().is_empty());
    ///     Ok(())
    /// }
    /// ```
    pub fn clear_ready(&mut self) {
        clear(self.async_fd, &mut self.event);
    }

    /// Clears only the given readiness bits (say, `Ready::READABLE` after reading hit
    /// `WouldBlock`, keeping `Ready::WRITABLE`).
    ///
    /// ```no_run
    /// use gort_reactor::io::unix::AsyncFd;
    /// use std::os::unix::net::UnixStream;
    /// async fn example(fd: AsyncFd<UnixStream>) -> std::io::Result<()> {
    ///     let mut guard = fd.readable().await?;
    ///     guard.clear_ready_matching(gort_reactor::io::Ready::READABLE);
    ///     Ok(())
    /// }
    /// ```
    pub fn clear_ready_matching(&mut self, ready: Ready) {
        clear_matching(self.async_fd, &mut self.event, ready);
    }

    /// Keeps the readiness: the next wait returns at once (the default when the guard drops).
    ///
    /// ```no_run
    /// use gort_reactor::io::unix::AsyncFd;
    /// use std::os::unix::net::UnixStream;
    /// async fn example(fd: AsyncFd<UnixStream>) -> std::io::Result<()> {
    ///     let mut guard = fd.readable().await?;
    ///     guard.retain_ready(); // the next wait returns at once
    ///     Ok(())
    /// }
    /// ```
    pub fn retain_ready(&mut self) {
        self.event = None;
    }

    /// The readiness this guard saw (empty once cleared).
    ///
    /// ```no_run
    /// use gort_reactor::io::unix::AsyncFd;
    /// use std::os::unix::net::UnixStream;
    /// async fn example(fd: AsyncFd<UnixStream>) -> std::io::Result<()> {
    ///     let mut guard = fd.readable().await?;
    ///     println!("{:?}", guard.ready());
    ///     Ok(())
    /// }
    /// ```
    pub fn ready(&self) -> Ready {
        self.event.as_ref().map_or(Ready::EMPTY, public_ready)
    }

    /// Runs `f`; on `WouldBlock` clears the readiness and returns `Err(TryIoError)`, else
    /// returns `Ok` with `f`'s result.
    ///
    /// ```no_run
    /// use gort_reactor::io::unix::AsyncFd;
    /// use std::os::unix::net::UnixStream;
    /// async fn example(fd: AsyncFd<UnixStream>) -> std::io::Result<()> {
    ///     let mut guard = fd.readable().await?;
    ///     let _ = guard.try_io(|_| Ok(()));
    ///     Ok(())
    /// }
    /// ```
    pub fn try_io<R>(
        &mut self,
        f: impl FnOnce(&'a AsyncFd<T>) -> io::Result<R>,
    ) -> Result<io::Result<R>, TryIoError> {
        match f(self.async_fd) {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                self.clear_ready();
                Err(TryIoError(()))
            }
            result => Ok(result),
        }
    }

    /// The `AsyncFd` this guard belongs to.
    ///
    /// ```no_run
    /// use gort_reactor::io::unix::AsyncFd;
    /// use std::os::unix::net::UnixStream;
    /// async fn example(fd: AsyncFd<UnixStream>) -> std::io::Result<()> {
    ///     let mut guard = fd.readable().await?;
    ///     let _fd = guard.get_ref();
    ///     Ok(())
    /// }
    /// ```
    pub fn get_ref(&self) -> &'a AsyncFd<T> {
        self.async_fd
    }

    /// The inner value of the `AsyncFd`.
    ///
    /// ```no_run
    /// use gort_reactor::io::unix::AsyncFd;
    /// use std::os::unix::net::UnixStream;
    /// async fn example(fd: AsyncFd<UnixStream>) -> std::io::Result<()> {
    ///     let mut guard = fd.readable().await?;
    ///     let _stream: &UnixStream = guard.get_inner();
    ///     Ok(())
    /// }
    /// ```
    pub fn get_inner(&self) -> &'a T {
        self.async_fd.get_ref()
    }
}

impl<'a, T: AsRawFd> AsyncFdReadyMutGuard<'a, T> {
    pub(super) fn new(async_fd: &'a mut AsyncFd<T>, event: ReadyEvent) -> Self {
        AsyncFdReadyMutGuard {
            async_fd,
            event: Some(event),
        }
    }

    /// Marks the fd not ready: the next wait waits for a new readiness event.
    ///
    /// ```no_run
    /// use gort_reactor::io::unix::AsyncFd;
    /// use std::os::unix::net::UnixStream;
    /// async fn example(mut fd: AsyncFd<UnixStream>) -> std::io::Result<()> {
    ///     let mut guard = fd.readable_mut().await?;
    ///     guard.clear_ready();
    ///     assert!(guard.ready().is_empty());
    ///     Ok(())
    /// }
    /// ```
    pub fn clear_ready(&mut self) {
        clear(self.async_fd, &mut self.event);
    }

    /// Clears only the given readiness bits.
    ///
    /// ```no_run
    /// use gort_reactor::io::unix::AsyncFd;
    /// use std::os::unix::net::UnixStream;
    /// async fn example(mut fd: AsyncFd<UnixStream>) -> std::io::Result<()> {
    ///     let mut guard = fd.readable_mut().await?;
    ///     guard.clear_ready_matching(gort_reactor::io::Ready::READABLE);
    ///     Ok(())
    /// }
    /// ```
    pub fn clear_ready_matching(&mut self, ready: Ready) {
        clear_matching(self.async_fd, &mut self.event, ready);
    }

    /// Keeps the readiness: the next wait returns at once.
    ///
    /// ```no_run
    /// use gort_reactor::io::unix::AsyncFd;
    /// use std::os::unix::net::UnixStream;
    /// async fn example(mut fd: AsyncFd<UnixStream>) -> std::io::Result<()> {
    ///     let mut guard = fd.readable_mut().await?;
    ///     guard.retain_ready(); // the next wait returns at once
    ///     Ok(())
    /// }
    /// ```
    pub fn retain_ready(&mut self) {
        self.event = None;
    }

    /// The readiness this guard saw (empty once cleared).
    ///
    /// ```no_run
    /// use gort_reactor::io::unix::AsyncFd;
    /// use std::os::unix::net::UnixStream;
    /// async fn example(mut fd: AsyncFd<UnixStream>) -> std::io::Result<()> {
    ///     let mut guard = fd.readable_mut().await?;
    ///     println!("{:?}", guard.ready());
    ///     Ok(())
    /// }
    /// ```
    pub fn ready(&self) -> Ready {
        self.event.as_ref().map_or(Ready::EMPTY, public_ready)
    }

    /// Runs `f` with mutable access; on `WouldBlock` clears the readiness and returns
    /// `Err(TryIoError)`.
    ///
    /// ```no_run
    /// use gort_reactor::io::unix::AsyncFd;
    /// use std::os::unix::net::UnixStream;
    /// async fn example(mut fd: AsyncFd<UnixStream>) -> std::io::Result<()> {
    ///     let mut guard = fd.readable_mut().await?;
    ///     let _ = guard.try_io(|_| Ok(()));
    ///     Ok(())
    /// }
    /// ```
    pub fn try_io<R>(
        &mut self,
        f: impl FnOnce(&mut AsyncFd<T>) -> io::Result<R>,
    ) -> Result<io::Result<R>, TryIoError> {
        match f(self.async_fd) {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                self.clear_ready();
                Err(TryIoError(()))
            }
            result => Ok(result),
        }
    }

    /// The `AsyncFd` this guard belongs to.
    ///
    /// ```no_run
    /// use gort_reactor::io::unix::AsyncFd;
    /// use std::os::unix::net::UnixStream;
    /// async fn example(mut fd: AsyncFd<UnixStream>) -> std::io::Result<()> {
    ///     let mut guard = fd.readable_mut().await?;
    ///     let _fd = guard.get_ref();
    ///     Ok(())
    /// }
    /// ```
    pub fn get_ref(&self) -> &AsyncFd<T> {
        self.async_fd
    }

    /// The `AsyncFd`, mutably.
    ///
    /// ```no_run
    /// use gort_reactor::io::unix::AsyncFd;
    /// use std::os::unix::net::UnixStream;
    /// async fn example(mut fd: AsyncFd<UnixStream>) -> std::io::Result<()> {
    ///     let mut guard = fd.readable_mut().await?;
    ///     let _fd = guard.get_mut();
    ///     Ok(())
    /// }
    /// ```
    pub fn get_mut(&mut self) -> &mut AsyncFd<T> {
        self.async_fd
    }

    /// The inner value of the `AsyncFd`.
    ///
    /// ```no_run
    /// use gort_reactor::io::unix::AsyncFd;
    /// use std::os::unix::net::UnixStream;
    /// async fn example(mut fd: AsyncFd<UnixStream>) -> std::io::Result<()> {
    ///     let mut guard = fd.readable_mut().await?;
    ///     let _stream: &UnixStream = guard.get_inner();
    ///     Ok(())
    /// }
    /// ```
    pub fn get_inner(&self) -> &T {
        self.async_fd.get_ref()
    }

    /// The inner value of the `AsyncFd`, mutably.
    ///
    /// ```no_run
    /// use gort_reactor::io::unix::AsyncFd;
    /// use std::os::unix::net::UnixStream;
    /// async fn example(mut fd: AsyncFd<UnixStream>) -> std::io::Result<()> {
    ///     let mut guard = fd.readable_mut().await?;
    ///     let _stream: &mut UnixStream = guard.get_inner_mut();
    ///     Ok(())
    /// }
    /// ```
    pub fn get_inner_mut(&mut self) -> &mut T {
        self.async_fd.get_mut()
    }
}

impl<T: AsRawFd + fmt::Debug> fmt::Debug for AsyncFdReadyGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncFdReadyGuard")
            .field("ready", &self.ready())
            .finish_non_exhaustive()
    }
}

impl<T: AsRawFd + fmt::Debug> fmt::Debug for AsyncFdReadyMutGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncFdReadyMutGuard")
            .field("ready", &self.ready())
            .finish_non_exhaustive()
    }
}
