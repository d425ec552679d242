//! The per-worker run queue: a fixed 256-slot ring the owner pushes and pops without locks and
//! other workers steal half of.
//!
//! The algorithm is tokio's (`runtime/scheduler/multi_thread/queue.rs`, itself after Go's
//! `runqput`/`runqsteal`). `head` packs two 32-bit positions: `real`, the next slot the owner
//! pops, and `steal`, the first slot a stealer is still copying out (equal to `real` when no
//! steal is in progress). `tail` is written only by the owner. A slot is reusable once `steal`
//! has passed it, so the owner pushes only while `tail - steal < CAPACITY`; a full queue moves half
//! of its tasks (plus the new one) to the global injection queue in one batch.

use crate::loom::{Arc, AtomicU32, AtomicU64, UnsafeCell};
use std::mem::MaybeUninit;
use std::sync::atomic::Ordering::{AcqRel, Acquire, Relaxed, Release};

/// Slots per worker queue (a power of two).
#[cfg(not(loom))]
pub(crate) const CAPACITY: usize = 256;
/// Small under loom, so models reach the overflow path.
#[cfg(loom)]
pub(crate) const CAPACITY: usize = 4;
const MASK: usize = CAPACITY - 1;

/// Where a full queue sends its overflow (the global injection queue).
pub(crate) trait Overflow<T> {
    fn push(&self, task: T);
    fn push_batch(&self, tasks: impl Iterator<Item = T>);
}

struct Inner<T> {
    /// `steal << 32 | real`.
    head: AtomicU64,
    /// Next slot the owner writes.
    tail: AtomicU32,
    /// Times the owner moved half the queue to the overflow (metrics; written by the owner).
    overflows: AtomicU64,
    buffer: Box<[UnsafeCell<MaybeUninit<T>>]>,
}

/// The owner's end: push and pop.
pub(crate) struct Local<T: 'static> {
    inner: Arc<Inner<T>>,
}

/// Other workers' end: steal half.
pub(crate) struct Steal<T: 'static>(Arc<Inner<T>>);

impl<T> Clone for Steal<T> {
    fn clone(&self) -> Steal<T> {
        Steal(self.0.clone())
    }
}

// SAFETY: slots are handed between threads under the head/tail protocol above, so a `T` is only
// ever owned by one thread at a time; `T: Send` is what moving it between threads needs.
unsafe impl<T: Send> Send for Inner<T> {}
// SAFETY: as above.
unsafe impl<T: Send> Sync for Inner<T> {}

fn unpack(head: u64) -> (u32, u32) {
    ((head >> 32) as u32, head as u32)
}

fn pack(steal: u32, real: u32) -> u64 {
    (steal as u64) << 32 | real as u64
}

/// Creates a queue: the owner's `Local` and a cloneable `Steal`.
pub(crate) fn local<T: 'static>() -> (Steal<T>, Local<T>) {
    let buffer = (0..CAPACITY)
        .map(|_| UnsafeCell::new(MaybeUninit::uninit()))
        .collect();
    let inner = Arc::new(Inner {
        head: AtomicU64::new(0),
        tail: AtomicU32::new(0),
        overflows: AtomicU64::new(0),
        buffer,
    });
    (Steal(inner.clone()), Local { inner })
}

impl<T> Inner<T> {
    /// # Safety
    /// The caller must own slot `pos` (it is between `real` and `tail` and claimed).
    unsafe fn read(&self, pos: u32) -> T {
        self.buffer[pos as usize & MASK].with(|slot| {
            // SAFETY: forwarded; the owner initialized the slot before publishing `tail`.
            unsafe { (*slot).assume_init_read() }
        })
    }

    /// # Safety
    /// The caller must own the free slot `pos`.
    unsafe fn write(&self, pos: u32, task: T) {
        self.buffer[pos as usize & MASK].with_mut(|slot| {
            // SAFETY: forwarded.
            unsafe { (*slot).write(task) };
        })
    }

    fn len(&self) -> usize {
        let (_, real) = unpack(self.head.load(Acquire));
        let tail = self.tail.load(Acquire);
        tail.wrapping_sub(real) as usize
    }
}

impl<T: 'static> Local<T> {
    /// Number of tasks queued (a snapshot).
    pub(crate) fn len(&self) -> usize {
        self.inner.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Free slots for the owner (a lower bound).
    pub(crate) fn remaining_slots(&self) -> usize {
        let (steal, _) = unpack(self.inner.head.load(Acquire));
        let tail = self.inner.tail.load(Relaxed);
        CAPACITY - tail.wrapping_sub(steal) as usize
    }

    /// Pushes to the back; on a full queue, moves half of it and `task` to `overflow`.
    pub(crate) fn push_back_or_overflow(&mut self, mut task: T, overflow: &impl Overflow<T>) {
        loop {
            let (steal, real) = unpack(self.inner.head.load(Acquire));
            // Only the owner writes `tail`.
            let tail = self.inner.tail.load(Relaxed);
            if (tail.wrapping_sub(steal) as usize) < CAPACITY {
                // SAFETY: `tail` is outside every claimed range: the slot is free and ours.
                unsafe { self.inner.write(tail, task) };
                self.inner.tail.store(tail.wrapping_add(1), Release);
                return;
            }
            if steal != real {
                // A stealer is copying out and will free slots soon; don't wait for it.
                overflow.push(task);
                return;
            }
            match self.push_overflow(task, real, tail, overflow) {
                Ok(()) => return,
                // A stealer took some tasks meanwhile: there is room now.
                Err(back) => task = back,
            }
        }
    }

    /// Moves the oldest half of a full queue and `task` to `overflow` in one batch.
    fn push_overflow(
        &mut self,
        task: T,
        head: u32,
        tail: u32,
        overflow: &impl Overflow<T>,
    ) -> Result<(), T> {
        const HALF: u32 = (CAPACITY / 2) as u32;
        debug_assert_eq!(tail.wrapping_sub(head) as usize, CAPACITY);
        let prev = pack(head, head);
        let next = pack(head.wrapping_add(HALF), head.wrapping_add(HALF));
        if self
            .inner
            .head
            .compare_exchange(prev, next, Release, Relaxed)
            .is_err()
        {
            return Err(task);
        }
        let inner = &self.inner;
        let taken = (0..HALF).map(move |i| {
            // SAFETY: the CAS claimed slots `head..head + HALF` for us.
            unsafe { inner.read(head.wrapping_add(i)) }
        });
        overflow.push_batch(taken.chain(std::iter::once(task)));
        let overflows = &self.inner.overflows;
        overflows.store(overflows.load(Relaxed) + 1, Relaxed);
        Ok(())
    }

    /// Pops the oldest task (FIFO: the queue is fair among the tasks it holds).
    pub(crate) fn pop(&mut self) -> Option<T> {
        let mut head = self.inner.head.load(Acquire);
        let idx = loop {
            let (steal, real) = unpack(head);
            let tail = self.inner.tail.load(Relaxed);
            if real == tail {
                return None;
            }
            let next_real = real.wrapping_add(1);
            let next = if steal == real {
                pack(next_real, next_real)
            } else {
                debug_assert_ne!(steal, next_real);
                pack(steal, next_real)
            };
            match self
                .inner
                .head
                .compare_exchange(head, next, AcqRel, Acquire)
            {
                Ok(_) => break real,
                Err(actual) => head = actual,
            }
        };
        // SAFETY: the CAS moved `real` past `idx`: the slot is ours.
        Some(unsafe { self.inner.read(idx) })
    }
}

impl<T: 'static> Drop for Local<T> {
    fn drop(&mut self) {
        // Only the owner pops, so this drains every task still queued (dropping references).
        while self.pop().is_some() {}
    }
}

impl<T: 'static> Steal<T> {
    pub(crate) fn is_empty(&self) -> bool {
        self.0.len() == 0
    }

    /// Tasks queued (a snapshot).
    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }

    /// Times the owner overflowed half the queue.
    pub(crate) fn overflows(&self) -> u64 {
        self.0.overflows.load(Relaxed)
    }

    /// Steals half of this queue into `dst` (the thief's own queue) and returns one task to run.
    pub(crate) fn steal_into(&self, dst: &mut Local<T>) -> Option<T> {
        let dst_tail = dst.inner.tail.load(Relaxed);
        let (dst_steal, _) = unpack(dst.inner.head.load(Acquire));
        if dst_tail.wrapping_sub(dst_steal) as usize > CAPACITY / 2 {
            // Our own queue is more than half full: no room for half of theirs.
            return None;
        }
        let mut n = self.steal_half_into(dst, dst_tail);
        if n == 0 {
            return None;
        }
        // Run the last stolen task now; publish the rest.
        n -= 1;
        // SAFETY: slot `dst_tail + n` was just filled by us and is not yet published.
        let task = unsafe { dst.inner.read(dst_tail.wrapping_add(n)) };
        if n > 0 {
            dst.inner.tail.store(dst_tail.wrapping_add(n), Release);
        }
        Some(task)
    }

    fn steal_half_into(&self, dst: &mut Local<T>, dst_tail: u32) -> u32 {
        let mut prev = self.0.head.load(Acquire);
        // Claim the range `real..real + n`.
        let (first, n, next) = loop {
            let (steal, real) = unpack(prev);
            if steal != real {
                // Another worker is stealing from this queue.
                return 0;
            }
            let tail = self.0.tail.load(Acquire);
            let available = tail.wrapping_sub(real);
            let n = available - available / 2;
            if n == 0 {
                return 0;
            }
            let next = pack(steal, real.wrapping_add(n));
            match self.0.head.compare_exchange(prev, next, AcqRel, Acquire) {
                Ok(_) => break (real, n, next),
                Err(actual) => prev = actual,
            }
        };
        debug_assert!(n as usize <= CAPACITY / 2);
        for i in 0..n {
            // SAFETY: slots `first..first + n` are claimed by the CAS above; the destination
            // slots are past `dst_tail` and free (checked by the caller).
            unsafe {
                let task = self.0.read(first.wrapping_add(i));
                dst.inner.write(dst_tail.wrapping_add(i), task);
            }
        }
        // Release the claim: `steal` catches up with `real` (which the owner may have moved).
        let mut prev = next;
        loop {
            let (_, real) = unpack(prev);
            match self
                .0
                .head
                .compare_exchange(prev, pack(real, real), AcqRel, Acquire)
            {
                Ok(_) => return n,
                Err(actual) => {
                    let (steal, real) = unpack(actual);
                    debug_assert_ne!(steal, real);
                    prev = actual;
                }
            }
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::cell::RefCell;

    #[derive(Default)]
    struct VecOverflow(RefCell<Vec<usize>>);

    impl Overflow<usize> for VecOverflow {
        fn push(&self, task: usize) {
            self.0.borrow_mut().push(task);
        }
        fn push_batch(&self, tasks: impl Iterator<Item = usize>) {
            self.0.borrow_mut().extend(tasks);
        }
    }

    #[test]
    fn fifo_push_pop() {
        let (_steal, mut local) = local::<usize>();
        let overflow = VecOverflow::default();
        for i in 0..10 {
            local.push_back_or_overflow(i, &overflow);
        }
        let popped: Vec<usize> = std::iter::from_fn(|| local.pop()).collect();
        assert_eq!(popped, (0..10).collect::<Vec<_>>());
    }

    #[test]
    fn overflow_moves_half_and_loses_nothing() {
        let (_steal, mut local) = local::<usize>();
        let overflow = VecOverflow::default();
        let n = CAPACITY + 1;
        for i in 0..n {
            local.push_back_or_overflow(i, &overflow);
        }
        assert_eq!(overflow.0.borrow().len(), CAPACITY / 2 + 1);
        let mut all: Vec<usize> = std::iter::from_fn(|| local.pop()).collect();
        all.extend(overflow.0.borrow().iter().copied());
        all.sort_unstable();
        assert_eq!(all, (0..n).collect::<Vec<_>>());
    }

    #[test]
    fn steal_takes_half() {
        let (steal, mut local1) = local::<usize>();
        let (_s2, mut local2) = local::<usize>();
        let overflow = VecOverflow::default();
        for i in 0..10 {
            local1.push_back_or_overflow(i, &overflow);
        }
        let first = steal.steal_into(&mut local2).unwrap();
        assert_eq!(first, 4);
        assert_eq!(local2.len(), 4);
        let mut all = vec![first];
        all.extend(std::iter::from_fn(|| local1.pop()));
        all.extend(std::iter::from_fn(|| local2.pop()));
        all.sort_unstable();
        assert_eq!(all, (0..10).collect::<Vec<_>>());
    }

    #[test]
    fn concurrent_steal_loses_nothing() {
        let n = if cfg!(miri) { 200 } else { 20_000 };
        let (steal, mut local) = local::<usize>();
        let overflow = std::sync::Mutex::new(Vec::new());
        struct M<'a>(&'a std::sync::Mutex<Vec<usize>>);
        impl Overflow<usize> for M<'_> {
            fn push(&self, t: usize) {
                self.0.lock().unwrap().push(t);
            }
            fn push_batch(&self, t: impl Iterator<Item = usize>) {
                self.0.lock().unwrap().extend(t);
            }
        }
        let done = std::sync::atomic::AtomicBool::new(false);
        let (stolen, mut mine) = std::thread::scope(|s| {
            let thief = s.spawn(|| {
                let (_s, mut dst) = super::local::<usize>();
                let mut got = Vec::new();
                loop {
                    let finished = done.load(std::sync::atomic::Ordering::Acquire);
                    if let Some(t) = steal.steal_into(&mut dst) {
                        got.push(t);
                        got.extend(std::iter::from_fn(|| dst.pop()));
                    } else if finished {
                        return got;
                    }
                }
            });
            let mut mine = Vec::new();
            for i in 0..n {
                local.push_back_or_overflow(i, &M(&overflow));
                if i % 3 == 0 {
                    mine.extend(local.pop());
                }
            }
            mine.extend(std::iter::from_fn(|| local.pop()));
            done.store(true, std::sync::atomic::Ordering::Release);
            (thief.join().unwrap(), mine)
        });
        mine.extend(stolen);
        mine.extend(overflow.into_inner().unwrap());
        mine.sort_unstable();
        assert_eq!(mine, (0..n).collect::<Vec<_>>());
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;
    use loom::sync::Mutex;
    use loom::thread;

    struct VecOverflow(Mutex<Vec<usize>>);

    impl Overflow<usize> for VecOverflow {
        fn push(&self, task: usize) {
            self.0.lock().unwrap().push(task);
        }
        fn push_batch(&self, tasks: impl Iterator<Item = usize>) {
            self.0.lock().unwrap().extend(tasks);
        }
    }

    fn thief(steal: Steal<usize>) -> thread::JoinHandle<Vec<usize>> {
        thread::spawn(move || {
            let (_s, mut dst) = local::<usize>();
            let mut got = Vec::new();
            got.extend(steal.steal_into(&mut dst));
            got.extend(std::iter::from_fn(|| dst.pop()));
            got
        })
    }

    #[test]
    fn loom_queue_steal_while_owner_pops() {
        loom::model(|| {
            let (steal, mut local) = local::<usize>();
            let overflow = VecOverflow(Mutex::new(Vec::new()));
            for i in 0..3 {
                local.push_back_or_overflow(i, &overflow);
            }
            let th = thief(steal);
            let mut all: Vec<usize> = std::iter::from_fn(|| local.pop()).collect();
            all.extend(th.join().unwrap());
            all.extend(overflow.0.lock().unwrap().drain(..));
            all.sort_unstable();
            assert_eq!(all, vec![0, 1, 2]);
        });
    }

    #[test]
    fn loom_queue_overflow_while_stealing() {
        loom::model(|| {
            let (steal, mut local) = local::<usize>();
            let overflow = VecOverflow(Mutex::new(Vec::new()));
            for i in 0..CAPACITY {
                local.push_back_or_overflow(i, &overflow);
            }
            let th = thief(steal);
            // The queue is full: this push overflows half (or races with the thief).
            local.push_back_or_overflow(CAPACITY, &overflow);
            let mut all: Vec<usize> = std::iter::from_fn(|| local.pop()).collect();
            all.extend(th.join().unwrap());
            all.extend(overflow.0.lock().unwrap().drain(..));
            all.sort_unstable();
            assert_eq!(all, (0..=CAPACITY).collect::<Vec<_>>());
        });
    }
}
