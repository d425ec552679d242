//! loom models of the channel engine: every interleaving of the lock, the atomics and the
//! wake-ups in small scenarios. Run with
//! `RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=2 cargo test --release -p gort-channel --lib loom_`.

use super::*;
use crate::select::SelectRef;
use loom::future::block_on;
use loom::thread;
use std::task::{Context, Poll};

fn poll_once<F: Future + Unpin>(fut: &mut F) -> Poll<F::Output> {
    let waker = futures::task::noop_waker();
    Pin::new(fut).poll(&mut Context::from_waker(&waker))
}

/// Rendezvous hand-off: a parked receiver and a parked sender meet, whoever comes first.
#[test]
fn loom_waitlist_handoff_rendezvous() {
    loom::model(|| {
        let (tx, rx) = bounded::<u32>(0);
        let sender = thread::spawn(move || block_on(tx.send(7)).is_ok());
        assert_eq!(block_on(rx.recv()), Some(7));
        assert!(sender.join().unwrap());
    });
}

/// Two values from a sender thread, received in order, then `None`: with `cap == 1` the parked
/// sender is granted the freed slot; with `cap == 0` each value goes through the receive
/// future's cell on its own thread (a new future, so a new cell, each time).
fn two_values_in_order_then_none(cap: usize) {
    loom::model(move || {
        let (tx, rx) = bounded::<u32>(cap);
        let sender = thread::spawn(move || {
            block_on(tx.send(1)).unwrap();
            block_on(tx.send(2)).unwrap();
        });
        assert_eq!(block_on(rx.recv()), Some(1));
        assert_eq!(block_on(rx.recv()), Some(2));
        sender.join().unwrap();
        assert_eq!(block_on(rx.recv()), None);
    });
}

/// A full buffer: the parked sender is granted the freed slot and completes; nothing is lost.
#[test]
fn loom_waitlist_handoff_buffered() {
    two_values_in_order_then_none(1);
}

/// Per-sender FIFO when a lock-free send races a receive that pulls a parked sender in: the
/// racing send may take the freed slot first, and the parked sender's value must then wait
/// behind the values already buffered (it used to jump to the front, ahead of the sender's own
/// earlier values).
#[test]
fn loom_parked_sender_keeps_its_place_against_a_lock_free_send() {
    loom::model(|| {
        let (tx, rx) = bounded::<u32>(2);
        tx.try_send(1).unwrap();
        tx.try_send(2).unwrap();
        // The racer may read "nobody parked" before our third send parks.
        let racer_tx = tx.clone();
        let racer = thread::spawn(move || racer_tx.try_send(99).is_ok());
        let mut third = Box::pin(tx.send(3));
        assert!(
            poll_once(&mut third).is_pending(),
            "full: parked with its value"
        );
        let mut got = vec![rx.try_recv().unwrap()];
        let raced = racer.join().unwrap();
        while let Ok(v) = rx.try_recv() {
            got.push(v);
        }
        if poll_once(&mut third).is_pending() {
            // The racing send filled the ring before the receive could pull ours in.
            got.push(rx.try_recv().unwrap());
            assert!(poll_once(&mut third).is_ready());
            while let Ok(v) = rx.try_recv() {
                got.push(v);
            }
        }
        let ours: Vec<u32> = got.iter().copied().filter(|&v| v != 99).collect();
        assert_eq!(ours, [1, 2, 3], "received {got:?}");
        assert_eq!(got.len(), 3 + usize::from(raced), "received {got:?}");
    });
}

/// Close races a parked send and a parked receive: every value is either received or returned
/// to its sender, exactly once, and nobody hangs.
#[test]
fn loom_close_races_send_and_recv() {
    loom::model(|| {
        let (tx, rx) = bounded::<u32>(0);
        let closer = tx.clone();
        let sender = thread::spawn(move || match block_on(tx.send(1)) {
            Ok(()) => 1,
            Err(SendError(v)) => {
                assert_eq!(v, 1);
                0
            }
        });
        let closing = thread::spawn(move || {
            closer.close();
        });
        let received = match block_on(rx.recv()) {
            Some(v) => {
                assert_eq!(v, 1);
                1
            }
            None => 0,
        };
        closing.join().unwrap();
        let sent = sender.join().unwrap();
        assert_eq!(
            sent, received,
            "a send succeeds exactly when its value is received"
        );
        assert_eq!(block_on(rx.recv()), None);
    });
}

/// A receive that is handed a value and then dropped passes the value on: nothing is lost.
#[test]
fn loom_cancel_handed_off_recv() {
    loom::model(|| {
        let (tx, rx) = bounded::<u32>(1);
        let mut recv = Box::pin(rx.recv());
        assert!(poll_once(&mut recv).is_pending()); // parked
        let sender = thread::spawn(move || tx.try_send(5).is_ok());
        drop(recv); // may race the hand-off
        assert!(
            sender.join().unwrap(),
            "a slot or a receiver was always available"
        );
        assert_eq!(rx.try_recv(), Ok(5));
    });
}

/// Two peers race to complete two parked operations of one `select!`: one token, one winner.
#[test]
fn loom_select_token_admits_one_branch() {
    loom::model(|| {
        let (a, _token) = SelectRef::new_for_test(0);
        let b = a.sibling(1);
        let t = thread::spawn(move || a.claim_for_peer());
        let won_b = b.claim_for_peer();
        let won_a = t.join().unwrap();
        assert!(won_a ^ won_b, "exactly one branch commits");
    });
}

/// The channel's spinlock: two threads add one each under it, reading and writing the count
/// with relaxed accesses, so only the lock's acquire and release order them. Two holders at
/// once trip the `inside` flag; a release that did not publish the first add loses it.
#[test]
fn loom_spin_lock_excludes_and_orders() {
    use crate::chan::shim::spin::Lock;
    use crate::chan::shim::Arc;
    use loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    loom::model(|| {
        let lock = Arc::new(Lock::new(()));
        let count = Arc::new(AtomicUsize::new(0));
        let inside = Arc::new(AtomicBool::new(false));
        let add = {
            let (lock, count, inside) = (lock.clone(), count.clone(), inside.clone());
            move || {
                let guard = lock.lock();
                assert!(!inside.swap(true, Ordering::Relaxed), "two holders at once");
                let seen = count.load(Ordering::Relaxed);
                count.store(seen + 1, Ordering::Relaxed);
                inside.store(false, Ordering::Relaxed);
                drop(guard);
            }
        };
        let other = thread::spawn(add.clone());
        add();
        other.join().unwrap();
        let _guard = lock.lock();
        assert_eq!(count.load(Ordering::Relaxed), 2, "an add was lost");
    });
}

/// The lock-free ring with two producers (retrying while it is full) and a consumer racing them:
/// nothing lost, nothing duplicated, per-producer order kept.
#[test]
fn loom_lock_free_ring() {
    use super::ring::Ring;
    use crate::chan::shim::Arc;
    loom::model(|| {
        let ring = Arc::new(Ring::new(2));
        let producers: Vec<_> = (0..2)
            .map(|p| {
                let ring = ring.clone();
                thread::spawn(move || {
                    while ring.try_push(p).is_err() {
                        loom::thread::yield_now();
                    }
                })
            })
            .collect();
        let mut got = Vec::new();
        while got.len() < 2 {
            match ring.pop() {
                Some(v) => got.push(v),
                None => loom::thread::yield_now(),
            }
        }
        for p in producers {
            p.join().unwrap();
        }
        got.sort_unstable();
        assert_eq!(got, [0, 1]);
        assert_eq!(ring.pop(), None);
    });
}

/// A one-slot ring counts its capacity in its slot: a producer pushing twice races a consumer
/// popping (the second push finds the ring full until the first value is read, or a pop still
/// reading it); both values arrive once, in order. Pushed with `try_push` (the lock-free send's)
/// and with `push_or_full` (a push under the channel's lock: no pause, and a pop that claimed
/// the slot but still reads it is waited out, not taken for a full ring).
#[test]
fn loom_ring_one_slot_full_races_pop() {
    use super::ring::Ring;
    use crate::chan::shim::Arc;
    for under_lock in [false, true] {
        loom::model(move || {
            let ring = Arc::new(Ring::new(1));
            let producer = {
                let ring = ring.clone();
                thread::spawn(move || {
                    for v in [1, 2] {
                        let mut v = v;
                        loop {
                            let pushed = if under_lock {
                                ring.push_or_full(v)
                            } else {
                                ring.try_push(v)
                            };
                            match pushed {
                                Ok(()) => break,
                                Err(back) => v = back,
                            }
                            loom::thread::yield_now();
                        }
                    }
                })
            };
            let mut got = Vec::new();
            while got.len() < 2 {
                match ring.pop() {
                    Some(v) => got.push(v),
                    None => loom::thread::yield_now(),
                }
            }
            producer.join().unwrap();
            assert_eq!(got, [1, 2]);
            assert!(ring.is_empty());
        });
    }
}

/// A pop that sees `tail` moved waits for that push's value instead of reporting empty: the
/// channel counts a push as done once its position is won (a parking receive checks `tail`,
/// the lock-free send reads the parked count right after its compare-and-swap).
#[test]
fn loom_ring_pop_waits_for_push_in_flight() {
    use super::ring::Ring;
    use crate::chan::shim::Arc;
    loom::model(|| {
        let ring = Arc::new(Ring::new(2));
        let producer = {
            let ring = ring.clone();
            thread::spawn(move || ring.try_push(7).is_ok())
        };
        while ring.is_empty() {
            loom::thread::yield_now();
        }
        assert_eq!(
            ring.pop(),
            Some(7),
            "tail had moved: the value must be waited for"
        );
        assert!(producer.join().unwrap());
        assert!(ring.is_empty());
    });
}

/// A lock-free send races a receiver that is parking: the receiver's re-check after publishing
/// itself, or the sender's kick after its push, delivers the value (no lost wake-up).
#[test]
fn loom_fast_send_races_parking_recv() {
    loom::model(|| {
        let (tx, rx) = bounded::<u32>(1);
        let receiver = thread::spawn(move || block_on(rx.recv()));
        tx.try_send(3).unwrap();
        assert_eq!(receiver.join().unwrap(), Some(3));
    });
}

/// A lock-free receive frees a slot while a sender parks on the full ring: the sender's
/// re-check or the receiver's refill lets it through.
#[test]
fn loom_fast_recv_races_parking_send() {
    loom::model(|| {
        let (tx, rx) = bounded::<u32>(1);
        tx.try_send(1).unwrap();
        let sender = thread::spawn(move || block_on(tx.send(2)).is_ok());
        assert_eq!(rx.try_recv().ok().or_else(|| block_on(rx.recv())), Some(1));
        assert_eq!(block_on(rx.recv()), Some(2));
        assert!(sender.join().unwrap());
    });
}

/// After close, a lock-free receive takes the last buffered value while another receive is
/// parking: one gets the value, the other `None` — it must not sleep forever on a drained,
/// closed channel.
#[test]
fn loom_fast_recv_takes_last_value_after_close_races_parking_recv() {
    loom::model(|| {
        let (tx, rx) = bounded::<u32>(1);
        tx.try_send(1).unwrap();
        drop(tx);
        let other = rx.clone();
        let parking = thread::spawn(move || block_on(other.recv()));
        let mine = rx.try_recv().ok();
        let theirs = parking.join().unwrap();
        let mut got = [mine, theirs];
        got.sort_unstable();
        assert_eq!(got, [None, Some(1)]);
    });
}

// ----- Go's hand-off: a parked sender's value lives in its waiter -----

use crate::select::{claim, with_current, Claim, SelectScope};

/// Another branch of `scope`'s `select!` tries to commit (as a ready `recv` would).
fn other_branch_commits(scope: &SelectScope) -> bool {
    scope.poll_branch(1, || with_current(|me| claim(me) != Claim::Lost))
}

/// A sender parked inside a `select!` races a blocking receive, while its `select!` tries to
/// commit another branch: either the receiver took the value (and the send's branch won), or
/// the other branch won and the send never delivered — then a plain send feeds the receiver.
#[test]
fn loom_handoff_select_sender_races_recv() {
    loom::model(|| {
        let (tx, rx) = bounded::<u32>(0);
        let receiver = thread::spawn(move || block_on(rx.recv()));
        let scope = SelectScope::new(false);
        let mut send = Box::pin(tx.send(1));
        let first = scope.poll_branch(0, || poll_once(&mut send));
        let delivered = match first {
            Poll::Ready(r) => {
                r.unwrap(); // handed to the parked receiver directly
                true
            }
            Poll::Pending if other_branch_commits(&scope) => {
                drop(send); // the select took the other branch: never delivered
                block_on(tx.send(2)).unwrap();
                false
            }
            Poll::Pending => {
                // The receiver won the token for branch 0: it has the value.
                assert!(matches!(
                    scope.poll_branch(0, || poll_once(&mut send)),
                    Poll::Ready(Ok(()))
                ));
                true
            }
        };
        let got = receiver.join().unwrap();
        assert_eq!(got, Some(if delivered { 1 } else { 2 }));
    });
}

/// `try_recv` (Go's `select` with `default`) races a parked `select!` sender committing
/// another branch: the value is taken exactly when the send's branch won.
#[test]
fn loom_handoff_select_sender_races_try_recv() {
    loom::model(|| {
        let (tx, rx) = bounded::<u32>(0);
        let scope = SelectScope::new(false);
        let mut send = Box::pin(tx.send(1));
        assert!(scope.poll_branch(0, || poll_once(&mut send)).is_pending());
        let receiver = thread::spawn(move || rx.try_recv());
        let delivered = if other_branch_commits(&scope) {
            drop(send);
            false
        } else {
            assert!(matches!(
                scope.poll_branch(0, || poll_once(&mut send)),
                Poll::Ready(Ok(()))
            ));
            true
        };
        let got = receiver.join().unwrap();
        assert_eq!(got.is_ok(), delivered, "{got:?}");
        if delivered {
            assert_eq!(got, Ok(1));
        }
    });
}

/// Close races a parked send and a non-blocking receive: the value is either received or
/// returned to its sender, exactly once.
#[test]
fn loom_handoff_close_races_parked_send() {
    loom::model(|| {
        let (tx, rx) = bounded::<u32>(0);
        let closer = rx.clone();
        let mut send = Box::pin(tx.send(1));
        assert!(poll_once(&mut send).is_pending());
        let closing = thread::spawn(move || {
            closer.close();
        });
        let receiver = thread::spawn(move || rx.try_recv());
        closing.join().unwrap();
        let got = receiver.join().unwrap();
        match block_on(send) {
            Ok(()) => assert_eq!(got, Ok(1)),
            Err(SendError(v)) => {
                assert_eq!(v, 1);
                assert!(got.is_err(), "{got:?}");
            }
        }
    });
}

/// A parked send future dropped while a receive takes its value: the value ends up exactly
/// once, in the receiver or dropped with the send (never both, never leaked).
#[test]
fn loom_handoff_send_dropped_races_try_recv() {
    use crate::chan::shim::Arc;
    loom::model(|| {
        let marker = Arc::new(());
        let (tx, rx) = bounded::<Arc<()>>(0);
        let mut send = Box::pin(tx.send(marker.clone()));
        assert!(poll_once(&mut send).is_pending());
        let receiver = thread::spawn(move || {
            let got = rx.try_recv().ok();
            assert!(rx.try_recv().is_err(), "no second copy");
            got
        });
        drop(send);
        let got = receiver.join().unwrap();
        assert_eq!(Arc::strong_count(&marker), 1 + usize::from(got.is_some()));
    });
}

/// A parked receive future dropped while a send hands a value into its cell: the value ends up
/// exactly once — passed back to the channel by the drop, or never handed (then buffered) — and
/// a later receive gets it.
#[test]
fn loom_handoff_cell_recv_dropped_races_send() {
    use crate::chan::shim::Arc;
    loom::model(|| {
        let marker = Arc::new(());
        let (tx, rx) = bounded::<Arc<()>>(1);
        let mut recv = Box::pin(rx.recv());
        assert!(poll_once(&mut recv).is_pending());
        let value = marker.clone();
        let sender = thread::spawn(move || tx.try_send(value).is_ok());
        drop(recv);
        assert!(
            sender.join().unwrap(),
            "room or a parked receiver: the send succeeds"
        );
        assert!(rx.try_recv().is_ok(), "the value was not lost");
        assert!(rx.try_recv().is_err(), "no second copy");
        assert_eq!(Arc::strong_count(&marker), 1, "no copy leaked");
    });
}

/// A value sits in a parked receive's cell while the channel closes and a second receive runs:
/// the second gets `None` only after the holder took the value (then it is woken, the cell
/// being the last thing on its way), or gets the value itself (the holder was dropped and
/// handed it back). Exactly one copy arrives, and nobody waits forever.
fn cell_value_races_close_and_a_second_receive(drop_holder: bool) {
    loom::model(move || {
        let (tx, rx) = bounded::<u32>(1);
        let rx2 = rx.clone();
        let mut holder = Box::pin(rx.recv());
        assert!(poll_once(&mut holder).is_pending());
        tx.try_send(7).unwrap(); // into the parked receive's cell
        let closer = thread::spawn(move || assert!(tx.close()));
        let other = thread::spawn(move || block_on(rx2.recv()));
        let mine = if drop_holder {
            drop(holder);
            None
        } else {
            block_on(holder)
        };
        closer.join().unwrap();
        let theirs = other.join().unwrap();
        match mine {
            Some(v) => assert_eq!((v, theirs), (7, None)),
            None => assert_eq!(theirs, Some(7), "handed back, then received"),
        }
        assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    });
}

#[test]
fn loom_cell_value_taken_races_close_and_a_second_receive() {
    cell_value_races_close_and_a_second_receive(false);
}

#[test]
fn loom_cell_value_dropped_races_close_and_a_second_receive() {
    cell_value_races_close_and_a_second_receive(true);
}

/// A waker that counts its wakes (a std atomic: read only after the thread that wakes it is
/// joined).
struct CountingWaker(std::sync::atomic::AtomicUsize);

impl futures::task::ArcWake for CountingWaker {
    fn wake_by_ref(arc_self: &std::sync::Arc<Self>) {
        arc_self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
}

fn counting_waker() -> (std::task::Waker, std::sync::Arc<CountingWaker>) {
    let count = std::sync::Arc::new(CountingWaker(std::sync::atomic::AtomicUsize::new(0)));
    (futures::task::waker(count.clone()), count)
}

/// A send on a full ring races a receive that frees room: a send that finishes in the poll
/// that parked it (its second look found the room) does not wake its own task; one that
/// stays parked is woken once.
#[test]
fn loom_send_served_on_its_second_look_wakes_nobody() {
    loom::model(|| {
        let (tx, rx) = bounded::<u32>(1);
        tx.try_send(1).unwrap();
        let receiver = thread::spawn(move || {
            assert_eq!(rx.try_recv(), Ok(1));
            rx
        });
        let (waker, wakes) = counting_waker();
        let mut cx = Context::from_waker(&waker);
        let mut send = Box::pin(tx.send(2));
        let first = send.as_mut().poll(&mut cx);
        let rx = receiver.join().unwrap();
        let woken = wakes.0.load(std::sync::atomic::Ordering::SeqCst);
        if first.is_ready() {
            assert_eq!(woken, 0, "finished in its own poll: no wake");
        } else {
            assert_eq!(woken, 1, "parked: woken once");
            assert!(send.as_mut().poll(&mut cx).is_ready());
        }
        assert_eq!(rx.try_recv(), Ok(2));
    });
}

/// The receive side of the same: a receive that parks and finds the racing send's value on
/// its second look does not wake its own task.
#[test]
fn loom_recv_served_on_its_second_look_wakes_nobody() {
    loom::model(|| {
        let (tx, rx) = bounded::<u32>(1);
        let sender = thread::spawn(move || {
            tx.try_send(1).unwrap();
            tx
        });
        let (waker, wakes) = counting_waker();
        let mut cx = Context::from_waker(&waker);
        let mut recv = Box::pin(rx.recv());
        let first = recv.as_mut().poll(&mut cx);
        let _tx = sender.join().unwrap();
        let woken = wakes.0.load(std::sync::atomic::Ordering::SeqCst);
        match first {
            Poll::Ready(v) => {
                assert_eq!(v, Some(1));
                assert_eq!(woken, 0, "finished in its own poll: no wake");
            }
            Poll::Pending => {
                assert_eq!(woken, 1, "parked: woken once");
                assert_eq!(recv.as_mut().poll(&mut cx), Poll::Ready(Some(1)));
            }
        }
    });
}

/// A receive woken through its cell on one thread while its sender runs on another.
#[test]
fn loom_handoff_cell_two_values_in_order() {
    two_values_in_order_then_none(0);
}

/// A full buffer with a parked sender: a receive pulls the sender's value into the buffer, so
/// the buffer stays full and in order while a second receive races it.
#[test]
fn loom_handoff_full_buffer_pulls_parked_sender() {
    loom::model(|| {
        let (tx, rx) = bounded::<u32>(1);
        tx.try_send(1).unwrap();
        let mut send = Box::pin(tx.send(2));
        assert!(poll_once(&mut send).is_pending());
        let rx2 = rx.clone();
        let other = thread::spawn(move || rx2.try_recv().ok());
        let mine = rx.try_recv().ok();
        let theirs = other.join().unwrap();
        let mut got: Vec<_> = [mine, theirs].into_iter().flatten().collect();
        assert!(!got.is_empty());
        assert!(matches!(poll_once(&mut send), Poll::Ready(Ok(()))));
        if got.len() == 1 {
            assert_eq!(got, [1]);
            assert_eq!(
                rx.try_recv(),
                Ok(2),
                "the sender's value moved into the buffer"
            );
            got.push(2);
        }
        got.sort_unstable();
        assert_eq!(got, [1, 2]);
    });
}

// ----- the unbounded flavor's lock-free block list -----

/// Two producers and a consumer race across block boundaries (two slots per block under
/// loom): nothing lost, nothing duplicated, each producer's order kept, blocks freed.
#[test]
fn loom_block_list_crosses_blocks() {
    use super::list::BlockList;
    use crate::chan::shim::Arc;
    loom::model(|| {
        let q = Arc::new(BlockList::new());
        let producers: Vec<_> = (0..2)
            .map(|p| {
                let q = q.clone();
                thread::spawn(move || {
                    q.push(p * 10).unwrap();
                    q.push(p * 10 + 1).unwrap();
                })
            })
            .collect();
        // Pops racing the pushes (each may find the queue empty), then the rest.
        let mut got: Vec<_> = (0..2).filter_map(|_| q.pop()).collect();
        for p in producers {
            p.join().unwrap();
        }
        while let Some(v) = q.pop() {
            got.push(v);
        }
        for p in [0, 10] {
            let mine: Vec<_> = got.iter().copied().filter(|v| v / 10 == p / 10).collect();
            assert_eq!(mine, [p, p + 1], "per-producer order");
        }
        assert_eq!(got.len(), 4);
    });
}

/// Two readers race through two blocks (two slots each under loom) while the block's read
/// count decides which of them frees it: every value read exactly once, in order per reader.
#[test]
fn loom_block_list_readers_race_to_free_blocks() {
    use super::list::BlockList;
    use crate::chan::shim::Arc;
    loom::model(|| {
        let q = Arc::new(BlockList::new());
        for v in 0..4 {
            q.push(v).unwrap();
        }
        let readers: Vec<_> = (0..2)
            .map(|_| {
                let q = q.clone();
                thread::spawn(move || [q.pop().unwrap(), q.pop().unwrap()])
            })
            .collect();
        let mut got: Vec<_> = Vec::new();
        for r in readers {
            let [a, b] = r.join().unwrap();
            assert!(a < b, "each reader sees FIFO order");
            got.extend([a, b]);
        }
        got.sort_unstable();
        assert_eq!(got, [0, 1, 2, 3]);
        assert_eq!(q.pop(), None);
    });
}

/// A close races pushes, one of them taking a block's last slot (two slots per block under
/// loom), which moves `tail` past the unused offset with its own write: the close mark is never
/// lost, and exactly the pushes that succeeded are popped, in order.
#[test]
fn loom_block_list_close_races_a_block_crossing_push() {
    use super::list::BlockList;
    use crate::chan::shim::Arc;
    loom::model(|| {
        let q = Arc::new(BlockList::new());
        q.push(0).unwrap();
        let pusher = {
            let q = q.clone();
            thread::spawn(move || [1, 2].map(|v| q.push(v).is_ok()))
        };
        q.close();
        let pushed = pusher.join().unwrap();
        assert!(
            pushed[0] || !pushed[1],
            "a push after a refused one is refused too"
        );
        assert_eq!(q.push(9), Err(9), "closed stays closed");
        let mut got = Vec::new();
        while let Some(v) = q.pop() {
            got.push(v);
        }
        let expected: Vec<_> = [0, 1, 2]
            .into_iter()
            .filter(|&v| v == 0 || pushed[v - 1])
            .collect();
        assert_eq!(got, expected);
    });
}

/// An unbounded lock-free send races a receiver that is parking: no lost wake-up.
#[test]
fn loom_unbounded_send_races_parking_recv() {
    loom::model(|| {
        let (tx, rx) = unbounded::<u32>();
        let receiver = thread::spawn(move || block_on(rx.recv()));
        tx.try_send(3).unwrap();
        assert_eq!(receiver.join().unwrap(), Some(3));
    });
}

/// The plain lane's hops: two tasks ping-pong over two one-slot channels (each receive parks
/// or finds the value, each send hands straight to a parked receive or pushes) — every value
/// arrives once, in order, with no lost wake-up.
#[test]
fn loom_plain_lane_ping_pong() {
    loom::model(|| {
        let (ping_tx, ping_rx) = bounded::<u32>(1);
        let (pong_tx, pong_rx) = bounded::<u32>(1);
        let echo = thread::spawn(move || {
            block_on(async {
                while let Some(v) = ping_rx.recv().await {
                    pong_tx.send(v + 10).await.unwrap();
                }
            })
        });
        block_on(async {
            for i in 0..2 {
                ping_tx.send(i).await.unwrap();
                assert_eq!(pong_rx.recv().await, Some(i + 10));
            }
        });
        drop(ping_tx);
        echo.join().unwrap();
    });
}

/// The plain lane on an unbuffered channel: a receive takes a parked plain sender's value
/// directly while a second sender parks behind it — both values arrive once, in order.
#[test]
fn loom_plain_lane_rendezvous_takes_senders_in_order() {
    loom::model(|| {
        let (tx, rx) = bounded::<u32>(0);
        let tx2 = tx.clone();
        let first = thread::spawn(move || block_on(tx.send(1)).is_ok());
        let a = block_on(rx.recv());
        let second = thread::spawn(move || block_on(tx2.send(2)).is_ok());
        let b = block_on(rx.recv());
        assert_eq!((a, b), (Some(1), Some(2)));
        assert!(first.join().unwrap() && second.join().unwrap());
    });
}

// ----- tokio's mpsc rules: a freed slot is granted, the sender moves its own value -----

/// A receive frees the slot of a full `mpsc` channel while a sender parks: the slot is granted
/// and the sender delivers, in order.
#[test]
fn loom_mpsc_grant_races_parking_send() {
    loom::model(|| {
        let (tx, mut rx) = crate::sync::mpsc::channel::<u32>(1);
        tx.try_send(1).unwrap();
        let sender = thread::spawn(move || block_on(tx.send(2)).is_ok());
        assert_eq!(block_on(rx.recv()), Some(1));
        assert_eq!(block_on(rx.recv()), Some(2));
        assert!(sender.join().unwrap());
    });
}

/// An `mpsc` send (its lock-free try inside the plain lane) races a receive that is parking:
/// the value reaches it once, in place or through the buffer.
#[test]
fn loom_mpsc_plain_send_races_parking_recv() {
    loom::model(|| {
        let (tx, mut rx) = crate::sync::mpsc::channel::<u32>(1);
        let receiver = thread::spawn(move || (block_on(rx.recv()), rx.try_recv().is_err()));
        block_on(tx.send(3)).unwrap();
        assert_eq!(receiver.join().unwrap(), (Some(3), true));
    });
}

/// A parked `mpsc` send dropped while a receive frees the slot: the value is never delivered
/// and the granted slot is not lost (a later send still fits).
#[test]
fn loom_mpsc_dropped_send_never_delivers() {
    loom::model(|| {
        let (tx, mut rx) = crate::sync::mpsc::channel::<u32>(1);
        tx.try_send(1).unwrap();
        let mut send = Box::pin(tx.send(2));
        assert!(poll_once(&mut send).is_pending());
        let receiver = thread::spawn(move || {
            let first = rx.try_recv().ok();
            (rx, first)
        });
        drop(send);
        let (mut rx, first) = receiver.join().unwrap();
        assert_eq!(first, Some(1));
        assert!(rx.try_recv().is_err(), "the dropped send never delivers");
        tx.try_send(3).unwrap();
        assert_eq!(rx.try_recv(), Ok(3));
    });
}

// ----- close against a lock-free send -----

/// A lock-free send races a close and a receive: the receive sees the value exactly when the
/// send succeeded. (The send used to check `closed`, lose the CPU while the close and a receive
/// ran — "closed and drained": `None` — and then push: `Ok`, with its value stranded behind
/// the `None`.) `close_then_recv_twice` closes and receives twice on the model's thread.
fn lock_free_send_races_close(
    try_send: impl FnOnce() -> bool + Send + 'static,
    close_then_recv_twice: impl FnOnce() -> [Option<u32>; 2],
) {
    let sender = thread::spawn(try_send);
    let [received, after] = close_then_recv_twice();
    let sent = sender.join().unwrap();
    assert_eq!(
        received.is_some(),
        sent,
        "a send succeeds exactly when its value is received"
    );
    assert_eq!(after, None, "nothing left after the close");
}

/// `chan`'s flavors with a lock-free buffer: a sender closes.
fn chan_lock_free_send_races_close(tx: Sender<u32>, rx: Receiver<u32>) {
    let closer = tx.clone();
    lock_free_send_races_close(
        move || tx.try_send(1).is_ok(),
        move || {
            closer.close();
            [block_on(rx.recv()), block_on(rx.recv())]
        },
    );
}

#[test]
fn loom_close_races_lock_free_send_ring() {
    loom::model(|| {
        let (tx, rx) = bounded::<u32>(1);
        chan_lock_free_send_races_close(tx, rx);
    });
}

#[test]
fn loom_close_races_lock_free_send_list() {
    loom::model(|| {
        let (tx, rx) = unbounded::<u32>();
        chan_lock_free_send_races_close(tx, rx);
    });
}

/// As above under tokio's `mpsc` rules (capacity units): the receiver closes.
#[test]
fn loom_close_races_lock_free_send_mpsc() {
    loom::model(|| {
        let (tx, mut rx) = crate::sync::mpsc::channel::<u32>(1);
        lock_free_send_races_close(
            move || tx.try_send(1).is_ok(),
            move || {
                rx.close();
                [block_on(rx.recv()), block_on(rx.recv())]
            },
        );
    });
}

/// A large `mpsc` buffer keeps its values in the block list (over 8 values under loom): a full
/// one grants its freed unit to a parked send racing the receives, and the values cross the
/// list's blocks in order.
#[test]
fn loom_mpsc_block_list_buffer_grants_a_parked_send() {
    loom::model(|| {
        const CAP: u32 = 9;
        let (tx, mut rx) = crate::sync::mpsc::channel::<u32>(CAP as usize);
        for i in 0..CAP {
            tx.try_send(i).unwrap();
        }
        let sender = thread::spawn(move || block_on(tx.send(CAP)).is_ok());
        for i in 0..=CAP {
            assert_eq!(block_on(rx.recv()), Some(i));
        }
        assert!(sender.join().unwrap());
        assert_eq!(block_on(rx.recv()), None);
    });
}

// ----- select!'s first look: parks deferred until every branch was looked at -----

/// A `select!` over an idle channel and one a sender feeds concurrently: the value may come
/// before the first look, between the looks (the second look finds it) or after both branches
/// parked (the send wakes the `select!`). It is received exactly once, and the idle branch is
/// left with nothing parked.
/// `busy_first`: the fed channel's branch is looked at first (deferred, while the idle one,
/// last in the look, parks at once), else last.
fn select_defers_then_parks(cap: usize, busy_first: bool, send_on_the_idle_side_too: bool) {
    loom::model(move || {
        let (idle_tx, idle_rx) = bounded::<u32>(cap);
        let (busy_tx, busy_rx) = bounded::<u32>(cap);
        let sender = thread::spawn(move || block_on(busy_tx.send(5)).is_ok());
        let got = block_on(async {
            if busy_first {
                crate::select! {
                    biased;
                    Some(v) = busy_rx.recv() => (1, v),
                    Some(v) = idle_rx.recv() => (0, v),
                }
            } else {
                crate::select! {
                    biased;
                    Some(v) = idle_rx.recv() => (0, v),
                    Some(v) = busy_rx.recv() => (1, v),
                }
            }
        });
        assert!(sender.join().unwrap());
        assert_eq!(got, (1, 5));
        assert_eq!(
            idle_rx.chan.state.lock().recvq.len(),
            0,
            "the idle park was undone"
        );
        // Its only sender is gone: closed, and drained by the one receive.
        assert_eq!(
            busy_rx.try_recv(),
            Err(TryRecvError::Closed),
            "received once"
        );
        if send_on_the_idle_side_too {
            // The idle channel still works: its branch left no waiter behind to take this.
            idle_tx.try_send(6).unwrap();
            assert_eq!(idle_rx.try_recv(), Ok(6));
        }
    });
}

#[test]
fn loom_select_defers_then_parks_buffered() {
    select_defers_then_parks(1, false, true);
}

#[test]
fn loom_select_deferred_first_branch_meets_a_send_between_the_looks() {
    select_defers_then_parks(1, true, true);
}

#[test]
fn loom_select_defers_then_parks_unbuffered() {
    // Unbuffered channels never defer (no lock-free glance): the same outcome through parks.
    select_defers_then_parks(0, false, false);
}

/// A `select!` sending on a full channel while a receive frees room concurrently: the send
/// defers its park in the first look, and the receive either moves its value in (parked) or
/// leaves room for the second look; either way it is delivered exactly once.
#[test]
fn loom_select_deferred_send_meets_a_concurrent_receive() {
    loom::model(|| {
        let (tx, rx) = bounded::<u32>(1);
        tx.try_send(1).unwrap();
        let (_idle_tx, idle_rx) = bounded::<u32>(1);
        let receiver = thread::spawn(move || {
            let first = block_on(rx.recv());
            let second = block_on(rx.recv());
            (first, second)
        });
        let branch = block_on(async {
            crate::select! {
                biased;
                r = tx.send(2) => { r.unwrap(); 0 }
                Some(_) = idle_rx.recv() => 1,
            }
        });
        assert_eq!(branch, 0);
        assert_eq!(receiver.join().unwrap(), (Some(1), Some(2)));
    });
}
