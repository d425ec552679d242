//! [`read_dir`], [`ReadDir`], [`DirEntry`]: a directory's entries, fetched on the blocking pool
//! in batches of [`BATCH`] per blocking call.

use super::asyncify;
use crate::offload::{self, Offload};
use std::collections::VecDeque;
use std::ffi::OsString;
use std::fs::{FileType, Metadata};
use std::future::poll_fn;
use std::future::Future;
use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

/// Entries fetched per blocking call.
const BATCH: usize = 32;

/// Returns a stream over the entries of a directory, as `std::fs::read_dir` (without `.` and
/// `..`; order unspecified).
///
/// ```
/// # futures::executor::block_on(async {
/// # let dir = std::env::temp_dir().join(format!("gort-doc-readdir-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir)?;
/// std::fs::write(dir.join("a.txt"), "")?;
/// let mut entries = gort_reactor::fs::read_dir(&dir).await?;
/// let mut names = Vec::new();
/// while let Some(entry) = entries.next_entry().await? {
///     names.push(entry.file_name());
/// }
/// assert_eq!(names, ["a.txt"]);
/// # std::fs::remove_dir_all(&dir)
/// # }).unwrap();
/// ```
pub async fn read_dir(path: impl AsRef<Path>) -> io::Result<ReadDir> {
    let path = path.as_ref().to_owned();
    let (buf, std, more) = asyncify(move || {
        let mut std = std::fs::read_dir(path)?;
        let mut buf = VecDeque::with_capacity(BATCH);
        let more = fetch(&mut std, &mut buf);
        Ok((buf, std, more))
    })
    .await?;
    Ok(ReadDir {
        state: State::Idle(Some(Batch { buf, std, more })),
    })
}

/// Moves up to [`BATCH`] entries into `buf`; returns whether the directory may have more.
fn fetch(std: &mut std::fs::ReadDir, buf: &mut VecDeque<io::Result<DirEntry>>) -> bool {
    for _ in 0..BATCH {
        let Some(entry) = std.next() else {
            return false;
        };
        buf.push_back(entry.map(DirEntry::from_std));
    }
    true
}

struct Batch {
    buf: VecDeque<io::Result<DirEntry>>,
    std: std::fs::ReadDir,
    more: bool,
}

enum State {
    /// `None`: the stream ended early (a batch was lost).
    Idle(Option<Batch>),
    Busy(Offload<Batch>),
}

/// The entries of a directory, from [`read_dir`]; take them with
/// [`next_entry`](ReadDir::next_entry).
///
/// ```
/// # futures::executor::block_on(async {
/// let entries: gort_reactor::fs::ReadDir = gort_reactor::fs::read_dir(".").await?;
/// # drop(entries);
/// # Ok::<_, std::io::Error>(())
/// # }).unwrap();
/// ```
#[must_use = "a ReadDir does nothing until its entries are taken"]
pub struct ReadDir {
    state: State,
}

impl ReadDir {
    /// Returns the next entry, or `None` once every entry was returned.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a batch fetched for a dropped call is kept for the next one.
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let mut entries = gort_reactor::fs::read_dir(std::env::temp_dir()).await?;
    /// while let Some(entry) = entries.next_entry().await? {
    ///     let _ = entry.path();
    /// }
    /// # Ok::<_, std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn next_entry(&mut self) -> io::Result<Option<DirEntry>> {
        poll_fn(|cx| self.poll_next_entry(cx)).await
    }

    /// Polls for the next entry: `Ready(Ok(None))` at the end, `Pending` (with `cx`'s waker
    /// registered) while a batch is being fetched.
    ///
    /// ```
    /// use std::future::poll_fn;
    /// # futures::executor::block_on(async {
    /// let mut entries = gort_reactor::fs::read_dir(std::env::temp_dir()).await?;
    /// let first = poll_fn(|cx| entries.poll_next_entry(cx)).await?;
    /// # let _ = first;
    /// # Ok::<_, std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn poll_next_entry(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<Option<DirEntry>>> {
        loop {
            match &mut self.state {
                State::Busy(task) => match ready!(Pin::new(task).poll(cx)) {
                    Ok(batch) => self.state = State::Idle(Some(batch)),
                    Err(lost) => {
                        // The batch's job panicked: the stream ends after this error.
                        self.state = State::Idle(None);
                        return Poll::Ready(Err(lost));
                    }
                },
                State::Idle(None) => return Poll::Ready(Ok(None)),
                State::Idle(slot) => {
                    let batch = slot.as_mut().expect("ReadDir: no batch");
                    if let Some(entry) = batch.buf.pop_front() {
                        return Poll::Ready(entry.map(Some));
                    }
                    if !batch.more {
                        return Poll::Ready(Ok(None));
                    }
                    let mut batch = slot.take().expect("ReadDir: no batch");
                    self.state = State::Busy(offload::run(move || {
                        batch.more = fetch(&mut batch.std, &mut batch.buf);
                        batch
                    }));
                }
            }
        }
    }
}

impl std::fmt::Debug for ReadDir {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadDir").finish_non_exhaustive()
    }
}

/// One entry of a directory, from [`ReadDir::next_entry`], as `tokio::fs::DirEntry`.
///
/// ```
/// # futures::executor::block_on(async {
/// let mut entries = gort_reactor::fs::read_dir(std::env::temp_dir()).await?;
/// if let Some(entry) = entries.next_entry().await? {
///     assert_eq!(entry.path().file_name(), Some(entry.file_name().as_os_str()));
/// }
/// # Ok::<_, std::io::Error>(())
/// # }).unwrap();
/// ```
pub struct DirEntry {
    std: Arc<std::fs::DirEntry>,
    /// Read with the entry on the blocking thread (free on most platforms).
    file_type: Option<FileType>,
}

impl DirEntry {
    fn from_std(std: std::fs::DirEntry) -> DirEntry {
        DirEntry {
            file_type: std.file_type().ok(),
            std: Arc::new(std),
        }
    }

    /// The full path: the directory given to [`read_dir`] joined with the entry's name.
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let dir = std::env::temp_dir();
    /// let mut entries = gort_reactor::fs::read_dir(&dir).await?;
    /// if let Some(entry) = entries.next_entry().await? {
    ///     assert!(entry.path().starts_with(&dir));
    /// }
    /// # Ok::<_, std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn path(&self) -> PathBuf {
        self.std.path()
    }

    /// The entry's name, without any leading path.
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let mut entries = gort_reactor::fs::read_dir(std::env::temp_dir()).await?;
    /// if let Some(entry) = entries.next_entry().await? {
    ///     assert!(!entry.file_name().is_empty());
    /// }
    /// # Ok::<_, std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn file_name(&self) -> OsString {
        self.std.file_name()
    }

    /// The entry's inode number (`d_ino`).
    ///
    /// ```
    /// use std::os::unix::fs::MetadataExt;
    /// # futures::executor::block_on(async {
    /// # let dir = std::env::temp_dir().join(format!("gort-doc-ino-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir)?;
    /// std::fs::write(dir.join("f"), "")?;
    /// let entry = gort_reactor::fs::read_dir(&dir).await?.next_entry().await?.unwrap();
    /// assert_eq!(entry.ino(), std::fs::metadata(dir.join("f"))?.ino());
    /// # std::fs::remove_dir_all(&dir)
    /// # }).unwrap();
    /// ```
    #[cfg(unix)]
    pub fn ino(&self) -> u64 {
        std::os::unix::fs::DirEntryExt::ino(&*self.std)
    }

    /// The entry's metadata, not following a symlink (as `std::fs::DirEntry::metadata`).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe (it only reads).
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// # let dir = std::env::temp_dir().join(format!("gort-doc-dmeta-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir)?;
    /// std::fs::write(dir.join("f"), "four")?;
    /// let entry = gort_reactor::fs::read_dir(&dir).await?.next_entry().await?.unwrap();
    /// assert_eq!(entry.metadata().await?.len(), 4);
    /// # std::fs::remove_dir_all(&dir)
    /// # }).unwrap();
    /// ```
    pub async fn metadata(&self) -> io::Result<Metadata> {
        let std = self.std.clone();
        asyncify(move || std.metadata()).await
    }

    /// The entry's file type, not following a symlink; usually known without another system
    /// call.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe (it only reads).
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// # let dir = std::env::temp_dir().join(format!("gort-doc-dtype-{}", std::process::id()));
    /// # std::fs::create_dir_all(dir.join("sub"))?;
    /// let entry = gort_reactor::fs::read_dir(&dir).await?.next_entry().await?.unwrap();
    /// assert!(entry.file_type().await?.is_dir());
    /// # std::fs::remove_dir_all(&dir)
    /// # }).unwrap();
    /// ```
    pub async fn file_type(&self) -> io::Result<FileType> {
        if let Some(file_type) = self.file_type {
            return Ok(file_type);
        }
        let std = self.std.clone();
        asyncify(move || std.file_type()).await
    }
}

impl std::fmt::Debug for DirEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("DirEntry").field(&self.path()).finish()
    }
}
