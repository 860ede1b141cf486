//! Rebuilds when a migration changes: `sqlx::migrate!` embeds `migrations/` at compile
//! time, and stable Rust cannot track those files by itself.

fn main() {
    println!("cargo:rerun-if-changed=../../migrations");
}
