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

/// A stream's two owned halves.
type OwnedHalves<S> = (split::OwnedReadHalf<S>, split::OwnedWriteHalf<S>);

/// The shared split halves behave the same for both stream kinds: bytes cross in both
/// directions, dropping an owned write half (not `forget`) gives the peer EOF, mismatched
/// halves come back from `reunite`, matched ones reunite into a working stream.
async fn split_halves_contract<S>(a: S, b: S, c: S, unpack: fn(S::ReuniteError) -> OwnedHalves<S>)
where
    S: split::SplitStream + crate::io::AsyncRead + crate::io::AsyncWrite + Unpin + std::fmt::Debug,
{
    let (mut a, mut b) = (a, b);
    {
        let (mut rd, mut wr) = split::split(&mut a);
        wr.write_all(b"borrowed").await.unwrap();
        let mut buf = [0u8; 8];
        b.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"borrowed");
        b.write_all(b"back").await.unwrap();
        let mut buf = [0u8; 4];
        rd.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"back");
    }
    let (ard, awr) = split::split_owned(a);
    let (crd, cwr) = split::split_owned(c);
    let Err(mismatch) = ard.reunite(cwr) else {
        panic!("halves of two streams reunited")
    };
    let (ard, cwr) = unpack(mismatch);
    cwr.forget(); // c's write direction stays open
    drop(crd);
    let mut a = ard.reunite(awr).expect("the halves of one stream reunite");
    a.write_all(b"again").await.unwrap();
    let (_ard, mut awr) = split::split_owned(a);
    awr.write_all(b"!").await.unwrap();
    drop(awr);
    let mut rest = Vec::new();
    b.read_to_end(&mut rest).await.unwrap();
    assert_eq!(rest, b"again!");
}

#[test]
fn split_halves_work_alike_for_tcp_and_unix() {
    block_on(LIMIT, async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let a = TcpStream::connect(addr).await.unwrap();
        let (b, _) = listener.accept().await.unwrap();
        let c = TcpStream::connect(addr).await.unwrap();
        let (_c_peer, _) = listener.accept().await.unwrap();
        // tokio's ReuniteError is a tuple struct: it destructures as one.
        split_halves_contract(a, b, c, |tcp::ReuniteError(rd, wr)| (rd, wr)).await;

        let (a, b) = UnixStream::pair().unwrap();
        let (c, _c_peer) = UnixStream::pair().unwrap();
        split_halves_contract(a, b, c, |unix::ReuniteError(rd, wr)| (rd, wr)).await;
    });
}

#[test]
fn datagram_buf_poll_and_try_families_for_udp_and_unix() {
    use std::future::poll_fn;
    block_on(LIMIT, async {
        // UDP: peek the sender, then receive into BufMut buffers.
        let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let a_addr = a.local_addr().unwrap();
        let b_addr = b.local_addr().unwrap();
        a.send_to(b"one", b_addr).await.unwrap();
        a.send_to(b"two", b_addr).await.unwrap();
        assert_eq!(b.peek_sender().await.unwrap(), a_addr);
        let mut buf = Vec::with_capacity(16);
        let (n, from) = b.recv_buf_from(&mut buf).await.unwrap();
        assert_eq!((n, from, &buf[..]), (3, a_addr, &b"one"[..]));
        b.readable().await.unwrap();
        let mut buf = Vec::with_capacity(16);
        assert_eq!(b.try_recv_buf(&mut buf).unwrap(), 3);
        assert_eq!(buf, b"two");
        let err = b.try_recv_buf(&mut Vec::with_capacity(16)).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::WouldBlock);
        b.set_tos_v4(0x10).unwrap();
        assert_eq!(b.tos_v4().unwrap(), 0x10);
        b.set_multicast_ttl_v4(7).unwrap();
        assert_eq!(b.multicast_ttl_v4().unwrap(), 7);

        // Unix datagrams: poll_send_to / poll_recv_from / try_send_to / try_recv_from.
        let dir = std::env::temp_dir().join(format!("gort-dgram-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir(&dir).unwrap();
        let (pa, pb) = (dir.join("a"), dir.join("b"));
        let ua = UnixDatagram::bind(&pa).unwrap();
        let ub = UnixDatagram::bind(&pb).unwrap();
        poll_fn(|cx| ua.poll_send_to(cx, b"polled", &pb))
            .await
            .unwrap();
        let mut storage = [0u8; 16];
        let mut read = crate::io::ReadBuf::new(&mut storage);
        let from = poll_fn(|cx| ub.poll_recv_from(cx, &mut read))
            .await
            .unwrap();
        assert_eq!(read.filled(), b"polled");
        assert_eq!(from.as_pathname(), Some(pa.as_path()));
        ua.writable().await.unwrap();
        assert_eq!(ua.try_send_to(b"tried", &pb).unwrap(), 5);
        ub.readable().await.unwrap();
        let mut buf = [0u8; 16];
        let (n, from) = ub.try_recv_from(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"tried");
        assert_eq!(from.as_pathname(), Some(pa.as_path()));
        ua.send_to(b"buffered", &pb).await.unwrap();
        let mut buf = Vec::with_capacity(32);
        assert_eq!(ub.recv_buf(&mut buf).await.unwrap(), 8);
        assert_eq!(buf, b"buffered");
        std::fs::remove_dir_all(&dir).unwrap();
    });
}

#[test]
fn unix_stream_peer_cred_connect_addr_and_try_read_buf() {
    block_on(LIMIT, async {
        let path = std::env::temp_dir().join(format!("gort-addr-{}.sock", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let addr = std::os::unix::net::SocketAddr::from_pathname(&path).unwrap();
        let listener = UnixListener::bind_addr(&addr).unwrap();
        let (client, (server, _)) = futures::join!(
            async { UnixStream::connect_addr(&addr).await.unwrap() },
            async { listener.accept().await.unwrap() }
        );
        let cred = client.peer_cred().unwrap();
        assert_eq!(cred, server.peer_cred().unwrap());
        assert_eq!(cred.pid(), Some(std::process::id() as i32));
        // SAFETY: getuid has no preconditions.
        assert_eq!(cred.uid(), unsafe { libc::getuid() });
        let mut client = client;
        client.write_all(b"bytes").await.unwrap();
        server.readable().await.unwrap();
        let mut buf = Vec::with_capacity(64);
        assert_eq!(server.try_read_buf(&mut buf).unwrap(), 5);
        assert_eq!(buf, b"bytes");
        std::fs::remove_file(&path).unwrap();

        let tcp = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let s = TcpStream::connect(tcp.local_addr().unwrap()).await.unwrap();
        assert_eq!(s.linger().unwrap(), None);
        s.set_zero_linger().unwrap();
        assert_eq!(s.linger().unwrap(), Some(Duration::ZERO));
    });
}

#[test]
#[cfg(target_os = "linux")]
fn unix_abstract_names_and_fresh_pairs_start_writable() {
    block_on(LIMIT, async {
        let name = format!("\0gort-abstract-{}", std::process::id());
        let listener = UnixListener::bind(&name).unwrap();
        let (client, (server, _)) =
            futures::join!(async { UnixStream::connect(&name).await.unwrap() }, async {
                listener.accept().await.unwrap()
            });
        let local = server.into_std().unwrap().local_addr().unwrap();
        use std::os::linux::net::SocketAddrExt;
        assert_eq!(local.as_abstract_name(), Some(&name.as_bytes()[1..]));
        drop(client);

        // A fresh pair can send before the driver has seen any event.
        let (a, b) = UnixDatagram::pair().unwrap();
        let waker = futures::task::noop_waker();
        let mut cx = std::task::Context::from_waker(&waker);
        assert!(a.poll_send_ready(&mut cx).is_ready());
        assert!(b.poll_recv_ready(&mut cx).is_pending());
        a.try_send(b"now").unwrap();
    });
}

#[test]
fn unix_socket_binds_then_listens_connects_or_sends_datagrams() {
    block_on(LIMIT, async {
        let dir = std::env::temp_dir().join(format!("gort-unixsocket-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir(&dir).unwrap();
        let (server_path, client_path) = (dir.join("server"), dir.join("client"));

        let server = UnixSocket::new_stream().unwrap();
        server.bind(&server_path).unwrap();
        let listener = server.listen(16).unwrap();
        let client = UnixSocket::new_stream().unwrap();
        client.bind(&client_path).unwrap();
        let (mut stream, (mut accepted, peer)) = futures::join!(
            async { client.connect(&server_path).await.unwrap() },
            async { listener.accept().await.unwrap() }
        );
        assert_eq!(peer.as_pathname(), Some(client_path.as_path()));
        stream.write_all(b"over a bound socket").await.unwrap();
        drop(stream);
        let mut got = String::new();
        accepted.read_to_string(&mut got).await.unwrap();
        assert_eq!(got, "over a bound socket");

        let dgram_path = dir.join("dgram");
        let d = UnixSocket::new_datagram().unwrap();
        d.bind(&dgram_path).unwrap();
        let d = d.datagram().unwrap();
        let sender = UnixDatagram::unbound().unwrap();
        sender.send_to(b"dg", &dgram_path).await.unwrap();
        let mut buf = [0u8; 8];
        assert_eq!(d.recv(&mut buf).await.unwrap(), 2);

        let misuse = UnixSocket::new_datagram().unwrap().listen(1).unwrap_err();
        assert_eq!(
            misuse.to_string(),
            "listen cannot be called on a datagram socket"
        );
        let misuse = UnixSocket::new_stream().unwrap().datagram().unwrap_err();
        assert_eq!(
            misuse.to_string(),
            "datagram cannot be called on a stream socket"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    });
}

#[test]
fn data_seen_before_the_reactor_shut_down_is_still_readable_then_reads_report_it() {
    let (server, _client) = block_on(LIMIT, async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let mut client = TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        client.write_all(b"hello").await.unwrap();
        let (server, _) = listener.accept().await.unwrap();
        server.readable().await.unwrap();
        (server, client)
    }); // the driver is dropped here
    let mut buf = [0u8; 5];
    assert_eq!(server.try_read(&mut buf).unwrap(), 5);
    assert_eq!(&buf, b"hello");
    let mut server = server;
    let err = block_on(LIMIT, async { server.read(&mut buf).await.unwrap_err() });
    assert!(err.to_string().contains("shut down"), "{err}");
}

#[cfg(target_os = "linux")]
#[test]
fn tcp_quickack_round_trips_on_both_ends() {
    block_on(LIMIT, async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (client, accepted) = futures::join!(TcpStream::connect(addr), listener.accept());
        let (mut client, (mut server, _)) = (client.unwrap(), accepted.unwrap());
        for stream in [&client, &server] {
            stream.set_quickack(true).unwrap();
            assert!(stream.quickack().unwrap());
        }
        client.write_all(b"ack").await.unwrap();
        let mut buf = [0; 3];
        server.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"ack");
        for stream in [&client, &server] {
            stream.set_quickack(false).unwrap();
            assert!(!stream.quickack().unwrap());
        }
    });
}

/// A read into an uninitialized buffer fills exactly what arrived and initializes nothing more
/// (no memset of the spare capacity per read, which hyper's 8 KiB read buffer used to pay).
#[test]
fn read_into_uninit_buffer_initializes_only_what_it_filled() {
    use crate::io::{AsyncRead, ReadBuf};
    use std::mem::MaybeUninit;
    use std::pin::Pin;
    block_on(LIMIT, async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mut client = TcpStream::connect(addr).await.unwrap();
        let (mut server, _) = listener.accept().await.unwrap();
        client.write_all(b"hello").await.unwrap();
        let mut storage = vec![MaybeUninit::<u8>::uninit(); 8 * 1024];
        let mut buf = ReadBuf::uninit(&mut storage);
        std::future::poll_fn(|cx| Pin::new(&mut server).poll_read(cx, &mut buf))
            .await
            .unwrap();
        assert_eq!(buf.filled(), b"hello");
        assert_eq!(buf.initialized().len(), 5);
        // The next read appends after the filled part.
        client.write_all(b" world").await.unwrap();
        std::future::poll_fn(|cx| Pin::new(&mut server).poll_read(cx, &mut buf))
            .await
            .unwrap();
        assert_eq!(buf.filled(), b"hello world");
    });
}
