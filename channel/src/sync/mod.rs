//! Synchronization primitives and channels with tokio's names, plus Go's `WaitGroup` and
//! `context` cancellation.
//!
//! Everything here is runtime independent: the futures work under gort, tokio, smol or
//! `futures::executor::block_on`. Every blocking wait parks in the crate's FIFO wait-list
//! (`waitlist.rs`), charges the cooperative budget (`crate::coop`), and is cancel safe
//! (except [`Barrier::wait`], as tokio's): dropping a pending lock, acquire or `notified`
//! never leaks a permit or skips the next waiter.
//!
//! Uncontended operations take no lock: locking a free `Mutex`, unlocking one nobody waits
//! for, taking or returning free `Semaphore` permits, a `read` on an `RwLock` without writers,
//! `notify_one` with nobody waiting and a `Notified` that finds the stored permit are each one
//! CAS on an atomic word.
//!
//! | gort | tokio | Go |
//! | --- | --- | --- |
//! | [`Mutex`] | `tokio::sync::Mutex` | `sync.Mutex` |
//! | [`RwLock`] | `tokio::sync::RwLock` | `sync.RWMutex` |
//! | [`Semaphore`] | `tokio::sync::Semaphore` | `x/sync/semaphore.Weighted` |
//! | [`Notify`] | `tokio::sync::Notify` | `sync.Cond` (`Signal`, `Broadcast`) |
//! | [`Barrier`] | `tokio::sync::Barrier` | — |
//! | [`OnceCell`] | `tokio::sync::OnceCell` | `sync.Once` |
//! | [`SetOnce`] | `tokio::sync::SetOnce` | — |
//! | [`WaitGroup`] | — | `sync.WaitGroup` |
//! | [`CancellationToken`] | `tokio_util::sync::CancellationToken` | `context.Context` |
//!
//! The lock-free fast paths are model-checked with loom (`loom_*` tests, run with
//! `RUSTFLAGS="--cfg loom" cargo test --release -p gort-channel --lib loom_`).

mod barrier;
pub(crate) use __runtime as blocking;
#[doc(hidden)]
#[path = "blocking.rs"]
pub mod __runtime;
#[doc(hidden)]
#[path = "timer.rs"]
pub mod __timer;
mod batch_semaphore;
mod cancellation_token;
mod mutex;
mod notify;
mod once_cell;
mod rwlock;
mod semaphore;
// Built on `Notify::const_new`, which loom's atomics cannot provide.
#[cfg(not(loom))]
mod set_once;
mod shim;
mod wait_group;

pub mod broadcast;
pub mod mpsc;
pub mod oneshot;
pub mod watch;

pub use barrier::{Barrier, BarrierWaitResult};
pub use cancellation_token::{
    CancellationToken, DropGuard, WaitForCancellationFuture, WaitForCancellationFutureOwned,
};
pub use mutex::{
    MappedMutexGuard, Mutex, MutexGuard, OwnedMappedMutexGuard, OwnedMutexGuard, TryLockError,
};
pub use notify::{Notified, Notify, OwnedNotified};
pub use once_cell::{OnceCell, SetError};
pub use rwlock::{
    OwnedRwLockReadGuard, OwnedRwLockWriteGuard, RwLock, RwLockMappedWriteGuard, RwLockReadGuard,
    RwLockWriteGuard,
};
pub use semaphore::{
    AcquireError, OwnedSemaphorePermit, Semaphore, SemaphorePermit, TryAcquireError,
};
#[cfg(not(loom))]
pub use set_once::{SetOnce, SetOnceError};
pub use wait_group::{Wait, WaitGroup};

#[cfg(all(test, loom))]
mod loom_tests;
#[cfg(all(test, not(loom)))]
mod tests;
