//! gort's `broadcast` channel on tokio's runtime.
use gort::sync::broadcast::{self, error::RecvError};
use std::time::Duration;
use tokio::time::timeout;

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn every_receiver_gets_every_value_in_order() {
    rt().block_on(async {
        let (tx, rx) = broadcast::channel(1024);
        let receivers: Vec<_> = (0..4)
            .map(|i| {
                let mut rx = if i == 0 {
                    rx.resubscribe()
                } else {
                    tx.subscribe()
                };
                tokio::spawn(async move {
                    let mut got = Vec::new();
                    loop {
                        match rx.recv().await {
                            Ok(v) => got.push(v),
                            Err(RecvError::Closed) => return got,
                            Err(RecvError::Lagged(n)) => panic!("lagged by {n}"),
                        }
                    }
                })
            })
            .collect();
        drop(rx);
        for i in 0..1_000 {
            tx.send(i).unwrap();
            if i % 100 == 0 {
                tokio::task::yield_now().await;
            }
        }
        drop(tx);
        for r in receivers {
            let got = timeout(Duration::from_secs(20), r).await.unwrap().unwrap();
            assert_eq!(got, (0..1_000).collect::<Vec<_>>());
        }
    });
}

#[test]
fn a_slow_receiver_lags_and_resumes_at_the_oldest() {
    rt().block_on(async {
        let (tx, mut rx) = broadcast::channel(8);
        for i in 0..20 {
            tx.send(i).unwrap();
        }
        assert_eq!(rx.recv().await, Err(RecvError::Lagged(12)));
        for i in 12..20 {
            assert_eq!(rx.recv().await, Ok(i));
        }
        let waiter = tokio::spawn(async move { rx.recv().await });
        tokio::time::sleep(Duration::from_millis(5)).await;
        tx.send(99).unwrap();
        assert_eq!(
            timeout(Duration::from_secs(10), waiter)
                .await
                .unwrap()
                .unwrap(),
            Ok(99)
        );
    });
}
