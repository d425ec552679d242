//! Issue 12, "Deadlock report": Go's `all tasks are asleep - deadlock!` for gort runtimes.

use gort::chan;
use gort::runtime::{Builder, Runtime};
use gort::task;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::{mpsc, Arc};
use std::thread;
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

/// Runs `f` on a thread and returns its panic message (or `None` if it returned), failing the
/// test if it does neither within `PATIENCE`.
fn panic_message_of(f: impl FnOnce() + Send + 'static) -> Option<String> {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let out = catch_unwind(AssertUnwindSafe(f)).err().map(|p| {
            p.downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default()
        });
        let _ = tx.send(out);
    });
    rx.recv_timeout(PATIENCE)
        .expect("block_on neither returned nor panicked")
}

/// Two tasks, each receiving from the other's unbuffered channel before sending on its own:
/// nobody sends first. Returns the lines of the two `recv` calls.
fn spawn_crossed_pair(rt: &Runtime) -> (u32, u32, task::JoinHandle<()>, task::JoinHandle<()>) {
    let _guard = rt.enter();
    let (tx_a, rx_a) = chan::bounded::<u32>(0);
    let (tx_b, rx_b) = chan::bounded::<u32>(0);
    let line_a = line!() + 4;
    let a = task::Builder::new()
        .name("ping")
        .spawn(async move {
            let v = rx_a.recv().await.unwrap();
            tx_b.send(v + 1).await.unwrap();
        })
        .unwrap();
    let line_b = line!() + 4;
    let b = task::Builder::new()
        .name("pong")
        .spawn(async move {
            let v = rx_b.recv().await.unwrap();
            tx_a.send(v + 1).await.unwrap();
        })
        .unwrap();
    (line_a, line_b, a, b)
}

#[test]
fn crossed_unbuffered_channels_panic_block_on_with_the_report() {
    let rt = runtime();
    let (line_a, line_b, a, b) = spawn_crossed_pair(&rt);
    let msg = panic_message_of(move || {
        rt.block_on(async move {
            a.await.unwrap();
            b.await.unwrap();
        })
    })
    .expect("block_on returned although both tasks are stuck");
    assert!(
        msg.starts_with("all tasks are asleep - deadlock!"),
        "wrong message: {msg}"
    );
    assert!(msg.contains("\"ping\" [chan receive"), "{msg}");
    assert!(msg.contains("\"pong\" [chan receive"), "{msg}");
    for line in [line_a, line_b] {
        let site = format!("chan receive at tests/diag_deadlock.rs:{line}:");
        assert!(msg.contains(&site), "no {site} in:\n{msg}");
    }
}

#[test]
fn a_sleeping_third_task_delays_the_report_until_it_ends() {
    let rt = runtime();
    let (_, _, a, b) = spawn_crossed_pair(&rt);
    let sleeper_done = Arc::new(AtomicBool::new(false));
    let done = sleeper_done.clone();
    let sleeper_line = line!() + 1;
    let sleeper = rt.spawn(async move {
        gort::time::sleep(Duration::from_millis(50)).await;
        done.store(true, SeqCst);
    });
    let start = Instant::now();
    let msg = panic_message_of(move || {
        rt.block_on(async move {
            sleeper.await.unwrap();
            a.await.unwrap();
            b.await.unwrap();
        })
    })
    .expect("no deadlock report");
    let elapsed = start.elapsed();
    assert!(msg.starts_with("all tasks are asleep - deadlock!"), "{msg}");
    assert!(
        sleeper_done.load(SeqCst),
        "reported while the sleeper slept"
    );
    // 50 ms of sleep, then the 100 ms grace period.
    assert!(
        elapsed >= Duration::from_millis(150),
        "reported after {elapsed:?}"
    );
    let sleeper_site = format!("spawned at tests/diag_deadlock.rs:{sleeper_line}:");
    assert!(
        !msg.contains(&sleeper_site),
        "the finished sleeper is in the report:\n{msg}"
    );
}

#[test]
fn a_plain_thread_that_sends_after_20ms_gets_no_report() {
    let rt = Builder::new_current_thread()
        .enable_all()
        .deadlock_grace(Duration::from_millis(100))
        .build()
        .unwrap();
    let (tx, rx) = chan::bounded::<u32>(0);
    let sender = thread::spawn(move || {
        thread::sleep(Duration::from_millis(20));
        tx.send_blocking(7).unwrap();
    });
    let got = panic_message_of(move || assert_eq!(rt.block_on(rx.recv()), Some(7)));
    assert_eq!(got, None, "false deadlock report");
    sender.join().unwrap();
}

#[test]
fn a_blocking_api_user_that_sleeps_long_counts_as_a_possible_waker() {
    // The thread used the blocking API once, so while it sleeps (far longer than the grace
    // period) it may still send: no report.
    let rt = Builder::new_current_thread()
        .enable_all()
        .deadlock_grace(Duration::from_millis(50))
        .build()
        .unwrap();
    let (tx, rx) = chan::bounded::<u32>(0);
    let sender = thread::spawn(move || {
        tx.send_blocking(1).unwrap();
        thread::sleep(Duration::from_millis(400));
        tx.send_blocking(2).unwrap();
    });
    let got = panic_message_of(move || {
        rt.block_on(async move {
            assert_eq!(rx.recv().await, Some(1));
            assert_eq!(rx.recv().await, Some(2));
        })
    });
    assert_eq!(got, None, "false deadlock report");
    sender.join().unwrap();
}

#[test]
fn opposite_order_mutex_locks_give_lock_cycles_but_no_global_report_while_a_ticker_runs() {
    use gort::sync::Mutex;
    let reported = Arc::new(AtomicBool::new(false));
    let r = reported.clone();
    let rt = Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .on_deadlock(move |_| r.store(true, SeqCst))
        .build()
        .unwrap();
    let (m1, m2) = (Arc::new(Mutex::new(())), Arc::new(Mutex::new(())));
    let (ready_tx, ready_rx) = chan::bounded::<()>(2);
    let (go_tx, go_rx) = chan::bounded::<()>(0);
    let go_rx2 = go_rx.clone();
    let spawn_locker = |first: Arc<Mutex<()>>, second: Arc<Mutex<()>>, go: chan::Receiver<()>| {
        let ready = ready_tx.clone();
        rt.spawn(async move {
            let _a = first.lock().await;
            ready.send(()).await.unwrap();
            // Both hold their first lock before either takes its second.
            let _ = go.recv().await;
            let _b = second.lock().await;
        })
    };
    let t1 = spawn_locker(m1.clone(), m2.clone(), go_rx);
    let t2 = spawn_locker(m2, m1, go_rx2);
    let ticks = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let t = ticks.clone();
    let ticker = rt.spawn(async move {
        let mut iv = gort::time::interval(Duration::from_millis(5));
        loop {
            iv.tick().await;
            t.fetch_add(1, SeqCst);
        }
    });
    rt.block_on(async {
        ready_rx.recv().await.unwrap();
        ready_rx.recv().await.unwrap();
        drop(go_tx); // closes `go`: both tasks go for their second lock
        let deadline = Instant::now() + PATIENCE;
        let cycles = loop {
            let cycles = gort::runtime::Handle::current().dump().lock_cycles();
            if !cycles.is_empty() || Instant::now() > deadline {
                break cycles;
            }
            gort::time::sleep(Duration::from_millis(5)).await;
        };
        let mut pair = cycles.concat();
        pair.sort();
        let mut expected = vec![t1.id(), t2.id()];
        expected.sort();
        assert_eq!(cycles.len(), 1, "{cycles:?}");
        assert_eq!(pair, expected);
        // Well past the grace period: the ticker keeps the runtime alive, no global report.
        let before = ticks.load(SeqCst);
        gort::time::sleep(Duration::from_millis(300)).await;
        assert!(ticks.load(SeqCst) > before, "the ticker stopped");
    });
    assert!(!reported.load(SeqCst));
    ticker.abort();
    t1.abort();
    t2.abort();
}

#[test]
fn on_deadlock_overrides_the_panic() {
    let (report_tx, report_rx) = chan::bounded::<String>(1);
    let rt = Builder::new_current_thread()
        .enable_all()
        .deadlock_grace(Duration::from_millis(30))
        .on_deadlock(move |report| {
            let _ = report_tx.try_send(report.to_string());
        })
        .build()
        .unwrap();
    let (_tx, rx) = chan::bounded::<()>(0);
    let line = line!() + 1;
    let stuck = rt.spawn(async move { rx.recv().await });
    let report = rt.block_on(async { report_rx.recv().await.unwrap() });
    assert!(
        report.starts_with("all tasks are asleep - deadlock!"),
        "{report}"
    );
    assert!(
        report.contains(&format!("spawned at tests/diag_deadlock.rs:{line}:")),
        "{report}"
    );
    stuck.abort();
}

#[test]
fn a_timer_channel_is_not_a_deadlock() {
    let rt = Builder::new_current_thread()
        .enable_all()
        .deadlock_grace(Duration::from_millis(20))
        .build()
        .unwrap();
    let got = panic_message_of(move || {
        rt.block_on(async {
            let _ = gort::time::after(Duration::from_millis(200)).recv().await;
        })
    });
    assert_eq!(got, None, "false deadlock report");
}

#[test]
fn a_plain_thread_blocked_in_recv_blocking_is_part_of_the_report() {
    let rt = runtime();
    let (line_a, _, a, b) = spawn_crossed_pair(&rt);
    let (_tx, rx) = chan::bounded::<u32>(0);
    let (parked_tx, parked_rx) = mpsc::channel();
    let waiter = thread::Builder::new()
        .name("plain-waiter".into())
        .spawn(move || {
            parked_tx.send(()).unwrap();
            rx.recv_blocking()
        })
        .unwrap();
    parked_rx.recv().unwrap();
    let msg = panic_message_of(move || {
        rt.block_on(async move {
            a.await.unwrap();
            b.await.unwrap();
        })
    })
    .expect("no deadlock report");
    assert!(msg.starts_with("all tasks are asleep - deadlock!"), "{msg}");
    assert!(
        msg.contains("thread \"plain-waiter\" [blocking call: chan receive"),
        "{msg}"
    );
    assert!(
        msg.contains(&format!("diag_deadlock.rs:{line_a}:")),
        "{msg}"
    );
    drop(_tx);
    assert_eq!(waiter.join().unwrap(), None);
}

/// A task holding an `RwLock` for writing waits on a `Mutex` whose holder waits to read that
/// `RwLock` (the owned and the borrowed forms): `lock_cycles()` names the pair, because the
/// `RwLock` remembers its writer.
#[test]
fn rwlock_writer_and_mutex_holder_waiting_on_each_other_form_a_lock_cycle() {
    use gort::sync::{Mutex, RwLock};
    let rt = Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .on_deadlock(|_| {}) // the pair is the whole runtime: no panic, just the cycle
        .build()
        .unwrap();
    let (rw, m) = (Arc::new(RwLock::new(0)), Arc::new(Mutex::new(())));
    let (ready_tx, ready_rx) = chan::bounded::<()>(2);
    let (go_tx, go_rx) = chan::bounded::<()>(0);
    let writer = {
        let (rw, m, ready, go) = (rw.clone(), m.clone(), ready_tx.clone(), go_rx.clone());
        rt.spawn(async move {
            let _w = rw.clone().write_owned().await;
            ready.send(()).await.unwrap();
            let _ = go.recv().await;
            let _m = m.lock().await;
        })
    };
    let locker = rt.spawn(async move {
        let _m = m.lock().await;
        ready_tx.send(()).await.unwrap();
        let _ = go_rx.recv().await;
        let _r = rw.read().await;
    });
    rt.block_on(async {
        ready_rx.recv().await.unwrap();
        ready_rx.recv().await.unwrap();
        drop(go_tx);
        let deadline = Instant::now() + PATIENCE;
        let cycles = loop {
            let cycles = gort::runtime::Handle::current().dump().lock_cycles();
            if !cycles.is_empty() || Instant::now() > deadline {
                break cycles;
            }
            gort::time::sleep(Duration::from_millis(5)).await;
        };
        assert_eq!(cycles.len(), 1, "{cycles:?}");
        let mut pair = cycles.concat();
        pair.sort();
        let mut expected = vec![writer.id(), locker.id()];
        expected.sort();
        assert_eq!(pair, expected);
    });
    writer.abort();
    locker.abort();
}
