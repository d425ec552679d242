//! The work of `benches/executor.rs`'s `spawn_many`, `yield_many` and `ping_pong` rows as a
//! plain binary, so `benches/diag_cost.sh` can count its instructions under cachegrind (the
//! count does not depend on the load of the machine, unlike criterion's times).
//!
//! `diag_cost_work <mt|ct> <idle|spawn|yield|ping_pong> <n>`: builds a two-worker multi-thread
//! (`mt`) or a current-thread (`ct`) runtime, runs `n` operations of the workload (`idle`: none,
//! the runtime's own start and stop, subtracted from the others), checks the result and prints
//! the workload's wall time and the CPU time of all the process's threads meanwhile, in ns
//! (from `/proc/self/task/*/schedstat`: CPU time is less disturbed than wall time by other
//! processes on a loaded machine).
//!
//! The script copies this file into the baseline commit's tree and a copy of the current tree
//! as `examples/diag_cost_work.rs`, so it only uses API the baseline already had.

use gort_executor::runtime::{Builder, Runtime};
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::task::{Poll, Waker};
use std::time::Instant;

/// Tasks of `yield`; each yields `n / YIELD_TASKS` times.
const YIELD_TASKS: usize = 1_000;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [flavor, work, n] = &args[..] else {
        panic!("usage: diag_cost_work <mt|ct> <idle|spawn|yield|ping_pong> <n>");
    };
    let n: usize = n.parse().expect("n: a number");
    let rt = Arc::new(
        match flavor.as_str() {
            "mt" => Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build(),
            "ct" => Builder::new_current_thread().enable_all().build(),
            other => panic!("flavor {other:?}: expected mt or ct"),
        }
        .expect("runtime"),
    );
    let (start, cpu_start) = (Instant::now(), cpu_ns());
    match work.as_str() {
        "idle" => in_task(&rt, async {}),
        "spawn" => spawn_many(&rt, n),
        "yield" => yield_many(&rt, n),
        "ping_pong" => ping_pong(&rt, n),
        other => panic!("workload {other:?}: expected idle, spawn, yield or ping_pong"),
    }
    let (wall, cpu) = (start.elapsed().as_nanos(), cpu_ns() - cpu_start);
    println!("{wall} {cpu}");
}

/// CPU time so far of the process's live threads (ns; the runtime's workers live until the end).
fn cpu_ns() -> u64 {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return 0;
    };
    tasks
        .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("schedstat")).ok())
        .filter_map(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .sum()
}

/// Runs `f` as a task (as the bench does: spawns from a worker go to its local queue).
fn in_task<T: Send + 'static>(rt: &Arc<Runtime>, f: impl Future<Output = T> + Send + 'static) -> T {
    let task = rt.spawn(f);
    rt.block_on(task).unwrap()
}

/// `n` tasks spawned from inside a task, then awaited.
fn spawn_many(rt: &Arc<Runtime>, n: usize) {
    let inner = rt.clone();
    let sum = in_task(rt, async move {
        let handles: Vec<_> = (0..n).map(|i| inner.spawn(async move { i })).collect();
        let mut sum = 0;
        for h in handles {
            sum += h.await.unwrap();
        }
        sum
    });
    assert_eq!(sum, n * n.saturating_sub(1) / 2);
}

/// `YIELD_TASKS` tasks yielding `n` times in all.
fn yield_many(rt: &Arc<Runtime>, n: usize) {
    let inner = rt.clone();
    in_task(rt, async move {
        let handles: Vec<_> = (0..YIELD_TASKS)
            .map(|_| {
                inner.spawn(async move {
                    for _ in 0..n / YIELD_TASKS {
                        gort_executor::task::yield_now().await;
                    }
                })
            })
            .collect();
        for h in handles {
            h.await.unwrap();
        }
    });
}

/// A one-value hand-off slot (the bench's): the sender stores a value and wakes the receiver.
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

/// Two tasks, `n` round trips through two slots.
fn ping_pong(rt: &Arc<Runtime>, n: usize) {
    let ping = Arc::new(Slot::default());
    let pong = Arc::new(Slot::default());
    let (p1, q1) = (ping.clone(), pong.clone());
    let ponger = rt.spawn(async move {
        for _ in 0..n {
            let v = p1.recv().await;
            q1.send(v + 1);
        }
    });
    let pinger = rt.spawn(async move {
        let mut v = 0;
        for _ in 0..n {
            ping.send(v);
            v = pong.recv().await;
        }
        v
    });
    let v = rt.block_on(async move {
        ponger.await.unwrap();
        pinger.await.unwrap()
    });
    assert_eq!(v, n);
}
