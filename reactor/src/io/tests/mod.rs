//! Tests of the io module on in-memory readers and writers; Miri-friendly (no sockets).

mod buffered;
mod compat;
mod copy;
mod custom;
mod duplex;
mod lines;
mod read_ext;
mod split;
mod write_ext;

use crate::io::{AsyncRead, AsyncWrite, ReadBuf};
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Asserts at compile time that a value is `Unpin` (the Ext futures must be, as tokio's).
pub(super) fn assert_unpin<T: Unpin>(_: &T) {}

/// A reader written as a tokio user would: hands out `data` at most `chunk` bytes per call and,
/// when `pending` is set, returns `Pending` (waking itself) before every chunk.
pub(super) struct Chunked {
    pub data: Vec<u8>,
    pub pos: usize,
    pub chunk: usize,
    pub pending: bool,
    pub ready_next: bool,
    /// Total `poll_read` calls (to check `Pending` paths were taken).
    pub polls: usize,
}

impl Chunked {
    pub fn new(data: &[u8], chunk: usize, pending: bool) -> Self {
        Chunked {
            data: data.to_vec(),
            pos: 0,
            chunk,
            pending,
            ready_next: false,
            polls: 0,
        }
    }
}

impl AsyncRead for Chunked {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.polls += 1;
        if self.pending && !self.ready_next {
            self.ready_next = true;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        self.ready_next = false;
        let n = self
            .chunk
            .min(buf.remaining())
            .min(self.data.len() - self.pos);
        let start = self.pos;
        buf.put_slice(&self.data[start..start + n]);
        self.pos += n;
        Poll::Ready(Ok(()))
    }
}

/// A writer that accepts at most `chunk` bytes per call, optionally returning `Pending` (and
/// waking itself) before every accepted chunk; counts flushes and shutdowns.
#[derive(Default)]
pub(super) struct SlowWriter {
    pub data: Vec<u8>,
    pub chunk: usize,
    pub pending: bool,
    pub ready_next: bool,
    pub writes: usize,
    pub flushes: usize,
    pub shutdowns: usize,
}

impl SlowWriter {
    pub fn new(chunk: usize, pending: bool) -> Self {
        SlowWriter {
            chunk,
            pending,
            ..Default::default()
        }
    }

    fn gate(&mut self, cx: &mut Context<'_>) -> bool {
        if self.pending && !self.ready_next {
            self.ready_next = true;
            cx.waker().wake_by_ref();
            return false;
        }
        self.ready_next = false;
        true
    }
}

impl AsyncWrite for SlowWriter {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if !self.gate(cx) {
            return Poll::Pending;
        }
        let n = self.chunk.min(buf.len());
        self.data.extend_from_slice(&buf[..n]);
        self.writes += 1;
        Poll::Ready(Ok(n))
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if !self.gate(cx) {
            return Poll::Pending;
        }
        self.flushes += 1;
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if !self.gate(cx) {
            return Poll::Pending;
        }
        self.shutdowns += 1;
        Poll::Ready(Ok(()))
    }
}

/// Deterministic pseudo-random bytes (xorshift), so data mismatches show up.
pub(super) fn pattern(len: usize) -> Vec<u8> {
    let mut x: u32 = 0x9E37_79B9;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect()
}

/// Runs `f` on its own thread and fails the test if it does not finish within `secs` seconds
/// (so a lost wakeup fails instead of hanging the suite).
pub(super) fn with_timeout<T: Send + 'static>(
    secs: u64,
    f: impl FnOnce() -> T + Send + 'static,
) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    let limit = if cfg!(miri) { secs * 100 } else { secs };
    rx.recv_timeout(std::time::Duration::from_secs(limit))
        .expect("test timed out: lost wakeup?")
}
