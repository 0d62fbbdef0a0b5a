-- The lbaas resource model (DESIGN §3): tenant → project → subnet → load_balancer → listener →
-- pool → member; load_balancer → node; event. Every constraint a user can trip lives here, not only
-- in Rust, so a second writer (another API replica, an operator's psql) cannot break invariants.

-- `project_id WITH =` inside a GiST exclusion constraint needs btree_gist.
CREATE EXTENSION IF NOT EXISTS btree_gist;

CREATE TABLE tenant (
    id uuid PRIMARY KEY,
    name text NOT NULL UNIQUE,
    quota_projects integer NOT NULL DEFAULT 10 CHECK (quota_projects >= 0),
    quota_load_balancers integer NOT NULL DEFAULT 20 CHECK (quota_load_balancers >= 0),
    quota_nodes integer NOT NULL DEFAULT 40 CHECK (quota_nodes >= 0),
    generation bigint NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Only the SHA-256 of a token is stored: a database dump does not leak credentials. A NULL
-- tenant_id with is_admin marks the operator's token.
CREATE TABLE api_token (
    id uuid PRIMARY KEY,
    tenant_id uuid REFERENCES tenant (id) ON DELETE CASCADE,
    name text NOT NULL,
    token_hash text NOT NULL UNIQUE,
    is_admin boolean NOT NULL DEFAULT false,
    generation bigint NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CHECK (is_admin OR tenant_id IS NOT NULL)
);
CREATE INDEX api_token_tenant_idx ON api_token (tenant_id);

CREATE TABLE project (
    id uuid PRIMARY KEY,
    tenant_id uuid NOT NULL REFERENCES tenant (id) ON DELETE CASCADE,
    name text NOT NULL,
    description text NOT NULL DEFAULT '',
    generation bigint NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT project_tenant_name_key UNIQUE (tenant_id, name)
);

CREATE TABLE subnet (
    id uuid PRIMARY KEY,
    tenant_id uuid NOT NULL REFERENCES tenant (id) ON DELETE CASCADE,
    project_id uuid NOT NULL REFERENCES project (id) ON DELETE RESTRICT,
    name text NOT NULL,
    cidr cidr NOT NULL,
    gateway inet NOT NULL,
    generation bigint NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT subnet_project_name_key UNIQUE (project_id, name),
    CONSTRAINT subnet_gateway_inside CHECK (gateway << cidr),
    -- Subnets may overlap across projects (namespaces isolate them), never inside one.
    CONSTRAINT subnet_no_overlap EXCLUDE USING gist (project_id WITH =, cidr inet_ops WITH &&)
);

CREATE TABLE load_balancer (
    id uuid PRIMARY KEY,
    tenant_id uuid NOT NULL REFERENCES tenant (id) ON DELETE CASCADE,
    project_id uuid NOT NULL REFERENCES project (id) ON DELETE RESTRICT,
    subnet_id uuid NOT NULL REFERENCES subnet (id) ON DELETE RESTRICT,
    name text NOT NULL,
    description text NOT NULL DEFAULT '',
    auto_scaling boolean NOT NULL DEFAULT false,
    min_nodes integer NOT NULL DEFAULT 1 CHECK (min_nodes >= 1),
    max_nodes integer NOT NULL DEFAULT 1 CHECK (max_nodes >= min_nodes),
    provisioning_status text NOT NULL DEFAULT 'PENDING_CREATE' CHECK (provisioning_status IN
        ('PENDING_CREATE', 'ACTIVE', 'PENDING_UPDATE', 'PENDING_DELETE', 'ERROR')),
    operating_status text NOT NULL DEFAULT 'OFFLINE' CHECK (operating_status IN
        ('ONLINE', 'DEGRADED', 'OFFLINE', 'NO_MONITOR')),
    status_reason text NOT NULL DEFAULT '',
    generation bigint NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT load_balancer_project_name_key UNIQUE (project_id, name)
);
CREATE INDEX load_balancer_tenant_idx ON load_balancer (tenant_id);

CREATE TABLE listener (
    id uuid PRIMARY KEY,
    tenant_id uuid NOT NULL REFERENCES tenant (id) ON DELETE CASCADE,
    load_balancer_id uuid NOT NULL REFERENCES load_balancer (id) ON DELETE CASCADE,
    name text NOT NULL,
    protocol text NOT NULL CHECK (protocol IN ('HTTP', 'TCP')),
    port integer NOT NULL CHECK (port BETWEEN 1 AND 65535),
    default_pool_id uuid,
    generation bigint NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT listener_load_balancer_name_key UNIQUE (load_balancer_id, name),
    CONSTRAINT listener_load_balancer_port_key UNIQUE (load_balancer_id, port)
);

-- The health monitor is 1:1 with its pool, so it lives in the pool's row (Octavia has a separate
-- table; nothing here needs one monitor shared by several pools).
CREATE TABLE pool (
    id uuid PRIMARY KEY,
    tenant_id uuid NOT NULL REFERENCES tenant (id) ON DELETE CASCADE,
    load_balancer_id uuid NOT NULL REFERENCES load_balancer (id) ON DELETE CASCADE,
    name text NOT NULL,
    protocol text NOT NULL CHECK (protocol IN ('HTTP', 'TCP')),
    algorithm text NOT NULL DEFAULT 'ROUND_ROBIN' CHECK (algorithm IN
        ('ROUND_ROBIN', 'LEAST_CONNECTIONS', 'WEIGHTED_ROUND_ROBIN', 'LEAST_LATENCY')),
    hm_protocol text CHECK (hm_protocol IN ('HTTP', 'TCP')),
    hm_port integer CHECK (hm_port BETWEEN 1 AND 65535),
    hm_path text,
    hm_interval integer CHECK (hm_interval BETWEEN 1 AND 3600),
    hm_timeout integer CHECK (hm_timeout BETWEEN 1 AND 3600),
    hm_rise integer CHECK (hm_rise BETWEEN 1 AND 10),
    hm_fall integer CHECK (hm_fall BETWEEN 1 AND 10),
    generation bigint NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT pool_load_balancer_name_key UNIQUE (load_balancer_id, name)
);

ALTER TABLE listener ADD CONSTRAINT listener_default_pool_fk
    FOREIGN KEY (default_pool_id) REFERENCES pool (id) ON DELETE SET NULL;

CREATE TABLE member (
    id uuid PRIMARY KEY,
    tenant_id uuid NOT NULL REFERENCES tenant (id) ON DELETE CASCADE,
    pool_id uuid NOT NULL REFERENCES pool (id) ON DELETE CASCADE,
    address inet NOT NULL,
    port integer NOT NULL CHECK (port BETWEEN 1 AND 65535),
    weight integer NOT NULL DEFAULT 1 CHECK (weight BETWEEN 0 AND 256),
    path text NOT NULL DEFAULT '/',
    operating_status text NOT NULL DEFAULT 'NO_MONITOR' CHECK (operating_status IN
        ('ONLINE', 'DEGRADED', 'OFFLINE', 'NO_MONITOR')),
    generation bigint NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT member_pool_address_port_key UNIQUE (pool_id, address, port)
);

-- A member must sit inside its load balancer's subnet: that is the only network the LB node can
-- reach. Cross-table, so a trigger rather than a CHECK.
CREATE FUNCTION member_check_subnet() RETURNS trigger AS $$
DECLARE
    net cidr;
BEGIN
    SELECT s.cidr INTO net
      FROM pool p JOIN load_balancer lb ON lb.id = p.load_balancer_id
      JOIN subnet s ON s.id = lb.subnet_id
     WHERE p.id = NEW.pool_id;
    IF net IS NULL OR NOT (NEW.address << net) THEN
        RAISE EXCEPTION 'member % outside subnet %', NEW.address, net
            USING ERRCODE = '23514', CONSTRAINT = 'member_inside_subnet';
    END IF;
    RETURN NEW;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER member_inside_subnet BEFORE INSERT OR UPDATE OF address, pool_id ON member
    FOR EACH ROW EXECUTE FUNCTION member_check_subnet();

-- A compute host. One row (the local libvirt) by default; more hosts are rows, not code.
CREATE TABLE hypervisor (
    id uuid PRIMARY KEY,
    name text NOT NULL UNIQUE,
    uri text NOT NULL,
    generation bigint NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO hypervisor (id, name, uri)
    VALUES ('00000000-0000-0000-0000-000000000001', 'local', 'qemu:///system');

-- One LB VM. Written by the controller (status), healthcheckd (utilization, failover); read-only
-- through the API.
CREATE TABLE node (
    id uuid PRIMARY KEY,
    tenant_id uuid NOT NULL REFERENCES tenant (id) ON DELETE CASCADE,
    load_balancer_id uuid NOT NULL REFERENCES load_balancer (id) ON DELETE CASCADE,
    hypervisor_id uuid REFERENCES hypervisor (id),
    name text NOT NULL UNIQUE,
    vip inet UNIQUE,
    status text NOT NULL DEFAULT 'BUILDING' CHECK (status IN
        ('BUILDING', 'ACTIVE', 'FAILED', 'SUNDOWN', 'DELETED')),
    utilization text NOT NULL DEFAULT 'LOW' CHECK (utilization IN ('LOW', 'MEDIUM', 'HIGH')),
    status_reason text NOT NULL DEFAULT '',
    config_generation bigint NOT NULL DEFAULT 0,
    last_heartbeat timestamptz,
    generation bigint NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX node_load_balancer_idx ON node (load_balancer_id);

-- The monitor log: every decision a person may want to audit later.
CREATE TABLE event (
    id uuid PRIMARY KEY,
    tenant_id uuid REFERENCES tenant (id) ON DELETE CASCADE,
    load_balancer_id uuid,
    node_id uuid,
    kind text NOT NULL,
    message text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX event_tenant_idx ON event (tenant_id, id);

-- Wake-ups for reconcilers: one channel, payload `<table>:<id>`. Reconcilers are level-triggered
-- and re-read state anyway, so a lost notification only delays work until the periodic pass.
CREATE FUNCTION lbaas_notify_change() RETURNS trigger AS $$
DECLARE
    row_id uuid;
BEGIN
    IF TG_OP = 'DELETE' THEN row_id := OLD.id; ELSE row_id := NEW.id; END IF;
    PERFORM pg_notify('lbaas_change', TG_TABLE_NAME || ':' || row_id::text);
    RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER project_notify AFTER INSERT OR UPDATE OR DELETE ON project
    FOR EACH ROW EXECUTE FUNCTION lbaas_notify_change();
CREATE TRIGGER subnet_notify AFTER INSERT OR UPDATE OR DELETE ON subnet
    FOR EACH ROW EXECUTE FUNCTION lbaas_notify_change();
CREATE TRIGGER load_balancer_notify AFTER INSERT OR UPDATE OR DELETE ON load_balancer
    FOR EACH ROW EXECUTE FUNCTION lbaas_notify_change();
CREATE TRIGGER listener_notify AFTER INSERT OR UPDATE OR DELETE ON listener
    FOR EACH ROW EXECUTE FUNCTION lbaas_notify_change();
CREATE TRIGGER pool_notify AFTER INSERT OR UPDATE OR DELETE ON pool
    FOR EACH ROW EXECUTE FUNCTION lbaas_notify_change();
CREATE TRIGGER member_notify AFTER INSERT OR UPDATE OR DELETE ON member
    FOR EACH ROW EXECUTE FUNCTION lbaas_notify_change();
CREATE TRIGGER node_notify AFTER INSERT OR UPDATE OR DELETE ON node
    FOR EACH ROW EXECUTE FUNCTION lbaas_notify_change();
