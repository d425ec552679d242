//! http_hello: an HTTP/1.1 "Hello, world!" server on raw sockets, with keep-alive: each
//! connection is one task that answers request after request until the client closes or asks to
//! (`Connection: close`, or HTTP/1.0 without `keep-alive`).
//!
//!     cargo run --release --example http_hello -- [--port 8080] [--requests N]
//!
//! then `curl http://127.0.0.1:8080/` (or load it with `wrk`). Loopback only; it serves until
//! Ctrl-C, or until it has answered N requests when given `--requests N`.

use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use gort::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use gort::net::{TcpListener, TcpStream};
use gort::sync::CancellationToken;

/// The response body.
pub const HELLO: &str = "Hello, world!";

/// The largest request body accepted (and ignored).
const MAX_BODY: u64 = 1 << 20;

#[gort::main]
async fn main() -> io::Result<()> {
    let mut port = 8080u16;
    let mut requests = None;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        match (
            flag.as_str(),
            args.next().and_then(|v| v.parse::<u64>().ok()),
        ) {
            ("--port", Some(p)) if p <= u64::from(u16::MAX) => port = p as u16,
            ("--requests", Some(n)) => requests = Some(n as usize),
            _ => {
                eprintln!("usage: http_hello [--port PORT] [--requests N]");
                std::process::exit(2);
            }
        }
    }
    let listener = TcpListener::bind(("127.0.0.1", port)).await?;
    println!("serving http://{}/", listener.local_addr()?);
    let stop = CancellationToken::new();
    let on_ctrl_c = stop.clone();
    gort::spawn(async move {
        if gort::signal::ctrl_c().await.is_ok() {
            on_ctrl_c.cancel();
        }
    });
    let answered = serve(listener, requests, stop).await?;
    println!("answered {answered} requests, bye");
    Ok(())
}

/// Serves until `stop` is cancelled or `max_requests` requests are answered; returns how many
/// were answered.
pub async fn serve(
    listener: TcpListener,
    max_requests: Option<usize>,
    stop: CancellationToken,
) -> io::Result<usize> {
    let answered = Arc::new(AtomicUsize::new(0));
    loop {
        let (socket, _peer) = gort::select! {
            accepted = listener.accept() => accepted?,
            _ = stop.cancelled() => break,
        };
        let answered = answered.clone();
        let stop = stop.clone();
        gort::spawn(async move {
            let _ = connection(socket, &answered, max_requests, &stop).await;
        });
    }
    Ok(answered.load(Ordering::SeqCst))
}

/// Answers requests on one connection until the peer closes it or asks to.
async fn connection(
    socket: TcpStream,
    answered: &AtomicUsize,
    max_requests: Option<usize>,
    stop: &CancellationToken,
) -> io::Result<()> {
    let (reader, mut writer) = socket.into_split();
    let mut reader = BufReader::new(reader);
    let mut line = String::new();
    loop {
        // The request line: `GET / HTTP/1.1`. EOF between requests is a normal close.
        line.clear();
        if reader.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let http10 = line.trim_end().ends_with("HTTP/1.0");
        let mut keep_alive = !http10;
        let mut content_length = 0u64;
        loop {
            line.clear();
            if reader.read_line(&mut line).await? == 0 {
                return Ok(());
            }
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                let value = value.trim();
                if name.eq_ignore_ascii_case("content-length") {
                    content_length = value.parse().map_err(|_| {
                        io::Error::new(io::ErrorKind::InvalidData, "bad Content-Length")
                    })?;
                } else if name.eq_ignore_ascii_case("connection") {
                    keep_alive = if value.eq_ignore_ascii_case("close") {
                        false
                    } else {
                        keep_alive || value.eq_ignore_ascii_case("keep-alive")
                    };
                }
            }
        }
        // Read (and ignore) a request body, refusing absurd ones.
        if content_length > MAX_BODY {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "request body too large",
            ));
        }
        let mut body = vec![0; content_length as usize];
        reader.read_exact(&mut body).await?;

        let count = answered.fetch_add(1, Ordering::SeqCst) + 1;
        let last = max_requests.is_some_and(|max| count >= max);
        let keep_alive = keep_alive && !last;
        let response =
            format!(
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n{}\r\n{HELLO}",
            HELLO.len(),
            if keep_alive { "" } else { "Connection: close\r\n" },
        );
        writer.write_all(response.as_bytes()).await?;
        if last {
            stop.cancel();
        }
        if !keep_alive {
            return writer.shutdown().await;
        }
    }
}
