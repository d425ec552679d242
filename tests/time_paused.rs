//! The paused clock (feature `test-util`): an idle runtime jumps to the next timer.
#![cfg(feature = "test-util")]

use gort::runtime::Builder;
use gort::time::{advance, pause, sleep, Duration, Instant};
use std::sync::{Arc, Mutex};

#[test]
fn paused_time_auto_advances_in_deadline_order() {
    let rt = Builder::new_current_thread().enable_all().build().unwrap();
    let real = std::time::Instant::now();
    rt.block_on(async {
        pause();
        let start = Instant::now();
        let order = Arc::new(Mutex::new(Vec::new()));
        let tasks: Vec<_> = [86_400u64, 60, 3_600]
            .into_iter()
            .map(|secs| {
                let order = order.clone();
                gort::task::spawn(async move {
                    sleep(Duration::from_secs(secs)).await;
                    order.lock().unwrap().push((secs, Instant::now() - start));
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
        let order = std::mem::take(&mut *order.lock().unwrap());
        assert_eq!(
            order.iter().map(|(s, _)| *s).collect::<Vec<_>>(),
            [60, 3_600, 86_400]
        );
        for (secs, at) in order.iter() {
            assert_eq!(*at, Duration::from_secs(*secs), "fired exactly on time");
        }
        let t = Instant::now();
        advance(Duration::from_millis(1500)).await;
        assert_eq!(Instant::now() - t, Duration::from_millis(1500));
    });
    assert!(
        real.elapsed() < Duration::from_secs(5),
        "a day of paused time took real time"
    );
}

/// A `spawn_blocking` task runs on real time, so while it runs an idle runtime does not jump
/// its paused clock (a short timeout around it does not fire), and its completion wakes the
/// runtime at once, whether it returns or panics; once it is done the clock jumps again.
#[test]
fn blocking_task_holds_the_paused_clock_and_wakes_the_runtime() {
    let rt = Builder::new_current_thread().enable_all().build().unwrap();
    let real = std::time::Instant::now();
    rt.block_on(async {
        pause();
        let start = Instant::now();
        let slow = gort::task::spawn_blocking(|| std::thread::sleep(Duration::from_millis(30)));
        let out = gort::time::timeout(Duration::from_millis(1), slow).await;
        assert!(
            matches!(out, Ok(Ok(()))),
            "the paused clock jumped past a blocking task"
        );
        assert_eq!(Instant::now(), start);

        let panicking = gort::task::spawn_blocking(|| panic!("blocking task panicked"));
        let out = gort::time::timeout(Duration::from_secs(3_600), panicking).await;
        assert!(matches!(out, Ok(Err(ref e)) if e.is_panic()), "{out:?}");

        // Nothing blocking left: the idle runtime jumps to the timer again.
        sleep(Duration::from_secs(86_400)).await;
        assert_eq!(Instant::now() - start, Duration::from_secs(86_400));
    });
    assert!(real.elapsed() < std::time::Duration::from_secs(10));
}
