//! gort's channels and synchronization: a wait-list core and everything built on it.
//!
//! Runtime independent: every future here works under gort, tokio, smol or
//! `futures::executor::block_on`. See the crate `gort` for the user-facing paths.
#![warn(missing_docs)]
#![warn(clippy::undocumented_unsafe_blocks)]

pub mod chan;
pub mod coop;
pub mod sync;
#[allow(dead_code)] // The users (chan, sync) land next; remove this then.
pub(crate) mod waitlist;
