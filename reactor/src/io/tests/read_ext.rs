use super::{assert_unpin, pattern, Chunked};
use crate::io::{empty, repeat, AsyncReadExt, AsyncSeekExt, ReadBuf};
use futures::executor::block_on;
use std::io::{Cursor, ErrorKind, SeekFrom};

#[test]
fn read_on_slice_cursor_and_chunked() {
    block_on(async {
        let mut slice: &[u8] = b"hello";
        let mut buf = [0u8; 3];
        let fut = slice.read(&mut buf);
        assert_unpin(&fut);
        assert_eq!(fut.await.unwrap(), 3);
        assert_eq!(&buf, b"hel");
        assert_eq!(slice, b"lo");

        let mut cursor = Cursor::new(b"abc".to_vec());
        assert_eq!(cursor.read(&mut buf).await.unwrap(), 3);
        assert_eq!(cursor.read(&mut buf).await.unwrap(), 0, "end of stream");
        assert_eq!(cursor.position(), 3);

        let mut chunked = Chunked::new(b"abcdef", 2, true);
        assert_eq!(chunked.read(&mut buf).await.unwrap(), 2);
        assert_eq!(&buf[..2], b"ab");
        assert!(chunked.polls >= 2, "the Pending path was exercised");
    });
}

#[test]
fn read_into_empty_buffer_returns_zero() {
    block_on(async {
        let mut slice: &[u8] = b"data";
        assert_eq!(slice.read(&mut []).await.unwrap(), 0);
        assert_eq!(slice, b"data");
    });
}

#[test]
fn cursor_past_end_reads_nothing() {
    block_on(async {
        let mut cursor = Cursor::new(b"abc".to_vec());
        cursor.set_position(10);
        let mut buf = [0u8; 4];
        assert_eq!(cursor.read(&mut buf).await.unwrap(), 0);
        assert_eq!(cursor.position(), 10);
    });
}

#[test]
fn read_exact_across_chunks_and_early_eof() {
    block_on(async {
        let mut chunked = Chunked::new(b"0123456789", 3, true);
        let mut buf = [0u8; 8];
        let fut = chunked.read_exact(&mut buf);
        assert_unpin(&fut);
        assert_eq!(fut.await.unwrap(), 8);
        assert_eq!(&buf, b"01234567");
        let mut rest = [0u8; 3];
        let err = chunked.read_exact(&mut rest).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::UnexpectedEof);
    });
}

#[test]
fn read_buf_fills_spare_capacity_only() {
    block_on(async {
        let mut slice: &[u8] = b"abcdefgh";
        let mut vec = Vec::with_capacity(4);
        vec.push(b'>');
        let n = slice.read_buf(&mut vec).await.unwrap();
        assert!(n >= 3, "read into the spare capacity, got {n}");
        assert_eq!(&vec[..1 + n], &b">abcdefgh"[..1 + n]);

        // A full fixed-capacity BufMut reads nothing.
        let mut storage = [0u8; 2];
        let mut full: &mut [u8] = &mut storage[2..];
        assert_eq!(slice.read_buf(&mut full).await.unwrap(), 0);

        let mut bytes = bytes::BytesMut::with_capacity(64);
        let mut chunked = Chunked::new(b"xyz", 2, true);
        assert_eq!(chunked.read_buf(&mut bytes).await.unwrap(), 2);
        assert_eq!(&bytes[..], b"xy");
    });
}

#[test]
fn read_to_end_appends_and_counts() {
    block_on(async {
        let data = pattern(if cfg!(miri) { 300 } else { 100_000 });
        for chunk in [1, 7, 4096] {
            let mut reader = Chunked::new(&data, chunk, chunk == 7);
            let mut out = b"prefix".to_vec();
            let fut = reader.read_to_end(&mut out);
            assert_unpin(&fut);
            assert_eq!(fut.await.unwrap(), data.len());
            assert_eq!(&out[..6], b"prefix");
            assert_eq!(&out[6..], &data[..]);
        }
        let mut out = Vec::new();
        assert_eq!(empty().read_to_end(&mut out).await.unwrap(), 0);
        assert!(out.is_empty());
    });
}

/// A reader that needs initialized memory (calls `initialize_unfilled`), to check that
/// `read_to_end`'s reuse of initialized spare capacity is sound (Miri checks this).
struct InitializingReader(usize);

impl crate::io::AsyncRead for InitializingReader {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        let n = self.0.min(5);
        let unfilled = buf.initialize_unfilled();
        let n = n.min(unfilled.len());
        unfilled[..n].fill(b'i');
        buf.advance(n);
        self.0 -= n;
        std::task::Poll::Ready(Ok(()))
    }
}

#[test]
fn read_to_end_with_initializing_reader() {
    block_on(async {
        let mut out = Vec::new();
        assert_eq!(
            InitializingReader(123).read_to_end(&mut out).await.unwrap(),
            123
        );
        assert!(out.iter().all(|&b| b == b'i'));
    });
}

#[test]
fn read_to_string_valid_invalid_and_cancelled() {
    block_on(async {
        let mut s = String::from("é:");
        let text = "grüße, 世界";
        let mut reader = Chunked::new(text.as_bytes(), 1, true);
        let fut = reader.read_to_string(&mut s);
        assert_unpin(&fut);
        assert_eq!(fut.await.unwrap(), text.len());
        assert_eq!(s, format!("é:{text}"));

        let mut s = String::from("kept");
        let mut bad: &[u8] = b"ok\xffno";
        let err = bad.read_to_string(&mut s).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidData);
        assert_eq!(s, "kept", "invalid UTF-8 leaves the string unchanged");
    });

    // Cancelled after the first byte of a two-byte character: the string keeps "a" only.
    let mut s = String::new();
    let mut reader = Chunked::new("aé".as_bytes(), 2, true);
    {
        let mut fut = reader.read_to_string(&mut s);
        let waker = futures::task::noop_waker();
        let mut cx = std::task::Context::from_waker(&waker);
        assert!(std::pin::Pin::new(&mut fut).poll(&mut cx).is_pending());
        assert!(std::pin::Pin::new(&mut fut).poll(&mut cx).is_pending());
    }
    assert_eq!(s, "a");
}

use std::future::Future;

#[test]
fn read_integers_big_and_little_endian() {
    block_on(async {
        let mut bytes = Vec::new();
        bytes.extend_from_slice(&0xABu8.to_be_bytes());
        bytes.extend_from_slice(&(-2i8).to_be_bytes());
        bytes.extend_from_slice(&0x0102u16.to_be_bytes());
        bytes.extend_from_slice(&(-3i16).to_be_bytes());
        bytes.extend_from_slice(&0x01020304u32.to_be_bytes());
        bytes.extend_from_slice(&(-4i32).to_be_bytes());
        bytes.extend_from_slice(&0x0102030405060708u64.to_be_bytes());
        bytes.extend_from_slice(&(-5i64).to_be_bytes());
        bytes.extend_from_slice(&(u128::MAX - 1).to_be_bytes());
        bytes.extend_from_slice(&(i128::MIN + 1).to_be_bytes());
        bytes.extend_from_slice(&1.5f32.to_be_bytes());
        bytes.extend_from_slice(&(-2.25f64).to_be_bytes());
        bytes.extend_from_slice(&0x0102u16.to_le_bytes());
        bytes.extend_from_slice(&(-3i16).to_le_bytes());
        bytes.extend_from_slice(&0x01020304u32.to_le_bytes());
        bytes.extend_from_slice(&(-4i32).to_le_bytes());
        bytes.extend_from_slice(&0x0102030405060708u64.to_le_bytes());
        bytes.extend_from_slice(&(-5i64).to_le_bytes());
        bytes.extend_from_slice(&7u128.to_le_bytes());
        bytes.extend_from_slice(&(-7i128).to_le_bytes());
        bytes.extend_from_slice(&1.5f32.to_le_bytes());
        bytes.extend_from_slice(&(-2.25f64).to_le_bytes());
        // One byte at a time with Pending in between: the partial-read state machine.
        let mut r = Chunked::new(&bytes, 1, true);
        let fut = r.read_u16();
        assert_unpin(&fut);
        drop(fut);
        assert_eq!(r.read_u8().await.unwrap(), 0xAB);
        assert_eq!(r.read_i8().await.unwrap(), -2);
        assert_eq!(r.read_u16().await.unwrap(), 0x0102);
        assert_eq!(r.read_i16().await.unwrap(), -3);
        assert_eq!(r.read_u32().await.unwrap(), 0x01020304);
        assert_eq!(r.read_i32().await.unwrap(), -4);
        assert_eq!(r.read_u64().await.unwrap(), 0x0102030405060708);
        assert_eq!(r.read_i64().await.unwrap(), -5);
        assert_eq!(r.read_u128().await.unwrap(), u128::MAX - 1);
        assert_eq!(r.read_i128().await.unwrap(), i128::MIN + 1);
        assert_eq!(r.read_f32().await.unwrap(), 1.5);
        assert_eq!(r.read_f64().await.unwrap(), -2.25);
        assert_eq!(r.read_u16_le().await.unwrap(), 0x0102);
        assert_eq!(r.read_i16_le().await.unwrap(), -3);
        assert_eq!(r.read_u32_le().await.unwrap(), 0x01020304);
        assert_eq!(r.read_i32_le().await.unwrap(), -4);
        assert_eq!(r.read_u64_le().await.unwrap(), 0x0102030405060708);
        assert_eq!(r.read_i64_le().await.unwrap(), -5);
        assert_eq!(r.read_u128_le().await.unwrap(), 7);
        assert_eq!(r.read_i128_le().await.unwrap(), -7);
        assert_eq!(r.read_f32_le().await.unwrap(), 1.5);
        assert_eq!(r.read_f64_le().await.unwrap(), -2.25);
        let err = r.read_u8().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::UnexpectedEof);
        // A partial integer at end of stream is an error too.
        let mut short: &[u8] = b"\x01\x02\x03";
        assert_eq!(
            short.read_u32().await.unwrap_err().kind(),
            ErrorKind::UnexpectedEof
        );
    });
}

#[test]
fn take_limits_and_can_be_reset() {
    block_on(async {
        let mut t = Chunked::new(b"abcdefgh", 3, true).take(5);
        let mut out = Vec::new();
        assert_eq!(t.read_to_end(&mut out).await.unwrap(), 5);
        assert_eq!(out, b"abcde");
        assert_eq!(t.limit(), 0);
        t.set_limit(10);
        out.clear();
        t.read_to_end(&mut out).await.unwrap();
        assert_eq!(out, b"fgh");
        assert_eq!(t.limit(), 7);
        assert_eq!(t.into_inner().pos, 8);
    });
}

#[test]
fn take_over_uninitialized_buffer_keeps_parent_consistent() {
    block_on(async {
        let mut storage = [std::mem::MaybeUninit::<u8>::uninit(); 8];
        let mut buf = ReadBuf::uninit(&mut storage);
        let mut t = (&b"xyzw"[..]).take(3);
        std::future::poll_fn(|cx| {
            crate::io::AsyncRead::poll_read(std::pin::Pin::new(&mut t), cx, &mut buf)
        })
        .await
        .unwrap();
        assert_eq!(buf.filled(), b"xyz");
        assert_eq!(buf.initialized().len(), 3);
    });
}

#[test]
fn chain_reads_both_in_order() {
    block_on(async {
        let first = Chunked::new(b"ab", 1, true);
        let second = Cursor::new(b"cd".to_vec());
        let mut chain = first.chain(second);
        let mut s = String::new();
        chain.read_to_string(&mut s).await.unwrap();
        assert_eq!(s, "abcd");
        let (first, second) = chain.into_inner();
        assert_eq!((first.pos, second.position()), (2, 2));

        // Chain as AsyncBufRead.
        use crate::io::AsyncBufReadExt;
        let mut lines = (&b"one\ntw"[..]).chain(&b"o\nthree"[..]).lines();
        assert_eq!(lines.next_line().await.unwrap().as_deref(), Some("one"));
        assert_eq!(lines.next_line().await.unwrap().as_deref(), Some("two"));
        assert_eq!(lines.next_line().await.unwrap().as_deref(), Some("three"));
        assert_eq!(lines.next_line().await.unwrap(), None);
    });
}

#[test]
fn repeat_and_empty() {
    block_on(async {
        let mut out = Vec::new();
        repeat(7).take(10).read_to_end(&mut out).await.unwrap();
        assert_eq!(out, [7; 10]);
        let mut buf = [1u8; 4];
        assert_eq!(empty().read(&mut buf).await.unwrap(), 0);
    });
}

#[test]
fn seek_ext_on_cursor() {
    block_on(async {
        let mut c = Cursor::new(b"0123456789".to_vec());
        assert_eq!(c.seek(SeekFrom::End(-3)).await.unwrap(), 7);
        assert_eq!(c.read_u8().await.unwrap(), b'7');
        assert_eq!(c.seek(SeekFrom::Current(-2)).await.unwrap(), 6);
        assert_eq!(c.stream_position().await.unwrap(), 6);
        c.rewind().await.unwrap();
        assert_eq!(c.read_u8().await.unwrap(), b'0');
        assert_eq!(
            c.seek(SeekFrom::Current(-5)).await.unwrap_err().kind(),
            ErrorKind::InvalidInput
        );
    });
}

/// Fails with `Interrupted` on every other call, then behaves as the slice.
struct Interrupting {
    data: &'static [u8],
    interrupt_next: bool,
}

impl crate::io::AsyncRead for Interrupting {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        self.interrupt_next = !self.interrupt_next;
        if !self.interrupt_next {
            return std::task::Poll::Ready(Err(ErrorKind::Interrupted.into()));
        }
        let n = self.data.len().min(buf.remaining()).min(2);
        buf.put_slice(&self.data[..n]);
        self.data = &self.data[n..];
        let _ = cx;
        std::task::Poll::Ready(Ok(()))
    }
}

#[test]
fn interrupted_reads_are_retried_where_tokio_retries() {
    block_on(async {
        let mut r = Interrupting {
            data: b"\x00\x00\x01\x02rest of it",
            interrupt_next: false,
        };
        assert_eq!(r.read_u32().await.unwrap(), 0x0102);
        let mut out = Vec::new();
        assert_eq!(r.read_to_end(&mut out).await.unwrap(), 10);
        assert_eq!(out, b"rest of it");
        // A plain read reports it, as tokio's does.
        let mut r = Interrupting {
            data: b"x",
            interrupt_next: true,
        };
        assert_eq!(
            r.read(&mut [0u8; 1]).await.unwrap_err().kind(),
            ErrorKind::Interrupted
        );
    });
}

/// Yields its data, then fails.
struct ThenFail(&'static [u8]);

impl crate::io::AsyncRead for ThenFail {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        if self.0.is_empty() {
            return std::task::Poll::Ready(Err(std::io::Error::other("disk on fire")));
        }
        let n = self.0.len().min(buf.remaining());
        buf.put_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        std::task::Poll::Ready(Ok(()))
    }
}

#[test]
fn read_to_end_error_keeps_what_was_read_and_read_to_string_restores() {
    block_on(async {
        let mut out = Vec::new();
        let err = ThenFail(b"partial")
            .read_to_end(&mut out)
            .await
            .unwrap_err();
        assert_eq!(err.to_string(), "disk on fire");
        assert_eq!(out, b"partial");
        // read_to_string, as tokio's, leaves the string as it was when the read fails.
        let mut s = String::from("kept");
        assert!(ThenFail(b"text").read_to_string(&mut s).await.is_err());
        assert_eq!(s, "kept");
    });
}

/// An exactly sized vector is not reallocated to find the end of the stream; an invalid UTF-8
/// read_to_string reports where the string stopped being valid, counting what it held before.
#[test]
fn read_to_end_keeps_an_exact_capacity_and_utf8_errors_say_where() {
    block_on(async {
        // (From 32 bytes up, as tokio's: smaller vectors grow by at least 32 bytes per read.)
        let data = b"exactly-sized, and at least 32 bytes long".to_vec();
        let mut out = Vec::with_capacity(data.len());
        (&data[..]).read_to_end(&mut out).await.unwrap();
        assert_eq!(out, data);
        assert_eq!(out.capacity(), data.len());

        let mut s = String::from("abc");
        let err = (&b"de\xff"[..]).read_to_string(&mut s).await.unwrap_err();
        let utf8 = err
            .into_inner()
            .unwrap()
            .downcast::<std::str::Utf8Error>()
            .unwrap();
        assert_eq!(utf8.valid_up_to(), 5);
        assert_eq!(s, "abc");
    });
}
