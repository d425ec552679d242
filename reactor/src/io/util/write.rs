//! The futures behind [`AsyncWriteExt`](crate::io::AsyncWriteExt).

use crate::io::AsyncWrite;
use std::future::Future;
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::task::{ready, Context, Poll};

#[cold]
#[inline(never)]
fn write_zero() -> io::Error {
    io::Error::new(
        io::ErrorKind::WriteZero,
        "failed to write whole buffer: the writer accepted 0 bytes",
    )
}

/// Future of [`write`](crate::io::AsyncWriteExt::write): one `poll_write`.
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Write<'a, W: ?Sized> {
    pub(super) writer: &'a mut W,
    pub(super) buf: &'a [u8],
}

impl<W: AsyncWrite + ?Sized + Unpin> Future for Write<'_, W> {
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        Pin::new(&mut *this.writer).poll_write(cx, this.buf)
    }
}

/// Future of [`write_vectored`](crate::io::AsyncWriteExt::write_vectored).
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct WriteVectored<'a, 'b, W: ?Sized> {
    pub(super) writer: &'a mut W,
    pub(super) bufs: &'a [IoSlice<'b>],
}

impl<W: AsyncWrite + ?Sized + Unpin> Future for WriteVectored<'_, '_, W> {
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        Pin::new(&mut *this.writer).poll_write_vectored(cx, this.bufs)
    }
}

/// Future of [`write_all`](crate::io::AsyncWriteExt::write_all).
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct WriteAll<'a, W: ?Sized> {
    pub(super) writer: &'a mut W,
    pub(super) buf: &'a [u8],
}

impl<W: AsyncWrite + ?Sized + Unpin> Future for WriteAll<'_, W> {
    type Output = io::Result<()>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        while !this.buf.is_empty() {
            let n = match ready!(Pin::new(&mut *this.writer).poll_write(cx, this.buf)) {
                // As std's write_all: an interrupted write is retried.
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                written => written?,
            };
            if n == 0 {
                return Poll::Ready(Err(write_zero()));
            }
            this.buf = &this.buf[n..];
        }
        Poll::Ready(Ok(()))
    }
}

/// Future of [`write_buf`](crate::io::AsyncWriteExt::write_buf): one write from a `bytes::Buf`.
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct WriteBuf<'a, W: ?Sized, B: ?Sized> {
    pub(super) writer: &'a mut W,
    pub(super) buf: &'a mut B,
}

impl<W: AsyncWrite + ?Sized + Unpin, B: bytes::Buf + ?Sized> Future for WriteBuf<'_, W, B> {
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if !this.buf.has_remaining() {
            return Poll::Ready(Ok(0));
        }
        let n = ready!(poll_write_buf(&mut *this.writer, cx, &mut *this.buf))?;
        this.buf.advance(n);
        Poll::Ready(Ok(n))
    }
}

/// Future of [`write_all_buf`](crate::io::AsyncWriteExt::write_all_buf).
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct WriteAllBuf<'a, W: ?Sized, B: ?Sized> {
    pub(super) writer: &'a mut W,
    pub(super) buf: &'a mut B,
}

/// How many chunks of a `Buf` one vectored write gathers.
const MAX_VECTORED_CHUNKS: usize = 16;

/// One write of `buf`'s next bytes: several chunks at once if the writer prefers vectored writes,
/// else the first chunk. `buf` is not advanced.
fn poll_write_buf<W: AsyncWrite + ?Sized + Unpin, B: bytes::Buf + ?Sized>(
    writer: &mut W,
    cx: &mut Context<'_>,
    buf: &mut B,
) -> Poll<io::Result<usize>> {
    if writer.is_write_vectored() {
        let mut slices = [IoSlice::new(&[]); MAX_VECTORED_CHUNKS];
        let count = buf.chunks_vectored(&mut slices);
        Pin::new(writer).poll_write_vectored(cx, &slices[..count])
    } else {
        Pin::new(writer).poll_write(cx, buf.chunk())
    }
}

impl<W: AsyncWrite + ?Sized + Unpin, B: bytes::Buf + ?Sized> Future for WriteAllBuf<'_, W, B> {
    type Output = io::Result<()>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        while this.buf.has_remaining() {
            let n = match ready!(poll_write_buf(&mut *this.writer, cx, &mut *this.buf)) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                written => written?,
            };
            if n == 0 {
                return Poll::Ready(Err(write_zero()));
            }
            this.buf.advance(n);
        }
        Poll::Ready(Ok(()))
    }
}

/// Future of the `write_u8`... methods: writes the `N` encoded bytes of one number.
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct WriteInt<'a, W: ?Sized, const N: usize> {
    writer: &'a mut W,
    bytes: [u8; N],
    written: usize,
}

impl<'a, W: ?Sized, const N: usize> WriteInt<'a, W, N> {
    pub(super) fn new(writer: &'a mut W, bytes: [u8; N]) -> Self {
        WriteInt {
            writer,
            bytes,
            written: 0,
        }
    }
}

impl<W: AsyncWrite + ?Sized + Unpin, const N: usize> Future for WriteInt<'_, W, N> {
    type Output = io::Result<()>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        while this.written < N {
            let rest = &this.bytes[this.written..];
            let n = match ready!(Pin::new(&mut *this.writer).poll_write(cx, rest)) {
                Ok(n) => n,
                // As tokio's: an interrupted write is retried.
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Poll::Ready(Err(e)),
            };
            if n == 0 {
                return Poll::Ready(Err(write_zero()));
            }
            this.written += n;
        }
        Poll::Ready(Ok(()))
    }
}

/// Future of [`flush`](crate::io::AsyncWriteExt::flush).
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Flush<'a, W: ?Sized> {
    pub(super) writer: &'a mut W,
}

impl<W: AsyncWrite + ?Sized + Unpin> Future for Flush<'_, W> {
    type Output = io::Result<()>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut *self.get_mut().writer).poll_flush(cx)
    }
}

/// Future of [`shutdown`](crate::io::AsyncWriteExt::shutdown).
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Shutdown<'a, W: ?Sized> {
    pub(super) writer: &'a mut W,
}

impl<W: AsyncWrite + ?Sized + Unpin> Future for Shutdown<'_, W> {
    type Output = io::Result<()>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut *self.get_mut().writer).poll_shutdown(cx)
    }
}
