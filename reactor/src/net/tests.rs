//! The net types on a driver (the whole-runtime tests are in the root `tests/net_*.rs`).

use super::*;
use crate::io::{AsyncReadExt, AsyncWriteExt};
use crate::test_block_on::block_on;
use futures::future::join_all;
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(10);

#[test]
fn tcp_echo_many_connections_exact_bytes() {
    block_on(LIMIT, async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let clients = 50usize;
        let server = async {
            let mut conns = Vec::new();
            for _ in 0..clients {
                let (mut s, _) = listener.accept().await.unwrap();
                conns.push(async move {
                    let mut buf = vec![0u8; 4096];
                    let mut total = 0;
                    loop {
                        let n = s.read(&mut buf).await.unwrap();
                        if n == 0 {
                            break total;
                        }
                        total += n;
                        s.write_all(&buf[..n]).await.unwrap();
                    }
                });
            }
            join_all(conns).await
        };
        let client = |i: usize| async move {
            let mut s = TcpStream::connect(addr).await.unwrap();
            let msg: Vec<u8> = (0..10_000 + i).map(|b| (b * 31 + i) as u8).collect();
            let (mut rd, mut wr) = s.split();
            let write = async {
                wr.write_all(&msg).await.unwrap();
                wr.shutdown().await.unwrap();
            };
            let mut back = Vec::new();
            let read = rd.read_to_end(&mut back);
            let (_, n) = futures::join!(write, read);
            assert_eq!(n.unwrap(), msg.len());
            assert_eq!(back, msg);
            msg.len()
        };
        let (served, sent) = futures::join!(server, join_all((0..clients).map(client)));
        assert_eq!(served, sent);
    });
}

#[test]
fn half_close_delivers_eof_and_the_other_direction_still_works() {
    block_on(LIMIT, async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (client, accepted) = futures::join!(TcpStream::connect(addr), listener.accept());
        let (mut client, (server, _)) = (client.unwrap(), accepted.unwrap());
        let (mut srd, mut swr) = server.into_split();
        client.write_all(b"request").await.unwrap();
        client.shutdown().await.unwrap();
        let mut req = Vec::new();
        srd.read_to_end(&mut req).await.unwrap();
        assert_eq!(req, b"request");
        swr.write_all(b"response").await.unwrap();
        drop(swr); // shuts down the write direction
        let mut resp = Vec::new();
        client.read_to_end(&mut resp).await.unwrap();
        assert_eq!(resp, b"response");
    });
}

#[test]
fn bind_in_use_and_connect_refused_are_errors() {
    block_on(LIMIT, async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let err = TcpListener::bind(addr).await.unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::AddrInUse);
        drop(listener);
        // The port is closed now (nobody listens).
        let err = TcpStream::connect(addr).await.unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::ConnectionRefused);
        let udp = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let err = UdpSocket::bind(udp.local_addr().unwrap())
            .await
            .unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::AddrInUse);
    });
}

#[test]
fn reset_by_peer_is_an_error_not_a_hang() {
    block_on(LIMIT, async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (client, accepted) = futures::join!(TcpStream::connect(addr), listener.accept());
        let (client, (mut server, _)) = (client.unwrap(), accepted.unwrap());
        client.set_linger(Some(Duration::ZERO)).unwrap();
        drop(client); // RST
        let mut buf = [0u8; 16];
        match server.read(&mut buf).await {
            Err(e) => assert_eq!(e.kind(), std::io::ErrorKind::ConnectionReset),
            Ok(n) => assert_eq!(n, 0, "a reset reads as an error or EOF"),
        }
    });
}

#[test]
fn udp_send_recv_connected_and_unconnected() {
    block_on(LIMIT, async {
        let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let b = UdpSocket::bind(("127.0.0.1", 0)).await.unwrap();
        let (aa, ba) = (a.local_addr().unwrap(), b.local_addr().unwrap());
        for i in 0..100u8 {
            a.send_to(&[i; 32], ba).await.unwrap();
            let mut buf = [0u8; 64];
            let (n, from) = b.recv_from(&mut buf).await.unwrap();
            assert_eq!((n, from), (32, aa));
            assert!(buf[..n].iter().all(|&x| x == i));
        }
        a.connect(ba).await.unwrap();
        b.connect(aa).await.unwrap();
        assert_eq!(a.peer_addr().unwrap(), ba);
        let (sent, got) = futures::join!(a.send(b"ping"), async {
            let mut buf = [0u8; 8];
            let n = b.recv(&mut buf).await.unwrap();
            buf[..n].to_vec()
        });
        assert_eq!(sent.unwrap(), 4);
        assert_eq!(got, b"ping");
    });
}

#[test]
fn unix_stream_listener_and_datagram() {
    let dir = std::env::temp_dir().join(format!("gort-unix-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join("s.sock");
    let _ = std::fs::remove_file(&path);
    block_on(LIMIT, async {
        let listener = UnixListener::bind(&path).unwrap();
        let (client, accepted) = futures::join!(UnixStream::connect(&path), listener.accept());
        let (mut client, (mut server, _)) = (client.unwrap(), accepted.unwrap());
        client.write_all(b"over unix").await.unwrap();
        client.shutdown().await.unwrap();
        let mut got = String::new();
        server.read_to_string(&mut got).await.unwrap();
        assert_eq!(got, "over unix");

        let (mut a, b) = UnixStream::pair().unwrap();
        let (mut brd, mut bwr) = b.into_split();
        a.write_all(b"x").await.unwrap();
        let mut one = [0u8; 1];
        brd.read_exact(&mut one).await.unwrap();
        bwr.write_all(b"y").await.unwrap();
        a.read_exact(&mut one).await.unwrap();
        assert_eq!(&one, b"y");
        let b = brd.reunite(bwr).unwrap();
        drop(b);
        assert_eq!(a.read(&mut one).await.unwrap(), 0);

        let (d1, d2) = UnixDatagram::pair().unwrap();
        d1.send(b"dgram").await.unwrap();
        let mut buf = [0u8; 16];
        let n = d2.recv(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"dgram");
    });
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn readiness_api_and_try_io() {
    block_on(LIMIT, async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (client, accepted) = futures::join!(TcpStream::connect(addr), listener.accept());
        let (client, (server, _)) = (client.unwrap(), accepted.unwrap());
        let mut buf = [0u8; 8];
        assert_eq!(
            server.try_read(&mut buf).unwrap_err().kind(),
            std::io::ErrorKind::WouldBlock
        );
        client.writable().await.unwrap();
        assert_eq!(client.try_write(b"abc").unwrap(), 3);
        let mut peeked = [0u8; 8];
        assert_eq!(server.peek(&mut peeked).await.unwrap(), 3);
        loop {
            server.readable().await.unwrap();
            match server.try_read(&mut buf) {
                Ok(n) => {
                    assert_eq!(&buf[..n], b"abc");
                    break;
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
                Err(e) => panic!("{e}"),
            }
        }
        // tokio's readiness API: `ready` reports, `try_io` clears on WouldBlock.
        use crate::io::Interest;
        let ready = client.ready(Interest::WRITABLE).await.unwrap();
        assert!(ready.is_writable() && !ready.is_readable());
        assert_eq!(
            server
                .try_io(Interest::READABLE, || Err::<(), _>(
                    std::io::ErrorKind::WouldBlock.into()
                ))
                .unwrap_err()
                .kind(),
            std::io::ErrorKind::WouldBlock
        );
        client.try_write(b"z").unwrap();
        let ready = server.ready(Interest::READABLE).await.unwrap();
        assert!(ready.is_readable());
        let n = server
            .async_io(Interest::READABLE, || server.try_read(&mut buf))
            .await
            .unwrap();
        assert_eq!(&buf[..n], b"z");
        server.set_nodelay(true).unwrap();
        assert!(server.nodelay().unwrap());
        assert_eq!(server.peer_addr().unwrap(), client.local_addr().unwrap());
    });
}

#[test]
fn sockets_deregister_on_drop_and_std_round_trips() {
    block_on(LIMIT, async {
        let handle = crate::driver::Handle::current();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let stream = TcpStream::connect(addr).await.unwrap();
        let (accepted, _) = listener.accept().await.unwrap();
        assert_eq!(handle.io_count(), 3);
        let std_stream = stream.into_std().unwrap();
        assert_eq!(handle.io_count(), 2);
        let stream = TcpStream::from_std(std_stream).unwrap();
        assert_eq!(handle.io_count(), 3);
        drop((listener, stream, accepted));
        assert_eq!(handle.io_count(), 0);
    });
}

#[test]
fn connect_by_host_name_resolves_off_thread() {
    block_on(LIMIT, async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (s, a) = futures::join!(TcpStream::connect(("localhost", port)), listener.accept());
        // localhost may resolve to ::1 first, which nobody listens on; 127.0.0.1 then wins.
        assert_eq!(s.unwrap().peer_addr().unwrap().port(), port);
        assert!(a.is_ok());
    });
}

#[test]
fn tcp_socket_configures_then_listens_and_connects() {
    block_on(LIMIT, async {
        let server = TcpSocket::new_v4().unwrap();
        server.set_reuseaddr(true).unwrap();
        server.bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let addr = server.local_addr().unwrap();
        let listener = server.listen(16).unwrap();
        let client = TcpSocket::new_v4().unwrap();
        client.set_nodelay(true).unwrap();
        let (stream, accepted) = futures::join!(client.connect(addr), listener.accept());
        let (mut stream, (mut accepted, _)) = (stream.unwrap(), accepted.unwrap());
        assert!(stream.nodelay().unwrap());
        stream.write_all(b"via TcpSocket").await.unwrap();
        stream.shutdown().await.unwrap();
        let mut got = Vec::new();
        accepted.read_to_end(&mut got).await.unwrap();
        assert_eq!(got, b"via TcpSocket");
        // Binding the same address again without SO_REUSEPORT fails cleanly.
        let again = TcpSocket::new_v4().unwrap();
        assert_eq!(
            again
                .bind(addr)
                .and_then(|()| again.listen(1).map(drop))
                .unwrap_err()
                .kind(),
            std::io::ErrorKind::AddrInUse
        );
        // Connecting to a closed port fails.
        drop(listener);
        let err = TcpSocket::new_v4()
            .unwrap()
            .connect(addr)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::ConnectionRefused);
    });
}
