//! The futures behind [`AsyncReadExt`](crate::io::AsyncReadExt)'s fixed-size reads: `read`,
//! `read_exact`, `read_buf` and the `read_u8`... integer readers.

use crate::io::{AsyncRead, ReadBuf};
use std::future::Future;
use std::io;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

fn eof() -> io::Error {
    io::Error::new(io::ErrorKind::UnexpectedEof, "early eof")
}

/// Future of [`read`](crate::io::AsyncReadExt::read): one `poll_read` into a slice.
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Read<'a, R: ?Sized> {
    pub(super) reader: &'a mut R,
    pub(super) buf: &'a mut [u8],
}

impl<R: AsyncRead + ?Sized + Unpin> Future for Read<'_, R> {
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let mut buf = ReadBuf::new(this.buf);
        ready!(Pin::new(&mut *this.reader).poll_read(cx, &mut buf))?;
        Poll::Ready(Ok(buf.filled().len()))
    }
}

/// Future of [`read_exact`](crate::io::AsyncReadExt::read_exact): reads until the slice is full.
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct ReadExact<'a, R: ?Sized> {
    pub(super) reader: &'a mut R,
    pub(super) buf: &'a mut [u8],
    pub(super) filled: usize,
}

impl<R: AsyncRead + ?Sized + Unpin> Future for ReadExact<'_, R> {
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        while this.filled < this.buf.len() {
            let mut buf = ReadBuf::new(&mut this.buf[this.filled..]);
            ready!(Pin::new(&mut *this.reader).poll_read(cx, &mut buf))?;
            let n = buf.filled().len();
            if n == 0 {
                return Poll::Ready(Err(eof()));
            }
            this.filled += n;
        }
        Poll::Ready(Ok(this.buf.len()))
    }
}

/// Future of [`read_buf`](crate::io::AsyncReadExt::read_buf): one `poll_read` into a `BufMut`.
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct ReadIntoBuf<'a, R: ?Sized, B: ?Sized> {
    pub(super) reader: &'a mut R,
    pub(super) buf: &'a mut B,
}

impl<R, B> Future for ReadIntoBuf<'_, R, B>
where
    R: AsyncRead + ?Sized + Unpin,
    B: bytes::BufMut + ?Sized,
{
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if !this.buf.has_remaining_mut() {
            return Poll::Ready(Ok(0));
        }
        let n = {
            let chunk = this.buf.chunk_mut();
            // SAFETY: `UninitSlice` is a `[MaybeUninit<u8>]` in disguise; the ReadBuf built on it
            // never de-initializes bytes, so handing it out as `MaybeUninit` is sound.
            let chunk = unsafe { chunk.as_uninit_slice_mut() };
            let mut buf = ReadBuf::uninit(chunk);
            let start = buf.filled().as_ptr();
            ready!(Pin::new(&mut *this.reader).poll_read(cx, &mut buf))?;
            // A reader must fill the buffer it was given, not swap in another one.
            assert_eq!(
                start,
                buf.filled().as_ptr(),
                "AsyncRead::poll_read replaced the ReadBuf"
            );
            buf.filled().len()
        };
        // SAFETY: `n` bytes of the chunk were filled, hence initialized, by the reader.
        unsafe { this.buf.advance_mut(n) };
        Poll::Ready(Ok(n))
    }
}

/// Future of the `read_u8`... methods: reads exactly `size` bytes, then decodes them.
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct ReadInt<'a, R: ?Sized, T> {
    reader: &'a mut R,
    bytes: [u8; 16],
    filled: usize,
    size: usize,
    decode: fn(&[u8]) -> T,
    _output: PhantomData<fn() -> T>,
}

impl<'a, R: ?Sized, T> ReadInt<'a, R, T> {
    pub(super) fn new(reader: &'a mut R, size: usize, decode: fn(&[u8]) -> T) -> Self {
        debug_assert!(size <= 16);
        ReadInt {
            reader,
            bytes: [0; 16],
            filled: 0,
            size,
            decode,
            _output: PhantomData,
        }
    }
}

impl<R: ?Sized, T> std::fmt::Debug for ReadInt<'_, R, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadInt")
            .field("filled", &self.filled)
            .field("size", &self.size)
            .finish()
    }
}

impl<R: AsyncRead + ?Sized + Unpin, T> Future for ReadInt<'_, R, T> {
    type Output = io::Result<T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        while this.filled < this.size {
            let mut buf = ReadBuf::new(&mut this.bytes[this.filled..this.size]);
            ready!(Pin::new(&mut *this.reader).poll_read(cx, &mut buf))?;
            let n = buf.filled().len();
            if n == 0 {
                return Poll::Ready(Err(eof()));
            }
            this.filled += n;
        }
        Poll::Ready(Ok((this.decode)(&this.bytes[..this.size])))
    }
}
