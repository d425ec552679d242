//! Per-task metadata for diagnostics: name, spawn location, wait sites, state.
//!
//! Every task header carries a [`TaskMeta`]: the optional name (from [`task::Builder`]), the
//! spawn location (captured by the `#[track_caller]` spawn functions), and the task's
//! [`WaitRecord`], which the poll loop installs around each poll so gort's leaf futures record
//! what they wait on (see the `gort-waitsite` crate). [`TaskInfo`] is a snapshot of all that
//! plus the task's state, read from any thread without touching the future: the task dump,
//! the deadlock detector and the slow-poll watchdog read it.
//!
//! The spawn location and name reach the task through a thread-local set by the public spawn
//! functions just before they allocate the task (`spawned_here`, `set_next_name`), so the
//! scheduler's internal spawn paths keep their signatures.
//!
//! [`task::Builder`]: super::Builder
//!
//! ```
//! # let rt = gort_executor::runtime::Runtime::new().unwrap();
//! # rt.block_on(async {
//! use gort_executor::task::{self, TaskState};
//! let (tx, rx) = gort_channel::chan::bounded::<u32>(0);
//! let t = task::Builder::new().name("worker").spawn(async move { rx.recv().await }).unwrap();
//! while gort_executor::runtime::Handle::current().dump().tasks().all(|t| !matches!(t.state(), TaskState::Idle { .. })) {
//!     task::yield_now().await;
//! }
//! let dump = gort_executor::runtime::Handle::current().dump();
//! let info = dump.tasks().find(|i| i.name() == Some("worker")).unwrap();
//! assert_eq!(info.wait_sites().next().unwrap().kind, task::WaitKind::ChanRecv);
//! tx.send(1).await.unwrap();
//! assert_eq!(t.await.unwrap(), Some(1));
//! # });
//! ```

use super::header::Header;
use super::id::Id;
use crate::runtime::metrics::RuntimeInfo;
use gort_waitsite::{WaitRecord, WaitSite, WaitSnapshot};
use std::cell::Cell;
use std::fmt;
use std::panic::Location;
use std::time::Duration;

/// What a task header knows about the task besides its state word.
pub(crate) struct TaskMeta {
    /// Sites the task waits on (written by its poller), and its name as the record's label.
    pub(crate) waits: WaitRecord,
    /// Where it was spawned, when a public spawn function recorded it.
    pub(crate) spawned_at: Option<&'static Location<'static>>,
}

/// The spawn site waiting for the next task allocated on this thread. No destructor, so the
/// per-spawn access is a plain thread-local read.
struct NextSpawn {
    site: Cell<Option<&'static Location<'static>>>,
    /// Set by `task::Builder` around its call of a spawn function: the builder's caller.
    forced_site: Cell<Option<&'static Location<'static>>>,
    /// True when `NEXT_NAME` holds a name for the next task.
    named: Cell<bool>,
}

thread_local! {
    static NEXT: NextSpawn = const {
        NextSpawn {
            site: Cell::new(None),
            forced_site: Cell::new(None),
            named: Cell::new(false),
        }
    };
    /// The name for the next task (only touched by `task::Builder` spawns).
    static NEXT_NAME: Cell<Option<Box<str>>> = const { Cell::new(None) };
}

/// Remembers the caller's location as the spawn site of the next task allocated on this
/// thread. Called first thing by every public `#[track_caller]` spawn function.
#[track_caller]
#[inline]
pub(crate) fn spawned_here() {
    let site = Location::caller();
    let _ = NEXT.try_with(|n| n.site.set(Some(n.forced_site.get().unwrap_or(site))));
}

/// Makes `spawned_here` record `site` instead of its caller (`None`: back to normal).
pub(crate) fn spawn_site_override(site: Option<&'static Location<'static>>) {
    let _ = NEXT.try_with(|n| n.forced_site.set(site));
}

/// Names the next task allocated on this thread (`None` clears a name left by a failed spawn).
pub(crate) fn set_next_name(name: Option<Box<str>>) {
    let named = name.is_some();
    let _ = NEXT_NAME.try_with(|n| n.set(name));
    let _ = NEXT.try_with(|n| n.named.set(named));
}

impl TaskMeta {
    /// The name given with `task::Builder::name` (kept as the wait record's label, so an
    /// unnamed task carries no name field).
    pub(crate) fn name(&self) -> Option<&str> {
        self.waits.label()
    }

    /// The metadata of a task being allocated now: takes the pending spawn site and name.
    #[inline]
    pub(crate) fn new() -> TaskMeta {
        let (spawned_at, named) = NEXT
            .try_with(|n| (n.site.take(), n.named.replace(false)))
            .unwrap_or((None, false));
        let name = if named {
            NEXT_NAME.try_with(Cell::take).unwrap_or(None)
        } else {
            None
        };
        TaskMeta {
            waits: name.map_or_else(WaitRecord::new, WaitRecord::with_label),
            spawned_at,
        }
    }
}

/// A task's state in a [`TaskInfo`].
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TaskState {
    /// Being polled, on the worker with this index (`None`: not a worker thread, e.g. a
    /// current-thread runtime's `block_on` thread or a `LocalSet`).
    Running {
        /// The index of the worker polling it.
        worker: Option<usize>,
    },
    /// Woken and queued, waiting for a worker.
    Scheduled,
    /// Waiting (its wait sites say on what) for about this long.
    Idle {
        /// Time since its last poll returned `Pending` (coarse, a few ms).
        idle_for: Duration,
    },
    /// Finished (or cancelled); its output waits for the `JoinHandle`.
    Finished,
}

/// A snapshot of one task: id, name, spawn location, state and wait sites.
///
/// ```
/// # let rt = gort_executor::runtime::Runtime::new().unwrap();
/// let dump = rt.handle().dump();
/// for task in dump.tasks() {
///     println!("{} {:?} {:?}", task.id(), task.name(), task.state());
/// }
/// ```
#[derive(Clone)]
pub struct TaskInfo {
    id: Id,
    name: Option<String>,
    spawned_at: Option<&'static Location<'static>>,
    state: TaskState,
    waits: WaitSnapshot,
}

impl TaskInfo {
    /// Reads the task behind `header` (a live task of the runtime `info` describes) without
    /// touching its future.
    pub(crate) fn of(header: &Header, now_ms: u64, info: &RuntimeInfo) -> TaskInfo {
        let snapshot = header.state.load();
        let waits = header.meta.waits.snapshot();
        let state = if snapshot.is_complete() {
            TaskState::Finished
        } else if snapshot.is_running() {
            TaskState::Running {
                worker: info.running_on(header.id),
            }
        } else if snapshot.is_notified() {
            TaskState::Scheduled
        } else {
            TaskState::Idle {
                idle_for: header.idle_since.waiting_for(now_ms),
            }
        };
        TaskInfo {
            id: header.id,
            name: header.meta.name().map(str::to_owned),
            spawned_at: header.meta.spawned_at,
            state,
            waits,
        }
    }

    /// The task's id.
    ///
    /// ```
    /// # let rt = gort_executor::runtime::Runtime::new().unwrap();
    /// let t = rt.spawn(std::future::pending::<()>());
    /// assert!(rt.handle().dump().tasks().any(|info| info.id() == t.id()));
    /// ```
    pub fn id(&self) -> Id {
        self.id
    }

    /// The name given with [`Builder::name`](super::Builder::name).
    ///
    /// ```
    /// # let rt = gort_executor::runtime::Runtime::new().unwrap();
    /// let named = gort_executor::task::Builder::new().name("worker");
    /// let t = named.spawn_on(std::future::pending::<()>(), rt.handle()).unwrap();
    /// let dump = rt.handle().dump();
    /// let info = dump.tasks().find(|info| info.id() == t.id()).unwrap();
    /// assert_eq!(info.name(), Some("worker"));
    /// ```
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// Where the task was spawned (`None` for tasks spawned through an internal path).
    ///
    /// ```
    /// # let rt = gort_executor::runtime::Runtime::new().unwrap();
    /// let line = line!() + 1;
    /// let t = rt.spawn(std::future::pending::<()>());
    /// let dump = rt.handle().dump();
    /// let info = dump.tasks().find(|info| info.id() == t.id()).unwrap();
    /// assert_eq!(info.spawned_at().unwrap().line(), line);
    /// ```
    pub fn spawned_at(&self) -> Option<&'static Location<'static>> {
        self.spawned_at
    }

    /// Running, scheduled, idle (and since when) or finished.
    ///
    /// ```
    /// # let rt = gort_executor::runtime::Runtime::new().unwrap();
    /// let (_tx, rx) = gort_channel::chan::bounded::<u8>(0);
    /// let t = rt.spawn(async move { rx.recv().await });
    /// # let info = loop {
    /// #     let dump = rt.handle().dump();
    /// #     let info = dump.tasks().find(|i| i.id() == t.id()).unwrap().clone();
    /// #     if matches!(info.state(), gort_executor::task::TaskState::Idle { .. }) { break info; }
    /// #     std::thread::sleep(std::time::Duration::from_millis(1));
    /// # };
    /// use gort_executor::task::TaskState;
    /// let TaskState::Idle { idle_for } = info.state() else { unreachable!() };
    /// assert!(idle_for < std::time::Duration::from_secs(60));
    /// ```
    pub fn state(&self) -> TaskState {
        self.state
    }

    /// What the task's last `Pending` poll waited on: one site per gort wait (every branch of a
    /// `select!`), at most [`gort_waitsite::MAX_SITES`].
    ///
    /// ```
    /// # let rt = gort_executor::runtime::Runtime::new().unwrap();
    /// let (_tx, rx) = gort_channel::chan::bounded::<u8>(0);
    /// let line = line!() + 1;
    /// let t = rt.spawn(async move { rx.recv().await });
    /// # let info = loop {
    /// #     let dump = rt.handle().dump();
    /// #     let info = dump.tasks().find(|i| i.id() == t.id()).unwrap().clone();
    /// #     if matches!(info.state(), gort_executor::task::TaskState::Idle { .. }) { break info; }
    /// #     std::thread::sleep(std::time::Duration::from_millis(1));
    /// # };
    /// let site = info.wait_sites().next().unwrap();
    /// assert_eq!(site.kind, gort_executor::task::WaitKind::ChanRecv);
    /// assert_eq!(site.location.line(), line);
    /// ```
    pub fn wait_sites(&self) -> impl Iterator<Item = WaitSite> + '_ {
        self.waits.sites()
    }

    /// How many wait sites the last poll recorded beyond those kept.
    ///
    /// ```
    /// # let rt = gort_executor::runtime::Runtime::new().unwrap();
    /// let (_tx, rx) = gort_channel::chan::bounded::<u8>(0);
    /// let t = rt.spawn(async move { rx.recv().await });
    /// # let info = loop {
    /// #     let dump = rt.handle().dump();
    /// #     let info = dump.tasks().find(|i| i.id() == t.id()).unwrap().clone();
    /// #     if matches!(info.state(), gort_executor::task::TaskState::Idle { .. }) { break info; }
    /// #     std::thread::sleep(std::time::Duration::from_millis(1));
    /// # };
    /// assert_eq!(info.more_wait_sites(), 0); // one receive: nothing left out
    /// ```
    pub fn more_wait_sites(&self) -> usize {
        self.waits.more()
    }

    /// True when the last poll returned `Pending` without any gort wait (a foreign future).
    ///
    /// ```
    /// # let rt = gort_executor::runtime::Runtime::new().unwrap();
    /// let t = rt.spawn(std::future::pending::<()>()); // not a gort wait
    /// # let info = loop {
    /// #     let dump = rt.handle().dump();
    /// #     let info = dump.tasks().find(|i| i.id() == t.id()).unwrap().clone();
    /// #     if matches!(info.state(), gort_executor::task::TaskState::Idle { .. }) { break info; }
    /// #     std::thread::sleep(std::time::Duration::from_millis(1));
    /// # };
    /// assert!(info.waits_on_foreign());
    /// ```
    pub fn waits_on_foreign(&self) -> bool {
        self.waits.is_foreign()
    }

    /// True when the task is idle and every wait is on a gort wait-list (no timer, no I/O, no
    /// foreign future): only another task or thread can wake it.
    ///
    /// ```
    /// # let rt = gort_executor::runtime::Runtime::new().unwrap();
    /// let (_tx, rx) = gort_channel::chan::bounded::<u8>(0);
    /// let t = rt.spawn(async move { rx.recv().await });
    /// # let info = loop {
    /// #     let dump = rt.handle().dump();
    /// #     let info = dump.tasks().find(|i| i.id() == t.id()).unwrap().clone();
    /// #     if matches!(info.state(), gort_executor::task::TaskState::Idle { .. }) { break info; }
    /// #     std::thread::sleep(std::time::Duration::from_millis(1));
    /// # };
    /// assert!(info.waits_only_on_wait_lists()); // only a sender can wake it
    /// ```
    pub fn waits_only_on_wait_lists(&self) -> bool {
        matches!(self.state, TaskState::Idle { .. }) && self.waits.only_wait_lists()
    }

    /// The poll count of the task when the snapshot was taken (wrapping).
    pub(crate) fn polls(&self) -> u32 {
        self.waits.polls()
    }
}

impl fmt::Debug for TaskInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskInfo")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("spawned_at", &self.spawned_at)
            .field("state", &self.state)
            .field("waits", &self.waits.sites().collect::<Vec<_>>())
            .finish()
    }
}

/// Records that the current poll waits for the task behind `header` to finish: a join wait on
/// that task (its id as the "holder"), shown at the joined task's spawn location.
#[inline]
pub(crate) fn join_wait(header: &Header) {
    gort_waitsite::record(
        gort_waitsite::WaitKind::Join,
        std::ptr::from_ref(header).cast(),
        header.id.as_u64(),
        header.meta.spawned_at.unwrap_or(Location::caller()),
    );
}

/// The wait sites stored for the task behind `header`: while it runs, the site it last
/// resumed from (until it waits again). For the slow-poll watchdog.
#[allow(dead_code)] // read by the slow-poll watchdog (another module)
pub(crate) fn last_wait_site(header: &Header) -> Option<WaitSite> {
    header.meta.waits.last_sites().sites().next()
}
