//! loom models of the handoff paths: unlock/notify racing a cancelled waiter, a lock-free
//! release racing a parking acquirer, wake-ups racing registration.
//! Run: `RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=2 cargo test --release -p gort-channel --lib loom_`

use super::*;
use futures::task::noop_waker;
use loom::thread;
use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

/// Unparks a loom thread (loom's own `block_on` needs a feature this crate does not enable).
struct Unpark(thread::Thread);

impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

fn block_on<F: Future>(fut: F) -> F::Output {
    let mut fut = pin!(fut);
    let waker = Waker::from(Arc::new(Unpark(thread::current())));
    let mut cx = Context::from_waker(&waker);
    loop {
        if let Poll::Ready(out) = fut.as_mut().poll(&mut cx) {
            return out;
        }
        thread::park();
    }
}

fn poll_once<F: Future + ?Sized>(fut: Pin<&mut F>) -> Poll<F::Output> {
    let waker = noop_waker();
    fut.poll(&mut Context::from_waker(&waker))
}

#[test]
fn loom_mutex_unlock_races_cancelled_waiter() {
    loom::model(|| {
        let m = Arc::new(Mutex::new(0));
        let guard = m.clone().try_lock_owned().unwrap();
        let mut waiter = Box::pin(m.lock());
        assert!(poll_once(waiter.as_mut()).is_pending());
        let t = thread::spawn(move || drop(guard));
        drop(waiter);
        t.join().unwrap();
        // Whether the lock was handed to the waiter before or after it left, it is free now.
        assert!(m.try_lock().is_ok());
    });
}

#[test]
fn loom_mutex_handoff_to_the_next_waiter() {
    loom::model(|| {
        let m = Arc::new(Mutex::new(0));
        let guard = m.clone().try_lock_owned().unwrap();
        let mut first = Box::pin(m.lock());
        assert!(poll_once(first.as_mut()).is_pending());
        let m2 = m.clone();
        let t = thread::spawn(move || {
            drop(guard);
        });
        let second = thread::spawn(move || {
            block_on(async {
                *m2.lock().await += 1;
            })
        });
        drop(first);
        t.join().unwrap();
        second.join().unwrap();
        assert_eq!(*m.try_lock().unwrap(), 1);
    });
}

#[test]
fn loom_semaphore_release_races_acquire() {
    loom::model(|| {
        let sem = Arc::new(Semaphore::new(1));
        let threads: Vec<_> = (0..2)
            .map(|_| {
                let sem = sem.clone();
                thread::spawn(move || {
                    block_on(async {
                        let permit = sem.acquire().await.unwrap();
                        drop(permit);
                    })
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(sem.available_permits(), 1);
    });
}

#[test]
fn loom_semaphore_lock_free_release_races_parking_acquire() {
    loom::model(|| {
        let sem = Arc::new(Semaphore::new(0));
        let sem2 = sem.clone();
        let t = thread::spawn(move || sem2.add_permits(2));
        block_on(async {
            let permit = sem.acquire_many(2).await.unwrap();
            permit.forget();
        });
        t.join().unwrap();
        assert_eq!(sem.available_permits(), 0);
    });
}

/// A parked `Notified` is dropped while `notifier` runs on another thread. Then a new
/// `Notified` finds a stored permit exactly when `stored`, and the wait-list is left empty (a
/// `notify_one` with nobody waiting is stored).
fn notify_races_dropped_notified(notifier: fn(&Notify), stored: bool) {
    loom::model(move || {
        let notify = Arc::new(Notify::new());
        let mut waiter = Box::pin(notify.notified());
        assert!(poll_once(waiter.as_mut()).is_pending());
        let n2 = notify.clone();
        let t = thread::spawn(move || notifier(&n2));
        drop(waiter);
        t.join().unwrap();
        let probe = poll_once(Box::pin(notify.notified()).as_mut());
        assert_eq!(probe.is_ready(), stored);
        notify.notify_one();
        assert!(poll_once(Box::pin(notify.notified()).as_mut()).is_ready());
    });
}

/// The notification was either stored or passed on by the dropped waiter (its cell said
/// `One`): not lost.
#[test]
fn loom_notify_one_races_cancelled_notified() {
    notify_races_dropped_notified(Notify::notify_one, true);
}

#[test]
fn loom_notify_one_wakes_a_parking_waiter() {
    loom::model(|| {
        let notify = Arc::new(Notify::new());
        let n2 = notify.clone();
        let t = thread::spawn(move || n2.notify_one());
        block_on(notify.notified());
        t.join().unwrap();
    });
}

#[test]
fn loom_notify_waiters_reaches_a_created_notified() {
    loom::model(|| {
        let notify = Arc::new(Notify::new());
        let notified = notify.notified();
        let n2 = notify.clone();
        let t = thread::spawn(move || n2.notify_waiters());
        block_on(notified);
        t.join().unwrap();
    });
}

#[test]
fn loom_wait_group_done_races_wait() {
    loom::model(|| {
        let wg = WaitGroup::new();
        wg.add(2);
        let threads: Vec<_> = (0..2)
            .map(|_| {
                let wg = wg.clone();
                thread::spawn(move || wg.done())
            })
            .collect();
        block_on(wg.wait());
        for t in threads {
            t.join().unwrap();
        }
    });
}

#[test]
fn loom_cancel_races_child_wait() {
    loom::model(|| {
        let root = CancellationToken::new();
        let child = root.child_token();
        let t = thread::spawn(move || root.cancel());
        block_on(child.cancelled());
        t.join().unwrap();
        assert!(child.is_cancelled());
    });
}

/// A parked acquire holding 1 of the 2 permits it wants is dropped while `other` runs on
/// another thread; then `permits` are free: nothing leaked, nothing granted twice.
fn semaphore_partial_acquire_dropped_races(other: fn(&Semaphore), permits: usize) {
    loom::model(move || {
        let sem = Arc::new(Semaphore::new(1));
        let mut waiter = Box::pin(sem.acquire_many(2));
        assert!(poll_once(waiter.as_mut()).is_pending()); // holds 1 of 2
        let sem2 = sem.clone();
        let t = thread::spawn(move || other(&sem2));
        drop(waiter);
        t.join().unwrap();
        assert_eq!(sem.available_permits(), permits);
    });
}

#[test]
fn loom_semaphore_partial_grant_cancel_races_release() {
    semaphore_partial_acquire_dropped_races(|sem| sem.add_permits(1), 2);
}

#[test]
fn loom_rwlock_writer_waits_for_the_reader() {
    loom::model(|| {
        let lock = Arc::new(RwLock::new(0));
        let reader = lock.clone().try_read_owned().unwrap();
        let lock2 = lock.clone();
        let writer = thread::spawn(move || block_on(async { *lock2.write().await += 1 }));
        assert_eq!(*reader, 0);
        drop(reader);
        writer.join().unwrap();
        assert_eq!(*lock.try_read().unwrap(), 1);
    });
}

#[test]
fn loom_once_cell_concurrent_init_runs_once() {
    loom::model(|| {
        let cell = Arc::new(OnceCell::new());
        let runs = Arc::new(loom::sync::atomic::AtomicUsize::new(0));
        let (cell2, runs2) = (cell.clone(), runs.clone());
        let t = thread::spawn(move || {
            *block_on(cell2.get_or_init(|| async {
                runs2.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                1
            }))
        });
        let mine = *block_on(cell.get_or_init(|| async {
            runs.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            2
        }));
        let theirs = t.join().unwrap();
        assert_eq!(mine, theirs);
        assert_eq!(runs.load(std::sync::atomic::Ordering::SeqCst), 1);
    });
}

#[test]
fn loom_watch_send_races_changed() {
    loom::model(|| {
        let (tx, mut rx) = watch::channel(0);
        let t = thread::spawn(move || {
            tx.send(1).unwrap();
        });
        // Either the send lands first (changed sees it) or later (changed is woken by it);
        // after the sender is gone, the change is still reported before the close.
        assert!(block_on(rx.changed()).is_ok());
        assert_eq!(*rx.borrow_and_update(), 1);
        t.join().unwrap();
    });
}

#[test]
fn loom_broadcast_send_races_recv() {
    loom::model(|| {
        let (tx, mut rx) = broadcast::channel(2);
        let t = thread::spawn(move || {
            tx.send(7).unwrap();
        });
        assert_eq!(block_on(rx.recv()), Ok(7));
        t.join().unwrap();
    });
}

/// The shared hand-off cell itself ([`crate::handoff`]): a peer serving the parked waiter (pop
/// under the lock, then `complete`) races its owner cancelling (look without the lock, then
/// under it, removing the waiter). The value ends up exactly once: with the owner, or never
/// handed (the peer found the list empty); the owner never drops a cell a peer still writes.
#[test]
fn loom_handoff_cell_complete_races_cancel() {
    use crate::handoff::{HandOff, HandOffRef};
    use crate::waitlist::WaitList;
    loom::model(|| {
        let marker = Arc::new(());
        let list = Arc::new(shim::Lock::new(WaitList::<HandOffRef<Arc<()>>>::new()));
        let cell = Box::pin(HandOff::new());
        let id = list
            .lock()
            .push_back(cell.as_ref().park_ref(), &noop_waker());
        let peer = {
            let (list, value) = (list.clone(), marker.clone());
            thread::spawn(move || {
                let mut list = list.lock();
                let Some((hand, _)) = list.pop_front_free() else {
                    return false;
                };
                // SAFETY: the lock is held and the waiter was just removed from the list.
                unsafe { hand.complete(value) };
                true
            })
        };
        let got = cell.take().or_else(|| {
            let mut list = list.lock();
            let got = cell.take();
            if got.is_none() {
                list.remove(id);
            }
            got
        });
        drop(cell);
        let served = peer.join().unwrap();
        assert_eq!(served, got.is_some(), "handed over exactly when served");
        drop(got);
        assert_eq!(Arc::strong_count(&marker), 1, "no copy leaked");
    });
}

/// `close` fails a parked acquire (through its cell) while the acquire is dropped: the permit
/// it had collected goes back either way.
#[test]
fn loom_semaphore_close_races_cancelled_acquire() {
    semaphore_partial_acquire_dropped_races(Semaphore::close, 1);
}

/// `notify_last` picks the last of two parked waiters while that one is dropped: the
/// notification reaches the other waiter (picked directly, or passed on by the dropped one
/// through its cell's `Last`), and no permit is stored besides.
#[test]
fn loom_notify_last_races_dropped_last_waiter() {
    loom::model(|| {
        let notify = Arc::new(Notify::new());
        let mut first = Box::pin(notify.notified());
        let mut last = Box::pin(notify.notified());
        assert!(poll_once(first.as_mut()).is_pending());
        assert!(poll_once(last.as_mut()).is_pending());
        let n2 = notify.clone();
        let t = thread::spawn(move || n2.notify_last());
        drop(last);
        t.join().unwrap();
        assert!(poll_once(first.as_mut()).is_ready(), "not lost");
        assert!(
            poll_once(Box::pin(notify.notified()).as_mut()).is_pending(),
            "not duplicated"
        );
    });
}

/// `notify_waiters` releases a parked waiter (its cell says `All`) while it is dropped:
/// nothing is passed on or stored.
#[test]
fn loom_notify_waiters_races_dropped_notified() {
    notify_races_dropped_notified(Notify::notify_waiters, false);
}
