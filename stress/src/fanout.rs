//! `oneshot`, `broadcast` and `watch`: one value per pair, every value to every receiver, and the
//! latest value, each with random cancellation, drops and aborts.

use crate::ensure;
use crate::ledger::Item;
use crate::rng::Rng;
use crate::support::{abort_some, count, join_all, pause, short, Outcome, STATS};
use gort::sync::{broadcast, oneshot, watch};

/// What a oneshot sender did.
#[derive(Clone, Copy, Debug, PartialEq)]
enum SendSide {
    Delivered,
    Refused,
    Dropped,
}

/// What a oneshot receiver saw (`None` from a receiver that gave up and dropped early).
#[derive(Debug, PartialEq)]
enum RecvSide {
    Got(usize),
    Closed,
}

/// `pairs` oneshot channels; each sender sends or drops, each receiver waits in one of five
/// styles (plain, retried timeouts, `try_recv` polling, `close` then `try_recv`, give up). A
/// sender's `Ok` must match the receiver getting exactly that value.
pub async fn oneshot(mut rng: Rng) -> Outcome {
    let pairs = rng.below(5, 60);
    let (mut senders, mut receivers) = (Vec::new(), Vec::new());
    for i in 0..pairs {
        let (tx, rx) = oneshot::channel::<Item>();
        let (mut r1, mut r2) = (rng.fork(i as u64), rng.fork(1000 + i as u64));
        let send = r1.chance(85);
        senders.push(gort::spawn(async move {
            pause(&mut r1).await;
            if !send {
                return SendSide::Dropped;
            }
            match tx.send(Item::new(i, 0)) {
                Ok(()) => SendSide::Delivered,
                Err(_) => SendSide::Refused,
            }
        }));
        receivers.push(gort::spawn(async move { oneshot_recv(rx, &mut r2).await }));
    }
    abort_some(&mut rng, &senders, 5).await;
    abort_some(&mut rng, &receivers, 5).await;
    for (i, (s, r)) in senders.into_iter().zip(receivers).enumerate() {
        let sent = match s.await {
            Ok(side) => side,
            Err(e) if e.is_cancelled() => SendSide::Dropped,
            Err(e) => return Err(format!("oneshot sender {i}: {e}")),
        };
        let seen = match r.await {
            Ok(Some(seen)) => seen,
            Ok(None) => continue, // gave up early: either outcome is fine
            Err(e) if e.is_cancelled() => continue,
            Err(e) => return Err(format!("oneshot receiver {i}: {e}")),
        };
        let consistent = match (&seen, sent) {
            (RecvSide::Got(v), SendSide::Delivered) => *v == i,
            (RecvSide::Closed, SendSide::Refused | SendSide::Dropped) => true,
            _ => false,
        };
        ensure!(
            consistent,
            "oneshot pair {i}: sender {sent:?}, receiver {seen:?}"
        );
        count(&STATS.ops, 1);
    }
    Ok(())
}

async fn oneshot_recv(mut rx: oneshot::Receiver<Item>, rng: &mut Rng) -> Option<RecvSide> {
    use oneshot::error::TryRecvError;
    let side = |r: Result<Item, _>| match r {
        Ok(item) => RecvSide::Got(item.producer),
        Err(_) => RecvSide::Closed,
    };
    match rng.below(0, 5) {
        0 => Some(side(rx.await)),
        1 => loop {
            match gort::time::timeout(short(rng), &mut rx).await {
                Ok(r) => return Some(side(r)),
                Err(_) => count(&STATS.cancels, 1),
            }
        },
        2 => loop {
            match rx.try_recv() {
                Ok(item) => return Some(RecvSide::Got(item.producer)),
                Err(TryRecvError::Closed) => return Some(RecvSide::Closed),
                Err(TryRecvError::Empty) => pause(rng).await,
            }
        },
        3 => {
            pause(rng).await;
            rx.close();
            // After close: a value sent before it is still there, a later send is refused.
            match rx.try_recv() {
                Ok(item) => Some(RecvSide::Got(item.producer)),
                Err(_) => Some(RecvSide::Closed),
            }
        }
        _ => gort::select! {
            r = &mut rx => Some(side(r)),
            _ = gort::time::sleep(short(rng)) => None,
        },
    }
}

/// Broadcast: every receiver subscribed before the first send sees each value at most once, in
/// each sender's order, and (received + lagged) equals the number of successful sends.
pub async fn broadcast(mut rng: Rng) -> Outcome {
    let capacity = rng.below(1, 17);
    let senders = rng.below(1, 4);
    let values = rng.below(10, 400);
    let (tx, _) = broadcast::channel::<u64>(capacity);
    let receivers: Vec<_> = (0..rng.below(1, 5)).map(|_| tx.subscribe()).collect();
    let mut recv_tasks = Vec::new();
    for (i, rx) in receivers.into_iter().enumerate() {
        let r = rng.fork(i as u64);
        recv_tasks.push(gort::spawn(broadcast_recv(rx, r, senders)));
    }
    // A late subscriber that may be aborted: its order is checked, not its count.
    let late = tx.subscribe();
    let late = gort::spawn(broadcast_recv(late, rng.fork(99), senders));
    let mut send_tasks = Vec::new();
    for s in 0..senders {
        let (tx, mut r) = (tx.clone(), rng.fork(200 + s as u64));
        send_tasks.push(gort::spawn(async move {
            let mut sent = 0u64;
            for seq in 0..values as u64 {
                pause(&mut r).await;
                if tx.send(((s as u64) << 32) | seq).is_ok() {
                    sent += 1;
                }
            }
            sent
        }));
    }
    drop(tx);
    abort_some(&mut rng, std::slice::from_ref(&late), 30).await;
    let sent: u64 = crate::support::join_checked_values(send_tasks)
        .await?
        .iter()
        .sum();
    for (i, got) in crate::support::join_checked_values(recv_tasks)
        .await?
        .into_iter()
        .enumerate()
    {
        let (received, lagged) = got?;
        ensure!(
            received + lagged == sent,
            "broadcast receiver {i}: received {received} + lagged {lagged} != sent {sent} (capacity {capacity})"
        );
        count(&STATS.ops, received);
    }
    join_all(vec![late])
        .await?
        .into_iter()
        .try_for_each(|r| r.map(drop))
}

/// Receives until closed; checks per-sender order. Returns (received, lagged).
async fn broadcast_recv(
    mut rx: broadcast::Receiver<u64>,
    mut rng: Rng,
    senders: usize,
) -> Result<(u64, u64), String> {
    use broadcast::error::RecvError;
    let mut next = vec![0u64; senders];
    let (mut received, mut lagged) = (0, 0);
    loop {
        pause(&mut rng).await;
        let r = if rng.chance(50) {
            rx.recv().await
        } else {
            match gort::time::timeout(short(&mut rng), rx.recv()).await {
                Ok(r) => r,
                Err(_) => {
                    count(&STATS.cancels, 1);
                    continue;
                }
            }
        };
        match r {
            Ok(v) => {
                let (s, seq) = ((v >> 32) as usize, v & 0xffff_ffff);
                ensure!(
                    seq >= next[s],
                    "broadcast: sender {s}'s {seq} after {}",
                    next[s]
                );
                next[s] = seq + 1;
                received += 1;
            }
            Err(RecvError::Lagged(n)) => lagged += n,
            Err(RecvError::Closed) => return Ok((received, lagged)),
        }
    }
}

/// Watch: the sender publishes 1..=N (send, send_replace, send_modify, send_if_modified);
/// receivers see a non-decreasing sequence and, once the sender is gone, the last value N.
pub async fn watch(mut rng: Rng) -> Outcome {
    let last = rng.range(5, 300);
    let (tx, rx) = watch::channel(0u64);
    let mut tasks = Vec::new();
    for i in 0..rng.below(1, 5) {
        let (mut rx, mut r) = (rx.clone(), rng.fork(i as u64));
        tasks.push(gort::spawn(async move {
            let mut seen = 0;
            loop {
                let changed = if r.chance(60) {
                    rx.changed().await
                } else {
                    match gort::time::timeout(short(&mut r), rx.changed()).await {
                        Ok(c) => c,
                        Err(_) => continue,
                    }
                };
                if changed.is_err() {
                    break;
                }
                let v = *rx.borrow_and_update();
                ensure!(v >= seen, "watch: saw {v} after {seen}");
                seen = v;
                pause(&mut r).await;
            }
            let v = *rx.borrow();
            ensure!(v == last, "watch: final value {v}, sent up to {last}");
            count(&STATS.ops, 1);
            Ok(())
        }));
    }
    drop(rx);
    for v in 1..=last {
        pause(&mut rng).await;
        match rng.below(0, 4) {
            0 => tx
                .send(v)
                .map_err(|_| "watch: send with live receivers failed")?,
            1 => ensure!(
                tx.send_replace(v) == v - 1,
                "watch: send_replace returned a stale value"
            ),
            2 => tx.send_modify(|x| *x += 1),
            _ => ensure!(
                tx.send_if_modified(|x| {
                    *x = v;
                    true
                }),
                "watch: not modified"
            ),
        }
    }
    drop(tx);
    crate::support::join_checked(tasks).await
}
