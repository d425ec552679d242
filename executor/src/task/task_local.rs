//! Task-local storage: `task_local!` and [`LocalKey`].
//!
//! A value set with [`LocalKey::scope`] is visible to the future it wraps, on whatever thread
//! polls it: the wrapper swaps the value into a thread local for the duration of each poll and
//! back out afterwards (tokio's design).

use pin_project_lite::pin_project;
use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::marker::PhantomPinned;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Declares task-local keys, as tokio's `task_local!`.
///
/// ```
/// gort_executor::task_local! {
///     static REQUEST_ID: u64;
/// }
/// # let rt = gort_executor::runtime::Builder::new_current_thread().build().unwrap();
/// # rt.block_on(async {
/// REQUEST_ID.scope(7, async {
///     assert_eq!(REQUEST_ID.get(), 7);
/// }).await;
/// # });
/// ```
#[macro_export]
macro_rules! task_local {
    () => {};
    ($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty; $($rest:tt)*) => {
        $crate::__task_local_inner!($(#[$attr])* $vis $name, $t);
        $crate::task_local!($($rest)*);
    };
    ($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty) => {
        $crate::__task_local_inner!($(#[$attr])* $vis $name, $t);
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __task_local_inner {
    ($(#[$attr:meta])* $vis:vis $name:ident, $t:ty) => {
        $(#[$attr])*
        $vis static $name: $crate::task::LocalKey<$t> = {
            ::std::thread_local! {
                static __KEY: ::std::cell::RefCell<::std::option::Option<$t>> =
                    const { ::std::cell::RefCell::new(::std::option::Option::None) };
            }
            $crate::task::LocalKey { inner: __KEY }
        };
    };
}

/// A key for task-local data, declared with [`task_local!`](crate::task_local).
pub struct LocalKey<T: 'static> {
    #[doc(hidden)]
    pub inner: std::thread::LocalKey<RefCell<Option<T>>>,
}

/// Returned by [`LocalKey::try_with`] outside the key's scope.
///
/// ```
/// gort_executor::task_local! { static K: u8; }
/// assert!(K.try_with(|_| ()).is_err());
/// ```
#[derive(Clone, Copy, Eq, PartialEq)]
pub struct AccessError {
    _private: (),
}

impl fmt::Debug for AccessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessError").finish()
    }
}

impl fmt::Display for AccessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("task-local value not set: access it inside `LocalKey::scope` or `sync_scope`")
    }
}

impl std::error::Error for AccessError {}

/// Swaps `slot` into the key while alive, and back out on drop (also on unwind).
struct Swap<'a, T: 'static> {
    key: &'static LocalKey<T>,
    slot: &'a mut Option<T>,
}

impl<T: 'static> LocalKey<T> {
    #[track_caller]
    fn enter<'a>(&'static self, slot: &'a mut Option<T>) -> Swap<'a, T> {
        let entered = self.inner.with(|cell| match cell.try_borrow_mut() {
            Ok(mut value) => {
                std::mem::swap(slot, &mut *value);
                true
            }
            Err(_) => false,
        });
        if !entered {
            panic!("cannot enter a task-local scope while the task-local value is borrowed");
        }
        Swap { key: self, slot }
    }

    /// Runs `future` with the key set to `value`.
    ///
    /// ```
    /// gort_executor::task_local! { static K: &'static str; }
    /// # let rt = gort_executor::runtime::Builder::new_current_thread().build().unwrap();
    /// # rt.block_on(async {
    /// let out = K.scope("v", async { K.get() }).await;
    /// assert_eq!(out, "v");
    /// # });
    /// ```
    pub fn scope<F: Future>(&'static self, value: T, future: F) -> TaskLocalFuture<T, F> {
        TaskLocalFuture {
            local: self,
            slot: Some(value),
            future: Some(future),
            _pinned: PhantomPinned,
        }
    }

    /// Runs the closure `f` with the key set to `value`.
    ///
    /// ```
    /// gort_executor::task_local! { static K: u32; }
    /// assert_eq!(K.sync_scope(3, || K.get()), 3);
    /// ```
    #[track_caller]
    pub fn sync_scope<F: FnOnce() -> R, R>(&'static self, value: T, f: F) -> R {
        let mut slot = Some(value);
        let _swap = self.enter(&mut slot);
        f()
    }

    /// Calls `f` with a reference to the value.
    ///
    /// # Panics
    /// Outside the key's scope.
    ///
    /// ```
    /// gort_executor::task_local! { static K: u32; }
    /// K.sync_scope(3, || K.with(|v| assert_eq!(*v, 3)));
    /// ```
    #[track_caller]
    pub fn with<F: FnOnce(&T) -> R, R>(&'static self, f: F) -> R {
        match self.try_with(f) {
            Ok(r) => r,
            Err(_) => panic!("cannot access a task-local storage value without setting it first: use `LocalKey::scope`"),
        }
    }

    /// Calls `f` with a reference to the value, or fails outside the key's scope.
    ///
    /// ```
    /// gort_executor::task_local! { static K: u32; }
    /// assert!(K.try_with(|v| *v).is_err());
    /// assert_eq!(K.sync_scope(1, || K.try_with(|v| *v)), Ok(1));
    /// ```
    pub fn try_with<F: FnOnce(&T) -> R, R>(&'static self, f: F) -> Result<R, AccessError> {
        let found = self.inner.try_with(|cell| {
            let value = cell.borrow();
            value.as_ref().map(f)
        });
        match found {
            Ok(Some(r)) => Ok(r),
            _ => Err(AccessError { _private: () }),
        }
    }
}

impl<T: Clone + 'static> LocalKey<T> {
    /// A copy of the value.
    ///
    /// # Panics
    /// Outside the key's scope.
    ///
    /// ```
    /// gort_executor::task_local! { static K: String; }
    /// assert_eq!(K.sync_scope("x".to_string(), || K.get()), "x");
    /// ```
    #[track_caller]
    pub fn get(&'static self) -> T {
        self.with(T::clone)
    }

    /// A copy of the task-local value, or an error outside its scope.
    ///
    /// ```
    /// gort_executor::task_local! { static ID: u32; }
    /// assert!(ID.try_get().is_err());
    /// assert_eq!(ID.sync_scope(3, || ID.try_get()), Ok(3));
    /// ```
    pub fn try_get(&'static self) -> Result<T, AccessError> {
        self.try_with(T::clone)
    }
}

impl<T: 'static> fmt::Debug for LocalKey<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad("LocalKey { .. }")
    }
}

impl<T: 'static> Drop for Swap<'_, T> {
    fn drop(&mut self) {
        let _ = self.key.inner.try_with(|cell| {
            if let Ok(mut value) = cell.try_borrow_mut() {
                std::mem::swap(self.slot, &mut *value);
            }
        });
    }
}

pin_project! {
    /// A future with a task-local value set while it is polled (and dropped).
    /// Returned by [`LocalKey::scope`].
    pub struct TaskLocalFuture<T: 'static, F> {
        local: &'static LocalKey<T>,
        slot: Option<T>,
        #[pin]
        future: Option<F>,
        #[pin]
        _pinned: PhantomPinned,
    }

    impl<T: 'static, F> PinnedDrop for TaskLocalFuture<T, F> {
        fn drop(this: Pin<&mut Self>) {
            let mut me = this.project();
            if me.future.is_some() {
                // Drop the future with its value in scope, as tokio does.
                let _swap = me.local.enter(me.slot);
                me.future.set(None);
            }
        }
    }
}

impl<T: 'static, F> TaskLocalFuture<T, F> {
    /// Takes the value this future sets while it runs; `None` if it was taken already. Polled
    /// afterwards, the future runs with the task-local unset.
    ///
    /// ```
    /// gort_executor::task_local! { static KEY: u32; }
    /// let mut fut = Box::pin(KEY.scope(7, async {}));
    /// assert_eq!(fut.as_mut().take_value(), Some(7));
    /// assert_eq!(fut.as_mut().take_value(), None);
    /// ```
    pub fn take_value(self: Pin<&mut Self>) -> Option<T> {
        self.project().slot.take()
    }
}

impl<T: 'static, F: Future> Future for TaskLocalFuture<T, F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let mut me = self.project();
        let _swap = me.local.enter(me.slot);
        let future = me
            .future
            .as_mut()
            .as_pin_mut()
            .expect("TaskLocalFuture polled after completion");
        let out = future.poll(cx);
        if out.is_ready() {
            me.future.set(None);
        }
        out
    }
}

impl<T: 'static, F> fmt::Debug for TaskLocalFuture<T, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskLocalFuture").finish()
    }
}
