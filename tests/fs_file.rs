//! `gort::fs::File`: tokio's semantics — write-behind with flush, reads served from the
//! read-ahead buffer, seeks and writes at the logical position, exact contents throughout.

mod fs_support;

use fs_support::{bounded, Scratch};
use gort::fs::{self, File, OpenOptions};
use gort::io::{
    AsyncBufReadExt, AsyncReadExt, AsyncSeekExt, AsyncWriteExt, BufReader, BufWriter, SeekFrom,
};
use std::io::ErrorKind;

#[gort::test]
async fn write_append_read() {
    bounded(async {
        let dir = Scratch::new("file-append");
        let path = dir.path("log.txt");
        let mut file = File::create(&path).await.unwrap();
        file.write_all(b"first\n").await.unwrap();
        file.flush().await.unwrap();
        drop(file);

        let mut log = OpenOptions::new().append(true).open(&path).await.unwrap();
        log.write_all(b"second\n").await.unwrap();
        log.write_all(b"third\n").await.unwrap();
        log.flush().await.unwrap();

        assert_eq!(fs::read(&path).await.unwrap(), b"first\nsecond\nthird\n");
        let mut text = String::new();
        File::open(&path)
            .await
            .unwrap()
            .read_to_string(&mut text)
            .await
            .unwrap();
        assert_eq!(text, "first\nsecond\nthird\n");
    })
    .await
}

#[gort::test]
async fn seek_then_read_and_write_at_the_logical_position() {
    bounded(async {
        let dir = Scratch::new("file-seek");
        let mut file = File::create_new(dir.path("f")).await.unwrap();
        file.write_all(b"0123456789").await.unwrap();
        assert_eq!(file.seek(SeekFrom::Start(2)).await.unwrap(), 2);
        let mut three = [0; 3];
        file.read_exact(&mut three).await.unwrap();
        assert_eq!(&three, b"234");
        file.write_all(b"xy").await.unwrap(); // lands at 5
        assert_eq!(file.stream_position().await.unwrap(), 7);
        assert_eq!(file.seek(SeekFrom::Current(-7)).await.unwrap(), 0);
        let mut all = String::new();
        file.read_to_string(&mut all).await.unwrap();
        assert_eq!(all, "01234xy789");
        assert_eq!(file.seek(SeekFrom::End(-1)).await.unwrap(), 9);
        assert_eq!(file.read_u8().await.unwrap(), b'9');
    })
    .await
}

#[gort::test]
async fn many_small_writes_keep_their_order() {
    bounded(async {
        let dir = Scratch::new("file-order");
        let path = dir.path("numbers");
        let mut file = File::create(&path).await.unwrap();
        file.set_max_buf_size(5); // a write is split over several blocking jobs
        let mut expected = String::new();
        for i in 0..2_000 {
            let line = format!("{i}\n");
            file.write_all(line.as_bytes()).await.unwrap();
            expected.push_str(&line);
        }
        file.flush().await.unwrap();
        assert_eq!(fs::read_to_string(&path).await.unwrap(), expected);
    })
    .await
}

#[gort::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_appenders_lose_no_line() {
    const TASKS: usize = 8;
    const LINES: usize = 250;
    bounded(async {
        let dir = Scratch::new("file-concurrent");
        let path = dir.path("shared.log");
        let mut tasks = Vec::new();
        for t in 0..TASKS {
            let path = path.clone();
            tasks.push(gort::spawn(async move {
                let mut f = OpenOptions::new()
                    .append(true)
                    .create(true)
                    .open(&path)
                    .await?;
                for i in 0..LINES {
                    // One write per line: O_APPEND keeps each one whole.
                    f.write_all(format!("task{t} line{i:04}\n").as_bytes())
                        .await?;
                }
                f.flush().await
            }));
        }
        for task in tasks {
            task.await.unwrap().unwrap();
        }
        let text = fs::read_to_string(&path).await.unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), TASKS * LINES);
        for t in 0..TASKS {
            let mine: Vec<&str> = lines
                .iter()
                .copied()
                .filter(|l| l.starts_with(&format!("task{t} ")))
                .collect();
            let want: Vec<String> = (0..LINES).map(|i| format!("task{t} line{i:04}")).collect();
            assert_eq!(mine, want, "task {t}'s lines are all there, in order");
        }
    })
    .await
}

#[gort::test(flavor = "multi_thread", worker_threads = 2)]
async fn lines_through_bufreader_and_bufwriter() {
    bounded(async {
        let dir = Scratch::new("file-lines");
        let path = dir.path("lines.txt");
        let mut out = BufWriter::new(File::create(&path).await.unwrap());
        for i in 0..1_000 {
            out.write_all(format!("line {i}\n").as_bytes())
                .await
                .unwrap();
        }
        out.flush().await.unwrap();

        let mut file = File::open(&path).await.unwrap();
        file.set_max_buf_size(7); // lines span several blocking reads
        let mut lines = BufReader::new(file).lines();
        let mut n = 0;
        while let Some(line) = lines.next_line().await.unwrap() {
            assert_eq!(line, format!("line {n}"));
            n += 1;
        }
        assert_eq!(n, 1_000);
    })
    .await
}

#[gort::test]
async fn missing_file_is_not_found() {
    bounded(async {
        let dir = Scratch::new("file-missing");
        let missing = dir.path("nope");
        assert_eq!(
            File::open(&missing).await.unwrap_err().kind(),
            ErrorKind::NotFound
        );
        assert_eq!(
            fs::read(&missing).await.unwrap_err().kind(),
            ErrorKind::NotFound
        );
        assert_eq!(
            fs::metadata(&missing).await.unwrap_err().kind(),
            ErrorKind::NotFound
        );
        assert_eq!(
            fs::remove_file(&missing).await.unwrap_err().kind(),
            ErrorKind::NotFound
        );
        let no_create = OpenOptions::new().write(true).open(&missing).await;
        assert_eq!(no_create.unwrap_err().kind(), ErrorKind::NotFound);
    })
    .await
}

#[gort::test]
async fn a_write_error_surfaces_at_flush() {
    bounded(async {
        let dir = Scratch::new("file-werr");
        let path = dir.path("ro");
        fs::write(&path, "x").await.unwrap();
        let mut read_only = File::open(&path).await.unwrap();
        // Write-behind: the write is accepted, the blocking write(2) fails (EBADF) later.
        assert_eq!(read_only.write(b"abc").await.unwrap(), 3);
        assert!(read_only.flush().await.is_err());
        read_only.flush().await.unwrap(); // reported once
        assert_eq!(fs::read(&path).await.unwrap(), b"x");
    })
    .await
}

#[gort::test]
async fn set_len_sync_metadata_and_clone() {
    bounded(async {
        let dir = Scratch::new("file-misc");
        let path = dir.path("f");
        let mut file = File::create(&path).await.unwrap();
        file.write_all(b"hello world").await.unwrap();
        file.set_len(5).await.unwrap(); // waits for the write first
        file.sync_all().await.unwrap();
        file.sync_data().await.unwrap();
        assert_eq!(file.metadata().await.unwrap().len(), 5);
        assert_eq!(fs::read(&path).await.unwrap(), b"hello");

        let mut clone = file.try_clone().await.unwrap();
        clone.seek(SeekFrom::End(0)).await.unwrap();
        clone.write_all(b"!").await.unwrap();
        clone.flush().await.unwrap();
        assert_eq!(fs::read(&path).await.unwrap(), b"hello!");

        let mut perms = file.metadata().await.unwrap().permissions();
        perms.set_readonly(true);
        file.set_permissions(perms).await.unwrap();
        assert!(fs::metadata(&path).await.unwrap().permissions().readonly());
    })
    .await
}

#[gort::test]
async fn into_std_and_try_into_std() {
    bounded(async {
        let dir = Scratch::new("file-std");
        let path = dir.path("f");
        let mut file = File::create(&path).await.unwrap();
        file.write_all(b"abc").await.unwrap();
        let mut std = file.into_std().await; // waits for the write
        assert_eq!(std::fs::read(&path).unwrap(), b"abc");

        std::io::Write::write_all(&mut std, b"def").unwrap();
        let mut file = File::from_std(std);
        file.write_all(b"g").await.unwrap();
        let file = file.try_into_std().expect_err("a write is in flight");
        let mut file = file; // still usable after the refusal
        file.flush().await.unwrap();
        let std = file.try_into_std().expect("idle now");
        assert_eq!(std.metadata().unwrap().len(), 7);
        assert_eq!(std::fs::read(&path).unwrap(), b"abcdefg");
    })
    .await
}

#[gort::test]
async fn futures_io_traits() {
    use futures::io::{AsyncReadExt as FRead, AsyncSeekExt as FSeek, AsyncWriteExt as FWrite};
    bounded(async {
        let dir = Scratch::new("file-futures");
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(dir.path("f"))
            .await
            .unwrap();
        FWrite::write_all(&mut file, b"futures-io").await.unwrap();
        FWrite::flush(&mut file).await.unwrap();
        assert_eq!(FSeek::seek(&mut file, SeekFrom::Start(8)).await.unwrap(), 8);
        let mut tail = String::new();
        FRead::read_to_string(&mut file, &mut tail).await.unwrap();
        assert_eq!(tail, "io");
        FWrite::close(&mut file).await.unwrap();
    })
    .await
}

#[gort::test]
async fn open_options_mode_and_create_new() {
    use std::os::unix::fs::PermissionsExt;
    bounded(async {
        let dir = Scratch::new("file-mode");
        let path = dir.path("secret");
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
            .await
            .unwrap();
        assert_eq!(
            file.metadata().await.unwrap().permissions().mode() & 0o777,
            0o600
        );
        let again = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .await;
        assert_eq!(again.unwrap_err().kind(), ErrorKind::AlreadyExists);
        let nofollow = OpenOptions::new()
            .read(true)
            .custom_flags(libc_o_nofollow())
            .open(&path)
            .await;
        assert!(nofollow.is_ok(), "a regular file opens with O_NOFOLLOW");
    })
    .await
}

/// `O_NOFOLLOW` on Linux (0o400000); other values elsewhere, so the test skips the flag there.
fn libc_o_nofollow() -> i32 {
    if cfg!(target_os = "linux") {
        0o400000
    } else {
        0
    }
}
