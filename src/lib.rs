//! gort: Go-style concurrency for async Rust.
//!
//! Stackless futures stand in for goroutines and run on a multi-threaded work-stealing executor;
//! a mio reactor drives sockets and timers; wait-list channels give Go's `chan` (buffered,
//! unbuffered, close, `select!` with `default`). The API has tokio's shape, so an application moves
//! from tokio to gort by renaming one dependency:
//! `tokio = { package = "gort", path = "..." }`.
#![warn(missing_docs)]

pub use gort_channel::{chan, coop, sync};
pub use gort_executor::{runtime, task};
pub use gort_macros::{main, test};
pub use gort_reactor::{io, net, signal, time};
#[cfg(feature = "hyper")]
pub mod hyper;
