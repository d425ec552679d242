//! gort's `CancellationToken` (Go's context cancellation) on tokio's runtime.
use gort::sync::CancellationToken;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::time::timeout;

#[test]
fn cancelling_the_root_reaches_every_task_in_a_tree() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let root = CancellationToken::new();
        let mut level = vec![root.clone()];
        let mut all = Vec::new();
        for _ in 0..3 {
            level = level
                .iter()
                .flat_map(|p| (0..10).map(move |_| p.child_token()))
                .collect();
            all.extend(level.iter().cloned());
        }
        assert_eq!(all.len(), 10 + 100 + 1000);
        let stopped = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = all
            .iter()
            .cloned()
            .map(|token| {
                let stopped = stopped.clone();
                tokio::spawn(async move {
                    let out = token
                        .run_until_cancelled(std::future::pending::<()>())
                        .await;
                    assert!(out.is_none());
                    stopped.fetch_add(1, Ordering::SeqCst);
                })
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(10)).await;
        // A child's cancel does not reach its parent or siblings.
        all[0].cancel();
        assert!(!root.is_cancelled() && !all[1].is_cancelled());
        root.cancel();
        timeout(Duration::from_secs(20), async {
            for t in tasks {
                t.await.unwrap();
            }
        })
        .await
        .expect("a descendant missed the cancellation");
        assert_eq!(stopped.load(Ordering::SeqCst), 1110);
    });
}

#[test]
fn drop_guard_cancels_on_scope_exit() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let token = CancellationToken::new();
        let waiter = tokio::spawn(token.clone().cancelled_owned());
        {
            let _guard = token.clone().drop_guard();
        }
        timeout(Duration::from_secs(10), waiter)
            .await
            .expect("timed out")
            .unwrap();
        assert!(token.is_cancelled());
    });
}
