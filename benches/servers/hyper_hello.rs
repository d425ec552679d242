// A hyper 1.x HTTP/1.1 "hello" server (keep-alive), written once and compiled twice (see
// examples/bench_server.rs). Besides `rt`, the enclosing module names hyper's runtime glue:
// `HyperIo`/`HyperTimer` are `gort::hyper::{GortIo, GortTimer}` on gort and
// `hyper_util::rt::{TokioIo, TokioTimer}` on tokio -- the one line a hyper app changes.

async fn hyper_hello(
    _req: hyper::Request<hyper::body::Incoming>,
) -> Result<hyper::Response<http_body_util::Full<bytes::Bytes>>, std::convert::Infallible> {
    Ok(hyper::Response::new(http_body_util::Full::new(
        bytes::Bytes::from_static(b"Hello, world!"),
    )))
}

/// Accepts forever; every connection is served by hyper's HTTP/1.1 connection driver.
pub async fn serve_hyper(listener: rt::net::TcpListener) -> std::io::Result<()> {
    loop {
        let (stream, _) = listener.accept().await?;
        stream.set_nodelay(true)?;
        rt::spawn(async move {
            let _ = hyper::server::conn::http1::Builder::new()
                .timer(HyperTimer::new())
                .serve_connection(
                    HyperIo::new(stream),
                    hyper::service::service_fn(hyper_hello),
                )
                .await;
        });
    }
}
