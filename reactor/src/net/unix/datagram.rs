//! [`UnixDatagram`].

use super::SocketAddr;
use crate::driver::ready::Direction;
use crate::driver::ready::Ready;
use crate::driver::registration::PollEvented;
use crate::io::ReadBuf;
use crate::net::datagram;
use bytes::BufMut;
use std::fmt;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::path::Path;
use std::task::{Context, Poll};

/// A Unix-domain datagram socket, as `tokio::net::UnixDatagram`.
///
/// ```
/// use gort_reactor::net::UnixDatagram;
///
/// async fn ping() -> std::io::Result<()> {
///     let (a, b) = UnixDatagram::pair()?;
///     a.send(b"ping").await?;
///     let mut buf = [0; 16];
///     let n = b.recv(&mut buf).await?;
///     assert_eq!(&buf[..n], b"ping");
///     Ok(())
/// }
/// ```
pub struct UnixDatagram {
    io: PollEvented<mio::net::UnixDatagram>,
}

impl UnixDatagram {
    #[track_caller]
    fn new(socket: mio::net::UnixDatagram) -> io::Result<UnixDatagram> {
        Ok(UnixDatagram {
            io: PollEvented::new(socket)?,
        })
    }

    /// Binds a socket to `path`.
    ///
    /// # Panics
    ///
    /// Outside a gort runtime.
    ///
    /// ```
    /// # fn f() -> std::io::Result<()> {
    /// let s = gort_reactor::net::UnixDatagram::bind("/tmp/gort-dgram.sock")?;
    /// # Ok(()) }
    /// ```
    #[track_caller]
    pub fn bind<P: AsRef<Path>>(path: P) -> io::Result<UnixDatagram> {
        UnixDatagram::new(mio::net::UnixDatagram::bind(path)?)
    }

    /// A socket bound to no address.
    ///
    /// # Panics
    ///
    /// Outside a gort runtime.
    ///
    /// ```
    /// # fn f() -> std::io::Result<()> {
    /// let s = gort_reactor::net::UnixDatagram::unbound()?;
    /// # Ok(()) }
    /// ```
    #[track_caller]
    pub fn unbound() -> io::Result<UnixDatagram> {
        UnixDatagram::new(mio::net::UnixDatagram::unbound()?)
    }

    /// A connected pair of sockets.
    ///
    /// # Panics
    ///
    /// Outside a gort runtime.
    ///
    /// ```
    /// # fn f() -> std::io::Result<()> {
    /// let (a, b) = gort_reactor::net::UnixDatagram::pair()?;
    /// # Ok(()) }
    /// ```
    #[track_caller]
    pub fn pair() -> io::Result<(UnixDatagram, UnixDatagram)> {
        let (a, b) = mio::net::UnixDatagram::pair()?;
        let (a, b) = (UnixDatagram::new(a)?, UnixDatagram::new(b)?);
        // Both ends can send at once, before any driver event (as tokio).
        a.io.assume_ready(Ready::WRITABLE);
        b.io.assume_ready(Ready::WRITABLE);
        Ok((a, b))
    }

    /// Wraps a std socket (it is switched to non-blocking mode).
    ///
    /// # Panics
    ///
    /// Outside a gort runtime.
    ///
    /// ```
    /// # fn f() -> std::io::Result<()> {
    /// let (a, _b) = std::os::unix::net::UnixDatagram::pair()?;
    /// let a = gort_reactor::net::UnixDatagram::from_std(a)?;
    /// # Ok(()) }
    /// ```
    #[track_caller]
    pub fn from_std(socket: std::os::unix::net::UnixDatagram) -> io::Result<UnixDatagram> {
        socket.set_nonblocking(true)?;
        UnixDatagram::new(mio::net::UnixDatagram::from_std(socket))
    }

    /// Turns the socket back into a std one (left in non-blocking mode).
    ///
    /// ```
    /// # fn f(s: gort_reactor::net::UnixDatagram) -> std::io::Result<()> {
    /// let std_s = s.into_std()?;
    /// # Ok(()) }
    /// ```
    pub fn into_std(self) -> io::Result<std::os::unix::net::UnixDatagram> {
        use std::os::fd::{FromRawFd, IntoRawFd};
        let fd = self.io.into_inner().into_raw_fd();
        // SAFETY: `fd` was just released by the mio socket, so we own it exclusively.
        Ok(unsafe { std::os::unix::net::UnixDatagram::from_raw_fd(fd) })
    }

    /// Sets the default destination for [`send`](Self::send).
    ///
    /// ```
    /// # fn f(s: gort_reactor::net::UnixDatagram) -> std::io::Result<()> {
    /// s.connect("/tmp/peer.sock")?;
    /// # Ok(()) }
    /// ```
    pub fn connect<P: AsRef<Path>>(&self, path: P) -> io::Result<()> {
        self.io.io().connect(path)
    }

    /// Sends a datagram to the connected peer.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// ```
    /// # async fn f(s: gort_reactor::net::UnixDatagram) -> std::io::Result<()> {
    /// s.send(b"x").await?;
    /// # Ok(()) }
    /// ```
    #[track_caller]
    pub fn send<'a>(
        &'a self,
        buf: &'a [u8],
    ) -> impl std::future::Future<Output = io::Result<usize>> + 'a {
        self.io
            .async_io(Direction::Write.mask(), move |s| s.send(buf))
    }

    /// Receives a datagram from the connected peer.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// ```
    /// # async fn f(s: gort_reactor::net::UnixDatagram) -> std::io::Result<()> {
    /// let n = s.recv(&mut [0; 64]).await?;
    /// # let _ = n; Ok(()) }
    /// ```
    #[track_caller]
    pub fn recv<'a>(
        &'a self,
        buf: &'a mut [u8],
    ) -> impl std::future::Future<Output = io::Result<usize>> + 'a {
        self.io
            .async_io(Direction::Read.mask(), move |s| s.recv(buf))
    }

    /// Sends a datagram to the socket at `path`.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// ```
    /// # async fn f(s: gort_reactor::net::UnixDatagram) -> std::io::Result<()> {
    /// s.send_to(b"x", "/tmp/peer.sock").await?;
    /// # Ok(()) }
    /// ```
    #[track_caller]
    pub fn send_to<'a, P: AsRef<Path> + 'a>(
        &'a self,
        buf: &'a [u8],
        path: P,
    ) -> impl std::future::Future<Output = io::Result<usize>> + 'a {
        self.io.async_io(Direction::Write.mask(), move |s| {
            s.send_to(buf, path.as_ref())
        })
    }

    /// Receives a datagram and its source address.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// ```
    /// # async fn f(s: gort_reactor::net::UnixDatagram) -> std::io::Result<()> {
    /// let (n, from) = s.recv_from(&mut [0; 64]).await?;
    /// # let _ = (n, from); Ok(()) }
    /// ```
    #[track_caller]
    pub fn recv_from<'a>(
        &'a self,
        buf: &'a mut [u8],
    ) -> impl std::future::Future<Output = io::Result<(usize, SocketAddr)>> + 'a {
        self.io
            .async_io(Direction::Read.mask(), move |s| s.recv_from(buf))
    }

    /// Sends without waiting.
    ///
    /// ```
    /// # fn f(s: &gort_reactor::net::UnixDatagram) {
    /// let _ = s.try_send(b"x");
    /// # }
    /// ```
    pub fn try_send(&self, buf: &[u8]) -> io::Result<usize> {
        self.io.try_io(Direction::Write.mask(), |s| s.send(buf))
    }

    /// Receives without waiting.
    ///
    /// ```
    /// # fn f(s: &gort_reactor::net::UnixDatagram) {
    /// let _ = s.try_recv(&mut [0; 64]);
    /// # }
    /// ```
    pub fn try_recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.try_io(Direction::Read.mask(), |s| s.recv(buf))
    }

    /// Sends to the socket at `path` without waiting.
    ///
    /// ```
    /// # fn f(s: &gort_reactor::net::UnixDatagram) {
    /// let _ = s.try_send_to(b"x", "/tmp/peer.sock");
    /// # }
    /// ```
    pub fn try_send_to<P: AsRef<Path>>(&self, buf: &[u8], path: P) -> io::Result<usize> {
        datagram::try_send_to(&self.io, buf, path.as_ref())
    }

    /// Receives a datagram and its source without waiting.
    ///
    /// ```
    /// # fn f(s: &gort_reactor::net::UnixDatagram) {
    /// let _ = s.try_recv_from(&mut [0; 64]);
    /// # }
    /// ```
    pub fn try_recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        datagram::try_recv_from(&self.io, buf)
    }

    /// Receives from the connected peer into `buf` (a `BufMut`), advancing it.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// ```
    /// # async fn f(s: gort_reactor::net::UnixDatagram) -> std::io::Result<()> {
    /// let mut buf = Vec::with_capacity(64);
    /// let n = s.recv_buf(&mut buf).await?;
    /// assert_eq!(buf.len(), n);
    /// # Ok(()) }
    /// ```
    #[track_caller]
    pub fn recv_buf<'a, B: BufMut>(
        &'a self,
        buf: &'a mut B,
    ) -> impl std::future::Future<Output = io::Result<usize>> + 'a {
        datagram::recv_buf(&self.io, buf)
    }

    /// Receives a datagram and its source into `buf`, advancing it.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// ```
    /// # async fn f(s: gort_reactor::net::UnixDatagram) -> std::io::Result<()> {
    /// let mut buf = Vec::with_capacity(64);
    /// let (n, from) = s.recv_buf_from(&mut buf).await?;
    /// # let _ = (n, from); Ok(()) }
    /// ```
    #[track_caller]
    pub fn recv_buf_from<'a, B: BufMut>(
        &'a self,
        buf: &'a mut B,
    ) -> impl std::future::Future<Output = io::Result<(usize, SocketAddr)>> + 'a {
        datagram::recv_buf_from(&self.io, buf)
    }

    /// Receives into `buf` without waiting.
    ///
    /// ```
    /// # fn f(s: &gort_reactor::net::UnixDatagram) {
    /// let _ = s.try_recv_buf(&mut Vec::with_capacity(64));
    /// # }
    /// ```
    pub fn try_recv_buf<B: BufMut>(&self, buf: &mut B) -> io::Result<usize> {
        datagram::try_recv_buf(&self.io, buf)
    }

    /// Receives a datagram and its source into `buf` without waiting.
    ///
    /// ```
    /// # fn f(s: &gort_reactor::net::UnixDatagram) {
    /// let _ = s.try_recv_buf_from(&mut Vec::with_capacity(64));
    /// # }
    /// ```
    pub fn try_recv_buf_from<B: BufMut>(&self, buf: &mut B) -> io::Result<(usize, SocketAddr)> {
        datagram::try_recv_buf_from(&self.io, buf)
    }

    /// Polls to receive from the connected peer into `buf`.
    ///
    /// ```
    /// # fn f(s: &gort_reactor::net::UnixDatagram, cx: &mut std::task::Context<'_>) {
    /// let mut storage = [0; 64];
    /// let mut buf = gort_reactor::io::ReadBuf::new(&mut storage);
    /// let _ = s.poll_recv(cx, &mut buf);
    /// # }
    /// ```
    pub fn poll_recv(&self, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        datagram::poll_recv(&self.io, cx, buf)
    }

    /// Polls to receive a datagram into `buf`, returning its source.
    ///
    /// ```
    /// # fn f(s: &gort_reactor::net::UnixDatagram, cx: &mut std::task::Context<'_>) {
    /// let mut storage = [0; 64];
    /// let mut buf = gort_reactor::io::ReadBuf::new(&mut storage);
    /// let _ = s.poll_recv_from(cx, &mut buf);
    /// # }
    /// ```
    pub fn poll_recv_from(
        &self,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<SocketAddr>> {
        datagram::poll_recv_from(&self.io, cx, buf)
    }

    /// Polls to send to the connected peer.
    ///
    /// ```
    /// # fn f(s: &gort_reactor::net::UnixDatagram, cx: &mut std::task::Context<'_>) {
    /// let _ = s.poll_send(cx, b"x");
    /// # }
    /// ```
    pub fn poll_send(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        datagram::poll_send(&self.io, cx, buf)
    }

    /// Polls to send a datagram to the socket at `path`.
    ///
    /// ```
    /// # fn f(s: &gort_reactor::net::UnixDatagram, cx: &mut std::task::Context<'_>) {
    /// let _ = s.poll_send_to(cx, b"x", "/tmp/peer.sock");
    /// # }
    /// ```
    pub fn poll_send_to<P: AsRef<Path>>(
        &self,
        cx: &mut Context<'_>,
        buf: &[u8],
        path: P,
    ) -> Poll<io::Result<usize>> {
        datagram::poll_send_to(&self.io, cx, buf, path.as_ref())
    }

    /// Waits until a datagram can be received.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// ```
    /// # async fn f(s: gort_reactor::net::UnixDatagram) -> std::io::Result<()> {
    /// s.readable().await?;
    /// # Ok(()) }
    /// ```
    #[track_caller]
    pub fn readable(&self) -> impl std::future::Future<Output = io::Result<()>> + '_ {
        self.io.ready_in(Direction::Read)
    }

    /// Waits until a datagram can be sent.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// ```
    /// # async fn f(s: gort_reactor::net::UnixDatagram) -> std::io::Result<()> {
    /// s.writable().await?;
    /// # Ok(()) }
    /// ```
    #[track_caller]
    pub fn writable(&self) -> impl std::future::Future<Output = io::Result<()>> + '_ {
        self.io.ready_in(Direction::Write)
    }

    /// The local address.
    ///
    /// ```
    /// # fn f(s: gort_reactor::net::UnixDatagram) -> std::io::Result<()> {
    /// println!("{:?}", s.local_addr()?);
    /// # Ok(()) }
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.io().local_addr()
    }

    /// The connected peer's address.
    ///
    /// ```
    /// # fn f(s: gort_reactor::net::UnixDatagram) -> std::io::Result<()> {
    /// println!("{:?}", s.peer_addr()?);
    /// # Ok(()) }
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.io().peer_addr()
    }

    /// Shuts down the read, write or both directions.
    ///
    /// ```
    /// # fn f(s: gort_reactor::net::UnixDatagram) -> std::io::Result<()> {
    /// s.shutdown(std::net::Shutdown::Both)?;
    /// # Ok(()) }
    /// ```
    pub fn shutdown(&self, how: std::net::Shutdown) -> io::Result<()> {
        self.io.io().shutdown(how)
    }

    /// Takes the socket's pending error (`SO_ERROR`).
    ///
    /// ```
    /// # fn f(s: &gort_reactor::net::UnixDatagram) -> std::io::Result<()> {
    /// assert!(s.take_error()?.is_none());
    /// # Ok(()) }
    /// ```
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.io.io().take_error()
    }
}

impl AsRawFd for UnixDatagram {
    fn as_raw_fd(&self) -> RawFd {
        self.io.io().as_raw_fd()
    }
}

impl AsFd for UnixDatagram {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.io().as_fd()
    }
}

impl fmt::Debug for UnixDatagram {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.io.io().fmt(f)
    }
}

crate::net::readiness_api!(UnixDatagram);

crate::net::datagram::datagram_readiness_polls!(UnixDatagram);
