//! A hierarchical timing wheel with millisecond resolution.
//!
//! Six levels of 64 slots: a slot of level `n` spans `64^n` ms, so the wheel covers `64^6` ms
//! (about 2.2 years; later deadlines park in the top level and cascade down when their slot
//! comes round). A timer goes to the level of the highest bit in which its deadline differs from
//! the wheel's current time, so every timer at a level lies in that level's current window and
//! lower levels always expire first. Each slot is an intrusive doubly linked list threaded
//! through a slab of entries, and each level keeps a 64-bit occupancy mask: insert, cancel and
//! fire are O(1), finding the next deadline is a few `trailing_zeros`, and memory is linear in
//! the number of timers — nothing scans the pending timers per tick.
//!
//! Source: Varghese & Lauck, "Hashed and Hierarchical Timing Wheels" (SOSP 1987), in the shape
//! of tokio's `runtime/time/wheel` and the Linux kernel's `timer_list` wheel.

use slab::Slab;
use std::task::Waker;

const SLOT_BITS: u32 = 6;
const SLOTS: usize = 1 << SLOT_BITS;
const LEVELS: usize = 6;
/// Deadlines at least this far (in ms) past the wheel's time are parked in the top level.
const MAX_SPAN: u64 = 1 << (SLOT_BITS as usize * LEVELS);
const NIL: usize = usize::MAX;

/// A timer's key in the wheel: valid until [`Wheel::remove`].
pub(crate) type TimerKey = usize;

struct Entry {
    deadline: u64,
    waker: Option<Waker>,
    fired: bool,
    /// Nobody polls this timer (Go's `time.After`): its entry is freed as it fires.
    detached: bool,
    prev: usize,
    next: usize,
    level: u8,
    slot: u8,
}

#[derive(Clone, Copy)]
struct List {
    head: usize,
    tail: usize,
}

struct Level {
    occupied: u64,
    slots: [List; SLOTS],
}

/// The wheel: pending and fired-but-not-yet-dropped timers, keyed by [`TimerKey`].
pub(crate) struct Wheel {
    entries: Slab<Entry>,
    levels: Box<[Level; LEVELS]>,
    /// The wheel's notion of now, in ms since the clock's start; only moves forward.
    elapsed: u64,
    pending: usize,
    /// Scratch space for `advance` (kept to reuse its allocation).
    fired: Vec<(u64, Option<Waker>)>,
}

/// The earliest occupied slot: where it is and when it starts.
struct Expiration {
    level: usize,
    slot: usize,
    deadline: u64,
}

impl Wheel {
    pub(crate) fn new() -> Wheel {
        const EMPTY: List = List {
            head: NIL,
            tail: NIL,
        };
        let level = || Level {
            occupied: 0,
            slots: [EMPTY; SLOTS],
        };
        Wheel {
            entries: Slab::new(),
            levels: Box::new([level(), level(), level(), level(), level(), level()]),
            elapsed: 0,
            pending: 0,
            fired: Vec::new(),
        }
    }

    /// Number of timers held (pending or fired), i.e. the entries a `Sleep` still owns.
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// Number of timers not yet fired.
    #[cfg(test)]
    pub(crate) fn pending(&self) -> usize {
        self.pending
    }

    /// The wheel's current time in ms.
    #[cfg(test)]
    pub(crate) fn elapsed(&self) -> u64 {
        self.elapsed
    }

    /// Adds a timer for `deadline` (ms). A deadline not after the wheel's time is stored already
    /// fired (the caller completes at once).
    pub(crate) fn insert(&mut self, deadline: u64, waker: Option<Waker>) -> TimerKey {
        let key = self.entries.insert(Entry {
            deadline,
            waker,
            fired: true,
            detached: false,
            prev: NIL,
            next: NIL,
            level: 0,
            slot: 0,
        });
        if deadline > self.elapsed {
            self.link(key);
        }
        key
    }

    /// Adds a timer whose entry frees itself when it fires (its waker is the callback).
    /// Returns false, adding nothing, if the deadline is not after the wheel's time.
    pub(crate) fn insert_detached(&mut self, deadline: u64, waker: Waker) -> bool {
        if deadline <= self.elapsed {
            return false;
        }
        let key = self.insert(deadline, Some(waker));
        self.entries[key].detached = true;
        true
    }

    /// True once the timer has fired.
    pub(crate) fn is_fired(&self, key: TimerKey) -> bool {
        self.entries[key].fired
    }

    /// Stores the waker to wake when the timer fires; returns the one it replaced (to be
    /// dropped by the caller once it has released its lock: dropping a waker may run user code).
    pub(crate) fn set_waker(&mut self, key: TimerKey, waker: &Waker) -> Option<Waker> {
        let entry = &mut self.entries[key];
        match &entry.waker {
            Some(w) if w.will_wake(waker) => None,
            _ => entry.waker.replace(waker.clone()),
        }
    }

    /// Moves a timer (pending or fired) to a new deadline; it is pending again unless the new
    /// deadline has already passed.
    pub(crate) fn reset(&mut self, key: TimerKey, deadline: u64) {
        if !self.entries[key].fired {
            self.unlink(key);
        }
        let entry = &mut self.entries[key];
        entry.deadline = deadline;
        entry.fired = true;
        if deadline > self.elapsed {
            self.link(key);
        }
    }

    /// Removes a timer, pending or fired, freeing its entry; returns its waker for the caller
    /// to drop outside its lock.
    pub(crate) fn remove(&mut self, key: TimerKey) -> Option<Waker> {
        if !self.entries[key].fired {
            self.unlink(key);
        }
        self.entries.remove(key).waker
    }

    /// The start (ms) of the earliest occupied slot: no timer fires before it.
    pub(crate) fn next_deadline(&self) -> Option<u64> {
        self.next_expiration().map(|e| e.deadline)
    }

    /// Advances the wheel's time to `now` (ms), firing every timer whose deadline is `<= now`
    /// and pushing its waker into `wake`.
    /// Wakers are pushed in deadline order (ties in registration order), even when one call
    /// fires timers from several slots.
    pub(crate) fn advance(&mut self, now: u64, wake: &mut Vec<Waker>) {
        let mut fired = std::mem::take(&mut self.fired);
        while let Some(expiration) = self.next_expiration() {
            if expiration.deadline > now {
                break;
            }
            self.process(expiration, now, &mut fired);
        }
        self.elapsed = self.elapsed.max(now);
        // Usually one slot of equal deadlines, already sorted: the stable sort is then linear.
        fired.sort_by_key(|(deadline, _)| *deadline);
        wake.extend(fired.drain(..).filter_map(|(_, waker)| waker));
        self.fired = fired;
    }

    /// Takes every stored waker without firing anything (the driver is shutting down).
    pub(crate) fn take_all_wakers(&mut self, wake: &mut Vec<Waker>) {
        wake.extend(self.entries.iter_mut().filter_map(|(_, e)| e.waker.take()));
    }

    fn process(&mut self, expiration: Expiration, now: u64, fired: &mut Vec<(u64, Option<Waker>)>) {
        let list = &mut self.levels[expiration.level].slots[expiration.slot];
        let mut key = list.head;
        *list = List {
            head: NIL,
            tail: NIL,
        };
        self.levels[expiration.level].occupied &= !(1 << expiration.slot);
        // Timers that do not fire yet cascade to lower levels relative to the slot's start.
        self.elapsed = expiration.deadline;
        while key != NIL {
            let entry = &mut self.entries[key];
            let next = entry.next;
            entry.prev = NIL;
            entry.next = NIL;
            if entry.deadline <= now {
                entry.fired = true;
                self.pending -= 1;
                fired.push((entry.deadline, entry.waker.take()));
                if entry.detached {
                    self.entries.remove(key);
                }
            } else {
                self.pending -= 1;
                self.link(key);
            }
            key = next;
        }
    }

    fn next_expiration(&self) -> Option<Expiration> {
        if self.pending == 0 {
            return None;
        }
        for (level, lvl) in self.levels.iter().enumerate() {
            if lvl.occupied == 0 {
                continue;
            }
            let slot_span = 1u64 << (SLOT_BITS as usize * level);
            let level_span = slot_span << SLOT_BITS;
            let now_slot = ((self.elapsed / slot_span) % SLOTS as u64) as u32;
            let offset = lvl.occupied.rotate_right(now_slot).trailing_zeros();
            let slot = (offset + now_slot) as usize % SLOTS;
            let level_start = self.elapsed & !(level_span - 1);
            let mut deadline = level_start + slot as u64 * slot_span;
            if deadline < level_start + now_slot as u64 * slot_span {
                // Only the top level wraps: its far-future timers sit "behind" the current slot.
                deadline += level_span;
            }
            return Some(Expiration {
                level,
                slot,
                deadline,
            });
        }
        None
    }

    fn link(&mut self, key: TimerKey) {
        let entry = &self.entries[key];
        // Far-future deadlines are slotted as if just inside the wheel's span; they cascade.
        let when = entry.deadline.min(self.elapsed + MAX_SPAN - 1);
        let level = level_for(self.elapsed, when);
        let slot = ((when >> (SLOT_BITS as usize * level)) % SLOTS as u64) as usize;
        let list = &mut self.levels[level].slots[slot];
        let old_tail = list.tail;
        list.tail = key;
        if old_tail == NIL {
            list.head = key;
        }
        self.levels[level].occupied |= 1 << slot;
        if old_tail != NIL {
            self.entries[old_tail].next = key;
        }
        let entry = &mut self.entries[key];
        entry.prev = old_tail;
        entry.next = NIL;
        entry.level = level as u8;
        entry.slot = slot as u8;
        entry.fired = false;
        self.pending += 1;
    }

    fn unlink(&mut self, key: TimerKey) {
        let Entry {
            prev,
            next,
            level,
            slot,
            ..
        } = self.entries[key];
        let (level, slot) = (level as usize, slot as usize);
        if prev != NIL {
            self.entries[prev].next = next;
        } else {
            self.levels[level].slots[slot].head = next;
        }
        if next != NIL {
            self.entries[next].prev = prev;
        } else {
            self.levels[level].slots[slot].tail = prev;
        }
        if self.levels[level].slots[slot].head == NIL {
            self.levels[level].occupied &= !(1 << slot);
        }
        let entry = &mut self.entries[key];
        entry.prev = NIL;
        entry.next = NIL;
        entry.fired = true;
        self.pending -= 1;
    }
}

/// The level for a deadline `when` seen from time `elapsed`: the highest 6-bit digit in which
/// they differ.
fn level_for(elapsed: u64, when: u64) -> usize {
    let mut masked = (elapsed ^ when) | (SLOTS as u64 - 1);
    if masked >= MAX_SPAN {
        masked = MAX_SPAN - 1;
    }
    let significant = 63 - masked.leading_zeros() as usize;
    significant / SLOT_BITS as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fire(wheel: &mut Wheel, now: u64) -> usize {
        let mut wake = Vec::new();
        let before = wheel.pending();
        wheel.advance(now, &mut wake);
        before - wheel.pending()
    }

    #[test]
    fn fires_at_deadline_never_before() {
        let mut wheel = Wheel::new();
        let deadlines = [
            1u64, 5, 63, 64, 65, 100, 4095, 4096, 4097, 300_000, 70_000_000,
        ];
        let keys: Vec<_> = deadlines.iter().map(|&d| wheel.insert(d, None)).collect();
        let mut now = 0;
        for (i, &d) in deadlines.iter().enumerate() {
            // One ms before: not fired.
            fire(&mut wheel, d - 1);
            assert!(
                !wheel.is_fired(keys[i]),
                "deadline {d} fired early at {}",
                d - 1
            );
            assert!(wheel.next_deadline().unwrap() <= d);
            fire(&mut wheel, d);
            assert!(wheel.is_fired(keys[i]), "deadline {d} not fired at {d}");
            for k in &keys[i + 1..] {
                assert!(!wheel.is_fired(*k));
            }
            now = d;
        }
        assert_eq!(wheel.pending(), 0);
        assert_eq!(wheel.elapsed(), now);
    }

    #[test]
    fn jump_far_ahead_fires_everything_due() {
        let mut wheel = Wheel::new();
        for d in 1..=10_000u64 {
            wheel.insert(d * 37, None);
        }
        assert_eq!(fire(&mut wheel, 37 * 5_000), 5_000);
        assert_eq!(fire(&mut wheel, 37 * 10_000 - 1), 4_999);
        assert_eq!(fire(&mut wheel, u64::MAX / 4), 1);
    }

    #[test]
    fn beyond_the_span_cascades_and_fires_on_time() {
        let mut wheel = Wheel::new();
        let far = MAX_SPAN * 3 + 12_345;
        let key = wheel.insert(far, None);
        let mut now = 0;
        // Step through the wheel at each next deadline, as the driver does.
        while let Some(next) = wheel.next_deadline() {
            assert!(next <= far);
            now = next;
            fire(&mut wheel, now);
        }
        assert!(wheel.is_fired(key));
        assert_eq!(now, far);
    }

    #[test]
    fn remove_and_reset() {
        let mut wheel = Wheel::new();
        let a = wheel.insert(10, None);
        let b = wheel.insert(10, None);
        let c = wheel.insert(10, None);
        wheel.remove(b);
        assert_eq!(wheel.len(), 2);
        wheel.reset(a, 500);
        assert_eq!(fire(&mut wheel, 10), 1);
        assert!(wheel.is_fired(c) && !wheel.is_fired(a));
        // Reset a fired timer: pending again.
        wheel.reset(c, 20);
        assert!(!wheel.is_fired(c));
        assert_eq!(fire(&mut wheel, 499), 1);
        assert_eq!(fire(&mut wheel, 500), 1);
        // A deadline already passed is stored fired.
        let d = wheel.insert(3, None);
        assert!(wheel.is_fired(d));
        wheel.remove(a);
        wheel.remove(c);
        wheel.remove(d);
        assert_eq!(wheel.len(), 0);
        assert_eq!(wheel.next_deadline(), None);
    }

    #[test]
    fn detached_timers_free_themselves() {
        let mut wheel = Wheel::new();
        let waker = futures::task::noop_waker();
        assert!(wheel.insert_detached(5, waker.clone()));
        assert!(!wheel.insert_detached(0, waker));
        assert_eq!(wheel.len(), 1);
        let mut wake = Vec::new();
        wheel.advance(5, &mut wake);
        assert_eq!(wake.len(), 1);
        assert_eq!(wheel.len(), 0);
    }

    #[test]
    fn many_timers_cost_linear_memory_and_cancel_frees_them() {
        let n = if cfg!(miri) { 1_000 } else { 200_000 };
        let mut wheel = Wheel::new();
        let keys: Vec<_> = (0..n)
            .map(|i| wheel.insert(1 + (i as u64 % 5_000), None))
            .collect();
        assert_eq!(wheel.len(), n);
        for k in keys {
            wheel.remove(k);
        }
        assert_eq!(wheel.len(), 0);
        assert_eq!(wheel.pending(), 0);
        assert_eq!(wheel.next_deadline(), None);
    }
}
