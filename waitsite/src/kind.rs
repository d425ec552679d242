//! The kinds of wait gort knows, and which of them only another task can end.

use std::fmt;

/// What a task waits on. Its `Display` is the Go-style label of the task dump
/// (`chan receive`, `mutex lock`, ...).
///
/// ```
/// use gort_waitsite::WaitKind;
/// assert_eq!(WaitKind::ChanRecv.to_string(), "chan receive");
/// assert!(WaitKind::ChanRecv.is_wait_list());
/// assert!(!WaitKind::Sleep.is_wait_list()); // a timer ends it by itself
/// ```
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
#[non_exhaustive]
pub enum WaitKind {
    /// `chan::Sender::send`.
    ChanSend = 1,
    /// `chan::Receiver::recv`.
    ChanRecv,
    /// `mpsc` send (bounded channel full) or reserve.
    MpscSend,
    /// `mpsc` receive.
    MpscRecv,
    /// `oneshot::Receiver`.
    OneshotRecv,
    /// `oneshot::Sender::closed`.
    OneshotClosed,
    /// `broadcast::Receiver::recv`.
    BroadcastRecv,
    /// `watch::Receiver::changed` / `wait_for`.
    WatchChanged,
    /// `Mutex::lock`.
    MutexLock,
    /// `RwLock::read`.
    RwLockRead,
    /// `RwLock::write`.
    RwLockWrite,
    /// `Semaphore::acquire`.
    SemaphoreAcquire,
    /// `Notify::notified`.
    Notified,
    /// `Barrier::wait`.
    BarrierWait,
    /// `WaitGroup::wait`.
    WaitGroupWait,
    /// `CancellationToken::cancelled`.
    Cancelled,
    /// `OnceCell::get_or_init` waiting on another initializer.
    OnceCellInit,
    /// `JoinHandle` waiting for a task.
    Join,
    /// `sleep` / `sleep_until`.
    Sleep,
    /// `Interval::tick`.
    Interval,
    /// The deadline of `timeout`.
    Timeout,
    /// Socket, pipe or fd readiness.
    IoReadiness,
    /// `yield_now` or an exhausted budget: the task is already scheduled again.
    Yield,
    /// A `LocalSet` driven inside this poll still has tasks (whose waits are not checked).
    LocalTasks,
    /// `SetOnce::wait`.
    SetOnceWait,
    /// A Unix signal (`signal(..).recv()`, `ctrl_c`); the resource is the signal number.
    Signal,
    /// A child process's exit (`Child::wait`, `kill`, `wait_with_output`); the resource is
    /// its pid.
    ChildWait,
}

const ALL: [WaitKind; 27] = [
    WaitKind::ChanSend,
    WaitKind::ChanRecv,
    WaitKind::MpscSend,
    WaitKind::MpscRecv,
    WaitKind::OneshotRecv,
    WaitKind::OneshotClosed,
    WaitKind::BroadcastRecv,
    WaitKind::WatchChanged,
    WaitKind::MutexLock,
    WaitKind::RwLockRead,
    WaitKind::RwLockWrite,
    WaitKind::SemaphoreAcquire,
    WaitKind::Notified,
    WaitKind::BarrierWait,
    WaitKind::WaitGroupWait,
    WaitKind::Cancelled,
    WaitKind::OnceCellInit,
    WaitKind::Join,
    WaitKind::Sleep,
    WaitKind::Interval,
    WaitKind::Timeout,
    WaitKind::IoReadiness,
    WaitKind::Yield,
    WaitKind::LocalTasks,
    WaitKind::SetOnceWait,
    WaitKind::Signal,
    WaitKind::ChildWait,
];

impl WaitKind {
    /// True when only another task or thread can end the wait (a gort wait-list); false for
    /// timers, I/O, signals, child processes and yields, which end by themselves (or from
    /// outside the process). The deadlock detector only reports
    /// tasks whose every wait is on a wait-list.
    ///
    /// ```
    /// use gort_waitsite::WaitKind;
    /// assert!(WaitKind::MutexLock.is_wait_list());
    /// assert!(!WaitKind::IoReadiness.is_wait_list());
    /// ```
    pub fn is_wait_list(self) -> bool {
        !matches!(
            self,
            WaitKind::Sleep
                | WaitKind::Interval
                | WaitKind::Timeout
                | WaitKind::IoReadiness
                | WaitKind::Yield
                | WaitKind::LocalTasks
                | WaitKind::Signal
                | WaitKind::ChildWait
        )
    }

    /// True for the lock kinds whose holder task is recorded (for `lock_cycles`).
    ///
    /// ```
    /// use gort_waitsite::WaitKind;
    /// assert!(WaitKind::RwLockWrite.is_lock());
    /// assert!(!WaitKind::ChanSend.is_lock());
    /// ```
    pub fn is_lock(self) -> bool {
        matches!(
            self,
            WaitKind::MutexLock | WaitKind::RwLockRead | WaitKind::RwLockWrite
        )
    }

    /// The Go-style label.
    ///
    /// ```
    /// assert_eq!(gort_waitsite::WaitKind::MutexLock.as_str(), "mutex lock");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            WaitKind::ChanSend => "chan send",
            WaitKind::ChanRecv => "chan receive",
            WaitKind::MpscSend => "mpsc send",
            WaitKind::MpscRecv => "mpsc receive",
            WaitKind::OneshotRecv => "oneshot receive",
            WaitKind::OneshotClosed => "oneshot closed",
            WaitKind::BroadcastRecv => "broadcast receive",
            WaitKind::WatchChanged => "watch changed",
            WaitKind::MutexLock => "mutex lock",
            WaitKind::RwLockRead => "rwlock read",
            WaitKind::RwLockWrite => "rwlock write",
            WaitKind::SemaphoreAcquire => "semaphore acquire",
            WaitKind::Notified => "notify",
            WaitKind::BarrierWait => "barrier wait",
            WaitKind::WaitGroupWait => "waitgroup wait",
            WaitKind::Cancelled => "cancellation",
            WaitKind::OnceCellInit => "once cell init",
            WaitKind::Join => "join",
            WaitKind::Sleep => "sleep",
            WaitKind::Interval => "interval tick",
            WaitKind::Timeout => "timeout",
            WaitKind::IoReadiness => "io wait",
            WaitKind::Yield => "yield",
            WaitKind::LocalTasks => "local tasks",
            WaitKind::SetOnceWait => "set once wait",
            WaitKind::Signal => "signal wait",
            WaitKind::ChildWait => "child process wait",
        }
    }

    pub(crate) fn from_u8(v: u8) -> Option<WaitKind> {
        ALL.get(usize::from(v).checked_sub(1)?).copied()
    }
}

impl fmt::Display for WaitKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_u8() {
        for kind in ALL {
            assert_eq!(WaitKind::from_u8(kind as u8), Some(kind));
        }
        assert_eq!(WaitKind::from_u8(0), None);
        assert_eq!(WaitKind::from_u8(ALL.len() as u8 + 1), None);
    }
}
