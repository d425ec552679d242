//! An axum app served on gort, called by a reqwest client, then shut down gracefully — all through
//! the one `[patch.crates-io]` line in this crate's Cargo.toml.
//!
//!     cargo run --manifest-path tests/ecosystem/Cargo.toml --example axum_app

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use gort_ecosystem::app;

#[tokio::main]
async fn main() {
    let hits = Arc::new(AtomicUsize::new(0));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let serve = axum::serve(listener, app(hits.clone())).with_graceful_shutdown(async {
        let _ = stopped.await;
    });
    let server = tokio::spawn(async move { serve.await });
    println!(
        "axum listening on http://{addr} (runtime: {})",
        runtime_name()
    );

    let client = reqwest::Client::new();
    let calls: Vec<_> = (0..20)
        .map(|n| {
            let client = client.clone();
            tokio::spawn(async move {
                let url = format!("http://{addr}/hello/{n}");
                client.get(url).send().await?.text().await
            })
        })
        .collect();
    for call in calls {
        let body = call.await.expect("task").expect("request");
        println!("GET /hello/.. -> {body}");
    }
    let slow = client
        .get(format!("http://{addr}/slow/50"))
        .send()
        .await
        .unwrap();
    println!("GET /slow/50 -> {}", slow.text().await.unwrap());

    drop(client);
    stop.send(()).unwrap();
    server.await.expect("server task").expect("serve");
    println!(
        "server shut down gracefully after {} hello calls",
        hits.load(Ordering::SeqCst)
    );
}

/// The type behind `tokio::runtime::Handle`: gort's, through the patch.
fn runtime_name() -> &'static str {
    std::any::type_name::<tokio::runtime::Handle>()
}
