//! worker_pool: Go's worker pool (gobyexample.com/worker-pools) — a jobs channel, a results
//! channel, a fixed set of workers and a WaitGroup that closes the results once they are done.
//!
//!     cargo run --example worker_pool -- [--workers 3] [--jobs 9]
//!
//! Ends by itself, in well under a second with the defaults.

use std::time::Duration;

use gort::chan;
use gort::sync::WaitGroup;

/// One finished job: which worker did it, the job, and its result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Done {
    /// The worker's number, from 1.
    pub worker: usize,
    /// The job's number, from 1.
    pub job: u64,
    /// The job's result: twice its number.
    pub result: u64,
}

#[gort::main]
async fn main() {
    let mut workers = 3;
    let mut jobs = 9;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        match (
            flag.as_str(),
            args.next().and_then(|v| v.parse::<u64>().ok()),
        ) {
            ("--workers", Some(n)) if n > 0 => workers = n as usize,
            ("--jobs", Some(n)) => jobs = n,
            _ => {
                eprintln!("usage: worker_pool [--workers N] [--jobs N]");
                std::process::exit(2);
            }
        }
    }
    let done = run(workers, jobs, Duration::from_millis(20), |line| {
        println!("{line}")
    })
    .await;
    println!("{} jobs done by {workers} workers", done.len());
}

/// Runs `jobs` jobs (each takes `job_time`) on `workers` workers, reporting progress to `say`;
/// returns every finished job in the order the results arrived.
pub async fn run(
    workers: usize,
    jobs: u64,
    job_time: Duration,
    mut say: impl FnMut(String),
) -> Vec<Done> {
    // As in Go: `jobs := make(chan int, numJobs)`, `results := make(chan int, numJobs)`.
    let capacity = jobs as usize;
    let (job_tx, job_rx) = chan::bounded::<u64>(capacity);
    let (result_tx, result_rx) = chan::bounded::<Done>(capacity);
    let (log_tx, log_rx) = chan::unbounded::<String>();

    let wg = WaitGroup::new();
    for worker in 1..=workers {
        wg.add(1);
        let (jobs, results, log, wg) = (
            job_rx.clone(),
            result_tx.clone(),
            log_tx.clone(),
            wg.clone(),
        );
        gort::spawn(async move {
            // `for j := range jobs`: ends when the channel is closed and drained.
            while let Some(job) = jobs.recv().await {
                let _ = log
                    .send(format!("worker {worker} started  job {job}"))
                    .await;
                gort::time::sleep(job_time).await;
                let _ = log
                    .send(format!("worker {worker} finished job {job}"))
                    .await;
                let _ = results
                    .send(Done {
                        worker,
                        job,
                        result: job * 2,
                    })
                    .await;
            }
            wg.done();
        });
    }
    // Close the results once every worker is done (Go: `go func() { wg.Wait(); close(results) }()`),
    // so the collecting loop below ends.
    let closer = {
        let (wg, results) = (wg.clone(), result_tx.clone());
        gort::spawn(async move {
            wg.wait().await;
            results.close();
        })
    };
    drop((job_rx, result_tx, log_tx));

    for job in 1..=jobs {
        job_tx
            .send(job)
            .await
            .expect("the workers hold the receiving end");
    }
    job_tx.close();

    let mut finished = Vec::with_capacity(capacity);
    loop {
        gort::select! {
            Some(line) = log_rx.recv() => say(line),
            done = result_rx.recv() => match done {
                Some(done) => finished.push(done),
                None => break,
            },
        }
    }
    // Logs sent before the last result may still be queued.
    while let Ok(line) = log_rx.try_recv() {
        say(line);
    }
    closer.await.expect("closer task");
    finished
}
