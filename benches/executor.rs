//! Executor benchmarks: gort vs tokio vs smol's executor (async-executor on 2 threads), 2 workers
//! each, side by side in every group.
//!
//! - `spawn_many`: 100_000 tasks spawned from inside a task, then awaited.
//! - `spawn_remote`: 100_000 tasks spawned from a plain (non-runtime) thread, then awaited.
//! - `yield_many`: 1_000 tasks, each calling `yield_now` 200 times.
//! - `chained_spawn`: 10_000 tasks, each spawning the next.
//! - `ping_pong`: two tasks, 100_000 round trips through a Mutex+Waker hand-off slot.
//! - `spawn_remote_current_thread`: `spawn_remote` on gort's and tokio's current-thread runtimes
//!   and smol's executor run by one thread.
//!
//! Run briefly: `cargo bench --bench executor -- --warm-up-time 1 --measurement-time 3`.
//!
//! The groups keep both workers busy, so on a 2-core box any other busy process halves what a
//! runtime gets: its two workers share the one core left (a `yield_many` of 11 ms becomes about
//! 20, for every runtime alike), and the runtimes are measured one after the other. A row that
//! doubled while its neighbours did not was most likely measured while something else ran;
//! compare rows only from a quiet box, or the CPU time of runs interleaved in one process.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::future::Future;
use std::pin::Pin;
use std::sync::{mpsc, Arc, Mutex};
use std::task::{Context, Poll, Waker};

const WORKERS: usize = 2;
const SPAWN_MANY: usize = 100_000;
const YIELD_TASKS: usize = 1_000;
const YIELDS: usize = 200;
const CHAIN: usize = 10_000;
const ROUND_TRIPS: usize = 100_000;

/// The three executors under test, behind one interface.
trait Exec: Clone + Send + Sync + 'static {
    type Handle<T: Send + 'static>: Future<Output = T> + Send + 'static;
    fn spawn<F>(&self, f: F) -> Self::Handle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static;
    fn block_on<F: Future + Send + 'static>(&self, f: F) -> F::Output
    where
        F::Output: Send + 'static;
    fn yield_now(&self) -> Pin<Box<dyn Future<Output = ()> + Send>>;
    /// Lets a task run on without its handle (dropping a smol `Task` would cancel it).
    fn detach<T: Send + 'static>(handle: Self::Handle<T>) {
        drop(handle);
    }
}

/// Awaits a gort/tokio `JoinHandle` as a plain value.
struct Unwrap<H>(H);

impl<T, E: std::fmt::Debug, H: Future<Output = Result<T, E>> + Unpin> Future for Unwrap<H> {
    type Output = T;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        Pin::new(&mut self.0).poll(cx).map(|r| r.unwrap())
    }
}

#[derive(Clone)]
struct Gort(Arc<gort_executor::runtime::Runtime>);

impl Exec for Gort {
    type Handle<T: Send + 'static> = Unwrap<gort_executor::task::JoinHandle<T>>;
    fn spawn<F>(&self, f: F) -> Self::Handle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        Unwrap(self.0.spawn(f))
    }
    fn block_on<F: Future + Send + 'static>(&self, f: F) -> F::Output
    where
        F::Output: Send + 'static,
    {
        self.0.block_on(f)
    }
    fn yield_now(&self) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        Box::pin(gort_executor::task::yield_now())
    }
}

#[derive(Clone)]
struct Tokio(Arc<tokio::runtime::Runtime>);

impl Exec for Tokio {
    type Handle<T: Send + 'static> = Unwrap<tokio::task::JoinHandle<T>>;
    fn spawn<F>(&self, f: F) -> Self::Handle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        Unwrap(self.0.spawn(f))
    }
    fn block_on<F: Future + Send + 'static>(&self, f: F) -> F::Output
    where
        F::Output: Send + 'static,
    {
        self.0.block_on(f)
    }
    fn yield_now(&self) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        Box::pin(tokio::task::yield_now())
    }
}

/// smol's executor run by two threads.
#[derive(Clone)]
struct Smol(Arc<async_executor::Executor<'static>>);

impl Exec for Smol {
    type Handle<T: Send + 'static> = async_executor::Task<T>;
    fn spawn<F>(&self, f: F) -> Self::Handle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.0.spawn(f)
    }
    fn block_on<F: Future + Send + 'static>(&self, f: F) -> F::Output
    where
        F::Output: Send + 'static,
    {
        futures_lite::future::block_on(self.0.spawn(f))
    }
    fn yield_now(&self) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        Box::pin(futures_lite::future::yield_now())
    }
    fn detach<T: Send + 'static>(handle: Self::Handle<T>) {
        handle.detach();
    }
}

fn gort() -> Gort {
    Gort(Arc::new(
        gort_executor::runtime::Builder::new_multi_thread()
            .worker_threads(WORKERS)
            .enable_all()
            .build()
            .unwrap(),
    ))
}

fn tokio_rt() -> Tokio {
    Tokio(Arc::new(
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(WORKERS)
            .enable_all()
            .build()
            .unwrap(),
    ))
}

/// Keeps smol's worker threads alive until dropped.
struct SmolThreads {
    stop: Option<async_channel::Sender<()>>,
    threads: Vec<std::thread::JoinHandle<()>>,
}

impl Drop for SmolThreads {
    fn drop(&mut self) {
        self.stop.take();
        for t in self.threads.drain(..) {
            t.join().unwrap();
        }
    }
}

fn smol() -> (Smol, SmolThreads) {
    smol_on(WORKERS)
}

fn smol_on(threads: usize) -> (Smol, SmolThreads) {
    let ex = Arc::new(async_executor::Executor::new());
    let (tx, rx) = async_channel::bounded::<()>(1);
    let threads = (0..threads)
        .map(|_| {
            let ex = ex.clone();
            let rx = rx.clone();
            std::thread::spawn(move || {
                let _ = futures_lite::future::block_on(ex.run(rx.recv()));
            })
        })
        .collect();
    (
        Smol(ex),
        SmolThreads {
            stop: Some(tx),
            threads,
        },
    )
}

fn spawn_many<E: Exec>(ex: &E) {
    let inner = ex.clone();
    let outer = ex.spawn(async move {
        let handles: Vec<_> = (0..SPAWN_MANY)
            .map(|i| inner.spawn(async move { i }))
            .collect();
        let mut sum = 0;
        for h in handles {
            sum += h.await;
        }
        sum
    });
    assert_eq!(ex.block_on(outer), SPAWN_MANY * (SPAWN_MANY - 1) / 2);
}

fn spawn_remote<E: Exec>(ex: &E) {
    let handles: Vec<_> = (0..SPAWN_MANY)
        .map(|i| ex.spawn(async move { i }))
        .collect();
    let sum = ex.block_on(async move {
        let mut sum = 0;
        for h in handles {
            sum += h.await;
        }
        sum
    });
    assert_eq!(sum, SPAWN_MANY * (SPAWN_MANY - 1) / 2);
}

fn yield_many<E: Exec>(ex: &E) {
    let inner = ex.clone();
    let outer = ex.spawn(async move {
        let handles: Vec<_> = (0..YIELD_TASKS)
            .map(|_| {
                let e = inner.clone();
                inner.spawn(async move {
                    for _ in 0..YIELDS {
                        e.yield_now().await;
                    }
                })
            })
            .collect();
        for h in handles {
            h.await;
        }
    });
    ex.block_on(outer);
}

fn chained_spawn<E: Exec>(ex: &E) {
    fn next<E: Exec>(ex: E, done: mpsc::SyncSender<()>, n: usize) {
        if n == 0 {
            done.send(()).unwrap();
        } else {
            let e = ex.clone();
            E::detach(ex.spawn(async move { next(e, done, n - 1) }));
        }
    }
    let (tx, rx) = mpsc::sync_channel(1);
    next(ex.clone(), tx, CHAIN);
    rx.recv().unwrap();
}

/// A one-value hand-off slot: the sender stores a value and wakes the receiver.
#[derive(Default)]
struct Slot(Mutex<(Option<usize>, Option<Waker>)>);

impl Slot {
    fn send(&self, v: usize) {
        let waker = {
            let mut s = self.0.lock().unwrap();
            s.0 = Some(v);
            s.1.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    }

    fn recv(&self) -> impl Future<Output = usize> + '_ {
        std::future::poll_fn(move |cx| {
            let mut s = self.0.lock().unwrap();
            match s.0.take() {
                Some(v) => Poll::Ready(v),
                None => {
                    s.1 = Some(cx.waker().clone());
                    Poll::Pending
                }
            }
        })
    }
}

fn ping_pong<E: Exec>(ex: &E) {
    let ping = Arc::new(Slot::default());
    let pong = Arc::new(Slot::default());
    let (p1, q1) = (ping.clone(), pong.clone());
    let ponger = ex.spawn(async move {
        for _ in 0..ROUND_TRIPS {
            let v = p1.recv().await;
            q1.send(v + 1);
        }
    });
    let pinger = ex.spawn(async move {
        let mut v = 0;
        for _ in 0..ROUND_TRIPS {
            ping.send(v);
            v = pong.recv().await;
        }
        v
    });
    let v = ex.block_on(async move {
        ponger.await;
        pinger.await
    });
    assert_eq!(v, ROUND_TRIPS);
}

fn run_group(
    c: &mut Criterion,
    name: &str,
    elements: usize,
    work: fn(&Gort),
    work_t: fn(&Tokio),
    work_s: fn(&Smol),
) {
    let mut g = c.benchmark_group(name);
    g.sample_size(10);
    g.throughput(Throughput::Elements(elements as u64));
    let rt = gort();
    g.bench_function(BenchmarkId::new("gort", elements), |b| b.iter(|| work(&rt)));
    drop(rt);
    let rt = tokio_rt();
    g.bench_function(BenchmarkId::new("tokio", elements), |b| {
        b.iter(|| work_t(&rt))
    });
    drop(rt);
    let (ex, threads) = smol();
    g.bench_function(BenchmarkId::new("smol", elements), |b| {
        b.iter(|| work_s(&ex))
    });
    drop(threads);
    g.finish();
}

/// `spawn_remote` with one thread per runtime: gort's and tokio's current-thread runtimes (the
/// bench thread spawns, then enters `block_on`) and smol's executor run by one thread.
fn spawn_remote_current_thread(c: &mut Criterion) {
    let mut g = c.benchmark_group("spawn_remote_current_thread");
    g.sample_size(10);
    g.throughput(Throughput::Elements(SPAWN_MANY as u64));
    let rt = Gort(Arc::new(
        gort_executor::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap(),
    ));
    g.bench_function(BenchmarkId::new("gort", SPAWN_MANY), |b| {
        b.iter(|| spawn_remote(&rt))
    });
    drop(rt);
    let rt = Tokio(Arc::new(
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap(),
    ));
    g.bench_function(BenchmarkId::new("tokio", SPAWN_MANY), |b| {
        b.iter(|| spawn_remote(&rt))
    });
    drop(rt);
    let (ex, threads) = smol_on(1);
    g.bench_function(BenchmarkId::new("smol", SPAWN_MANY), |b| {
        b.iter(|| spawn_remote(&ex))
    });
    drop(threads);
    g.finish();
}

fn benches(c: &mut Criterion) {
    run_group(
        c,
        "spawn_many",
        SPAWN_MANY,
        spawn_many::<Gort>,
        spawn_many::<Tokio>,
        spawn_many::<Smol>,
    );
    run_group(
        c,
        "spawn_remote",
        SPAWN_MANY,
        spawn_remote::<Gort>,
        spawn_remote::<Tokio>,
        spawn_remote::<Smol>,
    );
    run_group(
        c,
        "yield_many",
        YIELD_TASKS * YIELDS,
        yield_many::<Gort>,
        yield_many::<Tokio>,
        yield_many::<Smol>,
    );
    run_group(
        c,
        "chained_spawn",
        CHAIN,
        chained_spawn::<Gort>,
        chained_spawn::<Tokio>,
        chained_spawn::<Smol>,
    );
    run_group(
        c,
        "ping_pong",
        ROUND_TRIPS,
        ping_pong::<Gort>,
        ping_pong::<Tokio>,
        ping_pong::<Smol>,
    );
    spawn_remote_current_thread(c);
}

criterion_group!(executor, benches);
criterion_main!(executor);
