//! Tests of the capacity units under tokio's rules: pops give units back in batches, while
//! `try_send`, `capacity()` and the drain after close see every unit at once (see
//! `chan::array`).

use super::error::TrySendError;
use super::*;
use futures::task::noop_waker;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

fn poll_once<F: Future + Unpin>(fut: &mut F) -> Poll<F::Output> {
    let waker = noop_waker();
    Pin::new(fut).poll(&mut Context::from_waker(&waker))
}

/// A ring large enough that pops give their units back in batches (a quarter of the ring).
const BATCHED: usize = 16;

#[test]
fn a_unit_freed_by_recv_is_there_for_the_next_try_send() {
    let (tx, mut rx) = channel(BATCHED);
    for i in 0..BATCHED {
        tx.try_send(i).unwrap();
    }
    // Many laps of "one out, one in": each freed unit sits in the receive's batch, and the
    // send after the receive still finds it (tokio's rule), exactly one of it.
    for i in BATCHED..BATCHED * 10 {
        assert_eq!(tx.capacity(), 0);
        assert!(matches!(
            tx.try_send(usize::MAX),
            Err(TrySendError::Full(_))
        ));
        assert_eq!(rx.try_recv(), Ok(i - BATCHED));
        assert_eq!(
            tx.capacity(),
            1,
            "the freed unit counts before its batch moves"
        );
        tx.try_send(i).unwrap();
    }
    assert!(matches!(
        tx.try_send(usize::MAX),
        Err(TrySendError::Full(_))
    ));
}

#[test]
fn capacity_counts_units_waiting_in_a_batch() {
    let (tx, mut rx) = channel(BATCHED);
    for i in 0..10 {
        tx.try_send(i).unwrap();
    }
    for i in 0..3 {
        assert_eq!(rx.try_recv(), Ok(i));
    }
    assert_eq!(tx.capacity(), BATCHED - 7);
    // Units may be taken and given back in any mix of the two pools: the count stays exact.
    let permit = tx.try_reserve().unwrap();
    assert_eq!(tx.capacity(), BATCHED - 8);
    drop(permit);
    for i in 3..10 {
        assert_eq!(rx.try_recv(), Ok(i));
    }
    assert_eq!(tx.capacity(), BATCHED);
    assert_eq!(tx.max_capacity(), BATCHED);
    for i in 0..BATCHED {
        tx.try_send(i).unwrap();
    }
    assert!(matches!(tx.try_send(0), Err(TrySendError::Full(0))));
}

#[test]
fn drain_after_close_ends_with_units_waiting_in_a_batch() {
    futures::executor::block_on(async {
        let (tx, mut rx) = channel(BATCHED);
        for i in 0..5 {
            tx.send(i).await.unwrap();
        }
        let permit = tx.try_reserve().unwrap();
        assert_eq!(rx.recv().await, Some(0));
        rx.close();
        for i in 1..5 {
            assert_eq!(rx.recv().await, Some(i));
        }
        // Every value received, some units still in the receive's batch: the outstanding
        // permit alone keeps the receive waiting.
        let mut recv = Box::pin(rx.recv());
        assert!(poll_once(&mut recv).is_pending(), "a permit is outstanding");
        drop(permit);
        assert_eq!(poll_once(&mut recv), Poll::Ready(None));
    });
}

#[test]
fn units_are_conserved_across_threads() {
    let per = if cfg!(miri) { 30 } else { 20_000 };
    let producers = 3;
    let (tx, mut rx) = channel::<usize>(BATCHED);
    let senders: Vec<_> = (0..producers)
        .map(|p| {
            let tx = tx.clone();
            std::thread::spawn(move || {
                for i in 0..per {
                    let value = p * per + i;
                    // Alternate the ways of taking a unit: a send, a try_send, a permit.
                    match i % 3 {
                        0 => tx.blocking_send(value).unwrap(),
                        1 => {
                            let mut value = value;
                            while let Err(TrySendError::Full(back)) = tx.try_send(value) {
                                value = back;
                                std::thread::yield_now();
                            }
                        }
                        _ => futures::executor::block_on(tx.reserve())
                            .unwrap()
                            .send(value),
                    }
                }
            })
        })
        .collect();
    let mut seen = vec![false; producers * per];
    for _ in 0..producers * per {
        let value = rx.blocking_recv().unwrap();
        assert!(!seen[value], "{value} received twice");
        seen[value] = true;
        assert!(
            rx.len() <= BATCHED,
            "more values buffered than the capacity"
        );
    }
    for s in senders {
        s.join().unwrap();
    }
    assert!(seen.iter().all(|&s| s));
    assert_eq!(tx.capacity(), BATCHED, "every unit came back");
    drop(tx);
    assert_eq!(rx.blocking_recv(), None);
}
