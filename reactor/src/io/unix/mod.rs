//! Unix-specific I/O: [`AsyncFd`], readiness for any file descriptor (tokio's `io::unix`).

mod async_fd;
mod guard;

pub use async_fd::{AsyncFd, AsyncFdRegisterError, AsyncFdTryNewError};
pub use guard::{AsyncFdReadyGuard, AsyncFdReadyMutGuard, TryIoError};

#[cfg(all(test, not(miri), not(loom)))]
mod tests;
