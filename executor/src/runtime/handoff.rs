//! Blocked-worker hand-off (Go's sysmon retaking the P of an M stuck in a syscall): a stand-in
//! thread runs a stuck worker's tasks until the worker's poll returns.
//!
//! A worker's core cannot leave its thread while the thread is inside a poll (the poll may
//! wake tasks into it at any moment), so the stand-in gets a core of its own that shares the
//! stuck worker's index: it pops the worker's LIFO slot (an atomic swap, safe from two
//! threads), steals the worker's local queue into its own, takes the injection queue and other
//! workers' queues, and polls the driver. Its polls count in the stand-in slot of the metrics,
//! so the watchdog keeps seeing the stuck poll as one poll.
//!
//! The watchdog starts a stand-in by marking the worker's poll `HANDED_OFF` (a CAS that fails
//! if the poll just ended) under the stand-ins' lock. The worker sees the mark when its poll
//! returns and calls [`Handle::rejoin`]: it asks the stand-in to stop and waits until it has
//! finished its current poll and put its queue back into the injection queue. So the stuck
//! thread and its stand-in never run tasks at the same time: the running workers never exceed
//! the configured count.
//!
//! The stand-in is not one of the idle-tracked workers: nobody wakes it, so when it finds no
//! work it polls the driver and waits at most [`IDLE_WAIT`] before looking again (a stand-in
//! only lives while a poll blocks a worker).

use super::worker::{Context, Core};
use super::Handle;
use crate::runtime::{context, scheduler};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;

/// How long an idle stand-in waits before it looks for work again.
const IDLE_WAIT: Duration = Duration::from_millis(1);

/// Which workers have a stand-in.
pub(super) struct StandIns {
    phases: Mutex<Box<[Phase]>>,
    /// Signalled when a phase changes.
    changed: Condvar,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Phase {
    Off,
    Running,
    /// The worker's poll returned: the stand-in finishes its poll and leaves.
    Stopping,
}

impl StandIns {
    pub(super) fn new(workers: usize) -> StandIns {
        StandIns {
            phases: Mutex::new(vec![Phase::Off; workers].into_boxed_slice()),
            changed: Condvar::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Box<[Phase]>> {
        self.phases.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn set(&self, index: usize, phase: Phase) {
        self.lock()[index] = phase;
        self.changed.notify_all();
    }
}

impl Handle {
    /// Starts a stand-in for worker `index` if `mark` (the watchdog's CAS of the worker's
    /// poll slot) succeeds; the mark is made under the stand-ins' lock so `rejoin` always
    /// finds the stand-in started.
    pub(crate) fn stand_in(self: &Arc<Self>, index: usize, mark: impl FnOnce() -> bool) {
        let mut phases = self.stand_ins.lock();
        if phases[index] != Phase::Off || self.is_shutdown() || !mark() {
            return;
        }
        let mut builder = std::thread::Builder::new().name((self.config.thread_name)());
        if let Some(size) = self.config.stack_size {
            builder = builder.stack_size(size);
        }
        let handle = self.clone();
        let mut threads = self.threads.lock().unwrap_or_else(|e| e.into_inner());
        match builder.spawn(move || run(handle, index)) {
            Ok(thread) => {
                phases[index] = Phase::Running;
                threads.push(thread);
            }
            // No stand-in: the worker finds the phase off when its poll returns.
            Err(e) => {
                eprintln!("gort: blocking hand-off: no stand-in thread for worker {index}: {e}")
            }
        }
    }

    /// Worker `index`'s handed-off poll returned: stops its stand-in and waits until the
    /// stand-in has left, so the worker can carry on with its core.
    pub(super) fn rejoin(&self, index: usize) {
        let mut phases = self.stand_ins.lock();
        if phases[index] == Phase::Running {
            phases[index] = Phase::Stopping;
            self.stand_ins.changed.notify_all();
        }
        while phases[index] != Phase::Off {
            phases = self
                .stand_ins
                .changed
                .wait(phases)
                .unwrap_or_else(|e| e.into_inner());
        }
    }

    /// True while the stand-in for worker `index` should keep running.
    fn stand_in_wanted(&self, index: usize) -> bool {
        self.stand_ins.lock()[index] == Phase::Running && !self.is_shutdown()
    }

    /// An idle stand-in waits a little (or until it is told to stop).
    fn stand_in_idle(&self, index: usize) {
        let phases = self.stand_ins.lock();
        if phases[index] == Phase::Running {
            let _ = self.stand_ins.changed.wait_timeout(phases, IDLE_WAIT);
        }
    }
}

/// The stand-in thread for worker `index`.
fn run(handle: Arc<Handle>, index: usize) {
    if let Some(f) = &handle.config.on_start {
        f();
    }
    let rt = scheduler::Handle::MultiThread(handle.clone());
    {
        let _rt = context::enter_runtime(&rt);
        let _driver = handle.driver().enter();
        let cx = scheduler::Context::MultiThread(Context::new(handle.clone()));
        context::set_scheduler(&cx, || {
            let scheduler::Context::MultiThread(cx) = &cx else {
                unreachable!()
            };
            serve(cx, stand_in_core(&handle, index));
        });
    }
    handle.stand_ins.set(index, Phase::Off);
    if let Some(f) = &handle.config.on_stop {
        f();
    }
}

/// A core sharing worker `index`'s LIFO slot, with a queue of its own and the stand-in slot
/// of the metrics.
fn stand_in_core(handle: &Handle, index: usize) -> Box<Core> {
    let (_steal, local) = super::queue::local();
    let park = crate::runtime::park::Parker::new(handle.driver.clone());
    let workers = handle.remotes.len();
    let mut core = Core::new(
        index,
        local,
        park,
        workers,
        handle.config.global_queue_interval,
    );
    core.slot = workers + index;
    core.stand_in = true;
    core
}

/// Runs worker `index`'s tasks until the worker wants them back.
fn serve(cx: &Context, mut core: Box<Core>) {
    let handle = &*cx.handle;
    let index = core.index;
    let mut until_maintenance = handle.config.event_interval;
    while handle.stand_in_wanted(index) {
        until_maintenance -= 1;
        if until_maintenance == 0 {
            until_maintenance = handle.config.event_interval;
            handle.driver.poll_if_free();
            core = cx.wake_deferred(core);
        }
        match next_task(handle, &mut core) {
            Some(task) => {
                core = cx
                    .run_task(task, core)
                    .expect("a stand-in keeps its core: block_in_place runs in place there");
            }
            None => {
                handle.driver.poll_if_free();
                core = cx.wake_deferred(core);
                if core.run_queue.is_empty() {
                    handle.stand_in_idle(index);
                }
            }
        }
    }
    leave(handle, &mut core);
}

/// The stand-in's next task: its own queue, then the stuck worker's LIFO slot and queue, then
/// the injection queue and the other workers' queues.
fn next_task(handle: &Handle, core: &mut Core) -> Option<crate::task::Notified<Arc<Handle>>> {
    let index = core.index;
    if let Some(task) = core.run_queue.pop().or_else(|| handle.take_lifo(index)) {
        return Some(task);
    }
    let remotes = handle.remotes.iter().enumerate();
    let mut victims = std::iter::once(&handle.remotes[index])
        .chain(remotes.filter(|&(i, _)| i != index).map(|(_, r)| r));
    if let Some(task) = victims.find_map(|r| r.steal.steal_into(&mut core.run_queue)) {
        handle.info.stole(core.slot);
        return Some(task);
    }
    handle.inject.pop()
}

/// The stand-in leaves: its queued tasks go to the injection queue, its yielded ones are woken
/// there too, and a sleeping worker is told.
fn leave(handle: &Handle, core: &mut Core) {
    let mut tasks = Vec::with_capacity(core.run_queue.len());
    while let Some(task) = core.run_queue.pop() {
        tasks.push(task);
    }
    handle.inject.push_batch(tasks.into_iter());
    core.deferred.take().wake_all();
    handle.notify_parked();
}
