//! A multi-producer, single-consumer queue with tokio's API (`tokio::sync::mpsc`).
//!
//! [`channel`]`(n)` gives a bounded channel: [`Sender::send`] waits while `n` values are
//! buffered (back-pressure), [`Sender::reserve`] waits for a slot and returns a [`Permit`] that
//! sends without waiting. [`unbounded_channel`] never makes a sender wait. The channel closes
//! when every sender is dropped (the receiver drains what is buffered, then gets `None`) or when
//! the receiver is dropped or [`Receiver::close`]s (sends fail and return the value).
//!
//! It runs on the same engine as [`crate::chan`] (Go's `hchan`: one lock, a FIFO buffer, FIFO
//! wait-lists with direct hand-off to a parked receiver), so every future here is cancel safe
//! and takes part in `select!`'s exactly-one-branch coordination.
//!
//! ```
//! use gort_channel::sync::mpsc;
//! # futures::executor::block_on(async {
//! let (tx, mut rx) = mpsc::channel(8);
//! for i in 0..3 {
//!     let tx = tx.clone();
//!     std::thread::spawn(move || tx.blocking_send(i).unwrap());
//! }
//! drop(tx);
//! let mut got = Vec::new();
//! while let Some(i) = rx.recv().await {
//!     got.push(i);
//! }
//! got.sort();
//! assert_eq!(got, [0, 1, 2]);
//! # });
//! ```

mod bounded;
pub mod error;
mod receiver;
mod reserve_many;
mod unbounded;
mod weak;

pub use crate::chan::SendFuture;
pub use bounded::{
    channel, ClosedFuture, OwnedPermit, OwnedReserveFuture, Permit, ReserveFuture, Sender,
    WeakSender,
};
pub use receiver::{Receiver, RecvFuture, RecvManyFuture, UnboundedReceiver};
pub use reserve_many::PermitIterator;
pub use unbounded::{unbounded_channel, UnboundedSender, WeakUnboundedSender};

// As tokio's: the engine finishes every change under its lock before any user code (a value's
// destructor, a waker) runs, so a panic caught around a channel operation never observes a
// half-updated channel. This makes every sender, receiver and permit unwind safe.
impl<T> std::panic::RefUnwindSafe for crate::chan::Chan<T> {}
impl<T> std::panic::UnwindSafe for crate::chan::Chan<T> {}

#[cfg(all(test, not(loom)))]
mod tests;

#[cfg(all(test, not(loom)))]
mod units_tests;

#[cfg(all(test, loom))]
mod loom_tests;
