//! [`Blocking`]: runs a blocking `std::io::Read`/`Write` on another thread, one operation at a
//! time, behind the async traits. Used for stdin/stdout/stderr, which cannot be made
//! non-blocking portably (tokio does the same with `spawn_blocking`).
//!
//! Reads fill an owned buffer on the blocking thread and are then served from it; writes are
//! copied into the buffer and reported written at once ("write-behind"), the next operation
//! (write, flush, shutdown) waiting for the previous one and reporting its error if it failed.

use super::{AsyncRead, AsyncWrite, ReadBuf};
use std::io::{self, Read, Write};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{ready, Context, Poll, Waker};

/// Most bytes moved per blocking operation (tokio uses the same bound for its stdio).
pub(crate) const MAX_BUF: usize = 2 * 1024 * 1024;

/// What the blocking thread hands back.
struct Done<T> {
    inner: T,
    buf: Vec<u8>,
    result: io::Result<usize>,
}

/// The rendezvous between the task and the blocking thread.
struct Slot<T> {
    state: Mutex<(Option<Done<T>>, Option<Waker>)>,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Op {
    Read,
    Write,
    Flush,
}

/// A blocking reader or writer driven from async code; see the module docs.
pub(crate) struct Blocking<T> {
    inner: Option<T>,
    buf: Vec<u8>,
    pos: usize,
    pending: Option<(Op, Arc<Slot<T>>)>,
}

// `T` is moved to and from blocking threads, never pinned in place.
impl<T> Unpin for Blocking<T> {}

fn spawn(job: Box<dyn FnOnce() + Send>) {
    match crate::driver::Handle::try_current() {
        Some(handle) => handle.spawn_blocking(job),
        None => {
            std::thread::Builder::new()
                .name("gort-blocking-io".into())
                .spawn(job)
                .expect("failed to start a thread for blocking stdio");
        }
    }
}

impl<T: Send + 'static> Blocking<T> {
    pub(crate) fn new(inner: T) -> Self {
        Blocking {
            inner: Some(inner),
            buf: Vec::new(),
            pos: 0,
            pending: None,
        }
    }

    /// Hands `inner` and the buffer to a blocking thread running `work`.
    fn start(&mut self, op: Op, work: fn(&mut T, &mut Vec<u8>) -> io::Result<usize>) {
        let mut inner = self.inner.take().expect("Blocking: no operation in flight");
        let mut buf = std::mem::take(&mut self.buf);
        let slot = Arc::new(Slot {
            state: Mutex::new((None, None)),
        });
        let done_slot = slot.clone();
        spawn(Box::new(move || {
            let result = work(&mut inner, &mut buf);
            let waker = {
                let mut state = done_slot.state.lock().unwrap_or_else(|p| p.into_inner());
                state.0 = Some(Done { inner, buf, result });
                state.1.take()
            };
            if let Some(waker) = waker {
                waker.wake();
            }
        }));
        self.pending = Some((op, slot));
    }

    /// Waits for the operation in flight, if any; returns which one finished and its result.
    fn poll_pending(&mut self, cx: &mut Context<'_>) -> Poll<Option<(Op, io::Result<usize>)>> {
        let Some((op, slot)) = &self.pending else {
            return Poll::Ready(None);
        };
        let op = *op;
        let done = {
            let mut state = slot.state.lock().unwrap_or_else(|p| p.into_inner());
            match state.0.take() {
                Some(done) => done,
                None => {
                    state.1 = Some(cx.waker().clone());
                    return Poll::Pending;
                }
            }
        };
        self.pending = None;
        self.inner = Some(done.inner);
        self.buf = done.buf;
        self.pos = 0;
        Poll::Ready(Some((op, done.result)))
    }
}

impl<T: Read + Send + 'static> AsyncRead for Blocking<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        dst: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        loop {
            if let Some((op, result)) = ready!(this.poll_pending(cx)) {
                let n = result?;
                if op == Op::Read && n == 0 {
                    return Poll::Ready(Ok(())); // end of stream
                }
            }
            if this.pos < this.buf.len() {
                let n = (this.buf.len() - this.pos).min(dst.remaining());
                dst.put_slice(&this.buf[this.pos..this.pos + n]);
                this.pos += n;
                return Poll::Ready(Ok(()));
            }
            if dst.remaining() == 0 {
                return Poll::Ready(Ok(()));
            }
            let want = dst.remaining().min(MAX_BUF);
            this.buf.clear();
            this.buf.resize(want, 0);
            this.start(Op::Read, |inner, buf| {
                let result = inner.read(buf);
                buf.truncate(*result.as_ref().unwrap_or(&0));
                result
            });
        }
    }
}

impl<T: Write + Send + 'static> AsyncWrite for Blocking<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        src: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if let Some((_, result)) = ready!(this.poll_pending(cx)) {
            result?;
        }
        if src.is_empty() {
            return Poll::Ready(Ok(0));
        }
        let n = src.len().min(MAX_BUF);
        this.buf.clear();
        this.buf.extend_from_slice(&src[..n]);
        this.start(Op::Write, |inner, buf| {
            inner.write_all(buf).map(|()| buf.len())
        });
        Poll::Ready(Ok(n))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        loop {
            match ready!(this.poll_pending(cx)) {
                Some((Op::Flush, result)) => return Poll::Ready(result.map(drop)),
                Some((_, result)) => {
                    result?;
                }
                None => {}
            }
            this.start(Op::Flush, |inner, _| inner.flush().map(|()| 0));
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_flush(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
    use futures::executor::block_on;

    /// A `std::io::Write` whose bytes the test can inspect after the fact.
    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<(Vec<u8>, usize)>>);

    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().0.extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            self.0.lock().unwrap().1 += 1;
            Ok(())
        }
    }

    #[test]
    fn reads_through_a_blocking_thread() {
        block_on(async {
            let data: Vec<u8> = (0..=255).cycle().take(10_000).collect();
            let mut r = Blocking::new(io::Cursor::new(data.clone()));
            let mut out = Vec::new();
            assert_eq!(r.read_to_end(&mut out).await.unwrap(), data.len());
            assert_eq!(out, data);
            let mut lines =
                BufReader::new(Blocking::new(io::Cursor::new(b"a\nb\n".to_vec()))).lines();
            assert_eq!(lines.next_line().await.unwrap().as_deref(), Some("a"));
            assert_eq!(lines.next_line().await.unwrap().as_deref(), Some("b"));
            assert_eq!(lines.next_line().await.unwrap(), None);
        });
    }

    #[test]
    fn writes_are_ordered_and_flushed() {
        block_on(async {
            let sink = Shared::default();
            let mut w = Blocking::new(sink.clone());
            for i in 0..20u8 {
                w.write_all(&[i; 3]).await.unwrap();
            }
            w.flush().await.unwrap();
            let (data, flushes) = sink.0.lock().unwrap().clone();
            let expected: Vec<u8> = (0..20u8).flat_map(|i| [i; 3]).collect();
            assert_eq!(data, expected);
            assert_eq!(flushes, 1);
            w.shutdown().await.unwrap();
            assert_eq!(sink.0.lock().unwrap().1, 2);
        });
    }

    #[test]
    fn write_errors_surface_on_the_next_operation() {
        struct Failing;
        impl Write for Failing {
            fn write(&mut self, _: &[u8]) -> io::Result<usize> {
                Err(io::ErrorKind::BrokenPipe.into())
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        block_on(async {
            let mut w = Blocking::new(Failing);
            assert_eq!(
                w.write(b"x").await.unwrap(),
                1,
                "write-behind reports success"
            );
            assert_eq!(
                w.flush().await.unwrap_err().kind(),
                io::ErrorKind::BrokenPipe
            );
            w.flush().await.unwrap();
        });
    }
}
