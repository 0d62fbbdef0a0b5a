-- The mass-failover breaker (ARCHITECTURE §10), one row: what the reconciling controller last
-- judged, for the API, and when an operator last told it to resume failovers. A resume accepts
-- the nodes DOWN at that moment (they are replaced); nodes going DOWN afterwards are judged
-- again, so a partition that is still spreading can open it again.
CREATE TABLE failover_breaker (
    id boolean PRIMARY KEY DEFAULT true CHECK (id),
    open boolean NOT NULL DEFAULT false,
    down integer NOT NULL DEFAULT 0,
    nodes integer NOT NULL DEFAULT 0,
    changed_at timestamptz NOT NULL DEFAULT now(),
    resumed_at timestamptz
);
INSERT INTO failover_breaker DEFAULT VALUES;
