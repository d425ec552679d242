//! tokio's names for the split halves of a [`UnixStream`] (the halves themselves are
//! `net::split`'s, shared with TCP streams).

use super::{SocketAddr, UnixStream};

/// The read half of [`UnixStream::split`].
pub type ReadHalf<'a> = crate::net::split::ReadHalf<'a, UnixStream>;
/// The write half of [`UnixStream::split`].
pub type WriteHalf<'a> = crate::net::split::WriteHalf<'a, UnixStream>;
/// The read half of [`UnixStream::into_split`].
pub type OwnedReadHalf = crate::net::split::OwnedReadHalf<UnixStream>;
/// The write half of [`UnixStream::into_split`].
pub type OwnedWriteHalf = crate::net::split::OwnedWriteHalf<UnixStream>;
crate::net::split::reunite_error!(UnixStream);

crate::net::split::impl_split_stream!(UnixStream, SocketAddr, ReuniteError);
