//! `select!` under tokio's runtime: fairness, `default`, exactly-one commit, mixed futures.

use gort::chan;
use gort_channel::select;
use std::time::Duration;
use tokio::time::timeout;

const LIMIT: Duration = Duration::from_secs(20);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fairness_between_two_ready_branches() {
    timeout(LIMIT, async {
        let (tx_a, rx_a) = chan::bounded::<()>(1);
        let (tx_b, rx_b) = chan::bounded::<()>(1);
        let mut counts = [0u32; 2];
        for _ in 0..10_000 {
            tx_a.try_send(()).ok();
            tx_b.try_send(()).ok();
            let which = select! {
                Some(()) = rx_a.recv() => 0,
                Some(()) = rx_b.recv() => 1,
            };
            counts[which] += 1;
        }
        assert!(counts.iter().all(|&c| c >= 4_000), "unfair: {counts:?}");
    })
    .await
    .expect("timed out");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn default_never_blocks_and_loses_to_a_ready_branch() {
    timeout(LIMIT, async {
        let (tx, rx) = chan::bounded::<u32>(0);
        // A sender task parks on the unbuffered channel; `default` still returns at once
        // because a parked sender commits only when it runs (cancel-safe send).
        for _ in 0..1_000 {
            let got = select! {
                Some(v) = rx.recv() => v,
                default => 0,
            };
            assert_eq!(got, 0);
        }
        let (btx, brx) = chan::bounded::<u32>(1);
        btx.send(7).await.unwrap();
        let got = select! {
            Some(v) = brx.recv() => v,
            _ = tokio::time::sleep(Duration::from_secs(5)) => 1,
            default => 0,
        };
        assert_eq!(got, 7);
        drop(tx);
    })
    .await
    .expect("timed out");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_parked_unbuffered_sends_commit_exactly_once() {
    timeout(LIMIT, async {
        for round in 0..300u32 {
            let (tx1, rx1) = chan::bounded::<u32>(0);
            let (tx2, rx2) = chan::bounded::<u32>(0);
            let sender = tokio::spawn(async move {
                select! {
                    r = tx1.send(round) => { r.unwrap(); 1 }
                    r = tx2.send(round) => { r.unwrap(); 2 }
                }
            });
            let r1 =
                tokio::spawn(async move { timeout(Duration::from_millis(50), rx1.recv()).await });
            let r2 =
                tokio::spawn(async move { timeout(Duration::from_millis(50), rx2.recv()).await });
            let chosen = sender.await.unwrap();
            let (a, b) = (r1.await.unwrap(), r2.await.unwrap());
            let got: Vec<u32> = [a, b]
                .into_iter()
                .filter_map(|r| r.ok().flatten())
                .collect();
            assert_eq!(
                got,
                vec![round],
                "exactly one receiver gets the value (branch {chosen})"
            );
        }
    })
    .await
    .expect("timed out");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn select_in_a_loop_with_timers_and_break() {
    timeout(LIMIT, async {
        let (tx, rx) = chan::bounded::<u32>(4);
        tokio::spawn(async move {
            for i in 0..10 {
                tx.send(i).await.unwrap();
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        });
        let mut sum = 0;
        let mut ticks = 0;
        loop {
            select! {
                v = rx.recv() => match v {
                    Some(v) => sum += v,
                    None => break,
                },
                _ = tokio::time::sleep(Duration::from_millis(200)) => {
                    ticks += 1;
                    if ticks > 50 { panic!("stalled"); }
                }
            }
        }
        assert_eq!(sum, 45);
    })
    .await
    .expect("timed out");
}

#[tokio::test(flavor = "current_thread")]
async fn select_future_is_send_and_works_on_current_thread() {
    fn assert_send<T: Send>(_: &T) {}
    let (tx, rx) = chan::bounded::<u8>(1);
    let fut = async move {
        select! {
            Some(v) = rx.recv() => v,
            else => 0,
        }
    };
    assert_send(&fut);
    tx.send(3).await.unwrap();
    assert_eq!(timeout(LIMIT, fut).await.unwrap(), 3);
}
