//! The futures behind [`AsyncBufReadExt`](crate::io::AsyncBufReadExt): `read_until`,
//! `read_line` and `fill_buf`, and the delimiter search shared with `Lines` and `Split`.

use super::utf8_output::Utf8Output;
use crate::io::AsyncBufRead;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// Moves bytes from `reader` to `buf` up to and including `delim` (or to end of stream).
///
/// `read` counts the bytes moved by earlier, interrupted calls; on completion it is reset and
/// the total is returned, so a call that returned `Pending` can simply be repeated.
pub(crate) fn poll_read_until<R: AsyncBufRead + ?Sized>(
    mut reader: Pin<&mut R>,
    cx: &mut Context<'_>,
    delim: u8,
    buf: &mut Vec<u8>,
    read: &mut usize,
) -> Poll<io::Result<usize>> {
    loop {
        let (found, used) = {
            let available = match ready!(reader.as_mut().poll_fill_buf(cx)) {
                Ok(available) => available,
                // As std's read_until: an interrupted read is retried.
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Poll::Ready(Err(e)),
            };
            match available.iter().position(|&b| b == delim) {
                Some(i) => {
                    buf.extend_from_slice(&available[..=i]);
                    (true, i + 1)
                }
                None => {
                    buf.extend_from_slice(available);
                    (available.is_empty(), available.len())
                }
            }
        };
        reader.as_mut().consume(used);
        *read += used;
        if found {
            return Poll::Ready(Ok(std::mem::take(read)));
        }
    }
}

/// Future of [`read_until`](crate::io::AsyncBufReadExt::read_until).
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct ReadUntil<'a, R: ?Sized> {
    pub(super) reader: &'a mut R,
    pub(super) delim: u8,
    pub(super) buf: &'a mut Vec<u8>,
    pub(super) read: usize,
}

impl<R: AsyncBufRead + ?Sized + Unpin> Future for ReadUntil<'_, R> {
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        poll_read_until(
            Pin::new(&mut *this.reader),
            cx,
            this.delim,
            this.buf,
            &mut this.read,
        )
    }
}

/// Future of [`read_line`](crate::io::AsyncBufReadExt::read_line).
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct ReadLine<'a, R: ?Sized> {
    reader: &'a mut R,
    output: Utf8Output<'a>,
    read: usize,
}

impl<'a, R: ?Sized> ReadLine<'a, R> {
    pub(super) fn new(reader: &'a mut R, output: &'a mut String) -> Self {
        ReadLine {
            reader,
            output: Utf8Output::new(output),
            read: 0,
        }
    }
}

impl<R: AsyncBufRead + ?Sized + Unpin> Future for ReadLine<'_, R> {
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let bytes = this.output.bytes_mut();
        let result = ready!(poll_read_until(
            Pin::new(&mut *this.reader),
            cx,
            b'\n',
            bytes,
            &mut this.read
        ));
        let appended = this.output.finish();
        result?;
        Poll::Ready(appended)
    }
}

/// Future of [`fill_buf`](crate::io::AsyncBufReadExt::fill_buf).
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct FillBuf<'a, R: ?Sized> {
    pub(super) reader: Option<&'a mut R>,
}

impl<'a, R: AsyncBufRead + ?Sized + Unpin> Future for FillBuf<'a, R> {
    type Output = io::Result<&'a [u8]>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let reader = this.reader.take().expect("FillBuf polled after completion");
        match Pin::new(&mut *reader).poll_fill_buf(cx) {
            Poll::Ready(Ok(slice)) => {
                let slice: *const [u8] = slice;
                // SAFETY: `slice` borrows from `*reader`, which is borrowed for `'a` and which
                // this future gave up (taken out of `self.reader`, never used again), so the
                // borrow can be extended to `'a`. The borrow checker cannot see that the borrow
                // only escapes on this branch (the "NLL problem case #3").
                Poll::Ready(Ok(unsafe { &*slice }))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => {
                this.reader = Some(reader);
                Poll::Pending
            }
        }
    }
}
