//! [`DirBuilder`]: `std::fs::DirBuilder`'s options, with an async `create`.

use super::asyncify;
use std::io;
use std::path::Path;

/// Creates directories with options (recursive, Unix mode), as `tokio::fs::DirBuilder`.
///
/// ```
/// use gort_reactor::fs::DirBuilder;
/// # futures::executor::block_on(async {
/// # let dir = std::env::temp_dir().join(format!("gort-doc-dirb-{}", std::process::id()));
/// DirBuilder::new().recursive(true).create(dir.join("x/y")).await?;
/// assert!(dir.join("x/y").is_dir());
/// # std::fs::remove_dir_all(&dir)
/// # }).unwrap();
/// ```
#[derive(Debug, Default, Clone)]
pub struct DirBuilder {
    recursive: bool,
    #[cfg(unix)]
    mode: Option<u32>,
}

impl DirBuilder {
    /// A builder that creates one directory (not its parents) with the default mode.
    ///
    /// ```
    /// let builder = gort_reactor::fs::DirBuilder::new();
    /// # let _ = builder;
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether to create missing parents too (and succeed if the directory exists).
    ///
    /// ```
    /// gort_reactor::fs::DirBuilder::new().recursive(true);
    /// ```
    pub fn recursive(&mut self, recursive: bool) -> &mut Self {
        self.recursive = recursive;
        self
    }

    /// Sets the permission bits of the new directories (before the umask; default `0o777`).
    ///
    /// ```
    /// gort_reactor::fs::DirBuilder::new().mode(0o700);
    /// ```
    #[cfg(unix)]
    pub fn mode(&mut self, mode: u32) -> &mut Self {
        self.mode = Some(mode);
        self
    }

    /// Creates the directory at `path` with these options.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future does not stop a started creation.
    ///
    /// ```
    /// use gort_reactor::fs::DirBuilder;
    /// # futures::executor::block_on(async {
    /// # let dir = std::env::temp_dir().join(format!("gort-doc-dirc-{}", std::process::id()));
    /// let err = DirBuilder::new().create(dir.join("missing/parent")).await.unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
    /// # });
    /// ```
    pub async fn create(&self, path: impl AsRef<Path>) -> io::Result<()> {
        let path = path.as_ref().to_owned();
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(self.recursive);
        #[cfg(unix)]
        if let Some(mode) = self.mode {
            std::os::unix::fs::DirBuilderExt::mode(&mut builder, mode);
        }
        asyncify(move || builder.create(path)).await
    }
}
