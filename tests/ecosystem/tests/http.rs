//! axum serving and reqwest calling, both on gort through the patch, plus tower middleware.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use gort_ecosystem::{app, within};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tower::{Service, ServiceBuilder, ServiceExt};

/// Serves `app` on a fresh port until the returned sender fires (or drops).
async fn serve(
    hits: Arc<AtomicUsize>,
) -> (
    SocketAddr,
    oneshot::Sender<()>,
    JoinHandle<std::io::Result<()>>,
) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        axum::serve(listener, app(hits))
            .with_graceful_shutdown(async move {
                let _ = stopped.await;
            })
            .await
    });
    (addr, stop, server)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn axum_serves_200_concurrent_reqwest_requests_and_shuts_down_gracefully() {
    within(60, "the 200 requests and the shutdown", async {
        let hits = Arc::new(AtomicUsize::new(0));
        let (addr, stop, server) = serve(hits.clone()).await;
        let client = reqwest::Client::new();

        let requests: Vec<_> = (0..200u32)
            .map(|n| {
                let client = client.clone();
                tokio::spawn(async move {
                    let response = client
                        .get(format!("http://{addr}/hello/{n}"))
                        .send()
                        .await
                        .expect("request");
                    assert_eq!(response.status(), 200);
                    (n, response.text().await.expect("body"))
                })
            })
            .collect();
        let mut answered = [false; 200];
        for request in requests {
            let (n, body) = request.await.expect("request task");
            assert_eq!(body, format!("hello {n}"));
            assert!(!answered[n as usize], "request {n} answered twice");
            answered[n as usize] = true;
        }
        assert!(answered.iter().all(|&a| a));
        assert_eq!(hits.load(Ordering::SeqCst), 200);

        // Graceful: a request in flight when shutdown starts still gets its whole answer, then
        // the server future returns and the port refuses new connections.
        let in_flight = tokio::spawn({
            let client = client.clone();
            async move {
                let response = client.get(format!("http://{addr}/slow/300")).send().await;
                response
                    .expect("in-flight request")
                    .text()
                    .await
                    .expect("body")
            }
        });
        tokio::time::sleep(Duration::from_millis(100)).await;
        stop.send(()).unwrap();
        assert_eq!(in_flight.await.unwrap(), "slept 300");
        drop(client); // its pooled keep-alive connections would otherwise hold the server open
        server.await.expect("server task").expect("serve");
        let refused = tokio::net::TcpStream::connect(addr).await;
        assert!(
            refused.is_err(),
            "the listener is still open after shutdown"
        );
    })
    .await;
}

#[tokio::test]
async fn reqwest_timeout_fires_against_a_slow_handler() {
    within(30, "the timed-out request", async {
        let (addr, stop, server) = serve(Arc::new(AtomicUsize::new(0))).await;
        let client = reqwest::Client::builder()
            .timeout(Duration::from_millis(200))
            .build()
            .unwrap();
        let started = Instant::now();
        let err = client
            .get(format!("http://{addr}/slow/10000"))
            .send()
            .await
            .expect_err("a 10 s handler answered within a 200 ms timeout");
        assert!(err.is_timeout(), "not a timeout: {err}");
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "the timeout fired late"
        );

        // The same client still works against a fast route.
        let body = client
            .get(format!("http://{addr}/hello/7"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(body, "hello 7");
        drop(client);
        stop.send(()).unwrap();
        server.await.unwrap().unwrap();
    })
    .await;
}

#[tokio::test]
async fn tower_timeout_cuts_off_a_slow_call_and_passes_a_fast_one() {
    within(30, "the tower timeout calls", async {
        let mut svc = ServiceBuilder::new()
            .timeout(Duration::from_millis(100))
            .service_fn(|ms: u64| async move {
                tokio::time::sleep(Duration::from_millis(ms)).await;
                Ok::<_, std::convert::Infallible>(ms * 2)
            });
        let fast = svc.ready().await.unwrap().call(1).await.unwrap();
        assert_eq!(fast, 2);
        let err = svc.ready().await.unwrap().call(10_000).await.unwrap_err();
        assert!(
            err.is::<tower::timeout::error::Elapsed>(),
            "not Elapsed: {err}"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tower_concurrency_limit_holds_30_calls_to_3_at_a_time() {
    within(30, "the limited calls", async {
        let in_flight = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let svc = ServiceBuilder::new()
            .concurrency_limit(3)
            .timeout(Duration::from_secs(10))
            .service_fn({
                let (in_flight, most) = (in_flight.clone(), most.clone());
                move |n: u32| {
                    let (in_flight, most) = (in_flight.clone(), most.clone());
                    async move {
                        let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                        most.fetch_max(now, Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        in_flight.fetch_sub(1, Ordering::SeqCst);
                        Ok::<_, std::convert::Infallible>(n + 1000)
                    }
                }
            });
        let calls: Vec<_> = (0..30u32)
            .map(|n| tokio::spawn(svc.clone().oneshot(n)))
            .collect();
        for (n, call) in calls.into_iter().enumerate() {
            assert_eq!(call.await.unwrap().unwrap(), n as u32 + 1000);
        }
        assert_eq!(
            most.load(Ordering::SeqCst),
            3,
            "the limit was not reached or was passed"
        );
        assert_eq!(in_flight.load(Ordering::SeqCst), 0);
    })
    .await;
}

#[test]
fn the_runtime_under_tokio_paths_is_gort() {
    // axum::serve above took this very TcpListener, so axum's `tokio` is this one.
    let listener = std::any::type_name::<tokio::net::TcpListener>();
    assert!(listener.starts_with("gort_reactor::"), "{listener}");
    let handle = std::any::type_name::<tokio::runtime::Handle>();
    assert!(handle.starts_with("gort_executor::"), "{handle}");
}
