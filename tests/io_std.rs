//! `gort::io::{stdin, stdout, stderr}`: this test binary re-runs itself as a child process
//! (selected by an environment variable) whose stdin and stdout are pipes, so the bytes the
//! gort handles read and write can be checked exactly.

use gort::io::{stderr, stdin, stdout, AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const ROLE: &str = "GORT_IO_STD_CHILD";

/// The child's side: runs only when the parent set `ROLE` (otherwise it returns at once).
#[test]
fn child_entry() {
    let Ok(role) = std::env::var(ROLE) else {
        return;
    };
    let rt = gort::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        match role.as_str() {
            "echo-lines" => {
                let mut lines = BufReader::new(stdin()).lines();
                let mut out = stdout();
                let mut n = 0;
                while let Some(line) = lines.next_line().await.unwrap() {
                    out.write_all(format!("OUT:{}\n", line.to_uppercase()).as_bytes())
                        .await
                        .unwrap();
                    n += 1;
                }
                out.flush().await.unwrap();
                let mut err = stderr();
                err.write_all(format!("ERR:{n} lines\n").as_bytes())
                    .await
                    .unwrap();
                err.flush().await.unwrap();
            }
            "count-bytes" => {
                let mut all = Vec::new();
                stdin().read_to_end(&mut all).await.unwrap();
                let sum: u64 = all.iter().map(|&b| u64::from(b)).sum();
                let mut out = stdout();
                out.write_all(format!("OUT:{} {sum}\n", all.len()).as_bytes())
                    .await
                    .unwrap();
                out.flush().await.unwrap();
            }
            other => panic!("unknown child role {other}"),
        }
    });
}

/// Runs this binary as a child in `role`, feeds it `input`, returns its (stdout, stderr)
/// lines that carry the child's markers; fails after 60 s rather than hang.
fn run_child(role: &str, input: Vec<u8>) -> (Vec<String>, Vec<String>) {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child_entry", "--test-threads=1", "--nocapture"])
        .env(ROLE, role)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut child_in = child.stdin.take().unwrap();
    let feeder = std::thread::spawn(move || child_in.write_all(&input)); // then closes
    let mut child_out = child.stdout.take().unwrap();
    let mut child_err = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        child_out.read_to_string(&mut s).map(|_| s)
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        child_err.read_to_string(&mut s).map(|_| s)
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            child.kill().unwrap();
            panic!("child `{role}` did not finish in 60 s");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    feeder.join().unwrap().unwrap();
    let (out, err) = (out.join().unwrap().unwrap(), err.join().unwrap().unwrap());
    assert!(
        status.success(),
        "child failed: {status}\nstdout:\n{out}\nstderr:\n{err}"
    );
    let marked = |text: &str, tag: &str| {
        // The harness's own "test child_entry ... " may precede the first marker on its line.
        let after_tag = |l: &str| l.split_once(tag).map(|(_, rest)| rest.to_owned());
        text.lines().filter_map(after_tag).collect::<Vec<_>>()
    };
    (marked(&out, "OUT:"), marked(&err, "ERR:"))
}

#[test]
fn stdin_lines_to_stdout_and_stderr() {
    let input: String = (0..500).map(|i| format!("line {i}\n")).collect();
    let (out, err) = run_child("echo-lines", input.into_bytes());
    let want: Vec<String> = (0..500).map(|i| format!("LINE {i}")).collect();
    assert_eq!(out, want);
    assert_eq!(err, ["500 lines"]);
}

#[test]
fn stdin_reads_every_byte_of_a_large_input() {
    let input: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
    let sum: u64 = input.iter().map(|&b| u64::from(b)).sum();
    let (out, _) = run_child("count-bytes", input);
    assert_eq!(out, [format!("3000000 {sum}")]);
}

#[gort::test]
async fn stdout_and_stderr_in_process() {
    // Output goes to the test's own streams; what is checked is that writes and flushes
    // complete and report every byte written.
    let mut out = stdout();
    assert_eq!(out.write(b"gort stdout test\n").await.unwrap(), 17);
    out.flush().await.unwrap();
    let mut err = stderr();
    err.write_all(b"gort stderr test\n").await.unwrap();
    err.shutdown().await.unwrap();
}
