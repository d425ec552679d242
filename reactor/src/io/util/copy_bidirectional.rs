//! [`copy_bidirectional`]: proxy two streams into each other until both directions end.

use super::buf_reader::DEFAULT_BUF_SIZE;
use super::copy::CopyBuffer;
use super::sited::Sited;
use crate::io::{AsyncRead, AsyncWrite};
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// Where one direction stands.
#[derive(Debug)]
enum Direction {
    Copying(CopyBuffer),
    /// The reader ended and everything was flushed; the writer is being shut down.
    ShuttingDown(u64),
    Done(u64),
}

impl Direction {
    fn poll<R, W>(
        &mut self,
        cx: &mut Context<'_>,
        r: Pin<&mut R>,
        mut w: Pin<&mut W>,
    ) -> Poll<io::Result<u64>>
    where
        R: AsyncRead + ?Sized,
        W: AsyncWrite + ?Sized,
    {
        match self {
            Direction::Copying(buf) => {
                let amt = ready!(buf.poll_copy(cx, r, w.as_mut()))?;
                *self = Direction::ShuttingDown(amt);
                self.poll_shutdown(cx, w)
            }
            Direction::ShuttingDown(_) => self.poll_shutdown(cx, w),
            Direction::Done(amt) => Poll::Ready(Ok(*amt)),
        }
    }

    fn poll_shutdown<W: AsyncWrite + ?Sized>(
        &mut self,
        cx: &mut Context<'_>,
        w: Pin<&mut W>,
    ) -> Poll<io::Result<u64>> {
        let Direction::ShuttingDown(amt) = *self else {
            unreachable!("not shutting down")
        };
        ready!(w.poll_shutdown(cx))?;
        *self = Direction::Done(amt);
        Poll::Ready(Ok(amt))
    }
}

/// Future of [`copy_bidirectional`].
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct CopyBidirectional<'a, A: ?Sized, B: ?Sized> {
    a: &'a mut A,
    b: &'a mut B,
    a_to_b: Direction,
    b_to_a: Direction,
}

/// Copies `a` to `b` and `b` to `a` at the same time, until both reach end of stream; returns
/// `(bytes a→b, bytes b→a)`.
///
/// When one side's reader ends, the other side's writer is flushed and shut down (a TCP proxy
/// forwards the `FIN`), and copying continues the other way. An error in either direction ends
/// the whole copy. Equivalent to
/// `async fn copy_bidirectional(a: &mut A, b: &mut B) -> io::Result<(u64, u64)>`.
///
/// # Cancel safety
///
/// Not cancel safe: bytes read but not yet written are lost if the future is dropped.
///
/// ```
/// use gort_reactor::io::{duplex, AsyncReadExt, AsyncWriteExt};
/// futures::executor::block_on(async {
///     let (mut client, mut proxy_in) = duplex(64);
///     let (mut proxy_out, mut server) = duplex(64);
///     client.write_all(b"request").await.unwrap();
///     client.shutdown().await.unwrap();
///     server.write_all(b"reply!").await.unwrap();
///     server.shutdown().await.unwrap();
///     let (up, down) = gort_reactor::io::copy_bidirectional(&mut proxy_in, &mut proxy_out)
///         .await
///         .unwrap();
///     assert_eq!((up, down), (7, 6));
///     let mut reply = String::new();
///     client.read_to_string(&mut reply).await.unwrap();
///     assert_eq!(reply, "reply!");
/// });
/// ```
#[track_caller]
pub fn copy_bidirectional<'a, A, B>(
    a: &'a mut A,
    b: &'a mut B,
) -> Sited<CopyBidirectional<'a, A, B>>
where
    A: AsyncRead + AsyncWrite + Unpin + ?Sized,
    B: AsyncRead + AsyncWrite + Unpin + ?Sized,
{
    copy_bidirectional_with_sizes(a, b, DEFAULT_BUF_SIZE, DEFAULT_BUF_SIZE)
}

/// [`copy_bidirectional`] with chosen buffer sizes for each direction.
///
/// ```
/// use gort_reactor::io::{duplex, AsyncWriteExt};
/// futures::executor::block_on(async {
///     let (mut c, mut a) = duplex(8);
///     let (mut b, mut s) = duplex(8);
///     c.shutdown().await.unwrap();
///     s.shutdown().await.unwrap();
///     let r = gort_reactor::io::copy_bidirectional_with_sizes(&mut a, &mut b, 2, 2).await;
///     assert_eq!(r.unwrap(), (0, 0));
/// });
/// ```
#[track_caller]
pub fn copy_bidirectional_with_sizes<'a, A, B>(
    a: &'a mut A,
    b: &'a mut B,
    a_to_b_buf_size: usize,
    b_to_a_buf_size: usize,
) -> Sited<CopyBidirectional<'a, A, B>>
where
    A: AsyncRead + AsyncWrite + Unpin + ?Sized,
    B: AsyncRead + AsyncWrite + Unpin + ?Sized,
{
    assert!(
        a_to_b_buf_size > 0,
        "`a_to_b_buf_size` must be greater than 0"
    );
    assert!(
        b_to_a_buf_size > 0,
        "`b_to_a_buf_size` must be greater than 0"
    );
    Sited::new(CopyBidirectional {
        a,
        b,
        a_to_b: Direction::Copying(CopyBuffer::new(a_to_b_buf_size)),
        b_to_a: Direction::Copying(CopyBuffer::new(b_to_a_buf_size)),
    })
}

impl<A, B> Future for CopyBidirectional<'_, A, B>
where
    A: AsyncRead + AsyncWrite + Unpin + ?Sized,
    B: AsyncRead + AsyncWrite + Unpin + ?Sized,
{
    type Output = io::Result<(u64, u64)>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let a_to_b = this
            .a_to_b
            .poll(cx, Pin::new(&mut *this.a), Pin::new(&mut *this.b))?;
        let b_to_a = this
            .b_to_a
            .poll(cx, Pin::new(&mut *this.b), Pin::new(&mut *this.a))?;
        let a_to_b = ready!(a_to_b);
        let b_to_a = ready!(b_to_a);
        Poll::Ready(Ok((a_to_b, b_to_a)))
    }
}
