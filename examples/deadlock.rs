//! deadlock: the classic mistake, and Go's answer to it.
//!
//! Two tasks each wait to receive from the other's unbuffered channel before sending on their
//! own, so neither ever sends. Like Go's runtime, gort notices that every task is blocked on a
//! channel (after a 100 ms grace period with no wake) and `#[gort::main]` panics with
//! `all tasks are asleep - deadlock!` and a dump of the blocked tasks: names, spawn lines and
//! the lines they wait on.
//!
//!     cargo run --example deadlock
//!
//! Exits with the panic (status 101) in well under a second.

use gort::chan;
use gort::task;

#[gort::main]
async fn main() {
    let (to_ping, ping_inbox) = chan::bounded::<u32>(0);
    let (to_pong, pong_inbox) = chan::bounded::<u32>(0);
    let ping = task::Builder::new()
        .name("ping")
        .spawn(async move {
            // Bug: waits for pong's ball before serving the first one.
            let ball = ping_inbox.recv().await.unwrap();
            to_pong.send(ball + 1).await.unwrap();
        })
        .unwrap();
    let pong = task::Builder::new()
        .name("pong")
        .spawn(async move {
            let ball = pong_inbox.recv().await.unwrap();
            to_ping.send(ball + 1).await.unwrap();
        })
        .unwrap();
    ping.await.unwrap();
    pong.await.unwrap();
    println!("unreachable: the rally never starts");
}
