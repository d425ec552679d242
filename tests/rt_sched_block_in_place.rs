//! `block_in_place` on the multi-thread runtime lends the worker's core to another thread only
//! while the blocking closure runs: afterwards the calling thread takes its core back, so the
//! number of worker threads stays at the configured count (issue 10). Tasks that yielded are
//! woken before the core is lent (tokio's `wake_deferred_tasks_before_block_in_place`).

use gort_executor::runtime::Builder;
use gort_executor::task;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{mpsc, Arc, Mutex};
use std::task::{Context, Wake, Waker};
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

/// Threads of this process whose name is `name` (Linux: /proc/self/task/*/comm).
fn threads_named(name: &str) -> usize {
    std::fs::read_dir("/proc/self/task")
        .unwrap()
        .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("comm")).ok())
        .filter(|comm| comm.trim_end() == name)
        .count()
}

/// Polls until `cond` holds, for at most 5 s.
fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(start.elapsed() < Duration::from_secs(5), "{what}");
        std::thread::sleep(Duration::from_millis(2));
    }
}

#[test]
fn block_in_place_takes_the_core_back() {
    bounded(30, || {
        let started = Arc::new(AtomicUsize::new(0));
        let stopped = Arc::new(AtomicUsize::new(0));
        let (s1, s2) = (started.clone(), stopped.clone());
        let rt = Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("bip-core-back")
            .on_thread_start(move || {
                s1.fetch_add(1, SeqCst);
            })
            .on_thread_stop(move || {
                s2.fetch_add(1, SeqCst);
            })
            .build()
            .unwrap();
        let ticks = Arc::new(AtomicUsize::new(0));
        let t = ticks.clone();
        let ticker = rt.spawn(async move {
            loop {
                t.fetch_add(1, SeqCst);
                gort::time::sleep(Duration::from_millis(1)).await;
            }
        });
        let worker_threads = rt.block_on(async {
            gort_executor::spawn(async move {
                let me = std::thread::current().id();
                for round in 0..5 {
                    let before = ticks.load(SeqCst);
                    task::block_in_place(|| {
                        // The lent core keeps running the other tasks meanwhile.
                        wait_until("the ticker did not run during block_in_place", || {
                            ticks.load(SeqCst) >= before + 3
                        });
                    });
                    // Polled again after a yield: by the worker holding the one core.
                    task::yield_now().await;
                    assert_eq!(
                        std::thread::current().id(),
                        me,
                        "round {round}: the core stayed with the replacement thread"
                    );
                }
            })
            .await
            .unwrap();
            wait_until("a replacement worker thread did not exit", || {
                threads_named("bip-core-back") == 1
            });
            threads_named("bip-core-back")
        });
        assert_eq!(worker_threads, 1);
        ticker.abort();
        drop(rt);
        assert_eq!(started.load(SeqCst), stopped.load(SeqCst));
    });
}

/// A waker that counts its wakes.
struct CountWakes(AtomicUsize);

impl Wake for CountWakes {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, SeqCst);
    }
}

#[test]
fn yielded_tasks_are_woken_before_block_in_place_lends_the_core() {
    bounded(10, || {
        let rt = Builder::new_multi_thread()
            .worker_threads(1)
            .build()
            .unwrap();
        let count = Arc::new(CountWakes(AtomicUsize::new(0)));
        let waker = Waker::from(count.clone());
        let yielded = Arc::new(Mutex::new(Box::pin(task::yield_now())));
        let (started_tx, started_rx) = mpsc::channel();
        let (release_tx, release_rx) = mpsc::channel::<()>();
        let y = yielded.clone();
        let c = count.clone();
        let jh = rt.spawn(async move {
            // A foreign future yields inside this task: its waker is deferred to the worker's
            // next driver poll.
            let pending = y
                .lock()
                .unwrap()
                .as_mut()
                .poll(&mut Context::from_waker(&waker));
            assert!(pending.is_pending());
            task::block_in_place(|| {
                // Woken already when the closure starts, not by the replacement thread later.
                started_tx.send(c.0.load(SeqCst)).unwrap();
                release_rx.recv().unwrap();
            });
        });
        let woken = started_rx.recv().unwrap();
        release_tx.send(()).unwrap();
        rt.block_on(jh).unwrap();
        assert_eq!(
            woken, 1,
            "the yielded waker was not woken before block_in_place"
        );
    });
}
