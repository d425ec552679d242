//! Unix-domain sockets: [`UnixListener`], [`UnixStream`] (and its split halves),
//! [`UnixDatagram`], and [`pipe`] (pipes and FIFOs).

mod datagram;
mod listener;
pub mod pipe;
mod socket;
mod split;
mod stream;
mod ucred;

pub use datagram::UnixDatagram;
pub use listener::UnixListener;
pub use socket::UnixSocket;
pub use split::{OwnedReadHalf, OwnedWriteHalf, ReadHalf, ReuniteError, WriteHalf};
/// The address of a Unix-domain socket (std's type).
pub use std::os::unix::net::SocketAddr;
pub use stream::UnixStream;
pub use ucred::UCred;

/// A path whose first byte is NUL names a Linux abstract socket (as tokio): its address,
/// else `None` (an ordinary filesystem path).
fn abstract_addr(path: &std::path::Path) -> std::io::Result<Option<SocketAddr>> {
    use std::os::unix::ffi::OsStrExt;
    match path.as_os_str().as_bytes() {
        #[cfg(any(target_os = "linux", target_os = "android"))]
        [0, name @ ..] => {
            #[cfg(target_os = "android")]
            use std::os::android::net::SocketAddrExt;
            #[cfg(target_os = "linux")]
            use std::os::linux::net::SocketAddrExt;
            SocketAddr::from_abstract_name(name).map(Some)
        }
        _ => Ok(None),
    }
}
