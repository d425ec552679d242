//! An asynchronous, fair reader-writer lock (tokio's `RwLock`; Go's `sync.RWMutex`).
//!
//! The lock is the crate's fair semaphore (`batch_semaphore.rs`) holding `max_readers` permits:
//! a reader takes one, a writer takes them all. Because waiters are served strictly in FIFO
//! order and a newcomer can never overtake a queued waiter, a writer queued behind readers
//! collects the permits they release while later readers queue behind it: writers never
//! starve, and neither do readers (tokio's design; Go's `RWMutex` blocks new readers once a
//! writer waits in the same way).

use super::batch_semaphore as ll;
use super::blocking::block_on;
use super::mutex::TryLockError;
use gort_waitsite::WaitKind;
use std::cell::UnsafeCell;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::ops::{Deref, DerefMut};
use std::panic::Location;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;

/// The default and largest number of concurrent readers (tokio's limit).
const MAX_READS: u32 = u32::MAX >> 3;

/// An asynchronous reader-writer lock: many readers or one writer, served in FIFO order.
///
/// Go equivalent: `sync.RWMutex` (`RLock` is [`read`](RwLock::read), `Lock` is
/// [`write`](RwLock::write)).
///
/// Never poisoned, as [`Mutex`](super::Mutex): a task that panics holding a read or write guard
/// releases it on unwind, and the next `read`/`write` proceeds and sees the value as left.
///
/// ```
/// use gort_channel::sync::RwLock;
/// futures::executor::block_on(async {
///     let lock = RwLock::new(5);
///     {
///         let r1 = lock.read().await;
///         let r2 = lock.read().await;
///         assert_eq!(*r1 + *r2, 10);
///     }
///     *lock.write().await += 1;
///     assert_eq!(*lock.read().await, 6);
/// });
/// ```
pub struct RwLock<T: ?Sized> {
    max_readers: u32,
    sem: ll::Semaphore,
    /// The id of the task holding the write lock (0: none, or not a task), for the task dump's
    /// `lock_cycles` (readers are many, so a read hold is not named).
    writer: AtomicU64,
    data: UnsafeCell<T>,
}

// SAFETY: readers share `&T` across threads (needs `T: Sync`), a writer gets `&mut T` on any
// thread (needs `T: Send`); the semaphore enforces readers-xor-writer, as `std::sync::RwLock`.
unsafe impl<T: ?Sized + Send + Sync> Sync for RwLock<T> {}
// SAFETY: owning the lock owns the `T`.
unsafe impl<T: ?Sized + Send> Send for RwLock<T> {}

/// Shared access to an [`RwLock`]'s value; releases its read permit on drop.
///
/// ```
/// let lock = gort_channel::sync::RwLock::new(1);
/// let a = lock.try_read().unwrap();
/// let b = lock.try_read().unwrap();
/// assert_eq!(*a + *b, 2);
/// ```
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct RwLockReadGuard<'a, T: ?Sized> {
    sem: &'a ll::Semaphore,
    data: *const T,
    _marker: PhantomData<&'a T>,
}

/// Exclusive access to an [`RwLock`]'s value; releases the lock on drop.
///
/// ```
/// let lock = gort_channel::sync::RwLock::new(1);
/// *lock.try_write().unwrap() = 2;
/// assert_eq!(*lock.try_read().unwrap(), 2);
/// ```
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct RwLockWriteGuard<'a, T: ?Sized> {
    sem: &'a ll::Semaphore,
    writer: &'a AtomicU64,
    permits: u32,
    data: *mut T,
    _marker: PhantomData<&'a mut T>,
}

/// A write guard narrowed to a part of the value by [`RwLockWriteGuard::map`].
///
/// ```
/// use gort_channel::sync::{RwLock, RwLockWriteGuard};
/// let lock = RwLock::new((1, 2));
/// *RwLockWriteGuard::map(lock.try_write().unwrap(), |p| &mut p.1) = 3;
/// assert_eq!(*lock.try_read().unwrap(), (1, 3));
/// ```
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct RwLockMappedWriteGuard<'a, T: ?Sized> {
    sem: &'a ll::Semaphore,
    writer: &'a AtomicU64,
    permits: u32,
    data: *mut T,
    _marker: PhantomData<&'a mut T>,
}

/// Shared access through an `Arc<RwLock<T>>`, so it can move into a task; `U` is the part of
/// the value it reads (see [`OwnedRwLockReadGuard::map`]).
///
/// ```
/// use std::sync::Arc;
/// let lock = Arc::new(gort_channel::sync::RwLock::new(1));
/// let guard = lock.clone().try_read_owned().unwrap();
/// std::thread::spawn(move || assert_eq!(*guard, 1)).join().unwrap();
/// ```
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct OwnedRwLockReadGuard<T: ?Sized, U: ?Sized = T> {
    lock: Arc<RwLock<T>>,
    data: *const U,
}

// SAFETY: the guard hands out `&U` only and keeps an `Arc<RwLock<T>>` (which needs
// `T: Send + Sync` to be shared or sent).
unsafe impl<T: ?Sized + Send + Sync, U: ?Sized + Sync> Send for OwnedRwLockReadGuard<T, U> {}
// SAFETY: see above.
unsafe impl<T: ?Sized + Send + Sync, U: ?Sized + Sync> Sync for OwnedRwLockReadGuard<T, U> {}

impl<T: ?Sized> OwnedRwLockReadGuard<T> {
    fn new(lock: Arc<RwLock<T>>) -> Self {
        let data = lock.data.get();
        OwnedRwLockReadGuard { lock, data }
    }
}

/// Exclusive access through an `Arc<RwLock<T>>`, so it can move into a task.
///
/// ```
/// use std::sync::Arc;
/// let lock = Arc::new(gort_channel::sync::RwLock::new(1));
/// let mut guard = lock.clone().try_write_owned().unwrap();
/// std::thread::spawn(move || *guard = 2).join().unwrap();
/// assert_eq!(*lock.try_read().unwrap(), 2);
/// ```
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct OwnedRwLockWriteGuard<T: ?Sized> {
    lock: Arc<RwLock<T>>,
}

// SAFETY: a read guard hands out `&T` only: sharing or sending it shares `&T` (`T: Sync`).
unsafe impl<T: ?Sized + Sync> Send for RwLockReadGuard<'_, T> {}
// SAFETY: see above.
unsafe impl<T: ?Sized + Sync> Sync for RwLockReadGuard<'_, T> {}
// SAFETY: a write guard hands out `&mut T` (sending needs `T: Send`) and `&T` (`T: Sync`).
unsafe impl<T: ?Sized + Send + Sync> Send for RwLockWriteGuard<'_, T> {}
// SAFETY: sharing a write guard shares `&T`.
unsafe impl<T: ?Sized + Sync> Sync for RwLockWriteGuard<'_, T> {}
// SAFETY: as `RwLockWriteGuard`.
unsafe impl<T: ?Sized + Send + Sync> Send for RwLockMappedWriteGuard<'_, T> {}
// SAFETY: as `RwLockWriteGuard`.
unsafe impl<T: ?Sized + Sync> Sync for RwLockMappedWriteGuard<'_, T> {}

impl<T> RwLock<T> {
    /// A new unlocked lock holding `value`.
    ///
    /// ```
    /// let lock = gort_channel::sync::RwLock::new(1);
    /// assert_eq!(lock.into_inner(), 1);
    /// ```
    pub fn new(value: T) -> Self {
        Self::with_max_readers(value, MAX_READS)
    }

    /// A new lock that admits at most `max_readers` readers at once.
    ///
    /// # Panics
    /// If `max_readers` is 0 or above `u32::MAX >> 3`.
    ///
    /// ```
    /// let lock = gort_channel::sync::RwLock::with_max_readers(0, 2);
    /// let _a = lock.try_read().unwrap();
    /// let _b = lock.try_read().unwrap();
    /// assert!(lock.try_read().is_err());
    /// ```
    #[track_caller]
    pub fn with_max_readers(value: T, max_readers: u32) -> Self {
        assert!(
            max_readers > 0,
            "a RwLock may not be created with 0 readers"
        );
        assert!(
            max_readers <= MAX_READS,
            "a RwLock may not be created with more than {MAX_READS} readers (asked for {max_readers})"
        );
        RwLock {
            max_readers,
            sem: ll::Semaphore::new(max_readers as usize),
            writer: AtomicU64::new(0),
            data: UnsafeCell::new(value),
        }
    }

    /// As [`RwLock::new`], usable in a `static`.
    ///
    /// ```
    /// static CONFIG: gort_channel::sync::RwLock<u32> = gort_channel::sync::RwLock::const_new(3);
    /// assert_eq!(*CONFIG.try_read().unwrap(), 3);
    /// ```
    #[cfg(not(loom))]
    pub const fn const_new(value: T) -> Self {
        RwLock {
            max_readers: MAX_READS,
            sem: ll::Semaphore::const_new(MAX_READS as usize),
            writer: AtomicU64::new(0),
            data: UnsafeCell::new(value),
        }
    }

    /// [`with_max_readers`](Self::with_max_readers) usable in a `static`.
    ///
    /// # Panics
    /// If `max_readers` is 0 or above the limit (at compile time in a `static`).
    ///
    /// ```
    /// use gort_channel::sync::RwLock;
    /// static LOCK: RwLock<u8> = RwLock::const_with_max_readers(0, 2);
    /// let _a = LOCK.try_read().unwrap();
    /// let _b = LOCK.try_read().unwrap();
    /// assert!(LOCK.try_read().is_err());
    /// ```
    #[cfg(not(loom))]
    pub const fn const_with_max_readers(value: T, max_readers: u32) -> Self {
        assert!(
            max_readers > 0,
            "a RwLock may not be created with 0 readers"
        );
        assert!(
            max_readers <= MAX_READS,
            "a RwLock may not be created with more than MAX_READS readers"
        );
        RwLock {
            max_readers,
            sem: ll::Semaphore::const_new(max_readers as usize),
            writer: AtomicU64::new(0),
            data: UnsafeCell::new(value),
        }
    }

    /// Consumes the lock, returning its value.
    ///
    /// ```
    /// assert_eq!(gort_channel::sync::RwLock::new("v").into_inner(), "v");
    /// ```
    pub fn into_inner(self) -> T {
        self.data.into_inner()
    }
}

impl<T: ?Sized> RwLock<T> {
    fn read_guard(&self) -> RwLockReadGuard<'_, T> {
        RwLockReadGuard {
            sem: &self.sem,
            data: self.data.get(),
            _marker: PhantomData,
        }
    }

    /// The guard of a write lock just taken by the current task (noted as the writer).
    fn write_guard(&self) -> RwLockWriteGuard<'_, T> {
        self.wrote();
        RwLockWriteGuard {
            sem: &self.sem,
            writer: &self.writer,
            permits: self.max_readers,
            data: self.data.get(),
            _marker: PhantomData,
        }
    }

    fn wrote(&self) {
        self.writer.store(gort_waitsite::current_task(), Relaxed);
    }

    async fn acquire(&self, permits: u32) {
        self.sem
            .acquire(permits as usize)
            .await
            .unwrap_or_else(|_| unreachable!("an RwLock's semaphore is never closed"));
    }

    /// Waits for shared access (queued behind any earlier writer).
    ///
    /// # Cancel safety
    /// Cancel safe, and fair: dropping the future gives up its place in the queue.
    ///
    /// ```
    /// futures::executor::block_on(async {
    ///     let lock = gort_channel::sync::RwLock::new(1);
    ///     assert_eq!(*lock.read().await, 1);
    /// });
    /// ```
    #[track_caller]
    pub fn read(&self) -> impl Future<Output = RwLockReadGuard<'_, T>> + '_ {
        let resource = (self as *const Self).cast::<()>();
        gort_waitsite::Traced::new(gort_waitsite::WaitKind::RwLockRead, resource, async move {
            self.acquire(1).await;
            self.read_guard()
        })
        .with_holder(&self.writer)
    }

    /// Waits for exclusive access.
    ///
    /// # Cancel safety
    /// Cancel safe, and fair: dropping the future gives up its place in the queue, and read
    /// permits it had collected go to the next waiters.
    ///
    /// ```
    /// futures::executor::block_on(async {
    ///     let lock = gort_channel::sync::RwLock::new(1);
    ///     *lock.write().await = 2;
    ///     assert_eq!(*lock.read().await, 2);
    /// });
    /// ```
    #[track_caller]
    pub fn write(&self) -> impl Future<Output = RwLockWriteGuard<'_, T>> + '_ {
        let resource = (self as *const Self).cast::<()>();
        gort_waitsite::Traced::new(gort_waitsite::WaitKind::RwLockWrite, resource, async move {
            self.acquire(self.max_readers).await;
            self.write_guard()
        })
        .with_holder(&self.writer)
    }

    /// Takes shared access if it is free now and no writer is queued.
    ///
    /// ```
    /// let lock = gort_channel::sync::RwLock::new(1);
    /// let w = lock.try_write().unwrap();
    /// assert!(lock.try_read().is_err());
    /// drop(w);
    /// assert!(lock.try_read().is_ok());
    /// ```
    pub fn try_read(&self) -> Result<RwLockReadGuard<'_, T>, TryLockError> {
        self.sem
            .try_acquire(1)
            .map(|()| self.read_guard())
            .map_err(|_| TryLockError(()))
    }

    /// Takes exclusive access if the lock is free now.
    ///
    /// ```
    /// let lock = gort_channel::sync::RwLock::new(1);
    /// let r = lock.try_read().unwrap();
    /// assert!(lock.try_write().is_err());
    /// drop(r);
    /// assert!(lock.try_write().is_ok());
    /// ```
    pub fn try_write(&self) -> Result<RwLockWriteGuard<'_, T>, TryLockError> {
        self.sem
            .try_acquire(self.max_readers as usize)
            .map(|()| self.write_guard())
            .map_err(|_| TryLockError(()))
    }

    /// Blocks the current thread for shared access (synchronous code only, as tokio's).
    ///
    /// ```
    /// let lock = gort_channel::sync::RwLock::new(1);
    /// assert_eq!(*lock.blocking_read(), 1);
    /// ```
    #[track_caller]
    pub fn blocking_read(&self) -> RwLockReadGuard<'_, T> {
        block_on(self.read())
    }

    /// Blocks the current thread for exclusive access (synchronous code only, as tokio's).
    ///
    /// ```
    /// let lock = gort_channel::sync::RwLock::new(1);
    /// *lock.blocking_write() += 1;
    /// assert_eq!(*lock.blocking_read(), 2);
    /// ```
    #[track_caller]
    pub fn blocking_write(&self) -> RwLockWriteGuard<'_, T> {
        block_on(self.write())
    }

    /// Shared access through an `Arc`, as an owned guard.
    ///
    /// # Cancel safety
    /// Cancel safe, as [`RwLock::read`].
    ///
    /// ```
    /// use std::sync::Arc;
    /// futures::executor::block_on(async {
    ///     let lock = Arc::new(gort_channel::sync::RwLock::new(1));
    ///     let r = lock.clone().read_owned().await;
    ///     assert_eq!(*r, 1);
    /// });
    /// ```
    #[track_caller]
    pub fn read_owned(self: Arc<Self>) -> impl Future<Output = OwnedRwLockReadGuard<T>> {
        let site = Location::caller();
        async move {
            self.acquire_owned(site, WaitKind::RwLockRead, 1).await;
            OwnedRwLockReadGuard::new(self)
        }
    }

    /// Exclusive access through an `Arc`, as an owned guard.
    ///
    /// # Cancel safety
    /// Cancel safe, as [`RwLock::write`].
    ///
    /// ```
    /// use std::sync::Arc;
    /// futures::executor::block_on(async {
    ///     let lock = Arc::new(gort_channel::sync::RwLock::new(1));
    ///     *lock.clone().write_owned().await = 3;
    ///     assert_eq!(*lock.read().await, 3);
    /// });
    /// ```
    #[track_caller]
    pub fn write_owned(self: Arc<Self>) -> impl Future<Output = OwnedRwLockWriteGuard<T>> {
        let site = Location::caller();
        async move {
            self.acquire_owned(site, WaitKind::RwLockWrite, self.max_readers)
                .await;
            self.wrote();
            OwnedRwLockWriteGuard { lock: self }
        }
    }

    /// Takes `permits` for an owned guard, recording a `kind` wait at `site` (the lock lives
    /// in the future's `Arc`, so the wait is built inside the future).
    async fn acquire_owned(&self, site: &'static Location<'static>, kind: WaitKind, permits: u32) {
        let resource = (self as *const Self).cast::<()>();
        gort_waitsite::Traced::at(site, kind, resource, self.acquire(permits))
            .with_holder(&self.writer)
            .await;
    }

    /// As [`RwLock::try_read`], as an owned guard.
    ///
    /// ```
    /// use std::sync::Arc;
    /// let lock = Arc::new(gort_channel::sync::RwLock::new(1));
    /// assert_eq!(*lock.try_read_owned().unwrap(), 1);
    /// ```
    pub fn try_read_owned(self: Arc<Self>) -> Result<OwnedRwLockReadGuard<T>, TryLockError> {
        match self.sem.try_acquire(1) {
            Ok(()) => Ok(OwnedRwLockReadGuard::new(self)),
            Err(_) => Err(TryLockError(())),
        }
    }

    /// As [`RwLock::try_write`], as an owned guard.
    ///
    /// ```
    /// use std::sync::Arc;
    /// let lock = Arc::new(gort_channel::sync::RwLock::new(1));
    /// *lock.clone().try_write_owned().unwrap() = 2;
    /// assert_eq!(*lock.try_read().unwrap(), 2);
    /// ```
    pub fn try_write_owned(self: Arc<Self>) -> Result<OwnedRwLockWriteGuard<T>, TryLockError> {
        match self.sem.try_acquire(self.max_readers as usize) {
            Ok(()) => {
                self.wrote();
                Ok(OwnedRwLockWriteGuard { lock: self })
            }
            Err(_) => Err(TryLockError(())),
        }
    }

    /// The value, through a unique borrow (no locking needed).
    ///
    /// ```
    /// let mut lock = gort_channel::sync::RwLock::new(1);
    /// *lock.get_mut() = 2;
    /// assert_eq!(lock.into_inner(), 2);
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        self.data.get_mut()
    }
}

impl<T> From<T> for RwLock<T> {
    fn from(value: T) -> Self {
        RwLock::new(value)
    }
}

impl<T: Default> Default for RwLock<T> {
    fn default() -> Self {
        RwLock::new(T::default())
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwLock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("RwLock");
        match self.try_read() {
            Ok(guard) => d.field("data", &&*guard),
            Err(_) => d.field("data", &format_args!("<locked>")),
        };
        d.finish()
    }
}

impl<'a, T: ?Sized> RwLockReadGuard<'a, T> {
    /// Narrows the guard to a part of the value.
    ///
    /// ```
    /// use gort_channel::sync::{RwLock, RwLockReadGuard};
    /// let lock = RwLock::new((1, 2));
    /// let second = RwLockReadGuard::map(lock.try_read().unwrap(), |pair| &pair.1);
    /// assert_eq!(*second, 2);
    /// ```
    pub fn map<U: ?Sized>(this: Self, f: impl FnOnce(&T) -> &U) -> RwLockReadGuard<'a, U> {
        let this = ManuallyDrop::new(this);
        // SAFETY: the guard holds a read permit; the permit moves into the new guard.
        let data: *const U = f(unsafe { &*this.data });
        RwLockReadGuard {
            sem: this.sem,
            data,
            _marker: PhantomData,
        }
    }
}

impl<'a, T: ?Sized> RwLockReadGuard<'a, T> {
    /// Narrows the guard to a part of the value if `f` returns `Some`; otherwise gives the
    /// guard back.
    ///
    /// ```
    /// use gort_channel::sync::{RwLock, RwLockReadGuard};
    /// let lock = RwLock::new(Some(1));
    /// let inner = RwLockReadGuard::try_map(lock.try_read().unwrap(), |v| v.as_ref()).unwrap();
    /// assert_eq!(*inner, 1);
    /// ```
    pub fn try_map<U: ?Sized>(
        this: Self,
        f: impl FnOnce(&T) -> Option<&U>,
    ) -> Result<RwLockReadGuard<'a, U>, Self> {
        // SAFETY: the guard holds a read permit.
        let data: *const U = match f(unsafe { &*this.data }) {
            Some(data) => data,
            None => return Err(this),
        };
        let this = ManuallyDrop::new(this);
        Ok(RwLockReadGuard {
            sem: this.sem,
            data,
            _marker: PhantomData,
        })
    }
}

impl<'a, T: ?Sized> RwLockWriteGuard<'a, T> {
    /// Narrows the guard to a part of the value if `f` returns `Some`; otherwise gives the
    /// guard back.
    ///
    /// ```
    /// use gort_channel::sync::{RwLock, RwLockWriteGuard};
    /// let lock = RwLock::new(Some(1));
    /// let mut inner =
    ///     RwLockWriteGuard::try_map(lock.try_write().unwrap(), |v| v.as_mut()).unwrap();
    /// *inner = 2;
    /// drop(inner);
    /// assert_eq!(*lock.try_read().unwrap(), Some(2));
    /// ```
    pub fn try_map<U: ?Sized>(
        this: Self,
        f: impl FnOnce(&mut T) -> Option<&mut U>,
    ) -> Result<RwLockMappedWriteGuard<'a, U>, Self> {
        // SAFETY: the guard holds every permit, so access is exclusive.
        let data: *mut U = match f(unsafe { &mut *this.data }) {
            Some(data) => data,
            None => return Err(this),
        };
        let this = ManuallyDrop::new(this);
        Ok(RwLockMappedWriteGuard {
            sem: this.sem,
            writer: this.writer,
            permits: this.permits,
            data,
            _marker: PhantomData,
        })
    }

    /// Narrows the guard to a part of the value.
    ///
    /// ```
    /// use gort_channel::sync::{RwLock, RwLockWriteGuard};
    /// let lock = RwLock::new((1, 2));
    /// *RwLockWriteGuard::map(lock.try_write().unwrap(), |pair| &mut pair.0) = 9;
    /// assert_eq!(*lock.try_read().unwrap(), (9, 2));
    /// ```
    pub fn map<U: ?Sized>(
        this: Self,
        f: impl FnOnce(&mut T) -> &mut U,
    ) -> RwLockMappedWriteGuard<'a, U> {
        let this = ManuallyDrop::new(this);
        // SAFETY: the guard holds every permit, so access is exclusive; they move to the new guard.
        let locked: *mut T = this.data;
        // SAFETY: as above.
        let data: *mut U = f(unsafe { &mut *locked });
        RwLockMappedWriteGuard {
            sem: this.sem,
            writer: this.writer,
            permits: this.permits,
            data,
            _marker: PhantomData,
        }
    }

    /// Turns exclusive access into shared access without letting a writer in between; readers
    /// queued behind this writer are admitted at once.
    ///
    /// ```
    /// use gort_channel::sync::{RwLock, RwLockWriteGuard};
    /// let lock = RwLock::new(1);
    /// let mut w = lock.try_write().unwrap();
    /// *w = 2;
    /// let r = RwLockWriteGuard::downgrade(w);
    /// assert_eq!(*r, 2);
    /// assert!(lock.try_read().is_ok());
    /// ```
    pub fn downgrade(this: Self) -> RwLockReadGuard<'a, T> {
        Self::downgrade_map(this, |data| data)
    }

    /// Maps the guarded value with `f`, then downgrades to a read guard of the part (atomically:
    /// no writer gets in between).
    ///
    /// ```
    /// use gort_channel::sync::{RwLock, RwLockWriteGuard};
    /// futures::executor::block_on(async {
    ///     let lock = RwLock::new((1, 2));
    ///     let mut guard = lock.write().await;
    ///     guard.0 = 5;
    ///     let first = RwLockWriteGuard::downgrade_map(guard, |pair| &pair.0);
    ///     assert_eq!(*first, 5);
    ///     assert!(lock.try_read().is_ok()); // other readers may join now
    /// });
    /// ```
    pub fn downgrade_map<U: ?Sized>(
        this: Self,
        f: impl FnOnce(&T) -> &U,
    ) -> RwLockReadGuard<'a, U> {
        // SAFETY: the guard holds every permit, so the value is not mutated meanwhile.
        let data: *const U = f(unsafe { &*this.data });
        let this = ManuallyDrop::new(this);
        this.writer.store(0, Relaxed);
        // Keep one permit: the read guard's.
        this.sem.release(this.permits as usize - 1);
        RwLockReadGuard {
            sem: this.sem,
            data,
            _marker: PhantomData,
        }
    }

    /// [`downgrade_map`](Self::downgrade_map) when `f` may find nothing: then the write guard
    /// comes back unchanged.
    ///
    /// ```
    /// use gort_channel::sync::{RwLock, RwLockWriteGuard};
    /// futures::executor::block_on(async {
    ///     let lock = RwLock::new(vec![1]);
    ///     let guard = lock.write().await;
    ///     let guard = RwLockWriteGuard::try_downgrade_map(guard, |v| v.get(5)).unwrap_err();
    ///     let first = RwLockWriteGuard::try_downgrade_map(guard, |v| v.first()).unwrap();
    ///     assert_eq!(*first, 1);
    /// });
    /// ```
    pub fn try_downgrade_map<U: ?Sized>(
        this: Self,
        f: impl FnOnce(&T) -> Option<&U>,
    ) -> Result<RwLockReadGuard<'a, U>, Self> {
        // SAFETY: the guard holds every permit, so the value is not mutated meanwhile.
        let data: *const U = match f(unsafe { &*this.data }) {
            Some(data) => data,
            None => return Err(this),
        };
        let this = ManuallyDrop::new(this);
        this.writer.store(0, Relaxed);
        this.sem.release(this.permits as usize - 1);
        Ok(RwLockReadGuard {
            sem: this.sem,
            data,
            _marker: PhantomData,
        })
    }
}

impl<T: ?Sized, U: ?Sized> OwnedRwLockReadGuard<T, U> {
    /// Narrows the guard to a part of the value, keeping the read permit (and the `Arc`).
    ///
    /// ```
    /// use gort_channel::sync::{OwnedRwLockReadGuard, RwLock};
    /// use std::sync::Arc;
    /// let lock = Arc::new(RwLock::new((1, 2)));
    /// let second = OwnedRwLockReadGuard::map(lock.try_read_owned().unwrap(), |p| &p.1);
    /// assert_eq!(*second, 2);
    /// ```
    pub fn map<V: ?Sized>(this: Self, f: impl FnOnce(&U) -> &V) -> OwnedRwLockReadGuard<T, V> {
        // SAFETY: the guard holds a read permit.
        let data: *const V = f(unsafe { &*this.data });
        let this = ManuallyDrop::new(this);
        // SAFETY: `this` is never used or dropped again; the Arc (and the permit it stands
        // for) moves into the new guard.
        let lock = unsafe { std::ptr::read(&this.lock) };
        OwnedRwLockReadGuard { lock, data }
    }

    /// The lock this guard reads.
    ///
    /// ```
    /// use std::sync::Arc;
    /// let lock = Arc::new(gort_channel::sync::RwLock::new(1));
    /// let r = lock.clone().try_read_owned().unwrap();
    /// assert!(Arc::ptr_eq(r.rwlock(), &lock));
    /// ```
    pub fn rwlock(&self) -> &Arc<RwLock<T>> {
        &self.lock
    }
}

impl<T: ?Sized> OwnedRwLockWriteGuard<T> {
    /// Turns exclusive access into shared access without letting a writer in between.
    ///
    /// ```
    /// use std::sync::Arc;
    /// let lock = Arc::new(gort_channel::sync::RwLock::new(1));
    /// let r = lock.clone().try_write_owned().unwrap().downgrade();
    /// assert!(lock.try_read().is_ok());
    /// drop(r);
    /// ```
    pub fn downgrade(self) -> OwnedRwLockReadGuard<T> {
        let this = ManuallyDrop::new(self);
        // SAFETY: `this` is never used or dropped again; the Arc moves into the read guard.
        let lock = unsafe { std::ptr::read(&this.lock) };
        lock.writer.store(0, Relaxed);
        lock.sem.release(lock.max_readers as usize - 1);
        OwnedRwLockReadGuard::new(lock)
    }

    /// The lock this guard writes.
    ///
    /// ```
    /// use std::sync::Arc;
    /// let lock = Arc::new(gort_channel::sync::RwLock::new(1));
    /// let w = lock.clone().try_write_owned().unwrap();
    /// assert!(Arc::ptr_eq(w.rwlock(), &lock));
    /// ```
    pub fn rwlock(&self) -> &Arc<RwLock<T>> {
        &self.lock
    }
}

impl<T: ?Sized> Deref for RwLockReadGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the guard holds a read permit, so no writer exists.
        unsafe { &*self.data }
    }
}

impl<T: ?Sized> Drop for RwLockReadGuard<'_, T> {
    fn drop(&mut self) {
        self.sem.release(1);
    }
}

impl<T: ?Sized> Deref for RwLockWriteGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the guard holds every permit.
        unsafe { &*self.data }
    }
}

impl<T: ?Sized> DerefMut for RwLockWriteGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the guard holds every permit and `&mut self` makes this access unique.
        unsafe { &mut *self.data }
    }
}

impl<T: ?Sized> Drop for RwLockWriteGuard<'_, T> {
    fn drop(&mut self) {
        self.writer.store(0, Relaxed);
        self.sem.release(self.permits as usize);
    }
}

impl<T: ?Sized> Deref for RwLockMappedWriteGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the guard holds every permit.
        unsafe { &*self.data }
    }
}

impl<T: ?Sized> DerefMut for RwLockMappedWriteGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the guard holds every permit and `&mut self` makes this access unique.
        unsafe { &mut *self.data }
    }
}

impl<T: ?Sized> Drop for RwLockMappedWriteGuard<'_, T> {
    fn drop(&mut self) {
        self.writer.store(0, Relaxed);
        self.sem.release(self.permits as usize);
    }
}

impl<T: ?Sized, U: ?Sized> Deref for OwnedRwLockReadGuard<T, U> {
    type Target = U;
    fn deref(&self) -> &U {
        // SAFETY: the guard holds a read permit, so no writer exists.
        unsafe { &*self.data }
    }
}

impl<T: ?Sized, U: ?Sized> Drop for OwnedRwLockReadGuard<T, U> {
    fn drop(&mut self) {
        self.lock.sem.release(1);
    }
}

impl<T: ?Sized> Deref for OwnedRwLockWriteGuard<T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the guard holds every permit.
        unsafe { &*self.lock.data.get() }
    }
}

impl<T: ?Sized> DerefMut for OwnedRwLockWriteGuard<T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the guard holds every permit and `&mut self` makes this access unique.
        unsafe { &mut *self.lock.data.get() }
    }
}

impl<T: ?Sized> Drop for OwnedRwLockWriteGuard<T> {
    fn drop(&mut self) {
        self.lock.writer.store(0, Relaxed);
        self.lock.sem.release(self.lock.max_readers as usize);
    }
}

macro_rules! debug_via_deref {
    ($($guard:ty),*) => {$(
        impl<T: ?Sized + fmt::Debug> fmt::Debug for $guard {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(&**self, f)
            }
        }
    )*};
}

debug_via_deref!(
    RwLockReadGuard<'_, T>,
    RwLockWriteGuard<'_, T>,
    RwLockMappedWriteGuard<'_, T>,
    OwnedRwLockReadGuard<T>,
    OwnedRwLockWriteGuard<T>
);
