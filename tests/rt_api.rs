//! Runtime API matching tokio 1.54's stable surface: `runtime::worker_index`, the
//! `max_io_events_per_tick` / `max_io_events_per_busy_tick` builder settings, and which handles
//! may cross `catch_unwind`.
use gort::runtime::{self, Builder, LocalRuntime, Runtime};
use std::collections::HashMap;
use std::panic::{RefUnwindSafe, UnwindSafe};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

fn multi(workers: usize) -> Runtime {
    Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
        .unwrap()
}

fn current() -> Runtime {
    Builder::new_current_thread().enable_all().build().unwrap()
}

#[test]
fn worker_index_is_none_outside_a_runtime() {
    assert_eq!(runtime::worker_index(), None);
    let rt = current();
    let _guard = rt.enter();
    // Entering a runtime does not make this thread one of its workers.
    assert_eq!(runtime::worker_index(), None);
}

#[test]
fn worker_index_is_zero_in_a_current_thread_block_on() {
    let rt = current();
    assert_eq!(rt.block_on(async { runtime::worker_index() }), Some(0));
    // Tasks run on the same single worker.
    let task = rt.block_on(async { gort::spawn(async { runtime::worker_index() }).await });
    assert_eq!(task.unwrap(), Some(0));
    let local = LocalRuntime::new().unwrap();
    assert_eq!(local.block_on(async { runtime::worker_index() }), Some(0));
}

#[test]
fn worker_index_is_none_in_handle_block_on_of_a_current_thread_runtime() {
    let rt = current();
    assert_eq!(
        rt.handle().block_on(async { runtime::worker_index() }),
        None
    );
}

#[test]
fn worker_index_is_none_for_a_block_on_waiting_for_the_core() {
    let rt = std::sync::Arc::new(current());
    let (entered_tx, entered_rx) = mpsc::sync_channel(1);
    let (release_tx, release_rx) = gort::sync::oneshot::channel::<()>();
    let owner_rt = rt.clone();
    let owner = thread::spawn(move || {
        owner_rt.block_on(async {
            entered_tx.send(()).unwrap();
            release_rx.await.unwrap();
            runtime::worker_index()
        })
    });
    entered_rx.recv_timeout(Duration::from_secs(10)).unwrap();
    let other_rt = rt.clone();
    let other = thread::spawn(move || other_rt.block_on(async { runtime::worker_index() }));
    assert_eq!(other.join().unwrap(), None);
    release_tx.send(()).unwrap();
    assert_eq!(owner.join().unwrap(), Some(0));
}

#[test]
fn worker_index_names_each_multi_thread_worker_by_its_thread() {
    const WORKERS: usize = 3;
    let rt = multi(WORKERS);
    // `block_on` of a multi-thread runtime is not one of its workers.
    assert_eq!(rt.block_on(async { runtime::worker_index() }), None);
    let seen = rt.block_on(async {
        let mut handles = Vec::new();
        for _ in 0..64 {
            handles.push(gort::spawn(async {
                gort::task::yield_now().await;
                (thread::current().id(), runtime::worker_index())
            }));
        }
        let mut seen = Vec::new();
        for handle in handles {
            seen.push(handle.await.unwrap());
        }
        seen
    });
    assert_eq!(seen.len(), 64);
    let mut index_of_thread = HashMap::new();
    for (thread, index) in seen {
        let index = index.expect("a task runs on a worker");
        assert!(index < WORKERS, "index {index} out of 0..{WORKERS}");
        // One thread, one index: the same worker never reports two numbers.
        assert_eq!(*index_of_thread.entry(thread).or_insert(index), index);
    }
}

#[test]
fn worker_index_is_none_in_spawn_blocking() {
    for rt in [multi(2), current()] {
        let index = rt.block_on(async {
            gort::task::spawn_blocking(runtime::worker_index)
                .await
                .unwrap()
        });
        assert_eq!(index, None);
    }
}

#[test]
#[should_panic(expected = "max_io_events_per_tick must be non-zero")]
fn zero_io_events_per_tick_panics() {
    Builder::new_multi_thread().max_io_events_per_tick(0);
}

#[test]
#[should_panic(expected = "max_io_events_per_busy_tick must be non-zero")]
fn zero_io_events_per_busy_tick_panics() {
    Builder::new_current_thread().max_io_events_per_busy_tick(0);
}

#[test]
fn small_io_event_batches_still_deliver_io() {
    use gort::io::{AsyncReadExt, AsyncWriteExt};
    let rt = Builder::new_multi_thread()
        .worker_threads(2)
        .max_io_events_per_tick(1)
        .max_io_events_per_busy_tick(1)
        .enable_all()
        .build()
        .unwrap();
    let echoed = rt.block_on(async {
        let listener = gort::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = gort::spawn(async move {
            let (mut stream, _) = listener.accept().await.unwrap();
            let mut buf = [0u8; 5];
            stream.read_exact(&mut buf).await.unwrap();
            stream.write_all(&buf).await.unwrap();
        });
        let mut client = gort::net::TcpStream::connect(addr).await.unwrap();
        client.write_all(b"hello").await.unwrap();
        let mut buf = [0u8; 5];
        client.read_exact(&mut buf).await.unwrap();
        server.await.unwrap();
        buf
    });
    assert_eq!(&echoed, b"hello");
}

fn is_unwind_safe<T: UnwindSafe + RefUnwindSafe>() {}

#[test]
fn handles_are_unwind_safe_as_in_tokio() {
    is_unwind_safe::<gort::task::JoinHandle<()>>();
    is_unwind_safe::<gort::task::AbortHandle>();
    is_unwind_safe::<gort::sync::Notify>();
    is_unwind_safe::<Runtime>();
    is_unwind_safe::<runtime::Handle>();
    is_unwind_safe::<gort::net::TcpStream>();
    // And the property is usable: a handle captured by a `catch_unwind` closure needs no
    // `AssertUnwindSafe`.
    let rt = current();
    let handle = rt.spawn(async { 7 });
    let caught = std::panic::catch_unwind(|| {
        assert!(!handle.id().to_string().is_empty());
    });
    assert!(caught.is_ok());
    assert_eq!(rt.block_on(handle).unwrap(), 7);
}
