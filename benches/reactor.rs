//! Reactor benchmarks, gort and tokio side by side in the same run:
//!
//! - `timers/100k_sleeps_1ms`: 100,000 tasks each sleeping 1 ms, all awaited.
//! - `timers/insert_cancel_churn`: register a timer (first poll) and drop it, 10,000 times.
//! - `tcp_echo/{64B,4KiB}`: 64 connections each doing round trips against an in-process echo
//!   server (per iteration: one round trip on every connection).
//!
//! Both runtimes are multi-thread with 2 workers (the bench machine has 2 cores).
//! Run briefly: `cargo bench --bench reactor -- --warm-up-time 1 --measurement-time 3`.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::time::{Duration, Instant};

const WORKERS: usize = 2;
const SLEEPERS: usize = 100_000;
const CHURN: usize = 10_000;
const CONNECTIONS: usize = 64;

/// Expands to the same benchmark body for gort and tokio: their APIs have the same shape.
macro_rules! reactor_benches {
    ($name:ident, $rt:ident) => {
        mod $name {
            use super::*;
            use $rt::io::{AsyncReadExt, AsyncWriteExt};
            use $rt::net::{TcpListener, TcpStream};

            pub fn runtime() -> $rt::runtime::Runtime {
                $rt::runtime::Builder::new_multi_thread()
                    .worker_threads(WORKERS)
                    .enable_all()
                    .build()
                    .unwrap()
            }

            pub fn sleepers(rt: &$rt::runtime::Runtime, iters: u64) -> Duration {
                rt.block_on(async {
                    let start = Instant::now();
                    for _ in 0..iters {
                        let tasks: Vec<_> = (0..SLEEPERS)
                            .map(|_| $rt::task::spawn($rt::time::sleep(Duration::from_millis(1))))
                            .collect();
                        for t in tasks {
                            t.await.unwrap();
                        }
                    }
                    start.elapsed()
                })
            }

            pub fn churn(rt: &$rt::runtime::Runtime, iters: u64) -> Duration {
                rt.block_on(async {
                    let start = Instant::now();
                    for _ in 0..iters {
                        for i in 0..CHURN {
                            let mut s = Box::pin($rt::time::sleep(Duration::from_millis(
                                50 + (i % 1000) as u64,
                            )));
                            assert!(futures::poll!(s.as_mut()).is_pending());
                        }
                    }
                    start.elapsed()
                })
            }

            /// Starts an echo server and connects the clients.
            pub fn echo_setup(rt: &$rt::runtime::Runtime) -> Vec<TcpStream> {
                rt.block_on(async {
                    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
                    let addr = listener.local_addr().unwrap();
                    $rt::task::spawn(async move {
                        loop {
                            let (mut s, _) = listener.accept().await.unwrap();
                            s.set_nodelay(true).unwrap();
                            $rt::task::spawn(async move {
                                let mut buf = vec![0u8; 8192];
                                loop {
                                    match s.read(&mut buf).await {
                                        Ok(0) | Err(_) => return,
                                        Ok(n) => s.write_all(&buf[..n]).await.unwrap(),
                                    }
                                }
                            });
                        }
                    });
                    let mut clients = Vec::new();
                    for _ in 0..CONNECTIONS {
                        let s = TcpStream::connect(addr).await.unwrap();
                        s.set_nodelay(true).unwrap();
                        clients.push(s);
                    }
                    clients
                })
            }

            pub fn echo(
                rt: &$rt::runtime::Runtime,
                clients: &mut Vec<TcpStream>,
                size: usize,
                iters: u64,
            ) -> Duration {
                rt.block_on(async {
                    let start = Instant::now();
                    let tasks: Vec<_> = clients
                        .drain(..)
                        .map(|mut s| {
                            $rt::task::spawn(async move {
                                let msg = vec![7u8; size];
                                let mut back = vec![0u8; size];
                                for _ in 0..iters {
                                    s.write_all(&msg).await.unwrap();
                                    s.read_exact(&mut back).await.unwrap();
                                }
                                s
                            })
                        })
                        .collect();
                    for t in tasks {
                        clients.push(t.await.unwrap());
                    }
                    start.elapsed()
                })
            }
        }
    };
}

reactor_benches!(gort_side, gort);
reactor_benches!(tokio_side, tokio);

fn timers(c: &mut Criterion) {
    let gort_rt = gort_side::runtime();
    let tokio_rt = tokio_side::runtime();
    let mut group = c.benchmark_group("timers");
    group.sample_size(10);
    group.throughput(Throughput::Elements(SLEEPERS as u64));
    group.bench_function("100k_sleeps_1ms/gort", |b| {
        b.iter_custom(|iters| gort_side::sleepers(&gort_rt, iters))
    });
    group.bench_function("100k_sleeps_1ms/tokio", |b| {
        b.iter_custom(|iters| tokio_side::sleepers(&tokio_rt, iters))
    });
    group.throughput(Throughput::Elements(CHURN as u64));
    group.bench_function("insert_cancel_churn/gort", |b| {
        b.iter_custom(|iters| gort_side::churn(&gort_rt, iters))
    });
    group.bench_function("insert_cancel_churn/tokio", |b| {
        b.iter_custom(|iters| tokio_side::churn(&tokio_rt, iters))
    });
    group.finish();
}

fn tcp_echo(c: &mut Criterion) {
    let gort_rt = gort_side::runtime();
    let tokio_rt = tokio_side::runtime();
    let mut gort_clients = gort_side::echo_setup(&gort_rt);
    let mut tokio_clients = tokio_side::echo_setup(&tokio_rt);
    let mut group = c.benchmark_group("tcp_echo");
    group.sample_size(10);
    for (label, size) in [("64B", 64usize), ("4KiB", 4096)] {
        group.throughput(Throughput::Bytes((size * CONNECTIONS) as u64));
        group.bench_with_input(BenchmarkId::new("gort", label), &size, |b, &size| {
            b.iter_custom(|iters| gort_side::echo(&gort_rt, &mut gort_clients, size, iters))
        });
        group.bench_with_input(BenchmarkId::new("tokio", label), &size, |b, &size| {
            b.iter_custom(|iters| tokio_side::echo(&tokio_rt, &mut tokio_clients, size, iters))
        });
    }
    group.finish();
}

criterion_group!(benches, timers, tcp_echo);
criterion_main!(benches);
