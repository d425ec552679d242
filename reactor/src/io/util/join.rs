//! [`join`]: one reader and one writer seen as a single stream.

use crate::io::{AsyncBufRead, AsyncRead, AsyncWrite, ReadBuf};
use pin_project_lite::pin_project;
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::task::{Context, Poll};

pin_project! {
    /// A reader and a writer joined into one `AsyncRead + AsyncWrite`; see [`join`].
    #[derive(Debug)]
    ///
    /// ```
    /// let j: gort_reactor::io::Join<&[u8], Vec<u8>> = gort_reactor::io::join(&b""[..], Vec::new());
    /// let _ = j.into_inner();
    /// ```
    pub struct Join<R, W> {
        #[pin]
        reader: R,
        #[pin]
        writer: W,
    }
}

/// Joins a reader and a writer into one stream (the inverse of [`split`](crate::io::split)).
///
/// ```
/// use gort_reactor::io::{join, AsyncReadExt, AsyncWriteExt};
/// futures::executor::block_on(async {
///     let mut both = join(&b"in"[..], Vec::new());
///     let mut s = String::new();
///     both.read_to_string(&mut s).await.unwrap();
///     both.write_all(b"out").await.unwrap();
///     let (_, written) = both.into_inner();
///     assert_eq!((s.as_str(), &written[..]), ("in", &b"out"[..]));
/// });
/// ```
pub fn join<R, W>(reader: R, writer: W) -> Join<R, W>
where
    R: AsyncRead,
    W: AsyncWrite,
{
    Join { reader, writer }
}

impl<R, W> Join<R, W> {
    /// Returns the reader and the writer.
    ///
    /// ```
    /// use gort_reactor::io::join;
    /// let j = join(&b"r"[..], Vec::<u8>::new());
    /// let (r, w) = j.into_inner();
    /// assert_eq!((r, w.len()), (&b"r"[..], 0));
    /// ```
    pub fn into_inner(self) -> (R, W) {
        (self.reader, self.writer)
    }

    /// Returns a shared reference to the reader.
    ///
    /// ```
    /// use gort_reactor::io::join;
    /// let j = join(&b"r"[..], Vec::<u8>::new());
    /// assert_eq!(*j.reader(), b"r");
    /// ```
    pub fn reader(&self) -> &R {
        &self.reader
    }

    /// Returns a shared reference to the writer.
    ///
    /// ```
    /// use gort_reactor::io::join;
    /// let j = join(&b"r"[..], vec![1u8]);
    /// assert_eq!(j.writer(), &[1]);
    /// ```
    pub fn writer(&self) -> &W {
        &self.writer
    }

    /// Returns a mutable reference to the reader.
    ///
    /// ```
    /// use gort_reactor::io::join;
    /// let mut j = join(&b"r"[..], Vec::<u8>::new());
    /// *j.reader_mut() = &b"s"[..];
    /// assert_eq!(*j.reader(), b"s");
    /// ```
    pub fn reader_mut(&mut self) -> &mut R {
        &mut self.reader
    }

    /// Returns a mutable reference to the writer.
    ///
    /// ```
    /// use gort_reactor::io::join;
    /// let mut j = join(&b"r"[..], Vec::<u8>::new());
    /// j.writer_mut().push(9);
    /// assert_eq!(j.writer(), &[9]);
    /// ```
    pub fn writer_mut(&mut self) -> &mut W {
        &mut self.writer
    }

    /// Returns a pinned mutable reference to the reader.
    ///
    /// ```
    /// use gort_reactor::io::join;
    /// let mut j = std::pin::pin!(join(&b"r"[..], Vec::<u8>::new()));
    /// assert_eq!(*j.as_mut().reader_pin_mut(), b"r");
    /// ```
    pub fn reader_pin_mut(self: Pin<&mut Self>) -> Pin<&mut R> {
        self.project().reader
    }

    /// Returns a pinned mutable reference to the writer.
    ///
    /// ```
    /// use gort_reactor::io::join;
    /// let mut j = std::pin::pin!(join(&b"r"[..], Vec::<u8>::new()));
    /// assert!(j.as_mut().writer_pin_mut().is_empty());
    /// ```
    pub fn writer_pin_mut(self: Pin<&mut Self>) -> Pin<&mut W> {
        self.project().writer
    }
}

impl<R: AsyncRead, W> AsyncRead for Join<R, W> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.project().reader.poll_read(cx, buf)
    }
}

impl<R: AsyncBufRead, W> AsyncBufRead for Join<R, W> {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        self.project().reader.poll_fill_buf(cx)
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        self.project().reader.consume(amt)
    }
}

impl<R, W: AsyncWrite> AsyncWrite for Join<R, W> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.project().writer.poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.project().writer.poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.writer.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.project().writer.poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.project().writer.poll_shutdown(cx)
    }
}

crate::io::impl_futures_io_read!(generic [R: AsyncRead, W] Join<R, W>);
crate::io::impl_futures_io_buf_read!(generic [R: AsyncBufRead, W] Join<R, W>);
crate::io::impl_futures_io_write!(generic [R, W: AsyncWrite] Join<R, W>);
