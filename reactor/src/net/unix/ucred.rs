//! [`UCred`]: the credentials of a Unix stream's peer.

use std::io;
use std::os::fd::AsRawFd;

/// The user, group and process of the peer of a [`UnixStream`](super::UnixStream), as
/// `tokio::net::unix::UCred`.
///
/// ```
/// # fn f() -> std::io::Result<()> {
/// # let driver = gort_reactor::driver::Driver::new()?;
/// # let _guard = driver.handle().enter();
/// let (a, _b) = gort_reactor::net::UnixStream::pair()?;
/// let cred = a.peer_cred()?;
/// assert_eq!(cred.pid(), Some(std::process::id() as i32));
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct UCred {
    pid: Option<libc::pid_t>,
    uid: libc::uid_t,
    gid: libc::gid_t,
}

impl UCred {
    /// The peer's effective user id.
    ///
    /// ```
    /// # fn f(c: gort_reactor::net::unix::UCred) { let _ = c.uid(); }
    /// ```
    pub fn uid(&self) -> libc::uid_t {
        self.uid
    }

    /// The peer's effective group id.
    ///
    /// ```
    /// # fn f(c: gort_reactor::net::unix::UCred) { let _ = c.gid(); }
    /// ```
    pub fn gid(&self) -> libc::gid_t {
        self.gid
    }

    /// The peer's process id, where the platform reports it.
    ///
    /// ```
    /// # fn f(c: gort_reactor::net::unix::UCred) { let _ = c.pid(); }
    /// ```
    pub fn pid(&self) -> Option<libc::pid_t> {
        self.pid
    }

    #[cfg(any(target_os = "linux", target_os = "android"))]
    pub(crate) fn of_peer(socket: &impl AsRawFd) -> io::Result<UCred> {
        let mut cred = libc::ucred {
            pid: 0,
            uid: 0,
            gid: 0,
        };
        let mut len = std::mem::size_of::<libc::ucred>() as libc::socklen_t;
        // SAFETY: `cred` and `len` are valid for writes and `len` is `cred`'s size; the fd is a
        // live socket borrowed from the caller.
        let rc = unsafe {
            libc::getsockopt(
                socket.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_PEERCRED,
                (&mut cred as *mut libc::ucred).cast(),
                &mut len,
            )
        };
        if rc != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(UCred {
            pid: Some(cred.pid),
            uid: cred.uid,
            gid: cred.gid,
        })
    }

    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    pub(crate) fn of_peer(socket: &impl AsRawFd) -> io::Result<UCred> {
        let (mut uid, mut gid) = (0, 0);
        // SAFETY: `uid` and `gid` are valid for writes; the fd is a live socket.
        if unsafe { libc::getpeereid(socket.as_raw_fd(), &mut uid, &mut gid) } != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(UCred {
            pid: None,
            uid,
            gid,
        })
    }
}
