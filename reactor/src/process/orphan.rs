//! The orphan queue: children whose [`Child`](super::Child) was dropped before they exited.
//!
//! Nobody waits for them any more, yet they must be reaped or they stay zombies. Each one is
//! queued here; every SIGCHLD (through a hook on the signal module's reader thread, so no
//! thread per child) and every spawn retries `try_wait` on each queued child and forgets those
//! that have exited. Only the queued pids are waited for — never `waitpid(-1)`, which would
//! steal the statuses of children the program spawned some other way.

use crate::signal::registry::registry;
use std::process::Child as StdChild;
use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError};

static ORPHANS: Mutex<Vec<StdChild>> = Mutex::new(Vec::new());

/// Whether the SIGCHLD hook is installed (tried once).
static HOOKED: OnceLock<bool> = OnceLock::new();

fn orphans() -> MutexGuard<'static, Vec<StdChild>> {
    ORPHANS.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Takes over reaping `child`, which may still be running.
pub(crate) fn adopt(child: StdChild) {
    // The hook first, then the queue, then one sweep: a child that exits before the hook
    // exists is caught by the sweep, one that exits after it by the hook.
    HOOKED.get_or_init(|| {
        registry()
            .and_then(|r| r.add_hook(libc::SIGCHLD, reap_orphans))
            .is_ok()
    });
    orphans().push(child);
    reap_orphans();
}

/// Reaps every queued child that has exited.
pub(crate) fn reap_orphans() {
    let mut queue = orphans();
    if !queue.is_empty() {
        // An error (the child was reaped elsewhere) also means there is nothing left to wait for.
        queue.retain_mut(|child| matches!(child.try_wait(), Ok(None)));
    }
}
