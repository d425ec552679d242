//! `tokio::fs` and `tokio::process` through the drop-in: gort's `fs` (on the blocking pool) and
//! `process` (pidfd/SIGCHLD reaping, pipes on the reactor) under tokio's paths.

use std::io::ErrorKind;
use std::process::Stdio;

use gort_ecosystem::within;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A fresh directory under the system's temp dir, removed when dropped.
struct Scratch(std::path::PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("gort-eco-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[tokio::test]
async fn fs_write_append_read_and_read_dir() {
    within(30, "the fs calls", async {
        let dir = Scratch::new("fs");
        let log = dir.0.join("log.txt");
        tokio::fs::write(&log, "one\n").await.unwrap();
        let mut file = tokio::fs::OpenOptions::new()
            .append(true)
            .open(&log)
            .await
            .unwrap();
        file.write_all(b"two\n").await.unwrap();
        file.flush().await.unwrap();
        drop(file);
        assert_eq!(tokio::fs::read_to_string(&log).await.unwrap(), "one\ntwo\n");

        let mut file = tokio::fs::File::open(&log).await.unwrap();
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).await.unwrap();
        assert_eq!(bytes, b"one\ntwo\n");

        tokio::fs::create_dir_all(dir.0.join("sub/inner"))
            .await
            .unwrap();
        tokio::fs::write(dir.0.join("sub/a"), b"a").await.unwrap();
        let mut names = Vec::new();
        let mut entries = tokio::fs::read_dir(&dir.0).await.unwrap();
        while let Some(entry) = entries.next_entry().await.unwrap() {
            names.push(entry.file_name().into_string().unwrap());
        }
        names.sort();
        assert_eq!(names, ["log.txt", "sub"]);
    })
    .await;
}

#[tokio::test]
async fn fs_missing_file_is_not_found() {
    let dir = Scratch::new("missing");
    let err = tokio::fs::read(dir.0.join("nope")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    let err = tokio::fs::File::open(dir.0.join("nope")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
}

#[tokio::test]
async fn process_output_pipe_and_exit_code() {
    within(30, "the child processes", async {
        let out = tokio::process::Command::new("echo")
            .arg("hello gort")
            .output()
            .await
            .unwrap();
        assert!(out.status.success());
        assert_eq!(out.stdout, b"hello gort\n");

        let mut cat = tokio::process::Command::new("cat")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = cat.stdin.take().unwrap();
        let writer = tokio::spawn(async move {
            for i in 0..100 {
                stdin
                    .write_all(format!("line {i}\n").as_bytes())
                    .await
                    .unwrap();
            }
            // Dropping stdin closes the pipe: cat sees EOF and exits.
        });
        let mut echoed = String::new();
        cat.stdout
            .take()
            .unwrap()
            .read_to_string(&mut echoed)
            .await
            .unwrap();
        writer.await.unwrap();
        let expected: String = (0..100).map(|i| format!("line {i}\n")).collect();
        assert_eq!(echoed, expected);
        assert!(cat.wait().await.unwrap().success());

        let status = tokio::process::Command::new("sh")
            .args(["-c", "exit 3"])
            .status()
            .await
            .unwrap();
        assert_eq!(status.code(), Some(3));
    })
    .await;
}
