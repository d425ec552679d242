//! Unit tests of the sync primitives, runtime free: `futures::executor` and plain threads.
//! Anything that could hang runs on a thread joined with a timeout.

use super::*;
use futures::executor::{block_on, LocalPool};
use futures::task::{noop_waker, LocalSpawnExt};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc as std_mpsc, Arc};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

/// Runs `f` on a thread and fails the test if it takes longer than 10 s.
fn bounded<R: Send + 'static>(f: impl FnOnce() -> R + Send + 'static) -> R {
    let (tx, rx) = std_mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(Duration::from_secs(10))
        .expect("test timed out (or panicked)")
}

fn scale(n: usize) -> usize {
    if cfg!(miri) {
        n.clamp(1, 20)
    } else {
        n
    }
}

/// A waker that counts its wake-ups.
struct CountWaker(AtomicUsize);

impl Wake for CountWaker {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

fn counting_waker() -> (Arc<CountWaker>, Waker) {
    let count = Arc::new(CountWaker(AtomicUsize::new(0)));
    (count.clone(), Waker::from(count))
}

fn poll_once<F: Future + ?Sized>(fut: Pin<&mut F>) -> Poll<F::Output> {
    let waker = noop_waker();
    fut.poll(&mut Context::from_waker(&waker))
}

#[test]
fn mutex_mutual_exclusion_across_threads() {
    let threads = 4;
    let per_thread = scale(5_000);
    let total = bounded(move || {
        // A non-atomic read-modify-write with a yield point in between would lose updates
        // without mutual exclusion.
        let m = Arc::new(Mutex::new(0usize));
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                let m = m.clone();
                std::thread::spawn(move || {
                    block_on(async {
                        for _ in 0..per_thread {
                            let mut guard = m.lock().await;
                            let v = *guard;
                            std::hint::black_box(&v);
                            *guard = v + 1;
                        }
                    })
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        let total = *m.blocking_lock();
        total
    });
    assert_eq!(total, threads * per_thread);
}

#[test]
fn mutex_waiters_get_the_lock_in_fifo_order() {
    let m = Mutex::new(Vec::new());
    let held = m.try_lock().unwrap();
    let mut waiters: Vec<_> = (0..4).map(|_| Box::pin(m.lock())).collect();
    for w in &mut waiters {
        assert!(poll_once(w.as_mut()).is_pending());
    }
    drop(held);
    // Only the first waiter got the lock; the rest stay pending until it unlocks.
    let mut order = Vec::new();
    for round in 0..4 {
        let mut ready = None;
        for (i, w) in waiters.iter_mut().enumerate() {
            if order.contains(&i) {
                continue;
            }
            if let Poll::Ready(mut guard) = poll_once(w.as_mut()) {
                assert!(
                    ready.is_none(),
                    "two waiters held the lock in round {round}"
                );
                guard.push(i);
                ready = Some((i, guard));
            }
        }
        let (i, guard) = ready.expect("someone got the lock");
        order.push(i);
        drop(guard);
    }
    assert_eq!(order, [0, 1, 2, 3]);
    assert_eq!(*m.try_lock().unwrap(), [0, 1, 2, 3]);
}

#[test]
fn mutex_lock_handed_to_a_dropped_waiter_goes_to_the_next() {
    let m = Mutex::new(());
    let held = m.try_lock().unwrap();
    let mut first = Box::pin(m.lock());
    let mut second = Box::pin(m.lock());
    assert!(poll_once(first.as_mut()).is_pending());
    assert!(poll_once(second.as_mut()).is_pending());
    drop(held); // hands the lock to `first`
    assert!(m.try_lock().is_err(), "the lock was handed over, not freed");
    drop(first); // cancelled after the handoff: passes it on
    assert!(poll_once(second.as_mut()).is_ready());
}

#[test]
fn unlock_wakes_exactly_the_next_waiter() {
    let m = Mutex::new(());
    let held = m.try_lock().unwrap();
    let (count_a, waker_a) = counting_waker();
    let (count_b, waker_b) = counting_waker();
    let mut a = Box::pin(m.lock());
    let mut b = Box::pin(m.lock());
    assert!(a
        .as_mut()
        .poll(&mut Context::from_waker(&waker_a))
        .is_pending());
    assert!(b
        .as_mut()
        .poll(&mut Context::from_waker(&waker_b))
        .is_pending());
    drop(held);
    assert_eq!(count_a.0.load(Ordering::SeqCst), 1);
    assert_eq!(count_b.0.load(Ordering::SeqCst), 0);
}

#[test]
fn semaphore_conserves_permits_under_random_cancellation() {
    let sem = Semaphore::new(5);
    let mut rng = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let mut pending: Vec<Pin<Box<dyn Future<Output = _> + '_>>> = Vec::new();
    let mut held = Vec::new();
    for _ in 0..scale(3_000) {
        match next() % 4 {
            0 => {
                let n = (next() % 3 + 1) as u32;
                let mut fut = Box::pin(sem.acquire_many(n));
                match poll_once(fut.as_mut()) {
                    Poll::Ready(permit) => held.push(permit.unwrap()),
                    Poll::Pending => pending.push(fut),
                }
            }
            1 if !held.is_empty() => {
                let i = (next() as usize) % held.len();
                drop(held.swap_remove(i));
            }
            2 if !pending.is_empty() => {
                let i = (next() as usize) % pending.len();
                drop(pending.swap_remove(i)); // cancel, possibly after a partial grant
            }
            _ => {
                let mut i = 0;
                while i < pending.len() {
                    if let Poll::Ready(permit) = poll_once(pending[i].as_mut()) {
                        held.push(permit.unwrap());
                        drop(pending.swap_remove(i));
                    } else {
                        i += 1;
                    }
                }
            }
        }
        let outstanding: usize = held.iter().map(|p| p.num_permits()).sum();
        assert!(outstanding + sem.available_permits() <= 5);
    }
    drop(pending);
    drop(held);
    assert_eq!(sem.available_permits(), 5);
}

#[test]
fn semaphore_close_fails_waiters_but_keeps_held_permits() {
    let sem = Semaphore::new(1);
    let permit = sem.try_acquire().unwrap();
    let mut waiter = Box::pin(sem.acquire());
    assert!(poll_once(waiter.as_mut()).is_pending());
    sem.close();
    assert!(matches!(poll_once(waiter.as_mut()), Poll::Ready(Err(_))));
    assert_eq!(sem.try_acquire().unwrap_err(), TryAcquireError::Closed);
    drop(permit);
    assert_eq!(sem.available_permits(), 1);
}

#[test]
fn notify_one_stores_one_permit() {
    let notify = Notify::new();
    notify.notify_one();
    notify.notify_one();
    let mut first = Box::pin(notify.notified());
    assert!(poll_once(first.as_mut()).is_ready());
    let mut second = Box::pin(notify.notified());
    assert!(
        poll_once(second.as_mut()).is_pending(),
        "permits do not add up"
    );
    notify.notify_one();
    assert!(poll_once(second.as_mut()).is_ready());
}

#[test]
fn notify_one_wakes_waiters_in_fifo_order() {
    let notify = Notify::new();
    let mut waiters: Vec<_> = (0..3).map(|_| Box::pin(notify.notified())).collect();
    for w in &mut waiters {
        assert!(poll_once(w.as_mut()).is_pending());
    }
    notify.notify_one();
    let ready: Vec<bool> = waiters
        .iter_mut()
        .map(|w| poll_once(w.as_mut()).is_ready())
        .collect();
    assert_eq!(ready, [true, false, false]);
    notify.notify_last();
    assert!(poll_once(waiters[1].as_mut()).is_pending());
    assert!(poll_once(waiters[2].as_mut()).is_ready());
}

#[test]
fn notify_waiters_reaches_unpolled_futures_and_stores_nothing() {
    let notify = Notify::new();
    let mut polled = Box::pin(notify.notified());
    assert!(poll_once(polled.as_mut()).is_pending());
    let mut unpolled = Box::pin(notify.notified());
    notify.notify_waiters();
    let mut later = Box::pin(notify.notified());
    assert!(poll_once(polled.as_mut()).is_ready());
    assert!(poll_once(unpolled.as_mut()).is_ready());
    assert!(
        poll_once(later.as_mut()).is_pending(),
        "no permit is stored"
    );
}

#[test]
fn dropped_notified_forwards_its_notification() {
    let notify = Notify::new();
    let mut a = Box::pin(notify.notified());
    let mut b = Box::pin(notify.notified());
    assert!(poll_once(a.as_mut()).is_pending());
    assert!(poll_once(b.as_mut()).is_pending());
    notify.notify_one(); // goes to `a`
    drop(a); // never observed it: `b` gets it
    assert!(poll_once(b.as_mut()).is_ready());
    // With nobody left, a forwarded notification becomes the stored permit.
    let mut c = Box::pin(notify.notified());
    assert!(poll_once(c.as_mut()).is_pending());
    notify.notify_one();
    drop(c);
    assert!(poll_once(Box::pin(notify.notified()).as_mut()).is_ready());
}

#[test]
fn notify_no_lost_wakeups_across_threads() {
    let rounds = scale(2_000);
    let got = bounded(move || {
        let notify = Arc::new(Notify::new());
        let done = Arc::new(Notify::new());
        let (n2, d2) = (notify.clone(), done.clone());
        let t = std::thread::spawn(move || {
            block_on(async {
                for _ in 0..rounds {
                    n2.notified().await;
                    d2.notify_one();
                }
            })
        });
        block_on(async {
            for _ in 0..rounds {
                notify.notify_one();
                done.notified().await;
            }
        });
        t.join().unwrap();
        rounds
    });
    assert_eq!(got, rounds);
}

#[test]
fn rwlock_queued_writer_blocks_new_readers() {
    let lock = RwLock::new(0);
    let reader = lock.try_read().unwrap();
    let mut writer = Box::pin(lock.write());
    assert!(poll_once(writer.as_mut()).is_pending());
    assert!(
        lock.try_read().is_err(),
        "a queued writer must not be overtaken"
    );
    let mut late_reader = Box::pin(lock.read());
    assert!(poll_once(late_reader.as_mut()).is_pending());
    drop(reader);
    match poll_once(writer.as_mut()) {
        Poll::Ready(mut w) => *w = 1,
        Poll::Pending => panic!("the writer should hold the lock"),
    }
    match poll_once(late_reader.as_mut()) {
        Poll::Ready(r) => assert_eq!(*r, 1),
        Poll::Pending => panic!("the reader follows the writer"),
    };
}

#[test]
fn rwlock_cancelled_writer_lets_readers_in() {
    let lock = RwLock::new(());
    let reader = lock.try_read().unwrap();
    let mut writer = Box::pin(lock.write());
    assert!(poll_once(writer.as_mut()).is_pending());
    let mut reader2 = Box::pin(lock.read());
    assert!(poll_once(reader2.as_mut()).is_pending());
    drop(writer);
    assert!(poll_once(reader2.as_mut()).is_ready());
    drop(reader);
}

#[test]
fn rwlock_downgrade_admits_queued_readers() {
    let lock = RwLock::new(1);
    let w = lock.try_write().unwrap();
    let mut r = Box::pin(lock.read());
    assert!(poll_once(r.as_mut()).is_pending());
    let down = RwLockWriteGuard::downgrade(w);
    assert!(poll_once(r.as_mut()).is_ready());
    assert!(lock.try_write().is_err());
    drop(down);
}

#[test]
fn barrier_releases_each_round_with_one_leader() {
    let n = 5;
    let rounds = scale(50);
    let leaders = bounded(move || {
        let barrier = Arc::new(Barrier::new(n));
        let leaders = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..n)
            .map(|_| {
                let (b, l) = (barrier.clone(), leaders.clone());
                std::thread::spawn(move || {
                    for _ in 0..rounds {
                        if block_on(b.wait()).is_leader() {
                            l.fetch_add(1, Ordering::SeqCst);
                        }
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        leaders.load(Ordering::SeqCst)
    });
    assert_eq!(leaders, rounds);
}

#[test]
fn once_cell_runs_one_initializer_among_many() {
    let runs = bounded(|| {
        let cell = Arc::new(OnceCell::new());
        let runs = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..8)
            .map(|i| {
                let (cell, runs) = (cell.clone(), runs.clone());
                std::thread::spawn(move || {
                    let v = block_on(cell.get_or_init(|| async {
                        runs.fetch_add(1, Ordering::SeqCst);
                        i
                    }));
                    *v
                })
            })
            .collect();
        let values: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
        assert!(
            values.windows(2).all(|w| w[0] == w[1]),
            "everyone sees one value"
        );
        runs.load(Ordering::SeqCst)
    });
    assert_eq!(runs, 1);
}

#[test]
fn once_cell_cancelled_initializer_hands_over() {
    let cell = OnceCell::new();
    let mut first = Box::pin(cell.get_or_init(std::future::pending::<u32>));
    assert!(poll_once(first.as_mut()).is_pending());
    assert!(cell.set(9).unwrap_err().is_initializing_err());
    let mut second = Box::pin(cell.get_or_init(|| async { 2 }));
    assert!(poll_once(second.as_mut()).is_pending());
    drop(first);
    assert_eq!(poll_once(second.as_mut()), Poll::Ready(&2));
    assert_eq!(cell.get(), Some(&2));
}

#[test]
fn wait_group_waits_for_a_thousand_tasks() {
    let tasks = scale(1_000);
    let mut pool = LocalPool::new();
    let spawner = pool.spawner();
    let wg = WaitGroup::new();
    let notify = Arc::new(Notify::new());
    let finished = Arc::new(AtomicUsize::new(0));
    for _ in 0..tasks {
        wg.add(1);
        let (wg, notify, finished) = (wg.clone(), notify.clone(), finished.clone());
        spawner
            .spawn_local(async move {
                notify.notified().await;
                finished.fetch_add(1, Ordering::SeqCst);
                wg.done();
            })
            .unwrap();
    }
    let observed = Arc::new(AtomicUsize::new(usize::MAX));
    let (wg2, finished2, observed2) = (wg.clone(), finished.clone(), observed.clone());
    spawner
        .spawn_local(async move {
            wg2.wait().await;
            observed2.store(finished2.load(Ordering::SeqCst), Ordering::SeqCst);
        })
        .unwrap();
    pool.run_until_stalled();
    assert_eq!(
        observed.load(Ordering::SeqCst),
        usize::MAX,
        "waited too early"
    );
    notify.notify_waiters();
    pool.run_until_stalled();
    assert_eq!(observed.load(Ordering::SeqCst), tasks);
}

#[test]
fn wait_group_blocking_wait_on_threads() {
    let threads = scale(16);
    bounded(move || {
        let wg = WaitGroup::new();
        let count = Arc::new(AtomicUsize::new(0));
        for _ in 0..threads {
            wg.add(1);
            let (wg, count) = (wg.clone(), count.clone());
            std::thread::spawn(move || {
                count.fetch_add(1, Ordering::SeqCst);
                wg.done();
            });
        }
        wg.wait_blocking();
        assert_eq!(count.load(Ordering::SeqCst), threads);
    });
}

#[test]
#[should_panic(expected = "sync: negative WaitGroup counter")]
fn wait_group_done_below_zero_panics() {
    let wg = WaitGroup::new();
    wg.add(1);
    wg.done();
    wg.done();
}

#[test]
fn cancelling_a_parent_reaches_every_descendant() {
    // Depth 3, width 10: 10 children, 100 grandchildren, 1000 great-grandchildren (width 4
    // under Miri, where each token costs milliseconds).
    let width = if cfg!(miri) { 4 } else { 10 };
    let root = CancellationToken::new();
    let mut all = Vec::new();
    let mut level = vec![root.clone()];
    for _ in 0..3 {
        let mut next = Vec::new();
        for parent in &level {
            for _ in 0..width {
                next.push(parent.child_token());
            }
        }
        all.extend(next.iter().cloned());
        level = next;
    }
    assert_eq!(all.len(), width + width * width + width * width * width);
    // Park a waiter on every leaf.
    let mut waits: Vec<_> = level.iter().map(|t| Box::pin(t.cancelled())).collect();
    for w in &mut waits {
        assert!(poll_once(w.as_mut()).is_pending());
    }
    // Cancelling one subtree reaches neither its parent nor its siblings.
    all[0].cancel();
    assert!(!root.is_cancelled());
    assert!(!all[1].is_cancelled());
    assert_eq!(
        all.iter().filter(|t| t.is_cancelled()).count(),
        1 + width + width * width
    );
    root.cancel();
    assert!(all.iter().all(|t| t.is_cancelled()));
    assert!(waits.iter_mut().all(|w| poll_once(w.as_mut()).is_ready()));
    assert!(
        root.child_token().is_cancelled(),
        "children of a cancelled token start cancelled"
    );
}

#[test]
fn dropped_children_unlink_from_their_parent() {
    let root = CancellationToken::new();
    for _ in 0..100 {
        let child = root.child_token();
        let grandchild = child.child_token();
        drop(child); // the grandchild keeps the chain alive
        assert_eq!(root.child_count(), 1);
        drop(grandchild);
        assert_eq!(root.child_count(), 0);
    }
    // A grandchild whose middle parent was dropped is still reached.
    let child = root.child_token();
    let grandchild = child.child_token();
    drop(child);
    root.cancel();
    assert!(grandchild.is_cancelled());
}

#[test]
fn drop_guard_and_run_until_cancelled() {
    let token = CancellationToken::new();
    let guard = token.clone().drop_guard();
    let disarmed = guard.disarm();
    drop(disarmed);
    assert!(!token.is_cancelled());
    block_on(async {
        assert_eq!(token.run_until_cancelled(async { 5 }).await, Some(5));
        let t2 = token.clone();
        let out = token
            .run_until_cancelled(async move {
                t2.cancel();
                std::future::pending::<u8>().await
            })
            .await;
        assert_eq!(out, None);
    });
}

#[test]
fn broadcast_lagged_receiver_skips_to_the_oldest() {
    use broadcast::error::{RecvError, TryRecvError};
    let (tx, mut slow) = broadcast::channel(4);
    let mut fast = tx.subscribe();
    for i in 0..10 {
        assert_eq!(tx.send(i), Ok(2));
        assert_eq!(fast.try_recv(), Ok(i));
    }
    assert_eq!(slow.len(), 10);
    assert_eq!(slow.try_recv(), Err(TryRecvError::Lagged(6)));
    let rest: Vec<_> = (0..4).map(|_| slow.try_recv().unwrap()).collect();
    assert_eq!(rest, [6, 7, 8, 9]);
    assert_eq!(tx.len(), 0, "every value was read by everyone");
    drop(tx);
    assert_eq!(block_on(slow.recv()), Err(RecvError::Closed));
}

#[test]
fn broadcast_recv_wakes_on_send_and_drains_before_closed() {
    use broadcast::error::RecvError;
    let (tx, mut rx) = broadcast::channel(8);
    let mut recv = Box::pin(async move {
        let mut got = Vec::new();
        loop {
            match rx.recv().await {
                Ok(v) => got.push(v),
                Err(RecvError::Closed) => return got,
                Err(e) => panic!("unexpected {e}"),
            }
        }
    });
    assert!(poll_once(recv.as_mut()).is_pending());
    tx.send(1).unwrap();
    tx.send(2).unwrap();
    drop(tx);
    assert_eq!(poll_once(recv.as_mut()), Poll::Ready(vec![1, 2]));
}

#[test]
#[should_panic(expected = "capacity cannot be zero")]
fn broadcast_zero_capacity_panics() {
    let _ = broadcast::channel::<u8>(0);
}

#[test]
fn watch_changed_and_borrow_and_update() {
    let (tx, mut rx) = watch::channel(0);
    let mut changed = Box::pin(async {
        rx.changed().await.unwrap();
        *rx.borrow_and_update()
    });
    assert!(poll_once(changed.as_mut()).is_pending());
    tx.send(1).unwrap();
    tx.send(2).unwrap();
    assert_eq!(poll_once(changed.as_mut()), Poll::Ready(2));
    drop(changed);
    assert!(!rx.has_changed().unwrap());
    let mut rx2 = rx.clone();
    tx.send_modify(|v| *v += 1);
    assert!(rx.has_changed().unwrap() && rx2.has_changed().unwrap());
    assert_eq!(*rx2.borrow_and_update(), 3);
    drop(tx);
    // The unseen value comes first, then the close.
    assert!(block_on(rx.changed()).is_ok());
    assert!(block_on(rx.changed()).is_err());
}

#[test]
fn watch_sender_closed_when_receivers_go() {
    let (tx, rx) = watch::channel(0);
    let rx2 = rx.clone();
    let mut closed = Box::pin(tx.closed());
    assert!(poll_once(closed.as_mut()).is_pending());
    drop(rx);
    assert!(poll_once(closed.as_mut()).is_pending());
    drop(rx2);
    assert!(poll_once(closed.as_mut()).is_ready());
    assert!(tx.send(1).is_err());
}

#[test]
fn coop_budget_makes_an_always_ready_lock_loop_yield() {
    let m = Mutex::new(0);
    let waker = noop_waker();
    let mut cx = Context::from_waker(&waker);
    let completed = crate::coop::budget(|| {
        let mut completed = 0;
        loop {
            let mut fut = Box::pin(m.lock());
            match fut.as_mut().poll(&mut cx) {
                Poll::Ready(_) => completed += 1,
                Poll::Pending => return completed,
            }
        }
    });
    assert_eq!(completed, crate::coop::BUDGET as usize);
    assert!(m.try_lock().is_ok(), "the refused attempt took nothing");
}

#[test]
fn releasing_to_more_waiters_than_one_wake_batch_serves_them_all() {
    // 40 readers queued behind a writer: more than one batch of wakers on release.
    let lock = RwLock::new(0);
    let writer = lock.try_write().unwrap();
    let wakers: Vec<_> = (0..40).map(|_| counting_waker()).collect();
    let mut readers: Vec<_> = (0..40).map(|_| Box::pin(lock.read())).collect();
    for (r, (_, waker)) in readers.iter_mut().zip(&wakers) {
        assert!(r
            .as_mut()
            .poll(&mut Context::from_waker(waker))
            .is_pending());
    }
    drop(writer);
    assert!(wakers
        .iter()
        .all(|(count, _)| count.0.load(Ordering::SeqCst) == 1));
    let guards: Vec<_> = readers
        .iter_mut()
        .map(|r| match poll_once(r.as_mut()) {
            Poll::Ready(g) => g,
            Poll::Pending => panic!("every reader was admitted"),
        })
        .collect();
    assert!(lock.try_write().is_err());
    drop(guards);
    assert!(lock.try_write().is_ok());
}

#[test]
fn a_large_request_is_filled_by_several_releases() {
    let sem = Semaphore::new(0);
    let mut big = Box::pin(sem.acquire_many(10));
    assert!(poll_once(big.as_mut()).is_pending());
    for _ in 0..9 {
        sem.add_permits(1);
        assert!(poll_once(big.as_mut()).is_pending());
    }
    assert_eq!(sem.available_permits(), 0, "permits went to the waiter");
    sem.add_permits(3);
    let permit = match poll_once(big.as_mut()) {
        Poll::Ready(p) => p.unwrap(),
        Poll::Pending => panic!("filled"),
    };
    assert_eq!(permit.num_permits(), 10);
    assert_eq!(sem.available_permits(), 2);
}

#[test]
fn public_types_are_send_and_sync_as_tokios() {
    fn send_sync<T: Send + Sync>() {}
    fn send<T: Send>() {}
    send_sync::<Mutex<Vec<u8>>>();
    send_sync::<MutexGuard<'static, u8>>();
    send_sync::<OwnedMutexGuard<u8>>();
    send_sync::<RwLock<u8>>();
    send_sync::<RwLockReadGuard<'static, u8>>();
    send_sync::<RwLockWriteGuard<'static, u8>>();
    send_sync::<OwnedRwLockWriteGuard<u8>>();
    send_sync::<Semaphore>();
    send_sync::<SemaphorePermit<'static>>();
    send_sync::<OwnedSemaphorePermit>();
    send_sync::<Notify>();
    send_sync::<Notified<'static>>();
    send_sync::<Barrier>();
    send_sync::<OnceCell<u8>>();
    send_sync::<WaitGroup>();
    send_sync::<CancellationToken>();
    send_sync::<broadcast::Sender<u8>>();
    send_sync::<broadcast::Receiver<u8>>();
    send_sync::<watch::Sender<u8>>();
    send_sync::<watch::Receiver<u8>>();
    // The futures can be spawned on a multi-thread runtime.
    fn future_is_send<F: Future + Send>(_: &F) {}
    let (m, s, n) = (Mutex::new(0), Semaphore::new(1), Notify::new());
    future_is_send(&m.lock());
    future_is_send(&s.acquire());
    future_is_send(&n.notified());
    let rw = RwLock::new(0);
    future_is_send(&rw.write());
    let wg = WaitGroup::new();
    future_is_send(&wg.wait());
    let token = CancellationToken::new();
    future_is_send(&token.cancelled());
    let (tx, mut rx) = broadcast::channel::<u8>(1);
    future_is_send(&rx.recv());
    let (wtx, mut wrx) = watch::channel(0u8);
    future_is_send(&wrx.changed());
    future_is_send(&wtx.closed());
    drop(tx);
    send::<broadcast::error::SendError<u8>>();
}

#[test]
fn dropped_pending_recv_loses_no_broadcast_value() {
    let (tx, mut rx) = broadcast::channel(4);
    {
        let mut pending = Box::pin(rx.recv());
        assert!(poll_once(pending.as_mut()).is_pending());
        tx.send(1).unwrap(); // wakes the pending recv, which is then dropped unpolled
    }
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(tx.len(), 0);
}

#[test]
fn dropped_pending_changed_keeps_the_change_unseen() {
    let (tx, mut rx) = watch::channel(0);
    {
        let mut pending = Box::pin(rx.changed());
        assert!(poll_once(pending.as_mut()).is_pending());
        tx.send(1).unwrap();
    }
    assert!(rx.has_changed().unwrap());
    assert_eq!(*rx.borrow_and_update(), 1);
}

#[test]
fn dropped_receivers_release_their_unread_broadcast_values() {
    let (tx, rx) = broadcast::channel(8);
    let mut rx2 = tx.subscribe();
    for i in 0..3 {
        tx.send(i).unwrap();
    }
    assert_eq!(tx.len(), 3);
    drop(rx);
    assert_eq!(tx.len(), 3, "rx2 has not read them yet");
    assert_eq!(rx2.try_recv(), Ok(0));
    assert_eq!(tx.len(), 2);
    drop(rx2);
    assert_eq!(tx.len(), 0);
    assert!(tx.send(9).is_err(), "no receiver left");
}

/// A waker whose drop runs `on_drop` (which may re-enter a primitive).
struct DropHook(std::sync::Mutex<Option<Box<dyn FnOnce() + Send>>>);

impl Wake for DropHook {
    fn wake(self: Arc<Self>) {}
}

impl Drop for DropHook {
    fn drop(&mut self) {
        if let Some(f) = self.0.lock().unwrap().take() {
            f();
        }
    }
}

fn drop_hook_waker(f: impl FnOnce() + Send + 'static) -> Waker {
    Waker::from(Arc::new(DropHook(std::sync::Mutex::new(Some(Box::new(f))))))
}

#[test]
fn a_waker_dropped_by_a_primitive_may_reenter_it() {
    bounded(|| {
        // broadcast (tokio's `send_in_waker_drop`): re-polling replaces the stored waker.
        let (tx, mut rx) = broadcast::channel(16);
        let mut fut = Box::pin(async move {
            let _ = rx.recv().await;
        });
        let tx2 = tx.clone();
        let waker = drop_hook_waker(move || {
            let _ = tx2.send(());
        });
        assert!(fut
            .as_mut()
            .poll(&mut Context::from_waker(&waker))
            .is_pending());
        drop(waker);
        let _ = poll_once(fut.as_mut()); // drops the hook waker: it sends
        drop(fut);
        let _ = tx.send(());

        // Semaphore: the replaced waker's drop releases a permit (re-enters `release`).
        let sem = Arc::new(Semaphore::new(0));
        let mut acquire = Box::pin(sem.acquire());
        let sem2 = sem.clone();
        let waker = drop_hook_waker(move || sem2.add_permits(1));
        assert!(acquire
            .as_mut()
            .poll(&mut Context::from_waker(&waker))
            .is_pending());
        drop(waker);
        assert!(poll_once(acquire.as_mut()).is_pending()); // replaces, then drops the hook
        assert!(poll_once(acquire.as_mut()).is_ready());

        // Notify: a dropped `Notified` whose waker notifies on drop.
        let notify = Arc::new(Notify::new());
        let mut notified = Box::pin(notify.notified());
        let n2 = notify.clone();
        let waker = drop_hook_waker(move || n2.notify_one());
        assert!(notified
            .as_mut()
            .poll(&mut Context::from_waker(&waker))
            .is_pending());
        drop(waker);
        drop(notified); // removes the entry, then drops the hook: it stores a permit
        assert!(poll_once(Box::pin(notify.notified()).as_mut()).is_ready());
    });
}

#[test]
fn broadcast_receiver_skips_a_value_whose_clone_panics() {
    #[derive(Debug, PartialEq)]
    struct Picky(usize);
    impl Clone for Picky {
        fn clone(&self) -> Self {
            assert_ne!(self.0, 0, "refusing to clone 0");
            Picky(self.0)
        }
    }
    let (tx, mut rx) = broadcast::channel(16);
    tx.send(Picky(0)).unwrap();
    tx.send(Picky(1)).unwrap();
    let res = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let _ = rx.try_recv();
    }));
    assert!(res.is_err());
    assert_eq!(rx.try_recv(), Ok(Picky(1)));
    assert_eq!(tx.len(), 0);
}

#[test]
fn owned_notified_picked_by_notify_last_passes_it_on_when_dropped() {
    let notify = Arc::new(Notify::new());
    let waker = noop_waker();
    let mut cx = Context::from_waker(&waker);
    let mut first = Box::pin(notify.clone().notified_owned());
    let mut second = Box::pin(notify.clone().notified_owned());
    let mut third = Box::pin(notify.clone().notified_owned());
    for fut in [&mut first, &mut second, &mut third] {
        assert!(fut.as_mut().poll(&mut cx).is_pending());
    }
    notify.notify_last(); // picks `third`
    drop(third); // unobserved: goes to the new last waiter
    assert!(second.as_mut().poll(&mut cx).is_ready());
    assert!(first.as_mut().poll(&mut cx).is_pending());
    drop(first);
    // Nothing left over: no stored permit.
    assert!(Box::pin(notify.notified())
        .as_mut()
        .poll(&mut cx)
        .is_pending());
}

#[test]
fn set_once_wait_sees_a_set_from_another_thread() {
    let cell = Arc::new(SetOnce::new());
    let setter = cell.clone();
    let value = bounded(move || {
        let waiter = std::thread::spawn(move || block_on(async { *cell.wait().await }));
        setter.set(9).unwrap();
        waiter.join().unwrap()
    });
    assert_eq!(value, 9);
}
