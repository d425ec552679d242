//! A reusable barrier (tokio's `Barrier`): `n` tasks wait until all `n` have arrived.
//!
//! A lock guards the arrival count and a generation number; arrivals park in the crate's
//! wait-list, and the `n`-th arrival (the leader) starts the next generation and completes every
//! parked waiter in place. The barrier is then ready for the next round.

use super::shim::Lock;
use crate::coop;
use crate::waitlist::{WaitList, WaiterId};
use std::fmt;
use std::future::poll_fn;
use std::future::Future;
use std::task::Poll;

/// Makes `n` tasks wait for each other; the last to arrive is the leader.
///
/// Go has no barrier type; the idiom is a `sync.WaitGroup` per round, or see
/// [`WaitGroup`](super::WaitGroup).
///
/// ```
/// use gort_channel::sync::Barrier;
/// use std::sync::Arc;
/// let barrier = Arc::new(Barrier::new(3));
/// let threads: Vec<_> = (0..3)
///     .map(|_| {
///         let b = barrier.clone();
///         std::thread::spawn(move || futures::executor::block_on(b.wait()).is_leader())
///     })
///     .collect();
/// let leaders = threads
///     .into_iter()
///     .map(|t| t.join().unwrap())
///     .filter(|&leader| leader)
///     .count();
/// assert_eq!(leaders, 1);
/// ```
pub struct Barrier {
    n: usize,
    state: Lock<State>,
}

struct State {
    arrived: usize,
    generation: u64,
    waiters: WaitList<()>,
}

/// What [`Barrier::wait`] returns: tells the one leader of each round apart.
///
/// ```
/// futures::executor::block_on(async {
///     let barrier = gort_channel::sync::Barrier::new(1);
///     let result: gort_channel::sync::BarrierWaitResult = barrier.wait().await;
///     assert!(result.is_leader());
/// });
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BarrierWaitResult(bool);

impl BarrierWaitResult {
    /// True for exactly one waiter per round: the last to arrive.
    ///
    /// ```
    /// futures::executor::block_on(async {
    ///     let barrier = gort_channel::sync::Barrier::new(1);
    ///     assert!(barrier.wait().await.is_leader());
    /// });
    /// ```
    pub fn is_leader(&self) -> bool {
        self.0
    }
}

impl fmt::Debug for Barrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Barrier").field("n", &self.n).finish()
    }
}

impl Barrier {
    /// A barrier for `n` tasks (`0` behaves as `1`, as tokio's).
    ///
    /// ```
    /// let _barrier = gort_channel::sync::Barrier::new(4);
    /// ```
    pub fn new(n: usize) -> Self {
        Barrier {
            n: n.max(1),
            state: Lock::new(State {
                arrived: 0,
                generation: 0,
                waiters: WaitList::new(),
            }),
        }
    }

    /// Arrives and waits until `n` tasks have arrived in this round.
    ///
    /// # Cancel safety
    /// Not cancel safe, as tokio's: the arrival is counted on the first poll, and dropping the
    /// future afterwards does not take it back (the round still completes with `n` arrivals).
    ///
    /// ```
    /// use gort_channel::sync::Barrier;
    /// futures::executor::block_on(async {
    ///     let barrier = Barrier::new(2);
    ///     let (a, b) = futures::join!(barrier.wait(), barrier.wait());
    ///     assert!(a.is_leader() != b.is_leader());
    /// });
    /// ```
    #[track_caller]
    pub fn wait(&self) -> impl Future<Output = BarrierWaitResult> + '_ {
        let resource = (self as *const Self).cast::<()>();
        gort_waitsite::Traced::new(gort_waitsite::WaitKind::BarrierWait, resource, async move {
            let mut arrived = false;
            let mut generation = 0;
            let mut guard = WaiterGuard {
                barrier: self,
                id: None,
            };
            poll_fn(|cx| {
                std::task::ready!(coop::poll_proceed(cx));
                let mut stale = None;
                let mut state = self.state.lock();
                if !arrived {
                    arrived = true;
                    state.arrived += 1;
                    if state.arrived == self.n {
                        state.arrived = 0;
                        state.generation += 1;
                        let wakers = state.waiters.drain(|_| {});
                        drop(state);
                        for waker in wakers {
                            waker.wake();
                        }
                        return Poll::Ready(BarrierWaitResult(true));
                    }
                    generation = state.generation;
                    guard.id = Some(state.waiters.push_back((), cx.waker()));
                } else if let Some(id) = guard.id {
                    if state.waiters.is_queued(id) {
                        stale = state.waiters.register_take_old(id, cx.waker());
                    }
                }
                if state.generation != generation {
                    if let Some(id) = guard.id.take() {
                        stale = state.waiters.remove_with_waker(id).1;
                    }
                    drop(state);
                    drop(stale);
                    return Poll::Ready(BarrierWaitResult(false));
                }
                drop(state);
                drop(stale); // after the lock: a waker's drop may re-enter
                coop::refund();
                Poll::Pending
            })
            .await
        })
    }
}

/// Frees a parked entry if the `wait` future is dropped.
struct WaiterGuard<'a> {
    barrier: &'a Barrier,
    id: Option<WaiterId>,
}

impl Drop for WaiterGuard<'_> {
    fn drop(&mut self) {
        if let Some(id) = self.id.take() {
            let (_, stale) = self.barrier.state.lock().waiters.remove_with_waker(id);
            drop(stale); // after the lock: a waker's drop may re-enter
        }
    }
}
