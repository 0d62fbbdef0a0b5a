//! The hot reads (`GET` of one load balancer, the envelope's instance `info`) answered from
//! memory for a moment (issue 12; ARCHITECTURE §8).
//!
//! What is kept is the response body as it was sent, per tenant and request key, for at most
//! the TTL (1 s by default, `--read-cache-ms`). It is dropped, all of it, the moment anything
//! that could change it changes:
//! - a write through this process: every request that may write (REST methods other than GET,
//!   envelope actions other than `info`) flushes when it is done, before its answer leaves, so
//!   a client reads its own writes (a refused one, 4xx, wrote nothing and flushes nothing);
//! - a write by anyone else (the controller, healthcheckd, another API replica): the tables
//!   that hold what a view shows (load balancer, project, subnet, listener, pool, member,
//!   certificate, l7policy, node) announce their changes on `lbaas_change` (migrations 0001,
//!   0004, 0010), and this process listens; a notification flushes.
//!
//! What is written without a notification may be one TTL older than its row: a node's
//! heartbeat figures (CPU, requests/s, connections, utilization, last heartbeat) and its
//! `status_reason` (migration 0004 announces status, addresses and placement only), and the
//! members' traffic counters (`member_stat`, written every second). They are per-second figures
//! or explanations, never a state a client waits for.
//!
//! While the listener is not connected (start-up, a lost connection) nothing is cached, since a
//! change could go unnoticed. An answer read before a flush is not stored after it: each entry
//! carries the flush count (`epoch`) seen before its read started.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::RwLock;
use std::time::{Duration, Instant};

use std::future::Future;

use axum::body::Bytes;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use sqlx::postgres::PgListener;
use uuid::Uuid;

/// More entries than this and the cache starts over (a bound, not an eviction policy: the
/// entries live one TTL anyway).
const CAPACITY: usize = 10_000;

/// Which read an entry answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    LoadBalancer,
    Instance,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key {
    pub kind: Kind,
    pub tenant: Uuid,
    pub project: Box<str>,
    pub name: Box<str>,
}

struct Entry {
    epoch: u64,
    at: Instant,
    body: Bytes,
}

pub struct ReadCache {
    ttl: Duration,
    /// Flushes so far.
    epoch: AtomicU64,
    /// The change listener is connected (and was when the current epoch began).
    live: AtomicBool,
    entries: RwLock<HashMap<Key, Entry>>,
}

impl ReadCache {
    /// A cache that stays empty until [`ReadCache::start`]'s listener is connected; `ttl` zero
    /// keeps it empty for good.
    pub fn new(ttl: Duration) -> ReadCache {
        ReadCache {
            ttl,
            epoch: AtomicU64::new(0),
            live: AtomicBool::new(false),
            entries: RwLock::new(HashMap::new()),
        }
    }

    /// Listens for changes on `lbaas_change` for as long as the process lives (reconnecting).
    pub fn start(self: &std::sync::Arc<Self>, db: sqlx::PgPool) {
        if self.ttl.is_zero() {
            return;
        }
        let me = self.clone();
        tokio::spawn(async move {
            loop {
                if let Err(e) = me.listen(&db).await {
                    tracing::warn!(error = %e, "read cache: change notifications stopped; not caching until reconnected");
                }
                me.live.store(false, Ordering::SeqCst);
                me.flush();
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        });
    }

    async fn listen(&self, db: &sqlx::PgPool) -> Result<(), sqlx::Error> {
        let mut l = PgListener::connect_with(db).await?;
        // A lost connection ends this listener (see below) rather than reconnecting under it.
        l.eager_reconnect(false);
        l.listen(lbaas_db::CHANGE_CHANNEL).await?;
        // Changes made before LISTEN took effect were not announced to us: start empty.
        self.flush();
        self.live.store(true, Ordering::SeqCst);
        loop {
            // `try_recv` says when the connection was lost (`None`); `recv` would reconnect
            // quietly and the changes in between would go unnoticed.
            match l.try_recv().await? {
                Some(_) => self.flush(),
                None => return Ok(()),
            }
        }
    }

    /// Forgets everything cached so far.
    pub fn flush(&self) {
        self.epoch.fetch_add(1, Ordering::SeqCst);
    }

    /// The epoch to store a read under, taken before the read starts; `None`: do not cache.
    pub fn begin(&self) -> Option<u64> {
        if self.ttl.is_zero() || !self.live.load(Ordering::SeqCst) {
            return None;
        }
        Some(self.epoch.load(Ordering::SeqCst))
    }

    pub fn get(&self, key: &Key) -> Option<Bytes> {
        let epoch = self.begin()?;
        let entries = self.entries.read().unwrap_or_else(|e| e.into_inner());
        let e = entries.get(key)?;
        (e.epoch == epoch && e.at.elapsed() < self.ttl).then(|| e.body.clone())
    }

    /// Stores an answer read in `epoch` (from [`ReadCache::begin`]), unless a flush came since.
    pub fn put(&self, key: Key, epoch: u64, body: Bytes) {
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        if self.epoch.load(Ordering::SeqCst) != epoch || !self.live.load(Ordering::SeqCst) {
            return;
        }
        if entries.len() >= CAPACITY {
            entries.clear();
        }
        entries.insert(key, Entry { epoch, at: Instant::now(), body });
    }
}

/// `200 OK` with a JSON body as stored.
pub fn json_ok(body: Bytes) -> Response {
    ([(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], body).into_response()
}

/// Answers `key` from the cache, else by `read` (and keeps what it answered).
pub async fn answer<T: serde::Serialize>(
    cache: &ReadCache,
    key: Key,
    read: impl Future<Output = lbaas_common::Result<T>>,
) -> lbaas_common::Result<Response> {
    if let Some(body) = cache.get(&key) {
        return Ok(json_ok(body));
    }
    let epoch = cache.begin();
    let v = read.await?;
    let body = Bytes::from(
        serde_json::to_vec(&v).map_err(|e| lbaas_common::Error::internal("encode answer", e))?,
    );
    if let Some(e) = epoch {
        cache.put(key, e, body.clone());
    }
    Ok(json_ok(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(name: &str) -> Key {
        Key {
            kind: Kind::LoadBalancer,
            tenant: Uuid::nil(),
            project: "p".into(),
            name: name.into(),
        }
    }

    fn live(ttl: Duration) -> ReadCache {
        let c = ReadCache::new(ttl);
        c.live.store(true, Ordering::SeqCst);
        c
    }

    #[test]
    fn an_answer_is_kept_until_a_flush_or_its_ttl() {
        let c = live(Duration::from_millis(50));
        let e = c.begin().unwrap();
        c.put(key("a"), e, Bytes::from_static(b"1"));
        assert_eq!(c.get(&key("a")).as_deref(), Some(&b"1"[..]));
        assert_eq!(c.get(&key("b")), None);
        c.flush();
        assert_eq!(c.get(&key("a")), None, "a flush forgets everything");
        let e = c.begin().unwrap();
        c.put(key("a"), e, Bytes::from_static(b"2"));
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(c.get(&key("a")), None, "past its TTL");
    }

    #[test]
    fn a_read_that_raced_a_flush_is_not_stored() {
        let c = live(Duration::from_secs(1));
        let e = c.begin().unwrap();
        c.flush(); // a change lands while the read is in flight
        c.put(key("a"), e, Bytes::from_static(b"old"));
        assert_eq!(c.get(&key("a")), None);
    }

    #[test]
    fn nothing_is_cached_while_the_listener_is_down_or_with_ttl_zero() {
        let c = ReadCache::new(Duration::from_secs(1));
        assert_eq!(c.begin(), None, "not listening yet");
        let off = live(Duration::ZERO);
        assert_eq!(off.begin(), None);
    }
}
