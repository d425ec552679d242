//! The `sync` module's view of atomics, locks and threads: std normally, loom's model-checked
//! versions under `--cfg loom`, so the lock-free fast paths here are explored by loom models.
//!
//! The lock used around wait-lists ignores poisoning: every critical section here leaves the
//! list consistent before it can panic, so a poisoned lock is still safe to use.

#[cfg(loom)]
pub(crate) use loom::sync::atomic::{AtomicBool, AtomicUsize};
pub(crate) use std::sync::atomic::Ordering;
#[cfg(not(loom))]
pub(crate) use std::sync::atomic::{AtomicBool, AtomicUsize};

#[cfg(loom)]
use loom::sync as imp;
#[cfg(not(loom))]
use std::sync as imp;

/// A mutex that shrugs off poisoning (see the module docs).
pub(crate) struct Lock<T>(imp::Mutex<T>);

/// The guard of a [`Lock`].
pub(crate) type LockGuard<'a, T> = imp::MutexGuard<'a, T>;

impl<T> Lock<T> {
    #[cfg(not(loom))]
    pub(crate) const fn new(value: T) -> Self {
        Lock(imp::Mutex::new(value))
    }

    #[cfg(loom)]
    pub(crate) fn new(value: T) -> Self {
        Lock(imp::Mutex::new(value))
    }

    pub(crate) fn lock(&self) -> LockGuard<'_, T> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// A condition variable paired with [`Lock`], for the blocking (plain thread) waits.
pub(crate) struct Condvar(imp::Condvar);

impl Condvar {
    pub(crate) fn new() -> Self {
        Condvar(imp::Condvar::new())
    }

    pub(crate) fn wait<'a, T>(&self, guard: LockGuard<'a, T>) -> LockGuard<'a, T> {
        self.0
            .wait(guard)
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub(crate) fn notify_all(&self) {
        self.0.notify_all();
    }
}

/// A reader-writer lock that shrugs off poisoning, for `watch`'s value.
pub(crate) struct ValueLock<T>(imp::RwLock<T>);

/// Shared access to a [`ValueLock`].
pub(crate) type ValueReadGuard<'a, T> = imp::RwLockReadGuard<'a, T>;
/// Exclusive access to a [`ValueLock`].
pub(crate) type ValueWriteGuard<'a, T> = imp::RwLockWriteGuard<'a, T>;

impl<T> ValueLock<T> {
    pub(crate) fn new(value: T) -> Self {
        ValueLock(imp::RwLock::new(value))
    }

    pub(crate) fn read(&self) -> ValueReadGuard<'_, T> {
        self.0
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub(crate) fn write(&self) -> ValueWriteGuard<'_, T> {
        self.0
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
