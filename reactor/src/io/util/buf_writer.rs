//! [`BufWriter`]: adds a write buffer to any [`AsyncWrite`].

use super::buf_reader::DEFAULT_BUF_SIZE;
use crate::io::{AsyncBufRead, AsyncRead, AsyncSeek, AsyncWrite, ReadBuf};
use pin_project_lite::pin_project;
use std::io::{self, IoSlice, SeekFrom};
use std::pin::Pin;
use std::task::{ready, Context, Poll};

pin_project! {
    /// Buffers writes to an [`AsyncWrite`], turning many small writes into few large ones.
    ///
    /// Data reaches the inner writer when the buffer is full, on
    /// [`flush`](crate::io::AsyncWriteExt::flush) and on
    /// [`shutdown`](crate::io::AsyncWriteExt::shutdown). **Buffered data is lost if the
    /// `BufWriter` is dropped without a flush** (as tokio's; there is no async drop). Writes at
    /// least as large as the buffer bypass it. Reads pass through to the inner object.
    ///
    /// ```
    /// use gort_reactor::io::{AsyncWriteExt, BufWriter};
    /// futures::executor::block_on(async {
    ///     let mut w = BufWriter::with_capacity(4, Vec::new());
    ///     w.write_all(b"ab").await.unwrap();
    ///     assert_eq!(w.buffer(), b"ab");
    ///     w.write_all(b"cde").await.unwrap(); // does not fit: the buffer is written out first
    ///     assert_eq!(w.get_ref(), b"ab");
    ///     w.shutdown().await.unwrap();
    ///     assert_eq!(w.into_inner(), b"abcde");
    /// });
    /// ```
    #[derive(Debug)]
    pub struct BufWriter<W> {
        #[pin]
        inner: W,
        buf: Vec<u8>,
        written: usize,
    }
}

impl<W: AsyncWrite> BufWriter<W> {
    /// Creates a `BufWriter` with an 8 KiB buffer.
    ///
    /// ```
    /// let w = gort_reactor::io::BufWriter::new(Vec::<u8>::new());
    /// assert!(w.buffer().is_empty());
    /// ```
    pub fn new(inner: W) -> Self {
        Self::with_capacity(DEFAULT_BUF_SIZE, inner)
    }

    /// Creates a `BufWriter` with a buffer of `capacity` bytes.
    ///
    /// ```
    /// let w = gort_reactor::io::BufWriter::with_capacity(64, Vec::<u8>::new());
    /// assert!(w.buffer().is_empty());
    /// ```
    pub fn with_capacity(capacity: usize, inner: W) -> Self {
        BufWriter {
            inner,
            buf: Vec::with_capacity(capacity),
            written: 0,
        }
    }

    /// Writes the whole buffer to the inner writer (without flushing the inner writer).
    #[inline(never)]
    fn flush_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let mut this = self.project();
        while *this.written < this.buf.len() {
            match ready!(this
                .inner
                .as_mut()
                .poll_write(cx, &this.buf[*this.written..]))
            {
                Ok(0) => {
                    return Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::WriteZero,
                        "failed to write the buffered data: the writer accepted 0 bytes",
                    )))
                }
                Ok(n) => *this.written += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
        this.buf.clear();
        *this.written = 0;
        Poll::Ready(Ok(()))
    }
}

impl<W> BufWriter<W> {
    /// Returns a shared reference to the inner writer.
    ///
    /// ```
    /// use gort_reactor::io::BufWriter;
    /// let w = BufWriter::new(vec![1u8]);
    /// assert_eq!(w.get_ref(), &[1]);
    /// ```
    pub fn get_ref(&self) -> &W {
        &self.inner
    }

    /// Returns a mutable reference to the inner writer. Writing to it directly may reorder
    /// data with what is still buffered.
    ///
    /// ```
    /// use gort_reactor::io::BufWriter;
    /// let mut w = BufWriter::new(Vec::<u8>::new());
    /// w.get_mut().push(2);
    /// assert_eq!(w.get_ref(), &[2]);
    /// ```
    pub fn get_mut(&mut self) -> &mut W {
        &mut self.inner
    }

    /// Returns a pinned mutable reference to the inner writer.
    ///
    /// ```
    /// use gort_reactor::io::BufWriter;
    /// let mut w = std::pin::pin!(BufWriter::new(Vec::<u8>::new()));
    /// assert!(w.as_mut().get_pin_mut().is_empty());
    /// ```
    pub fn get_pin_mut(self: Pin<&mut Self>) -> Pin<&mut W> {
        self.project().inner
    }

    /// Returns the inner writer. **Unflushed data is lost**: flush first.
    ///
    /// ```
    /// use gort_reactor::io::{AsyncWriteExt, BufWriter};
    /// futures::executor::block_on(async {
    ///     let mut w = BufWriter::new(Vec::new());
    ///     w.write_all(b"x").await.unwrap();
    ///     w.flush().await.unwrap(); // without this, "x" would be lost
    ///     assert_eq!(w.into_inner(), b"x");
    /// });
    /// ```
    pub fn into_inner(self) -> W {
        self.inner
    }

    /// Returns the buffered bytes not yet written to the inner writer.
    ///
    /// ```
    /// use gort_reactor::io::{AsyncWriteExt, BufWriter};
    /// futures::executor::block_on(async {
    ///     let mut w = BufWriter::new(Vec::new());
    ///     w.write_all(b"pending").await.unwrap();
    ///     assert_eq!(w.buffer(), b"pending");
    /// });
    /// ```
    pub fn buffer(&self) -> &[u8] {
        &self.buf[self.written..]
    }
}

impl<W: AsyncWrite> AsyncWrite for BufWriter<W> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        // Fast path: a small write that fits.
        let this = self.as_mut().project();
        if this.buf.len() + buf.len() <= this.buf.capacity() && buf.len() < this.buf.capacity() {
            this.buf.extend_from_slice(buf);
            return Poll::Ready(Ok(buf.len()));
        }
        if self.buf.len() + buf.len() > self.buf.capacity() {
            ready!(self.as_mut().flush_buf(cx))?;
        }
        let this = self.project();
        if buf.len() >= this.buf.capacity() {
            this.inner.poll_write(cx, buf)
        } else {
            this.buf.extend_from_slice(buf);
            Poll::Ready(Ok(buf.len()))
        }
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let total = bufs
            .iter()
            .fold(0usize, |sum, b| sum.saturating_add(b.len()));
        if self.buf.len() + total > self.buf.capacity() {
            ready!(self.as_mut().flush_buf(cx))?;
        }
        let this = self.project();
        if total >= this.buf.capacity() {
            if this.inner.is_write_vectored() {
                return this.inner.poll_write_vectored(cx, bufs);
            }
            // Too big to buffer and the writer gathers no better than we do: write the first
            // non-empty slice directly.
            let first = bufs
                .iter()
                .find(|b| !b.is_empty())
                .map_or(&[][..], |b| &**b);
            if first.len() >= this.buf.capacity() {
                return this.inner.poll_write(cx, first);
            }
        }
        // Buffer as many whole slices as fit (at least some bytes, since the buffer is empty
        // or the total fits).
        let mut n = 0;
        for b in bufs {
            let room = this.buf.capacity() - this.buf.len();
            if room == 0 {
                break;
            }
            let take = b.len().min(room);
            this.buf.extend_from_slice(&b[..take]);
            n += take;
            if take < b.len() {
                break;
            }
        }
        Poll::Ready(Ok(n))
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.as_mut().flush_buf(cx))?;
        self.get_pin_mut().poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.as_mut().flush_buf(cx))?;
        self.get_pin_mut().poll_shutdown(cx)
    }
}

impl<W: AsyncWrite + AsyncSeek> AsyncSeek for BufWriter<W> {
    /// Seeking first writes out the buffer, so call it through
    /// [`AsyncSeekExt::seek`](crate::io::AsyncSeekExt::seek), which completes a pending flush.
    fn start_seek(self: Pin<&mut Self>, position: SeekFrom) -> io::Result<()> {
        if !self.buffer().is_empty() {
            return Err(io::Error::other(
                "BufWriter: flush before seeking (start_seek found unwritten buffered data)",
            ));
        }
        self.get_pin_mut().start_seek(position)
    }

    fn poll_complete(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
        ready!(self.as_mut().flush_buf(cx))?;
        self.get_pin_mut().poll_complete(cx)
    }
}

impl<W: AsyncWrite + AsyncRead> AsyncRead for BufWriter<W> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.get_pin_mut().poll_read(cx, buf)
    }
}

impl<W: AsyncWrite + AsyncBufRead> AsyncBufRead for BufWriter<W> {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        self.get_pin_mut().poll_fill_buf(cx)
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        self.get_pin_mut().consume(amt)
    }
}

crate::io::impl_futures_io_write!(generic [W: AsyncWrite] BufWriter<W>);
crate::io::impl_futures_io_read!(generic [W: AsyncWrite + AsyncRead] BufWriter<W>);
