//! Runtime metrics with tokio's stable API ([`RuntimeMetrics`]), plus what every scheduler
//! shares about itself: its [`Id`], its name, and the park/unpark hooks.
//!
//! Each worker (the current-thread runtime has one) owns a [`WorkerMetrics`] of relaxed
//! counters that only it writes: how often it parked, parks plus unparks (odd while parked), and
//! how long it was busy. The busy time is the time between an unpark and the next park, added
//! when the worker parks and when it stops, so reading it costs nothing on the hot path.

use super::handle::Handle;
use std::fmt;
use std::num::NonZeroU64;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A callback run by a worker thread (`on_thread_park`, `on_thread_unpark`).
pub(crate) type Callback = Arc<dyn Fn() + Send + Sync>;

/// What a scheduler knows about itself, shared by all its flavors.
pub(crate) struct RuntimeInfo {
    pub(crate) id: Id,
    pub(crate) name: Option<String>,
    pub(crate) workers: Box<[WorkerMetrics]>,
    pub(crate) on_park: Option<Callback>,
    pub(crate) on_unpark: Option<Callback>,
}

impl RuntimeInfo {
    pub(crate) fn new(
        workers: usize,
        name: Option<String>,
        on_park: Option<Callback>,
        on_unpark: Option<Callback>,
    ) -> Self {
        RuntimeInfo {
            id: Id::next(),
            name,
            workers: (0..workers).map(|_| WorkerMetrics::default()).collect(),
            on_park,
            on_unpark,
        }
    }

    /// Worker `index` is about to park: counts it, adds its busy stretch, runs the hook.
    pub(crate) fn parking(&self, index: usize, busy_since: Instant) {
        let worker = &self.workers[index];
        worker.add_busy(busy_since.elapsed());
        worker.park_count.fetch_add(1, Relaxed);
        worker.park_unpark_count.fetch_add(1, Relaxed);
        if let Some(f) = &self.on_park {
            f();
        }
    }

    /// Worker `index` woke up: runs the hook, counts it; returns the start of its busy stretch.
    pub(crate) fn unparked(&self, index: usize) -> Instant {
        if let Some(f) = &self.on_unpark {
            f();
        }
        self.workers[index].park_unpark_count.fetch_add(1, Relaxed);
        Instant::now()
    }

    /// Worker `index` stops running tasks (it exits, or `block_on` returns).
    pub(crate) fn stopped(&self, index: usize, busy_since: Instant) {
        self.workers[index].add_busy(busy_since.elapsed());
    }
}

/// One worker's counters (written by that worker only).
#[derive(Default)]
pub(crate) struct WorkerMetrics {
    park_count: AtomicU64,
    park_unpark_count: AtomicU64,
    busy_nanos: AtomicU64,
}

impl WorkerMetrics {
    fn add_busy(&self, busy: Duration) {
        let nanos = u64::try_from(busy.as_nanos()).unwrap_or(u64::MAX);
        self.busy_nanos.fetch_add(nanos, Relaxed);
    }
}

/// A runtime's unique id (tokio's `runtime::Id`), from [`Handle::id`].
///
/// ```
/// let a = gort_executor::runtime::Runtime::new().unwrap();
/// let b = gort_executor::runtime::Runtime::new().unwrap();
/// assert_ne!(a.handle().id(), b.handle().id());
/// assert_eq!(a.handle().id(), a.handle().clone().id());
/// ```
#[derive(Clone, Copy, Debug, Hash, Eq, PartialEq)]
pub struct Id(NonZeroU64);

impl Id {
    fn next() -> Id {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        Id(NonZeroU64::new(NEXT.fetch_add(1, Relaxed)).expect("runtime ids never wrap"))
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A runtime's metrics (tokio's stable `RuntimeMetrics`), from [`Handle::metrics`]. Cheap to
/// clone; it keeps reading the runtime's figures, even after the runtime is dropped.
///
/// ```
/// let rt = gort_executor::runtime::Builder::new_multi_thread().worker_threads(2).build().unwrap();
/// let metrics = rt.metrics();
/// assert_eq!(metrics.num_workers(), 2);
/// assert_eq!(metrics.num_alive_tasks(), 0);
/// ```
#[derive(Clone, Debug)]
pub struct RuntimeMetrics {
    handle: Handle,
}

impl RuntimeMetrics {
    pub(crate) fn new(handle: Handle) -> Self {
        RuntimeMetrics { handle }
    }

    fn worker(&self, worker: usize) -> &WorkerMetrics {
        let workers = &self.handle.inner.info().workers;
        assert!(
            worker < workers.len(),
            "worker index {worker} out of range: the runtime has {} workers",
            workers.len()
        );
        &workers[worker]
    }

    /// Worker threads (1 for a current-thread runtime).
    ///
    /// ```
    /// let rt = gort_executor::runtime::Builder::new_current_thread().build().unwrap();
    /// assert_eq!(rt.metrics().num_workers(), 1);
    /// ```
    pub fn num_workers(&self) -> usize {
        self.handle.inner.info().workers.len()
    }

    /// Tasks spawned and not yet finished.
    ///
    /// ```
    /// let rt = gort_executor::runtime::Builder::new_current_thread().build().unwrap();
    /// let task = rt.spawn(async {});
    /// assert_eq!(rt.metrics().num_alive_tasks(), 1);
    /// rt.block_on(task).unwrap();
    /// ```
    pub fn num_alive_tasks(&self) -> usize {
        self.handle.inner.num_alive_tasks()
    }

    /// Tasks waiting in the runtime's global (injection) queue.
    ///
    /// ```
    /// let rt = gort_executor::runtime::Builder::new_current_thread().build().unwrap();
    /// let handle = rt.handle().clone();
    /// std::thread::spawn(move || drop(handle.spawn(async {}))).join().unwrap();
    /// assert_eq!(rt.metrics().global_queue_depth(), 1);
    /// ```
    pub fn global_queue_depth(&self) -> usize {
        self.handle.inner.global_queue_depth()
    }

    /// How long worker `worker` has been busy (running tasks and the driver) so far.
    ///
    /// # Panics
    /// If `worker` is not below [`num_workers`](Self::num_workers).
    ///
    /// ```
    /// let rt = gort_executor::runtime::Builder::new_current_thread().build().unwrap();
    /// let metrics = rt.metrics();
    /// rt.block_on(async { gort_executor::task::yield_now().await });
    /// drop(rt);
    /// assert!(metrics.worker_total_busy_duration(0) > std::time::Duration::ZERO);
    /// ```
    pub fn worker_total_busy_duration(&self, worker: usize) -> Duration {
        Duration::from_nanos(self.worker(worker).busy_nanos.load(Relaxed))
    }

    /// How many times worker `worker` parked (blocked with nothing to run).
    ///
    /// # Panics
    /// If `worker` is not below [`num_workers`](Self::num_workers).
    ///
    /// ```
    /// let rt = gort_executor::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    /// let metrics = rt.metrics();
    /// rt.block_on(async {
    ///     let pause = || std::thread::sleep(std::time::Duration::from_millis(5));
    ///     gort_executor::task::spawn_blocking(pause).await.unwrap() // the worker parks meanwhile
    /// });
    /// assert!(metrics.worker_park_count(0) >= 1);
    /// ```
    pub fn worker_park_count(&self, worker: usize) -> u64 {
        self.worker(worker).park_count.load(Relaxed)
    }

    /// How many times worker `worker` parked plus how many times it unparked: odd while it is
    /// parked.
    ///
    /// # Panics
    /// If `worker` is not below [`num_workers`](Self::num_workers).
    ///
    /// ```
    /// let rt = gort_executor::runtime::Builder::new_current_thread().build().unwrap();
    /// let metrics = rt.metrics();
    /// rt.block_on(async {});
    /// drop(rt);
    /// assert_eq!(metrics.worker_park_unpark_count(0) % 2, 0);
    /// ```
    pub fn worker_park_unpark_count(&self, worker: usize) -> u64 {
        self.worker(worker).park_unpark_count.load(Relaxed)
    }
}
