//! The per-task record of wait sites and the thread-local that points at the one being polled.
//!
//! A [`WaitRecord`] is one pointer (inline in every task) to the sites, allocated the first time
//! the task records a wait (once per task: a task that never waits on gort pays nothing more).
//! When the last `Pending` poll ended is an [`IdleSince`] (4 bytes) its owner keeps next to the
//! record, where it costs no padding (a task header puts it beside its owner-list key); which
//! worker runs a task is the scheduler's to tell (its per-worker slots), not the record's. The
//! sites are up to [`MAX_SITES`] in parallel arrays of atomics. During a poll the poller appends
//! to them (`recording` counts the sites of this poll, reset at the end of each poll); the
//! first append of a poll overwrites the first slot, so until the task waits again the record
//! still shows the site it last resumed from (what the slow-poll watchdog prints). The end of a
//! `Pending` poll publishes the count.

use super::kind::WaitKind;
use std::cell::Cell;
use std::fmt;
use std::panic::Location;
use std::ptr;
use std::sync::atomic::{
    AtomicPtr, AtomicU32, AtomicU64, AtomicU8, AtomicUsize,
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
/// `recording` at the start of a poll: nothing recorded yet.
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
    /// The sites, allocated by the first `record` (or by `with_label`); freed with the record.
    sites: AtomicPtr<Sites>,
}

/// When a task's (or thread's) last poll returned `Pending`: the poller's coarse clock (ms,
/// see [`now_ms`], wrapping), stamped with [`IdleSince::stamp`].
///
/// ```
/// let since = gort_waitsite::IdleSince::new();
/// gort_waitsite::tick_clock();
/// since.stamp();
/// assert!(since.waiting_for(gort_waitsite::now_ms()) < std::time::Duration::from_secs(60));
/// ```
#[derive(Debug, Default)]
pub struct IdleSince(AtomicU32);

impl IdleSince {
    /// Time 0 of the coarse clock.
    ///
    /// ```
    /// let since = gort_waitsite::IdleSince::new();
    /// assert_eq!(since.waiting_for(5), std::time::Duration::from_millis(5));
    /// ```
    pub const fn new() -> IdleSince {
        IdleSince(AtomicU32::new(0))
    }

    /// Records now, as this thread's coarse clock says (no clock read: the scheduler ticks it
    /// after parking and every few dozen polls, see [`tick_clock`]). Called by the poller when
    /// a poll returned `Pending`.
    ///
    /// ```
    /// let since = gort_waitsite::IdleSince::new();
    /// since.stamp();
    /// ```
    #[inline]
    pub fn stamp(&self) {
        let _ = LOCAL.try_with(|l| self.0.store(l.clock_ms.get(), Relaxed));
    }

    /// How long ago the last stamp was (coarse, see [`stamp`](Self::stamp)), measured against
    /// `now` (from [`now_ms`]).
    ///
    /// ```
    /// let since = gort_waitsite::IdleSince::new();
    /// since.stamp();
    /// let waited = since.waiting_for(gort_waitsite::now_ms());
    /// assert!(waited < std::time::Duration::from_secs(60));
    /// ```
    pub fn waiting_for(&self, now: u64) -> Duration {
        Duration::from_millis(u64::from((now as u32).wrapping_sub(self.0.load(Relaxed))))
    }
}

/// The out-of-line part of a record.
struct Sites {
    kinds: [AtomicU8; MAX_SITES],
    locations: [AtomicPtr<Location<'static>>; MAX_SITES],
    resources: [AtomicUsize; MAX_SITES],
    holders: [AtomicU64; MAX_SITES],
    /// Sites recorded in the current poll (saturating); only the poller touches it.
    recording: AtomicU8,
    /// Sites recorded by the last `Pending` poll (saturating), plus the `FOREIGN` bit.
    published: AtomicU8,
    /// Polls since the sites were allocated (wrapping): a change means the task ran.
    polls: AtomicU32,
    /// A name for the owner (a task's name), set before the record is shared.
    label: Option<Box<str>>,
}

impl Sites {
    fn new(label: Option<Box<str>>) -> Box<Sites> {
        Box::new(Sites {
            kinds: [const { AtomicU8::new(0) }; MAX_SITES],
            locations: [const { AtomicPtr::new(ptr::null_mut()) }; MAX_SITES],
            resources: [const { AtomicUsize::new(0) }; MAX_SITES],
            holders: [const { AtomicU64::new(0) }; MAX_SITES],
            recording: AtomicU8::new(FRESH),
            published: AtomicU8::new(0),
            polls: AtomicU32::new(0),
            label,
        })
    }

    #[inline]
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

    #[inline]
    fn recorded(&self) -> u8 {
        self.recording.load(Relaxed)
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

    /// Ends a poll: publishes its sites if it was `Pending`, and starts the next poll's list.
    #[inline]
    fn finish(&self, pending: bool) {
        self.polls
            .store(self.polls.load(Relaxed).wrapping_add(1), Release);
        if pending {
            let published = match self.recording.load(Relaxed) {
                FRESH => FOREIGN,
                n => n,
            };
            self.published.store(published, Release);
        }
        self.recording.store(FRESH, Relaxed);
    }
}

impl fmt::Debug for WaitRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitRecord")
            .field("last", &self.snapshot())
            .finish()
    }
}

impl Default for WaitRecord {
    fn default() -> WaitRecord {
        WaitRecord::new()
    }
}

impl Drop for WaitRecord {
    fn drop(&mut self) {
        let sites = *self.sites.get_mut();
        if !sites.is_null() {
            // SAFETY: a non-null pointer came from `Box::into_raw` in `sites_or_alloc` or
            // `with_label`, and `&mut self` means no reader holds it any more.
            drop(unsafe { Box::from_raw(sites) });
        }
    }
}

/// A copy of a record's published sites.
///
/// ```
/// use gort_waitsite::{poll_with, record, WaitKind, WaitRecord};
/// let rec = WaitRecord::new();
/// let _ = poll_with(&rec, 1, || {
///     record(WaitKind::Notified, std::ptr::null(), 0, std::panic::Location::caller());
///     std::task::Poll::<()>::Pending
/// });
/// let snap = rec.snapshot();
/// assert_eq!(snap.sites().count(), 1);
/// assert!(snap.only_wait_lists() && !snap.is_foreign() && snap.more() == 0);
/// ```
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct WaitSnapshot {
    sites: [Option<WaitSite>; MAX_SITES],
    total: u8,
    foreign: bool,
    polls: u32,
}

impl WaitSnapshot {
    /// The recorded sites (at most [`MAX_SITES`]).
    ///
    /// ```
    /// # use gort_waitsite::{poll_with, record, WaitKind, WaitRecord};
    /// # let rec = WaitRecord::new();
    /// # let here = std::panic::Location::caller();
    /// // One poll that waits on a channel receive.
    /// let _ = poll_with(&rec, 1, || {
    ///     record(WaitKind::ChanRecv, std::ptr::null(), 0, here);
    ///     std::task::Poll::<()>::Pending
    /// });
    /// let kinds: Vec<_> = rec.snapshot().sites().map(|s| s.kind).collect();
    /// assert_eq!(kinds, [WaitKind::ChanRecv]);
    /// ```
    pub fn sites(&self) -> impl Iterator<Item = WaitSite> + '_ {
        self.sites.iter().flatten().copied()
    }

    /// How many sites the poll recorded beyond those kept.
    ///
    /// ```
    /// # use gort_waitsite::{poll_with, record, WaitKind, WaitRecord};
    /// # let rec = WaitRecord::new();
    /// # let here = std::panic::Location::caller();
    /// // One poll that waits on a channel receive.
    /// let _ = poll_with(&rec, 1, || {
    ///     record(WaitKind::ChanRecv, std::ptr::null(), 0, here);
    ///     std::task::Poll::<()>::Pending
    /// });
    /// assert_eq!(rec.snapshot().more(), 0);
    /// ```
    pub fn more(&self) -> usize {
        usize::from(self.total).saturating_sub(MAX_SITES)
    }

    /// True when the last poll returned `Pending` with no gort wait recorded.
    ///
    /// ```
    /// # use gort_waitsite::{poll_with, record, WaitKind, WaitRecord};
    /// # let rec = WaitRecord::new();
    /// # let here = std::panic::Location::caller();
    /// // One poll that waits on a channel receive.
    /// let _ = poll_with(&rec, 1, || {
    ///     record(WaitKind::ChanRecv, std::ptr::null(), 0, here);
    ///     std::task::Poll::<()>::Pending
    /// });
    /// assert!(!rec.snapshot().is_foreign());
    /// let _ = poll_with(&rec, 1, || std::task::Poll::<()>::Pending); // records nothing
    /// assert!(rec.snapshot().is_foreign());
    /// ```
    pub fn is_foreign(&self) -> bool {
        self.foreign
    }

    /// True when there is at least one site and every site is on a gort wait-list (nothing a
    /// timer, I/O or the task itself will end).
    ///
    /// ```
    /// # use gort_waitsite::{poll_with, record, WaitKind, WaitRecord};
    /// # let rec = WaitRecord::new();
    /// # let here = std::panic::Location::caller();
    /// // One poll that waits on a channel receive.
    /// let _ = poll_with(&rec, 1, || {
    ///     record(WaitKind::ChanRecv, std::ptr::null(), 0, here);
    ///     std::task::Poll::<()>::Pending
    /// });
    /// assert!(rec.snapshot().only_wait_lists()); // a receive: only a sender ends it
    /// ```
    pub fn only_wait_lists(&self) -> bool {
        !self.foreign
            && self.total > 0
            && self
                .sites()
                .all(|s| s.kind.is_wait_list() && !super::timers::is_timer_fed(s.resource))
    }

    /// The poll count when the snapshot was taken (counted from the first recorded wait).
    ///
    /// ```
    /// # use gort_waitsite::{poll_with, record, WaitKind, WaitRecord};
    /// # let rec = WaitRecord::new();
    /// # let here = std::panic::Location::caller();
    /// // One poll that waits on a channel receive.
    /// let _ = poll_with(&rec, 1, || {
    ///     record(WaitKind::ChanRecv, std::ptr::null(), 0, here);
    ///     std::task::Poll::<()>::Pending
    /// });
    /// assert_eq!(rec.snapshot().polls(), 1);
    /// ```
    pub fn polls(&self) -> u32 {
        self.polls
    }
}

/// The thread's current record and its owner, and its coarse clock.
struct Local {
    current: Cell<*const WaitRecord>,
    owner: Cell<u64>,
    /// [`now_ms`] at the thread's last [`tick_clock`]: the time a `Pending` poll stamps (so a
    /// poll reads no clock; the scheduler ticks it after parking and every few dozen polls).
    clock_ms: Cell<u32>,
}

thread_local! {
    static LOCAL: Local = const {
        Local {
            current: Cell::new(ptr::null()),
            owner: Cell::new(0),
            clock_ms: Cell::new(0),
        }
    };
}

/// Milliseconds since the first use of this clock in the process (the clock of
/// [`IdleSince::waiting_for`]).
///
/// ```
/// let a = gort_waitsite::now_ms();
/// assert!(gort_waitsite::now_ms() >= a);
/// ```
pub fn now_ms() -> u64 {
    ms_at(Instant::now())
}

/// `now` on the clock of [`now_ms`].
fn ms_at(now: Instant) -> u64 {
    static BASE: OnceLock<Instant> = OnceLock::new();
    let since = now.saturating_duration_since(*BASE.get_or_init(Instant::now));
    // Not `as_millis` (a u128): the scheduler reads this clock after each park.
    since
        .as_secs()
        .saturating_mul(1000)
        .saturating_add(u64::from(since.subsec_millis()))
}

/// Reads the real clock into this thread's coarse clock, the time its `Pending` polls stamp
/// (so a poll itself reads no clock). A scheduler calls it after parking and at its periodic
/// maintenance (every few dozen polls); [`ThreadWait`](crate::ThreadWait) polls call it too.
///
/// ```
/// gort_waitsite::tick_clock();
/// ```
#[inline]
pub fn tick_clock() {
    tick_clock_at(Instant::now());
}

/// [`tick_clock`] with a time the caller just read (a scheduler that needs the time anyway
/// after parking reads the clock once).
///
/// ```
/// gort_waitsite::tick_clock_at(std::time::Instant::now());
/// ```
#[inline]
pub fn tick_clock_at(now: Instant) {
    let now = ms_at(now) as u32;
    let _ = LOCAL.try_with(|l| l.clock_ms.set(now));
}

impl WaitRecord {
    /// An empty record (its sites are allocated by the first recorded wait).
    ///
    /// ```
    /// let rec = gort_waitsite::WaitRecord::new();
    /// assert_eq!(rec.polls(), 0);
    /// assert_eq!(rec.label(), None);
    /// ```
    pub const fn new() -> WaitRecord {
        WaitRecord {
            sites: AtomicPtr::new(ptr::null_mut()),
        }
    }

    /// A record carrying `label` (a task's name); allocates its sites now.
    ///
    /// ```
    /// let rec = gort_waitsite::WaitRecord::with_label("worker".into());
    /// assert_eq!(rec.label(), Some("worker"));
    /// ```
    pub fn with_label(label: Box<str>) -> WaitRecord {
        WaitRecord {
            sites: AtomicPtr::new(Box::into_raw(Sites::new(Some(label)))),
        }
    }

    /// The label given to [`WaitRecord::with_label`].
    ///
    /// ```
    /// let rec = gort_waitsite::WaitRecord::with_label("worker".into());
    /// assert_eq!(rec.label(), Some("worker"));
    /// ```
    pub fn label(&self) -> Option<&str> {
        self.sites()?.label.as_deref()
    }

    #[inline]
    fn sites(&self) -> Option<&Sites> {
        let sites = self.sites.load(Acquire);
        // SAFETY: a non-null pointer is a `Box<Sites>` published with `Release` and freed only
        // when the record is dropped, which the `&self` borrow rules out.
        unsafe { sites.as_ref() }
    }

    /// The sites, allocating them on the first wait. Only the poller calls it.
    #[inline]
    fn sites_or_alloc(&self) -> &Sites {
        if let Some(sites) = self.sites() {
            return sites;
        }
        self.alloc_sites()
    }

    /// The first wait's allocation (out of line: every later wait finds the sites).
    #[cold]
    #[inline(never)]
    fn alloc_sites(&self) -> &Sites {
        let sites = Box::into_raw(Sites::new(None));
        self.sites.store(sites, Release);
        // SAFETY: just allocated and published; freed only when the record is dropped.
        unsafe { &*sites }
    }

    /// Ends a poll: if it returned `Pending`, publishes its sites (none: foreign). [`poll_with`]
    /// calls it.
    #[inline]
    fn finish(&self, pending: bool) {
        if let Some(sites) = self.sites() {
            sites.finish(pending);
        }
    }

    /// Number of polls since the first recorded wait (wrapping).
    ///
    /// ```
    /// # use gort_waitsite::{poll_with, record, WaitKind, WaitRecord};
    /// # let rec = WaitRecord::new();
    /// # let here = std::panic::Location::caller();
    /// // One poll that waits on a channel receive.
    /// let _ = poll_with(&rec, 1, || {
    ///     record(WaitKind::ChanRecv, std::ptr::null(), 0, here);
    ///     std::task::Poll::<()>::Pending
    /// });
    /// assert_eq!(rec.polls(), 1);
    /// ```
    pub fn polls(&self) -> u32 {
        self.sites().map_or(0, |s| s.polls.load(Acquire))
    }

    fn snapshot_with(&self, current_poll: bool) -> WaitSnapshot {
        let mut snap = WaitSnapshot {
            sites: [None; MAX_SITES],
            total: 0,
            foreign: true,
            polls: 0,
        };
        let Some(sites) = self.sites() else {
            return snap;
        };
        snap.polls = sites.polls.load(Acquire);
        let published = sites.published.load(Acquire);
        snap.total = published & !FOREIGN;
        snap.foreign = published & FOREIGN != 0;
        if current_poll && snap.total == 0 && !snap.foreign {
            snap.total = sites.recorded();
        }
        for (i, slot) in snap.sites.iter_mut().enumerate() {
            if i < usize::from(snap.total) {
                *slot = sites.site(i);
            }
        }
        snap
    }

    /// The sites of the last `Pending` poll. While the task runs they may be partly overwritten
    /// by the running poll.
    ///
    /// ```
    /// # use gort_waitsite::{poll_with, record, WaitKind, WaitRecord};
    /// # let rec = WaitRecord::new();
    /// # let here = std::panic::Location::caller();
    /// // One poll that waits on a channel receive.
    /// let _ = poll_with(&rec, 1, || {
    ///     record(WaitKind::ChanRecv, std::ptr::null(), 0, here);
    ///     std::task::Poll::<()>::Pending
    /// });
    /// assert_eq!(rec.snapshot().sites().count(), 1);
    /// ```
    pub fn snapshot(&self) -> WaitSnapshot {
        self.snapshot_with(false)
    }

    /// The sites currently stored, published or not: during a poll, the site the task last
    /// resumed from (until it records a new one).
    ///
    /// ```
    /// # use gort_waitsite::{poll_with, record, WaitKind, WaitRecord};
    /// # let rec = WaitRecord::new();
    /// # let here = std::panic::Location::caller();
    /// // One poll that waits on a channel receive.
    /// let _ = poll_with(&rec, 1, || {
    ///     record(WaitKind::ChanRecv, std::ptr::null(), 0, here);
    ///     std::task::Poll::<()>::Pending
    /// });
    /// let _ = poll_with(&rec, 1, || {
    ///     // Resumed: nothing recorded yet in this poll, the last site still shows.
    ///     assert_eq!(rec.last_sites().sites().next().unwrap().kind, WaitKind::ChanRecv);
    ///     std::task::Poll::Ready(())
    /// });
    /// ```
    pub fn last_sites(&self) -> WaitSnapshot {
        self.snapshot_with(true)
    }
}

/// Runs one poll, `f`, of the task (or thread, 0) `owner` with `record` as the current thread's
/// record: [`record`] calls inside it land there. Then publishes the sites if it returned
/// `Pending` (none: foreign) and restores the previous record (also on unwind, without
/// publishing).
///
/// ```
/// use gort_waitsite::{poll_with, WaitRecord};
/// use std::task::Poll;
/// let rec = WaitRecord::new();
/// assert_eq!(poll_with(&rec, 1, || Poll::Ready(gort_waitsite::current_task())), Poll::Ready(1));
/// assert_eq!(gort_waitsite::current_task(), 0);
/// let _ = poll_with(&rec, 1, || Poll::<()>::Pending);
/// assert!(rec.snapshot().is_foreign());
/// ```
#[inline]
pub fn poll_with<T>(record: &WaitRecord, owner: u64, f: impl FnOnce() -> Poll<T>) -> Poll<T> {
    // `recording` is already `FRESH`: the previous poll's end (or the allocation) reset it.
    let Ok(prev) = LOCAL.try_with(|l| (l.current.replace(record), l.owner.replace(owner))) else {
        return f();
    };
    let restore = Restore(prev);
    let polled = f();
    std::mem::forget(restore);
    let _ = LOCAL.try_with(|l| {
        l.current.set(prev.0);
        l.owner.set(prev.1);
        record.finish(polled.is_pending());
    });
    polled
}

/// Runs `f` with `record` (of `owner`) current but without starting a poll (a task's
/// destructor runs with its id visible to `task::try_id`).
///
/// ```
/// let rec = gort_waitsite::WaitRecord::new();
/// assert_eq!(gort_waitsite::scope(&rec, 4, gort_waitsite::current_task), 4);
/// ```
#[inline]
pub fn scope<R>(record: &WaitRecord, owner: u64, f: impl FnOnce() -> R) -> R {
    let prev = LOCAL
        .try_with(|l| (l.current.replace(record), l.owner.replace(owner)))
        .unwrap_or((ptr::null(), 0));
    let _restore = Restore(prev);
    f()
}

/// Puts the previous record back on drop (the unwind path of `poll_with` and `scope`).
struct Restore((*const WaitRecord, u64));

impl Drop for Restore {
    #[inline]
    fn drop(&mut self) {
        let _ = LOCAL.try_with(|l| {
            l.current.set(self.0 .0);
            l.owner.set(self.0 .1);
        });
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
        let sites = rec.sites_or_alloc();
        sites.push(
            sites.recorded(),
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
    with_current(|rec| rec.sites().map_or(0, Sites::recorded)).unwrap_or(0)
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

/// Moves the sites recorded since `mark` to `location`, keeping their kind and resource: an
/// outer future built at the user's line (`stream.read(&mut buf)`) shows that line instead of
/// the line inside gort where its inner poll (`poll_read`) recorded the wait.
///
/// ```
/// use gort_waitsite::{mark, poll_with, record, relocate_since, WaitKind, WaitRecord};
/// use std::panic::Location;
/// let rec = WaitRecord::new();
/// let user_line = Location::caller();
/// let _ = poll_with(&rec, 1, || {
///     let m = mark();
///     record(WaitKind::IoReadiness, std::ptr::null(), 0, Location::caller());
///     relocate_since(m, user_line);
///     std::task::Poll::<()>::Pending
/// });
/// let site = rec.snapshot().sites().next().unwrap();
/// assert_eq!((site.kind, site.location), (WaitKind::IoReadiness, user_line));
/// ```
#[inline]
pub fn relocate_since(mark: u8, location: &'static Location<'static>) {
    with_current(|rec| {
        if let Some(sites) = rec.sites() {
            let end = usize::from(sites.recorded()).min(MAX_SITES);
            for slot in sites
                .locations
                .get(usize::from(mark)..end)
                .into_iter()
                .flatten()
            {
                slot.store(ptr::from_ref(location).cast_mut(), Relaxed);
            }
        }
    });
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
        let sites = rec.sites_or_alloc();
        sites.push(
            mark.min(sites.recorded()),
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
    LOCAL.try_with(|l| l.owner.get()).unwrap_or(0)
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
        let rec = WaitRecord::new();
        let _ = poll_with(&rec, 3, || Poll::<()>::Pending);
        let snap = rec.snapshot();
        assert!(snap.is_foreign());
        assert_eq!(snap.sites().count(), 0);
        assert!(!snap.only_wait_lists());
        assert_eq!(snap.polls(), 0, "no sites allocated: nothing to count");
    }

    #[test]
    fn a_new_poll_replaces_the_sites_and_keeps_the_last_until_then() {
        let rec = WaitRecord::new();
        let (a, b) = (here(), here());
        let _ = poll_with(&rec, 3, || {
            record(WaitKind::ChanRecv, res(1), 0, a);
            record(WaitKind::Sleep, res(2), 0, b);
            Poll::<()>::Pending
        });
        assert_eq!(rec.snapshot().sites().count(), 2);
        assert!(!rec.snapshot().only_wait_lists());
        let _ = poll_with(&rec, 3, || {
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
        let rec = WaitRecord::new();
        let _ = poll_with(&rec, 3, || {
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
        let outer = WaitRecord::new();
        let inner = WaitRecord::new();
        let _ = poll_with(&outer, 1, || {
            let _ = poll_with(&inner, 2, || {
                assert_eq!(current_task(), 2);
                Poll::Ready(())
            });
            assert_eq!(current_task(), 1);
            Poll::Ready(())
        });
        assert_eq!(current_task(), 0);
    }
}
