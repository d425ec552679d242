//! A fair, asynchronous counting semaphore (tokio's `Semaphore`; Go's buffered-channel
//! semaphore idiom `sem := make(chan struct{}, n)` or `golang.org/x/sync/semaphore.Weighted`).
//!
//! Built on the crate's fair semaphore core: a permit count in one atomic word with a lock-free
//! fast path for both acquire and release, and a FIFO wait-list that released permits are
//! handed to directly (see `batch_semaphore.rs`).

use super::batch_semaphore as ll;
use std::fmt;
use std::future::Future;
use std::sync::Arc;

/// A counting semaphore: tasks acquire permits, waiting in FIFO order when none are free.
///
/// Waiters are served strictly in arrival order, including waiters for several permits: a
/// large request at the front is filled before later, smaller ones (no starvation).
///
/// Go equivalent: `golang.org/x/sync/semaphore.Weighted`, or a buffered `chan struct{}`.
///
/// ```
/// use gort_channel::sync::Semaphore;
/// futures::executor::block_on(async {
///     let sem = Semaphore::new(2);
///     let a = sem.acquire().await.unwrap();
///     let _b = sem.acquire().await.unwrap();
///     assert!(sem.try_acquire().is_err());
///     drop(a);
///     assert_eq!(sem.available_permits(), 1);
/// });
/// ```
pub struct Semaphore {
    ll: ll::Semaphore,
}

/// A permit from a [`Semaphore`], released when dropped.
///
/// ```
/// let sem = gort_channel::sync::Semaphore::new(1);
/// let permit = sem.try_acquire().unwrap();
/// assert_eq!(sem.available_permits(), 0);
/// drop(permit);
/// assert_eq!(sem.available_permits(), 1);
/// ```
#[must_use = "the permit is released as soon as it is dropped"]
pub struct SemaphorePermit<'a> {
    sem: &'a Semaphore,
    permits: usize,
}

/// A permit from an `Arc<Semaphore>`, released when dropped; it owns a handle to the semaphore
/// so it can move into a spawned task.
///
/// ```
/// use std::sync::Arc;
/// let sem = Arc::new(gort_channel::sync::Semaphore::new(1));
/// let permit = sem.clone().try_acquire_owned().unwrap();
/// std::thread::spawn(move || drop(permit)).join().unwrap();
/// assert_eq!(sem.available_permits(), 1);
/// ```
#[must_use = "the permit is released as soon as it is dropped"]
pub struct OwnedSemaphorePermit {
    sem: Arc<Semaphore>,
    permits: usize,
}

/// The semaphore was closed: returned by the `acquire` methods.
///
/// ```
/// futures::executor::block_on(async {
///     let sem = gort_channel::sync::Semaphore::new(0);
///     sem.close();
///     let err = sem.acquire().await.unwrap_err();
///     assert_eq!(err.to_string(), "semaphore closed");
/// });
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcquireError(());

/// Why a `try_acquire` method failed.
///
/// ```
/// use gort_channel::sync::{Semaphore, TryAcquireError};
/// let sem = Semaphore::new(0);
/// assert_eq!(sem.try_acquire().unwrap_err(), TryAcquireError::NoPermits);
/// sem.close();
/// assert_eq!(sem.try_acquire().unwrap_err(), TryAcquireError::Closed);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TryAcquireError {
    /// The semaphore was closed.
    Closed,
    /// Not enough permits are free right now.
    NoPermits,
}

impl fmt::Display for AcquireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("semaphore closed")
    }
}

impl std::error::Error for AcquireError {}

impl fmt::Display for TryAcquireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryAcquireError::Closed => f.write_str("semaphore closed"),
            TryAcquireError::NoPermits => f.write_str("no permits available"),
        }
    }
}

impl std::error::Error for TryAcquireError {}

impl From<ll::TryAcquireError> for TryAcquireError {
    fn from(e: ll::TryAcquireError) -> Self {
        match e {
            ll::TryAcquireError::Closed => TryAcquireError::Closed,
            ll::TryAcquireError::NoPermits => TryAcquireError::NoPermits,
        }
    }
}

impl fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Semaphore")
            .field("permits", &self.available_permits())
            .finish()
    }
}

impl Default for Semaphore {
    fn default() -> Self {
        Semaphore::new(0)
    }
}

impl Semaphore {
    /// The most permits a semaphore can hold.
    ///
    /// ```
    /// assert!(gort_channel::sync::Semaphore::MAX_PERMITS >= u32::MAX as usize);
    /// ```
    pub const MAX_PERMITS: usize = ll::MAX_PERMITS;

    /// A semaphore with `permits` free permits.
    ///
    /// # Panics
    /// If `permits` exceeds [`Semaphore::MAX_PERMITS`].
    ///
    /// ```
    /// let sem = gort_channel::sync::Semaphore::new(3);
    /// assert_eq!(sem.available_permits(), 3);
    /// ```
    pub fn new(permits: usize) -> Self {
        Semaphore {
            ll: ll::Semaphore::new(permits),
        }
    }

    /// As [`Semaphore::new`], usable in a `static`.
    ///
    /// ```
    /// use gort_channel::sync::Semaphore;
    /// static LIMIT: Semaphore = Semaphore::const_new(10);
    /// assert_eq!(LIMIT.available_permits(), 10);
    /// ```
    #[cfg(not(loom))]
    pub const fn const_new(permits: usize) -> Self {
        Semaphore {
            ll: ll::Semaphore::const_new(permits),
        }
    }

    /// Free permits right now.
    ///
    /// ```
    /// let sem = gort_channel::sync::Semaphore::new(1);
    /// let _p = sem.try_acquire().unwrap();
    /// assert_eq!(sem.available_permits(), 0);
    /// ```
    pub fn available_permits(&self) -> usize {
        self.ll.available_permits()
    }

    /// Adds `n` permits, serving queued waiters first (in FIFO order).
    ///
    /// # Panics
    /// If the total would exceed [`Semaphore::MAX_PERMITS`].
    ///
    /// ```
    /// let sem = gort_channel::sync::Semaphore::new(0);
    /// sem.add_permits(2);
    /// assert_eq!(sem.available_permits(), 2);
    /// ```
    pub fn add_permits(&self, n: usize) {
        self.ll.release(n);
    }

    /// Removes up to `n` free permits for good; returns how many were removed.
    ///
    /// ```
    /// let sem = gort_channel::sync::Semaphore::new(3);
    /// assert_eq!(sem.forget_permits(5), 3);
    /// assert_eq!(sem.available_permits(), 0);
    /// ```
    pub fn forget_permits(&self, n: usize) -> usize {
        self.ll.forget_permits(n)
    }

    /// Waits for one permit.
    ///
    /// Fails only once the semaphore is closed.
    ///
    /// # Cancel safety
    /// Cancel safe, and fair: dropping the future gives up its place in the queue, and any
    /// permit already handed to it goes to the next waiter.
    ///
    /// ```
    /// futures::executor::block_on(async {
    ///     let sem = gort_channel::sync::Semaphore::new(1);
    ///     let permit = sem.acquire().await.unwrap();
    ///     assert_eq!(permit.num_permits(), 1);
    /// });
    /// ```
    #[track_caller]
    pub fn acquire(&self) -> impl Future<Output = Result<SemaphorePermit<'_>, AcquireError>> + '_ {
        // `acquire_many` records the wait site, at this caller's line (`#[track_caller]`).
        self.acquire_many(1)
    }

    /// Waits for `n` permits at once.
    ///
    /// # Cancel safety
    /// Cancel safe, and fair: permits handed to a dropped waiter go to the next waiter.
    ///
    /// ```
    /// futures::executor::block_on(async {
    ///     let sem = gort_channel::sync::Semaphore::new(5);
    ///     let permit = sem.acquire_many(3).await.unwrap();
    ///     assert_eq!(sem.available_permits(), 2);
    ///     drop(permit);
    ///     assert_eq!(sem.available_permits(), 5);
    /// });
    /// ```
    #[track_caller]
    pub fn acquire_many(
        &self,
        n: u32,
    ) -> impl Future<Output = Result<SemaphorePermit<'_>, AcquireError>> + '_ {
        let resource = (self as *const Self).cast::<()>();
        gort_waitsite::Traced::new(
            gort_waitsite::WaitKind::SemaphoreAcquire,
            resource,
            async move {
                self.ll
                    .acquire(n as usize)
                    .await
                    .map_err(|_| AcquireError(()))?;
                Ok(SemaphorePermit {
                    sem: self,
                    permits: n as usize,
                })
            },
        )
    }

    /// Takes one permit if one is free and nobody is queued ahead.
    ///
    /// ```
    /// use gort_channel::sync::{Semaphore, TryAcquireError};
    /// let sem = Semaphore::new(1);
    /// let _p = sem.try_acquire().unwrap();
    /// assert_eq!(sem.try_acquire().err(), Some(TryAcquireError::NoPermits));
    /// ```
    pub fn try_acquire(&self) -> Result<SemaphorePermit<'_>, TryAcquireError> {
        self.try_acquire_many(1)
    }

    /// Takes `n` permits if they are free and nobody is queued ahead.
    ///
    /// ```
    /// let sem = gort_channel::sync::Semaphore::new(2);
    /// assert!(sem.try_acquire_many(3).is_err());
    /// assert!(sem.try_acquire_many(2).is_ok());
    /// ```
    pub fn try_acquire_many(&self, n: u32) -> Result<SemaphorePermit<'_>, TryAcquireError> {
        self.ll.try_acquire(n as usize)?;
        Ok(SemaphorePermit {
            sem: self,
            permits: n as usize,
        })
    }

    /// Waits for one permit, returning a permit that owns a handle to the semaphore.
    ///
    /// # Cancel safety
    /// Cancel safe, as [`Semaphore::acquire`].
    ///
    /// ```
    /// use std::sync::Arc;
    /// futures::executor::block_on(async {
    ///     let sem = Arc::new(gort_channel::sync::Semaphore::new(1));
    ///     let permit = sem.clone().acquire_owned().await.unwrap();
    ///     std::thread::spawn(move || drop(permit)).join().unwrap();
    ///     assert_eq!(sem.available_permits(), 1);
    /// });
    /// ```
    #[track_caller]
    pub fn acquire_owned(
        self: Arc<Self>,
    ) -> impl Future<Output = Result<OwnedSemaphorePermit, AcquireError>> {
        // `acquire_many_owned` records the wait site, at this caller's line.
        self.acquire_many_owned(1)
    }

    /// Waits for `n` permits, returning a permit that owns a handle to the semaphore.
    ///
    /// # Cancel safety
    /// Cancel safe, as [`Semaphore::acquire_many`].
    ///
    /// ```
    /// use std::sync::Arc;
    /// futures::executor::block_on(async {
    ///     let sem = Arc::new(gort_channel::sync::Semaphore::new(4));
    ///     let permit = sem.clone().acquire_many_owned(4).await.unwrap();
    ///     assert_eq!(permit.num_permits(), 4);
    /// });
    /// ```
    #[track_caller]
    pub fn acquire_many_owned(
        self: Arc<Self>,
        n: u32,
    ) -> impl Future<Output = Result<OwnedSemaphorePermit, AcquireError>> {
        let resource = Arc::as_ptr(&self).cast::<()>();
        gort_waitsite::Traced::new(
            gort_waitsite::WaitKind::SemaphoreAcquire,
            resource,
            async move {
                self.ll
                    .acquire(n as usize)
                    .await
                    .map_err(|_| AcquireError(()))?;
                Ok(OwnedSemaphorePermit {
                    sem: self,
                    permits: n as usize,
                })
            },
        )
    }

    /// [`acquire`](Self::acquire) for plain threads: blocks the thread until a permit is free.
    ///
    /// # Panics
    /// When called on a thread that drives a gort runtime (it would stall it): use `acquire`.
    ///
    /// ```
    /// let sem = gort_channel::sync::Semaphore::new(1);
    /// let permit = sem.blocking_acquire().unwrap();
    /// assert_eq!(permit.num_permits(), 1);
    /// ```
    #[track_caller]
    pub fn blocking_acquire(&self) -> Result<SemaphorePermit<'_>, AcquireError> {
        super::blocking::block_on(self.acquire())
    }

    /// [`acquire_many`](Self::acquire_many) for plain threads (see
    /// [`blocking_acquire`](Self::blocking_acquire)).
    ///
    /// ```
    /// let sem = gort_channel::sync::Semaphore::new(3);
    /// assert_eq!(sem.blocking_acquire_many(3).unwrap().num_permits(), 3);
    /// ```
    #[track_caller]
    pub fn blocking_acquire_many(&self, n: u32) -> Result<SemaphorePermit<'_>, AcquireError> {
        super::blocking::block_on(self.acquire_many(n))
    }

    /// [`acquire_owned`](Self::acquire_owned) for plain threads (see
    /// [`blocking_acquire`](Self::blocking_acquire)).
    ///
    /// ```
    /// use std::sync::Arc;
    /// let sem = Arc::new(gort_channel::sync::Semaphore::new(1));
    /// let permit = sem.clone().blocking_acquire_owned().unwrap();
    /// assert_eq!(sem.available_permits(), 0);
    /// # drop(permit);
    /// ```
    #[track_caller]
    pub fn blocking_acquire_owned(self: Arc<Self>) -> Result<OwnedSemaphorePermit, AcquireError> {
        super::blocking::block_on(self.acquire_owned())
    }

    /// [`acquire_many_owned`](Self::acquire_many_owned) for plain threads (see
    /// [`blocking_acquire`](Self::blocking_acquire)).
    ///
    /// ```
    /// use std::sync::Arc;
    /// let sem = Arc::new(gort_channel::sync::Semaphore::new(2));
    /// let permit = sem.clone().blocking_acquire_many_owned(2).unwrap();
    /// assert_eq!(permit.num_permits(), 2);
    /// ```
    #[track_caller]
    pub fn blocking_acquire_many_owned(
        self: Arc<Self>,
        n: u32,
    ) -> Result<OwnedSemaphorePermit, AcquireError> {
        super::blocking::block_on(self.acquire_many_owned(n))
    }

    /// Takes one permit now, as an owned permit.
    ///
    /// ```
    /// use std::sync::Arc;
    /// let sem = Arc::new(gort_channel::sync::Semaphore::new(1));
    /// let p = sem.clone().try_acquire_owned().unwrap();
    /// assert!(sem.clone().try_acquire_owned().is_err());
    /// drop(p);
    /// ```
    pub fn try_acquire_owned(self: Arc<Self>) -> Result<OwnedSemaphorePermit, TryAcquireError> {
        self.try_acquire_many_owned(1)
    }

    /// Takes `n` permits now, as an owned permit.
    ///
    /// ```
    /// use std::sync::Arc;
    /// let sem = Arc::new(gort_channel::sync::Semaphore::new(2));
    /// assert_eq!(sem.clone().try_acquire_many_owned(2).unwrap().num_permits(), 2);
    /// ```
    pub fn try_acquire_many_owned(
        self: Arc<Self>,
        n: u32,
    ) -> Result<OwnedSemaphorePermit, TryAcquireError> {
        self.ll.try_acquire(n as usize)?;
        Ok(OwnedSemaphorePermit {
            sem: self,
            permits: n as usize,
        })
    }

    /// Closes the semaphore: queued and future acquires fail with [`AcquireError`]; permits
    /// already held stay valid.
    ///
    /// ```
    /// futures::executor::block_on(async {
    ///     let sem = gort_channel::sync::Semaphore::new(0);
    ///     sem.close();
    ///     assert!(sem.is_closed());
    ///     assert!(sem.acquire().await.is_err());
    /// });
    /// ```
    pub fn close(&self) {
        self.ll.close();
    }

    /// True once [`Semaphore::close`] was called.
    ///
    /// ```
    /// assert!(!gort_channel::sync::Semaphore::new(1).is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.ll.is_closed()
    }
}

impl<'a> SemaphorePermit<'a> {
    /// Keeps the permits out of the semaphore for good (they are not released on drop).
    ///
    /// ```
    /// let sem = gort_channel::sync::Semaphore::new(1);
    /// sem.try_acquire().unwrap().forget();
    /// assert_eq!(sem.available_permits(), 0);
    /// ```
    pub fn forget(mut self) {
        self.permits = 0;
    }

    /// How many permits this holds.
    ///
    /// ```
    /// let sem = gort_channel::sync::Semaphore::new(3);
    /// assert_eq!(sem.try_acquire_many(2).unwrap().num_permits(), 2);
    /// ```
    pub fn num_permits(&self) -> usize {
        self.permits
    }

    /// The semaphore this permit came from.
    ///
    /// ```
    /// let sem = gort_channel::sync::Semaphore::new(1);
    /// let permit = sem.try_acquire().unwrap();
    /// assert!(std::ptr::eq(permit.semaphore(), &sem));
    /// ```
    pub fn semaphore(&self) -> &'a Semaphore {
        self.sem
    }

    /// Takes over `other`'s permits.
    ///
    /// # Panics
    /// If the permits come from different semaphores.
    ///
    /// ```
    /// let sem = gort_channel::sync::Semaphore::new(3);
    /// let mut a = sem.try_acquire().unwrap();
    /// a.merge(sem.try_acquire_many(2).unwrap());
    /// assert_eq!(a.num_permits(), 3);
    /// ```
    #[track_caller]
    pub fn merge(&mut self, mut other: Self) {
        assert!(
            std::ptr::eq(self.sem, other.sem),
            "merging permits from different semaphores"
        );
        self.permits += std::mem::take(&mut other.permits);
    }

    /// Splits `n` permits off into a new permit; `None` if this holds fewer than `n`.
    ///
    /// ```
    /// let sem = gort_channel::sync::Semaphore::new(3);
    /// let mut a = sem.try_acquire_many(3).unwrap();
    /// let b = a.split(1).unwrap();
    /// assert_eq!((a.num_permits(), b.num_permits()), (2, 1));
    /// ```
    pub fn split(&mut self, n: usize) -> Option<Self> {
        if n > self.permits {
            return None;
        }
        self.permits -= n;
        Some(SemaphorePermit {
            sem: self.sem,
            permits: n,
        })
    }
}

impl OwnedSemaphorePermit {
    /// Keeps the permits out of the semaphore for good (they are not released on drop).
    ///
    /// ```
    /// use std::sync::Arc;
    /// let sem = Arc::new(gort_channel::sync::Semaphore::new(1));
    /// sem.clone().try_acquire_owned().unwrap().forget();
    /// assert_eq!(sem.available_permits(), 0);
    /// ```
    pub fn forget(mut self) {
        self.permits = 0;
    }

    /// How many permits this holds.
    ///
    /// ```
    /// use std::sync::Arc;
    /// let sem = Arc::new(gort_channel::sync::Semaphore::new(1));
    /// assert_eq!(sem.try_acquire_owned().unwrap().num_permits(), 1);
    /// ```
    pub fn num_permits(&self) -> usize {
        self.permits
    }

    /// Takes over `other`'s permits.
    ///
    /// # Panics
    /// If the permits come from different semaphores.
    ///
    /// ```
    /// use std::sync::Arc;
    /// let sem = Arc::new(gort_channel::sync::Semaphore::new(2));
    /// let mut a = sem.clone().try_acquire_owned().unwrap();
    /// a.merge(sem.clone().try_acquire_owned().unwrap());
    /// assert_eq!(a.num_permits(), 2);
    /// ```
    #[track_caller]
    pub fn merge(&mut self, mut other: Self) {
        assert!(
            Arc::ptr_eq(&self.sem, &other.sem),
            "merging permits from different semaphores"
        );
        self.permits += std::mem::take(&mut other.permits);
    }

    /// Splits `n` permits off into a new permit; `None` if this holds fewer than `n`.
    ///
    /// ```
    /// use std::sync::Arc;
    /// let sem = Arc::new(gort_channel::sync::Semaphore::new(2));
    /// let mut a = sem.try_acquire_many_owned(2).unwrap();
    /// assert_eq!(a.split(1).unwrap().num_permits(), 1);
    /// ```
    pub fn split(&mut self, n: usize) -> Option<Self> {
        if n > self.permits {
            return None;
        }
        self.permits -= n;
        Some(OwnedSemaphorePermit {
            sem: self.sem.clone(),
            permits: n,
        })
    }

    /// The semaphore this permit came from.
    ///
    /// ```
    /// use std::sync::Arc;
    /// let sem = Arc::new(gort_channel::sync::Semaphore::new(1));
    /// let p = sem.clone().try_acquire_owned().unwrap();
    /// assert!(Arc::ptr_eq(p.semaphore(), &sem));
    /// ```
    pub fn semaphore(&self) -> &Arc<Semaphore> {
        &self.sem
    }
}

impl Drop for SemaphorePermit<'_> {
    fn drop(&mut self) {
        self.sem.add_permits(self.permits);
    }
}

impl Drop for OwnedSemaphorePermit {
    fn drop(&mut self) {
        self.sem.add_permits(self.permits);
    }
}

impl fmt::Debug for SemaphorePermit<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SemaphorePermit")
            .field("permits", &self.permits)
            .finish()
    }
}

impl fmt::Debug for OwnedSemaphorePermit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedSemaphorePermit")
            .field("permits", &self.permits)
            .finish()
    }
}
