use super::{assert_unpin, Chunked};
use crate::io::{AsyncBufReadExt, BufReader};
use futures::executor::block_on;
use futures::StreamExt;
use std::io::ErrorKind;

const TEXT: &[u8] = b"first\r\nsecond\n\nfourth \xc3\xa9\r\n\rlast";

fn expected() -> Vec<String> {
    vec![
        "first".into(),
        "second".into(),
        "".into(),
        "fourth é".into(),
        "\rlast".into(),
    ]
}

#[test]
fn lines_over_every_chunk_size() {
    block_on(async {
        // Miri is slow: a representative subset of chunk sizes there.
        let chunks: Vec<usize> = if cfg!(miri) {
            vec![1, 2, 5, TEXT.len()]
        } else {
            (1..=TEXT.len()).collect()
        };
        for chunk in chunks {
            for cap in [1, 2, 3, 8, 64] {
                let reader =
                    BufReader::with_capacity(cap, Chunked::new(TEXT, chunk, chunk % 2 == 1));
                let mut lines = reader.lines();
                let mut got = Vec::new();
                while let Some(line) = lines.next_line().await.unwrap() {
                    got.push(line);
                }
                assert_eq!(got, expected(), "chunk {chunk}, capacity {cap}");
                assert_eq!(lines.next_line().await.unwrap(), None, "stays at end");
            }
        }
    });
}

#[test]
fn lines_is_a_stream_and_cancel_safe() {
    block_on(async {
        let lines = BufReader::with_capacity(2, Chunked::new(TEXT, 3, true)).lines();
        let got: Vec<String> = lines.map(Result::unwrap).collect().await;
        assert_eq!(got, expected());
    });
    // Drop `next_line` futures while they are pending: no byte is lost.
    let mut lines = BufReader::with_capacity(2, Chunked::new(TEXT, 1, true)).lines();
    let waker = futures::task::noop_waker();
    let mut cx = std::task::Context::from_waker(&waker);
    let mut got = Vec::new();
    loop {
        let mut fut = Box::pin(lines.next_line());
        let polled = fut.as_mut().poll(&mut cx);
        drop(fut); // cancelled after one poll, whether it finished or not
        match polled {
            std::task::Poll::Ready(Ok(Some(line))) => got.push(line),
            std::task::Poll::Ready(Ok(None)) => break,
            std::task::Poll::Ready(Err(e)) => panic!("{e}"),
            std::task::Poll::Pending => {}
        }
    }
    assert_eq!(got, expected());
}

use std::future::Future;

#[test]
fn lines_invalid_utf8_is_an_error() {
    block_on(async {
        let mut lines = (&b"ok\n\xff\nafter\n"[..]).lines();
        assert_eq!(lines.next_line().await.unwrap().as_deref(), Some("ok"));
        let err = lines.next_line().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidData);
        // The error carries the bad line's bytes, as tokio's.
        let utf8 = err
            .into_inner()
            .unwrap()
            .downcast::<std::string::FromUtf8Error>();
        assert_eq!(utf8.unwrap().into_bytes(), b"\xff");
        assert_eq!(lines.next_line().await.unwrap().as_deref(), Some("after"));
    });
}

#[test]
fn read_line_across_chunks_counts_bytes() {
    block_on(async {
        let mut r = BufReader::with_capacity(3, Chunked::new(b"ab\r\ncd\nef", 2, true));
        let mut s = String::new();
        let fut = r.read_line(&mut s);
        assert_unpin(&fut);
        assert_eq!(fut.await.unwrap(), 4);
        assert_eq!(r.read_line(&mut s).await.unwrap(), 3);
        assert_eq!(r.read_line(&mut s).await.unwrap(), 2);
        assert_eq!(r.read_line(&mut s).await.unwrap(), 0);
        assert_eq!(s, "ab\r\ncd\nef");
        let mut bad: &[u8] = b"\xffx\n";
        let mut kept = String::from("k");
        assert_eq!(
            bad.read_line(&mut kept).await.unwrap_err().kind(),
            ErrorKind::InvalidData
        );
        assert_eq!(kept, "k");
    });
}

#[test]
fn read_until_keeps_partial_data_when_cancelled() {
    let mut r = BufReader::with_capacity(2, Chunked::new(b"abcdef;gh", 2, true));
    let mut buf = Vec::new();
    let waker = futures::task::noop_waker();
    let mut cx = std::task::Context::from_waker(&waker);
    {
        let mut fut = r.read_until(b';', &mut buf);
        assert_unpin(&fut);
        for _ in 0..4 {
            let _ = std::pin::Pin::new(&mut fut).poll(&mut cx);
        }
    }
    let partial = buf.len();
    assert!(
        partial > 0 && partial < 7,
        "some bytes were moved before the cancel: {partial}"
    );
    block_on(async {
        let n = r.read_until(b';', &mut buf).await.unwrap();
        assert_eq!(n, 7 - partial);
        assert_eq!(buf, b"abcdef;");
        buf.clear();
        assert_eq!(r.read_until(b';', &mut buf).await.unwrap(), 2);
        assert_eq!(buf, b"gh");
    });
}

#[test]
fn split_segments_and_stream() {
    block_on(async {
        let reader = BufReader::with_capacity(2, Chunked::new(b"a,bb,,ccc,", 1, true));
        let mut parts = reader.split(b',');
        let mut got = Vec::new();
        while let Some(p) = parts.next_segment().await.unwrap() {
            got.push(p);
        }
        assert_eq!(got, [&b"a"[..], b"bb", b"", b"ccc"]);
        let parts = std::io::Cursor::new(b"x y").split(b' ');
        let got: Vec<Vec<u8>> = parts.map(Result::unwrap).collect().await;
        assert_eq!(got, [b"x".to_vec(), b"y".to_vec()]);
    });
}

#[test]
fn fill_buf_returns_borrowed_bytes() {
    block_on(async {
        let mut r = BufReader::with_capacity(4, Chunked::new(b"abcdef", 3, true));
        let fut = r.fill_buf();
        assert_unpin(&fut);
        let bytes = fut.await.unwrap();
        assert_eq!(bytes, b"abc");
        r.consume(3);
        assert_eq!(r.fill_buf().await.unwrap(), b"def");
    });
}
