-- What the controller needs to place a node: its subnet and its address there (the VIP is on
-- the public side). Both allocated in PostgreSQL, so two controllers never hand out one twice.
ALTER TABLE node ADD COLUMN subnet_id uuid REFERENCES subnet (id);
ALTER TABLE node ADD COLUMN project_ip inet;
CREATE UNIQUE INDEX node_subnet_project_ip_key ON node (subnet_id, project_ip);
