//! AsyncFd over a Unix socket pair, driven by the crate's one-future test executor (epoll, so
//! not under Miri).

use super::AsyncFd;
use crate::io::{Interest, Ready};
use crate::test_block_on::block_on;
use std::io::{ErrorKind, Read, Write};
use std::os::unix::net::UnixStream;
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(5);

fn pair() -> (UnixStream, UnixStream) {
    let (a, b) = UnixStream::pair().unwrap();
    a.set_nonblocking(true).unwrap();
    b.set_nonblocking(true).unwrap();
    (a, b)
}

#[test]
fn public_ready_bits_match_the_drivers() {
    use crate::driver::ready::Ready as D;
    for (public, driver) in [
        (Ready::READABLE, D::READABLE),
        (Ready::WRITABLE, D::WRITABLE),
        (Ready::READ_CLOSED, D::READ_CLOSED),
        (Ready::WRITE_CLOSED, D::WRITE_CLOSED),
        (Ready::ERROR, D::ERROR),
        (Ready::PRIORITY, D::PRIORITY),
    ] {
        assert_eq!(public.bits() as usize, driver.as_usize());
    }
    assert_eq!(Ready::ALL.bits() as usize, D::ALL.as_usize());
}

#[test]
fn readable_after_the_peer_writes_and_clear_on_would_block() {
    block_on(LIMIT, async {
        let (a, mut b) = pair();
        let fd = AsyncFd::new(a).unwrap();
        // Writable at once (empty socket buffer).
        assert!(fd.writable().await.unwrap().ready().is_writable());
        b.write_all(b"ping").unwrap();
        let mut buf = [0u8; 16];
        let n = loop {
            let mut guard = fd.readable().await.unwrap();
            assert!(guard.ready().is_readable());
            match guard.try_io(|inner| inner.get_ref().read(&mut buf)) {
                Ok(n) => break n.unwrap(),
                Err(_would_block) => continue,
            }
        };
        assert_eq!(&buf[..n], b"ping");
        // Nothing left: the next try reports WouldBlock and clears readiness.
        let err = fd
            .try_io(Interest::READABLE, |inner| (&*inner).read(&mut buf))
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::WouldBlock);
        assert_eq!(
            fd.try_io(Interest::READABLE, |_| Ok(()))
                .unwrap_err()
                .kind(),
            ErrorKind::WouldBlock,
            "readiness was cleared"
        );
    });
}

#[test]
fn async_io_waits_for_data_written_later() {
    let (a, b) = pair();
    let writer = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(50));
        (&b).write_all(b"late").unwrap();
        b
    });
    let got = block_on(LIMIT, async move {
        let fd = AsyncFd::with_interest(a, Interest::READABLE).unwrap();
        let mut buf = [0u8; 8];
        let n = fd
            .async_io(Interest::READABLE, |s| (&*s).read(&mut buf))
            .await
            .unwrap();
        buf[..n].to_vec()
    });
    assert_eq!(got, b"late");
    drop(writer.join().unwrap());
}

#[test]
fn mut_guard_and_read_closed() {
    block_on(LIMIT, async {
        let (a, b) = pair();
        let mut fd = AsyncFd::new(a).unwrap();
        drop(b);
        let mut guard = fd.readable_mut().await.unwrap();
        assert!(
            guard.ready().is_read_closed(),
            "peer closed: {:?}",
            guard.ready()
        );
        let mut buf = [0u8; 4];
        let n = guard
            .try_io(|fd| fd.get_mut().read(&mut buf))
            .unwrap()
            .unwrap();
        assert_eq!(n, 0, "end of stream");
        // A closed half stays ready.
        let guard = fd.ready(Interest::READABLE).await.unwrap();
        assert!(guard.ready().is_read_closed());
    });
}

#[test]
fn clear_ready_matching_keeps_the_other_direction() {
    block_on(LIMIT, async {
        let (a, mut b) = pair();
        b.write_all(b"x").unwrap();
        let fd = AsyncFd::new(a).unwrap();
        let mut guard = fd
            .ready(Interest::READABLE | Interest::WRITABLE)
            .await
            .unwrap();
        // Wait until both bits have been reported.
        while !(guard.ready().is_readable() && guard.ready().is_writable()) {
            crate::time::sleep(Duration::from_millis(5)).await;
            guard = fd
                .ready(Interest::READABLE | Interest::WRITABLE)
                .await
                .unwrap();
        }
        guard.clear_ready_matching(Ready::READABLE);
        assert_eq!(guard.ready(), Ready::WRITABLE);
        assert!(
            fd.try_io(Interest::WRITABLE, |_| Ok(())).is_ok(),
            "writable kept"
        );
        assert!(
            fd.try_io(Interest::READABLE, |_| Ok(())).is_err(),
            "readable cleared"
        );
    });
}

#[test]
fn into_inner_deregisters_and_try_new_outside_a_runtime_fails() {
    let (a, _b) = pair();
    let err = AsyncFd::try_new(a).unwrap_err();
    let (a, cause) = err.into_parts();
    assert!(cause.to_string().contains("no reactor"), "{cause}");
    block_on(LIMIT, async move {
        let fd = AsyncFd::new(a).unwrap();
        let raw = std::os::unix::io::AsRawFd::as_raw_fd(&fd);
        let inner = fd.into_inner();
        assert_eq!(std::os::unix::io::AsRawFd::as_raw_fd(&inner), raw);
        // It can be registered again.
        let again = AsyncFd::new(inner).unwrap();
        drop(again);
    });
}

/// A connected TCP pair: the client end non-blocking (for the `AsyncFd`), the server end as
/// accepted (blocking, used only to send).
fn tcp_pair() -> (std::net::TcpStream, std::net::TcpStream) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (server, _) = listener.accept().unwrap();
    client.set_nonblocking(true).unwrap();
    (client, server)
}

/// Sends `data` with `MSG_OOB`: TCP makes its last byte urgent (out-of-band), which the peer
/// sees as `POLLPRI`.
fn send_oob(stream: &std::net::TcpStream, data: &[u8]) {
    use std::os::unix::io::AsRawFd;
    // SAFETY: the pointer and length describe `data`, a live borrowed slice; the fd is open
    // for as long as `stream` is borrowed.
    let n = unsafe {
        libc::send(
            stream.as_raw_fd(),
            data.as_ptr().cast(),
            data.len(),
            libc::MSG_OOB,
        )
    };
    assert_eq!(
        n,
        data.len() as isize,
        "{}",
        std::io::Error::last_os_error()
    );
}

/// Reads the one urgent byte with `MSG_OOB` (non-blocking socket: `WouldBlock` if none).
fn recv_oob(stream: &std::net::TcpStream) -> std::io::Result<u8> {
    use std::os::unix::io::AsRawFd;
    let mut byte = 0u8;
    // SAFETY: the buffer is one live, writable byte on this stack frame; the fd is open for as
    // long as `stream` is borrowed.
    let n = unsafe {
        libc::recv(
            stream.as_raw_fd(),
            std::ptr::from_mut(&mut byte).cast(),
            1,
            libc::MSG_OOB,
        )
    };
    match n {
        1 => Ok(byte),
        -1 => Err(std::io::Error::last_os_error()),
        n => panic!("recv(MSG_OOB) returned {n}"),
    }
}

/// tokio's `io_async_fd::priority_event_on_oob_data`, plus what it leaves out: out-of-band
/// TCP data wakes a task waiting for `Interest::PRIORITY` and reports `Ready::PRIORITY`;
/// writability does not wake it; `clear_ready` clears priority only (the other bits stay),
/// and the next urgent byte wakes the waiter again.
#[cfg(any(target_os = "linux", target_os = "android"))]
#[test]
fn priority_readiness_on_out_of_band_data() {
    block_on(LIMIT, async {
        let (client, server) = tcp_pair();
        let fd = AsyncFd::with_interest(
            client,
            Interest::READABLE | Interest::WRITABLE | Interest::PRIORITY,
        )
        .unwrap();
        // The driver has reported writability; a priority waiter must not take it for priority.
        fd.writable().await.unwrap().retain_ready();
        let mut wait = std::pin::pin!(fd.ready(Interest::PRIORITY));
        assert!(
            futures::poll!(wait.as_mut()).is_pending(),
            "no urgent data yet"
        );

        send_oob(&server, b"hello");
        let mut guard = wait.await.unwrap();
        assert_eq!(guard.ready(), Ready::PRIORITY);
        assert_eq!(recv_oob(fd.get_ref()).unwrap(), b'o');
        guard.clear_ready();
        assert!(guard.ready().is_empty());
        assert_eq!(
            fd.try_io(Interest::PRIORITY, |_| Ok(()))
                .unwrap_err()
                .kind(),
            ErrorKind::WouldBlock,
            "priority cleared"
        );
        assert!(
            fd.try_io(Interest::WRITABLE, |_| Ok(())).is_ok(),
            "writable kept"
        );
        // The in-band bytes ("hell") are still there to read.
        let mut buf = [0u8; 8];
        let n = fd
            .async_io(Interest::READABLE, |s| (&*s).read(&mut buf))
            .await
            .unwrap();
        assert_eq!(&buf[..n], b"hell");

        // A second urgent byte wakes a new priority waiter.
        let mut wait = std::pin::pin!(fd.ready(Interest::PRIORITY));
        assert!(futures::poll!(wait.as_mut()).is_pending());
        send_oob(&server, b"!");
        let guard = wait.await.unwrap();
        assert!(guard.ready().is_priority(), "{:?}", guard.ready());
        assert_eq!(recv_oob(fd.get_ref()).unwrap(), b'!');
    });
}

/// tokio's scenario exactly: registered for priority alone, the wait ends on urgent data.
#[cfg(any(target_os = "linux", target_os = "android"))]
#[test]
fn priority_only_registration_sees_out_of_band_data() {
    block_on(LIMIT, async {
        let (client, server) = tcp_pair();
        // SAFETY: the stream owns its descriptor and moves into the AsyncFd.
        let fd = unsafe { AsyncFd::register_with_interest(client, Interest::PRIORITY) }.unwrap();
        send_oob(&server, b"hello");
        let guard = fd.ready(Interest::PRIORITY).await.unwrap();
        assert!(guard.ready().is_priority(), "{:?}", guard.ready());
    });
}
