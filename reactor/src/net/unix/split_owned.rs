//! [`OwnedReadHalf`] and [`OwnedWriteHalf`]: a `UnixStream` split into two halves sharing it
//! through an `Arc`, so each can move to its own task.

use super::SocketAddr;
use super::UnixStream;
use crate::io::{AsyncRead, AsyncWrite, ReadBuf};
use std::error::Error;
use std::fmt;
use std::io::{self, IoSlice};
use std::net::Shutdown;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

/// The read half of [`UnixStream::into_split`].
///
/// ```
/// use gort_reactor::io::AsyncReadExt;
/// # async fn f(s: gort_reactor::net::UnixStream) -> std::io::Result<()> {
/// let (mut rd, _wr) = s.into_split();
/// let mut line = String::new();
/// rd.read_to_string(&mut line).await?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct OwnedReadHalf {
    inner: Arc<UnixStream>,
}

/// The write half of [`UnixStream::into_split`]. Dropping it (or `shutdown`) closes the write
/// direction; the peer then reads EOF.
///
/// ```
/// use gort_reactor::io::AsyncWriteExt;
/// # async fn f(s: gort_reactor::net::UnixStream) -> std::io::Result<()> {
/// let (_rd, mut wr) = s.into_split();
/// wr.write_all(b"bye").await?;
/// drop(wr); // the peer sees EOF
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct OwnedWriteHalf {
    inner: Arc<UnixStream>,
    shutdown_on_drop: bool,
}

/// The two halves given to [`OwnedReadHalf::reunite`] came from different streams; they are
/// handed back.
///
/// ```
/// # fn f(a: gort_reactor::net::UnixStream, b: gort_reactor::net::UnixStream) {
/// let (ra, _wa) = a.into_split();
/// let (_rb, wb) = b.into_split();
/// let err = ra.reunite(wb).unwrap_err();
/// let (_ra, _wb) = (err.0, err.1);
/// # }
/// ```
#[derive(Debug)]
pub struct ReuniteError(pub OwnedReadHalf, pub OwnedWriteHalf);

impl fmt::Display for ReuniteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("tried to reunite halves that are not from the same socket")
    }
}

impl Error for ReuniteError {}

pub(crate) fn split_owned(stream: UnixStream) -> (OwnedReadHalf, OwnedWriteHalf) {
    let inner = Arc::new(stream);
    (
        OwnedReadHalf {
            inner: inner.clone(),
        },
        OwnedWriteHalf {
            inner,
            shutdown_on_drop: true,
        },
    )
}

impl OwnedReadHalf {
    /// Puts the halves back together, or returns them if they came from different streams.
    ///
    /// ```
    /// # fn f(s: gort_reactor::net::UnixStream) {
    /// let (rd, wr) = s.into_split();
    /// let _stream = rd.reunite(wr).expect("same stream");
    /// # }
    /// ```
    pub fn reunite(self, other: OwnedWriteHalf) -> Result<UnixStream, ReuniteError> {
        if Arc::ptr_eq(&self.inner, &other.inner) {
            let mut other = other;
            other.shutdown_on_drop = false;
            let inner = other.inner.clone();
            drop(other);
            drop(self);
            Ok(Arc::try_unwrap(inner).expect("UnixStream: the two halves were the only owners"))
        } else {
            Err(ReuniteError(self, other))
        }
    }

    /// The remote address.
    ///
    /// ```
    /// # fn f(s: gort_reactor::net::UnixStream) -> std::io::Result<()> {
    /// let (rd, _) = s.into_split();
    /// println!("{:?}", rd.peer_addr()?);
    /// # Ok(()) }
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.inner.peer_addr()
    }

    /// The local address.
    ///
    /// ```
    /// # fn f(s: gort_reactor::net::UnixStream) -> std::io::Result<()> {
    /// let (rd, _) = s.into_split();
    /// println!("{:?}", rd.local_addr()?);
    /// # Ok(()) }
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.local_addr()
    }

    /// Waits until readable. See [`UnixStream::readable`].
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// ```
    /// # async fn f(s: gort_reactor::net::UnixStream) -> std::io::Result<()> {
    /// let (rd, _) = s.into_split();
    /// rd.readable().await?;
    /// # Ok(()) }
    /// ```
    pub async fn readable(&self) -> io::Result<()> {
        self.inner.readable().await
    }

    /// Reads without waiting. See [`UnixStream::try_read`].
    ///
    /// ```
    /// # fn f(s: gort_reactor::net::UnixStream) {
    /// let (rd, _) = s.into_split();
    /// let _ = rd.try_read(&mut [0; 4]);
    /// # }
    /// ```
    pub fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.try_read(buf)
    }
}

impl OwnedWriteHalf {
    /// Puts the halves back together. See [`OwnedReadHalf::reunite`].
    ///
    /// ```
    /// # fn f(s: gort_reactor::net::UnixStream) {
    /// let (rd, wr) = s.into_split();
    /// let _stream = wr.reunite(rd).unwrap();
    /// # }
    /// ```
    pub fn reunite(self, other: OwnedReadHalf) -> Result<UnixStream, ReuniteError> {
        other.reunite(self)
    }

    /// Drops the half without shutting down the write direction.
    ///
    /// ```
    /// # fn f(s: gort_reactor::net::UnixStream) {
    /// let (_rd, wr) = s.into_split();
    /// wr.forget();
    /// # }
    /// ```
    pub fn forget(mut self) {
        self.shutdown_on_drop = false;
    }

    /// The remote address.
    ///
    /// ```
    /// # fn f(s: gort_reactor::net::UnixStream) -> std::io::Result<()> {
    /// let (_, wr) = s.into_split();
    /// println!("{:?}", wr.peer_addr()?);
    /// # Ok(()) }
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.inner.peer_addr()
    }

    /// The local address.
    ///
    /// ```
    /// # fn f(s: gort_reactor::net::UnixStream) -> std::io::Result<()> {
    /// let (_, wr) = s.into_split();
    /// println!("{:?}", wr.local_addr()?);
    /// # Ok(()) }
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.local_addr()
    }

    /// Waits until writable. See [`UnixStream::writable`].
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// ```
    /// # async fn f(s: gort_reactor::net::UnixStream) -> std::io::Result<()> {
    /// let (_, wr) = s.into_split();
    /// wr.writable().await?;
    /// # Ok(()) }
    /// ```
    pub async fn writable(&self) -> io::Result<()> {
        self.inner.writable().await
    }

    /// Writes without waiting. See [`UnixStream::try_write`].
    ///
    /// ```
    /// # fn f(s: gort_reactor::net::UnixStream) {
    /// let (_, wr) = s.into_split();
    /// let _ = wr.try_write(b"x");
    /// # }
    /// ```
    pub fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        self.inner.try_write(buf)
    }
}

impl Drop for OwnedWriteHalf {
    fn drop(&mut self) {
        if self.shutdown_on_drop {
            let _ = self.inner.shutdown_std(Shutdown::Write);
        }
    }
}

impl AsyncRead for OwnedReadHalf {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.inner.poll_read_priv(cx, buf)
    }
}

impl AsyncWrite for OwnedWriteHalf {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.inner.poll_write_priv(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.inner.poll_write_vectored_priv(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let result = self.inner.shutdown_std(Shutdown::Write);
        if result.is_ok() {
            self.get_mut().shutdown_on_drop = false;
        }
        Poll::Ready(result)
    }
}

crate::io::impl_futures_io_read!(OwnedReadHalf);
crate::io::impl_futures_io_write!(OwnedWriteHalf);

impl AsRef<UnixStream> for OwnedReadHalf {
    fn as_ref(&self) -> &UnixStream {
        &self.inner
    }
}

impl AsRef<UnixStream> for OwnedWriteHalf {
    fn as_ref(&self) -> &UnixStream {
        &self.inner
    }
}
