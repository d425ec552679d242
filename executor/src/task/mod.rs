//! Tasks: spawning, joining, aborting, yielding, task-local values.
//!
//! A task is one allocation holding a header (atomic [state word](state), vtable, id, join
//! waker), the scheduler handle, and the future whose slot later holds the output: the layout of
//! async-task (`header.rs`, `state.rs`, `raw.rs`) and tokio (`runtime/task`). Wakers are counted
//! pointers to that header through a hand-written `RawWakerVTable`, so spawning costs one
//! allocation and polling none.
//!
//! ```
//! # let rt = gort_executor::runtime::Runtime::new().unwrap();
//! # rt.block_on(async {
//! use gort_executor::task;
//! let handle = task::spawn(async {
//!     task::yield_now().await;
//!     "done"
//! });
//! assert_eq!(handle.await.unwrap(), "done");
//! # });
//! ```

mod abort_handle;
mod blocking;
mod builder;
pub mod coop;
mod error;
mod harness;
mod header;
mod id;
mod join_handle;
mod join_set;
mod local;
pub mod meta;
mod raw;
mod refs;
mod state;
mod task_local;
mod unconstrained;
mod waker;
mod yield_now;

#[cfg(all(test, loom))]
mod loom_tests;
#[cfg(all(test, not(loom)))]
mod tests;

pub use abort_handle::AbortHandle;
pub use blocking::{block_in_place, spawn_blocking};
pub use builder::Builder;
pub use coop::consume_budget;
pub use error::JoinError;
pub use gort_waitsite::{WaitKind, WaitSite};
pub use id::{id, try_id, Id};
pub use join_handle::JoinHandle;
pub use join_set::JoinSet;
pub use local::{spawn_local, LocalEnterGuard, LocalSet};
pub use meta::{TaskInfo, TaskState};
pub use task_local::{AccessError, LocalKey};
pub use unconstrained::{unconstrained, Unconstrained};
pub use yield_now::yield_now;

pub(crate) use header::Header;
pub(crate) use raw::RawTask;
pub(crate) use refs::{new_task, Notified, Schedule, Task};

/// Futures returned by this module's functions.
pub mod futures {
    pub use super::task_local::TaskLocalFuture;
}

use crate::runtime::context;
use std::future::Future;

/// The panic message of every call that needs a runtime and has none: gort's advice, then
/// tokio's words (code ported from tokio may match on them).
pub(crate) const NO_RUNTIME: &str = "must be called from the context of a gort runtime: use \
#[gort::main], Runtime::block_on or Runtime::enter (tokio's words: there is no reactor running, \
must be called from the context of a Tokio 1.x runtime)";

/// Spawns a task onto the current runtime; it starts running right away, in parallel with the
/// caller on a multi-thread runtime. Awaiting the returned [`JoinHandle`] yields its output;
/// dropping the handle detaches the task.
///
/// # Panics
/// When called outside a gort runtime: use `#[gort::main]`, `Runtime::block_on` or
/// `Runtime::enter`.
///
/// ```
/// # let rt = gort_executor::runtime::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let handle = gort_executor::task::spawn(async { 1 + 2 });
/// assert_eq!(handle.await.unwrap(), 3);
/// # });
/// ```
#[track_caller]
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    meta::spawned_here();
    let id = Id::next();
    let mut future = Some(future);
    match context::with_current(|handle| handle.spawn(future.take().expect("spawned once"), id)) {
        Ok(join) => join,
        Err(e) if e.is_thread_local_destroyed() => panic!("gort::spawn: {e}"),
        Err(_) => panic!("gort::spawn {NO_RUNTIME}"),
    }
}
