// A raw HTTP/1.1 "hello" server on plain sockets (keep-alive, pipelining-safe), written once and
// compiled twice (see examples/bench_server.rs): the enclosing module names the runtime `rt`.
// It answers every request (a header block ending in CRLF CRLF; wrk sends no bodies) with a fixed
// 13-byte body. Not a real HTTP parser: it is the smallest server whose cost is the runtime's.

/// The fixed reply, identical on both runtimes.
const HTTP_HELLO: &[u8] =
    b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\nHello, world!";

/// Accepts forever; every connection answers each complete request with [`HTTP_HELLO`].
pub async fn serve_http(listener: rt::net::TcpListener) -> std::io::Result<()> {
    use rt::io::{AsyncReadExt, AsyncWriteExt};
    loop {
        let (mut stream, _) = listener.accept().await?;
        stream.set_nodelay(true)?;
        rt::spawn(async move {
            let mut buf = vec![0u8; 8 * 1024];
            let mut filled = 0;
            let mut out = Vec::with_capacity(4 * 1024);
            loop {
                if filled == buf.len() {
                    return; // a request header larger than 8 KiB: not this benchmark's traffic
                }
                let n = match stream.read(&mut buf[filled..]).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => n,
                };
                filled += n;
                // Answer every complete request in the buffer (pipelined ones in one write).
                let mut start = 0;
                while let Some(end) = find_request_end(&buf[start..filled]) {
                    out.extend_from_slice(HTTP_HELLO);
                    start += end;
                }
                buf.copy_within(start..filled, 0);
                filled -= start;
                if !out.is_empty() {
                    if stream.write_all(&out).await.is_err() {
                        return;
                    }
                    out.clear();
                }
            }
        });
    }
}

/// Length of the first complete request header block in `bytes` (through its CRLF CRLF).
fn find_request_end(bytes: &[u8]) -> Option<usize> {
    bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|i| i + 4)
}
