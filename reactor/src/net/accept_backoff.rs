//! Backing off `accept` when the process runs out of file descriptors.
//!
//! An `accept` that fails with EMFILE/ENFILE leaves the connection queued, so the listener
//! stays readable and a naive `loop { listener.accept().await }` would spin a core retrying.
//! As Go's `http.Server` does, the listener returns the error and waits before its next
//! attempt: 5 ms, doubling up to 1 s, reset by the next successful accept.
//!
//! Both ways of accepting share one [`AcceptBackoff`] per listener (TCP and Unix alike):
//! [`AcceptBackoff::accept`] wraps the async `accept` (each caller sleeps out the pause on its
//! own timer, so concurrent accepters are all woken), [`AcceptBackoff::poll_accept`] wraps
//! `poll_accept` (which cannot hold a future between calls, so the listener keeps the pause's
//! timer; like `poll_accept` itself it wakes only the last task to poll).

use crate::time::{sleep_until, Instant, Sleep};
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::task::{ready, Context, Poll};
use std::time::Duration;

const FIRST_MS: u64 = 5;
const MAX_MS: u64 = 1000;

/// A listener's back-off state.
#[derive(Debug, Default)]
pub(crate) struct AcceptBackoff {
    /// The current delay in ms; 0 (the usual case) skips the lock below entirely.
    delay_ms: AtomicU64,
    pause: Mutex<Pause>,
}

/// The pause after the last descriptor-exhaustion error.
#[derive(Debug, Default)]
struct Pause {
    /// No accept before this instant.
    until: Option<Instant>,
    /// `poll_accept`'s timer for `until`, made on its first poll.
    timer: Option<Pin<Box<Sleep>>>,
}

impl AcceptBackoff {
    /// Runs `accept` once any pause is over, and records its outcome.
    pub(crate) async fn accept<T>(
        &self,
        accept: impl Future<Output = io::Result<T>>,
    ) -> io::Result<T> {
        if let Some(until) = self.paused_until() {
            sleep_until(until).await;
        }
        let accepted = accept.await;
        self.record(&accepted);
        accepted
    }

    /// Polls `accept` once any pause is over, and records its outcome.
    pub(crate) fn poll_accept<T>(
        &self,
        cx: &mut Context<'_>,
        accept: impl FnOnce(&mut Context<'_>) -> Poll<io::Result<T>>,
    ) -> Poll<io::Result<T>> {
        ready!(self.poll_pause(cx));
        let accepted = ready!(accept(cx));
        self.record(&accepted);
        Poll::Ready(accepted)
    }

    /// When the current pause ends, if there is one.
    fn paused_until(&self) -> Option<Instant> {
        if self.delay_ms.load(Ordering::Relaxed) == 0 {
            return None;
        }
        self.pause.lock().unwrap_or_else(|e| e.into_inner()).until
    }

    /// Ready once no pause is pending; else the listener's timer wakes this task.
    fn poll_pause(&self, cx: &mut Context<'_>) -> Poll<()> {
        if self.delay_ms.load(Ordering::Relaxed) == 0 {
            return Poll::Ready(());
        }
        let mut pause = self.pause.lock().unwrap_or_else(|e| e.into_inner());
        let Some(until) = pause.until else {
            return Poll::Ready(());
        };
        let timer = pause
            .timer
            .get_or_insert_with(|| Box::pin(sleep_until(until)));
        ready!(timer.as_mut().poll(cx));
        pause.timer = None;
        Poll::Ready(())
    }

    /// Records an accept's outcome: exhaustion grows the delay and starts a pause, success
    /// clears both.
    fn record<T>(&self, result: &io::Result<T>) {
        match result {
            Ok(_) => {
                if self.delay_ms.swap(0, Ordering::Relaxed) != 0 {
                    let pause =
                        std::mem::take(&mut *self.pause.lock().unwrap_or_else(|e| e.into_inner()));
                    drop(pause); // the timer, outside the lock
                }
            }
            Err(e) if is_fd_exhaustion(e) => {
                let mut pause = self.pause.lock().unwrap_or_else(|e| e.into_inner());
                let next = match self.delay_ms.load(Ordering::Relaxed) {
                    0 => FIRST_MS,
                    delay => (delay * 2).min(MAX_MS),
                };
                self.delay_ms.store(next, Ordering::Relaxed);
                pause.until = Some(Instant::now() + Duration::from_millis(next));
                let stale = pause.timer.take();
                drop(pause);
                drop(stale);
            }
            Err(_) => {}
        }
    }

    #[cfg(test)]
    pub(crate) fn delay(&self) -> Duration {
        Duration::from_millis(self.delay_ms.load(Ordering::Relaxed))
    }
}

fn is_fd_exhaustion(e: &io::Error) -> bool {
    matches!(e.raw_os_error(), Some(libc::EMFILE) | Some(libc::ENFILE))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delay_doubles_from_5ms_to_1s_and_resets_on_success() {
        let backoff = AcceptBackoff::default();
        let emfile = || Err::<(), _>(io::Error::from_raw_os_error(libc::EMFILE));
        let mut seen = Vec::new();
        for _ in 0..10 {
            backoff.record(&emfile());
            seen.push(backoff.delay().as_millis());
        }
        assert_eq!(seen, [5, 10, 20, 40, 80, 160, 320, 640, 1000, 1000]);
        assert!(backoff.paused_until().is_some());
        backoff.record(&Err::<(), _>(io::ErrorKind::ConnectionAborted.into()));
        assert_eq!(backoff.delay(), Duration::from_millis(1000));
        backoff.record(&Ok(()));
        assert_eq!(backoff.delay(), Duration::ZERO);
        assert!(backoff.paused_until().is_none());
        backoff.record(&Err::<(), _>(io::Error::from_raw_os_error(libc::ENFILE)));
        assert_eq!(backoff.delay(), Duration::from_millis(5));
    }
}
