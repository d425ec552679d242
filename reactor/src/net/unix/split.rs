//! [`ReadHalf`] and [`WriteHalf`]: a `UnixStream` split by reference (no `Arc`, no lock).

use super::SocketAddr;
use super::UnixStream;
use crate::io::{AsyncRead, AsyncWrite, ReadBuf};
use std::io::{self, IoSlice};
use std::net::Shutdown;
use std::pin::Pin;
use std::task::{Context, Poll};

/// The read half of [`UnixStream::split`].
///
/// ```
/// use gort_reactor::io::AsyncReadExt;
/// # async fn f(mut s: gort_reactor::net::UnixStream) -> std::io::Result<()> {
/// let (mut rd, _wr) = s.split();
/// let mut buf = [0; 8];
/// let _n = rd.read(&mut buf).await?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct ReadHalf<'a>(&'a UnixStream);

/// The write half of [`UnixStream::split`]; `shutdown` closes the write direction.
///
/// ```
/// use gort_reactor::io::AsyncWriteExt;
/// # async fn f(mut s: gort_reactor::net::UnixStream) -> std::io::Result<()> {
/// let (_rd, mut wr) = s.split();
/// wr.write_all(b"hello").await?;
/// wr.shutdown().await?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct WriteHalf<'a>(&'a UnixStream);

pub(crate) fn split(stream: &mut UnixStream) -> (ReadHalf<'_>, WriteHalf<'_>) {
    (ReadHalf(&*stream), WriteHalf(&*stream))
}

impl ReadHalf<'_> {
    /// The remote address.
    ///
    /// ```
    /// # fn f(mut s: gort_reactor::net::UnixStream) -> std::io::Result<()> {
    /// let (rd, _) = s.split();
    /// println!("{:?}", rd.peer_addr()?);
    /// # Ok(()) }
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.0.peer_addr()
    }

    /// The local address.
    ///
    /// ```
    /// # fn f(mut s: gort_reactor::net::UnixStream) -> std::io::Result<()> {
    /// let (rd, _) = s.split();
    /// println!("{:?}", rd.local_addr()?);
    /// # Ok(()) }
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.0.local_addr()
    }

    /// Waits until readable. See [`UnixStream::readable`].
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// ```
    /// # async fn f(mut s: gort_reactor::net::UnixStream) -> std::io::Result<()> {
    /// let (rd, _) = s.split();
    /// rd.readable().await?;
    /// # Ok(()) }
    /// ```
    pub async fn readable(&self) -> io::Result<()> {
        self.0.readable().await
    }

    /// Reads without waiting. See [`UnixStream::try_read`].
    ///
    /// ```
    /// # fn f(mut s: gort_reactor::net::UnixStream) {
    /// let (rd, _) = s.split();
    /// let _ = rd.try_read(&mut [0; 8]);
    /// # }
    /// ```
    pub fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.try_read(buf)
    }
}

impl WriteHalf<'_> {
    /// The remote address.
    ///
    /// ```
    /// # fn f(mut s: gort_reactor::net::UnixStream) -> std::io::Result<()> {
    /// let (_, wr) = s.split();
    /// println!("{:?}", wr.peer_addr()?);
    /// # Ok(()) }
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.0.peer_addr()
    }

    /// The local address.
    ///
    /// ```
    /// # fn f(mut s: gort_reactor::net::UnixStream) -> std::io::Result<()> {
    /// let (_, wr) = s.split();
    /// println!("{:?}", wr.local_addr()?);
    /// # Ok(()) }
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.0.local_addr()
    }

    /// Waits until writable. See [`UnixStream::writable`].
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// ```
    /// # async fn f(mut s: gort_reactor::net::UnixStream) -> std::io::Result<()> {
    /// let (_, wr) = s.split();
    /// wr.writable().await?;
    /// # Ok(()) }
    /// ```
    pub async fn writable(&self) -> io::Result<()> {
        self.0.writable().await
    }

    /// Writes without waiting. See [`UnixStream::try_write`].
    ///
    /// ```
    /// # fn f(mut s: gort_reactor::net::UnixStream) {
    /// let (_, wr) = s.split();
    /// let _ = wr.try_write(b"x");
    /// # }
    /// ```
    pub fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        self.0.try_write(buf)
    }
}

impl AsyncRead for ReadHalf<'_> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.0.poll_read_priv(cx, buf)
    }
}

impl AsyncWrite for WriteHalf<'_> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.0.poll_write_priv(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.0.poll_write_vectored_priv(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(self.0.shutdown_std(Shutdown::Write))
    }
}

crate::net::futures_io_for_borrowed_halves!(ReadHalf, WriteHalf);

impl AsRef<UnixStream> for ReadHalf<'_> {
    fn as_ref(&self) -> &UnixStream {
        self.0
    }
}

impl AsRef<UnixStream> for WriteHalf<'_> {
    fn as_ref(&self) -> &UnixStream {
        self.0
    }
}
