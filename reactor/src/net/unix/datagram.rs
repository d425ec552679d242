//! [`UnixDatagram`].

use super::SocketAddr;
use crate::driver::ready::{Direction, Ready};
use crate::driver::registration::PollEvented;
use std::fmt;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::path::Path;
use std::task::{ready, Context, Poll};

use crate::io::ReadBuf;
use crate::net::spare::recv_into_spare;

/// A Unix-domain datagram socket, as `tokio::net::UnixDatagram`.
///
/// ```
/// use gort_reactor::net::UnixDatagram;
///
/// async fn ping() -> std::io::Result<()> {
///     let (a, b) = UnixDatagram::pair()?;
///     a.send(b"ping").await?;
///     let mut buf = [0; 16];
///     let n = b.recv(&mut buf).await?;
///     assert_eq!(&buf[..n], b"ping");
///     Ok(())
/// }
/// ```
pub struct UnixDatagram {
    io: PollEvented<mio::net::UnixDatagram>,
}

impl UnixDatagram {
    #[track_caller]
    fn new(socket: mio::net::UnixDatagram) -> io::Result<UnixDatagram> {
        Ok(UnixDatagram {
            io: PollEvented::new(socket)?,
        })
    }

    /// Binds a socket to `path`.
    ///
    /// # Panics
    ///
    /// Outside a gort runtime.
    ///
    /// ```
    /// # fn f() -> std::io::Result<()> {
    /// let s = gort_reactor::net::UnixDatagram::bind("/tmp/gort-dgram.sock")?;
    /// # Ok(()) }
    /// ```
    #[track_caller]
    pub fn bind<P: AsRef<Path>>(path: P) -> io::Result<UnixDatagram> {
        UnixDatagram::new(mio::net::UnixDatagram::bind(path)?)
    }

    /// A socket bound to no address.
    ///
    /// # Panics
    ///
    /// Outside a gort runtime.
    ///
    /// ```
    /// # fn f() -> std::io::Result<()> {
    /// let s = gort_reactor::net::UnixDatagram::unbound()?;
    /// # Ok(()) }
    /// ```
    #[track_caller]
    pub fn unbound() -> io::Result<UnixDatagram> {
        UnixDatagram::new(mio::net::UnixDatagram::unbound()?)
    }

    /// A connected pair of sockets.
    ///
    /// # Panics
    ///
    /// Outside a gort runtime.
    ///
    /// ```
    /// # fn f() -> std::io::Result<()> {
    /// let (a, b) = gort_reactor::net::UnixDatagram::pair()?;
    /// # Ok(()) }
    /// ```
    #[track_caller]
    pub fn pair() -> io::Result<(UnixDatagram, UnixDatagram)> {
        let (a, b) = mio::net::UnixDatagram::pair()?;
        let (a, b) = (UnixDatagram::new(a)?, UnixDatagram::new(b)?);
        // Fresh, empty buffers: both ends can send at once (see `PollEvented::assume_ready`).
        a.io.assume_ready(Ready::WRITABLE);
        b.io.assume_ready(Ready::WRITABLE);
        Ok((a, b))
    }

    /// Wraps a std socket (it is switched to non-blocking mode).
    ///
    /// # Panics
    ///
    /// Outside a gort runtime.
    ///
    /// ```
    /// # fn f() -> std::io::Result<()> {
    /// let (a, _b) = std::os::unix::net::UnixDatagram::pair()?;
    /// let a = gort_reactor::net::UnixDatagram::from_std(a)?;
    /// # Ok(()) }
    /// ```
    #[track_caller]
    pub fn from_std(socket: std::os::unix::net::UnixDatagram) -> io::Result<UnixDatagram> {
        socket.set_nonblocking(true)?;
        UnixDatagram::new(mio::net::UnixDatagram::from_std(socket))
    }

    /// Turns the socket back into a std one (left in non-blocking mode).
    ///
    /// ```
    /// # fn f(s: gort_reactor::net::UnixDatagram) -> std::io::Result<()> {
    /// let std_s = s.into_std()?;
    /// # Ok(()) }
    /// ```
    pub fn into_std(self) -> io::Result<std::os::unix::net::UnixDatagram> {
        use std::os::fd::{FromRawFd, IntoRawFd};
        let fd = self.io.into_inner().into_raw_fd();
        // SAFETY: `fd` was just released by the mio socket, so we own it exclusively.
        Ok(unsafe { std::os::unix::net::UnixDatagram::from_raw_fd(fd) })
    }

    /// Sets the default destination for [`send`](Self::send).
    ///
    /// ```
    /// # fn f(s: gort_reactor::net::UnixDatagram) -> std::io::Result<()> {
    /// s.connect("/tmp/peer.sock")?;
    /// # Ok(()) }
    /// ```
    pub fn connect<P: AsRef<Path>>(&self, path: P) -> io::Result<()> {
        self.io.io().connect(path)
    }

    /// Sends a datagram to the connected peer.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// ```
    /// # async fn f(s: gort_reactor::net::UnixDatagram) -> std::io::Result<()> {
    /// s.send(b"x").await?;
    /// # Ok(()) }
    /// ```
    pub async fn send(&self, buf: &[u8]) -> io::Result<usize> {
        self.io
            .async_io(Direction::Write.mask(), |s| s.send(buf))
            .await
    }

    /// Receives a datagram from the connected peer.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// ```
    /// # async fn f(s: gort_reactor::net::UnixDatagram) -> std::io::Result<()> {
    /// let n = s.recv(&mut [0; 64]).await?;
    /// # let _ = n; Ok(()) }
    /// ```
    pub async fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io
            .async_io(Direction::Read.mask(), |s| s.recv(buf))
            .await
    }

    /// Sends a datagram to the socket at `path`.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// ```
    /// # async fn f(s: gort_reactor::net::UnixDatagram) -> std::io::Result<()> {
    /// s.send_to(b"x", "/tmp/peer.sock").await?;
    /// # Ok(()) }
    /// ```
    pub async fn send_to<P: AsRef<Path>>(&self, buf: &[u8], path: P) -> io::Result<usize> {
        let path = path.as_ref();
        self.io
            .async_io(Direction::Write.mask(), |s| s.send_to(buf, path))
            .await
    }

    /// Receives a datagram and its source address.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// ```
    /// # async fn f(s: gort_reactor::net::UnixDatagram) -> std::io::Result<()> {
    /// let (n, from) = s.recv_from(&mut [0; 64]).await?;
    /// # let _ = (n, from); Ok(()) }
    /// ```
    pub async fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io
            .async_io(Direction::Read.mask(), |s| s.recv_from(buf))
            .await
    }

    /// Sends without waiting.
    ///
    /// ```
    /// # fn f(s: &gort_reactor::net::UnixDatagram) {
    /// let _ = s.try_send(b"x");
    /// # }
    /// ```
    pub fn try_send(&self, buf: &[u8]) -> io::Result<usize> {
        self.io.try_io(Direction::Write.mask(), |s| s.send(buf))
    }

    /// Receives without waiting.
    ///
    /// ```
    /// # fn f(s: &gort_reactor::net::UnixDatagram) {
    /// let _ = s.try_recv(&mut [0; 64]);
    /// # }
    /// ```
    pub fn try_recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.try_io(Direction::Read.mask(), |s| s.recv(buf))
    }

    /// Waits until a datagram can be received.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// ```
    /// # async fn f(s: gort_reactor::net::UnixDatagram) -> std::io::Result<()> {
    /// s.readable().await?;
    /// # Ok(()) }
    /// ```
    pub async fn readable(&self) -> io::Result<()> {
        self.io.readiness(Direction::Read.mask()).await.map(drop)
    }

    /// Waits until a datagram can be sent.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// ```
    /// # async fn f(s: gort_reactor::net::UnixDatagram) -> std::io::Result<()> {
    /// s.writable().await?;
    /// # Ok(()) }
    /// ```
    pub async fn writable(&self) -> io::Result<()> {
        self.io.readiness(Direction::Write.mask()).await.map(drop)
    }

    /// The local address.
    ///
    /// ```
    /// # fn f(s: gort_reactor::net::UnixDatagram) -> std::io::Result<()> {
    /// println!("{:?}", s.local_addr()?);
    /// # Ok(()) }
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.io().local_addr()
    }

    /// The connected peer's address.
    ///
    /// ```
    /// # fn f(s: gort_reactor::net::UnixDatagram) -> std::io::Result<()> {
    /// println!("{:?}", s.peer_addr()?);
    /// # Ok(()) }
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.io().peer_addr()
    }

    /// Shuts down the read, write or both directions.
    ///
    /// ```
    /// # fn f(s: gort_reactor::net::UnixDatagram) -> std::io::Result<()> {
    /// s.shutdown(std::net::Shutdown::Both)?;
    /// # Ok(()) }
    /// ```
    pub fn shutdown(&self, how: std::net::Shutdown) -> io::Result<()> {
        self.io.io().shutdown(how)
    }

    /// Takes the socket's pending error (`SO_ERROR`).
    ///
    /// ```
    /// # fn f(s: &gort_reactor::net::UnixDatagram) -> std::io::Result<()> {
    /// assert!(s.take_error()?.is_none());
    /// # Ok(()) }
    /// ```
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.io.io().take_error()
    }
}

impl AsRawFd for UnixDatagram {
    fn as_raw_fd(&self) -> RawFd {
        self.io.io().as_raw_fd()
    }
}

impl AsFd for UnixDatagram {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.io().as_fd()
    }
}

impl fmt::Debug for UnixDatagram {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.io.io().fmt(f)
    }
}

crate::net::readiness_api!(UnixDatagram);

/// The polling, `try_` and `BufMut` forms of sending and receiving, as tokio's.
impl UnixDatagram {
    /// Sends to the socket at `path` without waiting: `WouldBlock` if the socket is not ready.
    ///
    /// ```
    /// # fn f(s: &gort_reactor::net::UnixDatagram) {
    /// let _ = s.try_send_to(b"x", "/tmp/peer.sock");
    /// # }
    /// ```
    pub fn try_send_to<P: AsRef<Path>>(&self, buf: &[u8], path: P) -> io::Result<usize> {
        let path = path.as_ref();
        self.io
            .try_io(Direction::Write.mask(), |s| s.send_to(buf, path))
    }

    /// Receives a datagram and its source without waiting.
    ///
    /// ```
    /// # fn f(s: &gort_reactor::net::UnixDatagram) {
    /// let _ = s.try_recv_from(&mut [0; 64]);
    /// # }
    /// ```
    pub fn try_recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io.try_io(Direction::Read.mask(), |s| s.recv_from(buf))
    }

    /// Receives from the connected peer into `buf`'s spare capacity, advancing it.
    ///
    /// # Cancel safety
    /// Cancel safe: a datagram is taken only when the future completes.
    ///
    /// ```
    /// # async fn f(s: &gort_reactor::net::UnixDatagram) -> std::io::Result<()> {
    /// let mut buf = Vec::with_capacity(64);
    /// let n = s.recv_buf(&mut buf).await?;
    /// assert_eq!(buf.len(), n);
    /// # Ok(()) }
    /// ```
    pub async fn recv_buf<B: bytes::BufMut>(&self, buf: &mut B) -> io::Result<usize> {
        self.io
            .async_io(Direction::Read.mask(), |s| {
                recv_into_spare(buf, |spare| s.recv(spare).map(|n| (n, ())))
            })
            .await
            .map(|(n, ())| n)
    }

    /// Receives a datagram and its source into `buf`'s spare capacity, advancing it.
    ///
    /// # Cancel safety
    /// Cancel safe: a datagram is taken only when the future completes.
    ///
    /// ```
    /// # async fn f(s: &gort_reactor::net::UnixDatagram) -> std::io::Result<()> {
    /// let mut buf = Vec::with_capacity(64);
    /// let (n, _from) = s.recv_buf_from(&mut buf).await?;
    /// assert_eq!(buf.len(), n);
    /// # Ok(()) }
    /// ```
    pub async fn recv_buf_from<B: bytes::BufMut>(
        &self,
        buf: &mut B,
    ) -> io::Result<(usize, SocketAddr)> {
        self.io
            .async_io(Direction::Read.mask(), |s| {
                recv_into_spare(buf, |spare| s.recv_from(spare))
            })
            .await
    }

    /// As [`recv_buf`](Self::recv_buf), without waiting: `WouldBlock` if nothing is ready.
    ///
    /// ```
    /// # fn f(s: &gort_reactor::net::UnixDatagram) {
    /// let mut buf = Vec::with_capacity(64);
    /// let _ = s.try_recv_buf(&mut buf);
    /// # }
    /// ```
    pub fn try_recv_buf<B: bytes::BufMut>(&self, buf: &mut B) -> io::Result<usize> {
        self.io
            .try_io(Direction::Read.mask(), |s| {
                recv_into_spare(buf, |spare| s.recv(spare).map(|n| (n, ())))
            })
            .map(|(n, ())| n)
    }

    /// As [`recv_buf_from`](Self::recv_buf_from), without waiting.
    ///
    /// ```
    /// # fn f(s: &gort_reactor::net::UnixDatagram) {
    /// let mut buf = Vec::with_capacity(64);
    /// let _ = s.try_recv_buf_from(&mut buf);
    /// # }
    /// ```
    pub fn try_recv_buf_from<B: bytes::BufMut>(
        &self,
        buf: &mut B,
    ) -> io::Result<(usize, SocketAddr)> {
        self.io.try_io(Direction::Read.mask(), |s| {
            recv_into_spare(buf, |spare| s.recv_from(spare))
        })
    }

    /// Polls for read readiness (only the last task to poll is woken).
    ///
    /// ```
    /// # fn f(s: &gort_reactor::net::UnixDatagram, cx: &mut std::task::Context<'_>) {
    /// let _ = s.poll_recv_ready(cx);
    /// # }
    /// ```
    pub fn poll_recv_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io.poll_ready(cx, Direction::Read).map_ok(drop)
    }

    /// Polls for write readiness (only the last task to poll is woken).
    ///
    /// ```
    /// # fn f(s: &gort_reactor::net::UnixDatagram, cx: &mut std::task::Context<'_>) {
    /// let _ = s.poll_send_ready(cx);
    /// # }
    /// ```
    pub fn poll_send_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io.poll_ready(cx, Direction::Write).map_ok(drop)
    }

    /// Polls to receive from the connected peer into `buf`.
    ///
    /// ```
    /// # fn f(s: &gort_reactor::net::UnixDatagram, cx: &mut std::task::Context<'_>) {
    /// let mut storage = [0; 64];
    /// let mut buf = gort_reactor::io::ReadBuf::new(&mut storage);
    /// let _ = s.poll_recv(cx, &mut buf);
    /// # }
    /// ```
    pub fn poll_recv(&self, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        self.poll_recv_from(cx, buf).map_ok(drop)
    }

    /// Polls to receive a datagram into `buf`, returning its source.
    ///
    /// ```
    /// # fn f(s: &gort_reactor::net::UnixDatagram, cx: &mut std::task::Context<'_>) {
    /// let mut storage = [0; 64];
    /// let mut buf = gort_reactor::io::ReadBuf::new(&mut storage);
    /// let _ = s.poll_recv_from(cx, &mut buf);
    /// # }
    /// ```
    pub fn poll_recv_from(
        &self,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<SocketAddr>> {
        let (n, from) = ready!(self.io.poll_io(cx, Direction::Read, |s| s
            .recv_from(buf.initialize_unfilled())))?;
        buf.advance(n);
        Poll::Ready(Ok(from))
    }

    /// Polls to send to the connected peer.
    ///
    /// ```
    /// # fn f(s: &gort_reactor::net::UnixDatagram, cx: &mut std::task::Context<'_>) {
    /// let _ = s.poll_send(cx, b"x");
    /// # }
    /// ```
    pub fn poll_send(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.io.poll_io(cx, Direction::Write, |s| s.send(buf))
    }

    /// Polls to send a datagram to the socket at `path`.
    ///
    /// ```
    /// # fn f(s: &gort_reactor::net::UnixDatagram, cx: &mut std::task::Context<'_>) {
    /// let _ = s.poll_send_to(cx, b"x", "/tmp/peer.sock");
    /// # }
    /// ```
    pub fn poll_send_to<P: AsRef<Path>>(
        &self,
        cx: &mut Context<'_>,
        buf: &[u8],
        path: P,
    ) -> Poll<io::Result<usize>> {
        let path = path.as_ref();
        self.io
            .poll_io(cx, Direction::Write, |s| s.send_to(buf, path))
    }
}

#[cfg(all(test, not(loom), not(miri)))]
mod tests {
    use super::*;
    use crate::test_block_on::block_on;
    use std::future::poll_fn;
    use std::time::Duration;

    #[test]
    fn buf_poll_and_try_forms_move_whole_datagrams() {
        block_on(Duration::from_secs(10), async {
            let dir = std::env::temp_dir().join(format!("gort-udg-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            let (a_path, b_path) = (dir.join("a"), dir.join("b"));
            let a = UnixDatagram::bind(&a_path).unwrap();
            let b = UnixDatagram::bind(&b_path).unwrap();

            poll_fn(|cx| a.poll_send_ready(cx)).await.unwrap();
            let sent = poll_fn(|cx| a.poll_send_to(cx, b"one", &b_path)).await;
            assert_eq!(sent.unwrap(), 3);
            let mut storage = [0u8; 16];
            let mut buf = ReadBuf::new(&mut storage);
            let from = poll_fn(|cx| b.poll_recv_from(cx, &mut buf)).await.unwrap();
            assert_eq!(buf.filled(), b"one");
            assert_eq!(from.as_pathname(), Some(a_path.as_path()));

            a.send_to(b"two", &b_path).await.unwrap();
            let mut vec = Vec::with_capacity(16);
            let (n, from) = b.recv_buf_from(&mut vec).await.unwrap();
            assert_eq!((n, vec.as_slice()), (3, &b"two"[..]));
            assert_eq!(from.as_pathname(), Some(a_path.as_path()));

            b.connect(&a_path).unwrap();
            b.send(b"three").await.unwrap();
            poll_fn(|cx| a.poll_recv_ready(cx)).await.unwrap();
            let mut vec = Vec::new();
            assert_eq!(a.try_recv_buf(&mut vec).unwrap(), 5);
            assert_eq!(vec, b"three");
            let err = a.try_recv_buf_from(&mut vec).unwrap_err();
            assert_eq!(
                err.kind(),
                io::ErrorKind::WouldBlock,
                "nothing left to read"
            );

            assert_eq!(a.try_send_to(b"four", &b_path).unwrap(), 4);
            b.readable().await.unwrap();
            let (n, _) = b.try_recv_from(&mut storage).unwrap();
            assert_eq!(&storage[..n], b"four");
            std::fs::remove_dir_all(&dir).unwrap();
        });
    }
}
