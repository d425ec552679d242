//! [`UnixStream`].

use super::split::{OwnedReadHalf, OwnedWriteHalf, ReadHalf, WriteHalf};
use super::{SocketAddr, UCred};
use crate::driver::ready::Direction;
use crate::driver::ready::Ready;
use crate::driver::registration::PollEvented;
use crate::driver::Handle;
use crate::io::Sited;
use crate::io::{AsyncRead, AsyncWrite, ReadBuf};
use crate::net::split::{split, split_owned};
use crate::net::{poll_read_buf, poll_write_buf, poll_write_vectored_buf};
use std::fmt;
use std::future::poll_fn;
use std::future::Future;
use std::io::{self, IoSlice};
use std::net::Shutdown;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::path::Path;
use std::pin::Pin;
use std::task::{Context, Poll};

/// A Unix-domain stream socket, as `tokio::net::UnixStream`.
///
/// ```
/// use gort_reactor::io::{AsyncReadExt, AsyncWriteExt};
/// use gort_reactor::net::UnixStream;
///
/// async fn pair() -> std::io::Result<()> {
///     let (mut a, mut b) = UnixStream::pair()?;
///     a.write_all(b"hi").await?;
///     let mut buf = [0; 2];
///     b.read_exact(&mut buf).await?;
///     assert_eq!(&buf, b"hi");
///     Ok(())
/// }
/// ```
pub struct UnixStream {
    io: PollEvented<mio::net::UnixStream>,
}

impl UnixStream {
    /// Connects to the socket at `path`.
    ///
    /// # Panics
    ///
    /// Outside a gort runtime.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// ```
    /// # async fn f() -> std::io::Result<()> {
    /// let s = gort_reactor::net::UnixStream::connect("/tmp/gort.sock").await?;
    /// # Ok(()) }
    /// ```
    #[track_caller]
    pub fn connect<P: AsRef<Path>>(path: P) -> impl Future<Output = io::Result<UnixStream>> {
        Sited::new(async move {
            let stream = match super::abstract_addr(path.as_ref())? {
                Some(addr) => mio::net::UnixStream::connect_addr(&addr)?,
                None => mio::net::UnixStream::connect(path)?,
            };
            UnixStream::finish_connect(stream).await
        })
    }

    /// Connects to a socket address (a path, or on Linux an abstract name).
    ///
    /// # Panics
    ///
    /// Outside a gort runtime.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// ```
    /// # async fn f() -> std::io::Result<()> {
    /// let addr = std::os::unix::net::SocketAddr::from_pathname("/tmp/gort.sock")?;
    /// let s = gort_reactor::net::UnixStream::connect_addr(&addr).await?;
    /// # Ok(()) }
    /// ```
    #[track_caller]
    pub fn connect_addr(addr: &SocketAddr) -> impl Future<Output = io::Result<UnixStream>> + '_ {
        Sited::new(async move {
            UnixStream::finish_connect(mio::net::UnixStream::connect_addr(addr)?).await
        })
    }

    pub(crate) async fn finish_connect(stream: mio::net::UnixStream) -> io::Result<UnixStream> {
        let stream = UnixStream::from_mio(stream, Handle::current())?;
        poll_fn(|cx| stream.io.poll_ready(cx, Direction::Write)).await?;
        if let Some(e) = stream.io.io().take_error()? {
            return Err(e);
        }
        Ok(stream)
    }

    /// The credentials of the process at the other end (`SO_PEERCRED`, as it was when the
    /// connection was made).
    ///
    /// ```
    /// # fn f(s: &gort_reactor::net::UnixStream) -> std::io::Result<()> {
    /// let cred = s.peer_cred()?;
    /// println!("peer uid {} pid {:?}", cred.uid(), cred.pid());
    /// # Ok(()) }
    /// ```
    pub fn peer_cred(&self) -> io::Result<UCred> {
        UCred::of_peer(self.io.io())
    }

    /// A connected pair of sockets.
    ///
    /// # Panics
    ///
    /// Outside a gort runtime.
    ///
    /// ```
    /// # fn f() -> std::io::Result<()> {
    /// let (a, b) = gort_reactor::net::UnixStream::pair()?;
    /// # Ok(()) }
    /// ```
    #[track_caller]
    pub fn pair() -> io::Result<(UnixStream, UnixStream)> {
        let (a, b) = mio::net::UnixStream::pair()?;
        let handle = Handle::current();
        let (a, b) = (
            UnixStream::from_mio(a, handle.clone())?,
            UnixStream::from_mio(b, handle)?,
        );
        // Both ends can write at once, before any driver event (as tokio).
        a.io.assume_ready(Ready::WRITABLE);
        b.io.assume_ready(Ready::WRITABLE);
        Ok((a, b))
    }

    pub(crate) fn from_mio(stream: mio::net::UnixStream, handle: Handle) -> io::Result<UnixStream> {
        Ok(UnixStream {
            io: PollEvented::new_with_handle(stream, handle)?,
        })
    }

    /// Wraps a std stream (it is switched to non-blocking mode).
    ///
    /// # Panics
    ///
    /// Outside a gort runtime.
    ///
    /// ```
    /// # fn f() -> std::io::Result<()> {
    /// let (a, _b) = std::os::unix::net::UnixStream::pair()?;
    /// let a = gort_reactor::net::UnixStream::from_std(a)?;
    /// # Ok(()) }
    /// ```
    #[track_caller]
    pub fn from_std(stream: std::os::unix::net::UnixStream) -> io::Result<UnixStream> {
        stream.set_nonblocking(true)?;
        UnixStream::from_mio(mio::net::UnixStream::from_std(stream), Handle::current())
    }

    /// Turns the stream back into a std one (left in non-blocking mode).
    ///
    /// ```
    /// # fn f(s: gort_reactor::net::UnixStream) -> std::io::Result<()> {
    /// let std_s = s.into_std()?;
    /// # Ok(()) }
    /// ```
    pub fn into_std(self) -> io::Result<std::os::unix::net::UnixStream> {
        use std::os::fd::{FromRawFd, IntoRawFd};
        let fd = self.io.into_inner().into_raw_fd();
        // SAFETY: `fd` was just released by the mio stream, so we own it exclusively.
        Ok(unsafe { std::os::unix::net::UnixStream::from_raw_fd(fd) })
    }

    /// The local address.
    ///
    /// ```
    /// # fn f(s: gort_reactor::net::UnixStream) -> std::io::Result<()> {
    /// println!("{:?}", s.local_addr()?);
    /// # Ok(()) }
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.io().local_addr()
    }

    /// The peer's address.
    ///
    /// ```
    /// # fn f(s: gort_reactor::net::UnixStream) -> std::io::Result<()> {
    /// println!("{:?}", s.peer_addr()?);
    /// # Ok(()) }
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.io().peer_addr()
    }

    /// Waits until readable; follow with [`try_read`](Self::try_read).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// ```
    /// # async fn f(s: gort_reactor::net::UnixStream) -> std::io::Result<()> {
    /// s.readable().await?;
    /// # Ok(()) }
    /// ```
    #[track_caller]
    pub fn readable(&self) -> impl std::future::Future<Output = io::Result<()>> + '_ {
        self.io.ready_in(Direction::Read)
    }

    /// Waits until writable; follow with [`try_write`](Self::try_write).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// ```
    /// # async fn f(s: gort_reactor::net::UnixStream) -> std::io::Result<()> {
    /// s.writable().await?;
    /// # Ok(()) }
    /// ```
    #[track_caller]
    pub fn writable(&self) -> impl std::future::Future<Output = io::Result<()>> + '_ {
        self.io.ready_in(Direction::Write)
    }

    /// Polls for read readiness.
    ///
    /// ```
    /// # fn f(s: &gort_reactor::net::UnixStream, cx: &mut std::task::Context<'_>) {
    /// let _ = s.poll_read_ready(cx);
    /// # }
    /// ```
    pub fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io.poll_ready(cx, Direction::Read).map_ok(drop)
    }

    /// Polls for write readiness.
    ///
    /// ```
    /// # fn f(s: &gort_reactor::net::UnixStream, cx: &mut std::task::Context<'_>) {
    /// let _ = s.poll_write_ready(cx);
    /// # }
    /// ```
    pub fn poll_write_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io.poll_ready(cx, Direction::Write).map_ok(drop)
    }

    /// Splits into borrowed read and write halves.
    ///
    /// ```
    /// # fn f(mut s: gort_reactor::net::UnixStream) {
    /// let (rd, wr) = s.split();
    /// # }
    /// ```
    pub fn split(&mut self) -> (ReadHalf<'_>, WriteHalf<'_>) {
        split(self)
    }

    /// Splits into owned halves (dropping the write half shuts down writing).
    ///
    /// ```
    /// # fn f(s: gort_reactor::net::UnixStream) {
    /// let (rd, wr) = s.into_split();
    /// let _s = rd.reunite(wr).unwrap();
    /// # }
    /// ```
    pub fn into_split(self) -> (OwnedReadHalf, OwnedWriteHalf) {
        split_owned(self)
    }

    /// Takes the socket's pending error (`SO_ERROR`).
    ///
    /// ```
    /// # fn f(s: &gort_reactor::net::UnixStream) -> std::io::Result<()> {
    /// assert!(s.take_error()?.is_none());
    /// # Ok(()) }
    /// ```
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.io.io().take_error()
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
    pub(crate) fn from_accepted(stream: mio::net::UnixStream, handle: Handle) -> io::Result<Self> {
        let stream = Self::from_mio(stream, handle)?;
        stream.io.assume_ready(Ready::from_usize(
            Ready::READABLE.as_usize() | Ready::WRITABLE.as_usize(),
        ));
        Ok(stream)
    }
}

impl AsyncRead for UnixStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.poll_read_priv(cx, buf)
    }
}

impl AsyncWrite for UnixStream {
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

crate::io::impl_futures_io_read!(UnixStream);
crate::io::impl_futures_io_write!(UnixStream);

impl TryFrom<std::os::unix::net::UnixStream> for UnixStream {
    type Error = io::Error;
    fn try_from(stream: std::os::unix::net::UnixStream) -> io::Result<UnixStream> {
        UnixStream::from_std(stream)
    }
}

impl AsRawFd for UnixStream {
    fn as_raw_fd(&self) -> RawFd {
        self.io.io().as_raw_fd()
    }
}

impl AsFd for UnixStream {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.io().as_fd()
    }
}

impl fmt::Debug for UnixStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.io.io().fmt(f)
    }
}

crate::net::readiness_api!(UnixStream);
crate::net::stream_try_io!(UnixStream);
