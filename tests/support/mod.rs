//! Helpers shared by integration tests (`mod support;` in a test file).

use gort::runtime::{Builder, Runtime};

/// A current-thread and a two-worker multi-thread runtime, each named by its flavor, for
/// tests that must hold on both.
pub fn runtimes() -> Vec<(&'static str, Runtime)> {
    vec![
        (
            "current_thread",
            Builder::new_current_thread().enable_all().build().unwrap(),
        ),
        (
            "multi_thread",
            Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap(),
        ),
    ]
}
