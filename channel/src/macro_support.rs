//! Run-time pieces of `select!`, `join!` and `try_join!`, reached through `$crate::__private`.
//!
//! The macros only lay out the futures and dispatch on a branch index; every decision that does
//! not need the caller's tokens lives here as plain, tested functions: the order in which a
//! `select!` polls its branches ([`PollOrder`]), what an idle `select!` poll returns
//! ([`settle`]), the cooperative budget check, and `join!`'s rotation ([`Rotation`]).

use crate::select::random_below;
use core::task::{Context, Poll};

/// The most branches a `select!` (and futures a `join!`) may have, as tokio's.
pub const MAX_BRANCHES: u32 = 64;

/// The value a `select!` poll produces.
#[derive(Debug)]
pub enum SelectOutput<B> {
    /// A branch completed and matched its pattern. `B` is a tuple with one `Option` per branch;
    /// exactly the completed branch's slot is `Some`.
    Branch(B),
    /// Every branch is disabled: the `else` branch runs (without one, the macro panics).
    Disabled,
    /// No branch can complete now: the `default` branch runs (Go's `select { ... default: }`).
    Default,
}

/// What a `select!` poll returns when no branch completed.
///
/// `pending` says whether some enabled branch is still waiting. With `default`, nothing waits:
/// a waiting branch means "not ready now", and when every branch is disabled they are Go's nil
/// channels, never ready — `default` runs in both cases unless `else` claims the second.
/// `_slots` (the poll's empty output tuple) only fixes `B`, which a `select!` without branches
/// would otherwise leave open.
pub fn settle<B>(
    pending: bool,
    has_default: bool,
    has_else: bool,
    _slots: &B,
) -> Poll<SelectOutput<B>> {
    match (pending, has_default, has_else) {
        (true, false, _) => Poll::Pending,
        (true, true, _) | (false, true, false) => Poll::Ready(SelectOutput::Default),
        (false, _, _) => Poll::Ready(SelectOutput::Disabled),
    }
}

/// The order in which one `select!` poll visits its `N` branches.
///
/// Unbiased, it is a uniformly random permutation drawn lazily (Fisher–Yates, one draw per
/// branch visited: a uniform pick among the branches not visited yet), as Go shuffles its
/// `pollorder`: among the branches ready at a poll each is equally likely to be taken, so no
/// ready branch starves, however many branches are disabled. `biased;` visits the branches in
/// the order written. The branches not visited yet are the set bits of one word (`N <= 64`),
/// so drawing takes no array on the stack.
#[derive(Debug)]
pub struct PollOrder<const N: usize> {
    unvisited: u64,
    random: bool,
    /// A branch visited before all others ([`PollOrder::led_by`]); `NO_LEAD` if none.
    lead: u32,
}

const NO_LEAD: u32 = u32::MAX;

impl<const N: usize> PollOrder<N> {
    /// A fresh order for one poll.
    #[inline]
    pub fn new(biased: bool) -> Self {
        const {
            assert!(
                N <= MAX_BRANCHES as usize,
                "select! takes at most 64 branches"
            )
        };
        PollOrder {
            unvisited: first_bits(N),
            random: !biased,
            lead: NO_LEAD,
        }
    }

    /// The same order, but `lead` (if given and among the branches to visit) comes first: the
    /// branch a peer already committed the `select!` to
    /// ([`SelectScope::committed`](crate::select::SelectScope::committed)).
    #[inline]
    pub fn led_by(mut self, lead: Option<u32>) -> Self {
        if let Some(lead) = lead {
            if lead < 64 && self.unvisited & (1 << lead) != 0 {
                self.lead = lead;
            }
        }
        self
    }

    /// An order over the branches of `mask` alone (one bit each; `0`: all of them), for the
    /// look that parks the branches whose parks were deferred
    /// ([`SelectScope::park_deferred`](crate::select::SelectScope::park_deferred)).
    #[inline]
    pub fn only(mask: u64, biased: bool) -> Self {
        let mut order = Self::new(biased);
        if mask != 0 {
            order.unvisited &= mask;
        }
        order
    }

    /// True once every branch of the order was visited.
    #[inline]
    pub fn is_done(&self) -> bool {
        self.unvisited == 0
    }
}

/// A word with its lowest `n` bits set (`n <= 64`).
const fn first_bits(n: usize) -> u64 {
    if n == 0 {
        0
    } else {
        u64::MAX >> (64 - n)
    }
}

impl<const N: usize> Iterator for PollOrder<N> {
    type Item = u32;

    #[inline]
    fn next(&mut self) -> Option<u32> {
        if self.unvisited == 0 {
            return None;
        }
        if self.lead != NO_LEAD {
            let lead = std::mem::replace(&mut self.lead, NO_LEAD);
            self.unvisited &= !(1 << lead);
            return Some(lead);
        }
        let left = self.unvisited.count_ones();
        let mut set = self.unvisited;
        if self.random && left > 1 {
            // Drop the lowest `pick` set bits: the lowest one left is the pick.
            for _ in 0..random_below(left) {
                set &= set - 1;
            }
        }
        let branch = set.trailing_zeros();
        self.unvisited &= !(1 << branch);
        Some(branch)
    }
}

/// A `select!`'s disabled branches: one bit per branch of one word ([`MAX_BRANCHES`] is 64).
///
/// One word, not the fewest bytes: a byte written when the `select!` starts and read back by
/// its first poll as the wider word the bit test loads missed store-to-load forwarding, a
/// stall that showed as a tenth of a two-branch `select!` loop's time.
#[derive(Debug)]
pub struct Mask(u64);

impl Mask {
    /// No branch disabled.
    #[inline]
    pub const fn new() -> Self {
        Mask(0)
    }

    /// Disables branch `index`.
    #[inline]
    pub fn set(&mut self, index: u32) {
        self.0 |= 1 << index;
    }

    /// Whether branch `index` is disabled.
    #[inline]
    pub fn get(&self, index: u32) -> bool {
        self.0 & (1 << index) != 0
    }
}

impl Default for Mask {
    fn default() -> Self {
        Self::new()
    }
}

/// `select!` without `default` yields at once when the task's cooperative budget is spent
/// (tokio's `select!` does the same): its branches would yield anyway, and a foreign future in
/// it would otherwise keep the task running.
#[inline]
pub fn poll_budget(cx: &mut Context<'_>) -> Poll<()> {
    if crate::coop::has_budget_remaining() {
        Poll::Ready(())
    } else {
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// Runs `f` outside the cooperative budget when `unconstrained` (a `select!` with `default`):
/// a spent budget must never make a ready branch look pending to `default`.
#[inline]
pub fn maybe_unconstrained<R>(unconstrained: bool, f: impl FnOnce() -> R) -> R {
    if unconstrained {
        crate::coop::unconstrained(f)
    } else {
        f()
    }
}

/// Which of its `n` futures a `join!` polls first at each poll.
pub trait Rotation {
    /// The first index for this poll.
    fn first(&mut self, n: u32) -> u32;
}

/// `join!`'s default: each poll starts one future later than the previous one, so a future that
/// is always ready cannot starve the others of the task's budget.
#[derive(Debug, Default)]
pub struct RoundRobin(u32);

impl Rotation for RoundRobin {
    #[inline]
    fn first(&mut self, n: u32) -> u32 {
        let first = self.0;
        self.0 = if first + 1 >= n { 0 } else { first + 1 };
        first
    }
}

/// `join!(biased; ...)`: always from the first future, in the order written (no state).
#[derive(Debug, Default)]
pub struct InOrder;

impl Rotation for InOrder {
    #[inline]
    fn first(&mut self, _n: u32) -> u32 {
        0
    }
}

/// `(first + i) % n` for the `i`-th future of a `join!` poll.
#[inline]
pub fn nth_from(first: u32, i: u32, n: u32) -> u32 {
    let index = first + i;
    if index >= n {
        index - n
    } else {
        index
    }
}

/// `try_join!`: whether a finished future failed.
#[inline]
pub fn is_err<T, E>(output: Option<&mut Result<T, E>>) -> bool {
    matches!(output, Some(Err(_)))
}

/// `try_join!`: the error of a failed future.
pub fn take_err<T, E>(output: Option<Result<T, E>>) -> E {
    match output {
        Some(Err(err)) => err,
        _ => unreachable!("try_join!: checked to be an error"),
    }
}

/// `try_join!`: the value of a succeeded future.
pub fn take_ok<T, E>(output: Option<Result<T, E>>) -> T {
    match output {
        Some(Ok(value)) => value,
        _ => unreachable!("try_join!: checked to be a success"),
    }
}

/// `join!`: the output of a finished future.
pub fn take<T>(output: Option<T>) -> T {
    output.expect("join!: every future finished and is taken once")
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn settle_follows_go_and_tokio() {
        let idle = |p, d, e| match settle(p, d, e, &()) {
            Poll::Pending => "pending",
            Poll::Ready(SelectOutput::Default) => "default",
            Poll::Ready(SelectOutput::Disabled) => "else",
            Poll::Ready(SelectOutput::Branch(())) => "branch",
        };
        assert_eq!(idle(true, false, false), "pending");
        assert_eq!(idle(true, true, true), "default");
        assert_eq!(idle(false, false, false), "else", "the macro panics here");
        assert_eq!(idle(false, false, true), "else");
        assert_eq!(
            idle(false, true, false),
            "default",
            "nil cases take default"
        );
        assert_eq!(
            idle(false, true, true),
            "else",
            "else keeps tokio's meaning"
        );
    }

    #[test]
    fn poll_order_is_a_permutation_and_uniform() {
        let biased: Vec<u32> = PollOrder::<5>::new(true).collect();
        assert_eq!(biased, [0, 1, 2, 3, 4]);
        let mut first = [0u32; 5];
        // Fewer draws under Miri, where each costs milliseconds.
        let draws = if cfg!(miri) { 1000 } else { 5000 };
        for _ in 0..draws {
            let mut order: Vec<u32> = PollOrder::<5>::new(false).collect();
            first[order[0] as usize] += 1;
            order.sort_unstable();
            assert_eq!(order, [0, 1, 2, 3, 4]);
        }
        // Each about a fifth; more than 4/5 of that (3 standard deviations under Miri's 1,000).
        assert!(first.iter().all(|&n| n > draws * 4 / 25), "{first:?}");
        assert_eq!(PollOrder::<0>::new(false).next(), None);
        let all: Vec<u32> = PollOrder::<64>::new(true).collect();
        assert_eq!(all, (0..64).collect::<Vec<u32>>());
        let mut all: Vec<u32> = PollOrder::<64>::new(false).collect();
        all.sort_unstable();
        assert_eq!(all, (0..64).collect::<Vec<u32>>());
    }

    #[test]
    fn poll_order_only_visits_the_masked_branches() {
        let biased: Vec<u32> = PollOrder::<6>::only(0b10_1010, true).collect();
        assert_eq!(biased, [1, 3, 5]);
        let mut first = [0u32; 6];
        for _ in 0..3000 {
            let mut order: Vec<u32> = PollOrder::<6>::only(0b10_1010, false).collect();
            first[order[0] as usize] += 1;
            order.sort_unstable();
            assert_eq!(order, [1, 3, 5]);
        }
        assert!([1, 3, 5].iter().all(|&b| first[b] > 800), "{first:?}");
        // No mask: every branch; bits past the branches: none of them.
        assert_eq!(PollOrder::<3>::only(0, true).collect::<Vec<_>>(), [0, 1, 2]);
        assert_eq!(PollOrder::<3>::only(0b1000, true).next(), None);
    }

    #[test]
    fn poll_order_led_by_a_branch_visits_it_first_then_the_rest() {
        for _ in 0..200 {
            let mut order: Vec<u32> = PollOrder::<5>::new(false).led_by(Some(3)).collect();
            assert_eq!(order[0], 3);
            order.sort_unstable();
            assert_eq!(order, [0, 1, 2, 3, 4]);
        }
        let biased: Vec<u32> = PollOrder::<4>::new(true).led_by(Some(2)).collect();
        assert_eq!(biased, [2, 0, 1, 3]);
        // A lead outside the branches to visit changes nothing.
        let only: Vec<u32> = PollOrder::<4>::only(0b0011, true).led_by(Some(2)).collect();
        assert_eq!(only, [0, 1]);
        assert_eq!(PollOrder::<4>::new(true).led_by(Some(70)).count(), 4);
        assert_eq!(PollOrder::<4>::new(true).led_by(None).next(), Some(0));
    }

    #[test]
    fn poll_order_draws_every_permutation_alike() {
        // The 6 orders of 3 branches, each about 1/6 of the draws.
        let mut seen = std::collections::HashMap::new();
        let draws = if cfg!(miri) { 1200 } else { 6000 };
        for _ in 0..draws {
            let order: Vec<u32> = PollOrder::<3>::new(false).collect();
            *seen.entry(order).or_insert(0u32) += 1;
        }
        assert_eq!(seen.len(), 6, "{seen:?}");
        assert!(seen.values().all(|&n| n > draws * 2 / 15), "{seen:?}");
    }

    #[test]
    fn mask_bits() {
        let mut mask = Mask::new();
        for i in [0, 7, 8, 63] {
            assert!(!mask.get(i));
            mask.set(i);
            assert!(mask.get(i));
        }
        assert!(!mask.get(9));
    }

    #[test]
    fn rotations() {
        let mut rr = RoundRobin::default();
        let firsts: Vec<u32> = (0..4).map(|_| rr.first(3)).collect();
        assert_eq!(firsts, [0, 1, 2, 0]);
        assert_eq!(InOrder.first(3), 0);
        assert_eq!(nth_from(2, 2, 3), 1);
        assert_eq!(take_ok::<u8, ()>(Some(Ok(1))), 1);
        assert_eq!(take_err::<u8, &str>(Some(Err("e"))), "e");
        assert!(is_err::<u8, ()>(Some(&mut Err(()))));
    }
}
