//! What UDP and Unix datagram sockets share: the `poll_*`, `*_buf` and `try_*` families run the
//! same readiness loop over a different syscall, so they are written once here over
//! [`Datagram`] and each socket type forwards to them.

use crate::driver::ready::Direction;
use crate::driver::registration::PollEvented;
use crate::io::ReadBuf;
use crate::net::fill_buf_mut;
use bytes::BufMut;
use std::io;
use std::task::{ready, Context, Poll};

/// A mio datagram socket: its four syscalls, with its own address types.
pub(crate) trait Datagram: mio::event::Source {
    /// The address `recv_from` reports.
    type Addr;
    /// What `send_to` sends to (an IP address, a filesystem path).
    type Target: ?Sized;
    fn send(&self, buf: &[u8]) -> io::Result<usize>;
    fn recv(&self, buf: &mut [u8]) -> io::Result<usize>;
    fn send_to(&self, buf: &[u8], target: &Self::Target) -> io::Result<usize>;
    fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, Self::Addr)>;
}

impl Datagram for mio::net::UdpSocket {
    type Addr = std::net::SocketAddr;
    type Target = std::net::SocketAddr;
    fn send(&self, buf: &[u8]) -> io::Result<usize> {
        mio::net::UdpSocket::send(self, buf)
    }
    fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        mio::net::UdpSocket::recv(self, buf)
    }
    fn send_to(&self, buf: &[u8], target: &Self::Target) -> io::Result<usize> {
        mio::net::UdpSocket::send_to(self, buf, *target)
    }
    fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, Self::Addr)> {
        mio::net::UdpSocket::recv_from(self, buf)
    }
}

impl Datagram for mio::net::UnixDatagram {
    type Addr = std::os::unix::net::SocketAddr;
    type Target = std::path::Path;
    fn send(&self, buf: &[u8]) -> io::Result<usize> {
        mio::net::UnixDatagram::send(self, buf)
    }
    fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        mio::net::UnixDatagram::recv(self, buf)
    }
    fn send_to(&self, buf: &[u8], target: &Self::Target) -> io::Result<usize> {
        mio::net::UnixDatagram::send_to(self, buf, target)
    }
    fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, Self::Addr)> {
        mio::net::UnixDatagram::recv_from(self, buf)
    }
}

pub(crate) fn poll_recv<E: Datagram>(
    io: &PollEvented<E>,
    cx: &mut Context<'_>,
    buf: &mut ReadBuf<'_>,
) -> Poll<io::Result<()>> {
    let n = ready!(io.poll_io(cx, Direction::Read, |s| s.recv(buf.initialize_unfilled())))?;
    buf.advance(n);
    Poll::Ready(Ok(()))
}

pub(crate) fn poll_recv_from<E: Datagram>(
    io: &PollEvented<E>,
    cx: &mut Context<'_>,
    buf: &mut ReadBuf<'_>,
) -> Poll<io::Result<E::Addr>> {
    let (n, addr) = ready!(io.poll_io(cx, Direction::Read, |s| s
        .recv_from(buf.initialize_unfilled())))?;
    buf.advance(n);
    Poll::Ready(Ok(addr))
}

pub(crate) fn poll_send<E: Datagram>(
    io: &PollEvented<E>,
    cx: &mut Context<'_>,
    buf: &[u8],
) -> Poll<io::Result<usize>> {
    io.poll_io(cx, Direction::Write, |s| s.send(buf))
}

pub(crate) fn poll_send_to<E: Datagram>(
    io: &PollEvented<E>,
    cx: &mut Context<'_>,
    buf: &[u8],
    target: &E::Target,
) -> Poll<io::Result<usize>> {
    io.poll_io(cx, Direction::Write, |s| s.send_to(buf, target))
}

#[track_caller]
pub(crate) fn recv_buf<'a, E: Datagram, B: BufMut>(
    io: &'a PollEvented<E>,
    buf: &'a mut B,
) -> impl std::future::Future<Output = io::Result<usize>> + 'a {
    let recv = io.async_io(Direction::Read.mask(), move |s| {
        fill_buf_mut(buf, |b| s.recv(b).map(|n| (n, ())))
    });
    async move { recv.await.map(|(n, ())| n) }
}

#[track_caller]
pub(crate) fn recv_buf_from<'a, E: Datagram, B: BufMut>(
    io: &'a PollEvented<E>,
    buf: &'a mut B,
) -> impl std::future::Future<Output = io::Result<(usize, E::Addr)>> + 'a {
    io.async_io(Direction::Read.mask(), move |s| {
        fill_buf_mut(buf, |b| s.recv_from(b))
    })
}

pub(crate) fn try_recv_buf<E: Datagram, B: BufMut>(
    io: &PollEvented<E>,
    buf: &mut B,
) -> io::Result<usize> {
    io.try_io(Direction::Read.mask(), |s| {
        fill_buf_mut(buf, |b| s.recv(b).map(|n| (n, ())))
    })
    .map(|(n, ())| n)
}

pub(crate) fn try_recv_buf_from<E: Datagram, B: BufMut>(
    io: &PollEvented<E>,
    buf: &mut B,
) -> io::Result<(usize, E::Addr)> {
    io.try_io(Direction::Read.mask(), |s| {
        fill_buf_mut(buf, |b| s.recv_from(b))
    })
}

pub(crate) fn try_recv_from<E: Datagram>(
    io: &PollEvented<E>,
    buf: &mut [u8],
) -> io::Result<(usize, E::Addr)> {
    io.try_io(Direction::Read.mask(), |s| s.recv_from(buf))
}

pub(crate) fn try_send_to<E: Datagram>(
    io: &PollEvented<E>,
    buf: &[u8],
    target: &E::Target,
) -> io::Result<usize> {
    io.try_io(Direction::Write.mask(), |s| s.send_to(buf, target))
}

/// `poll_recv_ready`/`poll_send_ready` (tokio's names for the datagram sockets' readiness
/// polls) for a socket type whose registration is the field `io`.
macro_rules! datagram_readiness_polls {
    ($ty:ident) => {
        impl $ty {
            /// Polls until a datagram can be received (only the last task to poll is woken;
            /// use [`readable`](Self::readable) from several tasks).
            ///
            /// ```
            #[doc = concat!("# fn f(s: &gort_reactor::net::", stringify!($ty), ", cx: &mut std::task::Context<'_>) {")]
            /// let _ = s.poll_recv_ready(cx);
            /// # }
            /// ```
            pub fn poll_recv_ready(
                &self,
                cx: &mut ::std::task::Context<'_>,
            ) -> ::std::task::Poll<::std::io::Result<()>> {
                self.io
                    .poll_ready(cx, $crate::driver::ready::Direction::Read)
                    .map(|r| r.map(drop))
            }

            /// Polls until a datagram can be sent (only the last task to poll is woken).
            ///
            /// ```
            #[doc = concat!("# fn f(s: &gort_reactor::net::", stringify!($ty), ", cx: &mut std::task::Context<'_>) {")]
            /// let _ = s.poll_send_ready(cx);
            /// # }
            /// ```
            pub fn poll_send_ready(
                &self,
                cx: &mut ::std::task::Context<'_>,
            ) -> ::std::task::Poll<::std::io::Result<()>> {
                self.io
                    .poll_ready(cx, $crate::driver::ready::Direction::Write)
                    .map(|r| r.map(drop))
            }
        }
    };
}
pub(crate) use datagram_readiness_polls;
