//! tokio's paths over gort: the drop-in for a whole dependency graph.
//!
//! An application adds one line to its `Cargo.toml`,
//!
//! ```toml
//! [patch.crates-io]
//! tokio = { path = "<gort>/compat/tokio" }
//! ```
//!
//! and every crate in its graph that depends on `tokio` (axum, hyper-util, reqwest, tower,
//! tokio-util, tokio-stream, ...) gets this package instead, so one runtime — gort's — runs them
//! all and their types meet each other's bounds. Nothing here is reimplemented: each module is
//! gort's, re-exported under tokio's name. The package's version is the tokio release whose stable
//! API it mirrors, and it defines every feature name tokio does (they enable nothing further: gort
//! always builds the whole runtime), except `test-util`, which turns on gort's paused clock.
//!
//! `#[tokio::main]` and `#[tokio::test]` are gort's macros: they look the runtime up in the user's
//! manifest, first as `gort`, then as `tokio`, so the unchanged attribute reaches this package.
//!
//! ```
//! #[tokio::main(flavor = "current_thread")]
//! async fn main() {
//!     let (tx, mut rx) = tokio::sync::mpsc::channel(1);
//!     tokio::spawn(async move { tx.send("hello").await.unwrap() });
//!     tokio::select! {
//!         Some(v) = rx.recv() => assert_eq!(v, "hello"),
//!         _ = tokio::time::sleep(std::time::Duration::from_secs(5)) => panic!("timed out"),
//!     }
//! }
//! ```
#![warn(missing_docs)]

// Lets this crate's own doctests and tests use `#[tokio::test]` (which names `::tokio`).
extern crate self as tokio;

pub use gort::{fs, io, net, process, runtime, signal, sync, task, time};
pub use gort::{join, pin, select, task_local, try_join};
pub use gort::{main, spawn, test};
