//! gort's `Mutex` on tokio's multi-thread runtime: exclusion, fairness, cancellation.
use gort::sync::Mutex;
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
fn eight_tasks_ten_thousand_increments_exact_sum() {
    rt().block_on(async {
        let m = Arc::new(Mutex::new(0u64));
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let m = m.clone();
                tokio::spawn(async move {
                    for i in 0..10_000 {
                        let mut guard = m.lock().await;
                        let v = *guard;
                        if i % 64 == 0 {
                            // Hold the lock across a suspension point now and then.
                            tokio::task::yield_now().await;
                        }
                        *guard = v + 1;
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
        assert_eq!(*m.lock().await, 80_000);
    });
}

#[test]
fn waiters_acquire_in_fifo_order() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let m = Arc::new(Mutex::new(Vec::new()));
        let guard = m.clone().lock_owned().await;
        let mut tasks = Vec::new();
        for i in 0..10 {
            let m = m.clone();
            tasks.push(tokio::spawn(async move { m.lock().await.push(i) }));
            // Let task `i` park before spawning the next one.
            tokio::task::yield_now().await;
        }
        drop(guard);
        for t in tasks {
            timeout(LIMIT, t).await.expect("timed out").unwrap();
        }
        assert_eq!(*m.lock().await, (0..10).collect::<Vec<_>>());
    });
}

#[test]
fn cancelled_lockers_never_lose_the_lock() {
    rt().block_on(async {
        let m = Arc::new(Mutex::new(0u64));
        let tasks: Vec<_> = (0..8)
            .map(|t| {
                let m = m.clone();
                tokio::spawn(async move {
                    let mut won = 0u64;
                    for i in 0..2_000u64 {
                        if (i + t) % 3 == 0 {
                            // Give up quickly: races the unlock handoff.
                            let attempt = timeout(Duration::from_micros(10), m.lock()).await;
                            if let Ok(mut g) = attempt {
                                *g += 1;
                                won += 1;
                            }
                        } else {
                            let mut g = m.lock().await;
                            *g += 1;
                            won += 1;
                            if i % 16 == 0 {
                                tokio::task::yield_now().await;
                            }
                        }
                    }
                    won
                })
            })
            .collect();
        let total = timeout(LIMIT, async {
            let mut total = 0;
            for t in tasks {
                total += t.await.unwrap();
            }
            total
        })
        .await
        .expect("timed out: a cancelled waiter swallowed the lock");
        assert_eq!(*m.try_lock().expect("the lock is free at the end"), total);
    });
}

#[test]
fn owned_guard_moves_into_a_task_and_blocking_lock_works() {
    rt().block_on(async {
        let m = Arc::new(Mutex::new(1));
        let guard = m.clone().lock_owned().await;
        let t = tokio::spawn(async move {
            let mut guard = guard;
            *guard += 1;
        });
        t.await.unwrap();
        let m2 = m.clone();
        let v = tokio::task::spawn_blocking(move || *m2.blocking_lock())
            .await
            .unwrap();
        assert_eq!(v, 2);
    });
}
