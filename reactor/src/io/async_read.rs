//! [`AsyncRead`]: read bytes from a source without blocking the thread.
//!
//! Same signature as tokio's trait (`poll_read` fills a [`ReadBuf`]), so custom readers written
//! for tokio compile unchanged. The blanket impls mirror tokio's: boxes, `&mut`, `Pin<P>`, byte
//! slices and `std::io::Cursor`.

use super::ReadBuf;
use std::io;
use std::ops::DerefMut;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Reads bytes from a source asynchronously.
///
/// `poll_read` puts bytes into `buf.unfilled` and advances `buf.filled`:
/// - `Poll::Ready(Ok(()))` with more filled bytes: data was read;
/// - `Poll::Ready(Ok(()))` with nothing new filled: end of stream (or `buf` had no room);
/// - `Poll::Pending`: no data yet, the task is woken when there may be;
/// - `Poll::Ready(Err(e))`: an I/O error.
///
/// Use the [`AsyncReadExt`](super::AsyncReadExt) methods (`read`, `read_exact`, ...) to call it
/// from `async` code.
///
/// ```
/// use gort_reactor::io::{AsyncRead, AsyncReadExt, ReadBuf};
/// use std::pin::Pin;
/// use std::task::{Context, Poll};
///
/// /// A reader that yields `n` copies of `b'x'`.
/// struct Xs(usize);
///
/// impl AsyncRead for Xs {
///     fn poll_read(
///         mut self: Pin<&mut Self>,
///         _cx: &mut Context<'_>,
///         buf: &mut ReadBuf<'_>,
///     ) -> Poll<std::io::Result<()>> {
///         let n = self.0.min(buf.remaining());
///         buf.initialize_unfilled_to(n).fill(b'x');
///         buf.advance(n);
///         self.0 -= n;
///         Poll::Ready(Ok(()))
///     }
/// }
///
/// futures::executor::block_on(async {
///     let mut s = String::new();
///     Xs(3).read_to_string(&mut s).await.unwrap();
///     assert_eq!(s, "xxx");
/// });
/// ```
pub trait AsyncRead {
    /// Attempts to read into `buf`; see the trait docs for the meaning of each outcome.
    ///
    /// ```
    /// use gort_reactor::io::{AsyncRead, ReadBuf};
    /// use std::{pin::Pin, task::{Context, Poll}};
    /// let waker = futures::task::noop_waker();
    /// let mut cx = Context::from_waker(&waker);
    /// let mut src: &[u8] = b"abc";
    /// let mut storage = [0u8; 2];
    /// let mut buf = ReadBuf::new(&mut storage);
    /// assert!(matches!(Pin::new(&mut src).poll_read(&mut cx, &mut buf), Poll::Ready(Ok(()))));
    /// assert_eq!(buf.filled(), b"ab");
    /// ```
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>>;
}

macro_rules! deref_async_read {
    () => {
        #[inline]
        fn poll_read(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &mut ReadBuf<'_>,
        ) -> Poll<io::Result<()>> {
            Pin::new(&mut **self).poll_read(cx, buf)
        }
    };
}

impl<T: ?Sized + AsyncRead + Unpin> AsyncRead for Box<T> {
    deref_async_read!();
}

impl<T: ?Sized + AsyncRead + Unpin> AsyncRead for &mut T {
    deref_async_read!();
}

impl<P> AsyncRead for Pin<P>
where
    P: DerefMut + Unpin,
    P::Target: AsyncRead,
{
    #[inline]
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.get_mut().as_mut().poll_read(cx, buf)
    }
}

impl AsyncRead for &[u8] {
    #[inline]
    fn poll_read(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let n = self.len().min(buf.remaining());
        let (head, tail) = self.split_at(n);
        buf.put_slice(head);
        *self = tail;
        Poll::Ready(Ok(()))
    }
}

impl<T: AsRef<[u8]> + Unpin> AsyncRead for io::Cursor<T> {
    #[inline]
    fn poll_read(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let pos = self.position();
        let data = self.get_ref().as_ref();
        // A position past the end (or past usize::MAX) reads nothing, as std's Cursor does.
        let start = usize::try_from(pos).unwrap_or(usize::MAX).min(data.len());
        let n = (data.len() - start).min(buf.remaining());
        buf.put_slice(&data[start..start + n]);
        self.set_position(pos + n as u64);
        Poll::Ready(Ok(()))
    }
}
