//! Who may read `/metrics` (`[metrics] access`): nobody, local clients only, or whoever
//! presents the configured bearer token. The counts name no patron, but they tell an
//! outsider how busy the desk is and what the bot escalates.

use std::net::IpAddr;

use axum::http::{HeaderMap, StatusCode, header};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Access {
    /// No `/metrics` at all (404).
    Off,
    /// Only from this machine, and not through a proxy (a request carrying
    /// `X-Forwarded-For` or `Forwarded` came from elsewhere).
    #[default]
    Loopback,
    /// Anyone sending `Authorization: Bearer <metrics.token>`.
    Token,
}

/// `[metrics]` settings.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MetricsSettings {
    pub access: Access,
    /// For `access = "token"` (better set as REFDESK__METRICS__TOKEN). At least 16
    /// characters.
    pub token: crate::secret::Secret,
}

impl MetricsSettings {
    pub fn validate(&self) -> Result<(), String> {
        if self.access == Access::Token && self.token.expose().chars().count() < 16 {
            return Err(
                "metrics.token: needs at least 16 characters when metrics.access = \"token\""
                    .into(),
            );
        }
        Ok(())
    }
}

pub struct MetricsAccess {
    settings: MetricsSettings,
    /// A request from one of these came through a proxy, from anywhere.
    proxies: Vec<IpAddr>,
}

impl MetricsAccess {
    pub fn new(settings: MetricsSettings, trusted_proxies: &[IpAddr]) -> Self {
        Self {
            settings,
            proxies: trusted_proxies.iter().map(IpAddr::to_canonical).collect(),
        }
    }

    /// `Ok` when the request may read the metrics, else the status to answer with.
    pub fn check(
        &self,
        peer: IpAddr,
        headers: &HeaderMap,
    ) -> Result<(), (StatusCode, &'static str)> {
        match self.settings.access {
            Access::Off => Err((StatusCode::NOT_FOUND, "not found")),
            Access::Loopback => {
                let peer = peer.to_canonical();
                let proxied = self.proxies.contains(&peer)
                    || ["x-forwarded-for", "x-real-ip", "forwarded"]
                        .iter()
                        .any(|h| headers.contains_key(*h));
                if peer.is_loopback() && !proxied {
                    Ok(())
                } else {
                    Err((
                        StatusCode::FORBIDDEN,
                        "metrics are readable from this machine only",
                    ))
                }
            }
            Access::Token => {
                let sent = headers
                    .get(header::AUTHORIZATION)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.strip_prefix("Bearer "))
                    .unwrap_or_default();
                if crate::auth::same_secret(sent, self.settings.token.expose()) {
                    Ok(())
                } else {
                    Err((StatusCode::UNAUTHORIZED, "metrics need the bearer token"))
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn access(access: Access) -> MetricsAccess {
        let proxy: IpAddr = "127.0.0.2".parse().unwrap();
        MetricsAccess::new(
            MetricsSettings {
                access,
                token: "sixteen-chars-ok".into(),
            },
            &[proxy],
        )
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn loopback_means_local_and_not_proxied() {
        let a = access(Access::Loopback);
        let local: IpAddr = "127.0.0.1".parse().unwrap();
        assert!(a.check(local, &headers(&[])).is_ok());
        assert!(a.check("::1".parse().unwrap(), &headers(&[])).is_ok());
        assert_eq!(
            a.check("192.0.2.4".parse().unwrap(), &headers(&[]))
                .unwrap_err()
                .0,
            StatusCode::FORBIDDEN
        );
        let proxied = headers(&[("x-forwarded-for", "203.0.113.5")]);
        assert!(a.check(local, &proxied).is_err());
        assert!(
            a.check(local, &headers(&[("x-real-ip", "203.0.113.5")]))
                .is_err()
        );
        assert!(
            a.check("::ffff:127.0.0.1".parse().unwrap(), &headers(&[]))
                .is_ok()
        );
        // A proxy on this machine that forwards without saying so is still a proxy.
        assert!(
            a.check("127.0.0.2".parse().unwrap(), &headers(&[]))
                .is_err()
        );
    }

    #[test]
    fn token_and_off() {
        let a = access(Access::Token);
        let remote: IpAddr = "192.0.2.4".parse().unwrap();
        let good = headers(&[("authorization", "Bearer sixteen-chars-ok")]);
        assert!(a.check(remote, &good).is_ok());
        let bad = headers(&[("authorization", "Bearer sixteen-chars-no")]);
        assert_eq!(
            a.check(remote, &bad).unwrap_err().0,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            a.check(remote, &headers(&[])).unwrap_err().0,
            StatusCode::UNAUTHORIZED
        );
        let off = access(Access::Off);
        assert_eq!(
            off.check("127.0.0.1".parse().unwrap(), &headers(&[]))
                .unwrap_err()
                .0,
            StatusCode::NOT_FOUND
        );
        let short = MetricsSettings {
            access: Access::Token,
            token: "short".into(),
        };
        assert!(short.validate().is_err());
    }
}
