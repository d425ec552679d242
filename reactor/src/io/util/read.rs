//! The futures behind [`AsyncReadExt`](crate::io::AsyncReadExt)'s fixed-size reads: `read`,
//! `read_exact`, `read_buf` and the `read_u8`... integer readers.

use crate::io::{AsyncRead, ReadBuf};
use std::future::Future;
use std::io;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

#[cold]
#[inline(never)]
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
            match ready!(Pin::new(&mut *this.reader).poll_read(cx, &mut buf)) {
                Ok(()) => {}
                // As std's read_exact: an interrupted read is retried.
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Poll::Ready(Err(e)),
            }
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

/// How a fixed-size number is decoded from its bytes (implemented by [`BigEndian`] and
/// [`LittleEndian`] for every integer and float type).
pub trait Decode {
    /// The decoded number.
    type Output;
    /// `[u8; size_of::<Output>()]`.
    type Bytes: AsRef<[u8]> + AsMut<[u8]> + Default;
    /// Decodes the number.
    fn decode(bytes: Self::Bytes) -> Self::Output;
}

/// Marks a big-endian encoding of `T` (network order, tokio's default).
#[derive(Debug)]
pub struct BigEndian<T>(PhantomData<T>);

/// Marks a little-endian encoding of `T`.
#[derive(Debug)]
pub struct LittleEndian<T>(PhantomData<T>);

macro_rules! decode_impls {
    ($($ty:ty),*) => {$(
        impl Decode for BigEndian<$ty> {
            type Output = $ty;
            type Bytes = [u8; std::mem::size_of::<$ty>()];
            #[inline]
            fn decode(bytes: Self::Bytes) -> $ty {
                <$ty>::from_be_bytes(bytes)
            }
        }

        impl Decode for LittleEndian<$ty> {
            type Output = $ty;
            type Bytes = [u8; std::mem::size_of::<$ty>()];
            #[inline]
            fn decode(bytes: Self::Bytes) -> $ty {
                <$ty>::from_le_bytes(bytes)
            }
        }
    )*};
}

decode_impls!(u8, i8, u16, i16, u32, i32, u64, i64, u128, i128, f32, f64);

/// Future of the `read_u8`... methods: reads exactly the number's size in bytes, then decodes.
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct ReadInt<'a, R: ?Sized, D: Decode> {
    reader: &'a mut R,
    bytes: D::Bytes,
    filled: usize,
}

impl<'a, R: ?Sized, D: Decode> ReadInt<'a, R, D> {
    pub(super) fn new(reader: &'a mut R) -> Self {
        ReadInt {
            reader,
            bytes: D::Bytes::default(),
            filled: 0,
        }
    }
}

impl<R: ?Sized, D: Decode> std::fmt::Debug for ReadInt<'_, R, D> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadInt")
            .field("filled", &self.filled)
            .finish()
    }
}

// The future holds no pinned data: `D::Bytes` is a byte array.
impl<R: ?Sized, D: Decode> Unpin for ReadInt<'_, R, D> {}

impl<R: AsyncRead + ?Sized + Unpin, D: Decode> Future for ReadInt<'_, R, D> {
    type Output = io::Result<D::Output>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let size = this.bytes.as_ref().len();
        while this.filled < size {
            let mut buf = ReadBuf::new(&mut this.bytes.as_mut()[this.filled..]);
            match ready!(Pin::new(&mut *this.reader).poll_read(cx, &mut buf)) {
                Ok(()) => {}
                // As tokio's: an interrupted read is retried.
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Poll::Ready(Err(e)),
            }
            let n = buf.filled().len();
            if n == 0 {
                return Poll::Ready(Err(eof()));
            }
            this.filled += n;
        }
        Poll::Ready(Ok(D::decode(std::mem::take(&mut this.bytes))))
    }
}
