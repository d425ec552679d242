//! gort's `RwLock` on tokio's runtime: readers share, writers exclude, writers are not starved.
use gort::sync::RwLock;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::time::timeout;

#[test]
fn writers_exclude_readers_and_are_not_starved() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let lock = Arc::new(RwLock::new(0u64));
        let readers_inside = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        // A flood of readers that would starve a reader-preferring lock.
        let readers: Vec<_> = (0..6)
            .map(|_| {
                let (lock, inside, stop) = (lock.clone(), readers_inside.clone(), stop.clone());
                tokio::spawn(async move {
                    while !stop.load(Ordering::SeqCst) {
                        let g = lock.read().await;
                        inside.fetch_add(1, Ordering::SeqCst);
                        let seen = *g;
                        tokio::task::yield_now().await;
                        assert_eq!(*g, seen, "a writer got in while reading");
                        inside.fetch_sub(1, Ordering::SeqCst);
                    }
                })
            })
            .collect();
        let writers: Vec<_> = (0..2)
            .map(|_| {
                let (lock, inside) = (lock.clone(), readers_inside.clone());
                tokio::spawn(async move {
                    for _ in 0..500 {
                        let mut g = lock.write().await;
                        assert_eq!(inside.load(Ordering::SeqCst), 0);
                        *g += 1;
                    }
                })
            })
            .collect();
        timeout(Duration::from_secs(20), async {
            for w in writers {
                w.await.unwrap();
            }
        })
        .await
        .expect("writers starved");
        stop.store(true, Ordering::SeqCst);
        for r in readers {
            r.await.unwrap();
        }
        assert_eq!(*lock.read().await, 1_000);
    });
}
