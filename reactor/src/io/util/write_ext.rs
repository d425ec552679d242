//! [`AsyncWriteExt`]: the `async` methods every [`AsyncWrite`] gets.

use super::sited::Sited;
use super::write::{
    Flush, Shutdown, Write, WriteAll, WriteAllBuf, WriteBuf, WriteInt, WriteVectored,
};
use crate::io::AsyncWrite;
use std::io::IoSlice;

/// Generates `write_<int>` methods: each writes the number's fixed-size encoding in full.
macro_rules! write_int_methods {
    ($($name:ident / $read:ident: $ty:ty, $to:ident, $endian:literal;)*) => {$(
        #[doc = concat!("Writes a ", $endian, "`", stringify!($ty), "`.")]
        ///
        /// Equivalent to
        #[doc = concat!("`async fn ", stringify!($name), "(&mut self, n: ", stringify!($ty),
            ") -> io::Result<()>`.")]
        ///
        /// # Cancel safety
        ///
        /// Not cancel safe: if the future is dropped, part of the number may have been written.
        ///
        /// # Examples
        ///
        /// ```
        /// use gort_reactor::io::{AsyncReadExt, AsyncWriteExt};
        /// futures::executor::block_on(async {
        ///     let mut bytes = Vec::new();
        #[doc = concat!("    bytes.", stringify!($name), "(7 as ", stringify!($ty), ").await.unwrap();")]
        #[doc = concat!("    assert_eq!(bytes.len(), std::mem::size_of::<", stringify!($ty), ">());")]
        #[doc = concat!("    assert_eq!((&bytes[..]).", stringify!($read), "().await.unwrap(), 7 as ",
            stringify!($ty), ");")]
        /// });
        /// ```
        #[track_caller]
        fn $name(&mut self, n: $ty) -> Sited<WriteInt<'_, Self, { std::mem::size_of::<$ty>() }>>
        where
            Self: Unpin,
        {
            Sited::new(WriteInt::new(self, n.$to()))
        }
    )*};
}

/// Writing utilities for every [`AsyncWrite`] (tokio's `AsyncWriteExt`, same names and
/// signatures). The futures borrow the writer and are `Unpin` when it is.
///
/// ```
/// use gort_reactor::io::AsyncWriteExt;
///
/// futures::executor::block_on(async {
///     let mut out = Vec::new();
///     out.write_u16(5).await.unwrap();
///     out.write_all(b"hello").await.unwrap();
///     out.flush().await.unwrap();
///     assert_eq!(out, b"\x00\x05hello");
/// });
/// ```
pub trait AsyncWriteExt: AsyncWrite {
    /// Writes some prefix of `src`, returning how many bytes were written.
    ///
    /// Equivalent to `async fn write(&mut self, src: &[u8]) -> io::Result<usize>`.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: if the future is dropped before it completes, no data was written.
    ///
    /// ```
    /// use gort_reactor::io::AsyncWriteExt;
    /// futures::executor::block_on(async {
    ///     let mut out = Vec::new();
    ///     assert_eq!(out.write(b"abc").await.unwrap(), 3);
    /// });
    /// ```
    #[track_caller]
    fn write<'a>(&'a mut self, src: &'a [u8]) -> Sited<Write<'a, Self>>
    where
        Self: Unpin,
    {
        Sited::new(Write {
            writer: self,
            buf: src,
        })
    }

    /// Writes from several buffers in one call, returning how many bytes were written.
    ///
    /// Equivalent to `async fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize>`.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: if the future is dropped before it completes, no data was written.
    ///
    /// ```
    /// use gort_reactor::io::AsyncWriteExt;
    /// use std::io::IoSlice;
    /// futures::executor::block_on(async {
    ///     let mut out = Vec::new();
    ///     let n = out.write_vectored(&[IoSlice::new(b"ab"), IoSlice::new(b"c")]).await.unwrap();
    ///     assert_eq!((n, &out[..]), (3, &b"abc"[..]));
    /// });
    /// ```
    #[track_caller]
    fn write_vectored<'a, 'b>(
        &'a mut self,
        bufs: &'a [IoSlice<'b>],
    ) -> Sited<WriteVectored<'a, 'b, Self>>
    where
        Self: Unpin,
    {
        Sited::new(WriteVectored { writer: self, bufs })
    }

    /// Writes some bytes from a `bytes::Buf`, advancing it; returns how many.
    ///
    /// Equivalent to `async fn write_buf<B: Buf>(&mut self, src: &mut B) -> io::Result<usize>`.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: if the future is dropped before it completes, no data was written.
    ///
    /// ```
    /// use gort_reactor::io::AsyncWriteExt;
    /// futures::executor::block_on(async {
    ///     let mut out = Vec::new();
    ///     let mut src: &[u8] = b"xyz";
    ///     assert_eq!(out.write_buf(&mut src).await.unwrap(), 3);
    ///     assert!(src.is_empty());
    /// });
    /// ```
    #[track_caller]
    fn write_buf<'a, B>(&'a mut self, src: &'a mut B) -> Sited<WriteBuf<'a, Self, B>>
    where
        Self: Sized + Unpin,
        B: bytes::Buf,
    {
        Sited::new(WriteBuf {
            writer: self,
            buf: src,
        })
    }

    /// Writes all of a `bytes::Buf`, advancing it (vectored when the writer supports it).
    ///
    /// Equivalent to `async fn write_all_buf<B: Buf>(&mut self, src: &mut B) -> io::Result<()>`.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe in the sense tokio's is: if the future is dropped, `src` has been advanced
    /// past exactly the bytes that were written, so calling again continues where it stopped.
    ///
    /// ```
    /// use gort_reactor::io::AsyncWriteExt;
    /// futures::executor::block_on(async {
    ///     let mut out = Vec::new();
    ///     let mut src: &[u8] = b"all of it";
    ///     out.write_all_buf(&mut src).await.unwrap();
    ///     assert_eq!(out, b"all of it");
    /// });
    /// ```
    #[track_caller]
    fn write_all_buf<'a, B>(&'a mut self, src: &'a mut B) -> Sited<WriteAllBuf<'a, Self, B>>
    where
        Self: Sized + Unpin,
        B: bytes::Buf,
    {
        Sited::new(WriteAllBuf {
            writer: self,
            buf: src,
        })
    }

    /// Writes all of `src`.
    ///
    /// Equivalent to `async fn write_all(&mut self, src: &[u8]) -> io::Result<()>`. Fails with
    /// [`ErrorKind::WriteZero`](std::io::ErrorKind::WriteZero) if the writer accepts 0 bytes.
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe: if the future is dropped, some prefix of `src` may have been written,
    /// and there is no way to know how much.
    ///
    /// ```
    /// use gort_reactor::io::AsyncWriteExt;
    /// futures::executor::block_on(async {
    ///     let mut storage = [0u8; 4];
    ///     let mut out = std::io::Cursor::new(&mut storage[..]);
    ///     out.write_all(b"abcd").await.unwrap();
    ///     let err = out.write_all(b"e").await.unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::WriteZero);
    /// });
    /// ```
    #[track_caller]
    fn write_all<'a>(&'a mut self, src: &'a [u8]) -> Sited<WriteAll<'a, Self>>
    where
        Self: Unpin,
    {
        Sited::new(WriteAll {
            writer: self,
            buf: src,
        })
    }

    write_int_methods! {
        write_u8 / read_u8: u8, to_be_bytes, "";
        write_i8 / read_i8: i8, to_be_bytes, "";
        write_u16 / read_u16: u16, to_be_bytes, "big-endian ";
        write_i16 / read_i16: i16, to_be_bytes, "big-endian ";
        write_u32 / read_u32: u32, to_be_bytes, "big-endian ";
        write_i32 / read_i32: i32, to_be_bytes, "big-endian ";
        write_u64 / read_u64: u64, to_be_bytes, "big-endian ";
        write_i64 / read_i64: i64, to_be_bytes, "big-endian ";
        write_u128 / read_u128: u128, to_be_bytes, "big-endian ";
        write_i128 / read_i128: i128, to_be_bytes, "big-endian ";
        write_f32 / read_f32: f32, to_be_bytes, "big-endian ";
        write_f64 / read_f64: f64, to_be_bytes, "big-endian ";
        write_u16_le / read_u16_le: u16, to_le_bytes, "little-endian ";
        write_i16_le / read_i16_le: i16, to_le_bytes, "little-endian ";
        write_u32_le / read_u32_le: u32, to_le_bytes, "little-endian ";
        write_i32_le / read_i32_le: i32, to_le_bytes, "little-endian ";
        write_u64_le / read_u64_le: u64, to_le_bytes, "little-endian ";
        write_i64_le / read_i64_le: i64, to_le_bytes, "little-endian ";
        write_u128_le / read_u128_le: u128, to_le_bytes, "little-endian ";
        write_i128_le / read_i128_le: i128, to_le_bytes, "little-endian ";
        write_f32_le / read_f32_le: f32, to_le_bytes, "little-endian ";
        write_f64_le / read_f64_le: f64, to_le_bytes, "little-endian ";
    }

    /// Flushes buffered data to its destination.
    ///
    /// Equivalent to `async fn flush(&mut self) -> io::Result<()>`.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe in that calling it again continues the flush; no data is lost by dropping it.
    ///
    /// ```
    /// use gort_reactor::io::{AsyncWriteExt, BufWriter};
    /// futures::executor::block_on(async {
    ///     let mut w = BufWriter::new(Vec::new());
    ///     w.write_all(b"hi").await.unwrap();
    ///     assert!(w.get_ref().is_empty());
    ///     w.flush().await.unwrap();
    ///     assert_eq!(w.get_ref(), b"hi");
    /// });
    /// ```
    #[track_caller]
    fn flush(&mut self) -> Sited<Flush<'_, Self>>
    where
        Self: Unpin,
    {
        Sited::new(Flush { writer: self })
    }

    /// Flushes, then shuts down the write side (for a socket, sends `FIN`).
    ///
    /// Equivalent to `async fn shutdown(&mut self) -> io::Result<()>`.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe in that calling it again continues the shutdown; dropping it loses no data.
    ///
    /// ```
    /// use gort_reactor::io::{AsyncReadExt, AsyncWriteExt};
    /// futures::executor::block_on(async {
    ///     let (mut a, mut b) = gort_reactor::io::duplex(64);
    ///     a.write_all(b"bye").await.unwrap();
    ///     a.shutdown().await.unwrap();
    ///     let mut s = String::new();
    ///     b.read_to_string(&mut s).await.unwrap(); // ends: the peer shut down
    ///     assert_eq!(s, "bye");
    /// });
    /// ```
    #[track_caller]
    fn shutdown(&mut self) -> Sited<Shutdown<'_, Self>>
    where
        Self: Unpin,
    {
        Sited::new(Shutdown { writer: self })
    }
}

impl<W: AsyncWrite + ?Sized> AsyncWriteExt for W {}
