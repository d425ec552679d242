//! Unit tests of Go's channel: futures driven by hand or by `futures::executor`, plain threads.

use super::*;
use crate::select;
use futures::task::{noop_waker, ArcWake};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc as std_mpsc, Arc as StdArc};
use std::time::Duration;

/// Runs `f` on a thread and fails the test if it takes longer than 10 s (instead of hanging).
pub(crate) fn with_timeout<R: Send + 'static>(f: impl FnOnce() -> R + Send + 'static) -> R {
    let (done_tx, done_rx) = std_mpsc::channel();
    let worker = std::thread::spawn(move || {
        let _ = done_tx.send(f());
    });
    match done_rx.recv_timeout(Duration::from_secs(10)) {
        Ok(result) => {
            worker.join().unwrap();
            result
        }
        Err(_) => match worker.join() {
            Err(panic) => std::panic::resume_unwind(panic),
            Ok(()) => panic!("test timed out"),
        },
    }
}

struct CountingWaker(AtomicUsize);

impl ArcWake for CountingWaker {
    fn wake_by_ref(arc_self: &StdArc<Self>) {
        arc_self.0.fetch_add(1, Ordering::SeqCst);
    }
}

fn counting_waker() -> (std::task::Waker, StdArc<CountingWaker>) {
    let counter = StdArc::new(CountingWaker(AtomicUsize::new(0)));
    (futures::task::waker(counter.clone()), counter)
}

fn poll_once<F: Future + Unpin>(fut: &mut F) -> Poll<F::Output> {
    let waker = noop_waker();
    Pin::new(fut).poll(&mut Context::from_waker(&waker))
}

const N: usize = if cfg!(miri) { 50 } else { 2_000 };

#[test]
fn fifo_per_sender_across_threads() {
    with_timeout(|| {
        let (tx, rx) = bounded::<(usize, usize)>(4);
        let producers: Vec<_> = (0..3)
            .map(|p| {
                let tx = tx.clone();
                std::thread::spawn(move || {
                    for i in 0..N {
                        tx.send_blocking((p, i)).unwrap();
                    }
                })
            })
            .collect();
        drop(tx);
        let mut next = [0usize; 3];
        while let Some((p, i)) = rx.recv_blocking() {
            assert_eq!(i, next[p], "sender {p} out of order");
            next[p] += 1;
        }
        assert_eq!(next, [N; 3]);
        for p in producers {
            p.join().unwrap();
        }
    });
}

#[test]
fn rendezvous_send_completes_only_when_received() {
    let (tx, rx) = bounded(0);
    let mut send = Box::pin(tx.send(7));
    assert!(poll_once(&mut send).is_pending(), "no receiver yet");
    assert!(poll_once(&mut send).is_pending(), "still no receiver");
    assert_eq!(tx.len(), 0, "nothing is buffered on an unbuffered channel");
    // Go's hand-off: the parked sender's value waits in its waiter, so even a receive that
    // does not wait takes it, completing the send.
    assert_eq!(rx.try_recv(), Ok(7));
    assert!(matches!(poll_once(&mut send), Poll::Ready(Ok(()))));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    // With nobody parked, try_send on an unbuffered channel is Full.
    assert!(matches!(tx.try_send(1), Err(TrySendError::Full(1))));
}

#[test]
fn rendezvous_takes_one_wake() {
    let (tx, rx) = bounded(0);
    let (waker, wakes) = counting_waker();
    let mut send = Box::pin(tx.send(5));
    assert!(Pin::new(&mut send)
        .poll(&mut Context::from_waker(&waker))
        .is_pending());
    let mut recv = Box::pin(rx.recv());
    assert_eq!(
        poll_once(&mut recv),
        Poll::Ready(Some(5)),
        "no second round trip"
    );
    assert_eq!(
        wakes.0.load(Ordering::SeqCst),
        1,
        "the sender is woken once"
    );
    assert!(matches!(poll_once(&mut send), Poll::Ready(Ok(()))));
}

#[test]
fn dropped_parked_send_never_delivers_and_the_next_is_served() {
    let (tx, rx) = bounded(0);
    let mut first = Box::pin(tx.send(1));
    let mut second = Box::pin(tx.send(2));
    assert!(poll_once(&mut first).is_pending());
    assert!(poll_once(&mut second).is_pending());
    drop(first); // cancelled while its value is still in its waiter: never delivered
    assert_eq!(rx.try_recv(), Ok(2));
    assert!(matches!(poll_once(&mut second), Poll::Ready(Ok(()))));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
}

#[test]
fn send_dropped_after_its_value_was_taken_has_delivered() {
    let (tx, rx) = bounded(0);
    let mut send = Box::pin(tx.send(9));
    assert!(poll_once(&mut send).is_pending());
    assert_eq!(rx.try_recv(), Ok(9));
    drop(send); // too late to cancel: the value is delivered, and only once
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
}

#[test]
fn rendezvous_with_a_parked_receiver() {
    let (tx, rx) = bounded(0);
    let mut recv = Box::pin(rx.recv());
    assert!(poll_once(&mut recv).is_pending());
    tx.try_send(3).unwrap();
    assert_eq!(poll_once(&mut recv), Poll::Ready(Some(3)));
}

#[test]
fn rendezvous_blocks_a_thread_until_received() {
    with_timeout(|| {
        let (tx, rx) = bounded(0);
        let sent = StdArc::new(AtomicUsize::new(0));
        let flag = sent.clone();
        let sender = std::thread::spawn(move || {
            tx.send_blocking(1).unwrap();
            flag.store(1, Ordering::SeqCst);
        });
        std::thread::sleep(Duration::from_millis(30));
        assert_eq!(
            sent.load(Ordering::SeqCst),
            0,
            "send completed without a receiver"
        );
        assert_eq!(rx.recv_blocking(), Some(1));
        sender.join().unwrap();
        assert_eq!(sent.load(Ordering::SeqCst), 1);
    });
}

#[test]
fn close_wakes_every_parked_sender_and_receiver() {
    let (tx, rx) = bounded::<u32>(0);
    let (waker, wakes) = counting_waker();
    let mut cx = Context::from_waker(&waker);
    let mut sends: Vec<_> = (0..3).map(|i| Box::pin(tx.send(i))).collect();
    for send in &mut sends {
        assert!(send.as_mut().poll(&mut cx).is_pending());
    }
    let (tx2, rx2) = bounded::<u32>(1);
    let mut recvs: Vec<_> = (0..3).map(|_| Box::pin(rx2.recv())).collect();
    for recv in &mut recvs {
        assert!(recv.as_mut().poll(&mut cx).is_pending());
    }
    assert!(tx.close());
    assert!(rx2.close());
    assert_eq!(wakes.0.load(Ordering::SeqCst), 6);
    for (i, send) in sends.iter_mut().enumerate() {
        match send.as_mut().poll(&mut cx) {
            Poll::Ready(Err(SendError(v))) => assert_eq!(v, i as u32),
            other => panic!("expected the value back, got {other:?}"),
        }
    }
    for recv in &mut recvs {
        assert_eq!(recv.as_mut().poll(&mut cx), Poll::Ready(None));
    }
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    assert!(matches!(tx2.try_send(1), Err(TrySendError::Closed(1))));
}

/// A waker that panics when woken (a buggy task's).
struct PanickingWaker;

impl ArcWake for PanickingWaker {
    fn wake_by_ref(_: &StdArc<Self>) {
        panic!("a parked receiver's waker panicked");
    }
}

#[test]
fn a_panicking_waker_does_not_keep_the_others_asleep() {
    let (tx, rx) = bounded::<u32>(0);
    let panicking = futures::task::waker(StdArc::new(PanickingWaker));
    let mut first = Box::pin(rx.recv());
    assert!(Pin::new(&mut first)
        .poll(&mut Context::from_waker(&panicking))
        .is_pending());
    let (waker, wakes) = counting_waker();
    let mut second = Box::pin(rx.recv());
    assert!(Pin::new(&mut second)
        .poll(&mut Context::from_waker(&waker))
        .is_pending());
    let closed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| tx.close()));
    assert!(closed.is_err(), "the waker's panic reaches the closer");
    assert_eq!(
        wakes.0.load(Ordering::SeqCst),
        1,
        "the second receiver was woken"
    );
    assert_eq!(
        Pin::new(&mut second).poll(&mut Context::from_waker(&waker)),
        Poll::Ready(None)
    );
}

#[test]
fn buffered_values_drain_after_close() {
    futures::executor::block_on(async {
        let (tx, rx) = bounded(3);
        for i in 0..3 {
            tx.send(i).await.unwrap();
        }
        tx.close();
        assert!(tx.send(9).await.is_err());
        assert_eq!(rx.recv().await, Some(0));
        assert_eq!(rx.recv().await, Some(1));
        assert_eq!(rx.recv().await, Some(2));
        assert_eq!(rx.recv().await, None);
        assert_eq!(rx.recv().await, None);
    });
}

#[test]
fn dropping_every_sender_or_receiver_closes() {
    let (tx, rx) = unbounded::<u8>();
    let tx2 = tx.clone();
    drop(tx);
    assert!(!rx.is_closed());
    drop(tx2);
    assert!(rx.is_closed());

    let (tx, rx) = bounded::<u8>(0);
    let (waker, wakes) = counting_waker();
    let mut cx = Context::from_waker(&waker);
    let mut send = Box::pin(tx.send(5));
    assert!(Pin::new(&mut send).poll(&mut cx).is_pending());
    let rx2 = rx.clone();
    drop(rx);
    assert_eq!(wakes.0.load(Ordering::SeqCst), 0);
    drop(rx2);
    assert_eq!(
        wakes.0.load(Ordering::SeqCst),
        1,
        "the parked sender is woken"
    );
    assert!(matches!(
        Pin::new(&mut send).poll(&mut cx),
        Poll::Ready(Err(SendError(5)))
    ));
}

#[test]
fn dropped_recv_that_was_handed_a_value_puts_it_back() {
    let (tx, rx) = bounded(0);
    let mut first = Box::pin(rx.recv());
    assert!(poll_once(&mut first).is_pending());
    let mut second = Box::pin(rx.recv());
    assert!(poll_once(&mut second).is_pending());
    tx.try_send(1).unwrap(); // handed to `first`
    drop(first); // never polled again: the value goes to `second`
    assert_eq!(poll_once(&mut second), Poll::Ready(Some(1)));

    let mut third = Box::pin(rx.recv());
    assert!(poll_once(&mut third).is_pending());
    tx.try_send(2).unwrap();
    drop(third); // nobody else waiting: back into the buffer
    assert_eq!(rx.try_recv(), Ok(2));
}

#[test]
fn dropped_pending_send_never_delivers() {
    let (tx, rx) = bounded(1);
    tx.try_send(1).unwrap();
    let mut send = Box::pin(tx.send(2));
    assert!(poll_once(&mut send).is_pending());
    drop(send);
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
}

#[test]
fn parked_sender_moves_into_freed_slot_in_order() {
    let (tx, rx) = bounded(1);
    tx.try_send(0).unwrap();
    let mut a = Box::pin(tx.send(1));
    let mut b = Box::pin(tx.send(2));
    assert!(poll_once(&mut a).is_pending());
    assert!(poll_once(&mut b).is_pending());
    assert_eq!(rx.try_recv(), Ok(0));
    assert!(matches!(poll_once(&mut a), Poll::Ready(Ok(()))));
    assert!(poll_once(&mut b).is_pending());
    assert_eq!(rx.try_recv(), Ok(1));
    assert!(matches!(poll_once(&mut b), Poll::Ready(Ok(()))));
    assert_eq!(rx.try_recv(), Ok(2));
}

#[test]
fn unbounded_gives_memory_back_after_a_burst() {
    let (tx, rx) = unbounded();
    let burst = if cfg!(miri) { 500 } else { 100_000 };
    for i in 0..burst {
        tx.try_send(i).unwrap();
    }
    let peak = rx.chan.buffer_blocks();
    let block_cap = crate::chan::list::BLOCK_CAP;
    assert!(
        peak >= burst / block_cap,
        "{peak} blocks for {burst} values"
    );
    for i in 0..burst {
        assert_eq!(rx.try_recv(), Ok(i));
    }
    assert!(
        rx.chan.buffer_blocks() <= 1,
        "{} blocks left after draining",
        rx.chan.buffer_blocks()
    );
}

#[test]
fn stream_yields_until_closed() {
    use futures::StreamExt;
    futures::executor::block_on(async {
        let (tx, rx) = bounded(2);
        std::thread::spawn(move || {
            for i in 0..5 {
                tx.send_blocking(i).unwrap();
            }
        });
        let got: Vec<i32> = rx.collect().await;
        assert_eq!(got, [0, 1, 2, 3, 4]);
    });
}

/// Receives `rx` completes in one budgeted poll, after `spent` whole units of the budget went
/// elsewhere, stopping at the first `Pending`.
fn receives_in_one_budget(rx: &Receiver<i32>, spent: u8) -> usize {
    let waker = noop_waker();
    let mut cx = Context::from_waker(&waker);
    crate::coop::budget(|| {
        for _ in 0..spent {
            assert!(crate::coop::poll_proceed(&mut cx).is_ready());
        }
        let mut n = 0;
        loop {
            let mut recv = Box::pin(rx.recv());
            match Pin::new(&mut recv).poll(&mut cx) {
                Poll::Ready(Some(_)) => n += 1,
                Poll::Ready(None) => unreachable!(),
                Poll::Pending => break n,
            }
        }
    })
}

#[test]
fn lock_free_receives_cost_a_tick_of_the_budget() {
    let (tx, rx) = unbounded();
    // Two units left (quick under Miri): a tick each, until less than a unit is left.
    let left = 2 * crate::coop::TICKS_PER_UNIT;
    let lock_free_ops = left - crate::coop::TICKS_PER_UNIT + 1;
    let sent = lock_free_ops + 1;
    for i in 0..sent {
        tx.try_send(i as i32).unwrap();
    }
    let received = receives_in_one_budget(&rx, crate::coop::BUDGET - 2);
    assert_eq!(received, lock_free_ops);
    assert_eq!(rx.len(), sent - received, "the yielding recv took nothing");
}

#[test]
fn mpsc_receives_keep_tokios_unit_of_the_budget() {
    // tokio's rule, pinned by its `rt_common::coop` test: 1,000 ready receives yield within
    // one budget of 128.
    let (tx, mut rx) = crate::sync::mpsc::unbounded_channel();
    for i in 0..1_000 {
        tx.send(i).unwrap();
    }
    let waker = noop_waker();
    let mut cx = Context::from_waker(&waker);
    let received = crate::coop::budget(|| {
        (0..1_000)
            .take_while(|_| rx.poll_recv(&mut cx).is_ready())
            .count()
    });
    assert_eq!(received, crate::coop::BUDGET as usize);
    assert_eq!(rx.len(), 1_000 - received, "the yielding recv took nothing");
}

#[test]
fn receives_through_the_lock_cost_a_unit_of_the_budget() {
    // Unbuffered with senders parked: every receive takes the lock to complete a send.
    let (tx, rx) = bounded(0);
    let waker = noop_waker();
    let mut cx = Context::from_waker(&waker);
    let mut sends: Vec<_> = (0..200).map(|i| Box::pin(tx.send(i))).collect();
    for send in &mut sends {
        assert!(send.as_mut().poll(&mut cx).is_pending());
    }
    let received = receives_in_one_budget(&rx, 0);
    assert_eq!(received, crate::coop::BUDGET as usize);
    let delivered = sends
        .iter_mut()
        .map(|send| send.as_mut().poll(&mut cx))
        .filter(Poll::is_ready)
        .count();
    assert_eq!(delivered, received, "the yielding recv took nothing");
}

// ----- select! -----

#[test]
fn select_two_parked_unbuffered_sends_commit_exactly_once() {
    for _ in 0..if cfg!(miri) { 5 } else { 200 } {
        let (tx1, rx1) = bounded::<u8>(0);
        let (tx2, rx2) = bounded::<u8>(0);
        let mut sel = Box::pin(async {
            select! {
                r = tx1.send(1) => { r.unwrap(); 1 }
                r = tx2.send(2) => { r.unwrap(); 2 }
            }
        });
        assert!(poll_once(&mut sel).is_pending());
        // Two receivers race, one on each channel, from two threads: each would take the
        // parked value at once, but only one may win the select's token.
        let (a, b) = std::thread::scope(|s| {
            let a = s.spawn(|| rx1.try_recv());
            let b = s.spawn(|| rx2.try_recv());
            (a.join().unwrap(), b.join().unwrap())
        });
        assert!(
            a.is_ok() ^ b.is_ok(),
            "exactly one receive commits: {a:?} {b:?}"
        );
        let chosen = match poll_once(&mut sel) {
            Poll::Ready(n) => n,
            Poll::Pending => panic!("a receiver took a value"),
        };
        drop(sel);
        assert_eq!(if chosen == 1 { a } else { b }, Ok(chosen));
        assert_eq!(rx1.try_recv(), Err(TryRecvError::Empty));
        assert_eq!(rx2.try_recv(), Err(TryRecvError::Empty));
    }
}

#[test]
fn select_first_look_parks_no_branch_when_a_later_one_is_ready() {
    // bounded(4) and unbounded; a receive and a send branch on an idle channel each.
    for cap in [4, crate::chan::core::UNBOUNDED] {
        let (idle_tx, idle_rx) = if cap == crate::chan::core::UNBOUNDED {
            unbounded::<u8>()
        } else {
            bounded::<u8>(cap)
        };
        let (full_tx, _full_rx) = bounded::<u8>(1);
        full_tx.try_send(0).unwrap();
        let (ready_tx, ready_rx) = bounded::<u8>(1);
        ready_tx.try_send(7).unwrap();
        let mut parked_seen = None;
        let mut sel = Box::pin(async {
            select! {
                biased;
                _ = idle_rx.recv() => 0,
                _ = full_tx.send(1) => 1,
                Some(v) = async {
                    // Polled after the idle branches: neither is parked.
                    parked_seen = Some((
                        idle_rx.chan.state.lock().recvq.len(),
                        full_tx.chan.state.lock().sendq.len(),
                    ));
                    ready_rx.recv().await
                } => v,
            }
        });
        assert_eq!(poll_once(&mut sel), Poll::Ready(7), "cap {cap}");
        drop(sel);
        assert_eq!(
            parked_seen,
            Some((0, 0)),
            "cap {cap}: the first look parks nothing"
        );
        // Nothing lost on the way: the idle branches' channels are as they were.
        assert_eq!(idle_rx.try_recv(), Err(TryRecvError::Empty));
        assert!(idle_tx.try_send(3).is_ok());
        assert_eq!(idle_rx.try_recv(), Ok(3));
    }
}

#[test]
fn select_defers_parks_while_deferring_pays_on_this_thread() {
    with_timeout(|| {
        let (_idle_tx, idle_rx) = bounded::<u8>(4);
        let (ready_tx, ready_rx) = bounded::<u8>(4);
        // One `select!` whose idle branch comes first and a ready one last: how many receives
        // the idle channel has parked when the ready branch is polled.
        let parked_when_ready_polled = || {
            ready_tx.try_send(1).unwrap();
            let mut parked = None;
            let mut sel = Box::pin(async {
                select! {
                    biased;
                    _ = idle_rx.recv() => 0,
                    Some(v) = async {
                        parked = Some(idle_rx.chan.state.lock().recvq.len());
                        ready_rx.recv().await
                    } => v,
                }
            });
            assert_eq!(poll_once(&mut sel), Poll::Ready(1));
            drop(sel);
            assert_eq!(
                idle_rx.chan.state.lock().recvq.len(),
                0,
                "nothing left parked"
            );
            parked.unwrap()
        };
        assert_eq!(
            parked_when_ready_polled(),
            0,
            "a thread starts out deferring"
        );
        assert_eq!(
            parked_when_ready_polled(),
            0,
            "and keeps at it while it pays"
        );
        // A `select!` with nothing ready: its deferral only cost a second look.
        let (_tx2, idle2_rx) = bounded::<u8>(4);
        let mut idle = Box::pin(async {
            select! {
                _ = idle_rx.recv() => (),
                _ = idle2_rx.recv() => (),
            }
        });
        assert!(poll_once(&mut idle).is_pending());
        drop(idle);
        assert_eq!(
            parked_when_ready_polled(),
            1,
            "after a wasted deferral, parks at once"
        );
        // That park was cancelled by the ready branch: deferring would have paid.
        assert_eq!(parked_when_ready_polled(), 0, "deferring again");
    });
}

#[test]
fn select_with_nothing_ready_parks_every_deferred_branch_and_wakes_once() {
    let (tx1, rx1) = bounded::<u8>(2);
    let (tx2, rx2) = unbounded::<u8>();
    let (full_tx, full_rx) = bounded::<u8>(1);
    full_tx.try_send(0).unwrap();
    let (waker, wakes) = counting_waker();
    let mut cx = Context::from_waker(&waker);
    for round in 0..3u8 {
        let mut sel = Box::pin(async {
            select! {
                Some(v) = rx1.recv() => (1, v),
                Some(v) = rx2.recv() => (2, v),
                r = full_tx.send(9) => { r.unwrap(); (3, 9) }
            }
        });
        assert!(sel.as_mut().poll(&mut cx).is_pending());
        // The second look parked all three.
        assert_eq!(rx1.chan.state.lock().recvq.len(), 1);
        assert_eq!(rx2.chan.state.lock().recvq.len(), 1);
        assert_eq!(full_tx.chan.state.lock().sendq.len(), 1);
        let before = wakes.0.load(Ordering::SeqCst);
        let expected = match round {
            0 => {
                tx1.try_send(5).unwrap();
                (1, 5)
            }
            1 => {
                tx2.try_send(6).unwrap();
                (2, 6)
            }
            _ => {
                // A receive frees the slot: the parked send's value moves in (Go's rule).
                assert_eq!(full_rx.try_recv(), Ok(0));
                (3, 9)
            }
        };
        assert_eq!(wakes.0.load(Ordering::SeqCst), before + 1, "round {round}");
        assert_eq!(sel.as_mut().poll(&mut cx), Poll::Ready(expected));
        drop(sel);
        // The other branches' parks were cancelled: nothing left parked, nothing lost.
        assert_eq!(rx1.chan.state.lock().recvq.len(), 0);
        assert_eq!(rx2.chan.state.lock().recvq.len(), 0);
        assert_eq!(full_tx.chan.state.lock().sendq.len(), 0);
    }
    assert_eq!(full_rx.try_recv(), Ok(9));
    assert_eq!(rx1.try_recv(), Err(TryRecvError::Empty));
    assert_eq!(rx2.try_recv(), Err(TryRecvError::Empty));
}

#[test]
fn select_repoll_looks_first_at_the_branch_a_peer_committed() {
    let (tx, rx) = bounded::<u8>(1);
    let mut other_polls = 0;
    let mut sel = Box::pin(async {
        select! {
            biased;
            _ = futures::future::poll_fn(|_| {
                other_polls += 1;
                Poll::<()>::Pending
            }) => 0,
            Some(v) = rx.recv() => v,
        }
    });
    assert!(poll_once(&mut sel).is_pending());
    // The send completes the parked receive: the `select!` is committed to branch 1.
    tx.try_send(4).unwrap();
    assert_eq!(poll_once(&mut sel), Poll::Ready(4));
    drop(sel);
    assert_eq!(
        other_polls, 1,
        "the re-poll went straight to the committed branch"
    );
}

#[test]
fn select_parked_recvs_take_exactly_one_value() {
    let (tx1, rx1) = bounded::<u8>(0);
    let (tx2, rx2) = bounded::<u8>(0);
    let mut sel = Box::pin(async {
        select! {
            Some(v) = rx1.recv() => v,
            Some(v) = rx2.recv() => v,
        }
    });
    assert!(poll_once(&mut sel).is_pending());
    assert!(tx1.try_send(1).is_ok());
    // The select already committed to rx1: a second sender finds no receiver.
    assert!(matches!(tx2.try_send(2), Err(TrySendError::Full(2))));
    assert_eq!(poll_once(&mut sel), Poll::Ready(1));
}

#[test]
fn select_is_fair_between_two_ready_branches() {
    futures::executor::block_on(async {
        let (tx1, rx1) = unbounded();
        let (tx2, rx2) = unbounded();
        let rounds = if cfg!(miri) { 200 } else { 10_000 };
        let mut counts = [0usize; 2];
        for _ in 0..rounds {
            tx1.try_send(()).unwrap();
            tx2.try_send(()).unwrap();
            let which = select! {
                Some(()) = rx1.recv() => 0,
                Some(()) = rx2.recv() => 1,
            };
            counts[which] += 1;
            // Keep exactly one value in each channel per round.
            match which {
                0 => rx2.try_recv().unwrap(),
                _ => rx1.try_recv().unwrap(),
            }
        }
        let min = rounds * 40 / 100;
        assert!(counts[0] >= min && counts[1] >= min, "unfair: {counts:?}");
        assert_eq!(counts[0] + counts[1], rounds);
    });
}

#[test]
fn select_biased_polls_in_order() {
    futures::executor::block_on(async {
        let (tx1, rx1) = unbounded();
        let (tx2, rx2) = unbounded();
        for _ in 0..100 {
            tx1.try_send(1).unwrap();
            tx2.try_send(2).unwrap();
            let got = select! {
                biased;
                Some(v) = rx1.recv() => v,
                Some(v) = rx2.recv() => v,
            };
            assert_eq!(got, 1);
            assert_eq!(rx2.try_recv(), Ok(2));
        }
    });
}

#[test]
fn select_default_never_blocks_and_is_not_taken_when_ready() {
    futures::executor::block_on(async {
        let (tx, rx) = bounded::<u8>(1);
        let (tx0, rx0) = bounded::<u8>(0);
        let got = select! {
            Some(v) = rx.recv() => v,
            r = tx0.send(3) => { r.unwrap(); 100 }
            default => 0,
        };
        assert_eq!(got, 0, "nothing ready: default");
        assert_eq!(
            rx0.try_recv(),
            Err(TryRecvError::Empty),
            "the send did not park"
        );
        tx.try_send(5).unwrap();
        let got = select! {
            Some(v) = rx.recv() => v,
            default => 0,
        };
        assert_eq!(got, 5, "a ready branch wins over default");
    });
}

#[test]
fn select_default_ignores_a_spent_budget() {
    let (tx, rx) = bounded::<u8>(1);
    tx.try_send(9).unwrap();
    let waker = noop_waker();
    let mut cx = Context::from_waker(&waker);
    let got = crate::coop::budget(|| {
        while crate::coop::poll_proceed(&mut cx).is_ready() {}
        let mut sel = Box::pin(async {
            select! {
                Some(v) = rx.recv() => v,
                default => 0,
            }
        });
        sel.as_mut().poll(&mut cx)
    });
    assert_eq!(got, Poll::Ready(9));
}

#[test]
fn select_mismatched_pattern_disables_the_branch() {
    futures::executor::block_on(async {
        let (tx1, rx1) = bounded::<u8>(1);
        drop(tx1); // rx1.recv() returns None at once: the branch is disabled
        let (tx2, rx2) = bounded::<u8>(1);
        tx2.try_send(4).unwrap();
        let got = select! {
            biased;
            Some(v) = rx1.recv() => v,
            Some(v) = rx2.recv() => v + 1,
        };
        assert_eq!(got, 5);
        drop(tx2);
        let got = select! {
            Some(v) = rx1.recv() => v,
            Some(v) = rx2.recv() => v,
            else => 42,
        };
        assert_eq!(got, 42);
    });
}

#[test]
fn select_preconditions_mut_patterns_and_control_flow() {
    futures::executor::block_on(async {
        let (tx, rx) = unbounded::<Vec<u8>>();
        let (_tx2, rx2) = unbounded::<Vec<u8>>();
        for i in 0..3 {
            tx.try_send(vec![i]).unwrap();
        }
        let mut seen = Vec::new();
        let mut rounds = 0;
        loop {
            rounds += 1;
            if rounds > 10 {
                break;
            }
            select! {
                Some(mut v) = rx.recv(), if seen.len() < 3 => {
                    v.push(9);
                    seen.push(v);
                    continue;
                }
                Some(_v) = rx2.recv(), if false => unreachable!(),
                else => break,
            }
        }
        assert_eq!(seen, [vec![0, 9], vec![1, 9], vec![2, 9]]);
        assert_eq!(rounds, 4);
    });
}

#[test]
fn select_with_foreign_futures_and_async_blocks() {
    futures::executor::block_on(async {
        let (tx, rx) = bounded::<u8>(1);
        tx.try_send(1).unwrap();
        let got = select! {
            v = async { rx.recv().await.map(|v| v * 10) } => v,
            _ = futures::future::pending::<()>() => None,
        };
        assert_eq!(got, Some(10));
        let got = select! {
            v = futures::future::ready(3) => v,
            Some(v) = rx.recv() => v,
        };
        assert_eq!(got, 3);
    });
}

#[test]
fn select_stress_exactly_once_with_cancellation() {
    with_timeout(|| {
        let total = if cfg!(miri) { 100 } else { 4_000 };
        let (tx_a, rx_a) = bounded::<usize>(0);
        let (tx_b, rx_b) = bounded::<usize>(1);
        let received = StdArc::new(std::sync::Mutex::new(Vec::new()));
        let consumers: Vec<_> = (0..2)
            .map(|_| {
                let (rx_a, rx_b) = (rx_a.clone(), rx_b.clone());
                let received = received.clone();
                std::thread::spawn(move || {
                    futures::executor::block_on(async {
                        let mut mine = Vec::new();
                        loop {
                            let v = select! {
                                v = rx_a.recv() => v,
                                v = rx_b.recv() => v,
                            };
                            match v {
                                Some(v) => mine.push(v),
                                None => break,
                            }
                        }
                        // Drain whichever channel is still open.
                        while let Some(v) = rx_a.recv().await {
                            mine.push(v);
                        }
                        while let Some(v) = rx_b.recv().await {
                            mine.push(v);
                        }
                        received.lock().unwrap().extend(mine);
                    })
                })
            })
            .collect();
        drop((rx_a, rx_b));
        // The producer offers each value to both channels in one select; half the time it
        // gives up on a pending select (dropping both sends) and offers a fresh value. A
        // dropped send whose value a receiver already took has delivered (Go's hand-off), so a
        // cancelled value is received at most once, a completed one exactly once.
        let mut completed = Vec::new();
        futures::executor::block_on(async {
            let mut i = 0;
            while completed.len() < total {
                let (ta, tb, v) = (&tx_a, &tx_b, i);
                i += 1;
                let mut sel = Box::pin(async move {
                    select! {
                        r = ta.send(v) => r.is_ok(),
                        r = tb.send(v) => r.is_ok(),
                    }
                });
                let sent = if v % 2 == 0 {
                    match poll_once(&mut sel) {
                        Poll::Ready(ok) => ok,
                        Poll::Pending => {
                            drop(sel); // cancelled: delivered at most once
                            continue;
                        }
                    }
                } else {
                    sel.await
                };
                assert!(sent);
                completed.push(v);
            }
        });
        drop((tx_a, tx_b));
        for c in consumers {
            c.join().unwrap();
        }
        let got = received.lock().unwrap().clone();
        let mut seen = std::collections::HashSet::new();
        for v in &got {
            assert!(seen.insert(*v), "{v} received twice");
        }
        for v in &completed {
            assert!(seen.contains(v), "completed send {v} never received");
        }
    });
}

#[test]
fn select_accepts_tokio_syntax_variants() {
    #[derive(Debug)]
    struct Pair {
        a: u8,
        b: Vec<u8>,
    }
    futures::executor::block_on(async {
        let (tx, rx) = unbounded::<u8>();
        for i in [1, 2, 3] {
            tx.try_send(i).unwrap();
        }
        // Or-patterns, blocks without commas, expression handlers, `else` before the end.
        let mut got = Vec::new();
        for _ in 0..3 {
            select! {
                biased;
                Some(1) | Some(2) = rx.recv() => got.push(12),
                else => got.push(0),
                Some(v) = async { Some(9) } => { got.push(v) }
            }
        }
        assert_eq!(got, [12, 12, 9]);
        // Tuple, struct and `ref`/`mut` patterns are checked without moving the output.
        let (a, mut b) = select! {
            (x, y) = async { (1u8, vec![2u8]) } => (x, y),
        };
        b.push(a);
        let total = select! {
            Pair { a, mut b } = async { Pair { a: 4, b: vec![5] } } => { b.push(a); b.len() }
        };
        assert_eq!((b, total), (vec![2, 1], 2));
        let s = select! {
            ref s = async { String::from("ref") } => s.clone(),
        };
        assert_eq!(s, "ref");
    });
}

// ----- regressions: values and wake-ups that used to get lost (issue 9, item 4) -----

/// An unbuffered receiver must not be stranded when the first parked sender belongs to a
/// `select!` that already committed another branch: the receive passes over it to the next.
#[test]
fn regression_receiver_not_stranded_by_a_sender_whose_select_lost() {
    let (tx, rx) = bounded::<u32>(0);
    let (side_tx, side_rx) = bounded::<u32>(1);
    let mut sel = Box::pin(async {
        select! {
            biased;
            r = tx.send(1) => { r.unwrap(); 0 }
            Some(v) = side_rx.recv() => v,
        }
    });
    assert!(poll_once(&mut sel).is_pending(), "both branches parked");
    let mut plain = Box::pin(tx.send(2));
    assert!(
        poll_once(&mut plain).is_pending(),
        "parked behind the select's send"
    );
    side_tx.try_send(7).unwrap(); // commits the select's receive branch
    let mut recv = Box::pin(rx.recv());
    let early = poll_once(&mut recv);
    assert_eq!(poll_once(&mut sel), Poll::Ready(7));
    drop(sel);
    let got = match early {
        Poll::Ready(v) => Poll::Ready(v),
        Poll::Pending => poll_once(&mut recv),
    };
    assert_eq!(got, Poll::Ready(Some(2)), "the receiver was stranded");
    assert!(matches!(poll_once(&mut plain), Poll::Ready(Ok(()))));
}

/// A value for a receive parked by `mpsc::Receiver::poll_recv` stays visible to `try_recv`.
#[test]
fn regression_value_for_a_parked_mpsc_poll_recv_is_seen_by_try_recv() {
    let waker = noop_waker();
    let mut cx = Context::from_waker(&waker);
    let (tx, mut rx) = crate::sync::mpsc::channel::<u32>(4);
    assert!(rx.poll_recv(&mut cx).is_pending());
    tx.try_send(5).unwrap();
    assert_eq!(rx.try_recv(), Ok(5), "the value sat in the parked slot");
    assert!(rx.poll_recv(&mut cx).is_pending(), "nothing left");
    tx.try_send(6).unwrap();
    assert_eq!(rx.poll_recv(&mut cx), Poll::Ready(Some(6)));
    // The signalled value still counts against the bound, as tokio's.
    let (tx, mut rx) = crate::sync::mpsc::channel::<u32>(1);
    assert!(rx.poll_recv(&mut cx).is_pending());
    tx.try_send(1).unwrap();
    assert!(tx.try_send(2).is_err(), "the one slot is taken");
    assert_eq!(rx.poll_recv(&mut cx), Poll::Ready(Some(1)));

    let (utx, mut urx) = crate::sync::mpsc::unbounded_channel::<u32>();
    assert!(urx.poll_recv(&mut cx).is_pending());
    utx.send(8).unwrap();
    drop(utx);
    assert_eq!(urx.try_recv(), Ok(8));
    assert_eq!(
        urx.try_recv(),
        Err(crate::sync::mpsc::error::TryRecvError::Disconnected)
    );
}

/// A value for a `chan::Receiver` parked as a `Stream` stays visible to its clones, even once
/// every sender is gone.
#[test]
fn regression_value_for_a_parked_stream_is_seen_by_clones() {
    let waker = noop_waker();
    let mut cx = Context::from_waker(&waker);
    for cap in [0, 2, UNBOUNDED] {
        let (tx, mut rx) = with_capacity::<u32>(cap);
        assert!(Pin::new(&mut rx).poll_next(&mut cx).is_pending());
        tx.try_send(5).unwrap(); // a receiver waits, so even the unbuffered send goes through
        let clone = rx.clone();
        drop(tx);
        assert_eq!(
            clone.try_recv(),
            Ok(5),
            "cap {cap}: the value sat in the parked slot"
        );
        assert_eq!(clone.try_recv(), Err(TryRecvError::Closed));
        assert_eq!(Pin::new(&mut rx).poll_next(&mut cx), Poll::Ready(None));
    }
}

// ----- nested select! -----

/// A `select!` inside a branch of another: a parked operation of the inner one commits only
/// if it also wins the outer `select!`, so two receivers racing an inner and an outer parked
/// send never both take a value.
#[test]
fn nested_select_commits_exactly_one_operation() {
    for _ in 0..if cfg!(miri) { 5 } else { 200 } {
        let (tx1, rx1) = bounded::<u8>(0);
        let (tx2, rx2) = bounded::<u8>(0);
        let (_never_tx, never_rx) = bounded::<u8>(0);
        let mut sel = Box::pin(async {
            select! {
                v = async {
                    select! {
                        r = tx1.send(1) => { r.unwrap(); 1 }
                        Some(v) = never_rx.recv() => v,
                    }
                } => v,
                r = tx2.send(2) => { r.unwrap(); 2 }
            }
        });
        assert!(poll_once(&mut sel).is_pending());
        let (a, b) = std::thread::scope(|s| {
            let a = s.spawn(|| rx1.try_recv());
            let b = s.spawn(|| rx2.try_recv());
            (a.join().unwrap(), b.join().unwrap())
        });
        assert!(a.is_ok() ^ b.is_ok(), "exactly one commits: {a:?} {b:?}");
        let chosen = match poll_once(&mut sel) {
            Poll::Ready(n) => n,
            Poll::Pending => panic!("a receiver took a value"),
        };
        assert_eq!(if chosen == 1 { a } else { b }, Ok(chosen));
    }
}

/// A `default` on the outer `select!` makes the inner one try-only too: nothing parks, so
/// nothing can be taken after the outer `select!` ran `default`.
#[test]
fn nested_select_under_default_never_parks() {
    let (tx, rx) = bounded::<u8>(0);
    let outer = select::SelectScope::new(true); // has `default`
    let inner = select::SelectScope::new(false);
    let mut send = Box::pin(tx.send(1));
    let polled = outer.poll_branch(0, || inner.poll_branch(0, || poll_once(&mut send)));
    assert!(polled.is_pending());
    assert_eq!(tx.chan.state.lock().sendq.len(), 0, "try-only: not parked");
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    // The same poll without the outer `default` parks (and the value is then visible).
    let polled = inner.poll_branch(0, || poll_once(&mut send));
    assert!(polled.is_pending());
    assert_eq!(rx.try_recv(), Ok(1));
}

/// `mpsc::Receiver::recv` futures take a value in place (one wake-up); dropped after being
/// handed one, they give it back, so `try_recv` sees it.
#[test]
fn mpsc_recv_future_handed_in_place_gives_the_value_back_on_drop() {
    let (tx, mut rx) = crate::sync::mpsc::channel::<u32>(1);
    let (waker, wakes) = counting_waker();
    {
        let mut recv = Box::pin(rx.recv());
        assert!(Pin::new(&mut recv)
            .poll(&mut Context::from_waker(&waker))
            .is_pending());
        tx.try_send(4).unwrap();
        assert_eq!(wakes.0.load(Ordering::SeqCst), 1);
    } // dropped without being polled again
    assert_eq!(rx.try_recv(), Ok(4));
    let mut recv = Box::pin(rx.recv());
    assert!(poll_once(&mut recv).is_pending());
    tx.try_send(5).unwrap();
    assert_eq!(poll_once(&mut recv), Poll::Ready(Some(5)));
}

/// A branch whose future commits one gort operation and then waits on another has committed:
/// no other branch may take a value meanwhile (before anything of the `select!` parked, the
/// scope's local word records it).
#[test]
fn select_branch_that_committed_then_waits_keeps_the_others_out() {
    let (tx1, rx1) = bounded::<u8>(1);
    let (_tx3, rx3) = bounded::<u8>(1);
    let (tx2, rx2) = bounded::<u8>(1);
    tx1.try_send(1).unwrap();
    tx2.try_send(2).unwrap();
    let mut sel = Box::pin(async {
        select! {
            biased;
            v = async { (rx1.recv().await, rx3.recv().await) } => v.0,
            v = rx2.recv() => v,
        }
    });
    assert!(
        poll_once(&mut sel).is_pending(),
        "branch 0 took 1 and waits for rx3"
    );
    assert!(poll_once(&mut sel).is_pending());
    drop(sel);
    assert_eq!(rx2.try_recv(), Ok(2), "branch 1 never committed");
}

/// Polls `rx.recv()` once as a task (owner 1) would, the budget spent first when `spent`,
/// and returns what its wait record then says.
fn recv_wait_record(spent: bool) -> gort_waitsite::WaitSnapshot {
    let (_tx, rx) = bounded::<u8>(1);
    let rec = gort_waitsite::WaitRecord::new();
    let waker = noop_waker();
    let mut cx = Context::from_waker(&waker);
    let polled = crate::coop::budget(|| {
        if spent {
            while crate::coop::poll_proceed(&mut cx).is_ready() {}
        }
        let mut recv = Box::pin(rx.recv());
        gort_waitsite::poll_with(&rec, 1, || recv.as_mut().poll(&mut cx))
    });
    assert_eq!(polled, Poll::Pending);
    rec.snapshot()
}

/// A receive that returns `Pending` because the budget is spent is a yield: its wake is
/// deferred by the worker (the task is not marked scheduled), so its record must not say it
/// waits only on wait-lists, or the deadlock detector reports a stalled worker's deferred
/// tasks as deadlocked (the false positive once seen in `mpsc_throughput/gort_on_gort_rt`).
#[test]
fn a_spent_budget_is_recorded_as_a_yield_not_a_wait() {
    let waiting = recv_wait_record(false);
    assert!(
        waiting.only_wait_lists(),
        "an empty channel's recv waits on its wait-list"
    );
    let yielded = recv_wait_record(true);
    assert!(
        yielded
            .sites()
            .any(|s| s.kind == gort_waitsite::WaitKind::Yield),
        "the spent budget shows as a yield"
    );
    assert!(
        !yielded.only_wait_lists(),
        "a yield can be woken by its worker alone"
    );
}

/// A value that found the ring full waits in the back queue (see `core`'s module docs): later
/// sends wait behind it, receives take it after everything buffered before it, and `len`
/// counts it. (The race that puts it there, a lock-free send taking the room a receive freed for
/// a parked sender, is `loom_parked_sender_keeps_its_place_against_a_lock_free_send`.)
#[test]
fn a_value_in_the_back_queue_keeps_its_place_in_line() {
    let (tx, rx) = bounded::<u32>(2);
    tx.try_send(1).unwrap();
    tx.try_send(2).unwrap();
    let chan = &rx.chan;
    chan.locked(|st, _| chan.push_newest(st, 3));
    assert_eq!(rx.len(), 3, "one value over capacity until it drains");
    assert!(tx.try_send(4).is_err(), "a later send does not overtake it");
    let mut fourth = Box::pin(tx.send(4));
    assert!(poll_once(&mut fourth).is_pending());
    let mut got = Vec::new();
    let mut sent = false;
    while got.len() < 4 {
        got.push(rx.try_recv().unwrap());
        sent = sent || poll_once(&mut fourth).is_ready();
    }
    assert!(sent);
    assert_eq!(got, [1, 2, 3, 4]);
    assert!(rx.is_empty());
}

/// A receiver polled once as a `Stream` (the `next()` future then dropped, as a lost
/// `select!` branch does) leaves its parked state behind; a `recv` future after it must still
/// get the next value, not leave it waiting in the buffer behind the stale stream waiter.
#[test]
fn recv_after_an_abandoned_stream_poll_gets_the_next_value() {
    let (tx, mut rx) = bounded::<u32>(4);
    let waker = noop_waker();
    let mut cx = Context::from_waker(&waker);
    assert!(Pin::new(&mut rx).poll_next(&mut cx).is_pending());
    let mut recv = Box::pin(rx.recv());
    assert!(poll_once(&mut recv).is_pending());
    tx.try_send(1).unwrap();
    assert_eq!(poll_once(&mut recv), Poll::Ready(Some(1)));
}

/// A buffer that cannot be allocated is a panic naming its size (Go's `makechan` panics too),
/// not an abort of the process.
#[test]
#[should_panic(expected = "a channel buffer of 1152921504606846976 values")]
fn a_buffer_too_large_for_memory_panics() {
    let _ = bounded::<u64>(1 << 60);
}

/// `usize::MAX` is no capacity a buffer can have: a panic as for any buffer too large, not a
/// silently unbounded channel.
#[test]
#[should_panic(expected = "a channel buffer of 18446744073709551615 values")]
fn the_largest_capacity_panics_instead_of_going_unbounded() {
    let _ = bounded::<u8>(usize::MAX);
}

/// The plain lane hands a send's value straight to the first parked receive only when that
/// receive is a plain one: a `select!` parked first is served first (FIFO), through its token.
#[test]
fn a_plain_send_serves_a_select_parked_ahead_of_a_plain_receive() {
    for cap in [0, 1] {
        let (tx, rx) = bounded::<i32>(cap);
        let (_never_tx, never_rx) = bounded::<i32>(0);
        let mut sel = Box::pin(async {
            select! {
                v = rx.recv() => v,
                v = never_rx.recv() => v.map(|v| v + 1000),
            }
        });
        assert!(poll_once(&mut sel).is_pending(), "cap {cap}: parks first");
        let mut plain = Box::pin(rx.recv());
        assert!(
            poll_once(&mut plain).is_pending(),
            "cap {cap}: parks second"
        );
        assert!(poll_once(&mut Box::pin(tx.send(1))).is_ready());
        assert!(poll_once(&mut Box::pin(tx.send(2))).is_ready());
        assert_eq!(poll_once(&mut sel), Poll::Ready(Some(1)), "cap {cap}");
        assert_eq!(poll_once(&mut plain), Poll::Ready(Some(2)), "cap {cap}");
        assert_eq!(
            rx.try_recv(),
            Err(TryRecvError::Empty),
            "cap {cap}: nothing left"
        );
    }
}

/// The plain lane's direct take on an unbuffered channel goes to the first parked sender in
/// order, and completes exactly that send (one value each, none twice).
#[test]
fn plain_receives_take_parked_plain_senders_in_order() {
    let (tx, rx) = bounded::<u32>(0);
    let mut sends: Vec<_> = (0..4).map(|i| Box::pin(tx.send(i))).collect();
    for send in &mut sends {
        assert!(poll_once(send).is_pending());
    }
    let mut done = [false; 4];
    for i in 0..4 {
        assert_eq!(poll_once(&mut Box::pin(rx.recv())), Poll::Ready(Some(i)));
        for (j, send) in sends.iter_mut().enumerate() {
            if !done[j] {
                done[j] = poll_once(send).is_ready();
                assert_eq!(done[j], j as u32 == i, "send {j} after receive {i}");
            }
        }
    }
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
}

#[test]
fn a_channel_takes_the_allocators_fast_path_and_keeps_its_lock_apart() {
    use super::core::Chan;
    // Not over-aligned (an over-aligned allocation takes glibc's `memalign`), and small enough
    // for the allocator's per-thread cache (chunks up to 1,032 bytes).
    assert!(std::mem::align_of::<Chan<u64>>() <= 16);
    assert!(std::mem::size_of::<Chan<u64>>() + 16 <= 1032);
    let chan = Chan::<u64>::new_go(4);
    let lock = std::ptr::from_ref(&*chan.state) as usize;
    let counters = std::ptr::from_ref(&chan.recv_parked) as usize;
    assert!(
        lock - counters >= 128,
        "the lock shares a block with the counters"
    );
}

#[test]
fn the_last_receiver_drops_what_is_buffered_at_once() {
    for (tx, rx) in [bounded(4), unbounded()] {
        let marker = std::sync::Arc::new(());
        tx.try_send(marker.clone()).unwrap();
        tx.try_send(marker.clone()).unwrap();
        let rx2 = rx.clone();
        drop(rx);
        assert_eq!(
            std::sync::Arc::strong_count(&marker),
            3,
            "a receiver is left"
        );
        drop(rx2);
        assert_eq!(
            std::sync::Arc::strong_count(&marker),
            1,
            "dropped with the last receiver, while a sender still holds the channel"
        );
        assert!(tx.is_closed());
    }
}

/// Both ends dropped, senders first: the last receiver takes no lock (nobody is left to see a
/// close), and what was buffered goes with the channel — nothing leaks, nothing is dropped twice.
#[test]
fn values_buffered_when_both_ends_go_are_dropped_with_the_channel() {
    for (tx, rx) in [bounded(4), unbounded(), bounded(0)] {
        let marker = std::sync::Arc::new(());
        if tx.try_send(marker.clone()).is_ok() {
            tx.try_send(marker.clone()).unwrap();
        }
        let expected_before = if tx.chan.cap() == 0 { 1 } else { 3 };
        assert_eq!(std::sync::Arc::strong_count(&marker), expected_before);
        drop(tx);
        assert!(
            rx.is_closed(),
            "the last sender closed it: a receiver is left"
        );
        drop(rx);
        assert_eq!(std::sync::Arc::strong_count(&marker), 1);
    }
    // Receivers first: the last sender does not close (nobody is left), nothing leaks either.
    let (tx, rx) = bounded(4);
    let marker = std::sync::Arc::new(());
    tx.try_send(marker.clone()).unwrap();
    drop(rx);
    assert_eq!(
        std::sync::Arc::strong_count(&marker),
        1,
        "dropped with the receiver"
    );
    drop(tx);
    assert_eq!(std::sync::Arc::strong_count(&marker), 1);
}

/// A value handed to a parked receive's cell is still on its way: until that receive takes it
/// (or, dropped, hands it back), a closed channel is not drained, and no other receiver may
/// say `Closed`. Here the receive is dropped: the value goes back and the other receiver gets
/// it, then `Closed`.
#[test]
fn a_value_in_a_dropped_receives_cell_is_not_lost_after_close() {
    for cap in [0, 1, 4, UNBOUNDED_CAP] {
        let (tx, rx) = make(cap);
        let rx2 = rx.clone();
        let mut parked = Box::pin(rx.recv());
        assert!(poll_once(&mut parked).is_pending(), "cap {cap}");
        if cap == 0 {
            // A send future completes at once: the receive is parked.
            assert!(poll_once(&mut Box::pin(tx.send(7))).is_ready(), "cap {cap}");
        } else {
            assert!(tx.try_send(7).is_ok(), "cap {cap}");
        }
        assert!(tx.close());
        assert_eq!(
            rx2.try_recv(),
            Err(TryRecvError::Empty),
            "cap {cap}: 7 is in a cell"
        );
        drop(parked);
        assert_eq!(rx2.try_recv(), Ok(7), "cap {cap}");
        assert_eq!(rx2.try_recv(), Err(TryRecvError::Closed), "cap {cap}");
    }
}

/// The same, with another receive parked after the close: the dropped receive's value goes to
/// it; and when the receive holding the value takes it instead, the parked one is told
/// `None` (the cell was the last thing on its way).
#[test]
fn a_receive_parked_behind_a_full_cell_ends_when_the_cell_empties() {
    for cap in [0, 1, 4, UNBOUNDED_CAP] {
        for drop_holder in [false, true] {
            let (tx, rx) = make(cap);
            let mut holder = Box::pin(rx.recv());
            assert!(poll_once(&mut holder).is_pending());
            if cap == 0 {
                assert!(poll_once(&mut Box::pin(tx.send(7))).is_ready());
            } else {
                assert!(tx.try_send(7).is_ok());
            }
            assert!(tx.close());
            let (waker, wakes) = counting_waker();
            let mut cx = Context::from_waker(&waker);
            let mut behind = Box::pin(rx.recv());
            assert!(behind.as_mut().poll(&mut cx).is_pending(), "cap {cap}");
            if drop_holder {
                drop(holder);
                assert_eq!(wakes.0.load(Ordering::SeqCst), 1, "cap {cap}: handed on");
                assert_eq!(behind.as_mut().poll(&mut cx), Poll::Ready(Some(7)));
            } else {
                assert_eq!(poll_once(&mut holder), Poll::Ready(Some(7)), "cap {cap}");
                assert_eq!(wakes.0.load(Ordering::SeqCst), 1, "cap {cap}: told");
                assert_eq!(behind.as_mut().poll(&mut cx), Poll::Ready(None));
            }
            assert_eq!(rx.try_recv(), Err(TryRecvError::Closed), "cap {cap}");
        }
    }
}

/// Stands for an unbounded channel in the capacity loops above.
const UNBOUNDED_CAP: usize = usize::MAX;

fn make(cap: usize) -> (Sender<u32>, Receiver<u32>) {
    if cap == UNBOUNDED_CAP {
        unbounded()
    } else {
        bounded(cap)
    }
}
