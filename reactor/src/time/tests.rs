//! Timers on a driver (the whole-runtime tests are in the root `tests/time_*.rs`).

use super::*;
use crate::driver::Handle;
use crate::test_block_on::block_on;
use futures::future::join_all;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::task::Context;

const LIMIT: Duration = Duration::from_secs(10);

/// Records the order in which timers wake their tasks.
struct Recorder {
    id: u64,
    log: Arc<Mutex<Vec<(u64, Instant)>>>,
}

impl std::task::Wake for Recorder {
    fn wake(self: Arc<Self>) {
        self.log.lock().unwrap().push((self.id, Instant::now()));
    }
}

#[test]
fn sleeps_fire_in_deadline_order_and_never_early() {
    let mut driver = crate::driver::Driver::new().unwrap();
    let _g = driver.handle().enter();
    let log = Arc::new(Mutex::new(Vec::new()));
    let start = Instant::now();
    let delays = [25u64, 3, 17, 9, 1, 12, 30, 6, 70, 64, 65, 130];
    let mut sleeps: Vec<_> = delays
        .iter()
        .map(|&ms| Box::pin(sleep_until(start + Duration::from_millis(ms))))
        .collect();
    for (s, &ms) in sleeps.iter_mut().zip(&delays) {
        let waker = std::task::Waker::from(Arc::new(Recorder {
            id: ms,
            log: log.clone(),
        }));
        assert!(s
            .as_mut()
            .poll(&mut Context::from_waker(&waker))
            .is_pending());
    }
    // Oversleep on purpose so several timers come due in one pass of the wheel.
    std::thread::sleep(Duration::from_millis(20));
    while log.lock().unwrap().len() < delays.len() {
        driver.park(None);
        assert!(start.elapsed() < LIMIT);
    }
    let log = log.lock().unwrap();
    let mut sorted = delays.to_vec();
    sorted.sort();
    assert_eq!(log.iter().map(|(id, _)| *id).collect::<Vec<_>>(), sorted);
    for (ms, at) in log.iter() {
        assert!(
            *at >= start + Duration::from_millis(*ms),
            "{ms} ms timer fired early"
        );
    }
    drop(sleeps);
    assert_eq!(Handle::current().timer_count(), 0);
}

#[test]
fn many_sleeps_on_the_block_on_complete() {
    block_on(LIMIT, async {
        let start = Instant::now();
        let done = join_all((0..1_000u64).map(|i| async move {
            let deadline = start + Duration::from_millis(i % 20);
            sleep_until(deadline).await;
            assert!(Instant::now() >= deadline, "fired early");
            1
        }))
        .await;
        assert_eq!(done.iter().sum::<u32>(), 1_000);
        assert_eq!(Handle::current().timer_count(), 0);
    });
}

#[test]
fn timeout_elapses_or_passes_the_value_through() {
    block_on(LIMIT, async {
        let start = Instant::now();
        let r = timeout(Duration::from_millis(10), sleep(Duration::from_secs(60))).await;
        assert_eq!(r, Err(error::Elapsed::new()));
        assert!(start.elapsed() >= Duration::from_millis(10));
        assert_eq!(timeout(Duration::ZERO, async { 7 }).await, Ok(7));
        let err: std::io::Error = r.unwrap_err().into();
        assert_eq!(err.kind(), std::io::ErrorKind::TimedOut);
        // Both the inner sleep and the timeout's own timer are gone.
        assert_eq!(Handle::current().timer_count(), 0);
    });
}

#[test]
fn interval_first_tick_immediate_then_every_period() {
    block_on(LIMIT, async {
        let start = Instant::now();
        let mut iv = interval(Duration::from_millis(10));
        let first = iv.tick().await;
        assert!(first - start < Duration::from_millis(5));
        for i in 1..=3u32 {
            let t = iv.tick().await;
            assert_eq!(t, first + Duration::from_millis(10) * i);
            assert!(Instant::now() >= t);
        }
    });
}

#[test]
fn interval_missed_ticks_burst_delay_skip() {
    block_on(LIMIT, async {
        for behavior in [
            MissedTickBehavior::Burst,
            MissedTickBehavior::Delay,
            MissedTickBehavior::Skip,
        ] {
            let mut iv = interval(Duration::from_millis(10));
            iv.set_missed_tick_behavior(behavior);
            let first = iv.tick().await;
            std::thread::sleep(Duration::from_millis(35)); // miss three ticks
            let late = iv.tick().await;
            let after_late = Instant::now();
            assert_eq!(late, first + Duration::from_millis(10));
            let next = iv.tick().await;
            match behavior {
                // Catching up: the next tick is due at once, on the old schedule.
                MissedTickBehavior::Burst => assert_eq!(next, first + Duration::from_millis(20)),
                MissedTickBehavior::Delay => assert!(next >= first + Duration::from_millis(45)),
                // On the old schedule, past the missed ticks, at most a period after the late
                // tick returned (a loaded machine may have made it later than 35 ms).
                MissedTickBehavior::Skip => {
                    let since = next - first;
                    assert_eq!(since.as_nanos() % 10_000_000, 0, "off schedule: {since:?}");
                    assert!(since >= Duration::from_millis(40), "{since:?}");
                    assert!(next <= after_late + Duration::from_millis(10), "{since:?}");
                }
            }
        }
    });
}

#[test]
fn sleep_reset_moves_the_deadline_both_ways() {
    block_on(LIMIT, async {
        let start = Instant::now();
        let mut s = Box::pin(sleep(Duration::from_secs(60)));
        let waker = futures::task::noop_waker();
        assert!(s
            .as_mut()
            .poll(&mut Context::from_waker(&waker))
            .is_pending());
        s.as_mut().reset(start + Duration::from_millis(5));
        s.as_mut().await;
        assert!(s.is_elapsed());
        s.as_mut().reset(Instant::now() + Duration::from_millis(5));
        assert!(!s.is_elapsed());
        s.as_mut().await;
        assert!(start.elapsed() >= Duration::from_millis(10));
    });
}

#[test]
fn dropping_100k_pending_sleeps_frees_their_entries() {
    block_on(LIMIT, async {
        let handle = Handle::current();
        let waker = futures::task::noop_waker();
        let mut cx = Context::from_waker(&waker);
        let mut sleeps: Vec<_> = (0..100_000u64)
            .map(|i| Box::pin(sleep(Duration::from_millis(1_000 + i % 10_000))))
            .collect();
        for s in &mut sleeps {
            assert!(s.as_mut().poll(&mut cx).is_pending());
        }
        assert_eq!(handle.timer_count(), 100_000);
        sleeps.truncate(40_000);
        assert_eq!(handle.timer_count(), 40_000);
        drop(sleeps);
        assert_eq!(handle.timer_count(), 0);
    });
}

#[test]
fn after_delivers_once_never_early_and_frees_its_timer() {
    block_on(LIMIT, async {
        let start = Instant::now();
        let rx = after(Duration::from_millis(15));
        assert!(rx.try_recv().is_err());
        let at = rx.recv().await.unwrap();
        assert!(at - start >= Duration::from_millis(15));
        assert!(rx.try_recv().is_err());
        assert_eq!(Handle::current().timer_count(), 0);
        // Already due: delivered at once.
        assert!(after(Duration::ZERO).try_recv().is_ok());
    });
}

#[test]
fn tick_delivers_periodically_and_drops_what_the_receiver_misses() {
    block_on(LIMIT, async {
        let start = Instant::now();
        let ticks = tick(Duration::from_millis(10));
        let a = ticks.recv().await.unwrap();
        let b = ticks.recv().await.unwrap();
        assert!(a - start >= Duration::from_millis(10));
        assert!(b - a >= Duration::from_millis(5));
        // A slow receiver: at most one tick waits in the channel.
        sleep(Duration::from_millis(60)).await;
        assert!(ticks.len() <= 1);
        assert!(ticks.recv().await.is_some());
        // Dropping the receiver stops the ticker (its timer is freed at the next firing).
        drop(ticks);
        sleep(Duration::from_millis(25)).await;
        assert_eq!(Handle::current().timer_count(), 0);
    });
}

#[cfg(feature = "test-util")]
#[test]
fn paused_clock_auto_advances_to_timers_in_order() {
    block_on(LIMIT, async {
        pause();
        let real = std::time::Instant::now();
        let start = Instant::now();
        let order = Arc::new(Mutex::new(Vec::new()));
        join_all([3_600u64, 60, 86_400].iter().map(|&secs| {
            let order = order.clone();
            async move {
                sleep(Duration::from_secs(secs)).await;
                order.lock().unwrap().push(secs);
            }
        }))
        .await;
        assert_eq!(*order.lock().unwrap(), [60, 3_600, 86_400]);
        assert!(Instant::now() - start >= Duration::from_secs(86_400));
        assert!(
            real.elapsed() < Duration::from_secs(2),
            "the clock jumped, no real wait"
        );
        advance(Duration::from_secs(5)).await;
        let t = Instant::now();
        assert_eq!(Instant::now(), t, "paused: time stands still");
        resume();
        assert!(std::panic::catch_unwind(|| advance(Duration::from_secs(1))).is_ok());
    });
}

#[cfg(feature = "test-util")]
#[test]
fn advance_fires_due_timers() {
    block_on(LIMIT, async {
        pause();
        let mut s = Box::pin(sleep(Duration::from_secs(10)));
        let waker = futures::task::noop_waker();
        assert!(s
            .as_mut()
            .poll(&mut Context::from_waker(&waker))
            .is_pending());
        advance(Duration::from_secs(9)).await;
        assert!(s
            .as_mut()
            .poll(&mut Context::from_waker(&waker))
            .is_pending());
        advance(Duration::from_secs(1)).await;
        assert!(s.as_mut().poll(&mut Context::from_waker(&waker)).is_ready());
    });
}

#[cfg(feature = "test-util")]
#[test]
fn pause_refused_on_a_multi_thread_runtime() {
    block_on(LIMIT, async {
        Handle::current().set_clock_pausable(false);
        let err = std::panic::catch_unwind(pause).unwrap_err();
        let msg = err
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| err.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        assert!(msg.contains("current-thread"), "{msg}");
    });
}

#[test]
fn interval_reset_with_the_longest_period_does_not_overflow() {
    block_on(LIMIT, async {
        let mut iv = crate::time::interval(Duration::MAX);
        iv.tick().await; // the first tick is immediate
        iv.reset();
        let mut short = crate::time::interval(Duration::from_millis(1));
        short.reset_after(Duration::MAX);
        let waker = futures::task::noop_waker();
        let mut cx = Context::from_waker(&waker);
        assert!(iv.poll_tick(&mut cx).is_pending());
        assert!(short.poll_tick(&mut cx).is_pending());
    });
}

#[test]
fn a_sleep_never_polled_has_not_elapsed() {
    block_on(LIMIT, async {
        let now = Instant::now();
        let mut s = Box::pin(crate::time::sleep_until(now));
        assert!(!s.is_elapsed());
        s.as_mut().await;
        assert!(s.is_elapsed());
    });
}
