//! Unix-domain sockets: [`UnixListener`], [`UnixStream`] (and its split halves),
//! [`UnixDatagram`].

mod datagram;
mod listener;
mod split;
mod split_owned;
mod stream;
mod ucred;

pub use datagram::UnixDatagram;
pub use listener::UnixListener;
pub use split::{ReadHalf, WriteHalf};
pub use split_owned::{OwnedReadHalf, OwnedWriteHalf, ReuniteError};
/// The address of a Unix-domain socket (std's type).
pub use std::os::unix::net::SocketAddr;
pub use stream::UnixStream;
pub use ucred::UCred;

/// A path whose first byte is NUL names a socket in Linux's abstract namespace (as tokio and
/// the `socket(7)` convention read it): the address to use instead of the path, if so.
#[cfg(any(target_os = "linux", target_os = "android"))]
fn abstract_name(path: &std::path::Path) -> std::io::Result<Option<SocketAddr>> {
    #[cfg(target_os = "android")]
    use std::os::android::net::SocketAddrExt;
    #[cfg(target_os = "linux")]
    use std::os::linux::net::SocketAddrExt;
    use std::os::unix::ffi::OsStrExt;
    match path.as_os_str().as_bytes() {
        [0, name @ ..] => SocketAddr::from_abstract_name(name).map(Some),
        _ => Ok(None),
    }
}

/// Other platforms have no abstract namespace: every path is a path.
#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn abstract_name(_path: &std::path::Path) -> std::io::Result<Option<SocketAddr>> {
    Ok(None)
}
