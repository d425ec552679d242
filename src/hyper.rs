//! hyper 1.x on gort: [`GortIo`], [`GortExecutor`] and [`GortTimer`] (feature `hyper`).
//!
//! hyper 1 is runtime-agnostic: it reads and writes through its own `::hyper::rt::{Read, Write}`
//! traits, spawns HTTP/2 stream tasks through `::hyper::rt::Executor`, and arms timeouts through
//! `::hyper::rt::Timer`. This module is the glue hyper-util's `TokioIo`, `TokioExecutor` and
//! `TokioTimer` are for tokio, with the same names and shapes, so a hyper program moves over by
//! renaming `Tokio*` to `Gort*`:
//!
//! - [`GortIo`] adapts in both directions: a gort [`AsyncRead`] + [`AsyncWrite`] stream (say a
//!   [`TcpStream`](crate::net::TcpStream)) becomes a hyper `Read + Write` one, and a hyper
//!   stream becomes a gort one.
//! - [`GortExecutor`] spawns hyper's background futures with [`crate::task::spawn`].
//! - [`GortTimer`] sleeps with [`crate::time::sleep_until`].
//!
//! ```no_run
//! use gort::hyper::{GortExecutor, GortIo, GortTimer};
//! use gort::net::TcpListener;
//! use http_body_util::Full;
//! use hyper::body::Bytes;
//! use hyper::service::service_fn;
//! use hyper::{Request, Response};
//!
//! async fn hello(_: Request<hyper::body::Incoming>) -> Result<Response<Full<Bytes>>, hyper::Error> {
//!     Ok(Response::new(Full::new(Bytes::from("hello from gort"))))
//! }
//!
//! #[gort::main]
//! async fn main() -> std::io::Result<()> {
//!     let listener = TcpListener::bind("127.0.0.1:3000").await?;
//!     loop {
//!         let (stream, _) = listener.accept().await?;
//!         gort::spawn(async move {
//!             // HTTP/1.1; for HTTP/2 use `hyper::server::conn::http2::Builder::new(GortExecutor::new())`.
//!             let _ = hyper::server::conn::http1::Builder::new()
//!                 .timer(GortTimer::new())
//!                 .serve_connection(GortIo::new(stream), service_fn(hello))
//!                 .await;
//!         });
//!     }
//! }
//! # let _ = GortExecutor::new();
//! ```

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant as StdInstant};

use pin_project_lite::pin_project;

use crate::io::{AsyncRead, AsyncWrite, ReadBuf};

pin_project! {
    /// Adapts between gort's I/O traits and hyper's, in both directions (as hyper-util's
    /// `TokioIo`).
    ///
    /// - `T: gort::io::AsyncRead + AsyncWrite` (a `TcpStream`, a `UnixStream`, a TLS stream
    ///   built on them): `GortIo<T>` implements `::hyper::rt::{Read, Write}`, to hand to hyper's
    ///   `serve_connection` or client `handshake`.
    /// - `T: ::hyper::rt::{Read, Write}` (e.g. hyper's `Upgraded`): `GortIo<T>` implements gort's
    ///   `AsyncRead + AsyncWrite`, so gort's `io` utilities work on it.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use gort::hyper::GortIo;
    /// use gort::net::TcpStream;
    ///
    /// # async fn connect() -> Result<(), Box<dyn std::error::Error>> {
    /// let stream = TcpStream::connect("127.0.0.1:3000").await?;
    /// let (mut sender, connection) =
    ///     hyper::client::conn::http1::handshake::<_, http_body_util::Empty<hyper::body::Bytes>>(
    ///         GortIo::new(stream),
    ///     )
    ///     .await?;
    /// gort::spawn(connection);
    /// let response = sender.send_request(hyper::Request::new(Default::default())).await?;
    /// println!("{}", response.status());
    /// # Ok(())
    /// # }
    /// ```
    #[derive(Debug)]
    pub struct GortIo<T> {
        #[pin]
        inner: T,
    }
}

impl<T> GortIo<T> {
    /// Wraps a stream.
    ///
    /// ```
    /// let io = gort::hyper::GortIo::new(std::io::Cursor::new(b"bytes".to_vec()));
    /// assert_eq!(io.inner().get_ref(), b"bytes");
    /// ```
    pub fn new(inner: T) -> Self {
        GortIo { inner }
    }

    /// The wrapped stream.
    ///
    /// ```
    /// let io = gort::hyper::GortIo::new(7u8);
    /// assert_eq!(*io.inner(), 7);
    /// ```
    pub fn inner(&self) -> &T {
        &self.inner
    }

    /// The wrapped stream, mutably.
    ///
    /// ```
    /// let mut io = gort::hyper::GortIo::new(7u8);
    /// *io.inner_mut() += 1;
    /// assert_eq!(io.into_inner(), 8);
    /// ```
    pub fn inner_mut(&mut self) -> &mut T {
        &mut self.inner
    }

    /// Unwraps the stream.
    ///
    /// ```
    /// let io = gort::hyper::GortIo::new(String::from("stream"));
    /// assert_eq!(io.into_inner(), "stream");
    /// ```
    pub fn into_inner(self) -> T {
        self.inner
    }
}

impl<T: AsyncRead> ::hyper::rt::Read for GortIo<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        mut buf: ::hyper::rt::ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        // SAFETY: hyper's cursor hands out its unfilled (possibly uninitialised) bytes; the gort
        // `ReadBuf` built on them never de-initialises them and only reports what it filled.
        let unfilled = unsafe { buf.as_mut() };
        let mut read_buf = ReadBuf::uninit(unfilled);
        let filled = match self.project().inner.poll_read(cx, &mut read_buf) {
            Poll::Ready(Ok(())) => read_buf.filled().len(),
            other => return other,
        };
        // SAFETY: the first `filled` bytes of the cursor were just written by `poll_read`.
        unsafe { buf.advance(filled) };
        Poll::Ready(Ok(()))
    }
}

impl<T: ::hyper::rt::Read> AsyncRead for GortIo<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let already_filled = buf.filled().len();
        let newly_filled = {
            // SAFETY: hyper's `ReadBuf` only writes initialised bytes into this region and never
            // de-initialises any; we report back only what it says it filled.
            let unfilled = unsafe { buf.unfilled_mut() };
            let mut hyper_buf = ::hyper::rt::ReadBuf::uninit(unfilled);
            match self.project().inner.poll_read(cx, hyper_buf.unfilled()) {
                Poll::Ready(Ok(())) => hyper_buf.filled().len(),
                other => return other,
            }
        };
        // SAFETY: the `newly_filled` bytes after the old filled mark were written by hyper.
        unsafe { buf.assume_init(newly_filled) };
        buf.set_filled(already_filled + newly_filled);
        Poll::Ready(Ok(()))
    }
}

/// Runs hyper's background futures (HTTP/2 connection and stream tasks) as gort tasks, through
/// [`crate::task::spawn`] (as hyper-util's `TokioExecutor`). Use it inside a gort runtime.
///
/// ```
/// use ::hyper::rt::Executor;
///
/// #[gort::main(flavor = "current_thread")]
/// async fn main() {
///     let (tx, rx) = gort::sync::oneshot::channel();
///     gort::hyper::GortExecutor::new().execute(async move {
///         tx.send("ran on gort").unwrap();
///     });
///     assert_eq!(rx.await.unwrap(), "ran on gort");
/// }
/// ```
#[derive(Debug, Default, Clone, Copy)]
pub struct GortExecutor {}

impl GortExecutor {
    /// A handle that spawns onto the current gort runtime.
    ///
    /// ```
    /// let executor = gort::hyper::GortExecutor::new();
    /// let _http2 = hyper::server::conn::http2::Builder::new(executor);
    /// ```
    pub fn new() -> Self {
        GortExecutor {}
    }
}

impl<F> ::hyper::rt::Executor<F> for GortExecutor
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    fn execute(&self, future: F) {
        // hyper never joins these tasks: they end when their connection or stream does.
        drop(crate::task::spawn(future));
    }
}

/// hyper's timer (header-read timeouts, HTTP/2 keep-alive pings) on gort's clock, through
/// [`crate::time::sleep_until`] (as hyper-util's `TokioTimer`).
///
/// ```
/// use std::time::Duration;
/// use ::hyper::rt::Timer;
///
/// #[gort::main(flavor = "current_thread")]
/// async fn main() {
///     let start = std::time::Instant::now();
///     gort::hyper::GortTimer::new().sleep(Duration::from_millis(20)).await;
///     assert!(start.elapsed() >= Duration::from_millis(20));
/// }
/// ```
#[derive(Debug, Default, Clone, Copy)]
pub struct GortTimer {}

impl GortTimer {
    /// A timer on the current gort runtime's clock.
    ///
    /// ```
    /// let timer = gort::hyper::GortTimer::new();
    /// let _http1 = hyper::server::conn::http1::Builder::new().timer(timer);
    /// ```
    pub fn new() -> Self {
        GortTimer {}
    }
}

pin_project! {
    /// A gort [`Sleep`](crate::time::Sleep) seen as a `::hyper::rt::Sleep`.
    struct GortSleep {
        #[pin]
        inner: crate::time::Sleep,
    }
}

impl Future for GortSleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.project().inner.poll(cx)
    }
}

impl ::hyper::rt::Sleep for GortSleep {}

impl ::hyper::rt::Timer for GortTimer {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn ::hyper::rt::Sleep>> {
        Box::pin(GortSleep {
            inner: crate::time::sleep(duration),
        })
    }

    fn sleep_until(&self, deadline: StdInstant) -> Pin<Box<dyn ::hyper::rt::Sleep>> {
        let deadline = crate::time::Instant::from_std(deadline);
        Box::pin(GortSleep {
            inner: crate::time::sleep_until(deadline),
        })
    }

    fn reset(&self, sleep: &mut Pin<Box<dyn ::hyper::rt::Sleep>>, new_deadline: StdInstant) {
        match sleep.as_mut().downcast_mut_pin::<GortSleep>() {
            // Ours: move the deadline in place, keeping the timer entry.
            Some(ours) => ours
                .project()
                .inner
                .reset(crate::time::Instant::from_std(new_deadline)),
            None => *sleep = self.sleep_until(new_deadline),
        }
    }
}

/// Writing is the same five forwarding calls in both directions (gort's `AsyncWrite` as hyper's
/// `Write`, and back): written once.
macro_rules! forward_write {
    ($trait:path, $bound:path) => {
        impl<T: $bound> $trait for GortIo<T> {
            fn poll_write(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &[u8],
            ) -> Poll<io::Result<usize>> {
                self.project().inner.poll_write(cx, buf)
            }

            fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                self.project().inner.poll_flush(cx)
            }

            fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                self.project().inner.poll_shutdown(cx)
            }

            fn is_write_vectored(&self) -> bool {
                self.inner.is_write_vectored()
            }

            fn poll_write_vectored(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                bufs: &[io::IoSlice<'_>],
            ) -> Poll<io::Result<usize>> {
                self.project().inner.poll_write_vectored(cx, bufs)
            }
        }
    };
}

forward_write!(::hyper::rt::Write, AsyncWrite);
forward_write!(AsyncWrite, ::hyper::rt::Write);
