//! [`BufReader`]: adds a read buffer to any [`AsyncRead`].

use crate::io::{AsyncBufRead, AsyncRead, AsyncSeek, AsyncWrite, ReadBuf};
use pin_project_lite::pin_project;
use std::io::{self, IoSlice, SeekFrom};
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// Default buffer size of [`BufReader`] and [`BufWriter`](crate::io::BufWriter): 8 KiB, as
/// tokio's and std's.
pub(crate) const DEFAULT_BUF_SIZE: usize = 8 * 1024;

pin_project! {
    /// Buffers reads from an [`AsyncRead`], making small reads and line reads cheap, and
    /// implements [`AsyncBufRead`].
    ///
    /// Reads at least as large as the buffer bypass it when it is empty. Writes pass through
    /// to the inner object.
    ///
    /// ```
    /// use gort_reactor::io::{AsyncBufReadExt, BufReader};
    /// futures::executor::block_on(async {
    ///     let mut reader = BufReader::with_capacity(4, &b"hello\nworld\n"[..]);
    ///     let mut line = String::new();
    ///     reader.read_line(&mut line).await.unwrap();
    ///     assert_eq!(line, "hello\n");
    ///     assert_eq!(reader.buffer(), b"wo");
    /// });
    /// ```
    #[derive(Debug)]
    pub struct BufReader<R> {
        #[pin]
        inner: R,
        buf: Box<[u8]>,
        pos: usize,
        cap: usize,
        seek_state: SeekState,
    }
}

/// A relative seek whose offset minus the buffered bytes overflows `i64` is done as two seeks of
/// the inner reader: back over the buffered bytes, then by the offset.
#[derive(Debug, Clone, Copy)]
enum SeekState {
    /// No second seek pending.
    Single,
    /// The first seek was started; the second, by this offset, follows once it completes.
    Overflowed(i64),
}

impl<R: AsyncRead> BufReader<R> {
    /// Creates a `BufReader` with an 8 KiB buffer.
    ///
    /// ```
    /// let r = gort_reactor::io::BufReader::new(&b""[..]);
    /// assert!(r.buffer().is_empty());
    /// ```
    pub fn new(inner: R) -> Self {
        Self::with_capacity(DEFAULT_BUF_SIZE, inner)
    }

    /// Creates a `BufReader` with a buffer of `capacity` bytes.
    ///
    /// # Panics
    /// If `capacity` is 0 (a reader with no buffer could never fill it).
    ///
    /// ```
    /// let r = gort_reactor::io::BufReader::with_capacity(16, &b""[..]);
    /// assert!(r.buffer().is_empty());
    /// ```
    #[track_caller]
    pub fn with_capacity(capacity: usize, inner: R) -> Self {
        assert!(capacity > 0, "BufReader capacity must be greater than zero");
        BufReader {
            inner,
            buf: vec![0; capacity].into_boxed_slice(),
            pos: 0,
            cap: 0,
            seek_state: SeekState::Single,
        }
    }
}

impl<R> BufReader<R> {
    /// Returns a shared reference to the inner reader.
    ///
    /// ```
    /// use gort_reactor::io::BufReader;
    /// let r = BufReader::new(&b"abc"[..]);
    /// assert_eq!(*r.get_ref(), b"abc");
    /// ```
    pub fn get_ref(&self) -> &R {
        &self.inner
    }

    /// Returns a mutable reference to the inner reader. Reading from it directly skips the
    /// buffered bytes.
    ///
    /// ```
    /// use gort_reactor::io::BufReader;
    /// let mut r = BufReader::new(&b"abc"[..]);
    /// *r.get_mut() = &b"xyz"[..];
    /// assert_eq!(*r.get_ref(), b"xyz");
    /// ```
    pub fn get_mut(&mut self) -> &mut R {
        &mut self.inner
    }

    /// Returns a pinned mutable reference to the inner reader.
    ///
    /// ```
    /// use gort_reactor::io::BufReader;
    /// let mut r = std::pin::pin!(BufReader::new(&b"abc"[..]));
    /// assert_eq!(*r.as_mut().get_pin_mut(), b"abc");
    /// ```
    pub fn get_pin_mut(self: Pin<&mut Self>) -> Pin<&mut R> {
        self.project().inner
    }

    /// Returns the inner reader; buffered bytes are lost.
    ///
    /// ```
    /// use gort_reactor::io::BufReader;
    /// let r = BufReader::new(&b"abc"[..]);
    /// assert_eq!(r.into_inner(), b"abc");
    /// ```
    pub fn into_inner(self) -> R {
        self.inner
    }

    /// Returns the bytes buffered but not yet read.
    ///
    /// ```
    /// use gort_reactor::io::{AsyncBufReadExt, BufReader};
    /// futures::executor::block_on(async {
    ///     let mut r = BufReader::new(&b"abc"[..]);
    ///     r.fill_buf().await.unwrap();
    ///     r.consume(1);
    ///     assert_eq!(r.buffer(), b"bc");
    /// });
    /// ```
    pub fn buffer(&self) -> &[u8] {
        &self.buf[self.pos..self.cap]
    }

    fn discard_buffer(self: Pin<&mut Self>) {
        let this = self.project();
        *this.pos = 0;
        *this.cap = 0;
    }
}

impl<R: AsyncRead> AsyncRead for BufReader<R> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        // Nothing buffered and a big read: skip the copy.
        if self.pos == self.cap && buf.remaining() >= self.buf.len() {
            let result = ready!(self.as_mut().get_pin_mut().poll_read(cx, buf));
            self.discard_buffer();
            return Poll::Ready(result);
        }
        let available = ready!(self.as_mut().poll_fill_buf(cx))?;
        let n = available.len().min(buf.remaining());
        buf.put_slice(&available[..n]);
        self.consume(n);
        Poll::Ready(Ok(()))
    }
}

impl<R: AsyncRead> AsyncBufRead for BufReader<R> {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        let this = self.project();
        if *this.pos >= *this.cap {
            let mut buf = ReadBuf::new(this.buf);
            ready!(this.inner.poll_read(cx, &mut buf))?;
            *this.cap = buf.filled().len();
            *this.pos = 0;
        }
        Poll::Ready(Ok(&this.buf[*this.pos..*this.cap]))
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        let this = self.project();
        *this.pos = (*this.pos + amt).min(*this.cap);
    }
}

impl<R: AsyncRead + AsyncSeek> AsyncSeek for BufReader<R> {
    /// Seeks the inner reader and discards the buffer. `SeekFrom::Current` is relative to the
    /// position of the next byte this `BufReader` would return, as std's.
    fn start_seek(mut self: Pin<&mut Self>, position: SeekFrom) -> io::Result<()> {
        // The inner reader is ahead of our position by the buffered bytes.
        let buffered = (self.cap - self.pos) as i64;
        let (first, state) = match position {
            SeekFrom::Current(offset) => match offset.checked_sub(buffered) {
                Some(offset) => (SeekFrom::Current(offset), SeekState::Single),
                None => (SeekFrom::Current(-buffered), SeekState::Overflowed(offset)),
            },
            other => (other, SeekState::Single),
        };
        self.as_mut().get_pin_mut().start_seek(first)?;
        *self.as_mut().project().seek_state = state;
        self.discard_buffer();
        Ok(())
    }

    fn poll_complete(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
        let mut this = self.project();
        if let SeekState::Overflowed(offset) = *this.seek_state {
            let first = ready!(this.inner.as_mut().poll_complete(cx));
            *this.seek_state = SeekState::Single;
            first?;
            this.inner.as_mut().start_seek(SeekFrom::Current(offset))?;
        }
        this.inner.poll_complete(cx)
    }
}

impl<R: AsyncRead + AsyncWrite> AsyncWrite for BufReader<R> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.get_pin_mut().poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.get_pin_mut().poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.get_ref().is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_pin_mut().poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_pin_mut().poll_shutdown(cx)
    }
}

crate::io::impl_futures_io_read!(generic [R: AsyncRead] BufReader<R>);
crate::io::impl_futures_io_buf_read!(generic [R: AsyncRead] BufReader<R>);
crate::io::impl_futures_io_write!(generic [R: AsyncRead + AsyncWrite] BufReader<R>);
