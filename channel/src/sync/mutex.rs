//! An asynchronous, fair mutex (tokio's `Mutex`; Go's `sync.Mutex`).
//!
//! The lock is a one-permit fair semaphore (`batch_semaphore.rs`): locking an unlocked mutex and
//! unlocking one nobody waits for are a single CAS each; otherwise waiters queue in FIFO order
//! and `unlock` hands the lock straight to the first of them (Go's "starvation mode", always on),
//! so a task that unlocks and relocks in a loop cannot starve the others.

use super::batch_semaphore as ll;
use super::blocking::block_on;
use gort_waitsite::{Traced, WaitKind};
use std::cell::UnsafeCell;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;

/// An asynchronous mutual-exclusion lock whose guard may be held across `.await`.
///
/// Fair: waiters get the lock in the order they asked for it; `unlock` hands it directly to the
/// first waiter. Go equivalent: `sync.Mutex` (whose `Lock` blocks a goroutine, here a task).
///
/// ```
/// use gort_channel::sync::Mutex;
/// use std::sync::Arc;
/// futures::executor::block_on(async {
///     let count = Arc::new(Mutex::new(0));
///     let mut guard = count.lock().await;
///     *guard += 1;
///     drop(guard);
///     assert_eq!(*count.lock().await, 1);
/// });
/// ```
pub struct Mutex<T: ?Sized> {
    sem: ll::Semaphore,
    /// The id of the task holding the lock (0: none, or not a task), for the task dump's
    /// `lock_cycles`.
    holder: AtomicU64,
    data: UnsafeCell<T>,
}

// SAFETY: the semaphore gives one holder at a time exclusive access to `data`, so sharing the
// mutex only ever moves `T` between threads (hence `T: Send`), as `std::sync::Mutex`.
unsafe impl<T: ?Sized + Send> Sync for Mutex<T> {}
// SAFETY: owning the mutex owns the `T`.
unsafe impl<T: ?Sized + Send> Send for Mutex<T> {}

/// The lock was held: returned by [`Mutex::try_lock`] and the `try_*` methods of `RwLock`.
///
/// ```
/// let m = gort_channel::sync::Mutex::new(());
/// let _held = m.try_lock().unwrap();
/// let err: gort_channel::sync::TryLockError = m.try_lock().unwrap_err();
/// assert_eq!(err.to_string(), "operation would block");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TryLockError(pub(crate) ());

impl fmt::Display for TryLockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("operation would block")
    }
}

impl std::error::Error for TryLockError {}

/// Exclusive access to a [`Mutex`]'s value; unlocks on drop.
///
/// ```
/// futures::executor::block_on(async {
///     let m = gort_channel::sync::Mutex::new(1);
///     let mut guard: gort_channel::sync::MutexGuard<'_, i32> = m.lock().await;
///     *guard += 1;
///     assert_eq!(*guard, 2);
/// });
/// ```
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct MutexGuard<'a, T: ?Sized> {
    lock: &'a Mutex<T>,
}

/// Exclusive access to a [`Mutex`] held through an `Arc`, so it can move into a task.
///
/// ```
/// use std::sync::Arc;
/// let m = Arc::new(gort_channel::sync::Mutex::new(1));
/// let guard = m.clone().try_lock_owned().unwrap();
/// std::thread::spawn(move || assert_eq!(*guard, 1)).join().unwrap();
/// ```
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct OwnedMutexGuard<T: ?Sized> {
    lock: Arc<Mutex<T>>,
}

/// A [`MutexGuard`] narrowed to a part of the value by [`MutexGuard::map`].
///
/// ```
/// use gort_channel::sync::{MappedMutexGuard, Mutex, MutexGuard};
/// let m = Mutex::new((1, 2));
/// let first: MappedMutexGuard<'_, i32> = MutexGuard::map(m.try_lock().unwrap(), |p| &mut p.0);
/// assert_eq!(*first, 1);
/// ```
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct MappedMutexGuard<'a, T: ?Sized> {
    sem: &'a ll::Semaphore,
    data: *mut T,
    _marker: PhantomData<&'a mut T>,
}

// SAFETY: the guards give `&T`/`&mut T` access only; sharing one shares `&T` (`T: Sync`),
// sending one sends `&mut T` (`T: Send`), as `std::sync::MutexGuard` and tokio's guards.
unsafe impl<T: ?Sized + Sync> Sync for MutexGuard<'_, T> {}
// SAFETY: see above.
unsafe impl<T: ?Sized + Send + Sync> Sync for OwnedMutexGuard<T> {}
// SAFETY: see above.
unsafe impl<T: ?Sized + Sync> Sync for MappedMutexGuard<'_, T> {}
// SAFETY: see above; the raw pointer is into the locked value, which the guard owns access to.
unsafe impl<T: ?Sized + Send> Send for MappedMutexGuard<'_, T> {}

impl<T> Mutex<T> {
    /// A new unlocked mutex holding `value`.
    ///
    /// ```
    /// let m = gort_channel::sync::Mutex::new(5);
    /// assert_eq!(m.into_inner(), 5);
    /// ```
    pub fn new(value: T) -> Self {
        Mutex {
            sem: ll::Semaphore::new(1),
            holder: AtomicU64::new(0),
            data: UnsafeCell::new(value),
        }
    }

    /// As [`Mutex::new`], usable in a `static`.
    ///
    /// ```
    /// use gort_channel::sync::Mutex;
    /// static COUNT: Mutex<u32> = Mutex::const_new(0);
    /// futures::executor::block_on(async { *COUNT.lock().await += 1 });
    /// ```
    #[cfg(not(loom))]
    pub const fn const_new(value: T) -> Self {
        Mutex {
            sem: ll::Semaphore::const_new(1),
            holder: AtomicU64::new(0),
            data: UnsafeCell::new(value),
        }
    }

    /// Consumes the mutex, returning its value.
    ///
    /// ```
    /// assert_eq!(gort_channel::sync::Mutex::new("v").into_inner(), "v");
    /// ```
    pub fn into_inner(self) -> T {
        self.data.into_inner()
    }
}

impl<T: ?Sized> Mutex<T> {
    /// Waits for the lock (in FIFO order) and returns its guard.
    ///
    /// # Cancel safety
    /// Cancel safe, and fair: dropping the future gives up its place in the queue, and if the
    /// lock was already handed to it, it goes to the next waiter.
    ///
    /// ```
    /// futures::executor::block_on(async {
    ///     let m = gort_channel::sync::Mutex::new(vec![1]);
    ///     m.lock().await.push(2);
    ///     assert_eq!(*m.lock().await, [1, 2]);
    /// });
    /// ```
    #[track_caller]
    pub fn lock(&self) -> impl Future<Output = MutexGuard<'_, T>> + '_ {
        let acquire = self.acquire();
        async move {
            acquire.await;
            MutexGuard { lock: self }
        }
    }

    /// Waits for the lock, recording a mutex wait at the caller's site, and notes the holder.
    #[track_caller]
    fn acquire(&self) -> impl Future<Output = ()> + '_ {
        let resource = (self as *const Self).cast::<()>();
        let wait = Traced::new(WaitKind::MutexLock, resource, self.sem.acquire(1))
            .with_holder(&self.holder);
        async move {
            // The mutex's semaphore is never closed.
            wait.await
                .unwrap_or_else(|_| unreachable!("a mutex's semaphore is never closed"));
            self.locked();
        }
    }

    fn locked(&self) {
        self.holder.store(gort_waitsite::current_task(), Relaxed);
    }

    /// Blocks the current thread until the lock is free. For synchronous code only: as tokio's,
    /// it must not be called from inside an async task (it would block the worker).
    ///
    /// ```
    /// use std::sync::Arc;
    /// let m = Arc::new(gort_channel::sync::Mutex::new(1));
    /// let m2 = m.clone();
    /// std::thread::spawn(move || *m2.blocking_lock() += 1).join().unwrap();
    /// assert_eq!(*m.blocking_lock(), 2);
    /// ```
    #[track_caller]
    pub fn blocking_lock(&self) -> MutexGuard<'_, T> {
        block_on(self.lock())
    }

    /// As [`Mutex::blocking_lock`], returning an owned guard.
    ///
    /// ```
    /// use std::sync::Arc;
    /// let m = Arc::new(gort_channel::sync::Mutex::new(1));
    /// assert_eq!(*m.blocking_lock_owned(), 1);
    /// ```
    #[track_caller]
    pub fn blocking_lock_owned(self: Arc<Self>) -> OwnedMutexGuard<T> {
        block_on(self.lock_owned())
    }

    /// Locks through an `Arc`, returning a guard that owns a handle to the mutex (`'static`
    /// when `T` is, so it can move into a spawned task).
    ///
    /// # Cancel safety
    /// Cancel safe, as [`Mutex::lock`].
    ///
    /// ```
    /// use std::sync::Arc;
    /// futures::executor::block_on(async {
    ///     let m = Arc::new(gort_channel::sync::Mutex::new(0));
    ///     let mut guard = m.clone().lock_owned().await;
    ///     *guard = 7;
    ///     drop(guard);
    ///     assert_eq!(*m.lock().await, 7);
    /// });
    /// ```
    #[track_caller]
    pub fn lock_owned(self: Arc<Self>) -> impl Future<Output = OwnedMutexGuard<T>> {
        let site = std::panic::Location::caller();
        async move {
            let resource = Arc::as_ptr(&self).cast::<()>();
            let acquire = self.sem.acquire(1);
            gort_waitsite::Traced::at(site, WaitKind::MutexLock, resource, acquire)
                .with_holder(&self.holder)
                .await
                .unwrap_or_else(|_| unreachable!("a mutex's semaphore is never closed"));
            self.locked();
            OwnedMutexGuard { lock: self }
        }
    }

    /// Takes the lock if it is free right now (and nobody is queued for it).
    ///
    /// ```
    /// let m = gort_channel::sync::Mutex::new(1);
    /// let g = m.try_lock().unwrap();
    /// assert!(m.try_lock().is_err());
    /// drop(g);
    /// assert!(m.try_lock().is_ok());
    /// ```
    pub fn try_lock(&self) -> Result<MutexGuard<'_, T>, TryLockError> {
        match self.sem.try_acquire(1) {
            Ok(()) => {
                self.locked();
                Ok(MutexGuard { lock: self })
            }
            Err(_) => Err(TryLockError(())),
        }
    }

    /// As [`Mutex::try_lock`], returning an owned guard.
    ///
    /// ```
    /// use std::sync::Arc;
    /// let m = Arc::new(gort_channel::sync::Mutex::new(1));
    /// let g = m.clone().try_lock_owned().unwrap();
    /// assert!(m.clone().try_lock_owned().is_err());
    /// drop(g);
    /// ```
    pub fn try_lock_owned(self: Arc<Self>) -> Result<OwnedMutexGuard<T>, TryLockError> {
        match self.sem.try_acquire(1) {
            Ok(()) => {
                self.locked();
                Ok(OwnedMutexGuard { lock: self })
            }
            Err(_) => Err(TryLockError(())),
        }
    }

    /// The value, through a unique borrow (no locking needed).
    ///
    /// ```
    /// let mut m = gort_channel::sync::Mutex::new(1);
    /// *m.get_mut() = 2;
    /// assert_eq!(m.into_inner(), 2);
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        self.data.get_mut()
    }

    fn unlock(&self) {
        self.holder.store(0, Relaxed);
        self.sem.release(1);
    }
}

impl<T> From<T> for Mutex<T> {
    fn from(value: T) -> Self {
        Mutex::new(value)
    }
}

impl<T: Default> Default for Mutex<T> {
    fn default() -> Self {
        Mutex::new(T::default())
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for Mutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Mutex");
        match self.try_lock() {
            Ok(guard) => d.field("data", &&*guard),
            Err(_) => d.field("data", &format_args!("<locked>")),
        };
        d.finish()
    }
}

impl<'a, T: ?Sized> MutexGuard<'a, T> {
    /// Narrows the guard to a part of the value.
    ///
    /// ```
    /// use gort_channel::sync::{Mutex, MutexGuard};
    /// futures::executor::block_on(async {
    ///     let m = Mutex::new((1, 2));
    ///     let mut second = MutexGuard::map(m.lock().await, |pair| &mut pair.1);
    ///     *second = 5;
    ///     drop(second);
    ///     assert_eq!(*m.lock().await, (1, 5));
    /// });
    /// ```
    pub fn map<U: ?Sized>(this: Self, f: impl FnOnce(&mut T) -> &mut U) -> MappedMutexGuard<'a, U> {
        let this = ManuallyDrop::new(this);
        // SAFETY: the guard holds the lock, so access to the value is exclusive; the lock moves
        // into the mapped guard (the original's Drop does not run).
        let data: *mut U = f(unsafe { &mut *this.lock.data.get() });
        MappedMutexGuard {
            sem: &this.lock.sem,
            data,
            _marker: PhantomData,
        }
    }

    /// Narrows the guard to a part of the value if `f` returns `Some`; otherwise gives the
    /// guard back.
    ///
    /// ```
    /// use gort_channel::sync::{Mutex, MutexGuard};
    /// let m = Mutex::new(Some(3));
    /// let inner = MutexGuard::try_map(m.try_lock().unwrap(), |v| v.as_mut()).unwrap();
    /// assert_eq!(*inner, 3);
    /// ```
    pub fn try_map<U: ?Sized>(
        this: Self,
        f: impl FnOnce(&mut T) -> Option<&mut U>,
    ) -> Result<MappedMutexGuard<'a, U>, Self> {
        // SAFETY: the guard holds the lock, so access to the value is exclusive.
        let data: *mut U = match f(unsafe { &mut *this.lock.data.get() }) {
            Some(data) => data,
            None => return Err(this),
        };
        let this = ManuallyDrop::new(this);
        Ok(MappedMutexGuard {
            sem: &this.lock.sem,
            data,
            _marker: PhantomData,
        })
    }

    /// The mutex this guard locks.
    ///
    /// ```
    /// use gort_channel::sync::{Mutex, MutexGuard};
    /// let m = Mutex::new(1);
    /// let g = m.try_lock().unwrap();
    /// assert!(std::ptr::eq(MutexGuard::mutex(&g), &m));
    /// ```
    pub fn mutex(this: &Self) -> &'a Mutex<T> {
        this.lock
    }
}

impl<T: ?Sized> OwnedMutexGuard<T> {
    /// Narrows the guard to a part of the value, keeping the lock (and the `Arc`).
    ///
    /// ```
    /// use gort_channel::sync::{Mutex, OwnedMutexGuard};
    /// use std::sync::Arc;
    /// let m = Arc::new(Mutex::new((1, 2)));
    /// let mut second = OwnedMutexGuard::map(m.clone().try_lock_owned().unwrap(), |p| &mut p.1);
    /// *second = 7;
    /// drop(second);
    /// assert_eq!(*m.try_lock().unwrap(), (1, 7));
    /// ```
    pub fn map<U: ?Sized>(
        mut this: Self,
        f: impl FnOnce(&mut T) -> &mut U,
    ) -> OwnedMappedMutexGuard<T, U> {
        let data: *mut U = f(&mut *this);
        let this = ManuallyDrop::new(this);
        // SAFETY: `this` is never used or dropped again; the Arc (and the lock it stands for)
        // moves into the mapped guard.
        let lock = unsafe { std::ptr::read(&this.lock) };
        OwnedMappedMutexGuard { lock, data }
    }

    /// The mutex this guard locks.
    ///
    /// ```
    /// use std::sync::Arc;
    /// let m = Arc::new(gort_channel::sync::Mutex::new(1));
    /// let g = m.clone().try_lock_owned().unwrap();
    /// assert!(Arc::ptr_eq(g.mutex(), &m));
    /// ```
    pub fn mutex(&self) -> &Arc<Mutex<T>> {
        &self.lock
    }
}

/// An [`OwnedMutexGuard`] narrowed to a part of the value by [`OwnedMutexGuard::map`].
///
/// ```
/// use gort_channel::sync::{Mutex, OwnedMutexGuard};
/// use std::sync::Arc;
/// let m = Arc::new(Mutex::new(vec![1, 2]));
/// let len = OwnedMutexGuard::map(m.try_lock_owned().unwrap(), |v| v);
/// assert_eq!(len.len(), 2);
/// ```
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct OwnedMappedMutexGuard<T: ?Sized, U: ?Sized = T> {
    lock: Arc<Mutex<T>>,
    data: *mut U,
}

// SAFETY: as `OwnedMutexGuard`: the pointer is into the locked value, which the guard owns
// exclusive access to; sending it sends `&mut U` and keeps the `Arc<Mutex<T>>` alive.
unsafe impl<T: ?Sized + Send, U: ?Sized + Send> Send for OwnedMappedMutexGuard<T, U> {}
// SAFETY: sharing the guard shares `&U`.
unsafe impl<T: ?Sized + Send + Sync, U: ?Sized + Sync> Sync for OwnedMappedMutexGuard<T, U> {}

impl<T: ?Sized, U: ?Sized> OwnedMappedMutexGuard<T, U> {
    /// The mutex this guard locks.
    ///
    /// ```
    /// use gort_channel::sync::{Mutex, OwnedMutexGuard};
    /// use std::sync::Arc;
    /// let m = Arc::new(Mutex::new((1, 2)));
    /// let g = OwnedMutexGuard::map(m.clone().try_lock_owned().unwrap(), |p| &mut p.0);
    /// assert!(Arc::ptr_eq(g.mutex(), &m));
    /// ```
    pub fn mutex(&self) -> &Arc<Mutex<T>> {
        &self.lock
    }
}

impl<T: ?Sized, U: ?Sized> Deref for OwnedMappedMutexGuard<T, U> {
    type Target = U;
    fn deref(&self) -> &U {
        // SAFETY: the pointer is into the locked value and the guard holds the lock.
        unsafe { &*self.data }
    }
}

impl<T: ?Sized, U: ?Sized> DerefMut for OwnedMappedMutexGuard<T, U> {
    fn deref_mut(&mut self) -> &mut U {
        // SAFETY: the pointer is into the locked value, the guard holds the lock, `&mut self`.
        unsafe { &mut *self.data }
    }
}

impl<T: ?Sized, U: ?Sized> Drop for OwnedMappedMutexGuard<T, U> {
    fn drop(&mut self) {
        self.lock.unlock();
    }
}

impl<T: ?Sized, U: ?Sized + fmt::Debug> fmt::Debug for OwnedMappedMutexGuard<T, U> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized> Deref for MutexGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the guard holds the lock.
        unsafe { &*self.lock.data.get() }
    }
}

impl<T: ?Sized> DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the guard holds the lock, and `&mut self` makes this access unique.
        unsafe { &mut *self.lock.data.get() }
    }
}

impl<T: ?Sized> Drop for MutexGuard<'_, T> {
    fn drop(&mut self) {
        self.lock.unlock();
    }
}

impl<T: ?Sized> Deref for OwnedMutexGuard<T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the guard holds the lock.
        unsafe { &*self.lock.data.get() }
    }
}

impl<T: ?Sized> DerefMut for OwnedMutexGuard<T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the guard holds the lock, and `&mut self` makes this access unique.
        unsafe { &mut *self.lock.data.get() }
    }
}

impl<T: ?Sized> Drop for OwnedMutexGuard<T> {
    fn drop(&mut self) {
        self.lock.unlock();
    }
}

impl<T: ?Sized> Deref for MappedMutexGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the pointer is into the locked value and the guard holds the lock.
        unsafe { &*self.data }
    }
}

impl<T: ?Sized> DerefMut for MappedMutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the pointer is into the locked value, the guard holds the lock, `&mut self`.
        unsafe { &mut *self.data }
    }
}

impl<T: ?Sized> Drop for MappedMutexGuard<'_, T> {
    fn drop(&mut self) {
        self.sem.release(1);
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for OwnedMutexGuard<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for MappedMutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Display> fmt::Display for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}
