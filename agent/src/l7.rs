//! L7 policies of an HTTP or HTTPS listener, compiled at config apply, and the answers the proxy
//! gives by itself instead of proxying (redirects, rejections).
//!
//! Per request the policies are tried in config order; the first whose rules all match (no
//! rules: always) acts: forward to one of the listener's L7 pools instead of the default one,
//! redirect, or reject. No match: the default pool. `redirect_https_port` compiles to a single
//! rule-less policy that redirects to HTTPS, so such a listener answers every request itself
//! (its other policies would never be reached and are not compiled).
//!
//! Invariants: whatever can be wrong in a policy (a pool that does not exist, a status that is not
//! a redirect or an error, a header name or URL not valid in a header) fails the apply, so the
//! per-request side cannot fail. Matching does not allocate: rule values are lower-cased (host),
//! header names parsed and pool ids resolved to indexes at apply, and the host, path, headers and
//! cookies are compared where they lie in the request. A listener without policies pays one
//! `is_empty()` per request.
//!
//! Rules read a request through [`Head`], so they run alike on hyper's parsed `Request` and on
//! the fast path's head as it lies in its read buffer ([`crate::h1`]), which asks [`Policies::choose`]
//! for the pool and hands a request that the proxy answers by itself over to hyper.

use std::io::Write as _;

use anyhow::{anyhow, bail, Context as _};
use bytes::Bytes;
use hyper::header::{self, HeaderName, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use lbaas_proto::{ActionConfig, Compare, ListenerConfig, PolicyConfig, RuleConfig, RuleKind};

use crate::body::{self, Body};

/// A listener's compiled policies, in order.
#[derive(Debug, Default)]
pub(crate) struct Policies(Box<[Policy]>);

#[derive(Debug)]
struct Policy {
    rules: Box<[Rule]>,
    action: Action,
}

#[derive(Debug)]
struct Rule {
    subject: Subject,
    compare: Compare,
    /// Lower case for [`Subject::Host`].
    value: Box<[u8]>,
    invert: bool,
}

#[derive(Debug)]
enum Subject {
    Host,
    Path,
    Header(HeaderName),
    Cookie(Box<[u8]>),
}

#[derive(Debug)]
enum Action {
    /// An index into the listener's L7 pools (`ListenerConfig::pools` order).
    Forward(usize),
    RedirectUrl {
        status: StatusCode,
        location: HeaderValue,
    },
    RedirectPrefix {
        status: StatusCode,
        prefix: Bytes,
    },
    Reject(StatusCode),
    RedirectHttps {
        port: u16,
    },
}

/// What rules read of a request: its host, path and header values, as they lie in it.
pub(crate) trait Head {
    /// The first `Host` header's value, else the target's authority (h2's `:authority`), with its
    /// port.
    fn host_raw(&self) -> Option<&[u8]>;
    /// The target's path, without its query.
    fn path(&self) -> &[u8];
    /// Every value of the header `name`, in order.
    fn values<'a>(&'a self, name: &'a HeaderName) -> impl Iterator<Item = &'a [u8]> + 'a;
}

impl<B> Head for Request<B> {
    fn host_raw(&self) -> Option<&[u8]> {
        match self.headers().get(header::HOST) {
            Some(h) => Some(h.as_bytes()),
            None => Some(self.uri().authority()?.as_str().as_bytes()),
        }
    }

    fn path(&self) -> &[u8] {
        self.uri().path().as_bytes()
    }

    fn values<'a>(&'a self, name: &'a HeaderName) -> impl Iterator<Item = &'a [u8]> + 'a {
        self.headers().get_all(name).iter().map(HeaderValue::as_bytes)
    }
}

/// Which way a request goes, as far as the fast path needs to know.
pub(crate) enum Choice {
    /// No policy matched: the default pool.
    Default,
    /// To this L7 pool.
    Pool(usize),
    /// The proxy answers it itself (a redirect or a rejection): see [`Policies::decide`].
    Answer,
}

/// What the policies say about one request.
pub(crate) enum Decision {
    /// No policy matched: the default pool.
    Default,
    /// To this L7 pool.
    Pool(usize),
    /// Answered by the proxy, no member involved.
    Answer(Response<Body>),
}

impl Policies {
    /// Compiles `cfg`'s policies (or its HTTPS redirect), resolving pools by their position in
    /// `cfg.pools`.
    pub fn compile(cfg: &ListenerConfig) -> anyhow::Result<Policies> {
        if let Some(port) = cfg.redirect_https_port {
            if port == 0 {
                bail!("redirect_https_port: 0 is not a port");
            }
            let p = Policy { rules: Box::new([]), action: Action::RedirectHttps { port } };
            return Ok(Policies(Box::new([p])));
        }
        let policies = cfg
            .policies
            .iter()
            .map(|p| compile_policy(p, cfg).with_context(|| format!("policy {}", p.id)))
            .collect::<anyhow::Result<_>>()?;
        Ok(Policies(policies))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The action of the first policy whose rules all match.
    fn first_match(&self, head: &impl Head) -> Option<&Action> {
        self.0.iter().find(|p| p.rules.iter().all(|r| r.matches(head))).map(|p| &p.action)
    }

    /// The pool for a request, or that the proxy answers it: what [`Policies::decide`] says,
    /// without building the answer.
    pub fn choose(&self, head: &impl Head) -> Choice {
        match self.first_match(head) {
            None => Choice::Default,
            Some(Action::Forward(i)) => Choice::Pool(*i),
            Some(_) => Choice::Answer,
        }
    }

    pub fn decide<B>(&self, req: &Request<B>) -> Decision {
        let Some(action) = self.first_match(req) else {
            return Decision::Default;
        };
        match action {
            Action::Forward(i) => Decision::Pool(*i),
            Action::RedirectUrl { status, location } => {
                Decision::Answer(redirect(*status, location.clone()))
            }
            Action::RedirectPrefix { status, prefix } => {
                Decision::Answer(redirect_prefix(*status, prefix, req))
            }
            Action::Reject(status) => Decision::Answer(body::plain(
                *status,
                status.canonical_reason().unwrap_or("rejected"),
            )),
            Action::RedirectHttps { port } => Decision::Answer(redirect_https(*port, req)),
        }
    }
}

fn compile_policy(p: &PolicyConfig, cfg: &ListenerConfig) -> anyhow::Result<Policy> {
    let rules = p.rules.iter().map(compile_rule).collect::<anyhow::Result<_>>()?;
    let action = match &p.action {
        ActionConfig::Forward { pool } => {
            Action::Forward(cfg.pools.iter().position(|c| c.id == *pool).ok_or_else(|| {
                anyhow!("forwards to pool {pool}, which the listener does not have")
            })?)
        }
        ActionConfig::RedirectUrl { url, status } => Action::RedirectUrl {
            status: redirect_status(*status)?,
            location: HeaderValue::from_str(url)
                .ok()
                .filter(|_| !url.is_empty())
                .ok_or_else(|| anyhow!("redirect url {url:?} is not a valid Location"))?,
        },
        ActionConfig::RedirectPrefix { prefix, status } => {
            if prefix.is_empty() || HeaderValue::from_str(prefix).is_err() {
                bail!("redirect prefix {prefix:?} is not a valid Location");
            }
            Action::RedirectPrefix {
                status: redirect_status(*status)?,
                prefix: Bytes::copy_from_slice(prefix.as_bytes()),
            }
        }
        ActionConfig::Reject { status } => match StatusCode::from_u16(*status) {
            Ok(s) if s.is_client_error() || s.is_server_error() => Action::Reject(s),
            _ => bail!("reject status {status} is not a 4xx or 5xx"),
        },
    };
    Ok(Policy { rules, action })
}

fn redirect_status(status: u16) -> anyhow::Result<StatusCode> {
    match status {
        301 | 302 | 303 | 307 | 308 => Ok(StatusCode::from_u16(status)?),
        _ => bail!("redirect status {status} is not one of 301, 302, 303, 307, 308"),
    }
}

fn compile_rule(r: &RuleConfig) -> anyhow::Result<Rule> {
    let key = || r.key.as_deref().filter(|k| !k.is_empty());
    let subject = match r.kind {
        RuleKind::HostName => Subject::Host,
        RuleKind::Path => Subject::Path,
        RuleKind::Header => {
            let k = key().ok_or_else(|| anyhow!("a HEADER rule needs a key"))?;
            Subject::Header(
                HeaderName::from_bytes(k.as_bytes())
                    .map_err(|_| anyhow!("{k:?} is not a header name"))?,
            )
        }
        RuleKind::Cookie => {
            let k = key().ok_or_else(|| anyhow!("a COOKIE rule needs a key"))?;
            Subject::Cookie(k.as_bytes().into())
        }
    };
    let value = match subject {
        Subject::Host => r.value.to_ascii_lowercase().into_bytes().into(),
        _ => r.value.as_bytes().into(),
    };
    Ok(Rule { subject, compare: r.compare, value, invert: r.invert })
}

impl Rule {
    fn matches(&self, req: &impl Head) -> bool {
        let v = &self.value[..];
        let hit = match &self.subject {
            Subject::Host => host(req).is_some_and(|h| compare(self.compare, h, v, true)),
            Subject::Path => compare(self.compare, req.path(), v, false),
            Subject::Header(name) => req.values(name).any(|h| compare(self.compare, h, v, false)),
            Subject::Cookie(name) => {
                cookie(req, name).is_some_and(|c| compare(self.compare, c, v, false))
            }
        };
        hit != self.invert
    }
}

/// `hay` against `needle`; with `fold`, `hay` is compared ASCII case-insensitively with a
/// lower-case `needle`.
fn compare(how: Compare, hay: &[u8], needle: &[u8], fold: bool) -> bool {
    let eq = |a: &[u8]| {
        if fold {
            a.iter().zip(needle).all(|(x, y)| x.to_ascii_lowercase() == *y)
        } else {
            a == needle
        }
    };
    let n = needle.len();
    match how {
        Compare::EqualTo => hay.len() == n && eq(hay),
        Compare::StartsWith => hay.len() >= n && eq(&hay[..n]),
        Compare::EndsWith => hay.len() >= n && eq(&hay[hay.len() - n..]),
        Compare::Contains => n == 0 || hay.windows(n).any(eq),
    }
}

/// The request's host without its port: `Host`, else the URI's authority (h2 `:authority`).
fn host(req: &impl Head) -> Option<&[u8]> {
    let raw = req.host_raw()?;
    // An authority may carry `user@` (RFC 9110 forbids it in `Host`, not in an h2 `:authority`).
    let raw = raw.iter().rposition(|&b| b == b'@').map_or(raw, |i| &raw[i + 1..]);
    let end = if raw.first() == Some(&b'[') {
        raw.iter().position(|&b| b == b']').map_or(raw.len(), |i| i + 1)
    } else {
        raw.iter().position(|&b| b == b':').unwrap_or(raw.len())
    };
    Some(&raw[..end])
}

/// The value of the first cookie called `name` in the `Cookie` header(s), unquoted.
fn cookie<'a>(req: &'a impl Head, name: &[u8]) -> Option<&'a [u8]> {
    for h in req.values(&header::COOKIE) {
        for pair in h.split(|&b| b == b';') {
            let Some(eq) = pair.iter().position(|&b| b == b'=') else { continue };
            if pair[..eq].trim_ascii() == name {
                let v = pair[eq + 1..].trim_ascii();
                let unquoted = v.strip_prefix(b"\"").and_then(|v| v.strip_suffix(b"\""));
                return Some(unquoted.unwrap_or(v));
            }
        }
    }
    None
}

fn redirect(status: StatusCode, location: HeaderValue) -> Response<Body> {
    let mut r = Response::new(body::empty());
    *r.status_mut() = status;
    r.headers_mut().insert(header::LOCATION, location);
    r
}

fn path_and_query<B>(req: &Request<B>) -> &str {
    req.uri().path_and_query().map_or("/", |pq| pq.as_str())
}

/// `prefix` followed by the request's path and query, with one `/` where they meet.
fn redirect_prefix<B>(status: StatusCode, prefix: &[u8], req: &Request<B>) -> Response<Body> {
    let pq = path_and_query(req);
    let prefix = match pq.starts_with('/') {
        true => prefix.strip_suffix(b"/").unwrap_or(prefix),
        false => prefix,
    };
    let mut v = Vec::with_capacity(prefix.len() + pq.len());
    v.extend_from_slice(prefix);
    v.extend_from_slice(pq.as_bytes());
    location(status, v)
}

/// `https://<host>[:<port>]<path and query>`; 301 keeps GET and HEAD as they are, 308 keeps every
/// other method and its body (a 301 lets clients turn a POST into a GET).
fn redirect_https<B>(port: u16, req: &Request<B>) -> Response<Body> {
    let Some(host) = host(req).filter(|h| valid_host(h)) else {
        return body::plain(StatusCode::BAD_REQUEST, "a Host is needed to redirect to HTTPS");
    };
    let pq = path_and_query(req);
    let mut v = Vec::with_capacity(8 + host.len() + 6 + pq.len());
    v.extend_from_slice(b"https://");
    v.extend_from_slice(host);
    if port != 443 {
        let _ = write!(v, ":{port}");
    }
    v.extend_from_slice(pq.as_bytes());
    let status = match *req.method() {
        Method::GET | Method::HEAD => StatusCode::MOVED_PERMANENTLY,
        _ => StatusCode::PERMANENT_REDIRECT,
    };
    location(status, v)
}

fn location(status: StatusCode, v: Vec<u8>) -> Response<Body> {
    match HeaderValue::from_maybe_shared(Bytes::from(v)) {
        Ok(l) => redirect(status, l),
        // Both halves were valid header bytes on their own; kept as a clean answer all the same.
        Err(_) => body::plain(StatusCode::BAD_REQUEST, "cannot build the redirect"),
    }
}

/// A DNS name or an IP literal: what may stand between `https://` and the port without changing
/// what the URL means (a `/`, `@` or `?` in a client's `Host` would).
fn valid_host(h: &[u8]) -> bool {
    match h {
        [] => false,
        [b'[', inner @ .., b']'] => {
            inner.iter().all(|b| b.is_ascii_hexdigit() || matches!(b, b':' | b'.'))
        }
        _ => h.iter().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_')),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lbaas_proto::{Algorithm, PoolConfig, Protocol};

    fn rule(kind: RuleKind, compare: Compare, key: Option<&str>, value: &str) -> RuleConfig {
        RuleConfig { kind, compare, key: key.map(Into::into), value: value.into(), invert: false }
    }

    fn listener(policies: Vec<PolicyConfig>) -> ListenerConfig {
        ListenerConfig {
            name: "l".into(),
            protocol: Protocol::Http,
            port: 80,
            algorithm: Algorithm::RoundRobin,
            members: vec![],
            cache: false,
            tls: None,
            redirect_https_port: None,
            pools: ["p0", "p1"]
                .iter()
                .map(|id| PoolConfig {
                    id: (*id).into(),
                    algorithm: Algorithm::RoundRobin,
                    members: vec![],
                })
                .collect(),
            policies,
        }
    }

    fn forward(id: &str, pool: &str, rules: Vec<RuleConfig>) -> PolicyConfig {
        PolicyConfig { id: id.into(), rules, action: ActionConfig::Forward { pool: pool.into() } }
    }

    fn req(uri: &str, headers: &[(&str, &str)]) -> Request<()> {
        let mut r = Request::get(uri);
        for (n, v) in headers {
            r = r.header(*n, *v);
        }
        r.body(()).unwrap()
    }

    fn pool_of(p: &Policies, r: &Request<()>) -> Option<usize> {
        match p.decide(r) {
            Decision::Default => None,
            Decision::Pool(i) => Some(i),
            Decision::Answer(a) => panic!("answered {}", a.status()),
        }
    }

    #[test]
    fn compare_modes() {
        use Compare::*;
        assert!(
            compare(EqualTo, b"abc", b"abc", false) && !compare(EqualTo, b"abcd", b"abc", false)
        );
        assert!(compare(StartsWith, b"/api/v1", b"/api", false));
        assert!(!compare(StartsWith, b"/ap", b"/api", false));
        assert!(
            compare(EndsWith, b"/x.png", b".png", false) && !compare(EndsWith, b"g", b"png", false)
        );
        assert!(
            compare(Contains, b"xxabcxx", b"abc", false)
                && !compare(Contains, b"ab", b"abc", false)
        );
        assert!(compare(Contains, b"", b"", false));
        assert!(compare(EqualTo, b"WeB.Test", b"web.test", true));
        assert!(!compare(EqualTo, b"/API", b"/api", false), "paths are case-sensitive");
        assert!(compare(Contains, b"A.B.EXAMPLE", b"b.ex", true));
    }

    #[test]
    fn host_comes_without_port_from_host_or_authority() {
        assert_eq!(host(&req("/", &[("host", "Web.Test:8080")])), Some(&b"Web.Test"[..]));
        assert_eq!(host(&req("/", &[("host", "[::1]:80")])), Some(&b"[::1]"[..]));
        assert_eq!(host(&req("https://h2.test:443/x", &[])), Some(&b"h2.test"[..]));
        assert_eq!(host(&req("/", &[])), None);
    }

    #[test]
    fn cookies_are_found_in_any_cookie_header() {
        let r = req("/", &[("cookie", "a=1; grp=\"beta\" ;x"), ("cookie", "b=2;grp=late")]);
        assert_eq!(cookie(&r, b"grp"), Some(&b"beta"[..]));
        assert_eq!(cookie(&r, b"b"), Some(&b"2"[..]));
        assert_eq!(cookie(&r, b"x"), None, "a pair without '=' is no cookie");
        assert_eq!(cookie(&r, b"gr"), None);
    }

    #[test]
    fn first_matching_policy_wins_and_rules_are_anded() {
        let mut inv = rule(RuleKind::Header, Compare::EqualTo, Some("x-env"), "prod");
        inv.invert = true;
        let p = Policies::compile(&listener(vec![
            forward(
                "both",
                "p1",
                vec![
                    rule(RuleKind::HostName, Compare::EqualTo, None, "B.test"),
                    rule(RuleKind::Path, Compare::StartsWith, None, "/api"),
                ],
            ),
            forward("host", "p0", vec![rule(RuleKind::HostName, Compare::EndsWith, None, ".test")]),
            forward("cookie", "p1", vec![rule(RuleKind::Cookie, Compare::EqualTo, Some("g"), "b")]),
            forward("not-prod", "p0", vec![inv]),
        ]))
        .unwrap();
        assert_eq!(pool_of(&p, &req("/api/x", &[("host", "b.TEST:81")])), Some(1));
        assert_eq!(pool_of(&p, &req("/web", &[("host", "b.test")])), Some(0));
        assert_eq!(pool_of(&p, &req("/", &[("host", "x.org"), ("cookie", "g=b")])), Some(1));
        // A missing header does not compare, so its inverted rule matches.
        assert_eq!(pool_of(&p, &req("/", &[("host", "x.org")])), Some(0));
        assert_eq!(pool_of(&p, &req("/", &[("host", "x.org"), ("x-env", "prod")])), None);
        assert_eq!(pool_of(&p, &req("/", &[("host", "x.org"), ("x-env", "dev")])), Some(0));
        assert!(Policies::compile(&listener(vec![])).unwrap().is_empty());
    }

    fn answer(p: &Policies, r: &Request<()>) -> (StatusCode, String) {
        let Decision::Answer(a) = p.decide(r) else { panic!("not answered") };
        let loc = a.headers().get("location").map(|l| l.to_str().unwrap().to_owned());
        (a.status(), loc.unwrap_or_default())
    }

    #[test]
    fn redirects_and_rejects() {
        let act = |id: &str, action, rules| PolicyConfig { id: id.into(), rules, action };
        let p = Policies::compile(&listener(vec![
            act(
                "prefix",
                ActionConfig::RedirectPrefix { prefix: "https://new.test/".into(), status: 302 },
                vec![rule(RuleKind::Path, Compare::StartsWith, None, "/old")],
            ),
            act(
                "url",
                ActionConfig::RedirectUrl { url: "https://x.test/moved".into(), status: 307 },
                vec![rule(RuleKind::Path, Compare::EqualTo, None, "/moved")],
            ),
            act("deny", ActionConfig::Reject { status: 403 }, vec![]),
        ]))
        .unwrap();
        let (s, l) = answer(&p, &req("/old/a?b=1", &[]));
        assert_eq!((s, l.as_str()), (StatusCode::FOUND, "https://new.test/old/a?b=1"));
        let (s, l) = answer(&p, &req("/moved?q", &[]));
        assert_eq!((s, l.as_str()), (StatusCode::TEMPORARY_REDIRECT, "https://x.test/moved"));
        assert_eq!(answer(&p, &req("/x", &[])).0, StatusCode::FORBIDDEN);
    }

    #[test]
    fn https_redirect_keeps_host_path_and_method_semantics() {
        let mut l = listener(vec![forward("never", "p0", vec![])]);
        l.redirect_https_port = Some(8443);
        let p = Policies::compile(&l).unwrap();
        let (s, loc) = answer(&p, &req("/p?q=1", &[("host", "Web.test:8080")]));
        assert_eq!(
            (s, loc.as_str()),
            (StatusCode::MOVED_PERMANENTLY, "https://Web.test:8443/p?q=1")
        );
        let post = Request::post("/f").header("host", "w.test").body(()).unwrap();
        assert_eq!(
            answer(&p, &post),
            (StatusCode::PERMANENT_REDIRECT, "https://w.test:8443/f".into())
        );
        assert_eq!(answer(&p, &req("/", &[])).0, StatusCode::BAD_REQUEST);
        assert_eq!(answer(&p, &req("/", &[("host", "evil.test/x")])).0, StatusCode::BAD_REQUEST);
        l.redirect_https_port = Some(443);
        let p = Policies::compile(&l).unwrap();
        assert_eq!(answer(&p, &req("/", &[("host", "[::1]:80")])).1, "https://[::1]/");
    }

    #[test]
    fn bad_policies_fail_the_apply() {
        let err = |policy: PolicyConfig| {
            format!("{:#}", Policies::compile(&listener(vec![policy])).expect_err("refused"))
        };
        assert!(err(forward("f", "nope", vec![])).contains("policy f: forwards to pool nope"));
        let redirect = |status| PolicyConfig {
            id: "r".into(),
            rules: vec![],
            action: ActionConfig::RedirectUrl { url: "https://x".into(), status },
        };
        assert!(err(redirect(200)).contains("redirect status 200"));
        let reject = PolicyConfig {
            id: "j".into(),
            rules: vec![],
            action: ActionConfig::Reject { status: 302 },
        };
        assert!(err(reject).contains("not a 4xx or 5xx"));
        let no_key = forward("h", "p0", vec![rule(RuleKind::Header, Compare::EqualTo, None, "x")]);
        assert!(err(no_key).contains("needs a key"));
        let bad =
            forward("h", "p0", vec![rule(RuleKind::Header, Compare::EqualTo, Some("a b"), "")]);
        assert!(err(bad).contains("not a header name"));
    }
}
