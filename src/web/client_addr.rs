//! Which address a request came from. The peer's, unless the peer is one of
//! `server.trusted_proxies`: then the nearest address in `X-Forwarded-For` that is not a
//! trusted proxy. Anyone can write the header, so from anyone else it is ignored.

use std::net::IpAddr;

use axum::http::HeaderMap;

pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[IpAddr]) -> IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    // Each proxy appends the address it received from; read from the nearest backwards.
    let hops: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map_while(|hop| hop.trim().parse().ok())
        .collect();
    hops.iter()
        .rev()
        .find(|hop| !trusted.contains(hop))
        .or(hops.first())
        .copied()
        .unwrap_or(peer)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append("x-forwarded-for", v.parse().unwrap());
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn the_header_counts_only_from_a_trusted_proxy() {
        let proxy = [ip("10.0.0.5")];
        let h = headers(&["198.51.100.7"]);
        assert_eq!(client_ip(ip("203.0.113.9"), &h, &proxy), ip("203.0.113.9"));
        assert_eq!(client_ip(ip("10.0.0.5"), &h, &proxy), ip("198.51.100.7"));
        assert_eq!(client_ip(ip("10.0.0.5"), &h, &[]), ip("10.0.0.5"));
    }

    #[test]
    fn a_forged_first_hop_does_not_hide_the_real_client() {
        let proxies = [ip("10.0.0.5"), ip("10.0.0.6")];
        // The client wrote "1.2.3.4" itself; the outer proxy saw 198.51.100.7.
        let h = headers(&["1.2.3.4, 198.51.100.7", "10.0.0.6"]);
        assert_eq!(client_ip(ip("10.0.0.5"), &h, &proxies), ip("198.51.100.7"));
        // Nothing usable: the peer.
        assert_eq!(
            client_ip(ip("10.0.0.5"), &headers(&["junk"]), &proxies),
            ip("10.0.0.5")
        );
    }
}
