//! tour: gort in one page — goroutines, Go channels, select with default, timeouts, tickers,
//! TCP on loopback and WaitGroup/JoinSet, each step printed as it happens. Ends in about a
//! second; the showcase the README runs first:
//!
//!     cargo run --release --example tour
//!
//! Every step is an `async fn` that returns the line it prints, so `tests/examples.rs` runs the
//! same code and checks the same lines.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use gort::chan;
use gort::io::{AsyncReadExt, AsyncWriteExt};
use gort::net::{TcpListener, TcpStream};
use gort::sync::WaitGroup;
use gort::task::JoinSet;
use gort::time::{self, Instant};

#[gort::main]
async fn main() {
    let started = Instant::now();
    tour(|line| println!("{line}")).await;
    println!("tour finished in {:?}", started.elapsed());
}

/// Runs every step in order, handing each step's line to `say`.
pub async fn tour(mut say: impl FnMut(&str)) {
    say(&spawn_tasks().await);
    say(&buffered_channel().await);
    say(&unbuffered_channel().await);
    say(&select_with_default().await);
    say(&timeout().await);
    say(&ticker().await);
    say(&tcp_echo()
        .await
        .unwrap_or_else(|err| format!("7. tcp echo failed: {err}")));
    say(&wait_group().await);
    say(&join_set().await);
}

/// `go f()`: spawn goroutine-like tasks and collect their results.
pub async fn spawn_tasks() -> String {
    let handles: Vec<_> = (0..5u64)
        .map(|i| gort::spawn(async move { i * i }))
        .collect();
    let mut squares = Vec::new();
    for handle in handles {
        squares.push(handle.await.expect("a square task panicked"));
    }
    format!("1. spawned 5 tasks, they returned {squares:?}")
}

/// `make(chan T, 3)`: three sends complete with nobody receiving; the fourth would wait.
pub async fn buffered_channel() -> String {
    let (tx, rx) = chan::bounded::<&str>(3);
    for word in ["go", "rust", "gort"] {
        tx.try_send(word).expect("room in the buffer");
    }
    let fourth_would_block = tx.try_send("full").is_err();
    tx.close();
    let mut drained = Vec::new();
    while let Some(word) = rx.recv().await {
        drained.push(word);
    }
    format!(
        "2. buffered chan(3): 3 sends with no receiver, 4th would block: {fourth_would_block}; \
         after close the receiver drained {drained:?} then saw None"
    )
}

/// `make(chan T)`: a send completes only when a receiver takes the value (a rendezvous).
pub async fn unbuffered_channel() -> String {
    let (tx, rx) = chan::bounded::<&str>(0);
    let delivered = Arc::new(AtomicUsize::new(0));
    let sender = {
        let delivered = delivered.clone();
        gort::spawn(async move {
            tx.send("ping").await.expect("a receiver is there");
            delivered.fetch_add(1, Ordering::SeqCst);
        })
    };
    time::sleep(Duration::from_millis(20)).await;
    let before = delivered.load(Ordering::SeqCst);
    let got = rx.recv().await;
    sender.await.expect("sender task");
    format!(
        "3. unbuffered chan: the sender waited ({before} sends done before the receive), \
         then handed over {got:?}"
    )
}

/// Go's `select { case v := <-ch: ... default: ... }`.
pub async fn select_with_default() -> String {
    let (tx, rx) = chan::bounded::<u32>(1);
    let first = gort::select! {
        v = rx.recv() => format!("got {v:?}"),
        default => "nothing ready, took default".to_string(),
    };
    tx.send(7).await.expect("room for one");
    let second = gort::select! {
        v = rx.recv() => format!("got {v:?}"),
        default => "nothing ready, took default".to_string(),
    };
    format!("4. select with default: empty channel -> {first}; after a send -> {second}")
}

/// Bound a wait with `time::timeout`, and Go's `time.After` inside `select!`.
pub async fn timeout() -> String {
    let (_tx, rx) = chan::bounded::<u32>(1);
    let waited = time::timeout(Duration::from_millis(50), rx.recv()).await;
    let deadline = time::after(Duration::from_millis(30));
    let after = gort::select! {
        v = rx.recv() => format!("got {v:?}"),
        _ = deadline.recv() => "time.After fired first".to_string(),
    };
    format!(
        "5. timeout: no message within 50ms -> {}; {after}",
        if waited.is_err() {
            "Elapsed"
        } else {
            "a message?!"
        }
    )
}

/// A ticker: `time::interval` ticks at once, then every period.
pub async fn ticker() -> String {
    let period = Duration::from_millis(20);
    let mut ticker = time::interval(period);
    let start = Instant::now();
    for _ in 0..4 {
        ticker.tick().await;
    }
    let elapsed = start.elapsed();
    let on_time = elapsed >= period * 3 && elapsed < period * 30;
    format!("6. ticker: 4 ticks 20ms apart, first at once (on time: {on_time})")
}

/// A TCP echo round trip on loopback.
pub async fn tcp_echo() -> std::io::Result<String> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let server = gort::spawn(async move {
        let (mut socket, _) = listener.accept().await?;
        let (mut reader, mut writer) = socket.split();
        gort::io::copy(&mut reader, &mut writer).await
    });
    let mut client = TcpStream::connect(addr).await?;
    client.write_all(b"hello, gort").await?;
    client.shutdown().await?;
    let mut echoed = String::new();
    client.read_to_string(&mut echoed).await?;
    let copied = server.await.map_err(std::io::Error::other)??;
    Ok(format!(
        "7. tcp echo on loopback: sent \"hello, gort\", got back {echoed:?} ({copied} bytes)"
    ))
}

/// Go's `sync.WaitGroup`: wait for a group of goroutines to finish.
pub async fn wait_group() -> String {
    let wg = WaitGroup::new();
    let total = Arc::new(AtomicUsize::new(0));
    for worker in 1..=4 {
        wg.add(1);
        let wg = wg.clone();
        let total = total.clone();
        gort::spawn(async move {
            time::sleep(Duration::from_millis(5 * worker as u64)).await;
            total.fetch_add(worker, Ordering::SeqCst);
            wg.done();
        });
    }
    wg.wait().await;
    format!(
        "8. WaitGroup: 4 workers done, their sum is {}",
        total.load(Ordering::SeqCst)
    )
}

/// tokio's `JoinSet`: results in the order tasks finish.
pub async fn join_set() -> String {
    let mut set = JoinSet::new();
    for (name, ms) in [("slow", 30u64), ("fast", 1), ("medium", 15)] {
        set.spawn(async move {
            time::sleep(Duration::from_millis(ms)).await;
            name
        });
    }
    let mut order = Vec::new();
    while let Some(done) = set.join_next().await {
        order.push(done.expect("task ran"));
    }
    format!("9. JoinSet: tasks finished in the order {order:?}")
}
