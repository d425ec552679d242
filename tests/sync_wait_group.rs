//! gort's `WaitGroup` (Go's sync.WaitGroup) on tokio's runtime.
use gort::sync::WaitGroup;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::time::timeout;

#[test]
fn waits_for_a_thousand_tasks() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let wg = WaitGroup::new();
        let finished = Arc::new(AtomicUsize::new(0));
        for i in 0..1_000 {
            wg.add(1);
            let (wg, finished) = (wg.clone(), finished.clone());
            tokio::spawn(async move {
                if i % 3 == 0 {
                    tokio::task::yield_now().await;
                }
                finished.fetch_add(1, Ordering::SeqCst);
                wg.done();
            });
        }
        timeout(Duration::from_secs(20), wg.wait())
            .await
            .expect("timed out");
        assert_eq!(finished.load(Ordering::SeqCst), 1_000);
        // Reusable once it is back at zero.
        wg.add(1);
        let wg2 = wg.clone();
        let blocking = std::thread::spawn(move || wg2.wait_blocking());
        wg.done();
        blocking.join().unwrap();
    });
}
