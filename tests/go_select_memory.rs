//! Go's `test/chan/select2.go` on gort: selects do not keep memory. Each `select!` below parks
//! on two unbuffered channels and completes on one, so its waiter on the other (and its shared
//! token) must be freed, not left to pile up in that channel's wait-list.
//!
//! This binary counts live heap bytes with its own global allocator, so it holds this one test.

use gort::chan;
use gort::select;
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering::Relaxed};
use std::time::Duration;

mod support;

/// The system allocator, counting the bytes it has handed out and not yet taken back.
struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

// SAFETY: every call is forwarded unchanged to `System`, which upholds `GlobalAlloc`'s
// contract; the counter is only bookkeeping.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Relaxed);
        // SAFETY: the caller's `layout` obligations carry over unchanged.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Relaxed);
        // SAFETY: `ptr` came from `System` with this `layout` (every allocation goes through us).
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(new_size as isize - layout.size() as isize, Relaxed);
        // SAFETY: as for `dealloc`, and `new_size` is the caller's valid request.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const SELECTS: usize = 20_000;

/// `SELECTS` selects over `c` (fed by a task) and `dummy` (never ready).
async fn selects(c: &chan::Receiver<u32>, c_tx: &chan::Sender<u32>, dummy: &chan::Receiver<u32>) {
    let tx = c_tx.clone();
    let sender = gort::spawn(async move {
        for _ in 0..SELECTS {
            tx.send(1).await.unwrap();
        }
    });
    for _ in 0..SELECTS {
        select! {
            v = c.recv() => assert_eq!(v, Some(1)),
            v = dummy.recv() => panic!("dummy: {v:?}"),
        }
    }
    sender.await.unwrap();
}

#[test]
fn select2_selects_do_not_keep_memory() {
    support::on_both_flavors(Duration::from_secs(20), |flavor| async move {
        let (c_tx, c) = chan::bounded::<u32>(0);
        let (_dummy_tx, dummy) = chan::bounded::<u32>(0);
        selects(&c, &c_tx, &dummy).await; // warm up: wait-list slabs, task slots
        let before = LIVE.load(Relaxed);
        selects(&c, &c_tx, &dummy).await;
        let grown = LIVE.load(Relaxed) - before;
        // Go allows 110 000 bytes for 100 000 selects; here 64 bytes stay (runtime noise), and a
        // waiter or token kept per select would be 20 000 times its size.
        assert!(
            grown < 32_768,
            "{flavor}: {grown} bytes kept by {SELECTS} selects"
        );
    });
}
