//! How fast patrons may write (GCRA allowances from the governor crate): one allowance per
//! patron, so one flooding patron is slowed and nobody else, and one per channel, so a flood
//! spread over many identities (new web chat sessions, made-up ids) cannot take the whole
//! service. A refused patron is told politely, at most once a minute.

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::num::NonZeroU32;

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use serde::{Deserialize, Serialize};

use crate::domain::Channel;
use crate::rate::{Allowances, per_minute};

/// Requests to slow down sent per second at most, over all patrons: identities are free on
/// some platforms, and each request is a message out.
const NOTICES_PER_SECOND: u32 = 5;

/// `[patron_limits]` settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PatronLimitSettings {
    /// Messages one patron may send per minute, in a burst or spread out. People typing
    /// rarely send more than a few; a script sends thousands.
    pub messages_per_minute: u32,
    /// Messages per second one channel accepts from all its patrons together.
    pub channel_messages_per_second: u32,
}

impl Default for PatronLimitSettings {
    fn default() -> Self {
        Self {
            messages_per_minute: 20,
            channel_messages_per_second: 50,
        }
    }
}

/// What the limits say about one message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Accept,
    /// Not taken; `tell`: the patron's own allowance refused it, for the first time in a
    /// while, so they should hear why. (A channel over its ceiling tells nobody: that is a
    /// flood, and answering it would double it.)
    Refuse {
        tell: bool,
    },
}

pub struct PatronLimits {
    /// Keyed by a hash of channel and patron id: a fixed size per key, whatever the id.
    patrons: Allowances<u64>,
    notices: Allowances<u64>,
    all_notices: DefaultDirectRateLimiter,
    channels: HashMap<Channel, DefaultDirectRateLimiter>,
    hasher: RandomState,
    per_minute: u32,
}

fn nonzero(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN)
}

impl PatronLimits {
    pub fn new(settings: &PatronLimitSettings) -> Self {
        let per_channel = Quota::per_second(nonzero(settings.channel_messages_per_second));
        Self {
            patrons: Allowances::new(per_minute(settings.messages_per_minute)),
            notices: Allowances::new(per_minute(1)),
            all_notices: RateLimiter::direct(Quota::per_second(nonzero(NOTICES_PER_SECOND))),
            channels: Channel::ALL
                .iter()
                .map(|&c| (c, RateLimiter::direct(per_channel)))
                .collect(),
            hasher: RandomState::new(),
            per_minute: settings.messages_per_minute.max(1),
        }
    }

    /// Messages one patron may send per minute.
    pub fn per_minute(&self) -> u32 {
        self.per_minute
    }

    /// The verdict on a patron whose allowance was spent elsewhere (on another instance):
    /// refused, and told under the same once-a-minute rule.
    pub fn refused_elsewhere(&self, channel: Channel, patron: &str) -> Verdict {
        let key = self.hasher.hash_one((channel, patron));
        let tell = self.notices.check(&key).is_ok() && self.all_notices.check().is_ok();
        Verdict::Refuse { tell }
    }

    /// Spends one message of the patron's allowance, then of the channel's. A patron over
    /// their own allowance spends nothing of the channel's, so they cannot starve others.
    pub fn check(&self, channel: Channel, patron: &str) -> Verdict {
        let key = self.hasher.hash_one((channel, patron));
        if self.patrons.check(&key).is_err() {
            let tell = self.notices.check(&key).is_ok() && self.all_notices.check().is_ok();
            return Verdict::Refuse { tell };
        }
        match self.channels.get(&channel).map(|c| c.check()) {
            Some(Err(_)) => Verdict::Refuse { tell: false },
            _ => Verdict::Accept,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(per_minute: u32, per_second: u32) -> PatronLimits {
        PatronLimits::new(&PatronLimitSettings {
            messages_per_minute: per_minute,
            channel_messages_per_second: per_second,
        })
    }

    #[test]
    fn a_flooding_patron_is_refused_and_told_once() {
        let l = limits(3, 1000);
        for _ in 0..3 {
            assert_eq!(l.check(Channel::Telegram, "1"), Verdict::Accept);
        }
        assert_eq!(
            l.check(Channel::Telegram, "1"),
            Verdict::Refuse { tell: true }
        );
        assert_eq!(
            l.check(Channel::Telegram, "1"),
            Verdict::Refuse { tell: false }
        );
        assert_eq!(l.check(Channel::Telegram, "2"), Verdict::Accept);
        // The same id on another channel is another patron.
        assert_eq!(l.check(Channel::Vk, "1"), Verdict::Accept);
    }

    #[test]
    fn a_channel_has_its_own_ceiling() {
        let l = limits(100, 2);
        assert_eq!(l.check(Channel::Webchat, "a"), Verdict::Accept);
        assert_eq!(l.check(Channel::Webchat, "b"), Verdict::Accept);
        assert_eq!(
            l.check(Channel::Webchat, "c"),
            Verdict::Refuse { tell: false },
            "a flood over many identities is not answered"
        );
        assert_eq!(l.check(Channel::Telegram, "c"), Verdict::Accept);
    }

    #[test]
    fn a_refused_patron_spends_nothing_of_the_channel() {
        let l = limits(1, 2);
        assert_eq!(l.check(Channel::Matrix, "@x:hs"), Verdict::Accept);
        for _ in 0..10 {
            assert!(matches!(
                l.check(Channel::Matrix, "@x:hs"),
                Verdict::Refuse { .. }
            ));
        }
        assert_eq!(l.check(Channel::Matrix, "@y:hs"), Verdict::Accept);
    }
}
