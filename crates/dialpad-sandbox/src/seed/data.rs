//! The seed's raw material: names, companies, job titles, offices and the numbering
//! plans that give every seeded phone number and contact id its deterministic shape.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

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
pub(super) const COMPANY_NAMES: &[&str] = &[
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
pub(super) const JOB_TITLES: &[&str] = &[
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
pub(super) const OFFICES: &[(&str, &str, &str, &str)] = &[
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
pub(super) const LABELS: &[&str] = &["sales", "support", "billing", "follow-up", "escalation"];
pub(super) const URL_HOSTS: &[&str] = &["example.com", "example.org", "example.net"];

/// Opaque contact ids, shaped like Dialpad's URL-safe datastore keys.
pub fn contact_id(n: i64) -> String {
    let mut raw = b"Contact".to_vec();
    raw.extend_from_slice(&n.to_be_bytes());
    format!("ag5z{}", URL_SAFE_NO_PAD.encode(raw))
}

pub(super) fn office_number(area: &str, company: usize, i: usize) -> String {
    if area == "44" {
        format!("+4420{:08}", 7_000_000 + company * 1000 + i)
    } else {
        format!("+1{area}{:07}", 5_550_000 + company * 1000 + i)
    }
}

pub(super) fn user_number(area: &str, company: usize, i: usize) -> String {
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
