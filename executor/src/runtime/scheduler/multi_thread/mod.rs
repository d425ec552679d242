//! The multi-thread, work-stealing scheduler.
//!
//! tokio's design (`runtime/scheduler/multi_thread`), after Go's scheduler: each worker owns a
//! fixed 256-slot run queue ([`queue`]) plus a LIFO slot for the task the running task just
//! woke; spawns and wakes from outside a worker, and overflow, go to the global [`inject`]
//! queue; idle workers steal half of another worker's queue; at most half the workers search at
//! once and sleepers are woken one at a time ([`idle`]). Unlike tokio, the LIFO slot is
//! stealable: a sleeping worker checks the others' slots before each sleep and every 250 µs
//! while they run and use their slots, so a task parked there behind a long poll is not stranded
//! (tokio#4941); once the slots have been quiet for a millisecond it sleeps until I/O, a timer or
//! a worker filling its empty slot kicks it.
//!
//! Wake-ups are spent sparingly (the wake/park churn of issue 10): tasks woken by a worker's own
//! driver poll (I/O readiness, timers) go to its run queue without notifying anyone, and one
//! sleeper is woken after the dispatch only if the worker is not searching and holds more than
//! the task it runs next (tokio's `should_notify_others`, Go's `wakep`); a worker coming out of
//! a park with such a batch wakes one only for more work than it gets through alone before a
//! woken sleeper would help (queued tasks times the mean poll time, at least 50 µs: on a busy
//! server each wake for a few short tasks was a futex wake and sleep of the other worker). A
//! worker never kicks the driver it is dispatching itself. `block_in_place` lends the core to a
//! replacement thread only while its closure runs ([`lend`]).

// The hand-off logic lives with the watchdog's; as a child module it reaches the workers.
#[path = "../../handoff.rs"]
mod handoff;
mod idle;
mod inject;
mod lend;
pub(crate) mod queue;
mod worker;

pub(crate) use worker::{block_in_place, Context};

use super::super::blocking;
use super::super::driver;
use super::super::owned::OwnedTasks;
use super::super::park::{DriverShared, Parker, Unparker, WATCH_INDEFINITE, WATCH_TIMED};
use crate::runtime::metrics::RuntimeInfo;
use crate::task::{Id, JoinHandle, Notified, Schedule, Task};
use idle::Idle;
use inject::Inject;
use queue::Overflow;
use std::future::Future;
use std::sync::atomic::{
    AtomicBool, AtomicPtr, AtomicUsize,
    Ordering::{AcqRel, Acquire, Relaxed, SeqCst},
};
use std::sync::{Arc, Condvar, Mutex};

/// Everything the workers share.
pub(crate) struct Handle {
    remotes: Box<[Remote]>,
    inject: Inject<Arc<Handle>>,
    idle: Idle,
    pub(super) owned: OwnedTasks<Arc<Handle>>,
    /// Cores of workers that exited, drained at shutdown.
    #[allow(clippy::vec_box)] // cores are boxed everywhere else; moving them out would copy
    cores: Mutex<Vec<Box<worker::Core>>>,
    /// Signalled when a core is put into `cores`.
    core_returned: Condvar,
    /// Cores dropped because no thread could be started to run them.
    cores_lost: AtomicUsize,
    /// Worker threads to join at shutdown.
    threads: Mutex<Vec<std::thread::JoinHandle<()>>>,
    shutdown: AtomicBool,
    pub(crate) driver: Arc<DriverShared>,
    pub(crate) blocking: blocking::Spawner,
    config: Config,
    /// Id, name, per-worker metrics and park hooks.
    pub(crate) info: RuntimeInfo,
    /// Blocking hand-off: which workers have a stand-in thread.
    stand_ins: handoff::StandIns,
}

pub(crate) struct Config {
    pub(crate) thread_name: Arc<dyn Fn() -> String + Send + Sync>,
    pub(crate) stack_size: Option<usize>,
    pub(crate) on_start: Option<Arc<dyn Fn() + Send + Sync>>,
    pub(crate) on_stop: Option<Arc<dyn Fn() + Send + Sync>>,
    pub(crate) event_interval: u32,
    /// `None`: each worker tunes its own from its mean poll time.
    pub(crate) global_queue_interval: Option<u32>,
}

/// What other threads may touch of a worker (cache-line aligned: the owner writes `lifo`
/// constantly, which must not slow down the neighbouring worker's entry).
#[repr(align(128))]
struct Remote {
    steal: queue::Steal<Notified<Arc<Handle>>>,
    unpark: Unparker,
    /// The LIFO slot (a `Notified` reference, or null); the owner swaps, a thief may CAS it out.
    lifo: AtomicPtr<crate::task::Header>,
}

impl Overflow<Notified<Arc<Handle>>> for Inject<Arc<Handle>> {
    fn push(&self, task: Notified<Arc<Handle>>) {
        Inject::push(self, task);
    }

    fn push_batch(&self, tasks: impl Iterator<Item = Notified<Arc<Handle>>>) {
        Inject::push_batch(self, tasks);
    }
}

impl Schedule for Arc<Handle> {
    fn schedule(&self, task: Notified<Self>) {
        self.schedule_task(task, false);
    }

    fn yield_now(&self, task: Notified<Self>) {
        self.schedule_task(task, true);
    }

    fn release(&self, task: &Task<Self>) -> Option<Task<Self>> {
        self.owned.remove(task)
    }
}

impl Handle {
    /// Creates the scheduler and starts its worker threads.
    pub(crate) fn start(
        num_workers: usize,
        driver: driver::Driver,
        blocking: blocking::Spawner,
        config: Config,
        info: RuntimeInfo,
    ) -> std::io::Result<Arc<Handle>> {
        let driver = DriverShared::new(driver);
        let mut cores = Vec::with_capacity(num_workers);
        let mut remotes = Vec::with_capacity(num_workers);
        for index in 0..num_workers {
            let (steal, local) = queue::local();
            let park = Parker::new(driver.clone());
            remotes.push(Remote {
                steal,
                unpark: park.unparker(),
                lifo: AtomicPtr::new(std::ptr::null_mut()),
            });
            cores.push(worker::Core::new(
                index,
                local,
                park,
                num_workers,
                config.global_queue_interval,
            ));
        }
        let handle = Arc::new(Handle {
            remotes: remotes.into_boxed_slice(),
            inject: Inject::new(),
            idle: Idle::new(num_workers),
            owned: OwnedTasks::new(num_workers),
            cores: Mutex::new(Vec::new()),
            core_returned: Condvar::new(),
            cores_lost: AtomicUsize::new(0),
            threads: Mutex::new(Vec::new()),
            shutdown: AtomicBool::new(false),
            driver,
            blocking,
            config,
            info,
            stand_ins: handoff::StandIns::new(num_workers),
        });
        let mut cores = cores.into_iter();
        for core in cores.by_ref() {
            if let Err(e) = worker::launch(&handle, worker::Start::Core(core)) {
                // The cores never launched count as returned for the shutdown.
                cores.for_each(|core| handle.return_core(core));
                handle.shutdown();
                return Err(e);
            }
        }
        Ok(handle)
    }

    pub(crate) fn driver(&self) -> &driver::Handle {
        self.driver.handle()
    }

    pub(crate) fn spawn<F>(me: &Arc<Handle>, future: F, id: Id) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let (join, notified) = me.owned.bind(future, me.clone(), id);
        if let Some(notified) = notified {
            me.schedule_task(notified, false);
        }
        join
    }

    pub(crate) fn num_alive_tasks(&self) -> usize {
        self.owned.len()
    }

    /// Tasks in the injection queue.
    pub(crate) fn inject_len(&self) -> usize {
        self.inject.len()
    }

    pub(crate) fn num_workers(&self) -> usize {
        self.remotes.len()
    }

    /// Worker `index`'s queued tasks (local queue and LIFO slot) and local-queue overflows.
    pub(crate) fn worker_queue(&self, index: usize) -> (usize, u64) {
        let remote = &self.remotes[index];
        let lifo = !remote.lifo.load(Relaxed).is_null() as usize;
        (remote.steal.len() + lifo, remote.steal.overflows())
    }

    /// True while some worker is off the sleeper list (the deadlock detector).
    pub(crate) fn any_worker_awake(&self) -> bool {
        self.idle.any_unparked()
    }

    fn is_shutdown(&self) -> bool {
        self.shutdown.load(Acquire)
    }

    /// Queues a woken task: on this runtime's worker, locally (LIFO slot unless it yielded);
    /// elsewhere, in the injection queue with a sleeper woken.
    fn schedule_task(self: &Arc<Self>, task: Notified<Arc<Handle>>, is_yield: bool) {
        let task = crate::runtime::context::with_scheduler(|cx| {
            if let Some(super::Context::MultiThread(cx)) = cx {
                if Arc::ptr_eq(&cx.handle, self) {
                    if let Some(core) = cx.core.borrow_mut().as_mut() {
                        self.schedule_local(core, task, is_yield);
                        return None;
                    }
                }
            }
            Some(task)
        });
        if let Some(task) = task {
            if self.inject.push(task) {
                self.notify_parked();
            }
        }
    }

    fn schedule_local(&self, core: &mut worker::Core, task: Notified<Arc<Handle>>, is_yield: bool) {
        if core.in_driver() {
            // Woken by the I/O or timer dispatch of this worker's driver poll: queue it (others
            // may steal it) and notify once after the dispatch, not per task; never kick the
            // driver this very thread is dispatching.
            core.run_queue.push_back_or_overflow(task, &self.inject);
            return;
        }
        if is_yield || !core.lifo_enabled {
            core.run_queue.push_back_or_overflow(task, &self.inject);
            self.notify_parked();
            return;
        }
        let ptr = task.into_raw().header_ptr().as_ptr();
        // SeqCst: the fill and the read of the watch below pair with a parking worker's mark
        // and its look at the slots (`Parker::park`): one of the two sees the other.
        let prev = self.remotes[core.index].lifo.swap(ptr, SeqCst);
        match std::ptr::NonNull::new(prev) {
            Some(prev) => {
                // SAFETY: the slot held a `Notified` reference; the swap gave it to us.
                let prev = unsafe { Notified::from_raw(crate::task::RawTask::from_raw(prev)) };
                core.run_queue.push_back_or_overflow(prev, &self.inject);
                self.notify_parked();
            }
            None => {
                // Not worth waking a sleeper: we run it next (tokio's rule). But make sure an
                // idle worker watches (blocks in the driver with a timeout) so it can rescue the
                // task should our current poll take long (tokio#4941). With nobody in the
                // driver, only a worker asleep on its condvar needs waking for that: the others
                // are awake and look at the slots before they sleep. (Notifying on every fill
                // then kept the other worker of a ping-pong from ever sleeping: it was woken,
                // searched, parked and was woken again by the next fill, 0.4 times per round
                // trip, while its churn slowed the busy worker down.)
                match self.driver.watch() {
                    WATCH_TIMED => {}
                    WATCH_INDEFINITE => self.driver.kick_indefinite_sleeper(),
                    _ if self.driver.has_condvar_sleepers() => self.notify_parked(),
                    _ => {}
                }
            }
        }
    }

    /// True when a worker other than `index` has a task in its LIFO slot.
    fn other_lifo_filled(&self, index: usize) -> bool {
        self.remotes
            .iter()
            .enumerate()
            .any(|(i, r)| i != index && !r.lifo.load(SeqCst).is_null())
    }

    /// Takes a task out of worker `index`'s LIFO slot.
    fn take_lifo(&self, index: usize) -> Option<Notified<Arc<Handle>>> {
        let slot = &self.remotes[index].lifo;
        if slot.load(Relaxed).is_null() {
            return None;
        }
        let ptr = std::ptr::NonNull::new(slot.swap(std::ptr::null_mut(), AcqRel))?;
        // SAFETY: the slot held a `Notified` reference; the swap gave it to us.
        Some(unsafe { Notified::from_raw(crate::task::RawTask::from_raw(ptr)) })
    }

    /// Takes worker `index`'s LIFO task only if it is still `expected` (a stalled worker).
    fn steal_lifo(
        &self,
        index: usize,
        expected: *mut crate::task::Header,
    ) -> Option<Notified<Arc<Handle>>> {
        let slot = &self.remotes[index].lifo;
        slot.compare_exchange(expected, std::ptr::null_mut(), AcqRel, Relaxed)
            .ok()?;
        let ptr = std::ptr::NonNull::new(expected)?;
        // SAFETY: the CAS moved the slot's `Notified` reference to us.
        Some(unsafe { Notified::from_raw(crate::task::RawTask::from_raw(ptr)) })
    }

    /// Wakes one sleeping worker if nobody is searching already.
    fn notify_parked(&self) {
        if let Some(index) = self.idle.worker_to_notify() {
            self.remotes[index].unpark.unpark();
        }
    }

    fn notify_if_work_pending(&self) {
        let pending = !self.inject.is_empty() || self.remotes.iter().any(|r| !r.steal.is_empty());
        if pending {
            self.notify_parked();
        }
    }

    /// Detaches the finished thread `id` (a `block_in_place` replacement that handed its core
    /// back), so exited threads do not pile up until the shutdown joins them.
    fn forget_thread(&self, id: std::thread::ThreadId) {
        self.threads
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|t| t.thread().id() != id);
    }

    /// A worker stopped: its core joins the others for the shutdown to drain.
    fn return_core(&self, core: Box<worker::Core>) {
        self.cores
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(core);
        self.core_returned.notify_all();
    }

    /// Waits until every worker has stopped running tasks (its core is back), except the core
    /// this thread holds (a runtime shut down from inside one of its own tasks).
    fn wait_for_cores(&self) {
        let held_here = worker::holds_core_of(self) as usize;
        let mut cores = self.cores.lock().unwrap_or_else(|e| e.into_inner());
        while cores.len() + held_here + self.cores_lost.load(Acquire) < self.remotes.len() {
            cores = self
                .core_returned
                .wait(cores)
                .unwrap_or_else(|e| e.into_inner());
        }
    }

    /// Stops the workers and cancels every task. Idempotent.
    ///
    /// Tasks are cancelled as soon as every core is back, before the threads are joined: a
    /// thread blocked in `block_in_place` may be waiting for a value that a cancelled task's
    /// drop releases (tokio's `hang_on_shutdown`).
    pub(crate) fn shutdown(&self) {
        if self.shutdown.swap(true, AcqRel) {
            return;
        }
        let queued = self.inject.close();
        for remote in self.remotes.iter() {
            remote.unpark.unpark();
        }
        self.wait_for_cores();
        self.owned.close_and_shutdown_all();
        let me = std::thread::current().id();
        loop {
            let threads: Vec<_> =
                std::mem::take(&mut *self.threads.lock().unwrap_or_else(|e| e.into_inner()));
            if threads.is_empty() {
                break;
            }
            for thread in threads {
                if thread.thread().id() != me {
                    let _ = thread.join();
                }
            }
        }
        // Every worker is gone: cancel what was spawned meanwhile, drop the queued references.
        self.owned.close_and_shutdown_all();
        drop(queued);
        let cores = std::mem::take(&mut *self.cores.lock().unwrap_or_else(|e| e.into_inner()));
        for mut core in cores {
            while let Some(task) = core.run_queue.pop() {
                drop(task);
            }
        }
        for index in 0..self.remotes.len() {
            drop(self.take_lifo(index));
        }
        drop(self.inject.close());
        self.driver.shutdown();
    }
}
