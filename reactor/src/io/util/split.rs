//! [`split`]: one `AsyncRead + AsyncWrite` value as two halves usable from different tasks.
//!
//! Both halves share the stream behind an `Arc<Mutex<_>>`; each poll takes the lock only for
//! the duration of one `poll_*` call, so a reader task and a writer task never wait on each
//! other for longer than that (tokio's design). Halves made by a type's own `split` /
//! `into_split` (sockets) avoid the lock; prefer those when available.

use crate::io::{AsyncRead, AsyncWrite, ReadBuf};
use std::fmt;
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};

struct Shared<T> {
    stream: Mutex<T>,
}

impl<T> Shared<T> {
    /// Locks the stream, ignoring poisoning: a panic in another half's poll leaves the stream
    /// in whatever state a plain `&mut` user would have seen.
    fn lock(&self) -> MutexGuard<'_, T> {
        self.stream
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn with_pinned<R>(&self, f: impl FnOnce(Pin<&mut T>) -> R) -> R {
        let mut guard = self.lock();
        // SAFETY: `T` lives inside the `Arc` allocation, which never moves; it is moved out
        // only by `ReadHalf::unsplit`, which requires `T: Unpin`. So once pinned here it stays
        // pinned until dropped in place.
        let pinned = unsafe { Pin::new_unchecked(&mut *guard) };
        f(pinned)
    }
}

/// The read half of a value split by [`split`].
///
/// ```
/// let (r, _w) = gort_reactor::io::split(gort_reactor::io::duplex(4).0);
/// let _: &gort_reactor::io::ReadHalf<_> = &r;
/// ```
pub struct ReadHalf<T> {
    shared: Arc<Shared<T>>,
}

/// The write half of a value split by [`split`].
///
/// ```
/// let (_r, w) = gort_reactor::io::split(gort_reactor::io::duplex(4).0);
/// let _: &gort_reactor::io::WriteHalf<_> = &w;
/// ```
pub struct WriteHalf<T> {
    shared: Arc<Shared<T>>,
}

/// Splits one `AsyncRead + AsyncWrite` value into a [`ReadHalf`] and a [`WriteHalf`], which can
/// be moved to different tasks. [`ReadHalf::unsplit`] puts them back together.
///
/// ```
/// use gort_reactor::io::{duplex, split, AsyncReadExt, AsyncWriteExt};
/// futures::executor::block_on(async {
///     let (a, mut b) = duplex(64);
///     let (mut rd, mut wr) = split(a);
///     wr.write_all(b"to b").await.unwrap();
///     b.write_all(b"to a").await.unwrap();
///     let mut buf = [0u8; 4];
///     rd.read_exact(&mut buf).await.unwrap();
///     assert_eq!(&buf, b"to a");
///     let _a = rd.unsplit(wr);
/// });
/// ```
pub fn split<T>(stream: T) -> (ReadHalf<T>, WriteHalf<T>)
where
    T: AsyncRead + AsyncWrite,
{
    let shared = Arc::new(Shared {
        stream: Mutex::new(stream),
    });
    (
        ReadHalf {
            shared: shared.clone(),
        },
        WriteHalf { shared },
    )
}

impl<T> ReadHalf<T> {
    /// Whether `other` is the write half split from the same value.
    ///
    /// ```
    /// let (r, w) = gort_reactor::io::split(gort_reactor::io::duplex(1).0);
    /// assert!(r.is_pair_of(&w));
    /// ```
    pub fn is_pair_of(&self, other: &WriteHalf<T>) -> bool {
        other.is_pair_of(self)
    }

    /// Reunites the halves into the original value.
    ///
    /// # Panics
    ///
    /// Panics if `wr` is not the write half split from the same value.
    ///
    /// ```
    /// use gort_reactor::io::{duplex, split};
    /// let (r, w) = split(duplex(1).0);
    /// let _stream = r.unsplit(w);
    /// ```
    #[track_caller]
    pub fn unsplit(self, wr: WriteHalf<T>) -> T
    where
        T: Unpin,
    {
        assert!(
            self.is_pair_of(&wr),
            "ReadHalf::unsplit: the halves come from different splits"
        );
        drop(wr);
        let shared = Arc::try_unwrap(self.shared)
            .ok()
            .expect("ReadHalf::unsplit: both halves were given, so no other reference exists");
        shared
            .stream
            .into_inner()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl<T> WriteHalf<T> {
    /// Whether `other` is the read half split from the same value.
    ///
    /// ```
    /// let (r, w) = gort_reactor::io::split(gort_reactor::io::duplex(1).0);
    /// assert!(w.is_pair_of(&r));
    /// ```
    pub fn is_pair_of(&self, other: &ReadHalf<T>) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }
}

impl<T: AsyncRead> AsyncRead for ReadHalf<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.shared.with_pinned(|stream| stream.poll_read(cx, buf))
    }
}

impl<T: AsyncWrite> AsyncWrite for WriteHalf<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.shared.with_pinned(|stream| stream.poll_write(cx, buf))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.shared
            .with_pinned(|stream| stream.poll_write_vectored(cx, bufs))
    }

    fn is_write_vectored(&self) -> bool {
        self.shared.lock().is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.shared.with_pinned(|stream| stream.poll_flush(cx))
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.shared.with_pinned(|stream| stream.poll_shutdown(cx))
    }
}

impl<T: fmt::Debug> fmt::Debug for ReadHalf<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReadHalf").finish_non_exhaustive()
    }
}

impl<T: fmt::Debug> fmt::Debug for WriteHalf<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WriteHalf").finish_non_exhaustive()
    }
}

crate::io::impl_futures_io_read!(generic [T: AsyncRead] ReadHalf<T>);
crate::io::impl_futures_io_write!(generic [T: AsyncWrite] WriteHalf<T>);
