//! [`AsyncBufReadExt`]: the `async` methods every [`AsyncBufRead`] gets.

use super::lines::Lines;
use super::read_until::{FillBuf, ReadLine, ReadUntil};
use super::sited::Sited;
use super::split_segments::Split;
use crate::io::AsyncBufRead;
use std::pin::Pin;

/// Line- and delimiter-oriented reading for every [`AsyncBufRead`] (tokio's
/// `AsyncBufReadExt`, same names and signatures).
///
/// ```
/// use gort_reactor::io::{AsyncBufReadExt, BufReader};
///
/// futures::executor::block_on(async {
///     let mut reader = BufReader::new(&b"GET / HTTP/1.1\r\nHost: x\r\n"[..]);
///     let mut line = String::new();
///     reader.read_line(&mut line).await.unwrap();
///     assert_eq!(line, "GET / HTTP/1.1\r\n");
/// });
/// ```
pub trait AsyncBufReadExt: AsyncBufRead {
    /// Reads bytes up to and including `byte` (or to end of stream), appending them to `buf`;
    /// returns how many were appended (`0`: end of stream).
    ///
    /// Equivalent to
    /// `async fn read_until(&mut self, byte: u8, buf: &mut Vec<u8>) -> io::Result<usize>`.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe in tokio's sense: if the future is dropped, the bytes read so far have been
    /// appended to `buf`, and calling `read_until` again continues up to `byte`. The returned
    /// count only covers the last call.
    ///
    /// ```
    /// use gort_reactor::io::AsyncBufReadExt;
    /// futures::executor::block_on(async {
    ///     let mut reader: &[u8] = b"key=value";
    ///     let mut buf = Vec::new();
    ///     assert_eq!(reader.read_until(b'=', &mut buf).await.unwrap(), 4);
    ///     assert_eq!(buf, b"key=");
    /// });
    /// ```
    #[track_caller]
    fn read_until<'a>(&'a mut self, byte: u8, buf: &'a mut Vec<u8>) -> Sited<ReadUntil<'a, Self>>
    where
        Self: Unpin,
    {
        Sited::new(ReadUntil {
            reader: self,
            delim: byte,
            buf,
            read: 0,
        })
    }

    /// Reads a line, including its `\n`, appending it to `buf`; returns how many bytes were
    /// appended (`0`: end of stream).
    ///
    /// Equivalent to `async fn read_line(&mut self, buf: &mut String) -> io::Result<usize>`.
    /// If the line is not valid UTF-8, an [`ErrorKind::InvalidData`](std::io::ErrorKind)
    /// error is returned and `buf` keeps only its previous content.
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe. If the future is dropped (a `select!` branch that loses), the bytes
    /// read so far are appended to `buf` up to the last complete UTF-8 character (tokio gives
    /// no guarantee here); the count is lost. Prefer [`lines`](Self::lines), which is.
    ///
    /// ```
    /// use gort_reactor::io::AsyncBufReadExt;
    /// futures::executor::block_on(async {
    ///     let mut reader: &[u8] = b"one\ntwo";
    ///     let mut line = String::new();
    ///     assert_eq!(reader.read_line(&mut line).await.unwrap(), 4);
    ///     assert_eq!(reader.read_line(&mut line).await.unwrap(), 3);
    ///     assert_eq!(reader.read_line(&mut line).await.unwrap(), 0);
    ///     assert_eq!(line, "one\ntwo");
    /// });
    /// ```
    #[track_caller]
    fn read_line<'a>(&'a mut self, buf: &'a mut String) -> Sited<ReadLine<'a, Self>>
    where
        Self: Unpin,
    {
        Sited::new(ReadLine::new(self, buf))
    }

    /// Returns the segments of this reader between occurrences of `byte`.
    ///
    /// ```
    /// use gort_reactor::io::AsyncBufReadExt;
    /// futures::executor::block_on(async {
    ///     let mut s = std::io::Cursor::new(b"1 2").split(b' ');
    ///     assert_eq!(s.next_segment().await.unwrap(), Some(b"1".to_vec()));
    /// });
    /// ```
    fn split(self, byte: u8) -> Split<Self>
    where
        Self: Sized,
    {
        Split::new(self, byte)
    }

    /// Returns the buffered bytes, reading more if the buffer is empty (empty: end of stream).
    /// Call [`consume`](Self::consume) to mark bytes as used.
    ///
    /// Equivalent to `async fn fill_buf(&mut self) -> io::Result<&[u8]>`.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: if the future is dropped, no data was consumed.
    ///
    /// ```
    /// use gort_reactor::io::AsyncBufReadExt;
    /// futures::executor::block_on(async {
    ///     let mut reader: &[u8] = b"abc";
    ///     assert_eq!(reader.fill_buf().await.unwrap(), b"abc");
    ///     reader.consume(1);
    ///     assert_eq!(reader.fill_buf().await.unwrap(), b"bc");
    /// });
    /// ```
    #[track_caller]
    fn fill_buf(&mut self) -> Sited<FillBuf<'_, Self>>
    where
        Self: Unpin,
    {
        Sited::new(FillBuf { reader: Some(self) })
    }

    /// Marks `amt` buffered bytes as consumed (see [`fill_buf`](Self::fill_buf)).
    ///
    /// ```
    /// use gort_reactor::io::AsyncBufReadExt;
    /// let mut reader: &[u8] = b"abc";
    /// reader.consume(2);
    /// assert_eq!(reader, b"c");
    /// ```
    fn consume(&mut self, amt: usize)
    where
        Self: Unpin,
    {
        Pin::new(self).consume(amt)
    }

    /// Returns the lines of this reader (see [`Lines`]).
    ///
    /// ```
    /// use gort_reactor::io::AsyncBufReadExt;
    /// futures::executor::block_on(async {
    ///     let mut lines = (&b"a\nb\n"[..]).lines();
    ///     assert_eq!(lines.next_line().await.unwrap().as_deref(), Some("a"));
    ///     assert_eq!(lines.next_line().await.unwrap().as_deref(), Some("b"));
    ///     assert_eq!(lines.next_line().await.unwrap(), None);
    /// });
    /// ```
    fn lines(self) -> Lines<Self>
    where
        Self: Sized,
    {
        Lines::new(self)
    }
}

impl<R: AsyncBufRead + ?Sized> AsyncBufReadExt for R {}
