//! [`stdin`], [`stdout`], [`stderr`]: the process's standard streams, as tokio's.
//!
//! Standard streams cannot be made non-blocking portably, so each handle runs its blocking
//! reads and writes on a blocking thread (the runtime's `spawn_blocking` pool when inside a
//! gort runtime, a plain thread otherwise) through [`Blocking`](super::blocking).

use super::blocking::{Blocking, BlockingIo};
use super::{AsyncRead, AsyncWrite, ReadBuf};
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

/// The standard input of the process; see [`stdin`].
///
/// As with tokio's, a read in progress cannot be interrupted: it holds a blocking thread until
/// input arrives, even if the future is dropped. Reads are unbuffered per call; wrap it in a
/// [`BufReader`](super::BufReader) to read lines.
///
/// ```
/// let _input: gort_reactor::io::Stdin = gort_reactor::io::stdin();
/// ```
pub struct Stdin {
    inner: Blocking<io::Stdin>,
}

/// Returns a handle to the standard input of the process.
///
/// ```no_run
/// use gort_reactor::io::{stdin, AsyncBufReadExt, BufReader};
/// futures::executor::block_on(async {
///     let mut lines = BufReader::new(stdin()).lines();
///     while let Some(line) = lines.next_line().await.unwrap() {
///         println!("got {line}");
///     }
/// });
/// ```
pub fn stdin() -> Stdin {
    Stdin {
        inner: Blocking::new(io::stdin()),
    }
}

impl AsyncRead for Stdin {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

/// The standard output of the process; see [`stdout`].
///
/// Writes are handed to a blocking thread and reported written at once; call
/// [`flush`](super::AsyncWriteExt::flush) to wait until they reached the OS (and to see a
/// write error). Separate `Stdout` handles may interleave.
///
/// ```
/// let _out: gort_reactor::io::Stdout = gort_reactor::io::stdout();
/// ```
pub struct Stdout {
    inner: Blocking<io::Stdout>,
}

/// Returns a handle to the standard output of the process.
///
/// ```
/// use gort_reactor::io::{stdout, AsyncWriteExt};
/// futures::executor::block_on(async {
///     let mut out = stdout();
///     out.write_all(b"hello from gort\n").await.unwrap();
///     out.flush().await.unwrap();
/// });
/// ```
pub fn stdout() -> Stdout {
    Stdout {
        inner: Blocking::new(io::stdout()),
    }
}

/// The standard error of the process; see [`stderr`]. Behaves as [`Stdout`].
///
/// ```
/// let _err: gort_reactor::io::Stderr = gort_reactor::io::stderr();
/// ```
pub struct Stderr {
    inner: Blocking<io::Stderr>,
}

/// Returns a handle to the standard error of the process.
///
/// ```
/// use gort_reactor::io::{stderr, AsyncWriteExt};
/// futures::executor::block_on(async {
///     let mut err = stderr();
///     err.write_all(b"a warning\n").await.unwrap();
///     err.flush().await.unwrap();
/// });
/// ```
pub fn stderr() -> Stderr {
    Stderr {
        inner: Blocking::new(io::stderr()),
    }
}

/// The std streams go through `Blocking` as they are: each handle is only read or only
/// written, so there is never read-ahead to rewind; std's `Stdout` buffers lines, so a flush
/// must reach it.
macro_rules! std_stream {
    ($($std:ty),*) => { $(
        impl BlockingIo for $std {
            const BUFFERED: bool = true;
            fn rewind(&mut self, _unread: usize) -> io::Result<()> {
                Ok(())
            }
        }
    )* };
}

std_stream!(io::Stdin, io::Stdout, io::Stderr);

macro_rules! forward_async_write {
    ($ty:ty) => {
        impl AsyncWrite for $ty {
            fn poll_write(
                mut self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &[u8],
            ) -> Poll<io::Result<usize>> {
                Pin::new(&mut self.inner).poll_write(cx, buf)
            }

            fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                Pin::new(&mut self.inner).poll_flush(cx)
            }

            fn poll_shutdown(
                mut self: Pin<&mut Self>,
                cx: &mut Context<'_>,
            ) -> Poll<io::Result<()>> {
                Pin::new(&mut self.inner).poll_shutdown(cx)
            }
        }
    };
}

forward_async_write!(Stdout);
forward_async_write!(Stderr);

crate::io::impl_futures_io_read!(Stdin);
crate::io::impl_futures_io_write!(Stdout);
crate::io::impl_futures_io_write!(Stderr);

impl std::fmt::Debug for Stdin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Stdin")
    }
}

impl std::fmt::Debug for Stdout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Stdout")
    }
}

impl std::fmt::Debug for Stderr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Stderr")
    }
}

#[cfg(unix)]
mod unix {
    use std::os::unix::io::{AsFd, AsRawFd, BorrowedFd, RawFd};

    macro_rules! fd_impls {
        ($ty:ty, $std:path) => {
            impl AsRawFd for $ty {
                fn as_raw_fd(&self) -> RawFd {
                    $std().as_raw_fd()
                }
            }

            impl AsFd for $ty {
                fn as_fd(&self) -> BorrowedFd<'_> {
                    // SAFETY: the standard streams' descriptors stay open for the whole life of
                    // the process, so the borrow cannot outlive the descriptor.
                    unsafe { BorrowedFd::borrow_raw(self.as_raw_fd()) }
                }
            }
        };
    }

    fd_impls!(super::Stdin, std::io::stdin);
    fd_impls!(super::Stdout, std::io::stdout);
    fd_impls!(super::Stderr, std::io::stderr);
}
