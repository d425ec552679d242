//! gort's Go channel under tokio's multi-threaded runtime: stress, cancellation and mixed
//! blocking/async ends. Every test is bounded by a timeout.

use gort::chan::{self, SendError, TryRecvError};
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::timeout;

const LIMIT: Duration = Duration::from_secs(20);

fn xorshift(seed: &mut u64) -> u64 {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    *seed
}

/// N producers and M consumers; pending sends and receives are cancelled at random (by short
/// timeouts) and some receives race inside `select!`: every message arrives exactly once.
///
/// A send cancelled after a receiver took its parked value has delivered (Go's hand-off), so a
/// producer retries with a fresh value: every completed send's value arrives exactly once, a
/// cancelled one at most once, and nothing else arrives.
async fn conservation(cap: usize) {
    const PRODUCERS: usize = 4;
    const CONSUMERS: usize = 3;
    const PER: usize = 3_000;
    let (tx, rx) = chan::bounded::<usize>(cap);
    let (tx_side, rx_side) = chan::bounded::<usize>(cap);
    let received = Arc::new(Mutex::new(Vec::new()));
    let mut producers = Vec::new();
    for p in 0..PRODUCERS {
        let (tx, tx_side) = (tx.clone(), tx_side.clone());
        producers.push(tokio::spawn(async move {
            let mut seed = 0x9e37_79b9 ^ (p as u64 + 1);
            let mut attempt = 0;
            let mut completed = Vec::with_capacity(PER);
            for _ in 0..PER {
                loop {
                    let v = (p << 32) | attempt;
                    attempt += 1;
                    let r = xorshift(&mut seed) % 4;
                    let sent = match r {
                        // A send that may be cancelled while pending: retry if it was.
                        0 => matches!(
                            timeout(Duration::from_micros(20), tx.send(v)).await,
                            Ok(Ok(()))
                        ),
                        // Offer the value to two channels at once: exactly one takes it.
                        1 => gort_channel::select! {
                            r = tx.send(v) => r.is_ok(),
                            r = tx_side.send(v) => r.is_ok(),
                        },
                        _ => tx.send(v).await.is_ok(),
                    };
                    if sent {
                        completed.push(v);
                        break;
                    }
                }
            }
            (completed, attempt)
        }));
    }
    drop((tx, tx_side));
    let mut consumers = Vec::new();
    for c in 0..CONSUMERS {
        let (rx, rx_side, received) = (rx.clone(), rx_side.clone(), received.clone());
        consumers.push(tokio::spawn(async move {
            let mut seed = 0x1234_5678 ^ (c as u64 + 1);
            let mut mine = Vec::new();
            let (mut open, mut side_open) = (true, true);
            while open || side_open {
                match xorshift(&mut seed) % 3 {
                    0 if open => match timeout(Duration::from_micros(20), rx.recv()).await {
                        Ok(Some(v)) => mine.push(v),
                        Ok(None) => open = false,
                        Err(_) => {} // cancelled while pending: nothing may be lost
                    },
                    _ => {
                        let got = gort_channel::select! {
                            v = rx.recv(), if open => (0, v),
                            v = rx_side.recv(), if side_open => (1, v),
                        };
                        match got {
                            (_, Some(v)) => mine.push(v),
                            (0, None) => open = false,
                            (_, None) => side_open = false,
                        }
                    }
                }
            }
            received.lock().unwrap().extend(mine);
        }));
    }
    drop((rx, rx_side));
    let mut completed = Vec::new();
    let mut offered = HashSet::new();
    for (p, handle) in producers.into_iter().enumerate() {
        let (done, attempts) = handle.await.unwrap();
        completed.extend(done);
        offered.extend((0..attempts).map(|a| (p << 32) | a));
    }
    for c in consumers {
        c.await.unwrap();
    }
    let got = received.lock().unwrap();
    let unique: HashSet<_> = got.iter().copied().collect();
    assert_eq!(unique.len(), got.len(), "no message duplicated");
    assert_eq!(completed.len(), PRODUCERS * PER);
    assert!(
        completed.iter().all(|v| unique.contains(v)),
        "no completed send lost"
    );
    assert!(
        unique.is_subset(&offered),
        "nothing arrives that was not sent"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn conservation_unbuffered_under_cancellation_and_select() {
    timeout(LIMIT, conservation(0)).await.expect("timed out");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn conservation_buffered_under_cancellation_and_select() {
    timeout(LIMIT, conservation(8)).await.expect("timed out");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifo_per_sender_under_tokio() {
    timeout(LIMIT, async {
        let (tx, rx) = chan::bounded::<(usize, usize)>(16);
        for p in 0..4 {
            let tx = tx.clone();
            tokio::spawn(async move {
                for i in 0..5_000 {
                    tx.send((p, i)).await.unwrap();
                }
            });
        }
        drop(tx);
        let mut next = [0; 4];
        while let Some((p, i)) = rx.recv().await {
            assert_eq!(next[p], i, "producer {p} out of order");
            next[p] += 1;
        }
        assert_eq!(next, [5_000; 4]);
    })
    .await
    .expect("timed out");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn close_wakes_every_parked_task() {
    timeout(LIMIT, async {
        let (tx, rx) = chan::bounded::<u32>(0);
        let mut senders = Vec::new();
        for i in 0..8 {
            let tx = tx.clone();
            senders.push(tokio::spawn(async move { tx.send(i).await }));
        }
        let (tx2, rx2) = chan::bounded::<u32>(0);
        let mut receivers = Vec::new();
        for _ in 0..8 {
            let rx2 = rx2.clone();
            receivers.push(tokio::spawn(async move { rx2.recv().await }));
        }
        tokio::time::sleep(Duration::from_millis(50)).await; // let everyone park
        rx.close();
        tx2.close();
        let mut returned: Vec<u32> = Vec::new();
        for s in senders {
            match s.await.unwrap() {
                Err(SendError(v)) => returned.push(v),
                Ok(()) => panic!("nobody received"),
            }
        }
        returned.sort();
        assert_eq!(returned, (0..8).collect::<Vec<_>>());
        for r in receivers {
            assert_eq!(r.await.unwrap(), None);
        }
        assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    })
    .await
    .expect("timed out");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rendezvous_blocks_until_a_task_receives() {
    timeout(LIMIT, async {
        let (tx, rx) = chan::bounded::<u8>(0);
        let sender = tokio::spawn(async move {
            tx.send(1).await.unwrap();
        });
        tokio::time::sleep(Duration::from_millis(30)).await;
        assert!(
            !sender.is_finished(),
            "an unbuffered send waits for a receiver"
        );
        assert_eq!(rx.recv().await, Some(1));
        sender.await.unwrap();
    })
    .await
    .expect("timed out");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blocking_threads_and_async_tasks_mixed() {
    timeout(LIMIT, async {
        let (tx, rx) = chan::bounded::<usize>(4);
        let (done_tx, done_rx) = chan::unbounded::<usize>();
        // Two std-thread producers, two task producers; two std-thread consumers, two tasks.
        let mut threads = Vec::new();
        for p in 0..2 {
            let tx = tx.clone();
            threads.push(std::thread::spawn(move || {
                for i in 0..2_000 {
                    tx.send_blocking(p * 10_000 + i).unwrap();
                }
            }));
        }
        for p in 2..4 {
            let tx = tx.clone();
            tokio::spawn(async move {
                for i in 0..2_000 {
                    tx.send(p * 10_000 + i).await.unwrap();
                }
            });
        }
        drop(tx);
        for _ in 0..2 {
            let (rx, done_tx) = (rx.clone(), done_tx.clone());
            threads.push(std::thread::spawn(move || {
                while let Some(v) = rx.recv_blocking() {
                    done_tx.send_blocking(v).unwrap();
                }
            }));
        }
        for _ in 0..2 {
            let (rx, done_tx) = (rx.clone(), done_tx.clone());
            tokio::spawn(async move {
                while let Some(v) = rx.recv().await {
                    done_tx.send(v).await.unwrap();
                }
            });
        }
        drop((rx, done_tx));
        let mut all = Vec::new();
        while let Some(v) = done_rx.recv().await {
            all.push(v);
        }
        all.sort_unstable();
        let expected: Vec<usize> = (0..4)
            .flat_map(|p| (0..2_000).map(move |i| p * 10_000 + i))
            .collect();
        assert_eq!(all, expected);
        for t in threads {
            tokio::task::spawn_blocking(move || t.join().unwrap())
                .await
                .unwrap();
        }
    })
    .await
    .expect("timed out");
}

#[test]
fn futures_block_on_and_tokio_current_thread_agree() {
    let run = || async {
        let (tx, rx) = chan::bounded::<u32>(0);
        let (a, b) = gort_channel::join!(
            async {
                for i in 0..100 {
                    tx.send(i).await.unwrap();
                }
                drop(tx);
            },
            async {
                let mut sum = 0;
                while let Some(v) = rx.recv().await {
                    sum += v;
                }
                sum
            }
        );
        let () = a;
        b
    };
    assert_eq!(futures::executor::block_on(run()), 4950);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    assert_eq!(
        rt.block_on(async { timeout(LIMIT, run()).await.unwrap() }),
        4950
    );
}
