//! gort's sync primitives side by side with tokio's, on tokio's multi-thread runtime
//! (2 workers), in the same run; the `own_runtime` groups put each library on its own runtime.
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

/// gort's runtime as a criterion executor.
struct GortRuntime(gort::runtime::Runtime);

impl criterion::async_executor::AsyncExecutor for &GortRuntime {
    fn block_on<T>(&self, future: impl std::future::Future<Output = T>) -> T {
        self.0.block_on(future)
    }
}

/// Registers one benchmark body twice in `$group`, as "gort" and as "tokio": inside the body
/// `$sync` names `gort::sync` or `tokio::sync`, `$rt` the runtime it runs on and `$spawn` that
/// runtime's `spawn`. Without `own` both run on `$tokio_rt` (tokio's spawn); with `own` gort's
/// primitives run on `$gort_rt` (gort's spawn). `param = ` adds a benchmark parameter.
macro_rules! gort_and_tokio {
    (@tokio $group:expr, $(param = $param:expr,)? on $tokio_rt:expr,
     |$b:ident, $sync:ident, $rt:ident, $spawn:ident| $body:expr) => {{
        #[allow(unused_imports)]
        use {tokio::spawn as $spawn, tokio::sync as $sync};
        let $rt = $tokio_rt;
        $group.bench_function(bench_id!("tokio" $(, $param)?), |$b| $body);
    }};
    ($group:expr, $(param = $param:expr,)? on $tokio_rt:expr,
     |$b:ident, $sync:ident, $rt:ident, $spawn:ident| $body:expr) => {{
        {
            #[allow(unused_imports)]
            use {gort::sync as $sync, tokio::spawn as $spawn};
            let $rt = $tokio_rt;
            $group.bench_function(bench_id!("gort" $(, $param)?), |$b| $body);
        }
        gort_and_tokio!(@tokio $group, $(param = $param,)? on $tokio_rt, |$b, $sync, $rt, $spawn| $body);
    }};
    ($group:expr, $(param = $param:expr,)? own ($gort_rt:expr, $tokio_rt:expr),
     |$b:ident, $sync:ident, $rt:ident, $spawn:ident| $body:expr) => {{
        {
            #[allow(unused_imports)]
            use {gort::sync as $sync, gort::task::spawn as $spawn};
            let $rt = $gort_rt;
            $group.bench_function(bench_id!("gort" $(, $param)?), |$b| $body);
        }
        gort_and_tokio!(@tokio $group, $(param = $param,)? on $tokio_rt, |$b, $sync, $rt, $spawn| $body);
    }};
}

/// A benchmark's id: the library, with the parameter if there is one.
macro_rules! bench_id {
    ($lib:literal) => {
        $lib
    };
    ($lib:literal, $param:expr) => {
        BenchmarkId::new($lib, $param)
    };
}

/// Runs `TASKS` copies of `body` concurrently (spawned by `spawn`) and waits for all of them.
macro_rules! contended {
    ($spawn:ident, $body:expr) => {
        async {
            let body = $body;
            let tasks: Vec<_> = (0..TASKS).map(|_| $spawn(body())).collect();
            for t in tasks {
                t.await.unwrap();
            }
        }
    };
}

/// `OPS` lock-and-increment steps on the mutex `$m` (a reference or an `Arc`).
macro_rules! add_ops {
    ($m:expr) => {{
        let m = $m;
        async move {
            for _ in 0..OPS {
                *m.lock().await += 1;
            }
        }
    }};
}

fn mutex(c: &mut Criterion) {
    let rt = rt();
    let mut group = c.benchmark_group("mutex_uncontended");
    group.throughput(Throughput::Elements(OPS));
    gort_and_tokio!(group, on & rt, |b, sync, rt, spawn| {
        let m = sync::Mutex::new(0u64);
        b.to_async(rt).iter(|| add_ops!(&m))
    });
    group.finish();

    let mut group = c.benchmark_group("mutex_contended_4_tasks");
    group.throughput(Throughput::Elements(OPS * TASKS));
    gort_and_tokio!(group, on & rt, |b, sync, rt, spawn| {
        let m = Arc::new(sync::Mutex::new(0u64));
        b.to_async(rt)
            .iter(|| contended!(spawn, || add_ops!(m.clone())))
    });
    group.finish();
}

fn semaphore(c: &mut Criterion) {
    let rt = rt();
    let mut group = c.benchmark_group("semaphore_uncontended");
    group.throughput(Throughput::Elements(OPS));
    gort_and_tokio!(group, on & rt, |b, sync, rt, spawn| {
        let s = sync::Semaphore::new(4);
        b.to_async(rt).iter(|| async {
            for _ in 0..OPS {
                drop(black_box(s.acquire().await.unwrap()));
            }
        })
    });
    group.finish();

    let mut group = c.benchmark_group("semaphore_contended_4_tasks_2_permits");
    group.throughput(Throughput::Elements(OPS * TASKS));
    gort_and_tokio!(group, on & rt, |b, sync, rt, spawn| {
        let s = Arc::new(sync::Semaphore::new(2));
        b.to_async(rt).iter(|| {
            contended!(spawn, || {
                let s = s.clone();
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
    gort_and_tokio!(group, on & rt, |b, sync, rt, spawn| {
        b.to_async(rt).iter(|| async {
            let ping = Arc::new(sync::Notify::new());
            let pong = Arc::new(sync::Notify::new());
            let (ping2, pong2) = (ping.clone(), pong.clone());
            let peer = spawn(async move {
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
        gort_and_tokio!(group, param = tasks, on & rt, |b, sync, rt, spawn| {
            let l = Arc::new(sync::RwLock::new(1u64));
            b.to_async(rt).iter(|| async {
                let handles: Vec<_> = (0..tasks)
                    .map(|_| {
                        let l = l.clone();
                        spawn(async move {
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
    gort_and_tokio!(group, on & rt, |b, sync, rt, spawn| {
        b.to_async(rt).iter(|| async {
            use sync::broadcast::{self, error::RecvError};
            let (tx, _) = broadcast::channel::<u64>(128);
            let receivers: Vec<_> = (0..TASKS)
                .map(|_| {
                    let mut rx = tx.subscribe();
                    spawn(async move {
                        let mut n = 0;
                        loop {
                            match rx.recv().await {
                                Ok(v) => {
                                    black_box(v);
                                    n += 1;
                                }
                                Err(RecvError::Lagged(k)) => n += k,
                                Err(RecvError::Closed) => return n,
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
    gort_and_tokio!(group, on & rt, |b, sync, rt, spawn| {
        let (tx, rx) = sync::watch::channel(0u64);
        b.to_async(rt).iter(|| {
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
    gort_and_tokio!(group, own(&gort_rt, &tokio_rt), |b, sync, rt, spawn| {
        let m = Arc::new(sync::Mutex::new(0u64));
        b.to_async(rt)
            .iter(|| contended!(spawn, || add_ops!(m.clone())))
    });
    group.finish();

    let mut group = c.benchmark_group("notify_ping_pong_own_runtime");
    group.throughput(Throughput::Elements(OPS));
    gort_and_tokio!(group, own(&gort_rt, &tokio_rt), |b, sync, rt, spawn| {
        b.to_async(rt).iter(|| async {
            let ping = Arc::new(sync::Notify::new());
            let pong = Arc::new(sync::Notify::new());
            let (ping2, pong2) = (ping.clone(), pong.clone());
            let peer = spawn(async move {
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
