//! Call-center reports: offices, an office's call centers, a call center's operators, each
//! read whole from Dialpad and flattened to rows a BI tool loads as they are: nested
//! objects become `parent.child` columns, lists of values one `;`-joined cell, and every
//! row carries every column (in first-seen order), so the CSV and JSON forms agree.

use patchbay_core::{ConnectorError, ErrorCode};
use serde::Serialize;
use serde_json::{Map, Value};

use super::{Grant, resolve_report};
use crate::app::AppState;
use crate::http::error::{ApiError, ApiResult};
use crate::store::TenantId;
use crate::unified::target::Selector;

/// Flattened rows and their columns.
#[derive(Debug, Default)]
pub struct Table {
    /// Column names, in first-seen order.
    pub columns: Vec<String>,
    /// One map per row.
    pub rows: Vec<Map<String, Value>>,
}

impl Table {
    /// Adds `value` (a Dialpad object) as one row, after the `leading` columns.
    fn push(&mut self, leading: &[(&str, Value)], value: &impl Serialize) -> ApiResult<()> {
        let mut row = Map::new();
        let value = serde_json::to_value(value).map_err(ApiError::internal)?;
        flatten("", &value, &mut row);
        let names = leading
            .iter()
            .map(|(n, _)| *n)
            .chain(row.keys().map(String::as_str));
        for name in names {
            if !self.columns.iter().any(|c| c == name) {
                self.columns.push(name.to_owned());
            }
        }
        for (name, v) in leading {
            row.insert((*name).to_owned(), v.clone());
        }
        self.rows.push(row);
        Ok(())
    }

    /// Every row with every column (missing ones `null`); [`Table::cells`] gives them in
    /// column order.
    pub fn complete(mut self) -> Self {
        let columns = &self.columns;
        self.rows = self
            .rows
            .into_iter()
            .map(|mut row| {
                columns
                    .iter()
                    .map(|c| (c.clone(), row.remove(c).unwrap_or(Value::Null)))
                    .collect()
            })
            .collect();
        self
    }
}

fn flatten(prefix: &str, value: &Value, row: &mut Map<String, Value>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                let name = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                flatten(&name, v, row);
            }
        }
        Value::Array(items) if items.iter().all(|v| !v.is_object() && !v.is_array()) => {
            let joined: Vec<String> = items.iter().map(cell).collect();
            row.insert(prefix.to_owned(), Value::String(joined.join(";")));
        }
        Value::Array(_) => {
            row.insert(prefix.to_owned(), Value::String(value.to_string()));
        }
        other => {
            row.insert(prefix.to_owned(), other.clone());
        }
    }
}

impl Table {
    /// The cells of `row`, in column order.
    pub fn cells<'a>(&'a self, row: &'a Map<String, Value>) -> impl Iterator<Item = String> + 'a {
        self.columns
            .iter()
            .map(|c| row.get(c).map_or_else(String::new, cell))
    }
}

/// Dialpad's 404 on a report (an unknown office or call center) as our `NOT_FOUND`, kept
/// apart from the connector errors `Target::call` maps.
async fn found<T>(
    call: impl Future<Output = Result<T, ConnectorError>>,
) -> Result<ApiResult<T>, ConnectorError> {
    match call.await {
        Ok(value) => Ok(Ok(value)),
        Err(ConnectorError::Upstream {
            status: 404,
            message,
        }) => Ok(Err(ApiError::new(ErrorCode::NotFound, message))),
        Err(other) => Err(other),
    }
}

/// A value as a CSV cell.
pub fn cell(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Every office of the connection's company.
pub async fn offices(state: &AppState, tenant: &TenantId, selector: &Selector) -> ApiResult<Table> {
    let target = resolve_report(state, tenant, selector, Grant::Workspaces).await?;
    let dialpad = &state.reports.dialpad;
    let offices = target
        .call(state, |_, ctx| found(dialpad.offices(ctx.credential())))
        .await??;
    let mut table = Table::default();
    for office in &offices {
        table.push(&[], office)?;
    }
    Ok(table.complete())
}

/// Every call center of office `office_id`.
pub async fn call_centers(
    state: &AppState,
    tenant: &TenantId,
    selector: &Selector,
    office_id: i64,
) -> ApiResult<Table> {
    let target = resolve_report(state, tenant, selector, Grant::Workspaces).await?;
    let dialpad = &state.reports.dialpad;
    let centers = target
        .call(state, |_, ctx| {
            found(dialpad.office_call_centers(ctx.credential(), office_id))
        })
        .await??;
    let mut table = Table::default();
    for center in &centers {
        table.push(&[], center)?;
    }
    Ok(table.complete())
}

/// The operators (users, then rooms) of call center `call_center_id`.
pub async fn operators(
    state: &AppState,
    tenant: &TenantId,
    selector: &Selector,
    call_center_id: i64,
) -> ApiResult<Table> {
    let target = resolve_report(state, tenant, selector, Grant::Users).await?;
    let dialpad = &state.reports.dialpad;
    let operators = target
        .call(state, |_, ctx| {
            found(dialpad.call_center_operators(ctx.credential(), call_center_id))
        })
        .await??;
    let center = Value::String(call_center_id.to_string());
    let mut table = Table::default();
    for user in &operators.users {
        let leading = [
            ("callCenterId", center.clone()),
            ("operatorType", "user".into()),
        ];
        table.push(&leading, user)?;
    }
    for room in &operators.rooms {
        let leading = [
            ("callCenterId", center.clone()),
            ("operatorType", "room".into()),
        ];
        table.push(&leading, room)?;
    }
    Ok(table.complete())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use serde_json::json;

    use super::*;

    #[test]
    fn nested_objects_become_dotted_columns_and_lists_one_cell() {
        let mut table = Table::default();
        let first = json!({"id": "1", "hold_queue": {"max_hold_count": "5"}, "phone_numbers": ["+1", "+2"]});
        table.push(&[("kind", json!("x"))], &first).unwrap();
        table
            .push(&[], &json!({"id": "2", "extra": [{"a": 1}]}))
            .unwrap();
        let table = table.complete();
        assert_eq!(
            table.columns,
            [
                "kind",
                "hold_queue.max_hold_count",
                "id",
                "phone_numbers",
                "extra"
            ]
        );
        assert_eq!(
            table.cells(&table.rows[0]).collect::<Vec<_>>(),
            ["x", "5", "1", "+1;+2", ""]
        );
        assert_eq!(table.rows[0]["phone_numbers"], json!("+1;+2"));
        assert_eq!(table.rows[1]["hold_queue.max_hold_count"], Value::Null);
        assert_eq!(table.rows[1]["extra"], json!("[{\"a\":1}]"));
        assert_eq!(cell(&json!(true)), "true");
    }
}
