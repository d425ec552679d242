use super::assert_unpin;
use crate::io::{duplex, simplex, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use futures::executor::block_on;
use gort_channel::coop;
use std::io::{ErrorKind, IoSlice};
use std::pin::Pin;
use std::task::{Context, Poll};

#[test]
fn full_pipe_blocks_the_writer_until_read() {
    let (mut a, mut b) = duplex(4);
    let waker = futures::task::noop_waker();
    let mut cx = Context::from_waker(&waker);
    assert!(matches!(
        Pin::new(&mut a).poll_write(&mut cx, b"abcdef"),
        Poll::Ready(Ok(4))
    ));
    assert!(Pin::new(&mut a).poll_write(&mut cx, b"ef").is_pending());
    block_on(async {
        let mut buf = [0u8; 3];
        assert_eq!(b.read(&mut buf).await.unwrap(), 3);
        assert_eq!(&buf, b"abc");
        assert_eq!(a.write(b"efgh").await.unwrap(), 3, "room for three again");
        let mut rest = [0u8; 4];
        b.read_exact(&mut rest).await.unwrap();
        assert_eq!(&rest, b"defg");
    });
}

#[test]
fn wakeups_cross_threads() {
    let n = if cfg!(miri) { 40 } else { 20_000 };
    let (mut a, mut b) = duplex(3);
    let t = std::thread::spawn(move || {
        block_on(async {
            for i in 0..n {
                a.write_u16(i as u16).await.unwrap();
            }
        })
    });
    block_on(async {
        for i in 0..n {
            assert_eq!(b.read_u16().await.unwrap(), i as u16);
        }
        t.join().unwrap();
        // The writer end was dropped: end of stream.
        assert_eq!(b.read(&mut [0u8; 1]).await.unwrap(), 0);
    });
}

#[test]
fn shutdown_gives_eof_and_drop_gives_broken_pipe() {
    block_on(async {
        let (mut a, mut b) = duplex(16);
        a.write_all(b"last").await.unwrap();
        a.shutdown().await.unwrap();
        assert_eq!(
            a.write(b"x").await.unwrap_err().kind(),
            ErrorKind::BrokenPipe
        );
        let mut s = String::new();
        b.read_to_string(&mut s).await.unwrap();
        assert_eq!(s, "last");
        // b can still write to a (only a's write side was shut).
        b.write_all(b"back").await.unwrap();
        let mut back = [0u8; 4];
        a.read_exact(&mut back).await.unwrap();
        drop(a);
        assert_eq!(
            b.write(b"x").await.unwrap_err().kind(),
            ErrorKind::BrokenPipe
        );
    });
}

#[test]
fn vectored_writes_fill_up_to_capacity() {
    block_on(async {
        let (mut a, mut b) = duplex(5);
        assert!(a.is_write_vectored());
        let bufs = [IoSlice::new(b"ab"), IoSlice::new(b"cdef")];
        let fut = a.write_vectored(&bufs);
        assert_unpin(&fut);
        assert_eq!(fut.await.unwrap(), 5);
        let mut buf = [0u8; 5];
        b.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"abcde");
    });
}

#[test]
fn duplex_charges_and_refunds_the_budget() {
    let (mut a, mut b) = duplex(1 << 20);
    let waker = futures::task::noop_waker();
    let mut cx = Context::from_waker(&waker);
    coop::budget(|| {
        // A pending read refunds its unit: it does not count against the budget.
        let mut storage = [0u8; 1];
        for _ in 0..300 {
            let mut buf = ReadBuf::new(&mut storage);
            assert!(Pin::new(&mut b).poll_read(&mut cx, &mut buf).is_pending());
        }
        let mut writes = 0;
        while Pin::new(&mut a).poll_write(&mut cx, b"x").is_ready() {
            writes += 1;
            assert!(writes <= coop::BUDGET as usize, "duplex never yielded");
        }
        assert_eq!(writes, coop::BUDGET as usize);
    });
}

#[test]
#[should_panic(expected = "max_buf_size")]
fn zero_capacity_duplex_panics() {
    let _ = duplex(0);
}

#[test]
fn simplex_round_trip() {
    block_on(async {
        let (mut rx, mut tx) = simplex(2);
        let send = async {
            tx.write_all(b"through a tiny pipe").await.unwrap();
            tx.shutdown().await.unwrap();
        };
        let mut got = String::new();
        let recv = rx.read_to_string(&mut got);
        let ((), n) = futures::join!(send, recv);
        assert_eq!(n.unwrap(), 19);
        assert_eq!(got, "through a tiny pipe");
    });
}

/// A waker that owns the other end of the pipe: dropping it closes the pipe, which takes the
/// pipe's lock. The pipe must drop a replaced waker (and wake one) only after releasing that
/// lock, or this deadlocks.
#[test]
fn a_replaced_waker_is_dropped_outside_the_pipe_lock() {
    super::with_timeout(10, || {
        struct OwnsPeer(#[allow(dead_code)] crate::io::DuplexStream);
        impl std::task::Wake for OwnsPeer {
            fn wake(self: std::sync::Arc<Self>) {}
        }

        let (mut reader, peer) = duplex(1);
        let owning = std::task::Waker::from(std::sync::Arc::new(OwnsPeer(peer)));
        let mut storage = [0u8; 1];
        let mut buf = ReadBuf::new(&mut storage);
        let pending = Pin::new(&mut reader).poll_read(&mut Context::from_waker(&owning), &mut buf);
        assert!(pending.is_pending());
        drop(owning); // the pipe now holds the only clone

        let noop = futures::task::noop_waker();
        let mut cx = Context::from_waker(&noop);
        // Replacing the stored waker drops the peer: the pipe closes, nothing deadlocks.
        assert!(Pin::new(&mut reader)
            .poll_read(&mut cx, &mut buf)
            .is_pending());
        assert!(matches!(
            Pin::new(&mut reader).poll_read(&mut cx, &mut buf),
            Poll::Ready(Ok(()))
        ));
        assert!(buf.filled().is_empty(), "end of stream");
    });
}
