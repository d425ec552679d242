//! gort's `Barrier` and `OnceCell` on tokio's runtime.
use gort::sync::{Barrier, OnceCell};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::time::timeout;

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn barrier_rounds_have_one_leader_each() {
    rt().block_on(async {
        let barrier = Arc::new(Barrier::new(10));
        let leaders = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..10)
            .map(|_| {
                let (barrier, leaders) = (barrier.clone(), leaders.clone());
                tokio::spawn(async move {
                    for _ in 0..100 {
                        if barrier.wait().await.is_leader() {
                            leaders.fetch_add(1, Ordering::SeqCst);
                        }
                    }
                })
            })
            .collect();
        timeout(Duration::from_secs(20), async {
            for t in tasks {
                t.await.unwrap();
            }
        })
        .await
        .expect("timed out");
        assert_eq!(leaders.load(Ordering::SeqCst), 100);
    });
}

#[test]
fn once_cell_initializes_once_under_contention() {
    rt().block_on(async {
        static CELL: OnceCell<usize> = OnceCell::const_new();
        let runs = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..32)
            .map(|i| {
                let runs = runs.clone();
                tokio::spawn(async move {
                    *CELL
                        .get_or_init(|| async move {
                            runs.fetch_add(1, Ordering::SeqCst);
                            tokio::task::yield_now().await;
                            i
                        })
                        .await
                })
            })
            .collect();
        let mut values = Vec::new();
        for t in tasks {
            values.push(timeout(Duration::from_secs(10), t).await.unwrap().unwrap());
        }
        assert_eq!(runs.load(Ordering::SeqCst), 1);
        assert!(values.iter().all(|&v| v == values[0]));
    });
}
