//! [`Interest`] and [`Ready`]: the readiness vocabulary of tokio's `io` module, as plain values.
//!
//! `Interest` says what a task waits for (`stream.ready(Interest::READABLE | Interest::WRITABLE)`
//! in tokio's API), `Ready` what the reactor reported. They are bit sets; the socket types
//! convert them to and from the driver's own bits (`Interest::to_mio`, `Ready::from_bits`).

use std::fmt;
use std::ops;

/// Readiness a task is interested in: readable, writable, or both (tokio's `io::Interest`).
///
/// ```
/// use gort_reactor::io::Interest;
/// let both = Interest::READABLE | Interest::WRITABLE;
/// assert!(both.is_readable() && both.is_writable());
/// assert_eq!(both.remove(Interest::WRITABLE), Some(Interest::READABLE));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Interest(u8);

const READ: u8 = 1;
const WRITE: u8 = 1 << 1;
const ERR: u8 = 1 << 2;
const PRI: u8 = 1 << 3;

impl Interest {
    /// Interest in reading (and in the read side closing).
    pub const READABLE: Interest = Interest(READ);
    /// Interest in writing (and in the write side closing).
    pub const WRITABLE: Interest = Interest(WRITE);
    /// Interest in error events only.
    pub const ERROR: Interest = Interest(ERR);
    /// Interest in priority (out-of-band) data, as `POLLPRI` (Linux, Android). A source
    /// registered with it (`AsyncFd::with_interest`) is woken with [`Ready::PRIORITY`] when,
    /// say, urgent TCP data arrives; as in tokio, the sockets gort registers itself (TCP, UDP,
    /// Unix) ask the kernel for read and write readiness only, so on them a priority wait
    /// ends only on close or error.
    pub const PRIORITY: Interest = Interest(PRI);

    /// Whether the set includes readable.
    ///
    /// ```
    /// assert!(gort_reactor::io::Interest::READABLE.is_readable());
    /// ```
    pub const fn is_readable(self) -> bool {
        self.0 & READ != 0
    }

    /// Whether the set includes writable.
    ///
    /// ```
    /// assert!(!gort_reactor::io::Interest::READABLE.is_writable());
    /// ```
    pub const fn is_writable(self) -> bool {
        self.0 & WRITE != 0
    }

    /// Whether the set includes errors.
    ///
    /// ```
    /// assert!(gort_reactor::io::Interest::ERROR.is_error());
    /// ```
    pub const fn is_error(self) -> bool {
        self.0 & ERR != 0
    }

    /// Whether the set includes priority data.
    ///
    /// ```
    /// assert!(gort_reactor::io::Interest::PRIORITY.is_priority());
    /// ```
    pub const fn is_priority(self) -> bool {
        self.0 & PRI != 0
    }

    /// The union of two sets (usable in `const`s).
    ///
    /// ```
    /// use gort_reactor::io::Interest;
    /// const BOTH: Interest = Interest::READABLE.add(Interest::WRITABLE);
    /// assert!(BOTH.is_writable());
    /// ```
    #[must_use = "this returns the result of the operation, without modifying the original"]
    pub const fn add(self, other: Interest) -> Interest {
        Interest(self.0 | other.0)
    }

    /// The set without `other`'s bits, or `None` if nothing would remain.
    ///
    /// ```
    /// use gort_reactor::io::Interest;
    /// assert_eq!(Interest::READABLE.remove(Interest::READABLE), None);
    /// ```
    #[must_use = "this returns the result of the operation, without modifying the original"]
    pub fn remove(self, other: Interest) -> Option<Interest> {
        let left = self.0 & !other.0;
        (left != 0).then_some(Interest(left))
    }

    /// The `mio` interest to register with (errors are always reported by mio; an interest in
    /// errors alone registers for readability, the closest mio offers).
    pub(crate) fn to_mio(self) -> mio::Interest {
        let mut mio_interest: Option<mio::Interest> = None;
        let mut add = |i: mio::Interest| {
            mio_interest = Some(mio_interest.map_or(i, |m| m | i));
        };
        if self.is_readable() {
            add(mio::Interest::READABLE);
        }
        if self.is_writable() {
            add(mio::Interest::WRITABLE);
        }
        #[cfg(any(target_os = "linux", target_os = "android"))]
        if self.is_priority() {
            add(mio::Interest::PRIORITY);
        }
        mio_interest.unwrap_or(mio::Interest::READABLE)
    }

    /// The readiness bits that satisfy this interest (readable also wakes on read-closed, and
    /// so on; errors satisfy every interest).
    ///
    /// ```
    /// use gort_reactor::io::{Interest, Ready};
    /// assert!(Interest::READABLE.mask().is_read_closed());
    /// ```
    pub fn mask(self) -> Ready {
        let mut ready = Ready::ERROR;
        if self.is_readable() {
            ready |= Ready::READABLE | Ready::READ_CLOSED;
        }
        if self.is_writable() {
            ready |= Ready::WRITABLE | Ready::WRITE_CLOSED;
        }
        if self.is_priority() {
            ready |= Ready::PRIORITY | Ready::READ_CLOSED;
        }
        ready
    }
}

impl ops::BitOr for Interest {
    type Output = Interest;

    fn bitor(self, other: Interest) -> Interest {
        self.add(other)
    }
}

impl ops::BitOrAssign for Interest {
    fn bitor_assign(&mut self, other: Interest) {
        *self = self.add(other);
    }
}

impl fmt::Debug for Interest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names = [
            (READ, "READABLE"),
            (WRITE, "WRITABLE"),
            (ERR, "ERROR"),
            (PRI, "PRIORITY"),
        ];
        let mut first = true;
        for (bit, name) in names {
            if self.0 & bit != 0 {
                if !first {
                    f.write_str(" | ")?;
                }
                f.write_str(name)?;
                first = false;
            }
        }
        Ok(())
    }
}

/// Readiness reported for an I/O resource (tokio's `io::Ready`).
///
/// ```
/// use gort_reactor::io::Ready;
/// let r = Ready::READABLE | Ready::READ_CLOSED;
/// assert!(r.is_readable() && r.is_read_closed() && !r.is_writable());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Ready(u8);

const R_READABLE: u8 = 1;
const R_WRITABLE: u8 = 1 << 1;
const R_READ_CLOSED: u8 = 1 << 2;
const R_WRITE_CLOSED: u8 = 1 << 3;
const R_ERROR: u8 = 1 << 4;
const R_PRIORITY: u8 = 1 << 5;

impl Ready {
    /// No readiness.
    pub const EMPTY: Ready = Ready(0);
    /// Readable.
    pub const READABLE: Ready = Ready(R_READABLE);
    /// Writable.
    pub const WRITABLE: Ready = Ready(R_WRITABLE);
    /// The read side is closed (end of stream).
    pub const READ_CLOSED: Ready = Ready(R_READ_CLOSED);
    /// The write side is closed.
    pub const WRITE_CLOSED: Ready = Ready(R_WRITE_CLOSED);
    /// An error is pending.
    pub const ERROR: Ready = Ready(R_ERROR);
    /// Priority data is readable (Linux).
    pub const PRIORITY: Ready = Ready(R_PRIORITY);
    /// Every readiness bit.
    pub const ALL: Ready =
        Ready(R_READABLE | R_WRITABLE | R_READ_CLOSED | R_WRITE_CLOSED | R_ERROR | R_PRIORITY);

    /// Builds a `Ready` from a `mio` event (for the socket types' `ready()` methods).
    #[allow(dead_code)] // not every socket type reports readiness yet
    pub(crate) fn from_mio(event: &mio::event::Event) -> Ready {
        let mut ready = Ready::EMPTY;
        if event.is_readable() {
            ready |= Ready::READABLE;
        }
        if event.is_writable() {
            ready |= Ready::WRITABLE;
        }
        if event.is_read_closed() {
            ready |= Ready::READ_CLOSED;
        }
        if event.is_write_closed() {
            ready |= Ready::WRITE_CLOSED;
        }
        if event.is_error() {
            ready |= Ready::ERROR;
        }
        #[cfg(any(target_os = "linux", target_os = "android"))]
        if event.is_priority() {
            ready |= Ready::PRIORITY;
        }
        ready
    }

    /// The raw bits (the driver's readiness layout).
    pub(crate) const fn bits(self) -> u8 {
        self.0
    }

    /// From raw bits in the driver's readiness layout (unknown bits are dropped).
    pub(crate) const fn from_bits(bits: u8) -> Ready {
        Ready(bits & Ready::ALL.0)
    }

    /// Whether nothing is ready.
    ///
    /// ```
    /// assert!(!gort_reactor::io::Ready::READABLE.is_empty());
    /// ```
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Whether readable (or read-closed: a read would not block).
    ///
    /// ```
    /// assert!(gort_reactor::io::Ready::READ_CLOSED.is_readable());
    /// ```
    pub fn is_readable(self) -> bool {
        self.0 & (R_READABLE | R_READ_CLOSED) != 0
    }

    /// Whether writable (or write-closed: a write would not block).
    ///
    /// ```
    /// assert!(gort_reactor::io::Ready::WRITE_CLOSED.is_writable());
    /// ```
    pub fn is_writable(self) -> bool {
        self.0 & (R_WRITABLE | R_WRITE_CLOSED) != 0
    }

    /// Whether the read side is closed.
    ///
    /// ```
    /// assert!(!gort_reactor::io::Ready::READABLE.is_read_closed());
    /// ```
    pub fn is_read_closed(self) -> bool {
        self.0 & R_READ_CLOSED != 0
    }

    /// Whether the write side is closed.
    ///
    /// ```
    /// assert!(gort_reactor::io::Ready::WRITE_CLOSED.is_write_closed());
    /// ```
    pub fn is_write_closed(self) -> bool {
        self.0 & R_WRITE_CLOSED != 0
    }

    /// Whether an error is pending.
    ///
    /// ```
    /// assert!(gort_reactor::io::Ready::ERROR.is_error());
    /// ```
    pub fn is_error(self) -> bool {
        self.0 & R_ERROR != 0
    }

    /// Whether priority data is readable.
    ///
    /// ```
    /// assert!(gort_reactor::io::Ready::PRIORITY.is_priority());
    /// ```
    pub fn is_priority(self) -> bool {
        self.0 & R_PRIORITY != 0
    }

    /// The bits of this set that `interest` cares about.
    ///
    /// ```
    /// use gort_reactor::io::{Interest, Ready};
    /// let r = (Ready::READABLE | Ready::WRITABLE).intersection(Interest::WRITABLE);
    /// assert_eq!(r, Ready::WRITABLE);
    /// ```
    #[must_use]
    pub fn intersection(self, interest: Interest) -> Ready {
        Ready(self.0 & interest.mask().0)
    }

    /// Whether this set satisfies `interest`.
    ///
    /// ```
    /// use gort_reactor::io::{Interest, Ready};
    /// assert!(Ready::READ_CLOSED.satisfies(Interest::READABLE));
    /// ```
    pub fn satisfies(self, interest: Interest) -> bool {
        self.0 & interest.mask().0 != 0
    }
}

impl ops::BitOr for Ready {
    type Output = Ready;

    fn bitor(self, other: Ready) -> Ready {
        Ready(self.0 | other.0)
    }
}

impl ops::BitOrAssign for Ready {
    fn bitor_assign(&mut self, other: Ready) {
        self.0 |= other.0;
    }
}

impl ops::BitAnd for Ready {
    type Output = Ready;

    fn bitand(self, other: Ready) -> Ready {
        Ready(self.0 & other.0)
    }
}

impl ops::Sub for Ready {
    type Output = Ready;

    fn sub(self, other: Ready) -> Ready {
        Ready(self.0 & !other.0)
    }
}

impl fmt::Debug for Ready {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ready")
            .field("is_readable", &self.is_readable())
            .field("is_writable", &self.is_writable())
            .field("is_read_closed", &self.is_read_closed())
            .field("is_write_closed", &self.is_write_closed())
            .field("is_error", &self.is_error())
            .field("is_priority", &self.is_priority())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interest_set_operations() {
        let both = Interest::READABLE | Interest::WRITABLE;
        assert_eq!(format!("{both:?}"), "READABLE | WRITABLE");
        assert_eq!(both.remove(Interest::READABLE), Some(Interest::WRITABLE));
        assert_eq!(Interest::ERROR.remove(Interest::ERROR), None);
        let mut i = Interest::READABLE;
        i |= Interest::PRIORITY;
        assert!(i.is_priority() && i.is_readable() && !i.is_writable());
        let m = both.to_mio();
        assert!(m.is_readable() && m.is_writable());
        assert!(Interest::ERROR.to_mio().is_readable());
    }

    #[test]
    fn ready_bits_and_interest_masks() {
        let r = Ready::READABLE | Ready::WRITE_CLOSED;
        assert!(r.is_readable() && r.is_writable() && r.is_write_closed() && !r.is_read_closed());
        assert_eq!(r - Ready::READABLE, Ready::WRITE_CLOSED);
        assert_eq!(r & Ready::READABLE, Ready::READABLE);
        assert_eq!(r.intersection(Interest::READABLE), Ready::READABLE);
        assert!(
            Ready::ERROR.satisfies(Interest::WRITABLE),
            "errors wake every interest"
        );
        assert!(!Ready::WRITABLE.satisfies(Interest::READABLE));
        assert_eq!(Ready::ALL - Ready::ALL, Ready::EMPTY);
        assert!(format!("{:?}", Ready::READABLE).contains("is_readable: true"));
    }
}
