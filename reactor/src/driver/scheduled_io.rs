//! One registered I/O source's shared state: its readiness word and the tasks waiting on it.
//!
//! The readiness word packs the readiness bits ([`Ready`]), a `SHUTDOWN` bit and a 16-bit
//! *tick* that the driver bumps each time it stores new readiness. mio is edge-triggered, so a
//! bit stays set until an operation hits `WouldBlock`; the operation then clears only the bits it
//! saw, and only if the tick is unchanged — readiness that arrived between the failed syscall and
//! the clear is never lost (the scheme of tokio's `ScheduledIo`).
//!
//! Waiters: `poll_read`-style operations keep one waker per direction (the last poller wins, as
//! tokio's `poll_read_ready` documents); the `readable()`/`writable()`/`ready()` futures, which
//! several tasks may await at once on a shared socket, each keep their own slot in a slab.

use super::ready::{Direction, Ready};
use crate::loom::sync::atomic::{AtomicUsize, Ordering::AcqRel, Ordering::Acquire};
use crate::loom::sync::Mutex;
use slab::Slab;
use std::panic::Location;
use std::task::{Context, Poll, Waker};

/// Above the readiness bits ([`Ready::ALL`]), below the tick.
const SHUTDOWN: usize = 1 << 6;
const _: () = assert!(SHUTDOWN & Ready::ALL.as_usize() == 0 && SHUTDOWN < 1 << TICK_SHIFT);
const TICK_SHIFT: usize = 16;
const TICK_MASK: usize = 0xffff << TICK_SHIFT;

/// A snapshot of readiness taken before an I/O attempt, used to clear it after `WouldBlock`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ReadyEvent {
    tick: usize,
    pub(crate) ready: Ready,
    pub(crate) shutdown: bool,
}

#[derive(Default)]
struct Waiters {
    reader: Option<Waker>,
    writer: Option<Waker>,
    list: Slab<ListWaiter>,
}

struct ListWaiter {
    mask: Ready,
    waker: Option<Waker>,
}

/// Shared between the driver (which sets readiness) and the socket (which waits and clears).
pub(crate) struct ScheduledIo {
    /// The mio token this registration was given: slab index plus generation.
    pub(crate) token: usize,
    readiness: AtomicUsize,
    waiters: Mutex<Waiters>,
}

impl ScheduledIo {
    pub(crate) fn new(token: usize) -> ScheduledIo {
        ScheduledIo {
            token,
            readiness: AtomicUsize::new(0),
            waiters: Mutex::new(Waiters::default()),
        }
    }

    /// Stores readiness reported by the driver (ORed into the current bits, tick bumped) and
    /// moves the wakers of every waiter it satisfies into `wake`.
    pub(crate) fn set_readiness(&self, ready: Ready, wake: &mut Vec<Waker>) {
        let mut current = self.readiness.load(Acquire);
        loop {
            let tick = ((current & TICK_MASK) >> TICK_SHIFT).wrapping_add(1) & 0xffff;
            let next = (current & !TICK_MASK) | ready.as_usize() | (tick << TICK_SHIFT);
            match self
                .readiness
                .compare_exchange_weak(current, next, AcqRel, Acquire)
            {
                Ok(_) => break,
                Err(actual) => current = actual,
            }
        }
        self.take_wakers(ready, wake);
    }

    /// Marks the source dead (its driver is gone) and wakes everyone.
    pub(crate) fn shutdown(&self, wake: &mut Vec<Waker>) {
        self.readiness.fetch_or(SHUTDOWN, AcqRel);
        self.take_wakers(Ready::ALL, wake);
    }

    fn take_wakers(&self, ready: Ready, wake: &mut Vec<Waker>) {
        let mut waiters = self.waiters.lock().unwrap();
        if ready.intersects(Direction::Read.mask()) {
            wake.extend(waiters.reader.take());
        }
        if ready.intersects(Direction::Write.mask()) {
            wake.extend(waiters.writer.take());
        }
        for (_, waiter) in waiters.list.iter_mut() {
            if ready.intersects(waiter.mask) {
                wake.extend(waiter.waker.take());
            }
        }
    }

    /// The current readiness restricted to `mask`, if any bit of it is set (or the driver is gone).
    pub(crate) fn ready_event(&self, mask: Ready) -> Option<ReadyEvent> {
        let word = self.readiness.load(Acquire);
        let ready = Ready::from_usize(word) & mask;
        let shutdown = word & SHUTDOWN != 0;
        if ready.is_empty() && !shutdown {
            return None;
        }
        Some(ReadyEvent {
            tick: (word & TICK_MASK) >> TICK_SHIFT,
            ready,
            shutdown,
        })
    }

    /// Waits (one waker per direction) until the source is ready in `direction`.
    ///
    /// A `Pending` records an I/O wait site (see `gort-waitsite`) at the reactor's own location:
    /// the I/O traits' `poll_*` methods cannot carry the caller's.
    pub(crate) fn poll_ready(
        &self,
        cx: &mut Context<'_>,
        direction: Direction,
    ) -> Poll<ReadyEvent> {
        let mask = direction.mask();
        if let Some(event) = self.ready_event(mask) {
            return Poll::Ready(event);
        }
        let mut waiters = self.waiters.lock().unwrap();
        let slot = match direction {
            Direction::Read => &mut waiters.reader,
            Direction::Write => &mut waiters.writer,
        };
        let replaced = match slot {
            Some(waker) if waker.will_wake(cx.waker()) => None,
            _ => slot.replace(cx.waker().clone()),
        };
        // Re-check under the lock: `set_readiness` stores the bits before it takes the lock, so
        // either we see them now or it sees our waker.
        let event = self.ready_event(mask);
        drop(waiters);
        // Outside the lock: a waker's `Drop` is user code and may panic (poisoning the lock).
        drop(replaced);
        match event {
            Some(event) => Poll::Ready(event),
            None => {
                io_wait(self, Location::caller());
                Poll::Pending
            }
        }
    }

    /// Like [`poll_ready`](Self::poll_ready) for a waiter with its own slot (`key`), so that
    /// several tasks can wait on the same source.
    pub(crate) fn poll_ready_shared(
        &self,
        cx: &mut Context<'_>,
        mask: Ready,
        key: &mut Option<usize>,
        site: &'static Location<'static>,
    ) -> Poll<ReadyEvent> {
        if let Some(event) = self.ready_event(mask) {
            return Poll::Ready(event);
        }
        let mut waiters = self.waiters.lock().unwrap();
        let mut replaced = None;
        match key {
            Some(k) => {
                let waiter = &mut waiters.list[*k];
                waiter.mask = mask;
                match &waiter.waker {
                    Some(w) if w.will_wake(cx.waker()) => {}
                    _ => replaced = waiter.waker.replace(cx.waker().clone()),
                }
            }
            None => {
                *key = Some(waiters.list.insert(ListWaiter {
                    mask,
                    waker: Some(cx.waker().clone()),
                }))
            }
        }
        let event = self.ready_event(mask);
        drop(waiters);
        drop(replaced); // outside the lock, as in `poll_ready`
        match event {
            Some(event) => Poll::Ready(event),
            None => {
                io_wait(self, site);
                Poll::Pending
            }
        }
    }

    /// Forgets a shared waiter's slot (its future completed or was dropped).
    pub(crate) fn remove_shared(&self, key: usize) {
        let removed = self.waiters.lock().unwrap().list.try_remove(key);
        drop(removed); // outside the lock, as in `poll_ready`
    }

    /// Clears the bits `event` saw, unless the driver stored newer readiness since (tick changed).
    /// Closed bits stay: a closed half never reopens.
    pub(crate) fn clear_readiness(&self, event: ReadyEvent) {
        let clear = event.ready.without_closed().as_usize();
        let mut current = self.readiness.load(Acquire);
        loop {
            if (current & TICK_MASK) >> TICK_SHIFT != event.tick {
                return;
            }
            let next = current & !clear;
            match self
                .readiness
                .compare_exchange_weak(current, next, AcqRel, Acquire)
            {
                Ok(_) => return,
                Err(actual) => current = actual,
            }
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn clear_keeps_readiness_that_arrived_after_the_snapshot() {
        let io = ScheduledIo::new(0);
        let mut wake = Vec::new();
        io.set_readiness(Ready::READABLE, &mut wake);
        let seen = io.ready_event(Direction::Read.mask()).unwrap();
        // New readiness lands between the failed read and the clear.
        io.set_readiness(Ready::READABLE, &mut wake);
        io.clear_readiness(seen);
        assert!(io.ready_event(Direction::Read.mask()).is_some());
        // Without a newer event the clear goes through.
        let seen = io.ready_event(Direction::Read.mask()).unwrap();
        io.clear_readiness(seen);
        assert!(io.ready_event(Direction::Read.mask()).is_none());
    }

    #[test]
    fn closed_bits_survive_clear_and_wake_the_right_direction() {
        let io = ScheduledIo::new(0);
        let waker = futures::task::noop_waker();
        let mut cx = Context::from_waker(&waker);
        assert!(io.poll_ready(&mut cx, Direction::Read).is_pending());
        assert!(io.poll_ready(&mut cx, Direction::Write).is_pending());
        let mut wake = Vec::new();
        io.set_readiness(Ready::READ_CLOSED, &mut wake);
        assert_eq!(wake.len(), 1, "only the reader is woken");
        let ev = io.ready_event(Direction::Read.mask()).unwrap();
        io.clear_readiness(ev);
        assert!(io.ready_event(Direction::Read.mask()).is_some());
        assert!(io.ready_event(Direction::Write.mask()).is_none());
    }

    #[test]
    fn priority_wakes_only_priority_waiters_and_clears_alone() {
        let io = ScheduledIo::new(0);
        let waker = futures::task::noop_waker();
        let mut cx = Context::from_waker(&waker);
        let priority = Ready::PRIORITY | Ready::READ_CLOSED | Ready::ERROR;
        let (mut pri, mut wr) = (None, None);
        assert!(io
            .poll_ready_shared(&mut cx, priority, &mut pri, Location::caller())
            .is_pending());
        assert!(io
            .poll_ready_shared(
                &mut cx,
                Direction::Write.mask(),
                &mut wr,
                Location::caller()
            )
            .is_pending());
        assert!(io.poll_ready(&mut cx, Direction::Read).is_pending());
        let mut wake = Vec::new();
        io.set_readiness(Ready::WRITABLE, &mut wake);
        assert_eq!(
            wake.len(),
            1,
            "writability wakes the writer, not the priority waiter"
        );
        let mut wake = Vec::new();
        io.set_readiness(Ready::PRIORITY, &mut wake);
        assert_eq!(wake.len(), 1, "priority wakes its waiter, not the reader");
        let seen = io.ready_event(priority).unwrap();
        assert!(seen.ready == Ready::PRIORITY && !seen.shutdown);
        io.clear_readiness(seen);
        assert!(io.ready_event(priority).is_none(), "priority cleared");
        assert!(io.ready_event(Ready::WRITABLE).is_some(), "writable kept");
        io.remove_shared(pri.unwrap());
        io.remove_shared(wr.unwrap());
    }

    #[test]
    fn shared_waiters_each_get_woken() {
        let io = ScheduledIo::new(0);
        let waker = futures::task::noop_waker();
        let mut cx = Context::from_waker(&waker);
        let (mut a, mut b) = (None, None);
        assert!(io
            .poll_ready_shared(&mut cx, Direction::Read.mask(), &mut a, Location::caller())
            .is_pending());
        assert!(io
            .poll_ready_shared(&mut cx, Direction::Read.mask(), &mut b, Location::caller())
            .is_pending());
        let mut wake = Vec::new();
        io.set_readiness(Ready::READABLE, &mut wake);
        assert_eq!(wake.len(), 2);
        io.remove_shared(a.unwrap());
        io.remove_shared(b.unwrap());
        let mut wake = Vec::new();
        io.shutdown(&mut wake);
        assert!(wake.is_empty());
        assert!(io.ready_event(Ready::WRITABLE).unwrap().shutdown);
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;
    use loom::sync::atomic::{AtomicBool, Ordering::SeqCst};
    use loom::sync::Arc;
    use std::task::Wake;

    struct Flag(AtomicBool);
    impl Wake for Flag {
        fn wake(self: std::sync::Arc<Self>) {
            self.0.store(true, SeqCst);
        }
    }

    /// A read that hit `WouldBlock` clears readiness while the driver stores a new event: the
    /// new event must survive, or the task would sleep forever on a readable socket.
    #[test]
    fn loom_clear_never_loses_a_new_event() {
        loom::model(|| {
            let io = Arc::new(ScheduledIo::new(0));
            let mut wake = Vec::new();
            io.set_readiness(Ready::READABLE, &mut wake);
            let seen = io.ready_event(Direction::Read.mask()).unwrap();
            let driver = {
                let io = io.clone();
                loom::thread::spawn(move || {
                    let mut wake = Vec::new();
                    io.set_readiness(Ready::READABLE, &mut wake);
                })
            };
            io.clear_readiness(seen);
            driver.join().unwrap();
            assert!(io.ready_event(Direction::Read.mask()).is_some());
        });
    }

    /// A task registering its waker races the driver storing readiness: either the task sees
    /// the readiness or the driver wakes it.
    #[test]
    fn loom_poll_ready_never_misses_a_wakeup() {
        loom::model(|| {
            let io = Arc::new(ScheduledIo::new(0));
            let driver = {
                let io = io.clone();
                loom::thread::spawn(move || {
                    let mut wake = Vec::new();
                    io.set_readiness(Ready::WRITABLE, &mut wake);
                    wake
                })
            };
            let flag = std::sync::Arc::new(Flag(AtomicBool::new(false)));
            let waker = Waker::from(flag.clone());
            let mut cx = Context::from_waker(&waker);
            let ready_now = io.poll_ready(&mut cx, Direction::Write).is_ready();
            for w in driver.join().unwrap() {
                w.wake();
            }
            assert!(ready_now || flag.0.load(SeqCst));
        });
    }
}

/// Records an I/O readiness wait of the current task on `io`, made at `site`.
#[inline]
fn io_wait(io: &ScheduledIo, site: &'static Location<'static>) {
    let me = std::ptr::from_ref(io).cast();
    gort_waitsite::record(gort_waitsite::WaitKind::IoReadiness, me, 0, site);
}
