//! The bridge to the `futures` ecosystem: [`Compat`] converts between gort's io traits (tokio's
//! shape, `poll_read` into a [`ReadBuf`]) and `futures_io`'s (`poll_read` into `&mut [u8]`,
//! `poll_close`), in both directions, like tokio-util's `compat` module.
//!
//! gort's own I/O types (sockets, [`DuplexStream`](super::DuplexStream), the halves of
//! [`split`](super::split), [`BufReader`](super::BufReader), ...) implement both families of
//! traits directly, so they need no adapter; `Compat` is for third-party types.

use super::{AsyncBufRead, AsyncRead, AsyncSeek, AsyncWrite, ReadBuf};
use pin_project_lite::pin_project;
use std::io::{self, IoSlice, SeekFrom};
use std::pin::Pin;
use std::task::{ready, Context, Poll};

pin_project! {
    /// Adapts an I/O object from one trait family to the other.
    ///
    /// - if `T` implements `futures_io::{AsyncRead, AsyncWrite, AsyncBufRead, AsyncSeek}`,
    ///   `Compat<T>` implements gort's (tokio-shaped) [`AsyncRead`], [`AsyncWrite`],
    ///   [`AsyncBufRead`], [`AsyncSeek`];
    /// - if `T` implements gort's traits, `Compat<T>` implements the `futures_io` ones
    ///   (`poll_close` calls `poll_shutdown`).
    ///
    /// ```
    /// use gort_reactor::io::compat::{Compat, CompatExt};
    /// use gort_reactor::io::AsyncReadExt;
    ///
    /// futures::executor::block_on(async {
    ///     // A futures-io reader used with gort's AsyncReadExt.
    ///     let futures_reader = futures::io::Cursor::new(b"hello".to_vec());
    ///     let mut reader = futures_reader.compat();
    ///     let mut s = String::new();
    ///     reader.read_to_string(&mut s).await.unwrap();
    ///     assert_eq!(s, "hello");
    ///
    ///     // A gort writer used with futures' AsyncWriteExt.
    ///     use futures::io::AsyncWriteExt as _;
    ///     let mut writer = Compat::new(Vec::<u8>::new());
    ///     writer.write_all(b"bye").await.unwrap();
    ///     assert_eq!(writer.into_inner(), b"bye");
    /// });
    /// ```
    #[derive(Debug)]
    pub struct Compat<T> {
        #[pin]
        inner: T,
        seek_pos: Option<SeekFrom>,
    }
}

impl<T> Compat<T> {
    /// Wraps `inner`.
    ///
    /// ```
    /// let c = gort_reactor::io::Compat::new(&b"x"[..]);
    /// assert_eq!(*c.get_ref(), b"x");
    /// ```
    pub fn new(inner: T) -> Self {
        Compat {
            inner,
            seek_pos: None,
        }
    }

    /// Returns a shared reference to the wrapped object.
    ///
    /// ```
    /// let c = gort_reactor::io::Compat::new(5);
    /// assert_eq!(*c.get_ref(), 5);
    /// ```
    pub fn get_ref(&self) -> &T {
        &self.inner
    }

    /// Returns a mutable reference to the wrapped object.
    ///
    /// ```
    /// let mut c = gort_reactor::io::Compat::new(5);
    /// *c.get_mut() += 1;
    /// assert_eq!(c.into_inner(), 6);
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        &mut self.inner
    }

    /// Returns the wrapped object.
    ///
    /// ```
    /// assert_eq!(gort_reactor::io::Compat::new(7).into_inner(), 7);
    /// ```
    pub fn into_inner(self) -> T {
        self.inner
    }
}

/// Adds `.compat()` to every value: wraps it in [`Compat`], converting between gort's and
/// `futures_io`'s io traits in whichever direction the value supports.
///
/// ```
/// use gort_reactor::io::{compat::CompatExt, AsyncWriteExt};
///
/// futures::executor::block_on(async {
///     let mut w = futures::io::Cursor::new(Vec::new()).compat();
///     w.write_all(b"abc").await.unwrap();
///     assert_eq!(w.into_inner().into_inner(), b"abc");
/// });
/// ```
pub trait CompatExt: Sized {
    /// Wraps `self` in [`Compat`].
    fn compat(self) -> Compat<Self> {
        Compat::new(self)
    }
}

impl<T> CompatExt for T {}

// ---- futures_io -> gort ----------------------------------------------------------------------

impl<T: futures_io::AsyncRead> AsyncRead for Compat<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        // futures_io needs an initialized slice; ReadBuf zeroes each byte at most once.
        let slice = buf.initialize_unfilled();
        let n = ready!(self.project().inner.poll_read(cx, slice))?;
        buf.advance(n);
        Poll::Ready(Ok(()))
    }
}

impl<T: futures_io::AsyncBufRead + futures_io::AsyncRead> AsyncBufRead for Compat<T> {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        self.project().inner.poll_fill_buf(cx)
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        futures_io::AsyncBufRead::consume(self.project().inner, amt)
    }
}

impl<T: futures_io::AsyncWrite> AsyncWrite for Compat<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        futures_io::AsyncWrite::poll_write(self.project().inner, cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        futures_io::AsyncWrite::poll_write_vectored(self.project().inner, cx, bufs)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        futures_io::AsyncWrite::poll_flush(self.project().inner, cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        futures_io::AsyncWrite::poll_close(self.project().inner, cx)
    }
}

impl<T: futures_io::AsyncSeek> AsyncSeek for Compat<T> {
    fn start_seek(self: Pin<&mut Self>, position: SeekFrom) -> io::Result<()> {
        *self.project().seek_pos = Some(position);
        Ok(())
    }

    fn poll_complete(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
        let this = self.project();
        let pos = this.seek_pos.unwrap_or(SeekFrom::Current(0));
        let result = ready!(this.inner.poll_seek(cx, pos));
        *this.seek_pos = None;
        Poll::Ready(result)
    }
}

// ---- gort -> futures_io ----------------------------------------------------------------------

impl<T: AsyncRead> futures_io::AsyncRead for Compat<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        poll_read_slice(self.project().inner, cx, buf)
    }
}

impl<T: AsyncBufRead> futures_io::AsyncBufRead for Compat<T> {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        AsyncBufRead::poll_fill_buf(self.project().inner, cx)
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        AsyncBufRead::consume(self.project().inner, amt)
    }
}

impl<T: AsyncWrite> futures_io::AsyncWrite for Compat<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        AsyncWrite::poll_write(self.project().inner, cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        AsyncWrite::poll_write_vectored(self.project().inner, cx, bufs)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        AsyncWrite::poll_flush(self.project().inner, cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        AsyncWrite::poll_shutdown(self.project().inner, cx)
    }
}

impl<T: AsyncSeek> futures_io::AsyncSeek for Compat<T> {
    fn poll_seek(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        pos: SeekFrom,
    ) -> Poll<io::Result<u64>> {
        let mut this = self.project();
        // futures' poll_seek is one call that may return Pending: start the seek only once.
        if *this.seek_pos != Some(pos) {
            this.inner.as_mut().start_seek(pos)?;
            *this.seek_pos = Some(pos);
        }
        let result = ready!(this.inner.poll_complete(cx));
        *this.seek_pos = None;
        Poll::Ready(result)
    }
}

// ---- helpers for types that implement both families directly ---------------------------------

/// `futures_io::AsyncRead::poll_read` in terms of gort's [`AsyncRead::poll_read`].
///
/// gort's I/O types implement `futures_io::AsyncRead` with this (through
/// `impl_futures_io_read!`), so the futures ecosystem works with them unwrapped.
pub(crate) fn poll_read_slice<R: AsyncRead + ?Sized>(
    reader: Pin<&mut R>,
    cx: &mut Context<'_>,
    buf: &mut [u8],
) -> Poll<io::Result<usize>> {
    let mut read_buf = ReadBuf::new(buf);
    ready!(reader.poll_read(cx, &mut read_buf))?;
    Poll::Ready(Ok(read_buf.filled().len()))
}

/// Implements `futures_io::AsyncRead` for a type that implements gort's [`AsyncRead`].
///
/// Usage inside gort-reactor: `crate::io::impl_futures_io_read!(TcpStream);`, for types with
/// lifetime parameters `crate::io::impl_futures_io_read!(<'a> ReadHalf<'a>);`, and for generic
/// types `crate::io::impl_futures_io_read!(generic [R: AsyncRead] BufReader<R>);`.
#[allow(unused_macros)] // used by the net types
macro_rules! impl_futures_io_read {
    (generic [$($g:tt)*] $ty:ty) => {
        impl<$($g)*> ::futures_io::AsyncRead for $ty {
            fn poll_read(
                self: ::std::pin::Pin<&mut Self>,
                cx: &mut ::std::task::Context<'_>,
                buf: &mut [u8],
            ) -> ::std::task::Poll<::std::io::Result<usize>> {
                $crate::io::compat::poll_read_slice(self, cx, buf)
            }
        }
    };
    ($(<$($lt:lifetime),+>)? $ty:ty) => {
        $crate::io::impl_futures_io_read!(generic [$($($lt),+)?] $ty);
    };
}
pub(crate) use impl_futures_io_read;

/// Implements `futures_io::AsyncBufRead` for a type that implements gort's [`AsyncBufRead`]
/// (same forms as `impl_futures_io_read!`).
#[allow(unused_macros)] // used by the net types
macro_rules! impl_futures_io_buf_read {
    (generic [$($g:tt)*] $ty:ty) => {
        impl<$($g)*> ::futures_io::AsyncBufRead for $ty {
            fn poll_fill_buf(
                self: ::std::pin::Pin<&mut Self>,
                cx: &mut ::std::task::Context<'_>,
            ) -> ::std::task::Poll<::std::io::Result<&[u8]>> {
                $crate::io::AsyncBufRead::poll_fill_buf(self, cx)
            }

            fn consume(self: ::std::pin::Pin<&mut Self>, amt: usize) {
                $crate::io::AsyncBufRead::consume(self, amt)
            }
        }
    };
    ($(<$($lt:lifetime),+>)? $ty:ty) => {
        $crate::io::impl_futures_io_buf_read!(generic [$($($lt),+)?] $ty);
    };
}
pub(crate) use impl_futures_io_buf_read;

/// Implements `futures_io::AsyncWrite` for a type that implements gort's [`AsyncWrite`]
/// (`poll_close` is `poll_shutdown`); same forms as `impl_futures_io_read!`:
/// `crate::io::impl_futures_io_write!(TcpStream);`,
/// `crate::io::impl_futures_io_write!(<'a> WriteHalf<'a>);`.
#[allow(unused_macros)] // used by the net types
macro_rules! impl_futures_io_write {
    (generic [$($g:tt)*] $ty:ty) => {
        impl<$($g)*> ::futures_io::AsyncWrite for $ty {
            fn poll_write(
                self: ::std::pin::Pin<&mut Self>,
                cx: &mut ::std::task::Context<'_>,
                buf: &[u8],
            ) -> ::std::task::Poll<::std::io::Result<usize>> {
                $crate::io::AsyncWrite::poll_write(self, cx, buf)
            }

            fn poll_write_vectored(
                self: ::std::pin::Pin<&mut Self>,
                cx: &mut ::std::task::Context<'_>,
                bufs: &[::std::io::IoSlice<'_>],
            ) -> ::std::task::Poll<::std::io::Result<usize>> {
                $crate::io::AsyncWrite::poll_write_vectored(self, cx, bufs)
            }

            fn poll_flush(
                self: ::std::pin::Pin<&mut Self>,
                cx: &mut ::std::task::Context<'_>,
            ) -> ::std::task::Poll<::std::io::Result<()>> {
                $crate::io::AsyncWrite::poll_flush(self, cx)
            }

            fn poll_close(
                self: ::std::pin::Pin<&mut Self>,
                cx: &mut ::std::task::Context<'_>,
            ) -> ::std::task::Poll<::std::io::Result<()>> {
                $crate::io::AsyncWrite::poll_shutdown(self, cx)
            }
        }
    };
    ($(<$($lt:lifetime),+>)? $ty:ty) => {
        $crate::io::impl_futures_io_write!(generic [$($($lt),+)?] $ty);
    };
}
pub(crate) use impl_futures_io_write;
