//! The guard against server-side request forgery: deliveries resolve the endpoint's host
//! through [`GuardedResolver`], which refuses private, loopback, link-local, shared,
//! multicast and cloud-metadata addresses unless configuration allows them; an endpoint URL
//! naming such an IP literally is refused by [`check_url`] before any request.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// Whether deliveries may reach non-public addresses.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum PrivateAddresses {
    /// Only public addresses (production).
    #[default]
    Refuse,
    /// Any address (tests, the sandbox, a receiver on the private network on purpose).
    Allow,
}

/// Whether `ip` is a public unicast address.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_public_v4(v4),
            None => is_public_v6(v6),
        },
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    !(ip.is_private()
        || ip.is_loopback()
        || ip.is_link_local() // includes 169.254.169.254, the metadata service
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // carrier-grade NAT
        || (a == 192 && b == 0) // IETF protocol assignments
        || (a == 198 && (18..20).contains(&b)) // benchmarking
        || a >= 240)
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    !(ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || (first & 0xfe00) == 0xfc00 // unique local
        || (first & 0xffc0) == 0xfe80 // link local
        || ip == Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254)) // AWS metadata
}

/// Refuses a URL whose host is a non-public IP literal (the resolver never sees those).
pub fn check_url(url: &url::Url, policy: PrivateAddresses) -> Result<(), String> {
    if policy == PrivateAddresses::Allow {
        return Ok(());
    }
    let ip = match url.host() {
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip),
        Some(url::Host::Domain(d)) if d.eq_ignore_ascii_case("localhost") => {
            return Err("the endpoint's host is loopback".into());
        }
        _ => return Ok(()),
    };
    if is_public(ip) {
        Ok(())
    } else {
        Err(format!("the endpoint's address {ip} is not public"))
    }
}

/// DNS through the system resolver, keeping only public addresses (unless allowed).
#[derive(Debug, Clone, Copy)]
pub struct GuardedResolver {
    /// What to do with non-public answers.
    pub policy: PrivateAddresses,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = self.policy;
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|a| policy == PrivateAddresses::Allow || is_public(a.ip()))
                .collect();
            if addrs.is_empty() {
                return Err(format!("{host} resolves to no public address").into());
            }
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn private_and_metadata_addresses_are_not_public() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
            "fd00:ec2::254",
        ] {
            assert!(!is_public(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["93.184.216.34", "2606:4700::1111", "8.8.8.8"] {
            assert!(is_public(ip.parse().unwrap()), "{ip}");
        }
    }

    #[test]
    fn literal_urls_are_checked() {
        let url = |s: &str| url::Url::parse(s).unwrap();
        assert!(check_url(&url("https://127.0.0.1/x"), PrivateAddresses::Refuse).is_err());
        assert!(check_url(&url("https://[::1]/x"), PrivateAddresses::Refuse).is_err());
        assert!(check_url(&url("https://localhost/x"), PrivateAddresses::Refuse).is_err());
        assert!(check_url(&url("https://example.com/x"), PrivateAddresses::Refuse).is_ok());
        assert!(check_url(&url("http://127.0.0.1/x"), PrivateAddresses::Allow).is_ok());
    }
}
