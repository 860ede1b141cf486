//! Contacts, and the company's indexes of them (by owner, for the contacts list's
//! `owner_id`; by phone number, for matching a call's number), which every write goes
//! through so that they never drift from the contacts themselves.

use std::ops::Bound;

use serde::Serialize;

use super::{Company, display_name};
use crate::ids::ser_opt_i64;

#[derive(Debug, Clone, Serialize)]
pub struct Contact {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub first_name: String,
    pub last_name: String,
    pub display_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job_title: Option<String>,
    pub emails: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub primary_email: Option<String>,
    pub phones: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub primary_phone: Option<String>,
    pub urls: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extension: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trunk_group: Option<String>,
    #[serde(
        serialize_with = "ser_opt_i64",
        skip_serializing_if = "Option::is_none"
    )]
    pub owner_id: Option<i64>,
}

impl Contact {
    /// Recomputes the fields Dialpad derives from the others.
    pub fn refresh_derived(&mut self) {
        self.display_name = display_name(&self.first_name, &self.last_name);
        self.primary_email = self.emails.first().cloned();
        self.primary_phone = self.phones.first().cloned();
    }
}

impl Company {
    /// Files a contact (replacing the one with its id) and indexes it; answers the
    /// replaced one.
    pub fn insert_contact(&mut self, contact: Contact) -> Option<Contact> {
        let old = self.remove_contact(&contact.id);
        if let Some(owner) = contact.owner_id {
            self.owner_index
                .entry(owner)
                .or_default()
                .insert(contact.id.clone());
        }
        for phone in &contact.phones {
            let ids = self.phone_index.entry(phone.clone()).or_default();
            if let Err(at) = ids.binary_search(&contact.id) {
                ids.insert(at, contact.id.clone());
            }
        }
        self.contacts.insert(contact.id.clone(), contact);
        old
    }

    /// Removes a contact and its index entries.
    pub fn remove_contact(&mut self, id: &str) -> Option<Contact> {
        let contact = self.contacts.remove(id)?;
        if let Some(owner) = contact.owner_id
            && let Some(ids) = self.owner_index.get_mut(&owner)
        {
            ids.remove(id);
            if ids.is_empty() {
                self.owner_index.remove(&owner);
            }
        }
        for phone in &contact.phones {
            if let Some(ids) = self.phone_index.get_mut(phone) {
                ids.retain(|c| c != id);
                if ids.is_empty() {
                    self.phone_index.remove(phone);
                }
            }
        }
        Some(contact)
    }

    /// The local contacts of `owner` whose ids come after `after`, in id order.
    pub fn contacts_of_owner<'a>(
        &'a self,
        owner: i64,
        after: Bound<&'a str>,
    ) -> impl Iterator<Item = &'a Contact> + 'a {
        self.owner_index
            .get(&owner)
            .into_iter()
            .flat_map(move |ids| ids.range::<str, _>((after, Bound::Unbounded)))
            .filter_map(|id| self.contacts.get(id))
    }

    /// Every contact with this phone number, in id order.
    pub fn contacts_by_phone<'a>(&'a self, phone: &str) -> impl Iterator<Item = &'a Contact> + 'a {
        self.phone_index
            .get(phone)
            .into_iter()
            .flatten()
            .filter_map(|id| self.contacts.get(id))
    }

    /// The first contact (in id order) with this phone number.
    pub fn contact_by_phone(&self, phone: &str) -> Option<&Contact> {
        self.contacts_by_phone(phone).next()
    }

    /// The first contact with this phone number that `user_id` can see: a shared
    /// contact or one of the user's own local contacts (Dialpad never matches another
    /// user's local contact).
    pub fn contact_by_phone_for(&self, phone: &str, user_id: i64) -> Option<&Contact> {
        self.contacts_by_phone(phone)
            .find(|c| c.kind == "shared" || c.owner_id == Some(user_id))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn contact(id: &str, owner: Option<i64>, phones: &[&str]) -> Contact {
        Contact {
            id: id.into(),
            kind: if owner.is_some() { "local" } else { "shared" },
            first_name: "A".into(),
            last_name: "B".into(),
            display_name: String::new(),
            company_name: None,
            job_title: None,
            emails: Vec::new(),
            primary_email: None,
            phones: phones.iter().map(|p| (*p).to_owned()).collect(),
            primary_phone: None,
            urls: Vec::new(),
            extension: None,
            trunk_group: None,
            owner_id: owner,
        }
    }

    fn ids<'a>(contacts: impl Iterator<Item = &'a Contact>) -> Vec<&'a str> {
        contacts.map(|c| c.id.as_str()).collect()
    }

    #[test]
    fn contact_indexes_follow_inserts_replacements_and_removals() {
        let mut company = Company::default();
        company.insert_contact(contact("b", Some(7), &["+1555"]));
        company.insert_contact(contact("a", None, &["+1555", "+1666"]));
        company.insert_contact(contact("c", Some(7), &[]));
        company.insert_contact(contact("d", Some(8), &["+1555"]));
        assert_eq!(ids(company.contacts_by_phone("+1555")), ["a", "b", "d"]);
        assert_eq!(company.contact_by_phone("+1666").unwrap().id, "a");
        // User 8 sees the shared contact first; another user's local one never.
        assert_eq!(company.contact_by_phone_for("+1555", 8).unwrap().id, "a");
        company.remove_contact("a");
        assert_eq!(company.contact_by_phone_for("+1555", 8).unwrap().id, "d");
        assert!(company.contact_by_phone_for("+1555", 9).is_none());
        assert!(company.contact_by_phone("+1666").is_none());
        assert_eq!(
            ids(company.contacts_of_owner(7, Bound::Unbounded)),
            ["b", "c"]
        );
        assert_eq!(
            ids(company.contacts_of_owner(7, Bound::Excluded("b"))),
            ["c"]
        );
        // Replacing moves the contact in both indexes.
        company.insert_contact(contact("b", Some(8), &["+1777"]));
        assert_eq!(ids(company.contacts_of_owner(7, Bound::Unbounded)), ["c"]);
        assert_eq!(
            ids(company.contacts_of_owner(8, Bound::Unbounded)),
            ["b", "d"]
        );
        assert_eq!(ids(company.contacts_by_phone("+1555")), ["d"]);
        assert_eq!(ids(company.contacts_by_phone("+1777")), ["b"]);
    }
}
