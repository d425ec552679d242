//! gort's tokio-shaped `oneshot` on tokio's runtime.

use gort::sync::oneshot;
use std::time::Duration;
use tokio::time::timeout;

const LIMIT: Duration = Duration::from_secs(20);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_response_across_tasks() {
    timeout(LIMIT, async {
        let mut handles = Vec::new();
        for i in 0..1_000u32 {
            let (tx, rx) = oneshot::channel();
            tokio::spawn(async move { tx.send(i * 2).unwrap() });
            handles.push((i, rx));
        }
        for (i, rx) in handles {
            assert_eq!(rx.await.unwrap(), i * 2);
        }
    })
    .await
    .expect("timed out");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn receiver_in_select_is_cancel_safe_by_reference() {
    timeout(LIMIT, async {
        let (tx, mut rx) = oneshot::channel::<u8>();
        tokio::select! {
            _ = &mut rx => panic!("nothing sent yet"),
            _ = tokio::time::sleep(Duration::from_millis(5)) => {}
        }
        tx.send(4).unwrap();
        assert_eq!(rx.await, Ok(4));
    })
    .await
    .expect("timed out");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closed_wakes_the_sender() {
    timeout(LIMIT, async {
        let (mut tx, rx) = oneshot::channel::<u8>();
        let closer = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(5)).await;
            drop(rx);
        });
        tx.closed().await;
        assert!(tx.is_closed());
        assert_eq!(tx.send(1), Err(1));
        closer.await.unwrap();
    })
    .await
    .expect("timed out");
}
