//! Telegram's flood limits, kept before Telegram has to enforce them: about one message a
//! second in a chat (a short burst is tolerated), twenty a minute in a group, thirty a
//! second for the whole bot. A chat over its limit is told when to come back, so the
//! outbox moves on to other patrons instead of waiting.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A token bucket: `burst` messages at once, then one per `every`.
#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    updated: Instant,
    /// Set by a 429 from Telegram: nothing goes to the chat before this.
    blocked_until: Option<Instant>,
}

#[derive(Debug, Clone, Copy)]
pub struct Rate {
    pub burst: f64,
    pub every: Duration,
}

pub const PRIVATE_CHAT: Rate = Rate {
    burst: 3.0,
    every: Duration::from_secs(1),
};
pub const GROUP_CHAT: Rate = Rate {
    burst: 3.0,
    every: Duration::from_secs(3),
};
pub const WHOLE_BOT: Rate = Rate {
    burst: 30.0,
    every: Duration::from_millis(34),
};

impl Bucket {
    fn full(rate: Rate, now: Instant) -> Self {
        Self {
            tokens: rate.burst,
            updated: now,
            blocked_until: None,
        }
    }

    fn refill(&mut self, rate: Rate, now: Instant) {
        let gained = now.duration_since(self.updated).as_secs_f64() / rate.every.as_secs_f64();
        self.tokens = (self.tokens + gained).min(rate.burst);
        self.updated = now;
    }

    /// Takes a token, or says how long until one is there.
    fn take(&mut self, rate: Rate, now: Instant) -> Result<(), Duration> {
        if let Some(until) = self.blocked_until {
            if until > now {
                return Err(until - now);
            }
            self.blocked_until = None;
        }
        self.refill(rate, now);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(())
        } else {
            Err(rate.every.mul_f64(1.0 - self.tokens))
        }
    }
}

pub struct Pace {
    chats: Mutex<HashMap<i64, Bucket>>,
    bot: Mutex<Bucket>,
}

impl Default for Pace {
    fn default() -> Self {
        Self {
            chats: Mutex::new(HashMap::new()),
            bot: Mutex::new(Bucket::full(WHOLE_BOT, Instant::now())),
        }
    }
}

/// Group and supergroup ids are negative; private chats are the user's (positive) id.
pub fn rate_for(chat_id: i64) -> Rate {
    if chat_id < 0 {
        GROUP_CHAT
    } else {
        PRIVATE_CHAT
    }
}

impl Pace {
    /// May a message go to `chat_id` now? `Err(wait)` when the chat must wait; the whole
    /// bot's limit is short, so the caller just sleeps for `Ok(wait)`.
    pub fn admit(&self, chat_id: i64, now: Instant) -> Result<Duration, Duration> {
        let rate = rate_for(chat_id);
        let mut chats = self.chats.lock().expect("pace lock");
        if chats.len() > 10_000 {
            // Forget chats that have been quiet long enough to be full again.
            chats.retain(|id, b| {
                let r = rate_for(*id);
                b.refill(r, now);
                b.tokens < r.burst || b.blocked_until.is_some_and(|u| u > now)
            });
        }
        let chat = chats
            .entry(chat_id)
            .or_insert_with(|| Bucket::full(rate, now));
        let mut probe = *chat;
        probe.take(rate, now)?;
        let mut bot = self.bot.lock().expect("pace lock");
        let wait = match bot.take(WHOLE_BOT, now) {
            Ok(()) => Duration::ZERO,
            Err(wait) => {
                // Reserve the next bot-wide slot; the caller sleeps until it.
                bot.tokens -= 1.0;
                wait
            }
        };
        *chat = probe;
        Ok(wait)
    }

    /// Telegram answered 429: nothing goes to the chat for `wait`.
    pub fn hold(&self, chat_id: i64, wait: Duration, now: Instant) {
        let rate = rate_for(chat_id);
        let mut chats = self.chats.lock().expect("pace lock");
        let chat = chats
            .entry(chat_id)
            .or_insert_with(|| Bucket::full(rate, now));
        chat.blocked_until = Some(now + wait);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chat_gets_a_burst_then_one_a_second() {
        let pace = Pace::default();
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(pace.admit(42, t0).is_ok());
        }
        let wait = pace.admit(42, t0).unwrap_err();
        assert!(wait <= Duration::from_secs(1) && wait > Duration::from_millis(900));
        assert!(pace.admit(42, t0 + Duration::from_secs(1)).is_ok());
        // Another chat is not held up.
        assert!(pace.admit(43, t0).is_ok());
    }

    #[test]
    fn groups_are_slower() {
        let pace = Pace::default();
        let t0 = Instant::now();
        for _ in 0..3 {
            pace.admit(-100, t0).unwrap();
        }
        assert!(pace.admit(-100, t0 + Duration::from_secs(2)).is_err());
        assert!(pace.admit(-100, t0 + Duration::from_secs(3)).is_ok());
    }

    #[test]
    fn a_429_blocks_the_chat_for_its_retry_after() {
        let pace = Pace::default();
        let t0 = Instant::now();
        pace.hold(7, Duration::from_secs(5), t0);
        let wait = pace.admit(7, t0 + Duration::from_secs(1)).unwrap_err();
        assert_eq!(wait, Duration::from_secs(4));
        assert!(pace.admit(7, t0 + Duration::from_secs(5)).is_ok());
    }

    #[test]
    fn the_whole_bot_is_held_to_thirty_a_second() {
        let pace = Pace::default();
        let t0 = Instant::now();
        let waits: Vec<Duration> = (0..31).map(|i| pace.admit(i, t0).unwrap()).collect();
        assert!(waits[..30].iter().all(|w| w.is_zero()));
        assert!(!waits[30].is_zero());
    }
}
