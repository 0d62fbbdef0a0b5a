-- A project's name as a person wrote it ("john's project"). `name` stays the DNS label (RFC 1123)
-- that load balancers' DNS names use; when a client gives a human name, the label is derived from
-- it (johns-project). Either finds the project; both are unique per tenant, so two names that
-- derive the same label, or the same display name twice, are a 409.
ALTER TABLE project ADD COLUMN display_name text NOT NULL DEFAULT '';
UPDATE project SET display_name = name;
CREATE UNIQUE INDEX project_tenant_display_name_key ON project (tenant_id, display_name);
