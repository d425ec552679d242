// TCP echo server, written once and compiled twice (see examples/bench_server.rs): the enclosing
// module names the runtime `rt` (`use gort as rt;` or `use tokio as rt;`), nothing else differs.

/// Accepts forever; every connection echoes back whatever it reads until the peer closes.
pub async fn serve_echo(listener: rt::net::TcpListener) -> std::io::Result<()> {
    use rt::io::{AsyncReadExt, AsyncWriteExt};
    loop {
        let (mut stream, _) = listener.accept().await?;
        stream.set_nodelay(true)?;
        rt::spawn(async move {
            let mut buf = vec![0u8; 16 * 1024];
            loop {
                let n = match stream.read(&mut buf).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => n,
                };
                if stream.write_all(&buf[..n]).await.is_err() {
                    return;
                }
            }
        });
    }
}
