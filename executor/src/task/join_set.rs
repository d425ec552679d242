//! `JoinSet`: a set of spawned tasks, joined in completion order.
//!
//! Each member's `JoinHandle` is polled with its own small waker that records the member's key
//! in a ready list and wakes the set's owner, so `join_next` only polls members that were
//! actually woken: O(1) per completion, not O(n) (the role of tokio's `IdleNotifiedSet`).

use super::{AbortHandle, Id, JoinError, JoinHandle};
use crate::runtime::Handle;
use slab::Slab;
use std::collections::VecDeque;
use std::fmt;
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};

/// A collection of tasks spawned on the runtime, awaited in the order they finish.
/// Dropping the set aborts every task still in it.
///
/// ```
/// # let rt = gort_executor::runtime::Runtime::new().unwrap();
/// # rt.block_on(async {
/// use gort_executor::task::JoinSet;
/// let mut set = JoinSet::new();
/// for i in 0..10u32 {
///     set.spawn(async move { i });
/// }
/// let mut sum = 0;
/// while let Some(res) = set.join_next().await {
///     sum += res.unwrap();
/// }
/// assert_eq!(sum, 45);
/// # });
/// ```
pub struct JoinSet<T> {
    entries: Slab<Entry<T>>,
    ready: Arc<Ready>,
}

struct Entry<T> {
    handle: JoinHandle<T>,
    waker: Waker,
}

#[derive(Default)]
struct Ready {
    inner: Mutex<ReadyInner>,
}

#[derive(Default)]
struct ReadyInner {
    keys: VecDeque<usize>,
    owner: Option<Waker>,
}

struct EntryWaker {
    key: usize,
    ready: Arc<Ready>,
}

impl Wake for EntryWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        let owner = {
            let mut inner = self.ready.inner.lock().unwrap_or_else(|e| e.into_inner());
            inner.keys.push_back(self.key);
            inner.owner.take()
        };
        if let Some(owner) = owner {
            owner.wake();
        }
    }
}

impl<T> JoinSet<T> {
    /// An empty set.
    ///
    /// ```
    /// let set = gort_executor::task::JoinSet::<()>::new();
    /// assert!(set.is_empty());
    /// ```
    pub fn new() -> JoinSet<T> {
        JoinSet {
            entries: Slab::new(),
            ready: Arc::new(Ready::default()),
        }
    }

    /// Number of tasks in the set (finished ones count until joined).
    ///
    /// ```
    /// # let rt = gort_executor::runtime::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let mut set = gort_executor::task::JoinSet::new();
    /// set.spawn(async {});
    /// assert_eq!(set.len(), 1);
    /// # });
    /// ```
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when the set holds no task.
    ///
    /// ```
    /// assert!(gort_executor::task::JoinSet::<u8>::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn insert(&mut self, handle: JoinHandle<T>) -> AbortHandle {
        let abort = handle.abort_handle();
        let entry = self.entries.vacant_entry();
        let key = entry.key();
        let waker = Waker::from(Arc::new(EntryWaker {
            key,
            ready: self.ready.clone(),
        }));
        entry.insert(Entry { handle, waker });
        // Poll it once so its waker gets registered.
        self.ready
            .inner
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .keys
            .push_back(key);
        abort
    }

    /// Aborts every task in the set; they stay in it until joined (as cancelled).
    ///
    /// ```
    /// # let rt = gort_executor::runtime::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let mut set = gort_executor::task::JoinSet::new();
    /// set.spawn(std::future::pending::<()>());
    /// set.abort_all();
    /// assert!(set.join_next().await.unwrap().unwrap_err().is_cancelled());
    /// # });
    /// ```
    pub fn abort_all(&mut self) {
        for (_, entry) in self.entries.iter() {
            entry.handle.abort();
        }
    }

    /// Removes every task from the set without aborting them (they keep running).
    ///
    /// ```
    /// # let rt = gort_executor::runtime::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let mut set = gort_executor::task::JoinSet::new();
    /// set.spawn(async {});
    /// set.detach_all();
    /// assert!(set.is_empty());
    /// # });
    /// ```
    pub fn detach_all(&mut self) {
        self.entries.clear();
        self.ready
            .inner
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .keys
            .clear();
    }

    /// Polls for the next finished task, with its id.
    pub fn poll_join_next_with_id(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<(Id, T), JoinError>>> {
        loop {
            if self.entries.is_empty() {
                return Poll::Ready(None);
            }
            if !gort_channel::coop::has_budget_remaining() {
                // Every join would be refused now: yield to the scheduler, resume next poll.
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
            if let Some(out) = self.next_finished() {
                return Poll::Ready(Some(out));
            }
            // Nothing finished: register the owner, unless a member was woken meanwhile. The
            // waker it replaces is dropped after the lock (its `Drop` may run anything, even a
            // runtime that finishes a member and takes this lock).
            let replaced = {
                let mut inner = self.ready.inner.lock().unwrap_or_else(|e| e.into_inner());
                if !inner.keys.is_empty() {
                    continue;
                }
                match &inner.owner {
                    Some(owner) if owner.will_wake(cx.waker()) => None,
                    _ => inner.owner.replace(cx.waker().clone()),
                }
            };
            drop(replaced);
            return Poll::Pending;
        }
    }

    /// Polls the members woken since the last call until one has finished; `None` when none
    /// has.
    fn next_finished(&mut self) -> Option<Result<(Id, T), JoinError>> {
        loop {
            let key = {
                let mut inner = self.ready.inner.lock().unwrap_or_else(|e| e.into_inner());
                inner.keys.pop_front()?
            };
            let Some(entry) = self.entries.get_mut(key) else {
                continue;
            };
            let mut member_cx = Context::from_waker(&entry.waker);
            if let Poll::Ready(res) = Pin::new(&mut entry.handle).poll(&mut member_cx) {
                let entry = self.entries.remove(key);
                let id = entry.handle.id();
                return Some(res.map(|v| (id, v)));
            }
        }
    }

    /// Polls for the next finished task.
    pub fn poll_join_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<T, JoinError>>> {
        self.poll_join_next_with_id(cx)
            .map(|r| r.map(|r| r.map(|(_, v)| v)))
    }

    /// Waits for the next task to finish; `None` when the set is empty.
    ///
    /// # Cancel safety
    /// Cancel safe: if the future is dropped, no task output is lost (it stays in the set).
    ///
    /// ```
    /// # let rt = gort_executor::runtime::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let mut set = gort_executor::task::JoinSet::new();
    /// set.spawn(async { 7 });
    /// assert_eq!(set.join_next().await.unwrap().unwrap(), 7);
    /// assert!(set.join_next().await.is_none());
    /// # });
    /// ```
    pub async fn join_next(&mut self) -> Option<Result<T, JoinError>> {
        poll_fn(|cx| self.poll_join_next(cx)).await
    }

    /// As [`JoinSet::join_next`], with the task's id.
    ///
    /// # Cancel safety
    /// Cancel safe, as `join_next`.
    ///
    /// ```
    /// # let rt = gort_executor::runtime::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let mut set = gort_executor::task::JoinSet::new();
    /// let id = set.spawn(async { 7 }).id();
    /// assert_eq!(set.join_next_with_id().await.unwrap().unwrap(), (id, 7));
    /// # });
    /// ```
    pub async fn join_next_with_id(&mut self) -> Option<Result<(Id, T), JoinError>> {
        poll_fn(|cx| self.poll_join_next_with_id(cx)).await
    }

    /// The output of a task that already finished, without waiting; `None` if none has.
    ///
    /// ```
    /// # let rt = gort_executor::runtime::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let mut set = gort_executor::task::JoinSet::new();
    /// set.spawn(async { 1 });
    /// let out = loop {
    ///     if let Some(out) = set.try_join_next() {
    ///         break out;
    ///     }
    ///     gort_executor::task::yield_now().await;
    /// };
    /// assert_eq!(out.unwrap(), 1);
    /// # });
    /// ```
    pub fn try_join_next(&mut self) -> Option<Result<T, JoinError>> {
        // Not async, so it cannot yield: like tokio's, it checks the members without the
        // cooperative budget (a loop of `try_join_next` would otherwise stop after 128).
        gort_channel::coop::unconstrained(|| self.next_finished()).map(|res| res.map(|(_, v)| v))
    }

    /// Aborts every task and waits until they all finished.
    ///
    /// ```
    /// # let rt = gort_executor::runtime::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let mut set = gort_executor::task::JoinSet::new();
    /// set.spawn(std::future::pending::<()>());
    /// set.shutdown().await;
    /// assert!(set.is_empty());
    /// # });
    /// ```
    pub async fn shutdown(&mut self) {
        self.abort_all();
        while self.join_next().await.is_some() {}
    }

    /// Waits for every task and returns their outputs in completion order.
    ///
    /// # Panics
    /// Re-raises the panic of a task that panicked.
    ///
    /// ```
    /// # let rt = gort_executor::runtime::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let mut set = gort_executor::task::JoinSet::new();
    /// set.spawn(async { 2 });
    /// assert_eq!(set.join_all().await, vec![2]);
    /// # });
    /// ```
    pub async fn join_all(mut self) -> Vec<T> {
        let mut out = Vec::with_capacity(self.len());
        while let Some(res) = self.join_next().await {
            match res {
                Ok(v) => out.push(v),
                Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
                Err(e) => panic!("a JoinSet task was cancelled: {e}"),
            }
        }
        out
    }
}

impl<T: Send + 'static> JoinSet<T> {
    /// Spawns a task on the current runtime into the set.
    ///
    /// # Panics
    /// Outside a gort runtime.
    ///
    /// ```
    /// # let rt = gort_executor::runtime::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let mut set = gort_executor::task::JoinSet::new();
    /// set.spawn(async { 1 });
    /// # });
    /// ```
    #[track_caller]
    pub fn spawn<F>(&mut self, future: F) -> AbortHandle
    where
        F: Future<Output = T> + Send + 'static,
    {
        self.insert(super::spawn(future))
    }

    /// Spawns a task on the given runtime into the set.
    ///
    /// ```
    /// let rt = gort_executor::runtime::Runtime::new().unwrap();
    /// let mut set = gort_executor::task::JoinSet::new();
    /// set.spawn_on(async { 1 }, rt.handle());
    /// assert_eq!(rt.block_on(set.join_next()).unwrap().unwrap(), 1);
    /// ```
    #[track_caller]
    pub fn spawn_on<F>(&mut self, future: F, handle: &Handle) -> AbortHandle
    where
        F: Future<Output = T> + Send + 'static,
    {
        self.insert(handle.spawn(future))
    }

    /// Runs a blocking closure on the blocking pool, as a member of the set.
    ///
    /// ```
    /// # let rt = gort_executor::runtime::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let mut set = gort_executor::task::JoinSet::new();
    /// set.spawn_blocking(|| 3);
    /// assert_eq!(set.join_next().await.unwrap().unwrap(), 3);
    /// # });
    /// ```
    #[track_caller]
    pub fn spawn_blocking<F>(&mut self, f: F) -> AbortHandle
    where
        F: FnOnce() -> T + Send + 'static,
    {
        self.insert(super::spawn_blocking(f))
    }
}

impl<T: 'static> JoinSet<T> {
    /// Spawns a `!Send` task on the current [`LocalSet`](super::LocalSet) into the set.
    ///
    /// ```
    /// # let rt = gort_executor::runtime::Builder::new_current_thread().build().unwrap();
    /// let local = gort_executor::task::LocalSet::new();
    /// local.block_on(&rt, async {
    ///     let mut set = gort_executor::task::JoinSet::new();
    ///     set.spawn_local(async { std::rc::Rc::new(4) });
    ///     assert_eq!(*set.join_next().await.unwrap().unwrap(), 4);
    /// });
    /// ```
    #[track_caller]
    pub fn spawn_local<F>(&mut self, future: F) -> AbortHandle
    where
        F: Future<Output = T> + 'static,
    {
        self.insert(super::spawn_local(future))
    }

    /// Spawns `future` onto `local_set` and adds it to the set (it runs while the set is driven).
    ///
    /// ```
    /// use gort_executor::task::{JoinSet, LocalSet};
    /// let rt = gort_executor::runtime::Builder::new_current_thread().build().unwrap();
    /// let local = LocalSet::new();
    /// let mut set = JoinSet::new();
    /// set.spawn_local_on(async { std::rc::Rc::new(3) }, &local);
    /// let got = local.block_on(&rt, async { set.join_next().await.unwrap().unwrap() });
    /// assert_eq!(*got, 3);
    /// ```
    #[track_caller]
    pub fn spawn_local_on<F>(&mut self, future: F, local_set: &super::LocalSet) -> AbortHandle
    where
        F: Future<Output = T> + 'static,
    {
        self.insert(local_set.spawn_local(future))
    }
}

/// Collects futures into a set, spawning each (as tokio's): `futures.into_iter().collect()`.
///
/// ```
/// # let rt = gort_executor::runtime::Builder::new_current_thread().build().unwrap();
/// # rt.block_on(async {
/// let mut set: gort_executor::task::JoinSet<u32> = (0..3).map(|i| async move { i }).collect();
/// let mut sum = 0;
/// while let Some(r) = set.join_next().await {
///     sum += r.unwrap();
/// }
/// assert_eq!(sum, 3);
/// # });
/// ```
impl<T, F> FromIterator<F> for JoinSet<T>
where
    F: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    #[track_caller]
    fn from_iter<I: IntoIterator<Item = F>>(iter: I) -> Self {
        let mut set = JoinSet::new();
        set.extend(iter);
        set
    }
}

/// Spawns each future into the set (as tokio's).
///
/// ```
/// # let rt = gort_executor::runtime::Builder::new_current_thread().build().unwrap();
/// # rt.block_on(async {
/// let mut set = gort_executor::task::JoinSet::new();
/// set.extend((0..4).map(|i| async move { i * 2 }));
/// assert_eq!(set.len(), 4);
/// # });
/// ```
impl<T, F> Extend<F> for JoinSet<T>
where
    F: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    #[track_caller]
    fn extend<I: IntoIterator<Item = F>>(&mut self, iter: I) {
        for future in iter {
            self.spawn(future);
        }
    }
}

impl<T> Default for JoinSet<T> {
    fn default() -> JoinSet<T> {
        JoinSet::new()
    }
}

impl<T> Drop for JoinSet<T> {
    fn drop(&mut self) {
        self.abort_all();
    }
}

impl<T> fmt::Debug for JoinSet<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinSet").field("len", &self.len()).finish()
    }
}
