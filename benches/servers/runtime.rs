// Starting a server on a runtime, written once and compiled twice (see examples/bench_server.rs).

/// Builds a multi-thread runtime with `workers` workers, binds `addr`, and serves `server`
/// ("echo", "http" or "hyper") until the process is stopped.
pub fn run_server(server: &str, addr: std::net::SocketAddr, workers: usize) -> std::io::Result<()> {
    let runtime = rt::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let listener = rt::net::TcpListener::bind(addr).await?;
        println!("listening on {}", listener.local_addr()?);
        std::io::Write::flush(&mut std::io::stdout())?;
        match server {
            "echo" => serve_echo(listener).await,
            "http" => serve_http(listener).await,
            "hyper" => serve_hyper(listener).await,
            other => Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("unknown --server {other:?}: use echo, http or hyper"),
            )),
        }
    })
}
