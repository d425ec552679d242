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

mod accept_backoff;
mod addr;
mod datagram;
mod sockopt;
mod split;
pub mod tcp;
mod udp;
pub mod unix;

#[cfg(all(test, not(loom), not(miri)))]
mod tests;

pub use addr::{lookup_host, ToSocketAddrs};
pub use tcp::{TcpListener, TcpSocket, TcpStream};
pub use udp::UdpSocket;
pub use unix::{UnixDatagram, UnixListener, UnixSocket, UnixStream};

use crate::driver::ready::Direction;
use crate::driver::registration::PollEvented;
use crate::io::ReadBuf;
use bytes::BufMut;
use std::io::{self, IoSlice, Write};
use std::mem::MaybeUninit;
use std::os::fd::{AsRawFd, RawFd};
use std::task::{ready, Context, Poll};

/// Runs `op` on the next chunk of `buf` (zeroed first, so it is initialized) and advances `buf`
/// by the byte count `op` returns.
pub(crate) fn fill_buf_mut<B, R>(
    buf: &mut B,
    op: impl FnOnce(&mut [u8]) -> io::Result<(usize, R)>,
) -> io::Result<(usize, R)>
where
    B: BufMut + ?Sized,
{
    let chunk = buf.chunk_mut();
    // SAFETY: `UninitSlice` is a `[MaybeUninit<u8>]` in disguise; the ReadBuf over it only ever
    // initializes bytes.
    let mut read_buf = ReadBuf::uninit(unsafe { chunk.as_uninit_slice_mut() });
    let (n, r) = op(read_buf.initialize_unfilled())?;
    assert!(
        n <= read_buf.remaining(),
        "a syscall reported more bytes than it was given"
    );
    // SAFETY: the whole chunk was initialized above, so its first `n` bytes are.
    unsafe { buf.advance_mut(n) };
    Ok((n, r))
}

/// Reads into `buf`'s unfilled part once the source is readable.
///
/// The bytes go straight into the unfilled part, initialized or not (one `read(2)`): zeroing it
/// first would cost a memset of the whole spare capacity per read, which for hyper's 8 KiB+ read
/// buffer (handed over uninitialized every time) is more than the syscall's own copy.
pub(crate) fn poll_read_buf<E>(
    io: &PollEvented<E>,
    cx: &mut Context<'_>,
    buf: &mut ReadBuf<'_>,
) -> Poll<io::Result<()>>
where
    E: mio::event::Source + AsRawFd,
{
    if buf.remaining() == 0 {
        return Poll::Ready(Ok(()));
    }
    let len = buf.remaining();
    let n = ready!(io.poll_io_drain(
        cx,
        Direction::Read,
        // SAFETY: the kernel only writes into the unfilled part (never reads it, never
        // de-initializes a byte) and reports how many bytes it wrote.
        |e| read_uninit(e.as_raw_fd(), unsafe { buf.unfilled_mut() }),
        |&n| n > 0 && n < len,
    ))?;
    // SAFETY: `read_uninit` wrote the first `n` bytes of the unfilled part.
    unsafe { buf.assume_init(n) };
    buf.advance(n);
    Poll::Ready(Ok(()))
}

/// One `read(2)` on `fd` into possibly uninitialized memory; the byte count it wrote.
fn read_uninit(fd: RawFd, dst: &mut [MaybeUninit<u8>]) -> io::Result<usize> {
    // SAFETY: `dst` is valid for writes of `dst.len()` bytes for the whole call, and `read`
    // writes nothing beyond that length.
    let n = unsafe { libc::read(fd, dst.as_mut_ptr().cast(), dst.len()) };
    if n < 0 {
        return Err(io::Error::last_os_error());
    }
    let n = n as usize;
    assert!(
        n <= dst.len(),
        "read(2) reported more bytes than it was given"
    );
    Ok(n)
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
            #[track_caller]
            pub fn ready(
                &self,
                interest: $crate::io::Interest,
            ) -> impl ::std::future::Future<Output = ::std::io::Result<$crate::io::Ready>> + '_ {
                let mask = $crate::driver::ready::Ready::from_interest(interest);
                let wait = self.io.readiness(mask);
                async move { Ok(wait.await?.ready.to_public()) }
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
            #[track_caller]
            pub fn async_io<'a, R: 'a>(
                &'a self,
                interest: $crate::io::Interest,
                mut f: impl FnMut() -> ::std::io::Result<R> + 'a,
            ) -> impl ::std::future::Future<Output = ::std::io::Result<R>> + 'a {
                let mask = $crate::driver::ready::Ready::from_interest(interest);
                self.io.async_io(mask, move |_| f())
            }
        }
    };
}
pub(crate) use readiness_api;

/// tokio's non-blocking `try_*` reads and writes for a stream socket type whose registration is
/// the field `io`: each runs once if the socket looks ready, else returns `WouldBlock`.
macro_rules! stream_try_io {
    ($ty:ident) => {
        impl $ty {
            /// Reads without waiting: `WouldBlock` if no data is available yet; `Ok(0)` is EOF.
            ///
            /// ```
            #[doc = concat!("# fn f(s: &gort_reactor::net::", stringify!($ty), ") {")]
            /// let mut buf = [0; 16];
            /// match s.try_read(&mut buf) {
            ///     Ok(n) => println!("{n}"),
            ///     Err(e) => assert_eq!(e.kind(), std::io::ErrorKind::WouldBlock),
            /// }
            /// # }
            /// ```
            pub fn try_read(&self, buf: &mut [u8]) -> ::std::io::Result<usize> {
                use ::std::io::Read;
                self.io
                    .try_io($crate::driver::ready::Direction::Read.mask(), |mut s| {
                        s.read(buf)
                    })
            }

            /// Vectored [`try_read`](Self::try_read).
            ///
            /// ```
            #[doc = concat!("# fn f(s: &gort_reactor::net::", stringify!($ty), ") {")]
            /// let (mut a, mut b) = ([0; 4], [0; 4]);
            /// let _ = s.try_read_vectored(&mut [std::io::IoSliceMut::new(&mut a), std::io::IoSliceMut::new(&mut b)]);
            /// # }
            /// ```
            pub fn try_read_vectored(
                &self,
                bufs: &mut [::std::io::IoSliceMut<'_>],
            ) -> ::std::io::Result<usize> {
                use ::std::io::Read;
                self.io
                    .try_io($crate::driver::ready::Direction::Read.mask(), |mut s| {
                        s.read_vectored(bufs)
                    })
            }

            /// [`try_read`](Self::try_read) into a `BufMut` (e.g. a `Vec` with spare
            /// capacity), advancing it.
            ///
            /// ```
            #[doc = concat!("# fn f(s: &gort_reactor::net::", stringify!($ty), ") {")]
            /// let mut buf = Vec::with_capacity(4096);
            /// if let Ok(n) = s.try_read_buf(&mut buf) {
            ///     assert_eq!(buf.len(), n);
            /// }
            /// # }
            /// ```
            pub fn try_read_buf<B: ::bytes::BufMut>(
                &self,
                buf: &mut B,
            ) -> ::std::io::Result<usize> {
                use ::std::io::Read;
                self.io
                    .try_io($crate::driver::ready::Direction::Read.mask(), |mut s| {
                        $crate::net::fill_buf_mut(buf, |b| s.read(b).map(|n| (n, ())))
                    })
                    .map(|(n, ())| n)
            }

            /// Writes without waiting: `WouldBlock` if the send buffer is full.
            ///
            /// ```
            #[doc = concat!("# fn f(s: &gort_reactor::net::", stringify!($ty), ") {")]
            /// let _ = s.try_write(b"hello");
            /// # }
            /// ```
            pub fn try_write(&self, buf: &[u8]) -> ::std::io::Result<usize> {
                use ::std::io::Write;
                self.io
                    .try_io($crate::driver::ready::Direction::Write.mask(), |mut s| {
                        s.write(buf)
                    })
            }

            /// Vectored [`try_write`](Self::try_write).
            ///
            /// ```
            #[doc = concat!("# fn f(s: &gort_reactor::net::", stringify!($ty), ") {")]
            /// let _ = s.try_write_vectored(&[std::io::IoSlice::new(b"a"), std::io::IoSlice::new(b"b")]);
            /// # }
            /// ```
            pub fn try_write_vectored(
                &self,
                bufs: &[::std::io::IoSlice<'_>],
            ) -> ::std::io::Result<usize> {
                use ::std::io::Write;
                self.io
                    .try_io($crate::driver::ready::Direction::Write.mask(), |mut s| {
                        s.write_vectored(bufs)
                    })
            }
        }
    };
}
pub(crate) use stream_try_io;
