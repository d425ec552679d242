//! The per-task record of wait sites and the thread-local that points at the one being polled.
//!
//! A record holds up to [`MAX_SITES`] sites in parallel arrays of atomics. During a poll the
//! poller appends to it (`recording` counts the sites of this poll); the first append of a poll
//! starts over, so until the task waits again the record still shows the site it last resumed
//! from (what the slow-poll watchdog prints). `finish_poll` publishes the count.

use super::kind::WaitKind;
use std::cell::Cell;
use std::fmt;
use std::panic::Location;
use std::ptr;
use std::sync::atomic::{
    AtomicPtr, AtomicU16, AtomicU32, AtomicU64, AtomicU8, AtomicUsize,
    Ordering::{Acquire, Relaxed, Release},
};
use std::sync::OnceLock;
use std::task::Poll;
use std::time::{Duration, Instant};

/// How many sites one record keeps (a `select!` with more branches shows the first ones and
/// how many more).
pub const MAX_SITES: usize = 4;

/// `published` bit: the last poll returned `Pending` without recording any gort wait.
const FOREIGN: u8 = 0x80;
/// `recording` at the start of a poll: nothing recorded yet. Every field of a new record is
/// zero (so a task allocation initializes it with a few wide stores).
const FRESH: u8 = 0;

/// One wait: its kind, the resource's address, the lock holder's task id (0: none or unknown)
/// and the call site.
#[derive(Copy, Clone, PartialEq, Eq)]
pub struct WaitSite {
    /// What is waited on.
    pub kind: WaitKind,
    /// The resource's identity (its address); equal for two waits on the same resource.
    pub resource: usize,
    /// For lock waits: the id of the task holding the lock when the wait began (0 if unknown).
    pub holder: u64,
    /// Where the waiting future was created.
    pub location: &'static Location<'static>,
}

impl fmt::Debug for WaitSite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at {}", self.kind, self.location)
    }
}

/// The wait sites of one task (or thread), written by its poller, readable from any thread.
pub struct WaitRecord {
    owner: u64,
    kinds: [AtomicU8; MAX_SITES],
    locations: [AtomicPtr<Location<'static>>; MAX_SITES],
    resources: [AtomicUsize; MAX_SITES],
    holders: [AtomicU64; MAX_SITES],
    /// Sites recorded in the current poll (saturating); only the poller touches it.
    recording: AtomicU8,
    /// Sites recorded by the last `Pending` poll (saturating), plus the `FOREIGN` bit.
    published: AtomicU8,
    /// Polls so far (wrapping): a changed count means the task was woken and ran.
    polls: AtomicU32,
    /// One more than the worker index of the thread that polled last (`NO_WORKER`: none).
    worker: AtomicU16,
    /// Coarse clock (ms, see [`now_ms`]) when the last poll returned `Pending`.
    since: AtomicU64,
}

const NO_WORKER: u16 = 0;

impl fmt::Debug for WaitRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitRecord")
            .field("owner", &self.owner)
            .field("last", &self.snapshot())
            .finish()
    }
}

/// A copy of a record's published sites.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct WaitSnapshot {
    sites: [Option<WaitSite>; MAX_SITES],
    total: u8,
    foreign: bool,
    polls: u32,
    worker: Option<usize>,
    since: u64,
}

impl WaitSnapshot {
    /// The recorded sites (at most [`MAX_SITES`]).
    pub fn sites(&self) -> impl Iterator<Item = WaitSite> + '_ {
        self.sites.iter().flatten().copied()
    }

    /// How many sites the poll recorded beyond those kept.
    pub fn more(&self) -> usize {
        usize::from(self.total).saturating_sub(MAX_SITES)
    }

    /// True when the last poll returned `Pending` with no gort wait recorded.
    pub fn is_foreign(&self) -> bool {
        self.foreign
    }

    /// True when there is at least one site and every site is on a gort wait-list (nothing a
    /// timer, I/O or the task itself will end).
    pub fn only_wait_lists(&self) -> bool {
        !self.foreign
            && self.total > 0
            && self
                .sites()
                .all(|s| s.kind.is_wait_list() && !super::timers::is_timer_fed(s.resource))
    }

    /// The poll count when the snapshot was taken.
    pub fn polls(&self) -> u32 {
        self.polls
    }

    /// The worker index of the thread that polled last, if it was a worker.
    pub fn worker(&self) -> Option<usize> {
        self.worker
    }

    /// How long ago the last `Pending` poll ended (coarse: up to a few ms late, or up to 64
    /// polls of a busy worker), measured against `now` (from [`now_ms`]).
    pub fn waiting_for(&self, now: u64) -> Duration {
        Duration::from_millis(now.saturating_sub(self.since))
    }
}

/// The thread's current record, its worker index and its coarse clock.
struct Local {
    current: Cell<*const WaitRecord>,
    worker: Cell<u16>,
    clock_ms: Cell<u64>,
    until_refresh: Cell<u8>,
}

/// Polls between two reads of the real clock on one thread.
const REFRESH_EVERY: u8 = 64;

thread_local! {
    static LOCAL: Local = const {
        Local {
            current: Cell::new(ptr::null()),
            worker: Cell::new(NO_WORKER),
            clock_ms: Cell::new(0),
            until_refresh: Cell::new(0),
        }
    };
}

impl Local {
    /// The thread's coarse clock, read from the real one every `REFRESH_EVERY` calls.
    #[inline]
    fn coarse_ms(&self) -> u64 {
        match self.until_refresh.get() {
            0 => {
                let now = now_ms();
                self.clock_ms.set(now);
                self.until_refresh.set(REFRESH_EVERY);
                now
            }
            n => {
                self.until_refresh.set(n - 1);
                self.clock_ms.get()
            }
        }
    }
}

/// Milliseconds since the first use of this clock in the process (the clock of
/// [`WaitSnapshot::waiting_for`]).
///
/// ```
/// let a = gort_waitsite::now_ms();
/// assert!(gort_waitsite::now_ms() >= a);
/// ```
pub fn now_ms() -> u64 {
    static BASE: OnceLock<Instant> = OnceLock::new();
    let base = *BASE.get_or_init(Instant::now);
    u64::try_from(base.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// Makes this thread read the real clock at its next `Pending` poll (a worker calls it after
/// it parked, so the first tasks it polls get a fresh idle time).
///
/// ```
/// gort_waitsite::clock_stale();
/// ```
#[inline]
pub fn clock_stale() {
    let _ = LOCAL.try_with(|l| l.until_refresh.set(0));
}

/// Marks this thread as worker `index` (`None`: not a worker); polls record it.
///
/// ```
/// gort_waitsite::set_worker(Some(0));
/// gort_waitsite::set_worker(None);
/// ```
pub fn set_worker(index: Option<usize>) {
    let raw = index.map_or(NO_WORKER, |i| u16::try_from(i + 1).unwrap_or(u16::MAX));
    let _ = LOCAL.try_with(|l| l.worker.set(raw));
}

impl WaitRecord {
    /// An empty record of the task (or thread, 0) `owner`.
    #[inline]
    pub const fn new(owner: u64) -> WaitRecord {
        // SAFETY: every field is an integer, an atomic integer or an atomic pointer, for which
        // all-zero bytes are a valid value (and the meaning of "empty": no kind, no location,
        // `FRESH`, `NO_WORKER`). Zeroing compiles to a few wide stores on each task spawn.
        let mut record: WaitRecord = unsafe { std::mem::zeroed() };
        record.owner = owner;
        record
    }

    /// The owner given to [`WaitRecord::new`].
    pub fn owner(&self) -> u64 {
        self.owner
    }

    /// Ends a poll: counts it and, if it returned `Pending`, publishes its sites (none: foreign)
    /// with the time. [`poll_with`] calls it; callers that poll by hand call it themselves.
    #[inline]
    pub fn finish_poll(&self, pending: bool) {
        let since = if pending {
            LOCAL.try_with(Local::coarse_ms).unwrap_or(0)
        } else {
            0
        };
        self.finish(pending, since);
    }

    #[inline]
    fn finish(&self, pending: bool, since: u64) {
        self.polls
            .store(self.polls.load(Relaxed).wrapping_add(1), Release);
        if pending {
            let published = match self.recording.load(Relaxed) {
                FRESH => FOREIGN,
                n => n,
            };
            self.since.store(since, Relaxed);
            self.published.store(published, Release);
        }
    }

    /// Number of polls so far (wrapping).
    pub fn polls(&self) -> u32 {
        self.polls.load(Acquire)
    }

    fn push(&self, at: u8, site: WaitSite) {
        let i = usize::from(at);
        if i < MAX_SITES {
            self.kinds[i].store(site.kind as u8, Relaxed);
            self.locations[i].store(ptr::from_ref(site.location).cast_mut(), Relaxed);
            self.resources[i].store(site.resource, Relaxed);
            self.holders[i].store(site.holder, Relaxed);
        }
        self.recording
            .store(at.saturating_add(1).min(!FOREIGN), Relaxed);
    }

    fn recorded(&self) -> u8 {
        match self.recording.load(Relaxed) {
            FRESH => 0,
            n => n,
        }
    }

    fn site(&self, i: usize) -> Option<WaitSite> {
        let kind = WaitKind::from_u8(self.kinds[i].load(Relaxed))?;
        let location = self.locations[i].load(Relaxed);
        // SAFETY: only `push` stores non-null pointers, taken from `&'static Location`s.
        let location = unsafe { location.cast_const().as_ref() }?;
        Some(WaitSite {
            kind,
            resource: self.resources[i].load(Relaxed),
            holder: self.holders[i].load(Relaxed),
            location,
        })
    }

    /// The sites of the last `Pending` poll. While the task runs they may be partly overwritten
    /// by the running poll.
    pub fn snapshot(&self) -> WaitSnapshot {
        let polls = self.polls.load(Acquire);
        let published = self.published.load(Acquire);
        let total = published & !FOREIGN;
        let mut sites = [None; MAX_SITES];
        for (i, slot) in sites.iter_mut().enumerate().take(usize::from(total)) {
            *slot = self.site(i);
        }
        let worker = self.worker.load(Relaxed);
        WaitSnapshot {
            sites,
            total,
            foreign: published & FOREIGN != 0,
            polls,
            worker: (worker != NO_WORKER).then(|| usize::from(worker) - 1),
            since: self.since.load(Relaxed),
        }
    }

    /// The sites currently stored, published or not: during a poll, the site the task last
    /// resumed from (until it records a new one).
    pub fn last_sites(&self) -> WaitSnapshot {
        let mut snap = self.snapshot();
        if snap.total == 0 && !snap.foreign {
            snap.total = self.recorded();
        }
        for (i, slot) in snap.sites.iter_mut().enumerate() {
            *slot = if i < usize::from(snap.total) {
                self.site(i)
            } else {
                None
            };
        }
        snap
    }
}

/// Runs one poll, `f`, with `record` as the current thread's record: [`record`] calls inside
/// it land there. Then publishes the sites if it returned `Pending` (none: foreign) and
/// restores the previous record (also on unwind, without publishing).
///
/// ```
/// use gort_waitsite::{poll_with, WaitRecord};
/// use std::task::Poll;
/// let rec = WaitRecord::new(1);
/// assert_eq!(poll_with(&rec, || Poll::Ready(gort_waitsite::current_task())), Poll::Ready(1));
/// assert_eq!(gort_waitsite::current_task(), 0);
/// assert!(!rec.snapshot().is_foreign());
/// let _ = poll_with(&rec, || Poll::<()>::Pending);
/// assert!(rec.snapshot().is_foreign());
/// ```
#[inline]
pub fn poll_with<T>(record: &WaitRecord, f: impl FnOnce() -> Poll<T>) -> Poll<T> {
    let Ok(prev) = LOCAL.try_with(|l| {
        record.recording.store(FRESH, Relaxed);
        record.worker.store(l.worker.get(), Relaxed);
        l.current.replace(record)
    }) else {
        return f();
    };
    let restore = Restore(prev);
    let polled = f();
    std::mem::forget(restore);
    let _ = LOCAL.try_with(|l| {
        l.current.set(prev);
        let pending = polled.is_pending();
        record.finish(pending, if pending { l.coarse_ms() } else { 0 });
    });
    polled
}

/// Runs `f` with `record` current but without starting a poll (a task's destructor runs with
/// its id visible to `task::try_id`).
///
/// ```
/// let rec = gort_waitsite::WaitRecord::new(4);
/// assert_eq!(gort_waitsite::scope(&rec, gort_waitsite::current_task), 4);
/// ```
#[inline]
pub fn scope<R>(record: &WaitRecord, f: impl FnOnce() -> R) -> R {
    let prev = LOCAL
        .try_with(|l| l.current.replace(record))
        .unwrap_or(ptr::null());
    let _restore = Restore(prev);
    f()
}

/// Puts the previous record back on drop (the unwind path of `poll_with` and `scope`).
struct Restore(*const WaitRecord);

impl Drop for Restore {
    fn drop(&mut self) {
        let _ = LOCAL.try_with(|l| l.current.set(self.0));
    }
}

#[inline]
fn with_current<R>(f: impl FnOnce(&WaitRecord) -> R) -> Option<R> {
    let p = LOCAL.try_with(|l| l.current.get()).ok()?;
    // SAFETY: `current` is non-null only inside `poll_with` or `scope`, whose borrow of the
    // record outlives the call (a guard resets it before they return or unwind).
    unsafe { p.as_ref() }.map(f)
}

/// Records that the current poll waits on `resource` (its address) at `location`; `holder` is
/// the lock holder's task id for lock waits, else 0. Does nothing outside a recorded poll.
///
/// ```
/// gort_waitsite::record(gort_waitsite::WaitKind::Sleep, std::ptr::null(), 0, std::panic::Location::caller());
/// ```
#[inline]
pub fn record(
    kind: WaitKind,
    resource: *const (),
    holder: u64,
    location: &'static Location<'static>,
) {
    with_current(|rec| {
        rec.push(
            rec.recorded(),
            WaitSite {
                kind,
                resource: resource as usize,
                holder,
                location,
            },
        )
    });
}

/// The number of sites recorded so far in the current poll (for [`record_over`]).
///
/// ```
/// assert_eq!(gort_waitsite::mark(), 0);
/// ```
#[inline]
pub fn mark() -> u8 {
    with_current(WaitRecord::recorded).unwrap_or(0)
}

/// Like [`record`], but first drops the sites recorded since `mark`: an outer gort future
/// (`Mutex::lock`) replaces the sites of the inner ones it is built on (a semaphore acquire).
///
/// ```
/// let m = gort_waitsite::mark();
/// gort_waitsite::record_over(m, gort_waitsite::WaitKind::MutexLock, std::ptr::null(), 0, std::panic::Location::caller());
/// ```
#[inline]
pub fn record_over(
    mark: u8,
    kind: WaitKind,
    resource: *const (),
    holder: u64,
    location: &'static Location<'static>,
) {
    record_over_addr(mark, kind, resource as usize, holder, location);
}

/// [`record_over`] with the resource's address already taken.
#[inline]
pub(crate) fn record_over_addr(
    mark: u8,
    kind: WaitKind,
    resource: usize,
    holder: u64,
    location: &'static Location<'static>,
) {
    with_current(|rec| {
        rec.push(
            mark.min(rec.recorded()),
            WaitSite {
                kind,
                resource,
                holder,
                location,
            },
        )
    });
}

/// The owner id of the record being polled on this thread (the task id), 0 outside one.
///
/// ```
/// assert_eq!(gort_waitsite::current_task(), 0);
/// ```
#[inline]
pub fn current_task() -> u64 {
    with_current(WaitRecord::owner).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn here() -> &'static Location<'static> {
        Location::caller()
    }

    /// A distinct resource address (a real pointer: Miri runs with strict provenance).
    fn res(i: usize) -> *const () {
        static RESOURCES: [u8; 4] = [0; 4];
        ptr::from_ref(&RESOURCES[i]).cast()
    }

    #[test]
    fn pending_without_site_is_foreign() {
        let rec = WaitRecord::new(3);
        let _ = poll_with(&rec, || Poll::<()>::Pending);
        let snap = rec.snapshot();
        assert!(snap.is_foreign());
        assert_eq!(snap.sites().count(), 0);
        assert!(!snap.only_wait_lists());
        assert_eq!(snap.polls(), 1);
    }

    #[test]
    fn a_new_poll_replaces_the_sites_and_keeps_the_last_until_then() {
        let rec = WaitRecord::new(3);
        let (a, b) = (here(), here());
        let _ = poll_with(&rec, || {
            record(WaitKind::ChanRecv, res(1), 0, a);
            record(WaitKind::Sleep, res(2), 0, b);
            Poll::<()>::Pending
        });
        assert_eq!(rec.snapshot().sites().count(), 2);
        assert!(!rec.snapshot().only_wait_lists());
        let _ = poll_with(&rec, || {
            // Still the old sites while this poll has recorded nothing.
            assert_eq!(rec.last_sites().sites().next().unwrap().location, a);
            record(WaitKind::MutexLock, res(3), 9, b);
            Poll::<()>::Pending
        });
        let sites: Vec<_> = rec.snapshot().sites().collect();
        assert_eq!(sites.len(), 1);
        assert_eq!(sites[0].holder, 9);
        assert!(rec.snapshot().only_wait_lists());
    }

    #[test]
    fn record_over_replaces_inner_sites_and_extra_sites_are_counted() {
        let rec = WaitRecord::new(3);
        let _ = poll_with(&rec, || {
            record(WaitKind::ChanRecv, ptr::null(), 0, here());
            let m = mark();
            record(WaitKind::SemaphoreAcquire, ptr::null(), 0, here());
            record_over(m, WaitKind::MutexLock, ptr::null(), 0, here());
            for _ in 0..5 {
                record(WaitKind::ChanSend, ptr::null(), 0, here());
            }
            Poll::<()>::Pending
        });
        let snap = rec.snapshot();
        let kinds: Vec<_> = snap.sites().map(|s| s.kind).collect();
        assert_eq!(
            kinds,
            [
                WaitKind::ChanRecv,
                WaitKind::MutexLock,
                WaitKind::ChanSend,
                WaitKind::ChanSend
            ]
        );
        assert_eq!(snap.more(), 3);
    }

    #[test]
    fn nested_polls_restore_the_outer_record() {
        let outer = WaitRecord::new(1);
        let inner = WaitRecord::new(2);
        let _ = poll_with(&outer, || {
            let _ = poll_with(&inner, || {
                assert_eq!(current_task(), 2);
                Poll::Ready(())
            });
            assert_eq!(current_task(), 1);
            Poll::Ready(())
        });
        assert_eq!(current_task(), 0);
    }
}
