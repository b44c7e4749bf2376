//! Who a request comes from: its address, whether it reached hoicho over HTTPS, and the host
//! it asked for. Behind a reverse proxy the connection is the proxy's, and the client is in
//! the `Forwarded` or `X-Forwarded-*` headers the proxy adds — but any client can send those
//! headers too, so they are believed only from the peers `--trust-proxy` names. Of the
//! addresses a request went through, the client is the right-most one that is not a trusted
//! proxy: every address left of it was written by someone hoicho does not trust.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use actix_web::http::header::HeaderMap;
use actix_web::HttpRequest;
use ipnet::IpNet;

/// The proxies whose forwarding headers are believed (`--trust-proxy`); none by default.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(pub Arc<Vec<IpNet>>);

impl TrustedProxies {
    pub fn trusts(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0.iter().any(|net| net.contains(&ip))
    }
}

/// Reads a `--trust-proxy` entry: a network (`10.0.0.0/8`, `fd00::/8`) or one address.
pub fn parse_network(text: &str) -> Result<IpNet, String> {
    let text = text.trim();
    text.parse::<IpNet>()
        .or_else(|_| text.parse::<IpAddr>().map(IpNet::from))
        .map_err(|_| format!("{text:?} is neither an address nor a network such as 10.0.0.0/8"))
}

/// An IPv4 address mapped into IPv6 (`::ffff:10.0.0.1`, as a dual-stack listener sees it) as
/// the IPv4 address it is.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// The client of a request, as far as hoicho can tell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Client {
    /// `None` when the connection has no address (a test calling a handler directly).
    pub ip: Option<IpAddr>,
    /// Reached over HTTPS: hoicho's own TLS, or a trusted proxy's.
    pub https: bool,
    /// The host the client asked for: `Host`, or a trusted proxy's forwarded host.
    pub host: String,
}

impl Client {
    /// The client of `req`.
    pub fn of(req: &HttpRequest) -> Client {
        let trusted = req.app_data::<TrustedProxies>().cloned().unwrap_or_default();
        resolve(req.peer_addr(), req.headers(), &trusted, req.app_config().secure())
    }

    /// The address as logs and limits use it; `-` when there is none.
    pub fn address(&self) -> String {
        self.ip.map_or_else(|| "-".to_owned(), |ip| ip.to_string())
    }

    /// `https://host` or `http://host`.
    pub fn base_url(&self) -> String {
        format!("{}://{}", if self.https { "https" } else { "http" }, self.host)
    }
}

/// The client, from the connection's `peer`, the request's `headers` and the `trusted`
/// proxies; `tls`: the connection itself is HTTPS.
pub fn resolve(peer: Option<SocketAddr>, headers: &HeaderMap, trusted: &TrustedProxies, tls: bool) -> Client {
    let peer = peer.map(|p| canonical(p.ip()));
    let host = header(headers, "host").unwrap_or_default().to_owned();
    let direct = Client {
        ip: peer,
        https: tls,
        host,
    };
    let Some(proxy) = peer.filter(|ip| trusted.trusts(*ip)) else {
        return direct;
    };
    let (hops, proto, host) = match forwarded(headers) {
        Some(f) => f,
        None => {
            let hops = headers
                .get_all("x-forwarded-for")
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .map(|hop| hop.trim().parse::<IpAddr>().ok())
                .collect();
            let last = |name| {
                header(headers, name)
                    .and_then(|v| v.rsplit(',').next())
                    .map(|v| v.trim().to_owned())
            };
            (hops, last("x-forwarded-proto"), last("x-forwarded-host"))
        }
    };
    // From the proxy leftwards: the first address that is not a trusted proxy is the client.
    // An address that cannot be read ends the walk at the last one that could.
    let mut client = proxy;
    for hop in hops.iter().rev() {
        match hop {
            Some(ip) => {
                client = canonical(*ip);
                if !trusted.trusts(client) {
                    break;
                }
            }
            None => break,
        }
    }
    Client {
        ip: Some(client),
        https: proto.map_or(tls, |p| p.eq_ignore_ascii_case("https")),
        host: host.filter(|h| !h.is_empty()).unwrap_or(direct.host),
    }
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// What the proxies said: the addresses the request went through, oldest first (`None` for
/// one that cannot be read), and the protocol and host the last proxy was asked for.
type Hops = (Vec<Option<IpAddr>>, Option<String>, Option<String>);

/// The hops, and the right-most element's `proto` and `host`, of RFC 7239's `Forwarded`
/// headers; `None` when there are none.
fn forwarded(headers: &HeaderMap) -> Option<Hops> {
    let values: Vec<&str> = headers.get_all("forwarded").filter_map(|v| v.to_str().ok()).collect();
    if values.is_empty() {
        return None;
    }
    let (mut hops, mut proto, mut host) = (Vec::new(), None, None);
    for element in values.iter().flat_map(|v| v.split(',')) {
        let (mut hop, mut element_proto, mut element_host) = (None, None, None);
        for pair in element.split(';') {
            let Some((key, value)) = pair.split_once('=') else {
                continue;
            };
            let value = value.trim().trim_matches('"');
            match key.trim().to_ascii_lowercase().as_str() {
                "for" => hop = Some(node_address(value)),
                "proto" => element_proto = Some(value.to_owned()),
                "host" => element_host = Some(value.to_owned()),
                _ => {}
            }
        }
        hops.push(hop.flatten());
        (proto, host) = (element_proto, element_host);
    }
    Some((hops, proto, host))
}

/// The address of a `for=` node: `192.0.2.60`, `192.0.2.60:4711`, `[2001:db8::17]:4711`;
/// `None` for `unknown` or an obfuscated name.
fn node_address(node: &str) -> Option<IpAddr> {
    if let Some(rest) = node.strip_prefix('[') {
        return rest.split(']').next()?.parse().ok();
    }
    node.parse::<IpAddr>()
        .ok()
        .or_else(|| node.parse::<SocketAddr>().ok().map(|s| s.ip()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::{HeaderName, HeaderValue};

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(
                HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        map
    }

    fn trusting(nets: &[&str]) -> TrustedProxies {
        TrustedProxies(Arc::new(nets.iter().map(|n| parse_network(n).unwrap()).collect()))
    }

    fn peer(ip: &str) -> Option<SocketAddr> {
        Some(SocketAddr::new(ip.parse().unwrap(), 40000))
    }

    fn ip(text: &str) -> Option<IpAddr> {
        Some(text.parse().unwrap())
    }

    #[test]
    fn without_trusted_proxies_the_headers_are_the_clients_say_and_ignored() {
        let h = headers(&[
            ("host", "hoicho.hatinh.gov.vn"),
            ("x-forwarded-for", "198.51.100.7"),
            ("x-forwarded-proto", "https"),
            ("x-forwarded-host", "evil.example"),
            ("forwarded", "for=198.51.100.8;proto=https;host=evil.example"),
        ]);
        let client = resolve(peer("203.0.113.9"), &h, &TrustedProxies::default(), false);
        assert_eq!(
            client,
            Client {
                ip: ip("203.0.113.9"),
                https: false,
                host: "hoicho.hatinh.gov.vn".into()
            }
        );
        // Trusted proxies named, but this peer is not one of them.
        let client = resolve(peer("203.0.113.9"), &h, &trusting(&["10.0.0.0/8"]), false);
        assert_eq!(client.ip, ip("203.0.113.9"));
        assert!(!client.https);
    }

    #[test]
    fn behind_a_trusted_proxy_the_right_most_untrusted_address_is_the_client() {
        let trusted = trusting(&["10.0.0.0/8", "127.0.0.1"]);
        // The client put a made-up address first; the proxies appended the real ones.
        let h = headers(&[
            ("host", "10.0.0.2:8080"),
            ("x-forwarded-for", "1.1.1.1, 198.51.100.7"),
            ("x-forwarded-for", "10.0.0.3"),
            ("x-forwarded-proto", "https"),
            ("x-forwarded-host", "hoicho.hatinh.gov.vn"),
        ]);
        let client = resolve(peer("10.0.0.2"), &h, &trusted, false);
        assert_eq!(
            client,
            Client {
                ip: ip("198.51.100.7"),
                https: true,
                host: "hoicho.hatinh.gov.vn".into()
            }
        );
        assert_eq!(client.base_url(), "https://hoicho.hatinh.gov.vn");
        // Every hop a trusted proxy: the left-most.
        let h = headers(&[("x-forwarded-for", "10.0.0.9, 10.0.0.3")]);
        assert_eq!(resolve(peer("127.0.0.1"), &h, &trusted, false).ip, ip("10.0.0.9"));
        // No header: the proxy itself.
        assert_eq!(
            resolve(peer("127.0.0.1"), &HeaderMap::new(), &trusted, false).ip,
            ip("127.0.0.1")
        );
        // Garbage to the right of the client (only a trusted proxy could have written it)
        // stops the walk at the last address that could be read.
        let h = headers(&[("x-forwarded-for", "198.51.100.7, not-an-address")]);
        assert_eq!(resolve(peer("10.0.0.2"), &h, &trusted, false).ip, ip("10.0.0.2"));
        // An IPv4 peer seen through a dual-stack listener.
        let h = headers(&[("x-forwarded-for", "198.51.100.7")]);
        assert_eq!(
            resolve(peer("::ffff:10.0.0.2"), &h, &trusted, false).ip,
            ip("198.51.100.7")
        );
    }

    #[test]
    fn rfc_7239_forwarded_is_read_before_the_x_headers() {
        let trusted = trusting(&["10.0.0.0/8", "2001:db8:cafe::/48"]);
        let h = headers(&[
            ("host", "10.0.0.2"),
            (
                "forwarded",
                r#"for=192.0.2.60;proto=http, for="[2001:db8:cafe::17]:4711";proto=https;host="hoicho.gov.vn""#,
            ),
            ("x-forwarded-for", "203.0.113.1"),
        ]);
        let client = resolve(peer("10.0.0.2"), &h, &trusted, false);
        assert_eq!(
            client,
            Client {
                ip: ip("192.0.2.60"),
                https: true,
                host: "hoicho.gov.vn".into()
            }
        );
        let h = headers(&[("forwarded", "for=unknown"), ("host", "a")]);
        assert_eq!(resolve(peer("10.0.0.2"), &h, &trusted, true).ip, ip("10.0.0.2"));
        let h = headers(&[("forwarded", "for=198.51.100.3:5000")]);
        assert_eq!(resolve(peer("10.0.0.2"), &h, &trusted, false).ip, ip("198.51.100.3"));
    }

    #[test]
    fn a_network_or_an_address_is_read_and_anything_else_named() {
        assert_eq!(parse_network("10.0.0.0/8").unwrap().to_string(), "10.0.0.0/8");
        assert_eq!(parse_network(" 127.0.0.1 ").unwrap().to_string(), "127.0.0.1/32");
        assert_eq!(parse_network("::1").unwrap().to_string(), "::1/128");
        assert!(parse_network("10.0.0.0/33").unwrap_err().contains("10.0.0.0/33"));
        assert!(parse_network("proxy.local").is_err());
    }
}
