//! `gort::fs` directories: `read_dir` (over several 32-entry batches), `DirEntry`,
//! `create_dir_all`/`remove_dir_all`, `DirBuilder`.

mod fs_support;

use fs_support::{bounded, Scratch};
use gort::fs::{self, DirBuilder};
use std::collections::BTreeSet;
use std::io::ErrorKind;

#[gort::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_dir_returns_every_entry_once() {
    bounded(async {
        let dir = Scratch::new("dir-list");
        let mut want = BTreeSet::new();
        for i in 0..100 {
            let name = format!("file{i:03}");
            fs::write(dir.path(&name), i.to_string()).await.unwrap();
            want.insert(name);
        }
        fs::create_dir(dir.path("sub")).await.unwrap();
        want.insert("sub".to_owned());

        let mut entries = fs::read_dir(dir.dir()).await.unwrap();
        let mut got = BTreeSet::new();
        while let Some(entry) = entries.next_entry().await.unwrap() {
            let name = entry.file_name().into_string().unwrap();
            assert_eq!(entry.path(), dir.path(&name));
            let file_type = entry.file_type().await.unwrap();
            assert_eq!(file_type.is_dir(), name == "sub");
            if name != "sub" {
                let meta = entry.metadata().await.unwrap();
                assert_eq!(
                    meta.len() as usize,
                    name[4..].parse::<u32>().unwrap().to_string().len()
                );
            }
            assert!(got.insert(name), "an entry came twice");
        }
        assert_eq!(got, want);
        assert!(
            entries.next_entry().await.unwrap().is_none(),
            "stays at the end"
        );
    })
    .await
}

#[gort::test]
async fn dir_entry_ino_matches_metadata() {
    use std::os::unix::fs::MetadataExt;
    bounded(async {
        let dir = Scratch::new("dir-ino");
        fs::write(dir.path("f"), "").await.unwrap();
        let entry = fs::read_dir(dir.dir())
            .await
            .unwrap()
            .next_entry()
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            entry.ino(),
            fs::metadata(dir.path("f")).await.unwrap().ino()
        );
    })
    .await
}

#[gort::test]
async fn read_dir_of_a_missing_dir_is_not_found() {
    bounded(async {
        let dir = Scratch::new("dir-missing");
        let err = fs::read_dir(dir.path("nope")).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound);
    })
    .await
}

#[gort::test]
async fn create_dir_all_then_remove_dir_all() {
    bounded(async {
        let dir = Scratch::new("dir-tree");
        let deep = dir.path("a/b/c/d");
        fs::create_dir_all(&deep).await.unwrap();
        fs::create_dir_all(&deep).await.unwrap(); // already there: fine
        fs::write(deep.join("leaf"), "x").await.unwrap();
        assert!(fs::metadata(&deep).await.unwrap().is_dir());

        let err = fs::remove_dir(dir.path("a")).await.unwrap_err();
        assert_ne!(
            err.kind(),
            ErrorKind::NotFound,
            "a non-empty dir is not removed"
        );
        fs::remove_dir_all(dir.path("a")).await.unwrap();
        assert!(!fs::try_exists(dir.path("a")).await.unwrap());

        fs::create_dir(dir.path("e")).await.unwrap();
        let again = fs::create_dir(dir.path("e")).await.unwrap_err();
        assert_eq!(again.kind(), ErrorKind::AlreadyExists);
        fs::remove_dir(dir.path("e")).await.unwrap();
        let missing_parent = fs::create_dir(dir.path("x/y")).await.unwrap_err();
        assert_eq!(missing_parent.kind(), ErrorKind::NotFound);
    })
    .await
}

#[gort::test]
async fn dir_builder_recursive_and_mode() {
    use std::os::unix::fs::PermissionsExt;
    bounded(async {
        let dir = Scratch::new("dir-builder");
        let err = DirBuilder::new().create(dir.path("p/q")).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound);
        DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir.path("p/q"))
            .await
            .unwrap();
        let mode = fs::metadata(dir.path("p/q"))
            .await
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o700);
    })
    .await
}
