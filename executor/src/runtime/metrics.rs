//! Runtime metrics: tokio's stable API ([`RuntimeMetrics`]) plus, stable in gort, what tokio
//! keeps behind `tokio_unstable` (poll, steal and overflow counts, local queue depths,
//! blocking-pool sizes, tasks by state); and what every scheduler shares about itself: its
//! [`Id`], its name, and the park/unpark hooks.
//!
//! Each worker (the current-thread runtime has one) owns a [`WorkerMetrics`] of relaxed
//! counters that only it writes: how often it parked, parks plus unparks (odd while parked), how
//! long it was busy, how many polls it ran and steals it made, and the id of the task it is
//! polling right now (0 between polls; on a current-thread runtime only while a watchdog runs). The busy time is the
//! time between an unpark and the next park, added when the worker parks and when it stops, so
//! reading it costs nothing on the hot path. A multi-thread worker's poll costs one relaxed
//! counter bump (the LIFO stall check reads it too); the current-thread runtime counts its
//! polls in a local and publishes them before each driver poll (at least every
//! `event_interval` polls) and when `block_on` returns. A multi-thread worker stores the task
//! id when a poll starts and clears it when it ends (a swap with the watchdog on, to see a
//! hand-off), so the task dump can say which worker runs a task; so does a current-thread
//! runtime with the watchdog on. No poll reads a clock. The
//! slow-poll watchdog ([`super::watchdog`]) samples the poll counter and the polled task's id.
//!
//! With blocking hand-off on, `workers` holds a second set of slots, one per worker, for the
//! stand-in thread that runs a stuck worker's tasks ([`super::watchdog`]); a worker's figures
//! include its stand-in's.

use super::handle::Handle;
use std::fmt;
use std::num::NonZeroU64;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering::AcqRel, Ordering::Relaxed};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A callback run by a worker thread (`on_thread_park`, `on_thread_unpark`).
pub(crate) type Callback = Arc<dyn Fn() + Send + Sync>;

/// Set in a worker's `polling` slot by the watchdog when it hands the worker's work to a
/// stand-in thread; the worker sees it when its poll ends. Task ids never reach this bit.
pub(crate) const HANDED_OFF: u64 = 1 << 63;

/// What a scheduler knows about itself, shared by all its flavors.
pub(crate) struct RuntimeInfo {
    pub(crate) id: Id,
    pub(crate) name: Option<String>,
    /// One slot per worker, then (with blocking hand-off) one per worker's stand-in.
    pub(crate) workers: Box<[WorkerMetrics]>,
    /// Configured workers (`workers` may hold twice as many slots).
    pub(crate) num_workers: usize,
    /// A watchdog samples the slots: a poll's end must notice a hand-off (a swap, not a store).
    watched: bool,
    pub(crate) on_park: Option<Callback>,
    pub(crate) on_unpark: Option<Callback>,
}

impl RuntimeInfo {
    pub(crate) fn new(
        workers: usize,
        name: Option<String>,
        on_park: Option<Callback>,
        on_unpark: Option<Callback>,
        watch: super::watchdog::Watch,
    ) -> Self {
        let slots = if watch.handoff { 2 * workers } else { workers };
        RuntimeInfo {
            id: Id::next(),
            name,
            workers: (0..slots).map(|_| WorkerMetrics::default()).collect(),
            num_workers: workers,
            watched: watch.enabled,
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

    /// Worker `index` woke up: runs the hook, counts it.
    pub(crate) fn unparked(&self, index: usize) {
        if let Some(f) = &self.on_unpark {
            f();
        }
        self.workers[index].park_unpark_count.fetch_add(1, Relaxed);
    }

    /// Worker `index` stops running tasks (it exits, or `block_on` returns).
    pub(crate) fn stopped(&self, index: usize, busy_since: Instant) {
        self.workers[index].add_busy(busy_since.elapsed());
    }

    /// True when a watchdog samples the slots: each poll must be published as it starts
    /// ([`poll_start`](Self::poll_start)); otherwise a worker may count its polls itself and
    /// publish them in batches ([`add_polls`](Self::add_polls)).
    #[inline]
    pub(crate) fn is_watched(&self) -> bool {
        self.watched
    }

    /// Slot `slot`'s worker ran `polls` more polls (only that worker writes its slot).
    #[inline]
    pub(crate) fn add_polls(&self, slot: usize, polls: u64) {
        if polls != 0 {
            let worker = &self.workers[slot];
            worker
                .polls
                .store(worker.polls.load(Relaxed) + polls, Relaxed);
        }
    }

    /// Slot `slot`'s worker starts polling task `task` (only that worker writes its slot).
    #[inline]
    pub(crate) fn poll_start(&self, slot: usize, task: crate::task::Id) {
        let worker = &self.workers[slot];
        worker.polls.store(worker.polls.load(Relaxed) + 1, Relaxed);
        worker.polling.store(task.as_u64(), Relaxed);
        if self.watched {
            worker
                .thread
                .store(super::run_delay::current_thread(), Relaxed);
        }
    }

    /// Slot `slot`'s worker finished its poll; true when the watchdog handed its work to a
    /// stand-in meanwhile (the worker must then take it back, see `handoff::rejoin`).
    #[inline]
    pub(crate) fn poll_end(&self, slot: usize) -> bool {
        let polling = &self.workers[slot].polling;
        if self.watched {
            polling.swap(0, AcqRel) & HANDED_OFF != 0
        } else {
            polling.store(0, Relaxed); // no watchdog: no hand-off to notice
            false
        }
    }

    /// The worker polling task `task` right now, if a worker is (the task dump's
    /// `TaskState::Running`; a current-thread runtime's polls are not published one by one).
    pub(crate) fn running_on(&self, task: crate::task::Id) -> Option<usize> {
        let slot = self
            .workers
            .iter()
            .position(|w| w.polling.load(Relaxed) & !HANDED_OFF == task.as_u64())?;
        Some(slot % self.num_workers) // a stand-in's slot counts for its worker
    }

    /// Slot `slot`'s worker stole tasks from another worker.
    #[inline]
    pub(crate) fn stole(&self, slot: usize) {
        let steals = &self.workers[slot].steals;
        steals.store(steals.load(Relaxed) + 1, Relaxed);
    }

    /// Polls run for worker `worker`, by itself and by its stand-in (the LIFO stall check
    /// compares two reads: any progress on the worker's tasks changes it).
    pub(crate) fn polls(&self, worker: usize) -> u64 {
        self.slots(worker).map(|w| w.polls.load(Relaxed)).sum()
    }

    /// The slots of worker `worker`: its own and, with hand-off, its stand-in's.
    fn slots(&self, worker: usize) -> impl Iterator<Item = &WorkerMetrics> {
        assert!(
            worker < self.num_workers,
            "worker index {worker} out of range: the runtime has {} workers",
            self.num_workers
        );
        self.workers.iter().skip(worker).step_by(self.num_workers)
    }
}

/// One worker's counters (written by that worker only; a cache line of its own, since they
/// change on every poll).
#[derive(Default)]
#[repr(align(128))]
pub(crate) struct WorkerMetrics {
    park_count: AtomicU64,
    park_unpark_count: AtomicU64,
    busy_nanos: AtomicU64,
    /// Task polls run.
    pub(crate) polls: AtomicU64,
    /// Id of the task being polled, 0 between polls (the dump's running tasks; a
    /// multi-thread worker publishes each poll, a current-thread one only with a watchdog);
    /// `HANDED_OFF` set by the watchdog.
    pub(crate) polling: AtomicU64,
    /// The OS thread polling in this slot (see [`super::run_delay`]), kept only while a
    /// watchdog runs.
    pub(crate) thread: AtomicU32,
    /// Successful steals from other workers' queues.
    steals: AtomicU64,
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

    /// The sum of `counter` over worker `worker`'s slots (its own and its stand-in's).
    fn sum(&self, worker: usize, counter: impl Fn(&WorkerMetrics) -> &AtomicU64) -> u64 {
        let info = self.handle.inner.info();
        info.slots(worker).map(|w| counter(w).load(Relaxed)).sum()
    }

    fn worker(&self, worker: usize) -> &WorkerMetrics {
        self.handle
            .inner
            .info()
            .slots(worker)
            .next()
            .expect("a worker's own slot")
    }

    /// Worker threads (1 for a current-thread runtime).
    ///
    /// ```
    /// let rt = gort_executor::runtime::Builder::new_current_thread().build().unwrap();
    /// assert_eq!(rt.metrics().num_workers(), 1);
    /// ```
    pub fn num_workers(&self) -> usize {
        self.handle.inner.info().num_workers
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
    /// Task polls run by worker `worker` (with blocking hand-off, its stand-in's included).
    ///
    /// # Panics
    /// If `worker` is not below [`num_workers`](Self::num_workers).
    ///
    /// ```
    /// let rt = gort_executor::runtime::Builder::new_multi_thread().worker_threads(1).build().unwrap();
    /// rt.block_on(rt.spawn(async { gort_executor::task::yield_now().await })).unwrap();
    /// assert!(rt.metrics().worker_poll_count(0) >= 2);
    /// ```
    pub fn worker_poll_count(&self, worker: usize) -> u64 {
        self.sum(worker, |w| &w.polls)
    }

    /// Times worker `worker` stole tasks from another worker's queue.
    ///
    /// # Panics
    /// If `worker` is not below [`num_workers`](Self::num_workers).
    ///
    /// ```
    /// let rt = gort_executor::runtime::Builder::new_multi_thread().worker_threads(2).build().unwrap();
    /// let metrics = rt.metrics();
    /// let steals: u64 = (0..2).map(|w| metrics.worker_steal_count(w)).sum();
    /// assert_eq!(steals, 0); // nothing ran yet
    /// ```
    pub fn worker_steal_count(&self, worker: usize) -> u64 {
        self.sum(worker, |w| &w.steals)
    }

    /// Times worker `worker`'s local queue was full and moved half its tasks to the global
    /// queue (0 on a current-thread runtime, whose queue has no bound).
    ///
    /// # Panics
    /// If `worker` is not below [`num_workers`](Self::num_workers).
    ///
    /// ```
    /// let rt = gort_executor::runtime::Builder::new_multi_thread().worker_threads(1).build().unwrap();
    /// rt.block_on(rt.spawn(async {
    ///     let tasks: Vec<_> = (0..1000).map(|_| gort_executor::spawn(async {})).collect();
    ///     for t in tasks {
    ///         t.await.unwrap();
    ///     }
    /// }))
    /// .unwrap();
    /// assert!(rt.metrics().worker_overflow_count(0) >= 1);
    /// ```
    pub fn worker_overflow_count(&self, worker: usize) -> u64 {
        self.check(worker);
        self.handle.inner.worker_queue(worker).1
    }

    /// Tasks queued on worker `worker` (its local queue and LIFO slot). A current-thread
    /// runtime's queue belongs to the thread in `block_on` and reads as 0.
    ///
    /// # Panics
    /// If `worker` is not below [`num_workers`](Self::num_workers).
    ///
    /// ```
    /// let rt = gort_executor::runtime::Builder::new_multi_thread().worker_threads(1).build().unwrap();
    /// let metrics = rt.metrics();
    /// let queued = rt.block_on(rt.spawn(async move {
    ///     let _tasks: Vec<_> = (0..10).map(|_| gort_executor::spawn(async {})).collect();
    ///     metrics.worker_local_queue_depth(0)
    /// }));
    /// assert_eq!(queued.unwrap(), 10);
    /// ```
    pub fn worker_local_queue_depth(&self, worker: usize) -> usize {
        self.check(worker);
        self.handle.inner.worker_queue(worker).0
    }

    /// Threads in the blocking pool (running a call or idle).
    ///
    /// ```
    /// let rt = gort_executor::runtime::Builder::new_multi_thread().build().unwrap();
    /// rt.block_on(rt.spawn_blocking(|| ())).unwrap();
    /// assert_eq!(rt.metrics().num_blocking_threads(), 1);
    /// ```
    pub fn num_blocking_threads(&self) -> usize {
        self.handle.inner.blocking_spawner().sizes().0
    }

    /// Blocking-pool threads waiting for work.
    ///
    /// ```
    /// let rt = gort_executor::runtime::Builder::new_multi_thread().build().unwrap();
    /// assert_eq!(rt.metrics().num_idle_blocking_threads(), 0);
    /// ```
    pub fn num_idle_blocking_threads(&self) -> usize {
        self.handle.inner.blocking_spawner().sizes().1
    }

    /// Blocking calls waiting for a thread of the blocking pool.
    ///
    /// ```
    /// let rt = gort_executor::runtime::Builder::new_multi_thread().build().unwrap();
    /// assert_eq!(rt.metrics().blocking_queue_depth(), 0);
    /// ```
    pub fn blocking_queue_depth(&self) -> usize {
        self.handle.inner.blocking_spawner().sizes().2
    }

    /// The live tasks counted by state (a snapshot taken task by task, so the counts may
    /// straddle a change).
    ///
    /// ```
    /// let rt = gort_executor::runtime::Builder::new_multi_thread().worker_threads(1).build().unwrap();
    /// let metrics = rt.metrics();
    /// let states = rt.block_on(rt.spawn(async move { metrics.task_states() })).unwrap();
    /// assert_eq!(states.running, 1); // the task asking
    /// ```
    pub fn task_states(&self) -> TaskStates {
        let mut states = TaskStates::default();
        self.handle.inner.for_each_task(|task| {
            let state = task.state.load();
            if state.is_complete() {
                return;
            }
            match (state.is_running(), state.is_notified()) {
                (true, _) => states.running += 1,
                (false, true) => states.scheduled += 1,
                (false, false) => states.idle += 1,
            }
        });
        states
    }

    /// The idle tasks counted by what they wait on: a task waiting on several gort waits at
    /// once (a `select!`) counts once under each kind; one waiting on something gort does not
    /// know (a foreign future) counts under `None`. Unordered.
    ///
    /// ```
    /// use gort_executor::task::WaitKind;
    /// let rt = gort_executor::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    /// let (_tx, rx) = gort_channel::chan::bounded::<u32>(0);
    /// let task = rt.spawn(async move { rx.recv().await });
    /// let metrics = rt.metrics();
    /// let chan_waiters = || {
    ///     let kinds = metrics.tasks_by_wait_kind();
    ///     kinds.iter().find(|(k, _)| *k == Some(WaitKind::ChanRecv)).map_or(0, |(_, n)| *n)
    /// };
    /// while chan_waiters() != 1 {
    ///     std::thread::yield_now();
    /// }
    /// task.abort();
    /// ```
    pub fn tasks_by_wait_kind(&self) -> Vec<(Option<crate::task::WaitKind>, usize)> {
        let mut counts: Vec<(Option<crate::task::WaitKind>, usize)> = Vec::new();
        let mut count = |kind| match counts.iter_mut().find(|(k, _)| *k == kind) {
            Some((_, n)) => *n += 1,
            None => counts.push((kind, 1)),
        };
        self.handle.inner.for_each_task(|task| {
            let state = task.state.load();
            if state.is_complete() || state.is_running() || state.is_notified() {
                return;
            }
            let waits = task.meta.waits.snapshot();
            if waits.is_foreign() {
                count(None);
            }
            let kinds: Vec<_> = waits.sites().map(|site| site.kind).collect();
            for (i, kind) in kinds.iter().enumerate() {
                if !kinds[..i].contains(kind) {
                    count(Some(*kind));
                }
            }
        });
        counts
    }

    fn check(&self, worker: usize) {
        let workers = self.num_workers();
        assert!(
            worker < workers,
            "worker index {worker} out of range: the runtime has {workers} workers"
        );
    }
}

/// Live tasks by state, from [`RuntimeMetrics::task_states`].
///
/// ```
/// let states = gort_executor::runtime::TaskStates::default();
/// assert_eq!(states.running + states.scheduled + states.idle, 0);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct TaskStates {
    /// Being polled (or cancelled) by a thread right now.
    pub running: usize,
    /// Woken and waiting in a run queue.
    pub scheduled: usize,
    /// Waiting for a wake-up.
    pub idle: usize,
}
