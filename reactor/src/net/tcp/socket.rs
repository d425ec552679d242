//! [`TcpSocket`]: a TCP socket configured before it connects or listens.

use super::{TcpListener, TcpStream};
use crate::driver::Handle;
use crate::io::Sited;
use crate::net::sockopt;
use std::fmt;
use std::future::Future;
use std::io;
use std::mem::ManuallyDrop;
use std::net::SocketAddr;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, IntoRawFd, OwnedFd, RawFd};
use std::time::Duration;

/// A TCP socket that has not yet been turned into a [`TcpStream`] or [`TcpListener`], as
/// `tokio::net::TcpSocket`: set options (`SO_REUSEADDR`, `SO_REUSEPORT`, buffer sizes), bind,
/// then [`connect`](TcpSocket::connect) or [`listen`](TcpSocket::listen).
///
/// ```
/// use gort_reactor::net::TcpSocket;
///
/// async fn listen() -> std::io::Result<()> {
///     let socket = TcpSocket::new_v4()?;
///     socket.set_reuseaddr(true)?;
///     socket.bind("127.0.0.1:0".parse().unwrap())?;
///     let listener = socket.listen(1024)?;
///     # drop(listener);
///     Ok(())
/// }
/// ```
pub struct TcpSocket {
    fd: OwnedFd,
}

impl TcpSocket {
    /// A new IPv4 socket (non-blocking, close-on-exec).
    ///
    /// ```
    /// let s = gort_reactor::net::TcpSocket::new_v4().unwrap();
    /// ```
    pub fn new_v4() -> io::Result<TcpSocket> {
        TcpSocket::new(libc::AF_INET)
    }

    /// A new IPv6 socket (non-blocking, close-on-exec).
    ///
    /// ```
    /// # fn f() -> std::io::Result<()> {
    /// let s = gort_reactor::net::TcpSocket::new_v6()?;
    /// # Ok(()) }
    /// ```
    pub fn new_v6() -> io::Result<TcpSocket> {
        TcpSocket::new(libc::AF_INET6)
    }

    fn new(domain: libc::c_int) -> io::Result<TcpSocket> {
        #[cfg(any(target_os = "linux", target_os = "android"))]
        let ty = libc::SOCK_STREAM | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC;
        #[cfg(not(any(target_os = "linux", target_os = "android")))]
        let ty = libc::SOCK_STREAM;
        // SAFETY: plain syscall with constant arguments; the result is checked below.
        let fd = unsafe { libc::socket(domain, ty, 0) };
        if fd == -1 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `fd` was just returned by `socket` and nothing else owns it.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        #[cfg(not(any(target_os = "linux", target_os = "android")))]
        {
            let std_socket = ManuallyDrop::new(
                // SAFETY: borrowed only for this call; ManuallyDrop keeps `fd` the owner.
                unsafe { std::net::TcpStream::from_raw_fd(fd.as_raw_fd()) },
            );
            std_socket.set_nonblocking(true)?;
        }
        Ok(TcpSocket { fd })
    }

    /// Wraps a std stream's socket (for configuring a socket created elsewhere).
    ///
    /// ```
    /// # fn f(std: std::net::TcpStream) {
    /// let s = gort_reactor::net::TcpSocket::from_std_stream(std);
    /// # }
    /// ```
    pub fn from_std_stream(stream: std::net::TcpStream) -> TcpSocket {
        TcpSocket {
            fd: OwnedFd::from(stream),
        }
    }

    fn opt(&self, level: libc::c_int, name: libc::c_int, value: libc::c_int) -> io::Result<()> {
        sockopt::setsockopt(self.fd.as_raw_fd(), level, name, &value)
    }

    fn get(&self, level: libc::c_int, name: libc::c_int) -> io::Result<libc::c_int> {
        sockopt::getsockopt_int(self.fd.as_raw_fd(), level, name)
    }

    /// Sets `SO_REUSEADDR` (bind to a port still in `TIME_WAIT`).
    ///
    /// ```
    /// let s = gort_reactor::net::TcpSocket::new_v4().unwrap();
    /// s.set_reuseaddr(true).unwrap();
    /// assert!(s.reuseaddr().unwrap());
    /// ```
    pub fn set_reuseaddr(&self, reuseaddr: bool) -> io::Result<()> {
        self.opt(
            libc::SOL_SOCKET,
            libc::SO_REUSEADDR,
            reuseaddr as libc::c_int,
        )
    }

    /// Reads `SO_REUSEADDR`.
    ///
    /// ```
    /// let s = gort_reactor::net::TcpSocket::new_v4().unwrap();
    /// let _ = s.reuseaddr().unwrap();
    /// ```
    pub fn reuseaddr(&self) -> io::Result<bool> {
        Ok(self.get(libc::SOL_SOCKET, libc::SO_REUSEADDR)? != 0)
    }

    /// Sets `SO_REUSEPORT` (several listeners share a port).
    ///
    /// ```
    /// let s = gort_reactor::net::TcpSocket::new_v4().unwrap();
    /// s.set_reuseport(true).unwrap();
    /// assert!(s.reuseport().unwrap());
    /// ```
    pub fn set_reuseport(&self, reuseport: bool) -> io::Result<()> {
        self.opt(
            libc::SOL_SOCKET,
            libc::SO_REUSEPORT,
            reuseport as libc::c_int,
        )
    }

    /// Reads `SO_REUSEPORT`.
    ///
    /// ```
    /// let s = gort_reactor::net::TcpSocket::new_v4().unwrap();
    /// let _ = s.reuseport().unwrap();
    /// ```
    pub fn reuseport(&self) -> io::Result<bool> {
        Ok(self.get(libc::SOL_SOCKET, libc::SO_REUSEPORT)? != 0)
    }

    /// Sets `SO_SNDBUF`.
    ///
    /// ```
    /// let s = gort_reactor::net::TcpSocket::new_v4().unwrap();
    /// s.set_send_buffer_size(64 * 1024).unwrap();
    /// assert!(s.send_buffer_size().unwrap() >= 64 * 1024);
    /// ```
    pub fn set_send_buffer_size(&self, size: u32) -> io::Result<()> {
        self.opt(
            libc::SOL_SOCKET,
            libc::SO_SNDBUF,
            size.min(i32::MAX as u32) as libc::c_int,
        )
    }

    /// Reads `SO_SNDBUF`.
    ///
    /// ```
    /// let s = gort_reactor::net::TcpSocket::new_v4().unwrap();
    /// assert!(s.send_buffer_size().unwrap() > 0);
    /// ```
    pub fn send_buffer_size(&self) -> io::Result<u32> {
        Ok(self.get(libc::SOL_SOCKET, libc::SO_SNDBUF)? as u32)
    }

    /// Sets `SO_RCVBUF`.
    ///
    /// ```
    /// let s = gort_reactor::net::TcpSocket::new_v4().unwrap();
    /// s.set_recv_buffer_size(64 * 1024).unwrap();
    /// assert!(s.recv_buffer_size().unwrap() >= 64 * 1024);
    /// ```
    pub fn set_recv_buffer_size(&self, size: u32) -> io::Result<()> {
        self.opt(
            libc::SOL_SOCKET,
            libc::SO_RCVBUF,
            size.min(i32::MAX as u32) as libc::c_int,
        )
    }

    /// Reads `SO_RCVBUF`.
    ///
    /// ```
    /// let s = gort_reactor::net::TcpSocket::new_v4().unwrap();
    /// assert!(s.recv_buffer_size().unwrap() > 0);
    /// ```
    pub fn recv_buffer_size(&self) -> io::Result<u32> {
        Ok(self.get(libc::SOL_SOCKET, libc::SO_RCVBUF)? as u32)
    }

    /// Sets `SO_KEEPALIVE`.
    ///
    /// ```
    /// let s = gort_reactor::net::TcpSocket::new_v4().unwrap();
    /// s.set_keepalive(true).unwrap();
    /// assert!(s.keepalive().unwrap());
    /// ```
    pub fn set_keepalive(&self, keepalive: bool) -> io::Result<()> {
        self.opt(
            libc::SOL_SOCKET,
            libc::SO_KEEPALIVE,
            keepalive as libc::c_int,
        )
    }

    /// Reads `SO_KEEPALIVE`.
    ///
    /// ```
    /// let s = gort_reactor::net::TcpSocket::new_v4().unwrap();
    /// assert!(!s.keepalive().unwrap());
    /// ```
    pub fn keepalive(&self) -> io::Result<bool> {
        Ok(self.get(libc::SOL_SOCKET, libc::SO_KEEPALIVE)? != 0)
    }

    /// Sets `TCP_NODELAY`.
    ///
    /// ```
    /// let s = gort_reactor::net::TcpSocket::new_v4().unwrap();
    /// s.set_nodelay(true).unwrap();
    /// assert!(s.nodelay().unwrap());
    /// ```
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.opt(libc::IPPROTO_TCP, libc::TCP_NODELAY, nodelay as libc::c_int)
    }

    /// Reads `TCP_NODELAY`.
    ///
    /// ```
    /// let s = gort_reactor::net::TcpSocket::new_v4().unwrap();
    /// assert!(!s.nodelay().unwrap());
    /// ```
    pub fn nodelay(&self) -> io::Result<bool> {
        Ok(self.get(libc::IPPROTO_TCP, libc::TCP_NODELAY)? != 0)
    }

    /// Sets `SO_LINGER`.
    ///
    /// ```
    /// let s = gort_reactor::net::TcpSocket::new_v4().unwrap();
    /// s.set_linger(Some(std::time::Duration::ZERO)).unwrap();
    /// assert_eq!(s.linger().unwrap(), Some(std::time::Duration::ZERO));
    /// ```
    pub fn set_linger(&self, linger: Option<Duration>) -> io::Result<()> {
        sockopt::set_linger(&self.fd, linger)
    }

    /// Sets `SO_LINGER` to zero: closing the socket then resets the connection (RST) instead
    /// of a graceful FIN. Same as `set_linger(Some(Duration::ZERO))`.
    ///
    /// ```
    /// # fn f(s: gort_reactor::net::TcpSocket) -> std::io::Result<()> {
    /// s.set_zero_linger()?;
    /// assert_eq!(s.linger()?, Some(std::time::Duration::ZERO));
    /// # Ok(()) }
    /// ```
    pub fn set_zero_linger(&self) -> io::Result<()> {
        sockopt::set_linger(&self.fd, Some(Duration::ZERO))
    }

    /// Reads `SO_LINGER`.
    ///
    /// ```
    /// let s = gort_reactor::net::TcpSocket::new_v4().unwrap();
    /// assert_eq!(s.linger().unwrap(), None);
    /// ```
    pub fn linger(&self) -> io::Result<Option<Duration>> {
        sockopt::linger(&self.fd)
    }

    /// Binds the socket to `addr`. An address in use is an `AddrInUse` error.
    ///
    /// ```
    /// let s = gort_reactor::net::TcpSocket::new_v4().unwrap();
    /// s.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    /// assert_ne!(s.local_addr().unwrap().port(), 0);
    /// ```
    pub fn bind(&self, addr: SocketAddr) -> io::Result<()> {
        let (storage, len) = raw_addr(&addr);
        // SAFETY: `storage` holds a valid sockaddr of length `len` for `addr`'s family.
        let rc = unsafe {
            libc::bind(
                self.fd.as_raw_fd(),
                (&storage as *const libc::sockaddr_storage).cast(),
                len,
            )
        };
        if rc == -1 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    /// The address the socket is bound to.
    ///
    /// ```
    /// let s = gort_reactor::net::TcpSocket::new_v4().unwrap();
    /// s.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    /// assert!(s.local_addr().unwrap().ip().is_loopback());
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        // std's `local_addr` is `getsockname`, valid for any TCP socket fd.
        // SAFETY: borrowed only for this call; ManuallyDrop keeps `self.fd` the owner.
        let std =
            ManuallyDrop::new(unsafe { std::net::TcpStream::from_raw_fd(self.fd.as_raw_fd()) });
        std.local_addr()
    }

    /// Connects to `addr`, turning the socket into a [`TcpStream`].
    ///
    /// # Panics
    ///
    /// Outside a gort runtime.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropping it closes the socket.
    ///
    /// ```
    /// # async fn f() -> std::io::Result<()> {
    /// let s = gort_reactor::net::TcpSocket::new_v4()?;
    /// let stream = s.connect("127.0.0.1:8080".parse().unwrap()).await?;
    /// # Ok(()) }
    /// ```
    #[track_caller]
    pub fn connect(self, addr: SocketAddr) -> impl Future<Output = io::Result<TcpStream>> {
        Sited::new(async move {
            let (storage, len) = raw_addr(&addr);
            // SAFETY: `storage` holds a valid sockaddr of length `len` for `addr`'s family.
            let rc = unsafe {
                libc::connect(
                    self.fd.as_raw_fd(),
                    (&storage as *const libc::sockaddr_storage).cast(),
                    len,
                )
            };
            if rc == -1 {
                let err = io::Error::last_os_error();
                if err.raw_os_error() != Some(libc::EINPROGRESS) {
                    return Err(err);
                }
            }
            let std = std::net::TcpStream::from(self.fd);
            let stream =
                TcpStream::from_mio(mio::net::TcpStream::from_std(std), Handle::current())?;
            stream.finish_connect().await?;
            Ok(stream)
        })
    }

    /// Starts listening with a queue of `backlog` pending connections, turning the socket into
    /// a [`TcpListener`].
    ///
    /// # Panics
    ///
    /// Outside a gort runtime.
    ///
    /// ```
    /// # fn f() -> std::io::Result<()> {
    /// let s = gort_reactor::net::TcpSocket::new_v4()?;
    /// s.bind("127.0.0.1:0".parse().unwrap())?;
    /// let listener = s.listen(128)?;
    /// # Ok(()) }
    /// ```
    #[track_caller]
    pub fn listen(self, backlog: u32) -> io::Result<TcpListener> {
        let backlog = backlog.min(i32::MAX as u32) as libc::c_int;
        // SAFETY: plain syscall on a socket we own.
        if unsafe { libc::listen(self.fd.as_raw_fd(), backlog) } == -1 {
            return Err(io::Error::last_os_error());
        }
        TcpListener::from_std(std::net::TcpListener::from(self.fd))
    }
}

/// `addr` as a `sockaddr_storage` and its length.
fn raw_addr(addr: &SocketAddr) -> (libc::sockaddr_storage, libc::socklen_t) {
    // SAFETY: all-zero bytes are a valid `sockaddr_storage` (and `sockaddr_in{,6}`).
    let mut storage: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
    let len = match addr {
        SocketAddr::V4(a) => {
            // SAFETY: zeroed is valid; fields are set below.
            let mut sin: libc::sockaddr_in = unsafe { std::mem::zeroed() };
            sin.sin_family = libc::AF_INET as libc::sa_family_t;
            sin.sin_port = a.port().to_be();
            sin.sin_addr = libc::in_addr {
                s_addr: u32::from_ne_bytes(a.ip().octets()),
            };
            // SAFETY: `sockaddr_storage` is larger than and aligned for `sockaddr_in`.
            unsafe { std::ptr::write((&mut storage as *mut libc::sockaddr_storage).cast(), sin) };
            std::mem::size_of::<libc::sockaddr_in>()
        }
        SocketAddr::V6(a) => {
            // SAFETY: zeroed is valid; fields are set below.
            let mut sin6: libc::sockaddr_in6 = unsafe { std::mem::zeroed() };
            sin6.sin6_family = libc::AF_INET6 as libc::sa_family_t;
            sin6.sin6_port = a.port().to_be();
            sin6.sin6_flowinfo = a.flowinfo();
            sin6.sin6_addr = libc::in6_addr {
                s6_addr: a.ip().octets(),
            };
            sin6.sin6_scope_id = a.scope_id();
            // SAFETY: `sockaddr_storage` is larger than and aligned for `sockaddr_in6`.
            unsafe { std::ptr::write((&mut storage as *mut libc::sockaddr_storage).cast(), sin6) };
            std::mem::size_of::<libc::sockaddr_in6>()
        }
    };
    (storage, len as libc::socklen_t)
}

impl AsRawFd for TcpSocket {
    fn as_raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}

impl AsFd for TcpSocket {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

impl IntoRawFd for TcpSocket {
    fn into_raw_fd(self) -> RawFd {
        self.fd.into_raw_fd()
    }
}

impl FromRawFd for TcpSocket {
    /// # Safety
    ///
    /// `fd` must be an open TCP socket that nothing else owns.
    unsafe fn from_raw_fd(fd: RawFd) -> TcpSocket {
        TcpSocket {
            // SAFETY: the caller guarantees `fd` is an owned, open socket.
            fd: unsafe { OwnedFd::from_raw_fd(fd) },
        }
    }
}

impl fmt::Debug for TcpSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpSocket")
            .field("fd", &self.fd.as_raw_fd())
            .finish()
    }
}

crate::net::sockopt::traffic_class_options!(TcpSocket);
