//! `task::Builder`: spawns a task with a name, as tokio's (the name shows in the task dump).

use super::{meta, JoinHandle, LocalSet};
use crate::runtime::Handle;
use std::future::Future;
use std::io;

/// Configures a task before spawning it: for now, its name (shown by `Handle::dump()`).
///
/// ```
/// # let rt = gort_executor::runtime::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let task = gort_executor::task::Builder::new()
///     .name("adder")
///     .spawn(async { 1 + 2 })
///     .unwrap();
/// assert_eq!(task.await.unwrap(), 3);
/// # });
/// ```
#[derive(Debug, Default, Clone, Copy)]
pub struct Builder<'a> {
    name: Option<&'a str>,
}

/// Sets the pending name for the spawn inside `spawn`, and clears it if the spawn panicked
/// before allocating the task.
fn named<R>(name: Option<&str>, spawn: impl FnOnce() -> R) -> R {
    struct Clear;
    impl Drop for Clear {
        fn drop(&mut self) {
            meta::set_next_name(None);
        }
    }
    let _clear = Clear;
    meta::set_next_name(name.map(Box::from));
    spawn()
}

impl<'a> Builder<'a> {
    /// A builder with no name set.
    ///
    /// ```
    /// let b = gort_executor::task::Builder::new();
    /// # let _ = b;
    /// ```
    pub fn new() -> Builder<'a> {
        Builder::default()
    }

    /// Names the task.
    ///
    /// ```
    /// let b = gort_executor::task::Builder::new().name("worker");
    /// # let _ = b;
    /// ```
    pub fn name(&self, name: &'a str) -> Builder<'a> {
        Builder { name: Some(name) }
    }

    /// Spawns `future` on the current runtime (as [`spawn`](super::spawn)).
    ///
    /// # Errors
    /// None today; the `Result` keeps tokio's signature.
    ///
    /// # Panics
    /// Outside a runtime.
    ///
    /// ```
    /// # let rt = gort_executor::runtime::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let t = gort_executor::task::Builder::new().name("a").spawn(async { 1 }).unwrap();
    /// assert_eq!(t.await.unwrap(), 1);
    /// # });
    /// ```
    #[track_caller]
    pub fn spawn<F>(self, future: F) -> io::Result<JoinHandle<F::Output>>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let site = std::panic::Location::caller();
        Ok(named(self.name, || at(site, || super::spawn(future))))
    }

    /// Spawns `future` on `handle`'s runtime.
    ///
    /// # Errors
    /// None today; the `Result` keeps tokio's signature.
    ///
    /// ```
    /// let rt = gort_executor::runtime::Runtime::new().unwrap();
    /// let t = gort_executor::task::Builder::new().name("b").spawn_on(async { 2 }, rt.handle()).unwrap();
    /// assert_eq!(rt.block_on(t).unwrap(), 2);
    /// ```
    #[track_caller]
    pub fn spawn_on<F>(self, future: F, handle: &Handle) -> io::Result<JoinHandle<F::Output>>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let site = std::panic::Location::caller();
        Ok(named(self.name, || at(site, || handle.spawn(future))))
    }

    /// Spawns a `!Send` future on the current `LocalSet` (as
    /// [`spawn_local`](super::spawn_local)).
    ///
    /// # Errors
    /// None today; the `Result` keeps tokio's signature.
    ///
    /// # Panics
    /// Outside a `LocalSet`.
    ///
    /// ```
    /// let rt = gort_executor::runtime::Builder::new_current_thread().build().unwrap();
    /// let local = gort_executor::task::LocalSet::new();
    /// local.block_on(&rt, async {
    ///     let t = gort_executor::task::Builder::new().name("c").spawn_local(async { 3 }).unwrap();
    ///     assert_eq!(t.await.unwrap(), 3);
    /// });
    /// ```
    #[track_caller]
    pub fn spawn_local<F>(self, future: F) -> io::Result<JoinHandle<F::Output>>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        let site = std::panic::Location::caller();
        Ok(named(self.name, || at(site, || super::spawn_local(future))))
    }

    /// Spawns a `!Send` future on `local_set`.
    ///
    /// # Errors
    /// None today; the `Result` keeps tokio's signature.
    ///
    /// ```
    /// let rt = gort_executor::runtime::Builder::new_current_thread().build().unwrap();
    /// let local = gort_executor::task::LocalSet::new();
    /// let t = gort_executor::task::Builder::new().name("d").spawn_local_on(async { 4 }, &local).unwrap();
    /// assert_eq!(local.block_on(&rt, t).unwrap(), 4);
    /// ```
    #[track_caller]
    pub fn spawn_local_on<F>(
        self,
        future: F,
        local_set: &LocalSet,
    ) -> io::Result<JoinHandle<F::Output>>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        let site = std::panic::Location::caller();
        Ok(named(self.name, || {
            at(site, || local_set.spawn_local(future))
        }))
    }

    /// Runs `f` on the current runtime's blocking pool (as
    /// [`spawn_blocking`](super::spawn_blocking)).
    ///
    /// # Errors
    /// None today; the `Result` keeps tokio's signature.
    ///
    /// ```
    /// # let rt = gort_executor::runtime::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let t = gort_executor::task::Builder::new().name("e").spawn_blocking(|| 5).unwrap();
    /// assert_eq!(t.await.unwrap(), 5);
    /// # });
    /// ```
    #[track_caller]
    pub fn spawn_blocking<F, R>(self, f: F) -> io::Result<JoinHandle<R>>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        let site = std::panic::Location::caller();
        Ok(named(self.name, || at(site, || super::spawn_blocking(f))))
    }

    /// Runs `f` on `handle`'s blocking pool.
    ///
    /// # Errors
    /// None today; the `Result` keeps tokio's signature.
    ///
    /// ```
    /// let rt = gort_executor::runtime::Runtime::new().unwrap();
    /// let t = gort_executor::task::Builder::new().spawn_blocking_on(|| 6, rt.handle()).unwrap();
    /// assert_eq!(rt.block_on(t).unwrap(), 6);
    /// ```
    #[track_caller]
    pub fn spawn_blocking_on<F, R>(self, f: F, handle: &Handle) -> io::Result<JoinHandle<R>>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        let site = std::panic::Location::caller();
        Ok(named(self.name, || at(site, || handle.spawn_blocking(f))))
    }
}

/// Runs `spawn` (a closure calling a public spawn function) with `site`, the builder's caller,
/// as the spawn site: the spawn function would otherwise record the closure's location.
fn at<R>(site: &'static std::panic::Location<'static>, spawn: impl FnOnce() -> R) -> R {
    struct Reset;
    impl Drop for Reset {
        fn drop(&mut self) {
            meta::spawn_site_override(None);
        }
    }
    let _reset = Reset;
    meta::spawn_site_override(Some(site));
    spawn()
}
