//! Query strings of Dialpad's list endpoints, one struct per endpoint, for `serde_urlencoded`
//! (reqwest's `.query()`). None has a `limit`: Dialpad soft-deprecated it and says never to
//! send it. Page with [`ListQuery::with_cursor`], which repeats the original filters.

use serde::Serialize;

use super::common::TargetType;
use super::open_enum::open_enum;
use super::wire::{EpochMillis, Int64};

/// A list endpoint's query: the filters plus the `cursor` of the page to fetch.
pub trait ListQuery: Serialize + Clone {
    /// The cursor this query asks for; `None` for the first page.
    fn cursor(&self) -> Option<&str>;

    /// The same filters, asking for the page after `cursor` (from
    /// [`Collection::next_cursor`](super::common::Collection::next_cursor)).
    #[must_use]
    fn with_cursor(&self, cursor: &str) -> Self;
}

/// `GET /api/v2/users`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ListUsersQuery {
    /// The page to fetch.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    /// Only users in this state (`all` for every state).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<UserStateFilter>,
    /// Only the user with this email.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Only the user with this (E.164) phone number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    /// Only company admins (`true`) or only non-admins (`false`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company_admin: Option<bool>,
}

/// `GET /api/v2/contacts`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ListContactsQuery {
    /// The page to fetch.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    /// Only contacts owned by this user.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner_id: Option<String>,
    /// Whether users' local contacts are included (Dialpad's default: no).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub include_local: Option<bool>,
}

/// `GET /api/v2/call`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ListCallsQuery {
    /// The page to fetch.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    /// Only calls started after this instant (epoch milliseconds).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started_after: Option<EpochMillis>,
    /// Only calls started before this instant (epoch milliseconds).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started_before: Option<EpochMillis>,
    /// Only calls of this target; pair it with `target_type`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_id: Option<Int64>,
    /// The type of `target_id`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_type: Option<TargetType>,
    /// Whether anonymised calls (e.g. of deleted users) are included (default: no).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub include_anonymized: Option<bool>,
}

/// `GET /api/v2/offices`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ListOfficesQuery {
    /// The page to fetch.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    /// Only active offices.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub active_only: Option<bool>,
}

/// `GET /api/v2/callcenters` (company-wide; per office, see [`CursorQuery`]).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ListCallCentersQuery {
    /// The page to fetch.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    /// Only call centers of this office.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub office_id: Option<Int64>,
    /// Only call centers whose name contains this text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name_search: Option<String>,
}

/// `GET /api/v2/subscriptions/call`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ListCallEventSubscriptionsQuery {
    /// The page to fetch.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    /// Only subscriptions for this target type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_type: Option<TargetType>,
    /// Only subscriptions for this target.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_id: Option<Int64>,
}

/// The query of list endpoints that filter nothing: `GET /api/v2/offices/{id}/callcenters`,
/// `/api/v2/webhooks` and `/api/v2/subscriptions/{contact,changelog,agent_status}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CursorQuery {
    /// The page to fetch.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

macro_rules! list_query {
    ($($ty:ty),+ $(,)?) => {$(
        impl ListQuery for $ty {
            fn cursor(&self) -> Option<&str> {
                self.cursor.as_deref()
            }

            fn with_cursor(&self, cursor: &str) -> Self {
                let mut next = self.clone();
                next.cursor = Some(cursor.to_owned());
                next
            }
        }
    )+};
}

list_query!(
    ListUsersQuery,
    ListContactsQuery,
    ListCallsQuery,
    ListOfficesQuery,
    ListCallCentersQuery,
    ListCallEventSubscriptionsQuery,
    CursorQuery,
);

open_enum! {
    /// The `state` filter of `GET /api/v2/users`: an enablement state, or `all`.
    pub enum UserStateFilter {
        Active => "active",
        All => "all",
        Cancelled => "cancelled",
        Deleted => "deleted",
        Pending => "pending",
        Suspended => "suspended",
    }
}
