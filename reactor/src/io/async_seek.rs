//! [`AsyncSeek`]: move the cursor of a seekable source in two steps (start, then complete).

use std::io::{self, SeekFrom};
use std::ops::DerefMut;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Seeks asynchronously (tokio's signature): `start_seek` submits the request, `poll_complete`
/// waits for it and returns the new position.
///
/// ```
/// use gort_reactor::io::{AsyncReadExt, AsyncSeekExt};
/// use std::io::{Cursor, SeekFrom};
///
/// futures::executor::block_on(async {
///     let mut c = Cursor::new(b"0123456789".to_vec());
///     assert_eq!(c.seek(SeekFrom::Start(7)).await.unwrap(), 7);
///     assert_eq!(c.read_u8().await.unwrap(), b'7');
/// });
/// ```
pub trait AsyncSeek {
    /// Starts a seek to `position`. An error is returned if a seek is already in progress.
    ///
    /// ```
    /// use gort_reactor::io::AsyncSeek;
    /// use std::{io::SeekFrom, pin::Pin, task::{Context, Poll}};
    /// let waker = futures::task::noop_waker();
    /// let mut cx = Context::from_waker(&waker);
    /// let mut c = std::io::Cursor::new(vec![0u8; 8]);
    /// Pin::new(&mut c).start_seek(SeekFrom::Start(3)).unwrap();
    /// assert!(matches!(Pin::new(&mut c).poll_complete(&mut cx), Poll::Ready(Ok(3))));
    /// ```
    fn start_seek(self: Pin<&mut Self>, position: SeekFrom) -> io::Result<()>;

    /// Waits for the seek started by `start_seek` and returns the new position from the start.
    ///
    /// With no seek in progress it returns the current position.
    ///
    /// ```
    /// use gort_reactor::io::AsyncSeek;
    /// use std::{io::SeekFrom, pin::Pin, task::{Context, Poll}};
    /// let waker = futures::task::noop_waker();
    /// let mut cx = Context::from_waker(&waker);
    /// let mut c = std::io::Cursor::new(vec![0u8; 8]);
    /// c.set_position(5);
    /// assert!(matches!(Pin::new(&mut c).poll_complete(&mut cx), Poll::Ready(Ok(5))));
    /// ```
    fn poll_complete(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<u64>>;
}

macro_rules! deref_async_seek {
    () => {
        #[inline]
        fn start_seek(mut self: Pin<&mut Self>, position: SeekFrom) -> io::Result<()> {
            Pin::new(&mut **self).start_seek(position)
        }

        #[inline]
        fn poll_complete(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
            Pin::new(&mut **self).poll_complete(cx)
        }
    };
}

impl<T: ?Sized + AsyncSeek + Unpin> AsyncSeek for Box<T> {
    deref_async_seek!();
}

impl<T: ?Sized + AsyncSeek + Unpin> AsyncSeek for &mut T {
    deref_async_seek!();
}

impl<P> AsyncSeek for Pin<P>
where
    P: DerefMut + Unpin,
    P::Target: AsyncSeek,
{
    #[inline]
    fn start_seek(self: Pin<&mut Self>, position: SeekFrom) -> io::Result<()> {
        self.get_mut().as_mut().start_seek(position)
    }

    #[inline]
    fn poll_complete(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
        self.get_mut().as_mut().poll_complete(cx)
    }
}

impl<T: AsRef<[u8]> + Unpin> AsyncSeek for io::Cursor<T> {
    #[inline]
    fn start_seek(self: Pin<&mut Self>, position: SeekFrom) -> io::Result<()> {
        io::Seek::seek(self.get_mut(), position).map(drop)
    }

    #[inline]
    fn poll_complete(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
        Poll::Ready(Ok(self.get_mut().position()))
    }
}
