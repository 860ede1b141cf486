//! How the golden test reads a typed value: the `Typed` trait, implemented for every response
//! type in the table, lists each id a type models with the JSON pointer where the example
//! holds it, so the test can check that no id is lost or altered on the way in.

use std::fmt::Display;

use patchbay_dialpad::types::Collection;
use patchbay_dialpad::types::call_actions::{InitiatedCallProto, RingCallProto};
use patchbay_dialpad::types::call_centers::{
    CallCenterProto, OperatorCollection, RoomProto, UserOrRoomProto,
};
use patchbay_dialpad::types::calls::{CallContactProto, CallProto};
use patchbay_dialpad::types::company::CompanyProto;
use patchbay_dialpad::types::contacts::ContactProto;
use patchbay_dialpad::types::offices::{E911GetProto, OfficeProto, OfficeUpdateResponse};
use patchbay_dialpad::types::plan::PlanProto;
use patchbay_dialpad::types::routing::RoutingOptions;
use patchbay_dialpad::types::stats::{ProcessingProto, StatsProto};
use patchbay_dialpad::types::subscriptions::{
    AgentStatusEventSubscriptionProto, CallEventSubscriptionProto, ChangeLogEventSubscriptionProto,
    ContactEventSubscriptionProto,
};
use patchbay_dialpad::types::transcripts::{TranscriptProto, TranscriptUrlProto};
use patchbay_dialpad::types::users::UserProto;
use patchbay_dialpad::types::webhooks::{WebhookProto, WebsocketProto};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// `(JSON pointer, typed value as text)` of each modelled id.
pub type Ids = Vec<(String, Option<String>)>;

pub trait Typed: DeserializeOwned + Serialize {
    /// Pushes `(pointer under at, typed value)` for each id field the type models.
    fn ids(&self, at: &str, out: &mut Ids);
}

fn id(out: &mut Ids, at: &str, field: &str, value: Option<impl Display>) {
    out.push((format!("{at}/{field}"), value.map(|v| v.to_string())));
}

/// Types without ids.
macro_rules! no_ids {
    ($($ty:ty),+) => {$(
        impl Typed for $ty {
            fn ids(&self, _at: &str, _out: &mut Ids) {}
        }
    )+};
}

no_ids!(StatsProto, ProcessingProto, E911GetProto, PlanProto);

impl<T: Typed> Typed for Collection<T> {
    fn ids(&self, at: &str, out: &mut Ids) {
        for (i, item) in self.items.iter().enumerate() {
            item.ids(&format!("{at}/items/{i}"), out);
        }
    }
}

impl Typed for UserProto {
    fn ids(&self, at: &str, out: &mut Ids) {
        id(out, at, "id", self.id);
        id(out, at, "company_id", self.company_id);
        id(out, at, "office_id", self.office_id);
        for (i, office) in self.admin_office_ids.iter().enumerate() {
            id(out, at, &format!("admin_office_ids/{i}"), Some(office));
        }
        for (i, group) in self.group_details.iter().enumerate() {
            let field = format!("group_details/{i}/group_id");
            id(out, at, &field, group.group_id);
        }
    }
}

impl Typed for ContactProto {
    fn ids(&self, at: &str, out: &mut Ids) {
        id(out, at, "id", self.id.as_ref());
        id(out, at, "owner_id", self.owner_id.as_ref());
    }
}

impl Typed for OfficeProto {
    fn ids(&self, at: &str, out: &mut Ids) {
        id(out, at, "id", self.id);
        id(out, at, "office_id", self.office_id);
        let routing = format!("{at}/routing_options");
        routing_ids(self.routing_options.as_ref(), &routing, out);
    }
}

impl Typed for CompanyProto {
    fn ids(&self, at: &str, out: &mut Ids) {
        id(out, at, "id", self.id);
    }
}

impl Typed for CallProto {
    fn ids(&self, at: &str, out: &mut Ids) {
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

impl Typed for InitiatedCallProto {
    fn ids(&self, at: &str, out: &mut Ids) {
        let device = self.device.as_ref();
        id(out, at, "device/id", device.and_then(|d| d.id.as_ref()));
        id(out, at, "device/user_id", device.and_then(|d| d.user_id));
    }
}

impl Typed for TranscriptProto {
    fn ids(&self, at: &str, out: &mut Ids) {
        id(out, at, "call_id", self.call_id);
        for (i, line) in self.lines.iter().enumerate() {
            id(out, at, &format!("lines/{i}/user_id"), line.user_id);
            let contact = line.contact_id.as_ref();
            id(out, at, &format!("lines/{i}/contact_id"), contact);
        }
    }
}

impl Typed for TranscriptUrlProto {
    fn ids(&self, at: &str, out: &mut Ids) {
        id(out, at, "call_id", self.call_id);
    }
}

impl Typed for CallCenterProto {
    fn ids(&self, at: &str, out: &mut Ids) {
        id(out, at, "id", self.id);
        id(out, at, "office_id", self.office_id);
        let routing = format!("{at}/routing_options");
        routing_ids(self.routing_options.as_ref(), &routing, out);
    }
}

fn routing_ids(routing: Option<&RoutingOptions>, at: &str, out: &mut Ids) {
    let Some(routing) = routing else { return };
    for (when, inner) in [("open", &routing.open), ("closed", &routing.closed)] {
        let Some(inner) = inner else { continue };
        let target = format!("{when}/action_target_id");
        id(out, at, &target, inner.action_target_id);
        for (i, dtmf) in inner.dtmf.iter().enumerate() {
            let target = dtmf.options.as_ref().and_then(|o| o.action_target_id);
            let field = format!("{when}/dtmf/{i}/options/action_target_id");
            id(out, at, &field, target);
        }
    }
}

impl Typed for OperatorCollection {
    fn ids(&self, at: &str, out: &mut Ids) {
        for (i, user) in self.users.iter().enumerate() {
            user.ids(&format!("{at}/users/{i}"), out);
        }
        for (i, room) in self.rooms.iter().enumerate() {
            room.ids(&format!("{at}/rooms/{i}"), out);
        }
    }
}

impl Typed for RoomProto {
    fn ids(&self, at: &str, out: &mut Ids) {
        id(out, at, "id", self.id);
        id(out, at, "company_id", self.company_id);
        id(out, at, "office_id", self.office_id);
    }
}

impl Typed for UserOrRoomProto {
    fn ids(&self, at: &str, out: &mut Ids) {
        id(out, at, "id", self.id);
        id(out, at, "company_id", self.company_id);
        id(out, at, "office_id", self.office_id);
    }
}

impl Typed for WebhookProto {
    fn ids(&self, at: &str, out: &mut Ids) {
        id(out, at, "id", self.id);
    }
}

impl Typed for WebsocketProto {
    fn ids(&self, at: &str, out: &mut Ids) {
        id(out, at, "id", self.id);
    }
}

fn webhook_id(webhook: Option<&WebhookProto>, at: &str, out: &mut Ids) {
    id(out, at, "webhook/id", webhook.and_then(|w| w.id));
}

impl Typed for CallEventSubscriptionProto {
    fn ids(&self, at: &str, out: &mut Ids) {
        id(out, at, "id", self.id);
        id(out, at, "target_id", self.target_id);
        webhook_id(self.webhook.as_ref(), at, out);
    }
}

impl Typed for ContactEventSubscriptionProto {
    fn ids(&self, at: &str, out: &mut Ids) {
        id(out, at, "id", self.id);
        webhook_id(self.webhook.as_ref(), at, out);
    }
}

impl Typed for ChangeLogEventSubscriptionProto {
    fn ids(&self, at: &str, out: &mut Ids) {
        id(out, at, "id", self.id);
        webhook_id(self.webhook.as_ref(), at, out);
    }
}

impl Typed for AgentStatusEventSubscriptionProto {
    fn ids(&self, at: &str, out: &mut Ids) {
        id(out, at, "id", self.id);
        webhook_id(self.webhook.as_ref(), at, out);
    }
}

impl Typed for OfficeUpdateResponse {
    fn ids(&self, at: &str, out: &mut Ids) {
        if let Some(office) = &self.office {
            office.ids(&format!("{at}/office"), out);
        }
    }
}

impl Typed for RingCallProto {
    fn ids(&self, at: &str, out: &mut Ids) {
        id(out, at, "call_id", self.call_id);
    }
}
