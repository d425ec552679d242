// A bounded TCP echo load generator (wrk cannot speak raw echo): `conns` connections on one tokio
// current-thread runtime (one thread, as `wrk -t1`), each a closed ping-pong loop -- send one
// `size`-byte message, read the echo back in full, check it, record the round trip -- until
// `duration` has passed. Reports messages per second and p50/p99 round-trip latency.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// What one run measured.
pub struct EchoReport {
    /// Round trips completed by all connections.
    pub msgs: u64,
    /// Wall time of the measured phase.
    pub elapsed: Duration,
    /// Median round-trip latency.
    pub p50: Duration,
    /// 99th percentile round-trip latency.
    pub p99: Duration,
}

impl std::fmt::Display for EchoReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "msgs={} secs={:.3} msgs_per_sec={:.0} p50_us={:.1} p99_us={:.1}",
            self.msgs,
            self.elapsed.as_secs_f64(),
            self.msgs as f64 / self.elapsed.as_secs_f64(),
            self.p50.as_secs_f64() * 1e6,
            self.p99.as_secs_f64() * 1e6,
        )
    }
}

/// Runs the load for `duration` and returns what it measured; any I/O error or a wrong echo ends
/// the run with an error (a broken server must not look fast).
pub fn run(
    addr: SocketAddr,
    conns: usize,
    size: usize,
    duration: Duration,
) -> std::io::Result<EchoReport> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let mut streams = Vec::with_capacity(conns);
        for _ in 0..conns {
            let stream = tokio::net::TcpStream::connect(addr).await?;
            stream.set_nodelay(true)?;
            streams.push(stream);
        }
        let start = Instant::now();
        let deadline = start + duration;
        let mut tasks = tokio::task::JoinSet::new();
        for (i, mut stream) in streams.into_iter().enumerate() {
            tasks.spawn(async move {
                let message: Vec<u8> = (0..size).map(|b| (b + i) as u8).collect();
                let mut echoed = vec![0u8; size];
                let mut latencies_ns = Vec::with_capacity(64 * 1024);
                while Instant::now() < deadline {
                    let sent = Instant::now();
                    stream.write_all(&message).await?;
                    stream.read_exact(&mut echoed).await?;
                    latencies_ns.push(sent.elapsed().as_nanos() as u64);
                    if echoed != message {
                        return Err(std::io::Error::other("the server echoed different bytes"));
                    }
                }
                Ok::<_, std::io::Error>(latencies_ns)
            });
        }
        let mut all = Vec::new();
        while let Some(joined) = tasks.join_next().await {
            all.extend(joined.map_err(std::io::Error::other)??);
        }
        let elapsed = start.elapsed();
        if all.is_empty() {
            return Err(std::io::Error::other("no round trip completed"));
        }
        all.sort_unstable();
        let pct = |p: f64| Duration::from_nanos(all[((all.len() - 1) as f64 * p) as usize]);
        Ok(EchoReport {
            msgs: all.len() as u64,
            elapsed,
            p50: pct(0.50),
            p99: pct(0.99),
        })
    })
}
