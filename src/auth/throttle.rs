//! Login attempts under two allowances (GCRA, from the governor crate): one per client and
//! one per account. A client that spends its allowance waits, and only that client; an
//! account that is being guessed slows down for everyone, but its owner waits seconds, not
//! minutes. Memory is bounded: keys are addresses (IPv6 by /64) and usernames of at most 64
//! bytes, and keys whose allowance has refilled are dropped once the maps grow
//! (`crate::rate`).

use std::net::IpAddr;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::rate::{Allowances, per_minute};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LoginLimitSettings {
    /// Sign-in attempts a client (an address; IPv6 by /64) may make per minute, in a burst or
    /// spread out. A library behind one NAT shares it, so it is generous.
    pub per_client_per_minute: u32,
    /// Sign-in attempts per minute for one username, from anywhere.
    pub per_account_per_minute: u32,
}

impl Default for LoginLimitSettings {
    fn default() -> Self {
        Self {
            per_client_per_minute: 30,
            per_account_per_minute: 5,
        }
    }
}

pub struct LoginThrottle {
    clients: Allowances<IpAddr>,
    accounts: Allowances<String>,
}

impl LoginThrottle {
    pub fn new(settings: &LoginLimitSettings) -> Self {
        Self {
            clients: Allowances::new(per_minute(settings.per_client_per_minute)),
            accounts: Allowances::new(per_minute(settings.per_account_per_minute)),
        }
    }

    /// Spends one attempt of `client`'s allowance and then of `username`'s; how long to wait
    /// when either is spent. A client over its allowance does not touch the account's, so
    /// one client cannot fill the account map. `username` must be checked (at most 64
    /// bytes) first.
    pub fn attempt(&self, client: IpAddr, username: &str) -> Result<(), Duration> {
        self.clients.check(&client_key(client))?;
        self.accounts.check(&username.to_string())
    }

    /// How many clients and accounts are remembered (for tests and metrics).
    pub fn remembered(&self) -> (usize, usize) {
        (self.clients.len(), self.accounts.len())
    }
}

/// IPv6 clients by their /64: one household or host usually has a whole /64 to rotate in.
pub fn client_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let bits = u128::from(v6) & !((1u128 << 64) - 1);
                IpAddr::V6(bits.into())
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn throttle(per_client: u32, per_account: u32) -> LoginThrottle {
        LoginThrottle::new(&LoginLimitSettings {
            per_client_per_minute: per_client,
            per_account_per_minute: per_account,
        })
    }

    #[test]
    fn an_account_slows_down_after_its_allowance() {
        let t = throttle(100, 5);
        for n in 0..5 {
            assert!(t.attempt(ip("10.0.0.1"), "ann").is_ok(), "attempt {n}");
        }
        let wait = t.attempt(ip("10.0.0.2"), "ann").unwrap_err();
        // Five a minute: the next attempt within about twelve seconds, not minutes.
        assert!(wait <= Duration::from_secs(12), "{wait:?}");
        assert!(t.attempt(ip("10.0.0.2"), "bob").is_ok(), "another account");
    }

    #[test]
    fn a_client_over_its_allowance_does_not_stop_another() {
        let t = throttle(3, 100);
        for name in ["a1", "a2", "a3"] {
            assert!(t.attempt(ip("192.0.2.7"), name).is_ok());
        }
        assert!(t.attempt(ip("192.0.2.7"), "a4").is_err());
        assert!(t.attempt(ip("192.0.2.8"), "a4").is_ok());
        // The refused attempt did not reach the account map.
        assert_eq!(t.remembered(), (2, 4));
    }

    #[test]
    fn ipv6_clients_are_counted_by_their_slash_64() {
        let t = throttle(2, 100);
        assert!(t.attempt(ip("2001:db8:1:2::1"), "a").is_ok());
        assert!(t.attempt(ip("2001:db8:1:2:ffff::9"), "b").is_ok());
        assert!(t.attempt(ip("2001:db8:1:2:abcd::1"), "c").is_err());
        assert!(t.attempt(ip("2001:db8:1:3::1"), "c").is_ok());
        assert_eq!(client_key(ip("::ffff:10.1.2.3")), ip("10.1.2.3"));
    }
}
