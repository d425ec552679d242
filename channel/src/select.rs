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
//! a thread-local points at a [`Frame`] naming its [`SelectScope`] and `k`; a gort channel future
//! polled inside picks the frame up, claims the token for branch `k` before committing, and
//! stores a [`SelectRef`] with its waiter when it parks. Futures polled outside a `select!` see
//! no frame and commit freely. The shared token is created lazily, on the first park: until
//! then nobody else can complete an operation of this `select!`, so a plain [`Cell`] in its
//! scope records which branch committed (the token starts from it) — a `select!` whose branch
//! is ready at once allocates nothing, and a branch whose future commits one operation and then
//! waits on another still keeps every other branch from committing.
//!
//! # Nested `select!`
//!
//! A `select!` polled inside a branch of another (`select! { _ = async { select! { .. } } => .. }`)
//! pushes its frame on top of the outer one, so frames form a chain up the stack. An operation
//! commits only if it wins the token of *every* enclosing `select!` for the branch it sits in,
//! innermost first; a claim that fails part-way gives back what it won (a peer that raced it may
//! have skipped a waiter meanwhile: that waiter is woken and parks again, nothing is lost). A
//! `default` anywhere up the chain makes the whole chain try-only (see below).
//!
//! With a `default` branch the scope is *try-only*: gort operations complete if they can and
//! otherwise return `Pending` without parking (Go's `select` with `default` never enqueues), so
//! `default` runs exactly when nothing was ready, and nothing is left to race.

use crate::chan::shim::{Arc, AtomicU32, Ordering};
use std::cell::{Cell, OnceCell};
use std::ptr;

const OPEN: u32 = 0;

/// What one compare-and-swap on a [`Token`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TokenClaim {
    /// This call won the token.
    Acquired,
    /// The branch already held it.
    Held,
    /// Another branch holds it.
    Lost,
}

/// The outcome of trying to win the tokens of the branch being polled (and of every branch
/// enclosing it, for a nested `select!`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Claim {
    /// The operation may commit. `acquired` has bit `d` set for each frame (0 = innermost) whose
    /// token this claim won; [`release`] gives exactly those back if the operation then fails.
    Won { acquired: u64 },
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
    fn starting_at(state: u32) -> Self {
        Token {
            state: AtomicU32::new(state),
        }
    }

    fn claim(&self, branch: u32) -> TokenClaim {
        let mine = branch + 1;
        match self
            .state
            .compare_exchange(OPEN, mine, Ordering::AcqRel, Ordering::Acquire)
        {
            Ok(_) => TokenClaim::Acquired,
            Err(current) if current == mine => TokenClaim::Held,
            Err(_) => TokenClaim::Lost,
        }
    }

    fn reopen(&self, branch: u32) {
        let _ = self
            .state
            .compare_exchange(branch + 1, OPEN, Ordering::AcqRel, Ordering::Acquire);
    }
}

/// A parked operation's membership in a `select!`: the token and the branch it belongs to, and
/// the same for every `select!` enclosing that one.
#[derive(Debug, Clone)]
pub(crate) struct SelectRef {
    token: Arc<Token>,
    branch: u32,
    outer: Option<Box<SelectRef>>,
}

impl SelectRef {
    /// A peer about to complete this waiter calls this; `false` means skip it. Wins the whole
    /// chain or nothing.
    pub(crate) fn claim_for_peer(&self) -> bool {
        let claim = self.token.claim(self.branch);
        if claim == TokenClaim::Lost {
            return false;
        }
        match &self.outer {
            Some(outer) if !outer.claim_for_peer() => {
                if claim == TokenClaim::Acquired {
                    self.token.reopen(self.branch);
                }
                false
            }
            _ => true,
        }
    }

    /// Builds a reference from a raw token, for the loom models.
    #[cfg(all(test, loom))]
    pub(crate) fn new_for_test(branch: u32) -> (Self, Arc<Token>) {
        let token = Arc::new(Token::starting_at(OPEN));
        (
            SelectRef {
                token: token.clone(),
                branch,
                outer: None,
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
            outer: self.outer.clone(),
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
    /// The token's state while there is no token (nothing parked): only this task touches it.
    local: Cell<u32>,
    try_only: bool,
    /// In the first look of a poll (see [`SelectScope::look_first`]): a gort operation that
    /// finds its channel plainly idle defers its park ([`defer_park_if`]).
    looking: Cell<bool>,
    /// The branches whose operations deferred their parks in this look, one bit each.
    deferred: Cell<u64>,
    /// A gort operation of this `select!` parked during this poll's first look.
    parked: Cell<bool>,
}

/// One branch being polled: a stack frame of [`SelectScope::poll_branch`], linked to the frame of
/// the `select!` branch enclosing it (if any).
struct Frame {
    scope: *const SelectScope,
    branch: u32,
    parent: *const Frame,
}

#[cfg(not(loom))]
thread_local! {
    static CURRENT: Cell<*const Frame> = const { Cell::new(ptr::null()) };
}
// loom runs its model threads on one OS thread: the frame must be per model thread.
#[cfg(loom)]
loom::thread_local! {
    static CURRENT: Cell<*const Frame> = Cell::new(ptr::null());
}

impl SelectScope {
    /// A scope; `try_only` when the `select!` has a `default` branch.
    pub fn new(try_only: bool) -> Self {
        SelectScope {
            token: OnceCell::new(),
            local: Cell::new(OPEN),
            try_only,
            looking: Cell::new(false),
            deferred: Cell::new(0),
            parked: Cell::new(false),
        }
    }

    /// Starts a poll's first look over the branches (a `select!` without `default`): until
    /// [`park_deferred`](Self::park_deferred), a gort channel operation that finds its channel
    /// idle at a glance (nothing to take or no room, nobody parked to pair with, not closed)
    /// returns `Pending` without parking, and its branch is noted. Go's `selectgo` looks at
    /// every case before it enqueues on any; a branch that parked and then lost to a later
    /// ready branch costs a park and a cancel, each under its channel's lock.
    ///
    /// The deferral pays when a later branch is ready, and costs a second poll of each deferred
    /// branch when none is (a server loop waiting on a channel and a shutdown signal parks on
    /// every wait). So each thread keeps a one-bit guess ([`defer_guess`]): a look whose
    /// deferrals all ended in parks turns deferring off; a look in which a branch parked and a
    /// later one completed turns it back on.
    #[inline]
    pub fn look_first(&self) {
        self.looking.set(defer_guess::get());
        self.deferred.set(0);
        self.parked.set(false);
    }

    /// A branch completed in the first look: if an earlier branch had parked (deferring was
    /// off) or deferred its park, deferring pays here.
    #[inline]
    pub fn completed_in_first_look(&self) {
        if self.parked.get() || self.deferred.get() != 0 {
            defer_guess::set(true);
        }
    }

    /// The first look reached its last branch: its operations park at once (no branch after
    /// it could complete and spare the park).
    #[inline]
    pub fn stop_deferring(&self) {
        self.looking.set(false);
    }

    /// Ends the first look with no branch complete: later polls in this `select!` poll park.
    /// The branches whose operations deferred their parks, one bit each, to be polled again.
    #[inline]
    pub fn park_deferred(&self) -> u64 {
        self.looking.set(false);
        let deferred = self.deferred.replace(0);
        if deferred != 0 {
            // Nothing was ready: the deferrals only cost a second poll.
            defer_guess::set(false);
        }
        deferred
    }

    /// The branch a peer committed this `select!` to by completing one of its parked
    /// operations (say, a send took a parked receive's place), if any: the outcome is decided,
    /// so a poll looks at that branch first, and spares the others a look (each a lock, for a
    /// parked gort operation) before they are dropped.
    #[inline]
    pub fn committed(&self) -> Option<u32> {
        let token = self.token.get()?;
        match token.state.load(Ordering::Acquire) {
            OPEN => None,
            won => Some(won - 1),
        }
    }

    /// Runs `poll` (one poll of branch `branch`) with this scope installed for gort futures.
    #[inline]
    pub fn poll_branch<R>(&self, branch: u32, poll: impl FnOnce() -> R) -> R {
        struct Restore(*const Frame);
        impl Drop for Restore {
            #[inline]
            fn drop(&mut self) {
                let _ = CURRENT.try_with(|c| c.set(self.0));
            }
        }
        let parent = CURRENT.with(Cell::get);
        let frame = Frame {
            scope: self,
            branch,
            parent,
        };
        CURRENT.with(|c| c.set(&frame));
        let _restore = Restore(parent);
        poll()
    }

    /// A branch completed: win the token for it so no parked operation of another branch can
    /// still be completed by a peer. `false` means a peer already completed a parked operation
    /// of another branch (say took a parked send's value): that branch has committed too, and
    /// the caller should prefer it when it can.
    #[inline]
    pub fn finish(&self, branch: u32) -> bool {
        self.claim(branch) != TokenClaim::Lost
    }

    /// A completed branch's value did not match its pattern: the branch is disabled and the
    /// others may commit again.
    pub fn reopen(&self, branch: u32) {
        match self.token.get() {
            Some(token) => token.reopen(branch),
            None if self.local.get() == branch + 1 => self.local.set(OPEN),
            None => {}
        }
    }

    /// Wins this `select!` for `branch`: on the shared token once one exists, else locally.
    #[inline]
    fn claim(&self, branch: u32) -> TokenClaim {
        if let Some(token) = self.token.get() {
            return token.claim(branch);
        }
        let mine = branch + 1;
        match self.local.get() {
            OPEN => {
                self.local.set(mine);
                TokenClaim::Acquired
            }
            now if now == mine => TokenClaim::Held,
            _ => TokenClaim::Lost,
        }
    }

    /// The shared token, created on the first park from the local state (the thread's spare
    /// one when it has one: see [`spare_token`]).
    fn token(&self) -> &Arc<Token> {
        self.token
            .get_or_init(|| spare_token::take(self.local.get()))
    }
}

impl Drop for SelectScope {
    fn drop(&mut self) {
        if let Some(token) = self.token.take() {
            spare_token::keep(token);
        }
    }
}

/// Whether this thread's next `select!` defers parks in its first look (see
/// [`SelectScope::look_first`]): a hint, so a `select!` that moves to another thread mid-way
/// only reads another guess.
#[cfg(not(loom))]
mod defer_guess {
    use std::cell::Cell;

    thread_local! {
        static DEFER: Cell<bool> = const { Cell::new(true) };
    }

    #[inline]
    pub(super) fn get() -> bool {
        DEFER.try_with(Cell::get).unwrap_or(true)
    }

    #[inline]
    pub(super) fn set(defer: bool) {
        let _ = DEFER.try_with(|d| d.set(defer));
    }
}

/// loom models always defer (their model threads share one OS thread, and a guess carried from
/// one execution to the next would make the model's runs differ).
#[cfg(loom)]
mod defer_guess {
    pub(super) fn get() -> bool {
        true
    }

    pub(super) fn set(_defer: bool) {}
}

/// One token per thread, kept for the next `select!` that parks. A `select!` in a loop over busy
/// channels parks on most of its calls, and each such call needs a token its peers can hold: an
/// allocation and a free per call otherwise. A token is kept only when its `select!` is its last
/// holder (the `select!` drops its scope after its branch futures, and with them every waiter
/// that referred to the token), so nobody can see it reused.
#[cfg(not(loom))]
mod spare_token {
    use super::{Arc, Token};
    use std::cell::Cell;

    thread_local! {
        static SPARE: Cell<Option<Arc<Token>>> = const { Cell::new(None) };
    }

    /// A token in `state`: the spare one, or a new one.
    pub(super) fn take(state: u32) -> Arc<Token> {
        if let Some(mut token) = SPARE.try_with(Cell::take).ok().flatten() {
            // Unique: only a last holder is kept (see `keep`).
            if let Some(unique) = Arc::get_mut(&mut token) {
                *unique.state.get_mut() = state;
                return token;
            }
        }
        Arc::new(Token::starting_at(state))
    }

    /// Keeps `token` as the spare if nobody else holds it.
    pub(super) fn keep(mut token: Arc<Token>) {
        if Arc::get_mut(&mut token).is_some() {
            // During the thread's teardown it is simply dropped.
            let _ = SPARE.try_with(|spare| spare.set(Some(token)));
        }
    }
}

/// loom models allocate every token: their model threads share one OS thread.
#[cfg(loom)]
mod spare_token {
    use super::{Arc, Token};

    pub(super) fn take(state: u32) -> Arc<Token> {
        Arc::new(Token::starting_at(state))
    }

    pub(super) fn keep(_token: Arc<Token>) {}
}

/// The `select!` branch being polled on this thread, as seen by a gort channel operation.
pub(crate) struct Current<'a> {
    frame: &'a Frame,
}

/// One bit per nesting level (levels past 64 are claimed but never given back early).
fn level_bit(depth: usize) -> u64 {
    1u64.checked_shl(depth as u32).unwrap_or(0)
}

impl<'a> Current<'a> {
    /// The frames from this branch out to the outermost `select!`: `(scope, branch)`.
    fn frames(&self) -> impl Iterator<Item = (&'a SelectScope, u32)> {
        let mut next: *const Frame = self.frame;
        std::iter::from_fn(move || {
            // SAFETY: every frame in the chain is a local of a `poll_branch` call that is still
            // running further up this thread's stack (each installs its frame for the duration of
            // its `poll` and restores the parent before returning), and `Current` never outlives
            // the `with_current` call that made it, inside the innermost of them.
            let frame = unsafe { next.as_ref()? };
            next = frame.parent;
            // SAFETY: a frame's scope is borrowed by its `poll_branch` call (see above).
            Some((unsafe { &*frame.scope }, frame.branch))
        })
    }

    /// Tries to win the token of every enclosing branch before committing.
    #[inline]
    pub(crate) fn claim(&self) -> Claim {
        if self.frame.parent.is_null() {
            // Not nested (nearly every `select!`): one token, no chain to walk.
            // SAFETY: the frame's scope is borrowed by its running `poll_branch` (see `frames`).
            let scope = unsafe { &*self.frame.scope };
            return match scope.claim(self.frame.branch) {
                TokenClaim::Acquired => Claim::Won {
                    acquired: level_bit(0),
                },
                TokenClaim::Held => Claim::Won { acquired: 0 },
                TokenClaim::Lost => Claim::Lost,
            };
        }
        self.claim_chain()
    }

    /// [`claim`](Self::claim) for a nested `select!`: innermost first, all or nothing.
    #[inline(never)]
    fn claim_chain(&self) -> Claim {
        let mut acquired = 0;
        for (depth, (scope, branch)) in self.frames().enumerate() {
            match scope.claim(branch) {
                TokenClaim::Acquired => acquired |= level_bit(depth),
                TokenClaim::Held => {}
                TokenClaim::Lost => {
                    self.release(Claim::Won { acquired });
                    return Claim::Lost;
                }
            }
        }
        Claim::Won { acquired }
    }

    /// Gives back the tokens won by [`claim`](Self::claim) when the operation could not commit.
    pub(crate) fn release(&self, claim: Claim) {
        let Claim::Won { acquired } = claim else {
            return;
        };
        if acquired == 0 {
            return;
        }
        for (depth, (scope, branch)) in self.frames().enumerate() {
            if acquired & level_bit(depth) != 0 {
                scope.reopen(branch);
            }
        }
    }

    /// The reference a parking operation stores with its waiter (creates the tokens).
    pub(crate) fn park_ref(&self) -> SelectRef {
        // SAFETY: the frame's scope is borrowed by its running `poll_branch` (see `frames`).
        unsafe { &*self.frame.scope }.parked.set(true);
        chain_ref(&mut self.frames()).expect("a current branch has at least one frame")
    }

    /// True when `sel` already is this branch's reference (no need to replace it).
    pub(crate) fn is(&self, sel: &SelectRef) -> bool {
        let mut link = Some(sel);
        for (scope, branch) in self.frames() {
            let Some(l) = link else { return false };
            let same_token = scope
                .token
                .get()
                .is_some_and(|t| ptr::eq(Arc::as_ptr(t), Arc::as_ptr(&l.token)));
            if !same_token || l.branch != branch {
                return false;
            }
            link = l.outer.as_deref();
        }
        link.is_none()
    }

    /// True when `sel` names a `select!` of this chain, for a branch other than the one being
    /// polled in it.
    fn owns(&self, sel: &SelectRef) -> bool {
        self.frames().any(|(scope, branch)| {
            let Some(token) = scope.token.get() else {
                return false; // never parked: no waiter can name it
            };
            let mut link = Some(sel);
            while let Some(l) = link {
                if ptr::eq(Arc::as_ptr(token), Arc::as_ptr(&l.token)) {
                    return l.branch != branch;
                }
                link = l.outer.as_deref();
            }
            false
        })
    }

    /// True inside a `select!` with `default` (at any level): operations must not park.
    pub(crate) fn try_only(&self) -> bool {
        self.frames().any(|(scope, _)| scope.try_only)
    }
}

/// True when `sel`, a parked waiter's reference, belongs to another branch of a `select!` being
/// polled on this thread (at any nesting level): completing it would make that `select!` pair
/// with itself, so a peer passes it over and leaves it parked. Go's `select` never meets its own
/// cases in a wait-queue; here they stay queued across polls, so a `select!` sending and
/// receiving on one unbuffered channel would otherwise skip (and wake) itself on every poll.
#[inline]
pub(crate) fn is_own(sel: &Option<SelectRef>) -> bool {
    match sel {
        None => false,
        Some(sel) => with_current(|me| me.is_some_and(|me| me.owns(sel))),
    }
}

/// The reference of the innermost of `frames` (innermost first), linked to those of the frames
/// around it. Built from the inside out as the frames are walked: a `Vec` of the frames, the
/// way it was built before, cost an allocation on every park of a `select!` branch (a loop of
/// `select!` over two busy channels parks on most messages: 125 instructions per message in
/// `malloc` and `free`).
fn chain_ref<'a>(frames: &mut impl Iterator<Item = (&'a SelectScope, u32)>) -> Option<SelectRef> {
    let (scope, branch) = frames.next()?;
    Some(SelectRef {
        token: scope.token().clone(),
        branch,
        outer: chain_ref(frames).map(Box::new),
    })
}

/// Claims for an operation of the current branch (`None`: not in a `select!`).
#[inline]
pub(crate) fn claim(me: Option<&Current<'_>>) -> Claim {
    me.map_or(Claim::Won { acquired: 0 }, Current::claim)
}

/// Releases a claim made by [`claim`].
#[inline]
pub(crate) fn release(me: Option<&Current<'_>>, claim: Claim) {
    if let Some(me) = me {
        me.release(claim);
    }
}

/// True inside a try-only `select!` (one with `default`).
#[inline]
pub(crate) fn try_only(me: Option<&Current<'_>>) -> bool {
    me.is_some_and(Current::try_only)
}

/// True when an operation of the current branch defers its park to the `select!`'s second look
/// (see [`SelectScope::look_first`]): only in the first look of the innermost `select!`, and
/// only if `idle` (the operation's glance at its channel) says so. Its branch is then noted, to
/// be polled again. (Inside a try-only `select!`, one with `default` around this one, the second
/// look does not park either: the operation returns `Pending` there as it would have here.)
#[inline]
pub(crate) fn defer_park_if(me: Option<&Current<'_>>, idle: impl FnOnce() -> bool) -> bool {
    let Some(me) = me else {
        return false;
    };
    // SAFETY: the frame's scope is borrowed by its running `poll_branch` (see `frames`).
    let scope = unsafe { &*me.frame.scope };
    // A branch past the mask's 64 bits (the macro takes at most 64) parks at once.
    let Some(bit) = 1u64.checked_shl(me.frame.branch) else {
        return false;
    };
    if !scope.looking.get() || !idle() {
        return false;
    }
    scope.deferred.set(scope.deferred.get() | bit);
    true
}

/// The reference a waiter parked from the current branch stores.
#[inline]
pub(crate) fn park_ref(me: Option<&Current<'_>>) -> Option<SelectRef> {
    me.map(Current::park_ref)
}

/// Updates a parked waiter's reference when it is polled from a (new) `select!`.
#[inline]
pub(crate) fn refresh(me: Option<&Current<'_>>, sel: &mut Option<SelectRef>) {
    match (me, &*sel) {
        (None, None) => {}
        (Some(me), Some(current)) if me.is(current) => {}
        (me, _) => *sel = park_ref(me),
    }
}

/// `None` outside a `select!` branch; inside one, whether its `select!` is in a first look that
/// defers parks (see [`SelectScope::look_first`]). One read of the thread's frame, as
/// [`with_current`]: a lock-free path asks this instead of "outside a `select!`?".
#[inline]
pub(crate) fn first_look() -> Option<bool> {
    let frame = CURRENT.with(Cell::get);
    // SAFETY: as in `with_current`: a non-null frame is alive for the running branch's poll,
    // and so is the scope it borrows.
    unsafe { frame.as_ref().map(|frame| (*frame.scope).looking.get()) }
}

/// Runs `f` with the `select!` branch being polled on this thread, if any.
#[inline]
pub(crate) fn with_current<R>(f: impl FnOnce(Option<&Current<'_>>) -> R) -> R {
    let frame = CURRENT.with(Cell::get);
    // SAFETY: `poll_branch` installs the pointer only while it runs the branch's poll, with the
    // frame alive on its stack for that whole call, and restores the previous value before
    // returning; we are inside that poll. `Current` does not escape `f`.
    match unsafe { frame.as_ref() } {
        None => f(None),
        Some(frame) => f(Some(&Current { frame })),
    }
}

/// `select!`'s random start: a per-thread xorshift generator (seeded from std's hasher keys on
/// first use).
#[doc(hidden)]
#[inline]
pub fn random_below(n: u32) -> u32 {
    thread_local! {
        // Const-initialized (0: not seeded yet), so each draw reads the slot directly instead
        // of going through a lazy-initialization check.
        static RNG: Cell<u64> = const { Cell::new(0) };
    }
    RNG.with(|rng| {
        let mut x = rng.get();
        if x == 0 {
            x = seed();
        }
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        rng.set(x);
        (((x >> 32) * u64::from(n)) >> 32) as u32
    })
}

/// A nonzero seed for [`random_below`]'s generator.
#[cold]
fn seed() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_usize(&h as *const _ as usize);
    h.finish() | 1
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_reused_only_by_its_last_holder_and_reopened() {
        // A scope whose select parked: its token, won by branch 2.
        let scope = SelectScope::new(false);
        let token = Arc::clone(scope.token());
        assert_eq!(token.claim(2), TokenClaim::Acquired);
        // Still held by a waiter when the scope goes: not kept.
        drop(scope);
        let fresh = SelectScope::new(false);
        assert!(
            !Arc::ptr_eq(fresh.token(), &token),
            "a held token was reused"
        );
        assert_eq!(fresh.token().claim(0), TokenClaim::Acquired);
        drop(token);
        // Its last holder: kept, and the next select's token is the same one, open again.
        let first = Arc::as_ptr(fresh.token());
        drop(fresh);
        let next = SelectScope::new(false);
        assert!(
            ptr::eq(Arc::as_ptr(next.token()), first),
            "the spare was not reused"
        );
        assert_eq!(next.token().claim(1), TokenClaim::Acquired);
        assert_eq!(next.token().claim(0), TokenClaim::Lost);
    }

    #[test]
    fn random_below_covers_the_range() {
        let mut seen = [0u32; 3];
        for _ in 0..3000 {
            seen[random_below(3) as usize] += 1;
        }
        assert!(seen.iter().all(|&n| n > 700), "{seen:?}");
    }

    #[test]
    fn own_waiters_are_those_of_other_branches_of_the_select_being_polled() {
        let scope = SelectScope::new(false);
        let a = Some(scope.poll_branch(0, || with_current(|me| park_ref(me).unwrap())));
        let b = Some(scope.poll_branch(1, || with_current(|me| park_ref(me).unwrap())));
        let other = SelectScope::new(false);
        let c = Some(other.poll_branch(0, || with_current(|me| park_ref(me).unwrap())));
        scope.poll_branch(0, || {
            assert!(is_own(&b), "another branch of this select");
            assert!(!is_own(&a), "this very branch may commit its own waiter");
            assert!(!is_own(&c), "another select");
            assert!(!is_own(&None), "not in a select");
            // Nested: the outer select's other branch is still this task's own.
            let inner = SelectScope::new(false);
            inner.poll_branch(3, || assert!(is_own(&b) && !is_own(&a)));
        });
        assert!(!is_own(&b), "outside any select nothing is own");
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
