//! Multi-thread scheduler specifics: work stealing, the LIFO slot not stranding work, parallelism,
//! thread naming.

use gort_executor::runtime::Builder;
use gort_executor::task;
use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

fn bounded<T: Send + 'static>(secs: u64, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
        let _ = tx.send(out);
    });
    match rx.recv_timeout(Duration::from_secs(secs)) {
        Ok(Ok(v)) => v,
        Ok(Err(p)) => std::panic::resume_unwind(p),
        Err(_) => panic!("test timed out after {secs}s"),
    }
}

#[test]
fn work_is_stolen_by_the_idle_worker() {
    bounded(10, || {
        let rt = Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap();
        let threads = Arc::new(Mutex::new(HashSet::new()));
        rt.block_on(async {
            let t = threads.clone();
            // One task loads its own worker's queue with 200 tasks that each take a while.
            gort_executor::spawn(async move {
                let hs: Vec<_> = (0..200)
                    .map(|_| {
                        let t = t.clone();
                        gort_executor::spawn(async move {
                            t.lock().unwrap().insert(std::thread::current().id());
                            std::thread::sleep(Duration::from_micros(200));
                        })
                    })
                    .collect();
                for h in hs {
                    h.await.unwrap();
                }
            })
            .await
            .unwrap();
        });
        assert_eq!(
            threads.lock().unwrap().len(),
            2,
            "the second worker never stole work"
        );
    });
}

#[test]
fn lifo_slot_task_is_not_stranded_by_a_long_poll() {
    bounded(10, || {
        let rt = Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap();
        rt.block_on(async {
            let (tx, rx) = mpsc::channel::<()>();
            let ran = Arc::new(AtomicBool::new(false));
            let r = ran.clone();
            gort_executor::spawn(async move {
                // This task goes to our LIFO slot...
                gort_executor::spawn(async move {
                    r.store(true, SeqCst);
                    let _ = tx.send(());
                });
                // ...and we block the worker for a long time without yielding.
                let start = Instant::now();
                while !ran.load(SeqCst) && start.elapsed() < Duration::from_secs(3) {
                    std::thread::sleep(Duration::from_millis(1));
                }
                assert!(
                    ran.load(SeqCst),
                    "the LIFO task was stranded behind a long poll"
                );
            })
            .await
            .unwrap();
            rx.recv_timeout(Duration::from_secs(1)).unwrap();
        });
    });
}

#[test]
fn tasks_run_in_parallel() {
    bounded(10, || {
        let rt = Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap();
        let arrived = Arc::new(AtomicUsize::new(0));
        rt.block_on(async {
            let hs: Vec<_> = (0..2)
                .map(|_| {
                    let arrived = arrived.clone();
                    gort_executor::spawn(async move {
                        // A spin barrier: only completes if both run at the same time.
                        arrived.fetch_add(1, SeqCst);
                        let start = Instant::now();
                        while arrived.load(SeqCst) < 2 {
                            assert!(start.elapsed() < Duration::from_secs(5), "no parallelism");
                            std::hint::spin_loop();
                        }
                    })
                })
                .collect();
            for h in hs {
                h.await.unwrap();
            }
        });
    });
}

#[test]
fn worker_threads_are_named() {
    bounded(10, || {
        let rt = Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("gort-test-w")
            .build()
            .unwrap();
        let name = rt
            .block_on(rt.spawn(async { std::thread::current().name().map(String::from) }))
            .unwrap();
        assert_eq!(name.as_deref(), Some("gort-test-w"));
    });
}

#[test]
fn budget_makes_busy_tasks_yield() {
    bounded(10, || {
        let rt = Builder::new_multi_thread()
            .worker_threads(1)
            .build()
            .unwrap();
        rt.block_on(async {
            let stop = Arc::new(AtomicBool::new(false));
            let s = stop.clone();
            // A task that only ever awaits ready JoinHandles: the budget makes it yield.
            let busy = gort_executor::spawn(async move {
                let mut n = 0u64;
                while !s.load(SeqCst) {
                    let h = gort_executor::spawn(async {});
                    let _ = h.await;
                    n += 1;
                    if n % 64 == 0 {
                        task::yield_now().await;
                    }
                }
                n
            });
            let s = stop.clone();
            gort_executor::spawn(async move { s.store(true, SeqCst) })
                .await
                .unwrap();
            assert!(busy.await.unwrap() > 0);
        });
    });
}

#[test]
fn dropping_runtime_joins_worker_threads() {
    bounded(10, || {
        let stopped = Arc::new(AtomicUsize::new(0));
        let s = stopped.clone();
        let rt = Builder::new_multi_thread()
            .worker_threads(3)
            .on_thread_stop(move || {
                s.fetch_add(1, SeqCst);
            })
            .build()
            .unwrap();
        rt.block_on(async {});
        drop(rt);
        assert_eq!(stopped.load(SeqCst), 3);
    });
}

/// Dropping the runtime cancels the tasks before it joins the threads: a thread blocked in
/// `block_in_place` on a value that only a cancelled task's drop releases is let go (it used to
/// wait forever for the join).
#[test]
fn shutdown_cancels_tasks_before_joining_a_block_in_place_thread() {
    bounded(20, || {
        let rt = Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap();
        let (release_tx, release_rx) = mpsc::channel::<()>();
        let (entered_tx, entered_rx) = mpsc::channel::<()>();
        let blocked = rt.spawn(async move {
            task::block_in_place(move || {
                entered_tx.send(()).unwrap();
                // Disconnected, not sent: the task owning the sender is cancelled.
                release_rx.recv().is_err()
            })
        });
        struct SetOnDrop(Arc<AtomicBool>);
        impl Drop for SetOnDrop {
            fn drop(&mut self) {
                self.0.store(true, SeqCst);
            }
        }
        let holder_dropped = Arc::new(AtomicBool::new(false));
        // Made out here: dropped with the task whether or not it was ever polled.
        let guard = SetOnDrop(holder_dropped.clone());
        rt.spawn(async move {
            let _guard = guard;
            let _release = release_tx;
            std::future::pending::<()>().await;
        });
        entered_rx.recv().unwrap();
        drop(rt);
        assert!(holder_dropped.load(SeqCst));
        assert!(blocked.is_finished());
    });
}

/// With no `global_queue_interval` configured, a worker busy with slow tasks checks the
/// injection queue more often (tokio's self-tuning: about 200 µs of polls between checks), so a
/// task spawned from outside waits a few slow polls, not the default 61.
#[test]
fn slow_tasks_tune_the_global_queue_interval_down() {
    fn slow(stop: Arc<AtomicBool>, polls: Arc<AtomicUsize>) {
        if !stop.load(SeqCst) {
            std::thread::sleep(Duration::from_micros(200));
            polls.fetch_add(1, SeqCst);
            gort_executor::spawn(async move { slow(stop, polls) });
        }
    }
    bounded(30, || {
        let rt = Builder::new_multi_thread()
            .worker_threads(1)
            .build()
            .unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let polls = Arc::new(AtomicUsize::new(0));
        let (s, p) = (stop.clone(), polls.clone());
        rt.spawn(async move { slow(s, p) });
        // Polls of slow tasks that ran before each injected task got its turn.
        let mut waits = Vec::new();
        for _ in 0..20 {
            let (tx, rx) = mpsc::channel();
            let p = polls.clone();
            let before = polls.load(SeqCst);
            rt.spawn(async move { tx.send(p.load(SeqCst)).unwrap() });
            waits.push(rx.recv().unwrap() - before);
        }
        stop.store(true, SeqCst);
        // The first rounds measure; afterwards every injected task is served quickly.
        assert!(
            waits[10..].iter().all(|&w| w <= 16),
            "polls before the injected task ran: {waits:?}"
        );
    });
}
