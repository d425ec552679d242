//! `select!`'s coordination word: how exactly one branch of a `select!` commits.
//!
//! A `select!` over gort channel operations may leave several of them parked in their channels'
//! wait-lists at once (say two sends on unbuffered channels). Were each wait-list to complete its
//! waiter on its own, two receivers could each take a value and both branches would commit. So
//! every `select!` owns one [`Token`], the "selected" word of crossbeam-channel's `Context` and of
//! Go's `selectDone` (`runtime/select.go`): whoever completes one of its operations — a peer
//! popping a parked waiter, or the operation itself finding the channel ready — must first win
//! the token for that operation's branch with one compare-and-swap. A peer that loses skips the
//! waiter (and wakes it, so its future notices) and serves the next one.
//!
//! The token travels without any change to the futures' types: while `select!` polls branch `k`,
//! a thread-local points at its [`SelectScope`]; a gort channel future polled inside picks the
//! scope up, claims the token for branch `k` before committing, and stores it with its waiter when
//! it parks. Futures polled outside a `select!` see no scope and commit freely. The token is
//! created lazily, on the first park: a `select!` whose branch is ready at once allocates nothing.
//!
//! With a `default` branch the scope is *try-only*: gort operations complete if they can and
//! otherwise return `Pending` without parking (Go's `select` with `default` never enqueues), so
//! `default` runs exactly when nothing was ready, and nothing is left to race.

use crate::chan::shim::{Arc, AtomicU32, Ordering};
use std::cell::{Cell, OnceCell};
use std::ptr;

const OPEN: u32 = 0;

/// The outcome of trying to win a `select!`'s token for one branch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Claim {
    /// No coordination needed: not inside a `select!`, or nothing of it is parked yet.
    Free,
    /// This call won the token; [`Current::release`] gives it back if the operation then fails.
    Acquired,
    /// The branch already held the token (an earlier operation of the same branch won it).
    Held,
    /// Another branch won: this operation must not commit.
    Lost,
}

/// The "selected" word shared by every operation of one `select!` call.
#[derive(Debug)]
pub(crate) struct Token {
    /// `OPEN`, or `branch + 1` of the branch that won.
    state: AtomicU32,
}

impl Token {
    fn new() -> Self {
        Token {
            state: AtomicU32::new(OPEN),
        }
    }

    fn claim(&self, branch: u32) -> Claim {
        let mine = branch + 1;
        match self
            .state
            .compare_exchange(OPEN, mine, Ordering::AcqRel, Ordering::Acquire)
        {
            Ok(_) => Claim::Acquired,
            Err(current) if current == mine => Claim::Held,
            Err(_) => Claim::Lost,
        }
    }

    fn reopen(&self, branch: u32) {
        let _ = self
            .state
            .compare_exchange(branch + 1, OPEN, Ordering::AcqRel, Ordering::Acquire);
    }
}

/// A parked operation's membership in a `select!`: the token and the branch it belongs to.
#[derive(Debug, Clone)]
pub(crate) struct SelectRef {
    token: Arc<Token>,
    branch: u32,
}

impl SelectRef {
    /// A peer about to complete this waiter calls this; `false` means skip it.
    pub(crate) fn claim_for_peer(&self) -> bool {
        self.token.claim(self.branch) != Claim::Lost
    }

    /// Builds a reference from a raw token, for the loom models.
    #[cfg(all(test, loom))]
    pub(crate) fn new_for_test(branch: u32) -> (Self, Arc<Token>) {
        let token = Arc::new(Token::new());
        (
            SelectRef {
                token: token.clone(),
                branch,
            },
            token,
        )
    }

    /// Another branch of the same token, for the loom models.
    #[cfg(all(test, loom))]
    pub(crate) fn sibling(&self, branch: u32) -> Self {
        SelectRef {
            token: self.token.clone(),
            branch,
        }
    }
}

/// Claims on behalf of a parked waiter (`None`: not in a `select!`, always wins).
#[inline]
pub(crate) fn claim_peer(sel: &Option<SelectRef>) -> bool {
    match sel {
        None => true,
        Some(sel) => sel.claim_for_peer(),
    }
}

/// One `select!` call's shared state; lives in the `select!`'s future, polled in place.
#[doc(hidden)]
#[derive(Debug)]
pub struct SelectScope {
    token: OnceCell<Arc<Token>>,
    try_only: bool,
}

thread_local! {
    static CURRENT: Cell<(*const SelectScope, u32)> = const { Cell::new((ptr::null(), 0)) };
}

impl SelectScope {
    /// A scope; `try_only` when the `select!` has a `default` branch.
    pub fn new(try_only: bool) -> Self {
        SelectScope {
            token: OnceCell::new(),
            try_only,
        }
    }

    /// Runs `poll` (one poll of branch `branch`) with this scope installed for gort futures.
    pub fn poll_branch<R>(&self, branch: u32, poll: impl FnOnce() -> R) -> R {
        struct Restore((*const SelectScope, u32));
        impl Drop for Restore {
            fn drop(&mut self) {
                let _ = CURRENT.try_with(|c| c.set(self.0));
            }
        }
        let previous = CURRENT.with(|c| c.replace((self as *const SelectScope, branch)));
        let _restore = Restore(previous);
        poll()
    }

    /// A branch completed: win the token for it so no parked operation of another branch can
    /// still be completed by a peer (a foreign future's completion cannot be undone).
    pub fn finish(&self, branch: u32) {
        if let Some(token) = self.token.get() {
            let _ = token.claim(branch);
        }
    }

    /// A completed branch's value did not match its pattern: the branch is disabled and the
    /// others may commit again.
    pub fn reopen(&self, branch: u32) {
        if let Some(token) = self.token.get() {
            token.reopen(branch);
        }
    }
}

/// The `select!` branch being polled on this thread, as seen by a gort channel operation.
pub(crate) struct Current<'a> {
    scope: &'a SelectScope,
    branch: u32,
}

impl Current<'_> {
    /// Tries to win the token for this operation's branch before committing it.
    #[inline]
    pub(crate) fn claim(&self) -> Claim {
        match self.scope.token.get() {
            None => Claim::Free,
            Some(token) => token.claim(self.branch),
        }
    }

    /// Gives back a token won by [`claim`](Self::claim) when the operation could not commit.
    #[inline]
    pub(crate) fn release(&self, claim: Claim) {
        if claim == Claim::Acquired {
            if let Some(token) = self.scope.token.get() {
                token.reopen(self.branch);
            }
        }
    }

    /// The reference a parking operation stores with its waiter (creates the token).
    pub(crate) fn park_ref(&self) -> SelectRef {
        SelectRef {
            token: self
                .scope
                .token
                .get_or_init(|| Arc::new(Token::new()))
                .clone(),
            branch: self.branch,
        }
    }

    /// True when `sel` already is this branch's reference (no need to replace it).
    pub(crate) fn is(&self, sel: &SelectRef) -> bool {
        self.branch == sel.branch
            && self
                .scope
                .token
                .get()
                .is_some_and(|t| ptr::eq(Arc::as_ptr(t), Arc::as_ptr(&sel.token)))
    }

    /// True inside a `select!` with `default`: operations must not park.
    pub(crate) fn try_only(&self) -> bool {
        self.scope.try_only
    }
}

/// Claims for an operation of the current branch (`None`: not in a `select!`).
#[inline]
pub(crate) fn claim(me: Option<&Current<'_>>) -> Claim {
    me.map_or(Claim::Free, Current::claim)
}

/// Releases a claim made by [`claim`].
#[inline]
pub(crate) fn release(me: Option<&Current<'_>>, claim: Claim) {
    if let Some(me) = me {
        me.release(claim);
    }
}

/// The reference a waiter parked from the current branch stores.
pub(crate) fn park_ref(me: Option<&Current<'_>>) -> Option<SelectRef> {
    me.map(Current::park_ref)
}

/// Updates a parked waiter's reference when it is polled from a (new) `select!`.
pub(crate) fn refresh(me: Option<&Current<'_>>, sel: &mut Option<SelectRef>) {
    match (me, &*sel) {
        (None, None) => {}
        (Some(me), Some(current)) if me.is(current) => {}
        (me, _) => *sel = park_ref(me),
    }
}

/// Runs `f` with the `select!` branch being polled on this thread, if any.
#[inline]
pub(crate) fn with_current<R>(f: impl FnOnce(Option<&Current<'_>>) -> R) -> R {
    let (scope, branch) = CURRENT.with(Cell::get);
    if scope.is_null() {
        f(None)
    } else {
        // SAFETY: `poll_branch` installs the pointer only while it runs the branch's poll, with
        // the scope borrowed for that whole call, and restores the previous value before
        // returning; we are inside that poll, so the scope is alive and not moved. `Current`
        // does not escape `f`.
        let scope = unsafe { &*scope };
        f(Some(&Current { scope, branch }))
    }
}

/// `select!`'s random start: a per-thread xorshift generator (seeded from std's hasher keys).
#[doc(hidden)]
pub fn random_below(n: u32) -> u32 {
    thread_local! {
        static RNG: Cell<u64> = Cell::new({
            use std::hash::{BuildHasher, Hasher};
            let mut h = std::collections::hash_map::RandomState::new().build_hasher();
            h.write_usize(&h as *const _ as usize);
            h.finish() | 1
        });
    }
    RNG.with(|rng| {
        let mut x = rng.get();
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        rng.set(x);
        (((x >> 32) * u64::from(n)) >> 32) as u32
    })
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn random_below_covers_the_range() {
        let mut seen = [0u32; 3];
        for _ in 0..3000 {
            seen[random_below(3) as usize] += 1;
        }
        assert!(seen.iter().all(|&n| n > 700), "{seen:?}");
    }

    #[test]
    fn token_admits_one_branch() {
        let scope = SelectScope::new(false);
        let a = scope.poll_branch(0, || with_current(|me| park_ref(me).unwrap()));
        let b = scope.poll_branch(1, || with_current(|me| park_ref(me).unwrap()));
        assert!(a.claim_for_peer());
        assert!(a.claim_for_peer(), "the same branch may commit again");
        assert!(!b.claim_for_peer());
        scope.reopen(0);
        assert!(b.claim_for_peer());
        scope.poll_branch(0, || with_current(|me| assert_eq!(claim(me), Claim::Lost)));
        assert!(
            with_current(|me| me.is_none()),
            "scope removed after the poll"
        );
    }
}
