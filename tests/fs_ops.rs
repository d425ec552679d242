//! `gort::fs`'s one-shot functions: each checked against what `std::fs` then sees.

mod fs_support;

use fs_support::{bounded, Scratch};
use gort::fs;
use std::io::ErrorKind;
use std::path::Path;

#[gort::test]
async fn write_read_and_read_to_string() {
    bounded(async {
        let dir = Scratch::new("ops-rw");
        let path = dir.path("f");
        fs::write(&path, b"bytes").await.unwrap();
        assert_eq!(fs::read(&path).await.unwrap(), b"bytes");
        fs::write(&path, String::from("text")).await.unwrap(); // truncates
        assert_eq!(fs::read_to_string(&path).await.unwrap(), "text");
        fs::write(&path, [0xff, 0xfe]).await.unwrap();
        let err = fs::read_to_string(&path).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidData);
    })
    .await
}

#[gort::test]
async fn copy_rename_and_metadata() {
    bounded(async {
        let dir = Scratch::new("ops-cp");
        fs::write(dir.path("a"), "hello").await.unwrap();
        assert_eq!(fs::copy(dir.path("a"), dir.path("b")).await.unwrap(), 5);
        assert_eq!(fs::read(dir.path("b")).await.unwrap(), b"hello");

        fs::rename(dir.path("b"), dir.path("c")).await.unwrap();
        assert!(!fs::try_exists(dir.path("b")).await.unwrap());
        let meta = fs::metadata(dir.path("c")).await.unwrap();
        assert!(meta.is_file());
        assert_eq!(meta.len(), 5);

        let err = fs::rename(dir.path("b"), dir.path("d")).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound);
        let err = fs::copy(dir.path("b"), dir.path("d")).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound);
    })
    .await
}

#[gort::test]
async fn symlinks_and_hard_links() {
    bounded(async {
        let dir = Scratch::new("ops-links");
        fs::write(dir.path("target"), "data").await.unwrap();
        fs::symlink(dir.path("target"), dir.path("soft"))
            .await
            .unwrap();
        fs::hard_link(dir.path("target"), dir.path("hard"))
            .await
            .unwrap();

        assert_eq!(
            fs::read_link(dir.path("soft")).await.unwrap(),
            dir.path("target")
        );
        assert!(fs::symlink_metadata(dir.path("soft"))
            .await
            .unwrap()
            .file_type()
            .is_symlink());
        assert!(
            fs::metadata(dir.path("soft")).await.unwrap().is_file(),
            "metadata follows"
        );
        assert_eq!(fs::read_to_string(dir.path("soft")).await.unwrap(), "data");
        assert_eq!(fs::read_to_string(dir.path("hard")).await.unwrap(), "data");

        let canonical = fs::canonicalize(dir.path("soft")).await.unwrap();
        assert_eq!(
            canonical,
            fs::canonicalize(dir.path("target")).await.unwrap()
        );

        fs::remove_file(dir.path("target")).await.unwrap();
        assert!(
            !fs::try_exists(dir.path("soft")).await.unwrap(),
            "a dangling link"
        );
        assert_eq!(fs::read_to_string(dir.path("hard")).await.unwrap(), "data");
        let err = fs::canonicalize(dir.path("soft")).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound);
    })
    .await
}

#[gort::test]
async fn set_permissions_and_try_exists() {
    bounded(async {
        let dir = Scratch::new("ops-perm");
        let path = dir.path("f");
        assert!(!fs::try_exists(&path).await.unwrap());
        fs::write(&path, "x").await.unwrap();
        assert!(fs::try_exists(&path).await.unwrap());
        let mut perms = fs::metadata(&path).await.unwrap().permissions();
        perms.set_readonly(true);
        fs::set_permissions(&path, perms).await.unwrap();
        assert!(std::fs::metadata(&path).unwrap().permissions().readonly());
        assert!(fs::try_exists(Path::new("/")).await.unwrap());
    })
    .await
}

#[test]
fn works_without_a_runtime() {
    // Outside a gort runtime the blocking calls run on plain threads.
    futures::executor::block_on(async {
        let dir = Scratch::new("ops-noruntime");
        fs::write(dir.path("f"), "x").await.unwrap();
        assert_eq!(fs::read(dir.path("f")).await.unwrap(), b"x");
    })
}

#[test]
fn after_runtime_shutdown_is_an_error_not_a_hang() {
    let rt = gort::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let handle = rt.handle().clone();
    let _enter = rt.enter();
    rt.shutdown_timeout(std::time::Duration::from_secs(10));
    // The pool drops the job unrun: the future reports it instead of waiting forever.
    let err = handle
        .block_on(fs::read_to_string("Cargo.toml"))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Other);
    assert_eq!(err.get_ref().unwrap().to_string(), "background task failed");
}
