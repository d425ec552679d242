//! Scale: 10,000 concurrent TCP connections to an echo server, exact bytes on each, and the
//! server's resident memory per connection, gort next to tokio in the same run.
//!
//! Each server runs in a child process (this test binary re-run with `SCALE_ROLE` set), so its
//! RSS counts only the server: it notes its RSS once the listener is bound, again once all
//! 10,000 connections are open and have each been echoed, and prints both. The client (a gort
//! runtime in the test process) opens the connections in batches, checks every byte that comes
//! back, and keeps all of them open until the server has measured. Both servers are the same
//! code (one macro over the crate name): a task per connection with a 1 KiB buffer.
#![cfg(target_os = "linux")]

use std::io::BufRead;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const CONNECTIONS: usize = 10_000;
/// Bytes each connection sends (and must get back, in order).
const MSG_LEN: usize = 100;
/// Connections opened at once: below the listen backlog (128, as std and mio use), so no SYN
/// is dropped and retried a second later.
const BATCH: usize = 100;
/// Descriptors each process needs beyond the connections (runtime, pipes, std streams).
const SPARE_FDS: u64 = 256;
/// gort's bound on the server's memory per connection.
const MAX_BYTES_PER_CONN: u64 = 64 * 1024;

/// The process's resident set size, from `/proc/self/statm`.
fn rss_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap();
    let pages: u64 = statm.split_whitespace().nth(1).unwrap().parse().unwrap();
    // SAFETY: sysconf has no preconditions.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) } as u64;
    pages * page
}

/// Raises the soft descriptor limit to `need` (the hard one too if allowed). Err: why not.
fn raise_fd_limit(need: u64) -> Result<(), String> {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `lim` is a valid, writable rlimit for the duration of each call.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) != 0 {
            return Err(format!("getrlimit: {}", std::io::Error::last_os_error()));
        }
        if lim.rlim_cur >= need {
            return Ok(());
        }
        if lim.rlim_max < need {
            let raised = libc::rlimit {
                rlim_cur: need,
                rlim_max: need,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                return Ok(());
            }
            return Err(format!(
                "RLIMIT_NOFILE hard limit {} < {need} and it cannot be raised",
                lim.rlim_max
            ));
        }
        lim.rlim_cur = need;
        if libc::setrlimit(libc::RLIMIT_NOFILE, &lim) != 0 {
            return Err(format!("setrlimit: {}", std::io::Error::last_os_error()));
        }
    }
    Ok(())
}

/// An echo server on runtime crate `$rt` (gort or tokio): prints `PORT p`, then `RSS base peak`
/// once every connection has been echoed, and returns once every connection closed.
macro_rules! echo_server {
    ($rt:ident) => {{
        use std::sync::atomic::{AtomicUsize, Ordering};
        use std::sync::Arc;
        use $rt::io::{AsyncReadExt, AsyncWriteExt};
        let rt = $rt::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let listener = $rt::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let base = rss_bytes();
            println!("PORT {}", listener.local_addr().unwrap().port());
            let echoed = Arc::new(AtomicUsize::new(0));
            let closed = Arc::new(AtomicUsize::new(0));
            for _ in 0..CONNECTIONS {
                let (mut socket, _) = listener.accept().await.unwrap();
                let (echoed, closed) = (echoed.clone(), closed.clone());
                $rt::spawn(async move {
                    let mut buf = [0u8; 1024];
                    loop {
                        let n = socket.read(&mut buf).await.unwrap();
                        if n == 0 {
                            break;
                        }
                        socket.write_all(&buf[..n]).await.unwrap();
                        echoed.fetch_add(n, Ordering::SeqCst);
                    }
                    closed.fetch_add(1, Ordering::SeqCst);
                });
            }
            let wait_for = |count: Arc<AtomicUsize>, target: usize, what: &'static str| async move {
                let start = Instant::now();
                while count.load(Ordering::SeqCst) < target {
                    assert!(start.elapsed() < Duration::from_secs(60), "server: {what}");
                    $rt::time::sleep(Duration::from_millis(5)).await;
                }
                assert_eq!(count.load(Ordering::SeqCst), target, "server: {what}");
            };
            wait_for(echoed, CONNECTIONS * MSG_LEN, "not every byte was echoed").await;
            println!("RSS {base} {}", rss_bytes());
            wait_for(closed, CONNECTIONS, "not every connection closed").await;
        });
    }};
}

/// Opens the connections, checks each echo byte for byte, and returns them all open.
fn run_client(port: u16) -> Vec<gort::net::TcpStream> {
    use gort::io::{AsyncReadExt, AsyncWriteExt};
    let rt = gort::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut open = Vec::with_capacity(CONNECTIONS);
        for batch in (0..CONNECTIONS).collect::<Vec<_>>().chunks(BATCH) {
            let tasks: Vec<_> = batch
                .iter()
                .map(|&i| {
                    gort::spawn(async move {
                        let mut s = gort::net::TcpStream::connect(std::net::SocketAddr::from((
                            [127, 0, 0, 1],
                            port,
                        )))
                        .await
                        .unwrap();
                        let msg: Vec<u8> = (0..MSG_LEN).map(|j| (i * 31 + j) as u8).collect();
                        s.write_all(&msg).await.unwrap();
                        let mut back = vec![0u8; MSG_LEN];
                        s.read_exact(&mut back).await.unwrap();
                        assert_eq!(back, msg, "connection {i}: wrong bytes echoed");
                        s
                    })
                })
                .collect();
            for t in tasks {
                open.push(t.await.unwrap());
            }
        }
        assert_eq!(open.len(), CONNECTIONS);
        open
    })
}

/// Runs one server in a child process against the client; returns its RSS growth per
/// connection.
fn measure(server: &str) -> u64 {
    let mut child: Child = Command::new(std::env::current_exe().unwrap())
        .args([
            "echo_10k_connections",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("SCALE_ROLE", server)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let (tx, rx) = mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines() {
            let Ok(line) = line else { return };
            for key in ["PORT ", "RSS "] {
                if let Some((_, rest)) = line.split_once(key) {
                    let _ = tx.send((key, rest.to_string()));
                }
            }
        }
    });
    let mut next = |want: &str| -> String {
        match rx.recv_timeout(Duration::from_secs(60)) {
            Ok((key, rest)) if key == want => rest,
            other => {
                let _ = child.kill();
                panic!("{server}: expected a `{want}` line, got {other:?}");
            }
        }
    };
    let port: u16 = next("PORT ").trim().parse().unwrap();
    let start = Instant::now();
    let open = run_client(port);
    let connected = start.elapsed();
    let rss = next("RSS ");
    let (base, peak) = rss.trim().split_once(' ').unwrap();
    let (base, peak): (u64, u64) = (base.parse().unwrap(), peak.parse().unwrap());
    drop(open);
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("{server}: did not finish after the clients closed");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "{server}: {status}");
    let per_conn = peak.saturating_sub(base) / CONNECTIONS as u64;
    println!(
        "{server}: {CONNECTIONS} connections echoed in {connected:.1?}; server RSS {} KiB -> {} \
         KiB, {per_conn} B ({:.1} KiB) per connection",
        base / 1024,
        peak / 1024,
        per_conn as f64 / 1024.0
    );
    per_conn
}

#[test]
fn echo_10k_connections() {
    if let Ok(role) = std::env::var("SCALE_ROLE") {
        raise_fd_limit(CONNECTIONS as u64 + SPARE_FDS).expect("server: descriptor limit");
        match role.as_str() {
            "gort" => echo_server!(gort),
            _ => echo_server!(tokio),
        }
        return;
    }
    if let Err(why) = raise_fd_limit(CONNECTIONS as u64 + SPARE_FDS) {
        println!("skipped: {why}");
        return;
    }
    let start = Instant::now();
    let gort = measure("gort");
    let tokio = measure("tokio");
    println!(
        "per-connection server memory: gort {gort} B, tokio {tokio} B (gort / tokio = {:.2}); \
         total {:.1?}",
        gort as f64 / tokio.max(1) as f64,
        start.elapsed()
    );
    assert!(
        gort < MAX_BYTES_PER_CONN,
        "gort's server uses {gort} B per connection (bound {MAX_BYTES_PER_CONN})"
    );
}
