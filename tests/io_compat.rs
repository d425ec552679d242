//! The same application code, written against tokio's io API, compiles and behaves the same
//! against `gort::io`: the macro below instantiates it once with `tokio` and once with `gort`
//! as the crate name (what renaming the dependency does), and the tests compare the results.

/// A small "application": a custom `AsyncRead` + `AsyncWrite` stream (as tokio users write
/// them), a line protocol over an in-memory pipe, integer framing, `split`, `copy`,
/// `BufReader`/`BufWriter`, `read_to_end`/`read_to_string`, `take`/`chain`.
macro_rules! application {
    ($module:ident, $krate:ident) => {
        mod $module {
            use ::$krate::io::{
                self, AsyncBufRead, AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite,
                AsyncWriteExt, BufReader, BufWriter, ReadBuf,
            };
            use std::pin::Pin;
            use std::task::{Context, Poll};

            /// Upper-cases everything read through it; passes writes through.
            pub struct Upper<S> {
                inner: S,
                reads: usize,
            }

            impl<S: AsyncRead + Unpin> AsyncRead for Upper<S> {
                fn poll_read(
                    mut self: Pin<&mut Self>,
                    cx: &mut Context<'_>,
                    buf: &mut ReadBuf<'_>,
                ) -> Poll<io::Result<()>> {
                    let before = buf.filled().len();
                    std::task::ready!(Pin::new(&mut self.inner).poll_read(cx, buf))?;
                    buf.filled_mut()[before..].make_ascii_uppercase();
                    self.reads += 1;
                    Poll::Ready(Ok(()))
                }
            }

            impl<S: AsyncWrite + Unpin> AsyncWrite for Upper<S> {
                fn poll_write(
                    mut self: Pin<&mut Self>,
                    cx: &mut Context<'_>,
                    buf: &[u8],
                ) -> Poll<Result<usize, io::Error>> {
                    Pin::new(&mut self.inner).poll_write(cx, buf)
                }

                fn poll_flush(
                    mut self: Pin<&mut Self>,
                    cx: &mut Context<'_>,
                ) -> Poll<Result<(), io::Error>> {
                    Pin::new(&mut self.inner).poll_flush(cx)
                }

                fn poll_shutdown(
                    mut self: Pin<&mut Self>,
                    cx: &mut Context<'_>,
                ) -> Poll<Result<(), io::Error>> {
                    Pin::new(&mut self.inner).poll_shutdown(cx)
                }
            }

            /// A reader that hands out one byte per call from a static string, using the
            /// low-level `ReadBuf` API (`initialize_unfilled_to` + `advance`).
            pub struct Trickle(pub &'static [u8]);

            impl AsyncRead for Trickle {
                fn poll_read(
                    mut self: Pin<&mut Self>,
                    _cx: &mut Context<'_>,
                    buf: &mut ReadBuf<'_>,
                ) -> Poll<io::Result<()>> {
                    if let Some((&first, rest)) = self.0.split_first() {
                        if buf.remaining() > 0 {
                            buf.initialize_unfilled_to(1)[0] = first;
                            buf.advance(1);
                            self.0 = rest;
                        }
                    }
                    Poll::Ready(Ok(()))
                }
            }

            /// Generic code over the traits, as libraries write it.
            pub async fn count_lines<R: AsyncBufRead + Unpin>(reader: R) -> io::Result<usize> {
                let mut lines = reader.lines();
                let mut n = 0;
                while lines.next_line().await?.is_some() {
                    n += 1;
                }
                Ok(n)
            }

            pub async fn echo_server<S: AsyncRead + AsyncWrite + Unpin>(
                stream: S,
            ) -> io::Result<u64> {
                let (mut rd, mut wr) = io::split(stream);
                let n = io::copy(&mut rd, &mut wr).await?;
                wr.shutdown().await?;
                Ok(n)
            }

            /// Readiness code as low-level libraries write it (compile check of `AsyncFd`,
            /// `Interest`, `Ready` and the guard API).
            #[allow(dead_code)]
            pub async fn wait_readable<T: std::os::unix::io::AsRawFd>(
                fd: &io::unix::AsyncFd<T>,
                read: impl FnOnce(&T) -> io::Result<usize>,
            ) -> io::Result<usize> {
                let mut guard = fd.readable().await?;
                let ready: io::Ready = guard.ready();
                assert!(ready.is_readable() || ready.is_read_closed() || ready.is_error());
                match guard.try_io(|inner| read(inner.get_ref())) {
                    Ok(result) => result,
                    Err(_would_block) => Ok(0),
                }
            }

            pub fn interest_transcript() -> String {
                let both = io::Interest::READABLE | io::Interest::WRITABLE;
                let ready = io::Ready::READABLE | io::Ready::WRITE_CLOSED;
                format!(
                    "{} {} {:?} {} {} {}",
                    both.is_readable(),
                    both.is_writable(),
                    both.remove(io::Interest::WRITABLE).map(|i| i.is_writable()),
                    ready.is_readable(),
                    ready.is_writable(),
                    io::Ready::EMPTY.is_empty()
                )
            }

            /// Runs the application; returns a transcript to compare between runtimes.
            pub async fn run() -> io::Result<Vec<String>> {
                let mut transcript = Vec::new();

                // Line protocol through a custom stream over a duplex pipe.
                let (client, server) = io::duplex(16);
                let server = async move {
                    let mut server = Upper {
                        inner: server,
                        reads: 0,
                    };
                    let mut reader = BufReader::new(&mut server);
                    let mut line = String::new();
                    let mut got = Vec::new();
                    while reader.read_line(&mut line).await? != 0 {
                        got.push(line.trim_end().to_string());
                        line.clear();
                    }
                    let mut writer = BufWriter::new(&mut server);
                    writer.write_u32(got.len() as u32).await?;
                    writer.write_all(got.join("|").as_bytes()).await?;
                    writer.shutdown().await?;
                    io::Result::Ok(got)
                };
                let client = async move {
                    let (mut rd, mut wr) = io::split(client);
                    wr.write_all(b"hello\nworld\r\nfrom a tokio app\n").await?;
                    wr.shutdown().await?;
                    let count = rd.read_u32().await?;
                    let mut body = String::new();
                    rd.read_to_string(&mut body).await?;
                    io::Result::Ok((count, body))
                };
                let (got, reply) = futures::join!(server, client);
                let (count, body) = reply?;
                transcript.push(format!("server got {:?}", got?));
                transcript.push(format!("client got {count} {body}"));

                // Generic helpers, take/chain, read_exact, read_buf, copy_buf.
                let text: &[u8] = b"a\nb\nc";
                transcript.push(format!(
                    "lines {}",
                    count_lines(BufReader::new(text)).await?
                ));
                let mut chained = Trickle(b"trickle ").chain(&b"and slice"[..]).take(12);
                let mut out = Vec::new();
                chained.read_to_end(&mut out).await?;
                transcript.push(String::from_utf8_lossy(&out).into_owned());
                let mut exact = [0u8; 3];
                (&b"xyz!"[..]).read_exact(&mut exact).await?;
                transcript.push(String::from_utf8_lossy(&exact).into_owned());
                let mut grown = Vec::with_capacity(8);
                let n = (&b"buf"[..]).read_buf(&mut grown).await?;
                transcript.push(format!("read_buf {n}"));
                let mut copied = Vec::new();
                let n = io::copy_buf(&mut BufReader::new(&b"copy me"[..]), &mut copied).await?;
                transcript.push(format!("copy_buf {n}"));

                // An echo server over split halves.
                let (mut c, s) = io::duplex(8);
                let echo = echo_server(s);
                let talk = async {
                    c.write_all(b"echo echo echo").await?;
                    c.shutdown().await?;
                    let mut back = String::new();
                    c.read_to_string(&mut back).await?;
                    io::Result::Ok(back)
                };
                let (n, back) = futures::join!(echo, talk);
                transcript.push(format!("echoed {} {}", n?, back?));

                // Errors keep tokio's kinds.
                let err = (&b"1"[..]).read_u16().await.unwrap_err();
                transcript.push(format!("{:?}", err.kind()));
                let mut storage = [0u8; 2];
                let err = std::io::Cursor::new(&mut storage[..])
                    .write_all(b"abc")
                    .await
                    .unwrap_err();
                transcript.push(format!("{:?}", err.kind()));
                transcript.push(interest_transcript());
                Ok(transcript)
            }
        }
    };
}

application!(on_tokio, tokio);
application!(on_gort, gort);

fn tokio_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn same_code_same_transcript() {
    let tokio_transcript = tokio_runtime().block_on(on_tokio::run()).unwrap();
    let gort_transcript = futures::executor::block_on(on_gort::run()).unwrap();
    assert_eq!(gort_transcript, tokio_transcript);
    assert_eq!(
        tokio_transcript[0],
        r#"server got ["HELLO", "WORLD", "FROM A TOKIO APP"]"#
    );
}

#[test]
fn gort_io_runs_on_tokios_executor_too() {
    let transcript = tokio_runtime().block_on(on_gort::run()).unwrap();
    assert_eq!(
        transcript,
        futures::executor::block_on(on_gort::run()).unwrap()
    );
}

#[test]
fn custom_impls_are_interchangeable_through_compat() {
    use gort::io::{compat::CompatExt, AsyncReadExt as _};
    // A gort reader, seen as a futures reader, seen as a gort reader again.
    let reader = on_gort::Trickle(b"round trip").compat().compat();
    let mut reader = reader;
    let mut s = String::new();
    futures::executor::block_on(reader.read_to_string(&mut s)).unwrap();
    assert_eq!(s, "round trip");
}
