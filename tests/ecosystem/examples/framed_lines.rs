//! A line protocol with tokio-util's `Framed<TcpStream, LinesCodec>` on gort: a server that
//! answers each line upper-cased, and a client that sends a few and prints the answers.
//!
//!     cargo run --manifest-path tests/ecosystem/Cargo.toml --example framed_lines

use futures::{SinkExt, StreamExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::codec::{Framed, LinesCodec};

#[tokio::main]
async fn main() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        let (stream, peer) = listener.accept().await.unwrap();
        println!("server: connection from {peer}");
        let mut lines = Framed::new(stream, LinesCodec::new());
        let mut answered = 0;
        while let Some(line) = lines.next().await {
            let line = line.expect("a line");
            lines.send(line.to_uppercase()).await.unwrap();
            answered += 1;
        }
        answered
    });

    let mut client = Framed::new(TcpStream::connect(addr).await.unwrap(), LinesCodec::new());
    for word in ["go", "channels", "on", "tokio's", "codecs"] {
        client.send(word).await.unwrap();
        let answer = client.next().await.unwrap().unwrap();
        println!("client: sent {word:?}, got {answer:?}");
    }
    drop(client); // closes the connection: the server's stream of lines ends
    println!("server answered {} lines", server.await.unwrap());
}
