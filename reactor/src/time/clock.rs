//! The driver's clock: real time, or (feature `test-util`) a clock that can be paused and
//! advanced by hand, as tokio's `time::pause`.
//!
//! The timer wheel counts whole milliseconds since the clock's `start`. Deadlines round *up* to
//! the next millisecond and the current time rounds *down*, so a timer never fires early.

use std::time::{Duration, Instant};

#[cfg(feature = "test-util")]
use std::sync::Mutex;

pub(crate) struct Clock {
    start: Instant,
    #[cfg(feature = "test-util")]
    state: Mutex<Paused>,
}

#[cfg(feature = "test-util")]
struct Paused {
    /// The clock's time at the last pause (or creation) point.
    base: Instant,
    /// `Some(real instant at which the clock last resumed)`, `None` while paused.
    unfrozen: Option<Instant>,
}

impl Clock {
    pub(crate) fn new() -> Clock {
        let start = Instant::now();
        Clock {
            start,
            #[cfg(feature = "test-util")]
            state: Mutex::new(Paused {
                base: start,
                unfrozen: Some(start),
            }),
        }
    }

    /// The clock's current time.
    pub(crate) fn now(&self) -> Instant {
        #[cfg(feature = "test-util")]
        {
            let state = self.state.lock().unwrap();
            match state.unfrozen {
                Some(unfrozen) => state.base + unfrozen.elapsed(),
                None => state.base,
            }
        }
        #[cfg(not(feature = "test-util"))]
        Instant::now()
    }

    /// The current time in whole ms since start (rounded down).
    pub(crate) fn now_ms(&self) -> u64 {
        self.to_ms_floor(self.now())
    }

    pub(crate) fn to_ms_floor(&self, t: Instant) -> u64 {
        t.saturating_duration_since(self.start).as_millis() as u64
    }

    /// A deadline in ms since start, rounded up so the timer never fires before `t`.
    pub(crate) fn deadline_ms(&self, t: Instant) -> u64 {
        let d = t.saturating_duration_since(self.start);
        let ms = d.as_millis() as u64;
        if d.subsec_nanos() % 1_000_000 != 0 {
            ms + 1
        } else {
            ms
        }
    }

    /// The instant of a wheel time in ms.
    pub(crate) fn instant_of(&self, ms: u64) -> Instant {
        self.start + Duration::from_millis(ms)
    }

    #[cfg(feature = "test-util")]
    pub(crate) fn is_paused(&self) -> bool {
        self.state.lock().unwrap().unfrozen.is_none()
    }

    #[cfg(not(feature = "test-util"))]
    pub(crate) fn is_paused(&self) -> bool {
        false
    }

    #[cfg(feature = "test-util")]
    #[track_caller]
    pub(crate) fn pause(&self) {
        let mut state = self.state.lock().unwrap();
        if let Some(unfrozen) = state.unfrozen.take() {
            state.base += unfrozen.elapsed();
            // Freeze on a whole millisecond of the wheel, so deadlines a whole number of ms
            // away land exactly on a wheel tick and `advance` by that much fires them.
            let since = state.base.saturating_duration_since(self.start);
            let rem = since.subsec_nanos() % 1_000_000;
            if rem != 0 {
                state.base += Duration::from_nanos(u64::from(1_000_000 - rem));
            }
        } else {
            panic!("time is already frozen: `gort::time::pause` was called twice");
        }
    }

    #[cfg(feature = "test-util")]
    #[track_caller]
    pub(crate) fn resume(&self) {
        let mut state = self.state.lock().unwrap();
        if state.unfrozen.is_some() {
            panic!("time is not frozen: call `gort::time::pause` before `gort::time::resume`");
        }
        state.unfrozen = Some(Instant::now());
    }

    /// Moves a paused clock forward.
    #[cfg(feature = "test-util")]
    pub(crate) fn advance(&self, by: Duration) {
        let mut state = self.state.lock().unwrap();
        if state.unfrozen.is_some() {
            panic!("time is not frozen: call `gort::time::pause` before `gort::time::advance`");
        }
        state.base += by;
    }
}
