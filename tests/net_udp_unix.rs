//! UDP and Unix-domain sockets on the whole runtime.

use gort::io::{AsyncReadExt, AsyncWriteExt};
use gort::net::{UdpSocket, UnixDatagram, UnixListener, UnixStream};
use gort::runtime::Builder;
use std::sync::Arc;
use std::time::Duration;

fn run<F, Fut>(limit: Duration, f: F)
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()>,
{
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(f());
        drop(rt);
        tx.send(()).unwrap();
    });
    rx.recv_timeout(limit)
        .expect("test timed out (or panicked)");
}

#[test]
fn udp_ping_pong_between_tasks_exact_datagrams() {
    run(Duration::from_secs(10), || async {
        let server = Arc::new(UdpSocket::bind("127.0.0.1:0").await.unwrap());
        let server_addr = server.local_addr().unwrap();
        let echo = {
            let server = server.clone();
            gort::task::spawn(async move {
                let mut buf = [0u8; 2048];
                for _ in 0..500 {
                    let (n, from) = server.recv_from(&mut buf).await.unwrap();
                    server.send_to(&buf[..n], from).await.unwrap();
                }
            })
        };
        let client = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        client.connect(server_addr).await.unwrap();
        let mut buf = [0u8; 2048];
        for i in 0..500usize {
            let msg: Vec<u8> = (0..(i % 1000 + 1)).map(|b| (b + i) as u8).collect();
            client.send(&msg).await.unwrap();
            let n = client.recv(&mut buf).await.unwrap();
            assert_eq!(&buf[..n], &msg[..], "datagram {i}");
        }
        echo.await.unwrap();
    });
}

#[test]
fn unix_stream_echo_and_datagrams() {
    let dir = std::env::temp_dir().join(format!("gort-net-unix-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("echo.sock");
    let _ = std::fs::remove_file(&path);
    let p = path.clone();
    run(Duration::from_secs(10), move || async move {
        let listener = UnixListener::bind(&p).unwrap();
        gort::task::spawn(async move {
            loop {
                let (stream, _) = listener.accept().await.unwrap();
                gort::task::spawn(async move {
                    let (mut rd, mut wr) = stream.into_split();
                    gort::io::copy(&mut rd, &mut wr).await.unwrap();
                });
            }
        });
        let mut clients = Vec::new();
        for i in 0..20usize {
            let p = p.clone();
            clients.push(gort::task::spawn(async move {
                let mut s = UnixStream::connect(&p).await.unwrap();
                let msg: Vec<u8> = (0..10_000 + i).map(|b| (b * 3 + i) as u8).collect();
                let (mut rd, mut wr) = s.split();
                let (w, r) = futures::join!(
                    async {
                        wr.write_all(&msg).await.unwrap();
                        wr.shutdown().await.unwrap();
                    },
                    async {
                        let mut back = Vec::new();
                        rd.read_to_end(&mut back).await.unwrap();
                        back
                    }
                );
                let () = w;
                assert!(r == msg, "client {i}");
            }));
        }
        for c in clients {
            c.await.unwrap();
        }

        let (a, b) = UnixDatagram::pair().unwrap();
        for i in 0..100u8 {
            a.send(&[i; 10]).await.unwrap();
            let mut buf = [0u8; 32];
            let n = b.recv(&mut buf).await.unwrap();
            assert_eq!(&buf[..n], &[i; 10]);
        }
        let (x, mut y) = UnixStream::pair().unwrap();
        drop(x);
        let mut buf = [0u8; 4];
        assert_eq!(
            y.read(&mut buf).await.unwrap(),
            0,
            "EOF after the peer closes"
        );
    });
    let _ = std::fs::remove_dir_all(&dir);
}
