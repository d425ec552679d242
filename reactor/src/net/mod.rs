//! TCP, UDP and Unix-domain sockets on the reactor, with tokio's API.
//!
//! Each socket is a non-blocking mio socket registered once with the current runtime's driver
//! (edge-triggered, read and write interest). An operation waits for readiness, tries the
//! syscall, and on `WouldBlock` clears the readiness it saw and waits again; every wait charges
//! the task's cooperative budget, so a task reading a fast socket still yields. Sockets
//! deregister when dropped. Host names in addresses are resolved on the blocking pool
//! ([`ToSocketAddrs`]).
//!
//! ```no_run
//! use gort_reactor::io::{AsyncReadExt, AsyncWriteExt};
//! use gort_reactor::net::TcpListener;
//!
//! # async fn serve() -> std::io::Result<()> {
//! let listener = TcpListener::bind("127.0.0.1:8080").await?;
//! loop {
//!     let (mut socket, _) = listener.accept().await?;
//!     // spawn a task per connection; here: echo once
//!     let mut buf = [0; 1024];
//!     let n = socket.read(&mut buf).await?;
//!     socket.write_all(&buf[..n]).await?;
//! }
//! # }
//! ```

mod addr;
mod sockopt;
pub mod tcp;
mod udp;
pub mod unix;

#[cfg(all(test, not(loom), not(miri)))]
mod tests;

pub use addr::{lookup_host, ToSocketAddrs};
pub use tcp::{TcpListener, TcpSocket, TcpStream};
pub use udp::UdpSocket;
pub use unix::{UnixDatagram, UnixListener, UnixStream};

use crate::driver::ready::Direction;
use crate::driver::registration::PollEvented;
use crate::io::ReadBuf;
use std::io::{self, IoSlice, Read, Write};
use std::task::{ready, Context, Poll};

/// Reads into `buf`'s unfilled part once the source is readable.
pub(crate) fn poll_read_buf<E>(
    io: &PollEvented<E>,
    cx: &mut Context<'_>,
    buf: &mut ReadBuf<'_>,
) -> Poll<io::Result<()>>
where
    E: mio::event::Source,
    for<'a> &'a E: Read,
{
    if buf.remaining() == 0 {
        return Poll::Ready(Ok(()));
    }
    let len = buf.remaining();
    let n = ready!(io.poll_io_drain(
        cx,
        Direction::Read,
        |mut e| e.read(buf.initialize_unfilled()),
        |&n| n > 0 && n < len,
    ))?;
    buf.advance(n);
    Poll::Ready(Ok(()))
}

/// Writes `data` once the source is writable.
pub(crate) fn poll_write_buf<E>(
    io: &PollEvented<E>,
    cx: &mut Context<'_>,
    data: &[u8],
) -> Poll<io::Result<usize>>
where
    E: mio::event::Source,
    for<'a> &'a E: Write,
{
    io.poll_io_drain(
        cx,
        Direction::Write,
        |mut e| e.write(data),
        |&n| n > 0 && n < data.len(),
    )
}

/// Writes `bufs` (one `writev`) once the source is writable.
pub(crate) fn poll_write_vectored_buf<E>(
    io: &PollEvented<E>,
    cx: &mut Context<'_>,
    bufs: &[IoSlice<'_>],
) -> Poll<io::Result<usize>>
where
    E: mio::event::Source,
    for<'a> &'a E: Write,
{
    let len: usize = bufs.iter().map(|b| b.len()).sum();
    io.poll_io_drain(
        cx,
        Direction::Write,
        |mut e| e.write_vectored(bufs),
        |&n| n > 0 && n < len,
    )
}

/// `futures_io::{AsyncRead, AsyncWrite}` for the borrowed split halves (`ReadHalf<'_>`,
/// `WriteHalf<'_>`), forwarding to gort's traits.
macro_rules! futures_io_for_borrowed_halves {
    ($read:ident, $write:ident) => {
        impl ::futures_io::AsyncRead for $read<'_> {
            fn poll_read(
                self: ::std::pin::Pin<&mut Self>,
                cx: &mut ::std::task::Context<'_>,
                buf: &mut [u8],
            ) -> ::std::task::Poll<::std::io::Result<usize>> {
                $crate::io::compat::poll_read_slice(self, cx, buf)
            }
        }

        impl ::futures_io::AsyncWrite for $write<'_> {
            fn poll_write(
                self: ::std::pin::Pin<&mut Self>,
                cx: &mut ::std::task::Context<'_>,
                buf: &[u8],
            ) -> ::std::task::Poll<::std::io::Result<usize>> {
                $crate::io::AsyncWrite::poll_write(self, cx, buf)
            }

            fn poll_write_vectored(
                self: ::std::pin::Pin<&mut Self>,
                cx: &mut ::std::task::Context<'_>,
                bufs: &[::std::io::IoSlice<'_>],
            ) -> ::std::task::Poll<::std::io::Result<usize>> {
                $crate::io::AsyncWrite::poll_write_vectored(self, cx, bufs)
            }

            fn poll_flush(
                self: ::std::pin::Pin<&mut Self>,
                cx: &mut ::std::task::Context<'_>,
            ) -> ::std::task::Poll<::std::io::Result<()>> {
                $crate::io::AsyncWrite::poll_flush(self, cx)
            }

            fn poll_close(
                self: ::std::pin::Pin<&mut Self>,
                cx: &mut ::std::task::Context<'_>,
            ) -> ::std::task::Poll<::std::io::Result<()>> {
                $crate::io::AsyncWrite::poll_shutdown(self, cx)
            }
        }
    };
}
pub(crate) use futures_io_for_borrowed_halves;

/// tokio's readiness API (`ready`, `try_io`, `async_io`) for a socket type whose registration
/// is the field `io`.
macro_rules! readiness_api {
    ($ty:ident) => {
        impl $ty {
            /// Waits until the socket is ready for any of `interest` and returns the readiness
            /// seen (it is not cleared: follow with a `try_*` call, which clears it on
            /// `WouldBlock`).
            ///
            /// # Cancel safety
            ///
            /// Cancel safe.
            ///
            /// ```
            /// use gort_reactor::io::Interest;
            #[doc = concat!("# async fn f(s: gort_reactor::net::", stringify!($ty), ") -> std::io::Result<()> {")]
            /// let ready = s.ready(Interest::READABLE | Interest::WRITABLE).await?;
            /// if ready.is_readable() { /* try a read */ }
            /// # Ok(()) }
            /// ```
            pub async fn ready(
                &self,
                interest: $crate::io::Interest,
            ) -> ::std::io::Result<$crate::io::Ready> {
                let mask = $crate::driver::ready::Ready::from_interest(interest);
                let event = self.io.readiness(mask).await?;
                Ok(event.ready.to_public())
            }

            /// Runs `f` (a non-blocking operation on the raw socket) if the socket looks ready
            /// for `interest`; a `WouldBlock` from `f` clears that readiness. Returns
            /// `WouldBlock` without calling `f` if the socket is not ready.
            ///
            /// ```
            /// use gort_reactor::io::Interest;
            #[doc = concat!("# fn f(s: &gort_reactor::net::", stringify!($ty), ") {")]
            /// let r = s.try_io(Interest::READABLE, || Err::<(), _>(std::io::ErrorKind::WouldBlock.into()));
            /// assert!(r.is_err());
            /// # }
            /// ```
            pub fn try_io<R>(
                &self,
                interest: $crate::io::Interest,
                f: impl FnOnce() -> ::std::io::Result<R>,
            ) -> ::std::io::Result<R> {
                let mask = $crate::driver::ready::Ready::from_interest(interest);
                self.io.try_io(mask, |_| f())
            }

            /// Waits for `interest` and runs `f` until it does not return `WouldBlock`.
            ///
            /// # Cancel safety
            ///
            /// Cancel safe as long as `f` is (it only runs when polled).
            ///
            /// ```
            /// use gort_reactor::io::Interest;
            #[doc = concat!("# async fn f(s: gort_reactor::net::", stringify!($ty), ") -> std::io::Result<()> {")]
            /// s.async_io(Interest::WRITABLE, || Ok(())).await?;
            /// # Ok(()) }
            /// ```
            pub async fn async_io<R>(
                &self,
                interest: $crate::io::Interest,
                mut f: impl FnMut() -> ::std::io::Result<R>,
            ) -> ::std::io::Result<R> {
                let mask = $crate::driver::ready::Ready::from_interest(interest);
                self.io.async_io(mask, |_| f()).await
            }
        }
    };
}
pub(crate) use readiness_api;
