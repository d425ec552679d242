//! The trivial streams: [`empty`] (end of stream / accepts everything), [`repeat`] (one byte
//! forever) and [`sink`] (swallows everything).
//!
//! They are always ready, so each operation charges the cooperative budget
//! (`gort_channel::coop`): a loop over them still yields to the scheduler, as tokio's do.

use crate::io::{AsyncBufRead, AsyncRead, AsyncSeek, AsyncWrite, ReadBuf};
use gort_channel::coop;
use std::io::{self, IoSlice, SeekFrom};
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// A reader at end of stream and a writer that accepts (and drops) every byte; see [`empty`].
#[derive(Debug, Clone, Copy, Default)]
///
/// ```
/// let e: gort_reactor::io::Empty = gort_reactor::io::empty();
/// let _copy = e;
/// ```
pub struct Empty {
    _private: (),
}

/// Creates a reader that is always at end of stream (and a writer that discards everything).
///
/// ```
/// use gort_reactor::io::AsyncReadExt;
/// futures::executor::block_on(async {
///     let mut buf = Vec::new();
///     assert_eq!(gort_reactor::io::empty().read_to_end(&mut buf).await.unwrap(), 0);
/// });
/// ```
pub fn empty() -> Empty {
    Empty { _private: () }
}

impl AsyncRead for Empty {
    #[inline]
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        _buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        ready!(coop::poll_proceed(cx));
        Poll::Ready(Ok(()))
    }
}

impl AsyncBufRead for Empty {
    #[inline]
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        ready!(coop::poll_proceed(cx));
        Poll::Ready(Ok(&[]))
    }

    #[inline]
    fn consume(self: Pin<&mut Self>, _amt: usize) {}
}

/// `AsyncWrite` for a stream that accepts and discards every byte ([`Empty`] and [`Sink`], as
/// tokio's); each call, flush and shutdown included, charges the cooperative budget.
macro_rules! swallowing_async_write {
    ($ty:ty) => {
        impl AsyncWrite for $ty {
            #[inline]
            fn poll_write(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &[u8],
            ) -> Poll<io::Result<usize>> {
                ready!(coop::poll_proceed(cx));
                Poll::Ready(Ok(buf.len()))
            }

            #[inline]
            fn poll_write_vectored(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                bufs: &[IoSlice<'_>],
            ) -> Poll<io::Result<usize>> {
                ready!(coop::poll_proceed(cx));
                Poll::Ready(Ok(bufs.iter().map(|b| b.len()).sum()))
            }

            #[inline]
            fn is_write_vectored(&self) -> bool {
                true
            }

            #[inline]
            fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                ready!(coop::poll_proceed(cx));
                Poll::Ready(Ok(()))
            }

            #[inline]
            fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                ready!(coop::poll_proceed(cx));
                Poll::Ready(Ok(()))
            }
        }
    };
}

swallowing_async_write!(Empty);

impl AsyncSeek for Empty {
    #[inline]
    fn start_seek(self: Pin<&mut Self>, _position: SeekFrom) -> io::Result<()> {
        Ok(())
    }

    #[inline]
    fn poll_complete(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
        ready!(coop::poll_proceed(cx));
        Poll::Ready(Ok(0))
    }
}

crate::io::impl_futures_io_read!(Empty);
crate::io::impl_futures_io_buf_read!(Empty);
crate::io::impl_futures_io_write!(Empty);

/// A reader that yields one byte forever; see [`repeat`].
#[derive(Debug, Clone, Copy)]
///
/// ```
/// let r: gort_reactor::io::Repeat = gort_reactor::io::repeat(0);
/// let _copy = r;
/// ```
pub struct Repeat {
    byte: u8,
}

/// Creates a reader that fills every read with `byte`, forever.
///
/// ```
/// use gort_reactor::io::AsyncReadExt;
/// futures::executor::block_on(async {
///     let mut buf = [0u8; 3];
///     gort_reactor::io::repeat(b'z').read_exact(&mut buf).await.unwrap();
///     assert_eq!(&buf, b"zzz");
/// });
/// ```
pub fn repeat(byte: u8) -> Repeat {
    Repeat { byte }
}

impl AsyncRead for Repeat {
    #[inline]
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        ready!(coop::poll_proceed(cx));
        let n = buf.remaining();
        buf.initialize_unfilled().fill(self.byte);
        buf.advance(n);
        Poll::Ready(Ok(()))
    }
}

crate::io::impl_futures_io_read!(Repeat);

/// A writer that accepts and drops every byte; see [`sink`].
#[derive(Debug, Clone, Copy, Default)]
///
/// ```
/// let s: gort_reactor::io::Sink = gort_reactor::io::sink();
/// let _copy = s;
/// ```
pub struct Sink {
    _private: (),
}

/// Creates a writer that accepts every byte and drops it.
///
/// ```
/// use gort_reactor::io::AsyncWriteExt;
/// futures::executor::block_on(async {
///     let mut sink = gort_reactor::io::sink();
///     assert_eq!(sink.write(b"gone").await.unwrap(), 4);
/// });
/// ```
pub fn sink() -> Sink {
    Sink { _private: () }
}

swallowing_async_write!(Sink);

crate::io::impl_futures_io_write!(Sink);
