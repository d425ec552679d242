//! gort's in-memory pipes and split halves used from tasks on different worker threads (tokio's
//! multi-thread scheduler drives them here: gort's io utilities work on any executor). Counts
//! are checked exactly: nothing lost, nothing duplicated, order kept.

use gort::io::{
    copy, copy_bidirectional, duplex, split, AsyncBufReadExt, AsyncReadExt, AsyncWriteExt,
    BufReader, BufWriter,
};
use std::time::Duration;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// Fails instead of hanging if a wakeup is lost.
async fn bounded<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(20), f)
        .await
        .expect("timed out: lost wakeup?")
}

#[test]
fn split_halves_on_two_worker_threads() {
    const N: u32 = 200_000;
    runtime().block_on(bounded(async {
        let (a, b) = duplex(4096);
        let (mut a_rd, mut a_wr) = split(a);
        let (mut b_rd, mut b_wr) = split(b);
        // a -> b: N numbers; b -> a: the same numbers doubled, echoed by another task.
        let writer = tokio::spawn(async move {
            let mut w = BufWriter::new(&mut a_wr);
            for i in 0..N {
                w.write_u32(i).await.unwrap();
            }
            w.shutdown().await.unwrap();
            a_wr
        });
        let echo = tokio::spawn(async move {
            let mut r = BufReader::new(&mut b_rd);
            let mut w = BufWriter::new(&mut b_wr);
            let mut count = 0u32;
            while let Ok(v) = r.read_u32().await {
                w.write_u64(v as u64 * 2).await.unwrap();
                count += 1;
            }
            w.shutdown().await.unwrap();
            count
        });
        let reader = tokio::spawn(async move {
            let mut r = BufReader::new(&mut a_rd);
            let mut expected = 0u64;
            while let Ok(v) = r.read_u64().await {
                assert_eq!(v, expected * 2, "in order, none lost or duplicated");
                expected += 1;
            }
            (a_rd, expected)
        });
        let a_wr = writer.await.unwrap();
        assert_eq!(echo.await.unwrap(), N);
        let (a_rd, received) = reader.await.unwrap();
        assert_eq!(received, N as u64);
        let _a = a_rd.unsplit(a_wr);
    }));
}

#[test]
fn many_pipes_copied_concurrently() {
    runtime().block_on(bounded(async {
        let mut tasks = Vec::new();
        for id in 0..32u32 {
            tasks.push(tokio::spawn(async move {
                let len = 10_000 + id as usize * 777;
                let data: Vec<u8> = (0..len).map(|i| (i as u32 ^ id) as u8).collect();
                let (mut tx, mut rx) = duplex(97);
                let expected = data.clone();
                let send = tokio::spawn(async move {
                    let n = copy(&mut &data[..], &mut tx).await.unwrap();
                    tx.shutdown().await.unwrap();
                    n
                });
                let mut got = Vec::new();
                let n = copy(&mut rx, &mut got).await.unwrap();
                assert_eq!(send.await.unwrap(), n);
                assert_eq!(n as usize, len);
                assert!(got == expected, "pipe {id} delivered its bytes intact");
                n
            }));
        }
        let mut total = 0;
        for t in tasks {
            total += t.await.unwrap();
        }
        let expected: u64 = (0..32u64).map(|id| 10_000 + id * 777).sum();
        assert_eq!(total, expected);
    }));
}

#[test]
fn line_protocol_through_a_proxy() {
    runtime().block_on(bounded(async {
        let (mut client, mut proxy_in) = duplex(64);
        let (mut proxy_out, server) = duplex(64);
        let proxy = tokio::spawn(async move {
            copy_bidirectional(&mut proxy_in, &mut proxy_out)
                .await
                .unwrap()
        });
        let server = tokio::spawn(async move {
            let (rd, mut wr) = split(server);
            let mut lines = BufReader::new(rd).lines();
            let mut n = 0;
            while let Some(line) = lines.next_line().await.unwrap() {
                wr.write_all(format!("{}\n", line.len()).as_bytes())
                    .await
                    .unwrap();
                n += 1;
            }
            wr.shutdown().await.unwrap();
            n
        });
        let (rd, mut wr) = split(&mut client);
        let send = async move {
            for i in 0..1000 {
                wr.write_all(format!("{}\n", "x".repeat(i % 50)).as_bytes())
                    .await
                    .unwrap();
            }
            wr.shutdown().await.unwrap();
        };
        let recv = async move {
            let mut lines = BufReader::new(rd).lines();
            let mut got = Vec::new();
            while let Some(line) = lines.next_line().await.unwrap() {
                got.push(line.parse::<usize>().unwrap());
            }
            got
        };
        let ((), got) = tokio::join!(send, recv);
        assert_eq!(got, (0..1000).map(|i| i % 50).collect::<Vec<_>>());
        assert_eq!(server.await.unwrap(), 1000);
        let (up, down) = proxy.await.unwrap();
        let sent: u64 = (0..1000u64).map(|i| i % 50 + 1).sum();
        assert_eq!(up, sent);
        assert_eq!(
            down,
            got.iter()
                .map(|n| n.to_string().len() as u64 + 1)
                .sum::<u64>()
        );
    }));
}
