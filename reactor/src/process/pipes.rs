//! [`ChildStdin`], [`ChildStdout`], [`ChildStderr`]: a child's pipe ends as async I/O.
//!
//! Each end is switched to non-blocking mode and registered with the reactor like a socket
//! (a `mio::unix::pipe` source); reads and writes run the driver's readiness loop.

use crate::driver::registration::PollEvented;
use crate::driver::Handle;
use crate::io::{AsyncRead, AsyncWrite, ReadBuf};
use crate::net::{poll_read_buf, poll_write_buf, poll_write_vectored_buf};
use mio::unix::pipe::{Receiver, Sender};
use std::fmt;
use std::io::{self, IoSlice};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::pin::Pin;
use std::process::Stdio;
use std::task::{Context, Poll};

/// One registered pipe end (`E` is mio's `Sender` or `Receiver`).
struct Pipe<E: mio::event::Source> {
    io: PollEvented<E>,
}

impl<E> Pipe<E>
where
    E: mio::event::Source + AsRawFd + Into<OwnedFd>,
{
    fn new(end: E, handle: Handle) -> io::Result<Self> {
        set_nonblocking(end.as_raw_fd(), true)?;
        Ok(Pipe {
            io: PollEvented::new_with_handle(end, handle)?,
        })
    }

    /// Deregisters the end and gives it back in blocking mode, as a child process expects it.
    fn into_owned_fd(self) -> io::Result<OwnedFd> {
        let fd: OwnedFd = self.io.into_inner().into();
        set_nonblocking(fd.as_raw_fd(), false)?;
        Ok(fd)
    }

    fn as_raw_fd(&self) -> RawFd {
        self.io.io().as_raw_fd()
    }
}

fn set_nonblocking(fd: RawFd, nonblocking: bool) -> io::Result<()> {
    // SAFETY: `fd` is a descriptor the caller owns for the duration of the call; F_GETFL and
    // F_SETFL only read and set its status flags.
    let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
    if flags < 0 {
        return Err(io::Error::last_os_error());
    }
    let flags = if nonblocking {
        flags | libc::O_NONBLOCK
    } else {
        flags & !libc::O_NONBLOCK
    };
    // SAFETY: as above.
    if unsafe { libc::fcntl(fd, libc::F_SETFL, flags) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// The writing end of a child's standard input, as `tokio::process::ChildStdin`.
///
/// Dropping it closes the pipe, so the child sees end-of-file. (`shutdown` does not close
/// it, as in tokio: drop it instead.)
///
/// ```
/// use gort_reactor::io::AsyncWriteExt;
/// use gort_reactor::process::Command;
/// use std::process::Stdio;
///
/// # async fn f() -> std::io::Result<()> {
/// let mut child = Command::new("cat").stdin(Stdio::piped()).spawn()?;
/// let mut stdin = child.stdin.take().unwrap();
/// stdin.write_all(b"hello").await?;
/// drop(stdin); // cat sees EOF and exits
/// child.wait().await?;
/// # Ok(()) }
/// ```
pub struct ChildStdin {
    pipe: Pipe<Sender>,
}

/// The reading end of a child's standard output, as `tokio::process::ChildStdout`.
///
/// ```
/// use gort_reactor::io::AsyncReadExt;
/// use gort_reactor::process::Command;
/// use std::process::Stdio;
///
/// # async fn f() -> std::io::Result<()> {
/// let mut child = Command::new("echo").arg("hi").stdout(Stdio::piped()).spawn()?;
/// let mut out = String::new();
/// child.stdout.take().unwrap().read_to_string(&mut out).await?;
/// assert_eq!(out, "hi\n");
/// # Ok(()) }
/// ```
pub struct ChildStdout {
    pipe: Pipe<Receiver>,
}

/// The reading end of a child's standard error, as `tokio::process::ChildStderr`.
///
/// ```
/// use gort_reactor::io::AsyncReadExt;
/// use gort_reactor::process::Command;
/// use std::process::Stdio;
///
/// # async fn f() -> std::io::Result<()> {
/// let mut child = Command::new("sh").args(["-c", "echo oops >&2"]).stderr(Stdio::piped()).spawn()?;
/// let mut err = String::new();
/// child.stderr.take().unwrap().read_to_string(&mut err).await?;
/// assert_eq!(err, "oops\n");
/// # Ok(()) }
/// ```
pub struct ChildStderr {
    pipe: Pipe<Receiver>,
}

impl ChildStdin {
    pub(crate) fn new(std: std::process::ChildStdin, handle: Handle) -> io::Result<Self> {
        Ok(ChildStdin {
            pipe: Pipe::new(Sender::from(std), handle)?,
        })
    }

    /// Wraps std's handle (switched to non-blocking mode and registered with the reactor).
    ///
    /// # Panics
    ///
    /// Outside a gort runtime.
    ///
    /// ```
    /// use gort_reactor::process::ChildStdin;
    /// use std::process::Stdio;
    ///
    /// # async fn f() -> std::io::Result<()> {
    /// let mut child = std::process::Command::new("cat").stdin(Stdio::piped()).spawn()?;
    /// let stdin = ChildStdin::from_std(child.stdin.take().unwrap())?;
    /// # Ok(()) }
    /// ```
    #[track_caller]
    pub fn from_std(inner: std::process::ChildStdin) -> io::Result<Self> {
        ChildStdin::new(inner, Handle::current())
    }
}

/// `new` and `from_std` for the two reading ends.
macro_rules! reader_constructors {
    ($ty:ident, $std:ty, $example_stdio:literal) => {
        impl $ty {
            pub(crate) fn new(std: $std, handle: Handle) -> io::Result<Self> {
                Ok($ty {
                    pipe: Pipe::new(Receiver::from(std), handle)?,
                })
            }

            /// Wraps std's handle (switched to non-blocking mode and registered with the
            /// reactor).
            ///
            /// # Panics
            ///
            /// Outside a gort runtime.
            ///
            /// ```
            #[doc = concat!("use gort_reactor::process::", stringify!($ty), ";")]
            /// use std::process::Stdio;
            ///
            /// # async fn f() -> std::io::Result<()> {
            #[doc = concat!("let mut child = std::process::Command::new(\"true\").", $example_stdio, "(Stdio::piped()).spawn()?;")]
            #[doc = concat!("let end = ", stringify!($ty), "::from_std(child.", $example_stdio, ".take().unwrap())?;")]
            /// # Ok(()) }
            /// ```
            #[track_caller]
            pub fn from_std(inner: $std) -> io::Result<Self> {
                $ty::new(inner, Handle::current())
            }
        }

        impl AsyncRead for $ty {
            fn poll_read(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &mut ReadBuf<'_>,
            ) -> Poll<io::Result<()>> {
                poll_read_buf(&self.pipe.io, cx, buf)
            }
        }

        crate::io::impl_futures_io_read!($ty);
    };
}

reader_constructors!(ChildStdout, std::process::ChildStdout, "stdout");
reader_constructors!(ChildStderr, std::process::ChildStderr, "stderr");

impl AsyncWrite for ChildStdin {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        poll_write_buf(&self.pipe.io, cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        poll_write_vectored_buf(&self.pipe.io, cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

crate::io::impl_futures_io_write!(ChildStdin);

/// What all three ends share: the fd traits, `into_owned_fd`, `TryInto<Stdio>`, `Debug`.
macro_rules! fd_traits {
    ($ty:ident) => {
        impl $ty {
            /// Deregisters the pipe end from the reactor and returns it, back in blocking mode.
            ///
            /// ```
            #[doc = concat!("# fn f(end: gort_reactor::process::", stringify!($ty), ") -> std::io::Result<()> {")]
            /// let fd: std::os::fd::OwnedFd = end.into_owned_fd()?;
            /// # Ok(()) }
            /// ```
            pub fn into_owned_fd(self) -> io::Result<OwnedFd> {
                self.pipe.into_owned_fd()
            }
        }

        impl AsRawFd for $ty {
            fn as_raw_fd(&self) -> RawFd {
                self.pipe.as_raw_fd()
            }
        }

        impl AsFd for $ty {
            fn as_fd(&self) -> BorrowedFd<'_> {
                self.pipe.io.io().as_fd()
            }
        }

        /// Hands the pipe end to another child (for example to chain two commands), back in
        /// blocking mode.
        impl TryInto<Stdio> for $ty {
            type Error = io::Error;

            fn try_into(self) -> io::Result<Stdio> {
                self.into_owned_fd().map(Stdio::from)
            }
        }

        impl fmt::Debug for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($ty))
                    .field("fd", &self.as_raw_fd())
                    .finish()
            }
        }
    };
}

fd_traits!(ChildStdin);
fd_traits!(ChildStdout);
fd_traits!(ChildStderr);
