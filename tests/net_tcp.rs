//! TCP on the whole runtime: echo under load, half-close, resets, and the error cases.

use gort::io::{AsyncReadExt, AsyncWriteExt};
use gort::net::{TcpListener, TcpStream};
use gort::runtime::{Builder, Runtime};
use std::future::Future;
use std::io::ErrorKind;
use std::net::SocketAddr;
use std::time::Duration;

fn runtime() -> Runtime {
    Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .unwrap()
}

/// Runs `f` on a fresh multi-thread runtime on another thread; fails instead of hanging.
fn run<F, Fut>(limit: Duration, f: F)
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()>,
{
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = runtime();
        rt.block_on(f());
        drop(rt);
        tx.send(()).unwrap();
    });
    rx.recv_timeout(limit)
        .expect("test timed out (or panicked)");
}

/// An echo server: one task per connection, echoing until EOF, then half-closing.
async fn echo_server() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    gort::task::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                continue;
            };
            gort::task::spawn(async move {
                let mut buf = vec![0u8; 4096];
                loop {
                    match socket.read(&mut buf).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => {
                            if socket.write_all(&buf[..n]).await.is_err() {
                                break;
                            }
                        }
                    }
                }
                let _ = socket.shutdown().await;
            });
        }
    });
    addr
}

fn payload(i: usize) -> Vec<u8> {
    (0..20_000 + i * 7)
        .map(|b| (b * 131 + i * 7) as u8)
        .collect()
}

#[test]
fn echo_200_concurrent_connections_exact_bytes() {
    run(Duration::from_secs(30), || async {
        let addr = echo_server().await;
        let clients: Vec<_> = (0..200)
            .map(|i| {
                gort::task::spawn(async move {
                    let stream = TcpStream::connect(addr).await.unwrap();
                    let (mut rd, mut wr) = stream.into_split();
                    let msg = payload(i);
                    let expected = msg.clone();
                    let writer = gort::task::spawn(async move {
                        wr.write_all(&msg).await.unwrap();
                        wr.shutdown().await.unwrap();
                    });
                    let mut back = Vec::with_capacity(expected.len());
                    rd.read_to_end(&mut back).await.unwrap();
                    writer.await.unwrap();
                    assert_eq!(back.len(), expected.len(), "client {i}: byte count");
                    assert!(back == expected, "client {i}: bytes differ");
                    back.len()
                })
            })
            .collect();
        let mut total = 0;
        for c in clients {
            total += c.await.unwrap();
        }
        assert_eq!(total, (0..200).map(|i| payload(i).len()).sum::<usize>());
    });
}

#[test]
fn half_close_delivers_eof_to_the_peer() {
    run(Duration::from_secs(10), || async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = gort::task::spawn(async move {
            let (mut s, _) = listener.accept().await.unwrap();
            let mut req = Vec::new();
            s.read_to_end(&mut req).await.unwrap(); // ends only at the client's EOF
            s.write_all(&[req.len() as u8]).await.unwrap();
            req
        });
        let mut client = TcpStream::connect(addr).await.unwrap();
        client.write_all(b"hello, half-close").await.unwrap();
        client.shutdown().await.unwrap();
        // Our read direction still works after shutting down writes.
        let mut reply = Vec::new();
        client.read_to_end(&mut reply).await.unwrap();
        assert_eq!(reply, [17]);
        assert_eq!(server.await.unwrap(), b"hello, half-close");
    });
}

#[test]
fn server_keeps_serving_after_a_client_resets_mid_request() {
    run(Duration::from_secs(10), || async {
        let addr = echo_server().await;
        for round in 0..5 {
            // A client that sends half a request and resets (SO_LINGER 0 makes close send RST).
            let rude = TcpStream::connect(addr).await.unwrap();
            let mut rude = rude;
            rude.write_all(b"partial req").await.unwrap();
            rude.set_linger(Some(Duration::ZERO)).unwrap();
            drop(rude);
            // A well-behaved client is still served, byte for byte.
            let mut ok = TcpStream::connect(addr).await.unwrap();
            let msg = payload(round);
            ok.write_all(&msg).await.unwrap();
            ok.shutdown().await.unwrap();
            let mut back = Vec::new();
            ok.read_to_end(&mut back).await.unwrap();
            assert!(back == msg, "round {round}");
        }
    });
}

#[test]
fn reset_shows_up_as_an_error_or_eof_on_the_server_side() {
    run(Duration::from_secs(10), || async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let client = TcpStream::connect(addr).await.unwrap();
        let (mut server, _) = listener.accept().await.unwrap();
        client.set_linger(Some(Duration::ZERO)).unwrap();
        drop(client);
        let mut buf = [0u8; 64];
        match server.read(&mut buf).await {
            Err(e) => assert_eq!(e.kind(), ErrorKind::ConnectionReset),
            Ok(n) => assert_eq!(n, 0),
        }
    });
}

#[test]
fn binding_an_address_in_use_is_an_io_error() {
    run(Duration::from_secs(10), || async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let err = TcpListener::bind(addr).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::AddrInUse);
        // Also through a string address.
        let err = TcpListener::bind(format!("127.0.0.1:{}", addr.port()))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::AddrInUse);
    });
}

#[test]
fn connecting_to_a_closed_port_is_an_error() {
    run(Duration::from_secs(10), || async {
        let addr = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap()
        }; // closed again
        let err = TcpStream::connect(addr).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ConnectionRefused);
    });
}

#[test]
fn addresses_in_every_form_and_host_names() {
    run(Duration::from_secs(10), || async {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
        let port = listener.local_addr().unwrap().port();
        gort::task::spawn(async move {
            while let Ok((s, _)) = listener.accept().await {
                drop(s);
            }
        });
        let forms: Vec<TcpStream> = vec![
            TcpStream::connect(format!("127.0.0.1:{port}"))
                .await
                .unwrap(),
            TcpStream::connect(("127.0.0.1", port)).await.unwrap(),
            TcpStream::connect(SocketAddr::from(([127, 0, 0, 1], port)))
                .await
                .unwrap(),
            // A host name: resolved on the blocking pool, not on a worker.
            TcpStream::connect(("localhost", port)).await.unwrap(),
        ];
        for s in forms {
            assert_eq!(s.peer_addr().unwrap().port(), port);
        }
    });
}

#[test]
fn futures_io_traits_work_on_tcp_streams() {
    run(Duration::from_secs(10), || async {
        let addr = echo_server().await;
        let mut s = TcpStream::connect(addr).await.unwrap();
        futures::io::AsyncWriteExt::write_all(&mut s, b"via futures-io")
            .await
            .unwrap();
        futures::io::AsyncWriteExt::close(&mut s).await.unwrap();
        let mut back = Vec::new();
        futures::io::AsyncReadExt::read_to_end(&mut s, &mut back)
            .await
            .unwrap();
        assert_eq!(back, b"via futures-io");
    });
}

#[test]
fn every_task_accepting_on_a_shared_listener_is_woken() {
    run(Duration::from_secs(20), || async {
        const TASKS: usize = 20;
        let listener = std::sync::Arc::new(TcpListener::bind("127.0.0.1:0").await.unwrap());
        let addr = listener.local_addr().unwrap();
        let (ready_tx, mut ready_rx) = gort::sync::mpsc::unbounded_channel();
        let acceptors: Vec<_> = (0..TASKS)
            .map(|_| {
                let listener = listener.clone();
                let ready_tx = ready_tx.clone();
                gort::spawn(async move {
                    let accept = listener.accept();
                    gort::pin!(accept);
                    // Park in accept first, then report (once) that this task is waiting.
                    let mut reported = false;
                    std::future::poll_fn(|cx| {
                        let polled = accept.as_mut().poll(cx);
                        if polled.is_pending() && !reported {
                            reported = true;
                            let _ = ready_tx.send(());
                        }
                        polled
                    })
                    .await
                    .unwrap()
                    .1
                })
            })
            .collect();
        for _ in 0..TASKS {
            ready_rx.recv().await.unwrap();
        }
        let clients: Vec<TcpStream> = {
            let mut v = Vec::new();
            for _ in 0..TASKS {
                v.push(TcpStream::connect(addr).await.unwrap());
            }
            v
        };
        let mut peers: Vec<SocketAddr> = Vec::new();
        for acceptor in acceptors {
            peers.push(acceptor.await.unwrap());
        }
        let mut expected: Vec<SocketAddr> =
            clients.iter().map(|c| c.local_addr().unwrap()).collect();
        peers.sort();
        expected.sort();
        assert_eq!(peers, expected, "each connection accepted exactly once");
    });
}
