//! Helpers shared by the scheduler tests (`mod sched_support;` in a test file).

use gort_executor::runtime::{Builder, Runtime};
use std::sync::mpsc;
use std::time::Duration;

/// Runs `f` on a fresh 2-worker runtime on its own thread; fails after 30 s instead of hanging.
pub fn on_two_workers<R: Send + 'static>(f: impl FnOnce(Runtime) -> R + Send + 'static) -> R {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let rt = Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap();
        let _ = tx.send(f(rt));
    });
    rx.recv_timeout(Duration::from_secs(30)).expect("timed out")
}
