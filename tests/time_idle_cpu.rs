//! An idle runtime uses no CPU: its workers block (one in the driver's epoll, the rest on
//! condvars) instead of spinning. Its own test binary, so no other test burns CPU meanwhile.

use gort::runtime::Builder;
use std::time::Duration;

/// User + system CPU time of the whole process, from /proc/self/stat (in clock ticks, which
/// are 10 ms on Linux: sysconf(_SC_CLK_TCK) is 100 everywhere we run).
fn process_cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    // The command name may contain spaces; fields after the closing parenthesis are fixed.
    let rest = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: u64 = fields[11].parse().unwrap();
    let stime: u64 = fields[12].parse().unwrap();
    Duration::from_millis((utime + stime) * 10)
}

#[test]
fn an_idle_runtime_uses_no_cpu() {
    let rt = Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .unwrap();
    // Give it some things to wait on: a listener, a far timer, a parked task.
    rt.block_on(async {
        let listener = gort::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        gort::task::spawn(async move {
            let _ = listener.accept().await;
        });
        gort::task::spawn(gort::time::sleep(Duration::from_secs(3600)));
        gort::time::sleep(Duration::from_millis(50)).await;
    });
    let before = process_cpu();
    std::thread::sleep(Duration::from_secs(1));
    let used = process_cpu() - before;
    assert!(
        used < Duration::from_millis(50),
        "idle runtime used {used:?} of CPU in 1 s"
    );
    drop(rt);
}
