//! Shutdown under load: `Runtime::shutdown_timeout(1 s)` while 10,000 tasks (spinning on
//! `yield_now`, sleeping on timers, waiting on channels) and 1,000 sockets (500 connections
//! ping-ponging) are busy, and a blocking task that takes 2 s. It must return in time,
//! have dropped every task's future (each holds a drop counter), leave no descriptor open
//! (`/proc/self/fd` counted before and after; the still-running blocking task keeps the driver's
//! handle, hence its epoll and eventfd descriptors, until it ends, as tokio's does) and not grow
//! memory from cycle to cycle.
//!
//! One test function (cycles run in turn, both flavors): descriptor and RSS counts are
//! process-wide, so nothing else may run in this binary at the same time.
#![cfg(target_os = "linux")]

use gort::io::{AsyncReadExt, AsyncWriteExt};
use gort::net::{TcpListener, TcpStream};
use gort::runtime::{Builder, Runtime};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const SPINNERS: usize = 4_000;
const SLEEPERS: usize = 3_000;
const RECEIVERS: usize = 3_000;
const CONNECTIONS: usize = 500;
const TASKS: usize = SPINNERS + SLEEPERS + RECEIVERS + 2 * CONNECTIONS;
const CYCLES: usize = 3;
/// How long the blocking task runs: past the shutdown's 1 s timeout.
const BLOCKING_FOR: Duration = Duration::from_millis(2000);

/// Counts its drop: each task's future owns one.
struct Dropped(Arc<AtomicUsize>);

impl Drop for Dropped {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

fn list_fds() -> Vec<String> {
    std::fs::read_dir("/proc/self/fd")
        .unwrap()
        .filter_map(|e| Some(format!("{:?}", std::fs::read_link(e.ok()?.path()).ok()?)))
        .collect()
}

fn rss_bytes() -> usize {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap();
    let pages: usize = statm.split_whitespace().nth(1).unwrap().parse().unwrap();
    pages * 4096
}

/// Starts the load on `rt`; returns once every task is spawned and the sockets are busy.
fn load(rt: &Runtime, dropped: &Arc<AtomicUsize>) {
    let started = Arc::new(AtomicUsize::new(0));
    rt.block_on(async {
        let d = || Dropped(dropped.clone());
        for _ in 0..SPINNERS {
            let (d, started) = (d(), started.clone());
            gort::spawn(async move {
                let _d = d;
                started.fetch_add(1, Ordering::SeqCst);
                loop {
                    gort::task::yield_now().await;
                }
            });
        }
        for _ in 0..SLEEPERS {
            let (d, started) = (d(), started.clone());
            gort::spawn(async move {
                let _d = d;
                started.fetch_add(1, Ordering::SeqCst);
                gort::time::sleep(Duration::from_secs(3600)).await;
            });
        }
        let (tx, rx) = gort::chan::bounded::<u32>(0);
        for _ in 0..RECEIVERS {
            let (d, started, rx) = (d(), started.clone(), rx.clone());
            gort::spawn(async move {
                let _d = d;
                started.fetch_add(1, Ordering::SeqCst);
                while rx.recv().await.is_some() {}
            });
        }
        // Kept open by the test: the receivers never see the channel close.
        std::mem::forget(tx);

        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        for _ in 0..CONNECTIONS {
            let client = TcpStream::connect(addr).await.unwrap();
            let (server, _) = listener.accept().await.unwrap();
            let (d1, d2) = (d(), d());
            let (s1, s2) = (started.clone(), started.clone());
            gort::spawn(async move {
                let (_d, mut s) = (d1, server);
                s1.fetch_add(1, Ordering::SeqCst);
                let mut buf = [0u8; 4096];
                loop {
                    let n = s.read(&mut buf).await.unwrap();
                    if n == 0 {
                        return;
                    }
                    s.write_all(&buf[..n]).await.unwrap();
                }
            });
            gort::spawn(async move {
                let (_d, mut s) = (d2, client);
                s2.fetch_add(1, Ordering::SeqCst);
                let mut buf = [0u8; 64];
                loop {
                    s.write_all(&buf).await.unwrap();
                    s.read_exact(&mut buf).await.unwrap();
                }
            });
        }
        let start = Instant::now();
        while started.load(Ordering::SeqCst) < TASKS {
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "the load never started"
            );
            gort::time::sleep(Duration::from_millis(5)).await;
        }
        // Let it run busy for a moment.
        gort::time::sleep(Duration::from_millis(100)).await;
        // A blocking task that outlives the shutdown's timeout.
        gort::task::spawn_blocking(|| std::thread::sleep(BLOCKING_FOR));
    });
}

fn cycle(flavor: &str, build: BuildRuntime) -> usize {
    let fds_before = open_fds();
    let dropped = Arc::new(AtomicUsize::new(0));
    let rt = build();
    load(&rt, &dropped);
    assert_eq!(
        dropped.load(Ordering::SeqCst),
        0,
        "{flavor}: a task ended early"
    );
    let start = Instant::now();
    rt.shutdown_timeout(Duration::from_secs(1));
    let took = start.elapsed();
    let dropped = dropped.load(Ordering::SeqCst);
    // The blocking task still holds the driver's handle; once it ends everything is closed.
    let fds_at_return = open_fds();
    let wait = Instant::now();
    while open_fds() != fds_before && wait.elapsed() < BLOCKING_FOR + Duration::from_secs(3) {
        std::thread::sleep(Duration::from_millis(10));
    }
    let fds_after = open_fds();
    let rss = rss_bytes();
    println!(
        "{flavor}: shutdown_timeout(1s) took {took:.2?}; {dropped}/{TASKS} futures dropped; \
         fds {fds_before} -> {fds_at_return} at return -> {fds_after}; RSS {} KiB",
        rss / 1024
    );
    // The timeout only bounds the wait for the blocking task; a loaded machine gets slack.
    assert!(
        took < Duration::from_secs(3),
        "{flavor}: shutdown took {took:?}"
    );
    assert_eq!(dropped, TASKS, "{flavor}: futures not dropped at shutdown");
    assert_eq!(
        fds_after,
        fds_before,
        "{flavor}: descriptors leaked: {:?}",
        list_fds()
    );
    rss
}

type BuildRuntime = fn() -> Runtime;

#[test]
fn shutdown_timeout_under_load() {
    let flavors: [(&str, BuildRuntime); 2] = [
        ("current_thread", || {
            Builder::new_current_thread().enable_all().build().unwrap()
        }),
        ("multi_thread", || {
            Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap()
        }),
    ];
    for (flavor, build) in flavors {
        let rss: Vec<usize> = (0..CYCLES).map(|_| cycle(flavor, build)).collect();
        // Later cycles reuse what the first one allocated: no growth beyond noise.
        let grown = rss[CYCLES - 1].saturating_sub(rss[0]);
        assert!(
            grown < 16 << 20,
            "{flavor}: RSS grew {grown} B over {CYCLES} cycles: {rss:?}"
        );
    }
}
