//! The process module on a bare driver, including the SIGCHLD fallback that the pidfd path
//! hides on modern kernels (the whole-runtime tests are in the root `tests/process_*.rs`).

use super::reap::Via;
use super::*;
use crate::io::{AsyncReadExt, AsyncWriteExt};
use crate::test_block_on::block_on;
use futures::future::join_all;
use std::process::Stdio;
use std::time::{Duration, Instant};

const LIMIT: Duration = Duration::from_secs(20);

/// True once `pid` is no child of ours any more (reaped), without reaping it ourselves.
fn reaped(pid: u32) -> bool {
    // SAFETY: a zeroed siginfo_t is a valid out-parameter; WNOWAIT leaves a zombie in place.
    unsafe {
        let mut info: libc::siginfo_t = std::mem::zeroed();
        let r = libc::waitid(
            libc::P_PID,
            pid as libc::id_t,
            &mut info,
            libc::WEXITED | libc::WNOHANG | libc::WNOWAIT,
        );
        r == -1 && std::io::Error::last_os_error().raw_os_error() == Some(libc::ECHILD)
    }
}

fn eventually_reaped(pid: u32) {
    let start = Instant::now();
    while !reaped(pid) {
        assert!(start.elapsed() < LIMIT, "child {pid} was never reaped");
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn sigchld_fallback_waits_for_many_children_with_exact_codes() {
    block_on(LIMIT, async {
        let children = (0..50).map(|i| {
            let mut child = Command::new("sh")
                .args(["-c", &format!("exit {i}")])
                .spawn_via(Via::Sigchld)
                .unwrap();
            async move {
                let pid = child.id().unwrap();
                (i, pid, child.wait().await.unwrap().code())
            }
        });
        for (i, pid, code) in join_all(children).await {
            assert_eq!(code, Some(i));
            assert!(reaped(pid));
        }
    });
}

#[test]
fn sigchld_fallback_pipes_stdin_to_stdout() {
    block_on(LIMIT, async {
        let mut child = Command::new("cat")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn_via(Via::Sigchld)
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let data: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        let write = async {
            stdin.write_all(&data).await.unwrap();
            drop(stdin);
        };
        let mut back = Vec::new();
        let read = child.stdout.as_mut().unwrap().read_to_end(&mut back);
        let ((), n) = futures::join!(write, read);
        assert_eq!(n.unwrap(), data.len());
        assert_eq!(back, data);
        assert!(child.wait().await.unwrap().success());
    });
}

#[test]
fn dropped_children_are_adopted_and_reaped() {
    let pids: Vec<u32> = block_on(LIMIT, async {
        (0..20)
            .map(|i| {
                let mut cmd = Command::new("sleep");
                cmd.arg("0.05");
                let via = if i % 2 == 0 {
                    Via::Sigchld
                } else {
                    Via::PidfdOrSigchld
                };
                let child = cmd.spawn_via(via).unwrap();
                child.id().unwrap()
                // `child` drops here, still running: it becomes an orphan.
            })
            .collect()
    });
    for pid in pids {
        eventually_reaped(pid);
    }
}

#[test]
fn kill_on_drop_kills_then_reaps() {
    let pid = block_on(LIMIT, async {
        let child = Command::new("sleep")
            .arg("30")
            .kill_on_drop(true)
            .spawn_via(Via::Sigchld)
            .unwrap();
        child.id().unwrap()
    });
    // Reaped long before `sleep 30` could end by itself: it was killed.
    eventually_reaped(pid);
}
