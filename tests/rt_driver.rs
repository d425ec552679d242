//! The executor driving the reactor: timers and sockets make progress on both flavors, an idle
//! runtime sleeps (no busy polling), and the driver's handle is current where it should be.

use gort_executor::runtime::{Builder, Runtime};
use gort_reactor::time::{sleep, Duration, Instant};
use std::sync::mpsc;

fn bounded<T: Send + 'static>(secs: u64, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
        let _ = tx.send(out);
    });
    match rx.recv_timeout(std::time::Duration::from_secs(secs)) {
        Ok(Ok(v)) => v,
        Ok(Err(p)) => std::panic::resume_unwind(p),
        Err(_) => panic!("test timed out after {secs}s"),
    }
}

fn both() -> Vec<(&'static str, Runtime)> {
    vec![
        (
            "multi_thread",
            Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap(),
        ),
        (
            "current_thread",
            Builder::new_current_thread().enable_all().build().unwrap(),
        ),
    ]
}

/// CPU time (user + system) this process used so far, from /proc.
fn process_cpu() -> std::time::Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    let after = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    std::time::Duration::from_millis(ticks * 10)
}

#[test]
fn timers_fire_on_both_flavors() {
    bounded(10, || {
        for (name, rt) in both() {
            let elapsed = rt.block_on(async {
                let start = Instant::now();
                let hs: Vec<_> = (1..=20u64)
                    .map(|i| {
                        gort_executor::spawn(async move {
                            sleep(Duration::from_millis(i)).await;
                            i
                        })
                    })
                    .collect();
                let mut sum = 0;
                for h in hs {
                    sum += h.await.unwrap();
                }
                assert_eq!(sum, 210);
                start.elapsed()
            });
            assert!(elapsed >= Duration::from_millis(20), "{name}: {elapsed:?}");
            assert!(elapsed < Duration::from_secs(2), "{name}: {elapsed:?}");
        }
    });
}

#[test]
fn sockets_work_inside_tasks() {
    bounded(10, || {
        for (name, rt) in both() {
            let got = rt.block_on(async {
                use gort_reactor::io::{AsyncReadExt, AsyncWriteExt};
                let listener = gort_reactor::net::TcpListener::bind("127.0.0.1:0")
                    .await
                    .unwrap();
                let addr = listener.local_addr().unwrap();
                let server = gort_executor::spawn(async move {
                    let (mut s, _) = listener.accept().await.unwrap();
                    let mut buf = [0u8; 5];
                    s.read_exact(&mut buf).await.unwrap();
                    s.write_all(&buf).await.unwrap();
                });
                let mut c = gort_reactor::net::TcpStream::connect(addr).await.unwrap();
                c.write_all(b"hello").await.unwrap();
                let mut buf = [0u8; 5];
                c.read_exact(&mut buf).await.unwrap();
                server.await.unwrap();
                buf
            });
            assert_eq!(&got, b"hello", "{name}");
        }
    });
}

#[test]
fn idle_runtime_uses_no_cpu() {
    bounded(20, || {
        for (name, rt) in both() {
            // A task parked on a long timer, and nothing else to do.
            let _g = rt.enter();
            let h = gort_executor::spawn(async { sleep(Duration::from_secs(60)).await });
            drop(_g);
            if name == "current_thread" {
                // Let block_on park in the driver for the measurement window.
                let before = process_cpu();
                rt.block_on(async { sleep(Duration::from_millis(500)).await });
                let used = process_cpu() - before;
                assert!(
                    used < std::time::Duration::from_millis(100),
                    "{name}: {used:?} CPU while idle"
                );
            } else {
                std::thread::sleep(std::time::Duration::from_millis(50));
                let before = process_cpu();
                std::thread::sleep(std::time::Duration::from_millis(500));
                let used = process_cpu() - before;
                assert!(
                    used < std::time::Duration::from_millis(100),
                    "{name}: {used:?} CPU while idle"
                );
            }
            h.abort();
        }
    });
}

#[test]
fn reactor_handle_is_current_in_tasks_and_block_on() {
    bounded(10, || {
        for (name, rt) in both() {
            rt.block_on(async {
                assert!(
                    gort_reactor::driver::Handle::try_current().is_some(),
                    "{name} block_on"
                );
                let in_task = gort_executor::spawn(async {
                    gort_reactor::driver::Handle::try_current().is_some()
                });
                assert!(in_task.await.unwrap(), "{name} task");
                let in_blocking = gort_executor::task::spawn_blocking(|| {
                    gort_reactor::driver::Handle::try_current().is_some()
                });
                assert!(in_blocking.await.unwrap(), "{name} spawn_blocking");
            });
            let _g = rt.enter();
            assert!(gort_reactor::driver::Handle::try_current().is_some());
        }
        assert!(gort_reactor::driver::Handle::try_current().is_none());
    });
}

#[test]
fn dropping_runtime_cancels_tasks_blocked_on_timers() {
    bounded(10, || {
        for (name, rt) in both() {
            let h = rt.spawn(async { sleep(Duration::from_secs(3600)).await });
            rt.block_on(async { sleep(Duration::from_millis(5)).await });
            drop(rt);
            let err = futures::executor::block_on(h).unwrap_err();
            assert!(err.is_cancelled(), "{name}");
        }
    });
}
