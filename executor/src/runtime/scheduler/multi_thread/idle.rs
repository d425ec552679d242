//! Which workers sleep, and how many search for work: waking workers sparingly.
//!
//! tokio's `idle.rs` policy: one atomic word counts unparked and searching workers. A task
//! pushed somewhere wakes a sleeper only if nobody is searching already; at most half the workers
//! search at once; a searcher that finds work and was the last searcher wakes one more sleeper
//! (so work spreads one worker at a time, never as a thundering herd).

use crate::loom::{AtomicUsize, Mutex, MutexGuard};
use std::sync::atomic::Ordering::{AcqRel, Acquire, SeqCst};

const UNPARKED_SHIFT: usize = 16;
const SEARCHING_MASK: usize = (1 << UNPARKED_SHIFT) - 1;

pub(crate) struct Idle {
    /// `unparked << 16 | searching`.
    state: AtomicUsize,
    /// Indices of parked workers.
    sleepers: Mutex<Vec<usize>>,
    num_workers: usize,
}

fn searching(state: usize) -> usize {
    state & SEARCHING_MASK
}

fn unparked(state: usize) -> usize {
    state >> UNPARKED_SHIFT
}

impl Idle {
    pub(crate) fn new(num_workers: usize) -> Idle {
        Idle {
            state: AtomicUsize::new(num_workers << UNPARKED_SHIFT),
            sleepers: Mutex::new(Vec::with_capacity(num_workers)),
            num_workers,
        }
    }

    fn sleepers(&self) -> MutexGuard<'_, Vec<usize>> {
        self.sleepers.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A worker to wake, if waking one is worth it: somebody sleeps and nobody searches.
    /// The chosen worker is counted as unparked and searching.
    pub(crate) fn worker_to_notify(&self) -> Option<usize> {
        if !self.should_notify() {
            return None;
        }
        let mut sleepers = self.sleepers();
        if !self.should_notify() {
            return None;
        }
        let worker = sleepers.pop()?;
        self.state.fetch_add(1 << UNPARKED_SHIFT | 1, SeqCst);
        Some(worker)
    }

    fn should_notify(&self) -> bool {
        // A read-modify-write, not a load: the notifier published its task before this, the
        // last searcher publishes its parking before it re-checks the queues (`Handle::park`);
        // that store-buffer pattern needs both sides to be RMWs so that at least one of them
        // sees the other (a SeqCst load may still read the stale value under the C++ model).
        let state = self.state.fetch_add(0, SeqCst);
        searching(state) == 0 && unparked(state) < self.num_workers
    }

    /// A worker starts searching (stealing); refused when half the workers already search.
    pub(crate) fn transition_to_searching(&self) -> bool {
        let state = self.state.load(Acquire);
        if 2 * searching(state) >= self.num_workers {
            return false;
        }
        self.state.fetch_add(1, AcqRel);
        true
    }

    /// A searching worker found work; returns true when it was the last searcher (it should
    /// then wake another sleeper so the rest of the work gets picked up).
    pub(crate) fn transition_from_searching(&self) -> bool {
        let prev = self.state.fetch_sub(1, SeqCst);
        debug_assert!(searching(prev) > 0);
        searching(prev) == 1
    }

    /// A worker goes to sleep; returns true when it was the last searcher.
    pub(crate) fn transition_to_parked(&self, worker: usize, is_searching: bool) -> bool {
        let mut sleepers = self.sleepers();
        let dec = (1 << UNPARKED_SHIFT) | usize::from(is_searching);
        let prev = self.state.fetch_sub(dec, SeqCst);
        sleepers.push(worker);
        is_searching && searching(prev) == 1
    }

    /// A sleeping worker woke for another reason (driver event, timer) and has work: take it off
    /// the sleeper list, counted as searching or not. Returns false when a notifier already
    /// did (counting it as searching).
    pub(crate) fn unpark_worker_by_id(&self, worker: usize, searching: bool) -> bool {
        let mut sleepers = self.sleepers();
        if let Some(i) = sleepers.iter().position(|&w| w == worker) {
            sleepers.swap_remove(i);
            self.state
                .fetch_add(1 << UNPARKED_SHIFT | usize::from(searching), SeqCst);
            true
        } else {
            false
        }
    }

    /// True while `worker` is on the sleeper list (nobody chose it to wake).
    pub(crate) fn is_parked(&self, worker: usize) -> bool {
        self.sleepers().contains(&worker)
    }

    /// True when some worker is awake (running or searching).
    pub(crate) fn any_unparked(&self) -> bool {
        unparked(self.state.load(SeqCst)) > 0
    }

    #[cfg(all(test, not(loom)))]
    pub(crate) fn num_searching(&self) -> usize {
        searching(self.state.load(SeqCst))
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn notifies_one_at_a_time() {
        let idle = Idle::new(4);
        for w in 0..4 {
            assert!(!idle.transition_to_parked(w, false));
        }
        let first = idle.worker_to_notify();
        assert!(first.is_some());
        // Somebody is searching now: no second wake.
        assert_eq!(idle.worker_to_notify(), None);
        assert!(idle.transition_from_searching());
        assert!(idle.worker_to_notify().is_some());
    }

    #[test]
    fn at_most_half_search() {
        let idle = Idle::new(4);
        assert!(idle.transition_to_searching());
        assert!(idle.transition_to_searching());
        assert!(!idle.transition_to_searching());
        assert_eq!(idle.num_searching(), 2);
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    //! The worker's park/notify protocol (`Handle::notify_parked`, `Context::park`) reduced to
    //! its shared state: the idle word and a queue length.
    use super::*;
    use loom::sync::atomic::AtomicBool;
    use loom::sync::Arc;
    use loom::thread;

    /// What a notifier does: wake the chosen sleeper (here: mark it woken).
    fn notify(idle: &Idle, woken: &[AtomicBool]) {
        if let Some(w) = idle.worker_to_notify() {
            assert!(!woken[w].swap(true, SeqCst), "worker {w} chosen twice");
        }
    }

    /// A task pushed while the last searching worker parks is never stranded: either the
    /// pusher wakes a sleeper, or the parking searcher sees the task and wakes one.
    #[test]
    fn loom_push_vs_last_searcher_parking() {
        loom::model(|| {
            let idle = Arc::new(Idle::new(2));
            // Worker 1 sleeps; worker 0 is the only searcher.
            assert!(!idle.transition_to_parked(1, false));
            assert!(idle.transition_to_searching());
            let queued = Arc::new(AtomicUsize::new(0));
            let woken = Arc::new([AtomicBool::new(false), AtomicBool::new(false)]);

            let (i, q, w) = (idle.clone(), queued.clone(), woken.clone());
            let pusher = thread::spawn(move || {
                q.fetch_add(1, SeqCst);
                notify(&i, &*w);
            });
            // Worker 0 found nothing and parks; as the last searcher it re-checks the queues.
            if idle.transition_to_parked(0, true) && queued.load(SeqCst) > 0 {
                notify(&idle, &*woken);
            }
            pusher.join().unwrap();

            let any_woken = woken.iter().any(|w| w.load(SeqCst));
            assert!(
                any_woken,
                "the pushed task is stranded: every worker sleeps"
            );
            assert!(idle.any_unparked());
        });
    }

    /// A searcher that finds work while another task is pushed: the pusher's notification is
    /// not lost when the searcher leaves searching (it wakes a sleeper as the last searcher).
    #[test]
    fn loom_push_vs_searcher_finding_work() {
        loom::model(|| {
            let idle = Arc::new(Idle::new(2));
            assert!(!idle.transition_to_parked(1, false));
            assert!(idle.transition_to_searching());
            let woken = Arc::new([AtomicBool::new(false), AtomicBool::new(false)]);

            let (i, w) = (idle.clone(), woken.clone());
            let pusher = thread::spawn(move || notify(&i, &*w));
            if idle.transition_from_searching() {
                notify(&idle, &*woken);
            }
            pusher.join().unwrap();
            assert!(woken[1].load(SeqCst), "the sleeper was never woken");
            assert!(!woken[0].load(SeqCst), "a running worker was picked");
        });
    }
}
