//! A task that panics while holding a gort `Mutex`, `RwLock` (read or write) or semaphore
//! permit: as documented (tokio's behaviour, no poisoning), the guard is released on unwind, the
//! panic ends that task with `JoinError::is_panic`, the tasks queued behind it get the lock and
//! see the value as it was left, and every permit is back afterwards. Both runtime flavors.

use gort::sync::{Mutex, RwLock, Semaphore};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

mod support;
use support::runtimes;

fn on_both_flavors<F, Fut>(case: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    for (flavor, rt) in runtimes() {
        rt.block_on(async {
            gort::time::timeout(Duration::from_secs(20), gort::spawn(case()))
                .await
                .unwrap_or_else(|_| panic!("{flavor}: timed out (a lock stayed held?)"))
                .unwrap_or_else(|e| panic!("{flavor}: {e}"));
        });
    }
}

/// Spawns a task that runs `hold` (which takes a guard and makes a half-done update), starts the
/// `waiters` once it holds it, lets them queue, then makes the holder panic with the guard held.
/// Checks the holder ended by that panic and every waiter finished.
async fn panic_while_holding<G, H>(
    hold: H,
    waiters: impl FnOnce() -> Vec<gort::task::JoinHandle<()>>,
) where
    G: Send + 'static,
    H: Future<Output = G> + Send + 'static,
{
    let (held_tx, held_rx) = gort::sync::oneshot::channel();
    let go = Arc::new(gort::sync::Notify::new());
    let go2 = go.clone();
    let holder = gort::spawn(async move {
        let guard = hold.await;
        held_tx.send(()).unwrap();
        go2.notified().await;
        let _keep = guard;
        panic!("panics while holding the lock");
    });
    held_rx.await.unwrap();
    let waiters = waiters();
    // Let the waiters queue up behind the holder.
    gort::time::sleep(Duration::from_millis(20)).await;
    go.notify_one();
    let err = holder.await.unwrap_err();
    assert!(err.is_panic(), "{err}");
    for w in waiters {
        w.await.unwrap();
    }
}

#[test]
fn mutex_is_not_poisoned_by_a_panicking_holder() {
    on_both_flavors(|| async {
        let m = Arc::new(Mutex::new(0u32));
        let m1 = m.clone();
        let waiters = {
            let m = m.clone();
            move || {
                [10, 100]
                    .into_iter()
                    .map(|add| {
                        let m = m.clone();
                        gort::spawn(async move { *m.lock().await += add })
                    })
                    .collect()
            }
        };
        panic_while_holding(
            async move {
                let mut g = m1.lock_owned().await;
                *g = 1; // the half-done update the waiters will see
                g
            },
            waiters,
        )
        .await;
        assert_eq!(
            *m.lock().await,
            111,
            "a waiter lost or saw a rolled-back value"
        );
        assert!(m.try_lock().is_ok(), "the lock is free again");
    });
}

#[test]
fn rwlock_write_guard_panic_releases_it() {
    on_both_flavors(|| async {
        let l = Arc::new(RwLock::new(0u32));
        let l1 = l.clone();
        let waiters = {
            let l = l.clone();
            move || {
                let reader = {
                    let l = l.clone();
                    gort::spawn(async move { assert!(*l.read().await >= 1) })
                };
                let writer = gort::spawn(async move { *l.write().await += 10 });
                vec![reader, writer]
            }
        };
        panic_while_holding(
            async move {
                let mut g = l1.write_owned().await;
                *g = 1;
                g
            },
            waiters,
        )
        .await;
        assert_eq!(*l.read().await, 11);
        assert!(l.try_write().is_ok(), "the lock is free again");
    });
}

#[test]
fn rwlock_read_guard_panic_releases_it() {
    on_both_flavors(|| async {
        let l = Arc::new(RwLock::new(5u32));
        let l1 = l.clone();
        let waiters = {
            let l = l.clone();
            move || vec![gort::spawn(async move { *l.write().await += 1 })]
        };
        panic_while_holding(async move { l1.read_owned().await }, waiters).await;
        assert_eq!(*l.read().await, 6);
        assert!(l.try_write().is_ok(), "every read permit came back");
    });
}

#[test]
fn semaphore_permits_come_back_from_a_panicking_holder() {
    on_both_flavors(|| async {
        let s = Arc::new(Semaphore::new(3));
        let s1 = s.clone();
        let waiters = {
            let s = s.clone();
            move || {
                vec![gort::spawn(async move {
                    let _all = s.acquire_many(3).await.unwrap();
                })]
            }
        };
        panic_while_holding(
            async move { s1.acquire_many_owned(2).await.unwrap() },
            waiters,
        )
        .await;
        assert_eq!(s.available_permits(), 3, "a permit was lost");
    });
}
