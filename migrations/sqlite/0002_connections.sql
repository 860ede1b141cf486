-- One connection per (tenant, connector, owner). `operations` is a JSON array of
-- "<model>::<op>"; `credentials` is a sealed blob (crypto.rs) whose associated data is
-- "connections.credentials:<id>", so it opens only in its own row.
CREATE TABLE connections (
    id                  TEXT PRIMARY KEY NOT NULL,
    tenant_id           TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    connector_id        TEXT NOT NULL,
    owner_id            TEXT NOT NULL,
    status              TEXT NOT NULL
        CHECK (status IN ('authorized', 'unauthorized', 'awaitingAuthorization')),
    operations          TEXT NOT NULL,
    credentials         BLOB,
    credentials_version BIGINT NOT NULL DEFAULT 0,
    created_at          BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL,
    UNIQUE (tenant_id, connector_id, owner_id)
);
CREATE INDEX connections_by_status ON connections (tenant_id, status, connector_id, owner_id);
