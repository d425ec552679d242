//! Conservation accounting: which values were sent, which were received, and how often.
//!
//! Every value a producer hands to a channel is an [`Item`] named by (producer, sequence number).
//! A producer marks a value *in flight* before its send starts and *confirmed* when the send
//! returns `Ok`; a send that gives the value back (`Err`) clears the mark. Receivers count each
//! value they take. At the end, [`Ledger::check`] demands, for every value:
//! - received at most once (nothing duplicated);
//! - received exactly once if confirmed (nothing lost);
//! - not received unless confirmed, or left in flight by a cancelled or aborted send *and* the
//!   channel's contract lets such a send deliver (Go's hand-off: a `chan` send dropped after a
//!   receiver took its value has delivered; tokio's `mpsc` send delivers only when it completes).
//!
//! [`Item`] also counts live values in a process-wide counter, so a round can check that every
//! value it made was dropped exactly once (none leaked inside a channel, none dropped twice).
//! Only rounds make `Item`s (the unit tests here do not), so the count is exact between rounds.

use std::sync::atomic::{AtomicBool, AtomicIsize, AtomicU32, Ordering::SeqCst};

/// Items alive right now, across the process (rounds run one at a time).
static LIVE: AtomicIsize = AtomicIsize::new(0);

/// Number of [`Item`]s made and not yet dropped.
pub fn live_items() -> isize {
    LIVE.load(SeqCst)
}

/// A value travelling through a channel: its producer and sequence number.
#[derive(Debug)]
pub struct Item {
    pub producer: usize,
    pub seq: usize,
}

impl Item {
    pub fn new(producer: usize, seq: usize) -> Self {
        LIVE.fetch_add(1, SeqCst);
        Item { producer, seq }
    }
}

impl Drop for Item {
    fn drop(&mut self) {
        LIVE.fetch_sub(1, SeqCst);
    }
}

/// Per-value send and receive records of one round.
pub struct Ledger {
    per_producer: usize,
    received: Vec<AtomicU32>,
    confirmed: Vec<AtomicBool>,
    in_flight: Vec<AtomicBool>,
    /// Whether a send that was cancelled or aborted may still have delivered (Go's `chan`).
    cancelled_send_may_deliver: bool,
}

impl Ledger {
    pub fn new(producers: usize, per_producer: usize, cancelled_send_may_deliver: bool) -> Self {
        let n = producers * per_producer;
        Ledger {
            per_producer,
            received: (0..n).map(|_| AtomicU32::new(0)).collect(),
            confirmed: (0..n).map(|_| AtomicBool::new(false)).collect(),
            in_flight: (0..n).map(|_| AtomicBool::new(false)).collect(),
            cancelled_send_may_deliver,
        }
    }

    fn slot(&self, producer: usize, seq: usize) -> usize {
        producer * self.per_producer + seq
    }

    /// A send of (producer, seq) is about to start.
    pub fn sending(&self, producer: usize, seq: usize) {
        self.in_flight[self.slot(producer, seq)].store(true, SeqCst);
    }

    /// The send returned `Ok`: the value must arrive exactly once.
    pub fn confirmed(&self, producer: usize, seq: usize) {
        let i = self.slot(producer, seq);
        self.confirmed[i].store(true, SeqCst);
        self.in_flight[i].store(false, SeqCst);
    }

    /// The send gave the value back (`Err`): it must never arrive.
    pub fn returned(&self, producer: usize, seq: usize) {
        self.in_flight[self.slot(producer, seq)].store(false, SeqCst);
    }

    /// A receiver took `item` (and may drop it now).
    pub fn received(&self, item: &Item) {
        self.record_received(item.producer, item.seq);
    }

    fn record_received(&self, producer: usize, seq: usize) {
        self.received[self.slot(producer, seq)].fetch_add(1, SeqCst);
    }

    /// Every violation, one line each (empty when every value is accounted for), and the number
    /// of values whose send was cancelled yet delivered.
    pub fn check(&self) -> (Vec<String>, usize) {
        let mut errors = Vec::new();
        let mut cancelled_delivered = 0;
        for i in 0..self.received.len() {
            let (p, s) = (i / self.per_producer, i % self.per_producer);
            let got = self.received[i].load(SeqCst);
            let confirmed = self.confirmed[i].load(SeqCst);
            let in_flight = self.in_flight[i].load(SeqCst);
            if got > 1 {
                errors.push(format!("value ({p},{s}) received {got} times"));
            } else if confirmed && got == 0 {
                errors.push(format!("value ({p},{s}) confirmed sent but never received"));
            } else if !confirmed && got == 1 {
                if in_flight && self.cancelled_send_may_deliver {
                    cancelled_delivered += 1;
                } else if in_flight {
                    errors.push(format!("value ({p},{s}) delivered by a cancelled send"));
                } else {
                    errors.push(format!("value ({p},{s}) received but its send failed"));
                }
            }
        }
        errors.truncate(20);
        (errors, cancelled_delivered)
    }

    /// Per producer: (confirmed count, confirmed sum of seq, received count, received sum).
    pub fn totals(&self, producer: usize) -> [usize; 4] {
        let mut t = [0; 4];
        for s in 0..self.per_producer {
            let i = self.slot(producer, s);
            if self.confirmed[i].load(SeqCst) {
                t[0] += 1;
                t[1] += s;
            }
            let got = self.received[i].load(SeqCst) as usize;
            t[2] += got;
            t[3] += got * s;
        }
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lost_duplicated_and_phantom_values_are_reported() {
        let l = Ledger::new(1, 4, false);
        for s in 0..4 {
            l.sending(0, s);
        }
        l.confirmed(0, 0); // received once: fine
        l.confirmed(0, 1); // never received: lost
        l.returned(0, 2); // received anyway: phantom
                          // (0,3) stays in flight (cancelled) and arrives: not allowed for mpsc
        for (s, times) in [(0, 1), (2, 1), (3, 1)] {
            for _ in 0..times {
                l.record_received(0, s);
            }
        }
        let (errors, maybe) = l.check();
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert_eq!(maybe, 0);
        l.record_received(0, 0);
        assert!(l.check().0[0].contains("received 2 times"));
    }

    #[test]
    fn a_cancelled_chan_send_may_deliver() {
        let l = Ledger::new(1, 1, true);
        l.sending(0, 0);
        l.record_received(0, 0);
        assert_eq!(l.check(), (vec![], 1));
        assert_eq!(l.totals(0), [0, 0, 1, 0]);
    }
}
