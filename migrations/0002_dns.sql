-- The DNS publisher's persisted state (DESIGN §6): one row per served zone with its SOA serial and
-- the hash of the record set that serial describes. The serial only ever moves forward: it is
-- advanced in the same statement that compares the hash, so replicas publishing concurrently and a
-- restarted server never hand out a smaller serial than one already served.
CREATE TABLE dns_zone (
    name text PRIMARY KEY,
    serial bigint NOT NULL CHECK (serial >= 1),
    records_hash text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
