//! gort's reactor: the mio driver, timers, sockets and the io traits.
#![warn(missing_docs)]
#![warn(clippy::undocumented_unsafe_blocks)]
