//! loom models of the task state machine: every interleaving of a poll with a concurrent wake,
//! abort, join or handle drop must keep the reference count and output ownership exact.

use super::{new_task, Id, JoinHandle, Notified, Schedule, Task};
use loom::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use loom::sync::{Arc, Mutex};
use loom::thread;
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

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

fn sched() -> Arc<TestSched> {
    Arc::new(TestSched {
        queue: Mutex::new(VecDeque::new()),
    })
}

fn spawn<F: Future + 'static>(
    sched: &Arc<TestSched>,
    future: F,
) -> (Notified<Arc<TestSched>>, JoinHandle<F::Output>) {
    let (task, notified, join) = new_task(future, sched.clone(), Id::next());
    drop(task);
    (notified, join)
}

fn drain(sched: &TestSched) {
    loop {
        let task = sched.queue.lock().unwrap().pop_front();
        match task {
            Some(t) => t.run(),
            None => return,
        }
    }
}

struct Gate {
    state: Mutex<(bool, Option<Waker>)>,
}

fn gate_wait(gate: Arc<Gate>) -> impl Future<Output = ()> {
    std::future::poll_fn(move |cx| {
        let mut g = gate.state.lock().unwrap();
        if g.0 {
            Poll::Ready(())
        } else {
            g.1 = Some(cx.waker().clone());
            Poll::Pending
        }
    })
}

struct DropCount(Arc<AtomicUsize>);
impl Drop for DropCount {
    fn drop(&mut self) {
        self.0.fetch_add(1, SeqCst);
    }
}

fn noop_poll<T>(join: &mut JoinHandle<T>) -> Poll<Result<T, super::JoinError>> {
    let waker = futures::task::noop_waker();
    Pin::new(join).poll(&mut Context::from_waker(&waker))
}

#[test]
fn loom_wake_while_running() {
    loom::model(|| {
        let s = sched();
        let gate = Arc::new(Gate {
            state: Mutex::new((false, None)),
        });
        let (notified, mut join) = spawn(&s, gate_wait(gate.clone()));
        let g = gate.clone();
        let waker_thread = thread::spawn(move || {
            let waker = {
                let mut st = g.state.lock().unwrap();
                st.0 = true;
                st.1.take()
            };
            if let Some(w) = waker {
                w.wake();
            }
        });
        notified.run();
        waker_thread.join().unwrap();
        drain(&s);
        assert!(matches!(noop_poll(&mut join), Poll::Ready(Ok(()))));
    });
}

#[test]
fn loom_abort_while_running() {
    loom::model(|| {
        let s = sched();
        let drops = Arc::new(AtomicUsize::new(0));
        let guard = DropCount(drops.clone());
        let (notified, mut join) = spawn(&s, async move {
            let _g = guard;
            std::future::pending::<()>().await
        });
        let abort = join.abort_handle();
        let t = thread::spawn(move || abort.abort());
        notified.run();
        t.join().unwrap();
        drain(&s);
        assert_eq!(drops.load(SeqCst), 1);
        assert!(matches!(noop_poll(&mut join), Poll::Ready(Err(e)) if e.is_cancelled()));
    });
}

#[test]
fn loom_join_after_complete() {
    loom::model(|| {
        let s = sched();
        let (notified, mut join) = spawn(&s, async { 7u32 });
        let t = thread::spawn(move || {
            let woken = Arc::new(AtomicUsize::new(0));
            let w = woken.clone();
            let waker = waker_fn(move || {
                w.fetch_add(1, SeqCst);
            });
            let first = Pin::new(&mut join).poll(&mut Context::from_waker(&waker));
            (first.map(|r| r.unwrap()), join, woken)
        });
        notified.run();
        let (first, mut join, woken) = t.join().unwrap();
        match first {
            Poll::Ready(v) => assert_eq!(v, 7),
            Poll::Pending => {
                // The completion must have woken the joiner, and the output is there.
                assert_eq!(woken.load(SeqCst), 1);
                assert!(matches!(noop_poll(&mut join), Poll::Ready(Ok(7))));
            }
        }
    });
}

#[test]
fn loom_drop_handle_while_running() {
    loom::model(|| {
        let s = sched();
        let drops = Arc::new(AtomicUsize::new(0));
        let d = drops.clone();
        let (notified, join) = spawn(&s, async move { DropCount(d) });
        let t = thread::spawn(move || drop(join));
        notified.run();
        t.join().unwrap();
        // The output was dropped exactly once, by whichever side finished last.
        assert_eq!(drops.load(SeqCst), 1);
    });
}

/// A waker calling `f` (loom-friendly: built on `std::task::Wake` with a loom-free Arc).
fn waker_fn(f: impl Fn() + Send + Sync + 'static) -> Waker {
    struct W<F>(F);
    impl<F: Fn() + Send + Sync + 'static> std::task::Wake for W<F> {
        fn wake(self: std::sync::Arc<Self>) {
            (self.0)()
        }
    }
    Waker::from(std::sync::Arc::new(W(f)))
}
