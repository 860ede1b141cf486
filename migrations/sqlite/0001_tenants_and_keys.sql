-- Tenants (our customers) and their secret API keys. Timestamps are epoch milliseconds.
CREATE TABLE tenants (
    id              TEXT PRIMARY KEY NOT NULL,
    name            TEXT NOT NULL,
    publishable_key TEXT NOT NULL UNIQUE,
    created_at      BIGINT NOT NULL
);
CREATE INDEX tenants_by_name ON tenants (name, created_at);

-- A secret key is stored as the SHA-256 of the whole key; `prefix` is for display.
CREATE TABLE secret_keys (
    id         TEXT PRIMARY KEY NOT NULL,
    tenant_id  TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name       TEXT,
    prefix     TEXT NOT NULL,
    key_hash   BLOB NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE INDEX secret_keys_by_tenant ON secret_keys (tenant_id, created_at);
