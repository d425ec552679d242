//! Wait sites: what a gort task (or thread) is waiting on, and where in the source it waits.
//!
//! Every gort leaf future that returns `Pending` calls [`record`] (usually through
//! [`Traced`]): the wait's [`WaitKind`], the identity of the resource (its address) and the call
//! site captured by a `#[track_caller]` constructor. The executor installs the polled task's
//! [`WaitRecord`] in a thread-local around each poll ([`poll_with`]); `record` writes into it
//! with a few relaxed stores (no allocation, no lock). After a `Pending` poll the executor
//! publishes what was recorded; a `Pending` poll with nothing recorded marks the task as waiting
//! on something foreign (a future gort does not know).
//!
//! Readers (the task dump, the deadlock detector, the slow-poll watchdog) read a record from any
//! thread with [`WaitRecord::snapshot`]; the writes are relaxed atomics, so a record read while
//! its task runs may mix two polls' sites, which is fine for a diagnostic and never unsound.
//!
//! Plain threads that use gort's blocking API (`recv_blocking`, `blocking_lock`, ...) and
//! threads inside a runtime's `block_on` have a [`ThreadWait`] in a process-wide registry
//! ([`threads`]), so the deadlock detector can count them as waiting or as possible wakers.
//!
//! ```
//! use gort_waitsite::{poll_with, record, WaitKind, WaitRecord};
//! let rec = WaitRecord::new();
//! let _ = poll_with(&rec, 7, || {
//!     record(WaitKind::ChanRecv, std::ptr::null(), 0, std::panic::Location::caller());
//!     std::task::Poll::<()>::Pending
//! });
//! let snap = rec.snapshot();
//! assert_eq!(snap.sites().next().unwrap().kind, WaitKind::ChanRecv);
//! assert!(!snap.is_foreign());
//! ```
#![warn(missing_docs)]
#![warn(clippy::undocumented_unsafe_blocks)]

mod kind;
mod record;
mod threads;
mod timers;
mod traced;

pub use kind::WaitKind;
pub use record::{
    current_task, mark, now_ms, poll_with, record, record_over, relocate_since, scope, tick_clock,
    tick_clock_at, IdleSince, WaitRecord, WaitSite, WaitSnapshot, MAX_SITES,
};
pub use threads::{
    blocking_wait, current_thread_wait, thread_waker, threads, ThreadState, ThreadWait,
};
pub use timers::{is_timer_fed, TimerSource};
pub use traced::Traced;
