//! The `spawn_blocking` pool: threads for blocking work, grown on demand up to a bound and
//! retired after staying idle for the keep-alive period (tokio's `blocking/pool.rs` policy).
//!
//! A blocking call is an ordinary task whose future runs the closure on its first poll, so it
//! reuses `JoinHandle`, `JoinError` and panic capture. Tasks queued but not started when the
//! runtime shuts down are cancelled; running ones are waited for (bounded by
//! `shutdown_timeout`).

use super::driver;
use super::scheduler;
use crate::task::{new_task, Id, JoinHandle, Notified, Schedule, Task};
use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

/// Handle to the pool: cloned into every runtime handle.
#[derive(Clone)]
pub(crate) struct Spawner {
    inner: Arc<Inner>,
}

pub(crate) struct Config {
    pub(crate) max_threads: usize,
    pub(crate) keep_alive: Duration,
    pub(crate) thread_name: Arc<dyn Fn() -> String + Send + Sync>,
    pub(crate) stack_size: Option<usize>,
    pub(crate) on_start: Option<Arc<dyn Fn() + Send + Sync>>,
    pub(crate) on_stop: Option<Arc<dyn Fn() + Send + Sync>>,
}

struct Inner {
    shared: Mutex<Shared>,
    /// Signals queued work to idle threads.
    work: Condvar,
    /// Signals thread exits to `shutdown`.
    exited: Condvar,
    config: Config,
}

struct Shared {
    queue: VecDeque<Notified<BlockingSchedule>>,
    num_threads: usize,
    num_idle: usize,
    /// Wake-ups sent to idle threads that they have not consumed yet.
    num_notify: usize,
    shutdown: bool,
    next_id: usize,
    threads: HashMap<usize, std::thread::JoinHandle<()>>,
}

/// Blocking tasks are scheduled only once, by `spawn_blocking` itself.
pub(crate) struct BlockingSchedule {
    /// The driver whose paused clock this task holds still while it runs (current-thread
    /// runtimes with `test-util`): a blocking task runs on real time, so an idle runtime must
    /// not jump past its timeouts meanwhile.
    inhibits: Option<driver::Handle>,
}

impl Schedule for BlockingSchedule {
    const KIND: &'static str = "blocking";

    fn schedule(&self, task: Notified<Self>) {
        // A blocking task finishes in its first poll, so it is never woken to run again; an
        // abort of a queued task only marks it. Run it here rather than lose it.
        task.run();
    }

    fn release(&self, _task: &Task<Self>) -> Option<Task<Self>> {
        None
    }

    fn completed(&self) {
        // After the joiner was woken (never before: an idle runtime would jump its paused clock
        // in between), the runtime finds that task queued when it looks again.
        if let Some(driver) = &self.inhibits {
            driver.allow_auto_advance();
        }
    }
}

/// Runs the closure on its first poll.
struct BlockingTask<F>(Option<F>);

impl<F> Unpin for BlockingTask<F> {}

impl<F: FnOnce() -> R, R> Future for BlockingTask<F> {
    type Output = R;

    fn poll(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<R> {
        let f = self
            .0
            .take()
            .expect("blocking task polled after it completed");
        // Blocking code is not charged against a cooperative budget.
        Poll::Ready(gort_channel::coop::unconstrained(f))
    }
}

impl Spawner {
    pub(crate) fn new(config: Config) -> Spawner {
        Spawner {
            inner: Arc::new(Inner {
                shared: Mutex::new(Shared {
                    queue: VecDeque::new(),
                    num_threads: 0,
                    num_idle: 0,
                    num_notify: 0,
                    shutdown: false,
                    next_id: 0,
                    threads: HashMap::new(),
                }),
                work: Condvar::new(),
                exited: Condvar::new(),
                config,
            }),
        }
    }

    /// Threads, idle threads and queued calls (metrics).
    pub(crate) fn sizes(&self) -> (usize, usize, usize) {
        let shared = self.lock();
        (shared.num_threads, shared.num_idle, shared.queue.len())
    }

    fn lock(&self) -> MutexGuard<'_, Shared> {
        self.inner.shared.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Queues `f`; `rt` is entered on the thread that runs it.
    pub(crate) fn spawn_blocking<F, R>(&self, rt: &scheduler::Handle, f: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        let inhibits = match rt {
            scheduler::Handle::CurrentThread(_) if rt.driver().inhibit_auto_advance() => {
                Some(rt.driver().clone())
            }
            _ => None,
        };
        let schedule = BlockingSchedule { inhibits };
        let (task, notified, join) = new_task(BlockingTask(Some(f)), schedule, Id::next());
        // Blocking tasks are not in an owner list: shutdown reaches them through the queue.
        drop(task);
        if let Err(e) = self.push(rt, notified) {
            panic!("failed to spawn a thread for spawn_blocking: {e}");
        }
        join
    }

    /// Runs an untracked closure on the pool (the reactor's DNS lookups).
    /// True while a blocking task runs or waits for a thread (the deadlock detector).
    pub(crate) fn is_busy(&self) -> bool {
        let shared = self.lock();
        !shared.queue.is_empty() || shared.num_threads > shared.num_idle
    }

    pub(crate) fn spawn_detached(&self, rt: &scheduler::Handle, f: Box<dyn FnOnce() + Send>) {
        drop(self.spawn_blocking(rt, f));
    }

    fn push(
        &self,
        rt: &scheduler::Handle,
        task: Notified<BlockingSchedule>,
    ) -> std::io::Result<()> {
        let mut shared = self.lock();
        if shared.shutdown {
            drop(shared);
            // The runtime is gone: the task reports cancellation.
            task.shutdown();
            return Ok(());
        }
        shared.queue.push_back(task);
        if shared.num_idle > shared.num_notify {
            shared.num_notify += 1;
            drop(shared);
            self.inner.work.notify_one();
            return Ok(());
        }
        if shared.num_threads < self.inner.config.max_threads {
            let id = shared.next_id;
            shared.next_id += 1;
            let mut builder = std::thread::Builder::new().name((self.inner.config.thread_name)());
            if let Some(size) = self.inner.config.stack_size {
                builder = builder.stack_size(size);
            }
            let spawner = self.clone();
            let rt = rt.clone();
            match builder.spawn(move || spawner.run(id, rt)) {
                Ok(handle) => {
                    shared.num_threads += 1;
                    shared.threads.insert(id, handle);
                }
                Err(e) if shared.num_threads == 0 => {
                    let task = shared.queue.pop_back();
                    drop(shared);
                    drop(task);
                    return Err(e);
                }
                // Some thread exists: it will get to the task.
                Err(_) => {}
            }
        }
        Ok(())
    }

    fn run(&self, id: usize, rt: scheduler::Handle) {
        let _current = super::context::set_current(&rt);
        let _driver = rt.driver().enter();
        if let Some(f) = &self.inner.config.on_start {
            f();
        }
        let keep_alive = self.inner.config.keep_alive;
        let mut shared = self.lock();
        'work: loop {
            while let Some(task) = shared.queue.pop_front() {
                drop(shared);
                task.run();
                shared = self.lock();
            }
            if shared.shutdown {
                break;
            }
            shared.num_idle += 1;
            let idle_since = Instant::now();
            loop {
                let left = keep_alive.saturating_sub(idle_since.elapsed());
                shared = self
                    .inner
                    .work
                    .wait_timeout(shared, left)
                    .unwrap_or_else(|e| e.into_inner())
                    .0;
                if shared.num_notify > 0 {
                    shared.num_notify -= 1;
                    shared.num_idle -= 1;
                    continue 'work;
                }
                if shared.shutdown {
                    shared.num_idle -= 1;
                    break 'work;
                }
                if idle_since.elapsed() >= keep_alive {
                    // Retire: nobody needs this thread any more.
                    shared.num_idle -= 1;
                    shared.num_threads -= 1;
                    shared.threads.remove(&id);
                    drop(shared);
                    if let Some(f) = &self.inner.config.on_stop {
                        f();
                    }
                    return;
                }
            }
        }
        // Shutdown: cancel what never started.
        while let Some(task) = shared.queue.pop_front() {
            drop(shared);
            task.shutdown();
            shared = self.lock();
        }
        shared.num_threads -= 1;
        drop(shared);
        if let Some(f) = &self.inner.config.on_stop {
            f();
        }
        self.inner.exited.notify_all();
    }

    /// Stops the pool: a task whose thread was started still runs, other queued tasks are
    /// cancelled, and running ones are waited for up to `timeout`.
    pub(crate) fn shutdown(&self, timeout: Option<Duration>) {
        let mut shared = self.lock();
        if shared.shutdown {
            return;
        }
        shared.shutdown = true;
        self.inner.work.notify_all();
        // The threads drain the queue (as tokio's): one started for a task runs it (its busy
        // loop comes first), idle ones cancel what is left. With no thread, cancel here.
        let queued: Vec<_> = if shared.num_threads == 0 {
            shared.queue.drain(..).collect()
        } else {
            Vec::new()
        };
        drop(shared);
        queued.into_iter().for_each(Notified::shutdown);
        let me = std::thread::current().id();
        // A timeout too large for an `Instant` (`Duration::MAX`) means no deadline.
        let deadline = timeout.and_then(|t| Instant::now().checked_add(t));
        let mut shared = self.lock();
        // Don't wait for ourselves (the runtime dropped from a blocking task).
        let own = shared.threads.values().any(|h| h.thread().id() == me);
        let target = usize::from(own);
        while shared.num_threads > target {
            match deadline {
                None => {
                    shared = self
                        .inner
                        .exited
                        .wait(shared)
                        .unwrap_or_else(|e| e.into_inner())
                }
                Some(deadline) => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        break;
                    }
                    shared = self
                        .inner
                        .exited
                        .wait_timeout(shared, left)
                        .unwrap_or_else(|e| e.into_inner())
                        .0;
                }
            }
        }
        let finished = shared.num_threads <= target;
        let threads: Vec<_> = shared.threads.drain().map(|(_, h)| h).collect();
        drop(shared);
        if finished {
            for handle in threads {
                if handle.thread().id() != me {
                    let _ = handle.join();
                }
            }
        }
    }
}
