//! gort's reactor: the mio driver, timers, sockets and the io traits.
//!
//! - [`driver`] — one `mio::Poll` per runtime, the timer wheel and the clock; the executor parks
//!   its idle worker in [`driver::Driver::park`].
//! - [`time`] — `sleep`, `timeout`, `interval` on the driver's timing wheel.
//! - [`net`] — TCP, UDP and Unix sockets registered with the driver.
//! - [`io`] — tokio-shaped `AsyncRead`/`AsyncWrite` and their utilities.
//! - [`fs`] — `tokio::fs`: files and directories, each call run on the blocking pool.
//! - [`process`] — child processes with async waiting and piped stdio.
//! - [`signal`] — the ctrl-c future.
#![warn(missing_docs)]
#![warn(clippy::undocumented_unsafe_blocks)]

pub mod driver;
pub mod fs;
pub mod io;
pub(crate) mod loom;
pub mod net;
mod offload;
pub mod process;
pub mod signal;
#[cfg(all(test, not(loom)))]
mod test_block_on;
pub mod time;
