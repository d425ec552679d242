//! The unbounded flavor: a lock-free MPMC queue that never makes a sender wait.
//!
//! A linked list of blocks of [`BLOCK_CAP`] slots — the layout of crossbeam-channel's list
//! flavor (after Dmitry Vyukov's unbounded queue). `head` and `tail` are positions: an index
//! (bumped by one compare-and-swap per pop or push) plus the block holding it. Index `i` lives at
//! offset `(i >> SHIFT) % LAP` of its block; offset `BLOCK_CAP` is never used — the push that
//! takes a block's last slot links a fresh block and moves `tail` past that offset, so a push or
//! pop that sees it knows the next block is being installed and waits for it.
//!
//! A pop wins its index with the CAS on `head`, then waits for the slot's `written` flag (the
//! push that won the index is between its CAS and its write: a few instructions). Memory goes
//! back as it is consumed: every reader of a block raises its slot's flag in the block's `read`
//! array with a plain store, and the pop that took the block's last slot waits for the other
//! flags (readers between their CAS and their read: a few instructions) and gives the block
//! up — so an unbounded channel gives memory back after a burst. The list keeps the last
//! block given up for the next push that needs a new one (freeing the one it replaces): a
//! steady stream then reuses two blocks instead of allocating one per [`BLOCK_CAP`] values on
//! the producer's thread and freeing it on the consumer's (a tenth of a 1→1 stream's time,
//! much of it on the allocator's locks).
//!
//! A flag is a store, not a read-modify-write: a locked instruction per message (crossbeam
//! marks each slot with `fetch_or`; a shared count of finished reads costs the same) stalls
//! the consumer until its earlier cache misses complete, and was the most expensive
//! instruction of a drain. Write flags are bytes, eight of them ahead of their eight values
//! ([`Group`]): a burst that runs ahead of its consumer writes every value to memory and reads
//! it back, and faults in every page of its blocks, so bytes per value is its cost (a `usize`
//! takes 10 bytes of a block, not crossbeam's 16); yet a consumer a group or two behind its
//! producer reads no cache line the producer is writing.
//!
//! A consumer close behind a producer would read `tail`, which every push writes, on every pop
//! (to tell "empty" from "not yet written"): `head` keeps the `tail` a pop last read, and pops
//! behind it skip the look (the producer's CAS on `tail` then owns its line undisturbed).
//!
//! Closing sets [`CLOSED`] in `tail`'s index (one `fetch_or`, crossbeam's mark bit): a push
//! compares against the whole index, so one that won its index before the mark counts (a
//! receive waits for its value) and every later one fails — a lock-free send that checked the
//! channel's `closed` flag just before a close cannot land its value behind a receive's `None`.
//!
//! Waiting (for a write in flight, or for the next block) spins a few times with growing
//! pauses, then yields the thread: the awaited thread holds no lock, so it finishes once it runs.

use super::shim::{
    backoff, seqcst_rmw_done, AtomicBool, AtomicPtr, AtomicUsize, CachePadded, Gap, Ordering,
};
use std::cell::UnsafeCell;
use std::marker::PhantomData;
use std::mem::MaybeUninit;
use std::ptr;

/// Indices per block, one of them the unused offset that marks "next block coming" (tiny
/// blocks under loom, so its models cross block boundaries).
#[cfg(not(loom))]
const LAP: usize = 64;
#[cfg(loom)]
const LAP: usize = 3;
/// Slots per block.
pub(crate) const BLOCK_CAP: usize = LAP - 1;
/// Low index bits used for flags.
const SHIFT: usize = 1;
/// In `head.index`: the head block is not the last one (no need to look at `tail`).
const HAS_NEXT: usize = 1;
/// In `tail.index`: closed, every push fails.
const CLOSED: usize = 1;

/// Slots per [`Group`] (one under loom, whose blocks are tiny).
#[cfg(not(loom))]
const GROUP: usize = 8;
#[cfg(loom)]
const GROUP: usize = 1;

/// [`GROUP`] consecutive slots: their write flags, then their values.
#[repr(C)]
struct Group<T> {
    /// `written[i]`: the slot's value is written (set only by the push that won its index).
    written: [AtomicBool; GROUP],
    values: [UnsafeCell<MaybeUninit<T>>; GROUP],
}

/// A block: [`BLOCK_CAP`] slots in groups (the last group has the unused offset), then a read
/// flag per slot, written by its pop (see the module docs).
struct Block<T> {
    groups: [Group<T>; LAP / GROUP],
    next: AtomicPtr<Block<T>>,
    /// `read[i]`: slot `i`'s reader is done with the block (written only by that reader).
    read: [AtomicBool; BLOCK_CAP],
}

/// Waits for a flag another thread is about to raise.
#[cold]
fn wait_for(flag: &AtomicBool) {
    let mut step = 0;
    while !flag.load(Ordering::Acquire) {
        backoff(&mut step);
    }
}

/// Keeps an emptied block in `kept` for the next push that needs a block (sparing the
/// allocator a free and a malloc per block, each on another thread), freeing the one it
/// replaces: a list holds at most one such block beyond its queued values.
///
/// # Safety
///
/// `block` came from `Box::into_raw`, and nobody touches it any more.
unsafe fn keep_for_reuse<T>(kept: &AtomicPtr<Block<T>>, block: *mut Block<T>) {
    // Release: everything done with `block` happens before its reuse; acquire: likewise for
    // the block it replaces, freed here.
    let replaced = kept.swap(block, Ordering::AcqRel);
    if !replaced.is_null() {
        // SAFETY: `kept` holds only such blocks; the swap made this one ours alone.
        drop(unsafe { Box::from_raw(replaced) });
    }
}

impl<T> Block<T> {
    fn new() -> Box<Self> {
        Box::new(Block {
            groups: std::array::from_fn(|_| Group {
                written: std::array::from_fn(|_| AtomicBool::new(false)),
                values: std::array::from_fn(|_| UnsafeCell::new(MaybeUninit::uninit())),
            }),
            next: AtomicPtr::new(ptr::null_mut()),
            read: std::array::from_fn(|_| AtomicBool::new(false)),
        })
    }

    /// Makes an emptied block (every slot written and read) like new, for reuse.
    fn reset(&mut self) {
        for group in &self.groups {
            for flag in &group.written {
                flag.store(false, Ordering::Relaxed);
            }
        }
        for flag in &self.read {
            flag.store(false, Ordering::Relaxed);
        }
        self.next.store(ptr::null_mut(), Ordering::Relaxed);
    }

    /// Slot `offset`'s write flag.
    #[inline(always)]
    #[cfg_attr(loom, allow(clippy::modulo_one))] // one slot per group under loom
    fn written(&self, offset: usize) -> &AtomicBool {
        &self.groups[offset / GROUP].written[offset % GROUP]
    }

    /// Slot `offset`'s value.
    #[inline(always)]
    #[cfg_attr(loom, allow(clippy::modulo_one))] // one slot per group under loom
    fn value(&self, offset: usize) -> &UnsafeCell<MaybeUninit<T>> {
        &self.groups[offset / GROUP].values[offset % GROUP]
    }

    fn wait_next(&self) -> *mut Self {
        let mut step = 0;
        loop {
            let next = self.next.load(Ordering::Acquire);
            if !next.is_null() {
                return next;
            }
            backoff(&mut step);
        }
    }

    /// Writes a value into slot `offset` and publishes it.
    ///
    /// # Safety
    ///
    /// `this` is alive; the caller won the index of slot `offset` (so the slot is its alone until
    /// its `written` flag is raised).
    #[inline]
    unsafe fn write_slot(this: *mut Self, offset: usize, value: T) {
        // SAFETY: alive until the slot is read, which waits for the flag raised below.
        let block = unsafe { &*this };
        // SAFETY: nobody reads the slot before its `written` flag is raised.
        unsafe { (*block.value(offset).get()).write(value) };
        // Only this push writes the flag. Release: the value is written before it.
        block.written(offset).store(true, Ordering::Release);
    }

    /// Takes the value of slot `offset`, not the block's last (waiting for its write), and
    /// marks the read done.
    ///
    /// # Safety
    ///
    /// `this` is alive; the caller won the index of slot `offset`, not the block's last.
    #[inline]
    unsafe fn read_slot(this: *mut Self, offset: usize) -> T {
        // SAFETY: alive until this read is marked done (below).
        let block = unsafe { &*this };
        let written = block.written(offset);
        if !written.load(Ordering::Acquire) {
            wait_for(written);
        }
        // SAFETY: as ours; the flag is raised (acquired above).
        unsafe { Self::take_written(this, offset) }
    }

    /// Takes the value of slot `offset`, whose `written` flag the caller acquired raised, and
    /// marks the read done (no wait: nothing to call).
    ///
    /// # Safety
    ///
    /// As [`read_slot`](Self::read_slot), and the caller acquired the slot's `written` flag
    /// raised.
    #[inline(always)]
    unsafe fn take_written(this: *mut Self, offset: usize) -> T {
        // SAFETY: alive until this read is marked done (below); the `written` flag (acquired)
        // says the push finished writing; only we read this slot.
        let value = unsafe { (*(*this).value(offset).get()).assume_init_read() };
        // SAFETY: we won the slot's index and are done with the block.
        unsafe { Self::read_done(this, offset) };
        value
    }

    /// Marks the read of slot `offset` (not the block's last) done.
    ///
    /// # Safety
    ///
    /// `this` is alive; the caller won the index of slot `offset`, has finished with its slot,
    /// and touches the block no more.
    #[inline]
    unsafe fn read_done(this: *mut Self, offset: usize) {
        debug_assert!(
            offset + 1 < BLOCK_CAP,
            "the last slot's read is `read_last_slot`"
        );
        // SAFETY: the block is alive until its last slot's reader sees this flag.
        // Release: our read of the slot happens before the block is freed or reused.
        unsafe { (*this).read[offset].store(true, Ordering::Release) };
    }

    /// Takes the value of the block's last slot (waiting for its write), waits for every
    /// other reader to be done, and hands the emptied block to `kept` (the list's one block
    /// kept for reuse: [`BlockList::fresh_block`]).
    ///
    /// # Safety
    ///
    /// `this` came from `Box::into_raw`; the caller won the index of the block's last slot, is
    /// done with `next`, and touches the block no more.
    #[cold]
    unsafe fn read_last_slot(this: *mut Self, kept: &AtomicPtr<Self>) -> T {
        // SAFETY: alive until every reader is done (below); the caller won the last index.
        let value = unsafe {
            let written = (*this).written(BLOCK_CAP - 1);
            if !written.load(Ordering::Acquire) {
                wait_for(written);
            }
            (*(*this).value(BLOCK_CAP - 1).get()).assume_init_read()
        };
        // SAFETY: alive until we give it up below; only readers of this block write `read`.
        let read = unsafe { &(*this).read };
        for flag in &read[..BLOCK_CAP - 1] {
            // Acquire: every other reader's accesses to the block happen before its reuse.
            if !flag.load(Ordering::Acquire) {
                wait_for(flag);
            }
        }
        // SAFETY: every slot is read, no index of the block can be taken any more (its last
        // index is taken, `head` is past it), and every writer finished before its slot's
        // reader read it: nobody else touches the block again.
        unsafe { keep_for_reuse(kept, this) };
        value
    }
}

/// What [`BlockList::pop_uncontended`] did.
pub(crate) enum Pop<'a, T> {
    /// Popped.
    Value(T),
    /// Empty.
    Empty,
    /// Won a slot whose push has not written it yet: [`ClaimedSlot::read`] waits for it.
    Unwritten(ClaimedSlot<'a, T>),
    /// Not the common case, nothing taken: [`BlockList::pop`] does it all.
    Other,
}

/// A slot a pop won (its index is past `head`) and has not read yet: its value is this pop's
/// alone, and the block stays alive until it is read. Dropping it unread would leak the value
/// and keep the block forever, so it is only ever read.
#[must_use = "the value of a won slot must be read"]
pub(crate) struct ClaimedSlot<'a, T> {
    block: *mut Block<T>,
    offset: usize,
    _list: PhantomData<&'a BlockList<T>>,
}

impl<T> ClaimedSlot<'_, T> {
    /// Waits for the slot's value (the push that won its index is writing it) and takes it.
    #[cold]
    #[inline(never)]
    pub(crate) fn read(self) -> T {
        // SAFETY: the pop that made `self` won the index of this slot, not its block's last,
        // and the block is alive until it is read (see `pop_uncontended`).
        unsafe { Block::read_slot(self.block, self.offset) }
    }
}

/// An index and the block holding it.
struct Position<T> {
    index: AtomicUsize,
    block: AtomicPtr<Block<T>>,
    /// In `head`: a `tail` index a pop read, so at most `tail` (see the module docs); a pop
    /// below it knows its slot is taken without reading `tail`. Unused in `tail`.
    ///
    /// The flag bits below `SHIFT` mean [`HAS_NEXT`] in `head` and [`CLOSED`] in `tail`.
    seen: AtomicUsize,
}

impl<T> Position<T> {
    fn new() -> Self {
        Position {
            index: AtomicUsize::new(0),
            block: AtomicPtr::new(ptr::null_mut()),
            seen: AtomicUsize::new(0),
        }
    }
}

/// `repr(C)`: `kept` (written once per block), a gap, then the two positions, 128 bytes apart
/// (see [`CachePadded`]).
#[repr(C)]
pub(crate) struct BlockList<T> {
    /// An emptied block kept for the next push that needs one, or null (see
    /// [`keep_for_reuse`]).
    kept: AtomicPtr<Block<T>>,
    gap: Gap,
    head: CachePadded<Position<T>>,
    tail: CachePadded<Position<T>>,
}

// SAFETY: values move between threads through the slots (hence `T: Send`); a slot's value is
// written only by the push that won its index and read only by the pop that won it, ordered by
// the slot's `written` flag (release/acquire).
unsafe impl<T: Send> Send for BlockList<T> {}
// SAFETY: as above.
unsafe impl<T: Send> Sync for BlockList<T> {}

impl<T> BlockList<T> {
    pub(crate) fn new() -> Self {
        BlockList {
            kept: AtomicPtr::new(ptr::null_mut()),
            gap: Gap::NEW,
            head: CachePadded::new(Position::new()),
            tail: CachePadded::new(Position::new()),
        }
    }

    /// Blocks still allocated: the chain from the head block on (tests only; call it while no
    /// pop runs).
    #[cfg(all(test, not(loom)))]
    pub(crate) fn live_blocks(&self) -> usize {
        let mut n = 0;
        let mut block = self.head.block.load(Ordering::Acquire);
        while !block.is_null() {
            n += 1;
            // SAFETY: tests call this while no pop runs, so the chain is stable and alive.
            block = unsafe { (*block).next.load(Ordering::Acquire) };
        }
        n
    }

    /// Pushes `value` at the tail; gives it back only once the list is closed ([`close`]).
    ///
    /// The common case — a slot that is not its block's last, no contention — stays inline in
    /// the caller: two loads, the CAS, the write. Everything else goes to [`push_slow`].
    ///
    /// [`push_slow`]: Self::push_slow
    /// [`close`]: Self::close
    #[inline]
    pub(crate) fn push(&self, value: T) -> Result<(), T> {
        self.push_uncontended(value)
            .or_else(|value| self.push_slow(value))
    }

    /// The common case of [`push`](Self::push) alone: `Err` gives `value` back untouched when
    /// it is not that case (closed, a block's last slot, the very first push, a lost CAS), for
    /// `push` to decide. Calls nothing, so a caller can keep every other case out of line.
    #[inline(always)]
    pub(crate) fn push_uncontended(&self, value: T) -> Result<(), T> {
        let mut value = Some(value);
        if self.push_uncontended_with(|| value.take().expect("taken once")) {
            return Ok(());
        }
        Err(value.expect("a push that missed took nothing"))
    }

    /// [`push_uncontended`](Self::push_uncontended), taking its value from `take` only once it
    /// has won its slot (see [`Ring::push_uncontended_with`](super::ring::Ring)). `false`:
    /// missed, `take` not called. `take` must not panic (the slot won would never be written,
    /// and its pop would wait for it forever).
    #[inline(always)]
    pub(crate) fn push_uncontended_with(&self, take: impl FnOnce() -> T) -> bool {
        let tail = self.tail.index.load(Ordering::Acquire);
        let block = self.tail.block.load(Ordering::Acquire);
        let offset = (tail >> SHIFT) % LAP;
        // Open, not the last slot (whose push links the next block), nor the unused offset, nor
        // the very first push; `block` is `tail`'s own block while `tail` does not move (the
        // CAS below checks that), since a block is installed before `tail` enters it.
        if tail & CLOSED == 0
            && offset + 1 < BLOCK_CAP
            && !block.is_null()
            && self
                .tail
                .index
                .compare_exchange_weak(
                    tail,
                    tail + (1 << SHIFT),
                    Ordering::SeqCst,
                    Ordering::Relaxed,
                )
                .is_ok()
        {
            seqcst_rmw_done();
            // SAFETY: winning index `tail` gives this push its slot in `block`, which cannot be
            // freed before that slot is written and read.
            unsafe { Block::write_slot(block, offset, take()) };
            return true;
        }
        false
    }

    /// A block for a push that needs one: the emptied block kept for reuse, else a new one.
    fn fresh_block(&self) -> Box<Block<T>> {
        // Acquire: the reads of the block (and the reset of the one it was) happen before ours.
        let kept = self.kept.swap(ptr::null_mut(), Ordering::Acquire);
        if kept.is_null() {
            return Block::new();
        }
        // SAFETY: `kept` holds only blocks from `Box::into_raw` that nobody touches any more
        // (`keep_for_reuse`); the swap made this one ours alone.
        let mut block = unsafe { Box::from_raw(kept) };
        // Here, not where it was given up: resetting its flags there slowed the consumer of a
        // 1→1 stream more than it spared this push.
        block.reset();
        block
    }

    /// Marks `tail` closed: every push from now on fails.
    pub(crate) fn close(&self) {
        // SeqCst: in the total order with the pushes' compare-and-swaps on `tail`, so each push
        // either won its index before the mark (and counts) or fails.
        self.tail.index.fetch_or(CLOSED, Ordering::SeqCst);
    }

    /// [`push`](Self::push), every case.
    #[cold]
    #[inline(never)]
    fn push_slow(&self, value: T) -> Result<(), T> {
        let mut step = 0;
        let mut tail = self.tail.index.load(Ordering::Acquire);
        let mut block = self.tail.block.load(Ordering::Acquire);
        let mut spare: Option<Box<Block<T>>> = None;
        loop {
            if tail & CLOSED != 0 {
                return Err(value);
            }
            let offset = (tail >> SHIFT) % LAP;
            if offset == BLOCK_CAP {
                // Another push is linking the next block.
                backoff(&mut step);
                tail = self.tail.index.load(Ordering::Acquire);
                block = self.tail.block.load(Ordering::Acquire);
                continue;
            }
            // About to take the last slot: have the next block ready before the CAS.
            if offset + 1 == BLOCK_CAP && spare.is_none() {
                spare = Some(self.fresh_block());
            }
            if block.is_null() {
                // The very first push installs the first block.
                let first = Box::into_raw(spare.take().unwrap_or_else(|| self.fresh_block()));
                if self
                    .tail
                    .block
                    .compare_exchange(block, first, Ordering::Release, Ordering::Relaxed)
                    .is_ok()
                {
                    self.head.block.store(first, Ordering::Release);
                    block = first;
                } else {
                    // SAFETY: `first` came from `Box::into_raw` above and was never published.
                    spare = Some(unsafe { Box::from_raw(first) });
                    tail = self.tail.index.load(Ordering::Acquire);
                    block = self.tail.block.load(Ordering::Acquire);
                    continue;
                }
            }
            let new_tail = tail + (1 << SHIFT);
            match self.tail.index.compare_exchange_weak(
                tail,
                new_tail,
                Ordering::SeqCst,
                Ordering::Acquire,
            ) {
                Ok(_) => {
                    // The channel reads the parked receivers' count right after the push; a
                    // receiver that parks reads `tail` (see `pop`).
                    seqcst_rmw_done();
                    // SAFETY: winning index `tail` gives this push its slot in `block`, which
                    // cannot be freed before that slot is written and read.
                    unsafe { self.write(block, offset, spare, value) };
                    return Ok(());
                }
                Err(now) => {
                    tail = now;
                    block = self.tail.block.load(Ordering::Acquire);
                    backoff(&mut step);
                }
            }
        }
    }

    /// The second half of a push that won the index at `offset` of `block`.
    ///
    /// # Safety
    ///
    /// The caller won that index with the CAS on `tail.index`.
    unsafe fn write(
        &self,
        block: *mut Block<T>,
        offset: usize,
        spare: Option<Box<Block<T>>>,
        value: T,
    ) {
        if offset + 1 == BLOCK_CAP {
            // Took the last slot: link the next block and move `tail` past the unused offset.
            let next = Box::into_raw(spare.expect("allocated before taking the last slot"));
            self.tail.block.store(next, Ordering::Release);
            // An add, not a store of `new_tail + 1`: a close may have set its mark meanwhile
            // (no push moves `tail` while it sits on the unused offset, so only the mark can).
            self.tail.index.fetch_add(1 << SHIFT, Ordering::Release);
            // SAFETY: `block` stays alive until its slots are read, ours included.
            unsafe { (*block).next.store(next, Ordering::Release) };
        } else if let Some(spare) = spare {
            // Had for a last slot another push took.
            // SAFETY: never published: ours alone.
            unsafe { keep_for_reuse(&self.kept, Box::into_raw(spare)) };
        }
        // SAFETY: as above.
        unsafe { Block::write_slot(block, offset, value) };
    }

    /// Pops the oldest value; `None` when empty. May wait (briefly) for a push that already
    /// took the head index to write its value.
    ///
    /// As [`push`](Self::push), the common case stays inline: a slot that is not its block's
    /// last, in a block that exists.
    #[inline]
    pub(crate) fn pop(&self) -> Option<T> {
        match self.pop_uncontended() {
            Pop::Value(value) => Some(value),
            Pop::Empty => None,
            Pop::Unwritten(slot) => Some(slot.read()),
            Pop::Other => self.pop_slow(),
        }
    }

    /// The common case of [`pop`](Self::pop) alone, calling nothing (so that a caller can keep
    /// every other case out of line): [`Pop::Other`] when it is not that case.
    #[inline(always)]
    pub(crate) fn pop_uncontended(&self) -> Pop<'_, T> {
        let head = self.head.index.load(Ordering::Acquire);
        let block = self.head.block.load(Ordering::Acquire);
        let offset = (head >> SHIFT) % LAP;
        if offset + 1 >= BLOCK_CAP || block.is_null() {
            return Pop::Other;
        }
        let Some(new_head) = self.head_after(head) else {
            return Pop::Empty;
        };
        if self
            .head
            .index
            .compare_exchange_weak(head, new_head, Ordering::SeqCst, Ordering::Relaxed)
            .is_err()
        {
            return Pop::Other;
        }
        seqcst_rmw_done();
        let slot = ClaimedSlot {
            block,
            offset,
            _list: PhantomData,
        };
        // SAFETY: winning index `head` gives this pop its slot in `block` (not its last), alive
        // until that slot is read.
        if unsafe { (*block).written(offset).load(Ordering::Acquire) } {
            // SAFETY: as above; the flag is raised (acquired just now).
            return Pop::Value(unsafe { Block::take_written(block, offset) });
        }
        Pop::Unwritten(slot)
    }

    /// The head index after a pop at `head` (marking that `head`'s block has a successor once
    /// `tail` is in a later block), or `None` when the list is empty.
    #[inline(always)]
    fn head_after(&self, head: usize) -> Option<usize> {
        let mut new_head = head + (1 << SHIFT);
        if new_head & HAS_NEXT == 0 {
            // Relaxed: `seen` only ever held a `tail` index, so it is at most `tail` now; an
            // old one (another pop's) is below `head` and sends us to `tail` itself.
            let mut tail = self.head.seen.load(Ordering::Relaxed);
            if head >> SHIFT >= tail >> SHIFT {
                // No fence: a stale `tail` only reports empty too early, and a receive that
                // then parks looks again after publishing its park (see `super::fast`). It is
                // never behind `head`: the pop that moved `head` here read a `tail` past it, and
                // our acquire of `head` orders that read before this one.
                tail = self.tail.index.load(Ordering::SeqCst);
                if head >> SHIFT == tail >> SHIFT {
                    return None;
                }
                self.head.seen.store(tail, Ordering::Relaxed);
            }
            if (head >> SHIFT) / LAP != (tail >> SHIFT) / LAP {
                new_head |= HAS_NEXT;
            }
        }
        Some(new_head)
    }

    /// [`pop`](Self::pop), every case.
    #[cold]
    #[inline(never)]
    fn pop_slow(&self) -> Option<T> {
        let mut step = 0;
        let mut head = self.head.index.load(Ordering::Acquire);
        let mut block = self.head.block.load(Ordering::Acquire);
        loop {
            let offset = (head >> SHIFT) % LAP;
            if offset == BLOCK_CAP {
                // The pop that took the last slot is moving `head` to the next block.
                backoff(&mut step);
                head = self.head.index.load(Ordering::Acquire);
                block = self.head.block.load(Ordering::Acquire);
                continue;
            }
            let new_head = self.head_after(head)?;
            if block.is_null() {
                // The first push is installing the first block.
                backoff(&mut step);
                head = self.head.index.load(Ordering::Acquire);
                block = self.head.block.load(Ordering::Acquire);
                continue;
            }
            match self.head.index.compare_exchange_weak(
                head,
                new_head,
                Ordering::SeqCst,
                Ordering::Acquire,
            ) {
                Ok(_) => {
                    seqcst_rmw_done();
                    // SAFETY: winning index `head` gives this pop its slot in `block`, alive
                    // until that slot is read.
                    return Some(unsafe { self.read(block, offset, new_head) });
                }
                Err(now) => {
                    head = now;
                    block = self.head.block.load(Ordering::Acquire);
                    backoff(&mut step);
                }
            }
        }
    }

    /// The second half of a pop that won the index before `new_head` at `offset` of `block`.
    ///
    /// # Safety
    ///
    /// The caller won that index with the CAS on `head.index`.
    unsafe fn read(&self, block: *mut Block<T>, offset: usize, new_head: usize) -> T {
        if offset + 1 == BLOCK_CAP {
            // Took the last slot: move `head` to the next block (past the unused offset).
            // SAFETY: `block` is alive until our slot is read.
            let next = unsafe { (*block).wait_next() };
            let mut next_index = (new_head & !HAS_NEXT) + (1 << SHIFT);
            // SAFETY: `next` is linked, so alive (its slots are not all read yet).
            if unsafe { !(*next).next.load(Ordering::Relaxed).is_null() } {
                next_index |= HAS_NEXT;
            }
            self.head.block.store(next, Ordering::Release);
            self.head.index.store(next_index, Ordering::Release);
            // SAFETY: as above; `block` came from `Box::into_raw`, and we are done with `next`.
            return unsafe { Block::read_last_slot(block, &self.kept) };
        }
        // SAFETY: as above.
        unsafe { Block::read_slot(block, offset) }
    }

    /// True when nothing is queued or on its way (no index taken and not yet popped).
    pub(crate) fn is_empty(&self) -> bool {
        let head = self.head.index.load(Ordering::SeqCst);
        let tail = self.tail.index.load(Ordering::SeqCst);
        head >> SHIFT == tail >> SHIFT
    }

    /// Values queued (a snapshot; pushes in flight count).
    pub(crate) fn len(&self) -> usize {
        loop {
            let tail = self.tail.index.load(Ordering::SeqCst);
            let head = self.head.index.load(Ordering::SeqCst);
            if self.tail.index.load(Ordering::SeqCst) != tail {
                continue;
            }
            // Positions, with the unused offset of each lap stepped over.
            let position = |index: usize| {
                let mut i = index >> SHIFT;
                if i % LAP == BLOCK_CAP {
                    i += 1;
                }
                i - i / LAP
            };
            return position(tail).saturating_sub(position(head));
        }
    }
}

impl<T> Drop for BlockList<T> {
    fn drop(&mut self) {
        let mut head = self.head.index.load(Ordering::Relaxed) >> SHIFT;
        let tail = self.tail.index.load(Ordering::Relaxed) >> SHIFT;
        let mut block = self.head.block.load(Ordering::Relaxed);
        while head != tail {
            let offset = head % LAP;
            if offset < BLOCK_CAP {
                // SAFETY: `&mut self`: no push or pop runs; indices in `head..tail` hold
                // written, unread values in live blocks.
                unsafe { (*(*block).value(offset).get()).assume_init_drop() };
            } else {
                // SAFETY: every slot of this block is done; it came from `Box::into_raw`.
                let next = unsafe { (*block).next.load(Ordering::Relaxed) };
                // SAFETY: as above.
                drop(unsafe { Box::from_raw(block) });
                block = next;
            }
            head += 1;
        }
        if !block.is_null() {
            // SAFETY: the last block, from `Box::into_raw`, no longer reachable.
            drop(unsafe { Box::from_raw(block) });
        }
        let kept = self.kept.load(Ordering::Relaxed);
        if !kept.is_null() {
            // SAFETY: a block kept for reuse (`keep_for_reuse`), reachable from nowhere else.
            drop(unsafe { Box::from_raw(kept) });
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn a_steady_stream_reuses_one_emptied_block() {
        let q = BlockList::new();
        for round in 0..4 {
            for i in 0..BLOCK_CAP * 3 {
                q.push(round * 1000 + i).unwrap();
            }
            for i in 0..BLOCK_CAP * 3 {
                assert_eq!(q.pop(), Some(round * 1000 + i));
            }
            assert_eq!(q.pop(), None);
            // The drained chain is one block, and one more waits for reuse: no more.
            assert_eq!(q.live_blocks(), 1);
            let kept = q.kept.load(Ordering::Relaxed);
            assert!(
                !kept.is_null(),
                "an emptied block is kept for the next push"
            );
            // The next pushes need new blocks: the kept one is taken, not a fresh allocation.
            for i in 0..BLOCK_CAP * 2 {
                q.push(i).unwrap();
            }
            assert_ne!(
                q.kept.load(Ordering::Relaxed),
                kept,
                "the kept block was reused"
            );
            for i in 0..BLOCK_CAP * 2 {
                assert_eq!(q.pop(), Some(i));
            }
        }
    }

    #[test]
    fn a_reused_block_drops_each_value_once() {
        let marker = Arc::new(());
        let q = BlockList::new();
        for _ in 0..3 {
            for _ in 0..BLOCK_CAP * 2 + 1 {
                q.push(marker.clone()).unwrap();
            }
            for _ in 0..BLOCK_CAP * 2 {
                drop(q.pop().unwrap());
            }
            // One value left queued, across rounds of reused blocks.
            assert_eq!(Arc::strong_count(&marker), 2);
            drop(q.pop().unwrap());
            assert_eq!(Arc::strong_count(&marker), 1);
        }
        q.push(marker.clone()).unwrap();
        drop(q);
        assert_eq!(
            Arc::strong_count(&marker),
            1,
            "the list's drop dropped the queued value"
        );
    }

    #[test]
    fn fifo_across_blocks_and_len() {
        let q = BlockList::new();
        assert!(q.is_empty());
        let n = 3 * BLOCK_CAP + 7;
        for i in 0..n {
            q.push(i).unwrap();
        }
        assert_eq!(q.len(), n);
        for i in 0..n {
            assert_eq!(q.pop(), Some(i));
            assert_eq!(q.len(), n - 1 - i);
        }
        assert_eq!(q.pop(), None);
        assert!(q.is_empty());
    }

    #[test]
    fn close_refuses_pushes_and_keeps_what_is_in() {
        // Closing on a block's last slot, on the next block's first, and mid-block.
        for before in [BLOCK_CAP - 1, BLOCK_CAP, BLOCK_CAP + 3] {
            let q = BlockList::new();
            for i in 0..before {
                q.push(i).unwrap();
            }
            q.close();
            assert_eq!(q.push(99), Err(99), "closed after {before}");
            assert_eq!(q.len(), before);
            for i in 0..before {
                assert_eq!(q.pop(), Some(i));
            }
            assert_eq!(q.pop(), None);
            assert!(q.is_empty());
            assert_eq!(q.push(98), Err(98), "still closed");
        }
    }

    #[test]
    fn drops_what_is_left_and_frees_consumed_blocks() {
        let marker = Arc::new(());
        let q = BlockList::new();
        // Two blocks full, the third started.
        for _ in 0..2 * BLOCK_CAP + 3 {
            q.push(marker.clone()).unwrap();
        }
        assert_eq!(q.live_blocks(), 3);
        // The first block read, the second started.
        for _ in 0..BLOCK_CAP + 5 {
            q.pop();
        }
        assert_eq!(q.live_blocks(), 2, "the first block went back");
        drop(q);
        assert_eq!(Arc::strong_count(&marker), 1);
    }

    #[test]
    fn concurrent_producers_and_consumers_conserve_values() {
        let n = if cfg!(miri) { 100 } else { 20_000 };
        let q = Arc::new(BlockList::new());
        let sum = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let got = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        std::thread::scope(|s| {
            for p in 0..2 {
                let q = q.clone();
                s.spawn(move || {
                    for i in 0..n {
                        q.push(p * n + i + 1).unwrap();
                    }
                });
            }
            for _ in 0..2 {
                let (q, sum, got) = (q.clone(), sum.clone(), got.clone());
                s.spawn(move || {
                    while got.load(std::sync::atomic::Ordering::Relaxed) < 2 * n {
                        match q.pop() {
                            Some(v) => {
                                sum.fetch_add(v, std::sync::atomic::Ordering::Relaxed);
                                got.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                            }
                            None => std::thread::yield_now(),
                        }
                    }
                });
            }
        });
        let total = 2 * n;
        assert_eq!(
            sum.load(std::sync::atomic::Ordering::Relaxed),
            total * (total + 1) / 2
        );
        assert_eq!(q.pop(), None);
        // Each consumed block was freed by its last slot's reader, whichever consumer that was.
        assert!(q.live_blocks() <= 1, "{} blocks left", q.live_blocks());
    }
}
