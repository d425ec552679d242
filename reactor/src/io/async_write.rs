//! [`AsyncWrite`]: write bytes to a sink without blocking the thread.
//!
//! Same signature and default methods as tokio's trait, so custom writers written for tokio
//! compile unchanged. Blanket impls mirror tokio's: boxes, `&mut`, `Pin<P>`, `Vec<u8>` and the
//! writable `std::io::Cursor`s.

use std::io::{self, IoSlice};
use std::ops::DerefMut;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Writes bytes to a sink asynchronously.
///
/// - `poll_write` writes some prefix of `buf` and returns its length (`Ok(0)` means the sink
///   accepts no more bytes, or `buf` was empty), or `Pending` until it can;
/// - `poll_flush` makes sure buffered bytes reach their destination;
/// - `poll_shutdown` flushes and then closes the write side (a TCP `FIN`).
///
/// Use the [`AsyncWriteExt`](super::AsyncWriteExt) methods (`write_all`, `flush`, ...) to call it
/// from `async` code.
///
/// ```
/// use gort_reactor::io::{AsyncWrite, AsyncWriteExt};
/// use std::pin::Pin;
/// use std::task::{Context, Poll};
///
/// /// Counts the bytes written to it.
/// #[derive(Default)]
/// struct Counter(usize);
///
/// impl AsyncWrite for Counter {
///     fn poll_write(
///         mut self: Pin<&mut Self>,
///         _cx: &mut Context<'_>,
///         buf: &[u8],
///     ) -> Poll<std::io::Result<usize>> {
///         self.0 += buf.len();
///         Poll::Ready(Ok(buf.len()))
///     }
///     fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
///         Poll::Ready(Ok(()))
///     }
///     fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
///         Poll::Ready(Ok(()))
///     }
/// }
///
/// futures::executor::block_on(async {
///     let mut c = Counter::default();
///     c.write_all(b"hello").await.unwrap();
///     assert_eq!(c.0, 5);
/// });
/// ```
pub trait AsyncWrite {
    /// Attempts to write bytes from `buf`, returning how many were written.
    ///
    /// ```
    /// use gort_reactor::io::AsyncWrite;
    /// use std::{pin::Pin, task::{Context, Poll}};
    /// let waker = futures::task::noop_waker();
    /// let mut cx = Context::from_waker(&waker);
    /// let mut out = Vec::new();
    /// assert!(matches!(Pin::new(&mut out).poll_write(&mut cx, b"hi"), Poll::Ready(Ok(2))));
    /// ```
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<Result<usize, io::Error>>;

    /// Attempts to flush buffered data to its destination.
    ///
    /// ```
    /// use gort_reactor::io::AsyncWrite;
    /// use std::{pin::Pin, task::{Context, Poll}};
    /// let waker = futures::task::noop_waker();
    /// let mut cx = Context::from_waker(&waker);
    /// let mut out = Vec::<u8>::new();
    /// assert!(matches!(Pin::new(&mut out).poll_flush(&mut cx), Poll::Ready(Ok(()))));
    /// ```
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), io::Error>>;

    /// Flushes, then shuts the write side down. Writing afterwards is an error.
    ///
    /// ```
    /// use gort_reactor::io::AsyncWrite;
    /// use std::{pin::Pin, task::{Context, Poll}};
    /// let waker = futures::task::noop_waker();
    /// let mut cx = Context::from_waker(&waker);
    /// let (mut a, _b) = gort_reactor::io::duplex(8);
    /// assert!(matches!(Pin::new(&mut a).poll_shutdown(&mut cx), Poll::Ready(Ok(()))));
    /// assert!(matches!(Pin::new(&mut a).poll_write(&mut cx, b"x"), Poll::Ready(Err(_))));
    /// ```
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), io::Error>>;

    /// Like `poll_write`, from a list of buffers.
    ///
    /// The default writes the first non-empty buffer with `poll_write` (as tokio's does);
    /// writers that can do better override it and [`is_write_vectored`](Self::is_write_vectored).
    ///
    /// ```
    /// use gort_reactor::io::AsyncWrite;
    /// use std::{pin::Pin, task::{Context, Poll}};
    /// let waker = futures::task::noop_waker();
    /// let mut cx = Context::from_waker(&waker);
    /// use std::io::IoSlice;
    /// let mut out = Vec::new();
    /// let bufs = [IoSlice::new(b"a"), IoSlice::new(b"b")];
    /// assert!(matches!(Pin::new(&mut out).poll_write_vectored(&mut cx, &bufs), Poll::Ready(Ok(2))));
    /// ```
    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<Result<usize, io::Error>> {
        let buf = bufs
            .iter()
            .find(|b| !b.is_empty())
            .map_or(&[][..], |b| &**b);
        self.poll_write(cx, buf)
    }

    /// Whether `poll_write_vectored` is more efficient than writing buffers one by one.
    ///
    /// Defaults to `false`.
    ///
    /// ```
    /// use gort_reactor::io::AsyncWrite;
    /// assert!(Vec::<u8>::new().is_write_vectored());
    /// ```
    fn is_write_vectored(&self) -> bool {
        false
    }
}

macro_rules! deref_async_write {
    () => {
        #[inline]
        fn poll_write(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<io::Result<usize>> {
            Pin::new(&mut **self).poll_write(cx, buf)
        }

        #[inline]
        fn poll_write_vectored(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            bufs: &[IoSlice<'_>],
        ) -> Poll<io::Result<usize>> {
            Pin::new(&mut **self).poll_write_vectored(cx, bufs)
        }

        #[inline]
        fn is_write_vectored(&self) -> bool {
            (**self).is_write_vectored()
        }

        #[inline]
        fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Pin::new(&mut **self).poll_flush(cx)
        }

        #[inline]
        fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Pin::new(&mut **self).poll_shutdown(cx)
        }
    };
}

impl<T: ?Sized + AsyncWrite + Unpin> AsyncWrite for Box<T> {
    deref_async_write!();
}

impl<T: ?Sized + AsyncWrite + Unpin> AsyncWrite for &mut T {
    deref_async_write!();
}

impl<P> AsyncWrite for Pin<P>
where
    P: DerefMut + Unpin,
    P::Target: AsyncWrite,
{
    #[inline]
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().as_mut().poll_write(cx, buf)
    }

    #[inline]
    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().as_mut().poll_write_vectored(cx, bufs)
    }

    #[inline]
    fn is_write_vectored(&self) -> bool {
        (**self).is_write_vectored()
    }

    #[inline]
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().as_mut().poll_flush(cx)
    }

    #[inline]
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().as_mut().poll_shutdown(cx)
    }
}

/// Writers that are plain in-memory `std::io::Write`s: every call completes immediately.
macro_rules! sync_async_write {
    () => {
        #[inline]
        fn poll_write(
            self: Pin<&mut Self>,
            _cx: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<io::Result<usize>> {
            Poll::Ready(io::Write::write(self.get_mut(), buf))
        }

        #[inline]
        fn poll_write_vectored(
            self: Pin<&mut Self>,
            _cx: &mut Context<'_>,
            bufs: &[IoSlice<'_>],
        ) -> Poll<io::Result<usize>> {
            Poll::Ready(io::Write::write_vectored(self.get_mut(), bufs))
        }

        #[inline]
        fn is_write_vectored(&self) -> bool {
            true
        }

        #[inline]
        fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(io::Write::flush(self.get_mut()))
        }

        #[inline]
        fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            self.poll_flush(cx)
        }
    };
}

impl AsyncWrite for Vec<u8> {
    sync_async_write!();
}

impl AsyncWrite for io::Cursor<&mut [u8]> {
    sync_async_write!();
}

impl AsyncWrite for io::Cursor<&mut Vec<u8>> {
    sync_async_write!();
}

impl AsyncWrite for io::Cursor<Vec<u8>> {
    sync_async_write!();
}

impl AsyncWrite for io::Cursor<Box<[u8]>> {
    sync_async_write!();
}
