//! Notify, Barrier, WaitGroup and CancellationToken: wake-ups that must never be lost. A lost
//! wake-up shows as a hang, which the round's watchdog turns into a failure with the seed.

use crate::ensure;
use crate::rng::Rng;
use crate::support::{abort_some, count, join_all, join_checked, pause, short, Outcome, STATS};
use gort::sync::{Barrier, CancellationToken, Notify, WaitGroup};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;

/// Tokens handed out with `notify_one`: consumers wait (plainly or under a timeout, which drops a
/// possibly notified `Notified`) and take tokens until all are taken. A notification lost with a
/// cancelled waiter would strand a token while every consumer sleeps.
pub async fn notify(mut rng: Rng) -> Outcome {
    let tokens = rng.below(10, 300);
    let notify = Arc::new(Notify::new());
    let available = Arc::new(AtomicI64::new(0));
    let taken = Arc::new(AtomicUsize::new(0));
    let finished = Arc::new(AtomicBool::new(false));
    let mut consumers = Vec::new();
    for c in 0..rng.below(1, 5) {
        let (notify, available, taken) = (notify.clone(), available.clone(), taken.clone());
        let (finished, mut r) = (finished.clone(), rng.fork(c as u64));
        consumers.push(gort::spawn(async move {
            loop {
                if available.fetch_sub(1, SeqCst) > 0 {
                    taken.fetch_add(1, SeqCst);
                    count(&STATS.ops, 1);
                    pause(&mut r).await;
                    continue;
                }
                available.fetch_add(1, SeqCst);
                let notified = notify.notified();
                let mut notified = std::pin::pin!(notified);
                notified.as_mut().enable();
                if available.load(SeqCst) > 0 {
                    continue;
                }
                if finished.load(SeqCst) {
                    return;
                }
                if r.chance(70) {
                    notified.await;
                } else if gort::time::timeout(short(&mut r), notified).await.is_err() {
                    count(&STATS.cancels, 1);
                }
            }
        }));
    }
    // Consumer 0 is never aborted, so someone is always there to take the tokens.
    abort_some(&mut rng, &consumers[1..], 20).await;
    for _ in 0..tokens {
        pause(&mut rng).await;
        available.fetch_add(1, SeqCst);
        notify.notify_one();
    }
    while taken.load(SeqCst) < tokens {
        gort::time::sleep(std::time::Duration::from_millis(1)).await;
    }
    finished.store(true, SeqCst);
    notify.notify_waiters();
    join_all(consumers).await?;
    let (got, left) = (taken.load(SeqCst), available.load(SeqCst));
    ensure!(
        got == tokens && left == 0,
        "notify: {got} of {tokens} tokens taken, {left} left"
    );
    Ok(())
}

/// `n` parties pass a `Barrier` for several generations: each sees all `n` arrivals of its
/// generation, and each generation has exactly one leader.
pub async fn barrier(mut rng: Rng) -> Outcome {
    let parties = rng.below(1, 7);
    let generations = rng.below(1, 30);
    let barrier = Arc::new(Barrier::new(parties));
    let arrived: Arc<Vec<AtomicUsize>> =
        Arc::new((0..generations).map(|_| AtomicUsize::new(0)).collect());
    let leaders = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for p in 0..parties {
        let (barrier, arrived, leaders) = (barrier.clone(), arrived.clone(), leaders.clone());
        let mut r = rng.fork(p as u64);
        tasks.push(gort::spawn(async move {
            for g in 0..generations {
                pause(&mut r).await;
                arrived[g].fetch_add(1, SeqCst);
                let result = barrier.wait().await;
                let seen = arrived[g].load(SeqCst);
                ensure!(
                    seen == parties,
                    "barrier: generation {g} released after {seen} of {parties}"
                );
                if result.is_leader() {
                    leaders.fetch_add(1, SeqCst);
                }
                count(&STATS.ops, 1);
            }
            Ok(())
        }));
    }
    join_checked(tasks).await?;
    let leaders = leaders.load(SeqCst);
    ensure!(
        leaders == generations,
        "barrier: {leaders} leaders in {generations} generations"
    );
    Ok(())
}

/// Calls `WaitGroup::done` when dropped, also when its task is aborted.
struct Done(WaitGroup, Arc<AtomicUsize>);

impl Drop for Done {
    fn drop(&mut self) {
        self.1.fetch_add(1, SeqCst);
        self.0.done();
    }
}

/// Phases of `add(n)`, `n` tasks that each `done()` (on drop, so aborted ones count too), and
/// waiters (some under timeouts) that must wake only after all `n` are done.
pub async fn wait_group(mut rng: Rng) -> Outcome {
    let wg = WaitGroup::new();
    for phase in 0..rng.below(1, 4) {
        let n = rng.below(0, 12);
        let dropped = Arc::new(AtomicUsize::new(0));
        wg.add(n);
        let mut workers = Vec::new();
        for t in 0..n {
            let done = Done(wg.clone(), dropped.clone());
            let mut r = rng.fork((phase * 100 + t) as u64);
            workers.push(gort::spawn(async move {
                pause(&mut r).await;
                pause(&mut r).await;
                drop(done);
            }));
        }
        let mut waiters = Vec::new();
        for w in 0..rng.below(1, 4) {
            let (wg, dropped, mut r) = (wg.clone(), dropped.clone(), rng.fork(900 + w as u64));
            waiters.push(gort::spawn(async move {
                while r.chance(50) && gort::time::timeout(short(&mut r), wg.wait()).await.is_err() {
                    count(&STATS.cancels, 1);
                }
                wg.wait().await;
                let d = dropped.load(SeqCst);
                ensure!(d == n, "wait group: woke after {d} of {n} done");
                count(&STATS.ops, 1);
                Ok(())
            }));
        }
        abort_some(&mut rng, &workers, 15).await;
        join_all(workers).await?;
        join_checked(waiters).await?;
    }
    Ok(())
}

/// A random tree of tokens with workers on each; cancelling a node must stop exactly the
/// workers of its subtree, and cancelling the root stops the rest.
pub async fn cancellation(mut rng: Rng) -> Outcome {
    let nodes = rng.below(1, 9);
    let mut parent = vec![usize::MAX];
    let mut tokens = vec![CancellationToken::new()];
    for i in 1..nodes {
        let p = rng.below(0, i);
        parent.push(p);
        tokens.push(tokens[p].child_token());
    }
    let in_subtree = |mut n: usize, root: usize| loop {
        if n == root {
            return true;
        }
        if n == 0 {
            return false;
        }
        n = parent[n];
    };
    let mut workers = Vec::new();
    for w in 0..rng.below(1, 10) {
        let node = rng.below(0, nodes);
        let (token, mut r) = (tokens[node].clone(), rng.fork(w as u64));
        let handle = gort::spawn(async move {
            if r.chance(30) {
                token
                    .run_until_cancelled(std::future::pending::<()>())
                    .await;
                return;
            }
            loop {
                gort::select! {
                    _ = token.cancelled() => return,
                    _ = pause(&mut r) => count(&STATS.ops, 1),
                }
            }
        });
        workers.push((node, handle));
    }
    pause(&mut rng).await;
    let cut = rng.below(0, nodes);
    if rng.chance(30) {
        drop(tokens[cut].clone().drop_guard());
    } else {
        tokens[cut].cancel();
    }
    for (n, token) in tokens.iter().enumerate() {
        let expect = in_subtree(n, cut);
        ensure!(
            token.is_cancelled() == expect,
            "cancellation: node {n} cancelled={} after cancelling {cut}",
            !expect
        );
    }
    let mut rest = Vec::new();
    for (node, handle) in workers {
        if in_subtree(node, cut) {
            handle
                .await
                .map_err(|e| format!("cancellation worker: {e}"))?;
        } else {
            ensure!(
                !handle.is_finished(),
                "cancellation: a worker outside the cancelled subtree stopped"
            );
            rest.push(handle);
        }
    }
    tokens[0].cancel();
    ensure!(
        tokens.iter().all(CancellationToken::is_cancelled),
        "cancellation: root cancelled, a child is not"
    );
    for handle in rest {
        handle
            .await
            .map_err(|e| format!("cancellation worker: {e}"))?;
    }
    Ok(())
}
