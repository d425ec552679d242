//! The futures behind [`read_to_end`](crate::io::AsyncReadExt::read_to_end) and
//! [`read_to_string`](crate::io::AsyncReadExt::read_to_string).
//!
//! Reads go straight into the vector's spare capacity without zeroing it first; the number of
//! spare bytes a reader has already initialized is remembered across calls (as tokio's
//! `VecWithInitialized` does), so readers that need initialized memory zero each byte once.
//!
//! Growth follows tokio's: while the vector still has the capacity it came with (and that is
//! at least [`MIN_SPARE`]), a nearly full vector is probed with a small stack read before it is
//! grown, so a vector sized for the data is never reallocated just to find the end of stream.

use super::utf8_output::Utf8Output;
use crate::io::{AsyncRead, ReadBuf};
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// Spare capacity kept available for each read; `Vec::reserve` grows the vector geometrically.
const MIN_SPARE: usize = 32;

/// Reading state shared by both futures: which allocation we saw, and how much of its spare
/// capacity is known to be initialized.
#[derive(Debug, Default)]
pub(super) struct SpareState {
    ptr: usize,
    initialized_spare: usize,
    /// The vector's capacity when the read started.
    starting_capacity: Option<usize>,
}

/// Reads from `reader` into `vec` until end of stream. Returns `Ready(Ok(()))` at EOF.
pub(super) fn poll_read_to_end<R: AsyncRead + ?Sized + Unpin>(
    reader: &mut R,
    cx: &mut Context<'_>,
    vec: &mut Vec<u8>,
    state: &mut SpareState,
) -> Poll<io::Result<()>> {
    let starting_capacity = *state.starting_capacity.get_or_insert(vec.capacity());
    loop {
        if vec.capacity() - vec.len() < MIN_SPARE {
            if vec.capacity() == starting_capacity && starting_capacity >= MIN_SPARE {
                match ready!(poll_probe(reader, cx, vec)) {
                    Ok(0) => return Poll::Ready(Ok(())),
                    Ok(_) => continue,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => return Poll::Ready(Err(e)),
                }
            }
            vec.reserve(MIN_SPARE);
        }
        if vec.as_ptr() as usize != state.ptr {
            // A new allocation: its spare bytes are uninitialized again.
            state.ptr = vec.as_ptr() as usize;
            state.initialized_spare = 0;
        }
        let spare = vec.spare_capacity_mut();
        let capacity = spare.len();
        let mut buf = ReadBuf::uninit(spare);
        // SAFETY: `initialized_spare` bytes of this allocation's spare capacity, starting at
        // `vec.len()`, were initialized by an earlier read and not modified since.
        unsafe { buf.assume_init(state.initialized_spare.min(capacity)) };
        let start = buf.filled().as_ptr();
        match ready!(Pin::new(&mut *reader).poll_read(cx, &mut buf)) {
            Ok(()) => {}
            // As std's read_to_end: an interrupted read is retried.
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Poll::Ready(Err(e)),
        }
        assert_eq!(
            start,
            buf.filled().as_ptr(),
            "AsyncRead::poll_read replaced the ReadBuf"
        );
        let n = buf.filled().len();
        let initialized = buf.initialized().len();
        if n == 0 {
            state.initialized_spare = initialized;
            return Poll::Ready(Ok(()));
        }
        // SAFETY: the reader filled (so initialized) `n` bytes right after `vec.len()`.
        unsafe { vec.set_len(vec.len() + n) };
        state.initialized_spare = initialized - n;
    }
}

/// Future of [`read_to_end`](crate::io::AsyncReadExt::read_to_end).
/// One read into a stack buffer, appended to `vec` (which grows only if something was read).
fn poll_probe<R: AsyncRead + ?Sized + Unpin>(
    reader: &mut R,
    cx: &mut Context<'_>,
    vec: &mut Vec<u8>,
) -> Poll<io::Result<usize>> {
    let mut probe = [std::mem::MaybeUninit::<u8>::uninit(); MIN_SPARE];
    let mut buf = ReadBuf::uninit(&mut probe);
    ready!(Pin::new(reader).poll_read(cx, &mut buf))?;
    vec.extend_from_slice(buf.filled());
    Poll::Ready(Ok(buf.filled().len()))
}

#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct ReadToEnd<'a, R: ?Sized> {
    pub(super) reader: &'a mut R,
    pub(super) buf: &'a mut Vec<u8>,
    pub(super) start_len: usize,
    pub(super) state: SpareState,
}

impl<R: AsyncRead + ?Sized + Unpin> Future for ReadToEnd<'_, R> {
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        ready!(poll_read_to_end(this.reader, cx, this.buf, &mut this.state))?;
        Poll::Ready(Ok(this.buf.len() - this.start_len))
    }
}

/// Future of [`read_to_string`](crate::io::AsyncReadExt::read_to_string).
///
/// Bytes are collected in the string's own buffer, taken out of it, and only put back once they
/// are checked to be UTF-8, so the `String` never holds invalid UTF-8, even if the future is
/// dropped half way.
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct ReadToString<'a, R: ?Sized> {
    reader: &'a mut R,
    output: Utf8Output<'a>,
    state: SpareState,
}

impl<'a, R: ?Sized> ReadToString<'a, R> {
    pub(super) fn new(reader: &'a mut R, output: &'a mut String) -> Self {
        ReadToString {
            reader,
            output: Utf8Output::new(output),
            state: SpareState::default(),
        }
    }
}

impl<R: AsyncRead + ?Sized + Unpin> Future for ReadToString<'_, R> {
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let bytes = this.output.bytes_mut();
        let result = ready!(poll_read_to_end(this.reader, cx, bytes, &mut this.state));
        if let Err(e) = result {
            // As tokio's: a failed read_to_string leaves the string as it was.
            this.output.discard();
            return Poll::Ready(Err(e));
        }
        Poll::Ready(this.output.finish())
    }
}
