//! An idle worker sleeps while another worker runs a long poll that leaves its LIFO slot empty:
//! it does not wake every LIFO-watch interval (250 µs) for as long as the other worker runs
//! (issue 10), nor after each time a notification unparked it. The tests count the whole
//! process's context switches, so they run one at a time (`serial`).

use futures::StreamExt;
use sched_support::on_two_workers;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

mod sched_support;

/// Keeps the tests of this file from running at the same time.
fn serial() -> MutexGuard<'static, ()> {
    static SERIAL: Mutex<()> = Mutex::new(());
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

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
    let _serial = serial();
    let switches = on_two_workers(|rt| {
        rt.block_on(async { gort_executor::spawn(async {}).await.unwrap() });
        std::thread::sleep(Duration::from_millis(20));
        let before = voluntary_switches();
        rt.block_on(async {
            // 300 ms in one poll: a worker woken every 250 µs would block about 1,200 times.
            gort_executor::spawn(async { std::thread::sleep(Duration::from_millis(300)) })
                .await
                .unwrap()
        });
        voluntary_switches().saturating_sub(before)
    });
    eprintln!("voluntary context switches during the 300 ms poll: {switches}");
    assert!(
        switches < 100,
        "the idle worker kept waking while the other ran: {switches} context switches"
    );
}

/// Wakes from outside the workers (a server's workers notify each other the same way) unpark
/// the idle worker while the other runs a long poll: it runs the woken task and sleeps until the
/// next wake, instead of watching the (empty) LIFO slots every 250 µs for a millisecond after
/// each one (about four more wake-ups per wake).
#[test]
fn idle_worker_unparked_by_notifications_sleeps_between_them() {
    const WAKES: u64 = 100;
    let _serial = serial();
    let (received, switches) = on_two_workers(|rt| {
        let (wake_tx, mut wake_rx) = futures::channel::mpsc::unbounded::<u64>();
        let receiver = rt.spawn(async move {
            let mut received = 0;
            while wake_rx.next().await.is_some() {
                received += 1;
            }
            received
        });
        std::thread::sleep(Duration::from_millis(20));
        let before = voluntary_switches();
        // 300 ms in one poll, while this thread wakes the receiver every 3 ms.
        let busy = rt.spawn(async { std::thread::sleep(Duration::from_millis(300)) });
        for i in 0..WAKES {
            std::thread::sleep(Duration::from_millis(3));
            wake_tx.unbounded_send(i).unwrap();
        }
        drop(wake_tx);
        let received = rt.block_on(async {
            busy.await.unwrap();
            receiver.await.unwrap()
        });
        (received, voluntary_switches().saturating_sub(before))
    });
    eprintln!("voluntary context switches for {WAKES} wakes next to a long poll: {switches}");
    assert_eq!(received, WAKES, "wakes lost or duplicated");
    // This thread's sleeps and one park per wake: about 2 per wake.
    assert!(
        switches < 3 * WAKES,
        "the idle worker kept waking between the notifications: {switches} context switches"
    );
}
