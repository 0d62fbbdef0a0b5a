//! Queries of the DNS publisher (the `lbaas-dns` crate): the records to serve and the zone's
//! persisted SOA serial.
