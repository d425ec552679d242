//! [`Blocking`]: a blocking `std::io` handle behind the async traits, with tokio's semantics
//! for `fs::File` and the std streams (both are built on it).
//!
//! At most one operation is in flight. An operation moves the handle and an owned [`Buf`] to
//! the blocking pool ([`offload::run`](crate::offload)) and gets both back when done:
//! - read: fills the buffer with up to `min(wanted, max_buf_size)` bytes; reads are then
//!   served from the buffer until it is empty;
//! - write: copies up to `max_buf_size` bytes into the buffer and reports them written at once
//!   ("write-behind"); the next operation waits for it, and a write error surfaces on the next
//!   write, flush or seek;
//! - flush: waits for the write in flight (and calls the handle's own `flush` if it buffers);
//! - seek: starts once nothing is in flight (`start_seek` fails while busy, as tokio's).
//!
//! A read fetches ahead of what the caller consumed; before a write or seek the handle's
//! cursor is moved back over the unread bytes ([`BlockingIo::rewind`]), so the file position
//! is always the logical one.

use super::{AsyncRead, AsyncSeek, AsyncWrite, ReadBuf};
use crate::offload::{self, Offload};
use std::future::Future;
use std::io::{self, IoSlice, Read, Seek, SeekFrom, Write};
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// Most bytes moved per blocking operation by default (tokio's value).
pub(crate) const DEFAULT_MAX_BUF_SIZE: usize = 2 * 1024 * 1024;

/// What a handle under [`Blocking`] needs beyond `Read`/`Write`/`Seek`.
pub(crate) trait BlockingIo: Send + 'static {
    /// Whether the handle buffers writes itself, so that a flush must reach it (std's
    /// `Stdout`); a `File` writes straight to the OS and needs no flush call.
    const BUFFERED: bool;

    /// Moves the handle's cursor back over `unread` bytes that were read ahead but not
    /// consumed, before a write or seek.
    fn rewind(&mut self, unread: usize) -> io::Result<()>;
}

/// Bytes moved to or from the blocking pool, with a read position.
#[derive(Default)]
pub(crate) struct Buf {
    bytes: Vec<u8>,
    pos: usize,
}

impl Buf {
    fn unread(&self) -> usize {
        self.bytes.len() - self.pos
    }

    /// Drops the unread bytes, returning how many there were.
    fn discard_read(&mut self) -> usize {
        let unread = self.unread();
        self.bytes.clear();
        self.pos = 0;
        unread
    }

    fn copy_to(&mut self, dst: &mut ReadBuf<'_>) {
        let n = self.unread().min(dst.remaining());
        dst.put_slice(&self.bytes[self.pos..self.pos + n]);
        self.pos += n;
        if self.pos == self.bytes.len() {
            self.discard_read();
        }
    }

    /// Replaces the contents with up to `max` bytes gathered from `src`; returns how many.
    fn copy_from(&mut self, src: &[IoSlice<'_>], max: usize) -> usize {
        self.bytes.clear();
        self.pos = 0;
        for slice in src {
            let take = slice.len().min(max - self.bytes.len());
            self.bytes.extend_from_slice(&slice[..take]);
        }
        self.bytes.len()
    }

    fn read_from<R: Read>(&mut self, rd: &mut R, want: usize) -> io::Result<usize> {
        self.bytes.resize(want, 0);
        let result = loop {
            match rd.read(&mut self.bytes) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                other => break other,
            }
        };
        self.bytes.truncate(*result.as_ref().unwrap_or(&0));
        self.pos = 0;
        result
    }

    fn write_to<W: Write>(&mut self, wr: &mut W) -> io::Result<()> {
        let result = wr.write_all(&self.bytes);
        self.discard_read();
        result
    }
}

/// A finished operation and its outcome.
pub(crate) enum Op {
    Read(io::Result<usize>),
    Write(io::Result<()>),
    Seek(io::Result<u64>),
    /// Moving the cursor back over the read-ahead failed; the operation did not run.
    Rewind(io::Error),
}

/// The handle and its buffer: with the adapter while idle, on the pool while busy.
pub(crate) struct Parts<T> {
    io: T,
    buf: Buf,
}

impl<T> Parts<T> {
    /// Swaps the handle, keeping the buffer (and any read-ahead in it).
    pub(crate) fn replace_io<U>(self, io: U) -> (T, Parts<U>) {
        (self.io, Parts { io, buf: self.buf })
    }
}

enum State<T> {
    Idle(Option<Parts<T>>),
    Busy(Offload<(Parts<T>, Op)>),
    /// The blocking job panicked or was dropped by a shutting-down runtime with the handle.
    Lost,
}

/// A blocking handle driven from async code, one operation at a time; see the module docs.
pub(crate) struct Blocking<T> {
    state: State<T>,
    max_buf_size: usize,
    /// A write went out since the last flush reached a `BUFFERED` handle.
    need_flush: bool,
    /// A write error seen by a read or seek, reported by the next write or flush.
    last_write_err: Option<io::ErrorKind>,
    /// The position the last seek reported.
    pos: u64,
}

// The handle and buffer move to and from blocking threads, never pinned in place.
impl<T> Unpin for Blocking<T> {}

fn lost() -> io::Error {
    io::Error::other("background task failed")
}

impl<T: BlockingIo> Blocking<T> {
    pub(crate) fn new(io: T) -> Self {
        Blocking {
            state: State::Idle(Some(Parts {
                io,
                buf: Buf::default(),
            })),
            max_buf_size: DEFAULT_MAX_BUF_SIZE,
            need_flush: false,
            last_write_err: None,
            pos: 0,
        }
    }

    pub(crate) fn set_max_buf_size(&mut self, max_buf_size: usize) {
        self.max_buf_size = max_buf_size;
    }

    /// Takes the handle and buffer out if nothing is in flight (put them back with
    /// [`put_idle`](Self::put_idle)).
    pub(crate) fn take_idle(&mut self) -> Option<Parts<T>> {
        match &mut self.state {
            State::Idle(parts) => parts.take(),
            _ => None,
        }
    }

    pub(crate) fn put_idle(&mut self, parts: Parts<T>) {
        self.state = State::Idle(Some(parts));
    }

    /// Waits for the operation in flight, if any, and returns it.
    fn poll_idle(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<Option<Op>>> {
        match &mut self.state {
            State::Idle(_) => Poll::Ready(Ok(None)),
            State::Lost => Poll::Ready(Err(lost())),
            State::Busy(task) => match ready!(Pin::new(task).poll(cx)) {
                Ok((parts, op)) => {
                    self.state = State::Idle(Some(parts));
                    Poll::Ready(Ok(Some(op)))
                }
                Err(e) => {
                    self.state = State::Lost;
                    Poll::Ready(Err(e))
                }
            },
        }
    }

    /// Keeps what a finished operation tells that the current caller does not consume.
    fn absorb(&mut self, op: Op) {
        match op {
            Op::Write(Err(e)) | Op::Rewind(e) => {
                self.last_write_err.get_or_insert(e.kind());
            }
            Op::Seek(Ok(pos)) => self.pos = pos,
            Op::Read(_) | Op::Write(Ok(())) | Op::Seek(Err(_)) => {}
        }
    }

    fn idle_parts(&mut self) -> &mut Parts<T> {
        match &mut self.state {
            State::Idle(Some(parts)) => parts,
            _ => unreachable!("Blocking: an operation is still in flight"),
        }
    }

    /// Starts `job` on the blocking pool with `stage` copied into the buffer (at most
    /// `max_buf_size` bytes; returns how many); the adapter must be idle. `job` gets the handle
    /// already rewound over any read-ahead.
    fn start<F>(&mut self, stage: &[IoSlice<'_>], job: F) -> usize
    where
        F: FnOnce(&mut T, &mut Buf) -> Op + Send + 'static,
    {
        let Some(mut parts) = self.take_idle() else {
            unreachable!("Blocking: an operation is still in flight")
        };
        let unread = parts.buf.discard_read();
        let n = parts.buf.copy_from(stage, self.max_buf_size);
        self.state = State::Busy(offload::run(move || {
            let op = match parts.io.rewind(unread) {
                Ok(()) => job(&mut parts.io, &mut parts.buf),
                Err(e) => Op::Rewind(e),
            };
            (parts, op)
        }));
        n
    }

    /// Waits until nothing is in flight, keeping a write error for the next write or flush
    /// (tokio's `complete_inflight`, used before `sync_all`, `set_len`, `into_std`).
    pub(crate) fn poll_complete_inflight(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        loop {
            match ready!(self.poll_idle(cx)) {
                Ok(Some(op)) => self.absorb(op),
                Ok(None) | Err(_) => return Poll::Ready(()),
            }
        }
    }

    /// Runs `job` once nothing is in flight and returns its outcome as a seek (the
    /// position it returns becomes the one [`AsyncSeek::poll_complete`] reports).
    pub(crate) async fn run_exclusive<F>(&mut self, job: F) -> io::Result<u64>
    where
        F: FnOnce(&mut T) -> io::Result<u64> + Send + 'static,
    {
        std::future::poll_fn(|cx| self.poll_complete_inflight(cx)).await;
        if let State::Lost = self.state {
            return Err(lost());
        }
        self.start(&[], |io, _| Op::Seek(job(io)));
        std::future::poll_fn(|cx| self.poll_complete(cx)).await
    }

    /// Waits for the write in flight and reports a pending write error.
    fn poll_write_done(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if let Some(kind) = self.last_write_err.take() {
            return Poll::Ready(Err(kind.into()));
        }
        while let Some(op) = ready!(self.poll_idle(cx))? {
            match op {
                Op::Write(Err(e)) | Op::Rewind(e) => return Poll::Ready(Err(e)),
                other => self.absorb(other),
            }
        }
        Poll::Ready(Ok(()))
    }
}

impl<T: BlockingIo> Blocking<T> {
    pub(crate) fn poll_read(
        &mut self,
        cx: &mut Context<'_>,
        dst: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>>
    where
        T: Read,
    {
        loop {
            match ready!(self.poll_idle(cx))? {
                Some(Op::Read(Ok(_))) => {
                    self.idle_parts().buf.copy_to(dst);
                    return Poll::Ready(Ok(()));
                }
                Some(Op::Read(Err(e))) => return Poll::Ready(Err(e)),
                Some(other) => self.absorb(other),
                None => {
                    let buf = &mut self.idle_parts().buf;
                    if buf.unread() > 0 || dst.remaining() == 0 {
                        buf.copy_to(dst);
                        return Poll::Ready(Ok(()));
                    }
                    let want = dst.remaining().min(self.max_buf_size);
                    // A read needs no rewind: the buffer is empty.
                    self.start(&[], move |io, buf| Op::Read(buf.read_from(io, want)));
                }
            }
        }
    }

    /// Writes (write-behind) what `src` holds, gathered into one blocking write.
    pub(crate) fn poll_write(
        &mut self,
        cx: &mut Context<'_>,
        src: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>>
    where
        T: Write,
    {
        ready!(self.poll_write_done(cx))?;
        if src.iter().all(|slice| slice.is_empty()) {
            return Poll::Ready(Ok(0));
        }
        // The source is staged before the job starts, so the write is reported at once.
        let n = self.start(src, |io, buf| Op::Write(buf.write_to(io)));
        self.need_flush = true;
        Poll::Ready(Ok(n))
    }

    pub(crate) fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>>
    where
        T: Write,
    {
        ready!(self.poll_write_done(cx))?;
        if !(T::BUFFERED && self.need_flush) {
            return Poll::Ready(Ok(()));
        }
        self.need_flush = false;
        self.start(&[], |io, _| Op::Write(io.flush()));
        self.poll_write_done(cx)
    }

    pub(crate) fn start_seek(&mut self, pos: SeekFrom) -> io::Result<()>
    where
        T: Seek,
    {
        match self.state {
            State::Busy(_) => Err(io::Error::other(
                "other file operation is pending, call poll_complete before start_seek",
            )),
            State::Lost => Err(lost()),
            State::Idle(_) => {
                self.start(&[], move |io, _| Op::Seek(io.seek(pos)));
                Ok(())
            }
        }
    }

    pub(crate) fn poll_complete(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
        loop {
            match ready!(self.poll_idle(cx))? {
                None => return Poll::Ready(Ok(self.pos)),
                Some(Op::Seek(result)) => {
                    if let Ok(pos) = result {
                        self.pos = pos;
                    }
                    return Poll::Ready(result);
                }
                Some(Op::Rewind(e)) => return Poll::Ready(Err(e)),
                Some(other) => self.absorb(other),
            }
        }
    }
}

impl<T: BlockingIo + Read> AsyncRead for Blocking<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        dst: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.get_mut().poll_read(cx, dst)
    }
}

impl<T: BlockingIo + Write> AsyncWrite for Blocking<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        src: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().poll_write(cx, &[IoSlice::new(src)])
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().poll_write(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().poll_flush(cx)
    }
}

impl<T: BlockingIo + Seek> AsyncSeek for Blocking<T> {
    fn start_seek(self: Pin<&mut Self>, pos: SeekFrom) -> io::Result<()> {
        self.get_mut().start_seek(pos)
    }

    fn poll_complete(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
        self.get_mut().poll_complete(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::{AsyncBufReadExt, AsyncReadExt, AsyncSeekExt, AsyncWriteExt, BufReader};
    use futures::executor::block_on;
    use std::sync::{Arc, Mutex};

    /// A `std::io::Write` whose bytes and flush count the test can inspect after the fact.
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

    impl BlockingIo for Shared {
        const BUFFERED: bool = true;
        fn rewind(&mut self, _: usize) -> io::Result<()> {
            Ok(())
        }
    }

    impl<T: AsRef<[u8]> + Send + 'static> BlockingIo for io::Cursor<T> {
        const BUFFERED: bool = false;
        fn rewind(&mut self, unread: usize) -> io::Result<()> {
            self.seek(SeekFrom::Current(-(unread as i64))).map(drop)
        }
    }

    #[test]
    fn reads_through_a_blocking_thread() {
        block_on(async {
            let data: Vec<u8> = (0..=255).cycle().take(10_000).collect();
            let mut r = Blocking::new(io::Cursor::new(data.clone()));
            r.set_max_buf_size(333);
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
    fn writes_are_ordered_and_flushed_once() {
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
            assert_eq!(
                sink.0.lock().unwrap().1,
                1,
                "nothing written since the flush"
            );
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
        impl BlockingIo for Failing {
            const BUFFERED: bool = false;
            fn rewind(&mut self, _: usize) -> io::Result<()> {
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

    #[test]
    fn start_seek_while_busy_is_an_error() {
        block_on(async {
            let mut f = Blocking::new(io::Cursor::new(Vec::new()));
            assert_eq!(f.write(b"abc").await.unwrap(), 3);
            let err = Pin::new(&mut f).start_seek(SeekFrom::Start(0)).unwrap_err();
            assert!(err.to_string().contains("poll_complete"));
            f.flush().await.unwrap();
            assert_eq!(f.seek(SeekFrom::End(0)).await.unwrap(), 3);
        });
    }

    /// A handle whose first read waits until the test opens the gate, so that the read is
    /// certainly still in flight when the test polls it.
    struct Gated<T> {
        inner: T,
        gate: Option<std::sync::mpsc::Receiver<()>>,
        rewinds: bool,
    }

    impl<T: Read> Read for Gated<T> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if let Some(gate) = self.gate.take() {
                gate.recv().unwrap();
            }
            self.inner.read(buf)
        }
    }

    impl<T: Write> Write for Gated<T> {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.inner.write(buf)
        }
        fn flush(&mut self) -> io::Result<()> {
            self.inner.flush()
        }
    }

    impl<T: Seek> Seek for Gated<T> {
        fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
            self.inner.seek(pos)
        }
    }

    impl<T: Seek + Send + 'static> BlockingIo for Gated<T> {
        const BUFFERED: bool = false;
        fn rewind(&mut self, unread: usize) -> io::Result<()> {
            match (unread, self.rewinds) {
                (0, _) => Ok(()),
                (n, true) => self.inner.seek(SeekFrom::Current(-(n as i64))).map(drop),
                (_, false) => Err(io::ErrorKind::Unsupported.into()),
            }
        }
    }

    /// Starts a 64-byte read, abandons it, then reads one byte: the rest stays read ahead.
    fn read_one_leaving_read_ahead(
        data: &[u8],
        rewinds: bool,
    ) -> (Blocking<Gated<io::Cursor<Vec<u8>>>>, u8) {
        let (open, gate) = std::sync::mpsc::channel();
        let mut f = Blocking::new(Gated {
            inner: io::Cursor::new(data.to_vec()),
            gate: Some(gate),
            rewinds,
        });
        let waker = futures::task::noop_waker();
        let mut big = [0u8; 64];
        let first = f.poll_read(
            &mut Context::from_waker(&waker),
            &mut ReadBuf::new(&mut big),
        );
        assert!(first.is_pending(), "the gate holds the read");
        open.send(()).unwrap();
        let mut one = [0u8; 1];
        block_on(std::future::poll_fn(|cx| {
            f.poll_read(cx, &mut ReadBuf::new(&mut one))
        }))
        .unwrap();
        (f, one[0])
    }

    #[test]
    fn writes_and_seeks_after_read_ahead_start_at_the_logical_position() {
        let (mut f, first) = read_one_leaving_read_ahead(b"0123456789", true);
        assert_eq!(first, b'0');
        block_on(async {
            f.write_all(b"ab").await.unwrap(); // at 1, not after the read-ahead
            assert_eq!(f.seek(SeekFrom::Current(0)).await.unwrap(), 3);
            f.rewind().await.unwrap();
            let mut all = String::new();
            f.read_to_string(&mut all).await.unwrap();
            assert_eq!(all, "0ab3456789");
        });
        let (mut f, _) = read_one_leaving_read_ahead(b"0123456789", true);
        block_on(async {
            assert_eq!(f.seek(SeekFrom::Current(2)).await.unwrap(), 3);
            assert_eq!(f.read_u8().await.unwrap(), b'3');
        });
    }

    #[test]
    fn a_failed_rewind_fails_the_seek() {
        let (mut f, _) = read_one_leaving_read_ahead(b"abc", false);
        block_on(async {
            let err = f.seek(SeekFrom::Current(0)).await.unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::Unsupported);
            assert_eq!(
                f.seek(SeekFrom::Start(1)).await.unwrap(),
                1,
                "nothing to rewind now"
            );
            assert_eq!(f.read_u8().await.unwrap(), b'b');
        });
    }
}
