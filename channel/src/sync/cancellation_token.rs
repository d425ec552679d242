//! Tree-structured cancellation: Go's `context.Context` cancellation, with tokio-util's
//! `CancellationToken` API (gort-only; tokio keeps it in tokio-util).
//!
//! # How it works
//!
//! Every token is a node in a tree. A node holds, under its own lock, its strong links to its
//! children (a slab, so a child removes itself in O(1)), the tasks parked in
//! [`cancelled`](CancellationToken::cancelled) (the crate's wait-list) and the number of
//! handles (clones) alive. An atomic flag mirrors "cancelled" so `is_cancelled` and an already
//! cancelled `cancelled().await` take no lock.
//!
//! `cancel` marks the node, completes its waiters, takes its children out and then cancels
//! them the same way, iteratively (a deep tree cannot overflow the stack). A node whose last
//! handle is dropped and that has no children unlinks itself from its parent, which may in
//! turn unlink itself: a long-lived parent does not accumulate dead children (Go's
//! `context.WithCancel` needs an explicit `cancel()` call for that; here dropping is enough).

use super::shim::{AtomicBool, Lock, Ordering};
use crate::coop;
use crate::waitlist::{WaitList, WaiterId};
use slab::Slab;
use std::fmt;
use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::Arc;
use std::task::{ready, Context, Poll};

/// A token that tells tasks to stop: cancel it once, and every clone and every descendant
/// created with [`child_token`](CancellationToken::child_token) observes the cancellation.
/// Cancelling a child does not reach its parent.
///
/// Clones share the same token (as tokio-util's). A deadline is `time::timeout` around the work
/// or a task that cancels the token after a sleep.
///
/// Go equivalent: `context.Context` with `context.WithCancel` (`cancel` is the `CancelFunc`,
/// `cancelled().await` is `<-ctx.Done()`, `is_cancelled` is `ctx.Err() != nil`, `child_token`
/// is deriving a child context).
///
/// ```
/// use gort_channel::sync::CancellationToken;
/// let root = CancellationToken::new();
/// let child = root.child_token();
/// let grandchild = child.child_token();
/// root.cancel();
/// assert!(child.is_cancelled() && grandchild.is_cancelled());
/// futures::executor::block_on(grandchild.cancelled()); // completes at once
/// ```
pub struct CancellationToken {
    node: Arc<Node>,
}

struct Node {
    cancelled: AtomicBool,
    /// The parent and this node's key in the parent's `children` slab.
    parent: Option<(Arc<Node>, usize)>,
    state: Lock<NodeState>,
}

struct NodeState {
    cancelled: bool,
    handles: usize,
    children: Slab<Arc<Node>>,
    waiters: WaitList<()>,
}

impl Node {
    fn new(parent: Option<(Arc<Node>, usize)>, cancelled: bool) -> Arc<Node> {
        Arc::new(Node {
            cancelled: AtomicBool::new(cancelled),
            parent,
            state: Lock::new(NodeState {
                cancelled,
                handles: 1,
                children: Slab::new(),
                waiters: WaitList::new(),
            }),
        })
    }
}

/// Cancels every node in the subtree under `root`, breadth first, without recursion.
fn cancel_tree(root: &Arc<Node>) {
    let mut pending = vec![root.clone()];
    while let Some(node) = pending.pop() {
        let mut state = node.state.lock();
        if state.cancelled {
            continue;
        }
        state.cancelled = true;
        node.cancelled.store(true, Ordering::Release);
        let wakers = state.waiters.drain(|_| {});
        pending.extend(state.children.drain());
        drop(state);
        for waker in wakers {
            waker.wake();
        }
    }
}

/// `node` has no handles and no children: unlink it from its parent, and so on up the tree.
fn unlink(node: &Arc<Node>) {
    let mut current = node.clone();
    while let Some((parent, key)) = current.parent.clone() {
        let mut state = parent.state.lock();
        if state.cancelled {
            // The cancel took the children out already.
            return;
        }
        state.children.remove(key);
        let parent_is_dead = state.handles == 0 && state.children.is_empty();
        drop(state);
        if !parent_is_dead {
            return;
        }
        current = parent;
    }
}

impl CancellationToken {
    /// A new root token, not cancelled.
    ///
    /// ```
    /// assert!(!gort_channel::sync::CancellationToken::new().is_cancelled());
    /// ```
    pub fn new() -> Self {
        CancellationToken {
            node: Node::new(None, false),
        }
    }

    /// A child token: cancelled when this token (or any ancestor) is cancelled; cancelling
    /// the child does not cancel this token. A child of a cancelled token starts cancelled.
    ///
    /// ```
    /// let parent = gort_channel::sync::CancellationToken::new();
    /// let child = parent.child_token();
    /// child.cancel();
    /// assert!(!parent.is_cancelled());
    /// ```
    pub fn child_token(&self) -> CancellationToken {
        let mut state = self.node.state.lock();
        if state.cancelled {
            return CancellationToken {
                node: Node::new(None, true),
            };
        }
        let entry = state.children.vacant_entry();
        let child = Node::new(Some((self.node.clone(), entry.key())), false);
        entry.insert(child.clone());
        CancellationToken { node: child }
    }

    /// Cancels this token and all its descendants, waking every task waiting on them.
    /// Idempotent.
    ///
    /// ```
    /// let token = gort_channel::sync::CancellationToken::new();
    /// token.cancel();
    /// token.cancel();
    /// assert!(token.is_cancelled());
    /// ```
    pub fn cancel(&self) {
        cancel_tree(&self.node);
    }

    /// True once this token (or an ancestor) was cancelled.
    ///
    /// ```
    /// let token = gort_channel::sync::CancellationToken::new();
    /// assert!(!token.is_cancelled());
    /// ```
    pub fn is_cancelled(&self) -> bool {
        self.node.cancelled.load(Ordering::Acquire)
    }

    /// Waits until the token is cancelled (Go's `<-ctx.Done()`).
    ///
    /// # Cancel safety
    /// Cancel safe: dropping the future only gives up waiting.
    ///
    /// ```
    /// use gort_channel::sync::CancellationToken;
    /// let token = CancellationToken::new();
    /// let t2 = token.clone();
    /// std::thread::spawn(move || t2.cancel());
    /// futures::executor::block_on(token.cancelled());
    /// ```
    #[track_caller]
    pub fn cancelled(&self) -> WaitForCancellationFuture<'_> {
        WaitForCancellationFuture {
            node: &self.node,
            waiter: None,
            site: std::panic::Location::caller(),
        }
    }

    /// As [`cancelled`](CancellationToken::cancelled), owning a clone of the token (so the
    /// future is `'static`).
    ///
    /// # Cancel safety
    /// Cancel safe.
    ///
    /// ```
    /// let token = gort_channel::sync::CancellationToken::new();
    /// let done = token.clone().cancelled_owned();
    /// token.cancel();
    /// futures::executor::block_on(done);
    /// ```
    #[track_caller]
    pub fn cancelled_owned(self) -> WaitForCancellationFutureOwned {
        WaitForCancellationFutureOwned {
            token: self,
            waiter: None,
            site: std::panic::Location::caller(),
        }
    }

    /// Runs `fut` until it completes (`Some(output)`) or the token is cancelled (`None`,
    /// dropping `fut`). Cancellation is checked first.
    ///
    /// # Cancel safety
    /// As cancel safe as `fut`.
    ///
    /// ```
    /// futures::executor::block_on(async {
    ///     let token = gort_channel::sync::CancellationToken::new();
    ///     assert_eq!(token.run_until_cancelled(async { 1 }).await, Some(1));
    ///     token.cancel();
    ///     assert_eq!(token.run_until_cancelled(std::future::pending::<u8>()).await, None);
    /// });
    /// ```
    #[track_caller]
    pub fn run_until_cancelled<'a, F: Future + 'a>(
        &'a self,
        fut: F,
    ) -> impl Future<Output = Option<F::Output>> + 'a {
        // Made here, so its wait site is the caller's line.
        let cancelled = self.cancelled();
        run_until(cancelled, fut)
    }

    /// As [`run_until_cancelled`](CancellationToken::run_until_cancelled), consuming the
    /// token (so the future is `'static` when `fut` is).
    ///
    /// # Cancel safety
    /// As cancel safe as `fut`.
    ///
    /// ```
    /// let token = gort_channel::sync::CancellationToken::new();
    /// let out = futures::executor::block_on(token.run_until_cancelled_owned(async { 2 }));
    /// assert_eq!(out, Some(2));
    /// ```
    #[track_caller]
    pub fn run_until_cancelled_owned<F: Future>(
        self,
        fut: F,
    ) -> impl Future<Output = Option<F::Output>> {
        run_until(self.cancelled_owned(), fut)
    }

    /// A guard that cancels this token when dropped, unless
    /// [`disarm`](DropGuard::disarm)ed (Go's `defer cancel()`).
    ///
    /// ```
    /// let token = gort_channel::sync::CancellationToken::new();
    /// {
    ///     let _guard = token.clone().drop_guard();
    /// }
    /// assert!(token.is_cancelled());
    /// ```
    pub fn drop_guard(self) -> DropGuard {
        DropGuard { token: Some(self) }
    }
}

#[cfg(all(test, not(loom)))]
impl CancellationToken {
    /// Children still linked to this token (for the unlink tests).
    pub(crate) fn child_count(&self) -> usize {
        self.node.state.lock().children.len()
    }
}

impl Default for CancellationToken {
    fn default() -> Self {
        CancellationToken::new()
    }
}

impl Clone for CancellationToken {
    /// Another handle to the same token.
    fn clone(&self) -> Self {
        self.node.state.lock().handles += 1;
        CancellationToken {
            node: self.node.clone(),
        }
    }
}

impl Drop for CancellationToken {
    fn drop(&mut self) {
        let mut state = self.node.state.lock();
        state.handles -= 1;
        let dead = state.handles == 0 && state.children.is_empty();
        drop(state);
        if dead {
            unlink(&self.node);
        }
    }
}

impl fmt::Debug for CancellationToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CancellationToken")
            .field("is_cancelled", &self.is_cancelled())
            .finish()
    }
}

/// Cancels its token when dropped; see [`CancellationToken::drop_guard`].
///
/// ```
/// let token = gort_channel::sync::CancellationToken::new();
/// let guard = token.clone().drop_guard();
/// drop(guard);
/// assert!(token.is_cancelled());
/// ```
#[must_use = "the token is cancelled as soon as the guard is dropped"]
#[derive(Debug)]
pub struct DropGuard {
    token: Option<CancellationToken>,
}

impl DropGuard {
    /// Gives the token back without cancelling it.
    ///
    /// ```
    /// let token = gort_channel::sync::CancellationToken::new();
    /// let token = token.drop_guard().disarm();
    /// assert!(!token.is_cancelled());
    /// ```
    pub fn disarm(mut self) -> CancellationToken {
        self.token
            .take()
            .expect("a DropGuard holds its token until disarmed")
    }
}

impl Drop for DropGuard {
    fn drop(&mut self) {
        if let Some(token) = self.token.take() {
            token.cancel();
        }
    }
}

/// Shared by both wait futures.
fn poll_cancelled(node: &Node, waiter: &mut Option<WaiterId>, cx: &mut Context<'_>) -> Poll<()> {
    ready!(coop::poll_proceed(cx));
    if node.cancelled.load(Ordering::Acquire) {
        forget_waiter(node, waiter);
        return Poll::Ready(());
    }
    let mut state = node.state.lock();
    if state.cancelled {
        drop(state);
        forget_waiter(node, waiter);
        return Poll::Ready(());
    }
    let stale = match *waiter {
        Some(id) => state.waiters.register_take_old(id, cx.waker()),
        None => {
            *waiter = Some(state.waiters.push_back((), cx.waker()));
            None
        }
    };
    drop(state);
    drop(stale); // after the lock: a waker's drop may re-enter
    coop::refund();
    Poll::Pending
}

fn forget_waiter(node: &Node, waiter: &mut Option<WaiterId>) {
    if let Some(id) = waiter.take() {
        let (_, stale) = node.state.lock().waiters.remove_with_waker(id);
        drop(stale); // after the lock: a waker's drop may re-enter
    }
}

/// Records a cancellation wait site when `polled` is pending.
/// Polls `fut` until it completes (`Some`) or `cancelled` does (`None`, checked first).
async fn run_until<F: Future>(cancelled: impl Future<Output = ()>, fut: F) -> Option<F::Output> {
    let mut fut = pin!(fut);
    let mut cancelled = pin!(cancelled);
    std::future::poll_fn(|cx| {
        if cancelled.as_mut().poll(cx).is_ready() {
            return Poll::Ready(None);
        }
        fut.as_mut().poll(cx).map(Some)
    })
    .await
}

fn cancel_wait(polled: &Poll<()>, node: &Arc<Node>, site: &'static std::panic::Location<'static>) {
    if polled.is_pending() {
        let node = Arc::as_ptr(node).cast();
        gort_waitsite::record(gort_waitsite::WaitKind::Cancelled, node, 0, site);
    }
}

/// The future returned by [`CancellationToken::cancelled`].
///
/// ```
/// let token = gort_channel::sync::CancellationToken::new();
/// let wait = token.cancelled();
/// token.cancel();
/// futures::executor::block_on(wait);
/// ```
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct WaitForCancellationFuture<'a> {
    node: &'a Arc<Node>,
    waiter: Option<WaiterId>,
    site: &'static std::panic::Location<'static>,
}

impl Future for WaitForCancellationFuture<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        let polled = poll_cancelled(this.node, &mut this.waiter, cx);
        cancel_wait(&polled, this.node, this.site);
        polled
    }
}

impl Drop for WaitForCancellationFuture<'_> {
    fn drop(&mut self) {
        forget_waiter(self.node, &mut self.waiter);
    }
}

impl fmt::Debug for WaitForCancellationFuture<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitForCancellationFuture").finish()
    }
}

/// The future returned by [`CancellationToken::cancelled_owned`].
///
/// ```
/// let token = gort_channel::sync::CancellationToken::new();
/// let wait = std::thread::spawn({
///     let token = token.clone();
///     move || futures::executor::block_on(token.cancelled_owned())
/// });
/// token.cancel();
/// wait.join().unwrap();
/// ```
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct WaitForCancellationFutureOwned {
    token: CancellationToken,
    waiter: Option<WaiterId>,
    site: &'static std::panic::Location<'static>,
}

impl Future for WaitForCancellationFutureOwned {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        let polled = poll_cancelled(&this.token.node, &mut this.waiter, cx);
        cancel_wait(&polled, &this.token.node, this.site);
        polled
    }
}

impl Drop for WaitForCancellationFutureOwned {
    fn drop(&mut self) {
        forget_waiter(&self.token.node, &mut self.waiter);
    }
}

impl fmt::Debug for WaitForCancellationFutureOwned {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitForCancellationFutureOwned").finish()
    }
}
