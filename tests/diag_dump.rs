//! Issue 12, "Task dump": `Handle::dump()` shows every task Go-style, without polling any.

use gort::chan;
use gort::runtime::{Builder, Handle, Runtime, TaskDump};
use gort::task::{self, TaskInfo, TaskState, WaitKind};
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Upper bound for anything that should happen "soon" on a loaded machine.
const PATIENCE: Duration = Duration::from_secs(20);

fn runtime() -> Runtime {
    Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// Dumps until `pick` finds the task in the wanted state (tasks reach it asynchronously).
fn dump_until(handle: &Handle, pick: impl Fn(&TaskInfo) -> bool) -> (TaskDump, TaskInfo) {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let dump = handle.dump();
        let found = dump.tasks().find(|t| pick(t)).cloned();
        if let Some(info) = found {
            return (dump, info);
        }
        assert!(Instant::now() < deadline, "never saw the task:\n{dump}");
        std::thread::sleep(Duration::from_millis(2));
    }
}

fn is_idle(t: &TaskInfo) -> bool {
    matches!(t.state(), TaskState::Idle { .. })
}

#[test]
fn a_named_task_parked_on_recv_shows_idle_with_the_recv_and_spawn_lines() {
    let rt = runtime();
    let (tx, rx) = chan::bounded::<u32>(0);
    let _g = rt.enter();
    // Both on the `.spawn(...)` line: the spawn site is the `spawn` call's.
    let spawn_line = line!() + 4;
    let recv_line = line!() + 3;
    let task = task::Builder::new()
        .name("worker")
        .spawn(async move { rx.recv().await })
        .unwrap();
    let (dump, info) = dump_until(rt.handle(), |t| t.name() == Some("worker") && is_idle(t));
    let sites: Vec<_> = info.wait_sites().collect();
    assert_eq!(sites.len(), 1, "{dump}");
    assert_eq!(sites[0].kind, WaitKind::ChanRecv);
    assert_eq!(sites[0].location.file(), "tests/diag_dump.rs");
    assert_eq!(sites[0].location.line(), recv_line);
    let spawned = info.spawned_at().unwrap();
    assert_eq!(
        (spawned.file(), spawned.line()),
        ("tests/diag_dump.rs", spawn_line)
    );
    assert_eq!(info.id(), task.id());
    let text = dump.to_string();
    assert!(
        text.contains(&format!("task {} \"worker\" [chan receive, ", task.id())),
        "{text}"
    );
    assert!(
        text.contains(&format!("spawned at tests/diag_dump.rs:{spawn_line}:")),
        "{text}"
    );
    assert!(
        text.contains(&format!("chan receive at tests/diag_dump.rs:{recv_line}:")),
        "{text}"
    );
    rt.block_on(async move {
        tx.send(5).await.unwrap();
        assert_eq!(task.await.unwrap(), Some(5));
    });
}

#[test]
fn a_select_over_a_recv_and_a_sleep_shows_both_sites() {
    let rt = runtime();
    let (tx, rx) = chan::bounded::<u32>(0);
    let recv_line = line!() + 5;
    let sleep_line = line!() + 5;
    let task = rt.spawn(async move {
        loop {
            gort::select! {
                v = rx.recv() => return v,
                _ = gort::time::sleep(Duration::from_secs(600)) => {}
            }
        }
    });
    let (dump, info) = dump_until(rt.handle(), |t| t.id() == task.id() && is_idle(t));
    let sites: Vec<_> = info
        .wait_sites()
        .map(|s| (s.kind, s.location.line()))
        .collect();
    assert_eq!(sites.len(), 2, "{dump}");
    assert!(
        sites.contains(&(WaitKind::ChanRecv, recv_line)),
        "{sites:?}"
    );
    assert!(sites.contains(&(WaitKind::Sleep, sleep_line)), "{sites:?}");
    let text = dump.to_string();
    assert!(text.contains("[select, "), "{text}");
    assert!(!info.waits_only_on_wait_lists(), "a sleep ends by itself");
    rt.block_on(async move {
        tx.send(1).await.unwrap();
        assert_eq!(task.await.unwrap(), Some(1));
    });
}

#[test]
fn a_task_stuck_in_thread_sleep_shows_running_and_dump_does_not_wait_for_it() {
    let rt = runtime();
    let started = Arc::new(AtomicBool::new(false));
    let s = started.clone();
    let task = rt.spawn(async move {
        s.store(true, SeqCst);
        std::thread::sleep(Duration::from_millis(300));
    });
    let deadline = Instant::now() + PATIENCE;
    while !started.load(SeqCst) {
        assert!(Instant::now() < deadline, "the task never started");
        std::thread::yield_now();
    }
    let start = Instant::now();
    let dump = rt.handle().dump();
    let took = start.elapsed();
    let info = dump
        .tasks()
        .find(|t| t.id() == task.id())
        .expect("task in dump");
    assert!(
        matches!(info.state(), TaskState::Running { worker: Some(_) }),
        "{:?}",
        info.state()
    );
    assert!(took < Duration::from_millis(50), "dump took {took:?}");
    assert!(dump.to_string().contains("[running on worker "), "{dump}");
    rt.block_on(task).unwrap();
}

#[test]
fn dump_in_a_loop_during_a_1000_task_ping_pong_neither_panics_nor_hangs() {
    let rt = runtime();
    const PAIRS: usize = 500;
    const ROUNDS: usize = 20;
    let mut tasks = Vec::new();
    for _ in 0..PAIRS {
        let (ping_tx, ping_rx) = chan::bounded::<usize>(0);
        let (pong_tx, pong_rx) = chan::bounded::<usize>(0);
        tasks.push(rt.spawn(async move {
            let mut sum = 0;
            for i in 0..ROUNDS {
                ping_tx.send(i).await.unwrap();
                sum += pong_rx.recv().await.unwrap();
            }
            sum
        }));
        tasks.push(rt.spawn(async move {
            let mut sum = 0;
            while let Some(i) = ping_rx.recv().await {
                pong_tx.send(i + 1).await.unwrap();
                sum += i + 1;
            }
            sum
        }));
    }
    let done = Arc::new(AtomicBool::new(false));
    let d = done.clone();
    let handle = rt.handle().clone();
    let dumper = std::thread::spawn(move || {
        let mut dumps = 0;
        let mut seen = 0;
        while !d.load(SeqCst) {
            let dump = handle.dump();
            seen = seen.max(dump.tasks().count());
            let _ = dump.to_string();
            dumps += 1;
        }
        (dumps, seen)
    });
    let expected: usize = (1..=ROUNDS).sum();
    let sums = rt.block_on(async move {
        let mut sums = Vec::new();
        for t in tasks {
            sums.push(
                gort::time::timeout(PATIENCE, t)
                    .await
                    .expect("ping-pong hung")
                    .unwrap(),
            );
        }
        sums
    });
    done.store(true, SeqCst);
    let (dumps, seen) = dumper.join().expect("dump panicked");
    assert_eq!(sums.len(), 2 * PAIRS);
    assert!(
        sums.iter().all(|&s| s == expected),
        "a round was lost or duplicated"
    );
    assert!(dumps > 0);
    assert!(seen <= 2 * PAIRS, "more tasks than spawned: {seen}");
    assert_eq!(
        rt.handle().dump().tasks().count(),
        0,
        "finished tasks still listed"
    );
}
