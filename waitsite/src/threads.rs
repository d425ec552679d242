//! Threads that wait on gort outside a task: plain threads in a blocking API call
//! (`recv_blocking`, `blocking_lock`, ...) and threads in a runtime's `block_on`.
//!
//! Each such thread registers once (a thread-local [`ThreadWait`], removed from the registry
//! when the thread exits). The deadlock detector reads the registry: a registered thread that
//! is not inside a gort wait is a possible waker (it may still send), so no deadlock is
//! reported while one exists.

use super::record::{poll_with, IdleSince, WaitRecord};
use std::fmt;
use std::sync::atomic::{
    AtomicBool, AtomicU64,
    Ordering::{Acquire, Release},
};
use std::sync::{Arc, Mutex};
use std::task::{Poll, Wake, Waker};
use std::thread::Thread;

/// What a registered thread is doing.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ThreadState {
    /// Outside any gort wait: it may wake a task at any time.
    Free,
    /// Parked in a blocking API call (its record says on what).
    Blocking,
    /// Inside `block_on` of the runtime with this id.
    BlockOn(u64),
}

const FREE: u64 = 0;
const BLOCKING: u64 = 1;

/// A registered thread's wait state and record.
pub struct ThreadWait {
    record: WaitRecord,
    /// When its last poll returned `Pending`.
    since: IdleSince,
    state: AtomicU64,
    running: AtomicBool,
    /// Set by [`thread_waker`] when it wakes the thread, cleared before its next blocking poll:
    /// a woken thread no longer counts as blocked, though it has not left its park yet.
    woken: AtomicBool,
    name: String,
}

impl fmt::Debug for ThreadWait {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ThreadWait")
            .field("name", &self.name)
            .field("state", &self.state())
            .finish()
    }
}

static REGISTRY: Mutex<Vec<Arc<ThreadWait>>> = Mutex::new(Vec::new());

struct Registered(Arc<ThreadWait>);

impl Drop for Registered {
    fn drop(&mut self) {
        let mut all = REGISTRY.lock().unwrap_or_else(|e| e.into_inner());
        all.retain(|t| !Arc::ptr_eq(t, &self.0));
    }
}

thread_local! {
    static ENTRY: Registered = {
        let thread = std::thread::current();
        let name = match thread.name() {
            Some(name) => name.to_owned(),
            None => format!("{:?}", thread.id()),
        };
        let entry = Arc::new(ThreadWait {
            record: WaitRecord::new(),
            since: IdleSince::new(),
            state: AtomicU64::new(FREE),
            running: AtomicBool::new(false),
            woken: AtomicBool::new(false),
            name,
        });
        REGISTRY.lock().unwrap_or_else(|e| e.into_inner()).push(entry.clone());
        Registered(entry)
    };
}

/// This thread's entry, registering it on first use; `None` while the thread exits.
///
/// ```
/// let me = gort_waitsite::current_thread_wait().unwrap();
/// assert_eq!(me.state(), gort_waitsite::ThreadState::Free);
/// assert!(gort_waitsite::threads().iter().any(|t| std::sync::Arc::ptr_eq(t, &me)));
/// ```
pub fn current_thread_wait() -> Option<Arc<ThreadWait>> {
    ENTRY.try_with(|e| e.0.clone()).ok()
}

/// Every registered thread (a snapshot).
///
/// ```
/// let _ = gort_waitsite::threads();
/// ```
pub fn threads() -> Vec<Arc<ThreadWait>> {
    REGISTRY.lock().unwrap_or_else(|e| e.into_inner()).clone()
}

/// Polls `poll` as a blocking API call of this thread, then, if it is pending, runs `park`
/// with the thread marked as blocked. Returns the poll's result.
///
/// ```
/// use std::task::Poll;
/// let out = gort_waitsite::blocking_wait(|| Poll::Ready(5), || unreachable!());
/// assert_eq!(out, Poll::Ready(5));
/// ```
pub fn blocking_wait<T>(poll: impl FnOnce() -> Poll<T>, park: impl FnOnce()) -> Poll<T> {
    let Some(me) = current_thread_wait() else {
        let polled = poll();
        if polled.is_pending() {
            park();
        }
        return polled;
    };
    // Before the poll: a wake from here on (the poll may register the waker) marks this wait.
    me.woken.store(false, Release);
    let polled = me.poll(poll);
    if polled.is_pending() {
        let prev = me.enter(ThreadState::Blocking);
        park();
        me.enter(prev);
    }
    polled
}

/// The waker of a thread parked in [`blocking_wait`]: it marks the thread woken (so the
/// deadlock detector stops counting it as blocked before the OS runs it) and unparks it.
///
/// ```
/// use std::task::Poll;
/// let waker = gort_waitsite::thread_waker();
/// let mut polls = 0;
/// let out = loop {
///     let polled = gort_waitsite::blocking_wait(
///         || {
///             polls += 1;
///             if polls == 2 { Poll::Ready(polls) } else { waker.wake_by_ref(); Poll::Pending }
///         },
///         std::thread::park,
///     );
///     if let Poll::Ready(out) = polled { break out; }
/// };
/// assert_eq!(out, 2);
/// ```
pub fn thread_waker() -> Waker {
    Waker::from(Arc::new(ThreadWaker {
        thread: std::thread::current(),
        entry: current_thread_wait(),
    }))
}

struct ThreadWaker {
    thread: Thread,
    entry: Option<Arc<ThreadWait>>,
}

impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if let Some(entry) = &self.entry {
            entry.woken.store(true, Release);
        }
        self.thread.unpark();
    }
}

impl ThreadWait {
    /// The thread's name (or its id).
    ///
    /// ```
    /// let name = std::thread::Builder::new().name("worker".into()).spawn(|| {
    ///     gort_waitsite::current_thread_wait().unwrap().name().to_owned()
    /// });
    /// assert_eq!(name.unwrap().join().unwrap(), "worker");
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The thread's wait record.
    ///
    /// ```
    /// use std::task::Poll;
    /// let me = gort_waitsite::current_thread_wait().unwrap();
    /// let _ = me.poll(|| Poll::<()>::Pending); // no gort wait recorded
    /// assert!(me.record().snapshot().is_foreign());
    /// ```
    pub fn record(&self) -> &WaitRecord {
        &self.record
    }

    /// When the thread's last poll returned `Pending`.
    ///
    /// ```
    /// use std::task::Poll;
    /// let me = gort_waitsite::current_thread_wait().unwrap();
    /// let _ = me.poll(|| Poll::<()>::Pending);
    /// let waited = me.idle_since().waiting_for(gort_waitsite::now_ms());
    /// assert!(waited < std::time::Duration::from_secs(60));
    /// ```
    pub fn idle_since(&self) -> &IdleSince {
        &self.since
    }

    /// What the thread does now (a thread woken in a blocking call counts as `Free`).
    ///
    /// ```
    /// let me = gort_waitsite::current_thread_wait().unwrap();
    /// assert_eq!(me.state(), gort_waitsite::ThreadState::Free);
    /// ```
    pub fn state(&self) -> ThreadState {
        match self.state.load(Acquire) {
            FREE => ThreadState::Free,
            BLOCKING if self.woken.load(Acquire) => ThreadState::Free,
            BLOCKING => ThreadState::Blocking,
            rt => ThreadState::BlockOn(rt - 2),
        }
    }

    /// True while the thread polls (it is not waiting then).
    ///
    /// ```
    /// use std::task::Poll;
    /// let me = gort_waitsite::current_thread_wait().unwrap();
    /// assert_eq!(me.poll(|| Poll::Ready(me.is_polling())), Poll::Ready(true));
    /// assert!(!me.is_polling());
    /// ```
    pub fn is_polling(&self) -> bool {
        self.running.load(Acquire)
    }

    /// Sets the state; returns the previous one (to restore it).
    ///
    /// ```
    /// use gort_waitsite::ThreadState;
    /// let me = gort_waitsite::current_thread_wait().unwrap();
    /// let prev = me.enter(ThreadState::BlockOn(3));
    /// assert_eq!(me.state(), ThreadState::BlockOn(3));
    /// me.enter(prev);
    /// ```
    pub fn enter(&self, state: ThreadState) -> ThreadState {
        let raw = match state {
            ThreadState::Free => FREE,
            ThreadState::Blocking => BLOCKING,
            ThreadState::BlockOn(rt) => rt + 2,
        };
        let prev = self.state();
        self.state.store(raw, Release);
        prev
    }

    /// Runs one poll of this thread's future with its record current, and publishes it.
    ///
    /// ```
    /// use gort_waitsite::WaitKind;
    /// use std::task::Poll;
    /// let me = gort_waitsite::current_thread_wait().unwrap();
    /// let _ = me.poll(|| {
    ///     gort_waitsite::record(WaitKind::Notified, std::ptr::null(), 0, std::panic::Location::caller());
    ///     Poll::<()>::Pending
    /// });
    /// assert_eq!(me.record().snapshot().sites().next().unwrap().kind, WaitKind::Notified);
    /// ```
    pub fn poll<T>(&self, poll: impl FnOnce() -> Poll<T>) -> Poll<T> {
        struct Done<'a>(&'a AtomicBool);
        impl Drop for Done<'_> {
            fn drop(&mut self) {
                self.0.store(false, Release);
            }
        }
        self.running.store(true, Release);
        let _done = Done(&self.running);
        // A plain thread has no scheduler ticking its clock.
        super::record::tick_clock();
        let polled = poll_with(&self.record, 0, poll);
        if polled.is_pending() {
            self.since.stamp();
        }
        polled
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::time::Duration;

    /// A thread whose waker fired counts as free while it is still inside its park (the OS has
    /// not run it yet), and as blocked again at its next blocking wait.
    #[test]
    fn a_woken_thread_is_not_blocked_before_it_runs() {
        let (waker_tx, waker_rx) = mpsc::channel::<(Waker, Arc<ThreadWait>)>();
        let (release_tx, release_rx) = mpsc::channel::<()>();
        let waiter = std::thread::spawn(move || {
            let waker = thread_waker();
            let me = current_thread_wait().unwrap();
            for _ in 0..2 {
                let polled = blocking_wait(
                    || Poll::<()>::Pending,
                    || {
                        waker_tx.send((waker.clone(), me.clone())).unwrap();
                        release_rx.recv_timeout(Duration::from_secs(10)).unwrap();
                    },
                );
                assert!(polled.is_pending());
            }
        });
        let (waker, entry) = waker_rx.recv_timeout(Duration::from_secs(10)).unwrap();
        assert_eq!(entry.state(), ThreadState::Blocking);
        waker.wake_by_ref();
        assert_eq!(entry.state(), ThreadState::Free, "woken, not yet run");
        release_tx.send(()).unwrap();
        let (_, entry) = waker_rx.recv_timeout(Duration::from_secs(10)).unwrap();
        assert_eq!(
            entry.state(),
            ThreadState::Blocking,
            "the next wait is not woken"
        );
        release_tx.send(()).unwrap();
        waiter.join().unwrap();
    }
}
