//! Unit tests of tokio-shaped `mpsc`.

use super::error::{TryRecvError, TrySendError};
use super::*;
use futures::task::noop_waker;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

fn poll_once<F: Future + Unpin>(fut: &mut F) -> Poll<F::Output> {
    let waker = noop_waker();
    Pin::new(fut).poll(&mut Context::from_waker(&waker))
}

#[test]
#[should_panic(expected = "mpsc bounded channel requires buffer > 0")]
fn zero_buffer_panics_as_tokio() {
    let _ = channel::<()>(0);
}

#[test]
#[should_panic(expected = "mpsc bounded channel requires buffer <= Semaphore::MAX_PERMITS")]
fn buffer_above_max_permits_panics_as_tokio() {
    let _ = channel::<()>(crate::sync::Semaphore::MAX_PERMITS + 1);
}

/// Capacity, permits and close on a buffer of `cap`: the same rules whether the values live in
/// a ring (small) or a block list (large).
fn fill_drain_and_close(cap: usize) {
    let (tx, mut rx) = channel::<u64>(cap);
    for i in 0..cap as u64 {
        tx.try_send(i).unwrap();
    }
    assert!(
        matches!(tx.try_send(99), Err(TrySendError::Full(99))),
        "cap {cap}"
    );
    assert_eq!(tx.capacity(), 0);
    assert_eq!(rx.try_recv(), Ok(0));
    let permit = tx.try_reserve().expect("the received value's slot");
    assert!(tx.try_reserve().is_err(), "cap {cap}: full again");
    rx.close();
    assert!(matches!(tx.try_send(99), Err(TrySendError::Closed(99))));
    permit.send(cap as u64);
    for i in 1..=cap as u64 {
        assert_eq!(
            rx.try_recv(),
            Ok(i),
            "cap {cap}: FIFO, the permit's value last"
        );
    }
    assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
}

#[test]
fn a_small_and_a_large_buffer_keep_the_same_rules() {
    fill_drain_and_close(3);
    // 16-byte slots: well past the ring's 64 KiB (1 KiB under Miri), so a block list.
    fill_drain_and_close(if cfg!(miri) { 100 } else { 20_000 });
}

/// tokio's largest buffer works and costs nothing up front (a ring of it would not fit).
#[test]
fn the_largest_buffer_allocates_as_values_arrive() {
    let max = crate::sync::Semaphore::MAX_PERMITS;
    let (tx, mut rx) = channel::<u64>(max);
    assert_eq!(tx.max_capacity(), max);
    for i in 0..100 {
        tx.try_send(i).unwrap();
    }
    assert_eq!(tx.capacity(), max - 100);
    for i in 0..100 {
        assert_eq!(rx.try_recv(), Ok(i));
    }
    assert_eq!(tx.capacity(), max);
}

#[test]
fn send_recv_close_as_tokio() {
    futures::executor::block_on(async {
        let (tx, mut rx) = channel(2);
        tx.send(1).await.unwrap();
        tx.send(2).await.unwrap();
        assert!(matches!(tx.try_send(3), Err(TrySendError::Full(3))));
        assert_eq!(tx.capacity(), 0);
        assert_eq!(tx.max_capacity(), 2);
        rx.close();
        assert!(tx.is_closed());
        assert!(matches!(tx.try_send(3), Err(TrySendError::Closed(3))));
        assert_eq!(tx.send(4).await.unwrap_err().0, 4);
        assert_eq!(rx.recv().await, Some(1));
        assert_eq!(rx.recv().await, Some(2));
        assert_eq!(rx.recv().await, None);
        assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
    });
}

#[test]
fn permits_reserve_slots_and_survive_close() {
    let (tx, mut rx) = channel(1);
    let permit = tx.try_reserve().unwrap();
    assert!(tx.try_reserve().is_err());
    let mut waiting = tx.reserve();
    assert!(poll_once(&mut waiting).is_pending());
    rx.close();
    // The parked request fails, the granted permit still sends (tokio's semantics).
    assert!(matches!(poll_once(&mut waiting), Poll::Ready(Err(_))));
    let mut recv = Box::pin(rx.recv());
    assert!(poll_once(&mut recv).is_pending(), "a permit is outstanding");
    permit.send(7);
    assert_eq!(poll_once(&mut recv), Poll::Ready(Some(7)));
    drop(recv);
    assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
}

#[test]
fn dropped_permit_and_cancelled_reserve_give_the_slot_back() {
    let (tx, mut rx) = channel::<u8>(1);
    let permit = tx.try_reserve().unwrap();
    let mut first = tx.reserve();
    let mut second = tx.reserve();
    assert!(poll_once(&mut first).is_pending());
    assert!(poll_once(&mut second).is_pending());
    drop(permit); // the slot goes to `first`
    drop(first); // cancelled after being granted: the slot goes on to `second`
    let permit = match poll_once(&mut second) {
        Poll::Ready(Ok(permit)) => permit,
        other => panic!("expected a permit, got {:?}", other.map(|r| r.is_ok())),
    };
    permit.send(3);
    assert_eq!(rx.try_recv(), Ok(3));
    let owned = tx.clone().try_reserve_owned().unwrap();
    let tx2 = owned.send(4);
    assert!(tx2.same_channel(&tx));
    assert_eq!(rx.try_recv(), Ok(4));
}

#[test]
fn parked_sends_keep_fifo_order_and_a_cancelled_one_never_delivers() {
    let (tx, mut rx) = channel(1);
    tx.try_send(0).unwrap();
    let mut a = Box::pin(tx.send(1));
    let mut b = Box::pin(tx.send(2));
    let mut c = Box::pin(tx.send(3));
    for f in [&mut a, &mut b, &mut c] {
        assert!(poll_once(f).is_pending());
    }
    assert_eq!(rx.try_recv(), Ok(0)); // grants the slot to `a`
    drop(a); // cancelled: 1 is never sent; the slot passes to `b`
    assert!(matches!(poll_once(&mut b), Poll::Ready(Ok(()))));
    assert_eq!(rx.try_recv(), Ok(2));
    assert!(matches!(poll_once(&mut c), Poll::Ready(Ok(()))));
    assert_eq!(rx.try_recv(), Ok(3));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
}

#[test]
fn closed_completes_when_the_receiver_goes() {
    let (tx, rx) = channel::<()>(1);
    let mut closed = tx.closed();
    assert!(poll_once(&mut closed).is_pending());
    drop(rx);
    assert!(poll_once(&mut closed).is_ready());
    let (utx, mut urx) = unbounded_channel::<()>();
    let mut closed = utx.closed();
    assert!(poll_once(&mut closed).is_pending());
    urx.close();
    assert!(poll_once(&mut closed).is_ready());
}

#[test]
fn weak_senders_do_not_keep_the_channel_open() {
    let (tx, mut rx) = channel::<u8>(1);
    let weak = tx.downgrade();
    assert_eq!(rx.sender_strong_count(), 1);
    let strong = weak.upgrade().unwrap();
    assert_eq!(tx.strong_count(), 2);
    drop(strong);
    drop(tx);
    assert!(weak.upgrade().is_none());
    assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));

    let (utx, _urx) = unbounded_channel::<u8>();
    let uweak = utx.downgrade();
    assert!(uweak.upgrade().is_some());
    drop(utx);
    assert!(uweak.clone().upgrade().is_none());
}

#[test]
fn recv_many_takes_up_to_the_limit() {
    futures::executor::block_on(async {
        let (tx, mut rx) = unbounded_channel();
        for i in 0..10 {
            tx.send(i).unwrap();
        }
        let mut buf = Vec::new();
        assert_eq!(rx.recv_many(&mut buf, 4).await, 4);
        assert_eq!(rx.recv_many(&mut buf, 0).await, 0);
        assert_eq!(rx.recv_many(&mut buf, 100).await, 6);
        assert_eq!(buf, (0..10).collect::<Vec<_>>());
        drop(tx);
        assert_eq!(rx.recv_many(&mut buf, 4).await, 0);
    });
}

#[test]
fn dropping_the_receiver_drops_buffered_values() {
    let marker = std::sync::Arc::new(());
    let (tx, rx) = channel(4);
    tx.try_send(marker.clone()).unwrap();
    tx.try_send(marker.clone()).unwrap();
    assert_eq!(std::sync::Arc::strong_count(&marker), 3);
    drop(rx);
    assert_eq!(std::sync::Arc::strong_count(&marker), 1);
    assert!(tx.try_send(marker.clone()).is_err());
}

#[test]
fn blocking_and_async_ends_across_threads() {
    crate::chan::tests::with_timeout(|| {
        let n = if cfg!(miri) { 50 } else { 5_000 };
        let (tx, mut rx) = channel(8);
        let producers: Vec<_> = (0..2)
            .map(|p| {
                let tx = tx.clone();
                std::thread::spawn(move || {
                    if p == 0 {
                        for i in 0..n {
                            tx.blocking_send((p, i)).unwrap();
                        }
                    } else {
                        futures::executor::block_on(async {
                            for i in 0..n {
                                tx.send((p, i)).await.unwrap();
                            }
                        });
                    }
                })
            })
            .collect();
        drop(tx);
        let mut next = [0; 2];
        while let Some((p, i)) = rx.blocking_recv() {
            assert_eq!(next[p], i);
            next[p] += 1;
        }
        assert_eq!(next, [n, n]);
        for p in producers {
            p.join().unwrap();
        }
    });
}

#[test]
fn reserve_many_takes_permits_in_turn_and_gives_back_on_cancel() {
    let (tx, mut rx) = channel::<u8>(2);
    let held = tx.try_reserve_many(2).unwrap();
    let mut many = Box::pin(tx.reserve_many(2));
    assert!(poll_once(&mut many).is_pending());
    let mut single = Box::pin(tx.reserve());
    assert!(poll_once(&mut single).is_pending());
    // Freed slots go to the waiters in turn, one permit each (see `reserve_many.rs`).
    drop(held);
    assert!(
        poll_once(&mut many).is_pending(),
        "holds one, waits for one"
    );
    let permit = match poll_once(&mut single) {
        Poll::Ready(Ok(permit)) => permit,
        _ => panic!("the second freed slot went to the single reserve"),
    };
    permit.send(7);
    assert_eq!(rx.try_recv(), Ok(7));
    let permits = match poll_once(&mut many) {
        Poll::Ready(Ok(permits)) => permits,
        _ => panic!("the slot freed by the receive completes the request"),
    };
    for (i, permit) in permits.enumerate() {
        permit.send(i as u8);
    }
    assert_eq!((rx.try_recv(), rx.try_recv()), (Ok(0), Ok(1)));
    // A request dropped midway returns what it took.
    let one = tx.try_reserve().unwrap();
    let mut partial = Box::pin(tx.reserve_many(2));
    assert!(poll_once(&mut partial).is_pending());
    assert_eq!(tx.capacity(), 0);
    drop(partial);
    assert_eq!(tx.capacity(), 1);
    drop(one);
    assert_eq!(tx.capacity(), 2);
}

/// A receive left parked by `poll_recv` gives way to a `recv` future: the value sent next goes
/// to the future, exactly once, and nothing is left behind for `try_recv`.
#[test]
fn recv_future_after_a_parked_poll_recv_gets_the_next_value_once() {
    let (tx, mut rx) = channel::<u32>(4);
    let waker = noop_waker();
    assert!(rx.poll_recv(&mut Context::from_waker(&waker)).is_pending());
    {
        let mut recv = Box::pin(rx.recv());
        assert!(poll_once(&mut recv).is_pending());
        tx.try_send(5).unwrap();
        assert_eq!(poll_once(&mut recv), Poll::Ready(Some(5)));
    }
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    // Signalled while parked by `poll_recv`, then a `recv` future: the value is at the front.
    assert!(rx.poll_recv(&mut Context::from_waker(&waker)).is_pending());
    tx.try_send(6).unwrap();
    let mut recv = Box::pin(rx.recv());
    assert_eq!(poll_once(&mut recv), Poll::Ready(Some(6)));
}

/// A `recv` future dropped after a sender handed it a value (into its cell) passes the value
/// back: the next receive gets it.
#[test]
fn recv_future_dropped_after_being_handed_a_value_loses_nothing() {
    let (tx, mut rx) = channel::<u32>(1);
    let mut recv = Box::pin(rx.recv());
    assert!(poll_once(&mut recv).is_pending());
    tx.try_send(9).unwrap(); // handed straight to the parked future
    drop(recv);
    assert_eq!(rx.try_recv(), Ok(9));
    let mut many = Vec::new();
    let mut recv_many = Box::pin(rx.recv_many(&mut many, 4));
    assert!(poll_once(&mut recv_many).is_pending());
    tx.try_send(10).unwrap();
    drop(recv_many);
    assert_eq!(rx.try_recv(), Ok(10));
}
