//! gort's `watch` channel on tokio's runtime.
use gort::sync::watch;
use std::time::Duration;
use tokio::time::timeout;

#[test]
fn changed_sees_the_latest_value_and_then_the_close() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let (tx, mut rx) = watch::channel(0u32);
        let watcher = tokio::spawn(async move {
            let mut seen = vec![*rx.borrow_and_update()];
            while rx.changed().await.is_ok() {
                let v = *rx.borrow_and_update();
                assert!(v > *seen.last().unwrap(), "values only move forward");
                seen.push(v);
            }
            seen
        });
        for i in 1..=500 {
            tx.send_replace(i);
            if i % 50 == 0 {
                tokio::task::yield_now().await;
            }
        }
        drop(tx);
        let seen = timeout(Duration::from_secs(20), watcher)
            .await
            .expect("timed out")
            .unwrap();
        assert_eq!(*seen.last().unwrap(), 500, "the final value is always seen");
    });
}

#[test]
fn wait_for_and_sender_closed() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let (tx, mut rx) = watch::channel(0u32);
        let tx2 = tx.clone();
        tokio::spawn(async move {
            for i in 1..=10 {
                tx2.send(i).unwrap();
                tokio::task::yield_now().await;
            }
        });
        let v = timeout(Duration::from_secs(10), rx.wait_for(|v| *v >= 10))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(*v, 10);
        drop(v);
        drop(rx);
        timeout(Duration::from_secs(10), tx.closed()).await.unwrap();
        assert!(tx.is_closed());
    });
}
