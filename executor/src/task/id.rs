//! Task ids, and which task the current thread is polling (the owner of the current wait record).

use std::fmt;
use std::num::NonZeroU64;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// An opaque id, unique among all tasks ever spawned in this process (as tokio's `task::Id`).
///
/// ```
/// # let rt = gort_executor::runtime::Builder::new_current_thread().build().unwrap();
/// # rt.block_on(async {
/// let handle = gort_executor::spawn(async { gort_executor::task::id() });
/// let id = handle.id();
/// assert_eq!(handle.await.unwrap(), id);
/// # });
/// ```
#[derive(Clone, Copy, Debug, Hash, Eq, PartialEq, Ord, PartialOrd)]
pub struct Id(NonZeroU64);

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl Id {
    pub(crate) fn as_u64(self) -> u64 {
        self.0.get()
    }

    pub(crate) fn next() -> Id {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        let id = NEXT.fetch_add(1, Relaxed);
        Id(NonZeroU64::new(id).expect("task id counter wrapped"))
    }
}

/// The id of the task being polled.
///
/// # Panics
/// When called outside a task.
///
/// ```
/// # let rt = gort_executor::runtime::Builder::new_current_thread().build().unwrap();
/// # rt.block_on(async {
/// let id = gort_executor::spawn(async { gort_executor::task::id() }).await.unwrap();
/// println!("task {id}");
/// # });
/// ```
#[track_caller]
pub fn id() -> Id {
    try_id().expect("task::id() called outside of a task: call it from inside a spawned future")
}

/// The id of the task being polled, or `None` outside a task.
///
/// ```
/// assert!(gort_executor::task::try_id().is_none());
/// ```
pub fn try_id() -> Option<Id> {
    // The poll loop makes the task's wait record current; its owner is the task id.
    NonZeroU64::new(gort_waitsite::current_task()).map(Id)
}
