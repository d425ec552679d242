//! Issue 12: the deadlock detector never reports a runtime that is making progress, however
//! loaded the machine. A tiny grace period turns any window where a wake is pending but not
//! visible to the detector (a deferred wake of a task whose budget ran out, a joiner a worker
//! is about to wake, a woken `block_on` thread not yet running) into a report within seconds;
//! the bench's 4 -> 1 channel workload on a 2-worker runtime (`mpsc_throughput/gort_on_gort_rt`)
//! once hit one at the default grace.
//!
//! `GORT_BUSY_SECS` runs each workload longer (for loops under CPU hogs); the default keeps
//! them short.

use gort::chan;
use gort::runtime::Builder;
use std::future::Future;
use std::pin::Pin;
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

const PRODUCERS: usize = 4;
const PER_PRODUCER: usize = 5_000;
const TOTAL: usize = PRODUCERS * PER_PRODUCER;

type Round = Pin<Box<dyn Future<Output = usize> + Send>>;

/// Runs `make_consumers` against 4 producers (each sending `PER_PRODUCER` values through
/// `send`), all joined from a task that `block_on` awaits, as the bench does. Returns the
/// count the consumers received.
async fn producers_and_consumers<S, SF>(
    send: S,
    consumers: Vec<gort::task::JoinHandle<usize>>,
) -> usize
where
    S: Fn(usize) -> SF + Clone + Send + 'static,
    SF: Future<Output = ()> + Send + 'static,
{
    let producers: Vec<_> = (0..PRODUCERS)
        .map(|_| {
            let send = send.clone();
            gort::spawn(async move {
                for i in 0..PER_PRODUCER {
                    send(i).await;
                }
            })
        })
        .collect();
    drop(send);
    let mut n = 0;
    for c in consumers {
        n += c.await.unwrap();
    }
    for p in producers {
        p.await.unwrap();
    }
    n
}

/// `chan::bounded(64)`: 4 producers, `consumers` receivers.
fn chan_round(consumers: usize) -> Round {
    Box::pin(async move {
        let outer = gort::spawn(async move {
            let (tx, rx) = chan::bounded::<usize>(64);
            let consumers = (0..consumers)
                .map(|_| {
                    let rx = rx.clone();
                    gort::spawn(async move {
                        let mut n = 0;
                        while rx.recv().await.is_some() {
                            n += 1;
                        }
                        n
                    })
                })
                .collect();
            drop(rx);
            let send = move |i| {
                let tx = tx.clone();
                async move { tx.send(i).await.unwrap() }
            };
            producers_and_consumers(send, consumers).await
        });
        outer.await.unwrap()
    })
}

/// tokio-shaped `sync::mpsc::channel(64)`: 4 producers, one receiver.
fn mpsc_round() -> Round {
    Box::pin(async {
        let outer = gort::spawn(async {
            let (tx, mut rx) = gort::sync::mpsc::channel::<usize>(64);
            let consumer = gort::spawn(async move {
                let mut n = 0;
                while rx.recv().await.is_some() {
                    n += 1;
                }
                n
            });
            let send = move |i| {
                let tx = tx.clone();
                async move { tx.send(i).await.unwrap() }
            };
            producers_and_consumers(send, vec![consumer]).await
        });
        outer.await.unwrap()
    })
}

/// Runs `round` on `builder`'s runtime with a 5 ms grace until the time is up, and fails on
/// any deadlock report, on a wrong count, or on a round that never ends (a lost wake).
fn never_reported_on(mut builder: Builder, round: fn() -> Round) {
    let secs = std::env::var("GORT_BUSY_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    let reports = Arc::new(Mutex::new(Vec::<String>::new()));
    let seen = reports.clone();
    let rt = builder
        .enable_all()
        .deadlock_grace(Duration::from_millis(5))
        .on_deadlock(move |report| seen.lock().unwrap().push(report.to_string()))
        .build()
        .unwrap();
    let (done_tx, done_rx) = mpsc::channel();
    let seen = reports.clone();
    std::thread::spawn(move || {
        let end = Instant::now() + Duration::from_secs(secs);
        let mut rounds = 0;
        // Each round's exact count also shows no value (and no wake) was lost.
        while Instant::now() < end && seen.lock().unwrap().is_empty() {
            assert_eq!(rt.block_on(round()), TOTAL);
            rounds += 1;
        }
        let _ = done_tx.send(rounds);
    });
    let rounds = done_rx
        .recv_timeout(Duration::from_secs(secs + 60))
        .expect("a round hung (a lost wake) or failed");
    let reports = reports.lock().unwrap();
    assert!(
        reports.is_empty(),
        "{} false report(s) in {rounds} rounds, the first:\n{}",
        reports.len(),
        reports[0]
    );
    eprintln!("{rounds} rounds, no report");
}

/// [`never_reported_on`] a 2-worker runtime, as the bench.
fn never_reported(round: fn() -> Round) {
    let mut builder = Builder::new_multi_thread();
    builder.worker_threads(2);
    never_reported_on(builder, round);
}

#[test]
fn chan_4_to_1_is_never_reported_even_with_a_tiny_grace() {
    never_reported(|| chan_round(1));
}

#[test]
fn chan_4_to_4_is_never_reported_even_with_a_tiny_grace() {
    never_reported(|| chan_round(4));
}

#[test]
fn mpsc_4_to_1_is_never_reported_even_with_a_tiny_grace() {
    never_reported(mpsc_round);
}

#[test]
fn chan_4_to_1_on_a_current_thread_runtime_is_never_reported_even_with_a_tiny_grace() {
    never_reported_on(Builder::new_current_thread(), || chan_round(1));
}
