//! `gort::process` on both runtime flavors: output, pipes, exit codes, kill, kill_on_drop,
//! try_wait, many concurrent children all reaped, and a missing program. Every test is bounded.

use gort::io::{AsyncReadExt, AsyncWriteExt};
use gort::process::Command;
use gort::runtime::{Builder, Runtime};
use std::future::Future;
use std::os::unix::process::ExitStatusExt;
use std::process::Stdio;
use std::time::{Duration, Instant};

const LIMIT: Duration = Duration::from_secs(30);
const SIGKILL: i32 = 9;

/// Builds a fresh runtime of one flavor.
type BuildRuntime = fn() -> Runtime;

/// Runs `test` on a fresh runtime of each flavor, each on its own thread with a time limit.
fn on_both_flavors<F, Fut>(test: F)
where
    F: Fn() -> Fut + Send + Sync + Clone + 'static,
    Fut: Future<Output = ()>,
{
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
    for (name, build) in flavors {
        let test = test.clone();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                build().block_on(test());
            }));
            let _ = tx.send(out);
        });
        match rx.recv_timeout(LIMIT) {
            Ok(Ok(())) => {}
            Ok(Err(panic)) => {
                eprintln!("failed on the {name} runtime");
                std::panic::resume_unwind(panic);
            }
            Err(_) => panic!("timed out on the {name} runtime"),
        }
    }
}

/// True once `pid` is no child of ours (it was reaped): its `/proc` entry is gone, or the pid
/// now belongs to a process whose parent is not us. A zombie keeps its entry until reaped.
fn reaped(pid: u32) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return true;
    };
    // "pid (comm) state ppid ...": comm may hold spaces, so split after its closing paren.
    let after_comm = &stat[stat.rfind(')').expect("malformed /proc stat") + 1..];
    let ppid: u32 = after_comm
        .split_whitespace()
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    ppid != std::process::id()
}

async fn eventually_reaped(pid: u32) {
    let start = Instant::now();
    while !reaped(pid) {
        assert!(start.elapsed() < LIMIT, "child {pid} was never reaped");
        gort::time::sleep(Duration::from_millis(5)).await;
    }
}

#[test]
fn output_of_echo() {
    on_both_flavors(|| async {
        let out = Command::new("echo")
            .args(["hello", "world"])
            .output()
            .await
            .unwrap();
        assert!(out.status.success());
        assert_eq!(out.stdout, b"hello world\n");
        assert!(out.stderr.is_empty());
    });
}

#[test]
fn output_collects_stdout_and_stderr_separately() {
    on_both_flavors(|| async {
        let out = Command::new("sh")
            .args(["-c", "echo out; echo err >&2; exit 4"])
            .output()
            .await
            .unwrap();
        assert_eq!(out.status.code(), Some(4));
        assert_eq!(out.stdout, b"out\n");
        assert_eq!(out.stderr, b"err\n");
    });
}

#[test]
fn one_mib_through_cat_comes_back_exactly() {
    on_both_flavors(|| async {
        let mut child = Command::new("cat")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let mut stdout = child.stdout.take().unwrap();
        let data: Vec<u8> = (0..1 << 20).map(|i: u32| (i * 7 % 253) as u8).collect();
        let expected = data.clone();
        // Writer and reader run as separate tasks: a 1 MiB write cannot fit in the pipes.
        let writer = gort::spawn(async move {
            stdin.write_all(&data).await.unwrap();
            drop(stdin); // EOF for cat
        });
        let mut back = Vec::with_capacity(1 << 20);
        stdout.read_to_end(&mut back).await.unwrap();
        writer.await.unwrap();
        assert_eq!(back.len(), expected.len());
        assert!(back == expected, "the bytes came back changed");
        assert!(child.wait().await.unwrap().success());
    });
}

#[test]
fn exit_code_is_reported_and_wait_is_fused() {
    on_both_flavors(|| async {
        let mut child = Command::new("sh").args(["-c", "exit 3"]).spawn().unwrap();
        let pid = child.id().unwrap();
        assert_eq!(child.wait().await.unwrap().code(), Some(3));
        assert_eq!(child.wait().await.unwrap().code(), Some(3));
        assert_eq!(child.id(), None);
        assert!(reaped(pid));
        let status = Command::new("sh")
            .args(["-c", "exit 3"])
            .status()
            .await
            .unwrap();
        assert_eq!(status.code(), Some(3));
    });
}

#[test]
fn kill_then_wait_reports_the_signal() {
    on_both_flavors(|| async {
        let mut child = Command::new("sleep").arg("30").spawn().unwrap();
        let pid = child.id().unwrap();
        child.start_kill().unwrap();
        let status = child.wait().await.unwrap();
        assert_eq!(status.signal(), Some(SIGKILL));
        assert_eq!(status.code(), None);
        assert!(reaped(pid));
        // Killing a reaped child is fine, as tokio.
        child.start_kill().unwrap();
        child.kill().await.unwrap();

        let mut child = Command::new("sleep").arg("30").spawn().unwrap();
        child.kill().await.unwrap();
        assert_eq!(
            child.try_wait().unwrap().and_then(|s| s.signal()),
            Some(SIGKILL)
        );
    });
}

#[test]
fn kill_on_drop_kills_and_the_pid_is_reaped() {
    on_both_flavors(|| async {
        let child = Command::new("sleep")
            .arg("30")
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let pid = child.id().unwrap();
        drop(child);
        // Far sooner than `sleep 30` could end by itself.
        eventually_reaped(pid).await;
        let proc_entry = format!("/proc/{pid}");
        let start = Instant::now();
        while std::path::Path::new(&proc_entry).exists() {
            // Only a reused pid could bring it back; give the kernel a moment to tear it down.
            assert!(start.elapsed() < LIMIT, "{proc_entry} still exists");
            gort::time::sleep(Duration::from_millis(5)).await;
        }
    });
}

#[test]
fn without_kill_on_drop_the_child_keeps_running_and_is_reaped_later() {
    on_both_flavors(|| async {
        let mut child = Command::new("sh")
            .args(["-c", "read line; echo \"got $line\""])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let pid = child.id().unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let mut stdout = child.stdout.take().unwrap();
        drop(child);
        // Still alive after its Child is gone: it answers.
        stdin.write_all(b"ping\n").await.unwrap();
        let mut out = String::new();
        stdout.read_to_string(&mut out).await.unwrap();
        assert_eq!(out, "got ping\n");
        eventually_reaped(pid).await;
    });
}

#[test]
fn try_wait_before_and_after_exit() {
    on_both_flavors(|| async {
        let mut child = Command::new("sh")
            .args(["-c", "read x; exit 7"])
            .stdin(Stdio::piped())
            .spawn()
            .unwrap();
        assert!(child.try_wait().unwrap().is_none());
        assert!(child.id().is_some());
        child
            .stdin
            .take()
            .unwrap()
            .write_all(b"go\n")
            .await
            .unwrap();
        let start = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            assert!(start.elapsed() < LIMIT, "the child never exited");
            gort::time::sleep(Duration::from_millis(2)).await;
        };
        assert_eq!(status.code(), Some(7));
        assert_eq!(child.id(), None);
        assert_eq!(child.wait().await.unwrap().code(), Some(7));
    });
}

#[test]
fn two_hundred_concurrent_children_all_reaped() {
    on_both_flavors(|| async {
        let mut handles = Vec::new();
        for i in 0..200u32 {
            handles.push(gort::spawn(async move {
                let mut child = Command::new("sh")
                    .args(["-c", &format!("exit {}", i % 50)])
                    .spawn()
                    .unwrap();
                let pid = child.id().unwrap();
                let status = child.wait().await.unwrap();
                (i, pid, status.code())
            }));
        }
        let mut seen = 0;
        for handle in handles {
            let (i, pid, code) = handle.await.unwrap();
            assert_eq!(code, Some((i % 50) as i32));
            assert!(reaped(pid), "child {pid} left a zombie");
            seen += 1;
        }
        assert_eq!(seen, 200);
    });
}

#[test]
fn two_hundred_dropped_children_all_reaped() {
    on_both_flavors(|| async {
        let pids: Vec<u32> = (0..200)
            .map(|_| {
                let child = Command::new("true").spawn().unwrap();
                child.id().unwrap()
            })
            .collect();
        for pid in pids {
            eventually_reaped(pid).await;
        }
    });
}

#[test]
fn a_missing_program_is_not_found() {
    on_both_flavors(|| async {
        let err = Command::new("/nonexistent/gort-no-such-program")
            .spawn()
            .unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
        let err = Command::new("gort-no-such-program-on-path")
            .output()
            .await
            .unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
    });
}

#[test]
fn env_current_dir_and_arg0_reach_the_child() {
    on_both_flavors(|| async {
        let out = Command::new("sh")
            .arg0("my-shell")
            .args(["-c", "echo \"$0 $GORT_X $GORT_Y $(pwd)\""])
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap())
            .envs([("GORT_X", "x"), ("GORT_Y", "y")])
            .current_dir("/")
            .output()
            .await
            .unwrap();
        assert_eq!(String::from_utf8(out.stdout).unwrap(), "my-shell x y /\n");
    });
}

#[test]
fn a_child_spawned_in_one_runtime_is_waited_in_another() {
    // The first runtime also starts a wait (registering the child with its reactor) and is
    // then dropped: the second runtime's wait must still see the exit.
    let mut child = Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            let mut child = Command::new("sh")
                .args(["-c", "sleep 0.2; exit 5"])
                .spawn()
                .unwrap();
            let early = gort::time::timeout(Duration::from_millis(10), child.wait()).await;
            assert!(early.is_err(), "the child cannot have exited yet");
            child
        });
    let status = Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            gort::time::timeout(LIMIT, child.wait())
                .await
                .expect("wait timed out")
        })
        .unwrap();
    assert_eq!(status.code(), Some(5));
}

#[test]
fn a_wait_moved_to_another_runtime_follows_it() {
    // Runtime A starts the wait, then sits idle (alive, but nothing drives its reactor): the
    // wait finished in runtime B must not depend on A's reactor.
    let a = Builder::new_current_thread().enable_all().build().unwrap();
    let mut child = a.block_on(async {
        let mut child = Command::new("sh")
            .args(["-c", "sleep 0.2; exit 6"])
            .spawn()
            .unwrap();
        let early = gort::time::timeout(Duration::from_millis(10), child.wait()).await;
        assert!(early.is_err(), "the child cannot have exited yet");
        child
    });
    let b = Builder::new_current_thread().enable_all().build().unwrap();
    let start = Instant::now();
    let status = b
        .block_on(async {
            gort::time::timeout(LIMIT, child.wait())
                .await
                .expect("wait timed out")
        })
        .unwrap();
    assert_eq!(status.code(), Some(6));
    // Generous for a 0.2 s child; a wake lost in A's idle reactor would wait for B's timer.
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "the exit was not noticed"
    );
    drop(a);
}

#[test]
fn child_pipes_work_with_futures_io() {
    on_both_flavors(|| async {
        let mut child = Command::new("cat")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        futures::io::AsyncWriteExt::write_all(&mut stdin, b"futures")
            .await
            .unwrap();
        drop(stdin);
        let mut out = Vec::new();
        futures::io::AsyncReadExt::read_to_end(child.stdout.as_mut().unwrap(), &mut out)
            .await
            .unwrap();
        assert_eq!(out, b"futures");
        child.wait().await.unwrap();
    });
}

#[test]
fn a_childs_stdout_pipes_into_another_childs_stdin() {
    on_both_flavors(|| async {
        let mut producer = Command::new("echo")
            .arg("chained")
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        // Back to a blocking std handle, as the next child expects.
        let handoff: Stdio = producer.stdout.take().unwrap().try_into().unwrap();
        let out = Command::new("tr")
            .args(["a-z", "A-Z"])
            .stdin(handoff)
            .output()
            .await
            .unwrap();
        assert_eq!(out.stdout, b"CHAINED\n");
        assert!(producer.wait().await.unwrap().success());
    });
}
