//! [`copy`], [`copy_buf`] and the buffer engine [`CopyBuffer`] shared with
//! [`copy_bidirectional`](super::copy_bidirectional::copy_bidirectional).
//!
//! The engine alternates "fill the buffer from the reader" and "drain it into the writer";
//! when the reader has nothing for now it flushes the writer before waiting, so data never sits
//! in a buffered writer while the copy is idle (tokio's `CopyBuffer` behaves the same).
//!
//! Each round charges the task's cooperative budget, so a copy between always-ready ends (a slice
//! into a `Vec`, two fast sockets) still yields to the scheduler; a round that finds the reader
//! not ready gives its unit back.

use super::buf_reader::DEFAULT_BUF_SIZE;
use super::sited::Sited;
use crate::io::{AsyncBufRead, AsyncRead, AsyncWrite, ReadBuf};
use gort_channel::coop;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// One direction of a copy: a buffer and where its reader and writer stand.
#[derive(Debug)]
pub(super) struct CopyBuffer {
    read_done: bool,
    need_flush: bool,
    pos: usize,
    cap: usize,
    amt: u64,
    buf: Box<[u8]>,
}

impl CopyBuffer {
    pub(super) fn new(buf_size: usize) -> Self {
        CopyBuffer {
            read_done: false,
            need_flush: false,
            pos: 0,
            cap: 0,
            amt: 0,
            buf: vec![0; buf_size.max(1)].into_boxed_slice(),
        }
    }

    /// Copies until the reader reaches end of stream and everything is written and flushed;
    /// returns the number of bytes copied.
    pub(super) fn poll_copy<R, W>(
        &mut self,
        cx: &mut Context<'_>,
        mut reader: Pin<&mut R>,
        mut writer: Pin<&mut W>,
    ) -> Poll<io::Result<u64>>
    where
        R: AsyncRead + ?Sized,
        W: AsyncWrite + ?Sized,
    {
        loop {
            ready!(coop::poll_proceed(cx));
            if self.pos == self.cap && !self.read_done {
                self.pos = 0;
                self.cap = 0;
                let mut buf = ReadBuf::new(&mut self.buf);
                match reader.as_mut().poll_read(cx, &mut buf) {
                    Poll::Ready(Ok(())) => {
                        let n = buf.filled().len();
                        if n == 0 {
                            self.read_done = true;
                        } else {
                            self.cap = n;
                        }
                    }
                    // Interrupted is not an error (as std's `io::copy`): read again.
                    Poll::Ready(Err(e)) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                    Poll::Pending => {
                        coop::refund();
                        // Nothing to read for now: make what was written visible first.
                        if self.need_flush {
                            ready!(writer.as_mut().poll_flush(cx))?;
                            self.need_flush = false;
                        }
                        return Poll::Pending;
                    }
                }
            }

            while self.pos < self.cap {
                let n = match ready!(writer
                    .as_mut()
                    .poll_write(cx, &self.buf[self.pos..self.cap]))
                {
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    written => written?,
                };
                if n == 0 {
                    return Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::WriteZero,
                        "write zero byte into writer",
                    )));
                }
                self.pos += n;
                self.amt += n as u64;
                self.need_flush = true;
            }

            if self.read_done && self.pos == self.cap {
                ready!(writer.as_mut().poll_flush(cx))?;
                self.need_flush = false;
                return Poll::Ready(Ok(self.amt));
            }
        }
    }
}

/// Future of [`copy`].
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Copy<'a, R: ?Sized, W: ?Sized> {
    reader: &'a mut R,
    writer: &'a mut W,
    buf: CopyBuffer,
}

/// Copies everything from `reader` to `writer`, then flushes `writer`; returns how many bytes
/// were copied.
///
/// Equivalent to `async fn copy(reader: &mut R, writer: &mut W) -> io::Result<u64>` (tokio's
/// signature). Uses an 8 KiB buffer; use [`copy_buf`] when the reader is already buffered. The
/// writer is not shut down.
///
/// # Cancel safety
///
/// Not cancel safe: if the future is dropped, bytes already read but not yet written are lost.
///
/// ```
/// futures::executor::block_on(async {
///     let mut reader: &[u8] = b"hello";
///     let mut writer: Vec<u8> = Vec::new();
///     let n = gort_reactor::io::copy(&mut reader, &mut writer).await.unwrap();
///     assert_eq!((n, &writer[..]), (5, &b"hello"[..]));
/// });
/// ```
#[track_caller]
pub fn copy<'a, R, W>(reader: &'a mut R, writer: &'a mut W) -> Sited<Copy<'a, R, W>>
where
    R: AsyncRead + Unpin + ?Sized,
    W: AsyncWrite + Unpin + ?Sized,
{
    Sited::new(Copy {
        reader,
        writer,
        buf: CopyBuffer::new(DEFAULT_BUF_SIZE),
    })
}

impl<R, W> Future for Copy<'_, R, W>
where
    R: AsyncRead + Unpin + ?Sized,
    W: AsyncWrite + Unpin + ?Sized,
{
    type Output = io::Result<u64>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        this.buf
            .poll_copy(cx, Pin::new(&mut *this.reader), Pin::new(&mut *this.writer))
    }
}

/// Future of [`copy_buf`].
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct CopyBuf<'a, R: ?Sized, W: ?Sized> {
    reader: &'a mut R,
    writer: &'a mut W,
    amt: u64,
    /// Bytes were written since the last flush.
    need_flush: bool,
}

/// Copies everything from a buffered `reader` to `writer` through the reader's own buffer, then
/// flushes `writer`; returns how many bytes were copied.
///
/// Equivalent to `async fn copy_buf(reader: &mut R, writer: &mut W) -> io::Result<u64>`.
///
/// # Cancel safety
///
/// Cancel safe in the sense that no byte is lost: bytes are consumed from the reader only
/// after the writer accepted them. The count of a dropped call is lost.
///
/// ```
/// use gort_reactor::io::BufReader;
/// futures::executor::block_on(async {
///     let mut reader = BufReader::new(&b"buffered"[..]);
///     let mut writer = Vec::new();
///     assert_eq!(gort_reactor::io::copy_buf(&mut reader, &mut writer).await.unwrap(), 8);
///     assert_eq!(writer, b"buffered");
/// });
/// ```
#[track_caller]
pub fn copy_buf<'a, R, W>(reader: &'a mut R, writer: &'a mut W) -> Sited<CopyBuf<'a, R, W>>
where
    R: AsyncBufRead + Unpin + ?Sized,
    W: AsyncWrite + Unpin + ?Sized,
{
    Sited::new(CopyBuf {
        reader,
        writer,
        amt: 0,
        need_flush: false,
    })
}

impl<R, W> Future for CopyBuf<'_, R, W>
where
    R: AsyncBufRead + Unpin + ?Sized,
    W: AsyncWrite + Unpin + ?Sized,
{
    type Output = io::Result<u64>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        loop {
            ready!(coop::poll_proceed(cx));
            let buf = match Pin::new(&mut *this.reader).poll_fill_buf(cx) {
                Poll::Ready(Err(e)) if e.kind() == io::ErrorKind::Interrupted => continue,
                Poll::Ready(buf) => buf?,
                Poll::Pending => {
                    coop::refund();
                    // Nothing to read for now: make what was written visible first (the reader
                    // may be waiting for it, as in a loop back through a buffered writer).
                    if this.need_flush {
                        ready!(Pin::new(&mut *this.writer).poll_flush(cx))?;
                        this.need_flush = false;
                    }
                    return Poll::Pending;
                }
            };
            if buf.is_empty() {
                ready!(Pin::new(&mut *this.writer).poll_flush(cx))?;
                return Poll::Ready(Ok(this.amt));
            }
            let n = match ready!(Pin::new(&mut *this.writer).poll_write(cx, buf)) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                written => written?,
            };
            if n == 0 {
                return Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::WriteZero,
                    "write zero byte into writer",
                )));
            }
            Pin::new(&mut *this.reader).consume(n);
            this.amt += n as u64;
            this.need_flush = true;
        }
    }
}
