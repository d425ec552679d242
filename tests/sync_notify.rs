//! gort's `Notify` on tokio's runtime: no lost wake-ups when cancelled waiters race notify_one.
use gort::sync::Notify;
use std::sync::Arc;
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
fn notify_one_is_never_lost_to_a_cancelled_waiter() {
    rt().block_on(async {
        let notify = Arc::new(Notify::new());
        let (ack_tx, mut ack_rx) = tokio::sync::mpsc::unbounded_channel();
        let consumers: Vec<_> = (0..4u64)
            .map(|c| {
                let (notify, ack_tx) = (notify.clone(), ack_tx.clone());
                tokio::spawn(async move {
                    let mut i = c;
                    loop {
                        i += 1;
                        // Many waits give up early: they race the notification.
                        let wait = Duration::from_micros(i % 7 * 20);
                        if timeout(wait, notify.notified()).await.is_ok()
                            && ack_tx.send(()).is_err()
                        {
                            return;
                        }
                    }
                })
            })
            .collect();
        drop(ack_tx);
        let rounds = 1_000;
        timeout(Duration::from_secs(20), async {
            for _ in 0..rounds {
                notify.notify_one();
                // Exactly one consumer must observe it (or find it stored).
                ack_rx.recv().await.unwrap();
            }
        })
        .await
        .expect("a notification was lost");
        // Nothing was delivered twice: no extra acknowledgements are waiting.
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(ack_rx.try_recv().is_err());
        for c in consumers {
            c.abort();
        }
    });
}

#[test]
fn notify_waiters_wakes_every_waiter() {
    rt().block_on(async {
        let notify = Arc::new(Notify::new());
        let ready = Arc::new(tokio::sync::Barrier::new(101));
        let tasks: Vec<_> = (0..100)
            .map(|_| {
                let (notify, ready) = (notify.clone(), ready.clone());
                tokio::spawn(async move {
                    let notified = notify.notified();
                    ready.wait().await;
                    notified.await;
                })
            })
            .collect();
        ready.wait().await;
        notify.notify_waiters();
        for t in tasks {
            timeout(Duration::from_secs(10), t)
                .await
                .expect("a waiter was not woken")
                .unwrap();
        }
    });
}
