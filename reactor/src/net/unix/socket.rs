//! [`UnixSocket`]: a Unix-domain socket bound before it becomes a stream, listener or datagram
//! socket.

use super::{UnixDatagram, UnixListener, UnixStream};
use crate::io::Sited;
use std::fmt;
use std::future::Future;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, IntoRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// A Unix-domain socket not yet turned into a [`UnixStream`], [`UnixListener`] or
/// [`UnixDatagram`], as `tokio::net::UnixSocket`: create it as a stream or datagram socket,
/// [`bind`](UnixSocket::bind) it, then [`listen`](UnixSocket::listen),
/// [`connect`](UnixSocket::connect) or take it as a [`datagram`](UnixSocket::datagram) socket.
///
/// ```
/// use gort_reactor::net::UnixSocket;
///
/// # fn f() -> std::io::Result<()> {
/// let socket = UnixSocket::new_stream()?;
/// socket.bind("/tmp/gort-unix-socket.sock")?;
/// let listener = socket.listen(128)?;
/// # Ok(()) }
/// ```
pub struct UnixSocket {
    fd: OwnedFd,
    kind: libc::c_int,
}

impl UnixSocket {
    /// A new stream socket (non-blocking, close-on-exec).
    ///
    /// ```
    /// let s = gort_reactor::net::UnixSocket::new_stream().unwrap();
    /// ```
    pub fn new_stream() -> io::Result<UnixSocket> {
        UnixSocket::new(libc::SOCK_STREAM)
    }

    /// A new datagram socket (non-blocking, close-on-exec).
    ///
    /// ```
    /// let s = gort_reactor::net::UnixSocket::new_datagram().unwrap();
    /// ```
    pub fn new_datagram() -> io::Result<UnixSocket> {
        UnixSocket::new(libc::SOCK_DGRAM)
    }

    fn new(kind: libc::c_int) -> io::Result<UnixSocket> {
        // SAFETY: plain syscall; a non-negative result is a new fd we own.
        let fd = unsafe {
            libc::socket(
                libc::AF_UNIX,
                kind | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC,
                0,
            )
        };
        if fd == -1 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `fd` was just created and is owned by nobody else.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        Ok(UnixSocket { fd, kind })
    }

    /// Binds the socket to `path` (on Linux, a leading NUL byte names an abstract socket).
    ///
    /// ```
    /// # fn f() -> std::io::Result<()> {
    /// let s = gort_reactor::net::UnixSocket::new_datagram()?;
    /// s.bind("/tmp/gort-bound.sock")?;
    /// # Ok(()) }
    /// ```
    pub fn bind(&self, path: impl AsRef<Path>) -> io::Result<()> {
        let (addr, len) = sockaddr_un(path.as_ref())?;
        // SAFETY: `addr` is a valid `sockaddr_un` whose meaningful length is `len`.
        let rc = unsafe {
            libc::bind(
                self.fd.as_raw_fd(),
                (&addr as *const libc::sockaddr_un).cast(),
                len,
            )
        };
        if rc == -1 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    /// Turns a stream socket into a listener with a queue of `backlog` connections.
    ///
    /// # Panics
    ///
    /// Outside a gort runtime.
    ///
    /// ```
    /// # fn f() -> std::io::Result<()> {
    /// let s = gort_reactor::net::UnixSocket::new_stream()?;
    /// s.bind("/tmp/gort-listen.sock")?;
    /// let listener = s.listen(64)?;
    /// # Ok(()) }
    /// ```
    #[track_caller]
    pub fn listen(self, backlog: u32) -> io::Result<UnixListener> {
        self.expect_kind(
            libc::SOCK_STREAM,
            "listen cannot be called on a datagram socket",
        )?;
        let backlog = backlog.min(i32::MAX as u32) as libc::c_int;
        // SAFETY: plain syscall on a socket we own.
        if unsafe { libc::listen(self.fd.as_raw_fd(), backlog) } == -1 {
            return Err(io::Error::last_os_error());
        }
        UnixListener::from_std(std::os::unix::net::UnixListener::from(self.fd))
    }

    /// Connects a stream socket to the listener at `path`.
    ///
    /// # Panics
    ///
    /// Outside a gort runtime.
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe: a dropped connect closes the socket.
    ///
    /// ```
    /// # async fn f() -> std::io::Result<()> {
    /// let s = gort_reactor::net::UnixSocket::new_stream()?;
    /// let stream = s.connect("/tmp/gort-listen.sock").await?;
    /// # Ok(()) }
    /// ```
    #[track_caller]
    pub fn connect(self, path: impl AsRef<Path>) -> impl Future<Output = io::Result<UnixStream>> {
        Sited::new(async move {
            self.expect_kind(
                libc::SOCK_STREAM,
                "connect cannot be called on a datagram socket",
            )?;
            let (addr, len) = sockaddr_un(path.as_ref())?;
            // SAFETY: `addr` is a valid `sockaddr_un` whose meaningful length is `len`.
            let rc = unsafe {
                libc::connect(
                    self.fd.as_raw_fd(),
                    (&addr as *const libc::sockaddr_un).cast(),
                    len,
                )
            };
            if rc == -1 {
                let err = io::Error::last_os_error();
                if err.raw_os_error() != Some(libc::EINPROGRESS) {
                    return Err(err);
                }
            }
            let std = std::os::unix::net::UnixStream::from(self.fd);
            UnixStream::finish_connect(mio::net::UnixStream::from_std(std)).await
        })
    }

    /// Turns a datagram socket into a [`UnixDatagram`].
    ///
    /// # Panics
    ///
    /// Outside a gort runtime.
    ///
    /// ```
    /// # fn f() -> std::io::Result<()> {
    /// let s = gort_reactor::net::UnixSocket::new_datagram()?;
    /// let socket = s.datagram()?;
    /// # Ok(()) }
    /// ```
    #[track_caller]
    pub fn datagram(self) -> io::Result<UnixDatagram> {
        self.expect_kind(
            libc::SOCK_DGRAM,
            "datagram cannot be called on a stream socket",
        )?;
        UnixDatagram::from_std(std::os::unix::net::UnixDatagram::from(self.fd))
    }

    fn expect_kind(&self, kind: libc::c_int, misuse: &str) -> io::Result<()> {
        if self.kind == kind {
            Ok(())
        } else {
            Err(io::Error::other(misuse))
        }
    }
}

/// A `sockaddr_un` for `path` and its length (a leading NUL byte: a Linux abstract name, whose
/// length counts no terminating NUL).
fn sockaddr_un(path: &Path) -> io::Result<(libc::sockaddr_un, libc::socklen_t)> {
    // SAFETY: all-zero bytes are a valid `sockaddr_un`.
    let mut addr: libc::sockaddr_un = unsafe { std::mem::zeroed() };
    addr.sun_family = libc::AF_UNIX as libc::sa_family_t;
    let bytes = path.as_os_str().as_bytes();
    if bytes.len() >= addr.sun_path.len() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "the socket path is longer than sockaddr_un allows",
        ));
    }
    for (dst, &src) in addr.sun_path.iter_mut().zip(bytes) {
        *dst = src as libc::c_char;
    }
    let terminator = usize::from(bytes.first() != Some(&0));
    let len = std::mem::offset_of!(libc::sockaddr_un, sun_path) + bytes.len() + terminator;
    Ok((addr, len as libc::socklen_t))
}

impl AsRawFd for UnixSocket {
    fn as_raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}

impl AsFd for UnixSocket {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

impl IntoRawFd for UnixSocket {
    fn into_raw_fd(self) -> RawFd {
        self.fd.into_raw_fd()
    }
}

impl fmt::Debug for UnixSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = if self.kind == libc::SOCK_STREAM {
            "stream"
        } else {
            "datagram"
        };
        f.debug_struct("UnixSocket")
            .field("fd", &self.fd.as_raw_fd())
            .field("kind", &kind)
            .finish()
    }
}
