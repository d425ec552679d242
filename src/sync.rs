//! Synchronization, as tokio's `sync` module: gort's channels (`mpsc`, `oneshot`, `broadcast`,
//! `watch`) and locks, plus tokio's [`futures`] path for the futures they return.
//!
//! ```
//! #[gort::main(flavor = "current_thread")]
//! async fn main() {
//!     let (tx, rx) = gort::sync::oneshot::channel();
//!     tx.send(5).unwrap();
//!     assert_eq!(rx.await.unwrap(), 5);
//! }
//! ```

pub use gort_channel::sync::*;

/// Named futures of the sync primitives, at tokio's `sync::futures` path.
///
/// ```
/// let notify = gort::sync::Notify::new();
/// let _notified: gort::sync::futures::Notified<'_> = notify.notified();
/// ```
pub mod futures {
    pub use gort_channel::sync::Notified;
}
