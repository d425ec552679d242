//! [`Take`]: a reader limited to a number of bytes.

use crate::io::{AsyncBufRead, AsyncRead, ReadBuf};
use pin_project_lite::pin_project;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

pin_project! {
    /// Reads at most `limit` bytes from the inner reader, then reports end of stream.
    ///
    /// Created by [`AsyncReadExt::take`](crate::io::AsyncReadExt::take).
    ///
    /// ```
    /// use gort_reactor::io::AsyncReadExt;
    /// futures::executor::block_on(async {
    ///     let mut s = String::new();
    ///     let mut t = (&b"hello world"[..]).take(5);
    ///     t.read_to_string(&mut s).await.unwrap();
    ///     assert_eq!(s, "hello");
    ///     assert_eq!(t.limit(), 0);
    /// });
    /// ```
    #[derive(Debug)]
    #[must_use = "streams do nothing unless you `.await` or poll them"]
    pub struct Take<R> {
        #[pin]
        inner: R,
        limit: u64,
    }
}

impl<R> Take<R> {
    pub(super) fn new(inner: R, limit: u64) -> Self {
        Take { inner, limit }
    }

    /// Bytes that can still be read before this reader reports end of stream.
    ///
    /// ```
    /// use gort_reactor::io::AsyncReadExt;
    /// let t = (&b"abc"[..]).take(2);
    /// assert_eq!(t.limit(), 2);
    /// ```
    pub fn limit(&self) -> u64 {
        self.limit
    }

    /// Sets the number of bytes that can still be read.
    ///
    /// ```
    /// use gort_reactor::io::AsyncReadExt;
    /// let mut t = (&b"abc"[..]).take(2);
    /// t.set_limit(1);
    /// assert_eq!(t.limit(), 1);
    /// ```
    pub fn set_limit(&mut self, limit: u64) {
        self.limit = limit;
    }

    /// Returns a shared reference to the inner reader.
    ///
    /// ```
    /// use gort_reactor::io::AsyncReadExt;
    /// let t = (&b"abc"[..]).take(2);
    /// assert_eq!(*t.get_ref(), b"abc");
    /// ```
    pub fn get_ref(&self) -> &R {
        &self.inner
    }

    /// Returns a mutable reference to the inner reader.
    ///
    /// ```
    /// use gort_reactor::io::AsyncReadExt;
    /// let mut t = (&b"abc"[..]).take(2);
    /// *t.get_mut() = &b"xy"[..];
    /// assert_eq!(*t.get_ref(), b"xy");
    /// ```
    pub fn get_mut(&mut self) -> &mut R {
        &mut self.inner
    }

    /// Returns a pinned mutable reference to the inner reader.
    ///
    /// ```
    /// use gort_reactor::io::AsyncReadExt;
    /// let mut t = std::pin::pin!((&b"abc"[..]).take(2));
    /// assert_eq!(*t.as_mut().get_pin_mut(), b"abc");
    /// ```
    pub fn get_pin_mut(self: Pin<&mut Self>) -> Pin<&mut R> {
        self.project().inner
    }

    /// Returns the inner reader.
    ///
    /// ```
    /// use gort_reactor::io::AsyncReadExt;
    /// let t = (&b"abc"[..]).take(2);
    /// assert_eq!(t.into_inner(), b"abc");
    /// ```
    pub fn into_inner(self) -> R {
        self.inner
    }
}

impl<R: AsyncRead> AsyncRead for Take<R> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.project();
        if *this.limit == 0 {
            return Poll::Ready(Ok(()));
        }
        let max = usize::try_from(*this.limit).unwrap_or(usize::MAX);
        let mut part = buf.take(max);
        let start = part.filled().as_ptr();
        ready!(this.inner.poll_read(cx, &mut part))?;
        assert_eq!(
            start,
            part.filled().as_ptr(),
            "AsyncRead::poll_read replaced the ReadBuf"
        );
        let n = part.filled().len();
        let initialized = part.initialized().len();
        // SAFETY: the inner reader initialized `initialized` bytes of the unfilled region.
        unsafe { buf.assume_init(initialized) };
        buf.advance(n);
        *this.limit -= n as u64;
        Poll::Ready(Ok(()))
    }
}

impl<R: AsyncBufRead> AsyncBufRead for Take<R> {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        let this = self.project();
        if *this.limit == 0 {
            return Poll::Ready(Ok(&[]));
        }
        let buf = ready!(this.inner.poll_fill_buf(cx))?;
        let n = usize::try_from(*this.limit)
            .unwrap_or(usize::MAX)
            .min(buf.len());
        Poll::Ready(Ok(&buf[..n]))
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        let this = self.project();
        let amt = (amt as u64).min(*this.limit);
        *this.limit -= amt;
        this.inner.consume(amt as usize);
    }
}

crate::io::impl_futures_io_read!(generic [R: AsyncRead] Take<R>);
crate::io::impl_futures_io_buf_read!(generic [R: AsyncBufRead] Take<R>);
