//! One seeded company's people and places: its offices, users (some admins, some
//! suspended, some pending), call centers with operators, and shared and local
//! contacts. Calls come after, from `calls.rs`, once everyone they involve exists.

use chrono::{DateTime, Utc};

use super::Rng;
use super::Sizes;
use super::data::{
    COMPANY_NAMES, FIRST_NAMES, JOB_TITLES, LAST_NAMES, OFFICES, URL_HOSTS, contact_id,
    external_number, office_number, user_number,
};
use crate::ids::naive_iso;
use crate::world::{
    CallCenter, Company, CompanyProto, Contact, GroupDetails, Office, User, VoicemailSettings,
    World, display_name,
};

/// A company with its offices, users, call centers and contacts (no calls yet), and
/// its contact ids in the order they were made.
pub(super) fn build(
    world: &mut World,
    rng: &mut Rng,
    n: usize,
    company_id: i64,
    sizes: Sizes,
    anchor: DateTime<Utc>,
) -> (Company, Vec<String>) {
    let name = COMPANY_NAMES[n % COMPANY_NAMES.len()].to_owned();
    let domain = format!(
        "{}{}.example.com",
        name.to_lowercase().replace(' ', "-"),
        if n >= COMPANY_NAMES.len() {
            n.to_string()
        } else {
            String::new()
        }
    );
    let mut company = Company::default();
    company.proto = CompanyProto {
        id: company_id,
        name,
        domain: domain.clone(),
        admin_email: String::new(),
        country: "us".into(),
        account_type: "enterprise",
        state: "active",
        office_count: sizes.offices as i64,
    };
    offices(world, &mut company, n, sizes);
    users(world, &mut company, n, sizes, &domain, anchor);
    call_centers(world, &mut company, n);
    let contact_ids = contacts(world, rng, &mut company, n, sizes);
    (company, contact_ids)
}

fn offices(world: &mut World, company: &mut Company, n: usize, sizes: Sizes) {
    for (i, (city, country, tz, area)) in OFFICES.iter().take(sizes.offices).enumerate() {
        let id = world.next_id();
        let hours = vec!["08:00".to_owned(), "18:00".to_owned()];
        company.offices.insert(
            id,
            Office {
                id,
                office_id: id,
                name: format!("{} {city}", company.proto.name),
                country: (*country).into(),
                timezone: (*tz).into(),
                phone_numbers: vec![office_number(area, n, i)],
                is_primary_office: i == 0,
                state: "active".into(),
                availability_status: "open",
                first_action: "operators",
                no_operators_action: "voicemail",
                ring_seconds: 30,
                monday_hours: hours.clone(),
                tuesday_hours: hours.clone(),
                wednesday_hours: hours.clone(),
                thursday_hours: hours.clone(),
                friday_hours: hours,
                saturday_hours: Vec::new(),
                sunday_hours: Vec::new(),
                e911_address: None,
                company_id: company.id(),
                hours_on: true,
            },
        );
    }
}

fn users(
    world: &mut World,
    company: &mut Company,
    n: usize,
    sizes: Sizes,
    domain: &str,
    anchor: DateTime<Utc>,
) {
    let office_ids: Vec<i64> = company.offices.keys().copied().collect();
    let company_added = anchor - chrono::Duration::days(400);
    for i in 0..sizes.users {
        let id = world.next_id();
        let office_id = office_ids[i % office_ids.len()];
        let office = &company.offices[&office_id];
        let first = FIRST_NAMES[i % FIRST_NAMES.len()];
        let last = LAST_NAMES[(i / FIRST_NAMES.len() + i * 7) % LAST_NAMES.len()];
        let email = format!(
            "{}.{}{}@{domain}",
            first.to_lowercase(),
            last.to_lowercase().replace([' ', '-'], ""),
            if i >= FIRST_NAMES.len() {
                i.to_string()
            } else {
                String::new()
            }
        );
        let is_admin = i == 0 || i % 9 == 4;
        let state = if i > 0 && i % 7 == 3 {
            "suspended"
        } else if i > 0 && i % 13 == 6 {
            "pending"
        } else {
            "active"
        };
        let added = company_added + chrono::Duration::days((i % 300) as i64);
        let area = OFFICES[office_ids.iter().position(|o| *o == office_id).unwrap_or(0)].3;
        let user = User {
            id,
            company_id: company.id(),
            office_id,
            admin_office_ids: if is_admin {
                vec![office_id]
            } else {
                Vec::new()
            },
            country: office.country.clone(),
            date_active: (state == "active").then(|| naive_iso(added + chrono::Duration::hours(2))),
            date_added: naive_iso(added),
            date_first_login: (state != "pending")
                .then(|| naive_iso(added + chrono::Duration::hours(1))),
            display_name: display_name(first, last),
            do_not_disturb: false,
            emails: vec![email],
            extension: Some(format!("{}", 100 + i)),
            first_name: first.into(),
            forwarding_numbers: Vec::new(),
            group_details: vec![GroupDetails {
                do_not_disturb: false,
                group_id: office_id,
                group_type: "office",
                role: if is_admin { "admin" } else { "operator" },
            }],
            image_url: format!("https://sandbox.dialpad.invalid/avatar/user/{id}.png"),
            international_dialing_enabled: i % 3 == 0,
            is_admin,
            is_available: state == "active",
            is_on_duty: false,
            is_online: false,
            is_super_admin: i == 0,
            job_title: Some(JOB_TITLES[i % JOB_TITLES.len()].into()),
            language: if office.country == "ca" && i % 2 == 1 {
                "fr".into()
            } else {
                "en".into()
            },
            last_name: last.into(),
            license: if i % 5 == 2 {
                "agents".into()
            } else {
                "talk".into()
            },
            muted: false,
            on_duty_status: Some("unavailable"),
            onboarding_completed: state != "pending",
            phone_numbers: vec![user_number(area, n, i)],
            state: state.into(),
            status_message: String::new(),
            timezone: office.timezone.clone(),
            voicemail: VoicemailSettings {
                is_default_voicemail: true,
                name: "default".into(),
                voicemail_notifications_enabled: true,
            },
        };
        if i == 0 {
            company.proto.admin_email = user.emails[0].clone();
        }
        company.users.insert(id, user);
    }
}

/// One call center per office, plus a sales line at the primary office, each with
/// up to six of the office's non-pending users as operators.
fn call_centers(world: &mut World, company: &mut Company, n: usize) {
    let office_ids: Vec<i64> = company.offices.keys().copied().collect();
    let mut centers = Vec::new();
    for (i, office_id) in office_ids.iter().enumerate() {
        centers.push((
            *office_id,
            format!("{} Support", company.offices[office_id].name),
            i,
        ));
    }
    centers.push((
        office_ids[0],
        format!("{} Sales", company.proto.name),
        office_ids.len(),
    ));
    for (office_id, name, i) in centers {
        let id = world.next_id();
        let office = &company.offices[&office_id];
        let operators: Vec<i64> = company
            .users
            .values()
            .filter(|u| u.office_id == office_id && u.state != "pending")
            .map(|u| u.id)
            .take(6)
            .collect();
        let (country, timezone) = (office.country.clone(), office.timezone.clone());
        for op in &operators {
            if let Some(user) = company.users.get_mut(op) {
                user.group_details.push(GroupDetails {
                    do_not_disturb: false,
                    group_id: id,
                    group_type: "callcenter",
                    role: "operator",
                });
            }
        }
        company.call_centers.insert(
            id,
            CallCenter {
                id,
                office_id,
                name,
                country,
                timezone,
                phone_numbers: vec![office_number("800", n, 50 + i)],
                state: "active",
                availability_status: "open",
                hours_on: false,
                ring_seconds: 30,
                first_action: "operators",
                no_operators_action: "voicemail",
                group_description: "Seeded call center".into(),
                operators,
            },
        );
    }
}

/// Shared contacts first, then local ones, each owned by a random user.
fn contacts(
    world: &mut World,
    rng: &mut Rng,
    company: &mut Company,
    n: usize,
    sizes: Sizes,
) -> Vec<String> {
    let user_ids: Vec<i64> = company.users.keys().copied().collect();
    let total = sizes.shared_contacts + sizes.local_contacts;
    let mut ids = Vec::with_capacity(total);
    for i in 0..total {
        let id = contact_id(world.next_id());
        let shared = i < sizes.shared_contacts;
        let first = *rng.pick(FIRST_NAMES);
        let last = *rng.pick(LAST_NAMES);
        let phone = external_number(n, i);
        let company_name = rng
            .chance(70)
            .then(|| format!("{} Customer {}", rng.pick(COMPANY_NAMES), i % 97));
        let mut emails = Vec::new();
        if rng.chance(85) {
            emails.push(format!(
                "{}.{}{}@{}",
                first.to_lowercase(),
                last.to_lowercase().replace([' ', '-'], ""),
                i,
                rng.pick(URL_HOSTS)
            ));
        }
        if rng.chance(15) {
            emails.push(format!(
                "{}{}@{}",
                first.to_lowercase(),
                i,
                rng.pick(URL_HOSTS)
            ));
        }
        let mut phones = vec![phone];
        if rng.chance(20) {
            phones.push(external_number(n + 7, i));
        }
        let mut contact = Contact {
            id,
            kind: if shared { "shared" } else { "local" },
            first_name: first.into(),
            last_name: last.into(),
            display_name: String::new(),
            company_name,
            job_title: rng.chance(50).then(|| (*rng.pick(JOB_TITLES)).to_owned()),
            emails,
            primary_email: None,
            phones,
            primary_phone: None,
            urls: if rng.chance(30) {
                vec![format!("https://{}/{}", rng.pick(URL_HOSTS), i)]
            } else {
                Vec::new()
            },
            extension: None,
            trunk_group: None,
            owner_id: (!shared).then(|| *rng.pick(&user_ids)),
        };
        contact.refresh_derived();
        ids.push(contact.id.clone());
        company.insert_contact(contact);
    }
    ids
}
