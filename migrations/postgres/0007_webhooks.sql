-- Webhooks (issue 5): customers' endpoints, the unified events to deliver, and the
-- transactional outbox of deliveries (one row per event and matching endpoint, written in
-- the transaction that stores the event), each attempt's outcome, and the Dialpad side
-- (one Dialpad webhook per connection whose tenant wants its events).

-- A customer's endpoint. `events` is a JSON array of patterns; `secret` (and the one
-- replaced by a rotation, signing alongside until `previous_until`) are sealed with the
-- keyring, bound to the row. `failing_since`: the first failure of the current streak.
CREATE TABLE webhook_endpoints (
    id              TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    tenant_id       TEXT COLLATE "C" NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    url             TEXT NOT NULL,
    description     TEXT,
    events          TEXT NOT NULL,
    connector_id    TEXT COLLATE "C",
    owner_id        TEXT COLLATE "C",
    secret          BYTEA NOT NULL,
    previous_secret BYTEA,
    previous_until  BIGINT,
    enabled         BOOLEAN NOT NULL,
    disabled_reason TEXT,
    failing_since   BIGINT,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX webhook_endpoints_by_tenant ON webhook_endpoints (tenant_id, created_at);

-- A unified event, as delivered (`payload` is the envelope's JSON text). `dedupe_key`
-- makes Dialpad's retries and repeated transitions one event per connection.
CREATE TABLE webhook_events (
    id            TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    tenant_id     TEXT COLLATE "C" NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    connection_id TEXT COLLATE "C",
    event_type    TEXT NOT NULL,
    dedupe_key    TEXT,
    payload       TEXT NOT NULL,
    created_at    BIGINT NOT NULL
);
CREATE UNIQUE INDEX webhook_events_dedupe ON webhook_events (connection_id, dedupe_key);
CREATE INDEX webhook_events_by_tenant ON webhook_events (tenant_id, created_at);

-- The outbox: one delivery of one event to one endpoint. Workers claim due ones
-- (`next_attempt_at` passed, no live lease) by writing their lease.
CREATE TABLE webhook_deliveries (
    id              TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    tenant_id       TEXT COLLATE "C" NOT NULL,
    endpoint_id     TEXT COLLATE "C" NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    event_id        TEXT COLLATE "C" NOT NULL REFERENCES webhook_events (id) ON DELETE CASCADE,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT,
    lease_owner     TEXT,
    lease_until     BIGINT,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_by_endpoint ON webhook_deliveries (endpoint_id, created_at);
CREATE INDEX webhook_deliveries_by_event ON webhook_deliveries (event_id);

-- One attempt of a delivery: the answer's status (none on a network error), how long it
-- took, and the start of its body.
CREATE TABLE webhook_attempts (
    id            TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    delivery_id   TEXT COLLATE "C" NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    attempted_at  BIGINT NOT NULL,
    response_code BIGINT,
    latency_ms    BIGINT NOT NULL,
    response_body TEXT,
    error         TEXT
);
CREATE INDEX webhook_attempts_by_delivery ON webhook_attempts (delivery_id, attempted_at);

-- The Dialpad webhook of one connection. `token_hash` is the SHA-256 of the opaque token
-- in its hook URL; `secret` (sealed, bound to the connection) signs its JWTs;
-- `subscriptions` is a JSON object family -> Dialpad subscription id.
CREATE TABLE dialpad_hooks (
    connection_id      TEXT COLLATE "C" PRIMARY KEY NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    tenant_id          TEXT COLLATE "C" NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    token_hash         BYTEA NOT NULL UNIQUE,
    secret             BYTEA NOT NULL,
    hook_url           TEXT NOT NULL,
    dialpad_webhook_id TEXT,
    subscriptions      TEXT NOT NULL,
    updated_at         BIGINT NOT NULL
);

-- Calls seen per connection (the first state of a call is `created`, later ones
-- `updated`), and the content hashes of polled resources.
CREATE TABLE webhook_seen (
    connection_id TEXT COLLATE "C" NOT NULL,
    seen_key      TEXT COLLATE "C" NOT NULL,
    hash          TEXT,
    updated_at    BIGINT NOT NULL,
    PRIMARY KEY (connection_id, seen_key)
);
