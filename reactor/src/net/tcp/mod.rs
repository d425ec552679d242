//! TCP: [`TcpListener`], [`TcpStream`] and the halves of a split stream.
//!
//! [`TcpStream::split`] borrows the stream and gives a [`ReadHalf`] and a [`WriteHalf`] that
//! can be used at the same time in one task; [`TcpStream::into_split`] gives owned halves
//! ([`OwnedReadHalf`], [`OwnedWriteHalf`]) that can move to different tasks and be put back
//! together with [`OwnedReadHalf::reunite`].

mod listener;
mod socket;
mod split;
mod stream;

pub use listener::TcpListener;
pub use socket::TcpSocket;
pub use split::{OwnedReadHalf, OwnedWriteHalf, ReadHalf, ReuniteError, WriteHalf};
pub use stream::TcpStream;
