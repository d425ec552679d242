use super::{pattern, Chunked, SlowWriter};
use crate::io::{
    duplex, AsyncBufRead, AsyncBufReadExt, AsyncReadExt, AsyncSeekExt, AsyncWriteExt, BufReader,
    BufStream, BufWriter,
};
use futures::executor::block_on;
use std::io::{Cursor, ErrorKind, IoSlice, SeekFrom};
use std::pin::Pin;

#[test]
fn buf_reader_small_reads_come_from_the_buffer() {
    block_on(async {
        let mut r = BufReader::with_capacity(4, Chunked::new(b"abcdefghij", 10, false));
        let mut one = [0u8; 1];
        r.read_exact(&mut one).await.unwrap();
        assert_eq!(&one, b"a");
        assert_eq!(r.buffer(), b"bcd", "filled to capacity, one byte consumed");
        assert_eq!(r.get_ref().polls, 1);
        let mut three = [0u8; 3];
        r.read_exact(&mut three).await.unwrap();
        assert_eq!(&three, b"bcd");
        assert_eq!(r.get_ref().polls, 1, "served from the buffer");
        assert!(r.buffer().is_empty());
    });
}

#[test]
fn buf_reader_large_read_bypasses_empty_buffer() {
    block_on(async {
        let mut r = BufReader::with_capacity(4, Chunked::new(b"abcdefghij", 10, false));
        let mut big = [0u8; 8];
        assert_eq!(r.read(&mut big).await.unwrap(), 8);
        assert_eq!(&big, b"abcdefgh");
        assert!(r.buffer().is_empty(), "nothing was buffered");
        // Exactly the capacity also bypasses.
        let mut r = BufReader::with_capacity(4, &b"wxyz!"[..]);
        let mut four = [0u8; 4];
        assert_eq!(r.read(&mut four).await.unwrap(), 4);
        assert!(r.buffer().is_empty());
        // But with bytes buffered, they are served first.
        let mut r = BufReader::with_capacity(4, &b"12345678"[..]);
        r.fill_buf().await.unwrap();
        r.consume(1);
        assert_eq!(r.read(&mut big).await.unwrap(), 3);
        assert_eq!(&big[..3], b"234");
    });
}

#[test]
fn buf_reader_fill_buf_consume_and_over_consume() {
    block_on(async {
        let mut r = BufReader::with_capacity(3, Chunked::new(b"abcdefg", 2, true));
        assert_eq!(r.fill_buf().await.unwrap(), b"ab");
        r.consume(1);
        assert_eq!(r.fill_buf().await.unwrap(), b"b");
        Pin::new(&mut r).consume(100); // clamped to what is buffered
        assert_eq!(r.fill_buf().await.unwrap(), b"cd");
        let mut rest = String::new();
        r.read_to_string(&mut rest).await.unwrap();
        assert_eq!(rest, "cdefg");
        assert_eq!(r.fill_buf().await.unwrap(), b"", "end of stream");
    });
}

#[test]
#[should_panic(expected = "capacity must be greater than zero")]
fn buf_reader_zero_capacity_panics() {
    let _ = BufReader::with_capacity(0, &b"abc"[..]);
}

/// An endless reader whose byte at position `p` is `p as u8`, with a seek position in `u64`.
struct Numbered {
    pos: u64,
    seeks: usize,
}

impl crate::io::AsyncRead for Numbered {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
        buf: &mut crate::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        while buf.remaining() > 0 {
            buf.put_slice(&[self.pos as u8]);
            self.pos += 1;
        }
        std::task::Poll::Ready(Ok(()))
    }
}

impl crate::io::AsyncSeek for Numbered {
    fn start_seek(mut self: Pin<&mut Self>, position: SeekFrom) -> std::io::Result<()> {
        let SeekFrom::Current(offset) = position else {
            unreachable!("only relative seeks here")
        };
        self.pos = self
            .pos
            .checked_add_signed(offset)
            .ok_or(ErrorKind::InvalidInput)?;
        self.seeks += 1;
        Ok(())
    }

    fn poll_complete(
        self: Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<u64>> {
        std::task::Poll::Ready(Ok(self.pos))
    }
}

/// A seek by `i64::MIN` with bytes buffered cannot be passed on as one offset (it underflows
/// `i64`): it becomes two inner seeks, landing where the one exact seek would.
#[test]
fn buf_reader_seek_whose_offset_underflows_is_split_in_two() {
    block_on(async {
        let start = (1u64 << 63) + 10;
        let mut r = BufReader::with_capacity(
            4,
            Numbered {
                pos: start,
                seeks: 0,
            },
        );
        assert_eq!(r.read_u8().await.unwrap(), start as u8); // 3 more bytes stay buffered
        let landed = r.seek(SeekFrom::Current(i64::MIN)).await.unwrap();
        assert_eq!(landed, 11);
        assert_eq!(r.get_ref().seeks, 2);
        assert_eq!(r.read_u8().await.unwrap(), 11);
    });
}

#[test]
fn buf_reader_seek_accounts_for_buffered_bytes() {
    block_on(async {
        let mut r = BufReader::with_capacity(4, Cursor::new(b"0123456789".to_vec()));
        assert_eq!(r.read_u8().await.unwrap(), b'0');
        assert_eq!(r.buffer(), b"123");
        // Current(0) is where the *reader* stands, not the inner cursor.
        assert_eq!(r.seek(SeekFrom::Current(0)).await.unwrap(), 1);
        assert_eq!(r.read_u8().await.unwrap(), b'1');
        assert_eq!(r.seek(SeekFrom::Current(3)).await.unwrap(), 5);
        assert_eq!(r.read_u8().await.unwrap(), b'5');
        assert_eq!(r.seek(SeekFrom::Start(9)).await.unwrap(), 9);
        assert_eq!(r.read_u8().await.unwrap(), b'9');
    });
}

#[test]
fn buf_writer_buffers_until_full() {
    block_on(async {
        let mut w = BufWriter::with_capacity(4, SlowWriter::new(100, false));
        w.write_all(b"ab").await.unwrap();
        w.write_all(b"cd").await.unwrap();
        assert_eq!(w.buffer(), b"abcd", "exactly full, not yet written");
        assert_eq!(w.get_ref().writes, 0);
        w.write_all(b"e").await.unwrap();
        assert_eq!(
            w.get_ref().data,
            b"abcd",
            "the full buffer went out before 'e' was buffered"
        );
        assert_eq!(w.buffer(), b"e");
        w.flush().await.unwrap();
        assert_eq!(w.get_ref().data, b"abcde");
        assert_eq!(w.get_ref().flushes, 1);
    });
}

#[test]
fn buf_writer_large_write_bypasses_and_keeps_order() {
    block_on(async {
        let mut w = BufWriter::with_capacity(4, SlowWriter::new(100, true));
        w.write_all(b"x").await.unwrap();
        w.write_all(b"0123456789").await.unwrap();
        assert!(w.buffer().is_empty());
        assert_eq!(w.get_ref().data, b"x0123456789");
        assert_eq!(
            w.get_ref().writes,
            2,
            "the buffered byte, then the big write directly"
        );
    });
}

#[test]
fn buf_writer_partial_inner_writes_and_shutdown() {
    block_on(async {
        let data = pattern(if cfg!(miri) { 200 } else { 10_000 });
        let mut w = BufWriter::with_capacity(64, SlowWriter::new(5, true));
        for piece in data.chunks(7) {
            w.write_all(piece).await.unwrap();
        }
        w.shutdown().await.unwrap();
        let inner = w.into_inner();
        assert_eq!(inner.data, data);
        assert_eq!(inner.shutdowns, 1);
    });
}

#[test]
fn buf_writer_vectored() {
    block_on(async {
        let mut w = BufWriter::with_capacity(8, Vec::new());
        assert!(crate::io::AsyncWrite::is_write_vectored(&w));
        let n = w
            .write_vectored(&[IoSlice::new(b"abc"), IoSlice::new(b"defg")])
            .await
            .unwrap();
        assert_eq!(n, 7);
        assert_eq!(w.buffer(), b"abcdefg");
        // Too big for the buffer, inner Vec is vectored: passes straight through.
        let n = w
            .write_vectored(&[IoSlice::new(b"123456"), IoSlice::new(b"789")])
            .await
            .unwrap();
        assert_eq!(n, 9);
        assert_eq!(
            w.get_ref(),
            b"abcdefg123456789",
            "buffer flushed first, then passed through"
        );
        // Inner not vectored: slices are buffered while they fit.
        let mut w = BufWriter::with_capacity(4, SlowWriter::new(100, false));
        let n = w
            .write_vectored(&[IoSlice::new(b"ab"), IoSlice::new(b"cdef")])
            .await
            .unwrap();
        assert_eq!(n, 4);
        assert_eq!(w.buffer(), b"abcd");
    });
}

#[test]
fn buf_writer_write_zero_is_an_error() {
    block_on(async {
        let mut storage = [0u8; 2];
        let mut w = BufWriter::with_capacity(8, Cursor::new(&mut storage[..]));
        w.write_all(b"abc").await.unwrap();
        let err = w.flush().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::WriteZero);
    });
}

#[test]
fn buf_writer_passes_reads_through_and_buf_reader_passes_writes() {
    block_on(async {
        let (a, mut b) = duplex(64);
        let mut w = BufWriter::new(BufReader::new(a));
        b.write_all(b"in").await.unwrap();
        let mut two = [0u8; 2];
        w.read_exact(&mut two).await.unwrap();
        assert_eq!(&two, b"in");
        w.write_all(b"out").await.unwrap();
        w.flush().await.unwrap();
        b.read_exact(&mut [0u8; 3]).await.unwrap();
    });
}

#[test]
fn buf_stream_both_directions() {
    block_on(async {
        let (a, mut b) = duplex(64);
        let mut s = BufStream::with_capacity(4, 4, a);
        s.write_all(b"hi\n").await.unwrap();
        let mut peek = [0u8; 1];
        // Nothing reached the peer before the flush.
        assert!(futures::poll!(b.read(&mut peek)).is_pending());
        s.flush().await.unwrap();
        let mut line = String::new();
        BufReader::new(&mut b).read_line(&mut line).await.unwrap();
        assert_eq!(line, "hi\n");
        b.write_all(b"yo\nrest").await.unwrap();
        line.clear();
        s.read_line(&mut line).await.unwrap();
        assert_eq!(line, "yo\n");
        // The 4-byte read buffer holds "yo\nr"; the rest is still in the pipe.
        assert_eq!(Pin::new(&mut s).poll_fill_buf_now(), b"r");
    });
}

/// Polls `fill_buf` once with a no-op waker, for data known to be buffered or available.
trait FillBufNow {
    fn poll_fill_buf_now(self) -> Vec<u8>;
}

impl<T: AsyncBufRead> FillBufNow for Pin<&mut T> {
    fn poll_fill_buf_now(self) -> Vec<u8> {
        let waker = futures::task::noop_waker();
        let mut cx = std::task::Context::from_waker(&waker);
        match self.poll_fill_buf(&mut cx) {
            std::task::Poll::Ready(Ok(bytes)) => bytes.to_vec(),
            other => panic!("expected buffered data, got {other:?}"),
        }
    }
}
