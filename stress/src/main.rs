//! `gort-stress`: a seeded, reproducible stress and soak harness for gort.
//!
//! Each round draws a seed from the run's master seed; the round's seed fixes the scenario (a
//! channel kind or sync primitive), the runtime flavor and every random choice inside (counts,
//! send and receive styles, cancellations, closes, aborts). A round asserts conservation: every
//! value received exactly once (or, for a cancelled `chan` send, at most once), every permit
//! back, every lock released, every waiter woken, every value dropped. A failure prints the
//! round's seed and the command that replays it.
//!
//! ```text
//! gort-stress [--secs N | --minutes N] [--seed S] [--flavor current|multi|both]
//!             [--scenario NAME[,NAME..]] [--sample-secs N] [--warmup-secs N]
//! gort-stress --replay SEED [--scenario NAME] [--flavor F]
//! gort-stress --list
//! ```
//! `--minutes` is soak mode: the same mix, plus the verdict that RSS and open descriptors stayed
//! flat after warm-up (see `soak`). Exit status 0 only when every round passed.

mod alloc;
mod fanout;
mod ledger;
mod locks;
mod pipe;
mod rng;
mod round;
mod signals;
mod soak;
mod support;

use round::{Flavor, Plan, SCENARIOS};
use std::sync::atomic::Ordering::Relaxed;
use std::time::{Duration, Instant};
use support::STATS;

#[global_allocator]
static ALLOCATOR: alloc::Counting = alloc::Counting;

/// Command-line options.
struct Args {
    seed: u64,
    run_for: Duration,
    soak: bool,
    flavor: Option<Flavor>,
    only: Vec<usize>,
    replay: Option<u64>,
    sample_every: Duration,
    warmup: Option<Duration>,
}

fn usage(msg: &str) -> ! {
    eprintln!("gort-stress: {msg}\nusage: gort-stress [--secs N | --minutes N] [--seed S] [--flavor current|multi|both] [--scenario A,B] [--sample-secs N] [--warmup-secs N] | --replay SEED | --list");
    std::process::exit(2)
}

fn parse_u64(s: &str) -> u64 {
    let parsed = match s.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => s.parse(),
    };
    parsed.unwrap_or_else(|_| usage(&format!("not a number: {s}")))
}

fn parse_args() -> Args {
    let clock_seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(1, |d| d.as_nanos() as u64);
    let mut a = Args {
        seed: clock_seed,
        run_for: Duration::from_secs(60),
        soak: false,
        flavor: None,
        only: (0..SCENARIOS.len()).collect(),
        replay: None,
        sample_every: Duration::from_secs(5),
        warmup: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || {
            it.next()
                .unwrap_or_else(|| usage(&format!("{flag} needs a value")))
        };
        match flag.as_str() {
            "--seed" => a.seed = parse_u64(&value()),
            "--secs" => a.run_for = Duration::from_secs(parse_u64(&value())),
            "--minutes" => {
                a.run_for = Duration::from_secs(60 * parse_u64(&value()));
                a.soak = true;
            }
            "--flavor" => {
                a.flavor = match value().as_str() {
                    "current" => Some(Flavor::CurrentThread),
                    "multi" => Some(Flavor::MultiThread),
                    "both" => None,
                    other => usage(&format!("unknown flavor {other}")),
                }
            }
            "--scenario" => a.only = value().split(',').map(scenario_index).collect(),
            "--replay" => a.replay = Some(parse_u64(&value())),
            "--sample-secs" => a.sample_every = Duration::from_secs(parse_u64(&value()).max(1)),
            "--warmup-secs" => a.warmup = Some(Duration::from_secs(parse_u64(&value()))),
            "--list" => {
                SCENARIOS.iter().for_each(|(name, _)| println!("{name}"));
                std::process::exit(0)
            }
            other => usage(&format!("unknown argument {other}")),
        }
    }
    a
}

fn scenario_index(name: &str) -> usize {
    SCENARIOS
        .iter()
        .position(|(n, _)| *n == name)
        .unwrap_or_else(|| usage(&format!("unknown scenario {name} (see --list)")))
}

fn flavor_arg(f: Flavor) -> &'static str {
    match f {
        Flavor::CurrentThread => "current",
        Flavor::MultiThread => "multi",
    }
}

/// Prints the failed round, how to replay it, and exits with status 1.
fn fail(plan: &Plan, round: u64, master: u64, error: &str) -> ! {
    eprintln!(
        "FAILED round {round} (seed {:#x}): scenario {}, flavor {:?}, {} workers\n  {error}\n\
         replay: gort-stress --replay {:#x} --scenario {} --flavor {}\n(master seed {master:#x})",
        plan.seed,
        plan.name(),
        plan.flavor,
        plan.workers,
        plan.seed,
        plan.name(),
        flavor_arg(plan.flavor),
    );
    std::process::exit(1)
}

fn main() {
    let args = parse_args();
    if let Some(seed) = args.replay {
        let plan = Plan::from_seed(seed, &args.only, args.flavor);
        println!(
            "replaying seed {seed:#x}: {} on {:?}",
            plan.name(),
            plan.flavor
        );
        if let Err(e) = round::run(&plan) {
            fail(&plan, 0, seed, &e);
        }
        println!("passed");
        return;
    }
    run(&args);
}

/// Rounds until the time is up, sampling memory and descriptors between rounds.
fn run(args: &Args) {
    let mode = if args.soak { "soak" } else { "stress" };
    println!(
        "gort-stress {mode}: master seed {:#x}, {:?}, flavor {}",
        args.seed,
        args.run_for,
        args.flavor.map_or("both", flavor_arg)
    );
    let mut master = rng::Rng::new(args.seed);
    let start = Instant::now();
    let mut per_scenario = vec![[0u64; 2]; SCENARIOS.len()];
    let mut samples = vec![soak::Sample::take(Duration::ZERO)];
    let mut next_sample = args.sample_every;
    let mut round = 0u64;
    while start.elapsed() < args.run_for {
        let plan = Plan::from_seed(master.next_u64(), &args.only, args.flavor);
        if let Err(e) = round::run(&plan) {
            fail(&plan, round, args.seed, &e);
        }
        per_scenario[plan.scenario][(plan.flavor == Flavor::MultiThread) as usize] += 1;
        round += 1;
        if start.elapsed() >= next_sample {
            let s = soak::Sample::take(start.elapsed());
            println!(
                "t={:>5}s rounds={round} ops={} cancels={} aborts={} rss={}KiB heap={}KiB fds={}",
                s.at.as_secs(),
                STATS.ops.load(Relaxed),
                STATS.cancels.load(Relaxed),
                STATS.aborts.load(Relaxed),
                s.rss_kib,
                s.heap_kib,
                s.fds
            );
            samples.push(s);
            next_sample += args.sample_every;
        }
    }
    summary(&per_scenario, round, start.elapsed());
    if args.soak {
        let warmup = args.warmup.unwrap_or(args.run_for / 5);
        match soak::verdict(&samples, warmup) {
            Ok(report) => println!("soak: flat after {}s warm-up: {report}", warmup.as_secs()),
            Err(e) => {
                eprintln!("{e}");
                std::process::exit(1)
            }
        }
    }
}

fn summary(per_scenario: &[[u64; 2]], rounds: u64, took: Duration) {
    println!("scenario               current  multi");
    for ((name, _), [ct, mt]) in SCENARIOS.iter().zip(per_scenario) {
        println!("{name:<22} {ct:>7} {mt:>6}");
    }
    let (ct, mt): (u64, u64) = per_scenario
        .iter()
        .fold((0, 0), |(a, b), [c, m]| (a + c, b + m));
    println!(
        "passed: {rounds} rounds ({ct} current-thread, {mt} multi-thread) in {:.0}s, 0 conservation errors; \
         ops {}, cancelled ops {}, aborted tasks {}, cancelled chan sends that had delivered {}",
        took.as_secs_f64(),
        STATS.ops.load(Relaxed),
        STATS.cancels.load(Relaxed),
        STATS.aborts.load(Relaxed),
        STATS.cancelled_delivered.load(Relaxed),
    );
}
