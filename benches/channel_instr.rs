//! The channel shapes of `benches/channel.rs` as a plain binary, for instruction counts:
//! `benches/channel_instr.sh` runs each shape under `valgrind --tool=callgrind` with N
//! operations and with none, and prints the difference per operation — a measure that does not
//! move with the machine's load, unlike criterion's times on a shared 2-core box.
//!
//!     channel_instr SHAPE PEER N      (one shape; PEER is gort or kanal, select_two and
//!                                      select_ping_pong: gort or async_channel)
//!     channel_instr list              (each shape's peers, and its operations per N)
//!     channel_instr                   (every shape once, timed: what `cargo bench` runs)
//!
//! Async shapes run on a multi-thread runtime with `WORKERS` workers (default 1: the tasks then
//! share one thread, and the count is the same from run to run): tokio's, or gort's own with
//! `RUNTIME=gort`.

use std::future::Future;
use std::pin::Pin;
use std::time::Instant;

/// The runtime the async shapes run on: tokio's (the peers' home), or gort's own.
enum Rt {
    Tokio(tokio::runtime::Runtime),
    Gort(gort::runtime::Runtime),
}

impl Rt {
    /// Runs `body` as a task spawned on this runtime (as criterion's rows do: not on the thread
    /// that blocks on the runtime).
    fn run<F: Future<Output = ()> + Send + 'static>(&self, body: F) {
        match self {
            Rt::Tokio(rt) => rt.block_on(async move { spawn(body).await }),
            Rt::Gort(rt) => rt.block_on(async move { spawn(body).await }),
        }
    }
}

/// Spawns on whichever runtime runs the caller; the handle gives the task's output (a task's
/// panic is passed on).
fn spawn<F>(fut: F) -> Pin<Box<dyn Future<Output = F::Output> + Send>>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    if tokio::runtime::Handle::try_current().is_ok() {
        let handle = tokio::spawn(fut);
        Box::pin(async move { handle.await.expect("a task panicked") })
    } else {
        let handle = gort::spawn(fut);
        Box::pin(async move { handle.await.expect("a task panicked") })
    }
}

/// What `Receiver::recv` returns, as a `Result` (gort's is an `Option`, kanal's a `Result`).
trait Received<T> {
    fn received(self) -> Result<T, ()>;
}

impl<T> Received<T> for Option<T> {
    fn received(self) -> Result<T, ()> {
        self.ok_or(())
    }
}

impl<T, E> Received<T> for Result<T, E> {
    fn received(self) -> Result<T, ()> {
        self.map_err(|_| ())
    }
}

macro_rules! recv {
    ($rx:expr) => {
        Received::received($rx.recv().await)
    };
}

/// `n` round trips: one value out on one channel, back on another.
macro_rules! ping_pong {
    ($make:expr, $n:expr) => {{
        let (to_main, from_echo) = $make;
        let (to_echo, from_main) = $make;
        let echo = spawn(async move {
            while let Ok(v) = recv!(from_main) {
                if to_main.send(v).await.is_err() {
                    break;
                }
            }
        });
        for i in 0..$n {
            to_echo.send(i).await.unwrap();
            assert_eq!(recv!(from_echo), Ok(i));
        }
        drop(to_echo);
        echo.await;
    }};
}

/// `n` values from one producer task to the consumer (`$wrap` makes each from its number,
/// `$unwrap` gives the number back).
macro_rules! stream {
    ($make:expr, $n:expr) => {
        stream!($make, $n, |i| i, |v| v)
    };
    ($make:expr, $n:expr, $wrap:expr, $unwrap:expr) => {{
        let (tx, rx) = $make;
        let n: usize = $n;
        let producer = spawn(async move {
            for i in 0..n {
                tx.send($wrap(i)).await.unwrap();
            }
        });
        let mut sum = 0usize;
        for _ in 0..n {
            sum += $unwrap(recv!(rx).unwrap());
        }
        producer.await;
        assert_eq!(sum, n * n.saturating_sub(1) / 2, "every value once");
    }};
}

/// `n` values in all from four producer tasks to `$consumers` consumer tasks (`$wrap` makes
/// each value from its number, `$unwrap` gives the number back).
macro_rules! four_to {
    ($consumers:expr, $make:expr, $n:expr) => {
        four_to!($consumers, $make, $n, |i| i, |v| v)
    };
    ($consumers:expr, $make:expr, $n:expr, $wrap:expr, $unwrap:expr) => {{
        let (tx, rx) = $make;
        let per = $n / 4;
        let producers: Vec<_> = (0..4)
            .map(|p| {
                let tx = tx.clone();
                spawn(async move {
                    for i in p * per..(p + 1) * per {
                        tx.send($wrap(i)).await.unwrap();
                    }
                })
            })
            .collect();
        drop(tx);
        let consumers: Vec<_> = (0..$consumers)
            .map(|_| {
                let rx = rx.clone();
                spawn(async move {
                    let (mut sum, mut count) = (0usize, 0usize);
                    while let Ok(v) = recv!(rx) {
                        sum += $unwrap(v);
                        count += 1;
                    }
                    (sum, count)
                })
            })
            .collect();
        drop(rx);
        let (mut sum, mut count) = (0, 0);
        for c in consumers {
            let (s, c) = c.await;
            sum += s;
            count += c;
        }
        for p in producers {
            p.await;
        }
        let n = 4 * per;
        assert_eq!(
            (sum, count),
            (n * n.saturating_sub(1) / 2, n),
            "every value once"
        );
    }};
}

/// `n` values from each of two producers, taken by one `select!` loop (through bounded(1024),
/// as in `benches/channel.rs`).
macro_rules! select_two {
    ($make:expr, $n:expr, $select:ident) => {{
        let (tx1, rx1) = $make;
        let (tx2, rx2) = $make;
        let n: usize = $n;
        // Each producer hands its sender back, so that neither channel closes (a closed
        // channel's branch would be ready at once) before the loop has taken every value.
        let p1 = spawn(async move {
            for i in 0..n {
                tx1.send(i).await.unwrap();
            }
            tx1
        });
        let p2 = spawn(async move {
            for i in 0..n {
                tx2.send(i).await.unwrap();
            }
            tx2
        });
        for _ in 0..2 * n {
            $select!(rx1, rx2);
        }
        drop((p1.await, p2.await));
    }};
}

macro_rules! gort_select {
    ($a:ident, $b:ident) => {
        gort::select! {
            v = $a.recv() => { v.unwrap(); },
            v = $b.recv() => { v.unwrap(); },
        }
    };
}

macro_rules! tokio_select {
    ($a:ident, $b:ident) => {
        tokio::select! {
            v = $a.recv() => { v.unwrap(); },
            v = $b.recv() => { v.unwrap(); },
        }
    };
}

/// `n` round trips through an echo task that waits in a `select!` (its channel or a quit
/// channel nobody sends on, a server loop's shape): each of its waits finds both branches idle
/// and parks on both.
macro_rules! select_ping_pong {
    ($make:expr, $n:expr, $echo:ident) => {{
        let (to_main, from_echo) = $make;
        let (to_echo, from_main) = $make;
        let (quit_tx, quit_rx) = $make;
        let echo = spawn(async move {
            loop {
                match $echo!(from_main, quit_rx) {
                    Some(v) => to_main.send(v).await.unwrap(),
                    None => break,
                }
            }
        });
        for i in 0..$n {
            to_echo.send(i).await.unwrap();
            assert_eq!(recv!(from_echo), Ok(i));
        }
        drop((to_echo, quit_tx));
        echo.await;
    }};
}

macro_rules! gort_echo {
    ($from:ident, $quit:ident) => {
        gort::select! {
            v = $from.recv() => v,
            _ = $quit.recv() => None,
        }
    };
}

macro_rules! tokio_echo {
    ($from:ident, $quit:ident) => {
        tokio::select! {
            v = $from.recv() => v.ok(),
            _ = $quit.recv() => None,
        }
    };
}

/// The value of `big_payload` (as in `benches/channel.rs`): 64 bytes.
type Big = [u64; 8];

fn big(i: usize) -> Big {
    [i as u64; 8]
}

fn unbig(v: Big) -> usize {
    v[7] as usize
}

/// Each shape, its peers, and the operations a run of N does (round trips for ping_pong and
/// select_ping_pong, messages for the streams and select_two — N from each of two producers —
/// channels for make_and_drop).
const SHAPES: [(&str, &[&str], usize); 11] = [
    ("ping_pong_1", &["gort", "kanal"], 1),
    ("ping_pong_0", &["gort", "kanal"], 1),
    ("one_slot_stream", &["gort", "kanal"], 1),
    ("unbounded", &["gort", "kanal"], 1),
    ("select_two", &["gort", "async_channel"], 2),
    ("select_ping_pong", &["gort", "async_channel"], 1),
    ("mpsc_4_to_1", &["gort", "kanal"], 1),
    ("mpmc_4_to_4", &["gort", "kanal"], 1),
    ("big_payload", &["gort", "kanal"], 1),
    ("big_4_to_4", &["gort", "kanal"], 1),
    ("make_and_drop", &["gort", "kanal"], 1),
];

/// Runs `n` operations of `shape` through `peer`'s channels.
fn run(rt: &Rt, shape: &str, peer: &str, n: usize) {
    macro_rules! on_rt {
        ($body:expr) => {
            rt.run(async move { $body })
        };
    }
    match (shape, peer) {
        ("ping_pong_1", "gort") => on_rt!(ping_pong!(gort::chan::bounded::<usize>(1), n)),
        ("ping_pong_1", "kanal") => on_rt!(ping_pong!(kanal::bounded_async::<usize>(1), n)),
        ("ping_pong_0", "gort") => on_rt!(ping_pong!(gort::chan::bounded::<usize>(0), n)),
        ("ping_pong_0", "kanal") => on_rt!(ping_pong!(kanal::bounded_async::<usize>(0), n)),
        ("one_slot_stream", "gort") => on_rt!(stream!(gort::chan::bounded::<usize>(1), n)),
        ("one_slot_stream", "kanal") => on_rt!(stream!(kanal::bounded_async::<usize>(1), n)),
        ("unbounded", "gort") => on_rt!(stream!(gort::chan::unbounded::<usize>(), n)),
        ("unbounded", "kanal") => on_rt!(stream!(kanal::unbounded_async::<usize>(), n)),
        ("select_two", "gort") => {
            on_rt!(select_two!(
                gort::chan::bounded::<usize>(1024),
                n,
                gort_select
            ))
        }
        ("select_two", "async_channel") => {
            on_rt!(select_two!(
                async_channel::bounded::<usize>(1024),
                n,
                tokio_select
            ))
        }
        ("select_ping_pong", "gort") => on_rt!(select_ping_pong!(
            gort::chan::bounded::<usize>(1),
            n,
            gort_echo
        )),
        ("select_ping_pong", "async_channel") => on_rt!(select_ping_pong!(
            async_channel::bounded::<usize>(1),
            n,
            tokio_echo
        )),
        ("big_payload", "gort") => on_rt!(stream!(gort::chan::bounded::<Big>(1024), n, big, unbig)),
        ("big_payload", "kanal") => {
            on_rt!(stream!(kanal::bounded_async::<Big>(1024), n, big, unbig))
        }
        ("mpsc_4_to_1", "gort") => on_rt!(four_to!(1, gort::chan::bounded::<usize>(1024), n)),
        ("mpsc_4_to_1", "kanal") => on_rt!(four_to!(1, kanal::bounded_async::<usize>(1024), n)),
        ("mpmc_4_to_4", "gort") => on_rt!(four_to!(4, gort::chan::bounded::<usize>(1024), n)),
        ("mpmc_4_to_4", "kanal") => on_rt!(four_to!(4, kanal::bounded_async::<usize>(1024), n)),
        ("big_4_to_4", "gort") => {
            on_rt!(four_to!(4, gort::chan::bounded::<Big>(1024), n, big, unbig))
        }
        ("big_4_to_4", "kanal") => on_rt!(four_to!(
            4,
            kanal::bounded_async::<Big>(1024),
            n,
            big,
            unbig
        )),
        ("make_and_drop", "gort") => {
            for _ in 0..n {
                drop(std::hint::black_box(gort::chan::bounded::<usize>(1)));
            }
        }
        ("make_and_drop", "kanal") => {
            for _ in 0..n {
                drop(std::hint::black_box(kanal::bounded_async::<usize>(1)));
            }
        }
        _ => panic!("no shape {shape} for peer {peer}: see benches/channel_instr.rs"),
    }
}

fn main() {
    let workers = std::env::var("WORKERS")
        .ok()
        .map(|w| w.parse().expect("WORKERS: a number of worker threads"))
        .unwrap_or(1);
    let rt = match std::env::var("RUNTIME").as_deref() {
        Ok("gort") => Rt::Gort(
            gort::runtime::Builder::new_multi_thread()
                .worker_threads(workers)
                .build()
                .unwrap(),
        ),
        Ok("tokio") | Err(_) => Rt::Tokio(
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(workers)
                .build()
                .unwrap(),
        ),
        Ok(other) => panic!("RUNTIME: gort or tokio, not {other}"),
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    match &args[..] {
        [shape, peer, n] => run(&rt, shape, peer, n.parse().expect("N: a count")),
        // For benches/channel_instr.sh: `shape peer operations-per-N`, a line each.
        [list] if list == "list" => {
            for (shape, peers, per_n) in SHAPES {
                for peer in peers {
                    println!("{shape} {peer} {per_n}");
                }
            }
        }
        // `cargo bench` passes `--bench`: every shape once, timed.
        _ => {
            let n = 20_000;
            for (shape, peers, per_n) in SHAPES {
                for peer in peers {
                    let start = Instant::now();
                    run(&rt, shape, peer, n);
                    let ns = start.elapsed().as_nanos() as f64 / (n * per_n) as f64;
                    println!("{shape:16} {peer:14} {ns:8.1} ns per operation");
                }
            }
        }
    }
}
