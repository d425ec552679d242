//! Issue 12, "Wait sites": waits that used to show as foreign (mpsc `reserve`, `OnceCell`
//! init, `SetOnce::wait`, signals, child processes) record their kind and the caller's line.

use gort::runtime::{Builder, Handle, Runtime, TaskDump};
use gort::task::{TaskInfo, TaskState, WaitKind};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Upper bound for anything that should happen "soon" on a loaded machine.
const PATIENCE: Duration = Duration::from_secs(20);

fn runtime() -> Runtime {
    Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// Dumps until the task named `name` is idle with a recorded wait.
fn idle_task(handle: &Handle, name: &str) -> (TaskDump, TaskInfo) {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let dump = handle.dump();
        let found = dump
            .tasks()
            .find(|t| {
                t.name() == Some(name)
                    && matches!(t.state(), TaskState::Idle { .. })
                    && (t.wait_sites().count() > 0 || t.waits_on_foreign())
            })
            .cloned();
        if let Some(info) = found {
            return (dump, info);
        }
        assert!(Instant::now() < deadline, "never saw {name} idle:\n{dump}");
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// Checks that the task `name` waits on exactly one site: `kind` at this file's `line`.
fn assert_waits(handle: &Handle, name: &str, kind: WaitKind, line: u32) {
    let (dump, info) = idle_task(handle, name);
    assert!(!info.waits_on_foreign(), "{name} shows as foreign:\n{dump}");
    let sites: Vec<_> = info.wait_sites().collect();
    assert_eq!(sites.len(), 1, "{name}:\n{dump}");
    assert_eq!(sites[0].kind, kind, "{name}:\n{dump}");
    assert_eq!(sites[0].location.file(), file!(), "{name}:\n{dump}");
    assert_eq!(sites[0].location.line(), line, "{name}:\n{dump}");
    assert!(
        dump.to_string()
            .contains(&format!("{kind} at {}:{line}:", file!())),
        "{dump}"
    );
}

#[track_caller]
fn spawn_named<F>(name: &str, f: F) -> gort::task::JoinHandle<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    gort::task::Builder::new().name(name).spawn(f).unwrap()
}

#[test]
fn mpsc_reserve_and_reserve_owned_record_an_mpsc_send_wait() {
    let rt = runtime();
    let _g = rt.enter();
    let (tx, mut rx) = gort::sync::mpsc::channel::<u32>(1);
    tx.try_send(0).unwrap(); // full
    let tx2 = tx.clone();
    let reserve_line = line!() + 1;
    let reserve = async move { tx.reserve().await.map(|p| p.send(1)) };
    let a = spawn_named("reserve", reserve);
    assert_waits(rt.handle(), "reserve", WaitKind::MpscSend, reserve_line);
    let owned_line = line!() + 1;
    let b = spawn_named("owned", async move { tx2.reserve_owned().await.map(drop) });
    assert_waits(rt.handle(), "owned", WaitKind::MpscSend, owned_line);
    rt.block_on(async move {
        // The first value and the one sent through the first permit (the owned one is
        // dropped unused), none lost.
        let mut got = Vec::new();
        for _ in 0..2 {
            got.push(rx.recv().await.unwrap());
        }
        a.await.unwrap().unwrap();
        b.await.unwrap().unwrap();
        assert_eq!(got, [0, 1]);
    });
}

#[test]
fn once_cell_and_set_once_waiters_record_their_caller() {
    let rt = runtime();
    let _g = rt.enter();
    let cell = Arc::new(gort::sync::OnceCell::<u32>::new());
    let (release_tx, release_rx) = gort::sync::oneshot::channel::<u32>();
    let init = {
        let cell = cell.clone();
        spawn_named("initializer", async move {
            *cell
                .get_or_init(|| async move { release_rx.await.unwrap() })
                .await
        })
    };
    idle_task(rt.handle(), "initializer");
    let cell2 = cell.clone();
    let waiter_line = line!() + 1;
    let wait_init = async move { *cell2.get_or_init(|| async { 0 }).await };
    let waiter = spawn_named("waiter", wait_init);
    assert_waits(rt.handle(), "waiter", WaitKind::OnceCellInit, waiter_line);

    let set_once = Arc::new(gort::sync::SetOnce::<u32>::new());
    let set_line = line!() + 3;
    let set_waiter = {
        let set_once = set_once.clone();
        spawn_named("set-waiter", async move { *set_once.wait().await })
    };
    assert_waits(rt.handle(), "set-waiter", WaitKind::SetOnceWait, set_line);

    release_tx.send(7).unwrap();
    set_once.set(9).unwrap();
    rt.block_on(async move {
        assert_eq!(init.await.unwrap(), 7);
        assert_eq!(waiter.await.unwrap(), 7, "the waiter's own init never ran");
        assert_eq!(set_waiter.await.unwrap(), 9);
    });
}

#[test]
fn signal_and_child_waits_record_their_caller() {
    use gort::signal::unix::{signal, SignalKind};
    let rt = runtime();
    let _g = rt.enter();
    let mut usr2 = signal(SignalKind::user_defined2()).unwrap();
    let signal_line = line!() + 1;
    let sig = spawn_named("signal", async move { usr2.recv().await });
    assert_waits(rt.handle(), "signal", WaitKind::Signal, signal_line);

    let mut child = gort::process::Command::new("sleep")
        .arg("30")
        .spawn()
        .unwrap();
    let pid = child.id().unwrap();
    let child_line = line!() + 1;
    let waiter = spawn_named("child", async move { child.wait().await });
    assert_waits(rt.handle(), "child", WaitKind::ChildWait, child_line);
    let (_, info) = idle_task(rt.handle(), "child");
    assert_eq!(info.wait_sites().next().unwrap().resource, pid as usize);

    // SAFETY: `raise` and `kill` only send signals; the listener above takes SIGUSR2.
    unsafe {
        libc::raise(libc::SIGUSR2);
        libc::kill(pid as libc::pid_t, libc::SIGKILL);
    }
    rt.block_on(async move {
        assert_eq!(sig.await.unwrap(), Some(()));
        assert!(!waiter.await.unwrap().unwrap().success());
    });
}

/// Checks that the task `name` waits on exactly the `kinds`, each at this file's `line`.
fn assert_waits_all(handle: &Handle, name: &str, kinds: &[WaitKind], line: u32) {
    let (dump, info) = idle_task(handle, name);
    let sites: Vec<_> = info.wait_sites().collect();
    let got: Vec<_> = sites.iter().map(|s| s.kind).collect();
    assert_eq!(got, kinds, "{name}:\n{dump}");
    for site in &sites {
        assert_eq!(site.location.file(), file!(), "{name}:\n{dump}");
        assert_eq!(site.location.line(), line, "{name}:\n{dump}");
    }
}

#[test]
fn send_timeout_and_reserve_many_record_the_callers_line() {
    let rt = runtime();
    let _g = rt.enter();
    let (tx, mut rx) = gort::sync::mpsc::channel::<u32>(2);
    tx.try_send(0).unwrap();
    tx.try_send(1).unwrap(); // full
    let (tx2, tx3) = (tx.clone(), tx.clone());
    let timeout_line = line!() + 1;
    let timed = async move { tx.send_timeout(2, Duration::from_secs(60)).await.is_ok() };
    let a = spawn_named("send-timeout", timed);
    // Both of its waits, the free slot and the timer, at the caller's line.
    let kinds = [WaitKind::MpscSend, WaitKind::Sleep];
    assert_waits_all(rt.handle(), "send-timeout", &kinds, timeout_line);
    let many_line = line!() + 1;
    let many = async move { tx2.reserve_many(2).await.map(|p| p.len()) };
    let b = spawn_named("reserve-many", many);
    assert_waits(rt.handle(), "reserve-many", WaitKind::MpscSend, many_line);
    drop(tx3);
    rt.block_on(async move {
        // The two values sent before, then the timed send's (first in line); the two permits
        // come back unused, so nothing more arrives.
        let mut got = Vec::new();
        for _ in 0..3 {
            got.push(rx.recv().await.unwrap());
        }
        assert!(a.await.unwrap());
        assert_eq!(b.await.unwrap().unwrap(), 2);
        assert_eq!(got, [0, 1, 2]);
        assert_eq!(rx.recv().await, None);
    });
}

#[test]
fn watch_broadcast_and_cancellation_helpers_record_the_callers_line() {
    let rt = runtime();
    let _g = rt.enter();
    let (wtx, mut wrx) = gort::sync::watch::channel(0u32);
    let wait_for_line = line!() + 1;
    let wait_for = async move { *wrx.wait_for(|v| *v == 3).await.unwrap() };
    let a = spawn_named("wait-for", wait_for);
    assert_waits(
        rt.handle(),
        "wait-for",
        WaitKind::WatchChanged,
        wait_for_line,
    );

    let wtx = Arc::new(wtx);
    let wtx2 = wtx.clone();
    let watch_closed_line = line!() + 1;
    let b = spawn_named("watch-closed", async move { wtx2.closed().await });
    assert_waits(
        rt.handle(),
        "watch-closed",
        WaitKind::Notified,
        watch_closed_line,
    );

    let (btx, brx) = gort::sync::broadcast::channel::<u32>(4);
    let bcast_closed_line = line!() + 1;
    let c = spawn_named("broadcast-closed", async move { btx.closed().await });
    assert_waits(
        rt.handle(),
        "broadcast-closed",
        WaitKind::Notified,
        bcast_closed_line,
    );

    let token = gort::sync::CancellationToken::new();
    let token2 = token.clone();
    // The site is the line of the method name (rustfmt puts it on its own line).
    let run_line = line!() + 3;
    let run = async move {
        token2
            .run_until_cancelled(std::future::pending::<()>())
            .await
    };
    let d = spawn_named("run-until", run);
    assert_waits(rt.handle(), "run-until", WaitKind::Cancelled, run_line);

    wtx.send(3).unwrap();
    drop(brx);
    token.cancel();
    rt.block_on(async move {
        assert_eq!(a.await.unwrap(), 3);
        b.await.unwrap(); // the only receiver went with the `wait_for` task
        c.await.unwrap();
        assert_eq!(d.await.unwrap(), None);
    });
}

#[test]
fn socket_readiness_waits_record_the_callers_line() {
    let rt = runtime();
    let _g = rt.enter();
    let (listener, stream, udp, fd) = rt.block_on(async {
        let listener = gort::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let client = gort::net::TcpStream::connect(addr).await.unwrap();
        let (server, _) = listener.accept().await.unwrap();
        // An accepted stream starts out assumed readable; a `WouldBlock` clears that.
        let empty = server.try_read(&mut [0; 8]).unwrap_err();
        assert_eq!(empty.kind(), std::io::ErrorKind::WouldBlock);
        let udp = gort::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let (a, b) = std::os::unix::net::UnixStream::pair().unwrap();
        a.set_nonblocking(true).unwrap();
        let fd = gort::io::unix::AsyncFd::new(a).unwrap();
        // `client` and `b` stay open (kept by the caller) so nothing becomes readable.
        ((listener, client), server, udp, (fd, b))
    });
    let ((listener, _client), (fd, _peer)) = (listener, fd);

    let accept_line = line!() + 1;
    let accept = async move { listener.accept().await.map(drop) };
    let a = spawn_named("accept", accept);
    assert_waits(rt.handle(), "accept", WaitKind::IoReadiness, accept_line);

    let readable_line = line!() + 1;
    let readable = async move { stream.readable().await };
    let b = spawn_named("readable", readable);
    assert_waits(
        rt.handle(),
        "readable",
        WaitKind::IoReadiness,
        readable_line,
    );

    let recv_line = line!() + 1;
    let recv = async move { udp.recv(&mut [0; 8]).await.map(drop) };
    let c = spawn_named("udp-recv", recv);
    assert_waits(rt.handle(), "udp-recv", WaitKind::IoReadiness, recv_line);

    let fd_line = line!() + 1;
    let fd_wait = async move { fd.readable().await.map(drop) };
    let d = spawn_named("async-fd", fd_wait);
    assert_waits(rt.handle(), "async-fd", WaitKind::IoReadiness, fd_line);

    for task in [a, b, c, d] {
        task.abort();
        assert!(rt.block_on(task).unwrap_err().is_cancelled());
    }
}

/// A connected pair of TCP streams whose server side has found out it is not readable yet.
async fn tcp_pair() -> (gort::net::TcpStream, gort::net::TcpStream) {
    let listener = gort::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let client = gort::net::TcpStream::connect(listener.local_addr().unwrap())
        .await
        .unwrap();
    let (server, _) = listener.accept().await.unwrap();
    let empty = server.try_read(&mut [0; 8]).unwrap_err();
    assert_eq!(empty.kind(), std::io::ErrorKind::WouldBlock);
    (server, client)
}

/// The extension traits' futures (`read`, `read_exact`, `write_all`, `next_line`, `copy`) wait
/// inside the socket's `poll_read`/`poll_write`; the dump shows the line that called them.
#[test]
fn io_extension_waits_record_the_callers_line() {
    use gort::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
    let rt = runtime();
    let _g = rt.enter();
    let pairs: Vec<_> = rt.block_on(async {
        let mut pairs = Vec::new();
        for _ in 0..5 {
            pairs.push(tcp_pair().await);
        }
        pairs
    });
    let mut tasks = Vec::new();
    let mut peers = Vec::new();
    let mut pairs = pairs.into_iter();
    let mut next_pair = || {
        let (server, client) = pairs.next().unwrap();
        peers.push(client); // kept open, silent: nothing arrives, nothing is read
        server
    };

    let mut s = next_pair();
    let read_line = line!() + 1;
    let read = async move { s.read(&mut [0; 8]).await.map(drop) };
    tasks.push(spawn_named("read", read));
    assert_waits(rt.handle(), "read", WaitKind::IoReadiness, read_line);

    let mut s = next_pair();
    let exact_line = line!() + 1;
    let exact = async move { s.read_exact(&mut [0; 8]).await.map(drop) };
    tasks.push(spawn_named("read_exact", exact));
    assert_waits(rt.handle(), "read_exact", WaitKind::IoReadiness, exact_line);

    let mut lines = BufReader::new(next_pair()).lines();
    let lines_line = line!() + 1;
    let next_line = async move { lines.next_line().await.map(drop) };
    tasks.push(spawn_named("next_line", next_line));
    assert_waits(rt.handle(), "next_line", WaitKind::IoReadiness, lines_line);

    let (mut s, mut sink) = (next_pair(), gort::io::sink());
    let copy_line = line!() + 1;
    let copy = async move { gort::io::copy(&mut s, &mut sink).await.map(drop) };
    tasks.push(spawn_named("copy", copy));
    assert_waits(rt.handle(), "copy", WaitKind::IoReadiness, copy_line);

    // The peer never reads: the kernel's buffers fill and `write_all` waits for writability.
    let mut s = next_pair();
    let big = vec![7u8; 64 << 20];
    let write_line = line!() + 1;
    let write = async move { s.write_all(&big).await };
    tasks.push(spawn_named("write_all", write));
    assert_waits(rt.handle(), "write_all", WaitKind::IoReadiness, write_line);

    for task in tasks {
        task.abort();
        assert!(rt.block_on(task).unwrap_err().is_cancelled());
    }
    drop(peers);
}

/// A connect that hangs (the listener's accept queue is full, so the kernel drops the SYNs)
/// shows the line that called `TcpStream::connect`.
#[test]
fn a_hanging_connect_records_the_callers_line() {
    let rt = runtime();
    let _g = rt.enter();
    let listener = rt.block_on(async {
        let socket = gort::net::TcpSocket::new_v4().unwrap();
        socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
        socket.listen(1).unwrap()
    });
    let addr = listener.local_addr().unwrap();
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let connect_line = line!() + 1;
        let connect = async move { gort::net::TcpStream::connect(addr).await };
        tasks.push(spawn_named("connect", connect));
        if tasks.len() == 4 {
            // The queue holds at most two; at least one of the four waits.
            assert_waits(rt.handle(), "connect", WaitKind::IoReadiness, connect_line);
        }
    }
    for task in tasks {
        task.abort();
        let _ = rt.block_on(task); // connected, or cancelled while waiting
    }
    drop(listener);
}
