//! [`duplex`] / [`DuplexStream`] and [`simplex`] / [`SimplexStream`]: in-memory pipes with a
//! bounded buffer, for tests and for connecting two parts of a program that speak bytes.
//!
//! Each direction is a [`Pipe`]: a ring buffer (`VecDeque`) of at most `max_buf_size` bytes
//! behind a mutex, with one waker for the blocked reader and one for the blocked writer. A
//! full pipe makes the writer wait, an empty one the reader; closing the write side gives the
//! reader end of stream, dropping the read side gives the writer `BrokenPipe` (as a socket).
//! Reads and writes charge the cooperative budget (`gort_channel::coop`), as any leaf I/O.
//!
//! Wakers are woken, and replaced wakers dropped, only after the pipe's lock is released
//! ([`Deferred`]): either may run arbitrary code — even drop the other end of the pipe, which
//! takes the same lock.

use crate::io::{split, AsyncRead, AsyncWrite, ReadBuf, ReadHalf, WriteHalf};
use gort_channel::coop;
use std::collections::VecDeque;
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{ready, Context, Poll, Waker};

/// One direction of an in-memory pipe.
#[derive(Debug)]
struct Pipe {
    buffer: VecDeque<u8>,
    max_buf_size: usize,
    /// The writer shut down or went away: readers see end of stream once drained.
    write_closed: bool,
    /// The reader went away: writes fail with `BrokenPipe`.
    read_closed: bool,
    read_waker: Option<Waker>,
    write_waker: Option<Waker>,
}

/// Wakers a pipe operation leaves to wake or drop once the pipe's lock is released.
#[derive(Default)]
#[must_use = "the wakers must be run once the lock is released"]
struct Deferred {
    wake: Option<Waker>,
    replaced: Option<Waker>,
}

impl Deferred {
    fn run(self) {
        if let Some(waker) = self.wake {
            waker.wake();
        }
        drop(self.replaced);
    }
}

/// Stores `cx`'s waker in `slot`, handing back the one it replaces (to drop outside the lock).
fn park(slot: &mut Option<Waker>, cx: &Context<'_>) -> Option<Waker> {
    match slot {
        Some(waker) if waker.will_wake(cx.waker()) => None,
        _ => slot.replace(cx.waker().clone()),
    }
}

impl Pipe {
    fn new(max_buf_size: usize) -> Self {
        Pipe {
            buffer: VecDeque::new(),
            max_buf_size,
            write_closed: false,
            read_closed: false,
            read_waker: None,
            write_waker: None,
        }
    }

    fn close_write(&mut self) -> Deferred {
        self.write_closed = true;
        Deferred {
            wake: self.read_waker.take(),
            replaced: None,
        }
    }

    fn close_read(&mut self) -> Deferred {
        self.read_closed = true;
        Deferred {
            wake: self.write_waker.take(),
            replaced: None,
        }
    }

    fn poll_read(
        &mut self,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
        deferred: &mut Deferred,
    ) -> Poll<io::Result<()>> {
        if buf.remaining() == 0 {
            return Poll::Ready(Ok(()));
        }
        if self.buffer.is_empty() {
            if self.write_closed {
                return Poll::Ready(Ok(()));
            }
            deferred.replaced = park(&mut self.read_waker, cx);
            return Poll::Pending;
        }
        let (front, back) = self.buffer.as_slices();
        let n1 = front.len().min(buf.remaining());
        buf.put_slice(&front[..n1]);
        let n2 = back.len().min(buf.remaining());
        buf.put_slice(&back[..n2]);
        self.buffer.drain(..n1 + n2);
        deferred.wake = self.write_waker.take();
        Poll::Ready(Ok(()))
    }

    fn poll_write(
        &mut self,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
        deferred: &mut Deferred,
    ) -> Poll<io::Result<usize>> {
        if self.read_closed {
            return Poll::Ready(Err(io::ErrorKind::BrokenPipe.into()));
        }
        if self.write_closed {
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::BrokenPipe,
                "write after shutdown of this side of the in-memory pipe",
            )));
        }
        let total: usize = bufs.iter().map(|b| b.len()).sum();
        if total == 0 {
            return Poll::Ready(Ok(0));
        }
        let room = self.max_buf_size - self.buffer.len();
        if room == 0 {
            deferred.replaced = park(&mut self.write_waker, cx);
            return Poll::Pending;
        }
        let mut written = 0;
        for b in bufs {
            let take = b.len().min(room - written);
            self.buffer.extend(&b[..take]);
            written += take;
            if written == room {
                break;
            }
        }
        deferred.wake = self.read_waker.take();
        Poll::Ready(Ok(written))
    }
}

fn lock(pipe: &Mutex<Pipe>) -> MutexGuard<'_, Pipe> {
    pipe.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Charges the task's budget for one operation, refunding it if the operation waits.
/// Runs one pipe operation: charges the budget, runs `op` (which may lock), then — the lock
/// released — the wakers it left behind.
fn with_budget<T>(
    cx: &mut Context<'_>,
    op: impl FnOnce(&mut Context<'_>, &mut Deferred) -> Poll<T>,
) -> Poll<T> {
    ready!(coop::poll_proceed(cx));
    let mut deferred = Deferred::default();
    let result = op(cx, &mut deferred);
    deferred.run();
    if result.is_pending() {
        coop::refund();
    }
    result
}

/// One end of a bidirectional in-memory pipe, created by [`duplex`].
///
/// Bytes written to one end are read from the other. Dropping an end (or shutting it down)
/// gives the peer end of stream; writing to an end whose peer was dropped fails with
/// [`ErrorKind::BrokenPipe`](std::io::ErrorKind::BrokenPipe).
#[derive(Debug)]
///
/// ```
/// use gort_reactor::io::{duplex, AsyncReadExt, AsyncWriteExt};
/// futures::executor::block_on(async {
///     let (mut a, mut b) = duplex(8);
///     b.write_all(b"x").await.unwrap();
///     let mut one = [0u8; 1];
///     a.read_exact(&mut one).await.unwrap();
///     drop(b);
///     assert_eq!(a.read(&mut one).await.unwrap(), 0, "peer dropped: end of stream");
/// });
/// ```
pub struct DuplexStream {
    read: Arc<Mutex<Pipe>>,
    write: Arc<Mutex<Pipe>>,
}

/// Creates a connected pair of in-memory streams; each direction buffers up to
/// `max_buf_size` bytes before writers wait for the reader.
///
/// # Panics
///
/// Panics if `max_buf_size` is 0 (a writer could never make progress).
///
/// ```
/// use gort_reactor::io::{duplex, AsyncReadExt, AsyncWriteExt};
/// futures::executor::block_on(async {
///     let (mut client, mut server) = duplex(64);
///     client.write_all(b"ping").await.unwrap();
///     let mut buf = [0u8; 4];
///     server.read_exact(&mut buf).await.unwrap();
///     assert_eq!(&buf, b"ping");
/// });
/// ```
#[track_caller]
pub fn duplex(max_buf_size: usize) -> (DuplexStream, DuplexStream) {
    assert!(max_buf_size > 0, "duplex: max_buf_size must be at least 1");
    let one = Arc::new(Mutex::new(Pipe::new(max_buf_size)));
    let two = Arc::new(Mutex::new(Pipe::new(max_buf_size)));
    (
        DuplexStream {
            read: one.clone(),
            write: two.clone(),
        },
        DuplexStream {
            read: two,
            write: one,
        },
    )
}

impl AsyncRead for DuplexStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        with_budget(cx, |cx, d| lock(&self.read).poll_read(cx, buf, d))
    }
}

impl AsyncWrite for DuplexStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        with_budget(cx, |cx, d| {
            lock(&self.write).poll_write(cx, &[IoSlice::new(buf)], d)
        })
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        with_budget(cx, |cx, d| lock(&self.write).poll_write(cx, bufs, d))
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let deferred = lock(&self.write).close_write();
        deferred.run();
        Poll::Ready(Ok(()))
    }
}

impl Drop for DuplexStream {
    fn drop(&mut self) {
        let deferred = lock(&self.write).close_write();
        deferred.run();
        let deferred = lock(&self.read).close_read();
        deferred.run();
    }
}

crate::io::impl_futures_io_read!(DuplexStream);
crate::io::impl_futures_io_write!(DuplexStream);

/// A unidirectional in-memory pipe: what is written to it is read from it. Usually used split,
/// through [`simplex`].
///
/// ```
/// use gort_reactor::io::{AsyncReadExt, AsyncWriteExt, SimplexStream};
/// futures::executor::block_on(async {
///     let mut pipe = SimplexStream::new_unsplit(16);
///     pipe.write_all(b"loop").await.unwrap();
///     let mut buf = [0u8; 4];
///     pipe.read_exact(&mut buf).await.unwrap();
///     assert_eq!(&buf, b"loop");
/// });
/// ```
#[derive(Debug)]
pub struct SimplexStream {
    pipe: Pipe,
}

/// Creates a unidirectional in-memory pipe buffering up to `max_buf_size` bytes, already split
/// into its read and write halves.
///
/// # Panics
///
/// Panics if `max_buf_size` is 0.
///
/// ```
/// use gort_reactor::io::{simplex, AsyncReadExt, AsyncWriteExt};
/// futures::executor::block_on(async {
///     let (mut rx, mut tx) = simplex(16);
///     tx.write_all(b"one way").await.unwrap();
///     tx.shutdown().await.unwrap();
///     let mut s = String::new();
///     rx.read_to_string(&mut s).await.unwrap();
///     assert_eq!(s, "one way");
/// });
/// ```
#[track_caller]
pub fn simplex(max_buf_size: usize) -> (ReadHalf<SimplexStream>, WriteHalf<SimplexStream>) {
    split(SimplexStream::new_unsplit(max_buf_size))
}

impl SimplexStream {
    /// Creates an unsplit unidirectional pipe buffering up to `max_buf_size` bytes.
    ///
    /// # Panics
    ///
    /// Panics if `max_buf_size` is 0.
    ///
    /// ```
    /// let _pipe = gort_reactor::io::SimplexStream::new_unsplit(8);
    /// ```
    #[track_caller]
    pub fn new_unsplit(max_buf_size: usize) -> SimplexStream {
        assert!(
            max_buf_size > 0,
            "SimplexStream: max_buf_size must be at least 1"
        );
        SimplexStream {
            pipe: Pipe::new(max_buf_size),
        }
    }
}

impl AsyncRead for SimplexStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        with_budget(cx, |cx, d| self.get_mut().pipe.poll_read(cx, buf, d))
    }
}

impl AsyncWrite for SimplexStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        with_budget(cx, |cx, d| {
            self.get_mut().pipe.poll_write(cx, &[IoSlice::new(buf)], d)
        })
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        with_budget(cx, |cx, d| self.get_mut().pipe.poll_write(cx, bufs, d))
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().pipe.close_write().run();
        Poll::Ready(Ok(()))
    }
}

crate::io::impl_futures_io_read!(SimplexStream);
crate::io::impl_futures_io_write!(SimplexStream);
