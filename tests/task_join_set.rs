//! `JoinSet` details tokio's users rely on: `try_join_next` is not limited by the cooperative
//! budget, and a replaced owner waker is dropped outside the set's lock.

use gort::task::JoinSet;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

/// Runs `f` on a thread; fails instead of hanging if it takes longer than 20 s.
fn bounded(f: impl FnOnce() + Send + 'static) {
    let (tx, rx) = std::sync::mpsc::channel();
    let worker = std::thread::spawn(move || {
        f();
        let _ = tx.send(());
    });
    if rx.recv_timeout(Duration::from_secs(20)).is_err() {
        // A finished worker panicked: report its panic. A hung one cannot be joined.
        assert!(worker.is_finished(), "timed out (a deadlock?)");
        if let Err(panic) = worker.join() {
            std::panic::resume_unwind(panic);
        }
    }
}

/// A loop of `try_join_next` collects every finished task, far more than one poll's budget.
#[test]
fn try_join_next_collects_every_finished_task() {
    bounded(|| {
        let rt = gort::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        rt.block_on(async {
            const TASKS: usize = 1_000;
            let (tx, rx) = gort::sync::watch::channel(());
            let mut set = JoinSet::new();
            for _ in 0..TASKS {
                let mut rx = rx.clone();
                set.spawn(async move { rx.changed().await.unwrap() });
            }
            drop(rx);
            assert!(set.try_join_next().is_none(), "nothing finished yet");
            tx.send_replace(());
            tx.closed().await; // every task saw the change and ended
            let mut joined = 0;
            while let Some(res) = set.try_join_next() {
                res.unwrap();
                joined += 1;
            }
            assert_eq!(joined, TASKS);
            assert!(set.is_empty());
        });
    });
}

/// An owner waker whose `Drop` drives the runtime (which finishes a member, whose wake takes
/// the set's lock): replacing it must not happen under that lock.
#[test]
fn a_replaced_owner_waker_is_dropped_outside_the_lock() {
    struct DriveOnDrop(gort::runtime::Runtime);
    impl Wake for DriveOnDrop {
        fn wake(self: Arc<Self>) {}
    }
    impl Drop for DriveOnDrop {
        fn drop(&mut self) {
            self.0.block_on(gort::task::yield_now());
        }
    }
    bounded(|| {
        let rt = gort::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let mut set = JoinSet::new();
        set.spawn_on(async { 42 }, rt.handle());
        let waker = Waker::from(Arc::new(DriveOnDrop(rt)));
        assert!(set
            .poll_join_next(&mut Context::from_waker(&waker))
            .is_pending());
        drop(waker);
        let noop = futures::task::noop_waker();
        assert!(matches!(
            set.poll_join_next(&mut Context::from_waker(&noop)),
            Poll::Pending
        ));
        assert_eq!(set.try_join_next().unwrap().unwrap(), 42);
    });
}
