//! The slow-poll watchdog (issue 12): a poll blocking its worker past the threshold is reported
//! once, a busy but cooperative task is not, a panicking callback does not stop the watchdog,
//! and invalid settings are refused by `build`.
use gort::runtime::{Builder, Runtime};
use gort::task::yield_now;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const THRESHOLD: Duration = Duration::from_millis(50);

type Reports = Arc<Mutex<Vec<gort::runtime::SlowPoll>>>;

fn watched(builder: &mut Builder) -> (Runtime, Reports) {
    let reports = Reports::default();
    let sink = reports.clone();
    let rt = builder
        .enable_all()
        .slow_poll_threshold(THRESHOLD)
        .on_slow_poll(move |e| sink.lock().unwrap().push(e.clone()))
        .build()
        .unwrap();
    (rt, reports)
}

/// Reports may be handed over just as a poll ends: give the watchdog two more ticks.
fn settled(reports: &Reports) -> Vec<gort::runtime::SlowPoll> {
    std::thread::sleep(THRESHOLD / 2);
    reports.lock().unwrap().clone()
}

/// True when task `id` of the current runtime is idle (waiting), per the task dump.
fn idle(id: gort::task::Id) -> bool {
    let dump = gort::runtime::Handle::current().dump();
    let idle = |t: &gort::task::TaskInfo| matches!(t.state(), gort::task::TaskState::Idle { .. });
    let found = dump.tasks().any(|t| t.id() == id && idle(t));
    found
}

#[test]
fn a_poll_blocking_after_a_recv_is_reported_once() {
    let (rt, reports) = watched(Builder::new_multi_thread().worker_threads(2));
    let (tx, rx) = gort::chan::bounded::<u32>(0);
    let _rt = rt.enter();
    let builder = gort::task::Builder::new().name("blocker");
    let (spawn_line, recv_line) = (line!() + 1, line!() + 2);
    let task = builder.spawn(async move {
        let v = rx.recv().await;
        std::thread::sleep(Duration::from_millis(250));
        v
    });
    let task = task.unwrap();
    let id = task.id();
    rt.block_on(async move {
        // Send only once the task waits in recv (else recv finds the value without waiting).
        let start = Instant::now();
        while !idle(id) && start.elapsed() < Duration::from_secs(5) {
            gort::time::sleep(Duration::from_millis(1)).await;
        }
        tx.send(7).await.unwrap();
        assert_eq!(task.await.unwrap(), Some(7));
    });
    let reports = settled(&reports);
    assert_eq!(reports.len(), 1, "{reports:?}");
    let report = &reports[0];
    assert_eq!(report.task_id(), id);
    assert_eq!(report.name(), Some("blocker"));
    assert!(report.worker() < 2);
    assert!(report.elapsed() >= THRESHOLD, "{report}");
    assert!(report.elapsed() < Duration::from_millis(250), "{report}");
    let spawned = report.spawned_at().expect("spawn location");
    assert_eq!((spawned.file(), spawned.line()), (file!(), spawn_line));
    let site = report.resumed_from().expect("the recv it resumed from");
    assert_eq!(site.kind, gort::task::WaitKind::ChanRecv);
    assert_eq!(
        (site.location.file(), site.location.line()),
        (file!(), recv_line)
    );
    // The default callback's line says all of it.
    let line = report.to_string();
    let expected = [
        format!("task {id} \"blocker\""),
        format!("spawned at {}:{spawn_line}:", file!()),
        format!("at {}:{recv_line}:", file!()),
    ];
    for part in expected {
        assert!(line.contains(&part), "{line:?} lacks {part:?}");
    }
}

#[test]
fn a_task_yielding_for_300ms_is_not_reported() {
    let (rt, reports) = watched(Builder::new_multi_thread().worker_threads(2));
    let polls = rt.block_on(rt.spawn(async {
        let start = Instant::now();
        let mut polls = 0u64;
        while start.elapsed() < Duration::from_millis(300) {
            yield_now().await;
            polls += 1;
        }
        polls
    }));
    assert!(polls.unwrap() > 10);
    assert_eq!(settled(&reports).len(), 0);
}

#[test]
fn each_stuck_poll_is_reported_once_on_a_current_thread_runtime_too() {
    let (rt, reports) = watched(&mut Builder::new_current_thread());
    let ids = rt.block_on(async {
        let mut ids = Vec::new();
        for _ in 0..2 {
            let task = gort::spawn(async {
                yield_now().await;
                std::thread::sleep(Duration::from_millis(150));
                yield_now().await;
            });
            ids.push(task.id());
            task.await.unwrap();
        }
        ids
    });
    let reported: Vec<_> = settled(&reports).iter().map(|r| r.task_id()).collect();
    assert_eq!(reported, ids);
}

#[test]
fn a_panicking_callback_does_not_stop_the_watchdog() {
    let reports = Reports::default();
    let sink = reports.clone();
    let rt = Builder::new_multi_thread()
        .worker_threads(1)
        .slow_poll_threshold(THRESHOLD)
        .on_slow_poll(move |e| {
            let mut reports = sink.lock().unwrap();
            reports.push(e.clone());
            if reports.len() == 1 {
                drop(reports);
                panic!("callback panics on the first report");
            }
        })
        .build()
        .unwrap();
    // Each task blocks its worker until reported (the panic's backtrace may take a while).
    for n in 1..=2 {
        let seen = reports.clone();
        let blocker = move || {
            let start = Instant::now();
            while seen.lock().unwrap().len() < n && start.elapsed() < Duration::from_secs(10) {
                std::thread::sleep(Duration::from_millis(5));
            }
        };
        rt.block_on(rt.spawn(async move { blocker() })).unwrap();
    }
    assert_eq!(settled(&reports).len(), 2);
}

#[test]
fn blocking_handoff_needs_a_threshold_and_the_multi_thread_runtime() {
    let err = Builder::new_multi_thread()
        .blocking_handoff(true)
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    assert!(err.to_string().contains("slow_poll_threshold"), "{err}");
    let err = Builder::new_current_thread()
        .slow_poll_threshold(THRESHOLD)
        .blocking_handoff(true)
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("multi-thread"), "{err}");
}

#[test]
#[should_panic(expected = "slow_poll_threshold must be greater than zero")]
fn a_zero_threshold_is_refused() {
    Builder::new_multi_thread().slow_poll_threshold(Duration::ZERO);
}

#[test]
fn the_watchdog_thread_ends_with_its_runtime() {
    let named = || {
        std::fs::read_dir("/proc/self/task")
            .map(|tasks| {
                tasks
                    .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("comm")).ok())
                    .filter(|name| name.trim() == "gort-watchdog")
                    .count()
            })
            .unwrap_or(0)
    };
    let (rt, _reports) = watched(Builder::new_multi_thread().worker_threads(1));
    assert!(named() >= 1);
    drop(rt);
    // Other tests here run in parallel with their own watchdogs, all gone within a second.
    let before = Instant::now();
    let mut left = named();
    while left > 0 && before.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(20));
        left = named();
    }
    assert_eq!(left, 0, "a watchdog thread outlived its runtime");
}
