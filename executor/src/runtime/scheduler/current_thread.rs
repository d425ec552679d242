//! The current-thread scheduler: every task runs on the thread inside `Runtime::block_on`.
//!
//! A local FIFO (touched only by the thread holding the core) and a mutex-protected remote queue
//! for wakes from other threads; every `event_interval` ticks the `block_on` future is polled
//! again and the driver is polled without blocking, and when nothing is runnable the thread
//! blocks in the driver (tokio's `current_thread.rs`). The core can be held by one `block_on`
//! at a time; another thread calling `block_on` meanwhile just drives its own future.
//!
//! Waking the thread is cheap while it is awake: a remote push (or a wake of the `block_on`
//! future) writes the driver's eventfd only when the core's thread announced that it is about
//! to block in the driver (the handshake is in `park_flag`).

mod park_flag;

use super::super::blocking;
use super::super::context;
use super::super::driver::{self, Driver};
use super::super::owned::OwnedTasks;
use crate::runtime::metrics::RuntimeInfo;
use crate::task::{Id, JoinHandle, Notified, Schedule, Task};
use std::cell::RefCell;
use std::collections::VecDeque;
use std::future::Future;
use std::sync::atomic::{
    AtomicBool, AtomicUsize,
    Ordering::{AcqRel, Acquire, Release},
};
use std::sync::{Arc, Mutex, Weak};
use std::task::{Context as TaskContext, Poll, Wake, Waker};
use std::time::Duration;

/// Shared by everything that can schedule onto this runtime.
pub(crate) struct Handle {
    /// Tasks woken from other threads; `None` once shut down.
    remote: Mutex<Option<VecDeque<Notified<Arc<Handle>>>>>,
    /// `remote`'s length, readable without the lock (the core's thread checks it every tick).
    remote_len: AtomicUsize,
    /// Set while the core's thread blocks (or is about to) in the driver: the one state in
    /// which a remote push or a `block_on` wake must unpark it.
    parked: park_flag::ParkFlag,
    pub(super) owned: OwnedTasks<Arc<Handle>>,
    /// The `block_on` future was woken.
    woken: AtomicBool,
    driver: driver::Handle,
    pub(crate) blocking: blocking::Spawner,
    event_interval: u32,
    global_queue_interval: u32,
    /// Threads in `block_on` waiting for the core.
    core_waiters: Mutex<Vec<Waker>>,
    /// Id, name, metrics (one worker: the thread in `block_on`) and park hooks.
    pub(crate) info: RuntimeInfo,
    /// The thread that created it, when it backs a `LocalRuntime` (only there may
    /// `spawn_local` reach it).
    pub(crate) local_owner: std::sync::OnceLock<std::thread::ThreadId>,
}

/// The runtime-owned part: the core, parked here while no `block_on` runs.
pub(crate) struct CurrentThread {
    core: Mutex<Option<Box<Core>>>,
}

struct Core {
    tasks: VecDeque<Notified<Arc<Handle>>>,
    /// Ticks left until the remote queue is checked first (a countdown: no division).
    until_global: u32,
    driver: Option<Driver>,
    /// Tasks that yielded, woken after the next driver poll.
    deferred: super::Defer,
}

/// The scheduler state of the `block_on` running on this thread.
pub(crate) struct Context {
    pub(crate) handle: Arc<Handle>,
    core: RefCell<Option<Box<Core>>>,
}

impl Schedule for Arc<Handle> {
    fn schedule(&self, task: Notified<Self>) {
        let task = context::with_scheduler(|cx| {
            if let Some(super::Context::CurrentThread(cx)) = cx {
                if Arc::ptr_eq(&cx.handle, self) {
                    if let Some(core) = cx.core.borrow_mut().as_mut() {
                        core.tasks.push_back(task);
                        return None;
                    }
                }
            }
            Some(task)
        });
        if let Some(task) = task {
            let mut remote = self.remote.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(queue) = remote.as_mut() {
                queue.push_back(task);
                self.remote_len.store(queue.len(), Release);
                drop(remote);
                self.unpark_if_parked();
            }
        }
    }

    fn release(&self, task: &Task<Self>) -> Option<Task<Self>> {
        self.owned.remove(task)
    }
}

/// Wakes the `block_on` future: flags it and interrupts the driver.
struct BlockOnWaker(Weak<Handle>);

impl Wake for BlockOnWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if let Some(handle) = self.0.upgrade() {
            handle.woken.store(true, Release);
            handle.unpark_if_parked();
        }
    }
}

impl Handle {
    pub(crate) fn driver(&self) -> &driver::Handle {
        &self.driver
    }

    /// False only while the core's thread has announced its park (the deadlock detector: an
    /// awake core's thread may be about to wake a task or its `block_on`).
    pub(crate) fn core_awake(&self) -> bool {
        !self.parked.is_announced()
    }

    pub(crate) fn spawn<F>(me: &Arc<Handle>, future: F, id: Id) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let (join, notified) = me.owned.bind(future, me.clone(), id);
        if let Some(notified) = notified {
            me.schedule(notified);
        }
        join
    }

    /// Interrupts the driver if the core's thread blocks (or is about to block) in it; no
    /// syscall while it is awake, since it looks at the queues before parking.
    fn unpark_if_parked(&self) {
        if self.parked.take() {
            self.driver.unpark();
        }
    }

    /// Registers `waker` to be woken when the core is put back, unless it is already there (a
    /// waiting `block_on` is polled again on every wake of its own future).
    fn add_core_waiter(&self, waker: &Waker) {
        let mut waiters = self.core_waiters.lock().unwrap_or_else(|e| e.into_inner());
        if !waiters.iter().any(|w| w.will_wake(waker)) {
            waiters.push(waker.clone());
        }
    }

    pub(crate) fn num_alive_tasks(&self) -> usize {
        self.owned.len()
    }

    /// Tasks woken from other threads, not yet run.
    pub(crate) fn remote_len(&self) -> usize {
        self.remote_len.load(Acquire)
    }

    fn pop_remote(&self) -> Option<Notified<Arc<Handle>>> {
        if self.remote_len.load(Acquire) == 0 {
            return None;
        }
        let mut remote = self.remote.lock().unwrap_or_else(|e| e.into_inner());
        let queue = remote.as_mut()?;
        let task = queue.pop_front();
        self.remote_len.store(queue.len(), Release);
        task
    }

    /// Moves every remote task to the back of `local` under one lock (the local queue is
    /// empty here in practice, so this is a swap of the two buffers).
    fn take_remote(&self, local: &mut VecDeque<Notified<Arc<Handle>>>) {
        if self.remote_len.load(Acquire) == 0 {
            return;
        }
        let mut remote = self.remote.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(queue) = remote.as_mut() {
            if local.is_empty() {
                std::mem::swap(local, queue);
            } else {
                local.extend(queue.drain(..));
            }
            self.remote_len.store(0, Release);
        }
    }

    fn remote_is_empty(&self) -> bool {
        self.remote_len.load(Acquire) == 0
    }
}

impl CurrentThread {
    pub(crate) fn new(
        driver: Driver,
        blocking: blocking::Spawner,
        event_interval: u32,
        global_queue_interval: u32,
        info: RuntimeInfo,
    ) -> (CurrentThread, Arc<Handle>) {
        let handle = Arc::new(Handle {
            remote: Mutex::new(Some(VecDeque::new())),
            remote_len: AtomicUsize::new(0),
            parked: park_flag::ParkFlag::new(),
            owned: OwnedTasks::new(1),
            woken: AtomicBool::new(false),
            driver: driver.handle(),
            blocking,
            event_interval,
            global_queue_interval,
            core_waiters: Mutex::new(Vec::new()),
            info,
            local_owner: std::sync::OnceLock::new(),
        });
        let core = Box::new(Core {
            tasks: VecDeque::with_capacity(64),
            until_global: 1,
            driver: Some(driver),
            deferred: super::Defer::default(),
        });
        (
            CurrentThread {
                core: Mutex::new(Some(core)),
            },
            handle,
        )
    }

    fn take_core(&self) -> Option<Box<Core>> {
        self.core.lock().unwrap_or_else(|e| e.into_inner()).take()
    }

    fn put_core(&self, handle: &Handle, core: Box<Core>) {
        *self.core.lock().unwrap_or_else(|e| e.into_inner()) = Some(core);
        for waker in std::mem::take(
            &mut *handle
                .core_waiters
                .lock()
                .unwrap_or_else(|e| e.into_inner()),
        ) {
            waker.wake();
        }
    }

    /// Runs `future` and the runtime's tasks on this thread until `future` completes.
    pub(crate) fn block_on<F: Future>(&self, handle: &Arc<Handle>, future: F) -> F::Output {
        let mut future = std::pin::pin!(future);
        loop {
            if let Some(core) = self.take_core() {
                // Give the core back even if the future panics.
                struct PutBack<'a>(&'a CurrentThread, &'a Arc<Handle>, Option<Box<Core>>);
                impl Drop for PutBack<'_> {
                    fn drop(&mut self) {
                        if let Some(core) = self.2.take() {
                            self.0.put_core(self.1, core);
                        }
                    }
                }
                let mut guard = PutBack(self, handle, None);
                let (core, out) = run_block_on(handle, core, future.as_mut());
                guard.2 = Some(core);
                drop(guard);
                return out;
            }
            // Another thread drives the tasks: poll our future until it finishes or the core
            // comes free.
            let core_free = Arc::new(AtomicBool::new(false));
            let out = super::super::park::block_on(std::future::poll_fn(|cx| {
                if let Poll::Ready(out) = future.as_mut().poll(cx) {
                    return Poll::Ready(Some(out));
                }
                if core_free.load(Acquire) {
                    return Poll::Ready(None);
                }
                handle.add_core_waiter(cx.waker());
                if self
                    .core
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .is_some()
                {
                    core_free.store(true, Release);
                    return Poll::Ready(None);
                }
                Poll::Pending
            }));
            if let Some(out) = out {
                return out;
            }
        }
    }

    /// Cancels every task and refuses new ones.
    pub(crate) fn shutdown(&self, handle: &Arc<Handle>) {
        let remote = handle
            .remote
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        handle.remote_len.store(0, Release);
        handle.owned.close_and_shutdown_all();
        drop(remote);
        if let Some(mut core) = self.take_core() {
            core.tasks.clear();
            drop(core.driver.take());
        }
    }
}

fn run_block_on<F: Future>(
    handle: &Arc<Handle>,
    core: Box<Core>,
    mut future: std::pin::Pin<&mut F>,
) -> (Box<Core>, F::Output) {
    let cx = super::Context::CurrentThread(Context {
        handle: handle.clone(),
        core: RefCell::new(Some(core)),
    });
    let out = context::set_scheduler(&cx, || {
        let super::Context::CurrentThread(cx) = &cx else {
            unreachable!()
        };
        let waker = Waker::from(Arc::new(BlockOnWaker(Arc::downgrade(handle))));
        let mut task_cx = TaskContext::from_waker(&waker);
        handle.woken.store(true, Release);
        // Metrics: the busy stretch ends when `block_on` returns (or unwinds). Unless a
        // watchdog samples each poll, polls are counted here and published in batches.
        struct Busy<'a>(&'a Handle, std::time::Instant, u64);
        impl Busy<'_> {
            fn publish_polls(&mut self) {
                self.0.info.add_polls(0, std::mem::take(&mut self.2));
            }
        }
        impl Drop for Busy<'_> {
            fn drop(&mut self) {
                self.publish_polls();
                self.0.info.stopped(0, self.1);
            }
        }
        let mut busy = Busy(handle, std::time::Instant::now(), 0);
        let watched = handle.info.is_watched();
        'outer: loop {
            if handle.woken.swap(false, AcqRel) {
                if let Poll::Ready(out) =
                    gort_channel::coop::budget(|| future.as_mut().poll(&mut task_cx))
                {
                    return out;
                }
            }
            for _ in 0..handle.event_interval {
                let task = {
                    let mut slot = cx.core.borrow_mut();
                    let core = slot.as_mut().expect("current_thread core missing");
                    core.until_global -= 1;
                    if core.until_global == 0 {
                        core.until_global = handle.global_queue_interval;
                        handle.pop_remote().or_else(|| core.tasks.pop_front())
                    } else {
                        core.tasks.pop_front().or_else(|| {
                            handle.take_remote(&mut core.tasks);
                            core.tasks.pop_front()
                        })
                    }
                };
                match task {
                    Some(task) if watched => {
                        handle.info.poll_start(0, task.id());
                        gort_channel::coop::budget(|| task.run());
                        handle.info.poll_end(0);
                    }
                    Some(task) => {
                        busy.2 += 1;
                        gort_channel::coop::budget(|| task.run());
                    }
                    None => {
                        busy.publish_polls();
                        busy.1 = cx.park(handle, false, busy.1);
                        continue 'outer;
                    }
                }
            }
            // Busy: poll the driver without blocking, then give the future its turn.
            busy.publish_polls();
            busy.1 = cx.park(handle, true, busy.1);
        }
    });
    let core = match &cx {
        super::Context::CurrentThread(cx) => cx.core.borrow_mut().take().expect("core lost"),
        _ => unreachable!(),
    };
    (core, out)
}

impl Context {
    /// `Some(0)` while this `block_on` holds the runtime's core (it is the one worker), `None`
    /// when the core is handed away.
    pub(crate) fn worker_index(&self) -> Option<usize> {
        let has_core = self.core.try_borrow().map_or(true, |core| core.is_some());
        has_core.then_some(0)
    }

    /// Blocks in the driver when nothing is runnable (or only polls it when `yield_only`).
    /// Returns when the current busy stretch (which began at `busy_since`) started.
    fn park(
        &self,
        handle: &Handle,
        yield_only: bool,
        busy_since: std::time::Instant,
    ) -> std::time::Instant {
        let mut driver = {
            let mut slot = self.core.borrow_mut();
            let core = slot.as_mut().expect("current_thread core missing");
            core.driver.take().expect("current_thread driver missing")
        };
        let idle = !yield_only && self.nothing_to_run(handle);
        // The core stays in the context: tasks woken by I/O or timers go to the local queue.
        let busy_since = if idle {
            handle.info.parking(0, busy_since);
            // Announce the park before the last look at the queues (see the module docs). The
            // park hook may have spawned, woken or deferred a task: then only poll.
            handle.parked.announce();
            let timeout = if self.nothing_to_run(handle) {
                None
            } else {
                Some(Duration::ZERO)
            };
            driver.park(timeout);
            handle.parked.clear();
            handle.info.unparked(0);
            let now = std::time::Instant::now(); // the busy stretch and the coarse clock
            gort_waitsite::tick_clock_at(now); // the time the next `Pending` polls stamp
            now
        } else {
            driver.park(Some(Duration::ZERO));
            gort_waitsite::tick_clock(); // the time the next `Pending` polls stamp
            busy_since
        };
        self.core
            .borrow_mut()
            .as_mut()
            .expect("current_thread core missing")
            .driver = Some(driver);
        self.wake_deferred();
        busy_since
    }

    /// True when no task, deferred task or `block_on` wake-up is waiting.
    fn nothing_to_run(&self, handle: &Handle) -> bool {
        !handle.woken.load(Acquire)
            && self
                .core
                .borrow()
                .as_ref()
                .is_some_and(|c| c.tasks.is_empty() && c.deferred.is_empty())
            && handle.remote_is_empty()
    }

    /// Defers `waker` to the next driver poll; false when this thread's core is away.
    pub(crate) fn defer(&self, waker: &Waker) -> bool {
        match self.core.try_borrow_mut().as_deref_mut() {
            Ok(Some(core)) => {
                core.deferred.push(waker);
                true
            }
            _ => false,
        }
    }

    /// Wakes the tasks that yielded (the driver was just polled); they land in the local queue.
    fn wake_deferred(&self) {
        let mut deferred = match self.core.borrow_mut().as_mut() {
            Some(core) if !core.deferred.is_empty() => core.deferred.take(),
            _ => return,
        };
        deferred.wake_all();
        if let Some(core) = self.core.borrow_mut().as_mut() {
            core.deferred.restore(deferred);
        }
    }
}

#[cfg(all(test, not(loom), not(miri)))]
mod tests {
    use crate::runtime::{scheduler, Builder, Runtime};
    use std::sync::{mpsc, Arc};
    use std::task::Poll;
    use std::time::Duration;

    fn ct_handle(rt: &Runtime) -> Arc<super::Handle> {
        match &rt.handle().inner {
            scheduler::Handle::CurrentThread(h) => h.clone(),
            _ => unreachable!("built as current-thread"),
        }
    }

    /// Another thread holds the core; this thread's `block_on` future wakes itself 1,000
    /// times while it waits for the core, and the waiter list keeps one entry, not 1,000.
    #[test]
    fn core_waiter_list_stays_bounded() {
        let rt = Arc::new(Builder::new_current_thread().build().unwrap());
        let handle = ct_handle(&rt);
        let (held_tx, held_rx) = mpsc::channel();
        let (release_tx, release_rx) = mpsc::channel::<()>();
        let holder = {
            let rt = rt.clone();
            std::thread::spawn(move || {
                rt.block_on(async move {
                    held_tx.send(()).unwrap();
                    // Blocks the core's thread on purpose: the core stays taken meanwhile.
                    release_rx.recv_timeout(Duration::from_secs(10)).unwrap();
                })
            })
        };
        held_rx.recv_timeout(Duration::from_secs(10)).unwrap();
        let mut polls = 0;
        let (polls_seen, most_waiters) = rt.block_on(std::future::poll_fn(|cx| {
            polls += 1;
            let waiters = handle.core_waiters.lock().unwrap().len();
            if polls < 1_000 {
                cx.waker().wake_by_ref();
                Poll::Pending
            } else {
                Poll::Ready((polls, waiters))
            }
        }));
        release_tx.send(()).unwrap();
        holder.join().unwrap();
        assert_eq!(polls_seen, 1_000);
        assert!(
            most_waiters <= 1,
            "{most_waiters} core waiters after 1,000 polls"
        );
        // Putting the core back woke and drained the list.
        assert_eq!(handle.core_waiters.lock().unwrap().len(), 0);
    }

    /// Tasks spawned from a foreign thread, in bursts with pauses in which the core's thread
    /// parks in the driver, all run exactly once: no unpark is lost when spawns skip the eventfd
    /// while the thread is awake.
    #[test]
    fn remote_spawns_wake_a_parked_core() {
        use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
        use std::sync::Mutex;
        use std::task::Waker;
        const TASKS: usize = 2_000;
        let rt = Arc::new(Builder::new_current_thread().enable_all().build().unwrap());
        let ran = Arc::new(AtomicUsize::new(0));
        let waiter: Arc<Mutex<Option<Waker>>> = Arc::default();
        let spawner = {
            let (rt, ran, waiter) = (rt.clone(), ran.clone(), waiter.clone());
            std::thread::spawn(move || {
                for i in 0..TASKS {
                    let (ran, waiter) = (ran.clone(), waiter.clone());
                    drop(rt.spawn(async move {
                        ran.fetch_add(1, SeqCst);
                        if let Some(w) = waiter.lock().unwrap().take() {
                            w.wake();
                        }
                    }));
                    if i % 100 == 99 {
                        std::thread::sleep(Duration::from_millis(1));
                    }
                }
            })
        };
        let all_ran = rt.block_on(async {
            let wait_all = std::future::poll_fn(|cx| {
                *waiter.lock().unwrap() = Some(cx.waker().clone());
                if ran.load(SeqCst) == TASKS {
                    Poll::Ready(())
                } else {
                    Poll::Pending
                }
            });
            // A lost unpark would leave the thread parked: the timeout turns that into a failure.
            gort_reactor::time::timeout(Duration::from_secs(20), wait_all)
                .await
                .is_ok()
        });
        spawner.join().unwrap();
        assert!(all_ran, "only {} of {TASKS} tasks ran", ran.load(SeqCst));
        std::thread::sleep(Duration::from_millis(20));
        assert_eq!(ran.load(SeqCst), TASKS, "a task ran twice");
    }
}
