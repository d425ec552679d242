use super::{pattern, with_timeout};
use crate::io::{duplex, split, AsyncReadExt, AsyncWriteExt, DuplexStream};
use futures::executor::block_on;

#[test]
fn halves_from_two_tasks_on_one_thread() {
    block_on(async {
        let (a, b) = duplex(8);
        let (mut a_rd, mut a_wr) = split(a);
        let (mut b_rd, mut b_wr) = split(b);
        let n = if cfg!(miri) { 50 } else { 5_000 };
        // Four tasks: each side writes n numbers and reads the other side's n numbers.
        let a_send = async {
            for i in 0..n {
                a_wr.write_u32(i).await.unwrap();
            }
            a_wr.shutdown().await.unwrap();
        };
        let b_send = async {
            for i in 0..n {
                b_wr.write_u32(i * 2).await.unwrap();
            }
            b_wr.shutdown().await.unwrap();
        };
        let a_recv = async {
            let mut got = Vec::new();
            while let Ok(v) = a_rd.read_u32().await {
                got.push(v);
            }
            got
        };
        let b_recv = async {
            let mut got = Vec::new();
            while let Ok(v) = b_rd.read_u32().await {
                got.push(v);
            }
            got
        };
        let ((), (), from_b, from_a) = futures::join!(a_send, b_send, a_recv, b_recv);
        assert_eq!(from_a, (0..n).collect::<Vec<_>>());
        assert_eq!(from_b, (0..n).map(|i| i * 2).collect::<Vec<_>>());
        assert!(a_rd.is_pair_of(&a_wr) && !a_rd.is_pair_of(&b_wr));
        let _a: DuplexStream = a_rd.unsplit(a_wr);
    });
}

#[test]
fn halves_on_two_threads() {
    let data = pattern(if cfg!(miri) { 300 } else { 200_000 });
    let expected = data.clone();
    let got = with_timeout(20, move || {
        let (a, mut b) = duplex(333);
        let (mut rd, mut wr) = split(a);
        let writer = std::thread::spawn(move || {
            block_on(async {
                wr.write_all(&data).await.unwrap();
                wr.shutdown().await.unwrap();
                wr
            })
        });
        // Echo on b, read back on the read half, on this thread.
        let (echoed, ()) = block_on(async {
            let (mut b_rd, mut b_wr) = split(&mut b);
            let echo = async {
                crate::io::copy(&mut b_rd, &mut b_wr).await.unwrap();
                b_wr.shutdown().await.unwrap();
            };
            let mut got = Vec::new();
            let read = async {
                rd.read_to_end(&mut got).await.unwrap();
            };
            futures::join!(read, echo);
            (got, ())
        });
        let wr = writer.join().unwrap();
        let _a = rd.unsplit(wr);
        echoed
    });
    assert!(
        got == expected,
        "echo returned {} of {} bytes intact",
        got.len(),
        expected.len()
    );
}

#[test]
#[should_panic(expected = "different splits")]
fn unsplit_of_foreign_halves_panics() {
    let (r1, _w1) = split(duplex(1).0);
    let (_r2, w2) = split(duplex(1).0);
    let _ = r1.unsplit(w2);
}

#[test]
fn halves_are_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<crate::io::ReadHalf<DuplexStream>>();
    assert_send_sync::<crate::io::WriteHalf<DuplexStream>>();
    assert_send_sync::<DuplexStream>();
}
