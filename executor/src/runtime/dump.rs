//! `Handle::dump()`: a Go-style dump of every task, read without polling or stopping anything.
//!
//! The dump walks the runtime's owned-task list (one short shard lock at a time) and reads each
//! task header: state word, name, spawn location and the wait sites its last `Pending` poll
//! recorded (see [`crate::task::meta`]). No task is polled and no worker is waited for, so it
//! can be called from any thread, even while every worker is stuck in a long poll. Threads
//! inside this runtime's `block_on` and plain threads in a gort blocking call are listed too.
//!
//! ```
//! let rt = gort_executor::runtime::Runtime::new().unwrap();
//! let (tx, rx) = gort_channel::chan::bounded::<()>(0);
//! let task = rt.spawn(async move { rx.recv().await });
//! std::thread::sleep(std::time::Duration::from_millis(20));
//! let dump = rt.handle().dump();
//! println!("{dump}");
//! drop(tx);
//! rt.block_on(task).unwrap();
//! ```

use super::{scheduler, Builder, Handle};
use crate::task::{Header, Id, TaskInfo, TaskState, WaitKind, WaitSite};
use gort_reactor::signal::unix::SignalKind;
use gort_waitsite::{ThreadState, WaitSnapshot};
use std::collections::HashMap;
use std::fmt;
use std::time::Duration;

/// A snapshot of a runtime's tasks (and of the threads waiting on it), from
/// [`Handle::dump`](super::Handle::dump). `Display` prints it Go-style.
///
/// ```
/// let rt = gort_executor::runtime::Runtime::new().unwrap();
/// assert_eq!(rt.handle().dump().tasks().count(), 0);
/// ```
#[derive(Clone, Debug)]
pub struct TaskDump {
    tasks: Vec<TaskInfo>,
    threads: Vec<ThreadInfo>,
}

/// A thread in the dump: in this runtime's `block_on`, or in a gort blocking call.
///
/// ```
/// let rt = gort_executor::runtime::Runtime::new().unwrap();
/// for thread in rt.handle().dump().threads() {
///     println!("{} {:?}", thread.name(), thread.wait_sites().collect::<Vec<_>>());
/// }
/// ```
#[derive(Clone, Debug)]
pub struct ThreadInfo {
    name: String,
    in_block_on: bool,
    polling: bool,
    waits: WaitSnapshot,
    /// Time since its last poll returned `Pending`.
    idle_for: std::time::Duration,
}

impl ThreadInfo {
    /// The thread's name (or id).
    ///
    /// ```
    /// let rt = std::sync::Arc::new(gort_executor::runtime::Runtime::new().unwrap());
    /// let (tx, rx) = gort_channel::chan::bounded::<u8>(0);
    /// let line = line!() + 3;
    /// let waiter = std::thread::Builder::new().name("waiter".into()).spawn({
    ///     let rt = rt.clone();
    ///     move || rt.block_on(async move { rx.recv().await })
    /// }).unwrap();
    /// # let thread = loop {
    /// #     let dump = rt.handle().dump();
    /// #     let found = dump.threads().find(|t| t.name() == "waiter" && t.wait_sites().count() > 0);
    /// #     if let Some(t) = found { break t.clone(); }
    /// #     std::thread::sleep(std::time::Duration::from_millis(1));
    /// # };
    /// assert_eq!(thread.name(), "waiter");
    /// tx.send_blocking(1).unwrap();
    /// assert_eq!(waiter.join().unwrap(), Some(1));
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }

    /// True for a thread in `block_on`, false for one in a blocking API call.
    ///
    /// ```
    /// let rt = std::sync::Arc::new(gort_executor::runtime::Runtime::new().unwrap());
    /// let (tx, rx) = gort_channel::chan::bounded::<u8>(0);
    /// let line = line!() + 3;
    /// let waiter = std::thread::Builder::new().name("waiter".into()).spawn({
    ///     let rt = rt.clone();
    ///     move || rt.block_on(async move { rx.recv().await })
    /// }).unwrap();
    /// # let thread = loop {
    /// #     let dump = rt.handle().dump();
    /// #     let found = dump.threads().find(|t| t.name() == "waiter" && t.wait_sites().count() > 0);
    /// #     if let Some(t) = found { break t.clone(); }
    /// #     std::thread::sleep(std::time::Duration::from_millis(1));
    /// # };
    /// assert!(thread.in_block_on());
    /// tx.send_blocking(1).unwrap();
    /// assert_eq!(waiter.join().unwrap(), Some(1));
    /// ```
    pub fn in_block_on(&self) -> bool {
        self.in_block_on
    }

    /// What it waits on (its last `Pending` poll).
    ///
    /// ```
    /// let rt = std::sync::Arc::new(gort_executor::runtime::Runtime::new().unwrap());
    /// let (tx, rx) = gort_channel::chan::bounded::<u8>(0);
    /// let line = line!() + 3;
    /// let waiter = std::thread::Builder::new().name("waiter".into()).spawn({
    ///     let rt = rt.clone();
    ///     move || rt.block_on(async move { rx.recv().await })
    /// }).unwrap();
    /// # let thread = loop {
    /// #     let dump = rt.handle().dump();
    /// #     let found = dump.threads().find(|t| t.name() == "waiter" && t.wait_sites().count() > 0);
    /// #     if let Some(t) = found { break t.clone(); }
    /// #     std::thread::sleep(std::time::Duration::from_millis(1));
    /// # };
    /// let site = thread.wait_sites().next().unwrap();
    /// assert_eq!(site.kind, gort_executor::task::WaitKind::ChanRecv);
    /// assert_eq!(site.location.line(), line);
    /// tx.send_blocking(1).unwrap();
    /// assert_eq!(waiter.join().unwrap(), Some(1));
    /// ```
    pub fn wait_sites(&self) -> impl Iterator<Item = WaitSite> + '_ {
        self.waits.sites()
    }
}

impl TaskDump {
    /// Reads every task of `handle` and the threads waiting on it.
    pub(crate) fn capture(handle: &scheduler::Handle) -> TaskDump {
        let now = gort_waitsite::now_ms();
        let mut tasks = Vec::new();
        let info = handle.info();
        handle.for_each_task(|header: &Header| tasks.push(TaskInfo::of(header, now, info)));
        tasks.sort_by_key(TaskInfo::id);
        TaskDump {
            tasks,
            threads: threads_of(handle.key(), now),
        }
    }

    /// The threads in `block_on` of the runtime `key` and in gort blocking calls.
    pub(crate) fn capture_threads(key: u64, now_ms: u64) -> Vec<ThreadInfo> {
        threads_of(key, now_ms)
    }

    pub(crate) fn from_parts(tasks: Vec<TaskInfo>, threads: Vec<ThreadInfo>) -> TaskDump {
        TaskDump { tasks, threads }
    }

    /// Every task, by id.
    ///
    /// ```
    /// let rt = gort_executor::runtime::Runtime::new().unwrap();
    /// let t = rt.spawn(std::future::pending::<()>());
    /// assert!(rt.handle().dump().tasks().any(|i| i.id() == t.id()));
    /// t.abort();
    /// ```
    pub fn tasks(&self) -> impl Iterator<Item = &TaskInfo> {
        self.tasks.iter()
    }

    /// The threads in this runtime's `block_on` and plain threads in a gort blocking call.
    ///
    /// ```
    /// let rt = gort_executor::runtime::Runtime::new().unwrap();
    /// // Nobody is in `block_on` now.
    /// assert!(rt.handle().dump().threads().all(|t| !t.in_block_on()));
    /// ```
    pub fn threads(&self) -> impl Iterator<Item = &ThreadInfo> {
        self.threads.iter()
    }

    /// Groups of idle tasks that each wait for a lock (`Mutex`, `RwLock`) held by the next one
    /// of the group, the last waiting for the first: a deadlock among them, even while other
    /// tasks still run. Each cycle lists its task ids, starting with the smallest.
    ///
    /// ```
    /// let rt = gort_executor::runtime::Runtime::new().unwrap();
    /// assert!(rt.handle().dump().lock_cycles().is_empty());
    /// ```
    pub fn lock_cycles(&self) -> Vec<Vec<Id>> {
        let waits_for: HashMap<u64, u64> = self
            .tasks
            .iter()
            .filter(|t| matches!(t.state(), TaskState::Idle { .. }))
            .filter_map(|t| {
                let mut locks = t.wait_sites().filter(|s| s.kind.is_lock() && s.holder != 0);
                let site = locks.next()?;
                // A task in a `select!` over several locks is not stuck on one of them.
                (t.wait_sites().count() == 1).then_some((t.id().as_u64(), site.holder))
            })
            .collect();
        let ids: HashMap<u64, Id> = self
            .tasks
            .iter()
            .map(|t| (t.id().as_u64(), t.id()))
            .collect();
        let mut cycles = Vec::new();
        let mut starts: Vec<u64> = waits_for.keys().copied().collect();
        starts.sort_unstable();
        for start in starts {
            // Follow the chain from `start`; report it if it returns to `start` and `start` is
            // its smallest member (so each cycle is found once).
            let mut chain = vec![start];
            let mut at = start;
            while let Some(&next) = waits_for.get(&at) {
                if next == start {
                    if chain.iter().all(|&id| id >= start) {
                        cycles.push(chain.iter().filter_map(|id| ids.get(id).copied()).collect());
                    }
                    break;
                }
                if chain.contains(&next) || chain.len() > waits_for.len() {
                    break;
                }
                chain.push(next);
                at = next;
            }
        }
        cycles
    }
}

fn threads_of(runtime: u64, now_ms: u64) -> Vec<ThreadInfo> {
    gort_waitsite::threads()
        .iter()
        .filter_map(|t| {
            let in_block_on = match t.state() {
                ThreadState::BlockOn(rt) if rt == runtime => true,
                ThreadState::Blocking => false,
                _ => return None,
            };
            Some(ThreadInfo {
                name: t.name().to_owned(),
                in_block_on,
                polling: t.is_polling(),
                waits: t.record().snapshot(),
                idle_for: t.idle_since().waiting_for(now_ms),
            })
        })
        .collect()
}

impl Builder {
    /// Prints [`Handle::dump`] to stderr each time the process receives `signal` (Go prints
    /// its goroutine dump on SIGQUIT). A thread waits for the signal; it ends with the runtime.
    ///
    /// ```
    /// use gort_reactor::signal::unix::SignalKind;
    /// let rt = gort_executor::runtime::Builder::new_multi_thread()
    ///     .dump_on_signal(SignalKind::user_defined1())
    ///     .build()
    ///     .unwrap();
    /// # drop(rt);
    /// ```
    pub fn dump_on_signal(&mut self, signal: SignalKind) -> &mut Builder {
        self.deadlock.dump_signal = Some(signal);
        self
    }
}

/// Starts the thread of `Builder::dump_on_signal`.
pub(crate) fn dump_on_signal(handle: &Handle, kind: SignalKind) -> std::io::Result<()> {
    let mut signal = {
        let _enter = handle.enter();
        gort_reactor::signal::unix::signal(kind)?
    };
    let weak = super::deadlock::WeakHandle::new(&handle.inner);
    std::thread::Builder::new()
        .name("gort-dump-on-signal".into())
        .spawn(move || loop {
            wait_for(&mut signal);
            let Some(inner) = weak.upgrade() else { return };
            eprintln!("{}", TaskDump::capture(&inner));
        })?;
    Ok(())
}

/// Blocks this (plain) thread until `signal` is delivered.
fn wait_for(signal: &mut gort_reactor::signal::unix::Signal) {
    struct Unpark(std::thread::Thread);
    impl std::task::Wake for Unpark {
        fn wake(self: std::sync::Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = std::task::Waker::from(std::sync::Arc::new(Unpark(std::thread::current())));
    let mut cx = std::task::Context::from_waker(&waker);
    while signal.poll_recv(&mut cx).is_pending() {
        std::thread::park();
    }
}

/// Go-style duration: `850ms`, `12s`, `3m12s`, `2h5m`.
pub(crate) struct Ago(pub(crate) Duration);

impl fmt::Display for Ago {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = self.0.as_secs();
        match secs {
            0 => write!(f, "{}ms", self.0.as_millis()),
            1..=59 => write!(f, "{secs}s"),
            60..=3599 => write!(f, "{}m{}s", secs / 60, secs % 60),
            _ => write!(f, "{}h{}m", secs / 3600, secs % 3600 / 60),
        }
    }
}

/// The bracketed label: what it waits on (`select` for several sites, `foreign` for none).
fn wait_label<'a>(mut sites: impl Iterator<Item = WaitSite>, foreign: bool) -> &'a str {
    match (sites.next(), sites.next()) {
        _ if foreign => "foreign future",
        (Some(one), None) => kind_label(one.kind),
        (Some(_), Some(_)) => "select",
        (None, _) => "idle",
    }
}

fn kind_label(kind: WaitKind) -> &'static str {
    kind.as_str()
}

fn write_sites(
    f: &mut fmt::Formatter<'_>,
    sites: impl Iterator<Item = WaitSite>,
    more: usize,
) -> fmt::Result {
    for site in sites {
        match site.kind {
            // A join's location is the joined task's spawn site; the holder is its id.
            WaitKind::Join if site.holder != 0 => writeln!(
                f,
                "        join task {} spawned at {}",
                site.holder, site.location
            )?,
            _ => writeln!(f, "        {} at {}", site.kind, site.location)?,
        }
    }
    if more > 0 {
        writeln!(f, "        ... and {more} more")?;
    }
    Ok(())
}

impl fmt::Display for TaskInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "task {}", self.id())?;
        if let Some(name) = self.name() {
            write!(f, " {name:?}")?;
        }
        match self.state() {
            TaskState::Running { worker: Some(w) } => writeln!(f, " [running on worker {w}]:")?,
            TaskState::Running { worker: None } => writeln!(f, " [running]:")?,
            TaskState::Scheduled => writeln!(f, " [runnable]:")?,
            TaskState::Finished => writeln!(f, " [finished]:")?,
            TaskState::Idle { idle_for } => writeln!(
                f,
                " [{}, {}]:",
                wait_label(self.wait_sites(), self.waits_on_foreign()),
                Ago(idle_for)
            )?,
        }
        match self.spawned_at() {
            Some(at) => writeln!(f, "    spawned at {at}")?,
            None => writeln!(f, "    spawned at <unknown>")?,
        }
        if matches!(self.state(), TaskState::Idle { .. }) {
            write_sites(f, self.wait_sites(), self.more_wait_sites())?;
        }
        Ok(())
    }
}

impl fmt::Display for ThreadInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = if self.in_block_on {
            "block_on"
        } else {
            "blocking call"
        };
        if self.polling {
            return writeln!(f, "thread {:?} [{what}, running]:", self.name);
        }
        writeln!(
            f,
            "thread {:?} [{what}: {}, {}]:",
            self.name,
            wait_label(self.waits.sites(), self.waits.is_foreign()),
            Ago(self.idle_for)
        )?;
        write_sites(f, self.waits.sites(), self.waits.more())
    }
}

impl fmt::Display for TaskDump {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for thread in &self.threads {
            if !first {
                writeln!(f)?;
            }
            first = false;
            write!(f, "{thread}")?;
        }
        for task in &self.tasks {
            if !first {
                writeln!(f)?;
            }
            first = false;
            write!(f, "{task}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::Ago;
    use std::time::Duration;

    #[test]
    fn durations_print_go_style() {
        let ago = |ms| Ago(Duration::from_millis(ms)).to_string();
        assert_eq!(ago(850), "850ms");
        assert_eq!(ago(12_300), "12s");
        assert_eq!(ago(192_000), "3m12s");
        assert_eq!(ago(7_500_000), "2h5m");
    }
}
