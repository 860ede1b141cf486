//! Dialpad's reporting endpoints, for the gateway's reports: the Stats API (start an
//! export, read its status, download its CSV piece by piece) and the call-center structure
//! (offices, their call centers, each one's operators) with every page followed.
//! [`request`] turns a BI user's stats request into Dialpad's body; [`columns`] types CSV cells.

pub mod columns;
pub mod request;

use patchbay_core::{ConnectorError, Credential};
use reqwest::Method;
use serde::de::DeserializeOwned;
use url::Url;

use crate::client::transport;
use crate::connector::DialpadConnector;
use crate::resources::Api;
use crate::types::call_centers::{CallCenterProto, OperatorCollection};
use crate::types::offices::OfficeProto;
use crate::types::queries::{CursorQuery, ListOfficesQuery, ListQuery};
use crate::types::stats::{ProcessStatsMessage, ProcessingProto, StatsProto};
use crate::types::{Collection, Int64};

pub use columns::{ColumnType, column_type, typed_value};
pub use request::{CacheWindow, PreparedStats, StatsRequest, StatsRequestError};

/// Most pages one report reads from a list: far above any real account (100 per page),
/// and a bound on a provider that would hand out cursors forever.
const MAX_PAGES: usize = 10_000;

/// The CSV of a completed stats export, read piece by piece.
#[derive(Debug)]
pub struct StatsDownload {
    response: reqwest::Response,
}

impl StatsDownload {
    /// The next piece of the file; `None` at its end.
    pub async fn chunk(&mut self) -> Result<Option<Vec<u8>>, ConnectorError> {
        match self.response.chunk().await {
            Ok(chunk) => Ok(chunk.map(|bytes| bytes.to_vec())),
            Err(e) => Err(transport(e).into_report(String::new)),
        }
    }
}

impl DialpadConnector {
    fn reports_api<'a>(&'a self, credential: &'a Credential) -> Api<'a> {
        Api::new(self.client(), credential)
    }

    /// `POST /api/v2/stats`: starts an export (Dialpad answers an identical request it
    /// still caches with the same id and `already_started`). Never retried: each POST
    /// counts against Dialpad's 200 an hour.
    pub async fn stats_start(
        &self,
        credential: &Credential,
        message: &ProcessStatsMessage,
    ) -> Result<ProcessingProto, ConnectorError> {
        let body = serde_json::to_value(message).map_err(|e| ConnectorError::InvalidResponse {
            message: "the stats request could not be written".into(),
            source: Some(Box::new(e)),
        })?;
        self.reports_api(credential)
            .request(Method::POST, &["stats"])
            .body(body)
            .send()
            .await
            .and_then(|answer| answer.parse::<ProcessingProto>())
            .map_err(|e| e.into_report(|| "Dialpad does not serve stats here".into()))
    }

    /// `GET /api/v2/stats/{id}`: the export's progress. A request Dialpad no longer knows
    /// (expired, or never made) is `Upstream { status: 404 }`.
    pub async fn stats_status(
        &self,
        credential: &Credential,
        request_id: &str,
    ) -> Result<StatsProto, ConnectorError> {
        self.reports_api(credential)
            .request(Method::GET, &["stats", request_id])
            .send()
            .await
            .and_then(|answer| answer.parse::<StatsProto>())
            .map_err(|e| {
                e.into_report(|| format!("Dialpad no longer knows stats request {request_id}"))
            })
    }

    /// Opens the CSV at a completed export's `download_url` (sent no credential).
    pub async fn stats_download(
        &self,
        download_url: &str,
    ) -> Result<StatsDownload, ConnectorError> {
        let url = Url::parse(download_url)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https"))
            .ok_or_else(|| ConnectorError::InvalidResponse {
                message: "Dialpad's download URL is not an http(s) URL".into(),
                source: None,
            })?;
        let response = self.client().download(&url).await.map_err(|e| {
            e.into_report(|| "the stats file is gone (its cache window ended)".into())
        })?;
        Ok(StatsDownload { response })
    }

    /// Every office of the company (`GET /api/v2/offices`, all pages).
    pub async fn offices(
        &self,
        credential: &Credential,
    ) -> Result<Vec<OfficeProto>, ConnectorError> {
        all_pages(
            self.reports_api(credential),
            &["offices"],
            ListOfficesQuery::default(),
            || "Dialpad lists no offices".into(),
        )
        .await
    }

    /// Every call center of office `office_id` (`GET /api/v2/offices/{id}/callcenters`).
    pub async fn office_call_centers(
        &self,
        credential: &Credential,
        office_id: i64,
    ) -> Result<Vec<CallCenterProto>, ConnectorError> {
        let id = office_id.to_string();
        all_pages(
            self.reports_api(credential),
            &["offices", &id, "callcenters"],
            CursorQuery::default(),
            || format!("Dialpad has no office {office_id}"),
        )
        .await
    }

    /// The operators (users and rooms) of call center `call_center_id`.
    pub async fn call_center_operators(
        &self,
        credential: &Credential,
        call_center_id: i64,
    ) -> Result<OperatorCollection, ConnectorError> {
        let id = Int64(call_center_id).to_string();
        self.reports_api(credential)
            .request(Method::GET, &["callcenters", &id, "operators"])
            .send()
            .await
            .and_then(|answer| answer.parse::<OperatorCollection>())
            .map_err(|e| e.into_report(|| format!("Dialpad has no call center {call_center_id}")))
    }
}

/// Every item of a list endpoint, following its cursors.
async fn all_pages<T: DeserializeOwned, Q: ListQuery>(
    api: Api<'_>,
    segments: &[&str],
    first: Q,
    not_found: impl Fn() -> String,
) -> Result<Vec<T>, ConnectorError> {
    let mut items = Vec::new();
    let mut query = first;
    for _ in 0..MAX_PAGES {
        let page: Collection<T> = api
            .request(Method::GET, segments)
            .query(&query)
            .map_err(|e| e.into_report(&not_found))?
            .send()
            .await
            .and_then(|answer| answer.parse::<Collection<T>>())
            .map_err(|e| e.into_report(&not_found))?;
        let next = page.next_cursor().map(str::to_owned);
        items.extend(page.items);
        match next {
            Some(cursor) => query = query.with_cursor(&cursor),
            None => return Ok(items),
        }
    }
    Err(ConnectorError::InvalidResponse {
        message: format!("Dialpad's list went on past {MAX_PAGES} pages"),
        source: None,
    })
}
