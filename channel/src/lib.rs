//! gort's channels and synchronization: a wait-list core and everything built on it.
//!
//! Runtime independent: every future here works under gort, tokio, smol or
//! `futures::executor::block_on`. See the crate `gort` for the user-facing paths.
//!
//! - [`chan`]: Go's channel (MPMC, buffered or unbuffered, closable), with [`select!`] (and its
//!   gort-only `default` branch), [`join!`] and [`try_join!`].
//! - [`sync`]: tokio's `mpsc`, `oneshot`, `broadcast`, `watch` and locks, plus Go's `WaitGroup`.
//! - [`coop`]: the cooperative budget every blocking operation charges.
#![warn(missing_docs)]
#![warn(clippy::undocumented_unsafe_blocks)]

pub mod chan;
pub mod coop;
pub(crate) mod handoff;
mod join;
mod macro_support;
mod select;
mod select_macro;
pub mod sync;
pub(crate) mod waitlist;

/// Support for the exported macros; not public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::macro_support::*;
    pub use crate::select::SelectScope;
    pub use core::future::{poll_fn, Future, IntoFuture};
    pub use core::pin::Pin;
    pub use core::task::Poll;
    pub use futures_util::future::{maybe_done, MaybeDone};
}
