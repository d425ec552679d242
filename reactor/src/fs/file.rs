//! [`File`]: an open file whose reads, writes and seeks run on the blocking pool through the
//! shared [`Blocking`] adapter (one operation in flight, an internal buffer; see the
//! [module docs](super)).

use super::{asyncify, FileTimes, OpenOptions};
use crate::io::blocking::{Blocking, BlockingIo};
use crate::io::{AsyncRead, AsyncSeek, AsyncWrite, ReadBuf};
use gort_channel::sync::{Mutex, MutexGuard};
use std::fs::{File as StdFile, Metadata, Permissions};
use std::io::{self, IoSlice, Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

/// An open file, as `tokio::fs::File`: [`AsyncRead`], [`AsyncWrite`] and [`AsyncSeek`] (and
/// the `futures_io` traits) over a `std::fs::File` driven on the blocking pool.
///
/// A write completes as soon as its bytes are copied into the file's buffer; the blocking
/// thread writes them afterwards. **Flush** ([`flush`](crate::io::AsyncWriteExt::flush)) to
/// wait until they reached the OS and to see a write error; dropping a `File` with a write in
/// flight still lets that write finish, but its error is lost. Use [`sync_all`](File::sync_all)
/// to also reach the disk.
///
/// ```
/// use gort_reactor::fs::File;
/// use gort_reactor::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};
/// # futures::executor::block_on(async {
/// # let path = std::env::temp_dir().join(format!("gort-doc-file-{}", std::process::id()));
/// let mut file = File::create(&path).await?;
/// file.write_all(b"hello, world").await?;
/// file.flush().await?;
///
/// let mut file = File::open(&path).await?;
/// file.seek(std::io::SeekFrom::Start(7)).await?;
/// let mut word = String::new();
/// file.read_to_string(&mut word).await?;
/// assert_eq!(word, "world");
/// # std::fs::remove_file(&path)
/// # }).unwrap();
/// ```
pub struct File {
    std: Arc<StdFile>,
    inner: Mutex<Blocking<SharedFile>>,
    max_buf_size: usize,
    /// `futures_io::AsyncSeek::poll_seek` started a seek that is not complete yet.
    seek_started: bool,
}

/// The handle the blocking jobs use: `&std::fs::File` implements the std io traits.
struct SharedFile(Arc<StdFile>);

impl Read for SharedFile {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        (&*self.0).read(buf)
    }
}

impl Write for SharedFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        (&*self.0).write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        (&*self.0).flush()
    }
}

impl Seek for SharedFile {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        (&*self.0).seek(pos)
    }
}

impl BlockingIo for SharedFile {
    const BUFFERED: bool = false;

    fn rewind(&mut self, unread: usize) -> io::Result<()> {
        if unread > 0 {
            let back = i64::try_from(unread).map_err(io::Error::other)?;
            self.seek(SeekFrom::Current(-back))?;
        }
        Ok(())
    }
}

impl File {
    /// Opens a file for reading, as `std::fs::File::open`.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future does not stop the blocking `open`; a file it opened is closed.
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let err = gort_reactor::fs::File::open("no/such/file").await.unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
    /// # });
    /// ```
    pub async fn open(path: impl AsRef<Path>) -> io::Result<File> {
        OpenOptions::new().read(true).open(path).await
    }

    /// Opens a file for writing, creating it or truncating it, as `std::fs::File::create`.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future does not stop the blocking `open`, which may still create the file.
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// # let path = std::env::temp_dir().join(format!("gort-doc-create-{}", std::process::id()));
    /// let file = gort_reactor::fs::File::create(&path).await?;
    /// assert_eq!(file.metadata().await?.len(), 0);
    /// # std::fs::remove_file(&path)
    /// # }).unwrap();
    /// ```
    pub async fn create(path: impl AsRef<Path>) -> io::Result<File> {
        OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(path)
            .await
    }

    /// Creates a new file for reading and writing, failing with `AlreadyExists` if it exists
    /// (atomically), as `std::fs::File::create_new`.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future does not stop the blocking `open`, which may still create the file.
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// # let path = std::env::temp_dir().join(format!("gort-doc-cnew-{}", std::process::id()));
    /// gort_reactor::fs::File::create_new(&path).await?;
    /// let again = gort_reactor::fs::File::create_new(&path).await.unwrap_err();
    /// assert_eq!(again.kind(), std::io::ErrorKind::AlreadyExists);
    /// # std::fs::remove_file(&path)
    /// # }).unwrap();
    /// ```
    pub async fn create_new<P: AsRef<Path>>(path: P) -> io::Result<File> {
        OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(path)
            .await
    }

    /// Returns a new [`OpenOptions`] (every flag off).
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// # let path = std::env::temp_dir().join(format!("gort-doc-opts-{}", std::process::id()));
    /// let file = gort_reactor::fs::File::options().write(true).create(true).open(&path).await?;
    /// # drop(file);
    /// # std::fs::remove_file(&path)
    /// # }).unwrap();
    /// ```
    pub fn options() -> OpenOptions {
        OpenOptions::new()
    }

    /// Wraps an open `std::fs::File`; reading and writing continue at its current position.
    ///
    /// ```
    /// let std = std::fs::File::open(std::env::current_exe().unwrap()).unwrap();
    /// let file = gort_reactor::fs::File::from_std(std);
    /// # drop(file);
    /// ```
    pub fn from_std(std: StdFile) -> File {
        let std = Arc::new(std);
        File {
            inner: Mutex::new(Blocking::new(SharedFile(std.clone()))),
            std,
            max_buf_size: crate::io::blocking::DEFAULT_MAX_BUF_SIZE,
            seek_started: false,
        }
    }

    /// Waits for the operation in flight and returns the adapter, locked and idle.
    async fn idle(&self) -> MutexGuard<'_, Blocking<SharedFile>> {
        let mut inner = self.inner.lock().await;
        std::future::poll_fn(|cx| inner.poll_complete_inflight(cx)).await;
        inner
    }

    /// Waits for pending writes, then flushes data and metadata to the disk (`fsync`).
    ///
    /// # Cancel safety
    ///
    /// Dropping the future does not stop a started `fsync`.
    ///
    /// ```
    /// use gort_reactor::io::AsyncWriteExt;
    /// # futures::executor::block_on(async {
    /// # let path = std::env::temp_dir().join(format!("gort-doc-sync-{}", std::process::id()));
    /// let mut file = gort_reactor::fs::File::create(&path).await?;
    /// file.write_all(b"durable").await?;
    /// file.sync_all().await?;
    /// # std::fs::remove_file(&path)
    /// # }).unwrap();
    /// ```
    pub async fn sync_all(&self) -> io::Result<()> {
        let _idle = self.idle().await;
        let std = self.std.clone();
        asyncify(move || std.sync_all()).await
    }

    /// As [`sync_all`](File::sync_all), but may skip metadata not needed to read the data
    /// back (`fdatasync`).
    ///
    /// # Cancel safety
    ///
    /// Dropping the future does not stop a started `fdatasync`.
    ///
    /// ```
    /// use gort_reactor::io::AsyncWriteExt;
    /// # futures::executor::block_on(async {
    /// # let path = std::env::temp_dir().join(format!("gort-doc-sdata-{}", std::process::id()));
    /// let mut file = gort_reactor::fs::File::create(&path).await?;
    /// file.write_all(b"data").await?;
    /// file.sync_data().await?;
    /// # std::fs::remove_file(&path)
    /// # }).unwrap();
    /// ```
    pub async fn sync_data(&self) -> io::Result<()> {
        let _idle = self.idle().await;
        let std = self.std.clone();
        asyncify(move || std.sync_data()).await
    }

    /// Truncates or extends the file to `size` bytes (after pending writes); the position is
    /// unchanged. The file must be open for writing.
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe: if dropped after starting, the resize still happens.
    ///
    /// ```
    /// use gort_reactor::io::AsyncWriteExt;
    /// # futures::executor::block_on(async {
    /// # let path = std::env::temp_dir().join(format!("gort-doc-setlen-{}", std::process::id()));
    /// let mut file = gort_reactor::fs::File::create(&path).await?;
    /// file.write_all(b"hello world").await?;
    /// file.set_len(5).await?;
    /// assert_eq!(std::fs::read(&path)?, b"hello");
    /// # std::fs::remove_file(&path)
    /// # }).unwrap();
    /// ```
    pub async fn set_len(&self, size: u64) -> io::Result<()> {
        let mut inner = self.idle().await;
        let position = inner.run_exclusive(move |file| {
            file.0.set_len(size)?;
            file.stream_position()
        });
        position.await.map(drop)
    }

    /// Returns the file's metadata.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe (it only reads).
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let exe = gort_reactor::fs::File::open(std::env::current_exe()?).await?;
    /// assert!(exe.metadata().await?.is_file());
    /// # Ok::<_, std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn metadata(&self) -> io::Result<Metadata> {
        let std = self.std.clone();
        asyncify(move || std.metadata()).await
    }

    /// Returns a new `File` for the same open file (a duplicated descriptor sharing the
    /// position), after pending writes.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a duplicate made after the future was dropped is closed.
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let file = gort_reactor::fs::File::open(std::env::current_exe()?).await?;
    /// let copy = file.try_clone().await?;
    /// assert_eq!(copy.metadata().await?.len(), file.metadata().await?.len());
    /// # Ok::<_, std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn try_clone(&self) -> io::Result<File> {
        let _idle = self.idle().await;
        let std = self.std.clone();
        let mut file = File::from_std(asyncify(move || std.try_clone()).await?);
        file.set_max_buf_size(self.max_buf_size);
        Ok(file)
    }

    /// Waits for the operation in flight and returns the `std::fs::File`.
    ///
    /// # Panics
    ///
    /// If a blocking job started by an abandoned future (for example a dropped `metadata`)
    /// still holds the file (tokio panics the same way).
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let file = gort_reactor::fs::File::open(std::env::current_exe()?).await?;
    /// let std: std::fs::File = file.into_std().await;
    /// assert!(std.metadata()?.is_file());
    /// # Ok::<_, std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn into_std(mut self) -> StdFile {
        let inner = self.inner.get_mut();
        std::future::poll_fn(|cx| inner.poll_complete_inflight(cx)).await;
        drop(inner.take_idle());
        Arc::try_unwrap(self.std)
            .expect("File::into_std: the file is still in use by a blocking job")
    }

    /// Returns the `std::fs::File` at once if no operation is in flight, or the `File`
    /// unchanged.
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let file = gort_reactor::fs::File::open(std::env::current_exe()?).await?;
    /// let std = file.try_into_std().expect("nothing in flight");
    /// assert!(std.metadata()?.is_file());
    /// # Ok::<_, std::io::Error>(())
    /// # }).unwrap();
    /// ```
    #[allow(clippy::result_large_err)] // tokio's signature
    pub fn try_into_std(mut self) -> Result<StdFile, Self> {
        let Some(parts) = self.inner.get_mut().take_idle() else {
            return Err(self);
        };
        let (shared, parts) = parts.replace_io(());
        drop(shared);
        match Arc::try_unwrap(self.std) {
            Ok(std) => Ok(std),
            Err(std) => {
                let (_, parts) = parts.replace_io(SharedFile(std.clone()));
                self.std = std;
                self.inner.get_mut().put_idle(parts);
                Err(self)
            }
        }
    }

    /// Changes the file's permissions.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future does not stop a started change.
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// # let path = std::env::temp_dir().join(format!("gort-doc-fperm-{}", std::process::id()));
    /// let file = gort_reactor::fs::File::create(&path).await?;
    /// let mut perms = file.metadata().await?.permissions();
    /// perms.set_readonly(true);
    /// file.set_permissions(perms).await?;
    /// assert!(file.metadata().await?.permissions().readonly());
    /// # std::fs::remove_file(&path)
    /// # }).unwrap();
    /// ```
    pub async fn set_permissions(&self, perm: Permissions) -> io::Result<()> {
        let std = self.std.clone();
        asyncify(move || std.set_permissions(perm)).await
    }

    /// Sets the file's access and modification times (after pending writes, so they cannot
    /// overwrite the new times).
    ///
    /// # Cancel safety
    ///
    /// Dropping the future does not stop a started change.
    ///
    /// ```
    /// use std::time::{Duration, SystemTime};
    /// # futures::executor::block_on(async {
    /// # let path = std::env::temp_dir().join(format!("gort-doc-times-{}", std::process::id()));
    /// let file = gort_reactor::fs::File::create(&path).await?;
    /// let then = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
    /// file.set_times(gort_reactor::fs::FileTimes::new().set_modified(then)).await?;
    /// assert_eq!(file.metadata().await?.modified()?, then);
    /// # std::fs::remove_file(&path)
    /// # }).unwrap();
    /// ```
    pub async fn set_times(&self, times: FileTimes) -> io::Result<()> {
        let _idle = self.idle().await;
        let std = self.std.clone();
        asyncify(move || std.set_times(times)).await
    }

    /// Sets the file's modification time; see [`set_times`](File::set_times).
    ///
    /// # Cancel safety
    ///
    /// Dropping the future does not stop a started change.
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// # let path = std::env::temp_dir().join(format!("gort-doc-mtime-{}", std::process::id()));
    /// let file = gort_reactor::fs::File::create(&path).await?;
    /// file.set_modified(std::time::SystemTime::UNIX_EPOCH).await?;
    /// assert_eq!(file.metadata().await?.modified()?, std::time::SystemTime::UNIX_EPOCH);
    /// # std::fs::remove_file(&path)
    /// # }).unwrap();
    /// ```
    pub async fn set_modified(&self, time: std::time::SystemTime) -> io::Result<()> {
        self.set_times(FileTimes::new().set_modified(time)).await
    }

    /// Sets the most bytes one blocking read or write moves (default 2 MiB): a larger write
    /// is reported partially written, a read returns at most this much.
    ///
    /// # Panics
    ///
    /// If `max_buf_size` is 0.
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let mut file = gort_reactor::fs::File::open(std::env::current_exe()?).await?;
    /// file.set_max_buf_size(4096);
    /// assert_eq!(file.max_buf_size(), 4096);
    /// # Ok::<_, std::io::Error>(())
    /// # }).unwrap();
    /// ```
    #[track_caller]
    pub fn set_max_buf_size(&mut self, max_buf_size: usize) {
        assert!(max_buf_size > 0, "`max_buf_size` must be greater than 0");
        self.max_buf_size = max_buf_size;
        self.inner.get_mut().set_max_buf_size(max_buf_size);
    }

    /// The most bytes one blocking read or write moves; see
    /// [`set_max_buf_size`](File::set_max_buf_size).
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let file = gort_reactor::fs::File::open(std::env::current_exe()?).await?;
    /// assert_eq!(file.max_buf_size(), 2 * 1024 * 1024);
    /// # Ok::<_, std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn max_buf_size(&self) -> usize {
        self.max_buf_size
    }
}

impl AsyncRead for File {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        dst: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.get_mut().inner.get_mut().poll_read(cx, dst)
    }
}

impl AsyncWrite for File {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        src: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut()
            .inner
            .get_mut()
            .poll_write(cx, &[IoSlice::new(src)])
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().inner.get_mut().poll_write(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().inner.get_mut().poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().inner.get_mut().poll_flush(cx)
    }
}

impl AsyncSeek for File {
    fn start_seek(self: Pin<&mut Self>, pos: SeekFrom) -> io::Result<()> {
        self.get_mut().inner.get_mut().start_seek(pos)
    }

    fn poll_complete(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
        self.get_mut().inner.get_mut().poll_complete(cx)
    }
}

crate::io::impl_futures_io_read!(File);
crate::io::impl_futures_io_write!(File);

impl futures_io::AsyncSeek for File {
    fn poll_seek(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        pos: SeekFrom,
    ) -> Poll<io::Result<u64>> {
        let this = self.get_mut();
        let inner = this.inner.get_mut();
        if !this.seek_started {
            // Let a write or read in flight finish first, so `start_seek` cannot fail.
            ready!(inner.poll_complete(cx))?;
            inner.start_seek(pos)?;
            this.seek_started = true;
        }
        let result = ready!(inner.poll_complete(cx));
        this.seek_started = false;
        Poll::Ready(result)
    }
}

impl From<StdFile> for File {
    /// Same as [`File::from_std`].
    fn from(std: StdFile) -> Self {
        File::from_std(std)
    }
}

impl std::fmt::Debug for File {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("File").field("std", &self.std).finish()
    }
}

#[cfg(unix)]
mod unix {
    use super::{File, StdFile};
    use std::os::unix::io::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};

    impl AsRawFd for File {
        fn as_raw_fd(&self) -> RawFd {
            self.std.as_raw_fd()
        }
    }

    impl AsFd for File {
        fn as_fd(&self) -> BorrowedFd<'_> {
            self.std.as_fd()
        }
    }

    impl FromRawFd for File {
        /// # Safety
        ///
        /// As `std::fs::File::from_raw_fd`: `fd` must be an open file descriptor that the
        /// new `File` owns.
        unsafe fn from_raw_fd(fd: RawFd) -> Self {
            // SAFETY: the caller upholds `from_raw_fd`'s contract (documented above).
            File::from_std(unsafe { StdFile::from_raw_fd(fd) })
        }
    }

    impl From<OwnedFd> for File {
        fn from(fd: OwnedFd) -> Self {
            File::from_std(StdFile::from(fd))
        }
    }
}
