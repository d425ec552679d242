//! [`AsyncReadExt`]: the `async` methods every [`AsyncRead`] gets.

use super::chain::Chain;
use super::read::{BigEndian, LittleEndian, Read, ReadExact, ReadInt, ReadIntoBuf};
use super::read_to_end::{ReadToEnd, ReadToString, SpareState};
use super::sited::Sited;
use super::take::Take;
use crate::io::AsyncRead;

/// Generates `read_<int>` methods: each reads exactly `size_of::<T>()` bytes and decodes them.
macro_rules! read_int_methods {
    ($($name:ident / $write:ident: $ty:ty, $marker:ident, $endian:literal;)*) => {$(
        #[doc = concat!("Reads a ", $endian, "`", stringify!($ty), "`.")]
        ///
        /// Equivalent to
        #[doc = concat!("`async fn ", stringify!($name), "(&mut self) -> io::Result<",
            stringify!($ty), ">`.")]
        /// Fails with [`ErrorKind::UnexpectedEof`](std::io::ErrorKind::UnexpectedEof) if the
        /// stream ends first.
        ///
        /// # Cancel safety
        ///
        /// Not cancel safe for multi-byte integers: if the future is dropped after reading some
        /// but not all of the bytes (a `select!` branch that loses), those bytes are lost.
        /// Reading a single byte is cancel safe.
        ///
        /// # Examples
        ///
        /// ```
        /// use gort_reactor::io::{AsyncReadExt, AsyncWriteExt};
        /// futures::executor::block_on(async {
        ///     let mut bytes = Vec::new();
        #[doc = concat!("    let value: ", stringify!($ty), " = 42 as ", stringify!($ty), ";")]
        #[doc = concat!("    bytes.", stringify!($write), "(value).await.unwrap();")]
        #[doc = concat!("    assert_eq!((&bytes[..]).", stringify!($name), "().await.unwrap(), value);")]
        /// });
        /// ```
        #[track_caller]
        fn $name(&mut self) -> Sited<ReadInt<'_, Self, $marker<$ty>>>
        where
            Self: Unpin,
        {
            Sited::new(ReadInt::new(self))
        }
    )*};
}

/// Reading utilities for every [`AsyncRead`] (tokio's `AsyncReadExt`, same names and
/// signatures). The futures borrow the reader and are `Unpin` when it is.
///
/// ```
/// use gort_reactor::io::AsyncReadExt;
///
/// futures::executor::block_on(async {
///     let mut reader: &[u8] = b"\x00\x05hello";
///     let len = reader.read_u16().await.unwrap();
///     let mut body = vec![0; len as usize];
///     reader.read_exact(&mut body).await.unwrap();
///     assert_eq!(body, b"hello");
/// });
/// ```
pub trait AsyncReadExt: AsyncRead {
    /// Creates a reader that reads all of `self`, then all of `next`.
    ///
    /// ```
    /// use gort_reactor::io::AsyncReadExt;
    /// futures::executor::block_on(async {
    ///     let mut out = Vec::new();
    ///     (&b"1"[..]).chain(&b"2"[..]).read_to_end(&mut out).await.unwrap();
    ///     assert_eq!(out, b"12");
    /// });
    /// ```
    fn chain<R>(self, next: R) -> Chain<Self, R>
    where
        Self: Sized,
        R: AsyncRead,
    {
        Chain::new(self, next)
    }

    /// Reads some bytes into `buf`, returning how many (`0`: end of stream, or `buf` is empty).
    ///
    /// Equivalent to `async fn read(&mut self, buf: &mut [u8]) -> io::Result<usize>`.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: if the future is dropped before it completes, no data was read.
    ///
    /// ```
    /// use gort_reactor::io::AsyncReadExt;
    /// futures::executor::block_on(async {
    ///     let mut reader: &[u8] = b"abc";
    ///     let mut buf = [0u8; 2];
    ///     assert_eq!(reader.read(&mut buf).await.unwrap(), 2);
    ///     assert_eq!(&buf, b"ab");
    /// });
    /// ```
    #[track_caller]
    fn read<'a>(&'a mut self, buf: &'a mut [u8]) -> Sited<Read<'a, Self>>
    where
        Self: Unpin,
    {
        Sited::new(Read { reader: self, buf })
    }

    /// Reads some bytes into the spare capacity of `buf` (a `bytes::BufMut`, such as `Vec<u8>`
    /// or `BytesMut`), advancing it; returns how many (`0`: end of stream, or no capacity).
    ///
    /// Equivalent to `async fn read_buf<B: BufMut>(&mut self, buf: &mut B) -> io::Result<usize>`.
    /// The spare capacity is not zeroed first.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: if the future is dropped before it completes, no data was read.
    ///
    /// ```
    /// use gort_reactor::io::AsyncReadExt;
    /// futures::executor::block_on(async {
    ///     let mut reader: &[u8] = b"abc";
    ///     let mut buf = Vec::with_capacity(8);
    ///     assert_eq!(reader.read_buf(&mut buf).await.unwrap(), 3);
    ///     assert_eq!(buf, b"abc");
    /// });
    /// ```
    #[track_caller]
    fn read_buf<'a, B>(&'a mut self, buf: &'a mut B) -> Sited<ReadIntoBuf<'a, Self, B>>
    where
        Self: Unpin,
        B: bytes::BufMut + ?Sized,
    {
        Sited::new(ReadIntoBuf { reader: self, buf })
    }

    /// Reads exactly `buf.len()` bytes, returning that length.
    ///
    /// Equivalent to `async fn read_exact(&mut self, buf: &mut [u8]) -> io::Result<usize>`.
    /// Fails with [`ErrorKind::UnexpectedEof`](std::io::ErrorKind::UnexpectedEof) if the
    /// stream ends first; what `buf` then holds is unspecified.
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe: if the future is dropped, the bytes already read into `buf` are lost
    /// to the stream.
    ///
    /// ```
    /// use gort_reactor::io::AsyncReadExt;
    /// futures::executor::block_on(async {
    ///     let mut reader: &[u8] = b"abc";
    ///     let mut buf = [0u8; 4];
    ///     let err = reader.read_exact(&mut buf).await.unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::UnexpectedEof);
    /// });
    /// ```
    #[track_caller]
    fn read_exact<'a>(&'a mut self, buf: &'a mut [u8]) -> Sited<ReadExact<'a, Self>>
    where
        Self: Unpin,
    {
        Sited::new(ReadExact {
            reader: self,
            buf,
            filled: 0,
        })
    }

    read_int_methods! {
        read_u8 / write_u8: u8, BigEndian, "";
        read_i8 / write_i8: i8, BigEndian, "";
        read_u16 / write_u16: u16, BigEndian, "big-endian ";
        read_i16 / write_i16: i16, BigEndian, "big-endian ";
        read_u32 / write_u32: u32, BigEndian, "big-endian ";
        read_i32 / write_i32: i32, BigEndian, "big-endian ";
        read_u64 / write_u64: u64, BigEndian, "big-endian ";
        read_i64 / write_i64: i64, BigEndian, "big-endian ";
        read_u128 / write_u128: u128, BigEndian, "big-endian ";
        read_i128 / write_i128: i128, BigEndian, "big-endian ";
        read_f32 / write_f32: f32, BigEndian, "big-endian ";
        read_f64 / write_f64: f64, BigEndian, "big-endian ";
        read_u16_le / write_u16_le: u16, LittleEndian, "little-endian ";
        read_i16_le / write_i16_le: i16, LittleEndian, "little-endian ";
        read_u32_le / write_u32_le: u32, LittleEndian, "little-endian ";
        read_i32_le / write_i32_le: i32, LittleEndian, "little-endian ";
        read_u64_le / write_u64_le: u64, LittleEndian, "little-endian ";
        read_i64_le / write_i64_le: i64, LittleEndian, "little-endian ";
        read_u128_le / write_u128_le: u128, LittleEndian, "little-endian ";
        read_i128_le / write_i128_le: i128, LittleEndian, "little-endian ";
        read_f32_le / write_f32_le: f32, LittleEndian, "little-endian ";
        read_f64_le / write_f64_le: f64, LittleEndian, "little-endian ";
    }

    /// Reads until end of stream, appending to `buf`; returns how many bytes were appended.
    ///
    /// Equivalent to `async fn read_to_end(&mut self, buf: &mut Vec<u8>) -> io::Result<usize>`.
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe as a `select!` branch: if the future is dropped, the bytes read so far
    /// stay in `buf`, but the count is lost and the read must be resumed by hand.
    ///
    /// ```
    /// use gort_reactor::io::AsyncReadExt;
    /// futures::executor::block_on(async {
    ///     let mut buf = b"x".to_vec();
    ///     assert_eq!((&b"yz"[..]).read_to_end(&mut buf).await.unwrap(), 2);
    ///     assert_eq!(buf, b"xyz");
    /// });
    /// ```
    #[track_caller]
    fn read_to_end<'a>(&'a mut self, buf: &'a mut Vec<u8>) -> Sited<ReadToEnd<'a, Self>>
    where
        Self: Unpin,
    {
        let start_len = buf.len();
        Sited::new(ReadToEnd {
            reader: self,
            buf,
            start_len,
            state: SpareState::default(),
        })
    }

    /// Reads until end of stream, appending to `dst`; returns how many bytes were appended.
    ///
    /// Equivalent to `async fn read_to_string(&mut self, dst: &mut String) -> io::Result<usize>`.
    /// If the data is not valid UTF-8, an [`ErrorKind::InvalidData`](std::io::ErrorKind)
    /// error is returned and `dst` is unchanged.
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe: if the future is dropped, `dst` keeps the bytes read so far up to the
    /// last complete UTF-8 character; the rest is lost.
    ///
    /// ```
    /// use gort_reactor::io::AsyncReadExt;
    /// futures::executor::block_on(async {
    ///     let mut s = String::from("a");
    ///     (&b"bc"[..]).read_to_string(&mut s).await.unwrap();
    ///     assert_eq!(s, "abc");
    /// });
    /// ```
    #[track_caller]
    fn read_to_string<'a>(&'a mut self, dst: &'a mut String) -> Sited<ReadToString<'a, Self>>
    where
        Self: Unpin,
    {
        Sited::new(ReadToString::new(self, dst))
    }

    /// Creates a reader that reads at most `limit` bytes from `self`.
    ///
    /// ```
    /// use gort_reactor::io::AsyncReadExt;
    /// futures::executor::block_on(async {
    ///     let mut out = Vec::new();
    ///     (&b"abcdef"[..]).take(2).read_to_end(&mut out).await.unwrap();
    ///     assert_eq!(out, b"ab");
    /// });
    /// ```
    fn take(self, limit: u64) -> Take<Self>
    where
        Self: Sized,
    {
        Take::new(self, limit)
    }
}

impl<R: AsyncRead + ?Sized> AsyncReadExt for R {}
