//! echo_server: a TCP echo server, one task per connection (Go's `go handle(conn)`).
//!
//!     cargo run --example echo_server -- [--port 7000] [--connections N]
//!
//! then `nc 127.0.0.1 7000` and type. It listens on loopback only and serves until Ctrl-C, or
//! until N connections have come and gone when given `--connections N`.

use std::io;

use gort::net::{TcpListener, TcpStream};
use gort::task::JoinSet;

#[gort::main]
async fn main() -> io::Result<()> {
    let (port, connections) = parse_args();
    let listener = TcpListener::bind(("127.0.0.1", port)).await?;
    println!("echoing on {}", listener.local_addr()?);
    gort::select! {
        result = serve(listener, connections) => {
            let echoed = result?;
            println!("echoed {echoed} bytes, bye");
        }
        _ = gort::signal::ctrl_c() => println!("interrupted, bye"),
    }
    Ok(())
}

fn parse_args() -> (u16, Option<usize>) {
    let mut port = 7000;
    let mut connections = None;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        match (
            flag.as_str(),
            args.next().and_then(|v| v.parse::<u64>().ok()),
        ) {
            ("--port", Some(p)) if p <= u64::from(u16::MAX) => port = p as u16,
            ("--connections", Some(n)) => connections = Some(n as usize),
            _ => {
                eprintln!("usage: echo_server [--port PORT] [--connections N]");
                std::process::exit(2);
            }
        }
    }
    (port, connections)
}

/// Echoes every connection on `listener` on its own task. With `Some(n)`, stops accepting after
/// `n` connections and returns once they have all closed, with the number of bytes echoed.
pub async fn serve(listener: TcpListener, max_connections: Option<usize>) -> io::Result<u64> {
    let mut connections = JoinSet::new();
    let mut accepted = 0;
    while max_connections.map_or(true, |max| accepted < max) {
        let (socket, _peer) = listener.accept().await?;
        accepted += 1;
        connections.spawn(echo(socket));
    }
    let mut echoed = 0;
    while let Some(done) = connections.join_next().await {
        // One connection's I/O error (a reset peer) must not stop the others.
        if let Ok(Ok(bytes)) = done {
            echoed += bytes;
        }
    }
    Ok(echoed)
}

/// Copies everything the peer sends back to it until it closes its side.
async fn echo(mut socket: TcpStream) -> io::Result<u64> {
    let (mut reader, mut writer) = socket.split();
    gort::io::copy(&mut reader, &mut writer).await
}
