//! The unbounded flavor: a `VecDeque` under the channel lock. A send never waits (so `sendq`
//! stays empty); a receive pops the front. The deque gives memory back after a burst: once it is
//! bigger than [`SHRINK_ABOVE`] and three quarters empty, a receive halves its allocation.

use super::core::{Chan, State};

/// An unbounded buffer at least this big that is three quarters empty gives memory back.
const SHRINK_ABOVE: usize = 64;

impl<T> Chan<T> {
    /// Pops the oldest value of the unbounded buffer, shrinking it after a burst.
    pub(super) fn list_pop(&self, st: &mut State<T>) -> Option<T> {
        let value = st.list.pop_front()?;
        let capacity = st.list.capacity();
        if capacity > SHRINK_ABOVE && st.list.len() * 4 < capacity {
            st.list.shrink_to(capacity / 2);
        }
        Some(value)
    }
}
