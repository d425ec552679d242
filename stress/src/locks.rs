//! Mutex, RwLock and Semaphore under random lock styles, cancelled waits, guards held across
//! awaits, and aborted holders. Each checks exclusion while it runs (an occupancy counter that
//! must never show two writers, a reader beside a writer, or more permits than exist) and
//! conservation at the end (the counter equals the completed sections; every permit is back).

use crate::ensure;
use crate::rng::Rng;
use crate::support::{abort_some, count, join_outcomes, pause, short, Outcome, STATS};
use gort::sync::{Mutex, RwLock, Semaphore};
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering::SeqCst};
use std::sync::Arc;

/// Adds `n` to an occupancy counter for as long as it lives; dropping (also when an aborted
/// task's future is dropped) takes it away again.
struct Occupy<'a>(&'a AtomicI64, i64);

impl<'a> Occupy<'a> {
    fn enter(counter: &'a AtomicI64, n: i64) -> (Self, i64) {
        let now = counter.fetch_add(n, SeqCst) + n;
        (Occupy(counter, n), now)
    }
}

impl Drop for Occupy<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(self.1, SeqCst);
    }
}

/// Shared state of a lock round.
#[derive(Default)]
struct Tally {
    /// Writers (or mutex holders) inside now.
    writers: AtomicI64,
    /// Readers inside now.
    readers: AtomicI64,
    /// Sections completed; the protected counter must equal it.
    completed: AtomicU64,
}

/// Tasks increment a `Mutex<u64>` in random lock styles; exactly one holder at a time.
pub async fn mutex(mut rng: Rng) -> Outcome {
    let lock = Arc::new(Mutex::new(0u64));
    let tally = Arc::new(Tally::default());
    let mut tasks = Vec::new();
    for t in 0..rng.below(2, 9) {
        let (lock, tally, mut r) = (lock.clone(), tally.clone(), rng.fork(t as u64));
        let rounds = r.below(5, 60);
        tasks.push(gort::spawn(async move {
            for _ in 0..rounds {
                pause(&mut r).await;
                let guard = match r.below(0, 4) {
                    0 => lock.lock().await,
                    1 => match gort::time::timeout(short(&mut r), lock.lock()).await {
                        Ok(g) => g,
                        Err(_) => {
                            count(&STATS.cancels, 1);
                            continue;
                        }
                    },
                    2 => match lock.try_lock() {
                        Ok(g) => g,
                        Err(_) => continue,
                    },
                    _ => {
                        let owned = lock.clone().lock_owned().await;
                        section(&tally, owned, &mut r).await?;
                        continue;
                    }
                };
                section(&tally, guard, &mut r).await?;
            }
            Ok::<(), String>(())
        }));
    }
    abort_some(&mut rng, &tasks, 10).await;
    join_outcomes(tasks).await?;
    let value = *lock
        .try_lock()
        .map_err(|_| "mutex still held after every task ended")?;
    let completed = tally.completed.load(SeqCst);
    ensure!(
        value == completed,
        "mutex: counter {value}, {completed} sections completed"
    );
    Ok(())
}

/// One critical section: checks exclusion, may hold the guard across an await, increments.
async fn section<G: std::ops::DerefMut<Target = u64>>(
    tally: &Tally,
    mut guard: G,
    rng: &mut Rng,
) -> Outcome {
    let (_inside, holders) = Occupy::enter(&tally.writers, 1);
    ensure!(holders == 1, "mutex: {holders} holders at once");
    pause(rng).await;
    // No await between the two: an abort cannot separate them.
    *guard += 1;
    tally.completed.fetch_add(1, SeqCst);
    count(&STATS.ops, 1);
    Ok(())
}

/// Readers and writers on an `RwLock<u64>`: no reader beside a writer, one writer at a time.
pub async fn rwlock(mut rng: Rng) -> Outcome {
    let lock = Arc::new(RwLock::new(0u64));
    let tally = Arc::new(Tally::default());
    let mut tasks = Vec::new();
    for t in 0..rng.below(2, 9) {
        let (lock, tally, mut r) = (lock.clone(), tally.clone(), rng.fork(t as u64));
        let rounds = r.below(5, 60);
        tasks.push(gort::spawn(async move {
            for _ in 0..rounds {
                pause(&mut r).await;
                if r.chance(40) {
                    let Some(mut guard) = write_guard(&lock, &mut r).await else {
                        continue;
                    };
                    let (_w, writers) = Occupy::enter(&tally.writers, 1);
                    let readers = tally.readers.load(SeqCst);
                    ensure!(
                        writers == 1 && readers == 0,
                        "rwlock: writer beside {writers} writers, {readers} readers"
                    );
                    pause(&mut r).await;
                    *guard += 1;
                    tally.completed.fetch_add(1, SeqCst);
                } else {
                    let guard = match gort::time::timeout(short(&mut r), lock.read()).await {
                        Ok(g) => g,
                        Err(_) => {
                            count(&STATS.cancels, 1);
                            continue;
                        }
                    };
                    // Declared after the guard, so it leaves before the guard unlocks.
                    let (_r, _) = Occupy::enter(&tally.readers, 1);
                    let writers = tally.writers.load(SeqCst);
                    ensure!(writers == 0, "rwlock: reader beside {writers} writers");
                    pause(&mut r).await;
                    let _ = &guard;
                }
                count(&STATS.ops, 1);
            }
            Ok::<(), String>(())
        }));
    }
    abort_some(&mut rng, &tasks, 10).await;
    join_outcomes(tasks).await?;
    let value = *lock
        .try_write()
        .map_err(|_| "rwlock still held after every task ended")?;
    let completed = tally.completed.load(SeqCst);
    ensure!(
        value == completed,
        "rwlock: counter {value}, {completed} writes completed"
    );
    Ok(())
}

async fn write_guard<'a>(
    lock: &'a RwLock<u64>,
    rng: &mut Rng,
) -> Option<gort::sync::RwLockWriteGuard<'a, u64>> {
    match rng.below(0, 3) {
        0 => Some(lock.write().await),
        1 => lock.try_write().ok(),
        _ => {
            let g = gort::time::timeout(short(rng), lock.write()).await.ok();
            if g.is_none() {
                count(&STATS.cancels, 1);
            }
            g
        }
    }
}

/// Tasks take 1..=P permits in random styles; never more than P out at once, all P back at the
/// end, then a closed semaphore refuses.
pub async fn semaphore(mut rng: Rng) -> Outcome {
    let permits = rng.below(1, 9);
    let sem = Arc::new(Semaphore::new(permits));
    let out = Arc::new(AtomicI64::new(0));
    let mut tasks = Vec::new();
    for t in 0..rng.below(2, 10) {
        let (sem, out, mut r) = (sem.clone(), out.clone(), rng.fork(t as u64));
        let rounds = r.below(5, 60);
        tasks.push(gort::spawn(async move {
            for _ in 0..rounds {
                pause(&mut r).await;
                let n = r.range(1, permits as u64 + 1) as u32;
                match r.below(0, 4) {
                    0 => {
                        if let Ok(p) = sem.acquire_many(n).await {
                            drop(hold(&out, permits, p, &mut r).await?);
                        }
                    }
                    1 => {
                        if let Ok(p) = sem.try_acquire_many(n) {
                            drop(hold(&out, permits, p, &mut r).await?);
                        }
                    }
                    2 => match gort::time::timeout(short(&mut r), sem.acquire_many(n)).await {
                        Ok(Ok(p)) => drop(hold(&out, permits, p, &mut r).await?),
                        Ok(Err(_)) => return Err("semaphore closed early".into()),
                        Err(_) => count(&STATS.cancels, 1),
                    },
                    _ => {
                        if let Ok(p) = sem.clone().acquire_many_owned(n).await {
                            let p = hold(&out, permits, p, &mut r).await?;
                            forget_or_drop(&sem, p, &mut r);
                        }
                    }
                }
            }
            Ok::<(), String>(())
        }));
    }
    abort_some(&mut rng, &tasks, 10).await;
    join_outcomes(tasks).await?;
    let available = sem.available_permits();
    ensure!(
        available == permits,
        "semaphore: {available} of {permits} permits back"
    );
    sem.close();
    ensure!(
        sem.acquire().await.is_err(),
        "semaphore: a closed semaphore granted a permit"
    );
    Ok(())
}

/// A permit of `n` permits (semaphore permits or owned ones).
trait Held {
    fn permits(&self) -> usize;
}

impl Held for gort::sync::SemaphorePermit<'_> {
    fn permits(&self) -> usize {
        self.num_permits()
    }
}

impl Held for gort::sync::OwnedSemaphorePermit {
    fn permits(&self) -> usize {
        self.num_permits()
    }
}

/// Holds `permit` for a random while, counting it as out; gives it back to the caller. The
/// occupancy count drops before the permit does (locals drop before parameters, also when an
/// aborted task's future is dropped), so a new holder never sees a stale count.
async fn hold<P: Held>(
    out: &AtomicI64,
    permits: usize,
    permit: P,
    rng: &mut Rng,
) -> Result<P, String> {
    let n = permit.permits() as i64;
    {
        let (_o, now) = Occupy::enter(out, n);
        ensure!(
            now <= permits as i64,
            "semaphore: {now} permits out of {permits}"
        );
        pause(rng).await;
    }
    count(&STATS.ops, 1);
    Ok(permit)
}

/// Releases a permit by dropping it, or by forgetting it and adding the permits back.
fn forget_or_drop(sem: &Semaphore, p: gort::sync::OwnedSemaphorePermit, rng: &mut Rng) {
    if rng.chance(20) {
        let n = p.num_permits();
        p.forget();
        sem.add_permits(n);
    }
}
