//! The split halves of a stream socket, written once for TCP and Unix streams.
//!
//! [`ReadHalf`]/[`WriteHalf`] borrow the stream (no `Arc`, no lock: reads and writes of a
//! socket never touch the same state, so `&self` suffices for both); [`OwnedReadHalf`]/
//! [`OwnedWriteHalf`] share it through an `Arc` so each half can move to its own task. Each is
//! generic over the stream `S`; `net::tcp` and `net::unix` name them for their stream, with
//! tokio's names (`tcp::ReadHalf<'a>`, `unix::OwnedWriteHalf`, …), and add what only one kind
//! has (TCP's `peek`).

use crate::io::{AsyncRead, AsyncWrite, ReadBuf};
use std::future::Future;
use std::io::{self, IoSlice};
use std::net::Shutdown;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

/// What the halves need from a stream socket (implemented by `TcpStream` and `UnixStream`).
///
/// Public only so it can bound the half types; it cannot be implemented outside this crate.
pub trait SplitStream: sealed::Sealed + Sized {
    /// The socket's address type.
    type Addr;
    /// What `reunite` returns for halves of different streams.
    type ReuniteError: std::error::Error;
    #[doc(hidden)]
    fn reunite_error(read: OwnedReadHalf<Self>, write: OwnedWriteHalf<Self>) -> Self::ReuniteError;
    #[doc(hidden)]
    fn local_addr(&self) -> io::Result<Self::Addr>;
    #[doc(hidden)]
    fn peer_addr(&self) -> io::Result<Self::Addr>;
    #[doc(hidden)]
    fn readable(&self) -> impl Future<Output = io::Result<()>> + '_;
    #[doc(hidden)]
    fn writable(&self) -> impl Future<Output = io::Result<()>> + '_;
    #[doc(hidden)]
    fn try_read(&self, buf: &mut [u8]) -> io::Result<usize>;
    #[doc(hidden)]
    fn try_write(&self, buf: &[u8]) -> io::Result<usize>;
    #[doc(hidden)]
    fn poll_read(&self, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>>;
    #[doc(hidden)]
    fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>>;
    #[doc(hidden)]
    fn poll_write_vectored(
        &self,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>>;
    #[doc(hidden)]
    fn shutdown(&self, how: Shutdown) -> io::Result<()>;
}

pub(crate) mod sealed {
    pub trait Sealed {}
}

/// Implements [`SplitStream`] for a stream type by forwarding to its own methods.
macro_rules! impl_split_stream {
    ($stream:ty, $addr:ty, $reunite_error:ident) => {
        impl $crate::net::split::sealed::Sealed for $stream {}

        impl $crate::net::split::SplitStream for $stream {
            type Addr = $addr;
            type ReuniteError = $reunite_error;
            fn reunite_error(
                read: $crate::net::split::OwnedReadHalf<$stream>,
                write: $crate::net::split::OwnedWriteHalf<$stream>,
            ) -> $reunite_error {
                $reunite_error(read, write)
            }
            fn local_addr(&self) -> ::std::io::Result<$addr> {
                <$stream>::local_addr(self)
            }
            fn peer_addr(&self) -> ::std::io::Result<$addr> {
                <$stream>::peer_addr(self)
            }
            fn readable(&self) -> impl ::std::future::Future<Output = ::std::io::Result<()>> + '_ {
                <$stream>::readable(self)
            }
            fn writable(&self) -> impl ::std::future::Future<Output = ::std::io::Result<()>> + '_ {
                <$stream>::writable(self)
            }
            fn try_read(&self, buf: &mut [u8]) -> ::std::io::Result<usize> {
                <$stream>::try_read(self, buf)
            }
            fn try_write(&self, buf: &[u8]) -> ::std::io::Result<usize> {
                <$stream>::try_write(self, buf)
            }
            fn poll_read(
                &self,
                cx: &mut ::std::task::Context<'_>,
                buf: &mut $crate::io::ReadBuf<'_>,
            ) -> ::std::task::Poll<::std::io::Result<()>> {
                self.poll_read_priv(cx, buf)
            }
            fn poll_write(
                &self,
                cx: &mut ::std::task::Context<'_>,
                buf: &[u8],
            ) -> ::std::task::Poll<::std::io::Result<usize>> {
                self.poll_write_priv(cx, buf)
            }
            fn poll_write_vectored(
                &self,
                cx: &mut ::std::task::Context<'_>,
                bufs: &[::std::io::IoSlice<'_>],
            ) -> ::std::task::Poll<::std::io::Result<usize>> {
                self.poll_write_vectored_priv(cx, bufs)
            }
            fn shutdown(&self, how: ::std::net::Shutdown) -> ::std::io::Result<()> {
                self.shutdown_std(how)
            }
        }
    };
}
pub(crate) use impl_split_stream;

/// The read half of a stream split by reference (`TcpStream::split`, `UnixStream::split`).
///
/// ```
/// use gort_reactor::io::AsyncReadExt;
/// # async fn f(mut s: gort_reactor::net::TcpStream) -> std::io::Result<()> {
/// let (mut rd, _wr) = s.split();
/// let mut buf = [0; 8];
/// let _n = rd.read(&mut buf).await?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct ReadHalf<'a, S>(pub(crate) &'a S);

/// The write half of a stream split by reference; `shutdown` closes the write direction.
///
/// ```
/// use gort_reactor::io::AsyncWriteExt;
/// # async fn f(mut s: gort_reactor::net::TcpStream) -> std::io::Result<()> {
/// let (_rd, mut wr) = s.split();
/// wr.write_all(b"hello").await?;
/// wr.shutdown().await?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct WriteHalf<'a, S>(pub(crate) &'a S);

pub(crate) fn split<S: SplitStream>(stream: &mut S) -> (ReadHalf<'_, S>, WriteHalf<'_, S>) {
    (ReadHalf(&*stream), WriteHalf(&*stream))
}

/// The read half of a stream split into owned halves (`into_split`).
///
/// ```
/// use gort_reactor::io::AsyncReadExt;
/// # async fn f(s: gort_reactor::net::TcpStream) -> std::io::Result<()> {
/// let (mut rd, _wr) = s.into_split();
/// let mut line = String::new();
/// rd.read_to_string(&mut line).await?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct OwnedReadHalf<S> {
    pub(crate) inner: Arc<S>,
}

/// The write half of a stream split into owned halves. Dropping it (or `shutdown`) closes the
/// write direction; the peer then reads EOF.
///
/// ```
/// use gort_reactor::io::AsyncWriteExt;
/// # async fn f(s: gort_reactor::net::TcpStream) -> std::io::Result<()> {
/// let (_rd, mut wr) = s.into_split();
/// wr.write_all(b"bye").await?;
/// drop(wr); // the peer sees EOF
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct OwnedWriteHalf<S: SplitStream> {
    inner: Arc<S>,
    shutdown_on_drop: bool,
}

/// Declares a stream kind's `ReuniteError`: a tuple struct (as tokio's, so it can be matched as
/// `ReuniteError(read, write)`) handing back the two halves that came from different streams.
macro_rules! reunite_error {
    ($stream:ident) => {
        /// The two halves given to `reunite` came from different streams; they are handed
        /// back.
        ///
        /// ```
        #[doc = concat!("# fn f(a: gort_reactor::net::", stringify!($stream), ", b: gort_reactor::net::", stringify!($stream), ") {")]
        /// let (ra, _wa) = a.into_split();
        /// let (_rb, wb) = b.into_split();
        /// let err = ra.reunite(wb).unwrap_err();
        /// let (_ra, _wb) = (err.0, err.1);
        /// # }
        /// ```
        #[derive(Debug)]
        pub struct ReuniteError(pub OwnedReadHalf, pub OwnedWriteHalf);

        impl ::std::fmt::Display for ReuniteError {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str("tried to reunite halves that are not from the same socket")
            }
        }

        impl ::std::error::Error for ReuniteError {}
    };
}
pub(crate) use reunite_error;

pub(crate) fn split_owned<S: SplitStream>(stream: S) -> (OwnedReadHalf<S>, OwnedWriteHalf<S>) {
    let inner = Arc::new(stream);
    (
        OwnedReadHalf {
            inner: inner.clone(),
        },
        OwnedWriteHalf {
            inner,
            shutdown_on_drop: true,
        },
    )
}

impl<S: SplitStream> OwnedReadHalf<S> {
    /// Puts the halves back together, or returns them if they came from different streams.
    ///
    /// ```
    /// # fn f(s: gort_reactor::net::TcpStream) {
    /// let (rd, wr) = s.into_split();
    /// let _stream = rd.reunite(wr).expect("same stream");
    /// # }
    /// ```
    pub fn reunite(self, other: OwnedWriteHalf<S>) -> Result<S, S::ReuniteError> {
        if !Arc::ptr_eq(&self.inner, &other.inner) {
            return Err(S::reunite_error(self, other));
        }
        let mut other = other;
        other.shutdown_on_drop = false;
        let inner = other.inner.clone();
        drop(other);
        drop(self);
        match Arc::try_unwrap(inner) {
            Ok(stream) => Ok(stream),
            Err(_) => unreachable!("the two halves were the stream's only owners"),
        }
    }
}

impl<S: SplitStream> OwnedWriteHalf<S> {
    /// Puts the halves back together. See [`OwnedReadHalf::reunite`].
    ///
    /// ```
    /// # fn f(s: gort_reactor::net::TcpStream) {
    /// let (rd, wr) = s.into_split();
    /// let _stream = wr.reunite(rd).unwrap();
    /// # }
    /// ```
    pub fn reunite(self, other: OwnedReadHalf<S>) -> Result<S, S::ReuniteError> {
        other.reunite(self)
    }

    /// Drops the half without shutting down the write direction.
    ///
    /// ```
    /// # fn f(s: gort_reactor::net::TcpStream) {
    /// let (_rd, wr) = s.into_split();
    /// wr.forget();
    /// # }
    /// ```
    pub fn forget(mut self) {
        self.shutdown_on_drop = false;
    }
}

impl<S: SplitStream> Drop for OwnedWriteHalf<S> {
    fn drop(&mut self) {
        if self.shutdown_on_drop {
            let _ = self.inner.shutdown(Shutdown::Write);
        }
    }
}

/// The methods every half has, forwarded to the stream; `$field` reaches it.
macro_rules! common_half_methods {
    ([$($generics:tt)*] $half:ty, $field:tt, $example_split:literal) => {
        impl<$($generics)*> $half {
            /// The remote address.
            ///
            /// ```
            #[doc = concat!("# fn f(mut s: gort_reactor::net::TcpStream) -> std::io::Result<()> {\nlet (rd, wr) = s.", $example_split, "();")]
            /// println!("{} {}", rd.peer_addr()?, wr.peer_addr()?);
            /// # Ok(()) }
            /// ```
            pub fn peer_addr(&self) -> io::Result<S::Addr> {
                self.$field.peer_addr()
            }

            /// The local address.
            ///
            /// ```
            #[doc = concat!("# fn f(mut s: gort_reactor::net::TcpStream) -> std::io::Result<()> {\nlet (rd, wr) = s.", $example_split, "();")]
            /// println!("{} {}", rd.local_addr()?, wr.local_addr()?);
            /// # Ok(()) }
            /// ```
            pub fn local_addr(&self) -> io::Result<S::Addr> {
                self.$field.local_addr()
            }
        }

        impl<$($generics)*> AsRef<S> for $half {
            fn as_ref(&self) -> &S {
                &self.$field
            }
        }
    };
}

/// `readable`/`try_read` and `AsyncRead` for a read half.
macro_rules! read_half {
    ([$($generics:tt)*] $half:ty, $field:tt, $example_split:literal) => {
        common_half_methods!([$($generics)*] $half, $field, $example_split);

        impl<$($generics)*> $half {
            /// Waits until the stream is readable (follow with `try_read`).
            ///
            /// # Cancel safety
            ///
            /// Cancel safe.
            ///
            /// ```
            #[doc = concat!("# async fn f(mut s: gort_reactor::net::TcpStream) -> std::io::Result<()> {\nlet (rd, _) = s.", $example_split, "();")]
            /// rd.readable().await?;
            /// # Ok(()) }
            /// ```
            #[track_caller]
            pub fn readable(&self) -> impl std::future::Future<Output = io::Result<()>> + '_ {
                self.$field.readable()
            }

            /// Reads without waiting (`WouldBlock` if nothing is available; `Ok(0)` is EOF).
            ///
            /// ```
            #[doc = concat!("# fn f(mut s: gort_reactor::net::TcpStream) {\nlet (rd, _) = s.", $example_split, "();")]
            /// let _ = rd.try_read(&mut [0; 8]);
            /// # }
            /// ```
            pub fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
                self.$field.try_read(buf)
            }
        }

        impl<$($generics)*> AsyncRead for $half {
            fn poll_read(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &mut ReadBuf<'_>,
            ) -> Poll<io::Result<()>> {
                self.$field.poll_read(cx, buf)
            }
        }

        crate::io::impl_futures_io_read!(generic [$($generics)*] $half);
    };
}

/// `writable`/`try_write` and `AsyncWrite` for a write half; a successful `shutdown` clears
/// the optional `$shut_on_drop` flag (nothing is left to shut down on drop).
macro_rules! write_half {
    ([$($generics:tt)*] $half:ty, $field:tt, $example_split:literal $(, $shut_on_drop:ident)?) => {
        common_half_methods!([$($generics)*] $half, $field, $example_split);

        impl<$($generics)*> $half {
            /// Waits until the stream is writable (follow with `try_write`).
            ///
            /// # Cancel safety
            ///
            /// Cancel safe.
            ///
            /// ```
            #[doc = concat!("# async fn f(mut s: gort_reactor::net::TcpStream) -> std::io::Result<()> {\nlet (_, wr) = s.", $example_split, "();")]
            /// wr.writable().await?;
            /// # Ok(()) }
            /// ```
            #[track_caller]
            pub fn writable(&self) -> impl std::future::Future<Output = io::Result<()>> + '_ {
                self.$field.writable()
            }

            /// Writes without waiting (`WouldBlock` if the send buffer is full).
            ///
            /// ```
            #[doc = concat!("# fn f(mut s: gort_reactor::net::TcpStream) {\nlet (_, wr) = s.", $example_split, "();")]
            /// let _ = wr.try_write(b"x");
            /// # }
            /// ```
            pub fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
                self.$field.try_write(buf)
            }
        }

        impl<$($generics)*> AsyncWrite for $half {
            fn poll_write(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &[u8],
            ) -> Poll<io::Result<usize>> {
                self.$field.poll_write(cx, buf)
            }

            fn poll_write_vectored(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                bufs: &[IoSlice<'_>],
            ) -> Poll<io::Result<usize>> {
                self.$field.poll_write_vectored(cx, bufs)
            }

            fn is_write_vectored(&self) -> bool {
                true
            }

            fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                Poll::Ready(Ok(()))
            }

            fn poll_shutdown(
                self: Pin<&mut Self>,
                _cx: &mut Context<'_>,
            ) -> Poll<io::Result<()>> {
                let this = self.get_mut();
                let result = this.$field.shutdown(Shutdown::Write);
                $(if result.is_ok() {
                    this.$shut_on_drop = false;
                })?
                Poll::Ready(result)
            }
        }

        crate::io::impl_futures_io_write!(generic [$($generics)*] $half);
    };
}

read_half!(['a, S: SplitStream] ReadHalf<'a, S>, 0, "split");
write_half!(['a, S: SplitStream] WriteHalf<'a, S>, 0, "split");
read_half!([S: SplitStream] OwnedReadHalf<S>, inner, "into_split");
write_half!([S: SplitStream] OwnedWriteHalf<S>, inner, "into_split", shutdown_on_drop);
