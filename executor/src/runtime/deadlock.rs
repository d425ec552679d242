//! Go's `all goroutines are asleep - deadlock!` for gort runtimes.
//!
//! One process-wide detector thread (started with the first runtime) looks at every runtime
//! every few milliseconds. A runtime is deadlocked when, for a whole grace period
//! (`Builder::deadlock_grace`, default 100 ms) with no poll anywhere in it:
//!
//! - at least one thread is in its `block_on`, and each such thread waits (it is not polling);
//! - no registered thread is free: a plain thread that used gort's blocking API and is not
//!   blocked in it now may still send, so it counts as a possible waker (threads that never
//!   touched gort are invisible: see the README);
//! - its blocking pool runs and queues nothing;
//! - every task is idle, and every task and `block_on` future waits only on gort wait-lists:
//!   no sleep, no I/O, no timer channel, no foreign future. Timers nobody waits on do not count.
//!
//! "No poll" is checked with a fingerprint of every task's and thread's poll count: any wake
//! makes its task run, which changes the fingerprint and restarts the grace period. A wake
//! that has happened but whose task or thread has not run yet must not look like a wait, as a
//! preempted thread can sit on it for longer than the grace: so nothing is reported while a
//! worker is awake (it may hold a yielded task's deferred wake, or be about to wake a joiner)
//! or a `block_on` was woken and has not polled since (its waker is wrapped to flag that).
//!
//! Then the report (`all tasks are asleep - deadlock!` and the dump of the blocked tasks) goes
//! to `Builder::on_deadlock`'s callback, or by default makes every `block_on` of the runtime
//! panic with it.
//!
//! ```
//! use std::time::Duration;
//! let (report_tx, report_rx) = gort_channel::chan::bounded::<String>(1);
//! let rt = gort_executor::runtime::Builder::new_current_thread()
//!     .deadlock_grace(Duration::from_millis(20))
//!     .on_deadlock(move |report| {
//!         let _ = report_tx.try_send(report.to_string());
//!     })
//!     .build()
//!     .unwrap();
//! let (_tx, rx) = gort_channel::chan::bounded::<()>(0);
//! let _stuck = rt.spawn(async move { rx.recv().await });
//! // `block_on` waits on a gort channel too, so the runtime is blocked: the callback runs.
//! let report = rt.block_on(async { report_rx.recv().await.unwrap() });
//! assert!(report.starts_with("all tasks are asleep - deadlock!"));
//! ```

use super::dump::{TaskDump, ThreadInfo};
use super::scheduler;
use super::{Builder, Handle};
use crate::task::{Header, TaskInfo};
use gort_waitsite::ThreadState;
use std::fmt;
use std::future::{poll_fn, Future};
use std::ops::ControlFlow;
use std::sync::atomic::{
    AtomicBool, AtomicU64,
    Ordering::{Acquire, Release},
};
use std::sync::{Arc, Condvar, Mutex, Weak};
use std::task::{Context, Wake, Waker};
use std::time::{Duration, Instant};

/// The callback of [`Builder::on_deadlock`].
type OnDeadlock = Arc<dyn Fn(&DeadlockReport) + Send + Sync>;

/// The diagnostics options of a [`Builder`] (deadlock detection, dump on signal).
#[derive(Clone)]
pub(crate) struct Config {
    /// `None`: detection off.
    grace: Option<Duration>,
    on_deadlock: Option<OnDeadlock>,
    /// `Builder::dump_on_signal`.
    pub(super) dump_signal: Option<gort_reactor::signal::unix::SignalKind>,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            grace: Some(Duration::from_millis(100)),
            on_deadlock: None,
            dump_signal: None,
        }
    }
}

/// A detected deadlock: the blocked tasks and threads. `Display` starts with Go's line,
/// `all tasks are asleep - deadlock!`, then the dump.
///
/// ```
/// let rt = gort_executor::runtime::Builder::new_current_thread()
///     .on_deadlock(|report| eprintln!("{report}"))
///     .build()
///     .unwrap();
/// # drop(rt);
/// ```
#[derive(Clone, Debug)]
pub struct DeadlockReport {
    dump: TaskDump,
}

impl DeadlockReport {
    /// The blocked tasks and threads.
    ///
    /// ```
    /// let rt = gort_executor::runtime::Builder::new_current_thread()
    ///     .on_deadlock(|report| {
    ///         for task in report.dump().tasks() {
    ///             eprintln!("blocked: {}", task.id());
    ///         }
    ///     })
    ///     .build()
    ///     .unwrap();
    /// # drop(rt);
    /// ```
    pub fn dump(&self) -> &TaskDump {
        &self.dump
    }
}

impl fmt::Display for DeadlockReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "all tasks are asleep - deadlock!")?;
        writeln!(f)?;
        write!(f, "{}", self.dump)
    }
}

impl Builder {
    /// How long a runtime must stay blocked (every task and `block_on` waiting on gort
    /// wait-lists, no wake) before it is reported as deadlocked; default 100 ms.
    ///
    /// ```
    /// let rt = gort_executor::runtime::Builder::new_multi_thread()
    ///     .deadlock_grace(std::time::Duration::from_millis(500))
    ///     .build()
    ///     .unwrap();
    /// # drop(rt);
    /// ```
    pub fn deadlock_grace(&mut self, grace: Duration) -> &mut Builder {
        self.deadlock.grace = Some(grace);
        self
    }

    /// Turns the deadlock detector off (`false`) or back on (`true`, the default).
    ///
    /// ```
    /// let rt = gort_executor::runtime::Builder::new_multi_thread()
    ///     .deadlock_detection(false)
    ///     .build()
    ///     .unwrap();
    /// # drop(rt);
    /// ```
    pub fn deadlock_detection(&mut self, on: bool) -> &mut Builder {
        self.deadlock.grace = match (on, self.deadlock.grace) {
            (false, _) => None,
            (true, Some(g)) => Some(g),
            (true, None) => Config::default().grace,
        };
        self
    }

    /// Runs `f` (on the detector thread) with the report when the runtime deadlocks, instead of
    /// the default: making `block_on` panic with the report.
    ///
    /// ```
    /// let rt = gort_executor::runtime::Builder::new_current_thread()
    ///     .on_deadlock(|report| eprintln!("{report}"))
    ///     .build()
    ///     .unwrap();
    /// # drop(rt);
    /// ```
    pub fn on_deadlock<F>(&mut self, f: F) -> &mut Builder
    where
        F: Fn(&DeadlockReport) + Send + Sync + 'static,
    {
        self.deadlock.on_deadlock = Some(Arc::new(f));
        self
    }
}

/// What the detector keeps per runtime.
struct Watched {
    key: u64,
    handle: WeakHandle,
    grace: Duration,
    on_deadlock: Option<OnDeadlock>,
    /// The report `block_on` panics with, and its generation (0: none yet).
    report: Mutex<Option<Arc<str>>>,
    generation: AtomicU64,
    /// Wakers of the futures in `block_on`, to make them panic.
    wakers: Mutex<Vec<Waker>>,
    /// The wake flags of the running `block_on` calls (see [`FlaggedWaker`]).
    block_ons: Mutex<Vec<Arc<AtomicBool>>>,
    /// The detector's own state (only the detector thread touches it).
    state: Mutex<Watch>,
}

#[derive(Default)]
struct Watch {
    /// Fingerprint of the blocked state and when it was first seen; `None`: not blocked.
    blocked: Option<(u64, Instant)>,
    reported: bool,
}

/// A scheduler handle that does not keep the runtime alive.
pub(crate) enum WeakHandle {
    CurrentThread(Weak<scheduler::current_thread::Handle>),
    MultiThread(Weak<scheduler::multi_thread::Handle>),
}

impl WeakHandle {
    pub(crate) fn new(handle: &scheduler::Handle) -> WeakHandle {
        match handle {
            scheduler::Handle::CurrentThread(h) => WeakHandle::CurrentThread(Arc::downgrade(h)),
            scheduler::Handle::MultiThread(h) => WeakHandle::MultiThread(Arc::downgrade(h)),
        }
    }

    pub(crate) fn upgrade(&self) -> Option<scheduler::Handle> {
        match self {
            WeakHandle::CurrentThread(w) => w.upgrade().map(scheduler::Handle::CurrentThread),
            WeakHandle::MultiThread(w) => w.upgrade().map(scheduler::Handle::MultiThread),
        }
    }
}

struct Registry {
    runtimes: Mutex<Vec<Arc<Watched>>>,
    added: Condvar,
}

static REGISTRY: Registry = Registry {
    runtimes: Mutex::new(Vec::new()),
    added: Condvar::new(),
};

/// Starts watching the runtime of `handle` (called by `Builder::build`).
///
/// # Errors
/// When the dump signal cannot be listened for.
pub(crate) fn watch(handle: &Handle, config: &Config) -> std::io::Result<()> {
    if let Some(kind) = config.dump_signal {
        super::dump::dump_on_signal(handle, kind)?;
    }
    let Some(grace) = config.grace else {
        return Ok(());
    };
    let watched = Arc::new(Watched {
        key: handle.inner.key(),
        handle: WeakHandle::new(&handle.inner),
        grace,
        on_deadlock: config.on_deadlock.clone(),
        report: Mutex::new(None),
        generation: AtomicU64::new(0),
        wakers: Mutex::new(Vec::new()),
        block_ons: Mutex::new(Vec::new()),
        state: Mutex::new(Watch::default()),
    });
    let mut all = lock(&REGISTRY.runtimes);
    all.push(watched);
    start_detector();
    REGISTRY.added.notify_one();
    Ok(())
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn start_detector() {
    static STARTED: std::sync::Once = std::sync::Once::new();
    STARTED.call_once(|| {
        let spawned = std::thread::Builder::new()
            .name("gort-deadlock-detector".into())
            .spawn(detector_loop);
        // Without the thread there is no detection; the runtime itself works.
        drop(spawned);
    });
}

fn detector_loop() {
    loop {
        let runtimes: Vec<Arc<Watched>> = {
            let mut all = lock(&REGISTRY.runtimes);
            all.retain(|w| w.handle.upgrade().is_some());
            while all.is_empty() {
                all = REGISTRY.added.wait(all).unwrap_or_else(|e| e.into_inner());
            }
            all.clone()
        };
        let tick = runtimes
            .iter()
            .map(|w| w.grace / 5)
            .min()
            .unwrap_or(Duration::from_millis(20))
            .clamp(Duration::from_millis(2), Duration::from_millis(50));
        std::thread::sleep(tick);
        for w in &runtimes {
            if let Some(handle) = w.handle.upgrade() {
                w.check(&handle);
            }
        }
    }
}

/// A runtime found blocked: its fingerprint and what to report.
struct Blocked {
    fingerprint: u64,
    tasks: Vec<TaskInfo>,
    threads: Vec<ThreadInfo>,
}

impl Watched {
    fn check(&self, handle: &scheduler::Handle) {
        let wake_pending = handle.any_worker_awake() || self.any_block_on_woken();
        let blocked = if wake_pending {
            None
        } else {
            blocked_state(handle, self.key)
        };
        let mut state = lock(&self.state);
        let Some(blocked) = blocked else {
            *state = Watch::default();
            return;
        };
        match state.blocked {
            Some((fingerprint, since)) if fingerprint == blocked.fingerprint => {
                if state.reported || since.elapsed() < self.grace {
                    return;
                }
            }
            _ => {
                *state = Watch {
                    blocked: Some((blocked.fingerprint, Instant::now())),
                    reported: false,
                };
                return;
            }
        }
        state.reported = true;
        drop(state);
        let report = DeadlockReport {
            dump: TaskDump::from_parts(blocked.tasks, blocked.threads),
        };
        match &self.on_deadlock {
            Some(f) => f(&report),
            None => self.panic_block_on(&report),
        }
    }

    /// Makes the `block_on` calls of the runtime panic with `report`.
    fn panic_block_on(&self, report: &DeadlockReport) {
        *lock(&self.report) = Some(report.to_string().into());
        self.generation.fetch_add(1, Release);
        for waker in lock(&self.wakers).drain(..) {
            waker.wake();
        }
    }

    /// The report to panic with, if one came after generation `seen`.
    fn report_after(&self, seen: u64) -> Option<Arc<str>> {
        if self.generation.load(Acquire) == seen {
            return None;
        }
        lock(&self.report).clone()
    }

    fn register(&self, waker: &Waker) {
        let mut wakers = lock(&self.wakers);
        if !wakers.iter().any(|w| w.will_wake(waker)) {
            wakers.push(waker.clone());
        }
    }

    fn unregister(&self, waker: &Waker) {
        lock(&self.wakers).retain(|w| !w.will_wake(waker));
    }

    /// True when some `block_on` was woken and has not polled since.
    fn any_block_on_woken(&self) -> bool {
        lock(&self.block_ons).iter().any(|f| f.load(Acquire))
    }
}

/// The waker a watched `block_on` gives its future: it flags the wake (until the next poll)
/// before passing it on, so the detector sees a woken `block_on` thread that the OS has not
/// run yet as not blocked.
struct FlaggedWaker {
    woken: Arc<AtomicBool>,
    inner: Waker,
}

impl Wake for FlaggedWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Release);
        self.inner.wake_by_ref();
    }
}

/// Fingerprint mixing of one `(id, polls)` pair.
fn mix(id: u64, polls: u32) -> u64 {
    (id ^ u64::from(polls).rotate_left(32)).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// `Some` when the runtime is blocked right now (see the module docs).
fn blocked_state(handle: &scheduler::Handle, key: u64) -> Option<Blocked> {
    let now = gort_waitsite::now_ms();
    let mut fingerprint = 0u64;
    let mut in_block_on = 0;
    for t in gort_waitsite::threads() {
        match t.state() {
            ThreadState::Free => return None,
            ThreadState::BlockOn(rt) if rt != key => continue,
            ThreadState::BlockOn(_) => in_block_on += 1,
            ThreadState::Blocking => {}
        }
        if t.is_polling() || !t.record().snapshot().only_wait_lists() {
            return None;
        }
        fingerprint =
            fingerprint.wrapping_add(mix(Arc::as_ptr(&t) as usize as u64, t.record().polls()));
    }
    if in_block_on == 0 || handle.blocking_spawner().is_busy() {
        return None;
    }
    let mut tasks = Vec::new();
    let scan = handle.try_for_each_task(|header: &Header| {
        let info = TaskInfo::of(header, now, handle.info());
        if !info.waits_only_on_wait_lists() {
            return ControlFlow::Break(());
        }
        fingerprint = fingerprint.wrapping_add(mix(info.id().as_u64(), info.polls()));
        tasks.push(info);
        ControlFlow::Continue(())
    });
    if scan.is_break() {
        return None;
    }
    tasks.sort_by_key(TaskInfo::id);
    let threads = TaskDump::capture_threads(key, now);
    Some(Blocked {
        fingerprint,
        tasks,
        threads,
    })
}

/// Wraps the future of a `block_on` on `handle`'s runtime: marks this thread as in that
/// `block_on` and records its waits (for the detector), and panics with the deadlock report
/// when the detector finds one.
pub(crate) fn block_on_future<F: Future>(
    handle: &scheduler::Handle,
    future: F,
) -> impl Future<Output = F::Output> {
    let key = handle.key();
    let watched = lock(&REGISTRY.runtimes)
        .iter()
        .find(|w| w.key == key)
        .cloned();
    async move {
        let Some(me) = gort_waitsite::current_thread_wait() else {
            return future.await;
        };
        struct Restore<'a>(&'a gort_waitsite::ThreadWait, ThreadState);
        impl Drop for Restore<'_> {
            fn drop(&mut self) {
                self.0.enter(self.1);
            }
        }
        let _restore = Restore(&me, me.enter(ThreadState::BlockOn(key)));
        let seen = watched.as_ref().map_or(0, |w| w.generation.load(Acquire));
        let mut future = std::pin::pin!(future);
        /// Forgets the waker and the wake flag this `block_on` registered when it ends (or
        /// unwinds).
        struct Registered(Option<Arc<Watched>>, Option<Waker>, Arc<AtomicBool>);
        impl Drop for Registered {
            fn drop(&mut self) {
                if let Some(w) = &self.0 {
                    if let Some(waker) = &self.1 {
                        w.unregister(waker);
                    }
                    lock(&w.block_ons).retain(|f| !Arc::ptr_eq(f, &self.2));
                }
            }
        }
        let woken = Arc::new(AtomicBool::new(false));
        if let Some(w) = &watched {
            lock(&w.block_ons).push(woken.clone());
        }
        let mut registered = Registered(watched, None, woken);
        // The flagged wrapper of `registered.1`, given to the future.
        let mut flagged: Option<Waker> = None;
        poll_fn(|cx| {
            let Some(w) = &registered.0 else {
                return me.poll(|| future.as_mut().poll(cx));
            };
            if let Some(report) = w.report_after(seen) {
                panic!("{report}");
            }
            if !registered
                .1
                .as_ref()
                .is_some_and(|r| r.will_wake(cx.waker()))
            {
                if let Some(old) = registered.1.take() {
                    w.unregister(&old);
                }
                w.register(cx.waker());
                registered.1 = Some(cx.waker().clone());
                flagged = Some(Waker::from(Arc::new(FlaggedWaker {
                    woken: registered.2.clone(),
                    inner: cx.waker().clone(),
                })));
            }
            let waker = flagged.as_ref().expect("set with the registered waker");
            let mut cx = Context::from_waker(waker);
            me.poll(|| {
                // Cleared once the poll has started (`me` shows it polling): a wake from now
                // on sets it again.
                registered.2.store(false, Release);
                future.as_mut().poll(&mut cx)
            })
        })
        .await
    }
}
