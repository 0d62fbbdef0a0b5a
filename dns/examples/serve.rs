//! Runs the DNS server alone against a database, for `bench/dns.sh` and manual poking:
//! `serve <database-url> [listen-address] [zone] [udp-threads]`. Applies the migrations first (a benchmark
//! database starts empty). Stops on Ctrl-C / SIGINT.

use std::net::SocketAddr;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let Some(url) = args.next() else {
        anyhow::bail!("usage: serve <database-url> [listen-address] [zone] [udp-threads]");
    };
    let mut config = lbaas_dns::Config::default();
    if let Some(listen) = args.next() {
        config.listen = listen.parse::<SocketAddr>()?;
    }
    if let Some(zone) = args.next() {
        config.zone = zone;
    }
    if let Some(threads) = args.next() {
        config.udp_threads = threads.parse()?;
    }
    let db = lbaas_db::connect(&url, 4).await?;
    lbaas_db::migrate(&db).await?;
    let server = lbaas_dns::DnsServer::start(db, config).await?;
    println!("listening on {}", server.local_addr());
    tokio::signal::ctrl_c().await?;
    server.shutdown().await
}
