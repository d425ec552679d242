use super::{assert_unpin, SlowWriter};
use crate::io::{empty, sink, AsyncReadExt, AsyncWriteExt};
use futures::executor::block_on;
use std::io::{Cursor, ErrorKind, IoSlice};

#[test]
fn write_is_one_call() {
    block_on(async {
        let mut w = SlowWriter::new(3, true);
        let fut = w.write(b"abcdef");
        assert_unpin(&fut);
        assert_eq!(fut.await.unwrap(), 3);
        assert_eq!(w.data, b"abc");
        assert_eq!(w.writes, 1);
    });
}

#[test]
fn write_all_loops_over_partial_writes() {
    block_on(async {
        let mut w = SlowWriter::new(2, true);
        let fut = w.write_all(b"hello world");
        assert_unpin(&fut);
        fut.await.unwrap();
        assert_eq!(w.data, b"hello world");
        assert_eq!(w.writes, 6);
    });
}

#[test]
fn write_all_to_full_cursor_is_write_zero() {
    block_on(async {
        let mut storage = [0u8; 3];
        let mut c = Cursor::new(&mut storage[..]);
        let err = c.write_all(b"abcd").await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::WriteZero);
        assert_eq!(c.position(), 3);
        assert_eq!(&storage, b"abc");
    });
}

#[test]
fn vec_and_cursor_writers() {
    block_on(async {
        let mut v = Vec::new();
        v.write_all(b"ab").await.unwrap();
        v.flush().await.unwrap();
        v.shutdown().await.unwrap();
        assert_eq!(v, b"ab");

        let mut c = Cursor::new(Vec::new());
        c.write_all(b"xyz").await.unwrap();
        c.set_position(1);
        c.write_all(b"Y").await.unwrap();
        assert_eq!(c.get_ref(), b"xYz");

        let mut backing = Vec::new();
        let mut c = Cursor::new(&mut backing);
        c.write_all(b"ref").await.unwrap();
        assert_eq!(backing, b"ref");

        let mut c = Cursor::new(vec![0u8; 2].into_boxed_slice());
        assert_eq!(c.write(b"abc").await.unwrap(), 2);
    });
}

#[test]
fn write_vectored_default_and_override() {
    block_on(async {
        let bufs = [IoSlice::new(b""), IoSlice::new(b"ab"), IoSlice::new(b"cd")];
        // SlowWriter uses the trait's default: the first non-empty buffer only.
        let mut w = SlowWriter::new(10, false);
        assert!(!crate::io::AsyncWrite::is_write_vectored(&w));
        let fut = w.write_vectored(&bufs);
        assert_unpin(&fut);
        assert_eq!(fut.await.unwrap(), 2);
        assert_eq!(w.data, b"ab");
        // Vec<u8> writes them all.
        let mut v = Vec::new();
        assert_eq!(v.write_vectored(&bufs).await.unwrap(), 4);
        assert_eq!(v, b"abcd");
    });
}

#[test]
fn write_buf_and_write_all_buf_advance_the_source() {
    block_on(async {
        let mut w = SlowWriter::new(2, true);
        let mut src: &[u8] = b"abcde";
        assert_eq!(w.write_buf(&mut src).await.unwrap(), 2);
        assert_eq!(src, b"cde");
        w.write_all_buf(&mut src).await.unwrap();
        assert!(src.is_empty());
        assert_eq!(w.data, b"abcde");

        // Vectored path: a chained Buf into a vectored writer.
        use bytes::Buf;
        let mut chained = Buf::chain(&b"12"[..], &b"345"[..]);
        let mut v = Vec::new();
        v.write_all_buf(&mut chained).await.unwrap();
        assert_eq!(v, b"12345");
        assert_eq!(v.write_buf(&mut chained).await.unwrap(), 0);

        let mut storage = [0u8; 1];
        let mut full = Cursor::new(&mut storage[..]);
        let mut src: &[u8] = b"xy";
        let err = full.write_all_buf(&mut src).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::WriteZero);
        assert_eq!(src, b"y", "the written byte was consumed from the source");
    });
}

#[test]
fn write_integers_round_trip() {
    block_on(async {
        let mut w = SlowWriter::new(1, true);
        let fut = w.write_u32(1);
        assert_unpin(&fut);
        drop(fut);
        w.write_u8(1).await.unwrap();
        w.write_i8(-1).await.unwrap();
        w.write_u16(0x0203).await.unwrap();
        w.write_i16(-2).await.unwrap();
        w.write_u32(0x04050607).await.unwrap();
        w.write_i32(-3).await.unwrap();
        w.write_u64(u64::MAX - 9).await.unwrap();
        w.write_i64(-4).await.unwrap();
        w.write_u128(u128::MAX / 3).await.unwrap();
        w.write_i128(-5).await.unwrap();
        w.write_f32(0.5).await.unwrap();
        w.write_f64(1e300).await.unwrap();
        w.write_u16_le(0x0203).await.unwrap();
        w.write_i16_le(-2).await.unwrap();
        w.write_u32_le(0x04050607).await.unwrap();
        w.write_i32_le(-3).await.unwrap();
        w.write_u64_le(9).await.unwrap();
        w.write_i64_le(-4).await.unwrap();
        w.write_u128_le(11).await.unwrap();
        w.write_i128_le(-12).await.unwrap();
        w.write_f32_le(0.25).await.unwrap();
        w.write_f64_le(-0.125).await.unwrap();
        assert_eq!(&w.data[..4], &[1, 0xff, 2, 3], "big-endian by default");
        let mut r = &w.data[..];
        assert_eq!(r.read_u8().await.unwrap(), 1);
        assert_eq!(r.read_i8().await.unwrap(), -1);
        assert_eq!(r.read_u16().await.unwrap(), 0x0203);
        assert_eq!(r.read_i16().await.unwrap(), -2);
        assert_eq!(r.read_u32().await.unwrap(), 0x04050607);
        assert_eq!(r.read_i32().await.unwrap(), -3);
        assert_eq!(r.read_u64().await.unwrap(), u64::MAX - 9);
        assert_eq!(r.read_i64().await.unwrap(), -4);
        assert_eq!(r.read_u128().await.unwrap(), u128::MAX / 3);
        assert_eq!(r.read_i128().await.unwrap(), -5);
        assert_eq!(r.read_f32().await.unwrap(), 0.5);
        assert_eq!(r.read_f64().await.unwrap(), 1e300);
        assert_eq!(r.read_u16_le().await.unwrap(), 0x0203);
        assert_eq!(r.read_i16_le().await.unwrap(), -2);
        assert_eq!(r.read_u32_le().await.unwrap(), 0x04050607);
        assert_eq!(r.read_i32_le().await.unwrap(), -3);
        assert_eq!(r.read_u64_le().await.unwrap(), 9);
        assert_eq!(r.read_i64_le().await.unwrap(), -4);
        assert_eq!(r.read_u128_le().await.unwrap(), 11);
        assert_eq!(r.read_i128_le().await.unwrap(), -12);
        assert_eq!(r.read_f32_le().await.unwrap(), 0.25);
        assert_eq!(r.read_f64_le().await.unwrap(), -0.125);
        assert!(r.is_empty());
    });
}

#[test]
fn flush_and_shutdown_reach_the_writer() {
    block_on(async {
        let mut w = SlowWriter::new(4, true);
        let fut = w.flush();
        assert_unpin(&fut);
        fut.await.unwrap();
        let fut = w.shutdown();
        assert_unpin(&fut);
        fut.await.unwrap();
        assert_eq!((w.flushes, w.shutdowns), (1, 1));
    });
}

#[test]
fn sink_and_empty_accept_everything() {
    block_on(async {
        let mut s = sink();
        s.write_all(&[0; 100]).await.unwrap();
        assert_eq!(
            s.write_vectored(&[IoSlice::new(b"ab"), IoSlice::new(b"c")])
                .await
                .unwrap(),
            3
        );
        s.shutdown().await.unwrap();
        let mut e = empty();
        assert_eq!(e.write(b"abc").await.unwrap(), 3);
        e.flush().await.unwrap();
    });
}

#[test]
fn always_ready_leaves_charge_the_budget() {
    use gort_channel::coop;
    use std::pin::Pin;
    let waker = futures::task::noop_waker();
    let mut cx = std::task::Context::from_waker(&waker);
    coop::budget(|| {
        let mut s = sink();
        let mut ready = 0;
        while crate::io::AsyncWrite::poll_write(Pin::new(&mut s), &mut cx, b"x").is_ready() {
            ready += 1;
            assert!(ready <= coop::BUDGET as usize, "sink never yielded");
        }
        assert_eq!(ready, coop::BUDGET as usize);
    });
}

#[test]
fn sink_and_empty_flush_and_shutdown_charge_the_budget() {
    use crate::io::{empty, AsyncWrite};
    use gort_channel::coop;
    use std::pin::Pin;
    let waker = futures::task::noop_waker();
    let mut cx = std::task::Context::from_waker(&waker);
    coop::budget(|| {
        let (mut s, mut e) = (sink(), empty());
        let mut ready = 0;
        loop {
            let op = match ready % 4 {
                0 => Pin::new(&mut s).poll_flush(&mut cx),
                1 => Pin::new(&mut s).poll_shutdown(&mut cx),
                2 => Pin::new(&mut e).poll_flush(&mut cx),
                _ => Pin::new(&mut e).poll_shutdown(&mut cx),
            };
            if op.is_pending() {
                break;
            }
            ready += 1;
            assert!(
                ready <= coop::BUDGET as usize,
                "flush/shutdown never yielded"
            );
        }
        assert_eq!(ready, coop::BUDGET as usize);
    });
}
