//! gort's sync primitives side by side with tokio's, on tokio's multi-thread runtime
//! (2 workers), in the same run.
//!
//! Run briefly: `cargo bench --bench sync -- --warm-up-time 1 --measurement-time 3`
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::hint::black_box;
use std::sync::Arc;

const OPS: u64 = 1_000;
const TASKS: u64 = 4;

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap()
}

/// Runs `TASKS` copies of `body` concurrently and waits for all of them.
async fn contended<F, Fut>(body: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let tasks: Vec<_> = (0..TASKS).map(|_| tokio::spawn(body())).collect();
    for t in tasks {
        t.await.unwrap();
    }
}

fn mutex(c: &mut Criterion) {
    let rt = rt();
    let mut group = c.benchmark_group("mutex_uncontended");
    group.throughput(Throughput::Elements(OPS));
    let gort_m = gort::sync::Mutex::new(0u64);
    let tokio_m = tokio::sync::Mutex::new(0u64);
    group.bench_function("gort", |b| {
        b.to_async(&rt).iter(|| async {
            for _ in 0..OPS {
                *gort_m.lock().await += 1;
            }
        })
    });
    group.bench_function("tokio", |b| {
        b.to_async(&rt).iter(|| async {
            for _ in 0..OPS {
                *tokio_m.lock().await += 1;
            }
        })
    });
    group.finish();

    let mut group = c.benchmark_group("mutex_contended_4_tasks");
    group.throughput(Throughput::Elements(OPS * TASKS));
    let gort_m = Arc::new(gort::sync::Mutex::new(0u64));
    let tokio_m = Arc::new(tokio::sync::Mutex::new(0u64));
    group.bench_function("gort", |b| {
        b.to_async(&rt).iter(|| {
            contended(|| {
                let m = gort_m.clone();
                async move {
                    for _ in 0..OPS {
                        *m.lock().await += 1;
                    }
                }
            })
        })
    });
    group.bench_function("tokio", |b| {
        b.to_async(&rt).iter(|| {
            contended(|| {
                let m = tokio_m.clone();
                async move {
                    for _ in 0..OPS {
                        *m.lock().await += 1;
                    }
                }
            })
        })
    });
    group.finish();
}

fn semaphore(c: &mut Criterion) {
    let rt = rt();
    let mut group = c.benchmark_group("semaphore_uncontended");
    group.throughput(Throughput::Elements(OPS));
    let gort_s = gort::sync::Semaphore::new(4);
    let tokio_s = tokio::sync::Semaphore::new(4);
    group.bench_function("gort", |b| {
        b.to_async(&rt).iter(|| async {
            for _ in 0..OPS {
                drop(black_box(gort_s.acquire().await.unwrap()));
            }
        })
    });
    group.bench_function("tokio", |b| {
        b.to_async(&rt).iter(|| async {
            for _ in 0..OPS {
                drop(black_box(tokio_s.acquire().await.unwrap()));
            }
        })
    });
    group.finish();

    let mut group = c.benchmark_group("semaphore_contended_4_tasks_2_permits");
    group.throughput(Throughput::Elements(OPS * TASKS));
    let gort_s = Arc::new(gort::sync::Semaphore::new(2));
    let tokio_s = Arc::new(tokio::sync::Semaphore::new(2));
    group.bench_function("gort", |b| {
        b.to_async(&rt).iter(|| {
            contended(|| {
                let s = gort_s.clone();
                async move {
                    for _ in 0..OPS {
                        let p = s.acquire().await.unwrap();
                        tokio::task::yield_now().await;
                        drop(p);
                    }
                }
            })
        })
    });
    group.bench_function("tokio", |b| {
        b.to_async(&rt).iter(|| {
            contended(|| {
                let s = tokio_s.clone();
                async move {
                    for _ in 0..OPS {
                        let p = s.acquire().await.unwrap();
                        tokio::task::yield_now().await;
                        drop(p);
                    }
                }
            })
        })
    });
    group.finish();
}

fn notify(c: &mut Criterion) {
    let rt = rt();
    let mut group = c.benchmark_group("notify_ping_pong");
    group.throughput(Throughput::Elements(OPS));
    group.bench_function("gort", |b| {
        b.to_async(&rt).iter(|| async {
            let ping = Arc::new(gort::sync::Notify::new());
            let pong = Arc::new(gort::sync::Notify::new());
            let (ping2, pong2) = (ping.clone(), pong.clone());
            let peer = tokio::spawn(async move {
                for _ in 0..OPS {
                    ping2.notified().await;
                    pong2.notify_one();
                }
            });
            for _ in 0..OPS {
                ping.notify_one();
                pong.notified().await;
            }
            peer.await.unwrap();
        })
    });
    group.bench_function("tokio", |b| {
        b.to_async(&rt).iter(|| async {
            let ping = Arc::new(tokio::sync::Notify::new());
            let pong = Arc::new(tokio::sync::Notify::new());
            let (ping2, pong2) = (ping.clone(), pong.clone());
            let peer = tokio::spawn(async move {
                for _ in 0..OPS {
                    ping2.notified().await;
                    pong2.notify_one();
                }
            });
            for _ in 0..OPS {
                ping.notify_one();
                pong.notified().await;
            }
            peer.await.unwrap();
        })
    });
    group.finish();
}

fn rwlock(c: &mut Criterion) {
    let rt = rt();
    for tasks in [1, TASKS] {
        let mut group = c.benchmark_group("rwlock_read");
        group.throughput(Throughput::Elements(OPS * tasks));
        let gort_l = Arc::new(gort::sync::RwLock::new(1u64));
        let tokio_l = Arc::new(tokio::sync::RwLock::new(1u64));
        group.bench_function(BenchmarkId::new("gort", tasks), |b| {
            b.to_async(&rt).iter(|| async {
                let handles: Vec<_> = (0..tasks)
                    .map(|_| {
                        let l = gort_l.clone();
                        tokio::spawn(async move {
                            for _ in 0..OPS {
                                black_box(*l.read().await);
                            }
                        })
                    })
                    .collect();
                for h in handles {
                    h.await.unwrap();
                }
            })
        });
        group.bench_function(BenchmarkId::new("tokio", tasks), |b| {
            b.to_async(&rt).iter(|| async {
                let handles: Vec<_> = (0..tasks)
                    .map(|_| {
                        let l = tokio_l.clone();
                        tokio::spawn(async move {
                            for _ in 0..OPS {
                                black_box(*l.read().await);
                            }
                        })
                    })
                    .collect();
                for h in handles {
                    h.await.unwrap();
                }
            })
        });
        group.finish();
    }
}

fn broadcast(c: &mut Criterion) {
    let rt = rt();
    let mut group = c.benchmark_group("broadcast_1_sender_4_receivers");
    group.throughput(Throughput::Elements(OPS * TASKS));
    group.bench_function("gort", |b| {
        b.to_async(&rt).iter(|| async {
            let (tx, _) = gort::sync::broadcast::channel::<u64>(128);
            let receivers: Vec<_> = (0..TASKS)
                .map(|_| {
                    let mut rx = tx.subscribe();
                    tokio::spawn(async move {
                        let mut n = 0;
                        loop {
                            match rx.recv().await {
                                Ok(v) => {
                                    black_box(v);
                                    n += 1;
                                }
                                Err(gort::sync::broadcast::error::RecvError::Lagged(k)) => n += k,
                                Err(gort::sync::broadcast::error::RecvError::Closed) => return n,
                            }
                        }
                    })
                })
                .collect();
            for i in 0..OPS {
                tx.send(i).unwrap();
                if i % 64 == 0 {
                    tokio::task::yield_now().await;
                }
            }
            drop(tx);
            for r in receivers {
                black_box(r.await.unwrap());
            }
        })
    });
    group.bench_function("tokio", |b| {
        b.to_async(&rt).iter(|| async {
            let (tx, _) = tokio::sync::broadcast::channel::<u64>(128);
            let receivers: Vec<_> = (0..TASKS)
                .map(|_| {
                    let mut rx = tx.subscribe();
                    tokio::spawn(async move {
                        let mut n = 0;
                        loop {
                            match rx.recv().await {
                                Ok(v) => {
                                    black_box(v);
                                    n += 1;
                                }
                                Err(tokio::sync::broadcast::error::RecvError::Lagged(k)) => n += k,
                                Err(tokio::sync::broadcast::error::RecvError::Closed) => return n,
                            }
                        }
                    })
                })
                .collect();
            for i in 0..OPS {
                tx.send(i).unwrap();
                if i % 64 == 0 {
                    tokio::task::yield_now().await;
                }
            }
            drop(tx);
            for r in receivers {
                black_box(r.await.unwrap());
            }
        })
    });
    group.finish();
}

fn watch(c: &mut Criterion) {
    let rt = rt();
    let mut group = c.benchmark_group("watch_send_borrow");
    group.throughput(Throughput::Elements(OPS));
    group.bench_function("gort", |b| {
        let (tx, rx) = gort::sync::watch::channel(0u64);
        b.to_async(&rt).iter(|| {
            let (tx, mut rx) = (tx.clone(), rx.clone());
            async move {
                for i in 0..OPS {
                    tx.send(i).unwrap();
                    black_box(*rx.borrow_and_update());
                }
            }
        })
    });
    group.bench_function("tokio", |b| {
        let (tx, rx) = tokio::sync::watch::channel(0u64);
        b.to_async(&rt).iter(|| {
            let (tx, mut rx) = (tx.clone(), rx.clone());
            async move {
                for i in 0..OPS {
                    tx.send(i).unwrap();
                    black_box(*rx.borrow_and_update());
                }
            }
        })
    });
    group.finish();
}

/// gort's runtime as a criterion executor.
struct GortRuntime(gort::runtime::Runtime);

impl criterion::async_executor::AsyncExecutor for &GortRuntime {
    fn block_on<T>(&self, future: impl std::future::Future<Output = T>) -> T {
        self.0.block_on(future)
    }
}

/// Each library on its own runtime: gort's primitives on gort's runtime, tokio's on tokio's.
fn own_runtime(c: &mut Criterion) {
    let tokio_rt = rt();
    let gort_rt = GortRuntime(
        gort::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap(),
    );
    let mut group = c.benchmark_group("mutex_contended_4_tasks_own_runtime");
    group.throughput(Throughput::Elements(OPS * TASKS));
    let gort_m = Arc::new(gort::sync::Mutex::new(0u64));
    let tokio_m = Arc::new(tokio::sync::Mutex::new(0u64));
    group.bench_function("gort", |b| {
        b.to_async(&gort_rt).iter(|| async {
            let tasks: Vec<_> = (0..TASKS)
                .map(|_| {
                    let m = gort_m.clone();
                    gort::task::spawn(async move {
                        for _ in 0..OPS {
                            *m.lock().await += 1;
                        }
                    })
                })
                .collect();
            for t in tasks {
                t.await.unwrap();
            }
        })
    });
    group.bench_function("tokio", |b| {
        b.to_async(&tokio_rt).iter(|| {
            contended(|| {
                let m = tokio_m.clone();
                async move {
                    for _ in 0..OPS {
                        *m.lock().await += 1;
                    }
                }
            })
        })
    });
    group.finish();

    let mut group = c.benchmark_group("notify_ping_pong_own_runtime");
    group.throughput(Throughput::Elements(OPS));
    group.bench_function("gort", |b| {
        b.to_async(&gort_rt).iter(|| async {
            let ping = Arc::new(gort::sync::Notify::new());
            let pong = Arc::new(gort::sync::Notify::new());
            let (ping2, pong2) = (ping.clone(), pong.clone());
            let peer = gort::task::spawn(async move {
                for _ in 0..OPS {
                    ping2.notified().await;
                    pong2.notify_one();
                }
            });
            for _ in 0..OPS {
                ping.notify_one();
                pong.notified().await;
            }
            peer.await.unwrap();
        })
    });
    group.bench_function("tokio", |b| {
        b.to_async(&tokio_rt).iter(|| async {
            let ping = Arc::new(tokio::sync::Notify::new());
            let pong = Arc::new(tokio::sync::Notify::new());
            let (ping2, pong2) = (ping.clone(), pong.clone());
            let peer = tokio::spawn(async move {
                for _ in 0..OPS {
                    ping2.notified().await;
                    pong2.notify_one();
                }
            });
            for _ in 0..OPS {
                ping.notify_one();
                pong.notified().await;
            }
            peer.await.unwrap();
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = mutex, semaphore, notify, rwlock, broadcast, watch, own_runtime
}
criterion_main!(benches);
