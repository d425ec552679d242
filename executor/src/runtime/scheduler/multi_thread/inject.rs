//! The global injection queue: tasks spawned or woken from outside a worker, and the overflow
//! of full worker queues.
//!
//! A mutex-protected FIFO with an atomic length so workers can check "anything there?" without
//! taking the lock. Workers look here first every `GLOBAL_QUEUE_INTERVAL` ticks, so local work
//! cannot starve it (tokio's and Go's `schedtick % 61`).

use crate::task::Notified;
use std::collections::VecDeque;
use std::sync::atomic::{
    AtomicUsize,
    Ordering::{Acquire, Release},
};
use std::sync::Mutex;

pub(crate) struct Inject<S: 'static> {
    queue: Mutex<Queue<S>>,
    len: AtomicUsize,
}

struct Queue<S: 'static> {
    tasks: VecDeque<Notified<S>>,
    closed: bool,
}

impl<S: 'static> Inject<S> {
    pub(crate) fn new() -> Inject<S> {
        Inject {
            queue: Mutex::new(Queue {
                tasks: VecDeque::new(),
                closed: false,
            }),
            len: AtomicUsize::new(0),
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len.load(Acquire) == 0
    }

    pub(crate) fn len(&self) -> usize {
        self.len.load(Acquire)
    }

    /// Pushes a task; after `close` the task is dropped instead (its runtime is shutting down
    /// and cancels it through its owner list). Returns false in that case.
    pub(crate) fn push(&self, task: Notified<S>) -> bool {
        let mut q = self.queue.lock().unwrap_or_else(|e| e.into_inner());
        if q.closed {
            drop(q);
            drop(task);
            return false;
        }
        q.tasks.push_back(task);
        self.len.store(q.tasks.len(), Release);
        true
    }

    pub(crate) fn push_batch(&self, tasks: impl Iterator<Item = Notified<S>>) {
        let mut q = self.queue.lock().unwrap_or_else(|e| e.into_inner());
        if q.closed {
            drop(q);
            tasks.for_each(drop);
            return;
        }
        q.tasks.extend(tasks);
        self.len.store(q.tasks.len(), Release);
    }

    pub(crate) fn pop(&self) -> Option<Notified<S>> {
        if self.is_empty() {
            return None;
        }
        let mut q = self.queue.lock().unwrap_or_else(|e| e.into_inner());
        let task = q.tasks.pop_front();
        self.len.store(q.tasks.len(), Release);
        task
    }

    /// Pops up to `max` tasks at once (a worker refilling its local queue).
    pub(crate) fn pop_n(&self, max: usize, mut f: impl FnMut(Notified<S>)) {
        if self.is_empty() {
            return;
        }
        let mut q = self.queue.lock().unwrap_or_else(|e| e.into_inner());
        let n = max.min(q.tasks.len());
        let batch: Vec<_> = q.tasks.drain(..n).collect();
        self.len.store(q.tasks.len(), Release);
        drop(q);
        batch.into_iter().for_each(&mut f);
    }

    /// Refuses further pushes; returns the tasks still queued.
    pub(crate) fn close(&self) -> VecDeque<Notified<S>> {
        let mut q = self.queue.lock().unwrap_or_else(|e| e.into_inner());
        q.closed = true;
        self.len.store(0, Release);
        std::mem::take(&mut q.tasks)
    }
}
