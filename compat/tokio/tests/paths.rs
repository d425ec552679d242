//! tokio's paths and macros, reached through the drop-in package exactly as tokio users write them.

use std::time::Duration;

// A compile-time check of tokio's module layout: each of these names must resolve.
#[allow(unused_imports)]
use tokio::{
    io::{
        AsyncBufRead, AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncSeek, AsyncWrite,
        AsyncWriteExt, BufReader, BufWriter, DuplexStream, Interest, ReadBuf, Ready,
    },
    net::{
        lookup_host, tcp, unix, TcpListener, TcpSocket, TcpStream, ToSocketAddrs, UdpSocket,
        UnixDatagram, UnixListener, UnixStream,
    },
    runtime::{Builder, EnterGuard, Handle, LocalRuntime, Runtime, RuntimeFlavor},
    sync::{
        broadcast, futures::Notified, mpsc, oneshot, watch, Barrier, Mutex, Notify, OnceCell,
        OwnedSemaphorePermit, RwLock, Semaphore,
    },
    task::{
        coop, spawn_blocking, spawn_local, yield_now, AbortHandle, Id, JoinError, JoinHandle,
        JoinSet, LocalSet,
    },
    time::{
        error::Elapsed, interval, sleep, timeout, Instant, Interval, MissedTickBehavior, Sleep,
    },
};

tokio::task_local! {
    static REQUEST: u32;
}

#[tokio::test]
async fn select_join_try_join_and_pin() {
    let (tx, mut rx) = mpsc::channel(1);
    tokio::spawn(async move { tx.send(3).await.unwrap() });
    let got = tokio::select! {
        Some(v) = rx.recv() => v,
        _ = sleep(Duration::from_secs(10)) => panic!("timed out"),
    };
    assert_eq!(got, 3);

    let (a, b) = tokio::join!(async { 1 }, async { 2 });
    assert_eq!((a, b), (1, 2));
    let both: Result<(u8, u8), &str> = tokio::try_join!(async { Ok(4) }, async { Ok(5) });
    assert_eq!(both, Ok((4, 5)));
    let failed: Result<(u8, u8), &str> = tokio::try_join!(async { Ok(4) }, async { Err("no") });
    assert_eq!(failed, Err("no"));

    let fut = async { 9 };
    tokio::pin!(fut);
    assert_eq!((&mut fut).await, 9);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn task_local_is_scoped_per_task() {
    let seen = REQUEST
        .scope(7, async {
            tokio::spawn(async { REQUEST.try_with(|v| *v).ok() }).await
        })
        .await
        .unwrap();
    assert_eq!(seen, None, "a spawned task does not inherit the scope");
    assert_eq!(REQUEST.scope(8, async { REQUEST.get() }).await, 8);
}

#[test]
fn main_attribute_builds_a_runtime() {
    #[tokio::main(flavor = "current_thread")]
    async fn run() -> u32 {
        tokio::task::spawn_blocking(|| 40).await.unwrap() + 2
    }
    assert_eq!(run(), 42);
}

#[cfg(feature = "test-util")]
#[tokio::test(start_paused = true)]
async fn test_util_pauses_the_clock() {
    let start = Instant::now();
    sleep(Duration::from_secs(3600)).await; // auto-advanced: returns at once
    assert_eq!(start.elapsed(), Duration::from_secs(3600));
    tokio::time::advance(Duration::from_secs(1)).await;
    assert_eq!(start.elapsed(), Duration::from_secs(3601));
}

#[test]
fn the_runtime_is_gort() {
    let handle = std::any::type_name::<Handle>();
    assert!(handle.starts_with("gort_executor::"), "{handle}");
}

#[tokio::test(flavor = "local")]
async fn local_flavor_runs_spawn_local() {
    let shared = std::rc::Rc::new(std::cell::Cell::new(1));
    let s = shared.clone();
    tokio::task::spawn_local(async move { s.set(s.get() + 41) })
        .await
        .unwrap();
    assert_eq!(shared.get(), 42);
}

#[test]
fn is_rt_shutdown_err_recognizes_a_resource_that_outlived_its_runtime() {
    let rt1 = Runtime::new().unwrap();
    let listener = rt1.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
    drop(rt1);
    let rt2 = Builder::new_current_thread().enable_all().build().unwrap();
    let err = rt2.block_on(listener.accept()).unwrap_err();
    assert!(tokio::runtime::is_rt_shutdown_err(&err), "{err}");
}
