//! hyper_server: a hyper 1.x server on gort, HTTP/1.1 and HTTP/2 (cleartext) on one port.
//!
//! Run it (loopback only):
//!
//!     cargo run --example hyper_server --features hyper -- [--port 3000] [--requests N]
//!
//! then, from another terminal:
//!
//!     curl http://127.0.0.1:3000/                           # hello from gort over HTTP/1.1
//!     curl --http2-prior-knowledge http://127.0.0.1:3000/   # hello from gort over HTTP/2.0
//!     curl -d 'ping' http://127.0.0.1:3000/echo              # ping
//!
//! It serves until Ctrl-C, or until it has answered N requests when given `--requests N`.
//! Each connection's first bytes decide its protocol: the HTTP/2 connection preface
//! (`PRI * HTTP/2.0...`) means HTTP/2, anything else HTTP/1.1 (what hyper-util's `auto` does).
//! The glue is `gort::hyper::{GortIo, GortExecutor, GortTimer}`.

use std::convert::Infallible;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use gort::hyper::{GortExecutor, GortIo, GortTimer};
use gort::io::{AsyncRead, AsyncReadExt, AsyncWrite, ReadBuf};
use gort::net::{TcpListener, TcpStream};
use gort::sync::CancellationToken;
use gort::task::JoinSet;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};

/// What an HTTP/2 client sends first (RFC 9113, section 3.4).
const H2_PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

#[gort::main]
async fn main() -> io::Result<()> {
    let mut port = 3000u16;
    let mut max_requests = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = args.next();
        match (arg.as_str(), value.and_then(|v| v.parse::<usize>().ok())) {
            ("--port", Some(p)) if p <= usize::from(u16::MAX) => port = p as u16,
            ("--requests", Some(n)) => max_requests = Some(n),
            _ => {
                eprintln!("usage: hyper_server [--port PORT] [--requests N]");
                std::process::exit(2);
            }
        }
    }
    let listener = TcpListener::bind(("127.0.0.1", port)).await?;
    println!(
        "listening on http://{} (HTTP/1.1 and HTTP/2)",
        listener.local_addr()?
    );
    let stop = CancellationToken::new();
    let ctrl_c = stop.clone();
    gort::spawn(async move {
        if gort::signal::ctrl_c().await.is_ok() {
            ctrl_c.cancel();
        }
    });
    let served = serve(listener, max_requests, stop).await?;
    println!("served {served} requests, bye");
    Ok(())
}

/// Serves HTTP/1.1 and HTTP/2 on `listener` until `stop` is cancelled or `max_requests` requests
/// have been answered; then lets open connections finish their current request and returns the
/// number of requests answered.
pub async fn serve(
    listener: TcpListener,
    max_requests: Option<usize>,
    stop: CancellationToken,
) -> io::Result<usize> {
    let served = Arc::new(AtomicUsize::new(0));
    let mut connections = JoinSet::new();
    loop {
        let (stream, _peer) = gort::select! {
            accepted = listener.accept() => accepted?,
            _ = stop.cancelled() => break,
        };
        let served = served.clone();
        let stop = stop.clone();
        connections.spawn(async move {
            if let Err(err) = serve_connection(stream, served, max_requests, stop).await {
                eprintln!("connection error: {err}");
            }
        });
    }
    // Give in-flight requests a moment to finish; connections idle in keep-alive close at once.
    let drain = async { while connections.join_next().await.is_some() {} };
    if gort::time::timeout(Duration::from_secs(5), drain)
        .await
        .is_err()
    {
        connections.abort_all();
    }
    Ok(served.load(Ordering::SeqCst))
}

async fn serve_connection(
    mut stream: TcpStream,
    served: Arc<AtomicUsize>,
    max_requests: Option<usize>,
    stop: CancellationToken,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let prefix = read_preface(&mut stream).await?;
    let is_h2 = prefix == H2_PREFACE;
    let io = GortIo::new(Rewind {
        prefix,
        pos: 0,
        inner: stream,
    });
    let stop_after_last = stop.clone();
    let service = service_fn(move |request| {
        let served = served.clone();
        let stop = stop_after_last.clone();
        async move {
            let response = respond(request).await;
            let count = served.fetch_add(1, Ordering::SeqCst) + 1;
            if max_requests.is_some_and(|max| count >= max) {
                stop.cancel();
            }
            response
        }
    });
    if is_h2 {
        let connection = hyper::server::conn::http2::Builder::new(GortExecutor::new())
            .timer(GortTimer::new())
            .serve_connection(io, service);
        let mut connection = std::pin::pin!(connection);
        gort::select! {
            result = connection.as_mut() => return Ok(result?),
            _ = stop.cancelled() => connection.as_mut().graceful_shutdown(),
        }
        Ok(connection.await?)
    } else {
        let connection = hyper::server::conn::http1::Builder::new()
            .timer(GortTimer::new())
            .header_read_timeout(Duration::from_secs(10))
            .serve_connection(io, service);
        let mut connection = std::pin::pin!(connection);
        gort::select! {
            result = connection.as_mut() => return Ok(result?),
            _ = stop.cancelled() => connection.as_mut().graceful_shutdown(),
        }
        Ok(connection.await?)
    }
}

/// `GET /` says hello and names the protocol; `POST /echo` sends the body back.
async fn respond(request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let version = request.version();
    let response = match (request.method(), request.uri().path()) {
        (&Method::GET, "/") => Response::new(Full::new(Bytes::from(format!(
            "hello from gort over {version:?}\n"
        )))),
        (&Method::POST, "/echo") => match request.into_body().collect().await {
            Ok(body) => Response::new(Full::new(body.to_bytes())),
            Err(err) => status(StatusCode::BAD_REQUEST, format!("bad body: {err}\n")),
        },
        _ => status(
            StatusCode::NOT_FOUND,
            "try GET / or POST /echo\n".to_string(),
        ),
    };
    Ok(response)
}

fn status(code: StatusCode, text: String) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(text)));
    *response.status_mut() = code;
    response
}

/// Reads until the bytes seen either are the whole HTTP/2 preface or stop matching it.
async fn read_preface(stream: &mut TcpStream) -> io::Result<Vec<u8>> {
    let mut seen = Vec::with_capacity(H2_PREFACE.len());
    let mut chunk = [0u8; 24];
    while seen.len() < H2_PREFACE.len() && H2_PREFACE.starts_with(&seen) {
        let n = stream
            .read(&mut chunk[..H2_PREFACE.len() - seen.len()])
            .await?;
        if n == 0 {
            break;
        }
        seen.extend_from_slice(&chunk[..n]);
    }
    Ok(seen)
}

/// A stream that first replays the bytes already read from it.
struct Rewind {
    prefix: Vec<u8>,
    pos: usize,
    inner: TcpStream,
}

impl AsyncRead for Rewind {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        if this.pos < this.prefix.len() {
            let n = buf.remaining().min(this.prefix.len() - this.pos);
            buf.put_slice(&this.prefix[this.pos..this.pos + n]);
            this.pos += n;
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut this.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for Rewind {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
