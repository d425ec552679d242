//! loom models of the capacity units under tokio's rules (`chan::array`'s two pools): a pop
//! gives its unit to the receive's pool, moved to the senders' pool a batch at a time, while
//! sends take units and park. Run with
//! `RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=2 cargo test --release -p gort-channel --lib loom_`.

use super::*;
use loom::future::block_on;
use loom::thread;

/// Eight slots: pops give units back in batches of two.
const CAP: usize = 8;

/// A thread that popped two values and hands the receiver back with them.
type PoppedTwo = thread::JoinHandle<(Receiver<usize>, [usize; 2])>;

/// A full channel, and a thread that pops its first two values (the second moves the batch)
/// and hands the receiver back with them.
fn full_channel_popping_two() -> (Sender<usize>, PoppedTwo) {
    let (tx, mut rx) = channel::<usize>(CAP);
    for i in 0..CAP {
        tx.try_send(i).unwrap();
    }
    let receiver = thread::spawn(move || {
        let first = [rx.try_recv().unwrap(), rx.try_recv().unwrap()];
        (rx, first)
    });
    (tx, receiver)
}

/// A full channel whose receive pops two values (the second moves the batch) while a send
/// parks for room: the send finds the unit in one pool or the other, or is granted it; every
/// value arrives exactly once and every unit comes back.
#[test]
fn loom_mpsc_batched_units_race_parking_send() {
    loom::model(|| {
        let (tx, receiver) = full_channel_popping_two();
        block_on(tx.send(100)).unwrap();
        let (mut rx, first) = receiver.join().unwrap();
        assert_eq!(first, [0, 1]);
        let mut rest = Vec::new();
        while let Ok(value) = rx.try_recv() {
            rest.push(value);
        }
        assert_eq!(rest, [2, 3, 4, 5, 6, 7, 100]);
        assert_eq!(tx.capacity(), CAP, "every unit came back");
    });
}

/// A `try_send` and a capacity snapshot racing the pops and the batch move: the send succeeds
/// only with a unit, and the snapshot never shows more room than there is.
#[test]
fn loom_mpsc_batch_move_races_try_send() {
    loom::model(|| {
        let (tx, receiver) = full_channel_popping_two();
        let sent = tx.try_send(100).is_ok();
        // At most two pops, and the new value holds a unit if sent.
        assert!(tx.capacity() <= 2 - usize::from(sent));
        let (mut rx, first) = receiver.join().unwrap();
        assert_eq!(first, [0, 1]);
        assert_eq!(tx.capacity(), 2 - usize::from(sent));
        let mut rest = Vec::new();
        while let Ok(value) = rx.try_recv() {
            rest.push(value);
        }
        let mut expected = vec![2, 3, 4, 5, 6, 7];
        if sent {
            expected.push(100);
        }
        assert_eq!(rest, expected);
        assert_eq!(tx.capacity(), CAP);
    });
}
