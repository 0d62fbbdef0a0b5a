-- TLS termination and L7 routing (issue 14; Octavia's TERMINATED_HTTPS listeners, L7 policies
-- and rules). DESIGN §3 and docs/ARCHITECTURE.md §13.

-- A certificate chain with its private key, per project. The key is sealed (AES-256-GCM, the
-- row id as additional data) with the operator's key before it reaches this table; the chain is
-- public. The facts the API shows are stored as parsed at upload, so nothing re-parses PEM to
-- list certificates.
CREATE TABLE certificate (
    id uuid PRIMARY KEY,
    tenant_id uuid NOT NULL REFERENCES tenant (id) ON DELETE CASCADE,
    project_id uuid NOT NULL REFERENCES project (id) ON DELETE RESTRICT,
    name text NOT NULL,
    chain_pem text NOT NULL,
    key_sealed bytea NOT NULL,
    names text[] NOT NULL,
    subject text NOT NULL,
    issuer text NOT NULL,
    not_before timestamptz NOT NULL,
    not_after timestamptz NOT NULL,
    fingerprint_sha256 text NOT NULL,
    -- When the "expires soon" event was recorded for this chain (reset by a renewal).
    expiry_warned_at timestamptz,
    generation bigint NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT certificate_project_name_key UNIQUE (project_id, name)
);
CREATE INDEX certificate_not_after_idx ON certificate (not_after) WHERE expiry_warned_at IS NULL;

ALTER TABLE listener DROP CONSTRAINT listener_protocol_check;
ALTER TABLE listener ADD CONSTRAINT listener_protocol_check
    CHECK (protocol IN ('HTTP', 'TCP', 'HTTPS'));
ALTER TABLE listener DROP CONSTRAINT listener_cache_http;
ALTER TABLE listener ADD CONSTRAINT listener_cache_http
    CHECK (NOT cache OR protocol IN ('HTTP', 'HTTPS'));
-- An HTTP listener may answer everything with a redirect to HTTPS on this port.
ALTER TABLE listener ADD COLUMN redirect_https_port integer
    CHECK (redirect_https_port BETWEEN 1 AND 65535);
ALTER TABLE listener ADD CONSTRAINT listener_redirect_http
    CHECK (redirect_https_port IS NULL OR protocol = 'HTTP');

-- The certificates an HTTPS listener serves, position 0 the default. Real foreign keys (not an
-- array column): a certificate in use cannot be deleted, whichever replica deletes it.
CREATE TABLE listener_certificate (
    listener_id uuid NOT NULL REFERENCES listener (id) ON DELETE CASCADE,
    certificate_id uuid NOT NULL REFERENCES certificate (id) ON DELETE RESTRICT,
    position integer NOT NULL CHECK (position >= 0),
    PRIMARY KEY (listener_id, certificate_id),
    CONSTRAINT listener_certificate_position_key UNIQUE (listener_id, position)
);
CREATE INDEX listener_certificate_certificate_idx ON listener_certificate (certificate_id);

ALTER TABLE pool DROP CONSTRAINT pool_hm_protocol_check;
ALTER TABLE pool ADD CONSTRAINT pool_hm_protocol_check
    CHECK (hm_protocol IN ('HTTP', 'TCP', 'HTTPS'));

-- An L7 policy of a listener: when all its rules match, act. Tried by position, then age.
-- Rules live in the policy's row (jsonb, validated by the API): they are only ever read and
-- written with it.
CREATE TABLE l7policy (
    id uuid PRIMARY KEY,
    tenant_id uuid NOT NULL REFERENCES tenant (id) ON DELETE CASCADE,
    listener_id uuid NOT NULL REFERENCES listener (id) ON DELETE CASCADE,
    name text NOT NULL,
    position integer NOT NULL CHECK (position BETWEEN 1 AND 1000),
    action text NOT NULL CHECK (action IN
        ('REDIRECT_TO_POOL', 'REDIRECT_TO_URL', 'REDIRECT_PREFIX', 'REJECT')),
    redirect_pool_id uuid REFERENCES pool (id) ON DELETE RESTRICT,
    redirect_url text,
    redirect_prefix text,
    redirect_http_code integer CHECK (redirect_http_code IN (301, 302, 303, 307, 308)),
    rules jsonb NOT NULL DEFAULT '[]',
    generation bigint NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT l7policy_listener_name_key UNIQUE (listener_id, name),
    CONSTRAINT l7policy_action_target CHECK (
        (action = 'REDIRECT_TO_POOL') = (redirect_pool_id IS NOT NULL)
        AND (action = 'REDIRECT_TO_URL') = (redirect_url IS NOT NULL)
        AND (action = 'REDIRECT_PREFIX') = (redirect_prefix IS NOT NULL))
);
CREATE INDEX l7policy_pool_idx ON l7policy (redirect_pool_id);

CREATE TRIGGER certificate_notify AFTER INSERT OR UPDATE OR DELETE ON certificate
    FOR EACH ROW EXECUTE FUNCTION lbaas_notify_change();
CREATE TRIGGER l7policy_notify AFTER INSERT OR UPDATE OR DELETE ON l7policy
    FOR EACH ROW EXECUTE FUNCTION lbaas_notify_change();
