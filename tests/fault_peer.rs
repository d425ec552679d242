//! Peers that misbehave mid-request, against a server that reads fixed-size requests: a peer
//! that resets the connection (the server's read fails with `ConnectionReset`), a peer that
//! half-closes (the server's read sees EOF and it can still answer), and a peer that never reads
//! (the server's writes stop at the socket buffers: `write` stays pending and memory does not
//! grow). Meanwhile well-behaved clients are served with exact bytes. Both runtime flavors.

use gort::io::{AsyncReadExt, AsyncWriteExt};
use gort::net::{TcpListener, TcpStream};
use std::future::Future;
use std::io::ErrorKind;
use std::net::SocketAddr;
use std::time::Duration;

mod support;
use support::runtimes;

const REQUEST: usize = 1000;

fn on_both_flavors<F, Fut>(case: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    for (flavor, rt) in runtimes() {
        rt.block_on(async {
            gort::time::timeout(Duration::from_secs(20), gort::spawn(case()))
                .await
                .unwrap_or_else(|_| panic!("{flavor}: timed out"))
                .unwrap_or_else(|e| panic!("{flavor}: {e}"));
        });
    }
}

/// A server that reads `REQUEST`-byte requests and echoes each; it reports how every
/// connection ended (Ok, or the read's error kind) on the returned channel.
async fn serve() -> (
    SocketAddr,
    gort::sync::mpsc::UnboundedReceiver<Result<(), ErrorKind>>,
) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = gort::sync::mpsc::unbounded_channel();
    gort::spawn(async move {
        loop {
            let (mut s, _) = listener.accept().await.unwrap();
            let tx = tx.clone();
            gort::spawn(async move {
                let mut req = vec![0u8; REQUEST];
                let outcome = match s.read_exact(&mut req).await {
                    Ok(_) => s.write_all(&req).await.map_err(|e| e.kind()),
                    Err(e) => {
                        // The peer may only have half-closed: it can still hear from us.
                        let _ = s.write_all(b"incomplete").await;
                        Err(e.kind())
                    }
                };
                let _ = tx.send(outcome);
            });
        }
    });
    (addr, rx)
}

/// `n` well-behaved clients: each request comes back byte for byte.
async fn good_clients(addr: SocketAddr, n: usize) {
    let clients: Vec<_> = (0..n)
        .map(|i| {
            gort::spawn(async move {
                let mut s = TcpStream::connect(addr).await.unwrap();
                let req: Vec<u8> = (0..REQUEST).map(|j| (i * 7 + j) as u8).collect();
                // In two parts, so the server's read spans several segments.
                s.write_all(&req[..REQUEST / 2]).await.unwrap();
                gort::time::sleep(Duration::from_millis(2)).await;
                s.write_all(&req[REQUEST / 2..]).await.unwrap();
                let mut back = vec![0u8; REQUEST];
                s.read_exact(&mut back).await.unwrap();
                assert_eq!(back, req);
            })
        })
        .collect();
    for c in clients {
        c.await.unwrap();
    }
}

/// Collects `n` connection outcomes from the server.
async fn outcomes(
    rx: &mut gort::sync::mpsc::UnboundedReceiver<Result<(), ErrorKind>>,
    n: usize,
) -> Vec<Result<(), ErrorKind>> {
    let mut seen = Vec::new();
    for _ in 0..n {
        seen.push(rx.recv().await.unwrap());
    }
    seen
}

#[test]
fn peer_resets_mid_request() {
    on_both_flavors(|| async {
        let (addr, mut rx) = serve().await;
        let mut bad = TcpStream::connect(addr).await.unwrap();
        bad.write_all(&[1u8; REQUEST / 2]).await.unwrap();
        gort::time::sleep(Duration::from_millis(20)).await;
        // Linger 0: close sends RST instead of FIN.
        bad.set_linger(Some(Duration::ZERO)).unwrap();
        drop(bad);
        assert_eq!(
            outcomes(&mut rx, 1).await,
            [Err(ErrorKind::ConnectionReset)]
        );
        good_clients(addr, 20).await;
        let ok = outcomes(&mut rx, 20).await;
        assert!(ok.iter().all(Result::is_ok), "{ok:?}");
    });
}

#[test]
fn peer_half_closes_mid_request() {
    on_both_flavors(|| async {
        let (addr, mut rx) = serve().await;
        let mut bad = TcpStream::connect(addr).await.unwrap();
        bad.write_all(&[1u8; REQUEST / 2]).await.unwrap();
        bad.shutdown().await.unwrap(); // FIN: no more requests, still listening
        assert_eq!(outcomes(&mut rx, 1).await, [Err(ErrorKind::UnexpectedEof)]);
        // The half-closed peer still receives the server's answer, then EOF.
        let mut answer = Vec::new();
        bad.read_to_end(&mut answer).await.unwrap();
        assert_eq!(answer, b"incomplete");
        good_clients(addr, 20).await;
        let ok = outcomes(&mut rx, 20).await;
        assert!(ok.iter().all(Result::is_ok), "{ok:?}");
    });
}

/// The process's resident set size.
fn rss_bytes() -> usize {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap();
    let pages: usize = statm.split_whitespace().nth(1).unwrap().parse().unwrap();
    pages * 4096
}

#[test]
fn peer_that_never_reads_gets_backpressure() {
    on_both_flavors(|| async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let _silent = TcpStream::connect(addr).await.unwrap(); // never reads
        let (mut s, _) = listener.accept().await.unwrap();
        let chunk = vec![7u8; 64 * 1024];
        let rss_before = rss_bytes();
        let mut written = 0usize;
        // Write until a write makes no progress for 200 ms: the socket buffers are full.
        loop {
            match gort::time::timeout(Duration::from_millis(200), s.write(&chunk)).await {
                Ok(n) => written += n.unwrap(),
                Err(_elapsed) => break,
            }
            assert!(
                written < 256 << 20,
                "{written} bytes accepted: no backpressure"
            );
        }
        // A second stalled write: still pending, nothing more buffered in user space.
        assert!(
            gort::time::timeout(Duration::from_millis(100), s.write_all(&chunk))
                .await
                .is_err()
        );
        let grown = rss_bytes().saturating_sub(rss_before);
        println!("never-reading peer: {written} bytes taken by the kernel, RSS grew {grown} B");
        assert!(
            written < 64 << 20,
            "{written} bytes buffered for a peer that never reads"
        );
        assert!(
            grown < 32 << 20,
            "RSS grew by {grown} B while the writer was blocked"
        );
        // The stalled connection does not hold up anyone else.
        let (addr, mut rx) = serve().await;
        good_clients(addr, 20).await;
        let ok = outcomes(&mut rx, 20).await;
        assert!(ok.iter().all(Result::is_ok), "{ok:?}");
    });
}
