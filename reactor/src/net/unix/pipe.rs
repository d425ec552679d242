//! Unix pipes and FIFOs as async I/O, as `tokio::net::unix::pipe`: [`pipe`] makes an anonymous
//! pair, [`OpenOptions`] opens a named FIFO, and `from_file`/`from_owned_fd` adopt an end
//! opened elsewhere.
//!
//! Each end is a `mio::unix::pipe` source in non-blocking mode, registered with the reactor
//! like a socket; reads and writes run the driver's readiness loop (the same `PollEvented`
//! and `poll_*_buf` pieces the sockets and a child's stdio pipes use). A [`Sender`] only ever
//! waits for write readiness, a [`Receiver`] only for read readiness.

use crate::driver::ready::{Direction, Ready as ReadyMask};
use crate::driver::registration::PollEvented;
use crate::io::{AsyncRead, AsyncWrite, Interest, ReadBuf, Ready};
use crate::net::{fill_buf_mut, poll_read_buf, poll_write_buf, poll_write_vectored_buf};
use mio::unix::pipe as mio_pipe;
use std::fs::File;
use std::io::{self, IoSlice, IoSliceMut, Read, Write};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::Path;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Creates an anonymous pipe (`pipe2` with `O_NONBLOCK | O_CLOEXEC`): what is written to the
/// [`Sender`] comes out of the [`Receiver`].
///
/// # Panics
///
/// Outside a runtime with I/O enabled.
///
/// ```
/// use gort_reactor::io::{AsyncReadExt, AsyncWriteExt};
/// use gort_reactor::net::unix::pipe;
///
/// # async fn f() -> std::io::Result<()> {
/// let (mut tx, mut rx) = pipe::pipe()?;
/// tx.write_all(b"hello").await?;
/// drop(tx); // the reader then sees end-of-file
/// let mut out = String::new();
/// rx.read_to_string(&mut out).await?;
/// assert_eq!(out, "hello");
/// # Ok(()) }
/// ```
pub fn pipe() -> io::Result<(Sender, Receiver)> {
    let (tx, rx) = mio_pipe::new()?;
    Ok((Sender::register(tx)?, Receiver::register(rx)?))
}

/// How a FIFO is opened (tokio's `pipe::OpenOptions`). The file is always opened with
/// `O_NONBLOCK`: opening a sender fails with `ENXIO` while no reader has the FIFO open.
///
/// ```
/// use gort_reactor::net::unix::pipe;
///
/// # fn f() -> std::io::Result<()> {
/// let rx = pipe::OpenOptions::new().open_receiver("/tmp/some.fifo")?;
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, Default)]
pub struct OpenOptions {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    read_write: bool,
    unchecked: bool,
}

impl OpenOptions {
    /// Default options: open only the requested direction, and check that the file is a FIFO.
    ///
    /// ```
    /// let opts = gort_reactor::net::unix::pipe::OpenOptions::new();
    /// ```
    pub fn new() -> OpenOptions {
        OpenOptions::default()
    }

    /// Opens the FIFO for reading and writing (`O_RDWR`, Linux and Android only): a sender
    /// then opens without a reader present, and a receiver never sees end-of-file when the
    /// last other writer leaves.
    ///
    /// ```
    /// # fn f() -> std::io::Result<()> {
    /// let tx = gort_reactor::net::unix::pipe::OpenOptions::new()
    ///     .read_write(true)
    ///     .open_sender("/tmp/some.fifo")?;
    /// # Ok(()) }
    /// ```
    #[cfg(any(target_os = "linux", target_os = "android"))]
    pub fn read_write(&mut self, value: bool) -> &mut Self {
        self.read_write = value;
        self
    }

    /// Skips the check that the opened file is a FIFO (the caller vouches for it, e.g. a
    /// character device that behaves like one).
    ///
    /// ```
    /// # fn f() -> std::io::Result<()> {
    /// let rx = gort_reactor::net::unix::pipe::OpenOptions::new()
    ///     .unchecked(true)
    ///     .open_receiver("/tmp/some.fifo")?;
    /// # Ok(()) }
    /// ```
    pub fn unchecked(&mut self, value: bool) -> &mut Self {
        self.unchecked = value;
        self
    }

    /// Opens the FIFO at `path` as a [`Receiver`].
    ///
    /// # Panics
    ///
    /// Outside a runtime with I/O enabled.
    ///
    /// ```
    /// # fn f() -> std::io::Result<()> {
    /// let rx = gort_reactor::net::unix::pipe::OpenOptions::new().open_receiver("/tmp/some.fifo")?;
    /// # Ok(()) }
    /// ```
    pub fn open_receiver<P: AsRef<Path>>(&self, path: P) -> io::Result<Receiver> {
        Receiver::from_file_unchecked(self.open(path.as_ref(), Direction::Read)?)
    }

    /// Opens the FIFO at `path` as a [`Sender`]. Fails with `ENXIO` if no reader has it open
    /// (unless [`read_write`](Self::read_write) is set).
    ///
    /// # Panics
    ///
    /// Outside a runtime with I/O enabled.
    ///
    /// ```
    /// # fn f() -> std::io::Result<()> {
    /// let tx = gort_reactor::net::unix::pipe::OpenOptions::new().open_sender("/tmp/some.fifo")?;
    /// # Ok(()) }
    /// ```
    pub fn open_sender<P: AsRef<Path>>(&self, path: P) -> io::Result<Sender> {
        Sender::from_file_unchecked(self.open(path.as_ref(), Direction::Write)?)
    }

    fn open(&self, path: &Path, direction: Direction) -> io::Result<File> {
        let mut options = std::fs::OpenOptions::new();
        options
            .read(direction == Direction::Read)
            .write(direction == Direction::Write)
            .custom_flags(libc::O_NONBLOCK);
        #[cfg(any(target_os = "linux", target_os = "android"))]
        if self.read_write {
            options.read(true).write(true);
        }
        let file = options.open(path)?;
        if !self.unchecked && !is_fifo(&file)? {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "not a pipe"));
        }
        Ok(file)
    }
}

/// The writing end of a pipe or FIFO (tokio's `pipe::Sender`).
///
/// ```
/// use gort_reactor::io::AsyncWriteExt;
///
/// # async fn f(mut tx: gort_reactor::net::unix::pipe::Sender) -> std::io::Result<()> {
/// tx.write_all(b"hello").await?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Sender {
    io: PollEvented<mio_pipe::Sender>,
}

/// The reading end of a pipe or FIFO (tokio's `pipe::Receiver`). A read returning 0 bytes is
/// end-of-file: every writer has closed its end.
///
/// ```
/// use gort_reactor::io::AsyncReadExt;
///
/// # async fn f(mut rx: gort_reactor::net::unix::pipe::Receiver) -> std::io::Result<()> {
/// let mut buf = Vec::new();
/// rx.read_to_end(&mut buf).await?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Receiver {
    io: PollEvented<mio_pipe::Receiver>,
}

impl Sender {
    fn register(tx: mio_pipe::Sender) -> io::Result<Sender> {
        Ok(Sender {
            io: PollEvented::new(tx)?,
        })
    }

    /// Adopts an open pipe end. Fails with `InvalidInput` unless `file` is a FIFO opened for
    /// writing; switches it to non-blocking mode.
    ///
    /// # Panics
    ///
    /// Outside a runtime with I/O enabled.
    ///
    /// ```
    /// # fn f(file: std::fs::File) -> std::io::Result<()> {
    /// let tx = gort_reactor::net::unix::pipe::Sender::from_file(file)?;
    /// # Ok(()) }
    /// ```
    pub fn from_file(file: File) -> io::Result<Sender> {
        let fd = checked_fifo(file, Direction::Write)?;
        let tx = mio_pipe::Sender::from(fd);
        tx.set_nonblocking(true)?;
        Sender::register(tx)
    }

    /// [`from_file`](Self::from_file) for an `OwnedFd`.
    ///
    /// ```
    /// # fn f(fd: std::os::fd::OwnedFd) -> std::io::Result<()> {
    /// let tx = gort_reactor::net::unix::pipe::Sender::from_owned_fd(fd)?;
    /// # Ok(()) }
    /// ```
    pub fn from_owned_fd(owned_fd: OwnedFd) -> io::Result<Sender> {
        Sender::from_file(owned_fd.into())
    }

    /// Adopts `file` as is: the caller promises it is a pipe end, writable, and already in
    /// non-blocking mode (nothing is checked or changed).
    ///
    /// ```
    /// # fn f(file: std::fs::File) -> std::io::Result<()> {
    /// let tx = gort_reactor::net::unix::pipe::Sender::from_file_unchecked(file)?;
    /// # Ok(()) }
    /// ```
    pub fn from_file_unchecked(file: File) -> io::Result<Sender> {
        Sender::from_owned_fd_unchecked(file.into())
    }

    /// [`from_file_unchecked`](Self::from_file_unchecked) for an `OwnedFd`.
    ///
    /// ```
    /// # fn f(fd: std::os::fd::OwnedFd) -> std::io::Result<()> {
    /// let tx = gort_reactor::net::unix::pipe::Sender::from_owned_fd_unchecked(fd)?;
    /// # Ok(()) }
    /// ```
    pub fn from_owned_fd_unchecked(owned_fd: OwnedFd) -> io::Result<Sender> {
        Sender::register(owned_fd.into())
    }

    /// Waits until the pipe is ready for any of `interest` and returns the readiness seen
    /// (not cleared: follow with [`try_write`](Self::try_write)).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// ```
    /// use gort_reactor::io::Interest;
    /// # async fn f(tx: gort_reactor::net::unix::pipe::Sender) -> std::io::Result<()> {
    /// let ready = tx.ready(Interest::WRITABLE).await?;
    /// assert!(ready.is_writable() || ready.is_write_closed());
    /// # Ok(()) }
    /// ```
    #[track_caller]
    pub fn ready(
        &self,
        interest: Interest,
    ) -> impl std::future::Future<Output = io::Result<Ready>> + '_ {
        ready(&self.io, interest)
    }

    /// Waits until the pipe is writable; follow with [`try_write`](Self::try_write).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// ```
    /// # async fn f(tx: gort_reactor::net::unix::pipe::Sender) -> std::io::Result<()> {
    /// tx.writable().await?;
    /// let _ = tx.try_write(b"hi");
    /// # Ok(()) }
    /// ```
    #[track_caller]
    pub fn writable(&self) -> impl std::future::Future<Output = io::Result<()>> + '_ {
        self.io.ready_in(Direction::Write)
    }

    /// Polls for write readiness.
    ///
    /// ```
    /// # fn f(tx: &gort_reactor::net::unix::pipe::Sender, cx: &mut std::task::Context<'_>) {
    /// let _ = tx.poll_write_ready(cx);
    /// # }
    /// ```
    pub fn poll_write_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io.poll_ready(cx, Direction::Write).map_ok(drop)
    }

    /// Writes without waiting: `WouldBlock` if the pipe buffer is full; `BrokenPipe` once
    /// every reader is gone.
    ///
    /// ```
    /// # fn f(tx: &gort_reactor::net::unix::pipe::Sender) {
    /// let _ = tx.try_write(b"hello");
    /// # }
    /// ```
    pub fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        self.io
            .try_io(Direction::Write.mask(), |mut tx| tx.write(buf))
    }

    /// Vectored [`try_write`](Self::try_write).
    ///
    /// ```
    /// use std::io::IoSlice;
    /// # fn f(tx: &gort_reactor::net::unix::pipe::Sender) {
    /// let _ = tx.try_write_vectored(&[IoSlice::new(b"a"), IoSlice::new(b"b")]);
    /// # }
    /// ```
    pub fn try_write_vectored(&self, buf: &[IoSlice<'_>]) -> io::Result<usize> {
        self.io
            .try_io(Direction::Write.mask(), |mut tx| tx.write_vectored(buf))
    }

    /// Runs `f` (a non-blocking write on the raw fd) if the pipe looks writable; a
    /// `WouldBlock` from `f` clears that readiness.
    ///
    /// ```
    /// # fn f(tx: &gort_reactor::net::unix::pipe::Sender) {
    /// let r = tx.try_io(|| Err::<(), _>(std::io::ErrorKind::WouldBlock.into()));
    /// assert!(r.is_err());
    /// # }
    /// ```
    pub fn try_io<R>(&self, f: impl FnOnce() -> io::Result<R>) -> io::Result<R> {
        self.io.try_io(Direction::Write.mask(), |_| f())
    }

    /// Deregisters the end and returns its fd in blocking mode.
    ///
    /// ```
    /// # fn f(tx: gort_reactor::net::unix::pipe::Sender) -> std::io::Result<()> {
    /// let fd = tx.into_blocking_fd()?;
    /// # Ok(()) }
    /// ```
    pub fn into_blocking_fd(self) -> io::Result<OwnedFd> {
        let tx = self.io.into_inner();
        tx.set_nonblocking(false)?;
        Ok(tx.into())
    }

    /// Deregisters the end and returns its fd, still in non-blocking mode.
    ///
    /// ```
    /// # fn f(tx: gort_reactor::net::unix::pipe::Sender) -> std::io::Result<()> {
    /// let fd = tx.into_nonblocking_fd()?;
    /// # Ok(()) }
    /// ```
    pub fn into_nonblocking_fd(self) -> io::Result<OwnedFd> {
        Ok(self.io.into_inner().into())
    }
}

impl Receiver {
    fn register(rx: mio_pipe::Receiver) -> io::Result<Receiver> {
        Ok(Receiver {
            io: PollEvented::new(rx)?,
        })
    }

    /// Adopts an open pipe end. Fails with `InvalidInput` unless `file` is a FIFO opened for
    /// reading; switches it to non-blocking mode.
    ///
    /// # Panics
    ///
    /// Outside a runtime with I/O enabled.
    ///
    /// ```
    /// # fn f(file: std::fs::File) -> std::io::Result<()> {
    /// let rx = gort_reactor::net::unix::pipe::Receiver::from_file(file)?;
    /// # Ok(()) }
    /// ```
    pub fn from_file(file: File) -> io::Result<Receiver> {
        let fd = checked_fifo(file, Direction::Read)?;
        let rx = mio_pipe::Receiver::from(fd);
        rx.set_nonblocking(true)?;
        Receiver::register(rx)
    }

    /// [`from_file`](Self::from_file) for an `OwnedFd`.
    ///
    /// ```
    /// # fn f(fd: std::os::fd::OwnedFd) -> std::io::Result<()> {
    /// let rx = gort_reactor::net::unix::pipe::Receiver::from_owned_fd(fd)?;
    /// # Ok(()) }
    /// ```
    pub fn from_owned_fd(owned_fd: OwnedFd) -> io::Result<Receiver> {
        Receiver::from_file(owned_fd.into())
    }

    /// Adopts `file` as is: the caller promises it is a pipe end, readable, and already in
    /// non-blocking mode (nothing is checked or changed).
    ///
    /// ```
    /// # fn f(file: std::fs::File) -> std::io::Result<()> {
    /// let rx = gort_reactor::net::unix::pipe::Receiver::from_file_unchecked(file)?;
    /// # Ok(()) }
    /// ```
    pub fn from_file_unchecked(file: File) -> io::Result<Receiver> {
        Receiver::from_owned_fd_unchecked(file.into())
    }

    /// [`from_file_unchecked`](Self::from_file_unchecked) for an `OwnedFd`.
    ///
    /// ```
    /// # fn f(fd: std::os::fd::OwnedFd) -> std::io::Result<()> {
    /// let rx = gort_reactor::net::unix::pipe::Receiver::from_owned_fd_unchecked(fd)?;
    /// # Ok(()) }
    /// ```
    pub fn from_owned_fd_unchecked(owned_fd: OwnedFd) -> io::Result<Receiver> {
        Receiver::register(owned_fd.into())
    }

    /// Waits until the pipe is ready for any of `interest` and returns the readiness seen
    /// (not cleared: follow with [`try_read`](Self::try_read)).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// ```
    /// use gort_reactor::io::Interest;
    /// # async fn f(rx: gort_reactor::net::unix::pipe::Receiver) -> std::io::Result<()> {
    /// let ready = rx.ready(Interest::READABLE).await?;
    /// assert!(ready.is_readable() || ready.is_read_closed());
    /// # Ok(()) }
    /// ```
    #[track_caller]
    pub fn ready(
        &self,
        interest: Interest,
    ) -> impl std::future::Future<Output = io::Result<Ready>> + '_ {
        ready(&self.io, interest)
    }

    /// Waits until the pipe is readable (data or end-of-file); follow with
    /// [`try_read`](Self::try_read).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// ```
    /// # async fn f(rx: gort_reactor::net::unix::pipe::Receiver) -> std::io::Result<()> {
    /// rx.readable().await?;
    /// let mut buf = [0; 64];
    /// let _ = rx.try_read(&mut buf);
    /// # Ok(()) }
    /// ```
    #[track_caller]
    pub fn readable(&self) -> impl std::future::Future<Output = io::Result<()>> + '_ {
        self.io.ready_in(Direction::Read)
    }

    /// Polls for read readiness.
    ///
    /// ```
    /// # fn f(rx: &gort_reactor::net::unix::pipe::Receiver, cx: &mut std::task::Context<'_>) {
    /// let _ = rx.poll_read_ready(cx);
    /// # }
    /// ```
    pub fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io.poll_ready(cx, Direction::Read).map_ok(drop)
    }

    /// Reads without waiting: `WouldBlock` if no data is available yet; `Ok(0)` is end-of-file.
    ///
    /// ```
    /// # fn f(rx: &gort_reactor::net::unix::pipe::Receiver) {
    /// let mut buf = [0; 64];
    /// match rx.try_read(&mut buf) {
    ///     Ok(n) => println!("{n} bytes"),
    ///     Err(e) => assert_eq!(e.kind(), std::io::ErrorKind::WouldBlock),
    /// }
    /// # }
    /// ```
    pub fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io
            .try_io(Direction::Read.mask(), |mut rx| rx.read(buf))
    }

    /// Vectored [`try_read`](Self::try_read).
    ///
    /// ```
    /// use std::io::IoSliceMut;
    /// # fn f(rx: &gort_reactor::net::unix::pipe::Receiver) {
    /// let (mut a, mut b) = ([0; 4], [0; 4]);
    /// let _ = rx.try_read_vectored(&mut [IoSliceMut::new(&mut a), IoSliceMut::new(&mut b)]);
    /// # }
    /// ```
    pub fn try_read_vectored(&self, bufs: &mut [IoSliceMut<'_>]) -> io::Result<usize> {
        self.io
            .try_io(Direction::Read.mask(), |mut rx| rx.read_vectored(bufs))
    }

    /// [`try_read`](Self::try_read) into a `BufMut` (e.g. a `Vec` with spare capacity),
    /// advancing it.
    ///
    /// ```
    /// # fn f(rx: &gort_reactor::net::unix::pipe::Receiver) {
    /// let mut buf = Vec::with_capacity(4096);
    /// if let Ok(n) = rx.try_read_buf(&mut buf) {
    ///     assert_eq!(buf.len(), n);
    /// }
    /// # }
    /// ```
    pub fn try_read_buf<B: bytes::BufMut>(&self, buf: &mut B) -> io::Result<usize> {
        self.io
            .try_io(Direction::Read.mask(), |mut rx| {
                fill_buf_mut(buf, |b| rx.read(b).map(|n| (n, ())))
            })
            .map(|(n, ())| n)
    }

    /// Runs `f` (a non-blocking read on the raw fd) if the pipe looks readable; a
    /// `WouldBlock` from `f` clears that readiness.
    ///
    /// ```
    /// # fn f(rx: &gort_reactor::net::unix::pipe::Receiver) {
    /// let r = rx.try_io(|| Err::<(), _>(std::io::ErrorKind::WouldBlock.into()));
    /// assert!(r.is_err());
    /// # }
    /// ```
    pub fn try_io<R>(&self, f: impl FnOnce() -> io::Result<R>) -> io::Result<R> {
        self.io.try_io(Direction::Read.mask(), |_| f())
    }

    /// Deregisters the end and returns its fd in blocking mode.
    ///
    /// ```
    /// # fn f(rx: gort_reactor::net::unix::pipe::Receiver) -> std::io::Result<()> {
    /// let fd = rx.into_blocking_fd()?;
    /// # Ok(()) }
    /// ```
    pub fn into_blocking_fd(self) -> io::Result<OwnedFd> {
        let rx = self.io.into_inner();
        rx.set_nonblocking(false)?;
        Ok(rx.into())
    }

    /// Deregisters the end and returns its fd, still in non-blocking mode.
    ///
    /// ```
    /// # fn f(rx: gort_reactor::net::unix::pipe::Receiver) -> std::io::Result<()> {
    /// let fd = rx.into_nonblocking_fd()?;
    /// # Ok(()) }
    /// ```
    pub fn into_nonblocking_fd(self) -> io::Result<OwnedFd> {
        Ok(self.io.into_inner().into())
    }
}

#[track_caller]
fn ready<E: mio::event::Source>(
    io: &PollEvented<E>,
    interest: Interest,
) -> impl std::future::Future<Output = io::Result<Ready>> + '_ {
    let wait = io.readiness(ReadyMask::from_interest(interest));
    async move { Ok(wait.await?.ready.to_public()) }
}

/// Checks that `file` is a FIFO opened for `direction` (tokio's `InvalidInput` errors).
fn checked_fifo(file: File, direction: Direction) -> io::Result<OwnedFd> {
    if !is_fifo(&file)? {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "not a pipe"));
    }
    // SAFETY: F_GETFL only reads the status flags of `file`, a live descriptor we own.
    let flags = unsafe { libc::fcntl(file.as_raw_fd(), libc::F_GETFL) };
    if flags < 0 {
        return Err(io::Error::last_os_error());
    }
    let mode = flags & libc::O_ACCMODE;
    let (wanted, message) = match direction {
        Direction::Read => (libc::O_RDONLY, "not in O_RDONLY or O_RDWR access mode"),
        Direction::Write => (libc::O_WRONLY, "not in O_WRONLY or O_RDWR access mode"),
    };
    if mode != wanted && mode != libc::O_RDWR {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, message));
    }
    Ok(file.into())
}

fn is_fifo(file: &File) -> io::Result<bool> {
    Ok(file.metadata()?.file_type().is_fifo())
}

impl AsyncRead for Receiver {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        poll_read_buf(&self.io, cx, buf)
    }
}

impl AsyncWrite for Sender {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        poll_write_buf(&self.io, cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        poll_write_vectored_buf(&self.io, cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    /// A pipe has no user-space buffer: nothing to flush.
    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    /// Does nothing, as in tokio: drop the sender to close the pipe.
    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

impl AsRawFd for Sender {
    fn as_raw_fd(&self) -> RawFd {
        self.io.io().as_raw_fd()
    }
}

impl AsFd for Sender {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.io().as_fd()
    }
}

impl AsRawFd for Receiver {
    fn as_raw_fd(&self) -> RawFd {
        self.io.io().as_raw_fd()
    }
}

impl AsFd for Receiver {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.io().as_fd()
    }
}

#[cfg(all(test, not(loom), not(miri)))]
mod tests {
    use super::*;
    use crate::io::{AsyncReadExt, AsyncWriteExt};
    use crate::test_block_on::block_on;
    use std::time::Duration;

    const LIMIT: Duration = Duration::from_secs(10);

    #[test]
    fn anonymous_pipe_carries_every_byte_then_eof() {
        block_on(LIMIT, async {
            let (mut tx, mut rx) = pipe().unwrap();
            let data: Vec<u8> = (0..200_000u32).map(|i| i as u8).collect();
            let writer = async {
                tx.write_all(&data).await.unwrap();
                drop(tx);
            };
            let mut got = Vec::new();
            let (_, read) = futures::join!(writer, rx.read_to_end(&mut got));
            assert_eq!(read.unwrap(), data.len());
            assert_eq!(got, data);
        });
    }

    #[test]
    fn try_read_is_would_block_until_data_then_eof_after_sender_drops() {
        block_on(LIMIT, async {
            let (tx, rx) = pipe().unwrap();
            let mut buf = [0; 8];
            assert_eq!(
                rx.try_read(&mut buf).unwrap_err().kind(),
                io::ErrorKind::WouldBlock
            );
            tx.writable().await.unwrap();
            assert_eq!(tx.try_write(b"abc").unwrap(), 3);
            rx.readable().await.unwrap();
            assert_eq!(rx.try_read(&mut buf).unwrap(), 3);
            assert_eq!(&buf[..3], b"abc");
            drop(tx);
            rx.readable().await.unwrap();
            assert_eq!(rx.try_read(&mut buf).unwrap(), 0);
        });
    }

    #[test]
    fn from_file_rejects_wrong_direction_and_non_fifo() {
        block_on(LIMIT, async {
            let (tx, rx) = pipe().unwrap();
            let read_end = File::from(rx.into_blocking_fd().unwrap());
            let err = Sender::from_file(read_end).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
            let write_end = File::from(tx.into_nonblocking_fd().unwrap());
            let err = Receiver::from_file(write_end).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
            let regular = File::open("/proc/self/status").unwrap();
            let err = Receiver::from_file(regular).unwrap_err();
            assert_eq!(err.to_string(), "not a pipe");
        });
    }

    #[test]
    fn into_blocking_fd_clears_o_nonblock() {
        block_on(LIMIT, async {
            let (tx, _rx) = pipe().unwrap();
            let fd = tx.into_blocking_fd().unwrap();
            // SAFETY: F_GETFL only reads the flags of `fd`, which we own.
            let flags = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_GETFL) };
            assert_eq!(flags & libc::O_NONBLOCK, 0);
        });
    }
}
