-- Traffic per member as the agents last reported it, summed over its load balancer's nodes;
-- written by the controller once a second from the heartbeats. A table of its own, without the
-- change trigger: a statistic is not desired state and must not wake the reconcilers.
CREATE TABLE member_stat (
    member_id uuid PRIMARY KEY REFERENCES member (id) ON DELETE CASCADE,
    requests bigint NOT NULL,
    errors bigint NOT NULL,
    active_connections bigint NOT NULL,
    latency_p50_ms double precision NOT NULL,
    latency_p99_ms double precision NOT NULL,
    seen_at timestamptz NOT NULL
);
