//! A custom stream written exactly as a tokio user writes one (pin-projected inner stream,
//! `ReadBuf` manipulation), then driven by every kind of helper.

use crate::io::{
    copy, duplex, split, AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt,
    BufReader, BufWriter, ReadBuf,
};
use futures::executor::block_on;
use pin_project_lite::pin_project;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

pin_project! {
    /// XORs every byte with a key in both directions: a toy "cipher" stream.
    struct Xor<S> {
        #[pin]
        inner: S,
        key: u8,
    }
}

impl<S: AsyncRead> AsyncRead for Xor<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.project();
        let before = buf.filled().len();
        ready!(this.inner.poll_read(cx, buf))?;
        for b in &mut buf.filled_mut()[before..] {
            *b ^= *this.key;
        }
        Poll::Ready(Ok(()))
    }
}

impl<S: AsyncWrite> AsyncWrite for Xor<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.project();
        // Write at most 64 bytes per call, through a stack buffer.
        let mut scratch = [0u8; 64];
        let n = buf.len().min(scratch.len());
        for (d, s) in scratch[..n].iter_mut().zip(buf) {
            *d = s ^ *this.key;
        }
        this.inner.poll_write(cx, &scratch[..n])
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.project().inner.poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.project().inner.poll_shutdown(cx)
    }
}

/// A `!Unpin` reader (holds `PhantomPinned`), usable only pinned, as tokio allows.
struct NotUnpin {
    data: &'static [u8],
    _pin: std::marker::PhantomPinned,
}

impl AsyncRead for NotUnpin {
    fn poll_read(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        // SAFETY: `data` is not structurally pinned; replacing a `&'static [u8]` moves nothing.
        let this = unsafe { self.get_unchecked_mut() };
        let n = this.data.len().min(buf.remaining());
        buf.put_slice(&this.data[..n]);
        this.data = &this.data[n..];
        Poll::Ready(Ok(()))
    }
}

#[test]
fn custom_stream_with_every_helper() {
    block_on(async {
        let (a, b) = duplex(100);
        let mut a = Xor {
            inner: a,
            key: 0x5a,
        };
        let mut b = Xor {
            inner: b,
            key: 0x5a,
        };
        a.write_all(b"line one\nline two\n").await.unwrap();
        a.write_u64(42).await.unwrap();
        a.shutdown().await.unwrap();

        let mut reader = BufReader::new(&mut b);
        let mut line = String::new();
        reader.read_line(&mut line).await.unwrap();
        assert_eq!(line, "line one\n");
        let mut lines = reader.lines();
        assert_eq!(
            lines.next_line().await.unwrap().as_deref(),
            Some("line two")
        );
        let mut reader = lines.into_inner();
        assert_eq!(reader.read_u64().await.unwrap(), 42);
        let mut rest = Vec::new();
        assert_eq!(reader.read_to_end(&mut rest).await.unwrap(), 0);
    });
}

#[test]
fn custom_stream_split_and_copied() {
    block_on(async {
        let (a, mut b) = duplex(32);
        let (mut rd, mut wr) = split(Xor { inner: a, key: 1 });
        let data: Vec<u8> = (0..=255).cycle().take(3000).collect();
        let mut expected_on_wire: Vec<u8> = data.iter().map(|x| x ^ 1).collect();
        let send = async {
            let mut w = BufWriter::with_capacity(100, &mut wr);
            w.write_all(&data).await.unwrap();
            w.shutdown().await.unwrap();
        };
        let mut wire = Vec::new();
        let recv = b.read_to_end(&mut wire);
        let ((), n) = futures::join!(send, recv);
        assert_eq!(n.unwrap(), data.len());
        assert!(wire == expected_on_wire);

        // And back: bytes written raw on b come out decoded from the read half.
        expected_on_wire.truncate(10);
        b.write_all(&expected_on_wire).await.unwrap();
        drop(b);
        let mut decoded = Vec::new();
        assert_eq!(copy(&mut rd, &mut decoded).await.unwrap(), 10);
        assert_eq!(decoded, &data[..10]);
    });
}

#[test]
fn not_unpin_reader_works_pinned() {
    block_on(async {
        let reader = NotUnpin {
            data: b"pinned",
            _pin: std::marker::PhantomPinned,
        };
        let mut reader = Box::pin(reader);
        let mut s = String::new();
        // `Pin<Box<T>>` is an Unpin AsyncRead even though T is not.
        reader.read_to_string(&mut s).await.unwrap();
        assert_eq!(s, "pinned");
        let reader = std::pin::pin!(NotUnpin {
            data: b"stack",
            _pin: std::marker::PhantomPinned
        });
        let mut reader = reader;
        let mut out = Vec::new();
        reader.read_to_end(&mut out).await.unwrap();
        assert_eq!(out, b"stack");
        // split takes !Unpin streams too (unsplit then needs Unpin).
        let (mut rd, _wr) = split(crate::io::join(
            NotUnpin {
                data: b"joined",
                _pin: std::marker::PhantomPinned,
            },
            crate::io::sink(),
        ));
        let mut out = String::new();
        rd.read_to_string(&mut out).await.unwrap();
        assert_eq!(out, "joined");
    });
}

#[test]
fn trait_objects_work() {
    block_on(async {
        let mut readers: Vec<Box<dyn AsyncRead + Unpin + Send>> = vec![
            Box::new(&b"slice"[..]),
            Box::new(std::io::Cursor::new(b"cursor".to_vec())),
            Box::new(crate::io::empty()),
        ];
        let mut all = String::new();
        for r in &mut readers {
            r.read_to_string(&mut all).await.unwrap();
        }
        assert_eq!(all, "slicecursor");
        let mut w: Pin<Box<dyn AsyncWrite + Send>> = Box::pin(Vec::new());
        w.write_all(b"dyn").await.unwrap();
        w.flush().await.unwrap();
    });
}
