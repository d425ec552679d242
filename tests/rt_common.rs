//! Runtime behaviour common to both flavors: spawning, joining, panics, aborts, shutdown,
//! yielding, blocking, misuse messages. Every test is bounded by a timeout.

use gort_executor::runtime::{Builder, Handle, Runtime};
use gort_executor::task::{self, JoinSet};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{mpsc, Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

/// Runs `f` on its own thread; fails the test if it takes longer than `secs`.
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

fn multi(n: usize) -> Runtime {
    Builder::new_multi_thread()
        .worker_threads(n)
        .enable_all()
        .build()
        .unwrap()
}

fn current() -> Runtime {
    Builder::new_current_thread().enable_all().build().unwrap()
}

fn both() -> Vec<(&'static str, Runtime)> {
    vec![("multi_thread", multi(2)), ("current_thread", current())]
}

fn panic_message(p: Box<dyn std::any::Any + Send>) -> String {
    p.downcast_ref::<String>()
        .cloned()
        .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

/// Drops count themselves.
struct DropCounter(Arc<AtomicUsize>);
impl Drop for DropCounter {
    fn drop(&mut self) {
        self.0.fetch_add(1, SeqCst);
    }
}

#[test]
fn spawn_and_join_values() {
    bounded(10, || {
        for (name, rt) in both() {
            let out = rt.block_on(async {
                let hs: Vec<_> = (0..100u64)
                    .map(|i| gort_executor::spawn(async move { i * 2 }))
                    .collect();
                let mut sum = 0;
                for h in hs {
                    sum += h.await.unwrap();
                }
                sum
            });
            assert_eq!(out, 9900, "{name}");
        }
    });
}

#[test]
fn panicking_task_is_reported_and_runtime_keeps_serving() {
    bounded(10, || {
        for (name, rt) in both() {
            rt.block_on(async {
                for _ in 0..4 {
                    let err = gort_executor::spawn(async { panic!("task exploded") })
                        .await
                        .unwrap_err();
                    assert!(err.is_panic(), "{name}");
                    assert!(!err.is_cancelled());
                    assert_eq!(
                        *err.into_panic().downcast::<&str>().unwrap(),
                        "task exploded"
                    );
                }
                // Workers survived: more tasks still run.
                let hs: Vec<_> = (0..32)
                    .map(|i| gort_executor::spawn(async move { i }))
                    .collect();
                let mut total = 0;
                for h in hs {
                    total += h.await.unwrap();
                }
                assert_eq!(total, 496, "{name}");
            });
        }
    });
}

#[test]
fn abort_not_started_task() {
    bounded(10, || {
        for (name, rt) in both() {
            let polled = Arc::new(AtomicUsize::new(0));
            let p = polled.clone();
            // Spawned from outside, then aborted. On current_thread nothing runs until
            // block_on, so the task never starts. On multi_thread an idle worker may start (and
            // finish) it before `abort()`: then it completed normally, polled exactly once.
            let _guard = rt.enter();
            let h = gort_executor::spawn(async move {
                p.fetch_add(1, SeqCst);
            });
            h.abort();
            match rt.block_on(h) {
                Err(err) => {
                    assert!(err.is_cancelled(), "{name}: {err}");
                    if name == "current_thread" {
                        assert_eq!(polled.load(SeqCst), 0);
                    }
                }
                Ok(()) => {
                    assert_eq!(name, "multi_thread", "an unstarted task ran after abort");
                    assert_eq!(polled.load(SeqCst), 1, "{name}");
                }
            }
        }
    });
}

#[test]
fn abort_running_task_drops_its_future() {
    bounded(10, || {
        for (name, rt) in both() {
            let drops = Arc::new(AtomicUsize::new(0));
            let d = drops.clone();
            let started = Arc::new(AtomicUsize::new(0));
            let s = started.clone();
            rt.block_on(async move {
                let h = gort_executor::spawn(async move {
                    let _g = DropCounter(d);
                    s.fetch_add(1, SeqCst);
                    loop {
                        task::yield_now().await;
                    }
                });
                while started.load(SeqCst) == 0 {
                    task::yield_now().await;
                }
                h.abort();
                let err = h.await.unwrap_err();
                assert!(err.is_cancelled(), "{name}");
            });
            assert_eq!(drops.load(SeqCst), 1, "{name}");
        }
    });
}

#[test]
fn dropping_runtime_drops_every_pending_future() {
    bounded(10, || {
        for (name, rt) in both() {
            let drops = Arc::new(AtomicUsize::new(0));
            let n = 1000;
            let polled = Arc::new(AtomicUsize::new(0));
            rt.block_on(async {
                for _ in 0..n {
                    let g = DropCounter(drops.clone());
                    let p = polled.clone();
                    gort_executor::spawn(async move {
                        let _g = g;
                        p.fetch_add(1, SeqCst);
                        std::future::pending::<()>().await;
                    });
                }
                while polled.load(SeqCst) < n {
                    task::yield_now().await;
                }
            });
            // Some never polled at all: also dropped.
            let _enter = rt.enter();
            for _ in 0..10 {
                let g = DropCounter(drops.clone());
                drop(gort_executor::spawn(async move {
                    let _g = g;
                    std::future::pending::<()>().await;
                }));
            }
            drop(_enter);
            drop(rt);
            assert_eq!(drops.load(SeqCst), n + 10, "{name}");
        }
    });
}

#[test]
fn join_handle_of_dropped_runtime_reports_cancelled() {
    bounded(10, || {
        let rt = multi(2);
        let h = rt.spawn(std::future::pending::<()>());
        drop(rt);
        let err = futures::executor::block_on(h).unwrap_err();
        assert!(err.is_cancelled());
    });
}

#[test]
fn hundred_thousand_tasks_exact_results() {
    bounded(30, || {
        for (name, rt) in both() {
            let n = 100_000u64;
            let sum = rt.block_on(async move {
                let hs: Vec<_> = (0..n)
                    .map(|i| gort_executor::spawn(async move { i }))
                    .collect();
                let mut sum = 0u64;
                for h in hs {
                    sum += h.await.unwrap();
                }
                sum
            });
            assert_eq!(sum, n * (n - 1) / 2, "{name}");
        }
    });
}

#[test]
fn spawns_from_eight_foreign_threads() {
    bounded(20, || {
        for (name, rt) in both() {
            let handle = rt.handle().clone();
            let count = Arc::new(AtomicUsize::new(0));
            let per_thread = 2_000;
            let results: Vec<_> = (0..8)
                .map(|t| {
                    let handle = handle.clone();
                    let count = count.clone();
                    std::thread::spawn(move || {
                        (0..per_thread)
                            .map(|i| {
                                let count = count.clone();
                                handle.spawn(async move {
                                    count.fetch_add(1, SeqCst);
                                    t * per_thread + i
                                })
                            })
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            let handles: Vec<_> = results
                .into_iter()
                .flat_map(|t| t.join().unwrap())
                .collect();
            let mut values = rt.block_on(async move {
                let mut out = Vec::new();
                for h in handles {
                    out.push(h.await.unwrap());
                }
                out
            });
            values.sort_unstable();
            assert_eq!(values, (0..8 * per_thread).collect::<Vec<_>>(), "{name}");
            assert_eq!(count.load(SeqCst), 8 * per_thread, "{name}");
        }
    });
}

#[test]
fn yield_now_lets_other_tasks_run() {
    bounded(10, || {
        for (name, rt) in both() {
            rt.block_on(async {
                let flag = Arc::new(AtomicUsize::new(0));
                let f = flag.clone();
                // Spawned from a task on the same worker; it can only run if the yielder yields.
                let outer = gort_executor::spawn(async move {
                    let f2 = f.clone();
                    gort_executor::spawn(async move {
                        f2.store(1, SeqCst);
                    });
                    let mut spins = 0u32;
                    while f.load(SeqCst) == 0 {
                        task::yield_now().await;
                        spins += 1;
                        assert!(spins < 1000, "yield_now never let the other task run");
                    }
                    spins
                });
                let spins = outer.await.unwrap();
                assert!(
                    spins <= 2,
                    "{name}: other task ran only after {spins} yields"
                );
            });
        }
    });
}

/// A task that yields (`yield_now`, or a spent budget) runs again only after its worker polled
/// the driver, so I/O that became ready meanwhile is seen within a few yields even while the
/// yielder is the only runnable task (without the deferral it spun until the next maintenance
/// tick, about 61 yields).
#[test]
fn yield_lets_the_driver_in_before_running_again() {
    bounded(30, || {
        for use_coop in [false, true] {
            for (name, rt) in [("multi_thread(1)", multi(1)), ("current_thread", current())] {
                let yields = rt.block_on(rt.spawn(async move {
                    let listener = gort::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                    // Completes against the listen backlog; accept sees it at the driver poll.
                    let _client = std::net::TcpStream::connect(listener.local_addr().unwrap());
                    let accepted = std::sync::atomic::AtomicBool::new(false);
                    let ((), yields) = gort::join!(
                        async {
                            listener.accept().await.unwrap();
                            accepted.store(true, SeqCst);
                        },
                        async {
                            let mut yields = 0u32;
                            while !accepted.load(SeqCst) {
                                if use_coop {
                                    for _ in 0..gort_channel::coop::BUDGET {
                                        task::consume_budget().await;
                                    }
                                } else {
                                    task::yield_now().await;
                                }
                                yields += 1;
                            }
                            yields
                        }
                    );
                    yields
                }));
                let yields = yields.unwrap();
                assert!(
                    yields <= 4,
                    "{name} (coop: {use_coop}): the accept was seen only after {yields} yields"
                );
            }
        }
    });
}

#[test]
fn spawn_blocking_runs_on_pool_and_reports_panics() {
    bounded(10, || {
        for (name, rt) in both() {
            rt.block_on(async {
                let main = std::thread::current().id();
                let id = task::spawn_blocking(move || std::thread::current().id())
                    .await
                    .unwrap();
                assert_ne!(id, main, "{name}");
                let err = task::spawn_blocking(|| panic!("blocking boom"))
                    .await
                    .unwrap_err();
                assert!(err.is_panic(), "{name}");
                // Many at once all complete.
                let hs: Vec<_> = (0..64).map(|i| task::spawn_blocking(move || i)).collect();
                let mut sum = 0;
                for h in hs {
                    sum += h.await.unwrap();
                }
                assert_eq!(sum, 2016);
            });
        }
    });
}

#[test]
fn blocking_pool_is_bounded() {
    bounded(10, || {
        let rt = Builder::new_multi_thread()
            .worker_threads(1)
            .max_blocking_threads(2)
            .build()
            .unwrap();
        let live = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        rt.block_on(async {
            let hs: Vec<_> = (0..8)
                .map(|_| {
                    let live = live.clone();
                    let peak = peak.clone();
                    task::spawn_blocking(move || {
                        let now = live.fetch_add(1, SeqCst) + 1;
                        peak.fetch_max(now, SeqCst);
                        std::thread::sleep(Duration::from_millis(20));
                        live.fetch_sub(1, SeqCst);
                    })
                })
                .collect();
            for h in hs {
                h.await.unwrap();
            }
        });
        assert_eq!(peak.load(SeqCst), 2);
    });
}

#[test]
fn block_in_place_keeps_other_tasks_running() {
    bounded(10, || {
        let rt = multi(2);
        rt.block_on(async {
            let done = Arc::new(AtomicUsize::new(0));
            let d = done.clone();
            let blocker = gort_executor::spawn(async move {
                task::block_in_place(|| {
                    // Other tasks make progress while this worker thread blocks.
                    let start = std::time::Instant::now();
                    while d.load(SeqCst) < 100 {
                        assert!(
                            start.elapsed() < Duration::from_secs(5),
                            "tasks stalled during block_in_place"
                        );
                        std::thread::sleep(Duration::from_millis(1));
                    }
                });
                "unblocked"
            });
            for _ in 0..100 {
                let d = done.clone();
                gort_executor::spawn(async move {
                    d.fetch_add(1, SeqCst);
                });
            }
            assert_eq!(blocker.await.unwrap(), "unblocked");
        });
    });
}

#[test]
fn misuse_spawn_outside_runtime() {
    let err = std::panic::catch_unwind(|| {
        drop(gort_executor::spawn(async {}));
    })
    .unwrap_err();
    let msg = panic_message(err);
    assert!(
        msg.contains("must be called from the context of a gort runtime")
            && msg.contains("#[gort::main]")
            && msg.contains("Runtime::block_on")
            && msg.contains("Runtime::enter"),
        "{msg}"
    );
    let err = std::panic::catch_unwind(|| drop(task::spawn_blocking(|| ()))).unwrap_err();
    assert!(panic_message(err).contains("must be called from the context of a gort runtime"));
    assert!(Handle::try_current().unwrap_err().is_missing_context());
}

#[test]
fn misuse_block_on_inside_runtime() {
    bounded(10, || {
        for (name, rt) in both() {
            let inner = current();
            let msg = rt.block_on(async {
                let err = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    inner.block_on(async {})
                }))
                .unwrap_err();
                panic_message(err)
            });
            assert!(
                msg.contains("Cannot start a runtime from within a runtime"),
                "{name}: {msg}"
            );
            assert!(
                msg.contains("spawn") && msg.contains("block_in_place"),
                "{msg}"
            );
            drop(inner);
        }
    });
}

#[test]
fn misuse_zero_worker_threads() {
    let err = std::panic::catch_unwind(|| {
        Builder::new_multi_thread().worker_threads(0);
    })
    .unwrap_err();
    assert!(panic_message(err).contains("worker_threads must be greater than 0"));
}

#[test]
fn misuse_block_in_place_on_current_thread() {
    bounded(10, || {
        let rt = current();
        let msg = rt.block_on(async {
            let err = std::panic::catch_unwind(|| task::block_in_place(|| ())).unwrap_err();
            panic_message(err)
        });
        assert!(
            msg.contains("block_in_place") && msg.contains("current_thread"),
            "{msg}"
        );
        assert!(msg.contains("spawn_blocking"), "{msg}");
        // Outside any runtime it just runs.
        assert_eq!(task::block_in_place(|| 3), 3);
    });
}

#[test]
fn handle_current_enter_and_block_on() {
    bounded(10, || {
        for (name, rt) in both() {
            let handle = rt.block_on(async { Handle::current() });
            let v = std::thread::spawn(move || {
                let _g = handle.enter();
                let h = gort_executor::spawn(async { 5 });
                drop(_g);
                handle.block_on(async { 1 })
                    + 1
                    + if name == "multi_thread" {
                        handle.block_on(h).unwrap()
                    } else {
                        5
                    }
            })
            .join()
            .unwrap();
            assert_eq!(v, 7);
            assert!(Handle::try_current().is_err());
            let _g = rt.enter();
            assert!(Handle::try_current().is_ok());
        }
    });
}

#[test]
fn shutdown_timeout_bounds_blocking_wait() {
    bounded(10, || {
        let rt = multi(1);
        let (tx, rx) = mpsc::channel::<()>();
        rt.spawn_blocking(move || {
            let _ = rx.recv_timeout(Duration::from_secs(5));
        });
        std::thread::sleep(Duration::from_millis(20));
        let start = std::time::Instant::now();
        rt.shutdown_timeout(Duration::from_millis(50));
        assert!(start.elapsed() < Duration::from_secs(2));
        drop(tx);
    });
}

#[test]
fn join_set_exact_and_abort() {
    bounded(10, || {
        for (name, rt) in both() {
            rt.block_on(async {
                let mut set = JoinSet::new();
                for i in 0..1000u64 {
                    set.spawn(async move {
                        if i % 7 == 0 {
                            task::yield_now().await;
                        }
                        i
                    });
                }
                assert_eq!(set.len(), 1000);
                let mut seen = vec![false; 1000];
                while let Some(res) = set.join_next().await {
                    let i = res.unwrap() as usize;
                    assert!(!seen[i], "duplicate");
                    seen[i] = true;
                }
                assert!(seen.iter().all(|s| *s), "{name}");
                assert!(set.is_empty());

                for _ in 0..10 {
                    set.spawn(std::future::pending::<u64>());
                }
                set.abort_all();
                let mut cancelled = 0;
                while let Some(res) = set.join_next().await {
                    assert!(res.unwrap_err().is_cancelled());
                    cancelled += 1;
                }
                assert_eq!(cancelled, 10);
                set.spawn(std::future::pending());
                set.shutdown().await;
                assert!(set.is_empty());
                assert!(set.try_join_next().is_none());
            });
        }
    });
}

#[test]
fn join_set_drop_aborts_members() {
    bounded(10, || {
        let rt = multi(2);
        let drops = Arc::new(AtomicUsize::new(0));
        rt.block_on(async {
            let mut set = JoinSet::new();
            for _ in 0..5 {
                let g = DropCounter(drops.clone());
                set.spawn(async move {
                    let _g = g;
                    std::future::pending::<()>().await
                });
            }
            drop(set);
            while drops.load(SeqCst) < 5 {
                task::yield_now().await;
            }
        });
        assert_eq!(drops.load(SeqCst), 5);
    });
}

gort_executor::task_local! {
    static REQUEST: u32;
}

#[test]
fn task_local_scopes() {
    bounded(10, || {
        let rt = multi(2);
        rt.block_on(async {
            let hs: Vec<_> = (0..50u32)
                .map(|i| {
                    gort_executor::spawn(REQUEST.scope(i, async move {
                        task::yield_now().await;
                        assert_eq!(REQUEST.get(), i);
                        REQUEST.with(|v| *v)
                    }))
                })
                .collect();
            for (i, h) in hs.into_iter().enumerate() {
                assert_eq!(h.await.unwrap(), i as u32);
            }
            assert!(REQUEST.try_with(|_| ()).is_err());
            assert_eq!(REQUEST.sync_scope(9, || REQUEST.get()), 9);
        });
    });
}

#[test]
fn local_set_runs_non_send_tasks() {
    bounded(10, || {
        for (name, rt) in both() {
            let local = task::LocalSet::new();
            let out = local.block_on(&rt, async {
                let rc = std::rc::Rc::new(std::cell::Cell::new(0));
                let mut hs = Vec::new();
                for _ in 0..100 {
                    let rc = rc.clone();
                    hs.push(task::spawn_local(async move {
                        task::yield_now().await;
                        rc.set(rc.get() + 1);
                    }));
                }
                for h in hs {
                    h.await.unwrap();
                }
                rc.get()
            });
            assert_eq!(out, 100, "{name}");
        }
        let err = std::panic::catch_unwind(|| drop(task::spawn_local(async {}))).unwrap_err();
        assert!(panic_message(err).contains("LocalSet"));
    });
}

#[test]
fn local_set_drop_cancels_tasks() {
    bounded(10, || {
        let drops = Arc::new(AtomicUsize::new(0));
        let local = task::LocalSet::new();
        for _ in 0..3 {
            let g = DropCounter(drops.clone());
            local.spawn_local(async move {
                let _g = g;
                std::future::pending::<()>().await
            });
        }
        drop(local);
        assert_eq!(drops.load(SeqCst), 3);
    });
}

/// A future that is woken from another thread after a delay, like a timer would.
struct ExternalWake {
    state: Arc<Mutex<(bool, bool)>>,
}

impl Future for ExternalWake {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut st = self.state.lock().unwrap();
        if st.0 {
            return Poll::Ready(());
        }
        if !st.1 {
            st.1 = true;
            let state = self.state.clone();
            let waker = cx.waker().clone();
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(5));
                state.lock().unwrap().0 = true;
                waker.wake();
            });
        }
        Poll::Pending
    }
}

#[test]
fn wakes_from_foreign_threads_resume_tasks() {
    bounded(10, || {
        for (name, rt) in both() {
            let n = rt.block_on(async {
                let hs: Vec<_> = (0..20)
                    .map(|_| {
                        gort_executor::spawn(async {
                            ExternalWake {
                                state: Arc::new(Mutex::new((false, false))),
                            }
                            .await;
                            1
                        })
                    })
                    .collect();
                let mut n = 0;
                for h in hs {
                    n += h.await.unwrap();
                }
                n
            });
            assert_eq!(n, 20, "{name}");
        }
    });
}

/// A pinned task future is dropped where it lies (tasks pending at shutdown, and aborted ones):
/// futures that link themselves into wait-lists by address depend on it.
#[test]
fn pending_futures_are_dropped_in_place_not_moved() {
    use std::sync::atomic::{AtomicUsize, Ordering};

    struct AddressCheck {
        polled_at: usize,
        in_place: Arc<AtomicUsize>,
    }
    impl std::future::Future for AddressCheck {
        type Output = ();
        fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
            // SAFETY: only the address is read; nothing is moved.
            let this = unsafe { self.get_unchecked_mut() };
            this.polled_at = this as *const AddressCheck as usize;
            Poll::Pending
        }
    }
    impl Drop for AddressCheck {
        fn drop(&mut self) {
            if self.polled_at == self as *const AddressCheck as usize {
                self.in_place.fetch_add(1, Ordering::SeqCst);
            }
        }
    }

    let in_place = Arc::new(AtomicUsize::new(0));
    for rt in [
        Builder::new_current_thread().enable_all().build().unwrap(),
        Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap(),
    ] {
        let in_place = in_place.clone();
        rt.block_on(async move {
            let aborted = gort::task::spawn(AddressCheck {
                polled_at: 0,
                in_place: in_place.clone(),
            });
            for _ in 0..4 {
                gort::task::spawn(AddressCheck {
                    polled_at: 0,
                    in_place: in_place.clone(),
                });
            }
            gort::task::yield_now().await;
            gort::time::sleep(std::time::Duration::from_millis(20)).await;
            aborted.abort();
            assert!(aborted.await.unwrap_err().is_cancelled());
        });
        drop(rt);
    }
    assert_eq!(
        in_place.load(Ordering::SeqCst),
        10,
        "every task future dropped in place"
    );
}

/// `spawn_local` under a `LocalRuntime`'s handle entered on another thread names the cause (as
/// tokio's message); with no runtime at all it says to use a `LocalSet`.
#[test]
fn misuse_spawn_local_through_a_local_runtime_handle_of_another_thread() {
    bounded(10, || {
        let handle = std::thread::spawn(|| {
            let rt = gort_executor::runtime::LocalRuntime::new().unwrap();
            rt.handle().clone()
        })
        .join()
        .unwrap();
        let _guard = handle.enter();
        let p = std::panic::catch_unwind(|| drop(task::spawn_local(async {}))).unwrap_err();
        assert_eq!(
            panic_message(p),
            "Local tasks can only be spawned on a LocalRuntime from the thread the runtime was \
             created on"
        );
        drop(_guard);
        let p = std::panic::catch_unwind(|| drop(task::spawn_local(async {}))).unwrap_err();
        assert!(panic_message(p).contains("outside of a `task::LocalSet`"));
    });
}

/// UDP `send` and `recv` each charge one unit of the budget, and a task that spent it runs again
/// after the driver poll, as does a task that yielded: a background task yielding in a loop
/// runs exactly once per 64 send/recv pairs (budget 128) on a current-thread runtime.
#[test]
fn udp_send_recv_charge_the_budget_and_alternate_with_a_yielding_task() {
    const PAIRS: usize = 1024;
    bounded(30, || {
        current().block_on(async {
            let tx = gort::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
            let rx = gort::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
            tx.connect(rx.local_addr().unwrap()).await.unwrap();
            rx.connect(tx.local_addr().unwrap()).await.unwrap();
            let turns = Arc::new(AtomicUsize::new(0));
            let t = turns.clone();
            task::yield_now().await; // start with a fresh budget
            let spinner = gort_executor::spawn(async move {
                loop {
                    t.fetch_add(1, SeqCst);
                    task::yield_now().await;
                }
            });
            for i in 0..PAIRS {
                tx.send(&i.to_le_bytes()).await.unwrap();
                let mut buf = [0u8; 8];
                assert_eq!(rx.recv(&mut buf).await.unwrap(), 8);
                assert_eq!(usize::from_le_bytes(buf), i);
            }
            let per_turn = gort_channel::coop::BUDGET as usize / 2;
            assert_eq!(turns.load(SeqCst), PAIRS / per_turn);
            spinner.abort();
        });
    });
}

/// A task deferred from the park hook (a `yield_now` polled there) is woken on that park
/// instead of the runtime blocking in its driver with the wake held back.
#[test]
fn a_task_deferred_by_the_park_hook_is_woken() {
    struct SendOnWake(Mutex<Option<futures::channel::oneshot::Sender<()>>>);
    impl std::task::Wake for SendOnWake {
        fn wake(self: Arc<Self>) {
            if let Some(tx) = self.0.lock().unwrap().take() {
                let _ = tx.send(());
            }
        }
    }
    bounded(10, || {
        let (tx, rx) = futures::channel::oneshot::channel();
        let waker = std::task::Waker::from(Arc::new(SendOnWake(Mutex::new(Some(tx)))));
        let polled = std::sync::atomic::AtomicBool::new(false);
        let rt = Builder::new_current_thread()
            .on_thread_park(move || {
                if !polled.swap(true, SeqCst) {
                    let yielding = std::pin::pin!(task::yield_now());
                    let _ = yielding.poll(&mut Context::from_waker(&waker));
                }
            })
            .build()
            .unwrap();
        rt.block_on(rx).unwrap();
    });
}

/// `block_in_place` inside `Handle::block_on` of a current-thread runtime just runs: that
/// thread drives no tasks. Driving the runtime itself (its `block_on`), it still panics.
#[test]
fn block_in_place_in_handle_block_on_of_a_current_thread_runtime() {
    bounded(10, || {
        let rt = current();
        let handle = rt.handle().clone();
        let out = handle
            .block_on(async { task::block_in_place(|| Handle::current().block_on(async { 7 })) });
        assert_eq!(out, 7);
        let p = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            rt.block_on(async { task::block_in_place(|| ()) })
        }))
        .unwrap_err();
        assert!(panic_message(p).contains("current_thread runtime"));
    });
}

/// A blocking task whose thread was started before the runtime shuts down still runs to the
/// end (its result is there after `shutdown_timeout`); the pool's threads drain the queue.
#[test]
fn blocking_task_started_before_shutdown_completes() {
    bounded(20, || {
        for (name, rt) in both() {
            let _enter = rt.enter();
            let handle = task::spawn_blocking(|| {
                std::thread::sleep(Duration::from_millis(50));
                42
            });
            rt.shutdown_timeout(Duration::from_secs(10));
            let out = futures::executor::block_on(handle);
            assert_eq!(out.unwrap(), 42, "{name}");
        }
    });
}
