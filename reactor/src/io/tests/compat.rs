use super::{pattern, Chunked, SlowWriter};
use crate::io::compat::CompatExt;
use crate::io::{
    duplex, AsyncBufReadExt, AsyncReadExt, AsyncSeekExt, AsyncWriteExt, BufReader, Compat,
};
use futures::executor::block_on;
use std::io::SeekFrom;

#[test]
fn futures_reader_and_writer_used_through_gort_traits() {
    block_on(async {
        let data = pattern(1000);
        let mut reader = futures::io::Cursor::new(data.clone()).compat();
        let mut out = Vec::new();
        AsyncReadExt::read_to_end(&mut reader, &mut out)
            .await
            .unwrap();
        assert_eq!(out, data);

        let mut writer = Compat::new(futures::io::Cursor::new(Vec::new()));
        AsyncWriteExt::write_all(&mut writer, b"abc").await.unwrap();
        AsyncWriteExt::shutdown(&mut writer).await.unwrap();
        assert_eq!(writer.into_inner().into_inner(), b"abc");

        let mut lines = futures::io::Cursor::new(b"l1\nl2".to_vec())
            .compat()
            .lines();
        assert_eq!(lines.next_line().await.unwrap().as_deref(), Some("l1"));
        assert_eq!(lines.next_line().await.unwrap().as_deref(), Some("l2"));

        let mut seekable = futures::io::Cursor::new(b"0123".to_vec()).compat();
        assert_eq!(
            AsyncSeekExt::seek(&mut seekable, SeekFrom::Start(2))
                .await
                .unwrap(),
            2
        );
        assert_eq!(AsyncReadExt::read_u8(&mut seekable).await.unwrap(), b'2');
    });
}

#[test]
fn gort_reader_and_writer_used_through_futures_traits() {
    block_on(async {
        let mut reader = Chunked::new(b"from gort", 2, true).compat();
        let mut s = String::new();
        futures::io::AsyncReadExt::read_to_string(&mut reader, &mut s)
            .await
            .unwrap();
        assert_eq!(s, "from gort");

        let mut writer = SlowWriter::new(3, true).compat();
        futures::io::AsyncWriteExt::write_all(&mut writer, b"to futures")
            .await
            .unwrap();
        futures::io::AsyncWriteExt::close(&mut writer)
            .await
            .unwrap();
        let inner = writer.into_inner();
        assert_eq!(inner.data, b"to futures");
        assert_eq!(inner.shutdowns, 1, "poll_close maps to poll_shutdown");

        let mut buffered = BufReader::new(&b"x\ny\n"[..]).compat();
        let mut line = String::new();
        futures::io::AsyncBufReadExt::read_line(&mut buffered, &mut line)
            .await
            .unwrap();
        assert_eq!(line, "x\n");

        let mut seekable = std::io::Cursor::new(b"abcd".to_vec()).compat();
        assert_eq!(
            futures::io::AsyncSeekExt::seek(&mut seekable, SeekFrom::End(-1))
                .await
                .unwrap(),
            3
        );
    });
}

#[test]
fn gort_types_implement_futures_io_directly() {
    block_on(async {
        let (mut a, mut b) = duplex(64);
        // futures' extension methods on a gort DuplexStream, no adapter.
        futures::io::AsyncWriteExt::write_all(&mut a, b"direct")
            .await
            .unwrap();
        futures::io::AsyncWriteExt::close(&mut a).await.unwrap();
        let mut s = String::new();
        futures::io::AsyncReadExt::read_to_string(&mut b, &mut s)
            .await
            .unwrap();
        assert_eq!(s, "direct");

        let mut r = BufReader::new(&b"p\nq"[..]);
        let mut line = String::new();
        futures::io::AsyncBufReadExt::read_line(&mut r, &mut line)
            .await
            .unwrap();
        assert_eq!(line, "p\n");

        // futures::io::copy between two gort types.
        let (mut x, mut y) = duplex(8);
        let mut sink = crate::io::sink();
        futures::io::AsyncWriteExt::write_all(&mut x, b"12345")
            .await
            .unwrap();
        drop(x);
        let n = futures::io::copy(&mut y, &mut sink).await.unwrap();
        assert_eq!(n, 5);

        // Take, Chain and Join too.
        use crate::io::AsyncReadExt;
        let mut limited = BufReader::new(
            &b"ab
cd
"[..],
        )
        .take(4);
        let mut line = String::new();
        futures::io::AsyncBufReadExt::read_line(&mut limited, &mut line)
            .await
            .unwrap();
        futures::io::AsyncBufReadExt::read_line(&mut limited, &mut line)
            .await
            .unwrap();
        assert_eq!(
            line,
            "ab
c"
        );
        let mut chained = (&b"x"[..]).chain(&b"y"[..]);
        let mut s = String::new();
        futures::io::AsyncReadExt::read_to_string(&mut chained, &mut s)
            .await
            .unwrap();
        assert_eq!(s, "xy");
        let mut joined = crate::io::join(&b"in"[..], Vec::new());
        futures::io::AsyncWriteExt::write_all(&mut joined, b"out")
            .await
            .unwrap();
        let mut s = String::new();
        futures::io::AsyncReadExt::read_to_string(&mut joined, &mut s)
            .await
            .unwrap();
        assert_eq!(
            (s.as_str(), &joined.into_inner().1[..]),
            ("in", &b"out"[..])
        );
    });
}
