//! `accept` under file-descriptor exhaustion returns the error and backs off (5 ms doubling)
//! before its next attempt, so a naive accept loop does not spin. Its own test binary: it
//! exhausts the process's descriptors.
#![cfg(target_os = "linux")]

use gort::net::TcpListener;
use gort::runtime::Builder;
use std::time::{Duration, Instant};

const EMFILE: i32 = 24;

/// Opens `/dev/null` until the process hits its descriptor limit; dropping the files frees them.
fn exhaust_descriptors() -> Vec<std::fs::File> {
    let mut hog = Vec::new();
    loop {
        match std::fs::File::open("/dev/null") {
            Ok(f) => hog.push(f),
            Err(e) if e.raw_os_error() == Some(EMFILE) => return hog,
            Err(e) => panic!("unexpected error while exhausting descriptors: {e}"),
        }
    }
}

#[test]
fn accept_backs_off_on_emfile_then_recovers() {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let _client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
            let hog = exhaust_descriptors();

            // The connection stays queued (the listener stays readable): without a back-off
            // this loop would fail thousands of times in 300 ms.
            let start = Instant::now();
            let mut failures = 0;
            while start.elapsed() < Duration::from_millis(300) {
                let err = listener.accept().await.unwrap_err();
                assert_eq!(err.raw_os_error(), Some(EMFILE), "{err}");
                failures += 1;
            }
            assert!(
                (2..=8).contains(&failures),
                "{failures} accept attempts in 300 ms: expected 5, 10, 20, … ms apart"
            );

            drop(hog);
            let accepted = gort::time::timeout(Duration::from_secs(5), listener.accept())
                .await
                .expect("accept never recovered");
            assert!(accepted.is_ok(), "{accepted:?}");
        });
        tx.send(()).unwrap();
    });
    rx.recv_timeout(Duration::from_secs(30))
        .expect("test timed out (or panicked)");
}
