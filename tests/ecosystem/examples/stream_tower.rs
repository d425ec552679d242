//! tokio-stream wrappers feeding tower middleware, on gort: an `IntervalStream` paces requests
//! from a `ReceiverStream` into a service behind `timeout` and `concurrency_limit`.
//!
//!     cargo run --manifest-path tests/ecosystem/Cargo.toml --example stream_tower

use std::time::Duration;

use futures::StreamExt;
use tokio_stream::wrappers::{IntervalStream, ReceiverStream};
use tower::{ServiceBuilder, ServiceExt};

#[tokio::main]
async fn main() {
    // A service that takes `n` milliseconds to answer `n`, cut off after 100 ms, two at a time.
    let svc = ServiceBuilder::new()
        .concurrency_limit(2)
        .timeout(Duration::from_millis(100))
        .service_fn(|ms: u64| async move {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            Ok::<_, std::convert::Infallible>(format!("answered after {ms} ms"))
        });

    let (tx, rx) = tokio::sync::mpsc::channel(4);
    tokio::spawn(async move {
        for ms in [10, 20, 500, 30, 1_000, 5] {
            tx.send(ms).await.unwrap();
        }
    });

    // One request per 10 ms tick, as long as the channel has some.
    let ticks = IntervalStream::new(tokio::time::interval(Duration::from_millis(10)));
    let mut requests = ReceiverStream::new(rx).zip(ticks).map(|(ms, _tick)| ms);
    let mut calls = Vec::new();
    while let Some(ms) = requests.next().await {
        let svc = svc.clone();
        calls.push((ms, tokio::spawn(svc.oneshot(ms))));
    }
    for (ms, call) in calls {
        match call.await.unwrap() {
            Ok(answer) => println!("request {ms:>4} ms: {answer}"),
            Err(err) => println!("request {ms:>4} ms: failed ({err})"),
        }
    }
}
