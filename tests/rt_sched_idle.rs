//! An idle worker sleeps while another worker runs a long poll that leaves its LIFO slot empty:
//! it does not wake every LIFO-watch interval (250 µs) for as long as the other worker runs
//! (issue 10). One test in this file: it counts the whole process's context switches.

use gort_executor::runtime::Builder;
use std::sync::mpsc;
use std::time::Duration;

/// Voluntary context switches (a thread blocked) of every thread of this process so far.
fn voluntary_switches() -> u64 {
    let mut total = 0;
    for task in std::fs::read_dir("/proc/self/task").unwrap() {
        // A thread that exited meanwhile has no status left to read.
        let Ok(status) = std::fs::read_to_string(task.unwrap().path().join("status")) else {
            continue;
        };
        total += status
            .lines()
            .find_map(|l| l.strip_prefix("voluntary_ctxt_switches:"))
            .map_or(0, |n| n.trim().parse::<u64>().unwrap());
    }
    total
}

#[test]
fn idle_worker_sleeps_through_a_long_poll_elsewhere() {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let rt = Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap();
        rt.block_on(async { gort_executor::spawn(async {}).await.unwrap() });
        std::thread::sleep(Duration::from_millis(20));
        let before = voluntary_switches();
        rt.block_on(async {
            // 300 ms in one poll: a worker woken every 250 µs would block about 1,200 times.
            gort_executor::spawn(async { std::thread::sleep(Duration::from_millis(300)) })
                .await
                .unwrap()
        });
        let _ = tx.send(voluntary_switches().saturating_sub(before));
    });
    let switches = rx.recv_timeout(Duration::from_secs(30)).expect("timed out");
    eprintln!("voluntary context switches during the 300 ms poll: {switches}");
    assert!(
        switches < 100,
        "the idle worker kept waking while the other ran: {switches} context switches"
    );
}
