-- Custom fields a tenant declares per model, tenant-wide (connection_id NULL) or for one
-- connection. `options` is a JSON array of strings.
CREATE TABLE custom_fields (
    id                 TEXT PRIMARY KEY NOT NULL,
    tenant_id          TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    model              TEXT NOT NULL,
    connection_id      TEXT REFERENCES connections (id) ON DELETE CASCADE,
    field_key          TEXT NOT NULL,
    name               TEXT NOT NULL,
    description        TEXT,
    field_type         TEXT NOT NULL,
    options            TEXT NOT NULL,
    read_pointer       TEXT NOT NULL,
    write_pointer      TEXT,
    writable_on_create BOOLEAN NOT NULL,
    writable_on_update BOOLEAN NOT NULL,
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL
);
-- One definition per (tenant, model, scope, key); '' stands for tenant-wide because NULLs
-- never clash in a unique index.
CREATE UNIQUE INDEX custom_fields_unique
    ON custom_fields (tenant_id, model, COALESCE(connection_id, ''), field_key);
CREATE INDEX custom_fields_by_connection ON custom_fields (connection_id);
