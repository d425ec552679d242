//! A tiny seeded generator (SplitMix64): every random choice of a round comes from its seed, so
//! `--replay SEED` makes the same choices again (the interleaving of threads may still differ).

/// SplitMix64 (Steele, Lea, Flood 2014): one add and a mix per draw, good enough to pick ops.
/// A generator also carries its task's tempo: a *busy* task (a quarter of forked ones) pauses
/// rarely, so tasks collide more on the multi-thread flavor.
#[derive(Clone, Debug)]
pub struct Rng {
    state: u64,
    busy: bool,
}

impl Rng {
    /// A generator whose draws are fixed by `seed`.
    pub fn new(seed: u64) -> Self {
        Rng {
            state: seed,
            busy: false,
        }
    }

    /// Whether this task's pauses are rare (see [`crate::support::pause`]).
    pub fn busy(&self) -> bool {
        self.busy
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `lo..hi` (`hi > lo`).
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next_u64() % (hi - lo)
    }

    /// A `usize` in `lo..hi`.
    pub fn below(&mut self, lo: usize, hi: usize) -> usize {
        self.range(lo as u64, hi as u64) as usize
    }

    /// True with probability `pct` percent.
    pub fn chance(&mut self, pct: u64) -> bool {
        self.next_u64() % 100 < pct
    }

    /// A child generator for task `i`: independent draws, still fixed by the parent's seed.
    pub fn fork(&mut self, i: u64) -> Rng {
        let busy = self.chance(25);
        let mut child = Rng::new(self.next_u64() ^ i.wrapping_mul(0xD6E8_FEB8_6659_FD93));
        child.busy = busy;
        child
    }
}

#[cfg(test)]
mod tests {
    use super::Rng;

    #[test]
    fn same_seed_same_draws() {
        let a: Vec<u64> = (0..8)
            .scan(Rng::new(7), |r, _| Some(r.next_u64()))
            .collect();
        let b: Vec<u64> = (0..8)
            .scan(Rng::new(7), |r, _| Some(r.next_u64()))
            .collect();
        assert_eq!(a, b);
        assert_ne!(
            a,
            (0..8)
                .scan(Rng::new(8), |r, _| Some(r.next_u64()))
                .collect::<Vec<_>>()
        );
    }

    #[test]
    fn range_stays_in_bounds() {
        let mut r = Rng::new(1);
        assert!((0..1000).all(|_| (3..9).contains(&r.range(3, 9))));
    }
}
