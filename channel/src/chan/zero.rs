//! The unbuffered flavor (`cap == 0`): Go's rendezvous, the way `runtime/chan.go` and
//! crossbeam-channel's `zero.rs` do it.
//!
//! There is no buffer. A send that finds a receiver parked fills that receiver's waiter; else it
//! parks with its value in its own waiter. A receive that finds a sender parked takes the value
//! from the sender's waiter (after winning the sender's `select!` token, if any) and marks the
//! send complete: one wake-up per rendezvous, and every receive — `recv`, `try_recv`, a
//! `select!` branch, `default` included — sees a parked sender at once.

use super::core::{Chan, State};
use super::waiter::{pop_claimed, take_sender_value, Wakeups};

impl<T> Chan<T> {
    /// Takes the value of the first parked sender whose `select!` this receive wins, completing
    /// that send.
    pub(super) fn take_from_sender(&self, st: &mut State<T>, wk: &mut Wakeups) -> Option<T> {
        let id = pop_claimed(&mut st.sendq, wk)?;
        // Permit requests (value-less) exist only on bounded `mpsc` channels, never here.
        Some(take_sender_value(&mut st.sendq, id))
    }
}
