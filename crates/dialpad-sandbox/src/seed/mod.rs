//! The deterministic data set: the same seed and size always give the same
//! companies, offices, users, contacts, call centers, calls and credentials.
//! Timestamps are laid out backwards from an anchor instant (by default the start of
//! the current UTC day), so the data looks recent while staying reproducible.
//!
//! `data` holds the raw material (names, numbering plans), `company` builds a
//! company's people and places, `calls` its call history.

mod calls;
mod company;
mod data;

use chrono::{DateTime, Utc};

use crate::world::World;

pub use calls::{CallSpec, build_call, contact_party, user_party};
pub use data::{FIRST_NAMES, LAST_NAMES, contact_id, external_number};

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
        let offices = (2 + users / 100).min(data::OFFICES.len());
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
        let (mut company, contact_ids) =
            company::build(&mut world, &mut rng, n, company_id, sizes, anchor);
        calls::seed_calls(
            &mut world,
            &mut rng,
            n,
            &mut company,
            &contact_ids,
            sizes,
            anchor,
        );
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
