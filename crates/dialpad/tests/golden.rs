//! Golden examples: every `response_200` example that Dialpad's spec embeds for the endpoints
//! the connector uses (`examples.json`, both spec versions) must deserialise into our type,
//! keep its ids through the typed fields, and survive a round trip on every key the spec
//! declares. Set `PATCHBAY_DIALPAD_SPEC_DIR` to read `examples.json`/`openapi.json` elsewhere.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fmt::Display;
use std::path::PathBuf;
use std::sync::OnceLock;

use patchbay_dialpad::types::{
    AgentStatusEventSubscriptionCollection, AgentStatusEventSubscriptionProto,
    CallCenterCollection, CallCenterProto, CallContactProto, CallEventSubscriptionCollection,
    CallEventSubscriptionProto, CallProto, ChangeLogEventSubscriptionCollection,
    ChangeLogEventSubscriptionProto, Collection, CompanyProto, ContactCollection,
    ContactEventSubscriptionCollection, ContactEventSubscriptionProto, ContactProto,
    OfficeCollection, OfficeProto, OperatorCollection, RoutingOptions, StatsProto, TranscriptProto,
    TranscriptUrlProto, UserCollection, UserOrRoomProto, UserProto, WebhookCollection,
    WebhookProto,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

const VERSIONS: [&str; 2] = ["sdk_2025_06", "kesslerio_2026_02"];

/// One endpoint whose examples are golden: the spec's response schema it must declare, the
/// type that models it, and whether having no example at all is acceptable.
struct Golden {
    key: &'static str,
    schema: &'static str,
    optional: bool,
    check: fn(&Value) -> Result<Checked, String>,
}

const fn golden<T: Typed>(key: &'static str, schema: &'static str) -> Golden {
    Golden {
        key,
        schema,
        optional: false,
        check: check::<T>,
    }
}

/// Endpoints for which neither spec version carries an example.
const fn optional<T: Typed>(key: &'static str, schema: &'static str) -> Golden {
    Golden {
        optional: true,
        ..golden::<T>(key, schema)
    }
}

const USER: &str = "protos.user.UserProto";
const CALL_CENTER: &str = "protos.group.CallCenterProto";
const OPERATOR: &str = "protos.group.UserOrRoomProto";
const OFFICE: &str = "protos.office.OfficeProto";
const WEBHOOK: &str = "protos.webhook.WebhookProto";
const CALL_SUB: &str = "protos.call_event_subscription.CallEventSubscriptionProto";
const CONTACT_SUB: &str = "protos.contact_event_subscription.ContactEventSubscriptionProto";
const CHANGELOG_SUB: &str = "protos.change_log_event_subscription.ChangeLogEventSubscriptionProto";
const AGENT_SUB: &str = "protos.agent_status_event_subscription.AgentStatusEventSubscriptionProto";

const TABLE: &[Golden] = &[
    golden::<UserCollection>("GET /api/v2/users", "protos.user.UserCollection"),
    golden::<UserProto>("GET /api/v2/users/{id}", USER),
    golden::<UserProto>("PATCH /api/v2/users/{id}", USER),
    golden::<UserProto>("DELETE /api/v2/users/{id}", USER),
    golden::<UserProto>("POST /api/v2/users", USER),
    optional::<ContactCollection>("GET /api/v2/contacts", "protos.contact.ContactCollection"),
    optional::<ContactProto>("GET /api/v2/contacts/{id}", "protos.contact.ContactProto"),
    golden::<OfficeCollection>("GET /api/v2/offices", "protos.office.OfficeCollection"),
    golden::<OfficeProto>("GET /api/v2/offices/{id}", OFFICE),
    golden::<OfficeProto>("GET /api/v2/offices/primary", OFFICE),
    golden::<CompanyProto>("GET /api/v2/company", "protos.company.CompanyProto"),
    golden::<CallProto>("GET /api/v2/call/{id}", "protos.call.CallProto"),
    optional::<Collection<CallProto>>("GET /api/v2/call", "protos.call.CallCollection"),
    golden::<TranscriptProto>(
        "GET /api/v2/transcripts/{call_id}",
        "protos.transcript.TranscriptProto",
    ),
    golden::<TranscriptUrlProto>(
        "GET /api/v2/transcripts/{call_id}/url",
        "protos.transcript.TranscriptUrlProto",
    ),
    golden::<CallCenterCollection>(
        "GET /api/v2/offices/{office_id}/callcenters",
        "protos.group.CallCenterCollection",
    ),
    golden::<CallCenterProto>("GET /api/v2/callcenters/{id}", CALL_CENTER),
    golden::<OperatorCollection>(
        "GET /api/v2/callcenters/{id}/operators",
        "protos.group.OperatorCollection",
    ),
    golden::<UserOrRoomProto>("POST /api/v2/callcenters/{id}/operators", OPERATOR),
    golden::<UserOrRoomProto>("DELETE /api/v2/callcenters/{id}/operators", OPERATOR),
    golden::<WebhookCollection>("GET /api/v2/webhooks", "protos.webhook.WebhookCollection"),
    golden::<WebhookProto>("POST /api/v2/webhooks", WEBHOOK),
    golden::<WebhookProto>("GET /api/v2/webhooks/{id}", WEBHOOK),
    golden::<CallEventSubscriptionCollection>(
        "GET /api/v2/subscriptions/call",
        "protos.call_event_subscription.CallEventSubscriptionCollection",
    ),
    golden::<CallEventSubscriptionProto>("POST /api/v2/subscriptions/call", CALL_SUB),
    golden::<CallEventSubscriptionProto>("GET /api/v2/subscriptions/call/{id}", CALL_SUB),
    golden::<CallEventSubscriptionProto>("PATCH /api/v2/subscriptions/call/{id}", CALL_SUB),
    golden::<CallEventSubscriptionProto>("DELETE /api/v2/subscriptions/call/{id}", CALL_SUB),
    golden::<ContactEventSubscriptionCollection>(
        "GET /api/v2/subscriptions/contact",
        "protos.contact_event_subscription.ContactEventSubscriptionCollection",
    ),
    golden::<ContactEventSubscriptionProto>("POST /api/v2/subscriptions/contact", CONTACT_SUB),
    golden::<ContactEventSubscriptionProto>("GET /api/v2/subscriptions/contact/{id}", CONTACT_SUB),
    golden::<ContactEventSubscriptionProto>(
        "PATCH /api/v2/subscriptions/contact/{id}",
        CONTACT_SUB,
    ),
    golden::<ContactEventSubscriptionProto>(
        "DELETE /api/v2/subscriptions/contact/{id}",
        CONTACT_SUB,
    ),
    golden::<ChangeLogEventSubscriptionCollection>(
        "GET /api/v2/subscriptions/changelog",
        "protos.change_log_event_subscription.ChangeLogEventSubscriptionCollection",
    ),
    golden::<ChangeLogEventSubscriptionProto>(
        "POST /api/v2/subscriptions/changelog",
        CHANGELOG_SUB,
    ),
    golden::<ChangeLogEventSubscriptionProto>(
        "GET /api/v2/subscriptions/changelog/{id}",
        CHANGELOG_SUB,
    ),
    golden::<ChangeLogEventSubscriptionProto>(
        "PATCH /api/v2/subscriptions/changelog/{id}",
        CHANGELOG_SUB,
    ),
    golden::<ChangeLogEventSubscriptionProto>(
        "DELETE /api/v2/subscriptions/changelog/{id}",
        CHANGELOG_SUB,
    ),
    golden::<AgentStatusEventSubscriptionCollection>(
        "GET /api/v2/subscriptions/agent_status",
        "protos.agent_status_event_subscription.AgentStatusEventSubscriptionCollection",
    ),
    golden::<AgentStatusEventSubscriptionProto>(
        "POST /api/v2/subscriptions/agent_status",
        AGENT_SUB,
    ),
    golden::<AgentStatusEventSubscriptionProto>(
        "GET /api/v2/subscriptions/agent_status/{id}",
        AGENT_SUB,
    ),
    golden::<AgentStatusEventSubscriptionProto>(
        "PATCH /api/v2/subscriptions/agent_status/{id}",
        AGENT_SUB,
    ),
    golden::<AgentStatusEventSubscriptionProto>(
        "DELETE /api/v2/subscriptions/agent_status/{id}",
        AGENT_SUB,
    ),
    golden::<StatsProto>("GET /api/v2/stats/{id}", "protos.stats.StatsProto"),
];

#[test]
fn every_listed_endpoint_has_a_golden_example() {
    let missing: Vec<&str> = TABLE
        .iter()
        .filter(|entry| !entry.optional && examples_for(entry.key).is_empty())
        .map(|entry| entry.key)
        .collect();
    assert!(
        missing.is_empty(),
        "no golden example in either spec version for {missing:?}"
    );
}

#[test]
fn every_subscription_example_is_in_the_table() {
    let families = ["call", "contact", "changelog", "agent_status"];
    let mut uncovered = Vec::new();
    for version in VERSIONS {
        let keys = examples()[version]
            .as_object()
            .expect("version object")
            .keys();
        for key in keys {
            let path = key.split_once(' ').map_or("", |(_, path)| path);
            let Some(rest) = path.strip_prefix("/api/v2/subscriptions/") else {
                continue;
            };
            let family = rest.split('/').next().unwrap_or_default();
            if families.contains(&family) && !TABLE.iter().any(|entry| entry.key == key) {
                uncovered.push(format!("{version}: {key}"));
            }
        }
    }
    assert!(
        uncovered.is_empty(),
        "subscription examples not checked: {uncovered:?}"
    );
}

#[test]
fn listed_types_match_the_specs_response_schemas() {
    let mut wrong = Vec::new();
    for entry in TABLE {
        let (method, path) = entry.key.split_once(' ').expect("METHOD /path");
        let pointer = format!(
            "/paths/{}/{}/responses/200/content/application~1json/schema/$ref",
            path.replace('~', "~0").replace('/', "~1"),
            method.to_lowercase()
        );
        let declared = spec().pointer(&pointer).and_then(Value::as_str);
        let expected = format!("#/components/schemas/{}", entry.schema);
        if declared != Some(expected.as_str()) {
            wrong.push(format!(
                "{}: spec says {declared:?}, table says {}",
                entry.key, entry.schema
            ));
        }
    }
    assert!(wrong.is_empty(), "table and spec disagree: {wrong:#?}");
}

#[test]
fn golden_examples_deserialise_keep_ids_and_round_trip() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for entry in TABLE {
        let schema = schema_named(entry.schema);
        for (version, example) in examples_for(entry.key) {
            checked += 1;
            let context = format!("{version} {}", entry.key);
            match (entry.check)(example) {
                Err(err) => failures.push(format!("{context}: {err}")),
                Ok(checked) => {
                    failures.extend(id_mismatches(example, &checked.ids, &context));
                    let before = normalise(&restrict(example, schema));
                    let after = normalise(&restrict(&checked.reserialised, schema));
                    if let Some(diff) = first_difference(&before, &after, "") {
                        failures.push(format!("{context}: round trip changed {diff}"));
                    }
                }
            }
        }
    }
    let required = TABLE.iter().filter(|entry| !entry.optional).count();
    assert!(
        checked >= required,
        "only {checked} examples checked for {required} endpoints"
    );
    assert!(
        failures.is_empty(),
        "golden failures:\n{}",
        failures.join("\n")
    );
}

/// What one example became: its re-serialised JSON and the ids read through typed fields,
/// each with the JSON pointer where the example holds it.
struct Checked {
    reserialised: Value,
    ids: Vec<(String, Option<String>)>,
}

trait Typed: DeserializeOwned + Serialize {
    /// Pushes `(pointer under at, typed value)` for each id field the type models.
    fn ids(&self, at: &str, out: &mut Vec<(String, Option<String>)>);
}

fn check<T: Typed>(example: &Value) -> Result<Checked, String> {
    let typed: T =
        serde_json::from_value(example.clone()).map_err(|err| format!("deserialise: {err}"))?;
    let reserialised = serde_json::to_value(&typed).map_err(|err| format!("serialise: {err}"))?;
    let mut ids = Vec::new();
    typed.ids("", &mut ids);
    Ok(Checked { reserialised, ids })
}

fn id(out: &mut Vec<(String, Option<String>)>, at: &str, field: &str, value: Option<impl Display>) {
    out.push((format!("{at}/{field}"), value.map(|v| v.to_string())));
}

/// Each typed id must equal the example's value at the same place (string or number form),
/// and a typed `None` means the example has none; at least one id must be present.
fn id_mismatches(example: &Value, ids: &[(String, Option<String>)], context: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (pointer, typed) in ids {
        let original = example
            .pointer(pointer)
            .filter(|v| !v.is_null())
            .map(|v| match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            });
        if original != *typed {
            out.push(format!(
                "{context}: id at {pointer} is {original:?} in the example, {typed:?} typed"
            ));
        }
    }
    if !ids.is_empty() && ids.iter().all(|(_, typed)| typed.is_none()) {
        out.push(format!("{context}: no id survived ({ids:?})"));
    }
    out
}

impl<T: Typed> Typed for Collection<T> {
    fn ids(&self, at: &str, out: &mut Vec<(String, Option<String>)>) {
        for (i, item) in self.items.iter().enumerate() {
            item.ids(&format!("{at}/items/{i}"), out);
        }
    }
}

impl Typed for UserProto {
    fn ids(&self, at: &str, out: &mut Vec<(String, Option<String>)>) {
        id(out, at, "id", self.id);
        id(out, at, "company_id", self.company_id);
        id(out, at, "office_id", self.office_id);
        for (i, office) in self.admin_office_ids.iter().enumerate() {
            id(out, at, &format!("admin_office_ids/{i}"), Some(office));
        }
        for (i, group) in self.group_details.iter().enumerate() {
            id(
                out,
                at,
                &format!("group_details/{i}/group_id"),
                group.group_id,
            );
        }
    }
}

impl Typed for ContactProto {
    fn ids(&self, at: &str, out: &mut Vec<(String, Option<String>)>) {
        id(out, at, "id", self.id.as_ref());
        id(out, at, "owner_id", self.owner_id.as_ref());
    }
}

impl Typed for OfficeProto {
    fn ids(&self, at: &str, out: &mut Vec<(String, Option<String>)>) {
        id(out, at, "id", self.id);
        id(out, at, "office_id", self.office_id);
        routing_ids(
            self.routing_options.as_ref(),
            &format!("{at}/routing_options"),
            out,
        );
    }
}

impl Typed for CompanyProto {
    fn ids(&self, at: &str, out: &mut Vec<(String, Option<String>)>) {
        id(out, at, "id", self.id);
    }
}

impl Typed for CallProto {
    fn ids(&self, at: &str, out: &mut Vec<(String, Option<String>)>) {
        id(out, at, "call_id", self.call_id);
        id(out, at, "entry_point_call_id", self.entry_point_call_id);
        id(out, at, "master_call_id", self.master_call_id);
        id(out, at, "operator_call_id", self.operator_call_id);
        let parties = [
            ("contact", &self.contact),
            ("target", &self.target),
            ("proxy_target", &self.proxy_target),
            ("entry_point_target", &self.entry_point_target),
        ];
        for (field, party) in parties {
            let party_id = party
                .as_ref()
                .and_then(|p: &CallContactProto| p.id.as_ref());
            id(out, at, &format!("{field}/id"), party_id);
        }
    }
}

impl Typed for TranscriptProto {
    fn ids(&self, at: &str, out: &mut Vec<(String, Option<String>)>) {
        id(out, at, "call_id", self.call_id);
        for (i, line) in self.lines.iter().enumerate() {
            id(out, at, &format!("lines/{i}/user_id"), line.user_id);
            id(
                out,
                at,
                &format!("lines/{i}/contact_id"),
                line.contact_id.as_ref(),
            );
        }
    }
}

impl Typed for TranscriptUrlProto {
    fn ids(&self, at: &str, out: &mut Vec<(String, Option<String>)>) {
        id(out, at, "call_id", self.call_id);
    }
}

impl Typed for CallCenterProto {
    fn ids(&self, at: &str, out: &mut Vec<(String, Option<String>)>) {
        id(out, at, "id", self.id);
        id(out, at, "office_id", self.office_id);
        routing_ids(
            self.routing_options.as_ref(),
            &format!("{at}/routing_options"),
            out,
        );
    }
}

fn routing_ids(
    routing: Option<&RoutingOptions>,
    at: &str,
    out: &mut Vec<(String, Option<String>)>,
) {
    let Some(routing) = routing else { return };
    for (when, inner) in [("open", &routing.open), ("closed", &routing.closed)] {
        let Some(inner) = inner else { continue };
        id(
            out,
            at,
            &format!("{when}/action_target_id"),
            inner.action_target_id,
        );
        for (i, dtmf) in inner.dtmf.iter().enumerate() {
            let target = dtmf.options.as_ref().and_then(|o| o.action_target_id);
            id(
                out,
                at,
                &format!("{when}/dtmf/{i}/options/action_target_id"),
                target,
            );
        }
    }
}

impl Typed for OperatorCollection {
    fn ids(&self, at: &str, out: &mut Vec<(String, Option<String>)>) {
        for (i, user) in self.users.iter().enumerate() {
            user.ids(&format!("{at}/users/{i}"), out);
        }
        for (i, room) in self.rooms.iter().enumerate() {
            id(out, at, &format!("rooms/{i}/id"), room.id);
        }
    }
}

impl Typed for UserOrRoomProto {
    fn ids(&self, at: &str, out: &mut Vec<(String, Option<String>)>) {
        id(out, at, "id", self.id);
        id(out, at, "company_id", self.company_id);
        id(out, at, "office_id", self.office_id);
    }
}

impl Typed for WebhookProto {
    fn ids(&self, at: &str, out: &mut Vec<(String, Option<String>)>) {
        id(out, at, "id", self.id);
    }
}

fn webhook_id(webhook: Option<&WebhookProto>, at: &str, out: &mut Vec<(String, Option<String>)>) {
    id(out, at, "webhook/id", webhook.and_then(|w| w.id));
}

impl Typed for CallEventSubscriptionProto {
    fn ids(&self, at: &str, out: &mut Vec<(String, Option<String>)>) {
        id(out, at, "id", self.id);
        id(out, at, "target_id", self.target_id);
        webhook_id(self.webhook.as_ref(), at, out);
    }
}

impl Typed for ContactEventSubscriptionProto {
    fn ids(&self, at: &str, out: &mut Vec<(String, Option<String>)>) {
        id(out, at, "id", self.id);
        webhook_id(self.webhook.as_ref(), at, out);
    }
}

impl Typed for ChangeLogEventSubscriptionProto {
    fn ids(&self, at: &str, out: &mut Vec<(String, Option<String>)>) {
        id(out, at, "id", self.id);
        webhook_id(self.webhook.as_ref(), at, out);
    }
}

impl Typed for AgentStatusEventSubscriptionProto {
    fn ids(&self, at: &str, out: &mut Vec<(String, Option<String>)>) {
        id(out, at, "id", self.id);
        webhook_id(self.webhook.as_ref(), at, out);
    }
}

impl Typed for StatsProto {
    fn ids(&self, _at: &str, _out: &mut Vec<(String, Option<String>)>) {}
}

fn spec_dir() -> PathBuf {
    std::env::var_os("PATCHBAY_DIALPAD_SPEC_DIR").map_or_else(
        || {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../../shared/dialpad"
            ))
        },
        PathBuf::from,
    )
}

fn load(file: &str) -> Value {
    let path = spec_dir().join(file);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|err| panic!("cannot read {}: {err}", path.display()));
    serde_json::from_str(&text)
        .unwrap_or_else(|err| panic!("{} is not JSON: {err}", path.display()))
}

fn examples() -> &'static Value {
    static EXAMPLES: OnceLock<Value> = OnceLock::new();
    EXAMPLES.get_or_init(|| load("examples.json"))
}

fn spec() -> &'static Value {
    static SPEC: OnceLock<Value> = OnceLock::new();
    SPEC.get_or_init(|| load("openapi.json"))
}

/// The `response_200` example of `key` in each spec version that has one.
fn examples_for(key: &str) -> Vec<(&'static str, &'static Value)> {
    VERSIONS
        .iter()
        .filter_map(|version| {
            let example = examples()
                .get(version)?
                .get(key)?
                .pointer("/response_200/json_example/value")?;
            Some((*version, example))
        })
        .collect()
}

fn schema_named(name: &str) -> &'static Value {
    spec()
        .pointer("/components/schemas")
        .and_then(|schemas| schemas.get(name))
        .unwrap_or_else(|| panic!("no schema {name} in openapi.json"))
}

/// `value` limited to the keys its spec schema declares, recursively through `$ref`s, arrays
/// and `anyOf`/`oneOf`; free-form objects are kept whole.
fn restrict(value: &Value, schema: &Value) -> Value {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let name = reference.trim_start_matches("#/components/schemas/");
        return restrict(value, schema_named(name));
    }
    if let Some(alternatives) = schema.get("anyOf").or_else(|| schema.get("oneOf")) {
        let usable = alternatives
            .as_array()
            .into_iter()
            .flatten()
            .find(|alt| alt.get("type").and_then(Value::as_str) != Some("null"));
        return usable.map_or_else(|| value.clone(), |alt| restrict(value, alt));
    }
    match (value, schema.get("properties"), schema.get("items")) {
        (Value::Object(object), Some(Value::Object(properties)), _) => Value::Object(
            object
                .iter()
                .filter_map(|(key, v)| Some((key.clone(), restrict(v, properties.get(key)?))))
                .collect(),
        ),
        (Value::Array(items), _, Some(item_schema)) => Value::Array(
            items
                .iter()
                .map(|item| restrict(item, item_schema))
                .collect(),
        ),
        _ => value.clone(),
    }
}

/// Dialpad omits what is null or empty and writes int64s as strings or numbers: drop nulls and
/// empty lists, and write every integer as its decimal string, so equal data compares equal.
fn normalise(value: &Value) -> Value {
    match value {
        Value::Object(object) => Value::Object(
            object
                .iter()
                .filter(|(_, v)| !v.is_null() && v.as_array().is_none_or(|a| !a.is_empty()))
                .map(|(k, v)| (k.clone(), normalise(v)))
                .collect::<Map<_, _>>(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(normalise).collect()),
        Value::Number(n) if n.is_i64() || n.is_u64() => Value::String(n.to_string()),
        other => other.clone(),
    }
}

fn first_difference(before: &Value, after: &Value, at: &str) -> Option<String> {
    match (before, after) {
        (Value::Object(a), Value::Object(b)) => {
            let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
            keys.sort();
            keys.dedup();
            keys.into_iter().find_map(|key| {
                let path = format!("{at}/{key}");
                match (a.get(key), b.get(key)) {
                    (Some(x), Some(y)) => first_difference(x, y, &path),
                    (x, y) => Some(format!("{path}: {x:?} became {y:?}")),
                }
            })
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => a
            .iter()
            .zip(b)
            .enumerate()
            .find_map(|(i, (x, y))| first_difference(x, y, &format!("{at}/{i}"))),
        _ if before == after => None,
        _ => Some(format!("{at}: {before} became {after}")),
    }
}
