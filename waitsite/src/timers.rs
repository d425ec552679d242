//! Channels fed by a timer (Go's `time.After` / `time.Tick`): a task receiving from one waits
//! on a timer, not on another task, so the deadlock detector must not count it as stuck.

use std::sync::Mutex;

static TIMER_FED: Mutex<Vec<usize>> = Mutex::new(Vec::new());

/// Marks a resource (a channel's address) as fed by a timer while this value lives.
///
/// ```
/// let source = gort_waitsite::TimerSource::new(0x40);
/// assert!(gort_waitsite::is_timer_fed(0x40));
/// drop(source);
/// assert!(!gort_waitsite::is_timer_fed(0x40));
/// ```
#[derive(Debug)]
pub struct TimerSource(usize);

impl TimerSource {
    /// Registers `resource` (the address a wait on it records).
    pub fn new(resource: usize) -> TimerSource {
        TIMER_FED
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(resource);
        TimerSource(resource)
    }
}

impl Drop for TimerSource {
    fn drop(&mut self) {
        let mut all = TIMER_FED.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(i) = all.iter().position(|&r| r == self.0) {
            all.swap_remove(i);
        }
    }
}

/// True while a [`TimerSource`] for `resource` lives.
///
/// ```
/// assert!(!gort_waitsite::is_timer_fed(0x80));
/// ```
pub fn is_timer_fed(resource: usize) -> bool {
    TIMER_FED
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .contains(&resource)
}
