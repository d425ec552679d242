//! The metrics gort keeps stable where tokio's are unstable (issue 12): poll, steal and
//! overflow counts, local queue depth, blocking-pool sizes, tasks by state.
use gort::runtime::{Builder, Runtime, RuntimeMetrics};
use gort::task::yield_now;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn multi(workers: usize) -> Runtime {
    Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
        .unwrap()
}

fn polls(metrics: &RuntimeMetrics) -> u64 {
    (0..metrics.num_workers())
        .map(|w| metrics.worker_poll_count(w))
        .sum()
}

/// Waits (bounded) until `done` holds.
fn eventually(what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < Duration::from_secs(10), "never: {what}");
        std::thread::sleep(Duration::from_millis(1));
    }
}

fn hundred_tasks_yielding_ten_times(rt: &Runtime) {
    let metrics = rt.metrics();
    let before = polls(&metrics);
    rt.block_on(async {
        let tasks: Vec<_> = (0..100)
            .map(|_| {
                gort::spawn(async {
                    for _ in 0..10 {
                        yield_now().await;
                    }
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
    });
    // Each task: a first poll plus one per yield.
    assert!(
        polls(&metrics) - before >= 1_100,
        "{}",
        polls(&metrics) - before
    );
    // A worker lets go of a task just after its join handle sees the output.
    eventually("no task alive", || metrics.num_alive_tasks() == 0);
}

#[test]
fn polls_are_counted_on_the_multi_thread_runtime() {
    hundred_tasks_yielding_ten_times(&multi(2));
}

#[test]
fn polls_are_counted_on_the_current_thread_runtime() {
    hundred_tasks_yielding_ten_times(&Builder::new_current_thread().build().unwrap());
}

/// The current-thread runtime publishes its poll count in batches: a task that keeps the
/// thread busy still sees its own earlier polls counted (published at least every
/// `event_interval` polls), and `block_on`'s return publishes the rest.
#[test]
fn current_thread_poll_counts_are_published_while_busy() {
    let rt = Builder::new_current_thread()
        .event_interval(61)
        .build()
        .unwrap();
    let metrics = rt.metrics();
    let m = metrics.clone();
    let seen = rt.block_on(rt.spawn(async move {
        for _ in 0..500 {
            yield_now().await;
        }
        m.worker_poll_count(0)
    }));
    // 500 polls of this task ran before the read; at most one batch is unpublished.
    let seen = seen.unwrap();
    assert!((500 - 61..=501).contains(&seen), "{seen}");
    // The first poll of the task and its 500 resumptions, plus the `block_on` joins none.
    assert_eq!(metrics.worker_poll_count(0), 501);
}

#[test]
fn an_idle_worker_steals_from_a_busy_one() {
    let rt = multi(2);
    let metrics = rt.metrics();
    rt.block_on(rt.spawn(async {
        // Queued on this worker; each blocks a while, so the other worker comes to steal.
        let tasks: Vec<_> = (0..64)
            .map(|_| gort::spawn(async { std::thread::sleep(Duration::from_millis(1)) }))
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
    }))
    .unwrap();
    let steals: u64 = (0..2).map(|w| metrics.worker_steal_count(w)).sum();
    assert!(steals >= 1);
}

#[test]
fn a_full_local_queue_overflows_and_its_depth_is_seen() {
    let rt = multi(1);
    let metrics = rt.metrics();
    let m = metrics.clone();
    let depth = rt.block_on(rt.spawn(async move {
        let tasks: Vec<_> = (0..100).map(|_| gort::spawn(async {})).collect();
        let depth = m.worker_local_queue_depth(0);
        let more: Vec<_> = (0..1000).map(|_| gort::spawn(async {})).collect();
        for t in tasks.into_iter().chain(more) {
            t.await.unwrap();
        }
        depth
    }));
    assert_eq!(depth.unwrap(), 100);
    assert!(metrics.worker_overflow_count(0) >= 1);
    assert_eq!(metrics.worker_local_queue_depth(0), 0);
}

#[test]
fn blocking_pool_sizes() {
    let rt = multi(1);
    let metrics = rt.metrics();
    // Each call blocks until released (bounded, so a failed assertion cannot hang the test).
    let (release, released) = std::sync::mpsc::channel::<()>();
    let released = Arc::new(std::sync::Mutex::new(released));
    let calls: Vec<_> = (0..3)
        .map(|_| {
            let released = released.clone();
            rt.spawn_blocking(move || {
                let _ = released
                    .lock()
                    .unwrap()
                    .recv_timeout(Duration::from_secs(10));
            })
        })
        .collect();
    eventually("3 blocking threads busy, none queued", || {
        metrics.num_blocking_threads() == 3
            && metrics.num_idle_blocking_threads() == 0
            && metrics.blocking_queue_depth() == 0
    });
    for _ in 0..3 {
        release.send(()).unwrap();
    }
    rt.block_on(async {
        for c in calls {
            c.await.unwrap();
        }
    });
    eventually("3 idle blocking threads", || {
        metrics.num_idle_blocking_threads() == 3
    });
    assert_eq!(metrics.num_blocking_threads(), 3);
}

#[test]
fn tasks_by_state() {
    let rt = multi(1);
    let metrics = rt.metrics();
    let notify = Arc::new(gort::sync::Notify::new());
    let waiting: Vec<_> = (0..5)
        .map(|_| rt.spawn(notify.clone().notified_owned()))
        .collect();
    eventually("5 idle tasks", || metrics.task_states().idle == 5);
    // Block the only worker, then queue three more behind it.
    let (entered_tx, entered_rx) = std::sync::mpsc::channel();
    let (release, released) = std::sync::mpsc::channel::<()>();
    let blocker = rt.spawn(async move {
        entered_tx.send(()).unwrap();
        // Bounded, so a failed assertion below cannot hang the test.
        let _ = released.recv_timeout(Duration::from_secs(10));
    });
    entered_rx.recv().unwrap();
    let queued: Vec<_> = (0..3).map(|_| rt.spawn(async {})).collect();
    let states = metrics.task_states();
    assert_eq!((states.running, states.scheduled, states.idle), (1, 3, 5));
    release.send(()).unwrap();
    notify.notify_waiters();
    rt.block_on(async {
        for t in waiting.into_iter().chain(queued).chain([blocker]) {
            t.await.unwrap();
        }
    });
    // A worker lets go of a task just after its join handle sees the output.
    eventually("no task alive", || metrics.num_alive_tasks() == 0);
    assert_eq!(metrics.task_states(), Default::default());
}

#[test]
fn idle_tasks_by_wait_kind() {
    use gort::task::WaitKind;
    let rt = multi(2);
    let metrics = rt.metrics();
    let (tx, rx) = gort::chan::bounded::<u32>(0);
    let mut tasks = Vec::new();
    for _ in 0..3 {
        let rx = rx.clone();
        tasks.push(rt.spawn(async move {
            rx.recv().await;
        }));
    }
    for _ in 0..2 {
        let rx = rx.clone();
        tasks.push(rt.spawn(async move {
            // A select waits on both: counted once as a receive, once as a sleep.
            gort::select! {
                _ = rx.recv() => {},
                _ = gort::time::sleep(Duration::from_secs(60)) => {},
            }
        }));
    }
    tasks.push(rt.spawn(std::future::pending::<()>()));
    let count = |kind| {
        let kinds = metrics.tasks_by_wait_kind();
        kinds
            .iter()
            .find(|(k, _)| *k == kind)
            .map_or(0, |(_, n)| *n)
    };
    eventually("6 idle tasks", || metrics.task_states().idle == 6);
    assert_eq!(count(Some(WaitKind::ChanRecv)), 5);
    assert_eq!(count(Some(WaitKind::Sleep)), 2);
    assert_eq!(count(None), 1);
    drop(tx);
    for t in &tasks {
        t.abort();
    }
    rt.block_on(async move {
        for t in tasks {
            let _ = t.await;
        }
    });
    assert_eq!(metrics.tasks_by_wait_kind(), Vec::new());
}
