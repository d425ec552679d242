//! Backing off `accept` when the process runs out of file descriptors.
//!
//! An `accept` that fails with EMFILE/ENFILE leaves the connection queued, so the listener
//! stays readable and a naive `loop { listener.accept().await }` would spin a core retrying.
//! As Go's `http.Server` does, the listener returns the error and waits before its next
//! attempt: 5 ms, doubling up to 1 s, reset by the next successful accept.

use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

const FIRST_MS: u64 = 5;
const MAX_MS: u64 = 1000;

/// A listener's current back-off delay (0: none).
#[derive(Debug, Default)]
pub(crate) struct AcceptBackoff {
    delay_ms: AtomicU64,
}

impl AcceptBackoff {
    /// Sleeps out the delay left by earlier descriptor-exhaustion errors, if any.
    pub(crate) async fn wait(&self) {
        let delay = self.delay_ms.load(Ordering::Relaxed);
        if delay > 0 {
            crate::time::sleep(Duration::from_millis(delay)).await;
        }
    }

    /// Records an accept's outcome: exhaustion grows the delay, success clears it.
    pub(crate) fn record<T>(&self, result: &io::Result<T>) {
        match result {
            Ok(_) => self.delay_ms.store(0, Ordering::Relaxed),
            Err(e) if is_fd_exhaustion(e) => {
                let next = match self.delay_ms.load(Ordering::Relaxed) {
                    0 => FIRST_MS,
                    delay => (delay * 2).min(MAX_MS),
                };
                self.delay_ms.store(next, Ordering::Relaxed);
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
        backoff.record(&Err::<(), _>(io::ErrorKind::ConnectionAborted.into()));
        assert_eq!(backoff.delay(), Duration::from_millis(1000));
        backoff.record(&Ok(()));
        assert_eq!(backoff.delay(), Duration::ZERO);
        backoff.record(&Err::<(), _>(io::Error::from_raw_os_error(libc::ENFILE)));
        assert_eq!(backoff.delay(), Duration::from_millis(5));
    }
}
