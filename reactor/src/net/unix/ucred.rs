//! [`UCred`]: the credentials of a Unix socket's peer (`SO_PEERCRED`), as tokio's.

use std::io;
use std::os::fd::AsRawFd;

/// The user, group and process of the process on the other end of a Unix socket, as they were
/// when it connected (or created the pair).
///
/// ```
/// # async fn f() -> std::io::Result<()> {
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
    /// # fn f(c: gort_reactor::net::unix::UCred) { let _uid = c.uid(); }
    /// ```
    pub fn uid(&self) -> libc::uid_t {
        self.uid
    }

    /// The peer's effective group id.
    ///
    /// ```
    /// # fn f(c: gort_reactor::net::unix::UCred) { let _gid = c.gid(); }
    /// ```
    pub fn gid(&self) -> libc::gid_t {
        self.gid
    }

    /// The peer's process id, where the platform reports it (Linux does).
    ///
    /// ```
    /// # fn f(c: gort_reactor::net::unix::UCred) { let _pid = c.pid(); }
    /// ```
    pub fn pid(&self) -> Option<libc::pid_t> {
        self.pid
    }
}

/// Reads the peer credentials of the connected Unix socket `fd`.
#[cfg(any(target_os = "linux", target_os = "android"))]
pub(super) fn peer_cred(fd: &impl AsRawFd) -> io::Result<UCred> {
    let mut cred = libc::ucred {
        pid: 0,
        uid: 0,
        gid: 0,
    };
    let mut len = std::mem::size_of::<libc::ucred>() as libc::socklen_t;
    // SAFETY: `cred` and `len` are valid for writes of the sizes passed; the kernel writes at
    // most `len` bytes into `cred` and updates `len`.
    let rc = unsafe {
        libc::getsockopt(
            fd.as_raw_fd(),
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

/// Reads the peer credentials of the connected Unix socket `fd`.
#[cfg(not(any(target_os = "linux", target_os = "android")))]
pub(super) fn peer_cred(fd: &impl AsRawFd) -> io::Result<UCred> {
    let (mut uid, mut gid) = (0, 0);
    // SAFETY: `uid` and `gid` are valid for writes; getpeereid only writes them.
    if unsafe { libc::getpeereid(fd.as_raw_fd(), &mut uid, &mut gid) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(UCred {
        pid: None,
        uid,
        gid,
    })
}
