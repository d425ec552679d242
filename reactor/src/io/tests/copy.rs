use super::{pattern, with_timeout, Chunked, SlowWriter};
use crate::io::{
    copy, copy_bidirectional, copy_bidirectional_with_sizes, copy_buf, duplex, empty, repeat,
    AsyncReadExt, AsyncWriteExt, BufReader,
};
use futures::executor::block_on;

fn size() -> usize {
    if cfg!(miri) {
        500
    } else {
        300_000
    }
}

#[test]
fn copy_counts_exact_bytes_through_partial_reads_and_writes() {
    block_on(async {
        let data = pattern(size());
        let mut reader = Chunked::new(&data, 1000, true);
        let mut writer = SlowWriter::new(333, true);
        let n = copy(&mut reader, &mut writer).await.unwrap();
        assert_eq!(n, data.len() as u64);
        assert_eq!(writer.data, data);
        assert!(writer.flushes >= 1, "copy flushes at the end");
        assert_eq!(writer.shutdowns, 0, "copy does not shut the writer down");
    });
}

#[test]
fn copy_of_nothing_and_of_limited_repeat() {
    block_on(async {
        let mut out = Vec::new();
        assert_eq!(copy(&mut empty(), &mut out).await.unwrap(), 0);
        let mut limited = repeat(b'r').take(12_345);
        assert_eq!(copy(&mut limited, &mut out).await.unwrap(), 12_345);
        assert!(out.len() == 12_345 && out.iter().all(|&b| b == b'r'));
    });
}

#[test]
fn copy_into_full_writer_is_write_zero() {
    block_on(async {
        let mut storage = [0u8; 4];
        let mut writer = std::io::Cursor::new(&mut storage[..]);
        let err = copy(&mut &b"too long"[..], &mut writer).await.unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::WriteZero);
    });
}

#[test]
fn copy_buf_counts_exact_bytes() {
    block_on(async {
        let data = pattern(size());
        let mut reader = BufReader::with_capacity(777, Chunked::new(&data, 500, true));
        let mut writer = SlowWriter::new(100, true);
        assert_eq!(
            copy_buf(&mut reader, &mut writer).await.unwrap(),
            data.len() as u64
        );
        assert_eq!(writer.data, data);
    });
}

#[test]
fn copy_through_a_duplex_pipe_between_threads() {
    let data = pattern(size());
    let expected = data.clone();
    let got = with_timeout(20, move || {
        let (mut tx, mut rx) = duplex(1024);
        let writer = std::thread::spawn(move || {
            block_on(async {
                let n = copy(&mut &data[..], &mut tx).await.unwrap();
                tx.shutdown().await.unwrap();
                n
            })
        });
        let mut out = Vec::new();
        let n = block_on(copy(&mut rx, &mut out)).unwrap();
        assert_eq!(writer.join().unwrap(), n);
        out
    });
    assert_eq!(got.len(), expected.len());
    assert!(got == expected, "bytes arrived intact and in order");
}

#[test]
fn copy_bidirectional_proxies_both_ways_and_forwards_shutdown() {
    let up = pattern(size());
    let down: Vec<u8> = pattern(size() / 2 + 3).into_iter().rev().collect();
    let (up2, down2) = (up.clone(), down.clone());
    let (sent_up, sent_down, client_got, server_got) = with_timeout(20, move || {
        let (mut client, mut proxy_a) = duplex(512);
        let (mut proxy_b, mut server) = duplex(512);
        block_on(async {
            let client_side = async {
                let (mut rd, mut wr) = crate::io::split(&mut client);
                let send = async {
                    wr.write_all(&up2).await.unwrap();
                    wr.shutdown().await.unwrap();
                };
                let mut got = Vec::new();
                let recv = rd.read_to_end(&mut got);
                let ((), n) = futures::join!(send, recv);
                n.unwrap();
                got
            };
            let server_side = async {
                let mut got = Vec::new();
                // The proxy forwards the client's shutdown, so this ends.
                server.read_to_end(&mut got).await.unwrap();
                server.write_all(&down2).await.unwrap();
                server.shutdown().await.unwrap();
                got
            };
            let proxy = copy_bidirectional_with_sizes(&mut proxy_a, &mut proxy_b, 100, 300);
            let (client_got, server_got, counts) = futures::join!(client_side, server_side, proxy);
            let (a, b) = counts.unwrap();
            (a, b, client_got, server_got)
        })
    });
    assert_eq!(sent_up, up.len() as u64);
    assert_eq!(sent_down, down.len() as u64);
    assert!(server_got == up && client_got == down);
}

#[test]
fn copy_bidirectional_reports_errors() {
    block_on(async {
        let (mut a, peer_a) = duplex(16);
        let (mut b, mut peer_b) = duplex(16);
        drop(peer_a); // a reads end of stream; writes to a fail
        peer_b.write_all(b"data").await.unwrap();
        let err = copy_bidirectional(&mut a, &mut b).await.unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::BrokenPipe);
    });
}

/// An endless copy between always-ready ends spends the task's budget and yields, instead of
/// holding the worker forever; with the budget back it goes on from where it stopped.
#[test]
fn copy_and_copy_buf_yield_when_the_budget_is_spent() {
    use gort_channel::coop;
    use std::future::Future;
    use std::task::{Context, Poll};

    let waker = futures::task::noop_waker();
    let mut cx = Context::from_waker(&waker);
    let mut reader = repeat(b'x');
    let mut out = Vec::new();
    let mut copying = Box::pin(copy(&mut reader, &mut out));
    coop::budget(|| {
        assert!(copying.as_mut().poll(&mut cx).is_pending());
        assert!(!coop::has_budget_remaining());
    });
    drop(copying);
    assert!(!out.is_empty() && out.iter().all(|&b| b == b'x'));

    let mut reader = BufReader::new(repeat(b'y'));
    let mut out = Vec::new();
    let mut copying = Box::pin(copy_buf(&mut reader, &mut out));
    coop::budget(|| {
        assert!(matches!(copying.as_mut().poll(&mut cx), Poll::Pending));
        assert!(!coop::has_budget_remaining());
    });
}

/// Reads and writes that fail once with `Interrupted` before each success, as a signal-interrupted
/// system call does: the utilities retry instead of reporting an error.
struct Interrupting<T> {
    inner: T,
    fail_next: bool,
}

impl<T> Interrupting<T> {
    fn new(inner: T) -> Self {
        Interrupting {
            inner,
            fail_next: true,
        }
    }

    fn interrupt(&mut self) -> bool {
        let fail = self.fail_next;
        self.fail_next = !fail;
        fail
    }
}

impl<T: crate::io::AsyncRead + Unpin> crate::io::AsyncRead for Interrupting<T> {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut crate::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        if self.interrupt() {
            return std::task::Poll::Ready(Err(std::io::ErrorKind::Interrupted.into()));
        }
        std::pin::Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<T: crate::io::AsyncWrite + Unpin> crate::io::AsyncWrite for Interrupting<T> {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        if self.interrupt() {
            return std::task::Poll::Ready(Err(std::io::ErrorKind::Interrupted.into()));
        }
        std::pin::Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[test]
fn copy_buf_writer_and_write_all_retry_interrupted_calls() {
    block_on(async {
        let data = pattern(10_000);
        let mut reader = Interrupting::new(Chunked::new(&data, 700, false));
        let mut writer = Interrupting::new(SlowWriter::new(300, false));
        assert_eq!(copy(&mut reader, &mut writer).await.unwrap(), 10_000);
        assert_eq!(writer.inner.data, data);

        let mut reader = BufReader::with_capacity(64, Interrupting::new(&data[..]));
        let mut writer = Interrupting::new(Vec::new());
        assert_eq!(copy_buf(&mut reader, &mut writer).await.unwrap(), 10_000);
        assert_eq!(writer.inner, data);

        let mut buffered = crate::io::BufWriter::with_capacity(8, Interrupting::new(Vec::new()));
        buffered.write_all(b"hello").await.unwrap();
        buffered.flush().await.unwrap();
        assert_eq!(buffered.get_ref().inner, b"hello");

        let mut writer = Interrupting::new(Vec::new());
        writer.write_all(b"all of it").await.unwrap();
        let mut chain = bytes::Buf::chain(&b"two "[..], &b"chunks"[..]);
        writer.write_all_buf(&mut chain).await.unwrap();
        assert_eq!(writer.inner, b"all of ittwo chunks");
    });
}

/// A copy whose reader waits for what the copy itself wrote into a buffered writer: when the
/// reader has nothing, the copy flushes before waiting, or it would wait forever.
#[test]
fn copy_buf_flushes_before_waiting_on_its_reader() {
    super::with_timeout(10, || {
        block_on(async {
            let (a, mut b) = duplex(64);
            b.write_all(&[7; 10]).await.unwrap(); // arrives on `a`'s read side
            let mut reader = BufReader::new(a).take(20);
            let mut writer = crate::io::BufWriter::new(b); // writes loop back to `a`
            assert_eq!(copy_buf(&mut reader, &mut writer).await.unwrap(), 20);
        })
    });
}
