//! `LocalSet` and `spawn_local`: `!Send` tasks that all run on one thread.
//!
//! The set is itself a future (or is driven by `run_until`/`block_on`): each poll runs up to
//! `MAX_TASKS_PER_TICK` of its tasks, then yields to the outer executor if more are ready.
//! Wakes from any thread go through one mutex-protected queue and wake the set's own waker.

use super::{Id, JoinHandle, Notified, Schedule, Task};
use crate::runtime::owned::OwnedTasks;
use crate::runtime::Runtime;
use futures_util::task::AtomicWaker;
use pin_project_lite::pin_project;
use std::cell::RefCell;
use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

const MAX_TASKS_PER_TICK: usize = 61;

/// A set of `!Send` tasks run together on the thread that drives the set.
///
/// ```
/// use std::rc::Rc;
/// use gort_executor::task::{self, LocalSet};
///
/// let rt = gort_executor::runtime::Builder::new_current_thread().build().unwrap();
/// let local = LocalSet::new();
/// let out = local.block_on(&rt, async {
///     let shared = Rc::new(5);
///     let s = shared.clone();
///     task::spawn_local(async move { *s * 2 }).await.unwrap()
/// });
/// assert_eq!(out, 10);
/// ```
pub struct LocalSet {
    context: Rc<LocalContext>,
    _not_send: PhantomData<*const ()>,
}

struct LocalContext {
    shared: Arc<Shared>,
}

struct Shared {
    /// Woken tasks; `None` once the set is dropped.
    queue: Mutex<Option<VecDeque<Notified<Arc<Shared>>>>>,
    waker: AtomicWaker,
    owned: OwnedTasks<Arc<Shared>>,
}

thread_local! {
    static CURRENT: RefCell<Option<Rc<LocalContext>>> = const { RefCell::new(None) };
}

impl Schedule for Arc<Shared> {
    fn schedule(&self, task: Notified<Self>) {
        let mut queue = self.queue.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(queue) = queue.as_mut() {
            queue.push_back(task);
        } else {
            drop(queue);
            drop(task);
            return;
        }
        drop(queue);
        self.waker.wake();
    }

    fn release(&self, task: &Task<Self>) -> Option<Task<Self>> {
        self.owned.remove(task)
    }
}

impl LocalContext {
    fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        let (join, notified) = self
            .shared
            .owned
            .bind(future, self.shared.clone(), Id::next());
        if let Some(notified) = notified {
            self.shared.schedule(notified);
        }
        join
    }
}

/// Spawns a `!Send` task onto the current [`LocalSet`].
///
/// # Panics
/// Outside a `LocalSet` (use `LocalSet::run_until`, `LocalSet::block_on` or
/// `LocalSet::enter`).
///
/// ```
/// # let rt = gort_executor::runtime::Builder::new_current_thread().build().unwrap();
/// let local = gort_executor::task::LocalSet::new();
/// local.block_on(&rt, async {
///     let v = std::rc::Rc::new(1);
///     gort_executor::task::spawn_local(async move { *v }).await.unwrap();
/// });
/// ```
#[track_caller]
pub fn spawn_local<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    super::meta::spawned_here();
    let cx = CURRENT.with(|c| c.borrow().clone());
    match cx {
        Some(cx) => cx.spawn(future),
        None if entered_local_runtime_of_another_thread() => panic!(
            "Local tasks can only be spawned on a LocalRuntime from the thread the runtime was \
             created on"
        ),
        None => panic!(
            "`spawn_local` called from outside of a `task::LocalSet` or `runtime::LocalRuntime`: \
             run the code inside `LocalSet::run_until`, `LocalSet::block_on`, `LocalSet::enter` \
             or `LocalRuntime::block_on`"
        ),
    }
}

/// True when the current runtime (a `Handle::enter`) is a `LocalRuntime` made on another thread.
fn entered_local_runtime_of_another_thread() -> bool {
    crate::runtime::context::with_current(|handle| match handle {
        crate::runtime::scheduler::Handle::CurrentThread(handle) => handle
            .local_owner
            .get()
            .is_some_and(|owner| *owner != std::thread::current().id()),
        crate::runtime::scheduler::Handle::MultiThread(_) => false,
    })
    .unwrap_or(false)
}

/// True while a `LocalSet` is current on this thread (running, or entered).
pub(crate) fn in_local_set() -> bool {
    CURRENT.try_with(|c| c.borrow().is_some()).unwrap_or(false)
}

/// Keeps a `LocalSet` current (for `spawn_local`) until dropped.
///
/// ```
/// let local = gort_executor::task::LocalSet::new();
/// let _guard = local.enter();
/// drop(gort_executor::task::spawn_local(async {}));
/// ```
pub struct LocalEnterGuard {
    prev: Option<Rc<LocalContext>>,
}

impl Drop for LocalEnterGuard {
    fn drop(&mut self) {
        let prev = self.prev.take();
        let _ = CURRENT.try_with(|c| *c.borrow_mut() = prev);
    }
}

impl fmt::Debug for LocalEnterGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalEnterGuard").finish()
    }
}

impl LocalSet {
    /// An empty set.
    ///
    /// ```
    /// let _local = gort_executor::task::LocalSet::new();
    /// ```
    pub fn new() -> LocalSet {
        LocalSet {
            context: Rc::new(LocalContext {
                shared: Arc::new(Shared {
                    queue: Mutex::new(Some(VecDeque::new())),
                    waker: AtomicWaker::new(),
                    owned: OwnedTasks::new(1),
                }),
            }),
            _not_send: PhantomData,
        }
    }

    /// Makes this set current for `spawn_local` until the guard drops.
    ///
    /// ```
    /// let local = gort_executor::task::LocalSet::new();
    /// let _guard = local.enter();
    /// drop(gort_executor::task::spawn_local(async {}));
    /// ```
    pub fn enter(&self) -> LocalEnterGuard {
        // A set dropped from a thread-local's destructor finds no `CURRENT` any more.
        let prev = CURRENT
            .try_with(|c| c.replace(Some(self.context.clone())))
            .ok()
            .flatten();
        LocalEnterGuard { prev }
    }

    /// Spawns a `!Send` task onto this set (it runs when the set is driven).
    ///
    /// ```
    /// let rt = gort_executor::runtime::Builder::new_current_thread().build().unwrap();
    /// let local = gort_executor::task::LocalSet::new();
    /// let handle = local.spawn_local(async { std::rc::Rc::new(3) });
    /// let out = local.block_on(&rt, handle).unwrap();
    /// assert_eq!(*out, 3);
    /// ```
    #[track_caller]
    pub fn spawn_local<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        super::meta::spawned_here();
        self.context.spawn(future)
    }

    /// Runs `future` (and this set's tasks) on `rt` until `future` completes.
    ///
    /// # Panics
    /// Inside a runtime (as `Runtime::block_on`).
    ///
    /// ```
    /// let rt = gort_executor::runtime::Builder::new_current_thread().build().unwrap();
    /// let local = gort_executor::task::LocalSet::new();
    /// assert_eq!(local.block_on(&rt, async { 1 }), 1);
    /// ```
    #[track_caller]
    pub fn block_on<F: Future>(&self, rt: &Runtime, future: F) -> F::Output {
        rt.block_on(self.run_until(future))
    }

    /// Drives this set's tasks until `future` completes.
    ///
    /// # Cancel safety
    /// Cancel safe: the set's tasks stay in the set if this future is dropped.
    ///
    /// ```
    /// let rt = gort_executor::runtime::Builder::new_current_thread().build().unwrap();
    /// let local = gort_executor::task::LocalSet::new();
    /// rt.block_on(local.run_until(async {
    ///     gort_executor::task::spawn_local(async {}).await.unwrap();
    /// }));
    /// ```
    pub async fn run_until<F: Future>(&self, future: F) -> F::Output {
        RunUntil {
            local_set: self,
            future,
        }
        .await
    }

    fn with<R>(&self, f: impl FnOnce() -> R) -> R {
        let _guard = self.enter();
        f()
    }

    fn next_task(&self) -> Option<Notified<Arc<Shared>>> {
        self.context
            .shared
            .queue
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_mut()
            .and_then(VecDeque::pop_front)
    }

    /// Runs up to a tick's worth of tasks; true if more are ready.
    fn tick(&self) -> bool {
        for _ in 0..MAX_TASKS_PER_TICK {
            match self.next_task() {
                Some(task) => gort_channel::coop::budget(|| task.run()),
                None => return false,
            }
        }
        true
    }
}

pin_project! {
    struct RunUntil<'a, F> {
        local_set: &'a LocalSet,
        #[pin]
        future: F,
    }
}

impl<F: Future> Future for RunUntil<'_, F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let me = self.project();
        let local_set = *me.local_set;
        let mut future = me.future;
        local_set.with(|| {
            local_set.context.shared.waker.register(cx.waker());
            if let Poll::Ready(out) = gort_channel::coop::budget(|| future.as_mut().poll(cx)) {
                return Poll::Ready(out);
            }
            if local_set.tick() {
                // More tasks are ready: yield to the outer executor, then continue.
                cx.waker().wake_by_ref();
            }
            local_set.local_tasks_wait();
            Poll::Pending
        })
    }
}

impl LocalSet {
    /// Records that the poll driving this set waits on its tasks too: the deadlock detector
    /// does not look inside a `LocalSet`, so it must not call such a poll stuck.
    fn local_tasks_wait(&self) {
        if self.context.shared.owned.len() > 0 {
            let me = std::ptr::from_ref(self).cast();
            gort_waitsite::record(
                gort_waitsite::WaitKind::LocalTasks,
                me,
                0,
                std::panic::Location::caller(),
            );
        }
    }
}

/// Driving a `LocalSet` directly runs it until all its tasks finished.
impl Future for LocalSet {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let me = &*self;
        me.context.shared.waker.register(cx.waker());
        if me.with(|| me.tick()) {
            cx.waker().wake_by_ref();
            Poll::Pending
        } else if me.context.shared.owned.len() == 0 {
            Poll::Ready(())
        } else {
            me.local_tasks_wait();
            Poll::Pending
        }
    }
}

impl Default for LocalSet {
    fn default() -> LocalSet {
        LocalSet::new()
    }
}

impl Drop for LocalSet {
    fn drop(&mut self) {
        self.with(|| {
            let queue = self
                .context
                .shared
                .queue
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .take();
            self.context.shared.owned.close_and_shutdown_all();
            drop(queue);
        });
    }
}

impl fmt::Debug for LocalSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalSet").finish()
    }
}
