//! Timers on the whole runtime: order, never early, timeout, interval, cancellation.

use gort::runtime::Builder;
use gort::time::{interval, sleep, sleep_until, timeout, Duration, Instant};
use std::sync::{Arc, Mutex};

fn run<F, Fut>(limit: Duration, f: F)
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()>,
{
    run_on(
        || {
            let mut builder = Builder::new_multi_thread();
            builder.worker_threads(2);
            builder
        },
        limit,
        f,
    )
}

fn run_on<F, Fut>(builder: fn() -> Builder, limit: Duration, f: F)
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()>,
{
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = builder().enable_all().build().unwrap();
        rt.block_on(f());
        drop(rt);
        tx.send(()).unwrap();
    });
    rx.recv_timeout(limit)
        .expect("test timed out (or panicked)");
}

#[test]
fn timers_fire_in_deadline_order_and_never_early() {
    // One thread: the driver wakes due timers in deadline order and the tasks run in wake
    // order, so the completion order is the deadline order however loaded the machine is.
    run_on(
        Builder::new_current_thread,
        Duration::from_secs(10),
        || async {
            // Deadlines start 50 ms out, so every task is still pending at its first poll.
            let start = Instant::now() + Duration::from_millis(50);
            let order = Arc::new(Mutex::new(Vec::new()));
            let delays = [90u64, 15, 60, 30, 105, 45, 75, 0, 31, 32, 1];
            let tasks: Vec<_> = delays
                .iter()
                .map(|&ms| {
                    let order = order.clone();
                    gort::task::spawn(async move {
                        let deadline = start + Duration::from_millis(ms);
                        sleep_until(deadline).await;
                        let now = Instant::now();
                        assert!(now >= deadline, "{ms} ms timer fired early");
                        order.lock().unwrap().push(ms);
                    })
                })
                .collect();
            for t in tasks {
                t.await.unwrap();
            }
            let mut sorted = delays.to_vec();
            sorted.sort();
            assert_eq!(*order.lock().unwrap(), sorted);
        },
    );
}

#[test]
fn many_sleeps_across_workers_never_early() {
    run(Duration::from_secs(10), || async {
        let tasks: Vec<_> = (0..2_000u64)
            .map(|i| {
                gort::task::spawn(async move {
                    let d = Duration::from_micros(300 * (i % 50));
                    let start = Instant::now();
                    sleep(d).await;
                    assert!(start.elapsed() >= d, "fired early");
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
    });
}

#[test]
fn timeout_returns_elapsed() {
    run(Duration::from_secs(10), || async {
        let start = Instant::now();
        let r = timeout(Duration::from_millis(20), std::future::pending::<()>()).await;
        assert!(r.is_err());
        assert_eq!(r.unwrap_err().to_string(), "deadline has elapsed");
        assert!(start.elapsed() >= Duration::from_millis(20));
        let ok = timeout(Duration::from_secs(5), async {
            sleep(Duration::from_millis(5)).await;
            "done"
        })
        .await;
        assert_eq!(ok, Ok("done"));
    });
}

#[test]
fn interval_ticks_on_schedule() {
    run(Duration::from_secs(10), || async {
        let mut iv = interval(Duration::from_millis(10));
        let first = iv.tick().await;
        for i in 1..=5u32 {
            let t = iv.tick().await;
            assert_eq!(t, first + Duration::from_millis(10) * i);
            assert!(Instant::now() >= t);
        }
    });
}

#[test]
fn dropping_100k_pending_sleeps_frees_them() {
    run(Duration::from_secs(20), || async {
        let handle = gort_reactor::driver::Handle::current();
        let before = handle.timer_count();
        // Each task registers its sleep, then is aborted while pending.
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let tasks: Vec<_> = (0..100_000u64)
            .map(|i| {
                let ready_tx = ready_tx.clone();
                gort::task::spawn(async move {
                    let mut s = Box::pin(sleep(Duration::from_secs(60 + i % 1000)));
                    assert!(futures::poll!(s.as_mut()).is_pending());
                    ready_tx.send(()).unwrap();
                    s.await;
                })
            })
            .collect();
        for _ in 0..100_000 {
            ready_rx.recv_timeout(Duration::from_secs(10)).unwrap();
        }
        assert_eq!(handle.timer_count() - before, 100_000);
        for t in &tasks {
            t.abort();
        }
        for t in tasks {
            assert!(t.await.unwrap_err().is_cancelled());
        }
        assert_eq!(handle.timer_count(), before);
    });
}

#[test]
fn a_sleep_on_one_worker_wakes_a_runtime_parked_on_a_long_timer() {
    run(Duration::from_secs(10), || async {
        // One task parks the driver towards a far deadline...
        let long = gort::task::spawn(sleep(Duration::from_secs(3600)));
        sleep(Duration::from_millis(10)).await;
        // ...and a short sleep registered later still completes on time.
        let start = Instant::now();
        sleep(Duration::from_millis(30)).await;
        let took = start.elapsed();
        assert!(took >= Duration::from_millis(30));
        assert!(took < Duration::from_secs(2), "took {took:?}");
        long.abort();
    });
}
