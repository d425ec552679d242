//! [`OpenOptions`]: `std::fs::OpenOptions` whose `open` runs on the blocking pool.

use super::{asyncify, File};
use std::io;
use std::path::Path;

/// Options for opening a [`File`], as `tokio::fs::OpenOptions`: the builder methods of
/// `std::fs::OpenOptions` (plus Unix's `mode` and `custom_flags`), and an async
/// [`open`](OpenOptions::open).
///
/// ```
/// use gort_reactor::fs::OpenOptions;
/// use gort_reactor::io::AsyncWriteExt;
/// # futures::executor::block_on(async {
/// # let path = std::env::temp_dir().join(format!("gort-doc-oo-{}", std::process::id()));
/// let mut log = OpenOptions::new().append(true).create(true).open(&path).await?;
/// log.write_all(b"line\n").await?;
/// log.flush().await?;
/// # std::fs::remove_file(&path)
/// # }).unwrap();
/// ```
#[derive(Clone, Debug)]
pub struct OpenOptions(std::fs::OpenOptions);

/// Defines builder methods that set one flag on the wrapped `std::fs::OpenOptions`.
macro_rules! flags {
    ($($(#[$doc:meta])* $name:ident;)*) => { $(
        $(#[$doc])*
        pub fn $name(&mut self, $name: bool) -> &mut OpenOptions {
            self.0.$name($name);
            self
        }
    )* };
}

impl OpenOptions {
    /// Options with every flag off; set at least `read`, `write` or `append`.
    ///
    /// ```
    /// let options = gort_reactor::fs::OpenOptions::new();
    /// # let _ = options;
    /// ```
    pub fn new() -> OpenOptions {
        OpenOptions(std::fs::OpenOptions::new())
    }

    flags! {
        /// Opens for reading.
        ///
        /// ```
        /// gort_reactor::fs::OpenOptions::new().read(true);
        /// ```
        read;
        /// Opens for writing (from the start, without truncating unless `truncate` is set).
        ///
        /// ```
        /// gort_reactor::fs::OpenOptions::new().write(true);
        /// ```
        write;
        /// Opens for appending: every write goes to the end of the file.
        ///
        /// ```
        /// gort_reactor::fs::OpenOptions::new().append(true);
        /// ```
        append;
        /// Truncates the file to 0 bytes when opening it for writing.
        ///
        /// ```
        /// gort_reactor::fs::OpenOptions::new().write(true).truncate(true);
        /// ```
        truncate;
        /// Creates the file if it does not exist (needs `write` or `append`).
        ///
        /// ```
        /// gort_reactor::fs::OpenOptions::new().write(true).create(true);
        /// ```
        create;
        /// Creates the file, failing with `AlreadyExists` if it exists (atomically).
        ///
        /// ```
        /// gort_reactor::fs::OpenOptions::new().write(true).create_new(true);
        /// ```
        create_new;
    }

    /// Opens `path` with these options on the blocking pool.
    ///
    /// Errors are `std::fs::OpenOptions::open`'s: `NotFound` for a missing file without
    /// `create`, `AlreadyExists` with `create_new`, `InvalidInput` for invalid combinations.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future does not stop the blocking `open`; a file it opened is closed.
    ///
    /// ```
    /// use gort_reactor::fs::OpenOptions;
    /// # futures::executor::block_on(async {
    /// let err = OpenOptions::new().read(true).open("no/such/file").await.unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
    /// # });
    /// ```
    pub async fn open(&self, path: impl AsRef<Path>) -> io::Result<File> {
        let path = path.as_ref().to_owned();
        let options = self.0.clone();
        let std = asyncify(move || options.open(path)).await?;
        Ok(File::from_std(std))
    }

    /// Sets the permission bits a newly created file gets (before the umask), as
    /// `std::os::unix::fs::OpenOptionsExt::mode`; the default is `0o666`.
    ///
    /// ```
    /// gort_reactor::fs::OpenOptions::new().write(true).create(true).mode(0o600);
    /// ```
    #[cfg(unix)]
    pub fn mode(&mut self, mode: u32) -> &mut OpenOptions {
        std::os::unix::fs::OpenOptionsExt::mode(&mut self.0, mode);
        self
    }

    /// Adds `open(2)` flags (for example `libc::O_NOFOLLOW`), as
    /// `std::os::unix::fs::OpenOptionsExt::custom_flags`; the access-mode bits are ignored.
    ///
    /// ```
    /// gort_reactor::fs::OpenOptions::new().read(true).custom_flags(0);
    /// ```
    #[cfg(unix)]
    pub fn custom_flags(&mut self, flags: i32) -> &mut OpenOptions {
        std::os::unix::fs::OpenOptionsExt::custom_flags(&mut self.0, flags);
        self
    }
}

impl Default for OpenOptions {
    /// Same as [`OpenOptions::new`].
    fn default() -> Self {
        Self::new()
    }
}

impl From<std::fs::OpenOptions> for OpenOptions {
    /// Wraps options already built with std's builder (including its platform extensions).
    fn from(options: std::fs::OpenOptions) -> Self {
        OpenOptions(options)
    }
}
