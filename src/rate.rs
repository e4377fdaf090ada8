//! Keyed allowances (GCRA, from the governor crate) that forget keys whose allowance has
//! refilled, so memory follows the keys in recent use, not every key ever seen. The sweep
//! runs when the map has doubled since the last one: a map of many live keys is not
//! scanned again on every check.

use std::hash::Hash;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

/// No sweep below this many keys: small maps cost nothing worth scanning for.
const FIRST_SWEEP: usize = 10_000;

pub struct Allowances<K: Hash + Eq + Clone> {
    limiter: DefaultKeyedRateLimiter<K>,
    sweep_above: AtomicUsize,
    clock: DefaultClock,
}

/// `n` a minute, in a burst or spread out (at least one).
pub fn per_minute(n: u32) -> Quota {
    Quota::per_minute(NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN))
}

impl<K: Hash + Eq + Clone> Allowances<K> {
    pub fn new(quota: Quota) -> Self {
        Self {
            limiter: RateLimiter::keyed(quota),
            sweep_above: AtomicUsize::new(FIRST_SWEEP),
            clock: DefaultClock::default(),
        }
    }

    /// Spends one of `key`'s allowance, or says how long until the next is there.
    pub fn check(&self, key: &K) -> Result<(), Duration> {
        self.sweep();
        let now = self.clock.now();
        self.limiter
            .check_key(key)
            .map_err(|not_until| not_until.wait_time_from(now))
    }

    /// How many keys are remembered.
    pub fn len(&self) -> usize {
        self.limiter.len()
    }

    pub fn is_empty(&self) -> bool {
        self.limiter.is_empty()
    }

    fn sweep(&self) {
        if self.limiter.len() <= self.sweep_above.load(Ordering::Relaxed) {
            return;
        }
        self.limiter.retain_recent();
        self.limiter.shrink_to_fit();
        let live = self.limiter.len();
        self.sweep_above
            .store((live * 2).max(FIRST_SWEEP), Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_key_has_its_own_allowance() {
        let a: Allowances<u32> = Allowances::new(per_minute(2));
        assert!(a.check(&1).is_ok());
        assert!(a.check(&1).is_ok());
        let wait = a.check(&1).unwrap_err();
        assert!(wait <= Duration::from_secs(30), "{wait:?}");
        assert!(a.check(&2).is_ok());
        assert_eq!(a.len(), 2);
    }

    #[test]
    fn many_live_keys_are_not_swept_on_every_check() {
        let a: Allowances<u32> = Allowances::new(per_minute(1));
        for k in 0..(FIRST_SWEEP as u32 + 10) {
            let _ = a.check(&k);
        }
        // Every key is still live (a minute to refill), so the sweep kept them and moved
        // its mark to twice as many.
        assert_eq!(a.len(), FIRST_SWEEP + 10);
        assert!(a.sweep_above.load(Ordering::Relaxed) >= 2 * FIRST_SWEEP);
    }
}
