//! Go's `select` rules, pinned on gort's `select!` and `chan`, on both runtime flavors.
//!
//! Written from the semantics of Go's own `test/chan` programs (nonblock, doubleselect, select3,
//! select7, sieve, fifo): nil cases (branches disabled with `, if false`) are never ready, so
//! `default` runs; a case that is ready is never skipped for `default`; among ready cases the
//! choice is random and none starves; exactly one case of a `select!` commits; channels keep
//! FIFO order. Every test is bounded by a timeout.
use gort::chan::{self, Receiver, Sender};
use gort::select;
use std::collections::HashSet;
use std::future::Future;
use std::time::Duration;

mod support;
use support::runtimes;

const LIMIT: Duration = Duration::from_secs(30);

/// Runs the test body on a current-thread and on a two-worker runtime, each under [`LIMIT`].
fn on_both_flavors<F, Fut>(test: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = ()>,
{
    for (flavor, rt) in runtimes() {
        rt.block_on(async {
            gort::time::timeout(LIMIT, test())
                .await
                .unwrap_or_else(|_| panic!("timed out on the {flavor} runtime"));
        });
    }
}

/// True when `fut` is still pending after `ms` milliseconds: Go's "testBlock(always, ..)".
async fn blocks<F: Future>(ms: u64, fut: F) -> bool {
    gort::time::timeout(Duration::from_millis(ms), fut)
        .await
        .is_err()
}

/// Go's nil channel: a channel the branch never uses (`None`), written `, if ch.is_some()`.
fn nil<T>() -> Option<T> {
    None
}

// ----- select3: nil cases, default, ready cases -----

#[test]
fn nil_cases_never_run_and_default_is_taken() {
    on_both_flavors(|| async {
        let nil_tx: Option<Sender<i32>> = nil();
        let nil_rx: Option<Receiver<i32>> = nil();
        let (tx, rx) = chan::bounded::<i32>(1);
        tx.send(5).await.unwrap();
        // A ready channel behind a false condition is still a nil case.
        let took = select! {
            Ok(()) = async { nil_tx.as_ref().unwrap().send(7).await }, if nil_tx.is_some() => "send",
            Some(_) = async { nil_rx.as_ref().unwrap().recv().await }, if nil_rx.is_some() => "recv",
            Some(_) = rx.recv(), if false => "ready-but-nil",
            default => "default",
        };
        assert_eq!(took, "default");
        assert_eq!(rx.try_recv(), Ok(5), "the nil receive never ran");
        let took = select! {
            biased;
            Some(_) = rx.recv(), if false => "nil",
            default => "default",
        };
        assert_eq!(took, "default");
        // `select { default: }`
        assert_eq!(select! { default => 1 }, 1);
        assert_eq!(select! { biased; default => { 2 } }, 2);
    });
}

#[test]
fn only_nil_cases_take_else_or_panic_without_it() {
    on_both_flavors(|| async {
        let (_tx, rx) = chan::bounded::<i32>(0);
        let took = select! {
            Some(_) = rx.recv(), if false => 1,
            else => 2,
        };
        assert_eq!(took, 2, "else: every branch is disabled (tokio's meaning)");
        // Go would block forever on a select of nil cases only; tokio's rule (and gort's) is a
        // panic naming the cause.
        let err = gort::spawn(async move {
            select! {
                Some(_) = rx.recv(), if false => {}
            }
        })
        .await
        .unwrap_err();
        assert!(err.is_panic());
        let msg = err.into_panic();
        let msg = msg.downcast_ref::<&str>().copied().unwrap_or_default();
        assert!(msg.contains("all branches are disabled"), "{msg}");
    });
}

#[test]
fn ready_cases_are_never_skipped_for_default() {
    on_both_flavors(|| async {
        for round in 0..1_000 {
            // Free buffer space: the send is ready.
            let (tx, rx) = chan::bounded::<i32>(1);
            let sent = select! {
                Ok(()) = tx.send(7) => true,
                default => false,
            };
            assert!(
                sent,
                "round {round}: send with free buffer space took default"
            );
            // A buffered value: the receive is ready.
            let got = select! {
                v = rx.recv() => v,
                default => None,
            };
            assert_eq!(got, Some(7), "round {round}");
            // A closed channel: the receive is ready (None).
            tx.close();
            let closed = select! {
                v = rx.recv() => v.is_none(),
                default => false,
            };
            assert!(closed, "round {round}: a closed channel took default");
            // A send on a closed channel completes with the value back (Go panics).
            let back = select! {
                r = tx.send(9) => r.unwrap_err().0,
                default => 0,
            };
            assert_eq!(back, 9);
        }
    });
}

#[test]
fn empty_and_self_facing_selects_block() {
    on_both_flavors(|| async {
        let (tx, rx) = chan::bounded::<i32>(0);
        // A receive from a channel nobody sends on blocks.
        assert!(
            blocks(50, async {
                select! { v = rx.recv() => v }
            })
            .await
        );
        // Sending to and receiving from the same unbuffered channel in one select must not
        // pair with itself.
        assert!(
            blocks(50, async {
                select! {
                    Ok(()) = tx.send(1) => "send",
                    Some(_) = rx.recv() => "recv",
                }
            })
            .await
        );
        let took = select! {
            Ok(()) = tx.send(1) => "send",
            Some(_) = rx.recv() => "recv",
            default => "default",
        };
        assert_eq!(took, "default");
        assert_eq!(rx.try_recv(), Err(chan::TryRecvError::Empty));
    });
}

// ----- fairness: a random choice among ready cases -----

/// Counts which of two always-ready branches wins over `n` selects.
#[test]
fn ready_cases_win_about_equally_even_with_nil_cases_between() {
    on_both_flavors(|| async {
        const N: usize = 4_000;
        let (a_tx, a_rx) = chan::bounded::<u8>(1);
        let (b_tx, b_rx) = chan::bounded::<u8>(1);
        let (closed_tx, closed_rx) = chan::bounded::<u8>(0);
        closed_tx.close();
        let mut wins = [0usize; 3];
        for _ in 0..N {
            let _ = a_tx.try_send(1);
            let _ = b_tx.try_send(2);
            // The two nil cases sit between `a` and `b`: a random *start* alone would give `b`
            // three chances in four; Go's shuffled poll order gives each ready case half.
            select! {
                Some(_) = a_rx.recv() => wins[0] += 1,
                Some(_) = a_rx.recv(), if false => unreachable!(),
                Some(_) = b_rx.recv(), if false => unreachable!(),
                Some(_) = b_rx.recv() => wins[1] += 1,
            }
            // A closed channel (always ready) against a buffered value.
            select! {
                None = closed_rx.recv() => wins[2] += 1,
                Some(_) = a_rx.recv() => {}
                Some(_) = b_rx.recv() => {}
            }
        }
        assert_eq!(wins[0] + wins[1], N, "exactly one branch per select");
        for (case, &won) in wins.iter().enumerate() {
            let low = if case == 2 { N / 4 } else { N * 3 / 10 };
            assert!(won >= low, "case {case} starved: {wins:?} of {N}");
        }
    });
}

/// Go's rule: a closed channel and an unbuffered channel with a producer parked in `send` are
/// both ready, so each wins about half the selects. The consumer is a task that yields after
/// each select, so a producer woken by a take (queued on the same worker) parks its next value
/// before the next select — as in Go, where the receiver's P runs the readied sender next; four
/// producers keep one parked even when one is slow to come back. Needs the parked-sender
/// hand-off of the channel core (a receive must see a parked sender at once, issue 9 item 1).
#[test]
fn fairness_closed_vs_parked_producer() {
    on_both_flavors(|| async {
        const N: usize = 2_000;
        const PRODUCERS: u32 = 4;
        let (closed_tx, closed_rx) = chan::bounded::<u32>(0);
        closed_tx.close();
        let (tx, rx) = chan::bounded::<(u32, u32)>(0);
        let producers: Vec<_> = (0..PRODUCERS)
            .map(|id| {
                let tx = tx.clone();
                gort::spawn(async move {
                    let mut next = 0u32;
                    while tx.send((id, next)).await.is_ok() {
                        next += 1;
                    }
                    next
                })
            })
            .collect();
        drop(tx);
        let consumer = gort::spawn(async move {
            let mut closed = 0usize;
            let mut received = vec![Vec::new(); PRODUCERS as usize];
            for _ in 0..N {
                select! {
                    None = closed_rx.recv() => closed += 1,
                    Some((id, seq)) = rx.recv() => received[id as usize].push(seq),
                }
                gort::task::yield_now().await;
            }
            rx.close();
            (closed, received)
        });
        let (closed, received) = consumer.await.unwrap();
        let mut values = 0;
        for (id, producer) in producers.into_iter().enumerate() {
            let sent = producer.await.unwrap();
            let got = &received[id];
            assert!(
                got.iter().copied().eq(0..sent),
                "producer {id}: sent 0..{sent}, received {got:?}"
            );
            values += got.len();
        }
        assert_eq!(closed + values, N, "exactly one branch per select");
        assert!(closed * 10 >= N * 3, "closed case starved: {closed} of {N}");
        assert!(values * 10 >= N * 3, "producers starved: {values} of {N}");
    });
}

// ----- nonblock: non-blocking operations against parked peers -----

#[test]
fn nonblocking_send_reaches_a_parked_receiver() {
    on_both_flavors(|| async {
        for cap in [0usize, 1, 8] {
            let (tx, rx) = chan::bounded::<u32>(cap);
            let receiver = gort::spawn(async move { rx.recv().await });
            let mut tries = 0u32;
            loop {
                let sent = select! {
                    Ok(()) = tx.send(123) => true,
                    default => false,
                };
                if sent {
                    break;
                }
                tries += 1;
                assert!(
                    tries < 100_000,
                    "cap {cap}: the send never found the receiver"
                );
                gort::task::yield_now().await;
            }
            assert_eq!(receiver.await.unwrap(), Some(123), "cap {cap}");
        }
        // A full buffer: the non-blocking send takes default until a receive frees a slot.
        let (tx, rx) = chan::bounded::<u32>(2);
        for v in 0..2 {
            tx.try_send(v).unwrap();
        }
        let full = select! { Ok(()) = tx.send(2) => false, default => true };
        assert!(full);
        assert_eq!(rx.recv().await, Some(0));
        let sent = select! { Ok(()) = tx.send(2) => true, default => false };
        assert!(sent);
        assert_eq!((rx.recv().await, rx.recv().await), (Some(1), Some(2)));
    });
}

/// Go's nonblock: `select { case v = <-c: ... default: }` takes the value of a sender parked on
/// an unbuffered channel. Needs the parked-sender hand-off of the channel core.
#[test]
fn nonblocking_recv_takes_a_parked_sender() {
    on_both_flavors(|| async {
        let (tx, rx) = chan::bounded::<u32>(0);
        let sender = gort::spawn(async move { tx.send(123).await.is_ok() });
        let mut tries = 0u32;
        let got = loop {
            select! {
                Some(v) = rx.recv() => break v,
                default => {}
            }
            tries += 1;
            assert!(tries < 100_000, "the receive never saw the parked sender");
            gort::task::yield_now().await;
        };
        assert_eq!(got, 123);
        assert!(sender.await.unwrap());
    });
}

// ----- doubleselect: exactly one case of a select commits -----

#[test]
fn doubleselect_every_value_arrives_exactly_once() {
    on_both_flavors(|| async {
        const N: u32 = 10_000;
        let chans: Vec<_> = (0..4).map(|_| chan::bounded::<u32>(0)).collect();
        let (out_tx, out_rx) = chan::bounded::<u32>(0);
        let txs: Vec<Sender<u32>> = chans.iter().map(|(tx, _)| tx.clone()).collect();
        let sender = gort::spawn(async move {
            let [c1, c2, c3, c4] = &txs[..] else {
                unreachable!()
            };
            for i in 0..N {
                select! {
                    Ok(()) = c1.send(i) => {}
                    Ok(()) = c2.send(i) => {}
                    Ok(()) = c3.send(i) => {}
                    Ok(()) = c4.send(i) => {}
                }
            }
            for tx in &txs {
                tx.close();
            }
        });
        // One forwarding task per channel, all into `out` (Go's mux).
        let muxes: Vec<_> = chans
            .into_iter()
            .map(|(_, rx)| {
                let out = out_tx.clone();
                gort::spawn(async move {
                    while let Some(v) = rx.recv().await {
                        out.send(v).await.unwrap();
                    }
                })
            })
            .collect();
        drop(out_tx);
        let mut seen = HashSet::new();
        while seen.len() < N as usize {
            let v = out_rx
                .recv()
                .await
                .expect("out closed before every value arrived");
            assert!(seen.insert(v), "value {v} received twice");
        }
        sender.await.unwrap();
        for mux in muxes {
            mux.await.unwrap();
        }
        assert!(seen.iter().all(|&v| v < N));
        assert_eq!(
            out_rx.recv().await,
            None,
            "nothing extra after all {N} values"
        );
    });
}

// ----- select7: every combination of plain and selecting senders and receivers -----

#[test]
fn select7_plain_and_selecting_ends_pair_up() {
    on_both_flavors(|| async {
        for recv_kind in 0..3 {
            for send_kind in 0..3 {
                let (tx, rx) = chan::bounded::<u32>(0);
                let receiver = gort::spawn(async move {
                    let (_never_tx, never) = chan::bounded::<u32>(0);
                    match recv_kind {
                        0 => rx.recv().await,
                        1 => select! { v = rx.recv() => v },
                        _ => select! {
                            v = rx.recv() => v,
                            v = never.recv() => v.map(|_| u32::MAX),
                        },
                    }
                });
                gort::task::yield_now().await;
                let (idle_tx, _idle_rx) = chan::bounded::<u32>(0);
                match send_kind {
                    0 => tx.send(1).await.unwrap(),
                    1 => select! { r = tx.send(1) => r.unwrap() },
                    _ => select! {
                        r = tx.send(1) => r.unwrap(),
                        r = idle_tx.send(1) => panic!("nobody receives on idle: {r:?}"),
                    },
                }
                assert_eq!(
                    receiver.await.unwrap(),
                    Some(1),
                    "recv kind {recv_kind}, send kind {send_kind}"
                );
            }
        }
    });
}

// ----- sieve: a pipeline of tasks over unbuffered channels -----

#[test]
fn sieve_finds_the_first_primes() {
    on_both_flavors(|| async {
        let (tx, mut rx) = chan::bounded::<u32>(0);
        gort::spawn(async move {
            let mut n = 2;
            while tx.send(n).await.is_ok() {
                n += 1;
            }
        });
        let mut primes = Vec::new();
        for _ in 0..25 {
            let prime = rx.recv().await.unwrap();
            primes.push(prime);
            let (next_tx, next_rx) = chan::bounded::<u32>(0);
            let input = std::mem::replace(&mut rx, next_rx);
            gort::spawn(async move {
                while let Some(n) = input.recv().await {
                    if n % prime != 0 && next_tx.send(n).await.is_err() {
                        break;
                    }
                }
            });
        }
        rx.close();
        let expected = [
            2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83,
            89, 97,
        ];
        assert_eq!(primes, expected);
    });
}

// ----- fifo: values come out in the order they went in -----

#[test]
fn fifo_buffered_and_unbuffered() {
    on_both_flavors(|| async {
        const N: u32 = 500;
        // Buffered: a single sender's values come out in order.
        let (tx, rx) = chan::bounded::<u32>(N as usize);
        for i in 0..N {
            tx.send(i).await.unwrap();
        }
        for i in 0..N {
            assert_eq!(rx.recv().await, Some(i));
        }
        // Unbuffered: a chain of receiving tasks, each receiving only after its predecessor
        // did, takes the values in the order they were sent.
        let (tx, rx) = chan::bounded::<u32>(0);
        let (start_tx, mut turn) = chan::bounded::<()>(0);
        let mut tasks = Vec::new();
        for expected in 0..N {
            let (next_tx, next_rx) = chan::bounded::<()>(0);
            let my_turn = std::mem::replace(&mut turn, next_rx);
            let rx = rx.clone();
            tasks.push(gort::spawn(async move {
                my_turn.recv().await.unwrap();
                let got = rx.recv().await.unwrap();
                next_tx.send(()).await.unwrap();
                assert_eq!(got, expected, "out of order");
            }));
        }
        start_tx.send(()).await.unwrap();
        for i in 0..N {
            tx.send(i).await.unwrap();
        }
        turn.recv().await.unwrap();
        for task in tasks {
            task.await.unwrap();
        }
    });
}
