//! Wakers (and their `Drop`) that panic where the runtime, not the task, runs them: in the I/O
//! driver's readiness dispatch, when a timer fires, when a yielded task is woken after the driver
//! poll, and inside another task's channel operation.
//!
//! What must hold: the panic is reported (the panic hook sees it; a panic inside a task's own
//! poll ends that task with `JoinError::is_panic`), the runtime keeps serving I/O and timers,
//! every other task runs to completion, and no value is lost. Each case runs on both flavors,
//! on its own thread with a deadline, so a dead driver fails the test instead of hanging it.

use gort::io::{AsyncReadExt, AsyncWriteExt};
use gort::net::{TcpListener, TcpStream};
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Once};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

mod support;
use support::runtimes;

/// How many times the panic hook saw each `fault-test:` message.
static PANICS: Mutex<Option<HashMap<String, usize>>> = Mutex::new(None);

fn count_panics() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let msg = info
                .payload()
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| info.payload().downcast_ref::<String>().cloned())
                .unwrap_or_default();
            if msg.starts_with("fault-test:") {
                let mut panics = PANICS.lock().unwrap();
                *panics
                    .get_or_insert_with(HashMap::new)
                    .entry(msg)
                    .or_default() += 1;
            }
            default(info);
        }));
    });
}

fn panics_seen(msg: &str) -> usize {
    PANICS
        .lock()
        .unwrap()
        .as_ref()
        .and_then(|p| p.get(msg).copied())
        .unwrap_or(0)
}

/// Where the test waker panics.
#[derive(Clone, Copy, Debug)]
enum PanicIn {
    Wake,
    Drop,
}

/// A waker that panics with `msg` when woken, or when its last reference is dropped.
struct Bomb {
    msg: String,
    mode: PanicIn,
}

impl Wake for Bomb {
    fn wake(self: Arc<Self>) {
        if let PanicIn::Wake = self.mode {
            panic!("{}", self.msg);
        }
    }
}

impl Drop for Bomb {
    fn drop(&mut self) {
        if let PanicIn::Drop = self.mode {
            if !std::thread::panicking() {
                panic!("{}", self.msg);
            }
        }
    }
}

fn bomb(msg: &str, mode: PanicIn) -> Waker {
    Waker::from(Arc::new(Bomb {
        msg: msg.to_string(),
        mode,
    }))
}

/// Polls `fut` once with `waker` (so whatever it waits on stores that waker).
fn poll_once_with<F: Future + Unpin>(fut: &mut F, waker: &Waker) -> Poll<F::Output> {
    Pin::new(fut).poll(&mut Context::from_waker(waker))
}

/// Runs `case` on each flavor on its own thread; fails if it does not finish in time.
fn on_both_flavors<F, Fut>(case: F)
where
    F: Fn(&'static str) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    count_panics();
    let case = Arc::new(case);
    for (flavor, rt) in runtimes() {
        let (tx, rx) = std::sync::mpsc::channel();
        let case = case.clone();
        std::thread::spawn(move || {
            let done = rt.block_on(async move { gort::spawn(case(flavor)).await });
            let _ = tx.send(done.map_err(|e| e.to_string()));
            rt.shutdown_timeout(Duration::from_secs(5));
        });
        match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(Ok(())) => {}
            Ok(Err(e)) => panic!("{flavor}: the test task failed: {e}"),
            Err(_) => panic!("{flavor}: the runtime stopped serving (timed out or died)"),
        }
    }
}

/// Proves the runtime still serves timers and I/O with many tasks: each of `n` tasks sleeps,
/// then echoes its own bytes over TCP; every byte must come back.
async fn still_serving(n: usize) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = gort::spawn(async move {
        for _ in 0..n {
            let (mut s, _) = listener.accept().await.unwrap();
            gort::spawn(async move {
                let mut buf = [0u8; 8];
                s.read_exact(&mut buf).await.unwrap();
                s.write_all(&buf).await.unwrap();
            });
        }
    });
    let done = Arc::new(AtomicUsize::new(0));
    let mut clients = Vec::new();
    for i in 0..n {
        let done = done.clone();
        clients.push(gort::spawn(async move {
            gort::time::sleep(Duration::from_millis(5 + (i % 10) as u64)).await;
            let mut s = TcpStream::connect(addr).await.unwrap();
            let msg = (i as u64).to_le_bytes();
            s.write_all(&msg).await.unwrap();
            let mut back = [0u8; 8];
            s.read_exact(&mut back).await.unwrap();
            assert_eq!(back, msg);
            done.fetch_add(1, Ordering::SeqCst);
        }));
    }
    for c in clients {
        c.await.unwrap();
    }
    server.await.unwrap();
    assert_eq!(done.load(Ordering::SeqCst), n);
}

fn timer_case(mode: PanicIn) {
    let msg = format!("fault-test: timer waker {mode:?}");
    on_both_flavors(move |flavor| {
        let msg = format!("{msg} {flavor}");
        async move {
            // A timer whose only waker is the bomb: it goes off inside the driver's timer
            // firing, on whichever thread polls the driver.
            let mut sleep = Box::pin(gort::time::sleep(Duration::from_millis(5)));
            assert!(poll_once_with(&mut sleep, &bomb(&msg, mode)).is_pending());
            // Other timers must fire and sockets be served afterwards.
            gort::time::sleep(Duration::from_millis(50)).await;
            still_serving(50).await;
            assert_eq!(panics_seen(&msg), 1, "the waker's panic was not reported");
            drop(sleep);
        }
    });
}

#[test]
fn timer_waker_that_panics_on_wake() {
    timer_case(PanicIn::Wake);
}

#[test]
fn timer_waker_that_panics_on_drop() {
    timer_case(PanicIn::Drop);
}

fn io_case(mode: PanicIn) {
    let msg = format!("fault-test: io waker {mode:?}");
    on_both_flavors(move |flavor| {
        let msg = format!("{msg} {flavor}");
        async move {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let mut client = TcpStream::connect(listener.local_addr().unwrap())
                .await
                .unwrap();
            let (mut server, _) = listener.accept().await.unwrap();
            // The server side waits for readability with the bomb as its waker; the client's
            // write makes the driver dispatch readiness to it.
            let mut buf = [0u8; 5];
            {
                let mut read = Box::pin(server.read(&mut buf));
                assert!(poll_once_with(&mut read, &bomb(&msg, mode)).is_pending());
            }
            client.write_all(b"hello").await.unwrap();
            gort::time::sleep(Duration::from_millis(50)).await;
            // The bytes are not lost: the same socket still reads them.
            server.read_exact(&mut buf).await.unwrap();
            assert_eq!(&buf, b"hello");
            still_serving(50).await;
            assert_eq!(panics_seen(&msg), 1, "the waker's panic was not reported");
        }
    });
}

#[test]
fn io_waker_that_panics_on_wake() {
    io_case(PanicIn::Wake);
}

#[test]
fn io_waker_that_panics_on_drop() {
    io_case(PanicIn::Drop);
}

/// A task yields with the bomb as its waker: the worker wakes it after its next driver poll,
/// outside any task. The worker's other queued tasks must all still run.
#[test]
fn yield_waker_that_panics_keeps_the_worker_queue() {
    let msg = "fault-test: yield waker";
    on_both_flavors(move |flavor| {
        let msg = format!("{msg} {flavor}");
        async move {
            let ran = Arc::new(AtomicUsize::new(0));
            let mut tasks = Vec::new();
            for i in 0..200 {
                let ran = ran.clone();
                let msg = msg.clone();
                tasks.push(gort::spawn(async move {
                    if i == 100 {
                        let mut y = Box::pin(gort::task::yield_now());
                        assert!(poll_once_with(&mut y, &bomb(&msg, PanicIn::Wake)).is_pending());
                    }
                    gort::task::yield_now().await;
                    ran.fetch_add(1, Ordering::SeqCst);
                }));
            }
            for t in tasks {
                t.await.unwrap();
            }
            assert_eq!(ran.load(Ordering::SeqCst), 200);
            still_serving(20).await;
            assert_eq!(panics_seen(&msg), 1, "the waker's panic was not reported");
        }
    });
}

/// A receiver parks with the bomb as its waker; the sender's `send` wakes it and panics inside
/// the sender's task, which ends with `JoinError::is_panic`. The value is still delivered and
/// the channel keeps working.
#[test]
fn channel_waker_that_panics_fails_the_waking_task_only() {
    let msg = "fault-test: channel waker";
    on_both_flavors(move |flavor| {
        let msg = format!("{msg} {flavor}");
        async move {
            // gort's Go channel.
            let (tx, rx) = gort::chan::bounded::<u32>(1);
            let mut recv = Box::pin(rx.recv());
            assert!(poll_once_with(&mut recv, &bomb(&msg, PanicIn::Wake)).is_pending());
            let tx2 = tx.clone();
            let err = gort::spawn(async move { tx2.send(7).await })
                .await
                .unwrap_err();
            assert!(err.is_panic(), "{err}");
            drop(recv);
            assert_eq!(rx.recv().await, Some(7), "the sent value was lost");
            for v in 0..100 {
                tx.send(v).await.unwrap();
                assert_eq!(rx.recv().await, Some(v));
            }

            // tokio-shaped mpsc.
            let msg2 = format!("{msg} mpsc");
            let (tx, mut rx) = gort::sync::mpsc::channel::<u32>(1);
            let mut recv = Box::pin(rx.recv());
            assert!(poll_once_with(&mut recv, &bomb(&msg2, PanicIn::Wake)).is_pending());
            let tx2 = tx.clone();
            let err = gort::spawn(async move { tx2.send(7).await })
                .await
                .unwrap_err();
            assert!(err.is_panic(), "{err}");
            drop(recv);
            assert_eq!(rx.recv().await, Some(7), "the sent value was lost");
            for v in 0..100 {
                tx.send(v).await.unwrap();
                assert_eq!(rx.recv().await, Some(v));
            }
            still_serving(20).await;
            assert_eq!(panics_seen(&msg), 1);
            assert_eq!(panics_seen(&msg2), 1);
        }
    });
}

/// A socket's stored waker whose `Drop` panics when the next poll replaces it: the panic ends
/// the polling task (`JoinError::is_panic`); the socket, shared with another task, and the
/// driver keep working.
#[test]
fn io_waker_dropped_by_the_next_poll() {
    let msg = "fault-test: replaced io waker";
    on_both_flavors(move |flavor| {
        let msg = format!("{msg} {flavor}");
        async move {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let mut client = TcpStream::connect(listener.local_addr().unwrap())
                .await
                .unwrap();
            let (server, _) = listener.accept().await.unwrap();
            // Accepted sockets start out assumed readable: find out they are not.
            let e = server.try_read(&mut [0u8; 1]).unwrap_err();
            assert_eq!(e.kind(), std::io::ErrorKind::WouldBlock);
            let server = Arc::new(server);
            let (s, msg2) = (server.clone(), msg.clone());
            let err = gort::spawn(async move {
                // A readiness event still in flight from the accept may mark the socket
                // readable again: clear it until a poll parks (nothing was sent yet).
                let noop = futures::task::noop_waker();
                while s
                    .poll_read_ready(&mut Context::from_waker(&noop))
                    .is_ready()
                {
                    let e = s.try_read(&mut [0u8; 1]).unwrap_err();
                    assert_eq!(e.kind(), std::io::ErrorKind::WouldBlock);
                }
                let bomb = bomb(&msg2, PanicIn::Drop);
                assert!(s
                    .poll_read_ready(&mut Context::from_waker(&bomb))
                    .is_pending());
                drop(bomb);
                // Stores this task's waker in the same slot, dropping the bomb: panics here.
                std::future::poll_fn(|cx| s.poll_read_ready(cx))
                    .await
                    .unwrap();
                unreachable!("the bomb did not go off");
            })
            .await
            .unwrap_err();
            assert!(err.is_panic(), "{err}");
            assert_eq!(panics_seen(&msg), 1);
            // The socket is still served: readiness is dispatched to it and its bytes arrive.
            client.write_all(b"hello").await.unwrap();
            let mut buf = [0u8; 5];
            let mut got = 0;
            while got < 5 {
                server.readable().await.unwrap();
                match server.try_read(&mut buf[got..]) {
                    Ok(n) => got += n,
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                    Err(e) => panic!("{e}"),
                }
            }
            assert_eq!(&buf, b"hello");
            still_serving(50).await;
        }
    });
}

/// A receiver's waker whose `Drop` panics when its `recv` is cancelled (dropped): the panic ends
/// the cancelling task; the channel keeps every value and keeps working.
#[test]
fn channel_waker_dropped_on_cancel() {
    let msg = "fault-test: cancelled channel waker";
    on_both_flavors(move |flavor| {
        let msg = format!("{msg} {flavor}");
        async move {
            let (tx, rx) = gort::chan::bounded::<u32>(1);
            let rx = Arc::new(rx);
            let (rx2, msg2) = (rx.clone(), msg.clone());
            let err = gort::spawn(async move {
                let mut recv = Box::pin(rx2.recv());
                assert!(poll_once_with(&mut recv, &bomb(&msg2, PanicIn::Drop)).is_pending());
                drop(recv);
            })
            .await
            .unwrap_err();
            assert!(err.is_panic(), "{err}");
            for v in 0..100 {
                tx.send(v).await.unwrap();
                assert_eq!(rx.recv().await, Some(v));
            }

            let msg3 = format!("{msg} mpsc");
            let (tx, rx) = gort::sync::mpsc::channel::<u32>(1);
            let rx = Arc::new(gort::sync::Mutex::new(rx));
            let (rx2, msg4) = (rx.clone(), msg3.clone());
            let err = gort::spawn(async move {
                let mut rx = rx2.lock().await;
                let mut recv = Box::pin(rx.recv());
                assert!(poll_once_with(&mut recv, &bomb(&msg4, PanicIn::Drop)).is_pending());
                drop(recv);
            })
            .await
            .unwrap_err();
            assert!(err.is_panic(), "{err}");
            let mut rx = rx.lock().await;
            for v in 0..100 {
                tx.send(v).await.unwrap();
                assert_eq!(rx.recv().await, Some(v));
            }
            assert_eq!(panics_seen(&msg), 1);
            assert_eq!(panics_seen(&msg3), 1);
        }
    });
}

/// A future whose `Drop` panics, dropped by `abort` and by the runtime's shutdown: the abort
/// reports the panic on its `JoinHandle`, and the shutdown still drops every other future.
#[test]
fn future_that_panics_on_drop_at_abort_and_shutdown() {
    count_panics();
    struct Counted(Arc<AtomicUsize>);
    impl Drop for Counted {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
    struct DropBomb(&'static str);
    impl Drop for DropBomb {
        fn drop(&mut self) {
            panic!("{}", self.0);
        }
    }
    for (flavor, rt) in runtimes() {
        let dropped = Arc::new(AtomicUsize::new(0));
        let abort_msg: &'static str = Box::leak(format!("fault-test: abort drop {flavor}").into());
        let shutdown_msg: &'static str =
            Box::leak(format!("fault-test: shutdown drop {flavor}").into());
        rt.block_on(async {
            let bomb = DropBomb(abort_msg);
            let aborted = gort::spawn(async move {
                let _bomb = bomb;
                std::future::pending::<()>().await
            });
            gort::task::yield_now().await;
            aborted.abort();
            let err = aborted.await.unwrap_err();
            // As tokio: the destructor's panic is what the JoinHandle reports.
            assert!(err.is_panic(), "{err}");
            assert_eq!(panics_seen(abort_msg), 1);
            let bomb = DropBomb(shutdown_msg);
            gort::spawn(async move {
                let _bomb = bomb;
                std::future::pending::<()>().await
            });
            for _ in 0..100 {
                let c = Counted(dropped.clone());
                gort::spawn(async move {
                    let _c = c;
                    gort::time::sleep(Duration::from_secs(3600)).await
                });
            }
            gort::task::yield_now().await;
        });
        rt.shutdown_timeout(Duration::from_secs(5));
        assert_eq!(panics_seen(shutdown_msg), 1, "{flavor}");
        assert_eq!(
            dropped.load(Ordering::SeqCst),
            100,
            "{flavor}: futures not dropped"
        );
    }
}
