//! tokio's names for the split halves of a [`TcpStream`] (the halves themselves are
//! `net::split`'s, shared with Unix streams), and TCP's `peek` on the read halves.

use super::TcpStream;
use std::io;

/// The read half of [`TcpStream::split`].
pub type ReadHalf<'a> = crate::net::split::ReadHalf<'a, TcpStream>;
/// The write half of [`TcpStream::split`].
pub type WriteHalf<'a> = crate::net::split::WriteHalf<'a, TcpStream>;
/// The read half of [`TcpStream::into_split`].
pub type OwnedReadHalf = crate::net::split::OwnedReadHalf<TcpStream>;
/// The write half of [`TcpStream::into_split`].
pub type OwnedWriteHalf = crate::net::split::OwnedWriteHalf<TcpStream>;
crate::net::split::reunite_error!(TcpStream);

crate::net::split::impl_split_stream!(TcpStream, std::net::SocketAddr, ReuniteError);

impl ReadHalf<'_> {
    /// Peeks at incoming data without consuming it. See [`TcpStream::peek`].
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// ```
    /// # async fn f(mut s: gort_reactor::net::TcpStream) -> std::io::Result<()> {
    /// let (mut rd, _) = s.split();
    /// let _ = rd.peek(&mut [0; 8]).await?;
    /// # Ok(()) }
    /// ```
    #[track_caller]
    pub fn peek<'a>(
        &'a mut self,
        buf: &'a mut [u8],
    ) -> impl std::future::Future<Output = io::Result<usize>> + 'a {
        self.0.peek(buf)
    }
}

impl OwnedReadHalf {
    /// Peeks at incoming data without consuming it. See [`TcpStream::peek`].
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// ```
    /// # async fn f(s: gort_reactor::net::TcpStream) -> std::io::Result<()> {
    /// let (mut rd, _) = s.into_split();
    /// let _ = rd.peek(&mut [0; 4]).await?;
    /// # Ok(()) }
    /// ```
    #[track_caller]
    pub fn peek<'a>(
        &'a mut self,
        buf: &'a mut [u8],
    ) -> impl std::future::Future<Output = io::Result<usize>> + 'a {
        self.inner.peek(buf)
    }
}
