//! bench_server: the servers of `benches/servers/run.sh`, each written once and compiled for both
//! gort and tokio, plus a small bounded TCP echo load generator (wrk cannot speak raw echo).
//!
//! Servers (bound where `--addr` says; the script uses 127.0.0.1 only):
//!
//!     cargo run --release --example bench_server --features hyper -- \
//!         --runtime gort|tokio --server echo|http|hyper --addr 127.0.0.1:PORT --workers 2
//!
//! Echo client (one tokio current-thread runtime, `--conns` connections, each a ping-pong loop of
//! `--size`-byte messages for `--duration`); it prints one line with msgs/s and p50/p99 latency:
//!
//!     cargo run --release --example bench_server --features hyper -- \
//!         --client echo --addr 127.0.0.1:PORT --conns 64 --size 64 --duration 5s
//!
//! "Same code": the server bodies live in `benches/servers/*.rs` and are `include!`d into two
//! modules that differ only in which crate they call `rt` (and, for hyper, which crate supplies
//! the `Io`/`Timer` glue). A server process exits by itself after `--exit-after` seconds (default
//! 120) so a benchmark run can never leave one behind.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

/// The servers on gort.
mod on_gort {
    use gort as rt;
    use gort::hyper::{GortIo as HyperIo, GortTimer as HyperTimer};
    include!("../benches/servers/echo.rs");
    include!("../benches/servers/http_raw.rs");
    include!("../benches/servers/hyper_hello.rs");
    include!("../benches/servers/runtime.rs");
}

/// The very same servers on tokio.
mod on_tokio {
    use hyper_util::rt::{TokioIo as HyperIo, TokioTimer as HyperTimer};
    use tokio as rt;
    include!("../benches/servers/echo.rs");
    include!("../benches/servers/http_raw.rs");
    include!("../benches/servers/hyper_hello.rs");
    include!("../benches/servers/runtime.rs");
}

/// The echo load generator.
mod echo_client {
    include!("../benches/servers/echo_client.rs");
}

struct Args {
    runtime: String,
    server: Option<String>,
    client: Option<String>,
    addr: SocketAddr,
    workers: usize,
    conns: usize,
    size: usize,
    duration: Duration,
    exit_after: Duration,
}

fn usage(problem: &str) -> ! {
    eprintln!("bench_server: {problem}");
    eprintln!(
        "usage: bench_server --runtime gort|tokio --server echo|http|hyper --addr IP:PORT [--workers N] [--exit-after SECS]\n       \
         bench_server --client echo --addr IP:PORT [--conns N] [--size BYTES] [--duration 5s]"
    );
    std::process::exit(2);
}

fn bad<T>(flag: &str, value: &str) -> T {
    usage(&format!("bad value {value:?} for {flag}"))
}

/// `5s`, `500ms` or plain seconds.
fn parse_duration(text: &str) -> Option<Duration> {
    if let Some(ms) = text.strip_suffix("ms") {
        return ms.parse().ok().map(Duration::from_millis);
    }
    let secs = text.strip_suffix('s').unwrap_or(text);
    secs.parse::<f64>().ok().map(Duration::from_secs_f64)
}

fn parse_args() -> Args {
    let mut args = Args {
        runtime: "gort".into(),
        server: None,
        client: None,
        addr: "127.0.0.1:8080".parse().expect("a valid default address"),
        workers: 2,
        conns: 64,
        size: 64,
        duration: Duration::from_secs(5),
        exit_after: Duration::from_secs(120),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it
            .next()
            .unwrap_or_else(|| usage(&format!("{flag} needs a value")));
        match flag.as_str() {
            "--runtime" => args.runtime = value.clone(),
            "--server" => args.server = Some(value.clone()),
            "--client" => args.client = Some(value.clone()),
            "--addr" => args.addr = value.parse().unwrap_or_else(|_| bad(&flag, &value)),
            "--workers" => args.workers = value.parse().unwrap_or_else(|_| bad(&flag, &value)),
            "--conns" => args.conns = value.parse().unwrap_or_else(|_| bad(&flag, &value)),
            "--size" => args.size = value.parse().unwrap_or_else(|_| bad(&flag, &value)),
            "--duration" => {
                args.duration = parse_duration(&value).unwrap_or_else(|| bad(&flag, &value))
            }
            "--exit-after" => {
                args.exit_after = parse_duration(&value).unwrap_or_else(|| bad(&flag, &value))
            }
            _ => usage(&format!("unknown flag {flag}")),
        }
    }
    args
}

fn main() -> std::io::Result<()> {
    let args = parse_args();
    if let Some(client) = &args.client {
        if client != "echo" {
            usage("the only client is `echo` (use wrk for HTTP)");
        }
        let report = echo_client::run(args.addr, args.conns, args.size, args.duration)?;
        println!("{report}");
        return Ok(());
    }
    let Some(server) = args.server.as_deref() else {
        usage("give --server or --client");
    };
    // Bounded: the process ends by itself even if whoever started it forgets to stop it.
    let exit_after = args.exit_after;
    std::thread::spawn(move || {
        let start = Instant::now();
        while start.elapsed() < exit_after {
            std::thread::sleep(Duration::from_millis(200));
        }
        eprintln!("bench_server: --exit-after {exit_after:?} reached, exiting");
        std::process::exit(0);
    });
    match args.runtime.as_str() {
        "gort" => on_gort::run_server(server, args.addr, args.workers),
        "tokio" => on_tokio::run_server(server, args.addr, args.workers),
        other => usage(&format!("unknown --runtime {other:?}: use gort or tokio")),
    }
}
