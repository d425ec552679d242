//! chat_server: a line-based chat room; every line a client sends goes to every other client,
//! through one `broadcast` channel.
//!
//!     cargo run --example chat_server -- [--port 7001] [--clients N]
//!
//! then connect two terminals with `nc 127.0.0.1 7001` and talk. Loopback only; it serves until
//! Ctrl-C, or until N clients have joined and all left when given `--clients N`.
//!
//! Each client is one task: it `select!`s between its next input line and the next room message,
//! so neither a slow reader nor a quiet writer holds anyone else up (a client that falls more than
//! 128 messages behind is told how many it missed).

use std::io;

use gort::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use gort::net::{TcpListener, TcpStream};
use gort::sync::broadcast::{self, error::RecvError};
use gort::task::JoinSet;

/// A message in the room: who sent it (a client number, 0 for the server) and the line.
#[derive(Clone, Debug)]
struct Message {
    from: usize,
    text: String,
}

#[gort::main]
async fn main() -> io::Result<()> {
    let mut port = 7001u16;
    let mut clients = None;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        match (
            flag.as_str(),
            args.next().and_then(|v| v.parse::<u64>().ok()),
        ) {
            ("--port", Some(p)) if p <= u64::from(u16::MAX) => port = p as u16,
            ("--clients", Some(n)) => clients = Some(n as usize),
            _ => {
                eprintln!("usage: chat_server [--port PORT] [--clients N]");
                std::process::exit(2);
            }
        }
    }
    let listener = TcpListener::bind(("127.0.0.1", port)).await?;
    println!("chat room open on {}", listener.local_addr()?);
    gort::select! {
        result = serve(listener, clients) => result?,
        _ = gort::signal::ctrl_c() => println!("closing the room"),
    }
    Ok(())
}

/// Runs the room on `listener`. With `Some(n)`, stops accepting after `n` clients and returns
/// once every one of them has left.
pub async fn serve(listener: TcpListener, max_clients: Option<usize>) -> io::Result<()> {
    let (room, _) = broadcast::channel::<Message>(128);
    let mut clients = JoinSet::new();
    let mut joined = 0;
    while max_clients.map_or(true, |max| joined < max) {
        let (socket, _peer) = listener.accept().await?;
        joined += 1;
        // Subscribe before announcing, so the newcomer misses nothing said after it joined.
        let inbox = room.subscribe();
        let _ = room.send(Message {
            from: joined,
            text: format!("* guest{joined} joined"),
        });
        clients.spawn(client(socket, joined, room.clone(), inbox));
    }
    while clients.join_next().await.is_some() {}
    Ok(())
}

async fn client(
    socket: TcpStream,
    me: usize,
    room: broadcast::Sender<Message>,
    mut inbox: broadcast::Receiver<Message>,
) -> io::Result<()> {
    let (reader, mut writer) = socket.into_split();
    let mut lines = BufReader::new(reader).lines();
    writer
        .write_all(format!("welcome, you are guest{me}\n").as_bytes())
        .await?;
    loop {
        gort::select! {
            line = lines.next_line() => match line? {
                Some(line) => {
                    let _ = room.send(Message { from: me, text: format!("guest{me}: {line}") });
                }
                None => break,
            },
            message = inbox.recv() => match message {
                Ok(Message { from, text }) if from != me => {
                    writer.write_all(format!("{text}\n").as_bytes()).await?;
                }
                Ok(_) => {}
                Err(RecvError::Lagged(missed)) => {
                    writer.write_all(format!("* you missed {missed} messages\n").as_bytes()).await?;
                }
                Err(RecvError::Closed) => break,
            },
        }
    }
    let _ = room.send(Message {
        from: me,
        text: format!("* guest{me} left"),
    });
    Ok(())
}
