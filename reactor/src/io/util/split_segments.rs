//! [`Split`]: the segments of an [`AsyncBufRead`] between occurrences of a delimiter byte.

use super::read_until::poll_read_until;
use super::sited::Sited;
use crate::io::AsyncBufRead;
use pin_project_lite::pin_project;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

pin_project! {
    /// Splits an [`AsyncBufRead`] on a delimiter byte; created by
    /// [`AsyncBufReadExt::split`](crate::io::AsyncBufReadExt::split).
    ///
    /// Segments do not include the delimiter. `Split` is also a `futures_core::Stream` of
    /// `io::Result<Vec<u8>>`.
    ///
    /// ```
    /// use gort_reactor::io::AsyncBufReadExt;
    /// futures::executor::block_on(async {
    ///     let mut parts = std::io::Cursor::new(b"a,b,,c").split(b',');
    ///     let mut all = Vec::new();
    ///     while let Some(part) = parts.next_segment().await.unwrap() {
    ///         all.push(part);
    ///     }
    ///     assert_eq!(all, [&b"a"[..], b"b", b"", b"c"]);
    /// });
    /// ```
    #[derive(Debug)]
    #[must_use = "streams do nothing unless polled"]
    pub struct Split<R> {
        #[pin]
        reader: R,
        bytes: Vec<u8>,
        delim: u8,
        read: usize,
    }
}

impl<R> Split<R> {
    pub(super) fn new(reader: R, delim: u8) -> Self {
        Split {
            reader,
            bytes: Vec::new(),
            delim,
            read: 0,
        }
    }
}

impl<R: AsyncBufRead> Split<R> {
    /// Returns the next segment, or `None` at end of stream.
    ///
    /// Equivalent to `async fn next_segment(&mut self) -> io::Result<Option<Vec<u8>>>`.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a partly read segment stays inside `Split` and is returned by the next call.
    ///
    /// ```
    /// use gort_reactor::io::AsyncBufReadExt;
    /// futures::executor::block_on(async {
    ///     let mut parts = std::io::Cursor::new(b"x;").split(b';');
    ///     assert_eq!(parts.next_segment().await.unwrap(), Some(b"x".to_vec()));
    ///     assert_eq!(parts.next_segment().await.unwrap(), None);
    /// });
    /// ```
    #[track_caller]
    pub fn next_segment(&mut self) -> impl Future<Output = io::Result<Option<Vec<u8>>>> + '_
    where
        Self: Unpin,
    {
        Sited::new(std::future::poll_fn(|cx| {
            Pin::new(&mut *self).poll_next_segment(cx)
        }))
    }

    /// Polls for the next segment: `Ready(Ok(None))` at end of stream.
    ///
    /// ```
    /// use gort_reactor::io::AsyncBufReadExt;
    /// use std::task::{Context, Poll};
    /// let waker = futures::task::noop_waker();
    /// let mut cx = Context::from_waker(&waker);
    /// let mut parts = std::pin::pin!(std::io::Cursor::new(b"ab").split(b'.'));
    /// assert!(matches!(parts.as_mut().poll_next_segment(&mut cx), Poll::Ready(Ok(Some(_)))));
    /// ```
    pub fn poll_next_segment(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<Option<Vec<u8>>>> {
        let this = self.project();
        let n = ready!(poll_read_until(
            this.reader,
            cx,
            *this.delim,
            this.bytes,
            this.read
        ))?;
        if n == 0 && this.bytes.is_empty() {
            return Poll::Ready(Ok(None));
        }
        let mut segment = std::mem::take(this.bytes);
        if segment.last() == Some(this.delim) {
            segment.pop();
        }
        Poll::Ready(Ok(Some(segment)))
    }
}

impl<R: AsyncBufRead> futures_core::Stream for Split<R> {
    type Item = io::Result<Vec<u8>>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.poll_next_segment(cx).map(Result::transpose)
    }
}
