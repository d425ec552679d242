//! How many weak senders a channel has (tokio's `weak_count`).
//!
//! The engine counts strong senders (they keep the channel open); weak senders are a concern of
//! this module only, so their count lives beside the senders: one shared counter that every
//! strong and weak sender of a channel points to, raised by a [`WeakToken`] for as long as a
//! weak sender lives.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// The weak-sender count shared by all senders of one channel.
#[derive(Clone, Default)]
pub(super) struct WeakCount(Arc<AtomicUsize>);

impl WeakCount {
    /// Weak senders alive now.
    pub(super) fn get(&self) -> usize {
        self.0.load(Ordering::Acquire)
    }

    /// Counts one more weak sender until the token is dropped.
    pub(super) fn token(&self) -> WeakToken {
        self.0.fetch_add(1, Ordering::AcqRel);
        WeakToken(self.clone())
    }
}

/// One weak sender's share of the count.
pub(super) struct WeakToken(WeakCount);

impl WeakToken {
    /// The count this token belongs to (handed to an upgraded sender).
    pub(super) fn count(&self) -> &WeakCount {
        &self.0
    }
}

impl Clone for WeakToken {
    fn clone(&self) -> Self {
        self.0.token()
    }
}

impl Drop for WeakToken {
    fn drop(&mut self) {
        (self.0).0.fetch_sub(1, Ordering::AcqRel);
    }
}
