//! Record building: rows from PostgreSQL in, the zone's record set and its `Catalog` out. Pure
//! functions only, so every rule of what gets published is unit-tested without a database.
//!
//! Invariants: every record is inside the zone origin and its owner name is lower case; a name
//! whose labels are not RFC 1123 labels (something written past the API, e.g. with psql) is
//! skipped and counted rather than failing the whole zone; the record set carries no SOA (its
//! serial depends on the set itself) and has one canonical text, sorted and deduplicated, which is
//! what the persisted serial is tied to.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::Arc;

use hickory_proto::rr::rdata::{A, AAAA, NS, SOA, TXT};
use hickory_proto::rr::{LowerName, Name, RData, Record, RecordSet, RrKey};
use hickory_proto::serialize::binary::BinEncodable;
use hickory_server::store::in_memory::InMemoryZoneHandler;
use hickory_server::zone_handler::{AxfrPolicy, Catalog, ZoneType};
use lbaas_db::dns::{DnsAddressRow, DnsListenerRow};

/// The fixed part of the zone: its origin, TTL and the name server's own name and address.
#[derive(Debug, Clone)]
pub struct ZoneSpec {
    /// Fully qualified, lower case.
    pub origin: Name,
    pub ttl: u32,
    /// `ns1.<origin>`.
    pub ns: Name,
    pub ns_addr: IpAddr,
}

impl ZoneSpec {
    /// `zone` may omit the final dot; it is made fully qualified and lower case.
    pub fn new(zone: &str, ttl: u32, ns_addr: IpAddr) -> anyhow::Result<Self> {
        let mut origin = Name::from_ascii(zone)
            .map_err(|e| anyhow::anyhow!("parse zone name {zone:?}: {e}"))?
            .to_lowercase();
        origin.set_fqdn(true);
        if origin.is_root() {
            anyhow::bail!("refusing to serve the root zone");
        }
        let ns = Name::from_ascii("ns1")
            .and_then(|n| n.append_domain(&origin))
            .map_err(|e| anyhow::anyhow!("build name server name in {origin}: {e}"))?;
        Ok(Self { origin, ttl, ns, ns_addr })
    }

    /// The zone's name as stored in `dns_zone.name`: fully qualified, lower case.
    pub fn key(&self) -> String {
        self.origin.to_ascii()
    }

    /// The SOA for `serial`. Timers suit a zone whose records live seconds: secondaries poll
    /// every minute (NOTIFY makes that faster), and the negative-caching TTL is the record TTL so
    /// a name that appears is not hidden behind a cached NXDOMAIN for longer than an answer
    /// would be cached.
    pub fn soa(&self, serial: u32) -> Record {
        let rname = Name::from_ascii("hostmaster")
            .and_then(|n| n.append_domain(&self.origin))
            .unwrap_or_else(|_| self.origin.clone());
        Record::from_rdata(
            self.origin.clone(),
            self.ttl,
            RData::SOA(SOA::new(self.ns.clone(), rname, serial, 60, 10, 3600, self.ttl)),
        )
    }
}

/// The published records of one reload, without the SOA.
#[derive(Debug, Clone, Default)]
pub struct RecordSetBuilt {
    /// Sorted by canonical line, no duplicates.
    pub records: Vec<Record>,
    /// Load balancer names with at least one address.
    pub names: usize,
    /// Rows whose names could not be published (invalid labels or address).
    pub skipped: usize,
}

impl RecordSetBuilt {
    /// One line per record (`name ttl type rdata`), sorted. Hashing this text is what decides
    /// whether the serial moves; it includes the TTL and the NS so a configuration change counts
    /// as a change too.
    pub fn canonical_text(&self) -> String {
        let mut out = String::new();
        for r in &self.records {
            out.push_str(&canonical_line(r));
            out.push('\n');
        }
        out
    }
}

fn canonical_line(r: &Record) -> String {
    format!("{} {} {} {}", r.name, r.ttl, r.record_type(), r.data)
}

/// `<lb>.<project>.<tenant>.<origin>`, or `None` if one part is not a valid lower-case label.
pub fn lb_name(origin: &Name, lb: &str, project: &str, tenant: &str) -> Option<Name> {
    // The API refuses other names already; this guards against rows written around it. A label
    // with a dot would silently make a deeper name, hence the check rather than parsing.
    for (kind, label) in [("load balancer", lb), ("project", project), ("tenant", tenant)] {
        if lbaas_common::validate::name(kind, label).is_err() {
            return None;
        }
    }
    Name::from_ascii(format!("{lb}.{project}.{tenant}")).ok()?.append_domain(origin).ok()
}

/// Builds the record set: NS and its glue, one A/AAAA per row, one TXT per listener of a load
/// balancer that has at least one address (so a name with no address stays NXDOMAIN).
pub fn build(
    spec: &ZoneSpec,
    addresses: &[DnsAddressRow],
    listeners: &[DnsListenerRow],
) -> RecordSetBuilt {
    let mut skipped = 0;
    let mut lines: BTreeMap<String, Record> = BTreeMap::new();
    let mut push = |r: Record| {
        lines.insert(canonical_line(&r), r);
    };

    push(Record::from_rdata(spec.origin.clone(), spec.ttl, RData::NS(NS(spec.ns.clone()))));
    push(Record::from_rdata(spec.ns.clone(), spec.ttl, address_rdata(spec.ns_addr)));

    let mut with_address: Vec<Name> = Vec::new();
    for row in addresses {
        let name = lb_name(&spec.origin, &row.load_balancer, &row.project, &row.tenant);
        let addr = row.vip.parse::<IpAddr>().ok();
        let (Some(name), Some(addr)) = (name, addr) else {
            skipped += 1;
            continue;
        };
        with_address.push(name.clone());
        push(Record::from_rdata(name, spec.ttl, address_rdata(addr)));
    }
    with_address.sort();
    with_address.dedup();

    for row in listeners {
        let Some(name) = lb_name(&spec.origin, &row.load_balancer, &row.project, &row.tenant)
        else {
            skipped += 1;
            continue;
        };
        if with_address.binary_search(&name).is_err() {
            continue;
        }
        let text = format!("listener={}/{}", row.protocol.to_ascii_lowercase(), row.port);
        push(Record::from_rdata(name, spec.ttl, RData::TXT(TXT::new(vec![text]))));
    }

    RecordSetBuilt { records: lines.into_values().collect(), names: with_address.len(), skipped }
}

fn address_rdata(addr: IpAddr) -> RData {
    match addr {
        IpAddr::V4(a) => RData::A(A(a)),
        IpAddr::V6(a) => RData::AAAA(AAAA(a)),
    }
}

/// What the request handler serves: the catalog for queries and the transfer, both built from one
/// record set and one serial.
pub struct Served {
    pub catalog: Catalog,
    /// The SOA alone, the answer to an IXFR over UDP (RFC 1995 §4: "use TCP").
    pub soa: Record,
    /// See [`transfer_messages`].
    pub transfer: Vec<Vec<Record>>,
}

/// Builds what is served for `serial`.
pub fn served(spec: &ZoneSpec, built: &RecordSetBuilt, serial: u32) -> anyhow::Result<Served> {
    let soa = spec.soa(serial);
    Ok(Served {
        catalog: catalog(spec, built, serial)?,
        transfer: transfer_messages(&soa, &built.records, TRANSFER_MESSAGE_BYTES),
        soa,
    })
}

/// The catalog that answers queries: the record set plus the SOA with `serial`. Transfers never
/// reach it (the request handler answers them from [`Served::transfer`]); its own AXFR policy is
/// Deny so that a transfer slipping past the handler's allow-list is refused, not served.
pub fn catalog(spec: &ZoneSpec, built: &RecordSetBuilt, serial: u32) -> anyhow::Result<Catalog> {
    let mut sets: BTreeMap<RrKey, RecordSet> = BTreeMap::new();
    for record in std::iter::once(spec.soa(serial)).chain(built.records.iter().cloned()) {
        let key = RrKey::new(LowerName::new(&record.name), record.record_type());
        sets.entry(key)
            .or_insert_with(|| RecordSet::new(record.name.clone(), record.record_type(), serial))
            .insert(record, serial);
    }
    let handler = InMemoryZoneHandler::<hickory_server::net::runtime::TokioRuntimeProvider>::new(
        spec.origin.clone(),
        sets,
        ZoneType::Primary,
        AxfrPolicy::Deny,
    )
    .map_err(|e| anyhow::anyhow!("build zone {}: {e}", spec.origin))?;
    let mut catalog = Catalog::new();
    catalog.upsert(LowerName::new(&spec.origin), vec![Arc::new(handler)]);
    Ok(catalog)
}

/// Bytes of answers per AXFR message. Well under the 65535-byte TCP message limit even though
/// the estimate ignores name compression (it can only overestimate).
pub const TRANSFER_MESSAGE_BYTES: usize = 16 * 1024;

/// The zone transfer (RFC 5936), split into messages: the SOA first, every record, the SOA again
/// last, no message's answers longer than `max_bytes` uncompressed (a single record longer than
/// that gets a message of its own). hickory sends a transfer as one message, which stops working
/// once the zone outgrows 64 KiB, hence this.
pub fn transfer_messages(soa: &Record, records: &[Record], max_bytes: usize) -> Vec<Vec<Record>> {
    let mut messages = Vec::new();
    let mut current: Vec<Record> = Vec::new();
    let mut size = 0;
    let all = std::iter::once(soa).chain(records).chain(std::iter::once(soa));
    for record in all {
        // Owner name + type, class, TTL, length + data; a failed encoding is counted as the
        // largest a record can be, so it still gets a message of its own.
        let len = record.to_bytes().map_or(u16::MAX as usize, |b| b.len());
        if !current.is_empty() && size + len > max_bytes {
            messages.push(std::mem::take(&mut current));
            size = 0;
        }
        size += len;
        current.push(record.clone());
    }
    messages.push(current);
    messages
}

/// The SOA serial for a stored one: serials are 32-bit and compared modulo 2^32 (RFC 1982), so
/// the stored bigint wraps; `0` is skipped because some secondaries treat it specially.
pub fn soa_serial(stored: i64) -> u32 {
    match (stored.rem_euclid(1 << 32)) as u32 {
        0 => 1,
        s => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> ZoneSpec {
        ZoneSpec::new("LBaaS.Test", 5, "127.0.0.1".parse().unwrap()).unwrap()
    }

    fn addr(lb: &str, vip: &str) -> DnsAddressRow {
        DnsAddressRow {
            load_balancer: lb.into(),
            project: "web".into(),
            tenant: "acme".into(),
            vip: vip.into(),
        }
    }

    fn listener(lb: &str, port: i32) -> DnsListenerRow {
        DnsListenerRow {
            load_balancer: lb.into(),
            project: "web".into(),
            tenant: "acme".into(),
            protocol: "HTTP".into(),
            port,
        }
    }

    fn lines(b: &RecordSetBuilt) -> Vec<String> {
        b.canonical_text().lines().map(str::to_owned).collect()
    }

    #[test]
    fn zone_name_is_fqdn_and_lower_case() {
        let s = spec();
        assert_eq!(s.key(), "lbaas.test.");
        assert_eq!(s.ns.to_ascii(), "ns1.lbaas.test.");
        assert!(ZoneSpec::new(".", 5, s.ns_addr).is_err());
    }

    #[test]
    fn one_address_record_per_vip_and_family() {
        let b = build(&spec(), &[addr("lb1", "10.0.0.5"), addr("lb1", "fd00::5")], &[]);
        assert_eq!(
            lines(&b),
            [
                "lb1.web.acme.lbaas.test. 5 A 10.0.0.5",
                "lb1.web.acme.lbaas.test. 5 AAAA fd00::5",
                "lbaas.test. 5 NS ns1.lbaas.test.",
                "ns1.lbaas.test. 5 A 127.0.0.1",
            ]
        );
        assert_eq!(b.skipped, 0);
        assert_eq!(b.names, 1);
    }

    #[test]
    fn invalid_names_and_addresses_are_skipped_not_fatal() {
        let rows = [
            addr("lb1", "10.0.0.5"),
            addr("a.b", "10.0.0.6"),
            addr("UPPER", "10.0.0.7"),
            addr(&"x".repeat(64), "10.0.0.8"),
            addr("lb2", "not-an-ip"),
        ];
        let b = build(&spec(), &rows, &[]);
        assert_eq!(b.skipped, 4);
        assert_eq!(b.records.len(), 3);
    }

    #[test]
    fn txt_only_for_names_that_have_an_address() {
        let b = build(
            &spec(),
            &[addr("lb1", "10.0.0.5")],
            &[listener("lb1", 80), listener("gone", 443)],
        );
        let l = lines(&b);
        assert!(
            l.contains(&"lb1.web.acme.lbaas.test. 5 TXT listener=http/80".to_string()),
            "{l:?}"
        );
        assert!(!l.iter().any(|l| l.starts_with("gone.")), "{l:?}");
    }

    #[test]
    fn canonical_text_ignores_row_order_and_duplicates() {
        let a = build(&spec(), &[addr("lb1", "10.0.0.5"), addr("lb2", "10.0.0.6")], &[]);
        let b = build(
            &spec(),
            &[addr("lb2", "10.0.0.6"), addr("lb1", "10.0.0.5"), addr("lb1", "10.0.0.5")],
            &[],
        );
        assert_eq!(a.canonical_text(), b.canonical_text());
        let c = build(&spec(), &[addr("lb1", "10.0.0.5")], &[]);
        assert_ne!(a.canonical_text(), c.canonical_text());
    }

    #[test]
    fn ttl_change_changes_the_canonical_text() {
        let mut s = spec();
        let a = build(&s, &[addr("lb1", "10.0.0.5")], &[]);
        s.ttl = 30;
        assert_ne!(a.canonical_text(), build(&s, &[addr("lb1", "10.0.0.5")], &[]).canonical_text());
    }

    #[test]
    fn soa_serial_wraps_and_skips_zero() {
        assert_eq!(soa_serial(1), 1);
        assert_eq!(soa_serial(u32::MAX as i64), u32::MAX);
        assert_eq!(soa_serial(1 << 32), 1);
        assert_eq!(soa_serial((1 << 32) + 7), 7);
    }

    #[test]
    fn transfer_is_split_and_framed_by_the_soa() {
        let s = spec();
        let rows: Vec<_> = (0..2000)
            .map(|i| addr(&format!("lb{i}"), &format!("10.0.{}.{}", i / 250, i % 250)))
            .collect();
        let b = build(&s, &rows, &[]);
        let soa = s.soa(7);
        let messages = transfer_messages(&soa, &b.records, TRANSFER_MESSAGE_BYTES);
        assert!(messages.len() > 1, "2000 records need more than one message");
        let all: Vec<&Record> = messages.iter().flatten().collect();
        assert_eq!(all.len(), b.records.len() + 2);
        assert_eq!(all.first().map(|r| r.record_type()), Some(hickory_proto::rr::RecordType::SOA));
        assert_eq!(all.last().map(|r| r.record_type()), Some(hickory_proto::rr::RecordType::SOA));
        for m in &messages {
            let bytes: usize = m.iter().map(|r| r.to_bytes().unwrap().len()).sum();
            assert!(bytes <= TRANSFER_MESSAGE_BYTES, "{bytes}");
        }
        // A tiny zone is one message.
        assert_eq!(transfer_messages(&soa, &b.records[..3], TRANSFER_MESSAGE_BYTES).len(), 1);
    }

    #[test]
    fn catalog_builds_with_soa() {
        let s = spec();
        let b = build(&s, &[addr("lb1", "10.0.0.5"), addr("lb1", "10.0.0.6")], &[]);
        let c = catalog(&s, &b, 42).unwrap();
        let name = LowerName::new(&Name::from_ascii("LB1.web.acme.lbaas.test.").unwrap());
        assert!(c.find(&name).is_some());
        let outside = LowerName::new(&Name::from_ascii("example.com.").unwrap());
        assert!(c.find(&outside).is_none());
    }
}
