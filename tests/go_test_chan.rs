//! Go's `test/chan` programs not covered by `go_select.rs` and `chan_go_semantics.rs`, on gort's
//! `chan` and `select!`, both runtime flavors. Written from what each program checks (not from
//! its code):
//!
//! - `select`: a `select!` evaluates every future expression (nil cases too) on each entry, in
//!   the order written, and a case made nil is never taken again;
//! - `select4`, `select5` (generated): one real send or receive among never-ready cases (an
//!   unbuffered channel nobody uses, nil cases), with and without `default`: the right case
//!   runs, in every combination, the expressions are evaluated in order before any handler, and
//!   with nothing ready `default` runs and nothing is touched;
//! - `select6`: a `select!` that lost on one channel leaves that channel's queue intact;
//! - `select8`: `break`, `continue` and `return` in handlers of 1-, 2- and 3-case selects;
//! - `sendstmt`: a send on a channel received from a channel of channels;
//! - `zerosize`: channels of zero-sized values count every value;
//! - `goroutines`: ten thousand tasks chained by unbuffered channels;
//! - `sieve2`: an Eratosthenes sieve with a feedback loop of buffered channels, a heap merging
//!   streams of multiples, and a proxy task growing its own buffer (`select!` with a nil send);
//! - `powser1`: McIlroy's power series, a demand-driven network of tasks talking over pairs of
//!   unbuffered channels through `select!` with nil cases (reduced to the checks of the test).
//!
//! `select2` (selects keep no memory) is in `go_select_memory.rs`, which needs its own allocator.
//! Skipped: `perm` (compile-time channel direction errors: gort's `Sender`/`Receiver` are
//! distinct types, so the misuse does not compile), `powser2` (the same series through interfaces),
//! `sieve1` (`sieve` is in `go_select.rs`). Every test is bounded by a timeout.

use gort::chan::{self, Receiver, SendError, Sender, TryRecvError};
use gort::select;
use std::any::Any;
use std::cell::Cell;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};
use std::future::{pending, Future};
use std::time::Duration;

mod support;

const LIMIT: Duration = Duration::from_secs(20);

fn on_both_flavors<F, Fut>(test: F)
where
    F: Fn(&'static str) -> Fut,
    Fut: Future<Output = ()>,
{
    support::on_both_flavors(LIMIT, test)
}

/// A send on a channel that may be nil (`None`): the branch carrying it is disabled with
/// `, if c.is_some()`, so the nil future is never polled.
async fn send_or_nil<T>(c: Option<&Sender<T>>, v: T) -> Result<(), SendError<T>> {
    match c {
        Some(c) => c.send(v).await,
        None => pending().await,
    }
}

/// A receive on a channel that may be nil (see [`send_or_nil`]).
async fn recv_or_nil<T>(c: Option<&Receiver<T>>) -> Option<T> {
    match c {
        Some(c) => c.recv().await,
        None => pending().await,
    }
}

// ----- select: every expression evaluated on each entry -----

/// Offers `1 << shift` on `a` and `b` until neither takes it (a channel that took one becomes
/// nil); returns how many sends happened.
async fn send_until_default(
    a: Option<&Sender<u32>>,
    b: Option<&Sender<u32>>,
    evaluations: &Cell<u32>,
) -> usize {
    let (mut a, mut b) = (a, b);
    let shift = Cell::new(0);
    let value = || {
        evaluations.set(evaluations.get() + 1);
        1u32 << shift.get()
    };
    let mut sent = 0;
    loop {
        select! {
            r = send_or_nil(a, value()), if a.is_some() => { r.unwrap(); sent += 1; a = None }
            r = send_or_nil(b, value()), if b.is_some() => { r.unwrap(); sent += 1; b = None }
            default => break,
        }
        shift.set(shift.get() + 1);
    }
    sent
}

#[test]
fn select_evaluates_every_case_on_each_entry() {
    on_both_flavors(|flavor| async move {
        let evaluations = Cell::new(0);
        let (a_tx, a_rx) = chan::bounded::<u32>(1);
        let (b_tx, b_rx) = chan::bounded::<u32>(1);
        let sent = send_until_default(Some(&a_tx), Some(&b_tx), &evaluations).await;
        assert_eq!(sent, 2, "{flavor}");
        let (av, bv) = (a_rx.recv().await.unwrap(), b_rx.recv().await.unwrap());
        assert_eq!(av | bv, 3, "{flavor}: one value from each entry");
        let sent = send_until_default(Some(&a_tx), None, &evaluations).await;
        assert_eq!(sent, 1, "{flavor}");
        // 3 entries of 2 cases, then 2 entries of 2 cases: nil cases are evaluated too.
        assert_eq!(evaluations.get(), 10, "{flavor}");
    });
}

// ----- select4 / select5: generated combinations of one real operation among idle cases -----

/// The world of one generated case: the real channel (buffered, so one task suffices), an
/// unbuffered channel nobody else uses (never ready), nil channels, and the evaluation order.
struct World {
    tx: Sender<i32>,
    rx: Receiver<i32>,
    dummy_tx: Sender<i32>,
    dummy_rx: Receiver<i32>,
    nil_tx: Option<Sender<i32>>,
    nil_rx: Option<Receiver<i32>>,
    order: Cell<u32>,
}

impl World {
    fn new() -> Self {
        let (tx, rx) = chan::bounded(1);
        let (dummy_tx, dummy_rx) = chan::bounded(0);
        World {
            tx,
            rx,
            dummy_tx,
            dummy_rx,
            nil_tx: None,
            nil_rx: None,
            order: Cell::new(0),
        }
    }

    /// Records that the expression numbered `o` runs now: numbers must increase.
    fn at<T>(&self, o: u32, v: T) -> T {
        assert!(
            o > self.order.get(),
            "evaluated {o} after {}",
            self.order.get()
        );
        self.order.set(o);
        v
    }
}

/// Which idle cases a generated `select!` has enabled (a disabled one is a nil case).
#[derive(Debug, Clone, Copy)]
struct Idle {
    dummy_send: bool,
    dummy_recv: bool,
}

impl Idle {
    fn all() -> impl Iterator<Item = Idle> {
        (0..4).map(|bits| Idle {
            dummy_send: bits & 1 != 0,
            dummy_recv: bits & 2 != 0,
        })
    }
}

/// Where a received value is stored (Go's `x =`, `*f(&x) =`, `y :=`, interface, map element).
#[derive(Debug, Clone, Copy)]
enum Dest {
    Local,
    Pointer,
    Fresh,
    Interface,
    Map,
}

const DESTS: [Dest; 5] = [
    Dest::Local,
    Dest::Pointer,
    Dest::Fresh,
    Dest::Interface,
    Dest::Map,
];

/// The branches shared by the receive shapes, with an optional `default`: the real receive
/// (expressions 1), the idle cases (2..=8, each evaluated in order even when disabled), and the
/// handler storing the value through `dest` (100: after every expression).
macro_rules! select5_recv {
    ($w:ident, $idle:ident, $dest:ident, $x:ident, $m:ident; $($default:tt)*) => {
        select! {
            v = $w.at(1, &$w.rx).recv() => {
                let v = v.expect("the real channel stays open");
                match $w.at(100, $dest) {
                    Dest::Local => $x = v,
                    Dest::Pointer => *std::convert::identity(&mut $x) = v,
                    Dest::Fresh => {
                        let y = v;
                        $x = y;
                    }
                    Dest::Interface => {
                        let i: Box<dyn Any> = Box::new(v);
                        $x = *i.downcast::<i32>().unwrap();
                    }
                    Dest::Map => {
                        $m.insert(13, v);
                        $x = $m[&13];
                    }
                }
            }
            r = $w.at(2, &$w.dummy_tx).send($w.at(3, 1)), if $idle.dummy_send => panic!("dummy send: {r:?}"),
            v = $w.at(4, &$w.dummy_rx).recv(), if $idle.dummy_recv => panic!("dummy receive: {v:?}"),
            r = send_or_nil($w.at(5, $w.nil_tx.as_ref()), $w.at(6, 1)), if $w.nil_tx.is_some() => {
                panic!("nil send: {r:?}")
            }
            v = recv_or_nil($w.at(7, $w.nil_rx.as_ref())), if $w.nil_rx.is_some() => {
                panic!("nil receive: {v:?}")
            }
            $($default)*
        }
    };
}

/// The send shape: the real send (expressions 1, 2) among the same idle cases.
macro_rules! select5_send {
    ($w:ident, $idle:ident, $n:ident; $($default:tt)*) => {
        select! {
            r = $w.at(1, &$w.tx).send($w.at(2, $n)) => r.unwrap(),
            r = $w.at(3, &$w.dummy_tx).send($w.at(4, 1)), if $idle.dummy_send => panic!("dummy send: {r:?}"),
            v = $w.at(5, &$w.dummy_rx).recv(), if $idle.dummy_recv => panic!("dummy receive: {v:?}"),
            r = send_or_nil($w.at(6, $w.nil_tx.as_ref()), $w.at(7, 1)), if $w.nil_tx.is_some() => {
                panic!("nil send: {r:?}")
            }
            v = recv_or_nil($w.at(8, $w.nil_rx.as_ref())), if $w.nil_rx.is_some() => {
                panic!("nil receive: {v:?}")
            }
            $($default)*
        }
    };
}

#[test]
fn select5_generated_send_recv_default_and_nil_combinations() {
    on_both_flavors(|flavor| async move {
        let w = World::new();
        let mut m = HashMap::new();
        let mut n = 1;
        let mut cases = 0;
        // select4 and select5's receives: a value in the channel, received one way or another.
        for dest in DESTS {
            for idle in Idle::all() {
                for with_default in [false, true] {
                    w.order.set(0);
                    w.tx.send(n).await.unwrap();
                    let mut x = 0;
                    if with_default {
                        select5_recv!(w, idle, dest, x, m; default => panic!("nonblock"),);
                    } else {
                        select5_recv!(w, idle, dest, x, m;);
                    }
                    assert_eq!(
                        x, n,
                        "{flavor}: recv {dest:?} {idle:?} default {with_default}"
                    );
                    assert_eq!(w.order.get(), 100, "{flavor}: the handler ran last");
                    n += 1;
                    cases += 1;
                }
            }
        }
        // select5's sends: the value sent one way or another, then received.
        for idle in Idle::all() {
            for with_default in [false, true] {
                w.order.set(0);
                if with_default {
                    select5_send!(w, idle, n; default => panic!("nonblock"),);
                } else {
                    select5_send!(w, idle, n;);
                }
                assert_eq!(w.order.get(), 8, "{flavor}: every expression, in order");
                assert_eq!(w.rx.recv().await, Some(n), "{flavor}: send {idle:?}");
                n += 1;
                cases += 1;
            }
        }
        // select5's nonblock: only idle cases, so `default` runs and nothing is stored.
        for idle in Idle::all() {
            let x = Cell::new(n);
            select! {
                r = w.dummy_tx.send(1), if idle.dummy_send => panic!("dummy send: {r:?}"),
                v = w.dummy_rx.recv(), if idle.dummy_recv => x.set(v.unwrap()),
                r = send_or_nil(w.nil_tx.as_ref(), 1), if w.nil_tx.is_some() => panic!("nil send: {r:?}"),
                v = recv_or_nil(w.nil_rx.as_ref()), if w.nil_rx.is_some() => x.set(v.unwrap()),
                default => {}
            }
            assert_eq!(x.get(), n, "{flavor}: nonblock {idle:?}");
            cases += 1;
        }
        assert_eq!(cases, 40 + 8 + 4);
        assert_eq!(w.rx.try_recv(), Err(TryRecvError::Empty), "{flavor}");
        assert_eq!(w.dummy_rx.try_recv(), Err(TryRecvError::Empty), "{flavor}");
    });
}

// ----- select6: a select that lost on a channel leaves its queue intact (Go issue 2075) -----

#[test]
fn select6_losing_case_keeps_the_channel_queue() {
    on_both_flavors(|flavor| async move {
        let (c1_tx, c1_rx) = chan::bounded::<bool>(0);
        let (c2_tx, c2_rx) = chan::bounded::<bool>(0);
        let (c3_tx, c3_rx) = chan::bounded::<bool>(0);
        let first = {
            let c1 = c1_rx.clone();
            gort::spawn(async move { c1.recv().await })
        };
        let second = gort::spawn(async move {
            select! {
                v = c1_rx.recv() => panic!("c1 before c2: {v:?}"),
                v = c2_rx.recv() => {
                    assert_eq!(v, Some(true));
                    c3_tx.send(true).await.unwrap();
                }
            }
            c1_rx.recv().await
        });
        let third = gort::spawn(async move { c2_tx.send(true).await });
        assert_eq!(c3_rx.recv().await, Some(true), "{flavor}");
        c1_tx.send(true).await.unwrap();
        c1_tx.send(true).await.unwrap();
        assert_eq!(first.await.unwrap(), Some(true), "{flavor}");
        assert_eq!(second.await.unwrap(), Some(true), "{flavor}");
        third.await.unwrap().unwrap();
    });
}

// ----- select8: control flow out of handlers -----

async fn returns_from_a_handler(rx: &Receiver<i32>) -> i32 {
    loop {
        select! {
            Some(v) = rx.recv() => return v * 2,
            default => gort::task::yield_now().await,
        }
    }
}

#[test]
fn select8_break_continue_return_in_handlers() {
    on_both_flavors(|flavor| async move {
        let (tx, rx) = chan::bounded::<i32>(0);
        let sender = {
            let tx = tx.clone();
            gort::spawn(async move {
                let mut sent = 0;
                while tx.send(5).await.is_ok() {
                    sent += 1;
                }
                sent
            })
        };
        let mut received = 0;
        // One case.
        #[allow(clippy::never_loop)] // the point: `break` out of a handler
        let got = loop {
            select! {
                Some(v) = rx.recv() => break v,
            }
        };
        assert_eq!(got, 5, "{flavor}");
        received += 1;
        // Only `default`.
        let mut rounds = 0;
        #[allow(clippy::never_loop)]
        loop {
            rounds += 1;
            select! {
                default => break,
            }
        }
        assert_eq!(rounds, 1);
        // A case and `default`; `continue` until the parked sender shows.
        let mut defaults = 0;
        let got = loop {
            select! {
                Some(v) = rx.recv() => break v,
                default => {
                    defaults += 1;
                    assert!(defaults < 100_000, "{flavor}: the sender never parked");
                    gort::task::yield_now().await;
                    continue;
                }
            }
        };
        assert_eq!(got, 5, "{flavor}");
        received += 1;
        // Three cases: the send has no receiver but this very select (never taken).
        'outer: for _ in 0..3 {
            loop {
                select! {
                    Some(v) = rx.recv() => {
                        assert_eq!(v, 5);
                        received += 1;
                        continue 'outer;
                    }
                    r = tx.send(10) => panic!("{flavor}: paired with itself: {r:?}"),
                    default => gort::task::yield_now().await,
                }
            }
        }
        assert_eq!(returns_from_a_handler(&rx).await, 10, "{flavor}");
        received += 1;
        rx.close();
        assert_eq!(
            sender.await.unwrap(),
            received,
            "{flavor}: every send received"
        );
    });
}

// ----- sendstmt: a send on a channel received from a channel of channels -----

#[test]
fn sendstmt_send_on_a_received_channel() {
    on_both_flavors(|flavor| async move {
        let (cc_tx, cc_rx) = chan::bounded::<Sender<i32>>(1);
        let (c_tx, c_rx) = chan::bounded::<i32>(1);
        // Go's `case <-cc <- 2:` evaluates `<-cc` on entry: here, before the select.
        cc_tx.send(c_tx.clone()).await.unwrap();
        let c = cc_rx.recv().await.unwrap();
        let sent = select! { r = c.send(2) => r.is_ok(), default => false };
        assert!(sent, "{flavor}: nonblock");
        assert_eq!(c_rx.recv().await, Some(2), "{flavor}");
        // Both operations inside one branch of a select with `default`: both ready.
        cc_tx.send(c_tx).await.unwrap();
        let sent = select! {
            r = async { cc_rx.recv().await.unwrap().send(3).await } => r.is_ok(),
            default => false,
        };
        assert!(sent, "{flavor}: nonblock, nested");
        assert_eq!(c_rx.recv().await, Some(3), "{flavor}");
        // `c <- false || true`
        let (b_tx, b_rx) = chan::bounded::<bool>(1);
        #[allow(clippy::nonminimal_bool)]
        b_tx.send(false || true).await.unwrap();
        assert_eq!(b_rx.recv().await, Some(true));
    });
}

// ----- zerosize: channels of zero-sized values -----

async fn zero_sized<T: Default + Send + 'static>(flavor: &str, cap: Option<usize>) {
    const K: usize = 1_000;
    let (tx, rx) = match cap {
        Some(cap) => chan::bounded::<T>(cap),
        None => chan::unbounded::<T>(),
    };
    // Through a task: every value counted.
    let sender = {
        let tx = tx.clone();
        gort::spawn(async move {
            for _ in 0..K {
                tx.send(T::default()).await.unwrap();
            }
        })
    };
    for i in 0..K {
        assert!(rx.recv().await.is_some(), "{flavor} cap {cap:?}: value {i}");
    }
    sender.await.unwrap();
    assert_eq!(rx.try_recv().err(), Some(TryRecvError::Empty));
    // Fill, count, close, drain exactly.
    let fill = cap.unwrap_or(K);
    for _ in 0..fill {
        tx.try_send(T::default()).unwrap();
    }
    assert_eq!(tx.len(), fill, "{flavor} cap {cap:?}");
    if cap.is_some() {
        assert!(tx.try_send(T::default()).unwrap_err().is_full());
    }
    tx.close();
    let mut drained = 0;
    while rx.recv().await.is_some() {
        drained += 1;
    }
    assert_eq!(drained, fill, "{flavor} cap {cap:?}");
}

#[test]
fn zerosize_values_are_all_counted() {
    on_both_flavors(|flavor| async move {
        for cap in [Some(0), Some(1), Some(16), None] {
            zero_sized::<()>(flavor, cap).await;
            zero_sized::<[u8; 0]>(flavor, cap).await;
        }
    });
}

// ----- goroutines: a long chain of tasks -----

#[test]
fn goroutines_ten_thousand_chained_tasks() {
    on_both_flavors(|flavor| async move {
        const N: u32 = 10_000;
        let (leftmost_tx, leftmost) = chan::bounded::<u32>(0);
        let mut left = leftmost_tx;
        for _ in 0..N {
            let (right_tx, right) = chan::bounded::<u32>(0);
            gort::spawn(async move {
                let v = right.recv().await.unwrap();
                left.send(v + 1).await.unwrap();
            });
            left = right_tx;
        }
        gort::spawn(async move { left.send(1).await.unwrap() });
        assert_eq!(
            leftmost.recv().await,
            Some(1 + N),
            "{flavor}: one hop per task"
        );
    });
}

// ----- sieve2: primes from a feedback loop of channels -----

/// A task sending `first`, `first + step`, ... on a channel buffered `cap` values deep.
fn counting(first: u64, step: u64, cap: usize) -> Receiver<u64> {
    let (tx, rx) = chan::bounded(cap);
    gort::spawn(async move {
        let mut n = first;
        while tx.send(n).await.is_ok() {
            n += step;
        }
    });
    rx
}

/// A sender whose values reach `out` through a task that buffers without bound, so sending
/// never waits on `out`'s reader: the task's send case is nil while its buffer is empty.
fn send_proxy(out: Sender<u64>) -> Sender<u64> {
    let (proxy_tx, proxy_rx) = chan::bounded::<u64>(10);
    gort::spawn(async move {
        let mut buffered = VecDeque::new();
        loop {
            let front = buffered.front().copied().unwrap_or_default();
            select! {
                Some(e) = proxy_rx.recv() => buffered.push_back(e),
                r = out.send(front), if !buffered.is_empty() => {
                    if r.is_err() {
                        return;
                    }
                    buffered.pop_front();
                }
                else => return,
            }
        }
    });
    proxy_tx
}

/// Odd composites from 9 up, in order (repeats allowed): the multiples of each prime fed back
/// on `primes`, from its square, merged through a heap of the streams' next values.
async fn merge_composites(primes: Receiver<u64>, composites: Sender<u64>) -> Option<()> {
    let mut streams = Vec::new();
    let mut heap = BinaryHeap::new();
    loop {
        let p = primes.recv().await?;
        let multiples = counting(p * p, 2 * p, 10);
        let square = multiples.recv().await?;
        // Everything below p² comes from the primes already in the heap.
        while let Some(&Reverse((least, k))) = heap.peek() {
            if least >= square {
                break;
            }
            heap.pop();
            composites.send(least).await.ok()?;
            let stream: &Receiver<u64> = &streams[k];
            heap.push(Reverse((stream.recv().await?, k)));
        }
        composites.send(square).await.ok()?;
        heap.push(Reverse((multiples.recv().await?, streams.len())));
        streams.push(multiples);
    }
}

/// Sends on `primes` (fed back to the merger) and `out` every odd candidate from 5 that is not
/// among `composites`.
async fn filter_candidates(
    composites: Receiver<u64>,
    primes: Sender<u64>,
    out: Sender<u64>,
) -> Option<()> {
    // The merger reads primes far slower than they are found: the proxy buffers them.
    let primes = send_proxy(primes);
    let candidates = counting(5, 2, 50);
    let mut p = candidates.recv().await?;
    loop {
        let c = composites.recv().await?;
        while p < c {
            primes.send(p).await.ok()?;
            out.send(p).await.ok()?;
            p = candidates.recv().await?;
        }
        if p == c {
            p = candidates.recv().await?;
        }
    }
}

/// The primes, in order: 2, 3, then every odd candidate from 5 that is not a composite.
fn sieve() -> Receiver<u64> {
    let (out_tx, out) = chan::bounded(10);
    let (composites_tx, composites) = chan::bounded(50);
    let (primes_tx, primes) = chan::bounded(10);
    out_tx.try_send(2).unwrap();
    out_tx.try_send(3).unwrap();
    primes_tx.try_send(3).unwrap();
    gort::spawn(merge_composites(primes, composites_tx));
    gort::spawn(filter_candidates(composites, primes_tx, out_tx));
    out
}

#[test]
fn sieve2_primes_through_a_feedback_loop() {
    on_both_flavors(|flavor| async move {
        let primes = sieve();
        let mut got = Vec::new();
        for _ in 0..168 {
            got.push(primes.recv().await.unwrap());
        }
        let expected: Vec<u64> = (2..1000u64)
            .filter(|&n| (2..n).take_while(|d| d * d <= n).all(|d| n % d != 0))
            .collect();
        assert_eq!(got, expected, "{flavor}: the primes below 1000");
    });
}

// ----- powser1: power series as networks of tasks -----

/// A rational number in lowest terms, denominator positive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Rat {
    num: i64,
    den: i64,
}

fn gcd(a: i64, b: i64) -> i64 {
    if b == 0 {
        a.abs()
    } else {
        gcd(b, a % b)
    }
}

fn rat(num: i64, den: i64) -> Rat {
    let g = gcd(num, den).max(1) * den.signum();
    Rat {
        num: num / g,
        den: den / g,
    }
}

fn int(n: i64) -> Rat {
    rat(n, 1)
}

impl std::ops::Add for Rat {
    type Output = Rat;
    fn add(self, o: Rat) -> Rat {
        let g = gcd(self.den, o.den);
        rat(
            self.num * (o.den / g) + o.num * (self.den / g),
            self.den * (o.den / g),
        )
    }
}

impl std::ops::Mul for Rat {
    type Output = Rat;
    fn mul(self, o: Rat) -> Rat {
        // Reduce across first, so the products stay small.
        let (g1, g2) = (gcd(self.num, o.den).max(1), gcd(self.den, o.num).max(1));
        rat(
            (self.num / g1) * (o.num / g2),
            (self.den / g2) * (o.den / g1),
        )
    }
}

impl std::ops::Neg for Rat {
    type Output = Rat;
    fn neg(self) -> Rat {
        rat(-self.num, self.den)
    }
}

/// A term of a series; `None` ends a finite series.
type Term = Option<Rat>;

/// A power series on demand: a consumer sends a request, then receives the next term. Both
/// channels are unbuffered, so every term is a rendezvous.
#[derive(Clone)]
struct Series {
    req_tx: Sender<()>,
    req_rx: Receiver<()>,
    dat_tx: Sender<Term>,
    dat_rx: Receiver<Term>,
}

impl Series {
    fn new() -> Self {
        let (req_tx, req_rx) = chan::bounded(0);
        let (dat_tx, dat_rx) = chan::bounded(0);
        Series {
            req_tx,
            req_rx,
            dat_tx,
            dat_rx,
        }
    }

    /// The next term (a consumer's side).
    async fn get(&self) -> Term {
        self.req_tx.send(()).await.unwrap();
        self.dat_rx.recv().await.unwrap()
    }

    /// Waits for a request (a producer's side).
    async fn wanted(&self) {
        self.req_rx.recv().await.unwrap();
    }

    /// Answers a request.
    async fn give(&self, t: Term) {
        self.dat_tx.send(t).await.unwrap();
    }

    async fn put(&self, t: Term) {
        self.wanted().await;
        self.give(t).await;
    }

    /// Serves every further request from `from`.
    async fn copy_from(&self, from: &Series) {
        loop {
            self.wanted().await;
            self.give(from.get().await).await;
        }
    }
}

/// Starts `body` producing the series it is given; returns that series.
fn produce<F, Fut>(body: F) -> Series
where
    F: FnOnce(Series) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let z = Series::new();
    gort::spawn(body(z.clone()));
    z
}

/// One term from each of two series, requested and received in whatever order they come:
/// a `select!` of four cases, each made nil once done.
async fn get2(u: &Series, v: &Series) -> (Term, Term) {
    let (mut asked, mut got): ([bool; 2], [Option<Term>; 2]) = ([false; 2], [None; 2]);
    for _ in 0..4 {
        select! {
            r = u.req_tx.send(()), if !asked[0] => { r.unwrap(); asked[0] = true }
            r = v.req_tx.send(()), if !asked[1] => { r.unwrap(); asked[1] = true }
            Some(t) = u.dat_rx.recv(), if asked[0] && got[0].is_none() => got[0] = Some(t),
            Some(t) = v.dat_rx.recv(), if asked[1] && got[1].is_none() => got[1] = Some(t),
        }
    }
    (got[0].unwrap(), got[1].unwrap())
}

/// Copies `input` onto `outs`, which may be read at different rates: a task that serves
/// requests on both, fetching from `input` while still serving the other side.
fn split_into(input: Series, outs: [Series; 2]) {
    gort::spawn(async move {
        let mut queued: [VecDeque<Term>; 2] = Default::default();
        let mut wants = [false; 2];
        let mut fetching = false;
        loop {
            let need = (0..2).any(|k| wants[k] && queued[k].is_empty());
            let next = |k: usize| queued[k].front().copied().flatten();
            select! {
                Some(()) = outs[0].req_rx.recv(), if !wants[0] => wants[0] = true,
                Some(()) = outs[1].req_rx.recv(), if !wants[1] => wants[1] = true,
                r = input.req_tx.send(()), if need && !fetching => { r.unwrap(); fetching = true }
                Some(t) = input.dat_rx.recv(), if fetching => {
                    fetching = false;
                    queued[0].push_back(t);
                    queued[1].push_back(t);
                }
                r = outs[0].dat_tx.send(next(0)), if wants[0] && !queued[0].is_empty() => {
                    r.unwrap();
                    queued[0].pop_front();
                    wants[0] = false;
                }
                r = outs[1].dat_tx.send(next(1)), if wants[1] && !queued[1].is_empty() => {
                    r.unwrap();
                    queued[1].pop_front();
                    wants[1] = false;
                }
            }
        }
    });
}

fn split(input: Series) -> [Series; 2] {
    let outs = [Series::new(), Series::new()];
    split_into(input, outs.clone());
    outs
}

fn repeat(c: Rat) -> Series {
    produce(|z| async move {
        loop {
            z.put(Some(c)).await;
        }
    })
}

fn add(u: Series, v: Series) -> Series {
    produce(|z| async move {
        loop {
            z.wanted().await;
            match get2(&u, &v).await {
                (Some(a), Some(b)) => z.give(Some(a + b)).await,
                (None, None) => return z.give(None).await,
                (Some(a), None) => {
                    z.give(Some(a)).await;
                    return z.copy_from(&u).await;
                }
                (None, Some(b)) => {
                    z.give(Some(b)).await;
                    return z.copy_from(&v).await;
                }
            }
        }
    })
}

fn cmul(c: Rat, u: Series) -> Series {
    produce(|z| async move {
        loop {
            z.wanted().await;
            let t = u.get().await.map(|a| c * a);
            z.give(t).await;
            if t.is_none() {
                return;
            }
        }
    })
}

fn sub(u: Series, v: Series) -> Series {
    add(u, cmul(int(-1), v))
}

/// U·V = u·v + x·(u·VV + v·UU) + x²·UU·VV, with U = u + x·UU and V = v + x·VV.
fn mul(u: Series, v: Series) -> Series {
    produce(|z| async move {
        z.wanted().await;
        let (Some(a), Some(b)) = get2(&u, &v).await else {
            return z.give(None).await;
        };
        z.give(Some(a * b)).await;
        let [uu0, uu1] = split(u);
        let [vv0, vv1] = split(v);
        let w = add(cmul(a, vv0), cmul(b, uu0));
        z.wanted().await;
        z.give(w.get().await).await;
        z.copy_from(&add(w, mul(uu1, vv1))).await;
    })
}

fn diff(u: Series) -> Series {
    produce(|z| async move {
        z.wanted().await;
        if u.get().await.is_some() {
            for i in 1.. {
                match u.get().await {
                    Some(a) => {
                        z.give(Some(int(i) * a)).await;
                        z.wanted().await;
                    }
                    None => break,
                }
            }
        }
        z.give(None).await;
    })
}

fn integ(c: Rat, u: Series) -> Series {
    produce(|z| async move {
        z.put(Some(c)).await;
        for i in 1.. {
            z.wanted().await;
            let t = u.get().await.map(|a| rat(1, i) * a);
            z.give(t).await;
            if t.is_none() {
                return;
            }
        }
    })
}

/// exp(U) for U with constant term 0: Z = 1 + ∫ Z·U'.
fn exp(u: Series) -> Series {
    let zz = [Series::new(), Series::new()];
    split_into(integ(int(1), mul(zz[0].clone(), diff(u))), zz.clone());
    let [_, z] = zz;
    z
}

/// U(c·xⁿ): each term times cⁱ, followed by n - 1 zeros.
fn mon_subst(u: Series, c0: Rat, n: usize) -> Series {
    produce(|z| async move {
        let mut c = int(1);
        loop {
            z.wanted().await;
            let Some(a) = u.get().await else {
                return z.give(None).await;
            };
            z.give(Some(a * c)).await;
            c = c * c0;
            for _ in 1..n {
                z.put(Some(int(0))).await;
            }
        }
    })
}

async fn expect_terms(s: &Series, want: &[Rat], what: &str) {
    for (i, &w) in want.iter().enumerate() {
        assert_eq!(s.get().await, Some(w), "{what}: term {i}");
    }
}

#[test]
fn powser1_power_series_networks() {
    on_both_flavors(|flavor| async move {
        const N: i64 = 10;
        let ones = || repeat(int(1));
        let twos = || repeat(int(2));
        let each = |r: Rat| vec![r; N as usize];
        expect_terms(&ones(), &each(int(1)), "Ones").await;
        expect_terms(&add(ones(), ones()), &each(int(2)), "Add Ones Ones").await;
        expect_terms(&add(ones(), twos()), &each(int(3)), "Add Ones Twos").await;
        let naturals: Vec<Rat> = (1..=N).map(int).collect();
        expect_terms(&diff(ones()), &naturals, "Diff").await;
        let harmonic: Vec<Rat> = std::iter::once(int(0))
            .chain((1..N).map(|i| rat(1, i)))
            .collect();
        expect_terms(&integ(int(0), ones()), &harmonic, "Integ").await;
        expect_terms(&cmul(int(-1), twos()), &each(int(-2)), "Cmul").await;
        expect_terms(&sub(ones(), twos()), &each(int(-1)), "Sub Ones Twos").await;
        expect_terms(&mul(ones(), ones()), &naturals, "Mul").await;
        // exp(x/(1-x)): Σ aₙxⁿ with n!·aₙ = 1, 1, 3, 13, 73, 501, 4051, ...
        let e = [
            rat(1, 1),
            rat(1, 1),
            rat(3, 2),
            rat(13, 6),
            rat(73, 24),
            rat(167, 40),
            rat(4051, 720),
            rat(37633, 5040),
            rat(43817, 4480),
            rat(4596553, 362880),
        ];
        expect_terms(&exp(ones()), &e, "Exp").await;
        // atan(x) = ∫ 1/(1+x²) = x - x³/3 + x⁵/5 - ...
        let atan: Vec<Rat> = (0..N)
            .map(|i| match i % 4 {
                1 => rat(1, i),
                3 => rat(-1, i),
                _ => int(0),
            })
            .collect();
        expect_terms(&integ(int(0), mon_subst(ones(), int(-1), 2)), &atan, "ATan").await;
        // A finite series ends: Mul of a polynomial by a finite one.
        let one_plus_x = produce(|z| async move {
            z.put(Some(int(1))).await;
            z.put(Some(int(1))).await;
            z.put(None).await;
        });
        let d = diff(one_plus_x);
        assert_eq!(d.get().await, Some(int(1)), "{flavor}: d/dx (1 + x)");
        assert_eq!(d.get().await, None, "{flavor}: finite");
    });
}
