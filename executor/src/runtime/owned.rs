//! Every live task of a runtime (or `LocalSet`), so shutdown can cancel them all.
//!
//! A sharded set of `Task` references: spawning inserts (under one shard's lock, chosen by task
//! id so concurrent spawns rarely contend), completing removes, shutdown closes the set and
//! cancels whatever is left. The task remembers its slot in its header (`owner_key`).

use crate::task::{new_task, Id, JoinHandle, Notified, Schedule, Task};
use slab::Slab;
use std::future::Future;
use std::ops::ControlFlow;
use std::sync::atomic::{
    AtomicBool,
    Ordering::{Acquire, Release},
};
use std::sync::{Mutex, MutexGuard};

pub(crate) struct OwnedTasks<S: 'static> {
    shards: Box<[Shard<S>]>,
    mask: usize,
    closed: AtomicBool,
}

/// One lock per cache line, so workers spawning at once do not false-share.
#[repr(align(128))]
struct Shard<S: 'static>(Mutex<Slab<Task<S>>>);

impl<S: Schedule> OwnedTasks<S> {
    /// `concurrency`: the number of threads expected to spawn at once.
    pub(crate) fn new(concurrency: usize) -> OwnedTasks<S> {
        let n = (concurrency * 4).next_power_of_two().clamp(1, 256);
        OwnedTasks {
            shards: (0..n).map(|_| Shard(Mutex::new(Slab::new()))).collect(),
            mask: n - 1,
            closed: AtomicBool::new(false),
        }
    }

    fn shard(&self, id: Id) -> MutexGuard<'_, Slab<Task<S>>> {
        let i = (id.as_u64() as usize) & self.mask;
        self.shards[i].0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Creates a task and registers it; `None` for the `Notified` when the set is closed
    /// (the task is then already cancelled and its handle reports so).
    pub(crate) fn bind<F>(
        &self,
        future: F,
        scheduler: S,
        id: Id,
    ) -> (JoinHandle<F::Output>, Option<Notified<S>>)
    where
        F: Future + 'static,
    {
        let (task, notified, join) = new_task(future, scheduler, id);
        let mut shard = self.shard(id);
        if self.closed.load(Acquire) {
            drop(shard);
            drop(notified);
            task.shutdown();
            return (join, None);
        }
        let entry = shard.vacant_entry();
        let key = u32::try_from(entry.key()).expect("over 2^32 tasks in one owner-list shard");
        // SAFETY: `owner_key` is only accessed under this shard's lock, which we hold.
        task.raw()
            .header()
            .owner_key
            .with_mut(|k| unsafe { *k = key });
        entry.insert(task);
        (join, Some(notified))
    }

    /// Removes a completed task; returns the set's reference if it was still there.
    pub(crate) fn remove(&self, task: &Task<S>) -> Option<Task<S>> {
        let mut shard = self.shard(task.id());
        // SAFETY: `owner_key` is only accessed under this shard's lock, which we hold.
        let key = task.raw().header().owner_key.with(|k| unsafe { *k }) as usize;
        match shard.get(key) {
            Some(t) if t.raw() == task.raw() => Some(shard.remove(key)),
            _ => None,
        }
    }

    /// Refuses new tasks and cancels every registered one (dropping their futures here).
    pub(crate) fn close_and_shutdown_all(&self) {
        self.closed.store(true, Release);
        for shard in self.shards.iter() {
            loop {
                let tasks: Vec<Task<S>> = {
                    let mut shard = shard.0.lock().unwrap_or_else(|e| e.into_inner());
                    shard.drain().collect()
                };
                if tasks.is_empty() {
                    break;
                }
                for task in tasks {
                    task.shutdown();
                }
            }
        }
    }

    /// Calls `f` with the header of the live task whose id is `id`, if there is one.
    pub(crate) fn with_task<R>(
        &self,
        id: u64,
        f: impl FnOnce(&crate::task::Header) -> R,
    ) -> Option<R> {
        let shard = self.shards[(id as usize) & self.mask].0.lock();
        let shard = shard.unwrap_or_else(|e| e.into_inner());
        let (_, task) = shard.iter().find(|(_, task)| task.id().as_u64() == id)?;
        Some(f(task.raw().header()))
    }

    /// Calls `f` with the header of every registered task, one shard lock at a time (for the
    /// task dump: `f` must only read the header).
    pub(crate) fn for_each(&self, mut f: impl FnMut(&crate::task::Header)) {
        let _ = self.try_for_each(|header| {
            f(header);
            ControlFlow::Continue(())
        });
    }

    /// Like `for_each`, but stops at the first `Break` (the deadlock detector stops at the
    /// first task that is not stuck, so a busy runtime's scan is short).
    pub(crate) fn try_for_each(
        &self,
        mut f: impl FnMut(&crate::task::Header) -> ControlFlow<()>,
    ) -> ControlFlow<()> {
        for shard in self.shards.iter() {
            let shard = shard.0.lock().unwrap_or_else(|e| e.into_inner());
            for (_, task) in shard.iter() {
                f(task.raw().header())?;
            }
        }
        ControlFlow::Continue(())
    }

    /// Number of live tasks (a snapshot).
    pub(crate) fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.0.lock().unwrap_or_else(|e| e.into_inner()).len())
            .sum()
    }
}
