//! Custom fields a tenant declares per model, tenant-wide or for one connection: a key, a
//! type, a JSON pointer into the provider's object to read, and where it may be written.
//! A connection-scoped field overrides a tenant-wide one with the same key.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use patchbay_core::ModelId;
use serde::{Deserialize, Serialize};

use super::ids::random_id;
use super::{
    ConnectionId, Store, StoreError, TenantId, from_json_text, from_ms, now, now_ms, to_json_text,
};

/// What a tenant declares. The HTTP layer validates `field_type` and the pointers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomFieldDef {
    /// The unified model it extends.
    pub model: ModelId,
    /// Only for this connection (`None`: every connection of the tenant).
    pub connection_id: Option<ConnectionId>,
    /// The key in `fields`.
    pub key: String,
    /// A display name.
    pub name: String,
    /// A description.
    pub description: Option<String>,
    /// `text`, `number`, `datetime`, `boolean`, `select` or `list.select`.
    pub field_type: String,
    /// The choices of a select.
    pub options: Vec<String>,
    /// JSON pointer into the provider object to read.
    pub read_pointer: String,
    /// JSON pointer to write, if writable.
    pub write_pointer: Option<String>,
    /// Writable on create.
    pub writable_on_create: bool,
    /// Writable on update.
    pub writable_on_update: bool,
}

/// A stored custom field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomField {
    /// `cf_…`.
    pub id: String,
    /// The owning tenant.
    pub tenant_id: TenantId,
    /// The definition.
    #[serde(flatten)]
    pub def: CustomFieldDef,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct FieldRow {
    id: String,
    tenant_id: String,
    model: String,
    connection_id: Option<String>,
    field_key: String,
    name: String,
    description: Option<String>,
    field_type: String,
    options: String,
    read_pointer: String,
    write_pointer: Option<String>,
    writable_on_create: bool,
    writable_on_update: bool,
    created_at: i64,
    updated_at: i64,
}

impl FieldRow {
    fn decode(self) -> Result<CustomField, StoreError> {
        let model = self
            .model
            .parse()
            .map_err(|e| StoreError::Corrupt(format!("custom field {}: {e}", self.id)))?;
        Ok(CustomField {
            def: CustomFieldDef {
                model,
                connection_id: self.connection_id.map(ConnectionId::from_db),
                key: self.field_key,
                name: self.name,
                description: self.description,
                field_type: self.field_type,
                options: from_json_text(&self.options, "custom field options")?,
                read_pointer: self.read_pointer,
                write_pointer: self.write_pointer,
                writable_on_create: self.writable_on_create,
                writable_on_update: self.writable_on_update,
            },
            id: self.id,
            tenant_id: TenantId::from_db(self.tenant_id),
            created_at: from_ms(self.created_at)?,
            updated_at: from_ms(self.updated_at)?,
        })
    }
}

macro_rules! columns {
    () => {
        "id, tenant_id, model, connection_id, field_key, name, description, field_type, options, \
         read_pointer, write_pointer, writable_on_create, writable_on_update, created_at, updated_at"
    };
}

fn conflict(def: &CustomFieldDef) -> impl FnOnce() -> String + '_ {
    move || match &def.connection_id {
        Some(conn) => format!(
            "custom field `{}` of {} for connection {conn}",
            def.key, def.model
        ),
        None => format!("custom field `{}` of {}", def.key, def.model),
    }
}

impl Store {
    /// Whether `connection` is absent or belongs to `tenant` (a field may not point at
    /// another tenant's connection).
    async fn check_field_scope(
        &self,
        tenant: &TenantId,
        connection: Option<&ConnectionId>,
    ) -> Result<(), StoreError> {
        let Some(connection) = connection else {
            return Ok(());
        };
        let sql = "SELECT id FROM connections WHERE id = $1 AND tenant_id = $2";
        let found: Option<(String,)> = on_pool!(self, pool => {
            sqlx::query_as(sql)
                .bind(connection.as_str())
                .bind(tenant.as_str())
                .fetch_optional(pool)
                .await?
        });
        found.map(drop).ok_or(StoreError::NotFound)
    }

    /// Declares a custom field. `Conflict` if the tenant already has one with the same
    /// model, scope and key; `NotFound` if the connection is not the tenant's.
    pub async fn create_custom_field(
        &self,
        tenant: &TenantId,
        field: &CustomFieldDef,
    ) -> Result<CustomField, StoreError> {
        self.check_field_scope(tenant, field.connection_id.as_ref())
            .await?;
        let (ms, at) = now();
        let id = random_id("cf_");
        let options = to_json_text(&field.options)?;
        let sql = "INSERT INTO custom_fields (id, tenant_id, model, connection_id, field_key, name, \
                   description, field_type, options, read_pointer, write_pointer, \
                   writable_on_create, writable_on_update, created_at, updated_at) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14)";
        on_pool!(self, pool => {
            sqlx::query(sql)
                .bind(&id)
                .bind(tenant.as_str())
                .bind(field.model.as_str())
                .bind(field.connection_id.as_ref().map(ConnectionId::as_str))
                .bind(&field.key)
                .bind(&field.name)
                .bind(field.description.as_deref())
                .bind(&field.field_type)
                .bind(&options)
                .bind(&field.read_pointer)
                .bind(field.write_pointer.as_deref())
                .bind(field.writable_on_create)
                .bind(field.writable_on_update)
                .bind(ms)
                .execute(pool)
                .await
                .map_err(|e| StoreError::from_write(e, conflict(field)))?;
        });
        Ok(CustomField {
            id,
            tenant_id: tenant.clone(),
            def: field.clone(),
            created_at: at,
            updated_at: at,
        })
    }

    /// The tenant's custom field `id`.
    pub async fn custom_field(
        &self,
        tenant: &TenantId,
        id: &str,
    ) -> Result<Option<CustomField>, StoreError> {
        let sql = concat!(
            "SELECT ",
            columns!(),
            " FROM custom_fields WHERE id = $1 AND tenant_id = $2"
        );
        let row: Option<FieldRow> = on_pool!(self, pool => {
            sqlx::query_as(sql).bind(id).bind(tenant.as_str()).fetch_optional(pool).await?
        });
        row.map(FieldRow::decode).transpose()
    }

    /// The custom fields of `model` that apply to `connection` (tenant-wide ones, with a
    /// connection-scoped field replacing a tenant-wide one of the same key), oldest first.
    /// With `connection` `None`, the tenant-wide ones only.
    pub async fn custom_fields(
        &self,
        tenant: &TenantId,
        model: ModelId,
        connection: Option<&ConnectionId>,
    ) -> Result<Vec<CustomField>, StoreError> {
        let sql = concat!(
            "SELECT ",
            columns!(),
            " FROM custom_fields WHERE tenant_id = $1 AND model = $2 \
             AND (connection_id IS NULL OR connection_id = $3) ORDER BY created_at, id"
        );
        let rows: Vec<FieldRow> = on_pool!(self, pool => {
            sqlx::query_as(sql)
                .bind(tenant.as_str())
                .bind(model.as_str())
                .bind(connection.map(ConnectionId::as_str))
                .fetch_all(pool)
                .await?
        });
        let mut fields: Vec<CustomField> = Vec::with_capacity(rows.len());
        let mut by_key: HashMap<String, usize> = HashMap::new();
        for row in rows {
            let field = row.decode()?;
            match by_key.get(&field.def.key) {
                Some(&at) => {
                    if field.def.connection_id.is_some() {
                        fields[at] = field;
                    }
                }
                None => {
                    by_key.insert(field.def.key.clone(), fields.len());
                    fields.push(field);
                }
            }
        }
        Ok(fields)
    }

    /// Replaces the definition of the tenant's custom field `id`; `None` if there is none.
    pub async fn update_custom_field(
        &self,
        tenant: &TenantId,
        id: &str,
        field: &CustomFieldDef,
    ) -> Result<Option<CustomField>, StoreError> {
        self.check_field_scope(tenant, field.connection_id.as_ref())
            .await?;
        let options = to_json_text(&field.options)?;
        let sql = concat!(
            "UPDATE custom_fields SET model = $1, connection_id = $2, field_key = $3, name = $4, \
             description = $5, field_type = $6, options = $7, read_pointer = $8, \
             write_pointer = $9, writable_on_create = $10, writable_on_update = $11, \
             updated_at = $12 WHERE id = $13 AND tenant_id = $14 RETURNING ",
            columns!()
        );
        let row: Option<FieldRow> = on_pool!(self, pool => {
            sqlx::query_as(sql)
                .bind(field.model.as_str())
                .bind(field.connection_id.as_ref().map(ConnectionId::as_str))
                .bind(&field.key)
                .bind(&field.name)
                .bind(field.description.as_deref())
                .bind(&field.field_type)
                .bind(&options)
                .bind(&field.read_pointer)
                .bind(field.write_pointer.as_deref())
                .bind(field.writable_on_create)
                .bind(field.writable_on_update)
                .bind(now_ms())
                .bind(id)
                .bind(tenant.as_str())
                .fetch_optional(pool)
                .await
                .map_err(|e| StoreError::from_write(e, conflict(field)))?
        });
        row.map(FieldRow::decode).transpose()
    }

    /// Deletes the tenant's custom field `id`; `false` if there is none.
    pub async fn delete_custom_field(
        &self,
        tenant: &TenantId,
        id: &str,
    ) -> Result<bool, StoreError> {
        let sql = "DELETE FROM custom_fields WHERE id = $1 AND tenant_id = $2";
        let affected = on_pool!(self, pool => {
            sqlx::query(sql)
                .bind(id)
                .bind(tenant.as_str())
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(affected > 0)
    }
}
