//! [`TcpStream`].

use super::split::{OwnedReadHalf, OwnedWriteHalf, ReadHalf, WriteHalf};
use crate::driver::ready::Direction;
use crate::driver::ready::Ready;
use crate::driver::registration::PollEvented;
use crate::driver::Handle;
use crate::io::Sited;
use crate::io::{AsyncRead, AsyncWrite, ReadBuf};
use crate::net::addr::{each_addr, ToSocketAddrs};
use crate::net::split::{split, split_owned};
use crate::net::{poll_read_buf, poll_write_buf, poll_write_vectored_buf, sockopt};
use std::fmt;
use std::future::poll_fn;
use std::future::Future;
use std::io::{self, IoSlice};
use std::net::{Shutdown, SocketAddr};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::Duration;

/// A TCP connection, as `tokio::net::TcpStream`: implements gort's (tokio-shaped)
/// [`AsyncRead`]/[`AsyncWrite`] and `futures_io`'s.
///
/// ```
/// use gort_reactor::io::{AsyncReadExt, AsyncWriteExt};
/// use gort_reactor::net::TcpStream;
///
/// async fn ping() -> std::io::Result<()> {
///     let mut stream = TcpStream::connect("127.0.0.1:7").await?;
///     stream.write_all(b"ping").await?;
///     let mut buf = [0; 4];
///     stream.read_exact(&mut buf).await?;
///     Ok(())
/// }
/// ```
pub struct TcpStream {
    pub(super) io: PollEvented<mio::net::TcpStream>,
}

impl TcpStream {
    /// Opens a connection to `addr`, trying each resolved address in turn. A closed port is an
    /// error (`ConnectionRefused`).
    ///
    /// # Panics
    ///
    /// Outside a gort runtime.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a dropped `connect` closes the half-open socket.
    ///
    /// ```
    /// # async fn f() -> std::io::Result<()> {
    /// let stream = gort_reactor::net::TcpStream::connect(("127.0.0.1", 8080)).await?;
    /// # Ok(()) }
    /// ```
    #[track_caller]
    pub fn connect<A: ToSocketAddrs>(addr: A) -> impl Future<Output = io::Result<TcpStream>> {
        Sited::new(each_addr(addr, TcpStream::connect_addr))
    }

    async fn connect_addr(addr: SocketAddr) -> io::Result<TcpStream> {
        let stream = TcpStream::from_mio(mio::net::TcpStream::connect(addr)?, Handle::current())?;
        stream.finish_connect().await?;
        Ok(stream)
    }

    /// Waits for a non-blocking connect to finish: the socket turns writable once the
    /// handshake succeeded or failed, and `SO_ERROR` tells which.
    pub(crate) async fn finish_connect(&self) -> io::Result<()> {
        poll_fn(|cx| self.io.poll_ready(cx, Direction::Write)).await?;
        match self.io.io().take_error()? {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    pub(crate) fn from_mio(stream: mio::net::TcpStream, handle: Handle) -> io::Result<TcpStream> {
        Ok(TcpStream {
            io: PollEvented::new_with_handle(stream, handle)?,
        })
    }

    /// Wraps a connected std stream (it is switched to non-blocking mode).
    ///
    /// # Panics
    ///
    /// Outside a gort runtime.
    ///
    /// ```
    /// # fn f() -> std::io::Result<()> {
    /// let std_stream = std::net::TcpStream::connect("127.0.0.1:8080")?;
    /// let stream = gort_reactor::net::TcpStream::from_std(std_stream)?;
    /// # Ok(()) }
    /// ```
    #[track_caller]
    pub fn from_std(stream: std::net::TcpStream) -> io::Result<TcpStream> {
        stream.set_nonblocking(true)?;
        TcpStream::from_mio(mio::net::TcpStream::from_std(stream), Handle::current())
    }

    /// Turns the stream back into a std one (left in non-blocking mode, as tokio).
    ///
    /// ```
    /// # fn f(s: gort_reactor::net::TcpStream) -> std::io::Result<()> {
    /// let std_stream = s.into_std()?;
    /// std_stream.set_nonblocking(false)?;
    /// # Ok(()) }
    /// ```
    pub fn into_std(self) -> io::Result<std::net::TcpStream> {
        use std::os::fd::{FromRawFd, IntoRawFd};
        let fd = self.io.into_inner().into_raw_fd();
        // SAFETY: `fd` was just released by the mio stream, so we own it exclusively.
        Ok(unsafe { std::net::TcpStream::from_raw_fd(fd) })
    }

    /// The local address of the connection.
    ///
    /// ```
    /// # fn f(s: gort_reactor::net::TcpStream) -> std::io::Result<()> {
    /// println!("{}", s.local_addr()?);
    /// # Ok(()) }
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.io().local_addr()
    }

    /// The remote address of the connection.
    ///
    /// ```
    /// # fn f(s: gort_reactor::net::TcpStream) -> std::io::Result<()> {
    /// println!("{}", s.peer_addr()?);
    /// # Ok(()) }
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.io().peer_addr()
    }

    /// Sets `TCP_NODELAY` (disables Nagle's algorithm).
    ///
    /// ```
    /// # fn f(s: gort_reactor::net::TcpStream) -> std::io::Result<()> {
    /// s.set_nodelay(true)?;
    /// assert!(s.nodelay()?);
    /// # Ok(()) }
    /// ```
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.io.io().set_nodelay(nodelay)
    }

    /// Reads `TCP_NODELAY`.
    ///
    /// ```
    /// # fn f(s: gort_reactor::net::TcpStream) -> std::io::Result<bool> {
    /// s.nodelay()
    /// # }
    /// ```
    pub fn nodelay(&self) -> io::Result<bool> {
        self.io.io().nodelay()
    }

    /// Reads `TCP_QUICKACK` (Linux-family only; see [`set_quickack`](Self::set_quickack)).
    ///
    /// ```
    /// # fn f(s: gort_reactor::net::TcpStream) -> std::io::Result<bool> {
    /// s.quickack()
    /// # }
    /// ```
    #[cfg(any(
        target_os = "linux",
        target_os = "android",
        target_os = "fuchsia",
        target_os = "cygwin",
    ))]
    pub fn quickack(&self) -> io::Result<bool> {
        let fd = self.as_raw_fd();
        sockopt::getsockopt_int(fd, libc::IPPROTO_TCP, libc::TCP_QUICKACK).map(|v| v != 0)
    }

    /// Sets `TCP_QUICKACK`: the kernel sends ACKs at once instead of delaying them. The kernel
    /// may clear the flag again after later socket operations (see `man 7 tcp`).
    ///
    /// ```
    /// # fn f(s: gort_reactor::net::TcpStream) -> std::io::Result<()> {
    /// s.set_quickack(true)?;
    /// # Ok(()) }
    /// ```
    #[cfg(any(
        target_os = "linux",
        target_os = "android",
        target_os = "fuchsia",
        target_os = "cygwin",
    ))]
    pub fn set_quickack(&self, quickack: bool) -> io::Result<()> {
        let value = libc::c_int::from(quickack);
        sockopt::setsockopt(
            self.as_raw_fd(),
            libc::IPPROTO_TCP,
            libc::TCP_QUICKACK,
            &value,
        )
    }

    /// Sets `SO_LINGER`. `Some(Duration::ZERO)` makes dropping the stream reset the connection.
    ///
    /// ```
    /// # fn f(s: gort_reactor::net::TcpStream) -> std::io::Result<()> {
    /// s.set_linger(Some(std::time::Duration::ZERO))?;
    /// assert_eq!(s.linger()?, Some(std::time::Duration::ZERO));
    /// # Ok(()) }
    /// ```
    pub fn set_linger(&self, linger: Option<Duration>) -> io::Result<()> {
        sockopt::set_linger(self.io.io(), linger)
    }

    /// Sets `SO_LINGER` to zero: closing the socket then resets the connection (RST) instead
    /// of a graceful FIN. Same as `set_linger(Some(Duration::ZERO))`.
    ///
    /// ```
    /// # fn f(s: gort_reactor::net::TcpStream) -> std::io::Result<()> {
    /// s.set_zero_linger()?;
    /// assert_eq!(s.linger()?, Some(std::time::Duration::ZERO));
    /// # Ok(()) }
    /// ```
    pub fn set_zero_linger(&self) -> io::Result<()> {
        sockopt::set_linger(self.io.io(), Some(Duration::ZERO))
    }

    /// Reads `SO_LINGER`.
    ///
    /// ```
    /// # fn f(s: gort_reactor::net::TcpStream) -> std::io::Result<()> {
    /// let _ = s.linger()?;
    /// # Ok(()) }
    /// ```
    pub fn linger(&self) -> io::Result<Option<Duration>> {
        sockopt::linger(self.io.io())
    }

    /// The `IP_TTL` option.
    ///
    /// ```
    /// # fn f(s: gort_reactor::net::TcpStream) -> std::io::Result<()> {
    /// s.set_ttl(64)?;
    /// assert_eq!(s.ttl()?, 64);
    /// # Ok(()) }
    /// ```
    pub fn ttl(&self) -> io::Result<u32> {
        self.io.io().ttl()
    }

    /// Sets the `IP_TTL` option.
    ///
    /// ```
    /// # fn f(s: gort_reactor::net::TcpStream) -> std::io::Result<()> {
    /// s.set_ttl(10)?;
    /// # Ok(()) }
    /// ```
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        self.io.io().set_ttl(ttl)
    }

    /// Waits until the stream is readable (data, EOF or an error); follow with
    /// [`try_read`](Self::try_read), which may still return `WouldBlock`.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// ```
    /// # async fn f(s: gort_reactor::net::TcpStream) -> std::io::Result<()> {
    /// let mut buf = [0; 64];
    /// loop {
    ///     s.readable().await?;
    ///     match s.try_read(&mut buf) {
    ///         Ok(n) => { println!("{n} bytes"); break; }
    ///         Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
    ///         Err(e) => return Err(e),
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    #[track_caller]
    pub fn readable(&self) -> impl std::future::Future<Output = io::Result<()>> + '_ {
        self.io.ready_in(Direction::Read)
    }

    /// Waits until the stream is writable; follow with [`try_write`](Self::try_write).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// ```
    /// # async fn f(s: gort_reactor::net::TcpStream) -> std::io::Result<()> {
    /// s.writable().await?;
    /// let _ = s.try_write(b"hi");
    /// # Ok(()) }
    /// ```
    #[track_caller]
    pub fn writable(&self) -> impl std::future::Future<Output = io::Result<()>> + '_ {
        self.io.ready_in(Direction::Write)
    }

    /// Polls for read readiness (only the last task to poll is woken).
    ///
    /// ```
    /// # fn f(s: &gort_reactor::net::TcpStream, cx: &mut std::task::Context<'_>) {
    /// let _ = s.poll_read_ready(cx);
    /// # }
    /// ```
    pub fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io.poll_ready(cx, Direction::Read).map_ok(drop)
    }

    /// Polls for write readiness (only the last task to poll is woken).
    ///
    /// ```
    /// # fn f(s: &gort_reactor::net::TcpStream, cx: &mut std::task::Context<'_>) {
    /// let _ = s.poll_write_ready(cx);
    /// # }
    /// ```
    pub fn poll_write_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io.poll_ready(cx, Direction::Write).map_ok(drop)
    }

    /// Reads data without removing it from the receive queue.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// ```
    /// # async fn f(s: gort_reactor::net::TcpStream) -> std::io::Result<()> {
    /// let mut buf = [0; 8];
    /// let n = s.peek(&mut buf).await?;
    /// # let _ = n; Ok(()) }
    /// ```
    #[track_caller]
    pub fn peek<'a>(
        &'a self,
        buf: &'a mut [u8],
    ) -> impl std::future::Future<Output = io::Result<usize>> + 'a {
        self.io
            .async_io(Direction::Read.mask(), move |s| s.peek(buf))
    }

    /// Polls to peek into `buf` without consuming the data.
    ///
    /// ```
    /// # fn f(s: &gort_reactor::net::TcpStream, cx: &mut std::task::Context<'_>) {
    /// let mut storage = [0; 8];
    /// let mut buf = gort_reactor::io::ReadBuf::new(&mut storage);
    /// let _ = s.poll_peek(cx, &mut buf);
    /// # }
    /// ```
    pub fn poll_peek(
        &self,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<usize>> {
        let n = ready!(self
            .io
            .poll_io(cx, Direction::Read, |s| s.peek(buf.initialize_unfilled())))?;
        buf.advance(n);
        Poll::Ready(Ok(n))
    }

    /// Splits the stream into a read half and a write half borrowing it, usable concurrently
    /// within one task.
    ///
    /// ```
    /// # async fn f(mut s: gort_reactor::net::TcpStream) -> std::io::Result<()> {
    /// let (mut rd, mut wr) = s.split();
    /// gort_reactor::io::copy(&mut rd, &mut wr).await?;
    /// # Ok(()) }
    /// ```
    pub fn split(&mut self) -> (ReadHalf<'_>, WriteHalf<'_>) {
        split(self)
    }

    /// Splits the stream into owned halves that can move to different tasks; dropping the
    /// write half shuts down the write direction. [`OwnedReadHalf::reunite`] puts them back.
    ///
    /// ```
    /// # fn f(s: gort_reactor::net::TcpStream) {
    /// let (rd, wr) = s.into_split();
    /// let s = rd.reunite(wr).unwrap();
    /// # }
    /// ```
    pub fn into_split(self) -> (OwnedReadHalf, OwnedWriteHalf) {
        split_owned(self)
    }

    pub(crate) fn poll_read_priv(
        &self,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        poll_read_buf(&self.io, cx, buf)
    }

    pub(crate) fn poll_write_priv(
        &self,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        poll_write_buf(&self.io, cx, buf)
    }

    pub(crate) fn poll_write_vectored_priv(
        &self,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        poll_write_vectored_buf(&self.io, cx, bufs)
    }

    /// `shutdown(2)`; a peer that already reset the connection (`NotConnected`) counts as
    /// shut down, as in tokio.
    pub(crate) fn shutdown_std(&self, how: Shutdown) -> io::Result<()> {
        match self.io.io().shutdown(how) {
            Err(e) if e.kind() == io::ErrorKind::NotConnected => Ok(()),
            result => result,
        }
    }

    /// An accepted stream is assumed readable and writable until an operation finds
    /// otherwise (as tokio).
    pub(crate) fn from_accepted(stream: mio::net::TcpStream, handle: Handle) -> io::Result<Self> {
        let stream = Self::from_mio(stream, handle)?;
        stream.io.assume_ready(Ready::from_usize(
            Ready::READABLE.as_usize() | Ready::WRITABLE.as_usize(),
        ));
        Ok(stream)
    }
}

impl AsyncRead for TcpStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.poll_read_priv(cx, buf)
    }
}

impl AsyncWrite for TcpStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.poll_write_priv(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.poll_write_vectored_priv(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(self.shutdown_std(Shutdown::Write))
    }
}

crate::io::impl_futures_io_read!(TcpStream);
crate::io::impl_futures_io_write!(TcpStream);

impl TryFrom<std::net::TcpStream> for TcpStream {
    type Error = io::Error;
    fn try_from(stream: std::net::TcpStream) -> io::Result<TcpStream> {
        TcpStream::from_std(stream)
    }
}

impl AsRawFd for TcpStream {
    fn as_raw_fd(&self) -> RawFd {
        self.io.io().as_raw_fd()
    }
}

impl AsFd for TcpStream {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.io().as_fd()
    }
}

impl fmt::Debug for TcpStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.io.io().fmt(f)
    }
}

crate::net::readiness_api!(TcpStream);
crate::net::stream_try_io!(TcpStream);
