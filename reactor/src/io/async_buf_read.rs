//! [`AsyncBufRead`]: a reader with an internal buffer that can be inspected before consuming.

use std::io;
use std::ops::DerefMut;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Reads bytes asynchronously through an internal buffer (tokio's signature).
///
/// `poll_fill_buf` returns the buffered bytes, refilling from the source when the buffer is
/// empty (an empty slice means end of stream); `consume(n)` marks `n` of them as used. The
/// [`AsyncBufReadExt`](super::AsyncBufReadExt) methods (`read_line`, `lines`, ...) build on these.
///
/// ```
/// use gort_reactor::io::AsyncBufRead;
/// use std::pin::Pin;
/// use std::task::{Context, Poll};
///
/// let waker = futures::task::noop_waker();
/// let mut cx = Context::from_waker(&waker);
/// let mut data: &[u8] = b"abc";
/// match Pin::new(&mut data).poll_fill_buf(&mut cx) {
///     Poll::Ready(Ok(bytes)) => assert_eq!(bytes, b"abc"),
///     other => panic!("unexpected {other:?}"),
/// }
/// Pin::new(&mut data).consume(2);
/// assert_eq!(data, b"c");
/// ```
pub trait AsyncBufRead: super::AsyncRead {
    /// Returns the buffered bytes, reading more from the source if the buffer is empty.
    ///
    /// ```
    /// use gort_reactor::io::AsyncBufRead;
    /// use std::{pin::Pin, task::{Context, Poll}};
    /// let waker = futures::task::noop_waker();
    /// let mut cx = Context::from_waker(&waker);
    /// let mut src = std::io::Cursor::new(b"xyz");
    /// assert!(matches!(Pin::new(&mut src).poll_fill_buf(&mut cx), Poll::Ready(Ok(b"xyz"))));
    /// ```
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>>;

    /// Marks `amt` buffered bytes as consumed; they are not returned again.
    ///
    /// `amt` must not exceed the length of the slice last returned by `poll_fill_buf`.
    ///
    /// ```
    /// use gort_reactor::io::AsyncBufRead;
    /// use std::pin::Pin;
    /// let mut src = std::io::Cursor::new(b"xyz");
    /// Pin::new(&mut src).consume(2);
    /// assert_eq!(src.position(), 2);
    /// ```
    fn consume(self: Pin<&mut Self>, amt: usize);
}

macro_rules! deref_async_buf_read {
    () => {
        #[inline]
        fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
            Pin::new(&mut **self.get_mut()).poll_fill_buf(cx)
        }

        #[inline]
        fn consume(mut self: Pin<&mut Self>, amt: usize) {
            Pin::new(&mut **self).consume(amt)
        }
    };
}

impl<T: ?Sized + AsyncBufRead + Unpin> AsyncBufRead for Box<T> {
    deref_async_buf_read!();
}

impl<T: ?Sized + AsyncBufRead + Unpin> AsyncBufRead for &mut T {
    deref_async_buf_read!();
}

impl<P> AsyncBufRead for Pin<P>
where
    P: DerefMut + Unpin,
    P::Target: AsyncBufRead,
{
    #[inline]
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        self.get_mut().as_mut().poll_fill_buf(cx)
    }

    #[inline]
    fn consume(self: Pin<&mut Self>, amt: usize) {
        self.get_mut().as_mut().consume(amt)
    }
}

impl AsyncBufRead for &[u8] {
    #[inline]
    fn poll_fill_buf(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        Poll::Ready(Ok(*self.get_mut()))
    }

    #[inline]
    fn consume(mut self: Pin<&mut Self>, amt: usize) {
        *self = &self[amt..];
    }
}

impl<T: AsRef<[u8]> + Unpin> AsyncBufRead for io::Cursor<T> {
    #[inline]
    fn poll_fill_buf(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        Poll::Ready(io::BufRead::fill_buf(self.get_mut()))
    }

    #[inline]
    fn consume(self: Pin<&mut Self>, amt: usize) {
        io::BufRead::consume(self.get_mut(), amt)
    }
}
