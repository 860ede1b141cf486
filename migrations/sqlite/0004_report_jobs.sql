-- Report jobs (Dialpad stats exports) run by the gateway's poller. `request_key` identifies
-- an identical request of one connection while its cache window (`expires_at`) lasts; it
-- is cleared once the window ends, so only live jobs clash in the unique index. A poller
-- claims due jobs by setting `lease_owner`/`lease_until`.
CREATE TABLE report_jobs (
    id                 TEXT PRIMARY KEY NOT NULL,
    tenant_id          TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    connection_id      TEXT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    connector_id       TEXT NOT NULL,
    owner_id           TEXT NOT NULL,
    kind               TEXT NOT NULL,
    request            TEXT NOT NULL,
    provider_request   TEXT NOT NULL,
    request_key        TEXT,
    status             TEXT NOT NULL
        CHECK (status IN ('pending', 'processing', 'complete', 'failed', 'expired')),
    provider_job_id    TEXT,
    failure            TEXT,
    polls              BIGINT NOT NULL DEFAULT 0,
    csv_bytes          BIGINT,
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL,
    expires_at         BIGINT NOT NULL,
    completed_at       BIGINT,
    next_poll_at       BIGINT,
    lease_owner        TEXT,
    lease_until        BIGINT
);
CREATE UNIQUE INDEX report_jobs_live ON report_jobs (connection_id, request_key);
CREATE INDEX report_jobs_due ON report_jobs (status, next_poll_at);
CREATE INDEX report_jobs_by_tenant ON report_jobs (tenant_id, created_at);

-- A completed job's CSV, in pieces of about 1 MiB, kept until its cache window ends.
CREATE TABLE report_chunks (
    job_id TEXT NOT NULL REFERENCES report_jobs (id) ON DELETE CASCADE,
    seq    BIGINT NOT NULL,
    data   BLOB NOT NULL,
    PRIMARY KEY (job_id, seq)
);
