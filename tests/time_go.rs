//! Go's timer channels (`time::after`, `time::tick`) on the whole runtime.

use gort::runtime::Builder;
use gort::time::{after, sleep, tick, Duration, Instant};

fn run<F, Fut>(limit: Duration, f: F)
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()>,
{
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(f());
        drop(rt);
        tx.send(()).unwrap();
    });
    rx.recv_timeout(limit)
        .expect("test timed out (or panicked)");
}

#[test]
fn after_in_a_select_acts_as_a_deadline() {
    run(Duration::from_secs(10), || async {
        let (_tx, rx) = gort::chan::bounded::<u32>(0);
        let start = Instant::now();
        let deadline = after(Duration::from_millis(20));
        let got = futures::future::select(Box::pin(rx.recv()), Box::pin(deadline.recv())).await;
        match got {
            futures::future::Either::Right((Some(at), _)) => {
                assert!(at - start >= Duration::from_millis(20));
            }
            _ => panic!("the deadline channel should have won"),
        }
    });
}

#[test]
fn tick_delivers_every_period_and_drops_ticks_for_a_slow_receiver() {
    run(Duration::from_secs(10), || async {
        let ticks = tick(Duration::from_millis(10));
        let mut last = Instant::now();
        for _ in 0..5 {
            let t = ticks.recv().await.unwrap();
            assert!(t >= last);
            last = t;
        }
        sleep(Duration::from_millis(80)).await;
        // Eight periods passed, but only one tick waited for us.
        assert_eq!(ticks.len(), 1);
        ticks.recv().await.unwrap();
        assert!(ticks.try_recv().is_err());
    });
}
