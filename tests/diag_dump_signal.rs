//! Issue 12, "Task dump ... from a signal via `Builder::dump_on_signal`": the process raises
//! the signal itself and the dump appears on its stderr.
//!
//! The dump goes to stderr, so the test runs itself again as a child process (same test, an
//! environment variable selects the child's part) and reads the child's stderr.

use gort::chan;
use gort::runtime::Builder;
use gort::signal::unix::SignalKind;
use gort::task::{self, TaskState};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Upper bound for anything that should happen "soon" on a loaded machine.
const PATIENCE: Duration = Duration::from_secs(20);
const CHILD_ENV: &str = "GORT_DIAG_DUMP_SIGNAL_CHILD";
const TEST_NAME: &str = "sigusr1_prints_the_task_dump_to_stderr";

#[test]
fn sigusr1_prints_the_task_dump_to_stderr() {
    if std::env::var_os(CHILD_ENV).is_some() {
        child();
        return;
    }
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", TEST_NAME, "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, "1")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (line_tx, line_rx) = mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { return };
            if line_tx.send(line).is_err() {
                return;
            }
        }
    });
    let deadline = Instant::now() + PATIENCE;
    let mut seen = Vec::new();
    let (mut header, mut site) = (false, false);
    while !(header && site) {
        let left = deadline.saturating_duration_since(Instant::now());
        let Ok(line) = line_rx.recv_timeout(left) else {
            let _ = child.kill();
            panic!(
                "no dump on stderr in time; the child printed:\n{}",
                seen.join("\n")
            );
        };
        // `task 1 "parked" [chan receive, 12ms]:` and `chan receive at <this file>:<line>:..`
        header |= line.starts_with("task ") && line.contains("\"parked\" [chan receive, ");
        site |= line
            .trim_start()
            .starts_with(&format!("chan receive at {}:", file!()));
        seen.push(line);
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        seen.iter().any(|l| l == "raised"),
        "the dump came before the signal:\n{}",
        seen.join("\n")
    );
}

/// The child: a runtime with `dump_on_signal(SIGUSR1)` and a task parked on a receive; once the
/// task is idle it raises SIGUSR1 and waits to be killed (bounded, should the dump not come).
fn child() {
    let rt = Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .dump_on_signal(SignalKind::user_defined1())
        .build()
        .unwrap();
    let _g = rt.enter();
    let (_tx, rx) = chan::bounded::<()>(0);
    let _parked = task::Builder::new()
        .name("parked")
        .spawn(async move { rx.recv().await })
        .unwrap();
    let deadline = Instant::now() + PATIENCE;
    while !rt
        .handle()
        .dump()
        .tasks()
        .any(|t| t.name() == Some("parked") && matches!(t.state(), TaskState::Idle { .. }))
    {
        assert!(Instant::now() < deadline, "the task never parked");
        std::thread::sleep(Duration::from_millis(2));
    }
    eprintln!("raised");
    // SAFETY: `raise` only sends a signal to this process, which listens for it.
    assert_eq!(unsafe { libc::raise(libc::SIGUSR1) }, 0);
    std::thread::sleep(PATIENCE);
}
