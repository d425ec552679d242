//! gort's tokio-shaped `mpsc` used exactly as tokio's, on tokio's runtime.

use gort::sync::mpsc;
use std::time::Duration;
use tokio::time::timeout;

const LIMIT: Duration = Duration::from_secs(20);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn producers_and_consumer_count_exactly() {
    timeout(LIMIT, async {
        let (tx, mut rx) = mpsc::channel::<usize>(32);
        for p in 0..4 {
            let tx = tx.clone();
            tokio::spawn(async move {
                for i in 0..10_000 {
                    tx.send(p * 100_000 + i).await.unwrap();
                }
            });
        }
        drop(tx);
        let mut next = [0usize; 4];
        let mut n = 0;
        while let Some(v) = rx.recv().await {
            let (p, i) = (v / 100_000, v % 100_000);
            assert_eq!(next[p], i);
            next[p] += 1;
            n += 1;
        }
        assert_eq!(n, 40_000);
    })
    .await
    .expect("timed out");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelled_sends_never_deliver_and_cancelled_recvs_never_lose() {
    timeout(LIMIT, async {
        let (tx, mut rx) = mpsc::channel::<u32>(1);
        let producer = tokio::spawn(async move {
            let mut delivered = Vec::new();
            for i in 0..3_000u32 {
                // Either the send completes in time (delivered) or it is dropped (never sent).
                if let Ok(r) = timeout(Duration::from_micros(30), tx.send(i)).await {
                    r.unwrap();
                    delivered.push(i);
                }
            }
            delivered
        });
        let mut got = Vec::new();
        loop {
            match timeout(Duration::from_micros(25), rx.recv()).await {
                Ok(Some(v)) => got.push(v),
                Ok(None) => break,
                Err(_) => {}
            }
        }
        assert_eq!(got, producer.await.unwrap());
    })
    .await
    .expect("timed out");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reserve_then_send_and_blocking_ends() {
    timeout(LIMIT, async {
        let (tx, mut rx) = mpsc::channel::<u32>(2);
        let permit = tx.reserve().await.unwrap();
        let owned = tx.clone().reserve_owned().await.unwrap();
        assert_eq!(tx.capacity(), 0);
        permit.send(1);
        owned.send(2);
        let blocking = std::thread::spawn({
            let tx = tx.clone();
            move || tx.blocking_send(3).unwrap()
        });
        assert_eq!(rx.recv().await, Some(1));
        assert_eq!(rx.recv().await, Some(2));
        assert_eq!(rx.recv().await, Some(3));
        tokio::task::spawn_blocking(move || blocking.join().unwrap())
            .await
            .unwrap();
        let (utx, mut urx) = mpsc::unbounded_channel();
        let t = std::thread::spawn(move || urx.blocking_recv());
        utx.send(9).unwrap();
        assert_eq!(
            tokio::task::spawn_blocking(move || t.join().unwrap())
                .await
                .unwrap(),
            Some(9)
        );
    })
    .await
    .expect("timed out");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closed_and_drop_semantics() {
    timeout(LIMIT, async {
        let (tx, rx) = mpsc::channel::<u8>(1);
        let watcher = {
            let tx = tx.clone();
            tokio::spawn(async move { tx.closed().await })
        };
        tokio::time::sleep(Duration::from_millis(10)).await;
        assert!(!watcher.is_finished());
        drop(rx);
        watcher.await.unwrap();
        assert!(tx.is_closed());
        assert!(tx.send(1).await.is_err());
    })
    .await
    .expect("timed out");
}

/// A waker that counts its wakes.
struct Counting(std::sync::atomic::AtomicUsize);

impl std::task::Wake for Counting {
    fn wake(self: std::sync::Arc<Self>) {
        self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
}

/// Polls `fut` once with the counting waker `waker`.
fn poll_with<F: std::future::Future + Unpin>(
    fut: &mut F,
    waker: &std::task::Waker,
) -> std::task::Poll<F::Output> {
    std::pin::Pin::new(fut).poll(&mut std::task::Context::from_waker(waker))
}

/// A permit request granted a slot but not yet polled when the receiver closes fails (as
/// tokio's) and gives the slot back, so a receive waiting for outstanding slots ends.
#[test]
fn a_granted_reserve_that_fails_on_close_wakes_the_receiver() {
    use std::sync::{atomic::AtomicUsize, atomic::Ordering::SeqCst, Arc};
    let wakes = |c: &Arc<Counting>| c.0.load(SeqCst);
    let (reserve_wakes, recv_wakes) = (
        Arc::new(Counting(AtomicUsize::new(0))),
        Arc::new(Counting(AtomicUsize::new(0))),
    );
    let reserve_waker = std::task::Waker::from(reserve_wakes.clone());
    let recv_waker = std::task::Waker::from(recv_wakes.clone());
    let (tx, mut rx) = mpsc::channel::<()>(1);
    let permit = tx.try_reserve().unwrap(); // the only slot
    let mut reserve = Box::pin(tx.reserve());
    assert!(poll_with(&mut reserve, &reserve_waker).is_pending());
    drop(permit); // the slot goes to the queued request, woken but not yet polled
    assert_eq!(wakes(&reserve_wakes), 1);
    rx.close();
    let mut recv = Box::pin(rx.recv());
    assert!(
        poll_with(&mut recv, &recv_waker).is_pending(),
        "the granted slot could still send"
    );
    assert!(matches!(
        poll_with(&mut reserve, &reserve_waker),
        std::task::Poll::Ready(Err(_))
    ));
    assert_eq!(
        wakes(&recv_wakes),
        1,
        "the slot came back: nothing can arrive any more"
    );
    assert!(matches!(
        poll_with(&mut recv, &recv_waker),
        std::task::Poll::Ready(None)
    ));
}

/// A waker that panics when woken (a buggy receiver's).
struct Panicking;

impl std::task::Wake for Panicking {
    fn wake(self: std::sync::Arc<Self>) {
        panic!("the receiver's waker panicked");
    }
}

/// A permit's send delivers its value even when the waiting receiver's waker panics, and the
/// slot stays spent on that value: it is not given back a second time by the permit's drop
/// during the unwind (which left capacity 1 with the one slot full).
#[test]
fn a_panicking_receiver_waker_leaves_the_slot_spent_on_the_value() {
    let (tx, mut rx) = mpsc::channel::<u32>(1);
    let waker = std::task::Waker::from(std::sync::Arc::new(Panicking));
    let mut cx = std::task::Context::from_waker(&waker);
    assert!(rx.poll_recv(&mut cx).is_pending());
    let permit = tx.try_reserve().unwrap();
    let sent = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| permit.send(7)));
    assert!(sent.is_err(), "the waker's panic reaches the sender");
    assert_eq!(tx.capacity(), 0, "the slot holds the value");
    assert_eq!(rx.len(), 1);
    assert_eq!(rx.try_recv(), Ok(7));
    assert_eq!(tx.capacity(), 1);
    assert_eq!(tx.max_capacity(), 1);
}
