//! Pieces shared by the ecosystem tests and examples: an axum app and a line-echo server, both
//! written as a tokio user would write them, and a deadline helper that keeps every test bounded.
//!
//! This crate's `tokio` is gort's drop-in package (`compat/tokio`, through `[patch.crates-io]`),
//! and so is the `tokio` that axum, hyper-util, reqwest, tower, tokio-util and tokio-stream see.

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, State};
use axum::routing::get;
use axum::Router;
use futures::{SinkExt, StreamExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::codec::{Framed, LinesCodec};

/// Runs `fut`, panicking with `what` if it takes longer than `secs` seconds: a test fails rather
/// than hangs.
pub async fn within<F: Future>(secs: u64, what: &str, fut: F) -> F::Output {
    match tokio::time::timeout(Duration::from_secs(secs), fut).await {
        Ok(out) => out,
        Err(_) => panic!("{what} did not finish within {secs} s"),
    }
}

/// The axum app of the tests and the `axum_app` example: `GET /hello/{n}` answers `hello {n}`
/// and counts its calls in `hits`; `GET /slow/{ms}` answers `slept {ms}` after sleeping that long.
pub fn app(hits: Arc<AtomicUsize>) -> Router {
    Router::new()
        .route("/hello/{n}", get(hello))
        .route("/slow/{ms}", get(slow))
        .with_state(hits)
}

async fn hello(State(hits): State<Arc<AtomicUsize>>, Path(n): Path<u32>) -> String {
    hits.fetch_add(1, Ordering::SeqCst);
    format!("hello {n}")
}

async fn slow(Path(ms): Path<u64>) -> String {
    tokio::time::sleep(Duration::from_millis(ms)).await;
    format!("slept {ms}")
}

/// A line-echo server over tokio-util's `Framed<TcpStream, LinesCodec>`: each connection gets
/// its lines back; the returned task ends, with the number of lines echoed, when the first
/// connection's peer closes.
pub async fn echo_one_connection(
    listener: TcpListener,
) -> tokio::task::JoinHandle<std::io::Result<usize>> {
    tokio::spawn(async move {
        let (stream, _) = listener.accept().await?;
        echo_lines(stream).await
    })
}

async fn echo_lines(stream: TcpStream) -> std::io::Result<usize> {
    let mut framed = Framed::new(stream, LinesCodec::new());
    let mut echoed = 0;
    while let Some(line) = framed.next().await {
        let line = line.map_err(std::io::Error::other)?;
        framed.send(line).await.map_err(std::io::Error::other)?;
        echoed += 1;
    }
    Ok(echoed)
}
