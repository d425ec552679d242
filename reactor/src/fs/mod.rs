//! Asynchronous filesystem access, as `tokio::fs`: the same names, signatures and semantics.
//!
//! # How it works: the blocking pool
//!
//! Operating systems offer no portable non-blocking file I/O, so — as tokio does — every
//! operation here runs the matching `std::fs` call on the runtime's blocking pool
//! (`spawn_blocking`) and awaits its result; the async worker threads never block on the disk.
//! Outside a gort runtime a plain thread runs it instead, so these futures also work under any
//! other executor.
//!
//! - The one-shot functions ([`read`], [`write()`], [`metadata`], [`rename`], …) move their
//!   arguments into one blocking call each (one generic `asyncify` helper).
//! - [`File`] keeps one operation in flight at a time with an internal buffer: a read fetches
//!   up to [`File::max_buf_size`] bytes and serves later reads from them; a write copies the
//!   bytes and completes at once while the blocking thread writes them, so **call
//!   [`flush`](crate::io::AsyncWriteExt::flush) (or `sync_all`) to wait for writes and to see
//!   their errors**; a seek waits for the write in flight. Reading ahead never moves the
//!   logical position: a write or seek after a partial read starts where the reader stopped.
//! - [`ReadDir`] fetches entries in batches of 32 per blocking call.
//!
//! For many small operations, doing them in one `gort::task::spawn_blocking` call with
//! `std::fs` is cheaper than awaiting each one here.
//!
//! Errors are `std::io::Error`s, exactly as `std::fs` reports them (for example
//! [`ErrorKind::NotFound`](std::io::ErrorKind::NotFound) for a missing file).
//!
//! ```
//! use gort_reactor::fs;
//! use gort_reactor::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
//!
//! futures::executor::block_on(async {
//!     let dir = std::env::temp_dir().join(format!("gort-fs-doc-{}", std::process::id()));
//!     fs::create_dir_all(&dir).await?;
//!     let path = dir.join("hello.txt");
//!
//!     let mut file = fs::File::create(&path).await?;
//!     file.write_all(b"one\ntwo\n").await?;
//!     file.flush().await?; // the write is on the blocking pool until flushed
//!
//!     let mut lines = BufReader::new(fs::File::open(&path).await?).lines();
//!     assert_eq!(lines.next_line().await?.as_deref(), Some("one"));
//!     assert_eq!(lines.next_line().await?.as_deref(), Some("two"));
//!
//!     let err = fs::read("definitely/not/here").await.unwrap_err();
//!     assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
//!     fs::remove_dir_all(&dir).await
//! })
//! .unwrap();
//! ```

mod dir_builder;
mod file;
mod open_options;
mod ops;
mod read_dir;

pub use dir_builder::DirBuilder;
pub use file::File;
pub use open_options::OpenOptions;
#[cfg(unix)]
pub use ops::symlink;
pub use ops::{
    canonicalize, copy, create_dir, create_dir_all, hard_link, metadata, read, read_link,
    read_to_string, remove_dir, remove_dir_all, remove_file, rename, set_permissions,
    symlink_metadata, try_exists, write,
};
pub use read_dir::{read_dir, DirEntry, ReadDir};
/// Timestamps to set on a [`File`] with [`File::set_times`] (`std::fs::FileTimes`, which has
/// exactly tokio's builder: `new`, `set_accessed`, `set_modified`).
///
/// ```
/// let times = gort_reactor::fs::FileTimes::new().set_modified(std::time::SystemTime::now());
/// # let _ = times;
/// ```
pub use std::fs::FileTimes;

use std::io;

/// Runs a blocking filesystem call on the blocking pool and awaits its result.
async fn asyncify<F, T>(f: F) -> io::Result<T>
where
    F: FnOnce() -> io::Result<T> + Send + 'static,
    T: Send + 'static,
{
    crate::offload::run(f).await?
}
