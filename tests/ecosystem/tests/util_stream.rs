//! tokio-util and tokio-stream on gort: `Framed` line codec, `CancellationToken`/`TaskTracker`,
//! `ReceiverStream`, `IntervalStream` and friends.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use gort_ecosystem::{echo_one_connection, within};
use tokio::net::{TcpListener, TcpStream};
use tokio_stream::wrappers::{BroadcastStream, IntervalStream, ReceiverStream, WatchStream};
use tokio_util::codec::{Framed, LinesCodec};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn framed_lines_codec_echoes_1000_lines_exactly() {
    within(60, "the 1,000-line echo", async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = echo_one_connection(listener).await;

        let framed = Framed::new(TcpStream::connect(addr).await.unwrap(), LinesCodec::new());
        let (mut sink, mut lines) = framed.split();
        let writer = tokio::spawn(async move {
            for i in 0..1000 {
                sink.send(format!("line {i}")).await.unwrap();
            }
            sink.close().await.unwrap(); // flushes, then shuts the write side down
        });
        for i in 0..1000 {
            let line = lines.next().await.expect("a line").expect("decoded");
            assert_eq!(line, format!("line {i}"));
        }
        writer.await.unwrap();
        assert!(
            lines.next().await.is_none(),
            "an extra line after the 1,000"
        );
        assert_eq!(server.await.unwrap().unwrap(), 1000);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancellation_token_and_task_tracker_stop_50_tasks() {
    within(30, "stopping 50 tasks", async {
        let token = CancellationToken::new();
        let tracker = TaskTracker::new();
        let started = Arc::new(tokio::sync::Barrier::new(51));
        let stopped = Arc::new(AtomicUsize::new(0));
        for i in 0..50 {
            // Half listen on child tokens: cancelling the parent reaches them too.
            let token = if i % 2 == 0 {
                token.clone()
            } else {
                token.child_token()
            };
            let (started, stopped) = (started.clone(), stopped.clone());
            tracker.spawn(async move {
                started.wait().await;
                loop {
                    tokio::select! {
                        _ = token.cancelled() => break,
                        _ = tokio::time::sleep(Duration::from_millis(5)) => {}
                    }
                }
                stopped.fetch_add(1, Ordering::SeqCst);
            });
        }
        tracker.close();
        assert_eq!(tracker.len(), 50);
        started.wait().await;
        assert_eq!(
            stopped.load(Ordering::SeqCst),
            0,
            "a task stopped before the cancel"
        );

        token.cancel();
        tracker.wait().await;
        assert_eq!(stopped.load(Ordering::SeqCst), 50);
        assert!(tracker.is_empty());
        assert!(token.is_cancelled());
    })
    .await;
}

#[tokio::test]
async fn receiver_stream_yields_every_value_in_order_then_ends() {
    within(30, "the receiver stream", async {
        let (tx, rx) = tokio::sync::mpsc::channel(8);
        tokio::spawn(async move {
            for i in 0..100u32 {
                tx.send(i).await.unwrap();
            }
        });
        let doubled: Vec<u32> = ReceiverStream::new(rx).map(|v| v * 2).collect().await;
        assert_eq!(doubled, (0..100).map(|v| v * 2).collect::<Vec<_>>());
    })
    .await;
}

#[tokio::test]
async fn interval_stream_ticks_on_its_schedule() {
    within(30, "five interval ticks", async {
        let period = Duration::from_millis(10);
        let ticks: Vec<_> = IntervalStream::new(tokio::time::interval(period))
            .take(5)
            .collect()
            .await;
        assert_eq!(ticks.len(), 5);
        // An interval yields its scheduled instants (Burst catches up on missed ones).
        for (k, tick) in ticks.iter().enumerate() {
            assert_eq!(*tick - ticks[0], period * k as u32);
        }
    })
    .await;
}

#[tokio::test]
async fn broadcast_and_watch_streams_see_what_was_sent() {
    within(30, "the broadcast and watch streams", async {
        let (tx, rx) = tokio::sync::broadcast::channel(16);
        let stream = BroadcastStream::new(rx);
        for i in 0..10u32 {
            tx.send(i).unwrap();
        }
        drop(tx);
        let got: Vec<u32> = stream.map(|r| r.unwrap()).collect().await;
        assert_eq!(got, (0..10).collect::<Vec<_>>());

        let (tx, rx) = tokio::sync::watch::channel(0u32);
        let mut stream = WatchStream::new(rx);
        assert_eq!(stream.next().await, Some(0));
        tx.send(7).unwrap();
        assert_eq!(stream.next().await, Some(7));
        drop(tx);
        assert_eq!(stream.next().await, None);
    })
    .await;
}

#[tokio::test]
async fn stream_timeout_and_tcp_listener_stream() {
    within(30, "the stream timeout and the listener stream", async {
        let slow = futures::stream::once(async {
            tokio::time::sleep(Duration::from_secs(10)).await;
            1
        });
        let mut timed = std::pin::pin!(tokio_stream::StreamExt::timeout(
            slow,
            Duration::from_millis(50)
        ));
        assert!(timed.next().await.expect("an item").is_err(), "no Elapsed");

        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mut incoming = tokio_stream::wrappers::TcpListenerStream::new(listener);
        let clients: Vec<_> = (0..3)
            .map(|_| tokio::spawn(TcpStream::connect(addr)))
            .collect();
        for _ in 0..3 {
            incoming
                .next()
                .await
                .expect("a connection")
                .expect("accepted");
        }
        for client in clients {
            client.await.unwrap().unwrap();
        }
    })
    .await;
}
