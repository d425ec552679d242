//! `Builder`: configures and starts a runtime (tokio's builder API).

use super::handle::Handle;
use super::metrics::{Callback, RuntimeInfo};
use super::scheduler::{self, current_thread, multi_thread};
use super::{blocking, driver, LocalOptions, LocalRuntime, Runtime};
use std::fmt;
use std::io;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::Arc;
use std::time::Duration;

/// Builds a [`Runtime`] with custom settings.
///
/// ```
/// use gort_executor::runtime::Builder;
/// let rt = Builder::new_multi_thread()
///     .worker_threads(2)
///     .thread_name("my-worker")
///     .enable_all()
///     .build()
///     .unwrap();
/// rt.block_on(async {});
/// ```
pub struct Builder {
    kind: Kind,
    worker_threads: Option<usize>,
    max_blocking_threads: usize,
    thread_name: Arc<dyn Fn() -> String + Send + Sync>,
    thread_stack_size: Option<usize>,
    keep_alive: Duration,
    on_start: Option<Arc<dyn Fn() + Send + Sync>>,
    on_stop: Option<Arc<dyn Fn() + Send + Sync>>,
    on_park: Option<Callback>,
    on_unpark: Option<Callback>,
    name: Option<String>,
    event_interval: u32,
    /// Accepted for tokio's API; gort's driver takes its own fixed batch of events per poll.
    #[allow(dead_code)]
    max_io_events: (usize, Option<usize>),
    global_queue_interval: Option<u32>,
    #[cfg_attr(not(feature = "test-util"), allow(dead_code))]
    start_paused: bool,
    /// Slow-poll watchdog and blocking hand-off (`watchdog.rs` holds their setters).
    pub(super) watchdog: super::watchdog::Options,
    /// Deadlock detection options (`runtime/deadlock.rs`).
    pub(super) deadlock: super::deadlock::Config,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    CurrentThread,
    MultiThread,
}

impl Builder {
    /// A builder for the multi-thread, work-stealing runtime.
    ///
    /// ```
    /// let rt = gort_executor::runtime::Builder::new_multi_thread().build().unwrap();
    /// # drop(rt);
    /// ```
    pub fn new_multi_thread() -> Builder {
        Builder::new(Kind::MultiThread)
    }

    /// A builder for the current-thread runtime (tasks run inside `block_on`).
    ///
    /// ```
    /// let rt = gort_executor::runtime::Builder::new_current_thread().build().unwrap();
    /// # drop(rt);
    /// ```
    pub fn new_current_thread() -> Builder {
        Builder::new(Kind::CurrentThread)
    }

    fn new(kind: Kind) -> Builder {
        Builder {
            kind,
            worker_threads: None,
            max_blocking_threads: 512,
            thread_name: Arc::new(|| "gort-runtime-worker".to_owned()),
            thread_stack_size: None,
            keep_alive: Duration::from_secs(10),
            on_start: None,
            on_stop: None,
            on_park: None,
            on_unpark: None,
            name: None,
            event_interval: 61,
            max_io_events: (1024, None),
            global_queue_interval: None,
            start_paused: false,
            watchdog: Default::default(),
            deadlock: Default::default(),
        }
    }

    /// Number of worker threads (multi-thread only; default: the number of CPUs).
    ///
    /// # Panics
    /// When `val` is 0.
    ///
    /// ```
    /// let rt = gort_executor::runtime::Builder::new_multi_thread().worker_threads(4).build().unwrap();
    /// # drop(rt);
    /// ```
    #[track_caller]
    pub fn worker_threads(&mut self, val: usize) -> &mut Builder {
        assert!(val > 0, "worker_threads must be greater than 0");
        self.worker_threads = Some(val);
        self
    }

    /// Upper bound of the blocking pool (default 512).
    ///
    /// # Panics
    /// When `val` is 0.
    ///
    /// ```
    /// let rt = gort_executor::runtime::Builder::new_multi_thread().max_blocking_threads(8).build().unwrap();
    /// # drop(rt);
    /// ```
    #[track_caller]
    pub fn max_blocking_threads(&mut self, val: usize) -> &mut Builder {
        assert!(val > 0, "max_blocking_threads must be greater than 0");
        self.max_blocking_threads = val;
        self
    }

    /// Name of the runtime's threads.
    ///
    /// ```
    /// let rt = gort_executor::runtime::Builder::new_multi_thread().thread_name("w").build().unwrap();
    /// let name = rt.block_on(rt.spawn(async { std::thread::current().name().map(String::from) }));
    /// assert_eq!(name.unwrap().as_deref(), Some("w"));
    /// ```
    pub fn thread_name(&mut self, val: impl Into<String>) -> &mut Builder {
        let name: String = val.into();
        self.thread_name = Arc::new(move || name.clone());
        self
    }

    /// A function naming each new thread.
    ///
    /// ```
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// let next = AtomicUsize::new(0);
    /// let rt = gort_executor::runtime::Builder::new_multi_thread()
    ///     .thread_name_fn(move || format!("w-{}", next.fetch_add(1, Ordering::Relaxed)))
    ///     .build()
    ///     .unwrap();
    /// # drop(rt);
    /// ```
    pub fn thread_name_fn<F>(&mut self, f: F) -> &mut Builder
    where
        F: Fn() -> String + Send + Sync + 'static,
    {
        self.thread_name = Arc::new(f);
        self
    }

    /// Stack size of the runtime's threads.
    ///
    /// ```
    /// let rt = gort_executor::runtime::Builder::new_multi_thread().thread_stack_size(4 << 20).build().unwrap();
    /// # drop(rt);
    /// ```
    pub fn thread_stack_size(&mut self, val: usize) -> &mut Builder {
        self.thread_stack_size = Some(val);
        self
    }

    /// How long an idle blocking-pool thread lives (default 10 s).
    ///
    /// ```
    /// let rt = gort_executor::runtime::Builder::new_multi_thread()
    ///     .thread_keep_alive(std::time::Duration::from_secs(1))
    ///     .build()
    ///     .unwrap();
    /// # drop(rt);
    /// ```
    pub fn thread_keep_alive(&mut self, duration: Duration) -> &mut Builder {
        self.keep_alive = duration;
        self
    }

    /// Runs `f` on every runtime thread when it starts.
    ///
    /// ```
    /// let rt = gort_executor::runtime::Builder::new_multi_thread().on_thread_start(|| {}).build().unwrap();
    /// # drop(rt);
    /// ```
    pub fn on_thread_start<F: Fn() + Send + Sync + 'static>(&mut self, f: F) -> &mut Builder {
        self.on_start = Some(Arc::new(f));
        self
    }

    /// Runs `f` on every runtime thread before it stops.
    ///
    /// ```
    /// let rt = gort_executor::runtime::Builder::new_multi_thread().on_thread_stop(|| {}).build().unwrap();
    /// # drop(rt);
    /// ```
    pub fn on_thread_stop<F: Fn() + Send + Sync + 'static>(&mut self, f: F) -> &mut Builder {
        self.on_stop = Some(Arc::new(f));
        self
    }

    /// Scheduler ticks between polls of the driver for I/O and timer events (default 61).
    ///
    /// ```
    /// let rt = gort_executor::runtime::Builder::new_multi_thread().event_interval(31).build().unwrap();
    /// # drop(rt);
    /// ```
    #[track_caller]
    pub fn event_interval(&mut self, val: u32) -> &mut Builder {
        assert!(val > 0, "event_interval must be greater than 0");
        self.event_interval = val;
        self
    }

    /// The most I/O events handled per driver poll (tokio's default 1024).
    ///
    /// gort accepts and checks the value for tokio compatibility, but its driver always takes a
    /// batch of up to 1024 events per poll; events beyond a batch wait for the next poll.
    ///
    /// # Panics
    /// When `capacity` is 0: "max_io_events_per_tick must be non-zero".
    ///
    /// ```
    /// let rt = gort_executor::runtime::Builder::new_multi_thread()
    ///     .max_io_events_per_tick(1024)
    ///     .build()
    ///     .unwrap();
    /// # drop(rt);
    /// ```
    #[track_caller]
    pub fn max_io_events_per_tick(&mut self, capacity: usize) -> &mut Builder {
        assert!(capacity > 0, "max_io_events_per_tick must be non-zero");
        self.max_io_events.0 = capacity;
        self
    }

    /// The most I/O events handled by a driver poll that does not wait (a busy tick); tokio's
    /// default is the [`max_io_events_per_tick`](Builder::max_io_events_per_tick) value.
    ///
    /// Accepted and checked as tokio does; gort's driver uses one fixed batch size for every poll.
    ///
    /// # Panics
    /// When `capacity` is 0: "max_io_events_per_busy_tick must be non-zero".
    ///
    /// ```
    /// let rt = gort_executor::runtime::Builder::new_multi_thread()
    ///     .max_io_events_per_tick(128)
    ///     .max_io_events_per_busy_tick(8)
    ///     .build()
    ///     .unwrap();
    /// # drop(rt);
    /// ```
    #[track_caller]
    pub fn max_io_events_per_busy_tick(&mut self, capacity: usize) -> &mut Builder {
        assert!(capacity > 0, "max_io_events_per_busy_tick must be non-zero");
        self.max_io_events.1 = Some(capacity);
        self
    }

    /// Scheduler ticks between looks at the global queue before local work. Unset, the
    /// multi-thread workers tune it (as tokio's): about 200 µs worth of their mean poll time,
    /// between 2 and 127 ticks (61 until measured); the current-thread runtime uses 31.
    ///
    /// ```
    /// let rt = gort_executor::runtime::Builder::new_multi_thread().global_queue_interval(31).build().unwrap();
    /// # drop(rt);
    /// ```
    #[track_caller]
    pub fn global_queue_interval(&mut self, val: u32) -> &mut Builder {
        assert!(val > 0, "global_queue_interval must be greater than 0");
        self.global_queue_interval = Some(val);
        self
    }

    /// Enables the I/O and time drivers (gort always runs them; accepted for tokio parity).
    ///
    /// ```
    /// let rt = gort_executor::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    /// # drop(rt);
    /// ```
    pub fn enable_all(&mut self) -> &mut Builder {
        self
    }

    /// Enables the I/O driver (always on in gort).
    ///
    /// ```
    /// let rt = gort_executor::runtime::Builder::new_current_thread().enable_io().build().unwrap();
    /// # drop(rt);
    /// ```
    pub fn enable_io(&mut self) -> &mut Builder {
        self
    }

    /// Enables the time driver (always on in gort).
    ///
    /// ```
    /// let rt = gort_executor::runtime::Builder::new_current_thread().enable_time().build().unwrap();
    /// # drop(rt);
    /// ```
    pub fn enable_time(&mut self) -> &mut Builder {
        self
    }

    /// Starts the runtime's clock paused (current-thread runtime; feature `test-util`) (tokio's `test-util`): time only advances when every
    /// task is idle, jumping to the next timer.
    ///
    /// ```
    /// let rt = gort_executor::runtime::Builder::new_current_thread().start_paused(true).build().unwrap();
    /// # drop(rt);
    /// ```
    #[cfg(feature = "test-util")]
    pub fn start_paused(&mut self, start_paused: bool) -> &mut Builder {
        self.start_paused = start_paused;
        self
    }

    /// Names the runtime (see [`Handle::name`]); worker threads keep their own names.
    ///
    /// ```
    /// let rt = gort_executor::runtime::Builder::new_current_thread().name("io").build().unwrap();
    /// assert_eq!(rt.handle().name(), Some("io"));
    /// ```
    ///
    /// # Panics
    /// If the name is empty or only whitespace.
    #[track_caller]
    pub fn name(&mut self, val: impl Into<String>) -> &mut Builder {
        let val = val.into();
        assert!(!val.trim().is_empty(), "runtime name shouldn't be empty");
        self.name = Some(val);
        self
    }

    /// Runs `f` on a worker thread (or the thread in a current-thread `block_on`) each time it
    /// is about to park with nothing to run.
    ///
    /// ```
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// use std::sync::Arc;
    /// let parks = Arc::new(AtomicUsize::new(0));
    /// let p = parks.clone();
    /// let rt = gort_executor::runtime::Builder::new_current_thread()
    ///     .enable_all()
    ///     .on_thread_park(move || {
    ///         p.fetch_add(1, Ordering::Relaxed);
    ///     })
    ///     .build()
    ///     .unwrap();
    /// rt.block_on(async {
    ///     let pause = || std::thread::sleep(std::time::Duration::from_millis(5));
    ///     gort_executor::task::spawn_blocking(pause).await.unwrap()
    /// });
    /// assert!(parks.load(Ordering::Relaxed) >= 1);
    /// ```
    pub fn on_thread_park<F: Fn() + Send + Sync + 'static>(&mut self, f: F) -> &mut Builder {
        self.on_park = Some(Arc::new(f));
        self
    }

    /// Runs `f` on a worker thread each time it wakes up from parking.
    ///
    /// ```
    /// let rt = gort_executor::runtime::Builder::new_multi_thread()
    ///     .on_thread_unpark(|| {})
    ///     .build()
    ///     .unwrap();
    /// # drop(rt);
    /// ```
    pub fn on_thread_unpark<F: Fn() + Send + Sync + 'static>(&mut self, f: F) -> &mut Builder {
        self.on_unpark = Some(Arc::new(f));
        self
    }

    /// Starts a [`LocalRuntime`]: a current-thread runtime that also runs `!Send` tasks.
    ///
    /// # Errors
    /// As [`build`](Self::build); also when the builder is not for a current-thread runtime
    /// (`ErrorKind::InvalidInput`: a local runtime has one thread).
    ///
    /// ```
    /// use gort_executor::runtime::{Builder, LocalOptions};
    /// let rt = Builder::new_current_thread().build_local(LocalOptions::default()).unwrap();
    /// assert_eq!(rt.block_on(async { 1 }), 1);
    /// assert!(Builder::new_multi_thread().build_local(LocalOptions::default()).is_err());
    /// ```
    pub fn build_local(&mut self, _options: LocalOptions) -> io::Result<LocalRuntime> {
        if self.kind != Kind::CurrentThread {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "a LocalRuntime needs a current-thread builder: use Builder::new_current_thread",
            ));
        }
        Ok(LocalRuntime::from_runtime(self.build()?))
    }

    /// Starts the runtime.
    ///
    /// # Errors
    /// When the driver cannot be created or a worker thread cannot be spawned.
    ///
    /// ```
    /// let rt = gort_executor::runtime::Builder::new_multi_thread().build();
    /// assert!(rt.is_ok());
    /// ```
    pub fn build(&mut self) -> io::Result<Runtime> {
        self.watchdog.check(self.kind == Kind::MultiThread)?;
        // Timed channel waits (`mpsc::Sender::send_timeout`) use the reactor's timer.
        gort_channel::sync::__timer::install(|d| Box::pin(gort_reactor::time::sleep(d)));
        // A task whose budget is spent runs again after its worker's next driver poll.
        gort_channel::coop::install_defer(super::context::defer);
        let driver = driver::Driver::new()?;
        let blocking = blocking::Spawner::new(blocking::Config {
            max_threads: self.max_blocking_threads,
            keep_alive: self.keep_alive,
            thread_name: self.thread_name.clone(),
            stack_size: self.thread_stack_size,
            on_start: self.on_start.clone(),
            on_stop: self.on_stop.clone(),
        });
        let runtime = match self.kind {
            Kind::CurrentThread => {
                let (ct, handle) = current_thread::CurrentThread::new(
                    driver,
                    blocking,
                    self.event_interval,
                    self.global_queue_interval.unwrap_or(31),
                    self.info(1),
                );
                let handle = Handle {
                    inner: scheduler::Handle::CurrentThread(handle),
                };
                Runtime::from_parts(Some(ct), handle)
            }
            Kind::MultiThread => {
                let workers = self.worker_threads.unwrap_or_else(default_workers);
                // As tokio: pausing the clock needs the current-thread runtime.
                driver.handle().set_clock_pausable(false);
                let handle = multi_thread::Handle::start(
                    workers,
                    driver,
                    blocking,
                    multi_thread::Config {
                        thread_name: self.thread_name.clone(),
                        stack_size: self.thread_stack_size,
                        on_start: self.on_start.clone(),
                        on_stop: self.on_stop.clone(),
                        event_interval: self.event_interval,
                        global_queue_interval: self.global_queue_interval,
                    },
                    self.info(workers),
                )?;
                let handle = Handle {
                    inner: scheduler::Handle::MultiThread(handle),
                };
                Runtime::from_parts(None, handle)
            }
        };
        #[cfg(feature = "test-util")]
        if self.start_paused {
            let _driver = runtime.handle().inner.driver().enter();
            gort_reactor::time::pause();
        }
        let spawner_handle = runtime.handle().inner.clone();
        self.watchdog.start(&spawner_handle)?;
        let weak = WeakHandle::new(&spawner_handle);
        // The driver runs DNS lookups on our blocking pool; a weak reference avoids a cycle.
        spawner_handle.driver().set_blocking_spawner(Arc::new(
            move |f: Box<dyn FnOnce() + Send>| match weak.upgrade() {
                Some(rt) => rt.blocking_spawner().spawn_detached(&rt, f),
                None => {
                    std::thread::spawn(f);
                }
            },
        ));
        super::deadlock::watch(runtime.handle(), &self.deadlock)?;
        Ok(runtime)
    }
}

impl Builder {
    fn info(&self, workers: usize) -> RuntimeInfo {
        RuntimeInfo::new(
            workers,
            self.name.clone(),
            self.on_park.clone(),
            self.on_unpark.clone(),
            self.watchdog.watch(),
        )
    }
}

/// A scheduler handle that does not keep the runtime alive.
pub(super) enum WeakHandle {
    CurrentThread(std::sync::Weak<current_thread::Handle>),
    MultiThread(std::sync::Weak<multi_thread::Handle>),
}

impl WeakHandle {
    pub(super) fn new(handle: &scheduler::Handle) -> WeakHandle {
        match handle {
            scheduler::Handle::CurrentThread(h) => WeakHandle::CurrentThread(Arc::downgrade(h)),
            scheduler::Handle::MultiThread(h) => WeakHandle::MultiThread(Arc::downgrade(h)),
        }
    }

    pub(super) fn upgrade(&self) -> Option<scheduler::Handle> {
        match self {
            WeakHandle::CurrentThread(w) => w.upgrade().map(scheduler::Handle::CurrentThread),
            WeakHandle::MultiThread(w) => w.upgrade().map(scheduler::Handle::MultiThread),
        }
    }
}

fn default_workers() -> usize {
    static CACHED: AtomicUsize = AtomicUsize::new(0);
    match CACHED.load(Relaxed) {
        0 => {
            let n = std::thread::available_parallelism().map_or(1, |n| n.get());
            CACHED.store(n, Relaxed);
            n
        }
        n => n,
    }
}

impl fmt::Debug for Builder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Builder")
            .field("kind", &self.kind)
            .field("worker_threads", &self.worker_threads)
            .field("max_blocking_threads", &self.max_blocking_threads)
            .finish()
    }
}
