//! The slow-poll watchdog: a thread that reports task polls running longer than a threshold,
//! and (with blocking hand-off) gives a stuck worker's work to a stand-in thread.
//!
//! Workers never read the clock for it. Each worker slot ([`super::metrics::WorkerMetrics`])
//! holds a poll counter, bumped when a poll starts, and the id of the task being polled (0
//! between polls). Every quarter threshold the watchdog samples both: a slot showing the same
//! counter and task as at an earlier sample has been in one poll at least since that sample.
//! Once that reaches the threshold the poll is reported, once (its counter value is remembered).
//! Time the worker's thread spent waiting for a CPU (preempted on a loaded machine) does not
//! count toward the threshold ([`super::run_delay`]).
//!
//! Hand-off (multi-thread runtime only): the watchdog marks the stuck worker's slot
//! `HANDED_OFF` with a CAS (it fails if the poll just ended) and starts a stand-in thread that
//! runs the worker's local queue and LIFO slot and polls the driver (see `handoff.rs` in the
//! multi-thread scheduler). The worker sees the mark when its poll ends, stops the stand-in and
//! carries on, so no more than the configured number of threads run tasks at once.

use super::builder::{Builder, WeakHandle};
use super::metrics::{RuntimeInfo, HANDED_OFF};
use super::run_delay;
use super::scheduler;
use crate::task::meta::last_wait_site;
use crate::task::WaitSite;
use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe, Location};
use std::sync::atomic::Ordering::{AcqRel, Relaxed};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A callback given each slow poll.
type OnSlowPoll = Arc<dyn Fn(&SlowPoll) + Send + Sync>;

/// A task poll that ran longer than [`Builder::slow_poll_threshold`], given to the
/// [`Builder::on_slow_poll`] callback. `Display` prints it on one line.
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use std::time::Duration;
/// let seen = Arc::new(Mutex::new(Vec::new()));
/// let sink = seen.clone();
/// let rt = gort_executor::runtime::Builder::new_multi_thread()
///     .worker_threads(1)
///     .slow_poll_threshold(Duration::from_millis(20))
///     .on_slow_poll(move |e| sink.lock().unwrap().push((e.task_id(), e.to_string())))
///     .build()
///     .unwrap();
/// let task = rt.spawn(async { std::thread::sleep(Duration::from_millis(150)) });
/// let id = task.id();
/// rt.block_on(task).unwrap();
/// let seen = seen.lock().unwrap();
/// assert_eq!(seen.len(), 1);
/// assert_eq!(seen[0].0, id);
/// assert!(seen[0].1.contains("slow poll"), "{}", seen[0].1);
/// ```
#[derive(Clone, Debug)]
pub struct SlowPoll {
    task_id: crate::task::Id,
    name: Option<String>,
    spawned_at: Option<&'static Location<'static>>,
    resumed_from: Option<WaitSite>,
    worker: usize,
    stand_in: bool,
    elapsed: Duration,
    threshold: Duration,
}

impl SlowPoll {
    /// The id of the task whose poll is slow.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # let rt = gort_executor::runtime::Builder::new_multi_thread()
    /// #     .slow_poll_threshold(Duration::from_millis(20))
    /// #     .on_slow_poll(|e| assert!(e.task_id().to_string().parse::<u64>().is_ok()))
    /// #     .build().unwrap();
    /// # rt.block_on(rt.spawn(async { std::thread::sleep(Duration::from_millis(60)) })).unwrap();
    /// ```
    pub fn task_id(&self) -> crate::task::Id {
        self.task_id
    }

    /// The task's name (from `task::Builder::name`).
    ///
    /// ```
    /// # use std::time::Duration;
    /// # let rt = gort_executor::runtime::Builder::new_multi_thread()
    /// #     .slow_poll_threshold(Duration::from_millis(20))
    /// #     .on_slow_poll(|e| assert_eq!(e.name(), Some("blocker")))
    /// #     .build().unwrap();
    /// # let _rt = rt.enter();
    /// let task = gort_executor::task::Builder::new()
    ///     .name("blocker")
    ///     .spawn(async { std::thread::sleep(Duration::from_millis(60)) })
    ///     .unwrap();
    /// # rt.block_on(task).unwrap();
    /// ```
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// Where the task was spawned.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # let rt = gort_executor::runtime::Builder::new_multi_thread()
    /// #     .slow_poll_threshold(Duration::from_millis(20))
    /// #     .on_slow_poll(|e| assert_eq!(e.spawned_at().unwrap().file(), file!()))
    /// #     .build().unwrap();
    /// # rt.block_on(rt.spawn(async { std::thread::sleep(Duration::from_millis(60)) })).unwrap();
    /// ```
    pub fn spawned_at(&self) -> Option<&'static Location<'static>> {
        self.spawned_at
    }

    /// The gort wait the task last resumed from before this poll (what it waited on and where
    /// that wait is in the source), if it waited on one.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # let rt = gort_executor::runtime::Builder::new_multi_thread()
    /// #     .slow_poll_threshold(Duration::from_millis(20))
    /// #     .on_slow_poll(|e| assert_eq!(e.resumed_from().unwrap().kind, gort_executor::task::WaitKind::Sleep))
    /// #     .build().unwrap();
    /// # rt.block_on(rt.spawn(async {
    /// gort_reactor::time::sleep(Duration::from_millis(1)).await;
    /// std::thread::sleep(Duration::from_millis(60)); // blocks the worker after the sleep
    /// # })).unwrap();
    /// ```
    pub fn resumed_from(&self) -> Option<WaitSite> {
        self.resumed_from
    }

    /// The worker running the poll (0 on a current-thread runtime).
    ///
    /// ```
    /// # use std::time::Duration;
    /// # let rt = gort_executor::runtime::Builder::new_multi_thread().worker_threads(2)
    /// #     .slow_poll_threshold(Duration::from_millis(20))
    /// #     .on_slow_poll(|e| assert!(e.worker() < 2))
    /// #     .build().unwrap();
    /// # rt.block_on(rt.spawn(async { std::thread::sleep(Duration::from_millis(60)) })).unwrap();
    /// ```
    pub fn worker(&self) -> usize {
        self.worker
    }

    /// How long the poll has run so far (at least this long: the watchdog samples).
    ///
    /// ```
    /// # use std::time::Duration;
    /// # let rt = gort_executor::runtime::Builder::new_multi_thread()
    /// #     .slow_poll_threshold(Duration::from_millis(20))
    /// #     .on_slow_poll(|e| assert!(e.elapsed() >= Duration::from_millis(20)))
    /// #     .build().unwrap();
    /// # rt.block_on(rt.spawn(async { std::thread::sleep(Duration::from_millis(60)) })).unwrap();
    /// ```
    pub fn elapsed(&self) -> Duration {
        self.elapsed
    }
}

impl fmt::Display for SlowPoll {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let who = if self.stand_in {
            "stand-in of worker"
        } else {
            "worker"
        };
        write!(f, "gort: slow poll: task {}", self.task_id)?;
        if let Some(name) = &self.name {
            write!(f, " {name:?}")?;
        }
        write!(
            f,
            " has been polled for {:?} (threshold {:?}) on {who} {}",
            self.elapsed, self.threshold, self.worker
        )?;
        if let Some(at) = self.spawned_at {
            write!(f, ", spawned at {at}")?;
        }
        match &self.resumed_from {
            Some(site) => write!(f, ", resumed from {} at {}", site.kind, site.location),
            None => Ok(()),
        }
    }
}

/// What the runtime's metrics slots need to know about the watchdog.
#[derive(Clone, Copy, Default)]
pub(crate) struct Watch {
    /// A watchdog samples the slots.
    pub(crate) enabled: bool,
    /// Stand-in slots are needed.
    pub(crate) handoff: bool,
}

/// The builder's watchdog settings.
#[derive(Clone, Default)]
pub(crate) struct Options {
    threshold: Option<Duration>,
    on_slow_poll: Option<OnSlowPoll>,
    handoff: bool,
}

impl Options {
    pub(crate) fn watch(&self) -> Watch {
        Watch {
            enabled: self.threshold.is_some(),
            handoff: self.handoff && self.threshold.is_some(),
        }
    }

    /// Rejects settings that cannot work, before anything is started.
    pub(crate) fn check(&self, multi_thread: bool) -> std::io::Result<()> {
        let invalid = |msg| Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, msg));
        if self.handoff && self.threshold.is_none() {
            return invalid(
                "blocking_handoff needs slow_poll_threshold: the watchdog detects stuck workers",
            );
        }
        if self.handoff && !multi_thread {
            return invalid(
                "blocking_handoff needs the multi-thread runtime (Builder::new_multi_thread)",
            );
        }
        Ok(())
    }

    /// Starts the watchdog thread for `rt`, if a threshold is set. The thread ends once the
    /// runtime is gone.
    pub(crate) fn start(&self, rt: &scheduler::Handle) -> std::io::Result<()> {
        let Some(threshold) = self.threshold else {
            return Ok(());
        };
        let watchdog = Watchdog {
            rt: WeakHandle::new(rt),
            threshold,
            on_slow_poll: self
                .on_slow_poll
                .clone()
                .unwrap_or_else(|| Arc::new(|e: &SlowPoll| eprintln!("{e}"))),
            handoff: self.handoff,
            seen: Vec::new(),
        };
        std::thread::Builder::new()
            .name("gort-watchdog".to_owned())
            .spawn(move || watchdog.run())
            .map(drop)
    }
}

struct Watchdog {
    rt: WeakHandle,
    threshold: Duration,
    on_slow_poll: OnSlowPoll,
    handoff: bool,
    /// Per slot: what the last sample saw.
    seen: Vec<Seen>,
}

/// A slot's poll as first sampled.
#[derive(Clone, Copy)]
struct Seen {
    polls: u64,
    task: u64,
    since: Instant,
    /// The polling thread's total run delay at `since`.
    waited: Option<Duration>,
    reported: bool,
}

impl Watchdog {
    fn run(mut self) {
        let tick = (self.threshold / 4).clamp(Duration::from_millis(1), Duration::from_millis(250));
        loop {
            std::thread::sleep(tick);
            let Some(rt) = self.rt.upgrade() else {
                return;
            };
            self.sample(&rt);
        }
    }

    /// Looks at every slot once: reports (and hands off) polls stuck past the threshold.
    fn sample(&mut self, rt: &scheduler::Handle) {
        let info = rt.info();
        let now = Instant::now();
        self.seen.resize(
            info.workers.len(),
            Seen {
                polls: 0,
                task: 0,
                since: now,
                waited: None,
                reported: false,
            },
        );
        for slot in 0..info.workers.len() {
            let Some((task, elapsed)) = self.stuck(info, slot, now) else {
                continue;
            };
            self.report(rt, slot, task, elapsed);
            if self.handoff && slot < info.num_workers {
                self.hand_off(rt, slot, task);
            }
        }
    }

    /// The task id and poll time of slot `slot`, when its poll just passed the threshold.
    fn stuck(&mut self, info: &RuntimeInfo, slot: usize, now: Instant) -> Option<(u64, Duration)> {
        let worker = &info.workers[slot];
        let polls = worker.polls.load(Relaxed);
        let task = worker.polling.load(Relaxed) & !HANDED_OFF;
        let waited = || run_delay::waited(worker.thread.load(Relaxed));
        let seen = &mut self.seen[slot];
        if task == 0 || (polls, task) != (seen.polls, seen.task) {
            *seen = Seen {
                polls,
                task,
                since: now,
                waited: if task == 0 { None } else { waited() },
                reported: false,
            };
            return None;
        }
        let elapsed = now.duration_since(seen.since);
        if seen.reported || elapsed < self.threshold {
            return None;
        }
        // Preempted, not slow: take off the time the thread waited for a CPU.
        let preempted = match (seen.waited, waited()) {
            (Some(then), Some(now)) => now.saturating_sub(then),
            _ => Duration::ZERO,
        };
        if elapsed.saturating_sub(preempted) < self.threshold {
            return None;
        }
        seen.reported = true;
        Some((task, elapsed))
    }

    /// Reports slot `slot`'s poll of task `task` (unless the task ended meanwhile).
    fn report(&self, rt: &scheduler::Handle, slot: usize, task: u64, elapsed: Duration) {
        let read = |header: &crate::task::Header| {
            let meta = &header.meta;
            let name = meta.name().map(str::to_owned);
            (header.id, name, meta.spawned_at, last_wait_site(header))
        };
        let Some((task_id, name, spawned_at, resumed_from)) = rt.with_task(task, read) else {
            return;
        };
        let info = rt.info();
        let event = SlowPoll {
            task_id,
            name,
            spawned_at,
            resumed_from,
            worker: slot % info.num_workers,
            stand_in: slot >= info.num_workers,
            elapsed,
            threshold: self.threshold,
        };
        // A panicking callback must not end the watchdog.
        let _ = catch_unwind(AssertUnwindSafe(|| (self.on_slow_poll)(&event)));
    }

    /// Marks worker `slot` handed off (unless its poll ended meanwhile) and starts its stand-in.
    fn hand_off(&self, rt: &scheduler::Handle, slot: usize, task: u64) {
        let scheduler::Handle::MultiThread(handle) = rt else {
            return;
        };
        let polling = &rt.info().workers[slot].polling;
        handle.stand_in(slot, || {
            polling
                .compare_exchange(task, task | HANDED_OFF, AcqRel, Relaxed)
                .is_ok()
        });
    }
}

impl Builder {
    /// Starts a watchdog thread that reports every task poll running longer than `threshold`
    /// (a task blocking its worker: a blocking call, a long computation) to
    /// [`on_slow_poll`](Builder::on_slow_poll), once per poll. Off by default.
    ///
    /// Workers pay no clock read for it: the watchdog samples their poll counters every quarter
    /// threshold, so a report comes between 1 and 1.25 thresholds into the poll.
    ///
    /// # Panics
    /// If `threshold` is zero.
    ///
    /// ```
    /// let rt = gort_executor::runtime::Builder::new_multi_thread()
    ///     .slow_poll_threshold(std::time::Duration::from_millis(100))
    ///     .build()
    ///     .unwrap();
    /// # drop(rt);
    /// ```
    #[track_caller]
    pub fn slow_poll_threshold(&mut self, threshold: Duration) -> &mut Builder {
        assert!(
            !threshold.is_zero(),
            "slow_poll_threshold must be greater than zero"
        );
        self.watchdog.threshold = Some(threshold);
        self
    }

    /// What to do with each slow poll (see
    /// [`slow_poll_threshold`](Builder::slow_poll_threshold)); by default one line on stderr.
    /// `f` runs on the watchdog thread; a panic in it is caught.
    ///
    /// ```
    /// let rt = gort_executor::runtime::Builder::new_multi_thread()
    ///     .slow_poll_threshold(std::time::Duration::from_millis(100))
    ///     .on_slow_poll(|e| eprintln!("task {} is blocking its worker", e.task_id()))
    ///     .build()
    ///     .unwrap();
    /// # drop(rt);
    /// ```
    pub fn on_slow_poll<F>(&mut self, f: F) -> &mut Builder
    where
        F: Fn(&SlowPoll) + Send + Sync + 'static,
    {
        self.watchdog.on_slow_poll = Some(Arc::new(f));
        self
    }

    /// Go's hand-off of a blocked P: when the watchdog sees a worker stuck in one poll past the
    /// [`slow_poll_threshold`](Builder::slow_poll_threshold), a stand-in thread takes over that
    /// worker's local queue, LIFO slot and driver duty, so the other tasks keep running on as
    /// many threads as configured. When the stuck poll returns the worker stops the stand-in
    /// and carries on. Off by default; multi-thread runtime only.
    ///
    /// `build` fails (`InvalidInput`) without a threshold or on a current-thread builder.
    ///
    /// ```
    /// let rt = gort_executor::runtime::Builder::new_multi_thread()
    ///     .slow_poll_threshold(std::time::Duration::from_millis(50))
    ///     .blocking_handoff(true)
    ///     .build()
    ///     .unwrap();
    /// # drop(rt);
    /// assert!(gort_executor::runtime::Builder::new_current_thread()
    ///     .slow_poll_threshold(std::time::Duration::from_millis(50))
    ///     .blocking_handoff(true)
    ///     .build()
    ///     .is_err());
    /// ```
    pub fn blocking_handoff(&mut self, enabled: bool) -> &mut Builder {
        self.watchdog.handoff = enabled;
        self
    }
}
