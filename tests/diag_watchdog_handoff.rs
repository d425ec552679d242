//! Blocked-worker hand-off (issue 12): with 2 workers, a task stuck 2 s in `thread::sleep`
//! does not stop 1,000 ping-pong tasks queued on its worker and the other one; they run on two
//! threads meanwhile, never more than two at once, and the stuck worker carries on afterwards.
use gort::runtime::Builder;
use std::collections::HashSet;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::thread::ThreadId;
use std::time::{Duration, Instant};

/// Tasks per `spawn_pairs` call (half of them pingers, half pongers).
const BATCH: usize = 500;
/// How long each pair ping-pongs: well past the 20 ms slow-poll threshold, so the worker that is
/// not stuck stays busy with its own pairs (and cannot steal the stuck worker's queue) until the
/// stand-in has taken that queue over, however fast a round trip is.
const BUSY: Duration = Duration::from_millis(100);

/// What the ping-pong polls saw: how many ran at once (at most), and on which threads.
#[derive(Default)]
struct Polls {
    now: AtomicUsize,
    max: AtomicUsize,
    threads: Mutex<HashSet<ThreadId>>,
}

/// Counts every poll of the wrapped future in `Polls`.
struct Counted<F: ?Sized> {
    polls: Arc<Polls>,
    future: Pin<Box<F>>,
}

impl<F: Future + ?Sized> Future for Counted<F> {
    type Output = F::Output;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let now = self.polls.now.fetch_add(1, SeqCst) + 1;
        self.polls.max.fetch_max(now, SeqCst);
        let me = std::thread::current().id();
        self.polls.threads.lock().unwrap().insert(me);
        let out = self.future.as_mut().poll(cx);
        self.polls.now.fetch_sub(1, SeqCst);
        out
    }
}

/// Spawns `BATCH` ping-pong tasks (from the calling task, so onto its worker's queue).
fn spawn_pairs(polls: &Arc<Polls>, done: &Arc<AtomicUsize>) -> Vec<gort::task::JoinHandle<()>> {
    let until = Instant::now() + BUSY;
    let mut tasks = Vec::new();
    for _ in 0..BATCH / 2 {
        let (ping_tx, ping_rx) = gort::chan::bounded::<usize>(1);
        let (pong_tx, pong_rx) = gort::chan::bounded::<usize>(1);
        let pinger = async move {
            let mut i = 0;
            while i == 0 || Instant::now() < until {
                ping_tx.send(i).await.unwrap();
                assert_eq!(pong_rx.recv().await, Some(i));
                i += 1;
            }
        };
        let ponger = async move {
            while let Some(i) = ping_rx.recv().await {
                pong_tx.send(i).await.unwrap();
            }
        };
        for f in [
            Box::pin(pinger) as Pin<Box<dyn Future<Output = ()> + Send>>,
            Box::pin(ponger),
        ] {
            let counted = Counted {
                polls: polls.clone(),
                future: f,
            };
            let done = done.clone();
            tasks.push(gort::spawn(async move {
                counted.await;
                done.fetch_add(1, SeqCst);
            }));
        }
    }
    tasks
}

#[test]
fn a_stuck_worker_hands_its_queue_to_a_stand_in() {
    let reports = Arc::new(Mutex::new(Vec::new()));
    let sink = reports.clone();
    let rt = Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .slow_poll_threshold(Duration::from_millis(20))
        .on_slow_poll(move |e| sink.lock().unwrap().push(e.task_id()))
        .blocking_handoff(true)
        .build()
        .unwrap();
    // The same 1,000 tasks with no stuck worker: what this (possibly loaded) machine needs.
    let baseline = {
        let start = Instant::now();
        let (polls, done) = (Arc::new(Polls::default()), Arc::new(AtomicUsize::new(0)));
        let tasks = rt.block_on(async move {
            let mut tasks = spawn_pairs(&polls, &done);
            tasks.extend(
                gort::spawn(async move { spawn_pairs(&polls, &done) })
                    .await
                    .unwrap(),
            );
            tasks
        });
        rt.block_on(async move {
            for t in tasks {
                t.await.unwrap();
            }
        });
        start.elapsed()
    };
    let polls = Arc::new(Polls::default());
    let done = Arc::new(AtomicUsize::new(0));
    let woke = Arc::new(AtomicBool::new(false));
    let (stuck_thread_tx, stuck_thread_rx) = std::sync::mpsc::channel();
    let start = Instant::now();
    let (p, d, w) = (polls.clone(), done.clone(), woke.clone());
    // The stuck task queues half the pairs on its own worker, then blocks it for 2 s.
    let stuck = rt.spawn(async move {
        let tasks = spawn_pairs(&p, &d);
        stuck_thread_tx.send(std::thread::current().id()).unwrap();
        std::thread::sleep(Duration::from_secs(2));
        w.store(true, SeqCst);
        tasks
    });
    let stuck_thread = stuck_thread_rx.recv().unwrap();
    let (p, d) = (polls.clone(), done.clone());
    let others = rt
        .block_on(rt.spawn(async move { spawn_pairs(&p, &d) }))
        .unwrap();
    // All 1,000 tasks end while the stuck task still sleeps, within 200 ms of the start (more
    // if they need more without a stuck worker on this machine).
    while done.load(SeqCst) < 2 * BATCH && start.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(1));
    }
    let elapsed = start.elapsed();
    assert_eq!(
        done.load(SeqCst),
        2 * BATCH,
        "ping-pong stalled behind the stuck worker"
    );
    assert!(
        !woke.load(SeqCst),
        "ping-pong finished only after the stuck task woke"
    );
    let limit = Duration::from_millis(200).max(baseline * 2);
    assert!(
        elapsed < limit,
        "ping-pong took {elapsed:?} ({baseline:?} without a stuck worker)"
    );
    // Two threads other than the stuck one ran them, never more than two at once, except
    // that on a loaded machine a preempted worker may look stuck too: each such hand-off lets
    // one more poll (the preempted one) be in progress.
    let threads = polls.threads.lock().unwrap().clone();
    assert!(
        threads.iter().filter(|t| **t != stuck_thread).count() >= 2,
        "{threads:?}"
    );
    let stuck_id = stuck.id();
    let other_handoffs = reports
        .lock()
        .unwrap()
        .iter()
        .filter(|id| **id != stuck_id)
        .count();
    let at_once = polls.max.load(SeqCst);
    assert!(
        at_once <= 2 + other_handoffs,
        "{at_once} polls at once, {other_handoffs} hand-offs"
    );
    assert!(reports.lock().unwrap().contains(&stuck_id));
    // The stuck worker carries on: its task ends and the runtime runs new work on both.
    let tasks = rt.block_on(stuck).unwrap();
    rt.block_on(async move {
        for t in tasks.into_iter().chain(others) {
            t.await.unwrap();
        }
    });
    let again = Arc::new(AtomicUsize::new(0));
    let (p, a) = (polls.clone(), again.clone());
    let more = rt
        .block_on(rt.spawn(async move { spawn_pairs(&p, &a) }))
        .unwrap();
    rt.block_on(async move {
        for t in more {
            t.await.unwrap();
        }
    });
    assert_eq!(again.load(SeqCst), BATCH);
    // A join handle is ready once its task stored the output; the worker lets go of the task
    // just after (tokio's own metrics test waits for the count the same way).
    let until = Instant::now() + Duration::from_secs(5);
    while rt.metrics().num_alive_tasks() != 0 && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(1));
    }
    assert_eq!(rt.metrics().num_alive_tasks(), 0);
}

#[test]
fn a_runtime_dropped_during_a_hand_off_shuts_down() {
    let reports = Arc::new(Mutex::new(Vec::new()));
    let sink = reports.clone();
    let rt = Builder::new_multi_thread()
        .worker_threads(2)
        .slow_poll_threshold(Duration::from_millis(20))
        .on_slow_poll(move |e| sink.lock().unwrap().push(e.task_id()))
        .blocking_handoff(true)
        .build()
        .unwrap();
    let stuck = rt.spawn(async { std::thread::sleep(Duration::from_millis(300)) });
    let id = stuck.id();
    let start = Instant::now();
    while !reports.lock().unwrap().contains(&id) && start.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(1));
    }
    assert!(
        reports.lock().unwrap().contains(&id),
        "the stuck poll was never reported"
    );
    // The stand-in runs now; dropping the runtime stops it and waits for the stuck poll.
    let dropping = Instant::now();
    drop(rt);
    assert!(dropping.elapsed() < Duration::from_secs(5));
    // The stuck poll ran to its end (shutdown waits for it; it is not cut short).
    let other = gort::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    assert!(other.block_on(stuck).is_ok());
}
