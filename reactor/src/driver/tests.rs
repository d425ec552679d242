//! The driver on its own: `park` called directly on a test thread.

use super::registration::PollEvented;
use super::*;
use crate::time::{sleep, Instant};
use std::future::Future;
use std::sync::mpsc;
use std::task::{Context, Poll, Wake};
use std::time::Duration;

struct Flag(std::sync::atomic::AtomicUsize);
impl Wake for Flag {
    fn wake(self: std::sync::Arc<Self>) {
        self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
}
fn flag() -> (std::sync::Arc<Flag>, Waker) {
    let f = std::sync::Arc::new(Flag(Default::default()));
    (f.clone(), Waker::from(f))
}
fn woken(f: &Flag) -> usize {
    f.0.load(std::sync::atomic::Ordering::SeqCst)
}

/// Runs `f` on a thread and fails (instead of hanging) if it takes longer than `limit`.
fn bounded<T: Send + 'static>(limit: Duration, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || tx.send(f()).unwrap());
    rx.recv_timeout(limit).expect("test timed out")
}

#[test]
fn unpark_from_another_thread_wakes_park() {
    bounded(Duration::from_secs(5), || {
        let mut driver = Driver::new().unwrap();
        let handle = driver.handle();
        let t = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            handle.unpark();
        });
        let start = std::time::Instant::now();
        driver.park(None);
        assert!(start.elapsed() >= Duration::from_millis(15));
        t.join().unwrap();
    });
}

#[test]
fn park_fires_timers_in_deadline_order_never_early() {
    bounded(Duration::from_secs(5), || {
        let mut driver = Driver::new().unwrap();
        let _g = driver.handle().enter();
        let start = Instant::now();
        let delays = [30u64, 5, 20, 10, 1];
        let mut sleeps: Vec<_> = delays
            .iter()
            .map(|&ms| Box::pin(sleep(Duration::from_millis(ms))))
            .collect();
        let flags: Vec<_> = delays.iter().map(|_| flag()).collect();
        let mut done = vec![None; delays.len()];
        let mut order = Vec::new();
        // Poll in deadline order, so timers that come due in the same park (a loaded machine
        // oversleeps) are recorded in deadline order too; a timer that fired before an
        // earlier-deadline one would still show up out of order.
        let mut by_deadline: Vec<usize> = (0..delays.len()).collect();
        by_deadline.sort_by_key(|&i| delays[i]);
        while order.len() < delays.len() {
            for &i in &by_deadline {
                let s = &mut sleeps[i];
                if done[i].is_none() {
                    let mut cx = Context::from_waker(&flags[i].1);
                    if s.as_mut().poll(&mut cx).is_ready() {
                        done[i] = Some(start.elapsed());
                        order.push(delays[i]);
                    }
                }
            }
            if order.len() < delays.len() {
                driver.park(None);
            }
        }
        assert_eq!(order, vec![1, 5, 10, 20, 30]);
        for (i, &ms) in delays.iter().enumerate() {
            assert!(done[i].unwrap() >= Duration::from_millis(ms), "fired early");
            assert!(woken(&flags[i].0) >= 1, "completed without a wake");
        }
        drop(sleeps);
        assert_eq!(driver.handle().timer_count(), 0);
    });
}

#[test]
fn earlier_timer_from_another_thread_unparks_the_driver() {
    bounded(Duration::from_secs(5), || {
        let mut driver = Driver::new().unwrap();
        let handle = driver.handle();
        let _g = handle.enter();
        // The driver sleeps towards a 10 s timer...
        let mut long = Box::pin(sleep(Duration::from_secs(10)));
        let (_f, w) = flag();
        assert!(long
            .as_mut()
            .poll(&mut Context::from_waker(&w))
            .is_pending());
        let (fired_tx, fired_rx) = mpsc::channel();
        let handle2 = handle.clone();
        let other = std::thread::spawn(move || {
            let handle = handle2;
            std::thread::sleep(Duration::from_millis(20));
            let _g = handle.enter();
            // ... and another thread registers a 10 ms one.
            let mut short = Box::pin(sleep(Duration::from_millis(10)));
            let (f, w) = flag();
            assert!(short
                .as_mut()
                .poll(&mut Context::from_waker(&w))
                .is_pending());
            fired_rx.recv().unwrap();
            assert!(short.as_mut().poll(&mut Context::from_waker(&w)).is_ready());
            assert_eq!(woken(&f), 1);
        });
        let start = std::time::Instant::now();
        // Park until the short timer fires (each park returns on an event/unpark/deadline).
        while handle.inner.timers.lock().unwrap().wheel.pending() > 1
            || start.elapsed() < Duration::from_millis(25)
        {
            driver.park(None);
            assert!(
                start.elapsed() < Duration::from_secs(2),
                "driver was not unparked"
            );
        }
        fired_tx.send(()).unwrap();
        other.join().unwrap();
        assert!(start.elapsed() < Duration::from_secs(2));
    });
}

#[test]
fn io_readiness_is_dispatched_and_sources_deregister_on_drop() {
    bounded(Duration::from_secs(5), || {
        let mut driver = Driver::new().unwrap();
        let handle = driver.handle();
        let listener = mio::net::TcpListener::bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let addr = listener.local_addr().unwrap();
        let listener = PollEvented::new_with_handle(listener, handle.clone()).unwrap();
        assert_eq!(handle.io_count(), 1);
        let (f, w) = flag();
        let mut cx = Context::from_waker(&w);
        assert!(matches!(
            listener.poll_io(&mut cx, ready::Direction::Read, |l| l.accept()),
            Poll::Pending
        ));
        let _client = std::net::TcpStream::connect(addr).unwrap();
        let start = std::time::Instant::now();
        while woken(&f) == 0 {
            driver.park(Some(Duration::from_millis(100)));
            assert!(start.elapsed() < Duration::from_secs(2));
        }
        let accepted = match listener.poll_io(&mut cx, ready::Direction::Read, |l| l.accept()) {
            Poll::Ready(r) => r.unwrap(),
            Poll::Pending => panic!("readable listener did not accept"),
        };
        assert_eq!(accepted.1.ip(), addr.ip());
        drop(listener);
        assert_eq!(handle.io_count(), 0);
    });
}

#[test]
fn a_reused_slot_gets_a_new_token() {
    let driver = Driver::new().unwrap();
    let handle = driver.handle();
    let a = mio::net::UdpSocket::bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let a = PollEvented::new_with_handle(a, handle.clone()).unwrap();
    let old_token = a.shared_token();
    drop(a);
    let b = mio::net::UdpSocket::bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let b = PollEvented::new_with_handle(b, handle.clone()).unwrap();
    let new_token = b.shared_token();
    assert_eq!(
        old_token & ((1 << handle::INDEX_BITS) - 1),
        new_token & ((1 << handle::INDEX_BITS) - 1),
        "the slab slot is reused"
    );
    assert_ne!(old_token, new_token);
    let ios = handle.inner.ios.lock().unwrap();
    assert!(Handle::lookup(&ios, old_token).is_none());
    assert!(Handle::lookup(&ios, new_token).is_some());
}

#[test]
fn dropping_the_driver_wakes_and_fails_waiting_sockets() {
    let driver = Driver::new().unwrap();
    let handle = driver.handle();
    let sock = mio::net::UdpSocket::bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let sock = PollEvented::new_with_handle(sock, handle.clone()).unwrap();
    let (f, w) = flag();
    let mut cx = Context::from_waker(&w);
    let mut buf = [0u8; 8];
    assert!(sock
        .poll_io(&mut cx, ready::Direction::Read, |s| s.recv(&mut buf))
        .is_pending());
    drop(driver);
    assert_eq!(woken(&f), 1);
    match sock.poll_io(&mut cx, ready::Direction::Read, |s| s.recv(&mut buf)) {
        Poll::Ready(Err(e)) => {
            assert!(e.to_string().contains("shut down"));
            assert!(super::is_rt_shutdown_err(&e));
        }
        other => panic!("expected a shutdown error, got {other:?}"),
    }
    let udp = mio::net::UdpSocket::bind("127.0.0.1:0".parse().unwrap()).unwrap();
    assert!(PollEvented::new_with_handle(udp, handle).is_err());
}

#[test]
fn enter_guards_nest_and_restore() {
    let a = Driver::new().unwrap();
    let b = Driver::new().unwrap();
    assert!(Handle::try_current().is_none());
    {
        let _ga = a.handle().enter();
        let ia = std::sync::Arc::as_ptr(&Handle::current().inner);
        {
            let _gb = b.handle().enter();
            assert_ne!(std::sync::Arc::as_ptr(&Handle::current().inner), ia);
        }
        assert_eq!(std::sync::Arc::as_ptr(&Handle::current().inner), ia);
    }
    assert!(Handle::try_current().is_none());
    let err = std::panic::catch_unwind(Handle::current).unwrap_err();
    let msg = err
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| err.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default();
    assert!(msg.contains("there is no reactor running"), "{msg}");
}

#[test]
fn blocking_spawner_is_used() {
    let driver = Driver::new().unwrap();
    let handle = driver.handle();
    let (tx, rx) = mpsc::channel();
    handle.set_blocking_spawner(std::sync::Arc::new(move |job| {
        tx.send(()).unwrap();
        std::thread::spawn(job);
    }));
    let (done_tx, done_rx) = mpsc::channel();
    handle.spawn_blocking(Box::new(move || done_tx.send(7).unwrap()));
    rx.recv_timeout(Duration::from_secs(2)).unwrap();
    assert_eq!(done_rx.recv_timeout(Duration::from_secs(2)).unwrap(), 7);
}

/// A sub-millisecond park sleeps about that long, not the whole millisecond mio rounds up to
/// (best of several tries: the box may be loaded).
#[test]
#[cfg(not(miri))]
fn sub_millisecond_park_is_not_rounded_up() {
    let mut driver = Driver::new().unwrap();
    let best = (0..20)
        .map(|_| {
            let start = std::time::Instant::now();
            driver.park(Some(Duration::from_micros(200)));
            start.elapsed()
        })
        .min()
        .unwrap();
    assert!(best >= Duration::from_micros(200), "woke early: {best:?}");
    assert!(best < Duration::from_micros(900), "rounded up: {best:?}");
}
