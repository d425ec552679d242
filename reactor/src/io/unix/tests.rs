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
    ] {
        assert_eq!(public.bits() as usize, driver.as_usize());
    }
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
