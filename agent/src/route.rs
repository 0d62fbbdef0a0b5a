//! A listener's route: what its connections are served with. The listener swaps it whole on a
//! config change; the HTTP and TCP proxies only read it.
//!
//! Building a route is where a listener's config is checked: anything the data plane could not
//! serve (an HTTPS listener without certificates, a bad key, a policy naming a pool that does not
//! exist, L7 settings on a TCP listener) fails here, before the listener set changes anything.

use std::sync::Arc;

use anyhow::{bail, Context as _};
use hyper::header::HeaderValue;
use lbaas_proto::{ListenerConfig, Protocol};

use crate::balancer::{Member, Pool};
use crate::cache::ResponseCache;
use crate::l7::Policies;
use crate::tls::Terminator;
use crate::Shared;

/// What a listener's connections are served with, swapped whole on a config change: the pools
/// (members with their health state, carried over by member id from the same pool of the
/// previous route), the compiled L7 policies, the response cache, which lives as long as the
/// listener keeps caching on (see [`crate::cache`]), and for HTTPS the TLS termination, which
/// new connections take when they arrive and keep for their lifetime.
pub(crate) struct Route {
    /// The default pool (`ListenerConfig::members`).
    pub pool: Pool,
    /// The L7 pools, in config order: [`Policies`] name them by index.
    pub pools: Vec<Pool>,
    pool_ids: Vec<String>,
    pub policies: Policies,
    pub cache: Option<Arc<ResponseCache>>,
    /// Set exactly when the listener is HTTPS.
    pub tls: Option<Arc<Terminator>>,
}

impl Route {
    pub fn new(
        cfg: &ListenerConfig,
        previous: Option<&Route>,
        shared: &Shared,
        cache_bytes: u64,
    ) -> anyhow::Result<Route> {
        let http = matches!(cfg.protocol, Protocol::Http | Protocol::Https);
        if !http && (!cfg.pools.is_empty() || !cfg.policies.is_empty()) {
            bail!("L7 pools and policies need an HTTP or HTTPS listener");
        }
        if cfg.redirect_https_port.is_some() && cfg.protocol != Protocol::Http {
            bail!("redirect_https_port is for HTTP listeners only");
        }
        let tls = match (cfg.protocol, &cfg.tls) {
            (Protocol::Https, Some(tls)) => Some(
                Terminator::new(tls, previous.and_then(|r| r.tls.as_ref()))
                    .context("tls certificates")?,
            ),
            (Protocol::Https, None) => bail!("an HTTPS listener needs tls certificates"),
            (_, Some(_)) => bail!("tls is for HTTPS listeners only"),
            (_, None) => None,
        };
        let policies = Policies::compile(cfg)?;
        let health = shared.tunables.health;
        let mut pools = Vec::with_capacity(cfg.pools.len());
        let mut pool_ids: Vec<String> = Vec::with_capacity(cfg.pools.len());
        for p in &cfg.pools {
            if pool_ids.contains(&p.id) {
                bail!("pool {} is configured twice", p.id);
            }
            let prev = previous.and_then(|r| r.pool_by_id(&p.id));
            pools.push(Pool::new(p.algorithm, &p.members, prev, health));
            pool_ids.push(p.id.clone());
        }
        Ok(Route {
            pool: Pool::new(cfg.algorithm, &cfg.members, previous.map(|r| &r.pool), health),
            pools,
            pool_ids,
            policies,
            cache: cache_for(cfg, previous.and_then(|r| r.cache.as_ref()), cache_bytes),
            tls,
        })
    }

    /// The members of every pool: the default one's, then each L7 pool's.
    pub fn members(&self) -> impl Iterator<Item = &Member> {
        std::iter::once(&self.pool).chain(&self.pools).flat_map(|p| &p.members)
    }

    fn pool_by_id(&self, id: &str) -> Option<&Pool> {
        self.pool_ids.iter().position(|p| p == id).map(|i| &self.pools[i])
    }
}

/// The response cache a listener should have under `cfg`, of `bytes`: the one it has if caching
/// stays on at the same size, a new one if it is turned on or its share of the budget changed,
/// none for TCP or with caching off.
fn cache_for(
    cfg: &ListenerConfig,
    current: Option<&Arc<ResponseCache>>,
    bytes: u64,
) -> Option<Arc<ResponseCache>> {
    if !cfg.cache || cfg.protocol == Protocol::Tcp {
        return None;
    }
    Some(
        current
            .filter(|c| c.budget() == bytes)
            .cloned()
            .unwrap_or_else(|| Arc::new(ResponseCache::new(bytes))),
    )
}

/// How the client reached the listener, as `X-Forwarded-Proto` tells members.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scheme {
    Http,
    Https,
}

impl Scheme {
    pub(crate) fn header_value(self) -> HeaderValue {
        match self {
            Scheme::Http => HeaderValue::from_static("http"),
            Scheme::Https => HeaderValue::from_static("https"),
        }
    }
}
