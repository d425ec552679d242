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
mod join;
mod select;
pub mod sync;
pub(crate) mod waitlist;

/// Support for the exported macros; not public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::select::{no_branch, random_below, Branch, NoBranch, SelectOutput, SelectScope};
    pub use core::future::{poll_fn, Future, IntoFuture};
    pub use core::pin::Pin;
    pub use core::task::Poll;
    pub use futures_util::future::{maybe_done, MaybeDone};

    /// `i % n`, as a function so a constant `n == 0` (an empty macro call) is no compile error.
    #[inline]
    pub fn wrap_index(i: u32, n: u32) -> u32 {
        if n == 0 {
            0
        } else {
            i % n
        }
    }

    /// Runs `f` outside the cooperative budget when `unconstrained` (a `select!` with `default`).
    #[inline]
    pub fn maybe_unconstrained<R>(unconstrained: bool, f: impl FnOnce() -> R) -> R {
        if unconstrained {
            crate::coop::unconstrained(f)
        } else {
            f()
        }
    }

    /// `try_join!`: whether a finished future failed.
    #[inline]
    pub fn is_err<T, E>(output: Option<&mut Result<T, E>>) -> bool {
        matches!(output, Some(Err(_)))
    }

    /// `try_join!`: the error of a failed future.
    pub fn take_err<T, E>(output: Option<Result<T, E>>) -> E {
        match output {
            Some(Err(err)) => err,
            _ => unreachable!("try_join!: checked to be an error"),
        }
    }

    /// `try_join!`: the value of a succeeded future.
    pub fn take_ok<T, E>(output: Option<Result<T, E>>) -> T {
        match output {
            Some(Ok(value)) => value,
            _ => unreachable!("try_join!: checked to be a success"),
        }
    }
}
