//! The sync primitives on gort's own multi-thread runtime (2 workers): exact counts, no lost
//! wake-ups, cancellation racing handoffs. Every wait is bounded by a timeout.
use futures::future::{select, Either};
use gort::sync::{CancellationToken, Mutex, Notify, Semaphore, WaitGroup};
use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(20);

fn rt() -> gort::runtime::Runtime {
    gort::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// Runs `fut`, giving up (dropping it) after `polls` yields: a runtime-independent stand-in for
/// a short timeout, so cancellation races the handoffs.
async fn with_patience<F: Future>(polls: u64, fut: F) -> Option<F::Output> {
    let give_up = pin!(async {
        for _ in 0..polls {
            gort::task::yield_now().await;
        }
    });
    match select(pin!(fut), give_up).await {
        Either::Left((out, _)) => Some(out),
        Either::Right(_) => None,
    }
}

/// Runs `f` on a thread and fails if it does not finish in time (the runtime itself may hang).
fn bounded(f: impl FnOnce() + Send + 'static) {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        f();
        let _ = tx.send(());
    });
    rx.recv_timeout(LIMIT).expect("timed out (or panicked)");
}

#[test]
fn mutex_eight_tasks_ten_thousand_increments() {
    bounded(|| {
        rt().block_on(async {
            let m = Arc::new(Mutex::new(0u64));
            let tasks: Vec<_> = (0..8)
                .map(|_| {
                    let m = m.clone();
                    gort::task::spawn(async move {
                        for i in 0..10_000 {
                            let mut guard = m.lock().await;
                            let v = *guard;
                            if i % 64 == 0 {
                                gort::task::yield_now().await;
                            }
                            *guard = v + 1;
                        }
                    })
                })
                .collect();
            for t in tasks {
                t.await.unwrap();
            }
            assert_eq!(*m.lock().await, 80_000);
        })
    });
}

#[test]
fn semaphore_permits_conserved_under_cancellation() {
    bounded(|| {
        rt().block_on(async {
            let sem = Arc::new(Semaphore::new(5));
            let tasks: Vec<_> = (0..8u64)
                .map(|t| {
                    let sem = sem.clone();
                    gort::task::spawn(async move {
                        for i in 0..1_000u64 {
                            let n = ((i + t) % 3 + 1) as u32;
                            let patience = (i * 7 + t) % 4;
                            if let Some(p) = with_patience(patience, sem.acquire_many(n)).await {
                                let p = p.unwrap();
                                gort::task::yield_now().await;
                                drop(p);
                            }
                        }
                    })
                })
                .collect();
            for t in tasks {
                t.await.unwrap();
            }
            assert_eq!(sem.available_permits(), 5);
        })
    });
}

#[test]
fn notify_one_is_never_lost() {
    bounded(|| {
        rt().block_on(async {
            let notify = Arc::new(Notify::new());
            let acks = Arc::new(Notify::new());
            let got = Arc::new(AtomicUsize::new(0));
            let consumers: Vec<_> = (0..3u64)
                .map(|c| {
                    let (notify, acks, got) = (notify.clone(), acks.clone(), got.clone());
                    gort::task::spawn(async move {
                        let mut i = c;
                        while got.load(Ordering::SeqCst) < 500 {
                            i += 1;
                            if with_patience(i % 4, notify.notified()).await.is_some() {
                                got.fetch_add(1, Ordering::SeqCst);
                                acks.notify_one();
                            }
                        }
                    })
                })
                .collect();
            for _ in 0..500 {
                notify.notify_one();
                acks.notified().await;
            }
            assert_eq!(got.load(Ordering::SeqCst), 500);
            for c in consumers {
                c.await.unwrap();
            }
        })
    });
}

#[test]
fn wait_group_thousand_tasks_and_cancellation_tree() {
    bounded(|| {
        rt().block_on(async {
            let wg = WaitGroup::new();
            let root = CancellationToken::new();
            let done = Arc::new(AtomicUsize::new(0));
            let mut level = vec![root.clone()];
            for _ in 0..3 {
                level = level
                    .iter()
                    .flat_map(|p| (0..10).map(move |_| p.child_token()))
                    .collect();
            }
            for token in level {
                wg.add(1);
                let (wg, done) = (wg.clone(), done.clone());
                gort::task::spawn(async move {
                    token.cancelled().await;
                    done.fetch_add(1, Ordering::SeqCst);
                    wg.done();
                });
            }
            gort::task::yield_now().await;
            root.cancel();
            wg.wait().await;
            assert_eq!(done.load(Ordering::SeqCst), 1_000);
        })
    });
}
