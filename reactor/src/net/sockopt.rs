//! Socket options std and mio do not expose (`SO_LINGER`).

use std::io;
use std::os::fd::{AsRawFd, RawFd};
use std::time::Duration;

/// Sets `SO_LINGER`: `Some(ZERO)` makes `close` reset the connection (RST) instead of a FIN.
pub(crate) fn set_linger(fd: &impl AsRawFd, linger: Option<Duration>) -> io::Result<()> {
    let value = libc::linger {
        l_onoff: linger.is_some() as libc::c_int,
        l_linger: linger.map_or(0, |d| {
            d.as_secs().min(libc::c_int::MAX as u64) as libc::c_int
        }),
    };
    setsockopt(fd.as_raw_fd(), libc::SOL_SOCKET, libc::SO_LINGER, &value)
}

/// Reads `SO_LINGER`.
pub(crate) fn linger(fd: &impl AsRawFd) -> io::Result<Option<Duration>> {
    let mut value = libc::linger {
        l_onoff: 0,
        l_linger: 0,
    };
    let mut len = std::mem::size_of::<libc::linger>() as libc::socklen_t;
    // SAFETY: `value` and `len` are valid for writes and `len` is `value`'s size, as
    // getsockopt requires; the fd is a live socket owned by the caller.
    let rc = unsafe {
        libc::getsockopt(
            fd.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            (&mut value as *mut libc::linger).cast(),
            &mut len,
        )
    };
    if rc == -1 {
        return Err(io::Error::last_os_error());
    }
    Ok((value.l_onoff != 0).then(|| Duration::from_secs(value.l_linger as u64)))
}

pub(crate) fn setsockopt<T>(
    fd: RawFd,
    level: libc::c_int,
    name: libc::c_int,
    value: &T,
) -> io::Result<()> {
    // SAFETY: `value` points to a live `T` and the length passed is its size; the fd is a live
    // socket owned by the caller.
    let rc = unsafe {
        libc::setsockopt(
            fd,
            level,
            name,
            (value as *const T).cast(),
            std::mem::size_of::<T>() as libc::socklen_t,
        )
    };
    if rc == -1 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

/// Reads an integer socket option.
pub(crate) fn getsockopt_int(
    fd: RawFd,
    level: libc::c_int,
    name: libc::c_int,
) -> io::Result<libc::c_int> {
    let mut value: libc::c_int = 0;
    let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
    // SAFETY: `value` and `len` are valid for writes and `len` is `value`'s size; the fd is a
    // live socket owned by the caller.
    let rc = unsafe {
        libc::getsockopt(
            fd,
            level,
            name,
            (&mut value as *mut libc::c_int).cast(),
            &mut len,
        )
    };
    if rc == -1 {
        Err(io::Error::last_os_error())
    } else {
        Ok(value)
    }
}

/// `IP_TOS` and `IPV6_TCLASS` getters and setters (tokio's `tos_v4`, `tclass_v6`) for an IP
/// socket type (it must implement `AsRawFd`).
macro_rules! traffic_class_options {
    ($ty:ident) => {
        impl $ty {
            /// The `IP_TOS` option (IPv4 type-of-service byte).
            ///
            /// ```
            #[doc = concat!("# fn f(s: &gort_reactor::net::", stringify!($ty), ") -> std::io::Result<()> {")]
            /// s.set_tos_v4(0x10)?;
            /// assert_eq!(s.tos_v4()?, 0x10);
            /// # Ok(()) }
            /// ```
            pub fn tos_v4(&self) -> ::std::io::Result<u32> {
                let fd = ::std::os::fd::AsRawFd::as_raw_fd(self);
                $crate::net::sockopt::getsockopt_int(fd, libc::IPPROTO_IP, libc::IP_TOS)
                    .map(|v| v as u32)
            }

            /// Sets the `IP_TOS` option.
            ///
            /// ```
            #[doc = concat!("# fn f(s: &gort_reactor::net::", stringify!($ty), ") -> std::io::Result<()> {")]
            /// s.set_tos_v4(0x10)?;
            /// # Ok(()) }
            /// ```
            pub fn set_tos_v4(&self, tos: u32) -> ::std::io::Result<()> {
                let fd = ::std::os::fd::AsRawFd::as_raw_fd(self);
                let value = tos as libc::c_int;
                $crate::net::sockopt::setsockopt(fd, libc::IPPROTO_IP, libc::IP_TOS, &value)
            }

            /// The `IPV6_TCLASS` option (IPv6 traffic class).
            ///
            /// ```
            #[doc = concat!("# fn f(s: &gort_reactor::net::", stringify!($ty), ") -> std::io::Result<()> {")]
            /// let _class = s.tclass_v6()?;
            /// # Ok(()) }
            /// ```
            pub fn tclass_v6(&self) -> ::std::io::Result<u32> {
                let fd = ::std::os::fd::AsRawFd::as_raw_fd(self);
                $crate::net::sockopt::getsockopt_int(fd, libc::IPPROTO_IPV6, libc::IPV6_TCLASS)
                    .map(|v| v as u32)
            }

            /// Sets the `IPV6_TCLASS` option.
            ///
            /// ```
            #[doc = concat!("# fn f(s: &gort_reactor::net::", stringify!($ty), ") -> std::io::Result<()> {")]
            /// s.set_tclass_v6(0x10)?;
            /// # Ok(()) }
            /// ```
            pub fn set_tclass_v6(&self, tclass: u32) -> ::std::io::Result<()> {
                let fd = ::std::os::fd::AsRawFd::as_raw_fd(self);
                let value = tclass as libc::c_int;
                $crate::net::sockopt::setsockopt(
                    fd,
                    libc::IPPROTO_IPV6,
                    libc::IPV6_TCLASS,
                    &value,
                )
            }
        }
    };
}
pub(crate) use traffic_class_options;
