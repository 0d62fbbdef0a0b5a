//! A listener's route: what its connections are served with. The listener swaps it whole on a
//! config change; the HTTP and TCP proxies only read it.

use std::sync::Arc;

use lbaas_proto::{ListenerConfig, Protocol};

use crate::balancer::Pool;
use crate::cache::ResponseCache;
use crate::Shared;

/// What a listener's connections are served with, swapped whole on a config change: the
/// members (with their health state, carried over by id) and the response cache, which lives
/// as long as the listener keeps caching on (see [`crate::cache`]).
pub(crate) struct Route {
    pub pool: Pool,
    pub cache: Option<Arc<ResponseCache>>,
}

impl Route {
    pub fn new(cfg: &ListenerConfig, previous: Option<&Route>, shared: &Shared) -> Route {
        Route {
            pool: Pool::new(cfg, previous.map(|r| &r.pool), shared.tunables.health),
            cache: cache_for(cfg, previous.and_then(|r| r.cache.as_ref()), shared),
        }
    }
}

/// The response cache a listener should have under `cfg`: the one it has if caching stays on,
/// a new one if it is turned on, none for TCP or with caching off.
fn cache_for(
    cfg: &ListenerConfig,
    current: Option<&Arc<ResponseCache>>,
    shared: &Shared,
) -> Option<Arc<ResponseCache>> {
    if !cfg.cache || cfg.protocol != Protocol::Http {
        return None;
    }
    Some(
        current
            .cloned()
            .unwrap_or_else(|| Arc::new(ResponseCache::new(shared.tunables.cache_capacity_bytes))),
    )
}
