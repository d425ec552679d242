//! Time error types.

use std::fmt;
use std::io;

/// Returned by [`timeout`](super::timeout) when the deadline passed before the future completed.
///
/// ```
/// use gort_reactor::time::error::Elapsed;
/// fn is_timeout(e: &Elapsed) -> String { e.to_string() }
/// ```
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub struct Elapsed(());

impl Elapsed {
    pub(crate) fn new() -> Elapsed {
        Elapsed(())
    }
}

impl fmt::Display for Elapsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("deadline has elapsed")
    }
}

impl std::error::Error for Elapsed {}

impl From<Elapsed> for io::Error {
    fn from(_: Elapsed) -> io::Error {
        io::ErrorKind::TimedOut.into()
    }
}
