//! [`run`]: runs one blocking closure off the async threads and hands its result back as a
//! future — the primitive under `fs` (every one-shot function is `run(f).await`), the
//! [`Blocking`](crate::io) adapter behind `fs::File` and the std streams.
//!
//! The closure goes to the current runtime's `spawn_blocking` pool (the executor installs its
//! pool in the driver, see `driver::Handle::set_blocking_spawner`); outside a gort runtime a
//! plain thread runs it, so the futures also work under `futures::executor::block_on`.
//!
//! The result travels through a one-slot rendezvous (a mutex-guarded `Option` plus the waker
//! of the future waiting for it). If the closure panics, or the pool drops it unrun because
//! the runtime is shutting down, the future resolves to an `io::Error` ("background task
//! failed", tokio's wording) instead of waiting forever.

use std::future::Future;
use std::io;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

/// Where the blocking side leaves the outcome and the async side leaves its waker.
struct Slot<R> {
    state: Mutex<(Option<Option<R>>, Option<Waker>)>,
}

impl<R> Slot<R> {
    /// Stores the outcome (`None`: the job was lost) and wakes the waiting future.
    fn complete(&self, outcome: Option<R>) {
        let waker = {
            let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
            state.0 = Some(outcome);
            state.1.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

/// Lives inside the job: completes the slot even if the job is dropped without running.
struct Completer<R> {
    slot: Option<Arc<Slot<R>>>,
}

impl<R> Drop for Completer<R> {
    fn drop(&mut self) {
        if let Some(slot) = self.slot.take() {
            slot.complete(None);
        }
    }
}

/// The result of [`run`]: resolves to the closure's return value, or to an error if the
/// closure panicked or was never run.
#[must_use = "the result of a blocking job is only seen by awaiting it"]
pub(crate) struct Offload<R> {
    slot: Arc<Slot<R>>,
}

/// Runs `f` on the blocking pool (or a fresh thread outside a runtime); see the module docs.
pub(crate) fn run<F, R>(f: F) -> Offload<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    let slot = Arc::new(Slot {
        state: Mutex::new((None, None)),
    });
    let mut completer = Completer {
        slot: Some(slot.clone()),
    };
    let job = Box::new(move || {
        let outcome = catch_unwind(AssertUnwindSafe(f)).ok();
        if let Some(slot) = completer.slot.take() {
            slot.complete(outcome);
        }
    });
    match crate::driver::Handle::try_current() {
        Some(handle) => handle.spawn_blocking(job),
        None => {
            std::thread::Builder::new()
                .name("gort-blocking".into())
                .spawn(job)
                .expect("failed to start a thread for blocking work");
        }
    }
    Offload { slot }
}

impl<R> Future for Offload<R> {
    type Output = io::Result<R>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<R>> {
        let mut state = self.slot.state.lock().unwrap_or_else(|p| p.into_inner());
        match state.0.take() {
            Some(Some(value)) => Poll::Ready(Ok(value)),
            Some(None) => Poll::Ready(Err(io::Error::other("background task failed"))),
            None => {
                state.1 = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

// The value is moved out, never pinned in place.
impl<R> Unpin for Offload<R> {}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::executor::block_on;

    #[test]
    fn returns_the_closures_value() {
        let value = block_on(run(|| std::thread::current().name().map(str::to_owned)));
        assert_eq!(value.unwrap().as_deref(), Some("gort-blocking"));
    }

    #[test]
    fn a_panic_becomes_an_error() {
        let err = block_on(run(|| -> u32 { panic!("boom") })).unwrap_err();
        assert_eq!(err.to_string(), "background task failed");
    }

    #[test]
    fn a_dropped_job_becomes_an_error() {
        let slot = Arc::new(Slot::<u32> {
            state: Mutex::new((None, None)),
        });
        drop(Completer {
            slot: Some(slot.clone()),
        });
        assert!(block_on(Offload { slot }).is_err());
    }
}
