-- OAuth onboarding (issue 4): pending authorizations, each tenant's redirect allow-list,
-- and connection events waiting for the webhooks outbox.

-- One row per authorization in flight. `state_hash` is the SHA-256 of the random `state`
-- sent to Dialpad (the state itself is never stored); `verifier` is the PKCE verifier,
-- sealed (crypto.rs) with associated data naming the state hash, tenant, connection and
-- redirect URL, so a row edited to point elsewhere no longer opens (a row without one, never
-- written by the gateway, is refused too). Rows are deleted when used (single use) and
-- swept once expired.
CREATE TABLE oauth_states (
    state_hash    BLOB PRIMARY KEY NOT NULL,
    tenant_id     TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    connection_id TEXT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    redirect_url  TEXT NOT NULL,
    verifier      BLOB,
    created_at    BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL
);
CREATE INDEX oauth_states_by_expiry ON oauth_states (expires_at);

-- Tenant-wide settings. `redirect_urls` is a JSON array of the URLs an authorization may
-- send the end user back to.
CREATE TABLE tenant_settings (
    tenant_id     TEXT PRIMARY KEY NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    redirect_urls TEXT NOT NULL,
    updated_at    BIGINT NOT NULL
);

-- Connection events (`connection::authorized`, `connection::unauthorized`) recorded in the
-- same transaction as the change they describe; the webhooks issue delivers them. No
-- foreign key to connections: an event outlives a deleted connection. `data` is the
-- event's JSON data (operations, reason).
CREATE TABLE connection_events (
    id            TEXT PRIMARY KEY NOT NULL,
    tenant_id     TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    connection_id TEXT NOT NULL,
    connector_id  TEXT NOT NULL,
    owner_id      TEXT NOT NULL,
    event_type    TEXT NOT NULL,
    data          TEXT NOT NULL,
    created_at    BIGINT NOT NULL
);
CREATE INDEX connection_events_by_tenant ON connection_events (tenant_id, created_at);
