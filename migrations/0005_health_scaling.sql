-- Health, failover and autoscale (DESIGN §7).
--
-- A node that was ACTIVE and is observed dead is DOWN: out of DNS, not counted towards the
-- load balancer's node count (so the controller builds a replacement), deleted after a grace
-- period, or back to ACTIVE if it recovers first (then the newest surplus node goes).
ALTER TABLE node DROP CONSTRAINT node_status_check;
ALTER TABLE node ADD CONSTRAINT node_status_check CHECK (status IN
    ('BUILDING', 'ACTIVE', 'DOWN', 'FAILED', 'SUNDOWN', 'DELETED'));
-- When the status last changed: grace and drain periods count from it. Other writes
-- (heartbeats, acknowledged generations) leave it alone.
ALTER TABLE node ADD COLUMN status_changed_at timestamptz NOT NULL DEFAULT now();
-- The agent's load figures from its last heartbeat, for autoscale and operators.
ALTER TABLE node ADD COLUMN cpu real NOT NULL DEFAULT 0;
ALTER TABLE node ADD COLUMN requests_per_second real NOT NULL DEFAULT 0;
ALTER TABLE node ADD COLUMN active_connections bigint NOT NULL DEFAULT 0;

-- Autoscale's decision: how many nodes the load balancer should run, within min..max. NULL
-- means min_nodes. Written by healthcheckd, converged by the controller.
ALTER TABLE load_balancer ADD COLUMN desired_nodes integer;
ALTER TABLE load_balancer ADD COLUMN scaled_at timestamptz;
-- Bumped with every member health transition. The agent's config generation is
-- generation + health_generation: health changes reach the agents without touching
-- `generation`, the users' compare-and-set token.
ALTER TABLE load_balancer ADD COLUMN health_generation bigint NOT NULL DEFAULT 0;

-- Liveness of the processes that write observations others rely on: healthcheckd reads the
-- controller's beat before it trusts node heartbeats (a stopped controller stops recording
-- them, which must not look like every node dying at once).
CREATE TABLE service_beat (
    name text PRIMARY KEY,
    beat_at timestamptz NOT NULL DEFAULT now()
);

-- Opt-in response cache per HTTP listener (the agent caches what HTTP caching rules allow).
ALTER TABLE listener ADD COLUMN cache boolean NOT NULL DEFAULT false;
ALTER TABLE listener ADD CONSTRAINT listener_cache_http CHECK (NOT cache OR protocol = 'HTTP');
