//! Readiness bits, as reported by mio and stored in each registration's readiness word.

use std::ops;

/// A set of readiness bits (a subset of
/// `READABLE | WRITABLE | READ_CLOSED | WRITE_CLOSED | ERROR | PRIORITY`), laid out bit for bit
/// as the public [`Ready`](crate::io::Ready).
#[derive(Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Ready(usize);

impl Ready {
    pub(crate) const EMPTY: Ready = Ready(0);
    pub(crate) const READABLE: Ready = Ready(1);
    pub(crate) const WRITABLE: Ready = Ready(1 << 1);
    pub(crate) const READ_CLOSED: Ready = Ready(1 << 2);
    pub(crate) const WRITE_CLOSED: Ready = Ready(1 << 3);
    pub(crate) const ERROR: Ready = Ready(1 << 4);
    /// Priority (out-of-band) data: `EPOLLPRI`, reported only for sources registered with
    /// `mio::Interest::PRIORITY` (Linux, Android).
    pub(crate) const PRIORITY: Ready = Ready(1 << 5);
    /// Every bit above: the mask of the readiness part of the readiness word.
    pub(crate) const ALL: Ready = Ready(0b11_1111);

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
        // mio also counts `EPOLLPRI` as readable (as tokio reports it): a priority event sets
        // both bits, and each waiter sees the ones its interest asks for.
        if event.is_priority() {
            ready |= Ready::PRIORITY;
        }
        ready
    }

    pub(crate) const fn from_usize(bits: usize) -> Ready {
        Ready(bits & Ready::ALL.0)
    }

    pub(crate) const fn as_usize(self) -> usize {
        self.0
    }

    pub(crate) fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub(crate) fn intersects(self, other: Ready) -> bool {
        self.0 & other.0 != 0
    }

    /// The bits that stay set once seen: a closed half never reopens.
    pub(crate) fn without_closed(self) -> Ready {
        Ready(self.0 & !(Ready::READ_CLOSED.0 | Ready::WRITE_CLOSED.0))
    }
}

impl ops::BitOr for Ready {
    type Output = Ready;
    fn bitor(self, rhs: Ready) -> Ready {
        Ready(self.0 | rhs.0)
    }
}

impl ops::BitOrAssign for Ready {
    fn bitor_assign(&mut self, rhs: Ready) {
        self.0 |= rhs.0;
    }
}

impl ops::BitAnd for Ready {
    type Output = Ready;
    fn bitand(self, rhs: Ready) -> Ready {
        Ready(self.0 & rhs.0)
    }
}

impl std::fmt::Debug for Ready {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ready")
            .field("readable", &self.intersects(Ready::READABLE))
            .field("writable", &self.intersects(Ready::WRITABLE))
            .field("read_closed", &self.intersects(Ready::READ_CLOSED))
            .field("write_closed", &self.intersects(Ready::WRITE_CLOSED))
            .field("error", &self.intersects(Ready::ERROR))
            .field("priority", &self.intersects(Ready::PRIORITY))
            .finish()
    }
}

/// Which half of a registration an operation waits on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Direction {
    Read,
    Write,
}

impl Direction {
    /// The readiness bits that let an operation in this direction make progress (or fail).
    pub(crate) fn mask(self) -> Ready {
        match self {
            Direction::Read => Ready::READABLE | Ready::READ_CLOSED | Ready::ERROR,
            Direction::Write => Ready::WRITABLE | Ready::WRITE_CLOSED | Ready::ERROR,
        }
    }
}

impl Ready {
    /// The driver bits that satisfy a public [`Interest`](crate::io::Interest).
    pub(crate) fn from_interest(interest: crate::io::Interest) -> Ready {
        let public = interest.mask();
        let mut ready = Ready::EMPTY;
        for (bit, set) in [
            (Ready::READABLE, public.is_readable()),
            (Ready::WRITABLE, public.is_writable()),
            (Ready::READ_CLOSED, public.is_read_closed()),
            (Ready::WRITE_CLOSED, public.is_write_closed()),
            (Ready::ERROR, public.is_error()),
            (Ready::PRIORITY, public.is_priority()),
        ] {
            if set {
                ready |= bit;
            }
        }
        ready
    }

    /// The public [`Ready`](crate::io::Ready) with the same bits.
    pub(crate) fn to_public(self) -> crate::io::Ready {
        use crate::io::Ready as Public;
        let mut out = Public::EMPTY;
        for (bit, public) in [
            (Ready::READABLE, Public::READABLE),
            (Ready::WRITABLE, Public::WRITABLE),
            (Ready::READ_CLOSED, Public::READ_CLOSED),
            (Ready::WRITE_CLOSED, Public::WRITE_CLOSED),
            (Ready::ERROR, Public::ERROR),
            (Ready::PRIORITY, Public::PRIORITY),
        ] {
            if self.intersects(bit) {
                out |= public;
            }
        }
        out
    }
}
