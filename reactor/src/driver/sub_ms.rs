//! Sub-millisecond sleeps in the driver.
//!
//! mio rounds a poll timeout up to whole milliseconds (epoll's unit), so the scheduler's 250 µs
//! stall check would sleep a full millisecond in the driver. For a timeout under a millisecond
//! the driver first waits for its epoll descriptor to become readable with `ppoll`, whose
//! timeout is in nanoseconds; that wait only watches the epoll set and consumes no event, and
//! the zero-timeout mio poll that follows collects whatever is ready. Longer timeouts (timer
//! deadlines, whose wheel has millisecond resolution anyway) and zero ones go to mio unchanged.

use std::time::Duration;

/// The timeout to give mio after waiting out a sub-millisecond `timeout` on `poll` itself.
#[cfg(any(target_os = "linux", target_os = "android"))]
pub(super) fn wait(poll: &mio::Poll, timeout: Option<Duration>) -> Option<Duration> {
    match timeout {
        Some(t) if !t.is_zero() && t < Duration::from_millis(1) => {
            wait_readable(poll, t);
            Some(Duration::ZERO)
        }
        other => other,
    }
}

#[cfg(any(target_os = "linux", target_os = "android"))]
fn wait_readable(poll: &mio::Poll, timeout: Duration) {
    use std::os::fd::AsRawFd;
    let mut fd = libc::pollfd {
        fd: poll.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    let ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: timeout.subsec_nanos().into(),
    };
    // SAFETY: `fd` is one valid `pollfd` (the count is 1), `ts` a valid timespec, and a null
    // signal mask keeps the thread's own. An error (EINTR) only ends the wait early: the poll
    // that follows does not block either way.
    unsafe { libc::ppoll(&mut fd, 1, &ts, std::ptr::null()) };
}

/// Elsewhere: mio's sleep, rounded up to a millisecond.
#[cfg(not(any(target_os = "linux", target_os = "android")))]
pub(super) fn wait(_poll: &mio::Poll, timeout: Option<Duration>) -> Option<Duration> {
    timeout
}
