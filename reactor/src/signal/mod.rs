//! Signals: [`ctrl_c`] and Unix [`unix::signal`] streams, as tokio's `signal` module.
//!
//! How it works (the self-pipe trick): the first time a signal is listened for, a `sigaction`
//! handler is installed for it (through the `libc` crate) and stays installed for the life of
//! the process, replacing the default action (for SIGINT: terminating). The handler does the
//! only async-signal-safe thing needed — it writes the signal number into a pipe. One
//! `gort-signal` thread blocks reading that pipe; for each byte it bumps the signal's counter
//! and wakes the futures waiting for it. A listener completes when the counter moves past the
//! value it saw when it started listening, so no delivery after that point is missed, and
//! several listeners (in several runtimes) all see the same delivery. The thread sleeps in
//! `read`, so it costs no CPU.

pub(crate) mod registry;
pub mod unix;

use std::future::Future;
use std::io;

/// Completes when the process receives ctrl-c (SIGINT) after this call.
///
/// The first call installs a handler that stays for the life of the process, so ctrl-c no
/// longer terminates it: the program must exit by itself.
///
/// # Cancel safety
///
/// Cancel safe: a signal that arrives while no `ctrl_c` future is waiting is not queued for
/// the next one (as tokio).
///
/// # Panics
///
/// When first polled outside a gort runtime, as tokio's.
///
/// ```no_run
/// # async fn f() -> std::io::Result<()> {
/// gort_reactor::signal::ctrl_c().await?;
/// println!("ctrl-c received, shutting down");
/// # Ok(()) }
/// ```
#[track_caller]
pub fn ctrl_c() -> impl Future<Output = io::Result<()>> {
    let site = std::panic::Location::caller();
    async move {
        let mut signal = unix::signal(unix::SignalKind::interrupt())?;
        signal.recv_at(site).await;
        Ok(())
    }
}
