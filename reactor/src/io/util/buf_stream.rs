//! [`BufStream`]: a read buffer and a write buffer around one stream.

use super::buf_reader::BufReader;
use super::buf_writer::BufWriter;
use crate::io::{AsyncBufRead, AsyncRead, AsyncWrite, ReadBuf};
use pin_project_lite::pin_project;
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::task::{Context, Poll};

pin_project! {
    /// Buffers both directions of a stream: a [`BufReader`] over a [`BufWriter`].
    ///
    /// As with [`BufWriter`], flush before dropping it, or buffered writes are lost.
    ///
    /// ```
    /// use gort_reactor::io::{AsyncBufReadExt, AsyncWriteExt, BufStream};
    /// futures::executor::block_on(async {
    ///     let (client, mut server) = gort_reactor::io::duplex(64);
    ///     let mut client = BufStream::new(client);
    ///     client.write_all(b"ping\n").await.unwrap();
    ///     client.flush().await.unwrap();
    ///     server.write_all(b"pong\n").await.unwrap();
    ///     let mut line = String::new();
    ///     client.read_line(&mut line).await.unwrap();
    ///     assert_eq!(line, "pong\n");
    /// });
    /// ```
    #[derive(Debug)]
    pub struct BufStream<RW> {
        #[pin]
        inner: BufReader<BufWriter<RW>>,
    }
}

impl<RW: AsyncRead + AsyncWrite> BufStream<RW> {
    /// Wraps `stream` with 8 KiB buffers each way.
    ///
    /// ```
    /// let s = gort_reactor::io::BufStream::new(gort_reactor::io::duplex(8).0);
    /// let _ = s.get_ref();
    /// ```
    pub fn new(stream: RW) -> Self {
        BufStream {
            inner: BufReader::new(BufWriter::new(stream)),
        }
    }

    /// Wraps `stream` with a read buffer of `reader_capacity` and a write buffer of
    /// `writer_capacity` bytes.
    ///
    /// ```
    /// let s = gort_reactor::io::BufStream::with_capacity(16, 32, gort_reactor::io::duplex(8).0);
    /// let _ = s.into_inner();
    /// ```
    #[track_caller]
    pub fn with_capacity(reader_capacity: usize, writer_capacity: usize, stream: RW) -> Self {
        BufStream {
            inner: BufReader::with_capacity(
                reader_capacity,
                BufWriter::with_capacity(writer_capacity, stream),
            ),
        }
    }
}

impl<RW> BufStream<RW> {
    /// Returns a shared reference to the stream.
    ///
    /// ```
    /// use gort_reactor::io::{duplex, BufStream};
    /// let s = BufStream::new(duplex(8).0);
    /// let _stream: &gort_reactor::io::DuplexStream = s.get_ref();
    /// ```
    pub fn get_ref(&self) -> &RW {
        self.inner.get_ref().get_ref()
    }

    /// Returns a mutable reference to the stream.
    ///
    /// ```
    /// use gort_reactor::io::{duplex, BufStream};
    /// let mut s = BufStream::new(duplex(8).0);
    /// let _stream: &mut gort_reactor::io::DuplexStream = s.get_mut();
    /// ```
    pub fn get_mut(&mut self) -> &mut RW {
        self.inner.get_mut().get_mut()
    }

    /// Returns a pinned mutable reference to the stream.
    ///
    /// ```
    /// use gort_reactor::io::{duplex, BufStream};
    /// let mut s = std::pin::pin!(BufStream::new(duplex(8).0));
    /// let _stream = s.as_mut().get_pin_mut();
    /// ```
    pub fn get_pin_mut(self: Pin<&mut Self>) -> Pin<&mut RW> {
        self.project().inner.get_pin_mut().get_pin_mut()
    }

    /// Returns the stream; buffered data in either direction is lost.
    ///
    /// ```
    /// use gort_reactor::io::{duplex, BufStream};
    /// let s = BufStream::new(duplex(8).0);
    /// let _stream: gort_reactor::io::DuplexStream = s.into_inner();
    /// ```
    pub fn into_inner(self) -> RW {
        self.inner.into_inner().into_inner()
    }
}

impl<RW: AsyncRead + AsyncWrite> AsyncRead for BufStream<RW> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.project().inner.poll_read(cx, buf)
    }
}

impl<RW: AsyncRead + AsyncWrite> AsyncBufRead for BufStream<RW> {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        self.project().inner.poll_fill_buf(cx)
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        self.project().inner.consume(amt)
    }
}

impl<RW: AsyncRead + AsyncWrite> AsyncWrite for BufStream<RW> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.project().inner.poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.project().inner.poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.project().inner.poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.project().inner.poll_shutdown(cx)
    }
}

crate::io::impl_futures_io_read!(generic [RW: AsyncRead + AsyncWrite] BufStream<RW>);
crate::io::impl_futures_io_buf_read!(generic [RW: AsyncRead + AsyncWrite] BufStream<RW>);
crate::io::impl_futures_io_write!(generic [RW: AsyncRead + AsyncWrite] BufStream<RW>);
