//! [`Lines`]: the lines of an [`AsyncBufRead`], one `String` at a time.

use super::read_until::poll_read_until;
use super::sited::Sited;
use crate::io::AsyncBufRead;
use pin_project_lite::pin_project;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

pin_project! {
    /// Reads lines from an [`AsyncBufRead`]; created by
    /// [`AsyncBufReadExt::lines`](crate::io::AsyncBufReadExt::lines).
    ///
    /// Lines end at `\n`; the `\n` and a `\r` before it are removed. The last line may lack a
    /// trailing newline. A partial line is kept inside `Lines` between polls, so
    /// [`next_line`](Lines::next_line) is cancel safe. `Lines` is also a
    /// `futures_core::Stream` of `io::Result<String>`.
    ///
    /// ```
    /// use gort_reactor::io::{AsyncBufReadExt, BufReader};
    /// futures::executor::block_on(async {
    ///     let mut lines = BufReader::new(&b"a\r\nb\nc"[..]).lines();
    ///     let mut all = Vec::new();
    ///     while let Some(line) = lines.next_line().await.unwrap() {
    ///         all.push(line);
    ///     }
    ///     assert_eq!(all, ["a", "b", "c"]);
    /// });
    /// ```
    #[derive(Debug)]
    #[must_use = "streams do nothing unless polled"]
    pub struct Lines<R> {
        #[pin]
        reader: R,
        bytes: Vec<u8>,
        read: usize,
    }
}

impl<R> Lines<R> {
    pub(super) fn new(reader: R) -> Self {
        Lines {
            reader,
            bytes: Vec::new(),
            read: 0,
        }
    }

    /// Returns a shared reference to the underlying reader.
    ///
    /// ```
    /// use gort_reactor::io::AsyncBufReadExt;
    /// let lines = (&b"x\n"[..]).lines();
    /// assert_eq!(*lines.get_ref(), b"x\n");
    /// ```
    pub fn get_ref(&self) -> &R {
        &self.reader
    }

    /// Returns a mutable reference to the underlying reader.
    ///
    /// ```
    /// use gort_reactor::io::AsyncBufReadExt;
    /// let mut lines = (&b"x\n"[..]).lines();
    /// *lines.get_mut() = &b"y\n"[..];
    /// assert_eq!(*lines.get_ref(), b"y\n");
    /// ```
    pub fn get_mut(&mut self) -> &mut R {
        &mut self.reader
    }

    /// Returns the underlying reader. A partially read line is lost.
    ///
    /// ```
    /// use gort_reactor::io::AsyncBufReadExt;
    /// let lines = (&b"x\n"[..]).lines();
    /// assert_eq!(lines.into_inner(), b"x\n");
    /// ```
    pub fn into_inner(self) -> R {
        self.reader
    }
}

impl<R: AsyncBufRead> Lines<R> {
    /// Returns the next line, or `None` at end of stream.
    ///
    /// Equivalent to `async fn next_line(&mut self) -> io::Result<Option<String>>`. A line that
    /// is not valid UTF-8 is an [`ErrorKind::InvalidData`](std::io::ErrorKind) error (the line
    /// is skipped).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a partly read line stays inside `Lines` and is returned by the next call.
    ///
    /// ```
    /// use gort_reactor::io::AsyncBufReadExt;
    /// futures::executor::block_on(async {
    ///     let mut lines = (&b"x\n"[..]).lines();
    ///     assert_eq!(lines.next_line().await.unwrap().as_deref(), Some("x"));
    ///     assert_eq!(lines.next_line().await.unwrap(), None);
    /// });
    /// ```
    #[track_caller]
    pub fn next_line(&mut self) -> impl Future<Output = io::Result<Option<String>>> + '_
    where
        Self: Unpin,
    {
        Sited::new(std::future::poll_fn(|cx| {
            Pin::new(&mut *self).poll_next_line(cx)
        }))
    }

    /// Polls for the next line: `Ready(Ok(None))` at end of stream.
    ///
    /// ```
    /// use gort_reactor::io::AsyncBufReadExt;
    /// use std::task::{Context, Poll};
    /// let waker = futures::task::noop_waker();
    /// let mut cx = Context::from_waker(&waker);
    /// let mut lines = std::pin::pin!((&b"x"[..]).lines());
    /// match lines.as_mut().poll_next_line(&mut cx) {
    ///     Poll::Ready(Ok(Some(line))) => assert_eq!(line, "x"),
    ///     other => panic!("{other:?}"),
    /// }
    /// ```
    pub fn poll_next_line(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<Option<String>>> {
        let this = self.project();
        let n = ready!(poll_read_until(
            this.reader,
            cx,
            b'\n',
            this.bytes,
            this.read
        ))?;
        if n == 0 && this.bytes.is_empty() {
            return Poll::Ready(Ok(None));
        }
        let mut bytes = std::mem::take(this.bytes);
        if bytes.last() == Some(&b'\n') {
            bytes.pop();
            if bytes.last() == Some(&b'\r') {
                bytes.pop();
            }
        }
        match String::from_utf8(bytes) {
            Ok(line) => Poll::Ready(Ok(Some(line))),
            // The error carries the line's bytes (as tokio's: `into_inner` gives the
            // `FromUtf8Error`); the next call goes on with the following line.
            Err(e) => Poll::Ready(Err(io::Error::new(io::ErrorKind::InvalidData, e))),
        }
    }
}

impl<R: AsyncBufRead> futures_core::Stream for Lines<R> {
    type Item = io::Result<String>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.poll_next_line(cx).map(Result::transpose)
    }
}
