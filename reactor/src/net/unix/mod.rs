//! Unix-domain sockets: [`UnixListener`], [`UnixStream`] (and its split halves),
//! [`UnixDatagram`].

mod datagram;
mod listener;
mod split;
mod split_owned;
mod stream;

pub use datagram::UnixDatagram;
pub use listener::UnixListener;
pub use split::{ReadHalf, WriteHalf};
pub use split_owned::{OwnedReadHalf, OwnedWriteHalf, ReuniteError};
/// The address of a Unix-domain socket (std's type).
pub use std::os::unix::net::SocketAddr;
pub use stream::UnixStream;
