//! The part of a task every reference can read without knowing the future's type.
//!
//! A task is one heap allocation, [`Cell`](super::raw::Cell): this header, then the scheduler
//! handle, then the stage (future, then output). References (`Notified`, `Task`, `JoinHandle`,
//! `AbortHandle`, `Waker`) are all a pointer to the header; the [`Vtable`] recovers the types.

use super::id::Id;
use super::meta::TaskMeta;
use super::state::State;
use crate::loom::UnsafeCell;
use gort_waitsite::IdleSince;
use std::ptr::NonNull;
use std::task::Waker;

/// The type-erased start of every task allocation.
#[repr(C)]
pub(crate) struct Header {
    /// Flags and reference count (see [`super::state`]).
    pub(crate) state: State,
    /// Monomorphized operations for this task's future and scheduler types.
    pub(crate) vtable: &'static Vtable,
    /// The task's id, unique for the life of the process.
    pub(crate) id: Id,
    /// Slot of this task in its owner's task list; only touched under that list's shard lock.
    /// (32 bits, so `idle_since` fits beside it and a small task stays in a smaller malloc
    /// size class.)
    pub(crate) owner_key: UnsafeCell<u32>,
    /// When the task's last poll returned `Pending` (for the dump's idle time).
    pub(crate) idle_since: IdleSince,
    /// The `JoinHandle`'s waker; who may touch it is decided by the `JOIN_WAKER` bit.
    pub(crate) join_waker: UnsafeCell<Option<Waker>>,
    /// Name, spawn location and wait sites, for the task dump and the deadlock report.
    pub(crate) meta: TaskMeta,
}

/// Operations that need the concrete future and scheduler types.
pub(crate) struct Vtable {
    /// Runs the task once; consumes a `Notified` reference.
    pub(crate) poll: unsafe fn(NonNull<Header>),
    /// Hands a `Notified` reference to the task's scheduler.
    pub(crate) schedule: unsafe fn(NonNull<Header>),
    /// Frees the allocation (reference count reached zero).
    pub(crate) dealloc: unsafe fn(NonNull<Header>),
    /// `JoinHandle::poll`: moves the output into `*mut Poll<Result<T, JoinError>>` or stores
    /// the waker.
    pub(crate) try_read_output: unsafe fn(NonNull<Header>, *mut (), &Waker),
    /// Drops a `JoinHandle` whose fast path failed; consumes its reference.
    pub(crate) drop_join_handle_slow: unsafe fn(NonNull<Header>),
    /// Runtime shutdown: cancels the task if idle; consumes one reference.
    pub(crate) shutdown: unsafe fn(NonNull<Header>),
    /// `Schedule::KIND` of the task's scheduler (`"task"`, `"blocking"`), for diagnostics.
    #[cfg_attr(not(feature = "tracing"), allow(dead_code))]
    pub(crate) kind: &'static str,
}
