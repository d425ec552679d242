//! [`TcpListener`].

use super::TcpStream;
use crate::driver::ready::Direction;
use crate::driver::registration::PollEvented;
use crate::net::accept_backoff::AcceptBackoff;
use crate::net::addr::{each_addr, ToSocketAddrs};
use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::task::{ready, Context, Poll};

/// A TCP socket server, listening for connections, as `tokio::net::TcpListener`.
///
/// ```
/// use gort_reactor::net::TcpListener;
///
/// async fn serve() -> std::io::Result<()> {
///     let listener = TcpListener::bind("127.0.0.1:0").await?;
///     let (socket, peer) = listener.accept().await?;
///     println!("{peer} connected");
///     drop(socket);
///     Ok(())
/// }
/// ```
pub struct TcpListener {
    io: PollEvented<mio::net::TcpListener>,
    backoff: AcceptBackoff,
}

impl TcpListener {
    /// Binds a listener to `addr` (each resolved address is tried in turn; `SO_REUSEADDR` is
    /// set). An address in use is an `io::Error` of kind `AddrInUse`.
    ///
    /// # Panics
    ///
    /// Outside a gort runtime.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a dropped `bind` leaves no socket behind.
    ///
    /// ```
    /// # async fn f() -> std::io::Result<()> {
    /// let listener = gort_reactor::net::TcpListener::bind(("127.0.0.1", 0)).await?;
    /// assert!(listener.local_addr()?.port() != 0);
    /// # Ok(()) }
    /// ```
    pub async fn bind<A: ToSocketAddrs>(addr: A) -> io::Result<TcpListener> {
        each_addr(addr, |addr| async move {
            let listener = mio::net::TcpListener::bind(addr)?;
            TcpListener::new(listener)
        })
        .await
    }

    #[track_caller]
    fn new(listener: mio::net::TcpListener) -> io::Result<TcpListener> {
        Ok(TcpListener {
            io: PollEvented::new(listener)?,
            backoff: AcceptBackoff::default(),
        })
    }

    /// Waits for a connection and returns it with the peer's address.
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
    /// # async fn f(listener: gort_reactor::net::TcpListener) -> std::io::Result<()> {
    /// let (stream, peer) = listener.accept().await?;
    /// assert_eq!(stream.peer_addr()?, peer);
    /// # Ok(()) }
    /// ```
    #[track_caller]
    pub fn accept(
        &self,
    ) -> impl std::future::Future<Output = io::Result<(TcpStream, SocketAddr)>> + '_ {
        // After a descriptor-exhaustion error, wait before retrying (the connection is still
        // queued, so the listener stays readable and a retry loop would spin). Each waiting
        // task gets its own waiter slot, so a connection wakes every task accepting on a shared
        // listener (`poll_accept` keeps one waker, as tokio's).
        let accept = self.io.async_io(Direction::Read.mask(), |l| l.accept());
        async move {
            let (stream, addr) = self.backoff.accept(accept).await?;
            Ok((
                TcpStream::from_accepted(stream, self.io.handle().clone())?,
                addr,
            ))
        }
    }

    /// Polls for a connection (only the last task to poll is woken). After a descriptor-exhaustion
    /// error (EMFILE/ENFILE) it backs off as [`accept`](Self::accept) does: the next poll is
    /// pending until the pause is over.
    ///
    /// ```
    /// # fn f(l: &gort_reactor::net::TcpListener, cx: &mut std::task::Context<'_>) {
    /// if let std::task::Poll::Ready(Ok((stream, _peer))) = l.poll_accept(cx) {
    ///     drop(stream);
    /// }
    /// # }
    /// ```
    pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(TcpStream, SocketAddr)>> {
        let (stream, addr) =
            ready!(self.backoff.poll_accept(cx, |cx| self
                .io
                .poll_io(cx, Direction::Read, |l| l.accept())))?;
        let stream = TcpStream::from_accepted(stream, self.io.handle().clone())?;
        Poll::Ready(Ok((stream, addr)))
    }

    /// Wraps a std listener (it is switched to non-blocking mode).
    ///
    /// # Panics
    ///
    /// Outside a gort runtime.
    ///
    /// ```
    /// # fn f() -> std::io::Result<()> {
    /// let std_listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    /// let listener = gort_reactor::net::TcpListener::from_std(std_listener)?;
    /// # Ok(()) }
    /// ```
    #[track_caller]
    pub fn from_std(listener: std::net::TcpListener) -> io::Result<TcpListener> {
        listener.set_nonblocking(true)?;
        TcpListener::new(mio::net::TcpListener::from_std(listener))
    }

    /// Turns the listener back into a std one (left in non-blocking mode, as tokio).
    ///
    /// ```
    /// # fn f(l: gort_reactor::net::TcpListener) -> std::io::Result<()> {
    /// let std_listener = l.into_std()?;
    /// std_listener.set_nonblocking(false)?;
    /// # Ok(()) }
    /// ```
    pub fn into_std(self) -> io::Result<std::net::TcpListener> {
        use std::os::fd::{FromRawFd, IntoRawFd};
        let fd = self.io.into_inner().into_raw_fd();
        // SAFETY: `fd` was just released by the mio listener, so we own it exclusively.
        Ok(unsafe { std::net::TcpListener::from_raw_fd(fd) })
    }

    /// The address the listener is bound to.
    ///
    /// ```
    /// # fn f(l: gort_reactor::net::TcpListener) -> std::io::Result<()> {
    /// println!("{}", l.local_addr()?);
    /// # Ok(()) }
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.io().local_addr()
    }

    /// The `IP_TTL` option.
    ///
    /// ```
    /// # fn f(l: gort_reactor::net::TcpListener) -> std::io::Result<()> {
    /// l.set_ttl(64)?;
    /// assert_eq!(l.ttl()?, 64);
    /// # Ok(()) }
    /// ```
    pub fn ttl(&self) -> io::Result<u32> {
        self.io.io().ttl()
    }

    /// Sets the `IP_TTL` option.
    ///
    /// ```
    /// # fn f(l: gort_reactor::net::TcpListener) -> std::io::Result<()> {
    /// l.set_ttl(100)?;
    /// # Ok(()) }
    /// ```
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        self.io.io().set_ttl(ttl)
    }
}

impl TryFrom<std::net::TcpListener> for TcpListener {
    type Error = io::Error;
    fn try_from(listener: std::net::TcpListener) -> io::Result<TcpListener> {
        TcpListener::from_std(listener)
    }
}

impl AsRawFd for TcpListener {
    fn as_raw_fd(&self) -> RawFd {
        self.io.io().as_raw_fd()
    }
}

impl AsFd for TcpListener {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.io().as_fd()
    }
}

impl fmt::Debug for TcpListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.io.io().fmt(f)
    }
}
