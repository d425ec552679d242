//! The one-shot functions: each moves its arguments into one `std::fs` call on the blocking
//! pool ([`asyncify`](super::asyncify)).
//!
//! Cancel safety (all of them): dropping the future does not stop the blocking call, which
//! runs to completion; only its result is lost.

use super::asyncify;
use std::fs::{Metadata, Permissions};
use std::io;
use std::path::{Path, PathBuf};

/// Reads the whole file into a `Vec<u8>`, as `std::fs::read`.
///
/// ```
/// # futures::executor::block_on(async {
/// # let dir = std::env::temp_dir().join(format!("gort-doc-read-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir)?;
/// let path = dir.join("data.bin");
/// gort_reactor::fs::write(&path, [1u8, 2, 3]).await?;
/// assert_eq!(gort_reactor::fs::read(&path).await?, [1, 2, 3]);
/// # std::fs::remove_dir_all(&dir)
/// # }).unwrap();
/// ```
pub async fn read(path: impl AsRef<Path>) -> io::Result<Vec<u8>> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::read(path)).await
}

/// Reads the whole file into a `String`, as `std::fs::read_to_string` (an
/// [`InvalidData`](io::ErrorKind::InvalidData) error if it is not UTF-8).
///
/// ```
/// # futures::executor::block_on(async {
/// # let dir = std::env::temp_dir().join(format!("gort-doc-rts-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir)?;
/// let path = dir.join("note.txt");
/// gort_reactor::fs::write(&path, "hi").await?;
/// assert_eq!(gort_reactor::fs::read_to_string(&path).await?, "hi");
/// # std::fs::remove_dir_all(&dir)
/// # }).unwrap();
/// ```
pub async fn read_to_string(path: impl AsRef<Path>) -> io::Result<String> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::read_to_string(path)).await
}

/// Creates or truncates the file and writes `contents` to it, as `std::fs::write`.
///
/// ```
/// # futures::executor::block_on(async {
/// # let dir = std::env::temp_dir().join(format!("gort-doc-write-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir)?;
/// let path = dir.join("out.txt");
/// gort_reactor::fs::write(&path, b"first").await?;
/// gort_reactor::fs::write(&path, b"second").await?;
/// assert_eq!(std::fs::read(&path)?, b"second");
/// # std::fs::remove_dir_all(&dir)
/// # }).unwrap();
/// ```
pub async fn write(path: impl AsRef<Path>, contents: impl AsRef<[u8]>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    let contents = contents.as_ref().to_owned();
    asyncify(move || std::fs::write(path, contents)).await
}

/// Creates a directory; its parent must exist. See [`create_dir_all`] and
/// [`DirBuilder`](super::DirBuilder).
///
/// ```
/// # futures::executor::block_on(async {
/// # let dir = std::env::temp_dir().join(format!("gort-doc-mkdir-{}", std::process::id()));
/// gort_reactor::fs::create_dir(&dir).await?;
/// assert!(dir.is_dir());
/// # std::fs::remove_dir(&dir)
/// # }).unwrap();
/// ```
pub async fn create_dir(path: impl AsRef<Path>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::create_dir(path)).await
}

/// Creates a directory and every missing parent, as `std::fs::create_dir_all`; succeeds if
/// it already exists.
///
/// ```
/// # futures::executor::block_on(async {
/// # let dir = std::env::temp_dir().join(format!("gort-doc-mkdirs-{}", std::process::id()));
/// gort_reactor::fs::create_dir_all(dir.join("a/b/c")).await?;
/// assert!(dir.join("a/b/c").is_dir());
/// # std::fs::remove_dir_all(&dir)
/// # }).unwrap();
/// ```
pub async fn create_dir_all(path: impl AsRef<Path>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::create_dir_all(path)).await
}

/// Removes a file (not a directory).
///
/// ```
/// # futures::executor::block_on(async {
/// # let path = std::env::temp_dir().join(format!("gort-doc-rm-{}", std::process::id()));
/// std::fs::write(&path, "x")?;
/// gort_reactor::fs::remove_file(&path).await?;
/// assert!(!path.exists());
/// # Ok::<_, std::io::Error>(())
/// # }).unwrap();
/// ```
pub async fn remove_file(path: impl AsRef<Path>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::remove_file(path)).await
}

/// Removes an empty directory.
///
/// ```
/// # futures::executor::block_on(async {
/// # let dir = std::env::temp_dir().join(format!("gort-doc-rmdir-{}", std::process::id()));
/// std::fs::create_dir(&dir)?;
/// gort_reactor::fs::remove_dir(&dir).await?;
/// assert!(!dir.exists());
/// # Ok::<_, std::io::Error>(())
/// # }).unwrap();
/// ```
pub async fn remove_dir(path: impl AsRef<Path>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::remove_dir(path)).await
}

/// Removes a directory and everything in it (without following symlinks), as
/// `std::fs::remove_dir_all`.
///
/// ```
/// # futures::executor::block_on(async {
/// # let dir = std::env::temp_dir().join(format!("gort-doc-rmall-{}", std::process::id()));
/// std::fs::create_dir_all(dir.join("sub"))?;
/// std::fs::write(dir.join("sub/file"), "x")?;
/// gort_reactor::fs::remove_dir_all(&dir).await?;
/// assert!(!dir.exists());
/// # Ok::<_, std::io::Error>(())
/// # }).unwrap();
/// ```
pub async fn remove_dir_all(path: impl AsRef<Path>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::remove_dir_all(path)).await
}

/// Renames a file or directory, replacing `to` if it exists (as `std::fs::rename`).
///
/// ```
/// # futures::executor::block_on(async {
/// # let dir = std::env::temp_dir().join(format!("gort-doc-mv-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir)?;
/// std::fs::write(dir.join("a"), "x")?;
/// gort_reactor::fs::rename(dir.join("a"), dir.join("b")).await?;
/// assert_eq!(std::fs::read_to_string(dir.join("b"))?, "x");
/// # std::fs::remove_dir_all(&dir)
/// # }).unwrap();
/// ```
pub async fn rename(from: impl AsRef<Path>, to: impl AsRef<Path>) -> io::Result<()> {
    let (from, to) = (from.as_ref().to_owned(), to.as_ref().to_owned());
    asyncify(move || std::fs::rename(from, to)).await
}

/// Copies a file's contents and permissions; returns the number of bytes copied.
///
/// ```
/// # futures::executor::block_on(async {
/// # let dir = std::env::temp_dir().join(format!("gort-doc-cp-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir)?;
/// std::fs::write(dir.join("a"), "hello")?;
/// assert_eq!(gort_reactor::fs::copy(dir.join("a"), dir.join("b")).await?, 5);
/// assert_eq!(std::fs::read_to_string(dir.join("b"))?, "hello");
/// # std::fs::remove_dir_all(&dir)
/// # }).unwrap();
/// ```
pub async fn copy(from: impl AsRef<Path>, to: impl AsRef<Path>) -> io::Result<u64> {
    let (from, to) = (from.as_ref().to_owned(), to.as_ref().to_owned());
    asyncify(move || std::fs::copy(from, to)).await
}

/// Creates a hard link `link` to the existing file `original`.
///
/// ```
/// # futures::executor::block_on(async {
/// # let dir = std::env::temp_dir().join(format!("gort-doc-ln-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir)?;
/// std::fs::write(dir.join("a"), "x")?;
/// gort_reactor::fs::hard_link(dir.join("a"), dir.join("b")).await?;
/// assert_eq!(std::fs::read_to_string(dir.join("b"))?, "x");
/// # std::fs::remove_dir_all(&dir)
/// # }).unwrap();
/// ```
pub async fn hard_link(original: impl AsRef<Path>, link: impl AsRef<Path>) -> io::Result<()> {
    let (original, link) = (original.as_ref().to_owned(), link.as_ref().to_owned());
    asyncify(move || std::fs::hard_link(original, link)).await
}

/// Creates a symbolic link `link` pointing at `original` (Unix; `original` need not exist).
///
/// ```
/// # futures::executor::block_on(async {
/// # let dir = std::env::temp_dir().join(format!("gort-doc-symlink-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir)?;
/// gort_reactor::fs::symlink("target.txt", dir.join("link")).await?;
/// assert_eq!(std::fs::read_link(dir.join("link"))?, std::path::Path::new("target.txt"));
/// # std::fs::remove_dir_all(&dir)
/// # }).unwrap();
/// ```
#[cfg(unix)]
pub async fn symlink(original: impl AsRef<Path>, link: impl AsRef<Path>) -> io::Result<()> {
    let (original, link) = (original.as_ref().to_owned(), link.as_ref().to_owned());
    asyncify(move || std::os::unix::fs::symlink(original, link)).await
}

/// Reads the target of a symbolic link.
///
/// ```
/// # futures::executor::block_on(async {
/// # let dir = std::env::temp_dir().join(format!("gort-doc-readlink-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir)?;
/// std::os::unix::fs::symlink("elsewhere", dir.join("link"))?;
/// let target = gort_reactor::fs::read_link(dir.join("link")).await?;
/// assert_eq!(target, std::path::Path::new("elsewhere"));
/// # std::fs::remove_dir_all(&dir)
/// # }).unwrap();
/// ```
pub async fn read_link(path: impl AsRef<Path>) -> io::Result<PathBuf> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::read_link(path)).await
}

/// Returns the absolute, normalized path with every symlink resolved (the path must exist).
///
/// ```
/// # futures::executor::block_on(async {
/// let here = gort_reactor::fs::canonicalize(".").await?;
/// assert!(here.is_absolute());
/// # Ok::<_, std::io::Error>(())
/// # }).unwrap();
/// ```
pub async fn canonicalize(path: impl AsRef<Path>) -> io::Result<PathBuf> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::canonicalize(path)).await
}

/// Returns the metadata of a file or directory, following symlinks.
///
/// ```
/// # futures::executor::block_on(async {
/// let meta = gort_reactor::fs::metadata(std::env::temp_dir()).await?;
/// assert!(meta.is_dir());
/// # Ok::<_, std::io::Error>(())
/// # }).unwrap();
/// ```
pub async fn metadata(path: impl AsRef<Path>) -> io::Result<Metadata> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::metadata(path)).await
}

/// Returns the metadata of a path without following a final symlink.
///
/// ```
/// # futures::executor::block_on(async {
/// # let dir = std::env::temp_dir().join(format!("gort-doc-lstat-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir)?;
/// std::os::unix::fs::symlink("missing", dir.join("link"))?;
/// let meta = gort_reactor::fs::symlink_metadata(dir.join("link")).await?;
/// assert!(meta.file_type().is_symlink());
/// # std::fs::remove_dir_all(&dir)
/// # }).unwrap();
/// ```
pub async fn symlink_metadata(path: impl AsRef<Path>) -> io::Result<Metadata> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::symlink_metadata(path)).await
}

/// Changes the permissions of a file or directory.
///
/// ```
/// # futures::executor::block_on(async {
/// # let path = std::env::temp_dir().join(format!("gort-doc-chmod-{}", std::process::id()));
/// std::fs::write(&path, "x")?;
/// let mut perms = std::fs::metadata(&path)?.permissions();
/// perms.set_readonly(true);
/// gort_reactor::fs::set_permissions(&path, perms).await?;
/// assert!(std::fs::metadata(&path)?.permissions().readonly());
/// # std::fs::remove_file(&path)
/// # }).unwrap();
/// ```
pub async fn set_permissions(path: impl AsRef<Path>, perm: Permissions) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::set_permissions(path, perm)).await
}

/// Whether a path exists: `Ok(false)` for a missing path (or a broken symlink), an error
/// when that cannot be known (for example a permission error), as `std::fs::exists`.
///
/// ```
/// # futures::executor::block_on(async {
/// assert!(gort_reactor::fs::try_exists(std::env::temp_dir()).await?);
/// assert!(!gort_reactor::fs::try_exists("no/such/path").await?);
/// # Ok::<_, std::io::Error>(())
/// # }).unwrap();
/// ```
pub async fn try_exists(path: impl AsRef<Path>) -> io::Result<bool> {
    let path = path.as_ref().to_owned();
    asyncify(move || path.try_exists()).await
}
