//! Go's `runtime/chan_test.go`, on gort's `chan` and `select!`, both runtime flavors.
//!
//! Written from the semantics those tests pin (not their code): per capacity, a receive on an
//! empty channel and a send on a full one wait, `close` drains then reports `None`, FIFO order,
//! senders and receivers in bulk lose and duplicate nothing (`TestChan`); a `select!` with
//! `default` sees a channel that is ready — closed, or one of two — at the moment it runs
//! (`TestNonblockRecvRace`, `TestNonblockSelectRace`, `...Race2`); a task's `select!` sending
//! and receiving on one channel never pairs with itself (`TestSelfSelect`); selects over four
//! channels with nil-ed cases, mixed with plain senders and receivers, finish with exact counts
//! (`TestSelectStress`); ready cases are chosen uniformly (`TestSelectFairness`,
//! `TestPseudoRandomSend`); a send case that is not chosen delivers nothing
//! (`TestChanSendInterface`); a worker pool sums exactly (`TestMultiConsumer`); a `select!`
//! waiting twice on one channel leaves its queue intact (`TestSelectDuplicateChannel`).
//!
//! Skipped as runtime-internal (they test Go's stack shrinking, GC write barriers and stack
//! copying, which have no gort counterpart): `TestShrinkStackDuringBlockedSend`,
//! `TestNoShrinkStackWhileParking`, `TestSelectStackAdjust`, `TestChanSendBarrier`,
//! `TestChanSendSelectBarrier`. Every test is bounded by a timeout.

use gort::chan::{self, TryRecvError};
use gort::select;
use std::any::Any;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

mod support;

const LIMIT: Duration = Duration::from_secs(20);

fn on_both_flavors<F, Fut>(test: F)
where
    F: Fn(&'static str) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    support::on_both_flavors(LIMIT, test)
}

/// Go's `time.Sleep(time.Millisecond)` before checking that something did not happen.
async fn let_others_run() {
    gort::time::sleep(Duration::from_millis(1)).await;
}

// ----- TestChan: every capacity from unbuffered up -----

/// The capacities checked: Go's short mode (0..20) and two larger ones.
const CAPS: [usize; 22] = [
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 64, 199,
];

async fn recv_from_empty_waits(cap: usize) {
    let (tx, rx) = chan::bounded::<i32>(cap);
    let woke = Arc::new(AtomicUsize::new(0));
    let receivers: Vec<_> = (0..2)
        .map(|_| {
            let (rx, woke) = (rx.clone(), woke.clone());
            gort::spawn(async move {
                let v = rx.recv().await;
                woke.fetch_add(1, SeqCst);
                v
            })
        })
        .collect();
    let_others_run().await;
    assert_eq!(woke.load(SeqCst), 0, "chan[{cap}]: receive from empty chan");
    let polled = select! { v = rx.recv() => Some(v), default => None };
    assert_eq!(
        polled, None,
        "chan[{cap}]: non-blocking receive from empty chan"
    );
    let polled = select! { Some(v) = rx.recv() => Some(v), default => None };
    assert_eq!(
        polled, None,
        "chan[{cap}]: non-blocking receive from empty chan"
    );
    tx.send(0).await.unwrap();
    tx.send(0).await.unwrap();
    for r in receivers {
        assert_eq!(r.await.unwrap(), Some(0), "chan[{cap}]");
    }
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty), "chan[{cap}]");
}

async fn send_to_full_waits(cap: usize) {
    let (tx, rx) = chan::bounded::<usize>(cap);
    for i in 0..cap {
        tx.send(i).await.unwrap();
    }
    let sent = Arc::new(AtomicBool::new(false));
    let sender = {
        let (tx, sent) = (tx.clone(), sent.clone());
        gort::spawn(async move {
            tx.send(cap).await.unwrap();
            sent.store(true, SeqCst);
        })
    };
    let_others_run().await;
    assert!(!sent.load(SeqCst), "chan[{cap}]: send to full chan");
    let took_default = select! { r = tx.send(usize::MAX) => { r.unwrap(); false } default => true };
    assert!(took_default, "chan[{cap}]: non-blocking send to full chan");
    // The oldest value comes out (the parked sender's `cap` when unbuffered: 0 as well) and
    // frees the sender.
    assert_eq!(rx.recv().await, Some(0), "chan[{cap}]");
    sender.await.unwrap();
    assert!(sent.load(SeqCst));
    let rest: Vec<usize> = std::iter::from_fn(|| rx.try_recv().ok()).collect();
    let expected: Vec<usize> = (1..=cap).collect();
    assert_eq!(
        rest, expected,
        "chan[{cap}]: nothing lost, the refused send absent"
    );
}

async fn closed_drains_then_none(cap: usize) {
    let (tx, rx) = chan::bounded::<usize>(cap);
    for i in 0..cap {
        tx.send(i).await.unwrap();
    }
    assert!(tx.close());
    for i in 0..cap {
        assert_eq!(rx.recv().await, Some(i), "chan[{cap}]");
    }
    assert_eq!(rx.recv().await, None, "chan[{cap}]");
    assert_eq!(rx.recv().await, None, "chan[{cap}]: stays closed");
}

async fn close_wakes_a_waiting_receiver(cap: usize) {
    let (tx, rx) = chan::bounded::<i32>(cap);
    let receiver = gort::spawn(async move { rx.recv().await });
    let_others_run().await;
    tx.close();
    assert_eq!(receiver.await.unwrap(), None, "chan[{cap}]");
}

async fn fifo_and_many_to_many(cap: usize) {
    const P: usize = 4;
    const L: usize = 1000;
    let (tx, rx) = chan::bounded::<usize>(cap);
    // Twice: a plain receive, then a one-branch select!.
    for round in 0..2 {
        let sender = {
            let tx = tx.clone();
            gort::spawn(async move {
                for i in 0..100 {
                    tx.send(i).await.unwrap();
                }
            })
        };
        for i in 0..100 {
            let v = if round == 0 {
                rx.recv().await
            } else {
                select! { v = rx.recv() => v }
            };
            assert_eq!(v, Some(i), "chan[{cap}] round {round}: FIFO");
        }
        sender.await.unwrap();
    }
    // P senders of 0..L and P receivers of L values each: every value arrives P times.
    for _ in 0..P {
        let tx = tx.clone();
        gort::spawn(async move {
            for i in 0..L {
                tx.send(i).await.unwrap();
            }
        });
    }
    let receivers: Vec<_> = (0..P)
        .map(|_| {
            let rx = rx.clone();
            gort::spawn(async move {
                let mut seen = HashMap::<usize, usize>::new();
                for _ in 0..L {
                    *seen.entry(rx.recv().await.unwrap()).or_default() += 1;
                }
                seen
            })
        })
        .collect();
    let mut seen = HashMap::<usize, usize>::new();
    for r in receivers {
        for (v, n) in r.await.unwrap() {
            *seen.entry(v).or_default() += n;
        }
    }
    assert_eq!(seen.len(), L, "chan[{cap}]: distinct values");
    assert!(seen.values().all(|&n| n == P), "chan[{cap}]: {seen:?}");
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty), "chan[{cap}]");
}

async fn len_and_cap(cap: usize) {
    let (tx, rx) = chan::bounded::<usize>(cap);
    assert_eq!((tx.len(), tx.capacity()), (0, Some(cap)));
    for i in 0..cap {
        tx.send(i).await.unwrap();
    }
    assert_eq!((rx.len(), rx.capacity()), (cap, Some(cap)));
}

#[test]
fn chan_every_capacity() {
    on_both_flavors(|_| async {
        for cap in CAPS {
            recv_from_empty_waits(cap).await;
            send_to_full_waits(cap).await;
            closed_drains_then_none(cap).await;
            close_wakes_a_waiting_receiver(cap).await;
            fifo_and_many_to_many(cap).await;
            len_and_cap(cap).await;
        }
    });
}

// ----- TestNonblockRecvRace, TestNonblockSelectRace, TestNonblockSelectRace2 -----

#[test]
fn nonblock_recv_sees_a_closed_channel() {
    on_both_flavors(|flavor| async move {
        const N: usize = 2_000;
        let mut checks = Vec::with_capacity(N);
        for _ in 0..N {
            let (tx, rx) = chan::bounded::<i32>(1);
            tx.send(1).await.unwrap();
            let racer = rx.clone();
            let check = gort::spawn(async move {
                select! {
                    v = racer.recv() => Some(v),
                    default => None,
                }
            });
            tx.close();
            let mine = rx.recv().await;
            checks.push((mine, check));
        }
        for (i, (mine, check)) in checks.into_iter().enumerate() {
            let theirs = check.await.unwrap();
            let theirs = theirs.unwrap_or_else(|| panic!("{flavor} #{i}: chan is not ready"));
            // The one value went to exactly one of the two receives.
            assert_eq!(
                usize::from(mine.is_some()) + usize::from(theirs.is_some()),
                1,
                "{flavor} #{i}"
            );
        }
    });
}

/// One of `c1` (buffered, holding a value) and `c2` is ready from the moment the racing task
/// exists: while `c2` is made ready (`close_c2`: closed; else: given a value), the main task
/// may empty `c1`. The racing `select!` must never take `default`.
async fn nonblock_select_race(flavor: &str, close_c2: bool) {
    const N: usize = 4_000;
    for i in 0..N {
        let (c1_tx, c1_rx) = chan::bounded::<i32>(1);
        let (c2_tx, c2_rx) = chan::bounded::<i32>(if close_c2 { 0 } else { 1 });
        c1_tx.send(1).await.unwrap();
        let (r1, r2) = (c1_rx.clone(), c2_rx.clone());
        // Every other round looks at `c2` first (`biased;`), the order in which one look per
        // branch can miss both: `c2` before it is ready, `c1` after it was emptied.
        let racer = gort::spawn(async move {
            if i % 2 == 0 {
                select! {
                    v = r1.recv() => Some((1, v)),
                    v = r2.recv() => Some((2, v)),
                    default => None,
                }
            } else {
                select! {
                    biased;
                    v = r2.recv() => Some((2, v)),
                    v = r1.recv() => Some((1, v)),
                    default => None,
                }
            }
        });
        if close_c2 {
            c2_tx.close();
        } else {
            c2_tx.send(2).await.unwrap();
        }
        let mine = select! { v = c1_rx.recv() => v, default => None };
        let (which, theirs) = racer
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("{flavor} #{i}: no chan is ready"));
        // Every value is taken once or still buffered.
        let taken = [mine, theirs].iter().flatten().count();
        let left = c1_rx.len() + c2_rx.len();
        let values = if close_c2 { 1 } else { 2 };
        assert_eq!(taken + left, values, "{flavor} #{i}: case {which}");
    }
}

#[test]
fn nonblock_select_sees_one_of_two_ready_channels() {
    on_both_flavors(|flavor| nonblock_select_race(flavor, false));
}

#[test]
fn nonblock_select_sees_a_closed_second_channel() {
    on_both_flavors(|flavor| nonblock_select_race(flavor, true));
}

// ----- TestSelfSelect -----

/// What one selecting task did: how many sends completed, and the values it received.
struct SelfSelect {
    sent: usize,
    received: Vec<usize>,
}

async fn self_select_task(
    p: usize,
    tx: chan::Sender<usize>,
    rx: chan::Receiver<usize>,
) -> SelfSelect {
    let mut done = SelfSelect {
        sent: 0,
        received: Vec::new(),
    };
    for i in 0..1000 {
        // Go writes the two cases in both orders; gort (like Go) shuffles them anyway.
        if p == 0 || i % 2 == 0 {
            select! {
                r = tx.send(p) => { r.unwrap(); done.sent += 1 }
                Some(v) = rx.recv() => done.received.push(v),
            }
        } else {
            select! {
                Some(v) = rx.recv() => done.received.push(v),
                r = tx.send(p) => { r.unwrap(); done.sent += 1 }
            }
        }
    }
    done
}

#[test]
fn self_select_never_pairs_with_itself() {
    on_both_flavors(|flavor| async move {
        for cap in [0, 1, 10] {
            let (tx, rx) = chan::bounded::<usize>(cap);
            let tasks: Vec<_> = (0..2)
                .map(|p| gort::spawn(self_select_task(p, tx.clone(), rx.clone())))
                .collect();
            let mut done = Vec::new();
            for t in tasks {
                done.push(t.await.unwrap());
            }
            let leftover: Vec<usize> = std::iter::from_fn(|| rx.try_recv().ok()).collect();
            for p in 0..2 {
                let of_p = |v: &usize| *v == p;
                let received_elsewhere = done[1 - p].received.iter().filter(|v| of_p(v)).count();
                let received_self = done[p].received.iter().filter(|v| of_p(v)).count();
                if cap == 0 {
                    assert_eq!(received_self, 0, "{flavor}: self receive");
                }
                assert_eq!(
                    done[p].sent,
                    received_elsewhere
                        + received_self
                        + leftover.iter().filter(|v| of_p(v)).count(),
                    "{flavor} cap {cap}: task {p}'s values, each received once"
                );
                assert_eq!(done[p].sent + done[p].received.len(), 1000);
            }
        }
    });
}

/// Counts the polls of the future it wraps.
struct Counted<'a, F> {
    inner: Pin<Box<F>>,
    polls: &'a AtomicUsize,
}

impl<F: Future> Future for Counted<'_, F> {
    type Output = F::Output;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        self.polls.fetch_add(1, SeqCst);
        self.inner.as_mut().poll(cx)
    }
}

fn counted<F>(polls: &AtomicUsize, fut: F) -> Counted<'_, F> {
    Counted {
        inner: Box::pin(fut),
        polls,
    }
}

/// A lone `select!` sending and receiving on one unbuffered channel has no partner: it must
/// park (Go's goroutine sleeps), not wake itself on every poll because each of its branches
/// finds the other's waiter in the channel and skips it.
#[test]
fn self_facing_select_parks_instead_of_spinning() {
    on_both_flavors(|flavor| async move {
        let (tx, rx) = chan::bounded::<u32>(0);
        let polls = AtomicUsize::new(0);
        let waited = gort::time::timeout(Duration::from_millis(50), async {
            select! {
                r = counted(&polls, tx.send(1)) => r.is_ok(),
                v = counted(&polls, rx.recv()) => v.is_some(),
            }
        })
        .await;
        assert!(waited.is_err(), "{flavor}: paired with itself");
        let polls = polls.load(SeqCst);
        assert!(polls <= 8, "{flavor}: {polls} branch polls while parked");
        // Both waiters are gone: a partner now pairs with nobody stale.
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty), "{flavor}");
        assert!(tx.try_send(2).is_err(), "{flavor}: no receiver left parked");
    });
}

// ----- TestSelectStress -----

#[test]
fn select_stress_with_nil_cases_and_plain_peers() {
    on_both_flavors(|flavor| async move {
        const N: usize = if cfg!(debug_assertions) {
            2_000
        } else {
            20_000
        };
        // Plain senders send 1, the selecting sender 1000: each channel's receipts must sum to
        // N * 1001, N of each kind.
        const PLAIN: u64 = 1;
        const SELECTED: u64 = 1000;
        let chans: Vec<_> = [0, 0, 2, 3].into_iter().map(chan::bounded::<u64>).collect();
        let txs: Vec<_> = chans.iter().map(|(tx, _)| tx.clone()).collect();
        let rxs: Vec<_> = chans.iter().map(|(_, rx)| rx.clone()).collect();
        let mut plain = Vec::new();
        for k in 0..4 {
            let tx = txs[k].clone();
            plain.push(gort::spawn(async move {
                for _ in 0..N {
                    tx.send(PLAIN).await.unwrap();
                }
                0
            }));
            let rx = rxs[k].clone();
            plain.push(gort::spawn(async move {
                let mut sum = 0;
                for _ in 0..N {
                    sum += rx.recv().await.unwrap();
                }
                sum
            }));
        }
        let selecting_sender = {
            let txs = txs.clone();
            gort::spawn(async move {
                let mut n = [0usize; 4];
                for _ in 0..4 * N {
                    // A channel that got its N values becomes a nil case.
                    select! {
                        r = txs[3].send(SELECTED), if n[3] < N => { r.unwrap(); n[3] += 1 }
                        r = txs[2].send(SELECTED), if n[2] < N => { r.unwrap(); n[2] += 1 }
                        r = txs[0].send(SELECTED), if n[0] < N => { r.unwrap(); n[0] += 1 }
                        r = txs[1].send(SELECTED), if n[1] < N => { r.unwrap(); n[1] += 1 }
                    }
                }
                n
            })
        };
        let selecting_receiver = gort::spawn(async move {
            let mut n = [0usize; 4];
            let mut sums = [0u64; 4];
            for _ in 0..4 * N {
                let (k, v) = select! {
                    Some(v) = rxs[0].recv(), if n[0] < N => (0, v),
                    Some(v) = rxs[1].recv(), if n[1] < N => (1, v),
                    Some(v) = rxs[2].recv(), if n[2] < N => (2, v),
                    Some(v) = rxs[3].recv(), if n[3] < N => (3, v),
                };
                n[k] += 1;
                sums[k] += v;
            }
            (n, sums)
        });
        assert_eq!(selecting_sender.await.unwrap(), [N; 4], "{flavor}");
        let (n, select_sums) = selecting_receiver.await.unwrap();
        assert_eq!(n, [N; 4], "{flavor}");
        let mut plain_sums = [0u64; 4];
        for (i, task) in plain.into_iter().enumerate() {
            plain_sums[i / 2] += task.await.unwrap();
        }
        for k in 0..4 {
            assert_eq!(
                plain_sums[k] + select_sums[k],
                N as u64 * (PLAIN + SELECTED),
                "{flavor}: channel {k}"
            );
            assert!(chans[k].1.is_empty(), "{flavor}: channel {k} drained");
        }
    });
}

// ----- TestSelectFairness (and with three ready channels) -----

/// Go's tolerance: each count within 10 standard deviations of its binomial mean.
fn assert_fair(counts: &[usize], trials: usize, what: &str) {
    let p = 1.0 / counts.len() as f64;
    let mean = trials as f64 * p;
    let sigma = (trials as f64 * p * (1.0 - p)).sqrt();
    for (i, &c) in counts.iter().enumerate() {
        assert!(
            (c as f64 - mean).abs() <= 10.0 * sigma,
            "{what}: unfair select, case {i}: {counts:?} in {trials} trials"
        );
    }
    assert_eq!(
        counts.iter().sum::<usize>(),
        trials,
        "{what}: one case per select"
    );
}

/// `ready` (2 or 3) buffered channels each hold `trials + 1` values (always ready), after two
/// unbuffered channels nobody sends on (never ready); a task selects over all of them and
/// forwards what it got, until told to stop. With `ready == 2` the third is a nil case.
async fn fairness(flavor: &str, ready: usize, trials: usize) {
    let full: Vec<_> = (0..3)
        .map(|k| {
            let (tx, rx) = chan::bounded::<usize>(trials + 1);
            for _ in 0..=trials {
                tx.try_send(k).unwrap();
            }
            rx
        })
        .collect();
    let (_idle_a, idle_a) = chan::bounded::<usize>(0);
    let (_idle_b, idle_b) = chan::bounded::<usize>(0);
    let (out_tx, out_rx) = chan::bounded::<usize>(0);
    let (done_tx, done_rx) = chan::bounded::<()>(0);
    let selector = gort::spawn(async move {
        loop {
            let got = select! {
                Some(v) = idle_a.recv() => v,
                Some(v) = idle_b.recv() => v,
                Some(v) = full[0].recv() => v,
                Some(v) = full[1].recv() => v,
                Some(v) = full[2].recv(), if ready > 2 => v,
            };
            select! {
                r = out_tx.send(got) => r.unwrap(),
                _ = done_rx.recv() => return,
            }
        }
    });
    let mut counts = vec![0usize; ready];
    for _ in 0..trials {
        counts[out_rx.recv().await.unwrap()] += 1;
    }
    done_tx.close();
    selector.await.unwrap();
    assert_fair(&counts, trials, &format!("{flavor}, {ready} ready"));
}

#[test]
fn select_fairness_two_and_three_ready_channels() {
    on_both_flavors(|flavor| async move {
        fairness(flavor, 2, 10_000).await;
        fairness(flavor, 3, 10_000).await;
    });
}

// ----- TestChanSendInterface -----

#[test]
fn send_cases_not_chosen_deliver_nothing() {
    on_both_flavors(|flavor| async move {
        let m: Arc<dyn Any + Send + Sync> = Arc::new(());
        let (tx, rx) = chan::bounded::<Arc<dyn Any + Send + Sync>>(1);
        tx.send(m.clone()).await.unwrap();
        let sent = select! { r = tx.send(m.clone()) => r.is_ok(), default => false };
        assert!(!sent, "{flavor}: the channel is full");
        let other: Arc<dyn Any + Send + Sync> = Arc::new(0u8);
        let sent = select! {
            r = tx.send(m.clone()) => r.is_ok(),
            r = tx.send(other.clone()) => r.is_ok(),
            default => false,
        };
        assert!(!sent, "{flavor}: the channel is full");
        assert_eq!(Arc::strong_count(&m), 2, "{flavor}: refused clones dropped");
        assert_eq!(
            Arc::strong_count(&other),
            1,
            "{flavor}: refused value dropped"
        );
        assert!(Arc::ptr_eq(&rx.recv().await.unwrap(), &m));
        assert_eq!(rx.try_recv().err(), Some(TryRecvError::Empty));
    });
}

// ----- TestPseudoRandomSend -----

#[test]
fn two_send_cases_on_one_channel_are_both_chosen() {
    on_both_flavors(|flavor| async move {
        const N: usize = 100;
        for cap in [0, N] {
            let (tx, rx) = chan::bounded::<usize>(cap);
            let receiver = gort::spawn(async move {
                let mut got = Vec::with_capacity(N);
                for _ in 0..N {
                    gort::task::yield_now().await;
                    got.push(rx.recv().await.unwrap());
                }
                got
            });
            for _ in 0..N {
                select! {
                    r = tx.send(1) => r.unwrap(),
                    r = tx.send(0) => r.unwrap(),
                }
            }
            let got = receiver.await.unwrap();
            let ones = got.iter().filter(|&&v| v == 1).count();
            let zeros = got.iter().filter(|&&v| v == 0).count();
            assert_eq!(ones + zeros, N, "{flavor} cap {cap}: one value per select");
            assert!(
                zeros > N / 10 && ones > N / 10,
                "{flavor} cap {cap}: want pseudorandom, got {zeros} zeros and {ones} ones"
            );
        }
    });
}

// ----- TestMultiConsumer -----

#[test]
fn multi_consumer_sums_exactly() {
    on_both_flavors(|flavor| async move {
        const WORKERS: usize = 23;
        const ITERS: usize = if cfg!(debug_assertions) {
            27_183
        } else {
            271_828
        };
        const PN: [u64; 10] = [2, 3, 7, 11, 13, 17, 19, 23, 27, 31];
        let (q_tx, q_rx) = chan::bounded::<u64>(WORKERS * 3);
        let (r_tx, r_rx) = chan::bounded::<u64>(WORKERS * 3);
        let workers: Vec<_> = (0..WORKERS)
            .map(|w| {
                let (q_rx, r_tx) = (q_rx.clone(), r_tx.clone());
                gort::spawn(async move {
                    while let Some(v) = q_rx.recv().await {
                        // Upset the FIFO-ish order of the work queue.
                        if PN[w % PN.len()] == v {
                            gort::task::yield_now().await;
                        }
                        r_tx.send(v).await.unwrap();
                    }
                })
            })
            .collect();
        drop((q_rx, r_tx));
        let feeder = gort::spawn(async move {
            let mut expect = 0;
            for i in 0..ITERS {
                let v = PN[i % PN.len()];
                expect += v;
                q_tx.send(v).await.unwrap();
            }
            q_tx.close();
            for w in workers {
                w.await.unwrap();
            }
            // Every worker's `r` sender is gone now, so `r` is closed.
            expect
        });
        let (mut n, mut sum) = (0, 0);
        while let Some(v) = r_rx.recv().await {
            n += 1;
            sum += v;
        }
        let expect = feeder.await.unwrap();
        assert_eq!((n, sum), (ITERS, expect), "{flavor}");
    });
}

// ----- TestSelectDuplicateChannel -----

#[test]
fn select_waiting_twice_on_one_channel_keeps_its_queue() {
    on_both_flavors(|flavor| async move {
        let (c_tx, c_rx) = chan::bounded::<i32>(0);
        let (d_tx, d_rx) = chan::bounded::<i32>(0);
        let (e_tx, e_rx) = chan::bounded::<i32>(0);
        let a = {
            let c_rx = c_rx.clone();
            gort::spawn(async move {
                let took = select! {
                    v = c_rx.recv() => ("c", v),
                    v = c_rx.recv() => ("c again", v),
                    v = d_rx.recv() => ("d", v),
                };
                e_tx.send(9).await.unwrap();
                took
            })
        };
        let_others_run().await; // A parks on `c` (twice) first
        let b = gort::spawn(async move { c_rx.recv().await });
        let_others_run().await; // then B
        d_tx.send(7).await.unwrap(); // wakes A, which leaves `c`'s queue
        assert_eq!(e_rx.recv().await, Some(9), "{flavor}");
        c_tx.send(8).await.unwrap(); // must reach B
        assert_eq!(b.await.unwrap(), Some(8), "{flavor}");
        assert_eq!(a.await.unwrap(), ("d", Some(7)), "{flavor}");
    });
}
