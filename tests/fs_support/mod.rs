//! Shared by the `fs_*` tests: a scratch directory removed on drop, and a bound on each test.
#![allow(dead_code)] // each fs_* test file uses a part of it

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// A fresh directory under the system temp dir, removed (with its contents) when dropped.
pub struct Scratch(PathBuf);

impl Scratch {
    pub fn new(tag: &str) -> Scratch {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("gort-{tag}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    pub fn dir(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Fails instead of hanging if a blocking job's wakeup is lost.
pub async fn bounded<T>(f: impl std::future::Future<Output = T>) -> T {
    gort::time::timeout(Duration::from_secs(30), f)
        .await
        .expect("timed out: lost wakeup from the blocking pool?")
}
