//! The sync primitives inside gort's `select!` on tokio's runtime: a losing branch never keeps
//! a lock or a permit, `default` is taken exactly when the primitive is busy.
use gort::sync::{CancellationToken, Mutex, Notify, Semaphore};
use gort_channel::select;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::time::timeout;

const LIMIT: Duration = Duration::from_secs(20);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn default_runs_exactly_when_the_lock_is_held() {
    timeout(LIMIT, async {
        let m = Mutex::new(0);
        for round in 0..1_000 {
            let held = (round % 2 == 0).then(|| m.try_lock().unwrap());
            let got_lock = select! {
                mut g = m.lock() => { *g += 1; true },
                default => false,
            };
            assert_eq!(got_lock, held.is_none(), "round {round}");
        }
        assert_eq!(*m.lock().await, 500);
    })
    .await
    .expect("timed out");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn losing_lock_and_acquire_branches_give_everything_back() {
    timeout(LIMIT, async {
        let m = Arc::new(Mutex::new(0u64));
        let sem = Arc::new(Semaphore::new(2));
        let stop = CancellationToken::new();
        let won = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..6)
            .map(|_| {
                let (m, sem, stop, won) = (m.clone(), sem.clone(), stop.clone(), won.clone());
                tokio::spawn(async move {
                    loop {
                        select! {
                            mut g = m.lock() => {
                                *g += 1;
                                won.fetch_add(1, Ordering::SeqCst);
                                tokio::task::yield_now().await;
                            },
                            p = sem.acquire_many(2) => {
                                let _p = p.unwrap();
                                won.fetch_add(1, Ordering::SeqCst);
                                tokio::task::yield_now().await;
                            },
                            _ = stop.cancelled() => return,
                        }
                    }
                })
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(50)).await;
        stop.cancel();
        for t in tasks {
            t.await.unwrap();
        }
        assert!(won.load(Ordering::SeqCst) > 0);
        // Every lock and permit handed to a losing branch went back.
        assert!(m.try_lock().is_ok(), "the mutex is free");
        assert_eq!(sem.available_permits(), 2);
    })
    .await
    .expect("timed out: a losing branch kept a lock or permit");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notifications_are_not_lost_to_losing_branches() {
    timeout(LIMIT, async {
        let a = Arc::new(Notify::new());
        let b = Arc::new(Notify::new());
        let seen = Arc::new(AtomicUsize::new(0));
        let acks = Arc::new(Notify::new());
        let consumer = {
            let (a, b, seen, acks) = (a.clone(), b.clone(), seen.clone(), acks.clone());
            tokio::spawn(async move {
                while seen.load(Ordering::SeqCst) < 2_000 {
                    select! {
                        _ = a.notified() => {},
                        _ = b.notified() => {},
                    }
                    seen.fetch_add(1, Ordering::SeqCst);
                    acks.notify_one();
                }
            })
        };
        for i in 0..2_000 {
            if i % 2 == 0 {
                a.notify_one();
            } else {
                b.notify_one();
            }
            acks.notified().await;
        }
        consumer.await.unwrap();
        assert_eq!(seen.load(Ordering::SeqCst), 2_000);
    })
    .await
    .expect("a notification was lost");
}
