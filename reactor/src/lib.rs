//! gort's reactor: the mio driver, timers, sockets and the io traits.
#![warn(missing_docs)]
#![warn(clippy::undocumented_unsafe_blocks)]

pub mod driver;
pub mod io;
pub mod net;
pub mod signal;
pub mod time;
