//! Shapes shared across Dialpad resources: the paginated list envelope and the enumerations
//! several protos reuse (enablement state, target/group type, contact type, license, role).

use serde::{Deserialize, Serialize};

use super::open_enum::open_enum;
use super::wire::null_as_empty;

/// Dialpad's list envelope (`UserCollection`, `OfficeCollection`, ...): one page of `items` and
/// the `cursor` for the next one. `items` is always written (clients index it); `cursor` is
/// omitted on the last page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(bound(deserialize = "T: Deserialize<'de>"))]
pub struct Collection<T> {
    /// The page's items; empty when Dialpad omits the field or sends `null`.
    #[serde(default = "Vec::new", deserialize_with = "null_as_empty")]
    pub items: Vec<T>,
    /// The token for the next page; absent or empty on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

impl<T> Default for Collection<T> {
    fn default() -> Self {
        Self {
            items: Vec::new(),
            cursor: None,
        }
    }
}

impl<T> Collection<T> {
    /// The cursor to request the next page with, or `None` on the last page (Dialpad signals
    /// it with either no cursor or an empty one).
    pub fn next_cursor(&self) -> Option<&str> {
        self.cursor.as_deref().filter(|cursor| !cursor.is_empty())
    }
}

open_enum! {
    /// The enablement state of a user, office, company, group or room.
    pub enum EnablementState {
        Active => "active",
        Cancelled => "cancelled",
        Deleted => "deleted",
        Pending => "pending",
        Suspended => "suspended",
    }
}

open_enum! {
    /// The kind of a Dialpad target or group (`group_type`, `target_type`,
    /// `action_target_type`): the union of the spec's lists.
    pub enum TargetType {
        CallCenter => "callcenter",
        CallRouter => "callrouter",
        Channel => "channel",
        CoachingGroup => "coachinggroup",
        CoachingTeam => "coachingteam",
        Contact => "contact",
        ContactGroup => "contactgroup",
        Department => "department",
        Office => "office",
        Room => "room",
        StaffGroup => "staffgroup",
        Unknown => "unknown",
        User => "user",
    }
}

open_enum! {
    /// Whether a contact belongs to the company (`shared`) or to one user (`local`).
    pub enum ContactType {
        Local => "local",
        Shared => "shared",
    }
}

open_enum! {
    /// A user's license type.
    pub enum License {
        Admins => "admins",
        Agents => "agents",
        DpdeAll => "dpde_all",
        DpdeOne => "dpde_one",
        LiteLines => "lite_lines",
        LiteSupportAgents => "lite_support_agents",
        MagentaLines => "magenta_lines",
        Talk => "talk",
        User => "user",
    }
}

open_enum! {
    /// A user's role in a group.
    pub enum GroupRole {
        Admin => "admin",
        Operator => "operator",
        Supervisor => "supervisor",
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use serde_json::json;

    use super::*;

    #[test]
    fn open_enum_keeps_unknown_values_verbatim() {
        let known: EnablementState = serde_json::from_value(json!("suspended")).unwrap();
        let unknown: EnablementState = serde_json::from_value(json!("archived")).unwrap();
        assert_eq!(known, EnablementState::Suspended);
        assert_eq!(unknown, EnablementState::Other("archived".to_owned()));
        assert_eq!(serde_json::to_value(&unknown).unwrap(), json!("archived"));
        assert_eq!(TargetType::from("callcenter").as_str(), "callcenter");
        assert_eq!(
            License::LiteSupportAgents.to_string(),
            "lite_support_agents"
        );
    }

    #[test]
    fn collection_defaults_items_and_treats_empty_cursor_as_last_page() {
        let page: Collection<serde_json::Value> = serde_json::from_value(json!({})).unwrap();
        assert!(page.items.is_empty());
        assert_eq!(page.next_cursor(), None);
        let last: Collection<u8> =
            serde_json::from_value(json!({"items": [1], "cursor": ""})).unwrap();
        assert_eq!(last.next_cursor(), None);
        let more: Collection<u8> = serde_json::from_value(json!({"cursor": "abc"})).unwrap();
        assert_eq!(more.next_cursor(), Some("abc"));
        assert_eq!(
            serde_json::to_value(Collection::<u8>::default()).unwrap(),
            json!({"items": []})
        );
    }
}
