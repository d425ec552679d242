//! One round: a scenario picked by the round's seed, on a fresh runtime of the chosen flavor,
//! under a watchdog. A broken invariant, a panic, a hang or a leaked value fails the round.

use crate::ledger::live_items;
use crate::pipe::Kind;
use crate::rng::Rng;
use crate::support::Outcome;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

/// A round that runs longer than this is reported as hung (a lost wake-up or a deadlock).
const WATCHDOG: Duration = Duration::from_secs(30);

/// Runtime flavor of a round.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Flavor {
    CurrentThread,
    MultiThread,
}

type Scenario = fn(Rng) -> Pin<Box<dyn Future<Output = Outcome> + Send>>;

/// Every scenario, by name: each channel kind and each sync primitive.
pub const SCENARIOS: &[(&str, Scenario)] = &[
    ("chan_unbuffered", |r| {
        Box::pin(crate::pipe::run(r, Kind::ChanUnbuffered))
    }),
    ("chan_bounded", |mut r| {
        let cap = r.below(1, 9);
        Box::pin(crate::pipe::run(r, Kind::ChanBounded(cap)))
    }),
    ("chan_unbounded", |r| {
        Box::pin(crate::pipe::run(r, Kind::ChanUnbounded))
    }),
    ("mpsc_bounded", |mut r| {
        let cap = r.below(1, 9);
        Box::pin(crate::pipe::run(r, Kind::MpscBounded(cap)))
    }),
    ("mpsc_unbounded", |r| {
        Box::pin(crate::pipe::run(r, Kind::MpscUnbounded))
    }),
    ("oneshot", |r| Box::pin(crate::fanout::oneshot(r))),
    ("broadcast", |r| Box::pin(crate::fanout::broadcast(r))),
    ("watch", |r| Box::pin(crate::fanout::watch(r))),
    ("mutex", |r| Box::pin(crate::locks::mutex(r))),
    ("rwlock", |r| Box::pin(crate::locks::rwlock(r))),
    ("semaphore", |r| Box::pin(crate::locks::semaphore(r))),
    ("notify", |r| Box::pin(crate::signals::notify(r))),
    ("barrier", |r| Box::pin(crate::signals::barrier(r))),
    ("wait_group", |r| Box::pin(crate::signals::wait_group(r))),
    ("cancellation_token", |r| {
        Box::pin(crate::signals::cancellation(r))
    }),
];

/// What a round's seed chose.
#[derive(Debug)]
pub struct Plan {
    pub seed: u64,
    pub scenario: usize,
    pub flavor: Flavor,
    pub workers: usize,
}

impl Plan {
    /// The plan fixed by `seed`; `only` restricts the scenario, `flavor` the runtime.
    pub fn from_seed(seed: u64, only: &[usize], flavor: Option<Flavor>) -> Plan {
        let mut rng = Rng::new(seed);
        let scenario = only[rng.below(0, only.len())];
        let drawn = if rng.chance(50) {
            Flavor::CurrentThread
        } else {
            Flavor::MultiThread
        };
        Plan {
            seed,
            scenario,
            flavor: flavor.unwrap_or(drawn),
            workers: rng.below(2, 5),
        }
    }

    pub fn name(&self) -> &'static str {
        SCENARIOS[self.scenario].0
    }
}

/// Runs the plan; `Err` describes the failure.
pub fn run(plan: &Plan) -> Outcome {
    let live_before = live_items();
    let mut builder = match plan.flavor {
        Flavor::CurrentThread => gort::runtime::Builder::new_current_thread(),
        Flavor::MultiThread => {
            let mut b = gort::runtime::Builder::new_multi_thread();
            b.worker_threads(plan.workers);
            b
        }
    };
    let rt = builder
        .enable_all()
        .build()
        .map_err(|e| format!("runtime: {e}"))?;
    let scenario = SCENARIOS[plan.scenario].1;
    // Skip the plan's own draws so the scenario's stream differs from the plan's.
    let rng = Rng::new(plan.seed).fork(plan.scenario as u64);
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        rt.block_on(async { gort::time::timeout(WATCHDOG, scenario(rng)).await })
    }));
    drop(rt);
    match result {
        Err(panic) => Err(format!("panicked: {}", panic_message(&panic))),
        Ok(Err(_)) => Err(format!(
            "hung: not finished after {WATCHDOG:?} (lost wake-up or deadlock)"
        )),
        Ok(Ok(Err(e))) => Err(e),
        Ok(Ok(Ok(()))) => {
            let leaked = live_items() - live_before;
            crate::ensure!(
                leaked == 0,
                "{leaked} channel values alive after the runtime was dropped"
            );
            Ok(())
        }
    }
}

fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "(non-string panic)".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seed_fixes_the_plan() {
        let all: Vec<usize> = (0..SCENARIOS.len()).collect();
        let (a, b) = (
            Plan::from_seed(42, &all, None),
            Plan::from_seed(42, &all, None),
        );
        assert_eq!(
            (a.scenario, a.flavor, a.workers),
            (b.scenario, b.flavor, b.workers)
        );
        let forced = Plan::from_seed(42, &[3], Some(Flavor::MultiThread));
        assert_eq!((forced.scenario, forced.flavor), (3, Flavor::MultiThread));
    }

    #[test]
    fn every_scenario_passes_on_both_flavors() {
        for scenario in 0..SCENARIOS.len() {
            for flavor in [Flavor::CurrentThread, Flavor::MultiThread] {
                let plan = Plan {
                    seed: 7 + scenario as u64,
                    scenario,
                    flavor,
                    workers: 2,
                };
                run(&plan).unwrap_or_else(|e| panic!("{} on {flavor:?}: {e}", plan.name()));
            }
        }
    }
}
