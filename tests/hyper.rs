//! hyper 1.x on gort (feature `hyper`): `examples/hyper_server.rs` answering hyper's own client,
//! HTTP/1.1 and HTTP/2, with exact bodies; and each piece of the glue on its own.
#![cfg(feature = "hyper")]

use std::time::Duration;

use bytes::Bytes;
use gort::hyper::{GortExecutor, GortIo, GortTimer};
use gort::io::{AsyncReadExt, AsyncWriteExt};
use gort::net::{TcpListener, TcpStream};
use gort::sync::CancellationToken;
use http_body_util::{BodyExt, Full};
use hyper::{Method, Request, StatusCode, Version};

#[allow(dead_code)]
#[path = "../examples/hyper_server.rs"]
mod hyper_server;

const LIMIT: Duration = Duration::from_secs(10);

fn request(method: Method, path: &str, body: &'static str) -> Request<Full<Bytes>> {
    Request::builder()
        .method(method)
        .uri(format!("http://127.0.0.1{path}"))
        .body(Full::new(Bytes::from_static(body.as_bytes())))
        .expect("a valid request")
}

async fn body_text(response: hyper::Response<hyper::body::Incoming>) -> String {
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("the whole body")
        .to_bytes();
    String::from_utf8(bytes.to_vec()).expect("utf-8 body")
}

async fn http1_requests(addr: std::net::SocketAddr) {
    let stream = TcpStream::connect(addr).await.expect("connect");
    let (mut sender, connection) = hyper::client::conn::http1::handshake(GortIo::new(stream))
        .await
        .expect("handshake");
    let connection = gort::spawn(connection);

    // Two requests on one keep-alive connection, then an echo.
    for _ in 0..2 {
        sender.ready().await.expect("connection ready");
        let response = sender
            .send_request(request(Method::GET, "/", ""))
            .await
            .expect("GET /");
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.version(), Version::HTTP_11);
        assert_eq!(body_text(response).await, "hello from gort over HTTP/1.1\n");
    }
    sender.ready().await.expect("connection ready");
    let response = sender
        .send_request(request(Method::POST, "/echo", "ping over h1"))
        .await
        .expect("POST");
    assert_eq!(body_text(response).await, "ping over h1");
    drop(sender);
    connection
        .await
        .expect("connection task")
        .expect("clean close");
}

async fn http2_requests(addr: std::net::SocketAddr) {
    let stream = TcpStream::connect(addr).await.expect("connect");
    let (sender, connection) = hyper::client::conn::http2::Builder::new(GortExecutor::new())
        .timer(GortTimer::new())
        .handshake(GortIo::new(stream))
        .await
        .expect("h2 handshake");
    gort::spawn(connection);

    // Three streams multiplexed on one connection at once.
    let mut streams = gort::task::JoinSet::new();
    for i in 0..3 {
        let mut sender = sender.clone();
        streams.spawn(async move {
            sender.ready().await.expect("h2 ready");
            let body: &'static str = ["zero", "one", "two"][i];
            let response = sender
                .send_request(request(Method::POST, "/echo", body))
                .await
                .expect("POST");
            assert_eq!(response.version(), Version::HTTP_2);
            (body, body_text(response).await)
        });
    }
    let mut echoed = 0;
    while let Some(result) = streams.join_next().await {
        let (sent, got) = result.expect("stream task");
        assert_eq!(sent, got);
        echoed += 1;
    }
    assert_eq!(echoed, 3);

    let mut sender = sender;
    sender.ready().await.expect("connection ready");
    let response = sender
        .send_request(request(Method::GET, "/", ""))
        .await
        .expect("GET /");
    assert_eq!(body_text(response).await, "hello from gort over HTTP/2.0\n");
    sender.ready().await.expect("connection ready");
    let response = sender
        .send_request(request(Method::GET, "/nope", ""))
        .await
        .expect("GET");
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

#[gort::test(flavor = "multi_thread", worker_threads = 2)]
async fn example_server_answers_http1_and_http2_then_stops() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("local addr");
    // 3 HTTP/1 + 5 HTTP/2 requests; the server stops by itself after the 8th.
    let server = gort::spawn(hyper_server::serve(
        listener,
        Some(8),
        CancellationToken::new(),
    ));

    gort::time::timeout(LIMIT, async {
        http1_requests(addr).await;
        http2_requests(addr).await;
    })
    .await
    .expect("the requests finish in time");

    let served = gort::time::timeout(LIMIT, server)
        .await
        .expect("the server stops after its request budget")
        .expect("server task")
        .expect("server io");
    assert_eq!(served, 8);
}

#[gort::test]
async fn timer_enforces_hyper_header_read_timeout() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("local addr");
    let server = gort::spawn(async move {
        let (stream, _) = listener.accept().await.expect("accept");
        let service = hyper::service::service_fn(|_req| async {
            Ok::<_, std::convert::Infallible>(hyper::Response::new(Full::new(Bytes::new())))
        });
        hyper::server::conn::http1::Builder::new()
            .timer(GortTimer::new())
            .header_read_timeout(Duration::from_millis(100))
            .serve_connection(GortIo::new(stream), service)
            .await
    });

    let mut client = TcpStream::connect(addr).await.expect("connect");
    let started = std::time::Instant::now();
    client
        .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n")
        .await
        .expect("half a request");
    let mut rest = Vec::new();
    let read = gort::time::timeout(LIMIT, client.read_to_end(&mut rest)).await;
    let elapsed = started.elapsed();
    read.expect("hyper closes the connection once the timer fires")
        .expect("read");
    assert!(
        elapsed >= Duration::from_millis(90),
        "closed too early: {elapsed:?}"
    );
    let result = server.await.expect("server task");
    assert!(result.is_err(), "hyper reports the header timeout");
}

#[gort::test]
async fn gort_io_wraps_both_ways() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("local addr");
    let echo = gort::spawn(async move {
        let (mut stream, _) = listener.accept().await.expect("accept");
        let mut buf = vec![0u8; 11];
        stream.read_exact(&mut buf).await.expect("read");
        stream.write_all(&buf).await.expect("write");
    });
    // gort -> hyper -> gort: the outer `GortIo` sees the inner one as a hyper stream.
    let stream = TcpStream::connect(addr).await.expect("connect");
    let mut both_ways = GortIo::new(GortIo::new(stream));
    both_ways.write_all(b"round trip!").await.expect("write");
    let mut back = [0u8; 11];
    both_ways.read_exact(&mut back).await.expect("read");
    assert_eq!(&back, b"round trip!");
    echo.await.expect("echo task");
}

#[gort::test(flavor = "multi_thread", worker_threads = 2)]
async fn executor_spawns_onto_gort() {
    use hyper::rt::Executor;
    let (tx, rx) = gort::sync::oneshot::channel();
    GortExecutor::new().execute(async move {
        tx.send(std::thread::current().id())
            .expect("receiver alive");
    });
    let ran_on = gort::time::timeout(LIMIT, rx)
        .await
        .expect("in time")
        .expect("sent");
    assert_ne!(
        ran_on,
        std::thread::current().id(),
        "ran on a worker, not the test thread"
    );
}

#[gort::test]
async fn timer_sleeps_and_resets() {
    use hyper::rt::Timer;
    let timer = GortTimer::new();
    let start = std::time::Instant::now();
    let mut sleep = timer.sleep(Duration::from_secs(60));
    timer.reset(
        &mut sleep,
        std::time::Instant::now() + Duration::from_millis(30),
    );
    gort::time::timeout(LIMIT, sleep)
        .await
        .expect("the reset deadline fires");
    let elapsed = start.elapsed();
    assert!(elapsed >= Duration::from_millis(30), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
}
