//! A finished task lets go of its joiner's waker when it completes (or when the `JoinHandle`
//! takes the output or is dropped), not when the task's allocation is freed: something else
//! may keep the task alive long after (a clone of its own waker here), and the joiner's waker
//! may own a whole task graph (issue 10).

use gort_executor::runtime::Builder;
use std::future::{poll_fn, Future};
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{mpsc, Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};

fn bounded<T: Send + 'static>(secs: u64, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
        let _ = tx.send(out);
    });
    match rx.recv_timeout(Duration::from_secs(secs)) {
        Ok(Ok(v)) => v,
        Ok(Err(p)) => std::panic::resume_unwind(p),
        Err(_) => panic!("test timed out after {secs}s"),
    }
}

/// Counts wakes of, and drops of clones of, one waker.
#[derive(Default)]
struct Counts {
    wakes: AtomicUsize,
    drops: AtomicUsize,
}

struct CountingWaker(Arc<Counts>);

impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.0.wakes.fetch_add(1, SeqCst);
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.wakes.fetch_add(1, SeqCst);
    }
}

impl Drop for CountingWaker {
    fn drop(&mut self) {
        self.0.drops.fetch_add(1, SeqCst);
    }
}

fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(start.elapsed() < Duration::from_secs(5), "{what}");
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Spawns a task that stores a clone of its own waker in `keep` (keeping its allocation alive
/// after it finishes) and finishes when `go` is sent. Returns the handle, polled once with a
/// counting waker, and the counters of that waker (one clone: the handle's registration).
fn spawn_kept_alive(
    rt: &gort_executor::runtime::Runtime,
    keep: Arc<Mutex<Option<Waker>>>,
) -> (
    gort_executor::task::JoinHandle<u32>,
    mpsc::Sender<()>,
    Arc<Counts>,
) {
    let (go_tx, go_rx) = mpsc::channel::<()>();
    let go_rx = Mutex::new(go_rx);
    let mut jh = rt.spawn(poll_fn(move |cx: &mut Context<'_>| {
        *keep.lock().unwrap() = Some(cx.waker().clone());
        match go_rx.lock().unwrap().try_recv() {
            Ok(()) => Poll::Ready(7),
            Err(_) => Poll::Pending,
        }
    }));
    let counts = Arc::new(Counts::default());
    let waker = Waker::from(Arc::new(CountingWaker(counts.clone())));
    assert!(pin!(&mut jh)
        .poll(&mut Context::from_waker(&waker))
        .is_pending());
    drop(waker);
    assert_eq!(counts.drops.load(SeqCst), 0, "the handle keeps one clone");
    (jh, go_tx, counts)
}

/// Lets the task finish (its kept waker schedules it) and waits for the joiner's wake.
fn finish(keep: &Mutex<Option<Waker>>, go: mpsc::Sender<()>, counts: &Counts) {
    wait_until("the task never stored its waker", || {
        keep.lock().unwrap().is_some()
    });
    go.send(()).unwrap();
    keep.lock().unwrap().as_ref().unwrap().wake_by_ref();
    wait_until("the joiner was never woken", || {
        counts.wakes.load(SeqCst) == 1
    });
}

#[test]
fn joiner_waker_is_dropped_when_the_output_is_taken() {
    bounded(10, || {
        let rt = Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap();
        let keep = Arc::new(Mutex::new(None));
        let (mut jh, go, counts) = spawn_kept_alive(&rt, keep.clone());
        finish(&keep, go, &counts);
        let noop = Waker::noop();
        let out = pin!(&mut jh).poll(&mut Context::from_waker(noop));
        assert!(matches!(out, Poll::Ready(Ok(7))));
        assert_eq!(
            counts.drops.load(SeqCst),
            1,
            "the finished task still holds the joiner's waker"
        );
        assert!(
            keep.lock().unwrap().is_some(),
            "the task must still be alive here"
        );
        drop(jh);
        assert_eq!(counts.drops.load(SeqCst), 1);
    });
}

#[test]
fn joiner_waker_is_dropped_with_a_handle_that_never_read_the_output() {
    bounded(10, || {
        let rt = Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap();
        let keep = Arc::new(Mutex::new(None));
        let (jh, go, counts) = spawn_kept_alive(&rt, keep.clone());
        finish(&keep, go, &counts);
        drop(jh);
        // The task is complete and its handle gone: the waker must be released even though the
        // task's allocation lives on (its own waker is still stored in `keep`).
        wait_until("the finished task still holds the joiner's waker", || {
            counts.drops.load(SeqCst) == 1
        });
        assert_eq!(counts.wakes.load(SeqCst), 1);
        assert!(keep.lock().unwrap().is_some());
        drop(rt);
        drop(keep);
        assert_eq!(counts.drops.load(SeqCst), 1, "dropped twice");
    });
}
