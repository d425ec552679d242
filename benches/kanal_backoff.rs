//! Where kanal's lead in `mpmc_throughput` and `big_payload` comes from (run by
//! `benches/kanal_backoff.sh`, which builds this twice: against kanal as published, and against
//! a copy whose lock no longer puts the thread to sleep).
//!
//! kanal's lock spins a little on contention, then calls `std::thread::sleep` for 1 ms: on a
//! runtime worker, the whole worker thread stops, and the tasks still running on the other
//! worker finish the burst alone on one core, with every cache line local. The channel's
//! throughput rises; the sleeping worker's other tasks wait that millisecond.
//!
//! Each row is the shape of the criterion groups (4 producers, 4 consumers, a 1,024-slot
//! channel, tokio's multi-thread runtime with 2 workers): the median of `REPS` runs of 10^6
//! messages, in ns per message, and the CPUs the process used over the run (user + system CPU
//! time ÷ wall time). A channel that keeps both workers busy shows about 2; one whose
//! contended worker sleeps shows about 1.
//!
//! `cargo bench --bench kanal_backoff` (this build's kanal only); env `REPS` (default 7).

use std::future::Future;
use std::time::{Duration, Instant};

const PRODUCERS: u64 = 4;
const CONSUMERS: usize = 4;
const MESSAGES: u64 = 1_000_000;
const CAP: usize = 1024;

type Big = [u64; 8];

/// What the ends of a channel need for these rows.
trait Flavor<T: Send + 'static>: Send + 'static {
    type Tx: Clone + Send + 'static;
    type Rx: Clone + Send + 'static;
    fn make() -> (Self::Tx, Self::Rx);
    fn send(tx: &Self::Tx, v: T) -> impl Future<Output = ()> + Send;
    fn recv(rx: &Self::Rx) -> impl Future<Output = Option<T>> + Send;
}

struct Gort;
struct Kanal;

impl<T: Send + 'static> Flavor<T> for Gort {
    type Tx = gort::chan::Sender<T>;
    type Rx = gort::chan::Receiver<T>;
    fn make() -> (Self::Tx, Self::Rx) {
        gort::chan::bounded(CAP)
    }
    async fn send(tx: &Self::Tx, v: T) {
        assert!(tx.send(v).await.is_ok(), "receivers gone");
    }
    async fn recv(rx: &Self::Rx) -> Option<T> {
        rx.recv().await
    }
}

impl<T: Send + 'static> Flavor<T> for Kanal {
    type Tx = kanal::AsyncSender<T>;
    type Rx = kanal::AsyncReceiver<T>;
    fn make() -> (Self::Tx, Self::Rx) {
        kanal::bounded_async(CAP)
    }
    async fn send(tx: &Self::Tx, v: T) {
        assert!(tx.send(v).await.is_ok(), "receivers gone");
    }
    async fn recv(rx: &Self::Rx) -> Option<T> {
        rx.recv().await.ok()
    }
}

/// 4 → 4 through one channel; checks that every value arrived once (by their sum).
async fn mpmc<F, T>(wrap: fn(u64) -> T, unwrap: fn(&T) -> u64)
where
    F: Flavor<T>,
    T: Send + 'static,
{
    let (tx, rx) = F::make();
    let per = MESSAGES / PRODUCERS;
    let mut tasks = Vec::new();
    for _ in 0..PRODUCERS {
        let tx = tx.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..per {
                F::send(&tx, wrap(i)).await;
            }
            0
        }));
    }
    drop(tx);
    for _ in 0..CONSUMERS {
        let rx = rx.clone();
        tasks.push(tokio::spawn(async move {
            let mut sum = 0;
            while let Some(v) = F::recv(&rx).await {
                sum += unwrap(&v);
            }
            sum
        }));
    }
    drop(rx);
    let mut total = 0;
    for task in tasks {
        total += task.await.expect("a bench task panicked");
    }
    assert_eq!(
        total,
        PRODUCERS * per * (per - 1) / 2,
        "values lost or repeated"
    );
}

/// CPU time (user + system, all threads) this process used so far.
fn cpu_time() -> Duration {
    // SAFETY: `getrusage` only writes the `rusage` it is given, which is valid and zeroed.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        assert_eq!(libc::getrusage(libc::RUSAGE_SELF, &mut usage), 0);
        usage
    };
    let micros = |t: libc::timeval| t.tv_sec as u64 * 1_000_000 + t.tv_usec as u64;
    Duration::from_micros(micros(usage.ru_utime) + micros(usage.ru_stime))
}

fn row<Fut: Future<Output = ()>>(
    rt: &tokio::runtime::Runtime,
    reps: usize,
    name: &str,
    run: impl Fn() -> Fut,
) {
    let mut ns = Vec::new();
    let (wall, cpu) = (Instant::now(), cpu_time());
    for _ in 0..reps {
        let start = Instant::now();
        rt.block_on(run());
        ns.push(start.elapsed().as_nanos() as f64 / MESSAGES as f64);
    }
    let cpus = (cpu_time() - cpu).as_secs_f64() / wall.elapsed().as_secs_f64();
    ns.sort_by(f64::total_cmp);
    println!(
        "{name:<22} {:>6.1} ns/msg  {cpus:.2} CPUs",
        ns[ns.len() / 2]
    );
}

fn main() {
    // `cargo bench` passes `--bench`; this binary takes no arguments of its own.
    let reps = std::env::var("REPS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(7);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let label = std::env::var("KANAL_LABEL").unwrap_or_else(|_| "kanal".into());
    let word = |v: u64| v;
    let big = |v: u64| -> Big { [v; 8] };
    row(&rt, reps, "gort mpmc 4->4", || {
        mpmc::<Gort, u64>(word, |v| *v)
    });
    row(&rt, reps, &format!("{label} mpmc 4->4"), || {
        mpmc::<Kanal, u64>(word, |v| *v)
    });
    row(&rt, reps, "gort big_payload", || {
        mpmc::<Gort, Big>(big, |v| v[7])
    });
    row(&rt, reps, &format!("{label} big_payload"), || {
        mpmc::<Kanal, Big>(big, |v| v[7])
    });
}
