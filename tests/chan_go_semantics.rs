//! Go's channel rules on gort's own runtime, both flavors (current-thread and a 2-worker
//! multi-thread runtime), written from the semantics of Go's `test/chan` programs (`nonblock`,
//! `select3`, `fifo`):
//!
//! - a receive that does not wait (`try_recv`, `select!` with `default`) takes the value of a
//!   sender parked on an unbuffered channel, also when that sender sits in a `select!`;
//! - a receive from a full buffer with a sender parked pulls the sender's value in: `len` stays
//!   full and the order is kept;
//! - conservation: values through unbuffered, buffered and unbounded channels, with random
//!   `select!`, `default`, cancellation and drops on both sides, each received exactly once.
//!
//! Every test is bounded by a timeout.

use futures::future::{select, Either};
use gort::chan::{self, Receiver, Sender, TryRecvError};
use gort::select;
use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

mod support;
use support::runtimes;

const LIMIT: Duration = Duration::from_secs(60);

/// Runs `make(flavor)` to completion on each runtime flavor, failing after [`LIMIT`].
fn on_both<F, Fut>(make: F)
where
    F: Fn(&'static str) -> Fut + Send + 'static,
    Fut: Future<Output = ()>,
{
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    let worker = std::thread::spawn(move || {
        for (name, rt) in runtimes() {
            rt.block_on(make(name));
        }
        let _ = done_tx.send(());
    });
    match done_rx.recv_timeout(LIMIT) {
        Ok(()) => worker.join().unwrap(),
        Err(_) => match worker.join() {
            Err(panic) => std::panic::resume_unwind(panic),
            Ok(()) => panic!("timed out"),
        },
    }
}

/// Yields until `try_take` gives a value; panics after many tries (the sender should park
/// within a few scheduler rounds).
async fn poll_until<T>(what: &str, mut try_take: impl FnMut() -> Option<T>) -> T {
    for _ in 0..200_000 {
        if let Some(v) = try_take() {
            return v;
        }
        gort::task::yield_now().await;
    }
    panic!("{what}: a parked sender's value never became visible");
}

// ----- non-blocking receive from a parked sender (Go's test/chan/nonblock.go) -----

#[test]
fn try_recv_takes_a_parked_senders_value() {
    on_both(|flavor| async move {
        let (tx, rx) = chan::bounded::<u32>(0);
        let sender = gort::spawn(async move { tx.send(7).await.is_ok() });
        let got = poll_until(flavor, || rx.try_recv().ok()).await;
        assert_eq!(got, 7, "{flavor}");
        assert!(sender.await.unwrap(), "{flavor}: the send completed");
        assert_eq!(rx.try_recv(), Err(TryRecvError::Closed), "{flavor}");
    });
}

#[test]
fn select_default_takes_a_parked_senders_value() {
    on_both(|flavor| async move {
        let (tx, rx) = chan::bounded::<u32>(0);
        let sender = gort::spawn(async move {
            for v in 0..100 {
                tx.send(v).await.unwrap();
            }
        });
        let (mut want, mut defaults) = (0, 0);
        while want < 100 {
            select! {
                Some(v) = rx.recv() => {
                    assert_eq!(v, want, "{flavor}: in order");
                    want += 1;
                }
                default => {
                    defaults += 1;
                    assert!(defaults < 200_000, "{flavor}: the parked value never showed");
                    gort::task::yield_now().await;
                }
            }
        }
        sender.await.unwrap();
    });
}

#[test]
fn nonblocking_receive_takes_a_value_parked_inside_a_select() {
    on_both(|flavor| async move {
        let (tx, rx) = chan::bounded::<u32>(0);
        let (_quit_tx, quit_rx) = chan::bounded::<()>(0);
        let sender = gort::spawn(async move {
            select! {
                r = tx.send(7) => r.is_ok(),
                _ = quit_rx.recv() => false,
            }
        });
        let got = poll_until(flavor, || rx.try_recv().ok()).await;
        assert_eq!(got, 7, "{flavor}");
        assert!(
            sender.await.unwrap(),
            "{flavor}: the select committed the send branch"
        );
    });
}

#[test]
fn two_selects_parked_on_one_channel_each_deliver_once() {
    on_both(|flavor| async move {
        let (tx, rx) = chan::bounded::<u32>(0);
        let (side_tx, side_rx) = chan::bounded::<u32>(0);
        let mut senders = Vec::new();
        for v in 0..2 {
            let (tx, side_tx) = (tx.clone(), side_tx.clone());
            senders.push(gort::spawn(async move {
                select! {
                    r = tx.send(v) => { r.unwrap(); 0 }
                    r = side_tx.send(v + 10) => { r.unwrap(); 1 }
                }
            }));
        }
        drop((tx, side_tx));
        let a = poll_until(flavor, || rx.try_recv().ok()).await;
        let b = poll_until(flavor, || side_rx.try_recv().ok()).await;
        let mut which = Vec::new();
        for s in senders {
            which.push(s.await.unwrap());
        }
        which.sort_unstable();
        assert_eq!(which, [0, 1], "{flavor}: one select per channel");
        assert!(
            a < 2 && (10..12).contains(&b) && a + 10 != b,
            "{flavor}: {a} {b}"
        );
        assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
        assert_eq!(side_rx.try_recv(), Err(TryRecvError::Closed));
    });
}

// ----- a receive on a full buffer pulls a parked sender in -----

#[test]
fn receive_on_a_full_buffer_pulls_the_parked_sender_in() {
    on_both(|flavor| async move {
        let (tx, rx) = chan::bounded::<u32>(2);
        tx.send(1).await.unwrap();
        tx.send(2).await.unwrap();
        let mut third = pin!(tx.send(3));
        assert!(futures::poll!(third.as_mut()).is_pending(), "full: parks");
        let mut fourth = pin!(tx.send(4));
        assert!(futures::poll!(fourth.as_mut()).is_pending());
        assert_eq!(rx.recv().await, Some(1));
        assert_eq!(rx.len(), 2, "{flavor}: the parked sender's value moved in");
        assert!(matches!(
            futures::poll!(third.as_mut()),
            std::task::Poll::Ready(Ok(()))
        ));
        assert!(futures::poll!(fourth.as_mut()).is_pending(), "still full");
        assert_eq!(rx.try_recv(), Ok(2));
        assert_eq!(rx.len(), 2);
        assert!(matches!(
            futures::poll!(fourth.as_mut()),
            std::task::Poll::Ready(Ok(()))
        ));
        let mut rest = Vec::new();
        while let Ok(v) = rx.try_recv() {
            rest.push(v);
        }
        assert_eq!(rest, [3, 4], "{flavor}: FIFO kept");
    });
}

#[test]
fn parked_senders_from_tasks_keep_fifo_through_a_full_buffer() {
    on_both(|flavor| async move {
        const N: u32 = 200;
        let (tx, rx) = chan::bounded::<u32>(3);
        let sender = gort::spawn(async move {
            for v in 0..N {
                tx.send(v).await.unwrap();
            }
        });
        let mut next = 0;
        while let Some(v) = rx.recv().await {
            assert_eq!(v, next, "{flavor}: in order");
            assert!(rx.len() <= 3);
            next += 1;
        }
        assert_eq!(next, N);
        sender.await.unwrap();
    });
}

// ----- conservation under select!, default, cancellation and drops -----

/// Values through each flavor, summed over the three (10^6 in release; fewer in debug, where
/// a run must stay within seconds on a loaded machine).
const TOTAL: usize = if cfg!(debug_assertions) {
    150_000
} else {
    1_000_000
};

fn xorshift(seed: &mut u64) -> u64 {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    *seed
}

/// Runs `fut`, giving up (dropping it) after `polls` yields.
async fn with_patience<F: Future>(polls: u64, fut: F) -> Option<F::Output> {
    let give_up = pin!(async {
        for _ in 0..polls {
            gort::task::yield_now().await;
        }
    });
    match select(pin!(fut), give_up).await {
        Either::Left((out, _)) => Some(out),
        Either::Right(_) => None,
    }
}

/// What each producer reports: ids whose send completed, ids whose send was dropped while
/// parked (a receiver may have taken the value first: Go's hand-off, so at most once).
#[derive(Default)]
struct Sent {
    completed: Vec<usize>,
    cancelled: Vec<usize>,
}

async fn produce(
    tx: Sender<usize>,
    side: Sender<usize>,
    ids: Arc<AtomicUsize>,
    quota: usize,
    mut seed: u64,
) -> Sent {
    let mut sent = Sent::default();
    let mut id = ids.fetch_add(1, Ordering::Relaxed);
    while sent.completed.len() < quota {
        let done = match xorshift(&mut seed) % 5 {
            0 | 1 => tx.send(id).await.is_ok(),
            // Offer to two channels: exactly one takes it.
            2 => select! {
                r = tx.send(id) => r.is_ok(),
                r = side.send(id) => r.is_ok(),
            },
            // Go's non-blocking send: not sent at all on `default`, so retry the same id.
            3 => select! {
                r = tx.send(id) => r.is_ok(),
                default => {
                    gort::task::yield_now().await;
                    continue;
                }
            },
            _ => match with_patience(xorshift(&mut seed) % 3, tx.send(id)).await {
                Some(r) => r.is_ok(),
                None => {
                    sent.cancelled.push(id);
                    id = ids.fetch_add(1, Ordering::Relaxed);
                    continue;
                }
            },
        };
        assert!(done, "the channel stays open while producers run");
        sent.completed.push(id);
        id = ids.fetch_add(1, Ordering::Relaxed);
    }
    sent
}

async fn consume(rx: Receiver<usize>, side: Receiver<usize>, mut seed: u64) -> Vec<usize> {
    let mut got = Vec::new();
    let (mut open, mut side_open) = (true, true);
    while open || side_open {
        match xorshift(&mut seed) % 6 {
            0 if open => match rx.recv().await {
                Some(v) => got.push(v),
                None => open = false,
            },
            1 if open => match rx.try_recv() {
                Ok(v) => got.push(v),
                Err(TryRecvError::Closed) => open = false,
                Err(TryRecvError::Empty) => gort::task::yield_now().await,
            },
            2 => {
                let polled = select! {
                    v = rx.recv(), if open => Some((0, v)),
                    v = side.recv(), if side_open => Some((1, v)),
                    default => None,
                };
                match polled {
                    Some((_, Some(v))) => got.push(v),
                    Some((0, None)) => open = false,
                    Some((_, None)) => side_open = false,
                    None => gort::task::yield_now().await,
                }
            }
            // A receive dropped while parked (a value handed to it is passed on).
            3 if open => {
                if let Some(v) = with_patience(xorshift(&mut seed) % 3, rx.recv()).await {
                    match v {
                        Some(v) => got.push(v),
                        None => open = false,
                    }
                }
            }
            _ => {
                let (which, v) = select! {
                    v = rx.recv(), if open => (0, v),
                    v = side.recv(), if side_open => (1, v),
                };
                match (which, v) {
                    (_, Some(v)) => got.push(v),
                    (0, None) => open = false,
                    (_, None) => side_open = false,
                }
            }
        }
    }
    got
}

async fn conserve(flavor: &str, cap: Option<usize>, total: usize) {
    const PRODUCERS: usize = 3;
    const CONSUMERS: usize = 3;
    let make = || match cap {
        Some(cap) => chan::bounded::<usize>(cap),
        None => chan::unbounded::<usize>(),
    };
    let ((tx, rx), (side_tx, side_rx)) = (make(), make());
    let ids = Arc::new(AtomicUsize::new(0));
    let producers: Vec<_> = (0..PRODUCERS)
        .map(|p| {
            let seed = 0x9e37_79b9_7f4a_7c15 ^ (p as u64 + 1);
            let quota = total / PRODUCERS;
            gort::spawn(produce(
                tx.clone(),
                side_tx.clone(),
                ids.clone(),
                quota,
                seed,
            ))
        })
        .collect();
    drop((tx, side_tx));
    let received = Arc::new(Mutex::new(Vec::new()));
    let consumers: Vec<_> = (0..CONSUMERS)
        .map(|c| {
            let (rx, side_rx, received) = (rx.clone(), side_rx.clone(), received.clone());
            gort::spawn(async move {
                let got = consume(rx, side_rx, 0x1234_5678 ^ (c as u64 + 1)).await;
                received.lock().unwrap().extend(got);
            })
        })
        .collect();
    drop((rx, side_rx));
    let mut sent = Sent::default();
    for p in producers {
        let s = p.await.unwrap();
        sent.completed.extend(s.completed);
        sent.cancelled.extend(s.cancelled);
    }
    for c in consumers {
        c.await.unwrap();
    }
    // Count every receipt in a bitmap indexed by id.
    let counts: Vec<AtomicU8> = (0..ids.load(Ordering::Relaxed))
        .map(|_| AtomicU8::new(0))
        .collect();
    for &v in received.lock().unwrap().iter() {
        counts[v].fetch_add(1, Ordering::Relaxed);
    }
    let count = |v: usize| counts[v].load(Ordering::Relaxed);
    assert_eq!(sent.completed.len(), total / PRODUCERS * PRODUCERS);
    for &v in &sent.completed {
        assert_eq!(count(v), 1, "{flavor} cap {cap:?}: completed send {v}");
    }
    for &v in &sent.cancelled {
        assert!(
            count(v) <= 1,
            "{flavor} cap {cap:?}: cancelled send {v} twice"
        );
    }
    let expected: usize = sent.completed.len()
        + sent
            .cancelled
            .iter()
            .map(|&v| usize::from(count(v)))
            .sum::<usize>();
    let receipts: usize = (0..counts.len()).map(|v| usize::from(count(v))).sum();
    assert_eq!(
        receipts, expected,
        "{flavor} cap {cap:?}: nothing arrives that was not sent"
    );
}

#[test]
fn conservation_under_select_cancel_and_drop_every_flavor() {
    on_both(|flavor| async move {
        let per_flavor = TOTAL / 3;
        for cap in [Some(0), Some(16), None] {
            conserve(flavor, cap, per_flavor).await;
        }
    });
}
