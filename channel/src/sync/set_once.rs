//! A value set at most once that tasks can wait for (tokio's `SetOnce`).
//!
//! Unlike [`OnceCell`](super::OnceCell), nobody runs an initializer: one caller [`set`]s the
//! value, and [`wait`] completes once it is there. The value lives in a `std::sync::OnceLock`
//! (so the first `set` wins, without locks on the read path), or in `preset` for a cell made
//! already full by [`const_new_with`] (a `OnceLock` cannot be filled in a `const fn`). Waiters
//! park on a [`Notify`] that `set` wakes with `notify_waiters`; a waiter enables its
//! `Notified` before looking at the value, so a `set` in between is never missed.
//!
//! [`set`]: SetOnce::set
//! [`wait`]: SetOnce::wait
//! [`const_new_with`]: SetOnce::const_new_with

use super::Notify;
use std::error::Error;
use std::fmt;
use std::future::Future;
use std::pin::pin;
use std::sync::OnceLock;

/// A value set once, which tasks can [`wait`](SetOnce::wait) for.
///
/// ```
/// use gort_channel::sync::SetOnce;
/// use std::sync::Arc;
/// futures::executor::block_on(async {
///     let ready = Arc::new(SetOnce::new());
///     let setter = ready.clone();
///     std::thread::spawn(move || setter.set("go").unwrap());
///     assert_eq!(*ready.wait().await, "go");
///     assert!(ready.set("again").is_err());
/// });
/// ```
pub struct SetOnce<T> {
    preset: Option<T>,
    cell: OnceLock<T>,
    notify: Notify,
}

/// The value given to [`SetOnce::set`] on a cell that already had one.
///
/// ```
/// let cell = gort_channel::sync::SetOnce::new();
/// cell.set(1).unwrap();
/// assert_eq!(cell.set(2).unwrap_err().0, 2);
/// ```
#[derive(Debug, PartialEq, Eq)]
pub struct SetOnceError<T>(pub T);

impl<T> fmt::Display for SetOnceError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SetOnceError: the value was already set")
    }
}

impl<T: fmt::Debug> Error for SetOnceError<T> {}

impl<T> SetOnce<T> {
    /// An empty cell.
    ///
    /// ```
    /// assert!(gort_channel::sync::SetOnce::<u8>::new().get().is_none());
    /// ```
    pub fn new() -> Self {
        Self::const_new()
    }

    /// An empty cell, usable in a `static`.
    ///
    /// ```
    /// use gort_channel::sync::SetOnce;
    /// static READY: SetOnce<u32> = SetOnce::const_new();
    /// READY.set(3).unwrap();
    /// assert_eq!(READY.get(), Some(&3));
    /// ```
    pub const fn const_new() -> Self {
        SetOnce {
            preset: None,
            cell: OnceLock::new(),
            notify: Notify::const_new(),
        }
    }

    /// A cell holding `value` if it is `Some`.
    ///
    /// ```
    /// use gort_channel::sync::SetOnce;
    /// assert_eq!(SetOnce::new_with(Some(1)).get(), Some(&1));
    /// assert!(SetOnce::<u8>::new_with(None).get().is_none());
    /// ```
    pub fn new_with(value: Option<T>) -> Self {
        let cell = Self::new();
        if let Some(value) = value {
            let _ = cell.cell.set(value);
        }
        cell
    }

    /// A cell already holding `value`, usable in a `static`.
    ///
    /// ```
    /// use gort_channel::sync::SetOnce;
    /// static NAME: SetOnce<&str> = SetOnce::const_new_with("gort");
    /// assert_eq!(NAME.get(), Some(&"gort"));
    /// assert!(NAME.set("other").is_err());
    /// ```
    pub const fn const_new_with(value: T) -> Self {
        SetOnce {
            preset: Some(value),
            cell: OnceLock::new(),
            notify: Notify::const_new(),
        }
    }

    /// True once the value is set.
    ///
    /// ```
    /// let cell = gort_channel::sync::SetOnce::new();
    /// assert!(!cell.initialized());
    /// cell.set(()).unwrap();
    /// assert!(cell.initialized());
    /// ```
    pub fn initialized(&self) -> bool {
        self.get().is_some()
    }

    /// The value, if set.
    ///
    /// ```
    /// let cell = gort_channel::sync::SetOnce::new();
    /// cell.set(5).unwrap();
    /// assert_eq!(cell.get(), Some(&5));
    /// ```
    pub fn get(&self) -> Option<&T> {
        self.preset.as_ref().or_else(|| self.cell.get())
    }

    /// Sets the value and wakes every waiter; fails, returning `value`, if it was already set.
    ///
    /// ```
    /// let cell = gort_channel::sync::SetOnce::new();
    /// assert!(cell.set(1).is_ok());
    /// assert!(cell.set(2).is_err());
    /// ```
    pub fn set(&self, value: T) -> Result<(), SetOnceError<T>> {
        if self.preset.is_some() {
            return Err(SetOnceError(value));
        }
        self.cell.set(value).map_err(SetOnceError)?;
        self.notify.notify_waiters();
        Ok(())
    }

    /// The value, if set, taking the cell apart.
    ///
    /// ```
    /// let cell = gort_channel::sync::SetOnce::new();
    /// cell.set(String::from("x")).unwrap();
    /// assert_eq!(cell.into_inner().as_deref(), Some("x"));
    /// ```
    pub fn into_inner(self) -> Option<T> {
        self.preset.or_else(|| self.cell.into_inner())
    }

    /// Waits until the value is set, then returns it.
    ///
    /// # Cancel safety
    /// Cancel safe: dropping the future changes nothing.
    ///
    /// ```
    /// use gort_channel::sync::SetOnce;
    /// futures::executor::block_on(async {
    ///     let cell = SetOnce::new();
    ///     cell.set(7).unwrap();
    ///     assert_eq!(*cell.wait().await, 7);
    /// });
    /// ```
    #[track_caller]
    pub fn wait(&self) -> impl Future<Output = &T> + '_ {
        let cell = (self as *const Self).cast::<()>();
        gort_waitsite::Traced::new(gort_waitsite::WaitKind::SetOnceWait, cell, self.wait_set())
    }

    async fn wait_set(&self) -> &T {
        loop {
            let mut notified = pin!(self.notify.notified());
            notified.as_mut().enable();
            if let Some(value) = self.get() {
                return value;
            }
            notified.await;
        }
    }
}

impl<T> Default for SetOnce<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> From<T> for SetOnce<T> {
    fn from(value: T) -> Self {
        Self::new_with(Some(value))
    }
}

impl<T: Clone> Clone for SetOnce<T> {
    fn clone(&self) -> Self {
        Self::new_with(self.get().cloned())
    }
}

impl<T: PartialEq> PartialEq for SetOnce<T> {
    fn eq(&self, other: &Self) -> bool {
        self.get() == other.get()
    }
}

impl<T: Eq> Eq for SetOnce<T> {}

impl<T: fmt::Debug> fmt::Debug for SetOnce<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SetOnce")
            .field("value", &self.get())
            .finish()
    }
}
