//! A worker thread's loop: run local work, check the injection queue for fairness, steal when
//! out of work, park when there is nothing anywhere.
//!
//! The loop and its constants follow tokio's `worker.rs`: every `event_interval` (61) ticks the
//! worker polls the driver without blocking and looks at the injection queue first; a task's
//! poll and the LIFO tasks it wakes share one cooperative budget (at most 3 LIFO polls in a row);
//! a searching worker that finds work hands the search on to one sleeper.

use super::super::super::context;
use super::super::super::park::{Parker, Woken};
use super::lend::{Lend, Reclaim};
use super::queue::{self, Local};
use super::Handle;
use crate::task::{Header, Notified};
use std::cell::RefCell;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// LIFO polls allowed in a row; the task after them goes to the run queue, and the slot stays
/// off until the end of the next task's poll.
const MAX_LIFO_POLLS: usize = 3;
/// How often the driver holder checks other workers' LIFO slots while they run: a task stuck
/// behind a long poll is rescued after one to two intervals (well under a millisecond). Only a
/// sleeping worker pays for it (a timed driver sleep), only while another worker runs, and only
/// while the slots are in use (`LIFO_QUIET_BEFORE_INDEFINITE`).
const STALL_CHECK_INTERVAL: Duration = Duration::from_micros(250);
/// How long every other LIFO slot must have been seen empty (and no LIFO fill kicked this
/// one) before the driver holder stops waking every interval and sleeps until I/O, a timer or a
/// kick: a worker filling its empty LIFO slot kicks an indefinite sleeper
/// (`Handle::schedule_local`), so the watch resumes then, for this long at least (at most one
/// kick per period per sleeper, however busy the slot). An idle worker next to a long poll, or
/// a server's driver holder (I/O wakes go to the run queue, not the slot), then sleeps instead of
/// waking 4,000 times a second (a `ppoll` and an `epoll_wait` each).
const LIFO_QUIET_BEFORE_INDEFINITE: Duration = Duration::from_millis(1);
/// A self-tuned global queue interval aims to look at the injection queue this often (in ns).
const TARGET_GLOBAL_QUEUE_INTERVAL_NS: f64 = 200_000.0;
/// Bounds of a self-tuned global queue interval, and where it starts before any measurement.
const MIN_GLOBAL_QUEUE_INTERVAL: u32 = 2;
const MAX_GLOBAL_QUEUE_INTERVAL: u32 = 127;
const DEFAULT_GLOBAL_QUEUE_INTERVAL: u32 = 61;
/// Weight of one poll in the moving average of poll times.
const POLL_TIME_EWMA_ALPHA: f64 = 0.1;
/// Work (queued tasks times the mean poll time) worth waking a sleeper for when this worker
/// comes out of a park with a batch of tasks the driver woke. Below it the worker gets through
/// the batch alone about as soon as a woken sleeper would take over part of it: the wake costs
/// a futex wake here, a context switch and a search there, and one more futex wait and context
/// switch when the sleeper runs dry again, while on a busy machine the sleeper only takes CPU
/// time from the threads that feed the server. On a saturated raw-HTTP server (a handful of
/// 3-4 µs polls per batch) waking for any second task (tokio's rule) cost 6-7 % of the
/// throughput; 16 µs of work won most of that back, 50 µs all of it (PROFILE.md). Bigger
/// batches (heavier load, slower polls) still wake a sleeper at once, and a busy worker (at its
/// maintenance) keeps waking one for any second task: a queue that builds up while it runs is
/// load that outlasts a wake (the spawn benches lost 20-30 % when that check used this bound).
const WAKE_FOR_BATCH_NS: f64 = 50_000.0;

/// The worker's own state; moves between threads only through `block_in_place`.
pub(crate) struct Core {
    pub(super) index: usize,
    /// This core's metrics slot: `index`, or past the workers' for a hand-off stand-in.
    pub(super) slot: usize,
    /// A hand-off stand-in's core (`handoff.rs`): `block_in_place` does not move it.
    pub(super) stand_in: bool,
    /// Ticks left until the next maintenance (driver poll); a countdown, not `tick % n`, so
    /// the hot loop does no division.
    until_maintenance: u32,
    /// Ticks left until the injection queue is checked before local work.
    until_global: u32,
    /// Ticks between those checks: configured, or tuned from the poll times (see `end_batch`).
    global_queue_interval: u32,
    /// Moving average of a task poll's duration (ns), measured over batches of polls.
    poll_time_ewma: f64,
    /// When the current batch of polls started, and `polls` then.
    batch_start: (Instant, u64),
    pub(super) lifo_enabled: bool,
    pub(super) run_queue: Local<Notified<Arc<Handle>>>,
    is_searching: bool,
    park: Option<Parker>,
    rand: FastRand,
    polls: u64,
    /// Last seen `(lifo pointer, polls)` of every worker, for the stall check.
    stall_seen: Vec<(*mut Header, u64)>,
    /// When a stall check last saw a task in another LIFO slot, or a worker filling its LIFO
    /// slot kicked this one (see `LIFO_QUIET_BEFORE_INDEFINITE`).
    lifo_seen: Instant,
    /// When the current busy stretch (since start or the last unpark) began, for the metrics.
    busy_since: Instant,
    /// Tasks that yielded, woken after the next driver poll.
    pub(super) deferred: super::super::Defer,
    /// The `block_in_place` loans this core is on (innermost last); empty on its own worker.
    lends: Vec<Arc<Lend>>,
}

// SAFETY: the raw pointers in `stall_seen` are only compared, never dereferenced.
unsafe impl Send for Core {}

/// The scheduler state of the worker running on this thread.
pub(crate) struct Context {
    pub(crate) handle: Arc<Handle>,
    /// The core, while a task is being polled (so wakes can schedule locally).
    pub(super) core: RefCell<Option<Box<Core>>>,
    /// The loan to collect once the current poll ends (`block_in_place` returned while the
    /// replacement thread still ran the core).
    lent: RefCell<Option<Arc<Lend>>>,
}

impl Context {
    /// A scheduler context for a thread that has no core yet (a worker or a hand-off stand-in).
    pub(super) fn new(handle: Arc<Handle>) -> Context {
        Context {
            handle,
            core: RefCell::new(None),
            lent: RefCell::new(None),
        }
    }

    /// The index of this worker, `None` once `block_in_place` has handed its core away.
    pub(crate) fn worker_index(&self) -> Option<usize> {
        // The core is only borrowed by the scheduler between polls, never while user code runs.
        self.core.try_borrow().ok()?.as_ref().map(|core| core.index)
    }
}

impl Core {
    pub(super) fn new(
        index: usize,
        run_queue: Local<Notified<Arc<Handle>>>,
        park: Parker,
        workers: usize,
        global_queue_interval: Option<u32>,
    ) -> Box<Core> {
        let interval = global_queue_interval.unwrap_or(DEFAULT_GLOBAL_QUEUE_INTERVAL);
        Box::new(Core {
            index,
            slot: index,
            stand_in: false,
            until_maintenance: 1,
            until_global: 1,
            global_queue_interval: interval,
            poll_time_ewma: TARGET_GLOBAL_QUEUE_INTERVAL_NS / DEFAULT_GLOBAL_QUEUE_INTERVAL as f64,
            batch_start: (Instant::now(), 0),
            lifo_enabled: true,
            run_queue,
            is_searching: false,
            park: Some(park),
            rand: FastRand::new(index as u64 + 1),
            polls: 0,
            stall_seen: vec![(std::ptr::null_mut(), 0); workers],
            lifo_seen: Instant::now(),
            busy_since: Instant::now(),
            deferred: super::super::Defer::default(),
            lends: Vec::new(),
        })
    }
}

/// What a new worker thread runs.
pub(super) enum Start {
    /// A core of its own (at startup).
    Core(Box<Core>),
    /// A core lent by `block_in_place`, until the lender wants it back.
    Lent(Arc<Lend>),
}

/// Starts a thread running `start`'s core.
pub(super) fn launch(handle: &Arc<Handle>, start: Start) -> std::io::Result<()> {
    let mut builder = std::thread::Builder::new().name((handle.config.thread_name)());
    if let Some(size) = handle.config.stack_size {
        builder = builder.stack_size(size);
    }
    let h = handle.clone();
    let lent = matches!(start, Start::Lent(_));
    let mut threads = handle.threads.lock().unwrap_or_else(|e| e.into_inner());
    let spawned = builder.spawn(move || match start {
        Start::Core(core) => run(h, core),
        Start::Lent(lend) => {
            // `None`: the lender took the core back before this thread started.
            if let Some(mut core) = lend.take() {
                core.lends.push(lend);
                run(h.clone(), core);
            }
            h.forget_thread(std::thread::current().id());
        }
    });
    match spawned {
        Ok(thread) => {
            threads.push(thread);
            Ok(())
        }
        Err(e) => {
            if !lent {
                // The core went down with the closure; the shutdown must not wait for it.
                let _lost = handle.cores.lock().unwrap_or_else(|e| e.into_inner());
                handle
                    .cores_lost
                    .fetch_add(1, std::sync::atomic::Ordering::Release);
                handle.core_returned.notify_all();
            }
            Err(e)
        }
    }
}

fn run(handle: Arc<Handle>, core: Box<Core>) {
    if let Some(f) = &handle.config.on_start {
        f();
    }
    let rt = crate::runtime::scheduler::Handle::MultiThread(handle.clone());
    {
        let _rt = context::enter_runtime(&rt);
        let _driver = handle.driver().enter();
        let cx = crate::runtime::scheduler::Context::MultiThread(Context::new(handle.clone()));
        context::set_scheduler(&cx, || {
            let crate::runtime::scheduler::Context::MultiThread(cx) = &cx else {
                unreachable!()
            };
            // `None`: the core went back to the thread that lent it.
            if let Some(core) = cx.run(core) {
                stop_with(&handle, core);
            }
        });
    }
    if let Some(f) = &handle.config.on_stop {
        f();
    }
}

/// The runtime shuts down: the core goes back to a lender waiting for it, or joins the
/// others for the shutdown to drain.
fn stop_with(handle: &Handle, mut core: Box<Core>) {
    if let Some(lend) = core.lends.pop() {
        if lend.is_wanted() {
            lend.give_back(core);
            return;
        }
        lend.keep();
        core.lends.drain(..).for_each(|lend| lend.keep());
    }
    handle.return_core(core);
}

impl Context {
    fn run(&self, mut core: Box<Core>) -> Option<Box<Core>> {
        let handle = &*self.handle;
        while !handle.is_shutdown() {
            if core.is_wanted_back() {
                let lend = core.lends.pop().expect("checked above");
                lend.give_back(core);
                return None;
            }
            core.until_maintenance -= 1;
            if core.until_maintenance == 0 {
                core.until_maintenance = handle.config.event_interval;
                // Maintenance: serve I/O and timers even while busy; re-enable the LIFO slot.
                core.end_batch(handle);
                core = self.poll_driver(core);
                let now = Instant::now();
                gort_waitsite::tick_clock_at(now); // the time the next `Pending` polls stamp
                core.lifo_enabled = true;
                core.start_batch(now);
            }
            if let Some(task) = core.next_task(handle) {
                core = self.run_task(task, core)?;
                continue;
            }
            core.end_batch(handle);
            if !core.deferred.is_empty() {
                // Only yielded tasks left: let I/O and timers in, then run them again. Not by
                // searching first: a worker that "finds" its own yielded tasks as a searcher
                // wakes a sleeper each time (the last searcher's hand-off), and a busy channel
                // whose tasks spend their budget every 128 operations bounced between workers.
                core = self.poll_driver(core);
                continue;
            }
            if let Some(task) = core.steal_work(handle) {
                core = self.run_task(task, core)?;
                continue;
            }
            core = self.park(core);
        }
        handle.info.stopped(core.index, core.busy_since);
        Some(core)
    }

    /// Polls `task`, then the tasks it puts in the LIFO slot, under one budget.
    pub(super) fn run_task(
        &self,
        task: Notified<Arc<Handle>>,
        mut core: Box<Core>,
    ) -> Option<Box<Core>> {
        let handle = &*self.handle;
        if core.is_searching {
            core.is_searching = false;
            if handle.idle.transition_from_searching() {
                // We were the last searcher: let another sleeper look for the rest.
                handle.notify_parked();
            }
        }
        core.count_poll(handle, &task);
        *self.core.borrow_mut() = Some(core);
        gort_channel::coop::budget(|| {
            task.run();
            let mut lifo_polls = 0;
            loop {
                let core = self.core.borrow_mut().take();
                // `None`: `block_in_place` lent the core to another thread.
                let mut core = match core {
                    Some(core) => core,
                    None => self.collect_lent_core()?,
                };
                if handle.info.poll_end(core.slot) {
                    handle.rejoin(core.index); // a stand-in ran our tasks meanwhile
                }
                let Some(task) = handle.take_lifo(core.index) else {
                    // The chain ended on its own: the next task's wakes use the slot again
                    // (disabled only from a capped chain to the end of the next task's poll,
                    // as tokio's; until the next maintenance, two tasks waking each other
                    // bounced through the run queue, notifying a sleeper on every wake).
                    core.lifo_enabled = true;
                    return Some(core);
                };
                if !gort_channel::coop::has_budget_remaining() || lifo_polls >= MAX_LIFO_POLLS {
                    // Out of budget (or a LIFO ping-pong): back of the queue, others go first.
                    // A sleeper is woken only if the queue holds more than the task this
                    // worker runs next.
                    core.lifo_enabled = lifo_polls < MAX_LIFO_POLLS;
                    core.run_queue.push_back_or_overflow(task, &handle.inject);
                    self.notify_if_more_queued(&core);
                    return Some(core);
                }
                lifo_polls += 1;
                core.count_poll(handle, &task);
                *self.core.borrow_mut() = Some(core);
                task.run();
            }
        })
    }

    /// Waits for the core `block_in_place` lent out; `None` if there is none to collect (the
    /// runtime shut down): this thread stops being a worker then.
    fn collect_lent_core(&self) -> Option<Box<Core>> {
        let lend = self.lent.borrow_mut().take()?;
        lend.wait()
    }

    /// Defers `waker` to the next driver poll; false when no core is here (between polls, or
    /// handed away by `block_in_place`).
    pub(crate) fn defer(&self, waker: &std::task::Waker) -> bool {
        match self.core.try_borrow_mut().as_deref_mut() {
            Ok(Some(core)) => {
                core.deferred.push(waker);
                true
            }
            _ => false,
        }
    }

    /// Wakes the tasks that yielded (after a driver poll): see [`Context::dispatch`].
    pub(super) fn wake_deferred(&self, core: Box<Core>) -> Box<Core> {
        if core.deferred.is_empty() {
            return core;
        }
        self.dispatch(core, false)
    }

    /// Polls the driver without blocking (if no other worker is in it), then wakes the tasks
    /// that yielded: see [`Context::dispatch`].
    fn poll_driver(&self, core: Box<Core>) -> Box<Core> {
        self.dispatch(core, true)
    }

    /// Dispatches I/O and timer events (if `poll_driver`), then wakes the tasks that yielded,
    /// with the core installed so all of them are queued on this worker: the yielded ones at
    /// the back of its run queue (others go first). Without its parker the core counts as
    /// dispatching (`Core::in_driver`): no LIFO slot and no notification per task, but one
    /// after both, if they left work for another worker. One check, not one per step: each is a
    /// read-modify-write of the shared idle state, whose cache line two busy workers would
    /// otherwise pass back and forth twice per maintenance.
    fn dispatch(&self, mut core: Box<Core>, poll_driver: bool) -> Box<Core> {
        let mut deferred = core.deferred.take();
        let park = core.park.take();
        core = self.with_core_installed(core, || {
            if poll_driver {
                self.handle.driver.poll_if_free();
            }
            deferred.wake_all();
        });
        core.park = park;
        core.deferred.restore(deferred);
        self.notify_if_more_queued(&core);
        core
    }

    /// Runs `f` (a driver poll or park) with `core` installed, so the tasks the driver wakes
    /// are queued on this worker. `core.park` must be `None` meanwhile: that tells
    /// `schedule_local` not to notify anyone during the dispatch (one notification after it is
    /// enough; tokio's `park.is_some()` check).
    fn with_core_installed(&self, core: Box<Core>, f: impl FnOnce()) -> Box<Core> {
        debug_assert!(core.park.is_none());
        *self.core.borrow_mut() = Some(core);
        f();
        self.core
            .borrow_mut()
            .take()
            .expect("worker core taken during a driver poll")
    }

    /// While busy (a driver poll at maintenance, a capped LIFO chain): wake one sleeper if this
    /// worker holds more work than the task it runs next and is not searching (a searcher hands
    /// the search on when it finds work; tokio's `should_notify_others`, Go's `wakep`).
    fn notify_if_more_queued(&self, core: &Core) {
        if !core.is_searching && core.run_queue.len() > 1 {
            self.handle.notify_parked();
        }
    }

    /// Out of a park with tasks the driver woke: wake one sleeper only if, besides the task it
    /// runs next, this worker holds more work than it gets through alone before a sleeper would
    /// help (`WAKE_FOR_BATCH_NS`), and it is not searching.
    fn notify_if_batch_worth_a_wake(&self, core: &Core) {
        if !core.is_searching && core.queued_work_ns() >= WAKE_FOR_BATCH_NS {
            self.handle.notify_parked();
        }
    }

    fn park(&self, mut core: Box<Core>) -> Box<Core> {
        let handle = &*self.handle;
        if core.has_local_work(handle) {
            return core;
        }
        if handle
            .idle
            .transition_to_parked(core.index, core.is_searching)
        {
            // The last searcher leaving: make sure no pending work is left unnoticed.
            handle.notify_if_work_pending();
        }
        core.is_searching = false;
        handle.info.parking(core.index, core.busy_since);
        let mut park = core.park.take().expect("worker parker missing");
        while !handle.is_shutdown() {
            // Before each sleep (not only after one): a LIFO task stuck since the previous
            // check is rescued one interval after it was first seen.
            let suspect = match core.check_stalled(handle) {
                Stall::Stuck(task) => {
                    core.run_queue.push_back_or_overflow(task, &handle.inject);
                    // On a race with a notifier, it unparks us and we run the task then.
                    if handle.idle.unpark_worker_by_id(core.index, true) {
                        core.is_searching = true;
                        break;
                    }
                    false
                }
                Stall::Suspect => true,
                Stall::Clear => false,
            };
            if !handle.inject.is_empty() && handle.idle.unpark_worker_by_id(core.index, true) {
                core.is_searching = true;
                break;
            }
            if suspect {
                // Let I/O in, then sleep one short interval off the driver (marked as a timed
                // watch: a LIFO push meanwhile kicks nobody).
                let poll = || handle.driver.poll_if_free();
                core = self.with_core_installed(core, poll);
                if !core.has_local_work(handle) {
                    handle
                        .driver
                        .watch_briefly(|| park.park_briefly(STALL_CHECK_INTERVAL));
                }
            } else {
                // While others run, watch their LIFO slots every interval, until they have
                // been empty for a while.
                let timeout = if handle.idle.any_unparked()
                    && core.lifo_seen.elapsed() < LIFO_QUIET_BEFORE_INDEFINITE
                {
                    Some(STALL_CHECK_INTERVAL)
                } else {
                    None
                };
                let mut woken = Woken::Driver;
                let index = core.index;
                let recheck = || {
                    handle
                        .other_lifo_filled(index)
                        .then_some(STALL_CHECK_INTERVAL)
                };
                core = self.with_core_installed(core, || woken = park.park(timeout, recheck));
                if woken == Woken::Kicked {
                    // A LIFO slot was filled: watch every interval again for a while (a sleeper
                    // that went back to sleeping indefinitely at once would be kicked on nearly
                    // every fill of a busy slot). Not after an unpark: a worker handing on work
                    // from its run queue says nothing about the LIFO slots, and restarting the
                    // watch then made a server's workers, which notify each other all the time,
                    // wake every interval (a `ppoll` and an `epoll_wait`; 0.07 per request on
                    // raw HTTP). I/O and timeouts leave the watch as it was.
                    core.lifo_seen = Instant::now();
                }
            }
            if !handle.idle.is_parked(core.index) {
                // A notifier picked us: we are searching now.
                core.is_searching = true;
                break;
            }
            if core.has_local_work(handle) || core.is_wanted_back() {
                // The driver woke tasks onto our queue, or the lender of this core wants it
                // back. Not searching unless a notifier raced us (it counted us as a searcher).
                core.is_searching = !handle.idle.unpark_worker_by_id(core.index, false);
                break;
            }
        }
        core.park = Some(park);
        handle.info.unparked(core.index);
        // One clock read for the busy stretch, the batch and the coarse clock (idle times of
        // the next tasks start now, not before).
        let now = Instant::now();
        gort_waitsite::tick_clock_at(now);
        core.busy_since = now;
        core.start_batch(now);
        self.notify_if_batch_worth_a_wake(&core);
        core
    }
}

impl Core {
    /// True while this worker polls or blocks in the driver (its parker is taken out then):
    /// tasks woken by the dispatch are queued without notifying anyone.
    pub(super) fn in_driver(&self) -> bool {
        self.park.is_none()
    }

    /// True when the thread that lent this core (`block_in_place`) wants it back.
    fn is_wanted_back(&self) -> bool {
        self.lends.last().is_some_and(|lend| lend.is_wanted())
    }

    /// True when this worker's run queue or LIFO slot holds a task.
    fn has_local_work(&self, handle: &Handle) -> bool {
        !self.run_queue.is_empty()
            || !handle.remotes[self.index]
                .lifo
                .load(std::sync::atomic::Ordering::Acquire)
                .is_null()
    }

    /// Starts timing a batch of polls (after the worker parked or polled the driver).
    fn start_batch(&mut self, now: Instant) {
        self.batch_start = (now, self.polls);
    }

    /// Ends the batch of polls: folds its mean poll time into the average (for
    /// `queued_work_ns`) and, unless configured, re-tunes the global queue interval to about
    /// 200 µs of polls (tokio's self-tuning: slow tasks make the injection queue checked more
    /// often). A new batch starts.
    fn end_batch(&mut self, handle: &Handle) {
        let polls = self.polls.wrapping_sub(self.batch_start.1);
        if polls == 0 {
            return;
        }
        let now = Instant::now();
        let mean = now.duration_since(self.batch_start.0).as_nanos() as f64 / polls as f64;
        let alpha = 1.0 - (1.0 - POLL_TIME_EWMA_ALPHA).powf(polls as f64);
        self.poll_time_ewma = alpha * mean + (1.0 - alpha) * self.poll_time_ewma;
        self.batch_start = (now, self.polls);
        if handle.config.global_queue_interval.is_some() {
            return;
        }
        // The float-to-int cast saturates; a zero average gives the maximum.
        self.global_queue_interval = ((TARGET_GLOBAL_QUEUE_INTERVAL_NS / self.poll_time_ewma)
            as u32)
            .clamp(MIN_GLOBAL_QUEUE_INTERVAL, MAX_GLOBAL_QUEUE_INTERVAL);
        self.until_global = self.until_global.min(self.global_queue_interval);
    }

    /// The run queue's work besides the task this worker runs next, in ns: its length times the
    /// mean poll time.
    fn queued_work_ns(&self) -> f64 {
        self.run_queue.len().saturating_sub(1) as f64 * self.poll_time_ewma
    }

    fn count_poll(&mut self, handle: &Handle, task: &Notified<Arc<Handle>>) {
        handle.info.poll_start(self.slot, task.id());
        self.polls = self.polls.wrapping_add(1);
    }

    fn next_task(&mut self, handle: &Handle) -> Option<Notified<Arc<Handle>>> {
        self.until_global -= 1;
        if self.until_global == 0 {
            self.until_global = self.global_queue_interval;
            if let Some(task) = handle.inject.pop() {
                return Some(task);
            }
        }
        if let Some(task) = self.run_queue.pop() {
            return Some(task);
        }
        if let Some(task) = handle.take_lifo(self.index) {
            return Some(task);
        }
        if handle.inject.is_empty() {
            return None;
        }
        // Refill from the injection queue: a fair share, at most half our queue.
        let share = handle.inject.len() / handle.num_workers() + 1;
        let n = share
            .min(self.run_queue.remaining_slots())
            .min(queue::CAPACITY / 2);
        let mut first = None;
        handle.inject.pop_n(n, |task| {
            if first.is_none() {
                first = Some(task);
            } else {
                self.run_queue.push_back_or_overflow(task, &handle.inject);
            }
        });
        first
    }

    fn steal_work(&mut self, handle: &Handle) -> Option<Notified<Arc<Handle>>> {
        if !self.is_searching {
            self.is_searching = handle.idle.transition_to_searching();
            if !self.is_searching {
                return None;
            }
        }
        let n = handle.remotes.len();
        let start = self.rand.next_n(n as u32) as usize;
        for i in 0..n {
            let i = (start + i) % n;
            if i == self.index {
                continue;
            }
            if let Some(task) = handle.remotes[i].steal.steal_into(&mut self.run_queue) {
                handle.info.stole(self.slot);
                return Some(task);
            }
        }
        handle.inject.pop()
    }

    /// Looks at the other workers' LIFO slots: takes the task of one that has not finished a
    /// poll since the previous check (it is stuck behind a long poll).
    fn check_stalled(&mut self, handle: &Handle) -> Stall {
        let mut suspect = false;
        for (i, remote) in handle.remotes.iter().enumerate() {
            if i == self.index {
                continue;
            }
            let lifo = remote.lifo.load(std::sync::atomic::Ordering::Acquire);
            let polls = handle.info.polls(i);
            let seen = std::mem::replace(&mut self.stall_seen[i], (lifo, polls));
            if lifo.is_null() {
                continue;
            }
            if seen == (lifo, polls) {
                if let Some(task) = handle.steal_lifo(i, lifo) {
                    self.lifo_seen = Instant::now();
                    return Stall::Stuck(task);
                }
            }
            suspect = true;
        }
        if suspect {
            self.lifo_seen = Instant::now();
            Stall::Suspect
        } else {
            Stall::Clear
        }
    }
}

/// What a sleeping worker's look at the other LIFO slots found.
enum Stall {
    /// A task that waited a whole check interval behind its worker's running poll.
    Stuck(Notified<Arc<Handle>>),
    /// A task waits in a LIFO slot: look again after one interval.
    Suspect,
    /// Every other LIFO slot is empty.
    Clear,
}

/// True when this thread is one of `handle`'s workers and holds its core (inside a task poll).
pub(super) fn holds_core_of(handle: &Handle) -> bool {
    context::with_scheduler(|cx| match cx {
        Some(crate::runtime::scheduler::Context::MultiThread(cx)) => {
            std::ptr::eq(&*cx.handle, handle)
                && cx.core.try_borrow().map_or(true, |core| core.is_some())
        }
        _ => false,
    })
}

/// `block_in_place` on a multi-thread worker: lend the core to a new thread, run `f` here with
/// the runtime exited, then take the core back. Returns `Err(f)` when this thread is not such a
/// worker (or its core is already lent).
pub(crate) fn block_in_place<F: FnOnce() -> R, R>(f: F) -> Result<R, F> {
    let lent = context::with_scheduler(|cx| {
        let Some(crate::runtime::scheduler::Context::MultiThread(cx)) = cx else {
            return Ok(None);
        };
        let mut slot = cx.core.borrow_mut();
        let Some(mut core) = slot.take_if(|core| !core.stand_in) else {
            // Already in block_in_place, not inside a task poll, or a hand-off stand-in (it
            // must stop when the stuck worker's poll returns: `f` runs in place).
            return Ok(None);
        };
        drop(slot);
        // For the watchdog this thread's poll ends here: the core's next poll is elsewhere.
        if cx.handle.info.poll_end(core.slot) {
            cx.handle.rejoin(core.index);
        }
        // Tasks that yielded must not wait for the end of `f`: wake them first (they queue
        // in the injection queue, for any worker; tokio's
        // `wake_deferred_tasks_before_block_in_place`).
        let mut deferred = core.deferred.take();
        deferred.wake_all();
        core.deferred.restore(deferred);
        let index = core.index;
        let lend = Lend::offer(core);
        match launch(&cx.handle, Start::Lent(lend.clone())) {
            Ok(()) => Ok(Some(TakeBack {
                handle: cx.handle.clone(),
                index,
                lend,
            })),
            Err(e) => {
                if let Reclaim::Now(core) = lend.want_back() {
                    *cx.core.borrow_mut() = Some(core);
                }
                Err(e)
            }
        }
    });
    match lent {
        Ok(Some(take_back)) => {
            let out = context::exit_runtime(f);
            drop(take_back);
            Ok(out)
        }
        Ok(None) => Err(f),
        Err(e) => panic!("block_in_place: failed to start a replacement worker thread: {e}"),
    }
}

/// Takes a lent core back when `block_in_place`'s closure returns or panics.
struct TakeBack {
    handle: Arc<Handle>,
    index: usize,
    lend: Arc<Lend>,
}

impl Drop for TakeBack {
    fn drop(&mut self) {
        let lend = self.lend.clone();
        context::with_scheduler(|cx| {
            let Some(crate::runtime::scheduler::Context::MultiThread(cx)) = cx else {
                unreachable!("block_in_place left its worker thread")
            };
            match lend.want_back() {
                Reclaim::Now(core) => *cx.core.borrow_mut() = Some(core),
                Reclaim::Later => {
                    // The replacement may sleep: wake it to hand the core over; this thread
                    // finishes the task's poll first and collects the core after it.
                    self.handle.remotes[self.index].unpark.unpark();
                    *cx.lent.borrow_mut() = Some(lend);
                }
                Reclaim::Never => {}
            }
        });
    }
}

/// xorshift for picking a steal victim.
struct FastRand(u64);

impl FastRand {
    fn new(seed: u64) -> FastRand {
        FastRand(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn next_n(&mut self, n: u32) -> u32 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        (((x >> 32) * n as u64) >> 32) as u32
    }
}
