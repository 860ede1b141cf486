//! The deterministic data set: the same seed and size always give the same
//! companies, offices, users, contacts, call centers, calls and credentials.
//! Timestamps are laid out backwards from an anchor instant (by default the start of
//! the current UTC day), so the data looks recent while staying reproducible.

use std::collections::HashMap;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};

use crate::ids::naive_iso;
use crate::world::{
    Call, CallCenter, CallParty, Company, CompanyProto, Contact, GroupDetails, Office, Outcome,
    RecordingDetails, User, VoicemailSettings, World,
};

/// Small, fast, reproducible generator (SplitMix64). Not for secrets.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed ^ 0x9E37_79B9_7F4A_7C15)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    pub fn hex(&mut self, bytes: usize) -> String {
        let mut out = String::with_capacity(bytes * 2);
        while out.len() < bytes * 2 {
            out.push_str(&format!("{:016x}", self.next_u64()));
        }
        out.truncate(bytes * 2);
        out
    }
}

pub const FIRST_NAMES: &[&str] = &[
    "Ada",
    "Grace",
    "Alan",
    "Edsger",
    "Barbara",
    "Donald",
    "Frances",
    "Ken",
    "Radia",
    "Tim",
    "Margaret",
    "Linus",
    "Hedy",
    "John",
    "Katherine",
    "Dennis",
    "Sophie",
    "Niklaus",
    "Leslie",
    "Anita",
    "Vint",
    "Shafi",
    "Guido",
    "Yukihiro",
    "Lin",
    "Fernando",
    "Amara",
    "Chen",
    "Priya",
    "Mateo",
];
pub const LAST_NAMES: &[&str] = &[
    "Lovelace",
    "Hopper",
    "Turing",
    "Dijkstra",
    "Liskov",
    "Knuth",
    "Allen",
    "Thompson",
    "Perlman",
    "Berners-Lee",
    "Hamilton",
    "Torvalds",
    "Lamarr",
    "McCarthy",
    "Johnson",
    "Ritchie",
    "Wilson",
    "Wirth",
    "Lamport",
    "Borg",
    "Cerf",
    "Goldwasser",
    "van Rossum",
    "Matsumoto",
    "Wei",
    "Corbató",
    "Okafor",
    "Zhang",
    "Raman",
    "García",
];
const COMPANY_NAMES: &[&str] = &[
    "Acme Logistics",
    "Globex",
    "Initech",
    "Umbrella Health",
    "Hooli",
    "Vandelay Industries",
    "Stark Freight",
    "Wayne Foods",
    "Tyrell Labs",
    "Cyberdyne Legal",
];
const JOB_TITLES: &[&str] = &[
    "Account Executive",
    "Support Engineer",
    "Sales Manager",
    "Customer Success Manager",
    "Office Manager",
    "CTO",
    "Recruiter",
    "Operations Lead",
];
/// (office name, country, timezone, area code)
const OFFICES: &[(&str, &str, &str, &str)] = &[
    ("San Francisco", "us", "US/Pacific", "415"),
    ("New York", "us", "US/Eastern", "212"),
    ("Vancouver", "ca", "Canada/Pacific", "604"),
    ("London", "gb", "Europe/London", "44"),
    ("Chicago", "us", "US/Central", "312"),
    ("Austin", "us", "US/Central", "512"),
    ("Seattle", "us", "US/Pacific", "206"),
    ("Toronto", "ca", "Canada/Eastern", "416"),
    ("Denver", "us", "US/Mountain", "303"),
    ("Boston", "us", "US/Eastern", "617"),
];
const EXTERNAL_AREAS: &[&str] = &["646", "718", "917", "323", "619", "702", "305", "404"];
const LABELS: &[&str] = &["sales", "support", "billing", "follow-up", "escalation"];
const URL_HOSTS: &[&str] = &["example.com", "example.org", "example.net"];

/// Numbers of records per company for a given size knob.
#[derive(Debug, Clone, Copy)]
pub struct Sizes {
    pub offices: usize,
    pub users: usize,
    pub shared_contacts: usize,
    pub local_contacts: usize,
    pub calls: usize,
}

impl Sizes {
    pub fn for_size(size: u32) -> Self {
        let size = size as usize;
        let users = (size / 20).clamp(5, 2000);
        let offices = (2 + users / 100).min(OFFICES.len());
        let local_contacts = size / 5;
        Self {
            offices,
            users,
            shared_contacts: size - local_contacts,
            local_contacts,
            calls: size,
        }
    }
}

/// Credentials made for each seeded company.
#[derive(Clone)]
pub struct SeededKey {
    pub company_id: i64,
    pub user_id: i64,
    pub api_key: String,
}

/// The default OAuth app every seed registers.
#[derive(Clone)]
pub struct SeededApp {
    pub client_id: String,
    pub client_secret: String,
}

// The key and the client secret are the point of these types; `Debug` hides them.
impl std::fmt::Debug for SeededKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SeededKey")
            .field("company_id", &self.company_id)
            .field("user_id", &self.user_id)
            .field("api_key", &"***")
            .finish()
    }
}

impl std::fmt::Debug for SeededApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SeededApp")
            .field("client_id", &self.client_id)
            .field("client_secret", &"***")
            .finish()
    }
}

#[derive(Debug)]
pub struct Seeded {
    pub world: World,
    pub keys: Vec<SeededKey>,
    pub app: SeededApp,
}

/// Builds the whole data set. Company ids and credentials depend on the seed only,
/// not on the size, so reseeding with another size keeps every key working.
pub fn seed(seed: u64, size: u32, companies: u32, anchor: DateTime<Utc>) -> Seeded {
    let mut rng = Rng::new(seed);
    let mut credentials = Rng::new(seed.rotate_left(32) ^ 0x5EED_C4ED);
    let base = 4_000_000_000_000_000 + (rng.below(1_000_000_000_000) as i64) * 1000;
    let mut world = World::with_id_base(base);
    let company_ids: Vec<i64> = (0..companies.max(1)).map(|_| world.next_id()).collect();
    let mut keys = Vec::new();
    let sizes = Sizes::for_size(size);
    for (n, company_id) in company_ids.into_iter().enumerate() {
        let company = seed_company(&mut world, &mut rng, n, company_id, sizes, anchor);
        let admin = company.admin().map(|u| u.id).unwrap_or_default();
        keys.push(SeededKey {
            company_id: company.id(),
            user_id: admin,
            api_key: format!("dpsbx_{}", credentials.hex(20)),
        });
        world.companies.insert(company.id(), company);
    }
    let app = SeededApp {
        client_id: format!("dpclient_{}", credentials.hex(10)),
        client_secret: format!("dpsecret_{}", credentials.hex(24)),
    };
    Seeded { world, keys, app }
}

fn seed_company(
    world: &mut World,
    rng: &mut Rng,
    n: usize,
    company_id: i64,
    sizes: Sizes,
    anchor: DateTime<Utc>,
) -> Company {
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
    let mut company = Company {
        proto: CompanyProto {
            id: company_id,
            name,
            domain: domain.clone(),
            admin_email: String::new(),
            country: "us".into(),
            account_type: "enterprise",
            state: "active",
            office_count: sizes.offices as i64,
        },
        ..Company::default()
    };
    let company_added = anchor - chrono::Duration::days(400);

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
                company_id,
                hours_on: true,
            },
        );
    }
    let office_ids: Vec<i64> = company.offices.keys().copied().collect();
    let primary_office = office_ids[0];

    let mut user_ids = Vec::with_capacity(sizes.users);
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
            company_id,
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
            display_name: format!("{first} {last}"),
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
            on_duty_status: "unavailable",
            onboarding_completed: state != "pending",
            phone_numbers: vec![user_number(area, n, i)],
            state: state.into(),
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
        user_ids.push(id);
        company.users.insert(id, user);
    }
    let active_users: Vec<i64> = company
        .users
        .values()
        .filter(|u| u.state == "active")
        .map(|u| u.id)
        .collect();

    // Call centers: one per office, plus a sales line at the primary office.
    let mut centers = Vec::new();
    for (i, office_id) in office_ids.iter().enumerate() {
        centers.push((
            *office_id,
            format!("{} Support", company.offices[office_id].name),
            i,
        ));
    }
    centers.push((
        primary_office,
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
                country: office.country.clone(),
                timezone: office.timezone.clone(),
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

    let total_contacts = sizes.shared_contacts + sizes.local_contacts;
    let mut contact_ids = Vec::with_capacity(total_contacts);
    for i in 0..total_contacts {
        let id_num = world.next_id();
        let id = contact_id(id_num);
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
            id: id.clone(),
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
        contact_ids.push(id.clone());
        company.contacts.insert(id, contact);
    }

    // Who a call can involve: the user's own call centers, and shared contacts or the
    // user's own local contacts (Dialpad never matches another user's local contact).
    let mut centers_of: HashMap<i64, Vec<i64>> = HashMap::new();
    for center in company.call_centers.values() {
        for op in &center.operators {
            centers_of.entry(*op).or_default().push(center.id);
        }
    }
    let mut shared_ids = Vec::new();
    let mut locals_of: HashMap<i64, Vec<String>> = HashMap::new();
    for id in &contact_ids {
        let contact = &company.contacts[id];
        match contact.owner_id {
            Some(owner) => locals_of.entry(owner).or_default().push(id.clone()),
            None => shared_ids.push(id.clone()),
        }
    }

    // Concluded calls over the 90 days before the anchor, newest first by construction.
    let span_ms: i64 = 90 * 24 * 3600 * 1000;
    let anchor_ms = anchor.timestamp_millis();
    let step = (span_ms / sizes.calls.max(1) as i64).max(1);
    for i in 0..sizes.calls {
        let call_id = world.next_id();
        let jitter = rng.below(step as u64) as i64;
        let started = anchor_ms - (i as i64) * step - jitter - 60_000;
        let user_id = if active_users.is_empty() {
            user_ids[0]
        } else {
            *rng.pick(&active_users)
        };
        let inbound = rng.chance(55);
        let roll = rng.below(100);
        let outcome = if roll < 70 || (!inbound && roll < 85) {
            Outcome::Answered
        } else if !inbound || roll < 88 {
            Outcome::Missed
        } else {
            Outcome::Voicemail
        };
        let own_locals = locals_of.get(&user_id).filter(|l| !l.is_empty());
        let contact_id = if rng.chance(15) {
            None
        } else {
            match own_locals {
                Some(own) if rng.chance(20) || shared_ids.is_empty() => Some(rng.pick(own)),
                _ if !shared_ids.is_empty() => Some(rng.pick(&shared_ids)),
                _ => None,
            }
        };
        let contact = contact_id.and_then(|id| company.contacts.get(id));
        let external = contact
            .and_then(|c| c.primary_phone.clone())
            .unwrap_or_else(|| external_number(n + 3, 1_000_000 + i));
        let user = &company.users[&user_id];
        let own_centers = centers_of.get(&user_id).filter(|c| !c.is_empty());
        let call_center_id = match own_centers {
            Some(centers) if inbound && rng.chance(30) => Some(*rng.pick(centers)),
            _ => None,
        };
        let ring_ms = 2_000 + rng.below(15_000) as i64;
        let talk_ms = match outcome {
            Outcome::Answered => 15_000 + rng.below(900_000) as i64,
            Outcome::Voicemail => 5_000 + rng.below(60_000) as i64,
            Outcome::Missed => 0,
        };
        let recorded = outcome == Outcome::Answered && rng.chance(30);
        let labels = if rng.chance(25) {
            vec![(*rng.pick(LABELS)).to_owned()]
        } else {
            Vec::new()
        };
        let call = build_call(CallSpec {
            call_id,
            user,
            office_id: user.office_id,
            call_center: call_center_id.and_then(|id| company.call_centers.get(&id)),
            contact,
            external_number: external,
            inbound,
            outcome,
            started,
            ring_ms,
            talk_ms,
            recorded,
            labels,
            has_transcript: outcome == Outcome::Answered && talk_ms > 20_000 && rng.chance(70),
        });
        company.insert_concluded(call);
    }
    company
}

/// What a concluded call is made of.
#[derive(Debug)]
pub struct CallSpec<'a> {
    pub call_id: i64,
    pub user: &'a User,
    pub office_id: i64,
    pub call_center: Option<&'a CallCenter>,
    pub contact: Option<&'a Contact>,
    pub external_number: String,
    pub inbound: bool,
    pub outcome: Outcome,
    pub started: i64,
    pub ring_ms: i64,
    pub talk_ms: i64,
    pub recorded: bool,
    pub labels: Vec<String>,
    pub has_transcript: bool,
}

/// Lays out a concluded call the way Dialpad reports it.
pub fn build_call(spec: CallSpec<'_>) -> Call {
    let user = spec.user;
    let rang = spec.started + 300;
    let connected = (spec.outcome == Outcome::Answered).then_some(rang + spec.ring_ms);
    let ended = rang + spec.ring_ms + spec.talk_ms;
    let duration = (spec.outcome != Outcome::Missed).then_some(spec.talk_ms as f64);
    let internal_number = spec
        .call_center
        .and_then(|c| c.phone_numbers.first().cloned())
        .or_else(|| user.primary_phone().map(str::to_owned))
        .unwrap_or_default();
    let mut recording_details = Vec::new();
    let mut share_links = Vec::new();
    if spec.recorded {
        let url = format!("https://sandbox.dialpad.invalid/r/{}.mp3", spec.call_id);
        recording_details.push(RecordingDetails {
            duration: spec.talk_ms,
            id: format!("rec{}", spec.call_id),
            recording_type: "callrecording",
            start_time: connected.unwrap_or(rang),
            url: url.clone(),
        });
        share_links.push(url);
    }
    let voicemail_share_link = (spec.outcome == Outcome::Voicemail).then(|| {
        let url = format!("https://sandbox.dialpad.invalid/v/{}.mp3", spec.call_id);
        recording_details.push(RecordingDetails {
            duration: spec.talk_ms,
            id: format!("vm{}", spec.call_id),
            recording_type: "voicemail",
            start_time: rang + spec.ring_ms,
            url: url.clone(),
        });
        url
    });
    let state = match spec.outcome {
        Outcome::Answered => "hangup",
        Outcome::Missed => "missed",
        Outcome::Voicemail => "voicemail",
    };
    Call {
        call_id: spec.call_id,
        direction: if spec.inbound { "inbound" } else { "outbound" },
        state: state.into(),
        date_started: spec.started,
        date_rang: Some(rang),
        date_connected: connected,
        date_ended: Some(ended),
        duration,
        total_duration: Some((ended - spec.started) as f64),
        event_timestamp: ended,
        external_number: spec.external_number.clone(),
        internal_number,
        target: user_party(user),
        contact: contact_party(spec.contact, &spec.external_number),
        proxy_target: serde_json::Map::new(),
        entry_point_target: spec.call_center.map(|c| CallParty {
            email: String::new(),
            id: c.id.to_string(),
            name: c.name.clone(),
            phone: c.phone_numbers.first().cloned().unwrap_or_default(),
            kind: "callcenter".into(),
        }),
        entry_point_call_id: None,
        group_id: match spec.call_center {
            Some(c) => format!("CallCenter:{}", c.id),
            None => format!("Office:{}", spec.office_id),
        },
        is_transferred: false,
        was_recorded: spec.recorded,
        labels: spec.labels,
        recording_details,
        call_recording_share_links: share_links,
        voicemail_share_link,
        custom_data: None,
        user_id: user.id,
        office_id: spec.office_id,
        call_center_id: spec.call_center.map(|c| c.id),
        outcome: spec.outcome,
        has_transcript: spec.has_transcript,
    }
}

pub fn user_party(user: &User) -> CallParty {
    CallParty {
        email: user.primary_email().unwrap_or_default().to_owned(),
        id: user.id.to_string(),
        name: user.display_name.clone(),
        phone: user.primary_phone().unwrap_or_default().to_owned(),
        kind: "user".into(),
    }
}

/// The other party: a known contact, or a bare number Dialpad could not match.
pub fn contact_party(contact: Option<&Contact>, number: &str) -> CallParty {
    match contact {
        Some(c) => CallParty {
            email: c.primary_email.clone().unwrap_or_default(),
            id: c.id.clone(),
            name: c.display_name.clone(),
            phone: number.to_owned(),
            kind: c.kind.into(),
        },
        None => CallParty {
            email: String::new(),
            id: String::new(),
            name: number.to_owned(),
            phone: number.to_owned(),
            kind: "unknown".into(),
        },
    }
}

/// Opaque contact ids, shaped like Dialpad's URL-safe datastore keys.
pub fn contact_id(n: i64) -> String {
    let mut raw = b"Contact".to_vec();
    raw.extend_from_slice(&n.to_be_bytes());
    format!("ag5z{}", URL_SAFE_NO_PAD.encode(raw))
}

fn office_number(area: &str, company: usize, i: usize) -> String {
    if area == "44" {
        format!("+4420{:08}", 7_000_000 + company * 1000 + i)
    } else {
        format!("+1{area}{:07}", 5_550_000 + company * 1000 + i)
    }
}

fn user_number(area: &str, company: usize, i: usize) -> String {
    if area == "44" {
        format!("+4420{:08}", 8_000_000 + company * 10_000 + i)
    } else {
        format!("+1{area}{:07}", 6_000_000 + company * 10_000 + i)
    }
}

/// Distinct E.164 numbers outside the company (up to 8 areas x 8 million).
pub fn external_number(company: usize, i: usize) -> String {
    let area = EXTERNAL_AREAS[(i + company) % EXTERNAL_AREAS.len()];
    let line = 2_000_000 + (i / EXTERNAL_AREAS.len()) * 3 + company % 3;
    format!("+1{area}{:07}", line % 10_000_000)
}
