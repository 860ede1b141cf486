//! Key rotation: re-encrypts every encrypted column value under the keyring's active key,
//! in batches, each row by one compare-and-swap `UPDATE` (its own transaction), so the
//! gateway keeps serving while it runs. Add new encrypted columns to `ENCRYPTED_COLUMNS`.

use super::credentials::aad;
use super::{Store, StoreError};
use crate::crypto::Keyring;

/// Rows read per batch.
const BATCH: i64 = 200;
/// Attempts per row when a concurrent write changes it between read and update.
const ATTEMPTS: usize = 3;

/// A column holding [`Keyring`] blobs, whose AAD is `table.column:id` (see `credentials::aad`).
struct EncryptedColumn {
    table: &'static str,
    column: &'static str,
}

/// Every encrypted column. Table and column names are constants, never input.
const ENCRYPTED_COLUMNS: &[EncryptedColumn] = &[EncryptedColumn {
    table: "connections",
    column: "credentials",
}];

/// What [`Store::rotate_encryption`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RotationReport {
    /// The key everything is now encrypted under.
    pub active_key_id: String,
    /// Values re-encrypted under the active key.
    pub reencrypted: u64,
    /// Values that already were.
    pub already_current: u64,
    /// Values deleted, or changed by concurrent writes on every attempt, while rotating.
    pub skipped: u64,
}

impl Store {
    /// Re-encrypts every encrypted value under the active key. Fails loudly (and stops) on a
    /// value no key of the keyring opens; values done so far stay done, so it can be re-run.
    pub async fn rotate_encryption(&self) -> Result<RotationReport, StoreError> {
        let keyring = self.keyring()?;
        let mut report = RotationReport {
            active_key_id: keyring.active_id().to_owned(),
            ..RotationReport::default()
        };
        for column in ENCRYPTED_COLUMNS {
            self.rotate_column(keyring, column, &mut report).await?;
        }
        Ok(report)
    }

    async fn rotate_column(
        &self,
        keyring: &Keyring,
        col: &EncryptedColumn,
        report: &mut RotationReport,
    ) -> Result<(), StoreError> {
        let (table, column) = (col.table, col.column);
        let page_sql = format!(
            "SELECT id, {column} FROM {table} WHERE {column} IS NOT NULL AND id > $1 \
             ORDER BY id LIMIT $2"
        );
        let mut after = String::new();
        loop {
            let rows: Vec<(String, Vec<u8>)> = on_pool!(self, pool => {
                sqlx::query_as(&page_sql).bind(&after).bind(BATCH).fetch_all(pool).await?
            });
            let Some((last, _)) = rows.last() else {
                return Ok(());
            };
            after.clone_from(last);
            for (id, blob) in rows {
                self.rotate_value(keyring, col, &id, blob, report).await?;
            }
        }
    }

    async fn rotate_value(
        &self,
        keyring: &Keyring,
        col: &EncryptedColumn,
        id: &str,
        mut blob: Vec<u8>,
        report: &mut RotationReport,
    ) -> Result<(), StoreError> {
        let (table, column) = (col.table, col.column);
        let aad = aad(table, column, id);
        let update_sql =
            format!("UPDATE {table} SET {column} = $1 WHERE id = $2 AND {column} = $3");
        let reread_sql = format!("SELECT {column} FROM {table} WHERE id = $1");
        for _ in 0..ATTEMPTS {
            if keyring.is_active(&blob)? {
                report.already_current += 1;
                return Ok(());
            }
            let plaintext = keyring.decrypt(&blob, &aad).inspect_err(|err| {
                tracing::error!(table, column, row = id, error = %err, "cannot decrypt while rotating");
            })?;
            let sealed = keyring.encrypt(&plaintext, &aad)?;
            let swapped = on_pool!(self, pool => {
                sqlx::query(&update_sql)
                    .bind(&sealed)
                    .bind(id)
                    .bind(&blob)
                    .execute(pool)
                    .await?
                    .rows_affected()
            });
            if swapped > 0 {
                report.reencrypted += 1;
                return Ok(());
            }
            // Changed or deleted since it was read: look again.
            let current: Option<(Option<Vec<u8>>,)> = on_pool!(self, pool => {
                sqlx::query_as(&reread_sql).bind(id).fetch_optional(pool).await?
            });
            match current {
                Some((Some(now),)) => blob = now,
                _ => break,
            }
        }
        report.skipped += 1;
        Ok(())
    }
}
