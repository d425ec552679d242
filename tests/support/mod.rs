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

/// Runs `test` on each runtime of [`runtimes`], failing if one run takes longer than `limit`
/// (a deadlock fails the test instead of hanging it).
#[allow(dead_code)] // not every test binary that loads `support` uses it
pub fn on_both_flavors<F, Fut>(limit: std::time::Duration, test: F)
where
    F: Fn(&'static str) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for (flavor, rt) in runtimes() {
        rt.block_on(async {
            gort::time::timeout(limit, test(flavor))
                .await
                .unwrap_or_else(|_| panic!("timed out on the {flavor} runtime"));
        });
    }
}
