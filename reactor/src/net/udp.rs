//! [`UdpSocket`].

use crate::driver::ready::Direction;
use crate::driver::registration::PollEvented;
use crate::io::ReadBuf;
use crate::io::Sited;
use crate::net::addr::{each_addr, ToSocketAddrs};
use crate::net::datagram;
use bytes::BufMut;
use std::fmt;
use std::future::Future;
use std::io;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::task::{ready, Context, Poll};

/// A UDP socket, as `tokio::net::UdpSocket`. All methods take `&self`, so one socket can be
/// shared (e.g. in an `Arc`) by a sending and a receiving task.
///
/// ```
/// use gort_reactor::net::UdpSocket;
///
/// async fn echo_once() -> std::io::Result<()> {
///     let socket = UdpSocket::bind("127.0.0.1:0").await?;
///     let mut buf = [0; 1500];
///     let (n, peer) = socket.recv_from(&mut buf).await?;
///     socket.send_to(&buf[..n], peer).await?;
///     Ok(())
/// }
/// ```
pub struct UdpSocket {
    io: PollEvented<mio::net::UdpSocket>,
}

impl UdpSocket {
    /// Binds a socket to `addr` (each resolved address is tried in turn).
    ///
    /// # Panics
    ///
    /// Outside a gort runtime.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// ```
    /// # async fn f() -> std::io::Result<()> {
    /// let s = gort_reactor::net::UdpSocket::bind("127.0.0.1:0").await?;
    /// # Ok(()) }
    /// ```
    pub async fn bind<A: ToSocketAddrs>(addr: A) -> io::Result<UdpSocket> {
        each_addr(addr, |addr| async move {
            UdpSocket::new(mio::net::UdpSocket::bind(addr)?)
        })
        .await
    }

    #[track_caller]
    fn new(socket: mio::net::UdpSocket) -> io::Result<UdpSocket> {
        Ok(UdpSocket {
            io: PollEvented::new(socket)?,
        })
    }

    /// Wraps a std socket (it is switched to non-blocking mode).
    ///
    /// # Panics
    ///
    /// Outside a gort runtime.
    ///
    /// ```
    /// # fn f() -> std::io::Result<()> {
    /// let std_socket = std::net::UdpSocket::bind("127.0.0.1:0")?;
    /// let s = gort_reactor::net::UdpSocket::from_std(std_socket)?;
    /// # Ok(()) }
    /// ```
    #[track_caller]
    pub fn from_std(socket: std::net::UdpSocket) -> io::Result<UdpSocket> {
        socket.set_nonblocking(true)?;
        UdpSocket::new(mio::net::UdpSocket::from_std(socket))
    }

    /// Turns the socket back into a std one (left in non-blocking mode).
    ///
    /// ```
    /// # fn f(s: gort_reactor::net::UdpSocket) -> std::io::Result<()> {
    /// let std_socket = s.into_std()?;
    /// # Ok(()) }
    /// ```
    pub fn into_std(self) -> io::Result<std::net::UdpSocket> {
        use std::os::fd::{FromRawFd, IntoRawFd};
        let fd = self.io.into_inner().into_raw_fd();
        // SAFETY: `fd` was just released by the mio socket, so we own it exclusively.
        Ok(unsafe { std::net::UdpSocket::from_raw_fd(fd) })
    }

    /// The local address.
    ///
    /// ```
    /// # fn f(s: gort_reactor::net::UdpSocket) -> std::io::Result<()> {
    /// println!("{}", s.local_addr()?);
    /// # Ok(()) }
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.io().local_addr()
    }

    /// The address of the connected peer.
    ///
    /// ```
    /// # fn f(s: gort_reactor::net::UdpSocket) -> std::io::Result<()> {
    /// println!("{}", s.peer_addr()?);
    /// # Ok(()) }
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.io().peer_addr()
    }

    /// Sets the default destination for [`send`](Self::send) and the only source
    /// [`recv`](Self::recv) accepts.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// ```
    /// # async fn f(s: gort_reactor::net::UdpSocket) -> std::io::Result<()> {
    /// s.connect("127.0.0.1:9000").await?;
    /// # Ok(()) }
    /// ```
    pub async fn connect<A: ToSocketAddrs>(&self, addr: A) -> io::Result<()> {
        each_addr(addr, |addr| async move { self.io.io().connect(addr) }).await
    }

    /// Sends a datagram to the connected peer.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: if dropped, nothing was sent.
    ///
    /// ```
    /// # async fn f(s: gort_reactor::net::UdpSocket) -> std::io::Result<()> {
    /// s.send(b"ping").await?;
    /// # Ok(()) }
    /// ```
    #[track_caller]
    pub fn send<'a>(
        &'a self,
        buf: &'a [u8],
    ) -> impl std::future::Future<Output = io::Result<usize>> + 'a {
        self.io
            .async_io(Direction::Write.mask(), move |s| s.send(buf))
    }

    /// Receives a datagram from the connected peer (a datagram longer than `buf` is truncated).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: if dropped, no datagram was taken.
    ///
    /// ```
    /// # async fn f(s: gort_reactor::net::UdpSocket) -> std::io::Result<()> {
    /// let mut buf = [0; 1500];
    /// let n = s.recv(&mut buf).await?;
    /// # let _ = n; Ok(()) }
    /// ```
    #[track_caller]
    pub fn recv<'a>(
        &'a self,
        buf: &'a mut [u8],
    ) -> impl std::future::Future<Output = io::Result<usize>> + 'a {
        self.io
            .async_io(Direction::Read.mask(), move |s| s.recv(buf))
    }

    /// Sends a datagram to `target`.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// ```
    /// # async fn f(s: gort_reactor::net::UdpSocket) -> std::io::Result<()> {
    /// s.send_to(b"hi", "127.0.0.1:9000").await?;
    /// # Ok(()) }
    /// ```
    #[track_caller]
    pub fn send_to<'a, A: ToSocketAddrs + 'a>(
        &'a self,
        buf: &'a [u8],
        target: A,
    ) -> impl Future<Output = io::Result<usize>> + 'a {
        Sited::new(each_addr(target, move |addr| async move {
            self.io
                .async_io(Direction::Write.mask(), |s| s.send_to(buf, addr))
                .await
        }))
    }

    /// Receives a datagram and its source address.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// ```
    /// # async fn f(s: gort_reactor::net::UdpSocket) -> std::io::Result<()> {
    /// let mut buf = [0; 1500];
    /// let (n, from) = s.recv_from(&mut buf).await?;
    /// # let _ = (n, from); Ok(()) }
    /// ```
    #[track_caller]
    pub fn recv_from<'a>(
        &'a self,
        buf: &'a mut [u8],
    ) -> impl std::future::Future<Output = io::Result<(usize, SocketAddr)>> + 'a {
        self.io
            .async_io(Direction::Read.mask(), move |s| s.recv_from(buf))
    }

    /// Receives a datagram and its source without removing it from the queue.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// ```
    /// # async fn f(s: gort_reactor::net::UdpSocket) -> std::io::Result<()> {
    /// let mut buf = [0; 1500];
    /// let (n, from) = s.peek_from(&mut buf).await?;
    /// # let _ = (n, from); Ok(()) }
    /// ```
    #[track_caller]
    pub fn peek_from<'a>(
        &'a self,
        buf: &'a mut [u8],
    ) -> impl std::future::Future<Output = io::Result<(usize, SocketAddr)>> + 'a {
        self.io
            .async_io(Direction::Read.mask(), move |s| s.peek_from(buf))
    }

    /// Waits until a datagram can be received.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// ```
    /// # async fn f(s: gort_reactor::net::UdpSocket) -> std::io::Result<()> {
    /// s.readable().await?;
    /// let _ = s.try_recv(&mut [0; 64]);
    /// # Ok(()) }
    /// ```
    #[track_caller]
    pub fn readable(&self) -> impl std::future::Future<Output = io::Result<()>> + '_ {
        self.io.ready_in(Direction::Read)
    }

    /// Waits until a datagram can be sent.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// ```
    /// # async fn f(s: gort_reactor::net::UdpSocket) -> std::io::Result<()> {
    /// s.writable().await?;
    /// # Ok(()) }
    /// ```
    #[track_caller]
    pub fn writable(&self) -> impl std::future::Future<Output = io::Result<()>> + '_ {
        self.io.ready_in(Direction::Write)
    }

    /// Sends to the connected peer without waiting (`WouldBlock` if the buffer is full).
    ///
    /// ```
    /// # fn f(s: &gort_reactor::net::UdpSocket) {
    /// let _ = s.try_send(b"x");
    /// # }
    /// ```
    pub fn try_send(&self, buf: &[u8]) -> io::Result<usize> {
        self.io.try_io(Direction::Write.mask(), |s| s.send(buf))
    }

    /// Receives from the connected peer without waiting.
    ///
    /// ```
    /// # fn f(s: &gort_reactor::net::UdpSocket) {
    /// let _ = s.try_recv(&mut [0; 64]);
    /// # }
    /// ```
    pub fn try_recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.try_io(Direction::Read.mask(), |s| s.recv(buf))
    }

    /// Sends to `target` without waiting.
    ///
    /// ```
    /// # fn f(s: &gort_reactor::net::UdpSocket) {
    /// let _ = s.try_send_to(b"x", "127.0.0.1:9".parse().unwrap());
    /// # }
    /// ```
    pub fn try_send_to(&self, buf: &[u8], target: SocketAddr) -> io::Result<usize> {
        datagram::try_send_to(&self.io, buf, &target)
    }

    /// Receives a datagram and its source without waiting.
    ///
    /// ```
    /// # fn f(s: &gort_reactor::net::UdpSocket) {
    /// let _ = s.try_recv_from(&mut [0; 64]);
    /// # }
    /// ```
    pub fn try_recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        datagram::try_recv_from(&self.io, buf)
    }

    /// Polls to receive from the connected peer into `buf`.
    ///
    /// ```
    /// # fn f(s: &gort_reactor::net::UdpSocket, cx: &mut std::task::Context<'_>) {
    /// let mut storage = [0; 64];
    /// let mut buf = gort_reactor::io::ReadBuf::new(&mut storage);
    /// let _ = s.poll_recv(cx, &mut buf);
    /// # }
    /// ```
    pub fn poll_recv(&self, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        datagram::poll_recv(&self.io, cx, buf)
    }

    /// Polls to send to the connected peer.
    ///
    /// ```
    /// # fn f(s: &gort_reactor::net::UdpSocket, cx: &mut std::task::Context<'_>) {
    /// let _ = s.poll_send(cx, b"x");
    /// # }
    /// ```
    pub fn poll_send(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        datagram::poll_send(&self.io, cx, buf)
    }

    /// Polls to receive a datagram into `buf`, returning its source.
    ///
    /// ```
    /// # fn f(s: &gort_reactor::net::UdpSocket, cx: &mut std::task::Context<'_>) {
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
        datagram::poll_recv_from(&self.io, cx, buf)
    }

    /// Polls to send a datagram to `target`.
    ///
    /// ```
    /// # fn f(s: &gort_reactor::net::UdpSocket, cx: &mut std::task::Context<'_>) {
    /// let _ = s.poll_send_to(cx, b"x", "127.0.0.1:9".parse().unwrap());
    /// # }
    /// ```
    pub fn poll_send_to(
        &self,
        cx: &mut Context<'_>,
        buf: &[u8],
        target: SocketAddr,
    ) -> Poll<io::Result<usize>> {
        datagram::poll_send_to(&self.io, cx, buf, &target)
    }

    /// Receives a datagram from the connected peer into `buf` (a `BufMut`, e.g. a `Vec` with
    /// spare capacity), advancing it.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// ```
    /// # async fn f(s: gort_reactor::net::UdpSocket) -> std::io::Result<()> {
    /// let mut buf = Vec::with_capacity(1500);
    /// let n = s.recv_buf(&mut buf).await?;
    /// assert_eq!(buf.len(), n);
    /// # Ok(()) }
    /// ```
    #[track_caller]
    pub fn recv_buf<'a, B: BufMut>(
        &'a self,
        buf: &'a mut B,
    ) -> impl std::future::Future<Output = io::Result<usize>> + 'a {
        datagram::recv_buf(&self.io, buf)
    }

    /// Receives a datagram and its source into `buf`, advancing it.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// ```
    /// # async fn f(s: gort_reactor::net::UdpSocket) -> std::io::Result<()> {
    /// let mut buf = Vec::with_capacity(1500);
    /// let (n, from) = s.recv_buf_from(&mut buf).await?;
    /// # let _ = (n, from); Ok(()) }
    /// ```
    #[track_caller]
    pub fn recv_buf_from<'a, B: BufMut>(
        &'a self,
        buf: &'a mut B,
    ) -> impl std::future::Future<Output = io::Result<(usize, SocketAddr)>> + 'a {
        datagram::recv_buf_from(&self.io, buf)
    }

    /// Receives from the connected peer into `buf` without waiting.
    ///
    /// ```
    /// # fn f(s: &gort_reactor::net::UdpSocket) {
    /// let _ = s.try_recv_buf(&mut Vec::with_capacity(64));
    /// # }
    /// ```
    pub fn try_recv_buf<B: BufMut>(&self, buf: &mut B) -> io::Result<usize> {
        datagram::try_recv_buf(&self.io, buf)
    }

    /// Receives a datagram and its source into `buf` without waiting.
    ///
    /// ```
    /// # fn f(s: &gort_reactor::net::UdpSocket) {
    /// let _ = s.try_recv_buf_from(&mut Vec::with_capacity(64));
    /// # }
    /// ```
    pub fn try_recv_buf_from<B: BufMut>(&self, buf: &mut B) -> io::Result<(usize, SocketAddr)> {
        datagram::try_recv_buf_from(&self.io, buf)
    }

    /// Peeks at the next datagram and its source without waiting.
    ///
    /// ```
    /// # fn f(s: &gort_reactor::net::UdpSocket) {
    /// let _ = s.try_peek_from(&mut [0; 64]);
    /// # }
    /// ```
    pub fn try_peek_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io.try_io(Direction::Read.mask(), |s| s.peek_from(buf))
    }

    /// Polls to peek at the next datagram (copied into `buf`) and its source.
    ///
    /// ```
    /// # fn f(s: &gort_reactor::net::UdpSocket, cx: &mut std::task::Context<'_>) {
    /// let mut storage = [0; 64];
    /// let mut buf = gort_reactor::io::ReadBuf::new(&mut storage);
    /// let _ = s.poll_peek_from(cx, &mut buf);
    /// # }
    /// ```
    pub fn poll_peek_from(
        &self,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<SocketAddr>> {
        let (n, addr) = ready!(self.io.poll_io(cx, Direction::Read, |s| s
            .peek_from(buf.initialize_unfilled())))?;
        buf.advance(n);
        Poll::Ready(Ok(addr))
    }

    /// The source of the next datagram, without receiving it.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// ```
    /// # async fn f(s: gort_reactor::net::UdpSocket) -> std::io::Result<()> {
    /// let from = s.peek_sender().await?;
    /// # let _ = from; Ok(()) }
    /// ```
    #[track_caller]
    pub fn peek_sender(&self) -> impl std::future::Future<Output = io::Result<SocketAddr>> + '_ {
        self.io.async_io(Direction::Read.mask(), peek_sender)
    }

    /// Polls for the source of the next datagram, without receiving it.
    ///
    /// ```
    /// # fn f(s: &gort_reactor::net::UdpSocket, cx: &mut std::task::Context<'_>) {
    /// let _ = s.poll_peek_sender(cx);
    /// # }
    /// ```
    pub fn poll_peek_sender(&self, cx: &mut Context<'_>) -> Poll<io::Result<SocketAddr>> {
        self.io.poll_io(cx, Direction::Read, peek_sender)
    }

    /// The source of the next datagram, without waiting or receiving it.
    ///
    /// ```
    /// # fn f(s: &gort_reactor::net::UdpSocket) {
    /// let _ = s.try_peek_sender();
    /// # }
    /// ```
    pub fn try_peek_sender(&self) -> io::Result<SocketAddr> {
        self.io.try_io(Direction::Read.mask(), peek_sender)
    }

    /// The `IP_MULTICAST_LOOP` option.
    ///
    /// ```
    /// # fn f(s: &gort_reactor::net::UdpSocket) -> std::io::Result<bool> {
    /// s.multicast_loop_v4()
    /// # }
    /// ```
    pub fn multicast_loop_v4(&self) -> io::Result<bool> {
        self.io.io().multicast_loop_v4()
    }

    /// Sets the `IP_MULTICAST_LOOP` option.
    ///
    /// ```
    /// # fn f(s: &gort_reactor::net::UdpSocket) -> std::io::Result<()> {
    /// s.set_multicast_loop_v4(false)
    /// # }
    /// ```
    pub fn set_multicast_loop_v4(&self, on: bool) -> io::Result<()> {
        self.io.io().set_multicast_loop_v4(on)
    }

    /// The `IP_MULTICAST_TTL` option.
    ///
    /// ```
    /// # fn f(s: &gort_reactor::net::UdpSocket) -> std::io::Result<u32> {
    /// s.multicast_ttl_v4()
    /// # }
    /// ```
    pub fn multicast_ttl_v4(&self) -> io::Result<u32> {
        self.io.io().multicast_ttl_v4()
    }

    /// Sets the `IP_MULTICAST_TTL` option.
    ///
    /// ```
    /// # fn f(s: &gort_reactor::net::UdpSocket) -> std::io::Result<()> {
    /// s.set_multicast_ttl_v4(4)
    /// # }
    /// ```
    pub fn set_multicast_ttl_v4(&self, ttl: u32) -> io::Result<()> {
        self.io.io().set_multicast_ttl_v4(ttl)
    }

    /// The `IPV6_MULTICAST_LOOP` option.
    ///
    /// ```
    /// # fn f(s: &gort_reactor::net::UdpSocket) -> std::io::Result<bool> {
    /// s.multicast_loop_v6()
    /// # }
    /// ```
    pub fn multicast_loop_v6(&self) -> io::Result<bool> {
        self.io.io().multicast_loop_v6()
    }

    /// Sets the `IPV6_MULTICAST_LOOP` option.
    ///
    /// ```
    /// # fn f(s: &gort_reactor::net::UdpSocket) -> std::io::Result<()> {
    /// s.set_multicast_loop_v6(false)
    /// # }
    /// ```
    pub fn set_multicast_loop_v6(&self, on: bool) -> io::Result<()> {
        self.io.io().set_multicast_loop_v6(on)
    }

    /// Joins an IPv4 multicast group on `interface` (`UNSPECIFIED`: the default one).
    ///
    /// ```
    /// # fn f(s: &gort_reactor::net::UdpSocket) -> std::io::Result<()> {
    /// use std::net::Ipv4Addr;
    /// s.join_multicast_v4(Ipv4Addr::new(239, 0, 0, 1), Ipv4Addr::UNSPECIFIED)
    /// # }
    /// ```
    pub fn join_multicast_v4(&self, multiaddr: Ipv4Addr, interface: Ipv4Addr) -> io::Result<()> {
        self.io.io().join_multicast_v4(&multiaddr, &interface)
    }

    /// Joins an IPv6 multicast group on interface index `interface` (0: the default one).
    ///
    /// ```
    /// # fn f(s: &gort_reactor::net::UdpSocket) -> std::io::Result<()> {
    /// s.join_multicast_v6(&"ff02::1".parse().unwrap(), 0)
    /// # }
    /// ```
    pub fn join_multicast_v6(&self, multiaddr: &Ipv6Addr, interface: u32) -> io::Result<()> {
        self.io.io().join_multicast_v6(multiaddr, interface)
    }

    /// Leaves an IPv4 multicast group. See [`join_multicast_v4`](Self::join_multicast_v4).
    ///
    /// ```
    /// # fn f(s: &gort_reactor::net::UdpSocket) -> std::io::Result<()> {
    /// use std::net::Ipv4Addr;
    /// s.leave_multicast_v4(Ipv4Addr::new(239, 0, 0, 1), Ipv4Addr::UNSPECIFIED)
    /// # }
    /// ```
    pub fn leave_multicast_v4(&self, multiaddr: Ipv4Addr, interface: Ipv4Addr) -> io::Result<()> {
        self.io.io().leave_multicast_v4(&multiaddr, &interface)
    }

    /// Leaves an IPv6 multicast group. See [`join_multicast_v6`](Self::join_multicast_v6).
    ///
    /// ```
    /// # fn f(s: &gort_reactor::net::UdpSocket) -> std::io::Result<()> {
    /// s.leave_multicast_v6(&"ff02::1".parse().unwrap(), 0)
    /// # }
    /// ```
    pub fn leave_multicast_v6(&self, multiaddr: &Ipv6Addr, interface: u32) -> io::Result<()> {
        self.io.io().leave_multicast_v6(multiaddr, interface)
    }

    /// Sets `SO_BROADCAST`.
    ///
    /// ```
    /// # fn f(s: &gort_reactor::net::UdpSocket) -> std::io::Result<()> {
    /// s.set_broadcast(true)?;
    /// assert!(s.broadcast()?);
    /// # Ok(()) }
    /// ```
    pub fn set_broadcast(&self, on: bool) -> io::Result<()> {
        self.io.io().set_broadcast(on)
    }

    /// Reads `SO_BROADCAST`.
    ///
    /// ```
    /// # fn f(s: &gort_reactor::net::UdpSocket) -> std::io::Result<bool> {
    /// s.broadcast()
    /// # }
    /// ```
    pub fn broadcast(&self) -> io::Result<bool> {
        self.io.io().broadcast()
    }

    /// The `IP_TTL` option.
    ///
    /// ```
    /// # fn f(s: &gort_reactor::net::UdpSocket) -> std::io::Result<u32> {
    /// s.ttl()
    /// # }
    /// ```
    pub fn ttl(&self) -> io::Result<u32> {
        self.io.io().ttl()
    }

    /// Sets the `IP_TTL` option.
    ///
    /// ```
    /// # fn f(s: &gort_reactor::net::UdpSocket) -> std::io::Result<()> {
    /// s.set_ttl(32)
    /// # }
    /// ```
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        self.io.io().set_ttl(ttl)
    }

    /// Takes the socket's pending error (`SO_ERROR`).
    ///
    /// ```
    /// # fn f(s: &gort_reactor::net::UdpSocket) -> std::io::Result<()> {
    /// assert!(s.take_error()?.is_none());
    /// # Ok(()) }
    /// ```
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.io.io().take_error()
    }
}

/// The next datagram's source, read with `MSG_PEEK` into an empty buffer (the datagram stays
/// queued).
fn peek_sender(socket: &mio::net::UdpSocket) -> io::Result<SocketAddr> {
    socket.peek_from(&mut []).map(|(_, addr)| addr)
}

impl TryFrom<std::net::UdpSocket> for UdpSocket {
    type Error = io::Error;
    fn try_from(socket: std::net::UdpSocket) -> io::Result<UdpSocket> {
        UdpSocket::from_std(socket)
    }
}

impl AsRawFd for UdpSocket {
    fn as_raw_fd(&self) -> RawFd {
        self.io.io().as_raw_fd()
    }
}

impl AsFd for UdpSocket {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.io().as_fd()
    }
}

impl fmt::Debug for UdpSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.io.io().fmt(f)
    }
}

crate::net::readiness_api!(UdpSocket);
crate::net::datagram::datagram_readiness_polls!(UdpSocket);
crate::net::sockopt::traffic_class_options!(UdpSocket);
