//! `block_in_place` lends the worker's core to a replacement thread for as long as the blocking
//! closure runs, then takes it back: the calling thread stays the worker, the replacement exits,
//! and the runtime keeps exactly its configured number of worker threads.
//!
//! The hand-over: the lender offers the core and starts a thread that takes it. When the closure
//! returns, the lender takes the core straight back if the thread has not picked it up yet;
//! otherwise it asks for it back, finishes its task's poll without a core, and waits. The
//! replacement checks for that request once per scheduler tick (a field read while nothing is
//! lent) and when it wakes from a sleep (the lender unparks it), then hands the core back.

use super::worker::Core;
use std::sync::atomic::{AtomicBool, Ordering::Acquire, Ordering::Release};
use std::sync::{Arc, Condvar, Mutex};

/// One `block_in_place` call's loan of a core.
pub(super) struct Lend {
    state: Mutex<State>,
    changed: Condvar,
    /// Set once the lender asked for the core back (read by the replacement without locking).
    wanted: AtomicBool,
}

enum State {
    /// Waiting for the replacement thread.
    Offered(Box<Core>),
    /// The replacement runs it.
    Taken,
    /// Handed back; the lender has not collected it yet.
    Returned(Box<Core>),
    /// The lender has it again (collected, or withdrawn before the replacement took it).
    Back,
    /// The replacement stopped with it at shutdown: it is not coming back.
    Kept,
}

/// What the lender gets when it asks for its core back.
pub(super) enum Reclaim {
    /// The replacement had not taken it yet.
    Now(Box<Core>),
    /// The replacement runs it and will hand it back: `wait` for it.
    Later,
    /// The runtime shut down meanwhile.
    Never,
}

impl Lend {
    pub(super) fn offer(core: Box<Core>) -> Arc<Lend> {
        Arc::new(Lend {
            state: Mutex::new(State::Offered(core)),
            changed: Condvar::new(),
            wanted: AtomicBool::new(false),
        })
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The replacement thread takes the core; `None` when the lender already took it back.
    pub(super) fn take(&self) -> Option<Box<Core>> {
        let mut state = self.state();
        match std::mem::replace(&mut *state, State::Taken) {
            State::Offered(core) => Some(core),
            other => {
                *state = other;
                None
            }
        }
    }

    /// The lender's blocking closure returned (or panicked): it wants its core back.
    pub(super) fn want_back(&self) -> Reclaim {
        let mut state = self.state();
        match std::mem::replace(&mut *state, State::Back) {
            State::Offered(core) => Reclaim::Now(core),
            State::Taken => {
                *state = State::Taken;
                self.wanted.store(true, Release);
                Reclaim::Later
            }
            State::Kept => {
                *state = State::Kept;
                Reclaim::Never
            }
            State::Returned(_) | State::Back => unreachable!("a core is reclaimed once"),
        }
    }

    /// True once the lender asked for the core back.
    pub(super) fn is_wanted(&self) -> bool {
        self.wanted.load(Acquire)
    }

    /// The replacement hands the core back (it exits afterwards).
    pub(super) fn give_back(&self, core: Box<Core>) {
        *self.state() = State::Returned(core);
        self.changed.notify_all();
    }

    /// The replacement stops for good with the core (runtime shutdown).
    pub(super) fn keep(&self) {
        *self.state() = State::Kept;
        self.changed.notify_all();
    }

    /// The lender waits for the core after `Reclaim::Later`; `None` if the runtime shut down.
    pub(super) fn wait(&self) -> Option<Box<Core>> {
        let mut state = self.state();
        loop {
            match std::mem::replace(&mut *state, State::Back) {
                State::Returned(core) => return Some(core),
                State::Kept => {
                    *state = State::Kept;
                    return None;
                }
                other => *state = other,
            }
            state = self.changed.wait(state).unwrap_or_else(|e| e.into_inner());
        }
    }
}
