//! The examples' own code, run in-process (each example is included here as a module) and
//! checked line by line; plus the built `tour` binary, run as the README runs it.

use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;
use std::time::SystemTime;

use gort::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use gort::net::{TcpListener, TcpStream};
use gort::sync::CancellationToken;
use gort::time::timeout;

#[allow(dead_code)]
#[path = "../examples/tour.rs"]
mod tour;

#[allow(dead_code)]
#[path = "../examples/echo_server.rs"]
mod echo_server;

#[allow(dead_code)]
#[path = "../examples/chat_server.rs"]
mod chat_server;

#[allow(dead_code)]
#[path = "../examples/http_hello.rs"]
mod http_hello;

#[allow(dead_code)]
#[path = "../examples/worker_pool.rs"]
mod worker_pool;

const LIMIT: Duration = Duration::from_secs(10);

fn expected_tour() -> Vec<String> {
    [
        "1. spawned 5 tasks, they returned [0, 1, 4, 9, 16]",
        "2. buffered chan(3): 3 sends with no receiver, 4th would block: true; after close the \
         receiver drained [\"go\", \"rust\", \"gort\"] then saw None",
        "3. unbuffered chan: the sender waited (0 sends done before the receive), then handed \
         over Some(\"ping\")",
        "4. select with default: empty channel -> nothing ready, took default; after a send -> \
         got Some(7)",
        "5. timeout: no message within 50ms -> Elapsed; time.After fired first",
        "6. ticker: 4 ticks 20ms apart, first at once (on time: true)",
        "7. tcp echo on loopback: sent \"hello, gort\", got back \"hello, gort\" (11 bytes)",
        "8. WaitGroup: 4 workers done, their sum is 10",
        "9. JoinSet: tasks finished in the order [\"fast\", \"medium\", \"slow\"]",
    ]
    .iter()
    .map(|line| line.to_string())
    .collect()
}

#[gort::test(flavor = "multi_thread", worker_threads = 2)]
async fn tour_prints_every_step() {
    let mut lines = Vec::new();
    timeout(LIMIT, tour::tour(|line| lines.push(line.to_string())))
        .await
        .expect("tour ends");
    assert_eq!(lines, expected_tour());
}

#[gort::test]
async fn tour_runs_on_one_thread_too() {
    let mut lines = Vec::new();
    timeout(LIMIT, tour::tour(|line| lines.push(line.to_string())))
        .await
        .expect("tour ends");
    assert_eq!(lines, expected_tour());
}

/// The binary the README runs: `cargo test` builds the examples next to the test binaries.
#[test]
fn tour_binary_prints_the_same_lines() {
    let deps = std::env::current_exe().expect("test binary path");
    let profile_dir = deps
        .parent()
        .and_then(|d| d.parent())
        .expect("target/<profile>");
    let binary = profile_dir
        .join("examples")
        .join(format!("tour{}", std::env::consts::EXE_SUFFIX));
    if !is_fresh(&binary, profile_dir) {
        build_tour(profile_dir);
    }
    let output = run_bounded(std::process::Command::new(&binary), LIMIT);
    assert!(output.status.success(), "tour failed: {output:?}");
    let stdout = String::from_utf8(output.stdout).expect("utf-8 output");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 10, "{stdout}");
    assert_eq!(lines[..9], expected_tour()[..]);
    assert!(lines[9].starts_with("tour finished in "), "{stdout}");
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// `cargo test` builds the examples next to the tests; the binary is fresh when it is newer than
/// its source and than every gort library built in this profile.
fn is_fresh(binary: &Path, profile_dir: &Path) -> bool {
    let Some(built) = modified(binary) else {
        return false;
    };
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/tour.rs");
    if modified(&source).map_or(true, |m| m > built) {
        return false;
    }
    let Ok(deps) = std::fs::read_dir(profile_dir.join("deps")) else {
        return false;
    };
    deps.filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with("libgort"))
        .all(|e| modified(&e.path()).is_some_and(|m| m <= built))
}

/// `cargo test --test examples` alone does not build the examples: build the tour with this
/// test's profile and features, so the libraries built for the test are reused.
fn build_tour(profile_dir: &Path) {
    let features: Vec<&str> = [
        ("hyper", cfg!(feature = "hyper")),
        ("test-util", cfg!(feature = "test-util")),
        ("full", cfg!(feature = "full")),
        ("rt", cfg!(feature = "rt")),
        ("rt-multi-thread", cfg!(feature = "rt-multi-thread")),
        ("macros", cfg!(feature = "macros")),
        ("net", cfg!(feature = "net")),
        ("time", cfg!(feature = "time")),
        ("sync", cfg!(feature = "sync")),
        ("io-util", cfg!(feature = "io-util")),
        ("io-std", cfg!(feature = "io-std")),
        ("signal", cfg!(feature = "signal")),
    ]
    .into_iter()
    .filter_map(|(name, on)| on.then_some(name))
    .collect();
    let mut cargo = std::process::Command::new(env!("CARGO"));
    cargo
        .args(["build", "--quiet", "--example", "tour", "--features"])
        .arg(features.join(","));
    if profile_dir.ends_with("release") {
        cargo.arg("--release");
    }
    let status = cargo
        .arg("--manifest-path")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml"))
        .env(
            "CARGO_TARGET_DIR",
            profile_dir.parent().expect("target dir"),
        )
        .status()
        .expect("run cargo");
    assert!(status.success(), "cargo build --example tour failed");
}

/// Runs a child process, killing it if it outlives `limit`.
fn run_bounded(mut command: std::process::Command, limit: Duration) -> std::process::Output {
    let child = command
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn the example");
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(limit) {
        Ok(output) => output.expect("wait for the example"),
        Err(_) => {
            let _ = std::process::Command::new("kill")
                .arg("-9")
                .arg(pid.to_string())
                .status();
            panic!("the example did not finish within {limit:?}");
        }
    }
}

#[gort::test(flavor = "multi_thread", worker_threads = 2)]
async fn echo_server_echoes_every_connection_then_stops() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = gort::spawn(echo_server::serve(listener, Some(3)));
    let mut clients = gort::task::JoinSet::new();
    for i in 0..3u8 {
        clients.spawn(async move {
            let mut stream = TcpStream::connect(addr).await?;
            let message = vec![b'a' + i; 1000 * (usize::from(i) + 1)];
            stream.write_all(&message).await?;
            stream.shutdown().await?;
            let mut back = Vec::new();
            stream.read_to_end(&mut back).await?;
            Ok::<_, std::io::Error>(back == message)
        });
    }
    let mut matched = 0;
    while let Some(result) = timeout(LIMIT, clients.join_next())
        .await
        .expect("clients finish")
    {
        assert!(result.unwrap().unwrap(), "echo came back different");
        matched += 1;
    }
    assert_eq!(matched, 3);
    let echoed = timeout(LIMIT, server)
        .await
        .expect("server stops")
        .unwrap()
        .unwrap();
    assert_eq!(echoed, 1000 + 2000 + 3000);
}

async fn next_line(lines: &mut gort::io::Lines<BufReader<TcpStream>>) -> String {
    timeout(LIMIT, lines.next_line())
        .await
        .expect("a line in time")
        .expect("read")
        .expect("connection open")
}

#[gort::test(flavor = "multi_thread", worker_threads = 2)]
async fn chat_server_relays_lines_to_the_others() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = gort::spawn(chat_server::serve(listener, Some(2)));

    let mut alice = BufReader::new(TcpStream::connect(addr).await.unwrap()).lines();
    assert_eq!(next_line(&mut alice).await, "welcome, you are guest1");
    let mut bob = BufReader::new(TcpStream::connect(addr).await.unwrap()).lines();
    assert_eq!(next_line(&mut bob).await, "welcome, you are guest2");
    assert_eq!(next_line(&mut alice).await, "* guest2 joined");

    alice
        .get_mut()
        .get_mut()
        .write_all(b"hi bob\n")
        .await
        .unwrap();
    assert_eq!(next_line(&mut bob).await, "guest1: hi bob");
    bob.get_mut()
        .get_mut()
        .write_all(b"hi alice\nbye\n")
        .await
        .unwrap();
    assert_eq!(next_line(&mut alice).await, "guest2: hi alice");
    assert_eq!(next_line(&mut alice).await, "guest2: bye");

    drop(bob);
    assert_eq!(next_line(&mut alice).await, "* guest2 left");
    drop(alice);
    timeout(LIMIT, server)
        .await
        .expect("room closes")
        .unwrap()
        .unwrap();
}

#[gort::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_hello_keeps_the_connection_alive() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = gort::spawn(http_hello::serve(
        listener,
        Some(3),
        CancellationToken::new(),
    ));

    let expected_keep_alive =
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\nHello, world!";
    let mut stream = TcpStream::connect(addr).await.unwrap();
    for request in [
        "GET / HTTP/1.1\r\nHost: x\r\n\r\n".to_string(),
        "POST /ignored HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nabcde".to_string(),
    ] {
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut response = vec![0; expected_keep_alive.len()];
        timeout(LIMIT, stream.read_exact(&mut response))
            .await
            .expect("in time")
            .unwrap();
        assert_eq!(String::from_utf8(response).unwrap(), expected_keep_alive);
    }
    // The third request is the server's last: it answers and closes.
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut rest = String::new();
    timeout(LIMIT, stream.read_to_string(&mut rest))
        .await
        .expect("closed in time")
        .unwrap();
    assert_eq!(
        rest,
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\
         Connection: close\r\n\r\nHello, world!"
    );
    let answered = timeout(LIMIT, server)
        .await
        .expect("server stops")
        .unwrap()
        .unwrap();
    assert_eq!(answered, 3);
}

#[gort::test(flavor = "multi_thread", worker_threads = 3)]
async fn worker_pool_does_every_job_exactly_once() {
    let mut log = Vec::new();
    let done = timeout(
        LIMIT,
        worker_pool::run(3, 12, Duration::from_millis(5), |l| log.push(l)),
    )
    .await
    .expect("the pool finishes");
    assert_eq!(done.len(), 12, "{done:?}");
    let jobs: BTreeSet<u64> = done.iter().map(|d| d.job).collect();
    assert_eq!(jobs, (1..=12).collect::<BTreeSet<u64>>(), "each job once");
    assert!(done
        .iter()
        .all(|d| d.result == d.job * 2 && (1..=3).contains(&d.worker)));
    assert_eq!(log.len(), 24, "a start and a finish line per job: {log:?}");
    for d in &done {
        assert!(
            log.contains(&format!("worker {} finished job {}", d.worker, d.job)),
            "{log:?}"
        );
    }
}
