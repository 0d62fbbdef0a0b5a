//! The TCP (layer 4) proxy: one client connection ↔ one backend connection.
//!
//! The member is chosen once per connection; a member that refuses or does not answer within the
//! connect timeout is charged a failure and the next one is tried, so a dead backend costs the
//! client a little latency rather than a failed connection. Half-close is preserved: when one
//! side sends FIN, the proxy shuts down its write side towards the other and keeps copying the
//! other direction (tokio's `copy_bidirectional` does exactly this), so request/response protocols
//! that signal "end of request" with a FIN keep working. A session in which nothing moved either
//! way for `tunnel_idle_timeout` is closed ([`crate::splice`]).

use std::sync::Arc;
use std::time::Instant;

use arc_swap::ArcSwap;
use tokio::net::TcpStream;

use crate::route::Route;
use crate::splice::splice;
use crate::Shared;

pub(crate) async fn serve(mut client: TcpStream, route: Arc<ArcSwap<Route>>, shared: Arc<Shared>) {
    let route = route.load_full();
    let pool = &route.pool;
    let mut tried = Vec::new();
    let (mut backend, _active, member) = loop {
        let Some(i) = pool.pick(&tried) else {
            tracing::debug!(tried = tried.len(), "no member available; closing client");
            return;
        };
        tried.push(i);
        let m = &pool.members[i];
        let guard = m.state.begin();
        let start = Instant::now();
        match tokio::time::timeout(shared.tunables.connect_timeout, TcpStream::connect(m.addr))
            .await
        {
            Ok(Ok(s)) => {
                m.state.record_success(start.elapsed());
                break (s, guard, m.config.id.clone());
            }
            Ok(Err(e)) => {
                tracing::debug!(member = %m.config.id, error = %e, "connect failed");
                m.state.record_failure(start.elapsed(), &pool.policy);
            }
            Err(_) => {
                tracing::debug!(member = %m.config.id, "connect timed out");
                m.state.record_failure(start.elapsed(), &pool.policy);
            }
        }
    };
    let _ = client.set_nodelay(true);
    let _ = backend.set_nodelay(true);
    if let Err(e) = splice(&mut client, &mut backend, shared.tunables.tunnel_idle_timeout).await {
        // Resets from either peer are normal traffic for a proxy; not an agent error.
        tracing::debug!(%member, error = %e, "tcp session ended with error");
    }
}
