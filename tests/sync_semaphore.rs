//! gort's `Semaphore` on tokio's multi-thread runtime: conservation under cancellation, limits.
use gort::sync::{Semaphore, TryAcquireError};
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

const LIMIT: Duration = Duration::from_secs(20);

#[test]
fn permits_are_conserved_under_random_cancellation() {
    rt().block_on(async {
        let sem = Arc::new(Semaphore::new(7));
        let in_use = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..8u64)
            .map(|t| {
                let (sem, in_use) = (sem.clone(), in_use.clone());
                tokio::spawn(async move {
                    let mut seed = t.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
                    for _ in 0..1_000 {
                        seed ^= seed << 13;
                        seed ^= seed >> 7;
                        seed ^= seed << 17;
                        let n = (seed % 3 + 1) as u32;
                        let wait = Duration::from_micros(seed % 50);
                        if let Ok(permit) = timeout(wait, sem.acquire_many(n)).await {
                            let permit = permit.unwrap();
                            let now = in_use.fetch_add(n as usize, Ordering::SeqCst) + n as usize;
                            assert!(now <= 7, "{now} permits in use of 7");
                            tokio::task::yield_now().await;
                            in_use.fetch_sub(n as usize, Ordering::SeqCst);
                            drop(permit);
                        }
                    }
                })
            })
            .collect();
        timeout(LIMIT, async {
            for t in tasks {
                t.await.unwrap();
            }
        })
        .await
        .expect("timed out");
        assert_eq!(sem.available_permits(), 7);
    });
}

#[test]
fn owned_permits_limit_concurrency_and_close_fails_waiters() {
    rt().block_on(async {
        let sem = Arc::new(Semaphore::new(3));
        let running = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..50 {
            let permit = sem.clone().acquire_owned().await.unwrap();
            let (running, peak) = (running.clone(), peak.clone());
            tasks.push(tokio::spawn(async move {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(now, Ordering::SeqCst);
                tokio::task::yield_now().await;
                running.fetch_sub(1, Ordering::SeqCst);
                drop(permit);
            }));
        }
        for t in tasks {
            timeout(LIMIT, t).await.expect("timed out").unwrap();
        }
        assert!(peak.load(Ordering::SeqCst) <= 3);
        let _all = sem.acquire_many(3).await.unwrap();
        let sem2 = sem.clone();
        let waiter = tokio::spawn(async move { sem2.acquire().await.is_err() });
        tokio::time::sleep(Duration::from_millis(10)).await;
        sem.close();
        assert!(timeout(LIMIT, waiter).await.unwrap().unwrap());
        assert_eq!(sem.try_acquire().unwrap_err(), TryAcquireError::Closed);
    });
}
