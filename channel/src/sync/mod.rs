//! Synchronization primitives and channels with tokio's names, plus Go's `WaitGroup` and context.

pub mod broadcast;
pub mod mpsc;
pub mod oneshot;
pub mod watch;
