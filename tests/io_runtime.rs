//! gort's io utilities on gort's own runtime: tasks on several workers share pipes and split
//! halves, stdout goes through the blocking pool, and the cooperative budget makes a task that
//! loops on an always-ready reader yield.

use gort::io::{copy, duplex, split, AsyncReadExt, AsyncWriteExt, BufReader, BufWriter};
use std::time::Duration;

fn runtime() -> gort::runtime::Runtime {
    gort::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// Runs `f` on a thread and fails if it takes longer than `secs`.
fn bounded<T: Send + 'static>(secs: u64, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(Duration::from_secs(secs))
        .expect("timed out: lost wakeup?")
}

#[test]
fn split_halves_across_workers() {
    const N: u32 = 100_000;
    let received = bounded(20, || {
        runtime().block_on(async {
            let (a, b) = duplex(1024);
            let (_a_rd, mut a_wr) = split(a);
            let writer = gort::task::spawn(async move {
                let mut w = BufWriter::new(&mut a_wr);
                for i in 0..N {
                    w.write_u32(i).await.unwrap();
                }
                w.shutdown().await.unwrap();
            });
            let reader = gort::task::spawn(async move {
                let mut r = BufReader::new(b);
                let mut next = 0u32;
                while let Ok(v) = r.read_u32().await {
                    assert_eq!(v, next);
                    next += 1;
                }
                next
            });
            writer.await.unwrap();
            reader.await.unwrap()
        })
    });
    assert_eq!(received, N);
}

#[test]
fn many_copies_on_the_runtime() {
    let total = bounded(20, || {
        runtime().block_on(async {
            let mut handles = Vec::new();
            for id in 0..64usize {
                handles.push(gort::task::spawn(async move {
                    let data = vec![id as u8; 5_000 + id * 100];
                    let (mut tx, mut rx) = duplex(128);
                    let send = gort::task::spawn(async move {
                        copy(&mut &data[..], &mut tx).await.unwrap();
                        tx.shutdown().await.unwrap();
                    });
                    let mut got = Vec::new();
                    let n = copy(&mut rx, &mut got).await.unwrap();
                    send.await.unwrap();
                    assert!(got.iter().all(|&b| b == id as u8));
                    n
                }));
            }
            let mut total = 0;
            for h in handles {
                total += h.await.unwrap();
            }
            total
        })
    });
    assert_eq!(total, (0..64u64).map(|id| 5_000 + id * 100).sum::<u64>());
}

#[test]
fn always_ready_reader_yields_to_other_tasks() {
    // A current-thread runtime: the looping task must yield (coop budget charged by `repeat`)
    // for the other task to run at all.
    let done = bounded(20, || {
        let rt = gort::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let flag = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
            let seen = flag.clone();
            let spinner = gort::task::spawn(async move {
                let mut r = gort::io::repeat(1);
                let mut buf = [0u8; 16];
                let mut reads = 0u64;
                while !seen.load(std::sync::atomic::Ordering::SeqCst) {
                    r.read_exact(&mut buf).await.unwrap();
                    reads += 1;
                }
                reads
            });
            let setter = gort::task::spawn(async move {
                flag.store(true, std::sync::atomic::Ordering::SeqCst);
            });
            setter.await.unwrap();
            spinner.await.unwrap()
        })
    });
    // Had `repeat` not charged the budget, the spinner would never yield and this would time
    // out; with it, the spinner yields after one budget's worth of reads.
    assert!(
        done <= 4 * gort::coop::BUDGET as u64,
        "the spinner yielded late: {done} reads"
    );
}

#[test]
fn stdout_through_the_blocking_pool() {
    bounded(20, || {
        runtime().block_on(async {
            let mut out = gort::io::stdout();
            out.write_all(b"io_runtime: hello from a gort task\n")
                .await
                .unwrap();
            out.flush().await.unwrap();
        })
    });
}
