//! The wait-list core: a FIFO of parked operations, each completed in place by its peer.
//!
//! Every blocking primitive in this crate (channels, locks, semaphores, notifications) keeps one
//! or more `WaitList`s under its own lock, as Go's `hchan` keeps `sendq`/`recvq` of `sudog`s
//! (`runtime/chan.go`). A parked future pushes a waiter carrying whatever the primitive needs —
//! the value a sender offers, the permits an acquirer wants — and keeps the returned
//! [`WaiterId`]. A peer that can satisfy it pops the front waiter, completes it *in place* (takes
//! the offered value, stores the handed-over one, marks the permits granted) and wakes it after
//! releasing the lock. The woken future then reads its waiter's state and [`remove`]s it.
//!
//! Because a popped waiter stays in the slab until its own future removes it, a future dropped
//! after being completed still finds what it was handed and can pass it on (cancel safety): the
//! primitive's drop code checks [`is_queued`] and the waiter state, and either unlinks the waiter
//! or returns the value/permit to the next one.
//!
//! Waiters live in a slab (a `Vec` whose freed places are chained for reuse) linked into a
//! doubly linked list by index, so push, pop and removal from the middle (a cancelled waiter) are
//! all O(1) with no allocation once warm and no `unsafe`.
//!
//! [`remove`]: WaitList::remove
//! [`is_queued`]: WaitList::is_queued

use std::task::Waker;

/// Names one waiter of a [`WaitList`]; owned by the parked future that pushed it.
///
/// It stays valid until passed to [`WaitList::remove`]; using it afterwards is a logic error
/// (it may name a newer waiter), so the owning future removes it exactly once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WaiterId(u32);

/// No node: the end of the FIFO, or of the free chain.
const NIL: u32 = u32::MAX;

struct Node<W> {
    prev: u32,
    next: u32,
    /// Still in the FIFO (not yet popped by a peer).
    queued: bool,
    waker: Option<Waker>,
    waiter: W,
}

/// One place of the slab: a waiter, or a link of the chain of free places.
enum Slot<W> {
    Used(Node<W>),
    Free { next_free: u32 },
}

/// A FIFO of parked waiters of type `W`. Not synchronized: the owning primitive locks it.
pub struct WaitList<W> {
    /// The slab: places are reused through the free chain, so a list that parks and unparks in
    /// turn never allocates once warm. Links are `u32` indices, so a node stays small: it is
    /// copied in on every park and out on every completion.
    slots: Vec<Slot<W>>,
    free: u32,
    head: u32,
    tail: u32,
    queued: usize,
}

impl<W> Default for WaitList<W> {
    fn default() -> Self {
        Self::new()
    }
}

impl<W> WaitList<W> {
    /// An empty list; allocates nothing until the first push.
    pub const fn new() -> Self {
        WaitList {
            slots: Vec::new(),
            free: NIL,
            head: NIL,
            tail: NIL,
            queued: 0,
        }
    }

    /// Number of waiters still queued (popped ones awaiting removal are not counted).
    pub fn len(&self) -> usize {
        self.queued
    }

    /// True when no waiter is queued.
    pub fn is_empty(&self) -> bool {
        self.queued == 0
    }

    #[inline(always)]
    fn node(&self, key: u32) -> &Node<W> {
        match &self.slots[key as usize] {
            Slot::Used(node) => node,
            Slot::Free { .. } => panic!("a waiter id outlived its waiter"),
        }
    }

    #[inline(always)]
    fn node_mut(&mut self, key: u32) -> &mut Node<W> {
        match &mut self.slots[key as usize] {
            Slot::Used(node) => node,
            Slot::Free { .. } => panic!("a waiter id outlived its waiter"),
        }
    }

    /// Parks a waiter at the back of the FIFO.
    #[inline(always)]
    pub fn push_back(&mut self, waiter: W, waker: &Waker) -> WaiterId {
        let node = Node {
            prev: self.tail,
            next: NIL,
            queued: true,
            waker: Some(waker.clone()),
            waiter,
        };
        let key = if self.free != NIL {
            let key = self.free;
            let slot = &mut self.slots[key as usize];
            let Slot::Free { next_free } = *slot else {
                unreachable!("the free chain links free places only");
            };
            self.free = next_free;
            *slot = Slot::Used(node);
            key
        } else {
            let key = u32::try_from(self.slots.len())
                .ok()
                .filter(|&key| key != NIL)
                .expect("more than 4 billion parked waiters on one wait-list");
            self.slots.push(Slot::Used(node));
            key
        };
        match self.tail {
            NIL => self.head = key,
            tail => self.node_mut(tail).next = key,
        }
        self.tail = key;
        self.queued += 1;
        WaiterId(key)
    }

    /// True while the waiter is still in the FIFO; false once a peer popped it.
    pub fn is_queued(&self, id: WaiterId) -> bool {
        self.node(id.0).queued
    }

    /// The waiter's state.
    pub fn get(&self, id: WaiterId) -> &W {
        &self.node(id.0).waiter
    }

    /// The waiter's state, mutably.
    pub fn get_mut(&mut self, id: WaiterId) -> &mut W {
        &mut self.node_mut(id.0).waiter
    }

    /// Replaces the stored waker if the task polling the waiter changed.
    pub fn register(&mut self, id: WaiterId, waker: &Waker) {
        let slot = &mut self.node_mut(id.0).waker;
        match slot {
            Some(old) if old.will_wake(waker) => {}
            _ => *slot = Some(waker.clone()),
        }
    }

    /// As [`register`](Self::register), but hands back the replaced waker so the caller can
    /// drop it after releasing its lock: dropping a waker may run arbitrary code (even code
    /// that re-enters the primitive).
    pub fn register_take_old(&mut self, id: WaiterId, waker: &Waker) -> Option<Waker> {
        let slot = &mut self.node_mut(id.0).waker;
        match slot {
            Some(old) if old.will_wake(waker) => None,
            _ => slot.replace(waker.clone()),
        }
    }

    /// As [`remove`](Self::remove), also handing back the waiter's waker (to drop outside the
    /// caller's lock, see [`register_take_old`](Self::register_take_old)).
    pub fn remove_with_waker(&mut self, id: WaiterId) -> (W, Option<Waker>) {
        if self.node(id.0).queued {
            self.unlink(id.0);
        }
        let node = self.free_slot(id.0);
        (node.waiter, node.waker)
    }

    /// The front waiter.
    #[inline]
    pub fn front(&self) -> Option<&W> {
        match self.head {
            NIL => None,
            head => Some(&self.node(head).waiter),
        }
    }

    /// The front waiter, mutably.
    pub fn front_mut(&mut self) -> Option<&mut W> {
        match self.head {
            NIL => None,
            head => Some(&mut self.node_mut(head).waiter),
        }
    }

    /// Unlinks the front waiter and returns its state (to complete in place) and its waker, which
    /// the caller wakes after releasing its lock. The waiter stays allocated until removed.
    pub fn pop_front(&mut self) -> Option<(&mut W, Option<Waker>)> {
        let key = self.head;
        if key == NIL {
            return None;
        }
        self.unlink(key);
        let node = self.node_mut(key);
        Some((&mut node.waiter, node.waker.take()))
    }

    /// As [`pop_front`](Self::pop_front), naming the waiter by its id (so the caller can look at
    /// it and decide to keep popping: a waiter whose `select!` lost is skipped), and passing over
    /// the waiters `keep` picks: they stay queued in their places (a peer must not complete a
    /// waiter of its own `select!`).
    #[inline]
    pub fn pop_front_id_except(
        &mut self,
        mut keep: impl FnMut(&W) -> bool,
    ) -> Option<(WaiterId, Option<Waker>)> {
        let mut key = self.head;
        while key != NIL && keep(&self.node(key).waiter) {
            key = self.node(key).next;
        }
        if key == NIL {
            return None;
        }
        self.unlink(key);
        Some((WaiterId(key), self.node_mut(key).waker.take()))
    }

    /// Unlinks and frees the front waiter, returning its state and waker: for primitives whose
    /// waiters learn the outcome some other way (an atomic in the pinned future) and so never
    /// [`remove`](Self::remove) a completed waiter themselves.
    #[inline]
    pub fn pop_front_free(&mut self) -> Option<(W, Option<Waker>)> {
        let key = self.head;
        if key == NIL {
            return None;
        }
        self.unlink(key);
        let node = self.free_slot(key);
        Some((node.waiter, node.waker))
    }

    /// As [`pop_front_free`](Self::pop_front_free), from the back (the newest waiter).
    pub fn pop_back_free(&mut self) -> Option<(W, Option<Waker>)> {
        let key = self.tail;
        if key == NIL {
            return None;
        }
        self.unlink(key);
        let node = self.free_slot(key);
        Some((node.waiter, node.waker))
    }

    /// Pops every waiter (on close), letting `complete` mark each, and returns their wakers.
    pub fn drain(&mut self, mut complete: impl FnMut(&mut W)) -> Vec<Waker> {
        if self.queued == 0 {
            // Nearly every close: nobody parked.
            return Vec::new();
        }
        let mut wakers = Vec::with_capacity(self.queued);
        while let Some((waiter, waker)) = self.pop_front() {
            complete(waiter);
            wakers.extend(waker);
        }
        wakers
    }

    /// Frees the waiter, unlinking it first if still queued, and returns its state.
    #[inline]
    pub fn remove(&mut self, id: WaiterId) -> W {
        if self.node(id.0).queued {
            self.unlink(id.0);
        }
        self.free_slot(id.0).waiter
    }

    /// Moves the node out of its place and chains the place into the free chain.
    #[inline(always)]
    fn free_slot(&mut self, key: u32) -> Node<W> {
        let slot = std::mem::replace(
            &mut self.slots[key as usize],
            Slot::Free {
                next_free: self.free,
            },
        );
        let Slot::Used(node) = slot else {
            panic!("a waiter id outlived its waiter");
        };
        self.free = key;
        node
    }

    #[inline(always)]
    fn unlink(&mut self, key: u32) {
        let node = self.node_mut(key);
        debug_assert!(node.queued, "unlinking a waiter that is not queued");
        node.queued = false;
        let (prev, next) = (node.prev, node.next);
        node.prev = NIL;
        node.next = NIL;
        match prev {
            NIL => self.head = next,
            p => self.node_mut(p).next = next,
        }
        match next {
            NIL => self.tail = prev,
            n => self.node_mut(n).prev = prev,
        }
        self.queued -= 1;
    }

    /// Waiters allocated (queued, or popped and not yet removed).
    #[cfg(test)]
    fn allocated(&self) -> usize {
        self.slots
            .iter()
            .filter(|slot| matches!(slot, Slot::Used(_)))
            .count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::task::noop_waker;

    #[test]
    fn fifo_order_and_removal_from_the_middle() {
        let waker = noop_waker();
        let mut list = WaitList::new();
        let ids: Vec<_> = (0..5).map(|i| list.push_back(i, &waker)).collect();
        assert_eq!(list.remove(ids[2]), 2);
        assert_eq!(list.len(), 4);
        let mut popped = Vec::new();
        while let Some((w, _)) = list.pop_front() {
            popped.push(*w);
        }
        assert_eq!(popped, vec![0, 1, 3, 4]);
        assert!(list.is_empty());
        for id in [ids[0], ids[1], ids[3], ids[4]] {
            assert!(!list.is_queued(id));
            list.remove(id);
        }
        assert_eq!(list.allocated(), 0);
    }

    #[test]
    fn pop_except_leaves_kept_waiters_in_place() {
        let waker = noop_waker();
        let mut list = WaitList::new();
        let ids: Vec<_> = (0..4).map(|i| list.push_back(i, &waker)).collect();
        let (id, woken) = list.pop_front_id_except(|&w| w < 2).unwrap();
        assert_eq!((id, woken.is_some()), (ids[2], true));
        assert!(list.pop_front_id_except(|_| true).is_none());
        let mut rest = Vec::new();
        while let Some((w, _)) = list.pop_front() {
            rest.push(*w);
        }
        assert_eq!(rest, [0, 1, 3], "kept waiters keep their order");
    }

    #[test]
    fn freed_places_are_reused_and_ids_stay_distinct() {
        let waker = noop_waker();
        let mut list = WaitList::new();
        // Park and unpark in turn: one place serves them all.
        for i in 0..1_000 {
            let id = list.push_back(i, &waker);
            assert_eq!(list.pop_front_free().map(|(w, _)| w), Some(i));
            assert_eq!(id, WaiterId(0));
        }
        assert_eq!(list.slots.len(), 1);
        // Three live waiters take three places; freeing the middle one lets the next push
        // reuse exactly that place, behind the others in the FIFO.
        let ids: Vec<_> = (0..3).map(|i| list.push_back(i, &waker)).collect();
        assert_eq!(list.remove(ids[1]), 1);
        let again = list.push_back(9, &waker);
        assert_eq!(again, ids[1]);
        assert_eq!(list.slots.len(), 3);
        let order: Vec<_> = std::iter::from_fn(|| list.pop_front_free().map(|(w, _)| w)).collect();
        assert_eq!(order, [0, 2, 9]);
        assert_eq!(list.allocated(), 0);
    }

    #[test]
    fn completed_in_place_survives_until_removed() {
        let waker = noop_waker();
        let mut list: WaitList<Option<&str>> = WaitList::new();
        let id = list.push_back(None, &waker);
        let (slot, woken) = list.pop_front().unwrap();
        *slot = Some("handed");
        assert!(woken.is_some());
        assert!(!list.is_queued(id));
        assert_eq!(list.remove(id), Some("handed"));
    }

    #[test]
    fn drain_marks_everyone_and_returns_wakers() {
        let waker = noop_waker();
        let mut list = WaitList::new();
        let ids: Vec<_> = (0..3).map(|_| list.push_back(false, &waker)).collect();
        let wakers = list.drain(|closed| *closed = true);
        assert_eq!(wakers.len(), 3);
        assert!(ids.iter().all(|&id| *list.get(id) && !list.is_queued(id)));
        // Slots are reused after removal and the list stays consistent.
        for id in ids {
            list.remove(id);
        }
        let a = list.push_back(true, &waker);
        let b = list.push_back(false, &waker);
        assert_eq!(list.front_mut(), Some(&mut true));
        list.remove(a);
        assert_eq!(list.front_mut(), Some(&mut false));
        list.remove(b);
        assert!(list.is_empty() && list.front_mut().is_none());
    }
}
