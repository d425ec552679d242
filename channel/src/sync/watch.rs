//! A single-value, multi-producer, multi-consumer channel with tokio's API: receivers see the
//! latest value and are told when it changes.
//!
//! # How it works
//!
//! The value sits behind a reader-writer lock; an atomic word holds a version number (bumped
//! by two on every send, while the write lock is held) and a "closed" bit set when the last
//! sender goes. Each receiver remembers the version it last saw. A send bumps the version and
//! calls `Notify::notify_waiters`; `changed()` creates its `Notified` *before* comparing
//! versions, so a send between the check and the wait cannot be missed (tokio's design).
//!
//! Go has no watch channel; the idiom is a mutex-guarded value plus a `sync.Cond`.

use super::notify::Notify;
use super::shim::{AtomicUsize, Ordering, ValueLock, ValueReadGuard};
use std::fmt;
use std::future::Future;
use std::ops::Deref;
use std::pin::pin;
use std::sync::Arc;

pub mod error {
    //! The errors of the watch channel.
    use std::fmt;

    /// Every receiver was gone: the value comes back (and was not stored).
    ///
    /// ```
    /// let (tx, rx) = gort_channel::sync::watch::channel(0);
    /// drop(rx);
    /// assert_eq!(tx.send(1).unwrap_err().0, 1);
    /// ```
    #[derive(PartialEq, Eq, Clone, Copy)]
    pub struct SendError<T>(pub T);

    impl<T> fmt::Debug for SendError<T> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.debug_struct("SendError").finish_non_exhaustive()
        }
    }

    impl<T> fmt::Display for SendError<T> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("channel closed")
        }
    }

    impl<T> std::error::Error for SendError<T> {}

    /// Every sender is gone (returned by `changed`, `has_changed` and `wait_for`).
    ///
    /// ```
    /// futures::executor::block_on(async {
    ///     let (tx, mut rx) = gort_channel::sync::watch::channel(0);
    ///     drop(tx);
    ///     assert!(rx.changed().await.is_err());
    /// });
    /// ```
    #[derive(Debug, PartialEq, Eq, Clone)]
    pub struct RecvError(pub(crate) ());

    impl fmt::Display for RecvError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("channel closed")
        }
    }

    impl std::error::Error for RecvError {}
}

use error::{RecvError, SendError};

const CLOSED: usize = 1;
const STEP: usize = 2;

struct Shared<T> {
    value: ValueLock<T>,
    /// `version | CLOSED`; versions advance by `STEP`.
    state: AtomicUsize,
    receivers: AtomicUsize,
    senders: AtomicUsize,
    /// Receivers waiting in `changed`.
    notify_rx: Notify,
    /// Senders waiting in `closed`.
    notify_tx: Notify,
}

impl<T> Shared<T> {
    fn version(&self) -> usize {
        self.state.load(Ordering::SeqCst) & !CLOSED
    }

    fn is_closed(&self) -> bool {
        self.state.load(Ordering::SeqCst) & CLOSED != 0
    }
}

/// The sending half; `Clone` for more senders. Dropping the last one closes the channel.
///
/// ```
/// let (tx, rx) = gort_channel::sync::watch::channel(0);
/// let tx2 = tx.clone();
/// tx2.send(1).unwrap();
/// assert_eq!(*rx.borrow(), 1);
/// ```
pub struct Sender<T> {
    shared: Arc<Shared<T>>,
}

/// A receiving half; `Clone` for more receivers (a clone has seen what this one has seen).
///
/// ```
/// let (tx, mut rx) = gort_channel::sync::watch::channel("a");
/// tx.send("b").unwrap();
/// assert!(rx.has_changed().unwrap());
/// assert_eq!(*rx.borrow_and_update(), "b");
/// ```
pub struct Receiver<T> {
    shared: Arc<Shared<T>>,
    /// The version this receiver last saw (odd: `mark_changed` forced "changed").
    version: usize,
}

/// A read lock on the channel's value; hold it briefly, as it blocks senders.
///
/// ```
/// let (_tx, rx) = gort_channel::sync::watch::channel(vec![1]);
/// let value = rx.borrow();
/// assert_eq!(value.len(), 1);
/// ```
pub struct Ref<'a, T> {
    guard: ValueReadGuard<'a, T>,
    has_changed: bool,
}

impl<T> Ref<'_, T> {
    /// True if the value was new to the receiver that borrowed it (always false for
    /// `Sender::borrow` and `Receiver::borrow`, as tokio's).
    ///
    /// ```
    /// let (tx, mut rx) = gort_channel::sync::watch::channel(1);
    /// tx.send(2).unwrap();
    /// assert!(rx.borrow_and_update().has_changed());
    /// assert!(!rx.borrow_and_update().has_changed());
    /// ```
    pub fn has_changed(&self) -> bool {
        self.has_changed
    }
}

impl<T> Deref for Ref<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.guard
    }
}

impl<T: fmt::Debug> fmt::Debug for Ref<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

/// Creates a watch channel holding `init`.
///
/// ```
/// use gort_channel::sync::watch;
/// futures::executor::block_on(async {
///     let (tx, mut rx) = watch::channel("hello");
///     tx.send("world").unwrap();
///     rx.changed().await.unwrap();
///     assert_eq!(*rx.borrow_and_update(), "world");
/// });
/// ```
pub fn channel<T>(init: T) -> (Sender<T>, Receiver<T>) {
    let tx = Sender::new(init);
    let rx = tx.subscribe();
    (tx, rx)
}

impl<T> Sender<T> {
    /// A sender with no receiver yet; [`send`](Sender::send) fails until one subscribes
    /// (use [`send_replace`](Sender::send_replace) to store regardless).
    ///
    /// ```
    /// let tx = gort_channel::sync::watch::Sender::new(0);
    /// assert!(tx.send(1).is_err());
    /// let rx = tx.subscribe();
    /// assert_eq!(*rx.borrow(), 0);
    /// ```
    pub fn new(init: T) -> Self {
        Sender {
            shared: Arc::new(Shared {
                value: ValueLock::new(init),
                state: AtomicUsize::new(0),
                receivers: AtomicUsize::new(0),
                senders: AtomicUsize::new(1),
                notify_rx: Notify::new(),
                notify_tx: Notify::new(),
            }),
        }
    }

    /// Stores `value` and notifies every receiver. Fails, returning the value unstored, when
    /// no receiver is alive.
    ///
    /// ```
    /// let (tx, rx) = gort_channel::sync::watch::channel(0);
    /// tx.send(1).unwrap();
    /// assert_eq!(*rx.borrow(), 1);
    /// drop(rx);
    /// assert_eq!(tx.send(2).unwrap_err().0, 2);
    /// ```
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        if self.shared.receivers.load(Ordering::SeqCst) == 0 {
            return Err(SendError(value));
        }
        self.send_replace(value);
        Ok(())
    }

    /// Stores `value` even if no receiver is alive, notifies the receivers, and returns the
    /// previous value.
    ///
    /// ```
    /// let tx = gort_channel::sync::watch::Sender::new(1);
    /// assert_eq!(tx.send_replace(2), 1);
    /// assert_eq!(*tx.borrow(), 2);
    /// ```
    pub fn send_replace(&self, mut value: T) -> T {
        self.send_modify(|old| std::mem::swap(old, &mut value));
        value
    }

    /// Modifies the value in place and notifies the receivers, even if none is alive.
    ///
    /// ```
    /// let (tx, rx) = gort_channel::sync::watch::channel(vec![1]);
    /// tx.send_modify(|v| v.push(2));
    /// assert_eq!(*rx.borrow(), [1, 2]);
    /// ```
    pub fn send_modify(&self, modify: impl FnOnce(&mut T)) {
        self.send_if_modified(|value| {
            modify(value);
            true
        });
    }

    /// Runs `modify` on the value; if it returns true, the change is published (receivers are
    /// notified), otherwise receivers are not told. Returns what `modify` returned.
    ///
    /// ```
    /// let (tx, rx) = gort_channel::sync::watch::channel(1);
    /// assert!(!tx.send_if_modified(|v| { let old = *v; *v = 1; old != 1 }));
    /// assert!(!rx.has_changed().unwrap());
    /// ```
    pub fn send_if_modified(&self, modify: impl FnOnce(&mut T) -> bool) -> bool {
        {
            let mut value = self.shared.value.write();
            if !modify(&mut value) {
                return false;
            }
            self.shared.state.fetch_add(STEP, Ordering::SeqCst);
        }
        self.shared.notify_rx.notify_waiters();
        true
    }

    /// A read lock on the current value.
    ///
    /// ```
    /// let (tx, _rx) = gort_channel::sync::watch::channel(3);
    /// assert_eq!(*tx.borrow(), 3);
    /// ```
    pub fn borrow(&self) -> Ref<'_, T> {
        Ref {
            guard: self.shared.value.read(),
            has_changed: false,
        }
    }

    /// A new receiver that has seen the current value.
    ///
    /// ```
    /// let (tx, _rx) = gort_channel::sync::watch::channel(0);
    /// let rx2 = tx.subscribe();
    /// assert!(!rx2.has_changed().unwrap());
    /// ```
    pub fn subscribe(&self) -> Receiver<T> {
        self.shared.receivers.fetch_add(1, Ordering::SeqCst);
        Receiver {
            version: self.shared.version(),
            shared: self.shared.clone(),
        }
    }

    /// How many receivers are alive.
    ///
    /// ```
    /// let (tx, rx) = gort_channel::sync::watch::channel(0);
    /// assert_eq!(tx.receiver_count(), 1);
    /// drop(rx);
    /// assert_eq!(tx.receiver_count(), 0);
    /// ```
    pub fn receiver_count(&self) -> usize {
        self.shared.receivers.load(Ordering::SeqCst)
    }

    /// How many senders are alive.
    ///
    /// ```
    /// let (tx, _rx) = gort_channel::sync::watch::channel(0);
    /// let _tx2 = tx.clone();
    /// assert_eq!(tx.sender_count(), 2);
    /// ```
    pub fn sender_count(&self) -> usize {
        self.shared.senders.load(Ordering::SeqCst)
    }

    /// True once every receiver is gone.
    ///
    /// ```
    /// let (tx, rx) = gort_channel::sync::watch::channel(0);
    /// drop(rx);
    /// assert!(tx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.receiver_count() == 0
    }

    /// Waits until every receiver is gone.
    ///
    /// # Cancel safety
    /// Cancel safe.
    ///
    /// ```
    /// futures::executor::block_on(async {
    ///     let (tx, rx) = gort_channel::sync::watch::channel(0);
    ///     std::thread::spawn(move || drop(rx));
    ///     tx.closed().await;
    /// });
    /// ```
    #[track_caller]
    pub fn closed(&self) -> impl Future<Output = ()> + '_ {
        let resource = Arc::as_ptr(&self.shared).cast::<()>();
        let closed = crate::coop::cooperative(async {
            loop {
                let mut notified = pin!(self.shared.notify_tx.notified());
                notified.as_mut().enable();
                if self.is_closed() {
                    return;
                }
                notified.await;
            }
        });
        gort_waitsite::Traced::new(gort_waitsite::WaitKind::Notified, resource, closed)
    }

    /// True if both senders belong to the same channel.
    ///
    /// ```
    /// let (tx, _rx) = gort_channel::sync::watch::channel(0);
    /// assert!(tx.same_channel(&tx.clone()));
    /// ```
    pub fn same_channel(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }
}

impl<T: Default> Default for Sender<T> {
    fn default() -> Self {
        Sender::new(T::default())
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        self.shared.senders.fetch_add(1, Ordering::SeqCst);
        Sender {
            shared: self.shared.clone(),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        if self.shared.senders.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.shared.state.fetch_or(CLOSED, Ordering::SeqCst);
            self.shared.notify_rx.notify_waiters();
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("watch::Sender")
            .field("value", &*self.borrow())
            .finish()
    }
}

/// Compares the receiver's version with the channel's: `Some(Ok)` (and marks it seen) on a
/// change, `Some(Err)` when closed without one, `None` to keep waiting.
fn maybe_changed<T>(shared: &Shared<T>, seen: &mut usize) -> Option<Result<(), RecvError>> {
    let state = shared.state.load(Ordering::SeqCst);
    let version = state & !CLOSED;
    if version != *seen {
        *seen = version;
        return Some(Ok(()));
    }
    if state & CLOSED != 0 {
        return Some(Err(RecvError(())));
    }
    None
}

async fn changed_impl<T>(shared: &Shared<T>, seen: &mut usize) -> Result<(), RecvError> {
    loop {
        // Created before the check: a send after the check still completes it.
        let notified = shared.notify_rx.notified();
        if let Some(result) = maybe_changed(shared, seen) {
            return result;
        }
        notified.await;
    }
}

impl<T> Receiver<T> {
    /// A read lock on the current value; does not mark it seen.
    ///
    /// ```
    /// let (tx, rx) = gort_channel::sync::watch::channel(1);
    /// tx.send(2).unwrap();
    /// assert_eq!(*rx.borrow(), 2);
    /// assert!(rx.has_changed().unwrap());
    /// ```
    pub fn borrow(&self) -> Ref<'_, T> {
        let guard = self.shared.value.read();
        let has_changed = self.shared.version() != self.version;
        Ref { guard, has_changed }
    }

    /// A read lock on the current value, marking it seen.
    ///
    /// ```
    /// let (tx, mut rx) = gort_channel::sync::watch::channel(1);
    /// tx.send(2).unwrap();
    /// assert_eq!(*rx.borrow_and_update(), 2);
    /// assert!(!rx.has_changed().unwrap());
    /// ```
    pub fn borrow_and_update(&mut self) -> Ref<'_, T> {
        let guard = self.shared.value.read();
        // Versions change only under the write lock, so this one matches the value.
        let version = self.shared.version();
        let has_changed = version != self.version;
        self.version = version;
        Ref { guard, has_changed }
    }

    /// True if a value this receiver has not seen was sent. Fails once every sender is gone.
    ///
    /// ```
    /// let (tx, rx) = gort_channel::sync::watch::channel(1);
    /// assert!(!rx.has_changed().unwrap());
    /// tx.send(2).unwrap();
    /// assert!(rx.has_changed().unwrap());
    /// drop(tx);
    /// assert!(rx.has_changed().is_err());
    /// ```
    pub fn has_changed(&self) -> Result<bool, RecvError> {
        let state = self.shared.state.load(Ordering::SeqCst);
        if state & CLOSED != 0 {
            return Err(RecvError(()));
        }
        Ok(state & !CLOSED != self.version)
    }

    /// Makes the current value count as unseen.
    ///
    /// ```
    /// let (_tx, mut rx) = gort_channel::sync::watch::channel(1);
    /// rx.mark_changed();
    /// assert!(rx.has_changed().unwrap());
    /// ```
    pub fn mark_changed(&mut self) {
        // Real versions are even: an odd one never matches.
        self.version |= CLOSED;
    }

    /// Makes the current value count as seen.
    ///
    /// ```
    /// let (tx, mut rx) = gort_channel::sync::watch::channel(1);
    /// tx.send(2).unwrap();
    /// rx.mark_unchanged();
    /// assert!(!rx.has_changed().unwrap());
    /// ```
    pub fn mark_unchanged(&mut self) {
        self.version = self.shared.version();
    }

    /// True once every sender is gone.
    ///
    /// ```
    /// let (tx, rx) = gort_channel::sync::watch::channel(1);
    /// drop(tx);
    /// assert!(rx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.shared.is_closed()
    }

    /// Waits for a value this receiver has not seen, and marks it seen. Returns `Err` once
    /// every sender is gone and no unseen value remains.
    ///
    /// # Cancel safety
    /// Cancel safe: the value is marked seen only when the future completes.
    ///
    /// ```
    /// futures::executor::block_on(async {
    ///     let (tx, mut rx) = gort_channel::sync::watch::channel(0);
    ///     tx.send(1).unwrap();
    ///     assert!(rx.changed().await.is_ok());
    ///     drop(tx);
    ///     assert!(rx.changed().await.is_err());
    /// });
    /// ```
    #[track_caller]
    pub fn changed(&mut self) -> impl Future<Output = Result<(), RecvError>> + '_ {
        let resource = (&*self as *const Self).cast::<()>();
        gort_waitsite::Traced::new(
            gort_waitsite::WaitKind::WatchChanged,
            resource,
            async move { crate::coop::cooperative(changed_impl(&self.shared, &mut self.version)).await },
        )
    }

    /// Waits until the value satisfies `condition` (checking the current value first), marks
    /// it seen and returns it. Fails once every sender is gone and the value does not satisfy it.
    ///
    /// # Cancel safety
    /// Cancel safe.
    ///
    /// ```
    /// futures::executor::block_on(async {
    ///     let (tx, mut rx) = gort_channel::sync::watch::channel(0);
    ///     std::thread::spawn(move || for i in 1..=5 { tx.send(i).unwrap() });
    ///     assert_eq!(*rx.wait_for(|v| *v == 5).await.unwrap(), 5);
    /// });
    /// ```
    #[track_caller]
    pub fn wait_for<'a>(
        &'a mut self,
        condition: impl FnMut(&T) -> bool + 'a,
    ) -> impl Future<Output = Result<Ref<'a, T>, RecvError>> + 'a {
        let resource = (&*self as *const Self).cast::<()>();
        gort_waitsite::Traced::new(
            gort_waitsite::WaitKind::WatchChanged,
            resource,
            crate::coop::cooperative(self.wait_for_inner(condition)),
        )
    }

    async fn wait_for_inner(
        &mut self,
        mut condition: impl FnMut(&T) -> bool,
    ) -> Result<Ref<'_, T>, RecvError> {
        let Receiver { shared, version } = self;
        let mut closed = false;
        loop {
            {
                let guard = shared.value.read();
                let current = shared.version();
                let has_changed = current != *version;
                *version = current;
                if (!closed || has_changed) && condition(&guard) {
                    return Ok(Ref { guard, has_changed });
                }
            }
            if closed {
                return Err(RecvError(()));
            }
            closed = changed_impl(shared, version).await.is_err();
        }
    }

    /// True if both receivers belong to the same channel.
    ///
    /// ```
    /// let (_tx, rx) = gort_channel::sync::watch::channel(0);
    /// assert!(rx.same_channel(&rx.clone()));
    /// ```
    pub fn same_channel(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }
}

impl<T> Clone for Receiver<T> {
    fn clone(&self) -> Self {
        self.shared.receivers.fetch_add(1, Ordering::SeqCst);
        Receiver {
            shared: self.shared.clone(),
            version: self.version,
        }
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        if self.shared.receivers.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.shared.notify_tx.notify_waiters();
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("watch::Receiver")
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}
