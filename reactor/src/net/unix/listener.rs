//! [`UnixListener`].

use super::{SocketAddr, UnixStream};
use crate::driver::ready::Direction;
use crate::driver::registration::PollEvented;
use crate::net::accept_backoff::AcceptBackoff;
use std::fmt;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::path::Path;
use std::task::{ready, Context, Poll};

/// A Unix-domain socket server, as `tokio::net::UnixListener`.
///
/// ```
/// use gort_reactor::net::UnixListener;
///
/// async fn serve(path: &str) -> std::io::Result<()> {
///     let listener = UnixListener::bind(path)?;
///     let (stream, _addr) = listener.accept().await?;
///     drop(stream);
///     Ok(())
/// }
/// ```
pub struct UnixListener {
    io: PollEvented<mio::net::UnixListener>,
    backoff: AcceptBackoff,
}

impl UnixListener {
    /// Binds a listener to the socket file at `path` (which must not exist yet); on Linux a
    /// path starting with a NUL byte names an abstract socket instead.
    ///
    /// # Panics
    ///
    /// Outside a gort runtime.
    ///
    /// ```
    /// # fn f() -> std::io::Result<()> {
    /// let l = gort_reactor::net::UnixListener::bind("/tmp/gort-doc.sock")?;
    /// # Ok(()) }
    /// ```
    #[track_caller]
    pub fn bind<P: AsRef<Path>>(path: P) -> io::Result<UnixListener> {
        let listener = match super::abstract_addr(path.as_ref())? {
            Some(addr) => mio::net::UnixListener::bind_addr(&addr)?,
            None => mio::net::UnixListener::bind(path)?,
        };
        Ok(UnixListener {
            io: PollEvented::new(listener)?,
            backoff: AcceptBackoff::default(),
        })
    }

    /// Binds to a socket address (a path, or on Linux an abstract name).
    ///
    /// # Panics
    ///
    /// Outside a gort runtime.
    ///
    /// ```
    /// # fn f() -> std::io::Result<()> {
    /// let addr = std::os::unix::net::SocketAddr::from_pathname("/tmp/gort-doc-addr.sock")?;
    /// let listener = gort_reactor::net::UnixListener::bind_addr(&addr)?;
    /// # Ok(()) }
    /// ```
    #[track_caller]
    pub fn bind_addr(addr: &SocketAddr) -> io::Result<UnixListener> {
        let listener = mio::net::UnixListener::bind_addr(addr)?;
        Ok(UnixListener {
            io: PollEvented::new(listener)?,
            backoff: AcceptBackoff::default(),
        })
    }

    /// Wraps a std listener (it is switched to non-blocking mode).
    ///
    /// # Panics
    ///
    /// Outside a gort runtime.
    ///
    /// ```
    /// # fn f() -> std::io::Result<()> {
    /// let std_l = std::os::unix::net::UnixListener::bind("/tmp/gort-doc2.sock")?;
    /// let l = gort_reactor::net::UnixListener::from_std(std_l)?;
    /// # Ok(()) }
    /// ```
    #[track_caller]
    pub fn from_std(listener: std::os::unix::net::UnixListener) -> io::Result<UnixListener> {
        listener.set_nonblocking(true)?;
        Ok(UnixListener {
            io: PollEvented::new(mio::net::UnixListener::from_std(listener))?,
            backoff: AcceptBackoff::default(),
        })
    }

    /// Turns the listener back into a std one (left in non-blocking mode).
    ///
    /// ```
    /// # fn f(l: gort_reactor::net::UnixListener) -> std::io::Result<()> {
    /// let std_l = l.into_std()?;
    /// # Ok(()) }
    /// ```
    pub fn into_std(self) -> io::Result<std::os::unix::net::UnixListener> {
        use std::os::fd::{FromRawFd, IntoRawFd};
        let fd = self.io.into_inner().into_raw_fd();
        // SAFETY: `fd` was just released by the mio listener, so we own it exclusively.
        Ok(unsafe { std::os::unix::net::UnixListener::from_raw_fd(fd) })
    }

    /// Waits for a connection.
    ///
    /// When the process is out of descriptors (EMFILE/ENFILE) the error is returned and the next
    /// `accept` first waits (5 ms, doubling to 1 s, reset by a success), so a retry loop does
    /// not spin a core.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: if dropped, no connection is taken from the queue.
    ///
    /// ```
    /// # async fn f(l: gort_reactor::net::UnixListener) -> std::io::Result<()> {
    /// let (stream, addr) = l.accept().await?;
    /// # Ok(()) }
    /// ```
    #[track_caller]
    pub fn accept(
        &self,
    ) -> impl std::future::Future<Output = io::Result<(UnixStream, SocketAddr)>> + '_ {
        // After a descriptor-exhaustion error, wait before retrying (the connection is still
        // queued, so the listener stays readable and a retry loop would spin). Each waiting
        // task gets its own waiter slot, so a connection wakes every task accepting on a shared
        // listener (`poll_accept` keeps one waker, as tokio's).
        let accept = self.io.async_io(Direction::Read.mask(), |l| l.accept());
        async move {
            let (stream, addr) = self.backoff.accept(accept).await?;
            Ok((
                UnixStream::from_accepted(stream, self.io.handle().clone())?,
                addr,
            ))
        }
    }

    /// Polls for a connection (only the last task to poll is woken). After a descriptor-exhaustion
    /// error (EMFILE/ENFILE) it backs off as [`accept`](Self::accept) does: the next poll is
    /// pending until the pause is over.
    ///
    /// ```
    /// # fn f(l: &gort_reactor::net::UnixListener, cx: &mut std::task::Context<'_>) {
    /// let _ = l.poll_accept(cx);
    /// # }
    /// ```
    pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(UnixStream, SocketAddr)>> {
        let (stream, addr) =
            ready!(self.backoff.poll_accept(cx, |cx| self
                .io
                .poll_io(cx, Direction::Read, |l| l.accept())))?;
        let stream = UnixStream::from_accepted(stream, self.io.handle().clone())?;
        Poll::Ready(Ok((stream, addr)))
    }

    /// The address the listener is bound to.
    ///
    /// ```
    /// # fn f(l: gort_reactor::net::UnixListener) -> std::io::Result<()> {
    /// println!("{:?}", l.local_addr()?);
    /// # Ok(()) }
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.io().local_addr()
    }

    /// Takes the socket's pending error (`SO_ERROR`).
    ///
    /// ```
    /// # fn f(l: gort_reactor::net::UnixListener) -> std::io::Result<()> {
    /// assert!(l.take_error()?.is_none());
    /// # Ok(()) }
    /// ```
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.io.io().take_error()
    }
}

impl AsRawFd for UnixListener {
    fn as_raw_fd(&self) -> RawFd {
        self.io.io().as_raw_fd()
    }
}

impl AsFd for UnixListener {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.io().as_fd()
    }
}

impl fmt::Debug for UnixListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.io.io().fmt(f)
    }
}
