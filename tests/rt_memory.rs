//! Idle-task memory: RSS growth per task parked on a never-ready future, gort vs tokio.
//! Prints both (run with `--nocapture` to see them) and checks gort stays small.
//! One test in this file, so no other test's allocations disturb the measurement.

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;

const TASKS: usize = 100_000;

/// Resident set size of this process in bytes (Linux `/proc/self/statm`).
fn rss() -> usize {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap();
    let pages: usize = statm.split_whitespace().nth(1).unwrap().parse().unwrap();
    pages * 4096
}

/// Spawns `TASKS` tasks that each wait forever; returns RSS growth per task, in bytes.
fn measure(spawn: &dyn Fn(Arc<AtomicUsize>), started: &dyn Fn() -> usize) -> usize {
    let polled = Arc::new(AtomicUsize::new(0));
    let before = rss();
    for _ in 0..TASKS {
        spawn(polled.clone());
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while polled.load(SeqCst) < TASKS {
        assert!(
            std::time::Instant::now() < deadline,
            "tasks did not start ({})",
            started()
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    (rss().saturating_sub(before)) / TASKS
}

#[test]
fn idle_task_memory_per_task() {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let gort = {
            let rt = gort_executor::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .build()
                .unwrap();
            // Warm the allocator and the runtime first.
            measure(
                &|p| {
                    drop(rt.spawn(async move {
                        p.fetch_add(1, SeqCst);
                        std::future::pending::<()>().await
                    }))
                },
                &|| rt.handle().num_alive_tasks(),
            )
        };
        let tokio = {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .build()
                .unwrap();
            measure(
                &|p| {
                    drop(rt.spawn(async move {
                        p.fetch_add(1, SeqCst);
                        std::future::pending::<()>().await
                    }))
                },
                &|| 0,
            )
        };
        let _ = tx.send((gort, tokio));
    });
    let (gort, tokio) = rx
        .recv_timeout(std::time::Duration::from_secs(60))
        .expect("timed out");
    println!("idle task memory: gort {gort} B/task, tokio {tokio} B/task");
    assert!(gort <= 160, "gort uses {gort} bytes per idle task");
}
