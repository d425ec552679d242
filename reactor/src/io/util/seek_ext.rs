//! [`AsyncSeekExt`]: the `async` methods every [`AsyncSeek`] gets.

use crate::io::AsyncSeek;
use std::future::Future;
use std::io::{self, SeekFrom};
use std::pin::Pin;
use std::task::{Context, Poll};

/// Seeking utilities for every [`AsyncSeek`] (tokio's `AsyncSeekExt`).
///
/// ```
/// use gort_reactor::io::AsyncSeekExt;
/// use std::io::{Cursor, SeekFrom};
///
/// futures::executor::block_on(async {
///     let mut c = Cursor::new(vec![0u8; 10]);
///     c.seek(SeekFrom::End(-2)).await.unwrap();
///     assert_eq!(c.stream_position().await.unwrap(), 8);
///     c.rewind().await.unwrap();
///     assert_eq!(c.position(), 0);
/// });
/// ```
pub trait AsyncSeekExt: AsyncSeek {
    /// Seeks to `pos`, returning the new position from the start.
    ///
    /// Equivalent to `async fn seek(&mut self, pos: SeekFrom) -> io::Result<u64>`.
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe: if the future is dropped after the seek started, the position is
    /// unspecified.
    ///
    /// ```
    /// use gort_reactor::io::AsyncSeekExt;
    /// futures::executor::block_on(async {
    ///     let mut c = std::io::Cursor::new(vec![1u8, 2, 3]);
    ///     assert_eq!(c.seek(std::io::SeekFrom::Current(2)).await.unwrap(), 2);
    /// });
    /// ```
    fn seek(&mut self, pos: SeekFrom) -> Seek<'_, Self>
    where
        Self: Unpin,
    {
        Seek {
            seeker: self,
            pos: Some(pos),
        }
    }

    /// Seeks to the start. Equivalent to `async fn rewind(&mut self) -> io::Result<()>`.
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe, as [`seek`](Self::seek).
    ///
    /// ```
    /// use gort_reactor::io::AsyncSeekExt;
    /// futures::executor::block_on(async {
    ///     let mut c = std::io::Cursor::new(vec![1u8, 2, 3]);
    ///     c.set_position(2);
    ///     c.rewind().await.unwrap();
    ///     assert_eq!(c.position(), 0);
    /// });
    /// ```
    fn rewind(&mut self) -> Rewind<'_, Self>
    where
        Self: Unpin,
    {
        Rewind(self.seek(SeekFrom::Start(0)))
    }

    /// Returns the current position. Equivalent to
    /// `async fn stream_position(&mut self) -> io::Result<u64>`.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: it does not move the position.
    ///
    /// ```
    /// use gort_reactor::io::AsyncSeekExt;
    /// futures::executor::block_on(async {
    ///     let mut c = std::io::Cursor::new(vec![1u8, 2, 3]);
    ///     c.set_position(1);
    ///     assert_eq!(c.stream_position().await.unwrap(), 1);
    /// });
    /// ```
    fn stream_position(&mut self) -> Seek<'_, Self>
    where
        Self: Unpin,
    {
        self.seek(SeekFrom::Current(0))
    }
}

impl<S: AsyncSeek + ?Sized> AsyncSeekExt for S {}

/// Future of [`seek`](AsyncSeekExt::seek) and [`stream_position`](AsyncSeekExt::stream_position).
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Seek<'a, S: ?Sized> {
    seeker: &'a mut S,
    pos: Option<SeekFrom>,
}

impl<S: AsyncSeek + ?Sized + Unpin> Future for Seek<'_, S> {
    type Output = io::Result<u64>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if let Some(pos) = this.pos {
            // Finish a seek someone else may have started, then start ours.
            std::task::ready!(Pin::new(&mut *this.seeker).poll_complete(cx))?;
            Pin::new(&mut *this.seeker).start_seek(pos)?;
            this.pos = None;
        }
        Pin::new(&mut *this.seeker).poll_complete(cx)
    }
}

/// Future of [`rewind`](AsyncSeekExt::rewind).
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Rewind<'a, S: ?Sized>(Seek<'a, S>);

impl<S: AsyncSeek + ?Sized + Unpin> Future for Rewind<'_, S> {
    type Output = io::Result<()>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.get_mut().0).poll(cx).map_ok(drop)
    }
}
