//! Unit tests of the task core against a minimal scheduler (Miri-friendly: no threads, no I/O).

use super::{new_task, Id, JoinHandle, Notified, Schedule, Task};
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};

#[derive(Default)]
struct TestSched {
    queue: Mutex<VecDeque<Notified<Arc<TestSched>>>>,
}

impl Schedule for Arc<TestSched> {
    fn schedule(&self, task: Notified<Self>) {
        self.queue.lock().unwrap().push_back(task);
    }
    fn release(&self, _task: &Task<Self>) -> Option<Task<Self>> {
        None
    }
}

impl TestSched {
    fn run_all(&self) -> usize {
        let mut n = 0;
        loop {
            let task = self.queue.lock().unwrap().pop_front();
            let Some(task) = task else { return n };
            task.run();
            n += 1;
        }
    }
}

fn spawn<F: Future + 'static>(sched: &Arc<TestSched>, future: F) -> JoinHandle<F::Output> {
    let (task, notified, join) = new_task(future, sched.clone(), Id::next());
    drop(task);
    sched.schedule(notified);
    join
}

#[derive(Default)]
struct CountWaker(AtomicUsize);

impl Wake for CountWaker {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, SeqCst);
    }
}

fn poll_join<T>(join: &mut JoinHandle<T>, waker: &Waker) -> Poll<Result<T, super::JoinError>> {
    Pin::new(join).poll(&mut Context::from_waker(waker))
}

/// Counts drops of itself.
struct DropCounter(Arc<AtomicUsize>);

impl Drop for DropCounter {
    fn drop(&mut self) {
        self.0.fetch_add(1, SeqCst);
    }
}

/// Pending until `wake_with` is called; keeps the task's waker.
#[derive(Default)]
struct Gate {
    open: Mutex<(bool, Option<Waker>)>,
}

impl Gate {
    fn open(&self) {
        let waker = {
            let mut g = self.open.lock().unwrap();
            g.0 = true;
            g.1.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    }

    fn wait(self: Arc<Self>) -> impl Future<Output = ()> {
        std::future::poll_fn(move |cx| {
            let mut g = self.open.lock().unwrap();
            if g.0 {
                Poll::Ready(())
            } else {
                g.1 = Some(cx.waker().clone());
                Poll::Pending
            }
        })
    }
}

#[test]
fn runs_to_completion_and_joins() {
    let sched = Arc::new(TestSched::default());
    let mut join = spawn(&sched, async { 40 + 2 });
    assert_eq!(sched.run_all(), 1);
    let waker = Waker::from(Arc::new(CountWaker::default()));
    match poll_join(&mut join, &waker) {
        Poll::Ready(Ok(v)) => assert_eq!(v, 42),
        other => panic!("unexpected {:?}", other.map(|r| r.is_ok())),
    }
}

#[test]
fn self_wake_requeues_once() {
    let sched = Arc::new(TestSched::default());
    let polls = Arc::new(AtomicUsize::new(0));
    let p = polls.clone();
    let mut join = spawn(
        &sched,
        std::future::poll_fn(move |cx| {
            if p.fetch_add(1, SeqCst) == 0 {
                cx.waker().wake_by_ref();
                cx.waker().wake_by_ref();
                Poll::Pending
            } else {
                Poll::Ready(())
            }
        }),
    );
    assert_eq!(sched.run_all(), 2);
    assert_eq!(polls.load(SeqCst), 2);
    let waker = Waker::from(Arc::new(CountWaker::default()));
    assert!(matches!(poll_join(&mut join, &waker), Poll::Ready(Ok(()))));
}

#[test]
fn join_waker_is_woken_on_completion() {
    let sched = Arc::new(TestSched::default());
    let gate = Arc::new(Gate::default());
    let mut join = spawn(&sched, gate.clone().wait());
    sched.run_all();
    let count = Arc::new(CountWaker::default());
    let waker = Waker::from(count.clone());
    assert!(poll_join(&mut join, &waker).is_pending());
    // Polling again with the same waker keeps it.
    assert!(poll_join(&mut join, &waker).is_pending());
    gate.open();
    assert_eq!(sched.run_all(), 1);
    assert_eq!(count.0.load(SeqCst), 1);
    assert!(matches!(poll_join(&mut join, &waker), Poll::Ready(Ok(()))));
}

#[test]
fn abort_idle_task_drops_future() {
    let sched = Arc::new(TestSched::default());
    let drops = Arc::new(AtomicUsize::new(0));
    let guard = DropCounter(drops.clone());
    let mut join = spawn(&sched, async move {
        let _g = guard;
        std::future::pending::<()>().await
    });
    sched.run_all();
    assert!(!join.is_finished());
    join.abort();
    join.abort();
    assert_eq!(sched.run_all(), 1);
    assert_eq!(drops.load(SeqCst), 1);
    assert!(join.is_finished());
    let waker = Waker::from(Arc::new(CountWaker::default()));
    match poll_join(&mut join, &waker) {
        Poll::Ready(Err(e)) => assert!(e.is_cancelled()),
        _ => panic!("expected a cancelled JoinError"),
    }
}

#[test]
fn abort_before_first_poll_never_polls() {
    let sched = Arc::new(TestSched::default());
    let polled = Arc::new(AtomicUsize::new(0));
    let p = polled.clone();
    let mut join = spawn(&sched, async move {
        p.fetch_add(1, SeqCst);
    });
    join.abort();
    sched.run_all();
    assert_eq!(polled.load(SeqCst), 0);
    let waker = Waker::from(Arc::new(CountWaker::default()));
    assert!(matches!(poll_join(&mut join, &waker), Poll::Ready(Err(e)) if e.is_cancelled()));
}

#[test]
fn dropped_handle_output_is_dropped_by_completer() {
    let sched = Arc::new(TestSched::default());
    let drops = Arc::new(AtomicUsize::new(0));
    let d = drops.clone();
    let join = spawn(&sched, async move { DropCounter(d) });
    drop(join);
    sched.run_all();
    assert_eq!(drops.load(SeqCst), 1);
    // The allocation is gone too: only our Arc remains.
    assert_eq!(Arc::strong_count(&drops), 1);
}

#[test]
fn output_dropped_by_handle_after_completion() {
    let sched = Arc::new(TestSched::default());
    let drops = Arc::new(AtomicUsize::new(0));
    let d = drops.clone();
    let join = spawn(&sched, async move { DropCounter(d) });
    sched.run_all();
    assert_eq!(drops.load(SeqCst), 0);
    drop(join);
    assert_eq!(drops.load(SeqCst), 1);
    assert_eq!(Arc::strong_count(&drops), 1);
}

#[test]
fn panic_is_reported() {
    let sched = Arc::new(TestSched::default());
    let mut join = spawn(&sched, async { panic!("boom") });
    sched.run_all();
    let waker = Waker::from(Arc::new(CountWaker::default()));
    match poll_join(&mut join, &waker) {
        Poll::Ready(Err(e)) => {
            assert!(e.is_panic());
            assert!(e.to_string().contains("boom"), "{e}");
            assert_eq!(*e.into_panic().downcast::<&str>().unwrap(), "boom");
        }
        _ => panic!("expected a panic JoinError"),
    }
}

#[test]
fn shutdown_cancels_idle_task() {
    let sched = Arc::new(TestSched::default());
    let drops = Arc::new(AtomicUsize::new(0));
    let guard = DropCounter(drops.clone());
    let (task, notified, mut join) = new_task(
        async move {
            let _g = guard;
            std::future::pending::<()>().await
        },
        sched.clone(),
        Id::next(),
    );
    notified.run();
    task.shutdown();
    assert_eq!(drops.load(SeqCst), 1);
    let waker = Waker::from(Arc::new(CountWaker::default()));
    assert!(matches!(poll_join(&mut join, &waker), Poll::Ready(Err(e)) if e.is_cancelled()));
}

#[test]
fn waker_outlives_task_safely() {
    let sched = Arc::new(TestSched::default());
    let gate = Arc::new(Gate::default());
    let join = spawn(&sched, gate.clone().wait());
    sched.run_all();
    drop(join);
    // The gate's waker keeps the task alive; aborting via nobody, waking completes it.
    gate.open();
    sched.run_all();
    assert_eq!(Arc::strong_count(&gate), 1);
}

#[test]
fn abort_handle_and_ids() {
    let sched = Arc::new(TestSched::default());
    let mut join = spawn(&sched, std::future::pending::<u8>());
    let abort = join.abort_handle();
    assert_eq!(abort.id(), join.id());
    let abort2 = abort.clone();
    drop(abort);
    abort2.abort();
    sched.run_all();
    assert!(abort2.is_finished());
    let waker = Waker::from(Arc::new(CountWaker::default()));
    assert!(matches!(poll_join(&mut join, &waker), Poll::Ready(Err(e)) if e.is_cancelled()));
}

/// Spawning many small tasks is bound by memory: the diagnostics' per-task metadata (wait
/// record, spawn location, idle time) adds 16 bytes to the header, so the smallest task (88
/// bytes before the diagnostics) is 104 bytes, a 112-byte malloc chunk rather than 128.
#[test]
#[cfg(target_pointer_width = "64")]
fn the_header_stays_64_bytes() {
    let i = 5usize;
    let small = async move { i };
    fn cell_size<F: Future + 'static>(_: &F) -> usize {
        std::mem::size_of::<super::raw::Cell<F, Arc<TestSched>>>()
    }
    assert_eq!(std::mem::size_of::<super::header::Header>(), 64);
    assert_eq!(cell_size(&small), 104);
}
