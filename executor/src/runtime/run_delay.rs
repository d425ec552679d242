//! How long the OS kept a thread waiting for a CPU: the slow-poll watchdog subtracts it, so a
//! worker preempted on a loaded machine is not reported as stuck in a slow poll.
//!
//! Linux counts, per thread, the time spent runnable but not running ("run delay", the second
//! field of `/proc/self/task/<tid>/schedstat`). A poll that blocks (a `thread::sleep`, a
//! blocking syscall) or spins keeps the thread off the run queue or on the CPU, so its time
//! still counts; only the time the scheduler gave the CPU to others is taken off. Where the
//! file is missing (another OS, a kernel without scheduler statistics) nothing is subtracted.

use std::cell::Cell;
use std::time::Duration;

thread_local! {
    /// This thread's id (`/proc/thread-self` → `<pid>/task/<tid>`), read once; 0 if unknown.
    static THREAD: Cell<Option<u32>> = const { Cell::new(None) };
}

/// The calling thread's OS thread id, 0 if unknown (cached: one `readlink` per thread).
pub(crate) fn current_thread() -> u32 {
    if cfg!(miri) {
        return 0; // no file system under Miri's isolation
    }
    THREAD.with(|t| {
        if let Some(id) = t.get() {
            return id;
        }
        let id = std::fs::read_link("/proc/thread-self")
            .ok()
            .and_then(|link| link.file_name()?.to_str()?.parse().ok())
            .unwrap_or(0);
        t.set(Some(id));
        id
    })
}

/// Total time thread `thread` (an id from [`current_thread`]) has waited for a CPU so far.
pub(crate) fn waited(thread: u32) -> Option<Duration> {
    if thread == 0 {
        return None;
    }
    let stat = std::fs::read_to_string(format!("/proc/self/task/{thread}/schedstat")).ok()?;
    let nanos = stat.split_whitespace().nth(1)?.parse().ok()?;
    Some(Duration::from_nanos(nanos))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_thread_knows_its_id_and_its_run_delay_only_grows() {
        let me = current_thread();
        if cfg!(target_os = "linux") && !cfg!(miri) {
            assert_ne!(me, 0);
            if let Some(before) = waited(me) {
                std::thread::yield_now();
                assert!(waited(me).unwrap() >= before);
            }
        }
        assert_eq!(current_thread(), me, "cached");
        assert_eq!(waited(0), None);
    }
}
