//! Child processes, as `tokio::process`: [`Command`] spawns a [`Child`] whose exit is awaited
//! and whose piped stdio are async I/O.
//!
//! How it works:
//!
//! - **Pipes.** A piped stdin/stdout/stderr end is set non-blocking and registered with the
//!   reactor like a socket (`pipes`).
//! - **Waiting without a thread per child** (`reap`). On Linux ≥ 5.3 each child gets a pidfd,
//!   which the reactor watches: it turns readable when the child exits, and a non-blocking
//!   `waitpid` then reaps it. Without pidfds the wait listens for SIGCHLD through
//!   [`signal`](crate::signal) and retries the non-blocking `waitpid` after each delivery.
//! - **Orphans** (`orphan`). A `Child` dropped before its process exited (killed first if
//!   [`Command::kill_on_drop`] is set) goes to a process-wide queue that is swept on every
//!   SIGCHLD and every spawn, so no zombie stays behind.
//!
//! ```
//! use gort_reactor::io::{AsyncReadExt, AsyncWriteExt};
//! use gort_reactor::process::Command;
//! use std::process::Stdio;
//!
//! # async fn f() -> std::io::Result<()> {
//! let mut child = Command::new("tr")
//!     .arg("a-z")
//!     .arg("A-Z")
//!     .stdin(Stdio::piped())
//!     .stdout(Stdio::piped())
//!     .spawn()?;
//! let mut stdin = child.stdin.take().unwrap();
//! stdin.write_all(b"shout").await?;
//! drop(stdin);
//! let mut out = String::new();
//! child.stdout.take().unwrap().read_to_string(&mut out).await?;
//! assert_eq!(out, "SHOUT");
//! assert!(child.wait().await?.success());
//! # Ok(()) }
//! ```

mod child;
mod command;
mod orphan;
mod pidfd;
mod pipes;
mod reap;
#[cfg(all(test, not(loom), not(miri)))]
mod tests;

pub use child::Child;
pub use command::Command;
pub use pipes::{ChildStderr, ChildStdin, ChildStdout};
