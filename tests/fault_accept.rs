//! The naive accept loop under a low `RLIMIT_NOFILE`: `loop { match l.accept().await { Ok(..) =>
//! keep it, Err(_) => count += 1 } }`. Each error is returned, and the listener backs off by
//! itself (5 ms doubling to 1 s) so the loop makes few attempts per second instead of spinning a
//! core; once descriptors are freed it serves the queued connections again. Covered: `accept`
//! and `poll_accept`, TCP and Unix, both runtime flavors.
//!
//! Each case runs in a child process (this test binary re-run with `FAULT_ACCEPT_CASE` set), as
//! lowering the descriptor limit would starve the other tests of this binary.
#![cfg(target_os = "linux")]

use gort::net::{TcpListener, UnixListener};
use gort::runtime::{Builder, Runtime};
use std::future::{poll_fn, Future};
use std::io;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Connections queued before the limit bites; more than the descriptors left for accepting.
const CLIENTS: usize = 40;
/// Descriptors left for accepted connections once the limit is lowered.
const HEADROOM: u64 = 12;
/// How long the loop runs into the exhausted limit.
const EXHAUSTED_FOR: Duration = Duration::from_millis(1000);

#[derive(Clone, Copy)]
enum Api {
    Accept,
    PollAccept,
}

/// Lowers the soft descriptor limit so that exactly `HEADROOM` descriptor numbers are free below
/// it (new descriptors take the lowest free number; open ones above the limit are left alone).
fn lower_fd_limit() {
    let open: std::collections::BTreeSet<u64> = std::fs::read_dir("/proc/self/fd")
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u64>().ok())
        .collect();
    let mut limit = 0;
    let mut free = 0;
    while free < HEADROOM {
        if !open.contains(&limit) {
            free += 1;
        }
        limit += 1;
    }
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `lim` is a valid, writable rlimit for the duration of the calls.
    unsafe {
        assert_eq!(libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim), 0);
        lim.rlim_cur = limit;
        assert_eq!(libc::setrlimit(libc::RLIMIT_NOFILE, &lim), 0);
    }
}

/// The naive loop: keeps every accepted connection, counts errors, until `EXHAUSTED_FOR` after
/// the first error. Returns (accepted connections, errors).
async fn naive_loop<S, F: Future<Output = io::Result<S>>>(
    mut accept: impl FnMut() -> F,
) -> (Vec<S>, usize) {
    let mut held = Vec::new();
    let mut errors = 0;
    let mut first_error = None::<Instant>;
    while first_error.map_or(true, |t| t.elapsed() < EXHAUSTED_FOR) {
        match accept().await {
            Ok(s) => held.push(s),
            Err(e) => {
                assert_eq!(e.raw_os_error(), Some(libc::EMFILE), "{e}");
                errors += 1;
                first_error.get_or_insert_with(Instant::now);
            }
        }
    }
    (held, errors)
}

/// Runs the naive loop into the limit, frees the descriptors, and accepts every queued
/// connection. Prints the figures the parent checks.
async fn exhaust_and_recover<S, F: Future<Output = io::Result<S>>>(
    mut accept: impl FnMut() -> F,
    clients: usize,
) {
    let (held, errors) = naive_loop(&mut accept).await;
    let accepted_before = held.len();
    assert!(
        accepted_before >= 1 && accepted_before < clients,
        "{accepted_before}"
    );
    drop(held);
    let mut accepted_after = 0;
    while accepted_before + accepted_after < clients {
        let s = gort::time::timeout(Duration::from_secs(5), accept())
            .await
            .expect("accept did not serve again after descriptors were freed")
            .expect("accept failed after descriptors were freed");
        drop(s);
        accepted_after += 1;
    }
    println!(
        "RESULT errors={errors} accepted={}",
        accepted_before + accepted_after
    );
}

fn child(case: &str) {
    let mut parts = case.split('-');
    let (proto, api, flavor) = (
        parts.next().unwrap(),
        parts.next().unwrap(),
        parts.next().unwrap(),
    );
    let api = match api {
        "accept" => Api::Accept,
        _ => Api::PollAccept,
    };
    let rt: Runtime = match flavor {
        "ct" => Builder::new_current_thread().enable_all().build().unwrap(),
        _ => Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap(),
    };
    rt.block_on(async {
        if proto == "tcp" {
            let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = l.local_addr().unwrap();
            let clients: Vec<_> = (0..CLIENTS)
                .map(|_| std::net::TcpStream::connect(addr).unwrap())
                .collect();
            lower_fd_limit();
            match api {
                Api::Accept => exhaust_and_recover(|| l.accept(), CLIENTS).await,
                Api::PollAccept => {
                    exhaust_and_recover(|| poll_fn(|cx| l.poll_accept(cx)), CLIENTS).await
                }
            }
            drop(clients);
        } else {
            let dir =
                std::env::temp_dir().join(format!("gort-fault-accept-{}", std::process::id()));
            std::fs::create_dir_all(&dir).unwrap();
            let path = dir.join("sock");
            let l = UnixListener::bind(&path).unwrap();
            let clients: Vec<_> = (0..CLIENTS)
                .map(|_| std::os::unix::net::UnixStream::connect(&path).unwrap())
                .collect();
            lower_fd_limit();
            match api {
                Api::Accept => exhaust_and_recover(|| l.accept(), CLIENTS).await,
                Api::PollAccept => {
                    exhaust_and_recover(|| poll_fn(|cx| l.poll_accept(cx)), CLIENTS).await
                }
            }
            drop(clients);
            let _ = std::fs::remove_dir_all(&dir);
        }
    });
}

/// Runs `case` in a child process and checks its figures.
fn run_case(case: &str) {
    if let Ok(c) = std::env::var("FAULT_ACCEPT_CASE") {
        if c == case {
            child(case);
        }
        return;
    }
    let test_name = case.replace('-', "_");
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            test_name.as_str(),
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("FAULT_ACCEPT_CASE", case)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("{case}: the child process timed out");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut out = String::new();
    io::Read::read_to_string(child.stdout.as_mut().unwrap(), &mut out).unwrap();
    assert!(status.success(), "{case}: child failed ({status}):\n{out}");
    let line = out
        .lines()
        .find_map(|l| Some(l.split_once("RESULT ")?.1))
        .unwrap_or_else(|| panic!("{case}: no result line in:\n{out}"));
    let field = |name: &str| -> usize {
        line.split_whitespace()
            .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('=')?.parse().ok())
            .unwrap()
    };
    let (errors, accepted) = (field("errors"), field("accepted"));
    println!(
        "{case}: {errors} failed attempts in {EXHAUSTED_FOR:?} of exhaustion, {accepted} served"
    );
    // 5, 10, 20, … 640 ms apart: about 8 attempts in a second; a spinning loop makes 100,000s.
    assert!(
        (2..=20).contains(&errors),
        "{case}: {errors} failed accept attempts in {EXHAUSTED_FOR:?}: the loop spins"
    );
    assert_eq!(
        accepted, CLIENTS,
        "{case}: every queued connection is served in the end"
    );
}

#[test]
fn tcp_accept_ct() {
    run_case("tcp-accept-ct");
}

#[test]
fn tcp_accept_mt() {
    run_case("tcp-accept-mt");
}

#[test]
fn tcp_poll_accept_ct() {
    run_case("tcp-poll_accept-ct");
}

#[test]
fn tcp_poll_accept_mt() {
    run_case("tcp-poll_accept-mt");
}

#[test]
fn unix_accept_ct() {
    run_case("unix-accept-ct");
}

#[test]
fn unix_poll_accept_mt() {
    run_case("unix-poll_accept-mt");
}
