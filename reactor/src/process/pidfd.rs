//! A process file descriptor (Linux ≥ 5.3): `pidfd_open` returns an fd that becomes readable
//! when the process exits, so a child's exit is one more readiness event for the reactor.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

/// An open pidfd, registrable with mio.
#[derive(Debug)]
pub(crate) struct PidFd(OwnedFd);

impl PidFd {
    /// Opens a pidfd for `pid`. Errors where the kernel lacks the call (before Linux 5.3,
    /// `ENOSYS`), where a sandbox forbids it, or on other platforms.
    ///
    /// Race-free for our own children: an exited child keeps its pid until it is reaped, and
    /// only its [`Reaper`](super::reap::Reaper) reaps it.
    #[cfg(any(target_os = "linux", target_os = "android"))]
    pub(crate) fn open(pid: u32) -> io::Result<PidFd> {
        let pid = libc::pid_t::try_from(pid)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "pid out of range"))?;
        // SAFETY: pidfd_open takes a pid and a flags word and returns a new fd or -1; it
        // touches no memory of ours.
        let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        let fd = libc::c_int::try_from(fd).map_err(|_| io::Error::other("bad pidfd"))?;
        // SAFETY: the call just returned this fd, so we own it exclusively.
        Ok(PidFd(unsafe { OwnedFd::from_raw_fd(fd) }))
    }

    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    pub(crate) fn open(_pid: u32) -> io::Result<PidFd> {
        Err(io::Error::from(io::ErrorKind::Unsupported))
    }
}

impl mio::event::Source for PidFd {
    fn register(
        &mut self,
        registry: &mio::Registry,
        token: mio::Token,
        interests: mio::Interest,
    ) -> io::Result<()> {
        mio::unix::SourceFd(&self.0.as_raw_fd()).register(registry, token, interests)
    }

    fn reregister(
        &mut self,
        registry: &mio::Registry,
        token: mio::Token,
        interests: mio::Interest,
    ) -> io::Result<()> {
        mio::unix::SourceFd(&self.0.as_raw_fd()).reregister(registry, token, interests)
    }

    fn deregister(&mut self, registry: &mio::Registry) -> io::Result<()> {
        mio::unix::SourceFd(&self.0.as_raw_fd()).deregister(registry)
    }
}
