//! The response cache of one HTTP or HTTPS listener (opt-in, `ListenerConfig.cache`): a shared
//! cache in the sense of RFC 9111, deliberately conservative.
//!
//! L7 policies run before it: a request they redirect or reject never reads it. The key does not
//! name the pool a policy chose, so with policies that route on a header or cookie, requests for
//! the same URL share an entry whichever pool filled it (host and path rules never collide).
//!
//! What is stored: answers to `GET` requests without `Authorization`, `Range` or conditional
//! headers, whose status is cacheable by default (200, 203, 204, 300, 301, 308, 404, 410) and
//! that carry an *explicit* freshness lifetime (`s-maxage`, else `max-age`, else `Expires` −
//! `Date`). Never stored: `no-store`, `private`, `no-cache` (we do not revalidate), `Vary: *`,
//! `Set-Cookie`, bodies over the per-entry bound. Heuristic freshness was rejected: an operator
//! who turns the cache on must not see pages go stale that the application never said were
//! cacheable. Requests saying `no-cache`, `max-age=0` or `Pragma: no-cache` go to a member (and may
//! refresh the entry); `no-store` requests neither read nor write the cache.
//!
//! `Vary`: the entry under the primary key (host + path and query) is then a marker naming the
//! varying request headers, and the response is stored under a secondary key made of the primary
//! one and those headers' values as the member saw them. Values are compared byte for byte
//! (no normalisation of `Accept-Encoding` lists): at worst a needless miss.
//!
//! Storage: `quick_cache` (sharded, CLOCK-Pro eviction), bounded by a byte weight that counts
//! the body, the headers and the key. Expired entries are dropped when looked up, and otherwise
//! age out by eviction. Nothing is persisted; a restart starts cold. The cache outlives config
//! swaps of its listener (members change, the content does not), and is dropped with the
//! listener or when `cache` is turned off.

use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant, SystemTime};

use bytes::{Bytes, BytesMut};
use http_body_util::BodyExt as _;
use hyper::body::{Body as _, Frame, SizeHint};
use hyper::header::{self, HeaderMap, HeaderName, HeaderValue};
use hyper::http::request::Parts;
use hyper::{Method, Response, StatusCode};

use crate::body::Body;
use crate::stats::NodeStats;

/// Largest response body one entry may hold; larger responses are streamed and not stored.
const MAX_ENTRY_BYTES: usize = 1 << 20;
/// Fixed per-entry cost added to its weight (the entry's own allocations, the index slot).
const ENTRY_OVERHEAD: u64 = 128;

#[derive(Clone)]
enum Entry {
    /// The response under this primary key varies on these request headers.
    Vary(Arc<[HeaderName]>),
    Stored(Arc<Stored>),
}

struct Stored {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
    stored_at: Instant,
    /// `Age` the member reported; it counts against the lifetime.
    initial_age: Duration,
    lifetime: Duration,
    /// Computed once: the weigher must be cheap and stable.
    weight: u64,
}

impl Stored {
    fn age(&self, now: Instant) -> Duration {
        self.initial_age + now.saturating_duration_since(self.stored_at)
    }

    fn is_fresh(&self, now: Instant) -> bool {
        self.age(now) < self.lifetime
    }
}

#[derive(Clone)]
struct Weigher;

impl quick_cache::Weighter<Bytes, Entry> for Weigher {
    fn weight(&self, key: &Bytes, val: &Entry) -> u64 {
        let v = match val {
            Entry::Vary(names) => names.iter().map(|n| n.as_str().len() as u64).sum(),
            Entry::Stored(s) => s.weight,
        };
        key.len() as u64 + v + ENTRY_OVERHEAD
    }
}

/// Counters of one listener's cache (the node totals are in [`NodeStats`]).
#[derive(Debug, Default, Clone, Copy, serde::Serialize)]
pub struct CacheStats {
    pub hits: u64,
    pub misses: u64,
    pub entries: u64,
    pub bytes: u64,
    pub capacity_bytes: u64,
}

pub(crate) struct ResponseCache {
    entries: quick_cache::sync::Cache<Bytes, Entry, Weigher>,
    max_entry: usize,
    /// The byte budget it was made with.
    budget: u64,
    hits: AtomicU64,
    misses: AtomicU64,
}

/// What [`ResponseCache::lookup`] decided for a request.
pub(crate) enum Lookup {
    /// Served from the cache.
    Hit(Response<Body>),
    /// Go to a member; the answer may be stored under this key.
    Miss(RequestKey),
    /// Not a cacheable request at all (not counted as a miss).
    Bypass,
}

/// A request that missed and whose response may be stored.
pub(crate) struct RequestKey {
    primary: Bytes,
}

impl std::fmt::Debug for ResponseCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResponseCache").field("stats", &self.stats()).finish()
    }
}

impl ResponseCache {
    pub fn new(capacity_bytes: u64) -> ResponseCache {
        // Items heavier than a shard's share are refused by quick_cache; keep entries well under.
        let shards = (std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1) * 4)
            .next_power_of_two() as u64;
        let max_entry = (capacity_bytes / shards / 2).min(MAX_ENTRY_BYTES as u64) as usize;
        ResponseCache {
            // Estimated items: a few KB each on average; only sizes the index up front.
            entries: quick_cache::sync::Cache::with_weighter(
                (capacity_bytes / 4096).clamp(16, 1 << 16) as usize,
                capacity_bytes,
                Weigher,
            ),
            max_entry,
            budget: capacity_bytes,
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    /// The byte budget it was made with.
    pub fn budget(&self) -> u64 {
        self.budget
    }

    pub fn stats(&self) -> CacheStats {
        CacheStats {
            hits: self.hits.load(Relaxed),
            misses: self.misses.load(Relaxed),
            entries: self.entries.len() as u64,
            bytes: self.entries.weight(),
            capacity_bytes: self.entries.capacity(),
        }
    }

    /// Looks the request up. `req` is the request as it will be sent to the member (its headers
    /// already rewritten), so `Vary` compares what the member would see.
    pub fn lookup(&self, req: &Parts, node: &NodeStats) -> Lookup {
        let Some(primary) = request_key(req) else { return Lookup::Bypass };
        let directives = Directives::parse(&req.headers);
        if directives.no_store {
            return Lookup::Bypass;
        }
        let revalidate = directives.no_cache
            || directives.max_age == Some(0)
            || req.headers.get(header::PRAGMA).is_some_and(|v| v.as_bytes() == b"no-cache");
        if !revalidate {
            if let Some(resp) = self.find(&primary, &req.headers) {
                self.hits.fetch_add(1, Relaxed);
                node.cache_hits.fetch_add(1, Relaxed);
                return Lookup::Hit(resp);
            }
        }
        self.misses.fetch_add(1, Relaxed);
        node.cache_misses.fetch_add(1, Relaxed);
        Lookup::Miss(RequestKey { primary })
    }

    fn find(&self, primary: &Bytes, req: &HeaderMap) -> Option<Response<Body>> {
        let now = Instant::now();
        let (key, stored) = match self.entries.get(primary)? {
            Entry::Stored(s) => (primary.clone(), s),
            Entry::Vary(names) => {
                let key = secondary_key(primary, &names, req);
                match self.entries.get(&key)? {
                    Entry::Stored(s) => (key, s),
                    Entry::Vary(_) => return None,
                }
            }
        };
        if !stored.is_fresh(now) {
            self.entries.remove(&key);
            return None;
        }
        let mut r = Response::new(crate::body::full(stored.body.clone()));
        *r.status_mut() = stored.status;
        *r.headers_mut() = stored.headers.clone();
        r.headers_mut().insert(header::AGE, HeaderValue::from(stored.age(now).as_secs()));
        r.headers_mut().insert(X_CACHE, HeaderValue::from_static("HIT"));
        Some(r)
    }

    /// Decides whether the member's response to a missed request may be stored; if so, returns
    /// the body wrapped so that it is stored once it has been fully sent. `resp` is the response
    /// as the client will get it (hop-by-hop headers stripped).
    pub fn admit(
        self: &Arc<Self>,
        key: RequestKey,
        req: &HeaderMap,
        status: StatusCode,
        resp: &HeaderMap,
        body: Body,
    ) -> Body {
        let Some((lifetime, initial_age)) = freshness(status, resp, SystemTime::now()) else {
            return body;
        };
        let vary = match vary_names(resp) {
            Ok(v) => v,
            Err(VaryStar) => return body,
        };
        if body.size_hint().upper().is_some_and(|n| n > self.max_entry as u64) {
            return body;
        }
        let key = match &vary {
            Some(names) => secondary_key(&key.primary, names, req),
            None => key.primary.clone(),
        };
        let fill = Fill {
            cache: self.clone(),
            primary: vary.as_ref().map(|_| key_primary(&key)),
            vary,
            key,
            status,
            headers: resp.clone(),
            initial_age,
            lifetime,
        };
        let mut tee = Tee { inner: body, buf: Some(BytesMut::new()), fill: Some(fill) };
        if tee.inner.is_end_stream() {
            tee.finish(); // No body at all (204, or an empty 200): nothing will be polled.
        }
        tee.boxed()
    }

    fn store(&self, fill: Fill, body: Bytes) {
        if let (Some(primary), Some(names)) = (fill.primary, fill.vary) {
            self.entries.insert(primary, Entry::Vary(names));
        }
        let headers_len: usize =
            fill.headers.iter().map(|(n, v)| n.as_str().len() + v.len() + 4).sum();
        let stored = Stored {
            status: fill.status,
            weight: (body.len() + headers_len) as u64,
            headers: fill.headers,
            body,
            stored_at: Instant::now(),
            initial_age: fill.initial_age,
            lifetime: fill.lifetime,
        };
        self.entries.insert(fill.key, Entry::Stored(Arc::new(stored)));
    }
}

/// Marks responses of a caching listener: `HIT` from the cache, `MISS` from a member.
pub(crate) const X_CACHE: HeaderName = HeaderName::from_static("x-cache");

/// `host \0 path?query` for a request the cache may answer; `None` when it may not.
fn request_key(req: &Parts) -> Option<Bytes> {
    if req.method != Method::GET {
        return None;
    }
    let h = &req.headers;
    if [
        header::AUTHORIZATION,
        header::RANGE,
        header::IF_NONE_MATCH,
        header::IF_MODIFIED_SINCE,
        header::IF_MATCH,
        header::IF_UNMODIFIED_SINCE,
        header::IF_RANGE,
    ]
    .iter()
    .any(|n| h.contains_key(n))
    {
        return None;
    }
    let host = h.get(header::HOST).map(|v| v.as_bytes()).unwrap_or_default();
    let pq = req.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let mut k = BytesMut::with_capacity(host.len() + 1 + pq.len());
    k.extend_from_slice(host);
    k.extend_from_slice(b"\0");
    k.extend_from_slice(pq.as_bytes());
    Some(k.freeze())
}

/// The primary key with the varying headers' values appended (`\0name=v1,v2` each).
fn secondary_key(primary: &Bytes, names: &[HeaderName], req: &HeaderMap) -> Bytes {
    let mut k = BytesMut::from(&primary[..]);
    for n in names {
        k.extend_from_slice(b"\0\0");
        k.extend_from_slice(n.as_str().as_bytes());
        k.extend_from_slice(b"=");
        for (i, v) in req.get_all(n).iter().enumerate() {
            if i > 0 {
                k.extend_from_slice(b",");
            }
            k.extend_from_slice(v.as_bytes());
        }
    }
    k.freeze()
}

/// The primary key a secondary key starts with (up to the first `\0\0`).
fn key_primary(secondary: &Bytes) -> Bytes {
    let end = secondary.windows(2).position(|w| w == b"\0\0").unwrap_or(secondary.len());
    secondary.slice(..end)
}

struct VaryStar;

/// The response's `Vary` header names, sorted (`None` without `Vary`); `Vary: *` is an error.
fn vary_names(h: &HeaderMap) -> Result<Option<Arc<[HeaderName]>>, VaryStar> {
    let mut names = Vec::new();
    for v in h.get_all(header::VARY) {
        for t in v.to_str().map_err(|_| VaryStar)?.split(',') {
            let t = t.trim();
            if t == "*" {
                return Err(VaryStar);
            }
            if let Ok(n) = HeaderName::from_bytes(t.as_bytes()) {
                names.push(n);
            }
        }
    }
    if names.is_empty() {
        return Ok(None);
    }
    names.sort_by(|a, b| a.as_str().cmp(b.as_str()));
    names.dedup();
    Ok(Some(names.into()))
}

/// The `Cache-Control` directives this cache acts on.
#[derive(Debug, Default, PartialEq)]
struct Directives {
    no_store: bool,
    no_cache: bool,
    private: bool,
    max_age: Option<u64>,
    s_maxage: Option<u64>,
}

impl Directives {
    fn parse(h: &HeaderMap) -> Directives {
        let mut d = Directives::default();
        for v in h.get_all(header::CACHE_CONTROL) {
            let Ok(v) = v.to_str() else {
                // Unreadable directives: assume the worst.
                d.no_store = true;
                continue;
            };
            for t in v.split(',') {
                let (name, arg) = match t.split_once('=') {
                    Some((n, a)) => (n.trim(), Some(a.trim().trim_matches('"'))),
                    None => (t.trim(), None),
                };
                let secs = || arg.and_then(|a| a.parse::<u64>().ok());
                match name.to_ascii_lowercase().as_str() {
                    "no-store" => d.no_store = true,
                    // `no-cache="field"` forbids reusing those fields without revalidation;
                    // not revalidating at all, we treat it as plain no-cache.
                    "no-cache" => d.no_cache = true,
                    "private" => d.private = true,
                    // A malformed max-age means stale (RFC 9111 §4.2.1).
                    "max-age" => d.max_age = Some(secs().unwrap_or(0)),
                    "s-maxage" => d.s_maxage = Some(secs().unwrap_or(0)),
                    _ => {}
                }
            }
        }
        d
    }
}

/// (freshness lifetime, initial age) of a response a shared cache may store; `None` if it may
/// not, or if it is already stale.
fn freshness(status: StatusCode, h: &HeaderMap, now: SystemTime) -> Option<(Duration, Duration)> {
    if !matches!(status.as_u16(), 200 | 203 | 204 | 300 | 301 | 308 | 404 | 410) {
        return None;
    }
    let d = Directives::parse(h);
    if d.no_store || d.no_cache || d.private || h.contains_key(header::SET_COOKIE) {
        return None;
    }
    let lifetime = match d.s_maxage.or(d.max_age) {
        Some(s) => Duration::from_secs(s),
        None => {
            let expires = h.get(header::EXPIRES)?.to_str().ok()?;
            // An invalid Expires ("0", "-1") means already expired.
            let expires = httpdate(expires)?;
            let date =
                h.get(header::DATE).and_then(|v| v.to_str().ok()).and_then(httpdate).unwrap_or(now);
            expires.duration_since(date).ok()?
        }
    };
    let initial_age = h
        .get(header::AGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs)
        .unwrap_or_default();
    (initial_age < lifetime).then_some((lifetime, initial_age))
}

/// Parses an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), the only format senders may
/// generate (RFC 9110 §5.6.7). The obsolete formats make the response uncacheable here.
fn httpdate(s: &str) -> Option<SystemTime> {
    let b = s.trim().as_bytes();
    if b.len() != 29 || &b[25..] != b" GMT" || b[3] != b',' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| std::str::from_utf8(&b[r]).ok()?.parse::<u64>().ok();
    let day = num(5..7)?;
    let month = match &b[8..11] {
        b"Jan" => 1,
        b"Feb" => 2,
        b"Mar" => 3,
        b"Apr" => 4,
        b"May" => 5,
        b"Jun" => 6,
        b"Jul" => 7,
        b"Aug" => 8,
        b"Sep" => 9,
        b"Oct" => 10,
        b"Nov" => 11,
        b"Dec" => 12,
        _ => return None,
    };
    let year = num(12..16)?;
    let (hh, mm, ss) = (num(17..19)?, num(20..22)?, num(23..25)?);
    if year < 1970 || !(1..=31).contains(&day) || hh > 23 || mm > 59 || ss > 60 {
        return None;
    }
    // Days from the civil date (Howard Hinnant's algorithm), in u64 since year ≥ 1970.
    let (y, m) = if month <= 2 { (year - 1, month + 9) } else { (year, month - 3) };
    let era = y / 400;
    let yoe = y - era * 400;
    let doy = (153 * m + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(SystemTime::UNIX_EPOCH + Duration::from_secs(days * 86_400 + hh * 3600 + mm * 60 + ss))
}

/// Everything needed to store a response once its body has been seen whole.
struct Fill {
    cache: Arc<ResponseCache>,
    key: Bytes,
    /// With `Vary`: the primary key, which gets the marker.
    primary: Option<Bytes>,
    vary: Option<Arc<[HeaderName]>>,
    status: StatusCode,
    headers: HeaderMap,
    initial_age: Duration,
    lifetime: Duration,
}

/// Streams the member's body to the client unchanged while keeping a copy; at the end of the
/// stream the copy is stored. Past the entry bound the copy is dropped and streaming goes on; a
/// body that errors or is abandoned is never stored.
struct Tee {
    inner: Body,
    buf: Option<BytesMut>,
    fill: Option<Fill>,
}

impl Tee {
    fn finish(&mut self) {
        if let (Some(fill), Some(buf)) = (self.fill.take(), self.buf.take()) {
            let cache = fill.cache.clone();
            cache.store(fill, buf.freeze());
        }
    }
}

impl hyper::body::Body for Tee {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
        let this = &mut *self;
        let res = std::task::ready!(Pin::new(&mut this.inner).poll_frame(cx));
        match &res {
            Some(Ok(frame)) => {
                if let (Some(data), Some(buf)) = (frame.data_ref(), this.buf.as_mut()) {
                    let max = this.fill.as_ref().map_or(0, |f| f.cache.max_entry);
                    if buf.len() + data.len() > max {
                        this.buf = None;
                        this.fill = None;
                    } else {
                        buf.extend_from_slice(data);
                    }
                }
                // hyper stops polling a body of known length once it has it all, so the end is
                // seen here rather than as a final `None`.
                if this.inner.is_end_stream() {
                    this.finish();
                }
            }
            Some(Err(_)) => {
                this.buf = None;
                this.fill = None;
            }
            None => this.finish(),
        }
        Poll::Ready(res)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (n, v) in pairs {
            h.append(*n, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn freshness_follows_cache_control_and_expires() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777);
        let ok = StatusCode::OK;
        let f = |h: &[(&'static str, &'static str)]| freshness(ok, &headers(h), now);
        assert_eq!(
            f(&[("cache-control", "max-age=60")]),
            Some((Duration::from_secs(60), Duration::ZERO))
        );
        assert_eq!(
            f(&[("cache-control", "public, max-age=60, s-maxage=5")]).unwrap().0.as_secs(),
            5
        );
        assert_eq!(f(&[("cache-control", "max-age=60"), ("age", "10")]).unwrap().1.as_secs(), 10);
        assert_eq!(f(&[("cache-control", "max-age=60"), ("age", "60")]), None);
        for cc in
            ["no-store, max-age=60", "private, max-age=60", "no-cache, max-age=60", "max-age=0"]
        {
            assert_eq!(f(&[("cache-control", cc)]), None, "{cc}");
        }
        assert_eq!(f(&[("cache-control", "max-age=60"), ("set-cookie", "a=b")]), None);
        // No explicit lifetime: not cached (no heuristics).
        assert_eq!(f(&[]), None);
        // Expires − Date, and Expires in the past or invalid.
        let exp = [
            ("date", "Sun, 06 Nov 1994 08:49:37 GMT"),
            ("expires", "Sun, 06 Nov 1994 08:50:37 GMT"),
        ];
        assert_eq!(f(&exp).unwrap().0.as_secs(), 60);
        assert_eq!(f(&[("expires", "Sun, 06 Nov 1994 08:49:47 GMT")]).unwrap().0.as_secs(), 10);
        assert_eq!(f(&[("expires", "Sun, 06 Nov 1994 08:49:27 GMT")]), None);
        assert_eq!(f(&[("expires", "0")]), None);
        // max-age wins over Expires.
        assert_eq!(f(&[("cache-control", "max-age=5"), exp[0], exp[1]]).unwrap().0.as_secs(), 5);
        // Statuses that are not cacheable by default.
        let h = headers(&[("cache-control", "max-age=60")]);
        assert_eq!(freshness(StatusCode::INTERNAL_SERVER_ERROR, &h, now), None);
        assert_eq!(freshness(StatusCode::CREATED, &h, now), None);
        assert!(freshness(StatusCode::NOT_FOUND, &h, now).is_some());
    }

    #[test]
    fn parses_imf_fixdate() {
        let t = httpdate("Sun, 06 Nov 1994 08:49:37 GMT").unwrap();
        assert_eq!(t.duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs(), 784_111_777);
        let t = httpdate("Thu, 29 Feb 2024 23:59:59 GMT").unwrap();
        assert_eq!(t.duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs(), 1_709_251_199);
        assert!(httpdate("Sunday, 06-Nov-94 08:49:37 GMT").is_none());
        assert!(httpdate("Sun, 06 Nov 1994 08:49:37 UTC").is_none());
    }

    #[test]
    fn vary_keys_on_the_named_request_headers() {
        assert!(vary_names(&headers(&[])).ok().unwrap().is_none());
        assert!(vary_names(&headers(&[("vary", "accept, *")])).is_err());
        let names = vary_names(&headers(&[
            ("vary", "User-Agent, accept-encoding"),
            ("vary", "Accept-Encoding"),
        ]))
        .ok()
        .unwrap()
        .unwrap();
        assert_eq!(
            names.iter().map(|n| n.as_str()).collect::<Vec<_>>(),
            ["accept-encoding", "user-agent"]
        );
        let primary = Bytes::from_static(b"h\0/x");
        let a = secondary_key(&primary, &names, &headers(&[("accept-encoding", "gzip")]));
        let b = secondary_key(&primary, &names, &headers(&[("accept-encoding", "br")]));
        assert_ne!(a, b);
        assert_eq!(key_primary(&a), primary);
        assert_eq!(a, secondary_key(&primary, &names, &headers(&[("accept-encoding", "gzip")])));
    }
}
