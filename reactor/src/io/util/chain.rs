//! [`Chain`]: one reader, then another.

use crate::io::{AsyncBufRead, AsyncRead, ReadBuf};
use pin_project_lite::pin_project;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

pin_project! {
    /// Reads everything from the first reader, then from the second.
    ///
    /// Created by [`AsyncReadExt::chain`](crate::io::AsyncReadExt::chain).
    ///
    /// ```
    /// use gort_reactor::io::AsyncReadExt;
    /// futures::executor::block_on(async {
    ///     let mut s = String::new();
    ///     (&b"ab"[..]).chain(&b"cd"[..]).read_to_string(&mut s).await.unwrap();
    ///     assert_eq!(s, "abcd");
    /// });
    /// ```
    #[derive(Debug)]
    #[must_use = "streams do nothing unless polled"]
    pub struct Chain<T, U> {
        #[pin]
        first: T,
        #[pin]
        second: U,
        done_first: bool,
    }
}

impl<T, U> Chain<T, U> {
    pub(super) fn new(first: T, second: U) -> Self {
        Chain {
            first,
            second,
            done_first: false,
        }
    }

    /// Returns shared references to both readers.
    ///
    /// ```
    /// use gort_reactor::io::AsyncReadExt;
    /// let c = (&b"a"[..]).chain(&b"b"[..]);
    /// assert_eq!(c.get_ref(), (&&b"a"[..], &&b"b"[..]));
    /// ```
    pub fn get_ref(&self) -> (&T, &U) {
        (&self.first, &self.second)
    }

    /// Returns mutable references to both readers.
    ///
    /// ```
    /// use gort_reactor::io::AsyncReadExt;
    /// let mut c = (&b"a"[..]).chain(&b"b"[..]);
    /// *c.get_mut().1 = &b"c"[..];
    /// assert_eq!(*c.get_ref().1, b"c");
    /// ```
    pub fn get_mut(&mut self) -> (&mut T, &mut U) {
        (&mut self.first, &mut self.second)
    }

    /// Returns pinned mutable references to both readers.
    ///
    /// ```
    /// use gort_reactor::io::AsyncReadExt;
    /// let mut c = std::pin::pin!((&b"a"[..]).chain(&b"b"[..]));
    /// let (first, _second) = c.as_mut().get_pin_mut();
    /// assert_eq!(*first, b"a");
    /// ```
    pub fn get_pin_mut(self: Pin<&mut Self>) -> (Pin<&mut T>, Pin<&mut U>) {
        let this = self.project();
        (this.first, this.second)
    }

    /// Returns both readers.
    ///
    /// ```
    /// use gort_reactor::io::AsyncReadExt;
    /// let c = (&b"a"[..]).chain(&b"b"[..]);
    /// assert_eq!(c.into_inner(), (&b"a"[..], &b"b"[..]));
    /// ```
    pub fn into_inner(self) -> (T, U) {
        (self.first, self.second)
    }
}

impl<T: AsyncRead, U: AsyncRead> AsyncRead for Chain<T, U> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.project();
        if !*this.done_first {
            let before = buf.remaining();
            ready!(this.first.poll_read(cx, buf))?;
            // A full buffer reads nothing without meaning end of stream.
            if buf.remaining() != before || before == 0 {
                return Poll::Ready(Ok(()));
            }
            *this.done_first = true;
        }
        this.second.poll_read(cx, buf)
    }
}

impl<T: AsyncBufRead, U: AsyncBufRead> AsyncBufRead for Chain<T, U> {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        let this = self.project();
        if !*this.done_first {
            match ready!(this.first.poll_fill_buf(cx))? {
                [] => *this.done_first = true,
                buf => return Poll::Ready(Ok(buf)),
            }
        }
        this.second.poll_fill_buf(cx)
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        let this = self.project();
        if *this.done_first {
            this.second.consume(amt)
        } else {
            this.first.consume(amt)
        }
    }
}

crate::io::impl_futures_io_read!(generic [T: AsyncRead, U: AsyncRead] Chain<T, U>);
crate::io::impl_futures_io_buf_read!(generic [T: AsyncBufRead, U: AsyncBufRead] Chain<T, U>);
