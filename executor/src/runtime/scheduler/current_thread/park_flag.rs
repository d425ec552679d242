//! The park handshake between the thread holding a current-thread core and the threads that hand
//! it work (remote spawns and wakes, wakes of the `block_on` future).
//!
//! The core's thread [`announce`](ParkFlag::announce)s before its last look at its queues and
//! then blocks in the driver; a thread that published work calls [`take`](ParkFlag::take) and
//! unparks only if it gets `true`. A `SeqCst` fence on each side (the store-buffer pattern)
//! guarantees that the parking thread sees the work or the publisher sees the announcement, so
//! no wake-up is lost, and while the core's thread is awake a remote wake costs no syscall.

#[cfg(loom)]
use loom::sync::atomic::{fence, AtomicBool};
use std::sync::atomic::Ordering::{AcqRel, Relaxed, SeqCst};
#[cfg(not(loom))]
use std::sync::atomic::{fence, AtomicBool};

/// Set while the core's thread blocks (or is about to block) in the driver.
pub(super) struct ParkFlag {
    parked: AtomicBool,
}

impl ParkFlag {
    pub(super) fn new() -> ParkFlag {
        ParkFlag {
            parked: AtomicBool::new(false),
        }
    }

    /// The core's thread is about to block: call before the final check of its queues.
    pub(super) fn announce(&self) {
        self.parked.store(true, Relaxed);
        fence(SeqCst);
    }

    /// The core's thread is awake again (it checks its queues before it parks next time).
    pub(super) fn clear(&self) {
        self.parked.store(false, Relaxed);
    }

    /// True while announced and not yet taken or cleared: the core's thread is idle (the
    /// deadlock detector; a hint, as it may change at once).
    pub(super) fn is_announced(&self) -> bool {
        self.parked.load(Relaxed)
    }

    /// Call after publishing work: whether the caller must unpark the core's thread. At most one
    /// caller per announcement gets `true`.
    pub(super) fn take(&self) -> bool {
        fence(SeqCst);
        self.parked.load(Relaxed) && self.parked.swap(false, AcqRel)
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::ParkFlag;
    use crate::loom::{Arc, AtomicUsize};
    use std::sync::atomic::Ordering::{Acquire, Relaxed, Release};

    /// A remote push racing the core's last check: the core sees the task or the pusher unparks
    /// it; never neither, never two unparks.
    #[test]
    fn loom_park_flag_push_vs_parking_core() {
        loom::model(|| {
            let flag = Arc::new(ParkFlag::new());
            let queued = Arc::new(AtomicUsize::new(0));
            let unparks = Arc::new(AtomicUsize::new(0));
            let pushers: Vec<_> = (0..2)
                .map(|_| {
                    let (flag, queued, unparks) = (flag.clone(), queued.clone(), unparks.clone());
                    loom::thread::spawn(move || {
                        queued.fetch_add(1, Release);
                        if flag.take() {
                            unparks.fetch_add(1, Relaxed);
                        }
                    })
                })
                .collect();
            flag.announce();
            let saw = queued.load(Acquire);
            for p in pushers {
                p.join().unwrap();
            }
            let unparks = unparks.load(Relaxed);
            assert!(unparks <= 1, "{unparks} unparks for one park");
            // Blocking after seeing no work is safe only if a pusher unparks.
            assert!(
                saw > 0 || unparks == 1,
                "a push was missed and nobody unparked"
            );
        });
    }

    /// The core wakes (clears) and parks again: a push after the clear is still seen or
    /// answered with an unpark.
    #[test]
    fn loom_park_flag_second_park_after_clear() {
        loom::model(|| {
            let flag = Arc::new(ParkFlag::new());
            let queued = Arc::new(AtomicUsize::new(0));
            let unparks = Arc::new(AtomicUsize::new(0));
            let pusher = {
                let (flag, queued, unparks) = (flag.clone(), queued.clone(), unparks.clone());
                loom::thread::spawn(move || {
                    queued.fetch_add(1, Release);
                    if flag.take() {
                        unparks.fetch_add(1, Relaxed);
                    }
                })
            };
            flag.announce();
            let first = queued.load(Acquire);
            flag.clear();
            flag.announce();
            let second = queued.load(Acquire);
            pusher.join().unwrap();
            assert!(first <= second);
            assert!(second > 0 || unparks.load(Relaxed) == 1);
        });
    }
}
