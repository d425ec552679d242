//! The sync API gort gained to match tokio's stable surface: `mpsc::reserve_many`,
//! `send_timeout`, weak senders and their counts, `broadcast::WeakSender`, `SetOnce`,
//! `Notify::notified_owned`, `RwLock` downgrade maps, `Semaphore::blocking_*`, and the rule that
//! every wait charges the cooperative budget (a ready wait yields once the budget is spent).
use gort::sync::{broadcast, mpsc, oneshot, watch, Notify, RwLock, RwLockWriteGuard, Semaphore};
use gort::sync::{Mutex, SetOnce};
use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(20);
/// Far more rounds than a budget (128) allows in one poll.
const SPINS: usize = 10_000;

fn rt() -> gort::runtime::Runtime {
    gort::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

fn poll_once<F: Future>(fut: std::pin::Pin<&mut F>) -> Poll<F::Output> {
    let waker = futures::task::noop_waker();
    fut.poll(&mut Context::from_waker(&waker))
}

#[test]
fn reserve_many_waits_then_hands_out_exactly_n_permits() {
    rt().block_on(async {
        let (tx, mut rx) = mpsc::channel::<usize>(4);
        let held = tx.try_reserve_many(3).unwrap();
        assert_eq!(held.len(), 3);
        assert_eq!(tx.capacity(), 1);

        let tx2 = tx.clone();
        let waiter = gort::spawn(async move {
            let permits = tx2.reserve_many(4).await.unwrap();
            assert_eq!(permits.len(), 4);
            for (i, permit) in permits.enumerate() {
                permit.send(i);
            }
        });
        gort::time::sleep(Duration::from_millis(20)).await;
        assert!(!waiter.is_finished(), "4 permits are not free yet");
        drop(held);
        gort::time::timeout(LIMIT, waiter).await.unwrap().unwrap();
        let mut got = Vec::new();
        while let Ok(v) = rx.try_recv() {
            got.push(v);
        }
        assert_eq!(got, [0, 1, 2, 3]);
        assert_eq!(tx.capacity(), 4);
    });
}

#[test]
fn cancelled_reserve_many_gives_back_what_it_took() {
    let (tx, _rx) = mpsc::channel::<()>(3);
    let one = tx.try_reserve().unwrap();
    {
        let mut request = pin!(tx.reserve_many(3));
        assert!(poll_once(request.as_mut()).is_pending());
        // It took the two free permits and waits for the third.
        assert_eq!(tx.capacity(), 0);
    }
    assert_eq!(
        tx.capacity(),
        2,
        "the dropped request returned its two permits"
    );
    drop(one);
    assert_eq!(tx.capacity(), 3);
    assert!(
        tx.try_reserve_many(4).is_err(),
        "more than the bound never fits"
    );
}

#[test]
fn send_timeout_times_out_sends_and_reports_closed() {
    use mpsc::error::SendTimeoutError;
    rt().block_on(async {
        let (tx, mut rx) = mpsc::channel(1);
        tx.send_timeout(1, Duration::from_millis(10)).await.unwrap();
        let err = tx
            .send_timeout(2, Duration::from_millis(10))
            .await
            .unwrap_err();
        assert!(matches!(err, SendTimeoutError::Timeout(2)));
        assert_eq!(rx.recv().await, Some(1));
        drop(rx);
        let err = tx.send_timeout(3, LIMIT).await.unwrap_err();
        assert!(matches!(err, SendTimeoutError::Closed(3)));
    });
}

#[test]
fn weak_counts_follow_downgrades_and_drops() {
    let (tx, rx) = mpsc::channel::<()>(1);
    let weak = tx.downgrade();
    let weak2 = weak.clone();
    assert_eq!((tx.weak_count(), rx.sender_weak_count()), (2, 2));
    let tx2 = weak.upgrade().unwrap();
    assert_eq!((weak.strong_count(), rx.sender_strong_count()), (2, 2));
    drop((tx, tx2));
    assert!(weak2.upgrade().is_none());
    drop(weak);
    assert_eq!((weak2.weak_count(), rx.sender_weak_count()), (1, 1));

    let (utx, urx) = mpsc::unbounded_channel::<()>();
    let uweak = utx.downgrade();
    assert_eq!((utx.weak_count(), uweak.strong_count()), (1, 1));
    drop(uweak);
    assert_eq!(urx.sender_weak_count(), 0);
}

#[test]
fn broadcast_weak_sender_does_not_keep_the_channel_open() {
    let (tx, mut rx) = broadcast::channel(4);
    let weak = tx.downgrade();
    assert_eq!((tx.weak_count(), rx.sender_weak_count()), (1, 1));
    weak.upgrade().unwrap().send(7).unwrap();
    drop(tx);
    assert_eq!(rx.try_recv(), Ok(7));
    assert_eq!(rx.try_recv(), Err(broadcast::error::TryRecvError::Closed));
    assert!(weak.upgrade().is_none());
    assert_eq!(weak.strong_count(), 0);
}

#[test]
fn set_once_wakes_every_waiter_with_the_one_value() {
    rt().block_on(async {
        let cell = Arc::new(SetOnce::new());
        let waiters: Vec<_> = (0..8)
            .map(|_| {
                let cell = cell.clone();
                gort::spawn(async move { *cell.wait().await })
            })
            .collect();
        gort::time::sleep(Duration::from_millis(10)).await;
        cell.set(42).unwrap();
        assert_eq!(cell.set(43).unwrap_err().0, 43);
        for waiter in waiters {
            assert_eq!(
                gort::time::timeout(LIMIT, waiter).await.unwrap().unwrap(),
                42
            );
        }
    });
}

#[test]
fn notified_owned_moves_into_a_task() {
    rt().block_on(async {
        let notify = Arc::new(Notify::new());
        let woken = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..4)
            .map(|_| {
                let notified = notify.clone().notified_owned();
                let woken = woken.clone();
                gort::spawn(async move {
                    notified.await;
                    woken.fetch_add(1, Ordering::SeqCst);
                })
            })
            .collect();
        notify.notify_waiters(); // reaches every future created before the call
        for task in tasks {
            gort::time::timeout(LIMIT, task).await.unwrap().unwrap();
        }
        assert_eq!(woken.load(Ordering::SeqCst), 4);
    });
}

#[test]
fn rwlock_downgrade_map_lets_readers_in() {
    futures::executor::block_on(async {
        let lock = RwLock::new((1, String::from("a")));
        let mut guard = lock.write().await;
        guard.1.push('b');
        let name = RwLockWriteGuard::downgrade_map(guard, |pair| &pair.1);
        assert_eq!(*name, "ab");
        assert!(lock.try_read().is_ok());
        assert!(lock.try_write().is_err());
        drop(name);
        let guard = lock.write().await;
        let guard = RwLockWriteGuard::try_downgrade_map(guard, |_| None::<&u8>).unwrap_err();
        assert!(
            lock.try_read().is_err(),
            "a failed map keeps the write lock"
        );
        drop(guard);
    });
}

#[test]
fn blocking_waits_refuse_runtime_threads() {
    let rt = rt();
    let sem = Arc::new(Semaphore::new(1));
    let (tx, mut rx) = mpsc::channel::<u8>(1);
    let panicked = rt.block_on(async {
        let sem = sem.clone();
        gort::spawn(async move { sem.blocking_acquire().map(drop) }).await
    });
    assert!(panicked.unwrap_err().is_panic());
    // On a plain thread they block as usual.
    let sender = std::thread::spawn(move || tx.blocking_send(5).unwrap());
    assert_eq!(rx.blocking_recv(), Some(5));
    sender.join().unwrap();
    assert_eq!(sem.blocking_acquire_many(1).unwrap().num_permits(), 1);
}

#[test]
fn oneshot_close_without_value_reports_closed() {
    let (tx, mut rx) = oneshot::channel::<u8>();
    rx.close();
    assert!(tx.is_closed());
    assert_eq!(rx.try_recv(), Err(oneshot::error::TryRecvError::Closed));
    assert!(rx.is_terminated());
    assert_eq!(tx.send(1), Err(1));
}

/// Polls a future that loops on an always-ready wait; it must yield (return `Pending`) once the
/// task's budget is spent, so `yield_now` in the other branch gets to run. The loops stop after
/// `SPINS` rounds, so a wait that never yields fails the test instead of hanging it.
fn assert_loop_yields<F: Future<Output = ()>>(make: impl FnOnce() -> F) {
    let rt = gort::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    rt.block_on(async {
        let spin = make();
        let outcome = gort::time::timeout(LIMIT, async {
            gort::select! {
                biased;
                _ = spin => "spin ended",
                _ = gort::task::yield_now() => "yielded",
            }
        })
        .await;
        assert_eq!(outcome, Ok("yielded"));
    });
}

#[test]
fn watch_changed_on_a_closed_channel_yields() {
    assert_loop_yields(|| async {
        let (tx, mut rx) = watch::channel(());
        drop(tx);
        for _ in 0..SPINS {
            assert!(rx.changed().await.is_err());
        }
    });
}

#[test]
fn watch_wait_for_and_closed_yield() {
    assert_loop_yields(|| async {
        let (tx, mut rx) = watch::channel(1);
        for _ in 0..SPINS {
            tx.send(1).unwrap();
            assert_eq!(*rx.wait_for(|v| *v == 1).await.unwrap(), 1);
        }
    });
    assert_loop_yields(|| async {
        let (tx, rx) = watch::channel(());
        drop(rx);
        for _ in 0..SPINS {
            tx.closed().await;
        }
    });
}

#[test]
fn ready_lock_acquire_yields_without_losing_its_place() {
    assert_loop_yields(|| async {
        let mutex = Mutex::new(0u64);
        for _ in 0..SPINS {
            *mutex.lock().await += 1;
        }
    });
}

#[test]
fn spent_budget_keeps_the_acquirer_first_in_line() {
    let mutex = Mutex::new(());
    let waker = futures::task::noop_waker();
    let mut cx = Context::from_waker(&waker);
    gort::coop::budget(|| {
        while gort::coop::poll_proceed(&mut cx).is_ready() {}
        let mut lock = pin!(mutex.lock());
        assert!(
            lock.as_mut().poll(&mut cx).is_pending(),
            "budget spent: yield"
        );
        assert!(
            mutex.try_lock().is_err(),
            "the yielding acquirer holds its permit"
        );
    });
    assert!(
        mutex.try_lock().is_ok(),
        "dropping the future gave the permit back"
    );
}
