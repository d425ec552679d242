//! A cell initialized at most once, asynchronously (tokio's `OnceCell`; Go's `sync.Once`).
//!
//! A one-permit fair semaphore elects the initializer: the task holding the permit runs the
//! init future while the others wait in FIFO order. On success the value is written, a flag is
//! published with `Release`, and the semaphore is closed, which completes every waiter (they
//! then read the value). If the initializing future is cancelled or fails, its permit goes to
//! the next waiter, which runs its own init future (tokio's design).

use super::batch_semaphore as ll;
use super::shim::{AtomicBool, Ordering};
use gort_waitsite::{Traced, WaitKind};
use std::cell::UnsafeCell;
use std::fmt;
use std::future::Future;
use std::mem::MaybeUninit;
use std::panic::Location;

/// A thread-safe cell written once, by the first caller of
/// [`get_or_init`](OnceCell::get_or_init) or [`set`](OnceCell::set).
///
/// Go equivalent: `sync.Once` plus the value it guards (`sync.OnceValue`).
///
/// ```
/// use gort_channel::sync::OnceCell;
/// static CONFIG: OnceCell<String> = OnceCell::const_new();
/// futures::executor::block_on(async {
///     let v = CONFIG.get_or_init(|| async { "loaded".to_string() }).await;
///     assert_eq!(v, "loaded");
///     // Later callers get the same value; their init future never runs.
///     let v = CONFIG.get_or_init(|| async { unreachable!() }).await;
///     assert_eq!(v, "loaded");
/// });
/// ```
pub struct OnceCell<T> {
    value_set: AtomicBool,
    value: UnsafeCell<MaybeUninit<T>>,
    semaphore: ll::Semaphore,
}

// SAFETY: the value is written once by the permit holder before `value_set` is published with
// Release; readers see it only after an Acquire load of the flag, so sharing hands out `&T`
// (`T: Sync`) and may move a `T` in from another thread (`T: Send`), as `std::sync::OnceLock`.
unsafe impl<T: Sync + Send> Sync for OnceCell<T> {}
// SAFETY: owning the cell owns the `T`.
unsafe impl<T: Send> Send for OnceCell<T> {}

/// Why [`OnceCell::set`] failed; carries the value back.
///
/// ```
/// use gort_channel::sync::{OnceCell, SetError};
/// let cell = OnceCell::new_with(Some(1));
/// assert_eq!(cell.set(2), Err(SetError::AlreadyInitializedError(2)));
/// ```
#[derive(Debug, PartialEq, Eq)]
pub enum SetError<T> {
    /// The cell already holds a value.
    AlreadyInitializedError(T),
    /// Another task is initializing the cell right now.
    InitializingError(T),
}

impl<T> SetError<T> {
    /// True for [`SetError::AlreadyInitializedError`].
    ///
    /// ```
    /// let cell = gort_channel::sync::OnceCell::new_with(Some(1));
    /// assert!(cell.set(2).unwrap_err().is_already_init_err());
    /// ```
    pub fn is_already_init_err(&self) -> bool {
        matches!(self, SetError::AlreadyInitializedError(_))
    }

    /// True for [`SetError::InitializingError`].
    ///
    /// ```
    /// use gort_channel::sync::SetError;
    /// assert!(SetError::InitializingError(1).is_initializing_err());
    /// ```
    pub fn is_initializing_err(&self) -> bool {
        matches!(self, SetError::InitializingError(_))
    }
}

impl<T> fmt::Display for SetError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SetError::AlreadyInitializedError(_) => f.write_str("AlreadyInitializedError"),
            SetError::InitializingError(_) => f.write_str("InitializingError"),
        }
    }
}

impl<T: fmt::Debug> std::error::Error for SetError<T> {}

impl<T> Default for OnceCell<T> {
    fn default() -> Self {
        OnceCell::new()
    }
}

impl<T: fmt::Debug> fmt::Debug for OnceCell<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OnceCell")
            .field("value", &self.get())
            .finish()
    }
}

impl<T: Clone> Clone for OnceCell<T> {
    fn clone(&self) -> Self {
        OnceCell::new_with(self.get().cloned())
    }
}

impl<T: PartialEq> PartialEq for OnceCell<T> {
    fn eq(&self, other: &Self) -> bool {
        self.get() == other.get()
    }
}

impl<T: Eq> Eq for OnceCell<T> {}

impl<T> From<T> for OnceCell<T> {
    fn from(value: T) -> Self {
        OnceCell::new_with(Some(value))
    }
}

impl<T> Drop for OnceCell<T> {
    fn drop(&mut self) {
        if self.initialized_mut() {
            // SAFETY: the flag says the value was written, and `&mut self` means no reader.
            unsafe { self.value.get_mut().assume_init_drop() };
        }
    }
}

/// Gives the init permit back (to the next waiter) if initialization did not finish.
struct InitGuard<'a> {
    semaphore: &'a ll::Semaphore,
    armed: bool,
}

impl Drop for InitGuard<'_> {
    fn drop(&mut self) {
        if self.armed {
            self.semaphore.release(1);
        }
    }
}

impl<T> OnceCell<T> {
    /// An empty cell.
    ///
    /// ```
    /// let cell = gort_channel::sync::OnceCell::<u32>::new();
    /// assert!(cell.get().is_none());
    /// ```
    pub fn new() -> Self {
        OnceCell {
            value_set: AtomicBool::new(false),
            value: UnsafeCell::new(MaybeUninit::uninit()),
            semaphore: ll::Semaphore::new(1),
        }
    }

    /// An empty cell, usable in a `static`.
    ///
    /// ```
    /// static CELL: gort_channel::sync::OnceCell<u32> = gort_channel::sync::OnceCell::const_new();
    /// assert!(!CELL.initialized());
    /// ```
    #[cfg(not(loom))]
    pub const fn const_new() -> Self {
        OnceCell {
            value_set: AtomicBool::new(false),
            value: UnsafeCell::new(MaybeUninit::uninit()),
            semaphore: ll::Semaphore::const_new(1),
        }
    }

    /// A cell holding `value`, usable in a `static`.
    ///
    /// ```
    /// static CELL: gort_channel::sync::OnceCell<u32> = gort_channel::sync::OnceCell::const_new_with(4);
    /// assert_eq!(CELL.get(), Some(&4));
    /// ```
    #[cfg(not(loom))]
    pub const fn const_new_with(value: T) -> Self {
        OnceCell {
            value_set: AtomicBool::new(true),
            value: UnsafeCell::new(MaybeUninit::new(value)),
            semaphore: ll::Semaphore::const_new(0),
        }
    }

    /// A cell holding `value` if it is `Some`, else empty.
    ///
    /// ```
    /// let cell = gort_channel::sync::OnceCell::new_with(Some(1));
    /// assert_eq!(cell.get(), Some(&1));
    /// ```
    pub fn new_with(value: Option<T>) -> Self {
        match value {
            Some(value) => OnceCell {
                value_set: AtomicBool::new(true),
                value: UnsafeCell::new(MaybeUninit::new(value)),
                semaphore: ll::Semaphore::new_closed(),
            },
            None => OnceCell::new(),
        }
    }

    /// True once the cell holds a value.
    ///
    /// ```
    /// let cell = gort_channel::sync::OnceCell::new();
    /// cell.set(1).unwrap();
    /// assert!(cell.initialized());
    /// ```
    pub fn initialized(&self) -> bool {
        self.value_set.load(Ordering::Acquire)
    }

    fn initialized_mut(&mut self) -> bool {
        // With `&mut self` there is no concurrent writer; a plain Acquire load is exact.
        self.value_set.load(Ordering::Acquire)
    }

    /// The value, if set.
    ///
    /// ```
    /// let cell = gort_channel::sync::OnceCell::new();
    /// assert_eq!(cell.get(), None);
    /// cell.set(2).unwrap();
    /// assert_eq!(cell.get(), Some(&2));
    /// ```
    pub fn get(&self) -> Option<&T> {
        if self.initialized() {
            // SAFETY: the Acquire load saw the flag the writer published after writing.
            Some(unsafe { (*self.value.get()).assume_init_ref() })
        } else {
            None
        }
    }

    /// The value, mutably, if set.
    ///
    /// ```
    /// let mut cell = gort_channel::sync::OnceCell::new_with(Some(1));
    /// *cell.get_mut().unwrap() += 1;
    /// assert_eq!(cell.get(), Some(&2));
    /// ```
    pub fn get_mut(&mut self) -> Option<&mut T> {
        if self.initialized_mut() {
            // SAFETY: set, and `&mut self` makes the access unique.
            Some(unsafe { self.value.get_mut().assume_init_mut() })
        } else {
            None
        }
    }

    /// Stores `value` if the cell is empty and nobody is initializing it.
    ///
    /// ```
    /// use gort_channel::sync::{OnceCell, SetError};
    /// let cell = OnceCell::new();
    /// assert_eq!(cell.set(1), Ok(()));
    /// assert_eq!(cell.set(2), Err(SetError::AlreadyInitializedError(2)));
    /// ```
    pub fn set(&self, value: T) -> Result<(), SetError<T>> {
        if self.initialized() {
            return Err(SetError::AlreadyInitializedError(value));
        }
        match self.semaphore.try_acquire(1) {
            Ok(()) => {
                self.publish(value);
                Ok(())
            }
            Err(ll::TryAcquireError::NoPermits) => Err(SetError::InitializingError(value)),
            Err(ll::TryAcquireError::Closed) => Err(SetError::AlreadyInitializedError(value)),
        }
    }

    /// Permit held: write the value, publish it, and release every waiter.
    fn publish(&self, value: T) -> &T {
        // SAFETY: the caller holds the only permit and the flag is unset, so nobody reads or
        // writes the slot concurrently. The `&mut T` that `write` returns is dropped here: once
        // the flag is published, readers take shared references (Miri's Stacked Borrows).
        unsafe { (*self.value.get()).write(value) };
        self.value_set.store(true, Ordering::Release);
        // Waiters complete with `Closed`, which tells them the value is there; the permit is
        // never returned.
        self.semaphore.close();
        // SAFETY: written and published above; from now on the slot is only read.
        unsafe { (*self.value.get()).assume_init_ref() }
    }

    /// The value, initializing it with `f` first if the cell is empty. Concurrent callers wait
    /// for the one initializer; only one `f` runs to completion.
    ///
    /// # Cancel safety
    /// Cancel safe: if the initializing call is dropped, the next waiter runs its own `f`.
    ///
    /// ```
    /// futures::executor::block_on(async {
    ///     let cell = gort_channel::sync::OnceCell::new();
    ///     assert_eq!(*cell.get_or_init(|| async { 3 }).await, 3);
    ///     assert_eq!(*cell.get_or_init(|| async { 4 }).await, 3);
    /// });
    /// ```
    #[track_caller]
    pub fn get_or_init<F, Fut>(&self, f: F) -> impl Future<Output = &T>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = T>,
    {
        let site = Location::caller();
        async move {
            let init = || async { Ok::<T, std::convert::Infallible>(f().await) };
            match self.try_init_at(site, init).await {
                Ok(value) => value,
                Err(never) => match never {},
            }
        }
    }

    /// The value, initializing it with the fallible `f` first if the cell is empty. On `Err`
    /// the cell stays empty and the next waiter tries its own `f`.
    ///
    /// # Cancel safety
    /// Cancel safe, as [`OnceCell::get_or_init`].
    ///
    /// ```
    /// futures::executor::block_on(async {
    ///     let cell = gort_channel::sync::OnceCell::new();
    ///     assert!(cell.get_or_try_init(|| async { Err("no") }).await.is_err());
    ///     assert_eq!(cell.get_or_try_init(|| async { Ok::<_, &str>(5) }).await, Ok(&5));
    /// });
    /// ```
    #[track_caller]
    pub fn get_or_try_init<E, F, Fut>(&self, f: F) -> impl Future<Output = Result<&T, E>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        self.try_init_at(Location::caller(), f)
    }

    /// `get_or_try_init` called at `site`: a wait for another initializer shows there.
    async fn try_init_at<E, F, Fut>(&self, site: &'static Location<'static>, f: F) -> Result<&T, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        if let Some(value) = self.get() {
            return Ok(value);
        }
        let cell = (self as *const Self).cast::<()>();
        let acquire = self.semaphore.acquire(1);
        if Traced::at(site, WaitKind::OnceCellInit, cell, acquire)
            .await
            .is_err()
        {
            // Closed: the value was published.
            return Ok(self
                .get()
                .expect("a closed init semaphore means the value is set"));
        }
        let mut guard = InitGuard {
            semaphore: &self.semaphore,
            armed: true,
        };
        let value = f().await?;
        guard.armed = false;
        Ok(self.publish(value))
    }

    /// Consumes the cell, returning its value if set.
    ///
    /// ```
    /// assert_eq!(gort_channel::sync::OnceCell::new_with(Some(1)).into_inner(), Some(1));
    /// ```
    pub fn into_inner(mut self) -> Option<T> {
        if self.initialized_mut() {
            self.value_set.store(false, Ordering::Relaxed);
            // SAFETY: set; the flag is cleared so Drop will not drop it again.
            Some(unsafe { self.value.get_mut().assume_init_read() })
        } else {
            None
        }
    }

    /// Takes the value out, leaving the cell empty (and ready to be initialized again).
    ///
    /// ```
    /// let mut cell = gort_channel::sync::OnceCell::new_with(Some(1));
    /// assert_eq!(cell.take(), Some(1));
    /// assert!(cell.get().is_none());
    /// ```
    pub fn take(&mut self) -> Option<T> {
        std::mem::take(self).into_inner()
    }
}
