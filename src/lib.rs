//! gort: Go-style concurrency for async Rust.
//!
//! Stackless futures stand in for goroutines and run on a multi-threaded work-stealing executor;
//! a mio reactor drives sockets and timers; wait-list channels give Go's `chan` (buffered,
//! unbuffered, close, [`select!`] with `default`). The API has tokio's shape, so an application
//! moves from tokio to gort by renaming one dependency:
//! `tokio = { package = "gort", path = "..." }`.
//!
//! | piece | crate | paths |
//! | --- | --- | --- |
//! | tasks and the runtime | `gort-executor` | [`spawn`], [`task`], [`runtime`], [`main`], [`test`] |
//! | sockets, timers, io, files, processes | `gort-reactor` | [`net`], [`time`], [`io`], [`signal`], [`fs`], [`process`] |
//! | channels and locks | `gort-channel` | [`chan`], [`sync`], [`select!`], [`join!`], [`try_join!`] |
//!
//! ```
//! use gort::chan;
//! use std::time::Duration;
//!
//! #[gort::main]
//! async fn main() {
//!     let (tx, rx) = chan::bounded::<u32>(0); // unbuffered, as Go's make(chan int)
//!     gort::spawn(async move { tx.send(42).await.unwrap() });
//!     gort::select! {
//!         Some(v) = rx.recv() => assert_eq!(v, 42),
//!         _ = gort::time::sleep(Duration::from_secs(5)) => panic!("timed out"),
//!     }
//! }
//! ```
#![warn(missing_docs)]

// Lets `#[gort::test]` (which names `::gort`) work in this crate's own unit tests.
extern crate self as gort;

pub use gort_channel::{chan, coop};
pub use gort_channel::{join, select, try_join};
pub use gort_executor::{runtime, spawn, task, task_local};
pub use gort_macros::{main, test};
pub use gort_reactor::{fs, io, net, process, signal, time};
#[cfg(feature = "hyper")]
pub mod hyper;
pub mod sync;

/// Pins values on the stack, as `tokio::pin!`: `gort::pin!(fut);` shadows `fut` with a
/// `Pin<&mut _>` to it, so it can be polled by reference (for example in a `select!` loop).
///
/// ```
/// # gort::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let sleep = gort::time::sleep(std::time::Duration::from_millis(1));
/// gort::pin!(sleep);
/// (&mut sleep).await;
/// assert!(sleep.is_elapsed());
/// # });
/// ```
#[macro_export]
macro_rules! pin {
    ($($x:ident),* $(,)?) => { $(
        #[allow(unused_mut)]
        let mut $x = ::core::pin::pin!($x);
    )* };
    ($(let $x:ident = $init:expr;)*) => { $(
        let $x = $init;
        $crate::pin!($x);
    )* };
}
