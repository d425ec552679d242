//! tokio's limits on gort's macros: `select!`, `join!` and `try_join!` with 64 branches (one
//! more is a compile error), without raising the caller's recursion limit.
use gort::chan;
use gort::{join, select, try_join};

/// Calls `$mac!` with the tokens given, then the numbers 0 to 63: the 64 branches are written
/// once, by the callee's repetition.
macro_rules! with_0_to_63 {
    ($mac:ident!($($args:tt)*)) => {
        $mac!($($args)*
            0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31
            32 33 34 35 36 37 38 39 40 41 42 43 44 45 46 47 48 49 50 51 52 53 54 55 56 57 58 59
            60 61 62 63)
    };
}

/// `select!` with `[$head]` (`biased;` or nothing), a branch `Some(v) = $rxs[n].recv() => v` per
/// number, then `[$tail]` (a `default` branch or nothing).
macro_rules! select_recv {
    ([$($head:tt)*] $rxs:ident [$($tail:tt)*] $($n:literal)*) => {
        select! { $($head)* $(Some(v) = $rxs[$n].recv() => v,)* $($tail)* }
    };
}

/// `join!` with `[$head]` of futures that return their number.
macro_rules! join_numbers {
    ([$($head:tt)*] $($n:literal)*) => {
        join!($($head)* $(async { $n },)*)
    };
}

/// `try_join!` of futures that return `Ok(n)`, except 63, which fails with `Err(63)`.
macro_rules! try_join_numbers {
    ($($n:literal)*) => {
        try_join!($(async { if $n == 63 { Err::<u32, u32>($n) } else { Ok($n) } },)*)
    };
}

#[gort::test]
async fn select_with_64_branches_dispatches_every_branch() {
    let (txs, rxs): (Vec<_>, Vec<_>) = (0..64).map(|_| chan::bounded::<u32>(1)).unzip();
    for (ready, tx) in txs.iter().enumerate() {
        tx.send(ready as u32 * 10).await.unwrap();
        let got = with_0_to_63!(select_recv!([] rxs []));
        assert_eq!(got, ready as u32 * 10, "branch {ready}");
        assert!(
            rxs.iter().all(|rx| rx.is_empty()),
            "exactly one branch committed"
        );
    }
}

#[gort::test]
async fn select_with_64_branches_and_default_and_biased() {
    let (txs, rxs): (Vec<_>, Vec<_>) = (0..64).map(|_| chan::bounded::<u32>(1)).unzip();
    let took = with_0_to_63!(select_recv!([biased;] rxs [default => u32::MAX]));
    assert_eq!(took, u32::MAX, "nothing ready: default");
    txs[40].send(4).await.unwrap();
    txs[63].send(6).await.unwrap();
    let took = with_0_to_63!(select_recv!([biased;] rxs [default => u32::MAX]));
    assert_eq!(
        took, 4,
        "biased: the first ready branch in the order written"
    );
}

#[gort::test]
async fn join_and_try_join_with_64_futures() {
    let all = with_0_to_63!(join_numbers!([]));
    assert_eq!((all.0, all.31, all.63), (0, 31, 63));
    let all = with_0_to_63!(join_numbers!([biased;]));
    assert_eq!((all.0, all.31, all.63), (0, 31, 63));
    let res = with_0_to_63!(try_join_numbers!());
    assert_eq!(res.map(|all| all.0), Err(63));
}
