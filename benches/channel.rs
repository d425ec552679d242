//! Channel benchmarks: gort's `chan`/`mpsc`/`select!` side by side with tokio's mpsc, flume,
//! kanal, async-channel (async, on the same tokio runtime with 2 workers, so only the channel
//! differs) and crossbeam-channel (blocking, on std threads). Rows named `*_on_gort_rt` run
//! the same work on gort's own runtime (2 workers): gort's channels and kanal, the fastest
//! peer.
//!
//! Groups (throughput in elements = messages):
//! - `ping_pong`: two tasks bounce a value over two channels (cap 1, and cap 0 where supported).
//! - `mpsc_throughput`: 4 producers x 250_000 into bounded(1024), 1 consumer.
//! - `mpmc_throughput`: 4 producers x 250_000, 4 consumers, bounded(1024).
//! - `unbounded_throughput`: 1 producer x 1_000_000, 1 consumer.
//! - `select_two`: one consumer selecting over two fed bounded(1024) channels, 2 x 250_000.
//! - `select_ping_pong`: `ping_pong` (cap 1) with the echo task waiting in a `select!` over its
//!   channel and an idle quit channel (a server loop's shape: every wait parks both branches).
//! - `one_slot_stream`: 1 producer x 100_000 through bounded(1), 1 consumer (every other value
//!   parks one side: the hop of kanal's and crossbeam's `bounded1` benchmarks).
//! - `big_payload`: `mpmc_throughput`'s shape with 64-byte messages (`[u64; 8]`): the copies a
//!   send and a receive make.
//! - `make_and_drop`: a bounded(1) channel made and both ends dropped (Go's reply channel,
//!   `make(chan T, 1)` per request; flume's `create`).
//!
//! Run briefly: `cargo bench --bench channel -- --warm-up-time 1 --measurement-time 3`.
//! Go's channels on the same shapes: `benches/go_chan/run.sh` (prints Go's ns per message).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use futures::future::BoxFuture;
use std::future::Future;
use std::time::{Duration, Instant};

const PING_PONGS: usize = 10_000;
const PRODUCERS: usize = 4;
const PER_PRODUCER: usize = 250_000;
const CAP: usize = 1024;
const UNBOUNDED_MSGS: usize = 1_000_000;
const SELECT_PER_CHANNEL: usize = 250_000;
const ONE_SLOT_MSGS: usize = 100_000;

/// Where the async rows run: tokio's runtime (the peers' home) or gort's own, both with 2
/// workers.
enum Rt {
    Tokio(tokio::runtime::Runtime),
    Gort(gort::runtime::Runtime),
}

fn tokio_rt() -> Rt {
    Rt::Tokio(
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap(),
    )
}

fn gort_rt() -> Rt {
    Rt::Gort(
        gort::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap(),
    )
}

/// Spawns on whichever runtime runs the caller; the handle yields `Err` if the task panicked.
fn spawn<F>(fut: F) -> BoxFuture<'static, Result<F::Output, String>>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    if tokio::runtime::Handle::try_current().is_ok() {
        let handle = tokio::spawn(fut);
        Box::pin(async move { handle.await.map_err(|e| e.to_string()) })
    } else {
        let handle = gort::spawn(fut);
        Box::pin(async move { handle.await.map_err(|e| e.to_string()) })
    }
}

/// Times `iters` runs of `work` (a future spawned on the runtime).
fn time_async<F, Fut>(rt: &Rt, iters: u64, work: F) -> Duration
where
    F: Fn() -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let start = Instant::now();
    for _ in 0..iters {
        match rt {
            Rt::Tokio(rt) => rt.block_on(async { spawn(work()).await.unwrap() }),
            Rt::Gort(rt) => rt.block_on(async { spawn(work()).await.unwrap() }),
        }
    }
    start.elapsed()
}

fn time_blocking(iters: u64, work: impl Fn()) -> Duration {
    let start = Instant::now();
    for _ in 0..iters {
        work();
    }
    start.elapsed()
}

// ----- ping_pong -----

macro_rules! async_ping_pong {
    ($make:expr, $send:ident, $recv:ident) => {
        move || async move {
            let (tx1, rx1) = $make;
            let (tx2, rx2) = $make;
            let echo = spawn(async move {
                #[allow(unused_mut)]
                let mut rx1 = rx1;
                while let Some(v) = async_ping_pong!(@recv rx1, $recv) {
                    async_ping_pong!(@send tx2, $send, v);
                }
            });
            #[allow(unused_mut)]
            let mut rx2 = rx2;
            for i in 0..PING_PONGS {
                async_ping_pong!(@send tx1, $send, i);
                let _ = async_ping_pong!(@recv rx2, $recv);
            }
            drop(tx1);
            echo.await.unwrap();
        }
    };
    (@recv $rx:ident, recv) => { $rx.recv().await };
    (@recv $rx:ident, recv_ok) => { $rx.recv().await.ok() };
    (@recv $rx:ident, recv_async) => { $rx.recv_async().await.ok() };
    (@send $tx:ident, send, $v:expr) => { $tx.send($v).await.unwrap() };
    (@send $tx:ident, send_async, $v:expr) => { $tx.send_async($v).await.unwrap() };
}

fn ping_pong(c: &mut Criterion) {
    let rt = tokio_rt();
    let grt = gort_rt();
    let mut g = c.benchmark_group("ping_pong");
    g.throughput(Throughput::Elements(PING_PONGS as u64));
    g.sample_size(10);
    for cap in [1usize, 0] {
        g.bench_function(BenchmarkId::new("gort", cap), |b| {
            b.iter_custom(|n| {
                time_async(
                    &rt,
                    n,
                    async_ping_pong!(gort::chan::bounded::<usize>(cap), send, recv),
                )
            })
        });
        g.bench_function(BenchmarkId::new("gort_on_gort_rt", cap), |b| {
            b.iter_custom(|n| {
                time_async(
                    &grt,
                    n,
                    async_ping_pong!(gort::chan::bounded::<usize>(cap), send, recv),
                )
            })
        });
        if cap > 0 {
            g.bench_function(BenchmarkId::new("gort_mpsc", cap), |b| {
                b.iter_custom(|n| {
                    time_async(
                        &rt,
                        n,
                        async_ping_pong!(gort::sync::mpsc::channel::<usize>(cap), send, recv),
                    )
                })
            });
            g.bench_function(BenchmarkId::new("gort_mpsc_on_gort_rt", cap), |b| {
                b.iter_custom(|n| {
                    time_async(
                        &grt,
                        n,
                        async_ping_pong!(gort::sync::mpsc::channel::<usize>(cap), send, recv),
                    )
                })
            });
            g.bench_function(BenchmarkId::new("tokio", cap), |b| {
                b.iter_custom(|n| {
                    time_async(
                        &rt,
                        n,
                        async_ping_pong!(tokio::sync::mpsc::channel::<usize>(cap), send, recv),
                    )
                })
            });
            g.bench_function(BenchmarkId::new("async_channel", cap), |b| {
                b.iter_custom(|n| {
                    time_async(
                        &rt,
                        n,
                        async_ping_pong!(async_channel::bounded::<usize>(cap), send, recv_ok),
                    )
                })
            });
        }
        g.bench_function(BenchmarkId::new("flume", cap), |b| {
            b.iter_custom(|n| {
                time_async(
                    &rt,
                    n,
                    async_ping_pong!(flume::bounded::<usize>(cap), send_async, recv_async),
                )
            })
        });
        g.bench_function(BenchmarkId::new("kanal", cap), |b| {
            b.iter_custom(|n| {
                time_async(
                    &rt,
                    n,
                    async_ping_pong!(kanal::bounded_async::<usize>(cap), send, recv_ok),
                )
            })
        });
        g.bench_function(BenchmarkId::new("kanal_on_gort_rt", cap), |b| {
            b.iter_custom(|n| {
                time_async(
                    &grt,
                    n,
                    async_ping_pong!(kanal::bounded_async::<usize>(cap), send, recv_ok),
                )
            })
        });
        g.bench_function(BenchmarkId::new("crossbeam_blocking", cap), |b| {
            b.iter_custom(|n| {
                time_blocking(n, || {
                    let (tx1, rx1) = crossbeam_channel::bounded::<usize>(cap);
                    let (tx2, rx2) = crossbeam_channel::bounded::<usize>(cap);
                    let echo = std::thread::spawn(move || {
                        while let Ok(v) = rx1.recv() {
                            tx2.send(v).unwrap();
                        }
                    });
                    for i in 0..PING_PONGS {
                        tx1.send(i).unwrap();
                        rx2.recv().unwrap();
                    }
                    drop(tx1);
                    echo.join().unwrap();
                })
            })
        });
    }
    g.finish();
}

// ----- throughput (N producers, M consumers) -----

macro_rules! async_throughput {
    ($make:expr, $send:ident, $recv:ident, $producers:expr, $per:expr, $consumers:expr) => {
        async_throughput!($make, $send, $recv, $producers, $per, $consumers, |i: usize| i)
    };
    // `$message`: the message sent for each index (a closure without captures).
    ($make:expr, $send:ident, $recv:ident, $producers:expr, $per:expr, $consumers:expr,
     $message:expr) => {
        move || async move {
            let (tx, rx) = $make;
            let mut tasks = Vec::new();
            for _ in 0..$producers {
                let tx = tx.clone();
                let message = $message;
                tasks.push(spawn(async move {
                    for i in 0..$per {
                        async_ping_pong!(@send tx, $send, message(i));
                    }
                }));
            }
            drop(tx);
            let mut consumers = Vec::new();
            for _ in 0..$consumers {
                #[allow(unused_mut)]
                let mut rx = rx.clone();
                consumers.push(spawn(async move {
                    let mut n = 0usize;
                    while async_ping_pong!(@recv rx, $recv).is_some() {
                        n += 1;
                    }
                    n
                }));
            }
            drop(rx);
            let mut total = 0;
            for c in consumers {
                total += c.await.unwrap();
            }
            for t in tasks {
                t.await.unwrap();
            }
            assert_eq!(total, $producers * $per);
        }
    };
}

/// The single-consumer form (tokio's and gort's mpsc receivers are not `Clone`).
macro_rules! async_mpsc {
    ($make:expr, $send:ident, $recv:ident, $producers:expr, $per:expr) => {
        move || async move {
            let (tx, rx) = $make;
            let mut tasks = Vec::new();
            for _ in 0..$producers {
                let tx = tx.clone();
                tasks.push(spawn(async move {
                    for i in 0..$per {
                        async_ping_pong!(@send tx, $send, i);
                    }
                }));
            }
            drop(tx);
            let consumer = spawn(async move {
                #[allow(unused_mut)]
                let mut rx = rx;
                let mut n = 0usize;
                while async_ping_pong!(@recv rx, $recv).is_some() {
                    n += 1;
                }
                n
            });
            assert_eq!(consumer.await.unwrap(), $producers * $per);
            for t in tasks {
                t.await.unwrap();
            }
        }
    };
}

/// tokio's unbounded sender and gort's `UnboundedSender` send synchronously.
macro_rules! unbounded_sync_send {
    ($make:expr) => {
        move || async move {
            let (tx, mut rx) = $make;
            let producer = spawn(async move {
                for i in 0..UNBOUNDED_MSGS {
                    tx.send(i).unwrap();
                }
            });
            let consumer = spawn(async move {
                let mut n = 0usize;
                while rx.recv().await.is_some() {
                    n += 1;
                }
                n
            });
            producer.await.unwrap();
            assert_eq!(consumer.await.unwrap(), UNBOUNDED_MSGS);
        }
    };
}

fn crossbeam_throughput(
    tx: crossbeam_channel::Sender<usize>,
    rx: crossbeam_channel::Receiver<usize>,
    producers: usize,
    per: usize,
    consumers: usize,
) {
    let mut threads = Vec::new();
    for _ in 0..producers {
        let tx = tx.clone();
        threads.push(std::thread::spawn(move || {
            for i in 0..per {
                tx.send(i).unwrap();
            }
            0
        }));
    }
    drop(tx);
    for _ in 0..consumers {
        let rx = rx.clone();
        threads.push(std::thread::spawn(move || rx.iter().count()));
    }
    let total: usize = threads.into_iter().map(|t| t.join().unwrap()).sum();
    assert_eq!(total, producers * per);
}

fn mpsc_throughput(c: &mut Criterion) {
    let rt = tokio_rt();
    let grt = gort_rt();
    let mut g = c.benchmark_group("mpsc_throughput");
    g.throughput(Throughput::Elements((PRODUCERS * PER_PRODUCER) as u64));
    g.sample_size(10);
    g.bench_function("gort", |b| {
        b.iter_custom(|n| {
            time_async(
                &rt,
                n,
                async_mpsc!(
                    gort::chan::bounded::<usize>(CAP),
                    send,
                    recv,
                    PRODUCERS,
                    PER_PRODUCER
                ),
            )
        })
    });
    g.bench_function("gort_on_gort_rt", |b| {
        b.iter_custom(|n| {
            time_async(
                &grt,
                n,
                async_mpsc!(
                    gort::chan::bounded::<usize>(CAP),
                    send,
                    recv,
                    PRODUCERS,
                    PER_PRODUCER
                ),
            )
        })
    });
    g.bench_function("gort_mpsc", |b| {
        b.iter_custom(|n| {
            time_async(
                &rt,
                n,
                async_mpsc!(
                    gort::sync::mpsc::channel::<usize>(CAP),
                    send,
                    recv,
                    PRODUCERS,
                    PER_PRODUCER
                ),
            )
        })
    });
    g.bench_function("gort_mpsc_on_gort_rt", |b| {
        b.iter_custom(|n| {
            time_async(
                &grt,
                n,
                async_mpsc!(
                    gort::sync::mpsc::channel::<usize>(CAP),
                    send,
                    recv,
                    PRODUCERS,
                    PER_PRODUCER
                ),
            )
        })
    });
    g.bench_function("tokio", |b| {
        b.iter_custom(|n| {
            time_async(
                &rt,
                n,
                async_mpsc!(
                    tokio::sync::mpsc::channel::<usize>(CAP),
                    send,
                    recv,
                    PRODUCERS,
                    PER_PRODUCER
                ),
            )
        })
    });
    g.bench_function("flume", |b| {
        b.iter_custom(|n| {
            time_async(
                &rt,
                n,
                async_mpsc!(
                    flume::bounded::<usize>(CAP),
                    send_async,
                    recv_async,
                    PRODUCERS,
                    PER_PRODUCER
                ),
            )
        })
    });
    g.bench_function("kanal", |b| {
        b.iter_custom(|n| {
            time_async(
                &rt,
                n,
                async_mpsc!(
                    kanal::bounded_async::<usize>(CAP),
                    send,
                    recv_ok,
                    PRODUCERS,
                    PER_PRODUCER
                ),
            )
        })
    });
    g.bench_function("kanal_on_gort_rt", |b| {
        b.iter_custom(|n| {
            time_async(
                &grt,
                n,
                async_mpsc!(
                    kanal::bounded_async::<usize>(CAP),
                    send,
                    recv_ok,
                    PRODUCERS,
                    PER_PRODUCER
                ),
            )
        })
    });
    g.bench_function("async_channel", |b| {
        b.iter_custom(|n| {
            time_async(
                &rt,
                n,
                async_mpsc!(
                    async_channel::bounded::<usize>(CAP),
                    send,
                    recv_ok,
                    PRODUCERS,
                    PER_PRODUCER
                ),
            )
        })
    });
    g.bench_function("crossbeam_blocking", |b| {
        b.iter_custom(|n| {
            time_blocking(n, || {
                let (tx, rx) = crossbeam_channel::bounded(CAP);
                crossbeam_throughput(tx, rx, PRODUCERS, PER_PRODUCER, 1)
            })
        })
    });
    g.finish();
}

fn mpmc_throughput(c: &mut Criterion) {
    let rt = tokio_rt();
    let grt = gort_rt();
    let mut g = c.benchmark_group("mpmc_throughput");
    g.throughput(Throughput::Elements((PRODUCERS * PER_PRODUCER) as u64));
    g.sample_size(10);
    g.bench_function("gort", |b| {
        b.iter_custom(|n| {
            time_async(
                &rt,
                n,
                async_throughput!(
                    gort::chan::bounded::<usize>(CAP),
                    send,
                    recv,
                    PRODUCERS,
                    PER_PRODUCER,
                    4
                ),
            )
        })
    });
    g.bench_function("gort_on_gort_rt", |b| {
        b.iter_custom(|n| {
            time_async(
                &grt,
                n,
                async_throughput!(
                    gort::chan::bounded::<usize>(CAP),
                    send,
                    recv,
                    PRODUCERS,
                    PER_PRODUCER,
                    4
                ),
            )
        })
    });
    g.bench_function("flume", |b| {
        b.iter_custom(|n| {
            time_async(
                &rt,
                n,
                async_throughput!(
                    flume::bounded::<usize>(CAP),
                    send_async,
                    recv_async,
                    PRODUCERS,
                    PER_PRODUCER,
                    4
                ),
            )
        })
    });
    g.bench_function("kanal", |b| {
        b.iter_custom(|n| {
            time_async(
                &rt,
                n,
                async_throughput!(
                    kanal::bounded_async::<usize>(CAP),
                    send,
                    recv_ok,
                    PRODUCERS,
                    PER_PRODUCER,
                    4
                ),
            )
        })
    });
    g.bench_function("kanal_on_gort_rt", |b| {
        b.iter_custom(|n| {
            time_async(
                &grt,
                n,
                async_throughput!(
                    kanal::bounded_async::<usize>(CAP),
                    send,
                    recv_ok,
                    PRODUCERS,
                    PER_PRODUCER,
                    4
                ),
            )
        })
    });
    g.bench_function("async_channel", |b| {
        b.iter_custom(|n| {
            time_async(
                &rt,
                n,
                async_throughput!(
                    async_channel::bounded::<usize>(CAP),
                    send,
                    recv_ok,
                    PRODUCERS,
                    PER_PRODUCER,
                    4
                ),
            )
        })
    });
    g.bench_function("crossbeam_blocking", |b| {
        b.iter_custom(|n| {
            time_blocking(n, || {
                let (tx, rx) = crossbeam_channel::bounded(CAP);
                crossbeam_throughput(tx, rx, PRODUCERS, PER_PRODUCER, 4)
            })
        })
    });
    g.finish();
}

/// A 64-byte message: what a send and a receive copy, and how often, shows.
type Big = [u64; 8];

fn big(i: usize) -> Big {
    [i as u64; 8]
}

fn big_payload(c: &mut Criterion) {
    let rt = tokio_rt();
    let grt = gort_rt();
    let mut g = c.benchmark_group("big_payload");
    g.throughput(Throughput::Elements((PRODUCERS * PER_PRODUCER) as u64));
    g.sample_size(10);
    g.bench_function("gort", |b| {
        b.iter_custom(|n| {
            let work = async_throughput!(
                gort::chan::bounded::<Big>(CAP),
                send,
                recv,
                PRODUCERS,
                PER_PRODUCER,
                4,
                big
            );
            time_async(&rt, n, work)
        })
    });
    g.bench_function("gort_on_gort_rt", |b| {
        b.iter_custom(|n| {
            let work = async_throughput!(
                gort::chan::bounded::<Big>(CAP),
                send,
                recv,
                PRODUCERS,
                PER_PRODUCER,
                4,
                big
            );
            time_async(&grt, n, work)
        })
    });
    g.bench_function("flume", |b| {
        b.iter_custom(|n| {
            let work = async_throughput!(
                flume::bounded::<Big>(CAP),
                send_async,
                recv_async,
                PRODUCERS,
                PER_PRODUCER,
                4,
                big
            );
            time_async(&rt, n, work)
        })
    });
    g.bench_function("kanal", |b| {
        b.iter_custom(|n| {
            let work = async_throughput!(
                kanal::bounded_async::<Big>(CAP),
                send,
                recv_ok,
                PRODUCERS,
                PER_PRODUCER,
                4,
                big
            );
            time_async(&rt, n, work)
        })
    });
    g.bench_function("kanal_on_gort_rt", |b| {
        b.iter_custom(|n| {
            let work = async_throughput!(
                kanal::bounded_async::<Big>(CAP),
                send,
                recv_ok,
                PRODUCERS,
                PER_PRODUCER,
                4,
                big
            );
            time_async(&grt, n, work)
        })
    });
    g.bench_function("async_channel", |b| {
        b.iter_custom(|n| {
            let work = async_throughput!(
                async_channel::bounded::<Big>(CAP),
                send,
                recv_ok,
                PRODUCERS,
                PER_PRODUCER,
                4,
                big
            );
            time_async(&rt, n, work)
        })
    });
    g.finish();
}

fn unbounded_throughput(c: &mut Criterion) {
    let rt = tokio_rt();
    let grt = gort_rt();
    let mut g = c.benchmark_group("unbounded_throughput");
    g.throughput(Throughput::Elements(UNBOUNDED_MSGS as u64));
    g.sample_size(10);
    g.bench_function("gort", |b| {
        b.iter_custom(|n| {
            time_async(
                &rt,
                n,
                async_mpsc!(
                    gort::chan::unbounded::<usize>(),
                    send,
                    recv,
                    1,
                    UNBOUNDED_MSGS
                ),
            )
        })
    });
    g.bench_function("gort_on_gort_rt", |b| {
        b.iter_custom(|n| {
            time_async(
                &grt,
                n,
                async_mpsc!(
                    gort::chan::unbounded::<usize>(),
                    send,
                    recv,
                    1,
                    UNBOUNDED_MSGS
                ),
            )
        })
    });
    g.bench_function("gort_mpsc", |b| {
        b.iter_custom(|n| {
            time_async(
                &rt,
                n,
                unbounded_sync_send!(gort::sync::mpsc::unbounded_channel::<usize>()),
            )
        })
    });
    g.bench_function("gort_mpsc_on_gort_rt", |b| {
        b.iter_custom(|n| {
            time_async(
                &grt,
                n,
                unbounded_sync_send!(gort::sync::mpsc::unbounded_channel::<usize>()),
            )
        })
    });
    g.bench_function("tokio", |b| {
        b.iter_custom(|n| {
            time_async(
                &rt,
                n,
                unbounded_sync_send!(tokio::sync::mpsc::unbounded_channel::<usize>()),
            )
        })
    });
    g.bench_function("flume", |b| {
        b.iter_custom(|n| {
            time_async(
                &rt,
                n,
                async_mpsc!(
                    flume::unbounded::<usize>(),
                    send_async,
                    recv_async,
                    1,
                    UNBOUNDED_MSGS
                ),
            )
        })
    });
    g.bench_function("kanal", |b| {
        b.iter_custom(|n| {
            time_async(
                &rt,
                n,
                async_mpsc!(
                    kanal::unbounded_async::<usize>(),
                    send,
                    recv_ok,
                    1,
                    UNBOUNDED_MSGS
                ),
            )
        })
    });
    g.bench_function("kanal_on_gort_rt", |b| {
        b.iter_custom(|n| {
            time_async(
                &grt,
                n,
                async_mpsc!(
                    kanal::unbounded_async::<usize>(),
                    send,
                    recv_ok,
                    1,
                    UNBOUNDED_MSGS
                ),
            )
        })
    });
    g.bench_function("async_channel", |b| {
        b.iter_custom(|n| {
            time_async(
                &rt,
                n,
                async_mpsc!(
                    async_channel::unbounded::<usize>(),
                    send,
                    recv_ok,
                    1,
                    UNBOUNDED_MSGS
                ),
            )
        })
    });
    g.bench_function("crossbeam_blocking", |b| {
        b.iter_custom(|n| {
            time_blocking(n, || {
                let (tx, rx) = crossbeam_channel::unbounded();
                crossbeam_throughput(tx, rx, 1, UNBOUNDED_MSGS, 1)
            })
        })
    });
    g.finish();
}

// ----- select_two -----

macro_rules! async_select_two {
    ($make:expr, $send:ident, $select:ident) => {
        async_select_two!($make, $send, $select, true)
    };
    // `strict == false`: kanal's futures are not cancel safe, so `select!` loses messages;
    // count what arrives instead of failing the run.
    ($make:expr, $send:ident, $select:ident, $strict:expr) => {
        move || async move {
            let (tx_a, rx_a) = $make;
            let (tx_b, rx_b) = $make;
            let producers: Vec<_> = [tx_a, tx_b]
                .into_iter()
                .map(|tx| {
                    spawn(async move {
                        for i in 0..SELECT_PER_CHANNEL {
                            async_ping_pong!(@send tx, $send, i);
                        }
                    })
                })
                .collect();
            let consumer = spawn(async move {
                #[allow(unused_mut)]
                let (mut rx_a, mut rx_b) = (rx_a, rx_b);
                let (mut n, mut open_a, mut open_b) = (0usize, true, true);
                while open_a || open_b {
                    match async_select_two!(@$select rx_a, rx_b, open_a, open_b) {
                        (true, Some(_)) | (false, Some(_)) => n += 1,
                        (true, None) => open_a = false,
                        (false, None) => open_b = false,
                    }
                }
                n
            });
            let got = consumer.await.unwrap();
            if $strict {
                assert_eq!(got, 2 * SELECT_PER_CHANNEL);
            } else {
                assert!(got <= 2 * SELECT_PER_CHANNEL);
            }
            for p in producers {
                p.await.unwrap();
            }
        }
    };
    (@gort $a:ident, $b:ident, $oa:ident, $ob:ident) => {
        gort_channel::select! {
            v = $a.recv(), if $oa => (true, v),
            v = $b.recv(), if $ob => (false, v),
        }
    };
    (@tokio $a:ident, $b:ident, $oa:ident, $ob:ident) => {
        tokio::select! {
            v = $a.recv(), if $oa => (true, v),
            v = $b.recv(), if $ob => (false, v),
        }
    };
    (@tokio_ok $a:ident, $b:ident, $oa:ident, $ob:ident) => {
        tokio::select! {
            v = $a.recv(), if $oa => (true, v.ok()),
            v = $b.recv(), if $ob => (false, v.ok()),
        }
    };
    (@tokio_async $a:ident, $b:ident, $oa:ident, $ob:ident) => {
        tokio::select! {
            v = $a.recv_async(), if $oa => (true, v.ok()),
            v = $b.recv_async(), if $ob => (false, v.ok()),
        }
    };
}

// ----- select_ping_pong -----

/// `ping_pong`'s shape with the echo task waiting in a `select!` over its channel and a quit
/// channel nobody sends on (a server loop's shape): each wait finds both branches idle and parks
/// on both, and each value cancels the quit branch's park.
macro_rules! async_select_ping_pong {
    ($make:expr, $send:ident, $select:ident) => {
        move || async move {
            let (tx1, rx1) = $make;
            let (tx2, rx2) = $make;
            let (quit_tx, quit_rx) = $make;
            let echo = spawn(async move {
                #[allow(unused_mut)]
                let (mut rx1, mut quit_rx) = (rx1, quit_rx);
                while let Some(v) = async_select_ping_pong!(@$select rx1, quit_rx) {
                    async_ping_pong!(@send tx2, $send, v);
                }
            });
            #[allow(unused_mut)]
            let mut rx2 = rx2;
            for i in 0..PING_PONGS {
                async_ping_pong!(@send tx1, $send, i);
                assert_eq!(async_select_ping_pong!(@recv rx2, $select), Some(i));
            }
            drop((tx1, quit_tx));
            echo.await.unwrap();
        }
    };
    (@gort $rx:ident, $quit:ident) => {
        gort_channel::select! {
            v = $rx.recv() => v,
            _ = $quit.recv() => None,
        }
    };
    (@tokio $rx:ident, $quit:ident) => {
        tokio::select! {
            v = $rx.recv() => v,
            _ = $quit.recv() => None,
        }
    };
    (@tokio_ok $rx:ident, $quit:ident) => {
        tokio::select! {
            v = $rx.recv() => v.ok(),
            _ = $quit.recv() => None,
        }
    };
    (@tokio_async $rx:ident, $quit:ident) => {
        tokio::select! {
            v = $rx.recv_async() => v.ok(),
            _ = $quit.recv_async() => None,
        }
    };
    (@recv $rx:ident, gort) => { $rx.recv().await };
    (@recv $rx:ident, tokio) => { $rx.recv().await };
    (@recv $rx:ident, tokio_ok) => { $rx.recv().await.ok() };
    (@recv $rx:ident, tokio_async) => { $rx.recv_async().await.ok() };
}

fn select_ping_pong(c: &mut Criterion) {
    let rt = tokio_rt();
    let grt = gort_rt();
    let mut g = c.benchmark_group("select_ping_pong");
    g.throughput(Throughput::Elements(PING_PONGS as u64));
    g.sample_size(10);
    g.bench_function("gort", |b| {
        b.iter_custom(|n| {
            time_async(
                &rt,
                n,
                async_select_ping_pong!(gort::chan::bounded::<usize>(1), send, gort),
            )
        })
    });
    g.bench_function("gort_on_gort_rt", |b| {
        b.iter_custom(|n| {
            time_async(
                &grt,
                n,
                async_select_ping_pong!(gort::chan::bounded::<usize>(1), send, gort),
            )
        })
    });
    g.bench_function("tokio", |b| {
        b.iter_custom(|n| {
            time_async(
                &rt,
                n,
                async_select_ping_pong!(tokio::sync::mpsc::channel::<usize>(1), send, tokio),
            )
        })
    });
    g.bench_function("flume", |b| {
        b.iter_custom(|n| {
            time_async(
                &rt,
                n,
                async_select_ping_pong!(flume::bounded::<usize>(1), send_async, tokio_async),
            )
        })
    });
    g.bench_function("kanal", |b| {
        b.iter_custom(|n| {
            time_async(
                &rt,
                n,
                async_select_ping_pong!(kanal::bounded_async::<usize>(1), send, tokio_ok),
            )
        })
    });
    g.bench_function("kanal_on_gort_rt", |b| {
        b.iter_custom(|n| {
            time_async(
                &grt,
                n,
                async_select_ping_pong!(kanal::bounded_async::<usize>(1), send, tokio_ok),
            )
        })
    });
    g.bench_function("async_channel", |b| {
        b.iter_custom(|n| {
            time_async(
                &rt,
                n,
                async_select_ping_pong!(async_channel::bounded::<usize>(1), send, tokio_ok),
            )
        })
    });
    g.finish();
}

fn select_two(c: &mut Criterion) {
    let rt = tokio_rt();
    let grt = gort_rt();
    let mut g = c.benchmark_group("select_two");
    g.throughput(Throughput::Elements((2 * SELECT_PER_CHANNEL) as u64));
    g.sample_size(10);
    g.bench_function("gort", |b| {
        b.iter_custom(|n| {
            time_async(
                &rt,
                n,
                async_select_two!(gort::chan::bounded::<usize>(CAP), send, gort),
            )
        })
    });
    g.bench_function("gort_on_gort_rt", |b| {
        b.iter_custom(|n| {
            time_async(
                &grt,
                n,
                async_select_two!(gort::chan::bounded::<usize>(CAP), send, gort),
            )
        })
    });
    g.bench_function("gort_mpsc", |b| {
        b.iter_custom(|n| {
            time_async(
                &rt,
                n,
                async_select_two!(gort::sync::mpsc::channel::<usize>(CAP), send, gort),
            )
        })
    });
    g.bench_function("gort_mpsc_on_gort_rt", |b| {
        b.iter_custom(|n| {
            time_async(
                &grt,
                n,
                async_select_two!(gort::sync::mpsc::channel::<usize>(CAP), send, gort),
            )
        })
    });
    g.bench_function("tokio", |b| {
        b.iter_custom(|n| {
            time_async(
                &rt,
                n,
                async_select_two!(tokio::sync::mpsc::channel::<usize>(CAP), send, tokio),
            )
        })
    });
    g.bench_function("flume", |b| {
        b.iter_custom(|n| {
            time_async(
                &rt,
                n,
                async_select_two!(flume::bounded::<usize>(CAP), send_async, tokio_async),
            )
        })
    });
    g.bench_function("kanal", |b| {
        b.iter_custom(|n| {
            time_async(
                &rt,
                n,
                async_select_two!(kanal::bounded_async::<usize>(CAP), send, tokio_ok, false),
            )
        })
    });
    g.bench_function("kanal_on_gort_rt", |b| {
        b.iter_custom(|n| {
            time_async(
                &grt,
                n,
                async_select_two!(kanal::bounded_async::<usize>(CAP), send, tokio_ok, false),
            )
        })
    });
    g.bench_function("async_channel", |b| {
        b.iter_custom(|n| {
            time_async(
                &rt,
                n,
                async_select_two!(async_channel::bounded::<usize>(CAP), send, tokio_ok),
            )
        })
    });
    g.bench_function("crossbeam_blocking", |b| {
        b.iter_custom(|n| {
            time_blocking(n, || {
                let (tx_a, rx_a) = crossbeam_channel::bounded::<usize>(CAP);
                let (tx_b, rx_b) = crossbeam_channel::bounded::<usize>(CAP);
                let producers: Vec<_> = [tx_a, tx_b]
                    .into_iter()
                    .map(|tx| {
                        std::thread::spawn(move || {
                            for i in 0..SELECT_PER_CHANNEL {
                                tx.send(i).unwrap();
                            }
                        })
                    })
                    .collect();
                let (mut n, mut open_a, mut open_b) = (0usize, true, true);
                while open_a || open_b {
                    let mut sel = crossbeam_channel::Select::new();
                    let ia = open_a.then(|| sel.recv(&rx_a));
                    let ib = open_b.then(|| sel.recv(&rx_b));
                    let op = sel.select();
                    let i = op.index();
                    if Some(i) == ia {
                        match op.recv(&rx_a) {
                            Ok(_) => n += 1,
                            Err(_) => open_a = false,
                        }
                    } else if Some(i) == ib {
                        match op.recv(&rx_b) {
                            Ok(_) => n += 1,
                            Err(_) => open_b = false,
                        }
                    }
                }
                assert_eq!(n, 2 * SELECT_PER_CHANNEL);
                for p in producers {
                    p.join().unwrap();
                }
            })
        })
    });
    g.finish();
}

fn one_slot_stream(c: &mut Criterion) {
    let rt = tokio_rt();
    let grt = gort_rt();
    let mut g = c.benchmark_group("one_slot_stream");
    g.throughput(Throughput::Elements(ONE_SLOT_MSGS as u64));
    g.sample_size(10);
    g.bench_function("gort", |b| {
        b.iter_custom(|n| {
            time_async(
                &rt,
                n,
                async_mpsc!(
                    gort::chan::bounded::<usize>(1),
                    send,
                    recv,
                    1,
                    ONE_SLOT_MSGS
                ),
            )
        })
    });
    g.bench_function("gort_on_gort_rt", |b| {
        b.iter_custom(|n| {
            time_async(
                &grt,
                n,
                async_mpsc!(
                    gort::chan::bounded::<usize>(1),
                    send,
                    recv,
                    1,
                    ONE_SLOT_MSGS
                ),
            )
        })
    });
    g.bench_function("gort_mpsc", |b| {
        b.iter_custom(|n| {
            time_async(
                &rt,
                n,
                async_mpsc!(
                    gort::sync::mpsc::channel::<usize>(1),
                    send,
                    recv,
                    1,
                    ONE_SLOT_MSGS
                ),
            )
        })
    });
    g.bench_function("tokio", |b| {
        b.iter_custom(|n| {
            time_async(
                &rt,
                n,
                async_mpsc!(
                    tokio::sync::mpsc::channel::<usize>(1),
                    send,
                    recv,
                    1,
                    ONE_SLOT_MSGS
                ),
            )
        })
    });
    g.bench_function("flume", |b| {
        b.iter_custom(|n| {
            time_async(
                &rt,
                n,
                async_mpsc!(
                    flume::bounded::<usize>(1),
                    send_async,
                    recv_async,
                    1,
                    ONE_SLOT_MSGS
                ),
            )
        })
    });
    g.bench_function("kanal", |b| {
        b.iter_custom(|n| {
            time_async(
                &rt,
                n,
                async_mpsc!(
                    kanal::bounded_async::<usize>(1),
                    send,
                    recv_ok,
                    1,
                    ONE_SLOT_MSGS
                ),
            )
        })
    });
    g.bench_function("kanal_on_gort_rt", |b| {
        b.iter_custom(|n| {
            time_async(
                &grt,
                n,
                async_mpsc!(
                    kanal::bounded_async::<usize>(1),
                    send,
                    recv_ok,
                    1,
                    ONE_SLOT_MSGS
                ),
            )
        })
    });
    g.bench_function("async_channel", |b| {
        b.iter_custom(|n| {
            time_async(
                &rt,
                n,
                async_mpsc!(
                    async_channel::bounded::<usize>(1),
                    send,
                    recv_ok,
                    1,
                    ONE_SLOT_MSGS
                ),
            )
        })
    });
    g.finish();
}

fn make_and_drop(c: &mut Criterion) {
    let mut g = c.benchmark_group("make_and_drop");
    g.throughput(Throughput::Elements(1));
    g.bench_function("gort", |b| {
        b.iter(|| std::hint::black_box(gort::chan::bounded::<usize>(1)))
    });
    g.bench_function("gort_unbounded", |b| {
        b.iter(|| std::hint::black_box(gort::chan::unbounded::<usize>()))
    });
    g.bench_function("gort_mpsc", |b| {
        b.iter(|| std::hint::black_box(gort::sync::mpsc::channel::<usize>(1)))
    });
    g.bench_function("tokio", |b| {
        b.iter(|| std::hint::black_box(tokio::sync::mpsc::channel::<usize>(1)))
    });
    g.bench_function("flume", |b| {
        b.iter(|| std::hint::black_box(flume::bounded::<usize>(1)))
    });
    g.bench_function("kanal", |b| {
        b.iter(|| std::hint::black_box(kanal::bounded_async::<usize>(1)))
    });
    g.bench_function("async_channel", |b| {
        b.iter(|| std::hint::black_box(async_channel::bounded::<usize>(1)))
    });
    g.bench_function("crossbeam", |b| {
        b.iter(|| std::hint::black_box(crossbeam_channel::bounded::<usize>(1)))
    });
    g.finish();
}

criterion_group!(
    benches,
    ping_pong,
    mpsc_throughput,
    mpmc_throughput,
    unbounded_throughput,
    select_two,
    select_ping_pong,
    one_slot_stream,
    make_and_drop,
    big_payload
);
criterion_main!(benches);
