//! The runtime API gort gained to match tokio's stable surface: `RuntimeMetrics`, `Handle::id`
//! and `name`, park hooks, `LocalRuntime`, `task::coop`, `block_in_place` without a budget,
//! and the panic when a runtime is dropped inside another.
use gort::runtime::{Builder, LocalOptions, LocalRuntime, Runtime};
use gort::task::coop;
use std::future::Future;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

fn multi(workers: usize) -> Runtime {
    Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn metrics_count_workers_tasks_and_the_global_queue() {
    let rt = multi(3);
    let metrics = rt.metrics();
    assert_eq!(metrics.num_workers(), 3);
    let gate = Arc::new(gort::sync::Notify::new());
    let tasks: Vec<_> = (0..5)
        .map(|_| rt.spawn(gate.clone().notified_owned()))
        .collect();
    assert_eq!(metrics.num_alive_tasks(), 5);
    gate.notify_waiters();
    for task in tasks {
        rt.block_on(task).unwrap();
    }
    // A worker releases a task just after its JoinHandle sees the output (as tokio's).
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while metrics.num_alive_tasks() != 0 && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(1));
    }
    assert_eq!(metrics.num_alive_tasks(), 0);

    let ct = Builder::new_current_thread().build().unwrap();
    let handle = ct.handle().clone();
    let spawned = std::thread::spawn(move || {
        (0..4)
            .map(|i| handle.spawn(async move { i }))
            .collect::<Vec<_>>()
    })
    .join()
    .unwrap();
    assert_eq!(ct.metrics().global_queue_depth(), 4);
    let sum: i32 = ct.block_on(async {
        let mut sum = 0;
        for task in spawned {
            sum += task.await.unwrap();
        }
        sum
    });
    assert_eq!(sum, 6);
    assert_eq!(ct.metrics().global_queue_depth(), 0);
}

#[test]
fn park_counts_are_even_after_shutdown_and_busy_time_grows() {
    let rt = multi(2);
    let metrics = rt.metrics();
    rt.block_on(async {
        for _ in 0..5 {
            gort::spawn(async { gort::task::yield_now().await })
                .await
                .unwrap();
        }
        gort::time::sleep(Duration::from_millis(5)).await;
    });
    drop(rt);
    for worker in 0..2 {
        assert!(metrics.worker_park_count(worker) >= 1);
        assert_eq!(metrics.worker_park_unpark_count(worker) % 2, 0);
        assert!(metrics.worker_total_busy_duration(worker) > Duration::ZERO);
    }
    let out_of_range = std::panic::catch_unwind(|| metrics.worker_park_count(2));
    assert!(out_of_range.is_err());
}

#[test]
fn park_hooks_run_on_park_and_unpark() {
    let parks = Arc::new(AtomicUsize::new(0));
    let unparks = Arc::new(AtomicUsize::new(0));
    let (p, u) = (parks.clone(), unparks.clone());
    let rt = Builder::new_current_thread()
        .enable_all()
        .on_thread_park(move || {
            p.fetch_add(1, Ordering::SeqCst);
        })
        .on_thread_unpark(move || {
            u.fetch_add(1, Ordering::SeqCst);
        })
        .build()
        .unwrap();
    rt.block_on(async { gort::time::sleep(Duration::from_millis(5)).await });
    let metrics = rt.metrics();
    assert!(parks.load(Ordering::SeqCst) >= 1);
    assert_eq!(
        parks.load(Ordering::SeqCst),
        unparks.load(Ordering::SeqCst),
        "every park ended with an unpark"
    );
    assert_eq!(
        metrics.worker_park_count(0),
        parks.load(Ordering::SeqCst) as u64
    );
}

#[test]
fn handles_know_their_runtime_id_and_name() {
    let a = Builder::new_current_thread().name("alpha").build().unwrap();
    let b = multi(1);
    assert_ne!(a.handle().id(), b.handle().id());
    assert_eq!(a.handle().name(), Some("alpha"));
    assert_eq!(b.handle().name(), None);
    let inside = b.block_on(async { gort::runtime::Handle::current().id() });
    assert_eq!(inside, b.handle().id());
    let empty = std::panic::catch_unwind(|| {
        Builder::new_current_thread().name("  ");
    });
    assert!(empty.is_err());
}

#[test]
fn local_runtime_runs_local_tasks_from_block_on_enter_and_spawn_local() {
    let rt = LocalRuntime::new().unwrap();
    let shared = Rc::new(std::cell::Cell::new(0));
    let s = shared.clone();
    let early = rt.spawn_local(async move { s.set(s.get() + 1) });
    let from_guard = {
        let _guard = rt.enter();
        let s = shared.clone();
        gort::task::spawn_local(async move { s.set(s.get() + 10) })
    };
    let s = shared.clone();
    rt.block_on(async move {
        gort::task::spawn_local(async move { s.set(s.get() + 100) })
            .await
            .unwrap();
        early.await.unwrap();
        from_guard.await.unwrap();
        // `Send` tasks still go to the runtime.
        assert_eq!(gort::spawn(async { 2 }).await.unwrap(), 2);
    });
    assert_eq!(shared.get(), 111);
    assert!(Builder::new_multi_thread()
        .build_local(LocalOptions::default())
        .is_err());
}

#[test]
fn consume_budget_yields_once_per_budget() {
    let rt = Builder::new_current_thread().build().unwrap();
    rt.block_on(async {
        let mut spin = Box::pin(async {
            for _ in 0..1_000 {
                coop::consume_budget().await;
            }
        });
        let mut polls = 0;
        std::future::poll_fn(|cx| {
            polls += 1;
            spin.as_mut().poll(cx)
        })
        .await;
        // 1,000 units at 128 a poll: the loop yielded between budgets, and only then.
        let budget = usize::from(gort::coop::BUDGET);
        assert!(polls >= 1_000 / budget, "{polls} polls");
        assert!(polls <= 1_000 / budget + 2, "{polls} polls");
    });
}

#[test]
fn restore_on_pending_gives_the_unit_back() {
    let waker = futures::task::noop_waker();
    let mut cx = std::task::Context::from_waker(&waker);
    gort::coop::budget(|| {
        for _ in 0..10_000 {
            let restore = coop::poll_proceed(&mut cx);
            assert!(restore.is_ready(), "refunded units never run out");
        }
        let restore = coop::poll_proceed(&mut cx);
        if let std::task::Poll::Ready(restore) = restore {
            restore.made_progress();
        }
        let mut spent = 1;
        while coop::poll_proceed(&mut cx)
            .map(|r| r.made_progress())
            .is_ready()
        {
            spent += 1;
        }
        assert_eq!(spent, usize::from(gort::coop::BUDGET));
    });
}

#[test]
fn block_in_place_runs_without_a_budget() {
    let rt = multi(2);
    rt.block_on(async {
        gort::spawn(async {
            while coop::has_budget_remaining() {
                coop::consume_budget().await;
            }
            let remaining = gort::task::block_in_place(coop::has_budget_remaining);
            assert!(remaining, "no budget applies inside block_in_place");
        })
        .await
        .unwrap();
    });
}

#[test]
fn dropping_a_runtime_inside_a_runtime_panics_with_a_clear_message() {
    let outer = multi(1);
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        outer.block_on(async {
            drop(Builder::new_current_thread().build().unwrap());
        })
    }));
    let err = result.unwrap_err();
    let msg = err.downcast_ref::<&str>().copied().unwrap_or_default();
    assert!(msg.starts_with("Cannot drop a runtime"), "{msg}");
    // `shutdown_background` is allowed there.
    outer.block_on(async {
        Builder::new_current_thread()
            .build()
            .unwrap()
            .shutdown_background();
    });
}

#[test]
fn is_rt_shutdown_err_recognizes_only_shutdown_errors() {
    assert!(!gort::runtime::is_rt_shutdown_err(&std::io::Error::other(
        "the gort runtime's reactor has shut down"
    )));
    let rt = multi(1);
    let listener = rt
        .block_on(gort::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    drop(rt);
    let other = multi(1);
    let err = other.block_on(listener.accept()).unwrap_err();
    assert!(gort::runtime::is_rt_shutdown_err(&err), "{err}");
}

#[test]
fn enter_guards_must_be_dropped_in_reverse_order() {
    let rt = multi(1);
    let out_of_order = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let first = rt.enter();
        let _second = rt.enter();
        drop(first);
    }));
    let err = out_of_order.unwrap_err();
    let msg = err.downcast_ref::<&str>().copied().unwrap_or_default();
    assert!(msg.contains("dropped out of order"), "{msg}");
    // Entering still works afterwards, and nested guards dropped in order are fine.
    let other = multi(1);
    let outer = rt.enter();
    let inner = other.enter();
    assert_eq!(gort::runtime::Handle::current().id(), other.handle().id());
    drop(inner);
    assert_eq!(gort::runtime::Handle::current().id(), rt.handle().id());
    drop(outer);
}

#[test]
fn a_task_that_panics_is_dropped_while_the_panic_unwinds() {
    struct Boom(Option<gort::sync::oneshot::Sender<bool>>);
    impl Future for Boom {
        type Output = ();
        fn poll(
            self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<()> {
            panic!("boom");
        }
    }
    impl Drop for Boom {
        fn drop(&mut self) {
            let _ = self.0.take().unwrap().send(std::thread::panicking());
        }
    }
    let rt = multi(1);
    let (tx, rx) = gort::sync::oneshot::channel();
    let task = rt.spawn(Boom(Some(tx)));
    assert!(rt.block_on(task).unwrap_err().is_panic());
    assert_eq!(rt.block_on(rx), Ok(true), "dropped during the unwind");
}
